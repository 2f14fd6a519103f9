/*
 * fixture: fixed keys, a clinic and a whole server for the harnesses; see
 * fixture.h. Set-up failures end the process: a harness without its
 * fixture has nothing to fuzz.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "saferoom/auth.h"
#include "saferoom/civil.h"
#include "saferoom/config.h"
#include "saferoom/http.h"
#include "saferoom/kdf.h"
#include "saferoom/keys.h"
#include "saferoom/log.h"
#include "saferoom/pool.h"
#include "saferoom/seal.h"
#include "saferoom/store.h"
#include "saferoom/tls.h"
#include "saferoom/token.h"
#include "saferoom/util.h"
#include "saferoom/voucher.h"

#include "../unit/tmpdir.h"
#include "fixture.h"

#define FIXTURE_ZONE		"Europe/Berlin"
#define FIXTURE_COOKIE_UNTIL	4102444800LL	/* 2100-01-01 */
#define FIXTURE_PRIORITIES	3	/* the last: the client's idle check */

static char		 fixture_dir[512];
static struct keys	*fixture_k;

static struct {
	struct config		 conf;
	SSL_CTX			*server_ssl;
	SSL_CTX			*client_ssl;
	struct pool		*pool;
	struct http_server	*srv;
	struct event_base	*base;
	struct sockaddr_in	 addr;
	SSL_SESSION		*session;	/* resumed: no public-key work */
	sqlite3			*db;		/* ours, to put the clinic back */
	sqlite3			*pristine;	/* in memory: the first state */
	int			 version;	/* PRAGMA data_version seen */
} fx;

