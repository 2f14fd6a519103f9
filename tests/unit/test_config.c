/*
 * Unit test of server/config.c against include/saferoom/config.h: flags,
 * their checks and the sentences given for each refusal, --help, and the
 * --config file ("name = value", comments, unknown names, flags winning
 * over the file, a missing file named in the error, a line too long).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saferoom/config.h"

#include "check.h"
#include "tmpdir.h"

#define ARGV_MAX	32

static char	 tmp[TMPDIR_MAX];

/* The four flags saferoomd cannot start without. */
#define REQUIRED \
	"--db", "/var/db/saferoom.db", "--listen", "127.0.0.1:8443", \
	"--tls-cert", "/etc/saferoom/cert.pem", "--tls-key", "/etc/saferoom/key.pem"

/*
 * config_defaults then config_parse of the NULL-ended arguments after
 * argv[0]. Returns what config_parse returned.
 */
static int
parse(struct config *conf, int *help, char err[CONFIG_ERR_MAX], ...)
{
	char		*argv[ARGV_MAX];
	const char	*a;
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = (char *)"saferoomd";
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && argc < ARGV_MAX - 1)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(conf);
	*help = -1;
	memset(err, 'E', CONFIG_ERR_MAX - 1);
	err[CONFIG_ERR_MAX - 1] = '\0';
	return config_parse(conf, argc, argv, help, err);
}

/* Does err contain want? Prints err if not. */
static int
err_has(const char *err, const char *want)
{
	if (CHECK(strstr(err, want) != NULL))
		return 1;
	fprintf(stderr, "\terr \"%s\" lacks \"%s\"\n", err, want);
	return 0;
}

/* Write a config file named name in the temp directory; its path in out. */
static const char *
conf_file(char out[TMPDIR_MAX], const char *name, const char *text)
{
	tmpdir_path(out, tmp, name);
	if (tmpdir_write(out, text, strlen(text), 0600) == -1) {
		fprintf(stderr, "cannot write %s\n", out);
		abort();
	}
	return out;
}

static void
test_defaults(void)
{
	struct config	 c;

	config_defaults(&c);
	CHECK_STR(c.db, "");
	CHECK_STR(c.config_file, "");
	CHECK_INT(c.log_level, LOG_INFO);
	CHECK(c.threads >= 1);
	CHECK(c.workers >= 1);
	CHECK(c.max_connections_per_address <= c.max_connections);
	CHECK(c.body_max >= 1024);
	CHECK(c.idle_timeout >= 1);
}

static void
test_flags(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX];
	int		 help;

	CHECK_INT(parse(&c, &help, err, REQUIRED, NULL), 0);
	CHECK_INT(help, 0);
	CHECK_STR(c.db, "/var/db/saferoom.db");
	CHECK_STR(c.listen, "127.0.0.1:8443");
	CHECK_STR(c.tls_cert, "/etc/saferoom/cert.pem");
	CHECK_STR(c.tls_key, "/etc/saferoom/key.pem");
	CHECK_INT(c.threads, 2);		/* defaults kept */
	CHECK_INT(c.log_level, LOG_INFO);

	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "8",
	    "--workers", "3", "--queue-max", "100000", "--body-max", "1024",
	    "--header-max", "65536", "--idle-timeout", "3600",
	    "--request-timeout", "1", "--shutdown-grace", "0",
	    "--max-connections", "500", "--max-connections-per-address", "7",
	    "--log-level", "debug", NULL), 0);
	CHECK_INT(c.threads, 8);
	CHECK_INT(c.workers, 3);
	CHECK_INT(c.queue_max, 100000);
	CHECK_INT(c.body_max, 1024);
	CHECK_INT(c.header_max, 65536);
	CHECK_INT(c.idle_timeout, 3600);
	CHECK_INT(c.request_timeout, 1);
	CHECK_INT(c.shutdown_grace, 0);
	CHECK_INT(c.max_connections, 500);
	CHECK_INT(c.max_connections_per_address, 7);
	CHECK_INT(c.log_level, LOG_DEBUG);

	/* Order does not matter; the last of a repeated flag wins. */
	CHECK_INT(parse(&c, &help, err, "--threads", "4", REQUIRED,
	    "--threads", "5", "--log-level", "error", NULL), 0);
	CHECK_INT(c.threads, 5);
	CHECK_INT(c.log_level, LOG_ERROR);
}

