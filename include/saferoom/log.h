/*
 * log: one line per event on stderr, "TIME LEVEL COMPONENT: message".
 * DESIGN.md invariant 3: callers never pass an IP address, token, voucher
 * code, cookie, password or request body; log the route pattern, never the
 * path a client sent. The level is set once at start, before any thread.
 */
#ifndef SAFEROOM_LOG_H
#define SAFEROOM_LOG_H

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

/* Set the least level written. Call before starting threads. */
void	log_init(enum log_level min);

/* Parse "debug", "info", "warn", "error". Returns 0 or -1. */
int	log_level_parse(const char *s, enum log_level *out);

void	log_debug(const char *comp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_info(const char *comp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *comp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_warnx(const char *comp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_errorx(const char *comp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