static void __attribute__((noreturn, format(printf, 1, 2)))
fixture_fatal(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "fixture: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- cheap scrypt -------------------------------------------------------- */

typedef int	(*scrypt_fn)(const uint8_t *, size_t, const uint8_t *, size_t,
		    uint64_t, uint32_t, uint32_t, uint8_t *, size_t);

/*
 * Takes the place of libscrypt's function for kdf.c in this program: the
 * real one, at the lowest cost. The parameters kdf.c asked for are still
 * checked and written by kdf.c; only the work differs.
 */
int
libscrypt_scrypt(const uint8_t *pass, size_t passlen, const uint8_t *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
    size_t outlen)
{
	static scrypt_fn	 real;

	if (real == NULL &&
	    (real = (scrypt_fn)dlsym(RTLD_NEXT, "libscrypt_scrypt")) == NULL)
		fixture_fatal("libscrypt_scrypt not found: %s", dlerror());
	return real(pass, passlen, salt, saltlen, 16, 1, 1, out, outlen);
}

/* ---- files and keys ------------------------------------------------------ */

static void
fixture_cleanup(void)
{
	if (fixture_dir[0] != '\0')
		tmpdir_remove(fixture_dir);
}

const char *
fixture_tmpdir(void)
{
	const char	*base;

	if (fixture_dir[0] != '\0')
		return fixture_dir;
	/* tmpfs if there is one: the store fsyncs every commit. */
	if (access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/saferoom-fuzz-XXXXXX",
	    base);
	if (mkdtemp(fixture_dir) == NULL)
		fixture_fatal("mkdtemp %s: %s", fixture_dir, strerror(errno));
	atexit(fixture_cleanup);
	return fixture_dir;
}

static void
fixture_path(char *out, size_t outsz, const char *name)
{
	if ((size_t)snprintf(out, outsz, "%s/%s", fixture_tmpdir(), name) >= outsz)
		fixture_fatal("path too long");
}

const struct keys *
fixture_keys(void)
{
	char	 path[600], err[KEYS_ERR_MAX];

	if (fixture_k != NULL)
		return fixture_k;
	fixture_path(path, sizeof(path), "fixed.keys");
	if (util_write_secret_file(path, FIXTURE_KEYS, strlen(FIXTURE_KEYS)) == -1)
		fixture_fatal("%s: %s", path, strerror(errno));
	if ((fixture_k = keys_load_or_create(path, NULL, err)) == NULL)
		fixture_fatal("%s", err);
	return fixture_k;
}

static void
fixture_session_id(enum fixture_staff who, uint8_t id[AUTH_ID_LEN])
{
	memset(id, 0x11 * (int)who, AUTH_ID_LEN);
}

void
fixture_session_hex(enum fixture_staff who, char out[65])
{
	uint8_t	 id[AUTH_ID_LEN];

	fixture_session_id(who, id);
	util_hex(id, sizeof(id), out);
}

void
fixture_csrf(enum fixture_staff who, char out[65])
{
	uint8_t	 id[AUTH_ID_LEN];

	fixture_session_id(who, id);
	auth_csrf_token(fixture_keys(), id, out);
}

void
fixture_manage_cookie(int64_t id, char *out, size_t outsz)
{
	char	 payload[64], hex[33];
	uint8_t	 mac[32];

	/* As pages.c makes it: "<id>.<expiry>.<first half of the MAC, hex>". */
	snprintf(payload, sizeof(payload), "%lld.%lld", (long long)id,
	    FIXTURE_COOKIE_UNTIL);
	keys_mac(fixture_keys(), "manage-cookie", payload, strlen(payload), mac);
	util_hex(mac, 16, hex);
	snprintf(out, outsz, "%s.%s", payload, hex);
}

/* ---- the clinic ------------------------------------------------------------ */

static void
fixture_check(int rc, const char *what, struct store *st)
{
	if (rc != 0)
		fixture_fatal("making the clinic: %s: %s", what,
		    store_errmsg(st));
}

static void
fixture_booking(struct store *st, const char *token, const char *ref,
    int64_t service, int minutes, int64_t therapist, int days_ahead, int minute)
{
	struct store_booking	 b;
	struct token		 t;

	memset(&b, 0, sizeof(b));
	if (token_parse(token, &t) == -1)
		fixture_fatal("bad fixture token");
	snprintf(b.ref, sizeof(b.ref), "%s", ref);
	snprintf(b.lookup, sizeof(b.lookup), "%s", t.lookup);
	if (kdf_hash(&KDF_SECRET, t.secret, TOKEN_SECRET_LEN, b.token_hash) == -1 ||
	    seal_public(t.secret, TOKEN_SECRET_LEN, b.credit_pub) == -1)
		fixture_fatal("hashing a fixture token");
	b.has_credit_pub = 1;
	b.service_id = service;
	b.therapist_id = therapist;
	if (civil_local_to_utc(civil_today() + days_ahead, minute, &b.start) == -1)
		fixture_fatal("no such local time");
	b.end = b.start + (time_t)minutes * 60;
	b.price_cents = 9000;
	snprintf(b.currency, sizeof(b.currency), "EUR");
	fixture_check(store_booking_insert(st, &b), "booking", st);
}

/* The clinic of fixture.h in a new database at path. */
static void
fixture_clinic(const char *path)
{
	static const struct {
		const char	*key, *value;
	} settings[] = {
		{ "practice_name", "Fuzz Practice" },
		{ "timezone", FIXTURE_ZONE },
		{ "practice_address", "1 Test Street, Berlin" },
		/* A flood of bookings from 127.0.0.1 is the fuzzer's job. */
		{ "booking_rate_per_hour", "0" },
		{ "min_notice_minutes", "60" },
		{ "cancel_cutoff_hours", "0" },
		/* The seeds book about 400 days ahead (seeds.c). */
		{ "horizon_days", "730" },
		/* The seeded sessions must outlive a long run. */
		{ "session_idle_minutes", "1440" },
		{ "session_max_hours", "168" },
	};
	static const struct {
		const char	*name;
		int		 minutes;
		int64_t		 cents;
	} services[] = {
		{ "First consultation", 30, 4000 },
		{ "Individual session", 50, 9000 },
		{ "Couples session", 80, 14000 },
	};
	static const struct {
		const char	*username, *display;
		enum store_role	 role;
	} staff[] = {
		{ "admin", "Practice admin", ROLE_ADMIN },
		{ "rivera", "Dr. Alex Rivera", ROLE_THERAPIST },
		{ "okafor", "Sam Okafor, MSc", ROLE_THERAPIST },
		{ "desk", "Front desk", ROLE_DESK },
	};
	struct store		 st;
	struct store_service	 s;
	struct store_staff	 m;
	struct store_voucher	 v;
	char			 hash[KDF_HASH_MAX], err[STORE_ERR_MAX];
	uint8_t			 id[AUTH_ID_LEN], digest[32];
	size_t			 i;
	int			 day;

	if (store_open(&st, path, 1, err) == -1)
		fixture_fatal("%s", err);
	fixture_check(store_begin(&st), "begin", &st);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		fixture_check(store_setting_put(&st, settings[i].key,
		    settings[i].value), settings[i].key, &st);
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "%s", services[i].name);
		s.minutes = services[i].minutes;
		s.price_cents = services[i].cents;
		snprintf(s.currency, sizeof(s.currency), "EUR");
		fixture_check(store_service_add(&st, &s), "service", &st);
	}
	if (kdf_hash(&KDF_PASSWORD, FIXTURE_PASSWORD, strlen(FIXTURE_PASSWORD),
	    hash) == -1)
		fixture_fatal("hashing the password");
	for (i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		memset(&m, 0, sizeof(m));
		snprintf(m.username, sizeof(m.username), "%s", staff[i].username);
		snprintf(m.display_name, sizeof(m.display_name), "%s",
		    staff[i].display);
		m.role = staff[i].role;
		fixture_check(store_staff_add(&st, &m, hash,
		    (const uint8_t *)FIXTURE_TOTP_SECRET,
		    strlen(FIXTURE_TOTP_SECRET)), "staff", &st);
		if (m.id != (int64_t)i + 1)
			fixture_fatal("staff ids are not 1, 2, ...");
		fixture_session_id((enum fixture_staff)m.id, id);
		SHA256(id, sizeof(id), digest);
		fixture_check(store_session_add(&st, digest, m.id, time(NULL)),
		    "session", &st);
	}
	/* Every day, so that a slot is open whenever the fuzzer runs. */
	for (day = 1; day <= 7; day++) {
		fixture_check(store_hours_add(&st, FIXTURE_RIVERA, day, 8 * 60,
		    12 * 60), "hours", &st);
		fixture_check(store_hours_add(&st, FIXTURE_RIVERA, day, 13 * 60,
		    20 * 60), "hours", &st);
		fixture_check(store_hours_add(&st, FIXTURE_OKAFOR, day, 10 * 60,
		    18 * 60), "hours", &st);
	}
	fixture_check(store_timeoff_add(&st, FIXTURE_OKAFOR, civil_today() + 20,
	    civil_today() + 22), "time off", &st);
	memset(id, FIXTURE_FEED_BYTE, sizeof(id));
	SHA256(id, sizeof(id), digest);
	fixture_check(store_staff_set_feed(&st, FIXTURE_RIVERA, digest), "feed",
	    &st);
	fixture_booking(&st, FIXTURE_TOKEN1, FIXTURE_REF1, 2, 50, FIXTURE_RIVERA,
	    2, 10 * 60);
	fixture_booking(&st, FIXTURE_TOKEN2, FIXTURE_REF2, 1, 30, FIXTURE_OKAFOR,
	    3, 11 * 60);

	memset(&v, 0, sizeof(v));
	snprintf(v.lookup, sizeof(v.lookup), "%s", FIXTURE_VOUCHER_LOOKUP);
	if (kdf_hash(&KDF_SECRET, FIXTURE_VOUCHER_SECRET,
	    strlen(FIXTURE_VOUCHER_SECRET), v.code_hash) == -1)
		fixture_fatal("hashing the voucher");
	v.value_cents = v.balance_cents = 20000;
	snprintf(v.currency, sizeof(v.currency), "EUR");
	v.expires_day = civil_today() + 365;
	snprintf(v.kind, sizeof(v.kind), "sold");
	fixture_check(store_voucher_insert(&st, &v), "voucher", &st);
	fixture_check(store_commit(&st), "commit", &st);
	store_close(&st);
}