static void
test_flag_errors(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX];
	int		 help;

	/* Each required setting, missing. */
	CHECK_INT(parse(&c, &help, err, "--listen", "127.0.0.1:0",
	    "--tls-cert", "c", "--tls-key", "k", NULL), -1);
	err_has(err, "--db");
	CHECK_INT(parse(&c, &help, err, "--db", "d", "--tls-cert", "c",
	    "--tls-key", "k", NULL), -1);
	err_has(err, "--listen");
	CHECK_INT(parse(&c, &help, err, "--db", "d", "--listen", "l:1",
	    "--tls-key", "k", NULL), -1);
	err_has(err, "--tls-cert");
	CHECK_INT(parse(&c, &help, err, "--db", "d", "--listen", "l:1",
	    "--tls-cert", "c", NULL), -1);
	err_has(err, "--tls-key");
	CHECK_INT(parse(&c, &help, err, NULL), -1);
	CHECK(strlen(err) > 0 && strlen(err) < CONFIG_ERR_MAX);

	/* A flag without its value. */
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", NULL), -1);
	err_has(err, "--threads");
	err_has(err, "value");
	CHECK_INT(parse(&c, &help, err, "--db", NULL), -1);
	err_has(err, "--db");

	/* Unknown flags, and arguments that are not flags. */
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--colour", "blue", NULL), -1);
	err_has(err, "--colour");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "stray", NULL), -1);
	err_has(err, "stray");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "-d", "x", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--", "x", NULL), -1);

	/* Numbers out of range, or not numbers. */
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "0", NULL), -1);
	err_has(err, "threads");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "65", NULL), -1);
	err_has(err, "threads");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "64", NULL), 0);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "-1", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "two", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", "", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--threads", " 2", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--body-max", "1023", NULL), -1);
	err_has(err, "body-max");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--body-max", "1048577",
	    NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--shutdown-grace", "601",
	    NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--idle-timeout",
	    "99999999999999999999999", NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--log-level", "loud", NULL),
	    -1);
	err_has(err, "log-level");

	/*
	 * --listen: HOST:PORT with a port http_listen() would take, else a
	 * flag error (saferoomd exits 2) rather than a failure to bind.
	 */
	{
		static const char *const bad[] = { "127.0.0.1", "127.0.0.1:",
		    "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http",
		    "[::1]", ":99999" };
		static const char *const good[] = { "127.0.0.1:0",
		    "127.0.0.1:65535", "[::1]:443", ":8443", "localhost:1" };
		size_t	 i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (!CHECK_INT(parse(&c, &help, err, "--db", "d",
			    "--tls-cert", "c", "--tls-key", "k", "--listen",
			    bad[i], NULL), -1))
				fprintf(stderr, "\taccepted %s\n", bad[i]);
			err_has(err, "listen");
		}
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			if (!CHECK_INT(parse(&c, &help, err, "--db", "d",
			    "--tls-cert", "c", "--tls-key", "k", "--listen",
			    good[i], NULL), 0))
				fprintf(stderr, "\trefused %s: %s\n", good[i],
				    err);
	}

	/* Strings: empty, or longer than their field. */
	CHECK_INT(parse(&c, &help, err, "--db", "", "--listen", "l:1",
	    "--tls-cert", "c", "--tls-key", "k", NULL), -1);
	err_has(err, "db");
	{
		char	 long_listen[300];

		memset(long_listen, 'a', sizeof(long_listen) - 1);
		long_listen[sizeof(long_listen) - 1] = '\0';
		CHECK_INT(parse(&c, &help, err, REQUIRED, "--listen",
		    long_listen, NULL), -1);
		err_has(err, "listen");
	}
}

static void
test_help(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX];
	int		 help;

	CHECK_INT(parse(&c, &help, err, "--help", NULL), 0);
	CHECK_INT(help, 1);
	CHECK_INT(parse(&c, &help, err, "-h", NULL), 0);
	CHECK_INT(help, 1);
	/* --help wins over what would be an error later on. */
	CHECK_INT(parse(&c, &help, err, "--threads", "4", "--help", "--bogus",
	    NULL), 0);
	CHECK_INT(help, 1);
	CHECK(strstr(config_usage, "--db") != NULL);
	CHECK(strstr(config_usage, "--config") != NULL);
}

