/*
 * config: start-up settings of saferoomd from flags and a file, declared in
 * one table so that a setting is one row. See include/saferoom/config.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saferoom/config.h"
#include "saferoom/util.h"

enum config_kind {
	CONFIG_STRING,
	CONFIG_UINT,
	CONFIG_LEVEL,
	CONFIG_LISTEN,		/* HOST:PORT, as http_listen() takes it */
};

struct config_opt {
	const char	*name;
	enum config_kind kind;
	size_t		 offset;
	size_t		 size;		/* of a string field */
	long long	 min, max;	/* of a number */
	int		 required;
};

#define STR(f, req)	CONFIG_STRING, offsetof(struct config, f), \
			sizeof(((struct config *)0)->f), 0, 0, req
#define UINT(f, lo, hi)	CONFIG_UINT, offsetof(struct config, f), 0, lo, hi, 0

static const struct config_opt config_opts[] = {
	{ "db",			STR(db, 1) },
	{ "listen",		CONFIG_LISTEN, offsetof(struct config, listen),
				    sizeof(((struct config *)0)->listen), 0, 0, 1 },
	{ "tls-cert",		STR(tls_cert, 1) },
	{ "tls-key",		STR(tls_key, 1) },
	{ "user",		STR(user, 0) },
	{ "log-level",		CONFIG_LEVEL, offsetof(struct config, log_level), 0, 0, 0, 0 },
	{ "threads",		UINT(threads, 1, 64) },
	{ "workers",		UINT(workers, 1, 64) },
	{ "queue-max",		UINT(queue_max, 1, 100000) },
	{ "max-connections",	UINT(max_connections, 1, 100000) },
	{ "max-connections-per-address", UINT(max_connections_per_address, 1, 100000) },
	{ "body-max",		UINT(body_max, 1024, 1024 * 1024) },
	{ "header-max",		UINT(header_max, 1024, 64 * 1024) },
	{ "idle-timeout",	UINT(idle_timeout, 1, 3600) },
	{ "request-timeout",	UINT(request_timeout, 1, 3600) },
	{ "shutdown-grace",	UINT(shutdown_grace, 0, 600) },
};

const char config_usage[] =
"usage: saferoomd --db PATH --listen HOST:PORT --tls-cert PEM --tls-key PEM\n"
"                 [--config FILE] [--user NAME]\n"
"                 [--log-level debug|info|warn|error]\n"
"                 [--threads N] [--workers N] [--queue-max N]\n"
"                 [--max-connections N] [--max-connections-per-address N]\n"
"                 [--body-max BYTES] [--header-max BYTES] [--idle-timeout S]\n"
"                 [--request-timeout S] [--shutdown-grace S]\n";

void
config_defaults(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->log_level = LOG_INFO;
	conf->threads = 2;
	conf->workers = 2;
	conf->queue_max = 256;
	conf->max_connections = 1024;
	conf->max_connections_per_address = 64;
	conf->body_max = 64 * 1024;
	conf->header_max = 8 * 1024;
	conf->idle_timeout = 15;
	conf->request_timeout = 30;
	conf->shutdown_grace = 10;
}

static const struct config_opt *
config_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(config_opts); i++)
		if (strcmp(config_opts[i].name, name) == 0)
			return &config_opts[i];
	return NULL;
}

