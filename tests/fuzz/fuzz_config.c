/*
 * fuzz_config: saferoomd's start-up settings (server/config.c:
 * config_parse), the flags and the --config file they may name. The file
 * is a memfd, read through /proc/self/fd, so config.c reads it exactly as
 * it reads a file on disk.
 *
 * The input up to its first NUL byte is the command line, one argument a
 * line; after it, the file. An input without a NUL is all file.
 *
 * Properties: what parses is within the bounds config.c declares (strings
 * NUL-terminated and not empty, required ones set, numbers in range, no
 * more connections per address than in all); and written back out as a
 * file of every setting, it parses to the same settings.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <sys/mman.h>

#include <unistd.h>

#include "saferoom/config.h"
#include "saferoom/log.h"

#include "fuzz.h"

#define ARGS_MAX	32

static const struct {
	const char	*name;
	size_t		 offset;
	unsigned	 min, max;
} numbers[] = {
#define N(name, f, lo, hi)	{ name, offsetof(struct config, f), lo, hi }
	N("threads", threads, 1, 64),
	N("workers", workers, 1, 64),
	N("queue-max", queue_max, 1, 100000),
	N("max-connections", max_connections, 1, 100000),
	N("max-connections-per-address", max_connections_per_address, 1, 100000),
	N("body-max", body_max, 1024, 1024 * 1024),
	N("header-max", header_max, 1024, 64 * 1024),
	N("idle-timeout", idle_timeout, 1, 3600),
	N("request-timeout", request_timeout, 1, 3600),
	N("shutdown-grace", shutdown_grace, 0, 600),
#undef N
};

static const char *const levels[] = { "debug", "info", "warn", "error" };

static int	file_a = -1, file_b = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if ((file_a = memfd_create("fuzz-config-a", MFD_CLOEXEC)) == -1 ||
	    (file_b = memfd_create("fuzz-config-b", MFD_CLOEXEC)) == -1)
		abort();
	return 0;
}

static void
set_file(int fd, const void *data, size_t size, char path[64])
{
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, 64, "/proc/self/fd/%d", fd);
}

static unsigned
number(const struct config *c, size_t i)
{
	unsigned	 u;

	memcpy(&u, (const char *)c + numbers[i].offset, sizeof(u));
	return u;
}

static void
check(const struct config *c)
{
	size_t	 i;

	FUZZ_ASSERT(c->db[0] != '\0' && strnlen(c->db, sizeof(c->db)) <
	    sizeof(c->db));
	FUZZ_ASSERT(c->listen[0] != '\0' &&
	    strnlen(c->listen, sizeof(c->listen)) < sizeof(c->listen));
	FUZZ_ASSERT(c->tls_cert[0] != '\0' &&
	    strnlen(c->tls_cert, sizeof(c->tls_cert)) < sizeof(c->tls_cert));
	FUZZ_ASSERT(c->tls_key[0] != '\0' &&
	    strnlen(c->tls_key, sizeof(c->tls_key)) < sizeof(c->tls_key));
	FUZZ_ASSERT(c->log_level >= LOG_DEBUG && c->log_level <= LOG_ERROR);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		FUZZ_ASSERT(number(c, i) >= numbers[i].min &&
		    number(c, i) <= numbers[i].max);
	FUZZ_ASSERT(c->max_connections_per_address <= c->max_connections);
}

/* Can a file say s? It trims spaces, tabs and line ends; flags do not. */
static int
expressible(const char *s)
{
	size_t	 len = strlen(s);

	return strchr(" \t", s[0]) == NULL &&
	    strchr(" \t\r\n", s[len - 1]) == NULL;
}

/* Every setting of c as a config file, parsed again: the same settings. */
static void
round_trip(const struct config *c)
{
	struct config	 again;
	char		*text, path[64], err[CONFIG_ERR_MAX];
	char		*argv[] = { "saferoomd", "--config", path, NULL };
	size_t		 len, i, room = 5 * CONFIG_PATH_MAX + 4096;
	int		 help;

	if ((text = malloc(room)) == NULL)
		abort();
	len = (size_t)snprintf(text, room, "# written back\n"
	    "db = %s\nlisten = %s\ntls-cert = %s\ntls-key = %s\n"
	    "log-level = %s\n", c->db, c->listen, c->tls_cert, c->tls_key,
	    levels[c->log_level]);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		len += (size_t)snprintf(text + len, room - len, "%s = %u\n",
		    numbers[i].name, number(c, i));
	FUZZ_ASSERT(len < room);
	set_file(file_b, text, len, path);
	free(text);

	config_defaults(&again);
	FUZZ_ASSERT(config_parse(&again, 3, argv, &help, err) == 0 && !help);
	FUZZ_ASSERT(strcmp(again.db, c->db) == 0);
	FUZZ_ASSERT(strcmp(again.listen, c->listen) == 0);
	FUZZ_ASSERT(strcmp(again.tls_cert, c->tls_cert) == 0);
	FUZZ_ASSERT(strcmp(again.tls_key, c->tls_key) == 0);
	FUZZ_ASSERT(again.log_level == c->log_level);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		FUZZ_ASSERT(number(&again, i) == number(c, i));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	const uint8_t	*nul = memchr(data, '\0', size);
	char		*args = NULL, *argv[ARGS_MAX + 4], *p, *line;
	char		 path[64], err[CONFIG_ERR_MAX];
	int		 argc = 0, help = 0;

	argv[argc++] = "saferoomd";
	if (nul != NULL) {
		args = fuzz_cstr(data, (size_t)(nul - data));
		for (p = args; (line = strsep(&p, "\n")) != NULL &&
		    argc < ARGS_MAX;)
			argv[argc++] = line;
		size -= (size_t)(nul + 1 - data);
		data = nul + 1;
	}
	set_file(file_a, data, size, path);
	argv[argc++] = "--config";
	argv[argc++] = path;
	argv[argc] = NULL;

	config_defaults(&c);
	memset(err, 0, sizeof(err));
	if (config_parse(&c, argc, argv, &help, err) == 0) {
		if (!help) {
			check(&c);
			if (expressible(c.db) && expressible(c.listen) &&
			    expressible(c.tls_cert) && expressible(c.tls_key))
				round_trip(&c);
		}
	} else
		FUZZ_ASSERT(err[0] != '\0' && strnlen(err, sizeof(err)) <
		    sizeof(err));
	free(args);
	return 0;
}