static void
test_file(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX], path[TMPDIR_MAX];
	int		 help;

	conf_file(path, "full.conf",
	    "# saferoomd settings\n"
	    "\n"
	    "db = /srv/saferoom.db\n"
	    "listen=0.0.0.0:443\n"
	    "   tls-cert   =   /etc/ssl/c.pem   \n"
	    "\t# an indented comment\n"
	    "tls-key = /etc/ssl/k.pem\r\n"
	    "threads = 4\n"
	    "log-level = warn\n"
	    "shutdown-grace = 30");		/* no newline at the end */
	CHECK_INT(parse(&c, &help, err, "--config", path, NULL), 0);
	CHECK_INT(help, 0);
	CHECK_STR(c.db, "/srv/saferoom.db");
	CHECK_STR(c.listen, "0.0.0.0:443");
	CHECK_STR(c.tls_cert, "/etc/ssl/c.pem");
	CHECK_STR(c.tls_key, "/etc/ssl/k.pem");
	CHECK_INT(c.threads, 4);
	CHECK_INT(c.log_level, LOG_WARN);
	CHECK_INT(c.shutdown_grace, 30);
	CHECK_INT(c.workers, 2);		/* default kept */
	CHECK_STR(c.config_file, path);

	/* Flags win over the file, given before or after --config. */
	CHECK_INT(parse(&c, &help, err, "--threads", "8", "--config", path,
	    "--db", "/flag.db", NULL), 0);
	CHECK_INT(c.threads, 8);
	CHECK_STR(c.db, "/flag.db");
	CHECK_STR(c.listen, "0.0.0.0:443");	/* from the file */
	CHECK_INT(c.log_level, LOG_WARN);

	/* A flag wins even over a value the file would refuse. */
	conf_file(path, "bad-threads.conf", "threads = 0\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path,
	    "--threads", "3", NULL), 0);
	CHECK_INT(c.threads, 3);

	/* The file may supply only some settings; flags the rest. */
	conf_file(path, "part.conf", "db = /part.db\nlisten = [::1]:0\n");
	CHECK_INT(parse(&c, &help, err, "--config", path, "--tls-cert", "c",
	    "--tls-key", "k", NULL), 0);
	CHECK_STR(c.db, "/part.db");
	CHECK_STR(c.listen, "[::1]:0");
	CHECK_INT(parse(&c, &help, err, "--config", path, "--tls-cert", "c",
	    NULL), -1);
	err_has(err, "--tls-key");

	/* An empty file, and one of comments only, set nothing. */
	conf_file(path, "empty.conf", "");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), 0);
	conf_file(path, "comments.conf", "# one\n#two = 2\n\n   \n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), 0);
	CHECK_INT(c.threads, 2);
}

static void
test_file_errors(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX], path[TMPDIR_MAX], *big;
	int		 help;
	size_t		 n;

	/* An unknown name is an error naming it and its line. */
	conf_file(path, "unknown.conf", "db = /x.db\n# c\ncolour = blue\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, "colour");
	err_has(err, ":3");
	err_has(err, path);

	/* "config" itself is not a setting of the file. */
	conf_file(path, "nested.conf", "config = /etc/other.conf\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);

	/* A value out of range, with where it was. */
	conf_file(path, "range.conf", "\nthreads = 65\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, "threads");
	err_has(err, ":2");
	conf_file(path, "level.conf", "log-level = verbose\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, "log-level");
	conf_file(path, "emptyval.conf", "db =\n");
	CHECK_INT(parse(&c, &help, err, "--listen", "l:1", "--tls-cert", "c",
	    "--tls-key", "k", "--config", path, NULL), -1);

	/* A line that is not "name = value". */
	conf_file(path, "noeq.conf", "threads 4\n");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, ":1");

	/* A missing file is an error naming it. */
	tmpdir_path(path, tmp, "no-such.conf");
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, path);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", tmp, NULL), -1);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", NULL), -1);

	/* A line longer than any setting can be. */
	n = CONFIG_PATH_MAX + 200;
	if ((big = malloc(n + 16)) == NULL)
		abort();
	memcpy(big, "db = /", 6);
	memset(big + 6, 'a', n - 6);
	memcpy(big + n, "\nthreads = 3\n", 14);
	conf_file(path, "long.conf", big);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	err_has(err, "too long");
	err_has(err, ":1");
	CHECK(c.threads != 3);
	/* The same line, last in the file and without a newline. */
	big[n] = '\0';
	conf_file(path, "long-last.conf", big);
	CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path, NULL), -1);
	free(big);

	/* A file larger than CONFIG_FILE_MAX, of lines that are all fine. */
	{
		const char	*line = "# padding padding padding padding\n";
		size_t		 ll = strlen(line), i, count;

		count = CONFIG_FILE_MAX / ll + 2;
		if ((big = malloc(count * ll + 1)) == NULL)
			abort();
		for (i = 0; i < count; i++)
			memcpy(big + i * ll, line, ll);
		big[count * ll] = '\0';
		conf_file(path, "huge.conf", big);
		CHECK_INT(parse(&c, &help, err, REQUIRED, "--config", path,
		    NULL), -1);
		err_has(err, path);
		free(big);
	}
}

int
main(void)
{
	if (tmpdir_make(tmp, "config") == -1)
		return 1;
	test_defaults();
	test_flags();
	test_flag_errors();
	test_help();
	test_file();
	test_file_errors();
	tmpdir_remove(tmp);
	return check_done();
}
