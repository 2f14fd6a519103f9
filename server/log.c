/*
 * log: stderr lines for operators. See include/saferoom/log.h for what may
 * never be logged. Each line is formatted into one buffer and written with
 * one write(2) so lines from several threads never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "saferoom/log.h"

#define LOG_LINE_MAX	1024

/* Written once in log_init() before any thread starts, then only read. */
static enum log_level log_min = LOG_INFO;

static const char *const log_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

void
log_init(enum log_level min)
{
	log_min = min;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void log_vwrite(enum log_level, const char *, int, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

static void
log_vwrite(enum log_level level, const char *comp, int errnum,
    const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];
	struct tm	 tm;
	time_t		 now;
	size_t		 len;
	int		 n;

	if (level < log_min)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n = snprintf(line + len, sizeof(line) - len, "%s %s: ",
	    log_names[level], comp);
	if (n > 0)
		len += (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		if (n > 0)
			len += (size_t)n;
	}
	if (errnum != 0 && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(errnum));
		if (n > 0)
			len += (size_t)n;
	}
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *comp, const char *fmt, ...)				\
{									\
	va_list	 ap;							\
	int	 saved = errno;						\
									\
	va_start(ap, fmt);						\
	log_vwrite(level, comp, with_errno ? saved : 0, fmt, ap);	\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_debug, LOG_DEBUG, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_warn, LOG_WARN, 1)
LOG_FN(log_warnx, LOG_WARN, 0)
LOG_FN(log_errorx, LOG_ERROR, 0)