/* Store value into the field opt names. Returns 0 or -1 with err set. */
static int
config_set(struct config *conf, const struct config_opt *opt,
    const char *value, char err[CONFIG_ERR_MAX])
{
	char		*field = (char *)conf + opt->offset;
	const char	*colon;
	long long	 v;
	unsigned	 u;

	switch (opt->kind) {
	case CONFIG_LISTEN:
		/* A flag error like any other (exit 2), not a failed bind. */
		if ((colon = strrchr(value, ':')) == NULL ||
		    util_parse_int(colon + 1, 0, 65535, &v) == -1) {
			snprintf(err, CONFIG_ERR_MAX, "%s: expected HOST:PORT, "
			    "the port a number from 0 to 65535", opt->name);
			return -1;
		}
		/* FALLTHROUGH */
	case CONFIG_STRING:
		if (*value == '\0' || strlen(value) >= opt->size) {
			snprintf(err, CONFIG_ERR_MAX, "%s: empty or too long",
			    opt->name);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case CONFIG_UINT:
		if (util_parse_int(value, opt->min, opt->max, &v) == -1) {
			snprintf(err, CONFIG_ERR_MAX,
			    "%s: expected a whole number from %lld to %lld",
			    opt->name, opt->min, opt->max);
			return -1;
		}
		u = (unsigned)v;
		memcpy(field, &u, sizeof(u));
		return 0;
	case CONFIG_LEVEL:
		if (log_level_parse(value, (enum log_level *)(void *)field) == -1) {
			snprintf(err, CONFIG_ERR_MAX,
			    "%s: expected debug, info, warn or error", opt->name);
			return -1;
		}
		return 0;
	}
	return -1;
}

static char *
config_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Apply the file's settings whose flag was not given (seen[i] == 0). */
static int
config_load_file(struct config *conf, const char *path, const char *seen,
    char err[CONFIG_ERR_MAX])
{
	FILE			*f;
	char			 line[CONFIG_PATH_MAX + 64], *name, *value, *eq;
	const struct config_opt	*opt;
	unsigned		 lineno = 0;
	long			 total = 0;
	int			 rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, CONFIG_ERR_MAX, "config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		total += (long)strlen(line);
		if (total > CONFIG_FILE_MAX) {
			snprintf(err, CONFIG_ERR_MAX, "config file %s: too large",
			    path);
			goto done;
		}
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, CONFIG_ERR_MAX,
			    "config file %s:%u: line too long", path, lineno);
			goto done;
		}
		name = config_trim(line);
		if (*name == '\0' || *name == '#')
			continue;
		if ((eq = strchr(name, '=')) == NULL) {
			snprintf(err, CONFIG_ERR_MAX,
			    "config file %s:%u: expected name = value", path,
			    lineno);
			goto done;
		}
		*eq = '\0';
		name = config_trim(name);
		value = config_trim(eq + 1);
		if ((opt = config_find(name)) == NULL) {
			snprintf(err, CONFIG_ERR_MAX,
			    "config file %s:%u: unknown setting '%.64s'", path,
			    lineno, name);
			goto done;
		}
		if (seen[opt - config_opts])
			continue;
		if (config_set(conf, opt, value, err) == -1) {
			char	 inner[CONFIG_ERR_MAX];

			snprintf(inner, sizeof(inner), "%s", err);
			snprintf(err, CONFIG_ERR_MAX, "config file %.256s:%u: %.200s",
			    path, lineno, inner);
			goto done;
		}
	}
	if (ferror(f)) {
		snprintf(err, CONFIG_ERR_MAX, "config file %s: read error", path);
		goto done;
	}
	rc = 0;
done:
	fclose(f);
	return rc;
}

int
config_parse(struct config *conf, int argc, char **argv, int *help,
    char err[CONFIG_ERR_MAX])
{
	char			 seen[NELEM(config_opts)] = { 0 };
	const struct config_opt	*opt;
	const char		*arg;
	int			 i;
	size_t			 j;

	*help = 0;
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help = 1;
			return 0;
		}
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, CONFIG_ERR_MAX, "unexpected argument '%.64s'",
			    arg);
			return -1;
		}
		if (i + 1 >= argc) {
			snprintf(err, CONFIG_ERR_MAX, "%.64s needs a value", arg);
			return -1;
		}
		if (strcmp(arg + 2, "config") == 0) {
			if (strlen(argv[i + 1]) >= sizeof(conf->config_file)) {
				snprintf(err, CONFIG_ERR_MAX, "--config: too long");
				return -1;
			}
			snprintf(conf->config_file, sizeof(conf->config_file),
			    "%s", argv[++i]);
			continue;
		}
		if ((opt = config_find(arg + 2)) == NULL) {
			snprintf(err, CONFIG_ERR_MAX, "unknown flag '%.64s'", arg);
			return -1;
		}
		if (config_set(conf, opt, argv[++i], err) == -1)
			return -1;
		seen[opt - config_opts] = 1;
	}
	if (conf->config_file[0] != '\0' &&
	    config_load_file(conf, conf->config_file, seen, err) == -1)
		return -1;
	for (j = 0; j < NELEM(config_opts); j++) {
		opt = &config_opts[j];
		if (opt->required && ((char *)conf + opt->offset)[0] == '\0') {
			snprintf(err, CONFIG_ERR_MAX, "--%s is required", opt->name);
			return -1;
		}
	}
	if (conf->max_connections_per_address > conf->max_connections)
		conf->max_connections_per_address = conf->max_connections;
	return 0;
}
