/*
 * saferoomd: the saferoom server (API.md "Programs"). Reads its settings,
 * binds its port, creates or migrates the database, loads or makes the key
 * file beside it, starts the crypto worker pool and the HTTPS server,
 * reloads the key file on SIGHUP (and when it sees it changed), and stops
 * cleanly on SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 when
 * it cannot start (certificate, key, database, address), 2 on bad flags.
 *
 * Started as root it needs --user NAME: it reads the certificate and binds
 * the port as root, hands the database files root made to NAME, and
 * becomes NAME for good before it opens the database or starts a thread
 * (priv.h). As anyone else, --user may only name that same user, so that
 * one config file serves a root start and a systemd User= start alike.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/config.h"
#include "saferoom/http.h"
#include "saferoom/kdf.h"
#include "saferoom/keys.h"
#include "saferoom/log.h"
#include "saferoom/pool.h"
#include "saferoom/priv.h"
#include "saferoom/settings.h"
#include "saferoom/store.h"
#include "saferoom/tls.h"

int
main(int argc, char *argv[])
{
	struct config		 conf;
	struct store		 st;
	struct priv_user	 pu;
	struct keys		*keys = NULL;
	struct stat		 keys_st;
	struct pool		*pool = NULL;
	struct http_server	*srv = NULL;
	SSL_CTX			*ssl = NULL;
	char			 err[CONFIG_ERR_MAX > HTTP_ERR_MAX ?
				    CONFIG_ERR_MAX : HTTP_ERR_MAX];
	char			 perr[PRIV_ERR_MAX];
	char			 kpath[CONFIG_PATH_MAX + 8];
	char			 url[HTTP_URL_MAX];
	char			 zone[SETTINGS_VALUE_MAX];
	int			 help, fd = -1, drop = 0, rc = 1;

	config_defaults(&conf);
	if (config_parse(&conf, argc, argv, &help, err) == -1) {
		fprintf(stderr, "saferoomd: %s\n%s", err, config_usage);
		return 2;
	}
	if (help) {
		fputs(config_usage, stdout);
		return 0;
	}
	if (conf.user[0] != '\0' && priv_lookup(conf.user, &pu, perr) == -1) {
		fprintf(stderr, "saferoomd: %s\n", perr);
		return 2;
	}
	if (geteuid() == 0 || getuid() == 0) {
		if (conf.user[0] == '\0') {
			fprintf(stderr, "saferoomd: refusing to run as root; "
			    "use --user NAME\n");
			return 2;
		}
		drop = 1;
	} else if (conf.user[0] != '\0' && pu.uid != geteuid()) {
		fprintf(stderr, "saferoomd: --user %s: only root can become "
		    "another user, and this is user id %u\n", conf.user,
		    (unsigned)geteuid());
		return 2;
	}
	priv_no_core();
	/* Whatever we create (database, WAL, key file) is ours alone. */
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SIGHUP means "reload the keys" (http.h), but its default kills us:
	 * one sent during migrations or the scrypt hashes below would stop
	 * the start. Ignored until http_server_run() installs its handler
	 * (libevent's sigaction replaces SIG_IGN).
	 */
	signal(SIGHUP, SIG_IGN);
	/*
	 * A write past a file-size limit (RLIMIT_FSIZE) raises SIGXFSZ, which
	 * would kill us during start-up (migrations, the key file; the loop
	 * threads block all signals). Ignored, the write fails with EFBIG,
	 * which SQLite reports as an I/O error: start-up says so and exits 1,
	 * and a request's transaction is rolled back and answered 503
	 * (store.h, store_fault); writes work again once there is room.
	 */
	signal(SIGXFSZ, SIG_IGN);
	log_init(conf.log_level);

	/*
	 * What may need root: the certificate and its key (root's files) and
	 * the port. The database and the key file live in the service user's
	 * folder and are opened as that user: root following a link planted
	 * there (SQLite as root even chowns the -wal it opens) would hand the
	 * link's target over.
	 */
	if ((ssl = tls_ctx_new(conf.tls_cert, conf.tls_key, err)) == NULL) {
		fprintf(stderr, "saferoomd: %s\n", err);
		goto done;
	}
	if ((fd = http_listen(conf.listen, url, err)) == -1) {
		fprintf(stderr, "saferoomd: %s\n", err);
		goto done;
	}
	if (keys_path(conf.db, kpath, sizeof(kpath)) == -1) {
		fprintf(stderr, "saferoomd: --db: the path is too long\n");
		goto done;
	}
	/* No thread exists yet: the drop covers the whole process. */
	if (drop) {
		if (priv_check_dir(&pu, conf.db, perr) == -1 ||
		    priv_own_files(&pu, conf.db, kpath, perr) == -1 ||
		    priv_drop(&pu, perr) == -1) {
			fprintf(stderr, "saferoomd: %s\n", perr);
			goto done;
		}
		log_info("main", "running as user %s", pu.name);
	}

	if (store_open(&st, conf.db, 1, err) == -1) {
		fprintf(stderr, "saferoomd: %s\n", err);
		goto done;
	}
	/* One zone for the whole process, before any thread (civil.h). */
	if (settings_get(&st, "timezone", zone, sizeof(zone)) == -1 ||
	    !settings_is_timezone(zone) || civil_set_timezone(zone) == -1) {
		fprintf(stderr, "saferoomd: the timezone setting is not usable; "
		    "fix it with saferoomctl settings set timezone ZONE\n");
		store_close(&st);
		goto done;
	}
	store_close(&st);
	log_info("main", "clinic time zone %s", zone);
	if ((keys = keys_load_or_create(kpath, &keys_st, err)) == NULL) {
		fprintf(stderr, "saferoomd: %s\n", err);
		goto done;
	}
	/* Made now so that the first unknown token costs no more than the next. */
	if (kdf_dummy_hash(&KDF_SECRET) == NULL ||
	    kdf_dummy_hash(&KDF_PASSWORD) == NULL) {
		fprintf(stderr, "saferoomd: cannot compute scrypt hashes\n");
		goto done;
	}
	if ((pool = pool_new(conf.workers, conf.queue_max)) == NULL) {
		fprintf(stderr, "saferoomd: cannot start the worker pool\n");
		goto done;
	}
	/* The server owns the keys and the socket from here, even on
	 * failure: a reload replaces the keys. */
	srv = http_server_new(&conf, ssl, keys, &keys_st, pool, fd, url, err);
	keys = NULL;
	fd = -1;
	if (srv == NULL) {
		fprintf(stderr, "saferoomd: %s\n", err);
		goto done;
	}
	if (http_server_tick(srv, booking_tick) == -1) {
		fprintf(stderr, "saferoomd: cannot start housekeeping\n");
		goto done;
	}
	if (http_server_run(srv) == 0)
		rc = 0;
	log_info("main", "stopped");
done:
	/* The pool first: its last results go to inboxes that still exist. */
	pool_free(pool);
	http_server_free(srv);
	if (fd != -1)
		close(fd);
	keys_free(keys);
	tls_ctx_free(ssl);
	return rc;
}
