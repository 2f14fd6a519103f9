/*
 * config: the daemon's start-up settings, from flags (API.md "Programs") and
 * an optional --config FILE of the same names. Flags win over the file.
 *
 * The file has one "name = value" per line; '#' starts a comment line.
 * Names are the long flag names without "--" (db, listen, tls-cert, ...).
 * Clinic settings that staff change at run time (timezone, notice, ...)
 * live in the database instead (settings.h).
 */
#ifndef SAFEROOM_CONFIG_H
#define SAFEROOM_CONFIG_H

#include <stddef.h>

#include "saferoom/log.h"

#define CONFIG_PATH_MAX		4096
#define CONFIG_FILE_MAX		(64 * 1024)
#define CONFIG_ERR_MAX		512

struct config {
	char		 db[CONFIG_PATH_MAX];
	char		 listen[256];		/* HOST:PORT; port 0 picks one */
	char		 tls_cert[CONFIG_PATH_MAX];
	char		 tls_key[CONFIG_PATH_MAX];
	char		 config_file[CONFIG_PATH_MAX];
	char		 user[64];		/* started as root: become this user */
	enum log_level	 log_level;
	unsigned	 threads;		/* event-loop threads */
	unsigned	 workers;		/* crypto worker threads */
	unsigned	 queue_max;		/* crypto jobs waiting, then 503 */
	unsigned	 max_connections;	/* open connections, all threads */
	unsigned	 max_connections_per_address;
	unsigned	 body_max;		/* request body bytes, then 413 */
	unsigned	 header_max;		/* request header bytes */
	unsigned	 idle_timeout;		/* seconds a connection may idle */
	unsigned	 request_timeout;	/* seconds to send one whole request */
	unsigned	 shutdown_grace;	/* seconds to finish work on SIGTERM */
};

/* Defaults, before the file and the flags. */
void	config_defaults(struct config *);

/*
 * Fill conf from argv (and the file named by --config). Returns 0; -1 with a
 * sentence in err on an unknown flag, a missing value, a value out of range,
 * an unreadable file or a missing required setting. "--help" sets *help.
 */
int	config_parse(struct config *conf, int argc, char **argv, int *help,
	    char err[CONFIG_ERR_MAX]);

/* The usage text for saferoomd. */
extern const char config_usage[];

#endif