/* ---- putting the clinic back --------------------------------------------- */

static void
fixture_copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup	*b;
	int		 rc;

	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL)
		fixture_fatal("backup: %s", sqlite3_errmsg(to));
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		fixture_fatal("backup: %s (is a server statement still open?)",
		    sqlite3_errstr(rc));
}

static int
fixture_data_version(void)
{
	sqlite3_stmt	*stmt;
	int		 v = -1;

	if (sqlite3_prepare_v2(fx.db, "PRAGMA data_version", -1, &stmt,
	    NULL) != SQLITE_OK)
		fixture_fatal("data_version: %s", sqlite3_errmsg(fx.db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* Put the first state back if a request wrote anything since. */
static void
fixture_restore(void)
{
	int	 v = fixture_data_version();

	if (v == fx.version)
		return;
	fixture_copy_db(fx.db, fx.pristine);
	fx.version = fixture_data_version();
}

/* ---- TLS --------------------------------------------------------------------- */

/* A self-signed P-256 certificate for localhost, written to cert and key. */
static void
fixture_cert(const char *cert, const char *key)
{
	EVP_PKEY	*pkey;
	X509		*x;
	X509_NAME	*name;
	FILE		*f;

	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		fixture_fatal("cannot make a key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, pkey, EVP_sha256()) == 0)
		fixture_fatal("cannot sign the certificate");
	if ((f = fopen(cert, "w")) == NULL || PEM_write_X509(f, x) != 1 ||
	    fclose(f) != 0)
		fixture_fatal("%s: cannot write", cert);
	if ((f = fopen(key, "w")) == NULL ||
	    PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(f) != 0)
		fixture_fatal("%s: cannot write", key);
	X509_free(x);
	EVP_PKEY_free(pkey);
}

/* ---- the server ---------------------------------------------------------------- */

void
fixture_server_start(void)
{
	char		 err[CONFIG_ERR_MAX > HTTP_ERR_MAX ?
			    CONFIG_ERR_MAX : HTTP_ERR_MAX];
	char		 cert[600], key[600], keyfile[620];
	char		 listen_url[HTTP_URL_MAX], kerr[KEYS_ERR_MAX];
	const char	*url, *colon;
	struct keys	*srvkeys;
	struct stat	 keyst;
	int		 port, fd;

	if (fx.srv != NULL)
		return;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	/* Warnings (a 500, a failed statement) are worth seeing; info is noise. */
	log_init(LOG_WARN);
	if (civil_set_timezone(FIXTURE_ZONE) == -1)
		fixture_fatal("no time zone %s", FIXTURE_ZONE);

	config_defaults(&fx.conf);
	fixture_path(fx.conf.db, sizeof(fx.conf.db), "clinic.db");
	fixture_path(cert, sizeof(cert), "cert.pem");
	fixture_path(key, sizeof(key), "key.pem");
	snprintf(fx.conf.tls_cert, sizeof(fx.conf.tls_cert), "%s", cert);
	snprintf(fx.conf.tls_key, sizeof(fx.conf.tls_key), "%s", key);
	snprintf(fx.conf.listen, sizeof(fx.conf.listen), "127.0.0.1:0");
	fx.conf.threads = 1;
	fx.conf.workers = 1;
	fx.conf.idle_timeout = 5;
	fx.conf.request_timeout = 5;
	fx.conf.shutdown_grace = 1;

	fixture_clinic(fx.conf.db);
	fixture_cert(cert, key);
	if ((fx.server_ssl = tls_ctx_new(cert, key, err)) == NULL)
		fixture_fatal("%s", err);
	if ((fx.client_ssl = SSL_CTX_new(TLS_client_method())) == NULL)
		fixture_fatal("cannot make a client TLS context");
	SSL_CTX_set_verify(fx.client_ssl, SSL_VERIFY_NONE, NULL);
	/*
	 * TLS 1.2 resumes a session without a key exchange, which makes an
	 * exchange several times cheaper; TLS is not what is fuzzed here.
	 */
	SSL_CTX_set_max_proto_version(fx.client_ssl, TLS1_2_VERSION);
	SSL_CTX_set_mode(fx.client_ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if ((fx.pool = pool_new(fx.conf.workers, fx.conf.queue_max)) == NULL)
		fixture_fatal("cannot start the pool");
	/*
	 * The server owns a key set of its own, from the key file beside the
	 * database as in saferoomd (a reload would replace and free it);
	 * it holds the same fixed keys as fixture_keys().
	 */
	if (keys_path(fx.conf.db, keyfile, sizeof(keyfile)) == -1 ||
	    util_write_secret_file(keyfile, FIXTURE_KEYS,
	    strlen(FIXTURE_KEYS)) == -1)
		fixture_fatal("cannot write the key file of %s", fx.conf.db);
	if ((srvkeys = keys_load_or_create(keyfile, &keyst, kerr)) == NULL)
		fixture_fatal("%s", kerr);
	if ((fd = http_listen(fx.conf.listen, listen_url, err)) == -1)
		fixture_fatal("%s", err);
	if ((fx.srv = http_server_new(&fx.conf, fx.server_ssl, srvkeys,
	    &keyst, fx.pool, fd, listen_url, err)) == NULL)
		fixture_fatal("%s", err);
	fx.base = http_server_base(fx.srv);
	/* The server's events keep priority 0 and later ones get 1. */
	if (event_base_priority_init(fx.base, FIXTURE_PRIORITIES) == -1)
		fixture_fatal("cannot set event priorities");

	url = http_server_url(fx.srv);
	if ((colon = strrchr(url, ':')) == NULL || (port = atoi(colon + 1)) <= 0)
		fixture_fatal("cannot tell the port from %s", url);
	memset(&fx.addr, 0, sizeof(fx.addr));
	fx.addr.sin_family = AF_INET;
	fx.addr.sin_port = htons((uint16_t)port);
	fx.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if (sqlite3_open(fx.conf.db, &fx.db) != SQLITE_OK ||
	    sqlite3_open(":memory:", &fx.pristine) != SQLITE_OK)
		fixture_fatal("cannot open the clinic again");
	sqlite3_busy_timeout(fx.db, STORE_BUSY_MS);
	fixture_copy_db(fx.pristine, fx.db);
	fx.version = fixture_data_version();
}

/* ---- the client ------------------------------------------------------------------ */

/*
 * The client sends everything, then reads until the server has nothing
 * left to do (CLIENT_WAIT: no event ready, no handler or pool job at work),
 * and only then closes its side. Closing at once would race the requests:
 * evhttp drops a request whose connection reads an end of input before it
 * was dispatched, as it should.
 */
enum client_state {
	CLIENT_HANDSHAKE,
	CLIENT_WRITE,
	CLIENT_WAIT,
	CLIENT_SHUTDOWN,
	CLIENT_READ,
	CLIENT_DONE,
};

struct client {
	enum client_state	 state;
	int			 fd;
	SSL			*ssl;
	struct event		*rev, *wev, *idle;
	int			 idle_armed;
	const uint8_t		*out;
	size_t			 outlen, sent;
	struct fixture_reply	*reply;
};

static void	client_cb(evutil_socket_t, short, void *);

static void
client_record(struct client *c, const char *buf, size_t n)
{
	struct fixture_reply	*r = c->reply;
	size_t			 room;

	if (r == NULL)
		return;
	if (r->len < sizeof(r->head) - 1) {
		room = sizeof(r->head) - 1 - r->len;
		memcpy(r->head + r->len, buf, n < room ? n : room);
		r->head[r->len + (n < room ? n : room)] = '\0';
	}
	r->len += n;
}

/* Drive the TLS client as far as it goes without waiting. */
static void
client_step(struct client *c)
{
	char	 buf[16384];
	size_t	 n;
	int	 rc = 0, e;

	for (;;) {
		switch (c->state) {
		case CLIENT_HANDSHAKE:
			if ((rc = SSL_do_handshake(c->ssl)) == 1) {
				/*
				 * A copy: OpenSSL marks the session itself
				 * unresumable when the server closes without
				 * close_notify, as evhttp does.
				 */
				if (!SSL_session_reused(c->ssl)) {
					SSL_SESSION_free(fx.session);
					fx.session = SSL_SESSION_dup(
					    SSL_get_session(c->ssl));
				}
				c->state = CLIENT_WRITE;
				continue;
			}
			break;
		case CLIENT_WRITE:
			if (c->sent == c->outlen) {
				c->state = CLIENT_WAIT;
				continue;
			}
			n = c->outlen - c->sent;
			if ((rc = SSL_write(c->ssl, c->out + c->sent,
			    n > sizeof(buf) ? (int)sizeof(buf) : (int)n)) > 0) {
				c->sent += (size_t)rc;
				continue;
			}
			break;
		case CLIENT_SHUTDOWN:
			/* close_notify: the server reads an end of input. */
			if ((rc = SSL_shutdown(c->ssl)) >= 0) {
				c->state = CLIENT_READ;
				continue;
			}
			break;
		case CLIENT_WAIT:
		case CLIENT_READ:
			if ((rc = SSL_read(c->ssl, buf, sizeof(buf))) > 0) {
				client_record(c, buf, (size_t)rc);
				continue;
			}
			break;
		case CLIENT_DONE:
			return;
		}
		e = SSL_get_error(c->ssl, rc);
		if (e == SSL_ERROR_WANT_READ) {
			event_add(c->rev, NULL);
			return;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			event_add(c->wev, NULL);
			return;
		}
		/* The server closed, cleanly or not: this exchange is over. */
		ERR_clear_error();
		c->state = CLIENT_DONE;
		return;
	}
}

static void
client_cb(evutil_socket_t fd, short what, void *arg)
{
	client_step(arg);
}

/*
 * Runs only in a loop pass where nothing else was ready (it has the lowest
 * priority): the server has read what it could and answered what it will.
 */
static void
client_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	c->idle_armed = 0;
	if (c->state != CLIENT_WAIT || http_server_busy(fx.srv))
		return;
	c->state = CLIENT_SHUTDOWN;
	client_step(c);
}

void
fixture_exchange(const uint8_t *data, size_t size, struct fixture_reply *reply)
{
	struct client	 c;
	int		 one = 1;

	fixture_restore();
	memset(&c, 0, sizeof(c));
	c.out = data;
	c.outlen = size;
	c.reply = reply;
	if (reply != NULL)
		memset(reply, 0, sizeof(*reply));
	if ((c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fixture_fatal("socket: %s", strerror(errno));
	/* Small TLS records each way: no Nagle delays. */
	(void)setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c.fd, (struct sockaddr *)&fx.addr, sizeof(fx.addr)) == -1 &&
	    errno != EINPROGRESS)
		fixture_fatal("connect: %s", strerror(errno));
	if ((c.ssl = SSL_new(fx.client_ssl)) == NULL ||
	    SSL_set_fd(c.ssl, c.fd) != 1)
		fixture_fatal("cannot make a client TLS connection");
	SSL_set_connect_state(c.ssl);
	SSL_set_tlsext_host_name(c.ssl, "localhost");
	if (fx.session != NULL)
		SSL_set_session(c.ssl, fx.session);
	if ((c.rev = event_new(fx.base, c.fd, EV_READ, client_cb, &c)) == NULL ||
	    (c.wev = event_new(fx.base, c.fd, EV_WRITE, client_cb, &c)) == NULL ||
	    (c.idle = event_new(fx.base, -1, 0, client_idle_cb, &c)) == NULL ||
	    event_priority_set(c.idle, FIXTURE_PRIORITIES - 1) == -1)
		fixture_fatal("cannot make client events");

	client_step(&c);
	while (c.state != CLIENT_DONE) {
		/* While a pool job works, wait for it rather than spin. */
		if (c.state == CLIENT_WAIT && !c.idle_armed &&
		    !http_server_busy(fx.srv)) {
			c.idle_armed = 1;
			event_active(c.idle, EV_TIMEOUT, 1);
		}
		event_base_loop(fx.base, EVLOOP_ONCE);
	}
	event_free(c.rev);
	event_free(c.wev);
	event_free(c.idle);
	SSL_free(c.ssl);
	close(c.fd);

	/* Let the server finish: pool results, then the closed connection. */
	while (http_server_busy(fx.srv))
		event_base_loop(fx.base, EVLOOP_ONCE);
	event_base_loop(fx.base, EVLOOP_NONBLOCK);

	if (reply != NULL && reply->len >= 12 &&
	    strncmp(reply->head, "HTTP/1.1 ", 9) == 0)
		reply->status = atoi(reply->head + 9);
}
