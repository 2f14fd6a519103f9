/*
 * auth: staff logins, sessions and CSRF tokens; the contract and the
 * reasons are in include/saferoom/auth.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "saferoom/auth.h"
#include "saferoom/base32.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/kdf.h"
#include "saferoom/keys.h"
#include "saferoom/log.h"
#include "saferoom/ratelimit.h"
#include "saferoom/routes.h"
#include "saferoom/settings.h"
#include "saferoom/totp.h"
#include "saferoom/util.h"

#define AUTH_TOUCH_EVERY	60	/* seconds between last_seen updates */
#define AUTH_COOKIE_MAX		(2 * AUTH_ID_LEN + 1)

void
auth_csrf_token(const struct keys *keys, const uint8_t id[AUTH_ID_LEN],
    char out[AUTH_CSRF_LEN + 1])
{
	uint8_t	 mac[32];

	keys_mac(keys, "csrf", id, AUTH_ID_LEN, mac);
	util_hex(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
}

int
auth_session_live(time_t created, time_t last_seen, time_t now,
    long long idle, long long max)
{
	return now - last_seen <= idle && now - created <= max &&
	    last_seen <= now + 60 && created <= now + 60;
}

static void
auth_csrf_of(struct http_req *req, const uint8_t id[AUTH_ID_LEN],
    char out[AUTH_CSRF_LEN + 1])
{
	auth_csrf_token(req->ctx->keys, id, out);
}

/* The session id from the cookie. 0 or -1 (none, malformed). */
static int
auth_cookie_id(struct http_req *req, uint8_t id[AUTH_ID_LEN])
{
	char	 hex[AUTH_COOKIE_MAX + 1];
	int	 rc;

	if (http_cookie(req, AUTH_COOKIE, hex, sizeof(hex)) == -1)
		return -1;
	rc = util_unhex(hex, id, AUTH_ID_LEN);
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

/* Answer "not signed in": JSON 401 or a redirect to the login page. */
static int
auth_unauthenticated(struct http_req *req, const char *why)
{
	if (!req->api) {
		http_set_cookie(req, AUTH_COOKIE, "", 0);
		http_redirect(req, "/staff/login");
		return -1;
	}
	return http_error(req, 401, "unauthorized", why);
}

/* The CSRF token a write carries: header on the API, form field on pages. */
static int
auth_csrf_ok(struct http_req *req, const char *want)
{
	static const struct input_field f[] = {
		{ "csrf", INPUT_TEXT, 1, AUTH_CSRF_LEN, AUTH_CSRF_LEN },
	};
	struct input_value	 v[1];
	const char		*got = NULL;
	char			 err[INPUT_ERR_MAX];

	if (req->api)
		got = http_header(req, "X-CSRF-Token");
	else if (input_form(req->body, f, 1, v, err) == 0)
		got = v[0].text;
	return got != NULL && strlen(got) == AUTH_CSRF_LEN &&
	    CRYPTO_memcmp(got, want, AUTH_CSRF_LEN) == 0;
}

int
auth_check(struct http_req *req, unsigned roles)
{
	struct http_ctx		*ctx = req->ctx;
	struct store_session	 s;
	struct auth_session	*a;
	uint8_t			 id[AUTH_ID_LEN], hash[32];
	time_t			 now = time(NULL);
	long long		 idle, max;
	int			 found;

	if (auth_cookie_id(req, id) == -1)
		return auth_unauthenticated(req, "Please sign in.");
	SHA256(id, sizeof(id), hash);
	found = store_session_get(&ctx->store, hash, &s);
	if (found == -1) {
		OPENSSL_cleanse(id, sizeof(id));
		return http_error(req, 500, "internal_error",
		    "The session could not be read.");
	}
	idle = settings_get_int(&ctx->store, "session_idle_minutes") * 60;
	max = settings_get_int(&ctx->store, "session_max_hours") * 3600;
	if (found == 1 || !auth_session_live(s.created, s.last_seen, now, idle,
	    max)) {
		if (found == 0)
			(void)store_session_delete(&ctx->store, s.id);
		OPENSSL_cleanse(id, sizeof(id));
		return auth_unauthenticated(req,
		    "Your session has ended; please sign in again.");
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		OPENSSL_cleanse(id, sizeof(id));
		return http_error(req, 503, "unavailable", "Out of memory.");
	}
	a->id = s.id;
	a->staff = s.staff;
	auth_csrf_of(req, id, a->csrf);
	OPENSSL_cleanse(id, sizeof(id));
	req->session = a;
	if (!(roles & (unsigned)s.staff.role))
		return http_error(req, 403, "forbidden",
		    "Your role may not do this.");
	if (req->method != EVHTTP_REQ_GET && req->method != EVHTTP_REQ_HEAD &&
	    !auth_csrf_ok(req, a->csrf))
		return http_error(req, 403, "bad_csrf",
		    "The request lacks a valid CSRF token; reload the page and "
		    "try again.");
	if (now - s.last_seen >= AUTH_TOUCH_EVERY)
		(void)store_session_touch(&ctx->store, s.id, now);
	return 0;
}

/* ---- login ------------------------------------------------------------------ */

struct auth_job {
	struct http_req		*req;
	auth_login_fn		 login_done;
	auth_done_fn		 done;
	auth_reset_fn		 reset_done;
	struct store_staff	 staff;
	struct store_credentials cred;
	int			 known;
	char			 password[AUTH_PASSWORD_MAX + 1];
	char			 next[AUTH_PASSWORD_MAX + 1];
	char			 totp[16];
	char			 next_hash[KDF_HASH_MAX];
	int			 match, hashed;
	int			 want_password;	/* reset: make a new one */
	uint64_t		 user_key, addr_key;
};

static void
auth_job_free(struct auth_job *j)
{
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static void
auth_job_work(void *arg)
{
	struct auth_job	*j = arg;

	j->match = kdf_verify(j->cred.password_hash, j->password,
	    strlen(j->password)) == 1;
	if (j->match && j->next[0] != '\0')
		j->hashed = kdf_hash(&KDF_PASSWORD, j->next, strlen(j->next),
		    j->next_hash) == 0;
}

static void
auth_fail_count(struct auth_job *j)
{
	time_t	 now = time(NULL);

	(void)ratelimit_hit(j->req->ctx->limits, j->user_key, AUTH_FAILS_USER,
	    AUTH_FAILS_WINDOW, now);
	(void)ratelimit_hit(j->req->ctx->limits, j->addr_key, AUTH_FAILS_ADDR,
	    AUTH_FAILS_WINDOW, now);
}

/* On the loop: the password matched; check the code and open a session. */
static int
auth_open_session(struct auth_job *j, struct auth_session *a)
{
	struct http_ctx	*ctx = j->req->ctx;
	uint8_t		 id[AUTH_ID_LEN], hash[32];
	char		 hex[2 * AUTH_ID_LEN + 1];
	int64_t		 step;
	long long	 max;

	if (totp_verify(j->cred.totp_secret, j->cred.totp_len, j->totp,
	    time(NULL), j->cred.totp_last_step, &step) != 1)
		return 0;
	if (RAND_bytes(id, sizeof(id)) != 1 || store_begin(&ctx->store) == -1)
		return -1;
	/* The step is marked used inside the transaction: a code is good once. */
	switch (store_staff_use_step(&ctx->store, j->staff.id, step)) {
	case 0:
		break;
	case 1:
		store_rollback(&ctx->store);
		return 0;
	default:
		store_rollback(&ctx->store);
		return -1;
	}
	SHA256(id, sizeof(id), hash);
	if (store_session_add(&ctx->store, hash, j->staff.id, time(NULL)) == -1 ||
	    store_audit(&ctx->store, j->staff.id, "login", NULL, NULL) == -1 ||
	    store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		OPENSSL_cleanse(id, sizeof(id));
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->staff = j->staff;
	auth_csrf_of(j->req, id, a->csrf);
	util_hex(id, sizeof(id), hex);
	max = settings_get_int(&ctx->store, "session_max_hours") * 3600;
	http_set_cookie(j->req, AUTH_COOKIE, hex, (long)max);
	OPENSSL_cleanse(id, sizeof(id));
	OPENSSL_cleanse(hex, sizeof(hex));
	return 1;
}

static void
auth_login_done(void *arg)
{
	struct auth_job		*j = arg;
	struct auth_session	 a;
	int			 ok = 0;

	if (j->known && j->match && !j->cred.disabled)
		ok = auth_open_session(j, &a);
	if (ok == -1) {
		http_error(j->req, 500, "internal_error",
		    "The session could not be opened.");
	} else if (ok == 0) {
		auth_fail_count(j);
		log_info("auth", "failed login");
		j->login_done(j->req, 0, NULL);
	} else {
		ratelimit_clear(j->req->ctx->limits, j->user_key);
		log_info("auth", "login: %s", j->staff.username);
		j->login_done(j->req, 1, &a);
		OPENSSL_cleanse(&a, sizeof(a));
	}
	auth_job_free(j);
}

static uint64_t
auth_user_key(struct http_req *req, const char *username)
{
	uint8_t		 mac[32];
	uint64_t	 key;

	keys_mac(req->ctx->keys, "login-user", username, strlen(username), mac);
	memcpy(&key, mac, sizeof(key));
	return key;
}

int
auth_login(struct http_req *req, const char *username, const char *password,
    const char *totp, auth_login_fn done)
{
	struct http_ctx	*ctx = req->ctx;
	struct auth_job	*j;
	const char	*dummy;
	char		 secs[16];
	unsigned	 wait;
	time_t		 now = time(NULL);

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return http_error(req, 503, "unavailable", "Out of memory.");
	j->req = req;
	j->login_done = done;
	j->user_key = auth_user_key(req, username);
	j->addr_key = http_client_key(req, "login-addr");
	wait = ratelimit_check(ctx->limits, j->user_key, AUTH_FAILS_USER,
	    AUTH_FAILS_WINDOW, now);
	if (wait == 0)
		wait = ratelimit_check(ctx->limits, j->addr_key, AUTH_FAILS_ADDR,
		    AUTH_FAILS_WINDOW, now);
	if (wait != 0) {
		auth_job_free(j);
		snprintf(secs, sizeof(secs), "%u", wait);
		http_set_header(req, "Retry-After", secs);
		return http_error(req, 429, "too_many_requests",
		    "Too many failed sign-ins; please wait and try again.");
	}
	switch (store_staff_credentials(&ctx->store, username, &j->staff,
	    &j->cred)) {
	case 0:
		j->known = 1;
		break;
	case 1:
		/* Unknown: spend the same scrypt work on a dummy hash. */
		if ((dummy = kdf_dummy_hash(&KDF_PASSWORD)) != NULL)
			snprintf(j->cred.password_hash,
			    sizeof(j->cred.password_hash), "%s", dummy);
		break;
	default:
		auth_job_free(j);
		return http_error(req, 500, "internal_error",
		    "The account could not be read.");
	}
	snprintf(j->password, sizeof(j->password), "%s", password);
	snprintf(j->totp, sizeof(j->totp), "%s", totp);
	if (http_submit(req, auth_job_work, auth_login_done, j) == -1) {
		auth_job_free(j);
		return -1;
	}
	return 0;
}

int
auth_logout(struct http_req *req)
{
	struct http_ctx	*ctx = req->ctx;

	if (req->session == NULL)
		return 0;
	if (store_begin(&ctx->store) == -1 ||
	    store_session_delete(&ctx->store, req->session->id) == -1 ||
	    store_audit(&ctx->store, req->session->staff.id, "logout", NULL,
	    NULL) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return -1;
	}
	http_set_cookie(req, AUTH_COOKIE, "", 0);
	return 0;
}

/* ---- password changes ------------------------------------------------------- */

int
auth_password_ok(const char *password)
{
	size_t	 len = strlen(password);

	return len >= AUTH_PASSWORD_MIN && len <= AUTH_PASSWORD_MAX;
}

static void
auth_change_done(void *arg)
{
	struct auth_job	*j = arg;
	struct http_ctx	*ctx = j->req->ctx;
	int		 ok = 0;

	if (j->match && j->hashed) {
		ok = -2;
		if (store_begin(&ctx->store) == 0 &&
		    store_staff_set_password(&ctx->store, j->staff.id,
		    j->next_hash) == 0 &&
		    store_sessions_end_staff(&ctx->store, j->staff.id) == 0 &&
		    store_audit(&ctx->store, j->staff.id, "password_changed",
		    NULL, NULL) == 0 && store_commit(&ctx->store) == 0)
			ok = 1;
		else
			store_rollback(&ctx->store);
	} else if (!j->match)
		auth_fail_count(j);
	if (ok == -2)
		http_error(j->req, 500, "internal_error",
		    "The password could not be changed.");
	else
		j->done(j->req, ok);
	auth_job_free(j);
}

/*
 * Check the signed-in member's password against current on the pool; then
 * hash next too when it is not NULL; then after(job) on the loop. Answers
 * itself on failure to start (returns -1).
 */
static int
auth_session_job(struct http_req *req, const char *current, const char *next,
    auth_done_fn done, void (*after)(void *))
{
	struct auth_job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return http_error(req, 503, "unavailable", "Out of memory.");
	j->req = req;
	j->done = done;
	j->user_key = auth_user_key(req, req->session->staff.username);
	j->addr_key = http_client_key(req, "login-addr");
	if (store_staff_credentials(&req->ctx->store,
	    req->session->staff.username, &j->staff, &j->cred) != 0) {
		auth_job_free(j);
		return http_error(req, 500, "internal_error",
		    "The account could not be read.");
	}
	snprintf(j->password, sizeof(j->password), "%s", current);
	if (next != NULL)
		snprintf(j->next, sizeof(j->next), "%s", next);
	if (http_submit(req, auth_job_work, after, j) == -1) {
		auth_job_free(j);
		return -1;
	}
	return 0;
}

int
auth_change_password(struct http_req *req, const char *current,
    const char *next, auth_done_fn done)
{
	if (!auth_password_ok(next)) {
		done(req, -1);
		return 0;
	}
	return auth_session_job(req, current, next, done, auth_change_done);
}

static void
auth_check_done(void *arg)
{
	struct auth_job	*j = arg;

	if (!j->match)
		auth_fail_count(j);
	j->done(j->req, j->match);
	auth_job_free(j);
}

int
auth_check_password(struct http_req *req, const char *password,
    auth_done_fn done)
{
	return auth_session_job(req, password, NULL, done, auth_check_done);
}

#define AUTH_RANDOM_PASSWORD_LEN	16

/* On a worker: a random password (when wanted) and its hash. */
static void
auth_reset_work(void *arg)
{
	static const char	 alphabet[] = "abcdefghjkmnpqrstuvwxyz"
	    "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
	struct auth_job		*j = arg;
	unsigned char		 r;
	size_t			 i = 0;

	if (!j->want_password) {
		j->hashed = 1;
		return;
	}
	while (i < AUTH_RANDOM_PASSWORD_LEN) {
		if (RAND_bytes(&r, 1) != 1)
			return;
		if (r >= 256 - 256 % (sizeof(alphabet) - 1))
			continue;	/* no modulo bias */
		j->next[i++] = alphabet[r % (sizeof(alphabet) - 1)];
	}
	j->next[i] = '\0';
	j->hashed = kdf_hash(&KDF_PASSWORD, j->next, strlen(j->next),
	    j->next_hash) == 0;
}

static void
auth_reset_done(void *arg)
{
	struct auth_job	*j = arg;
	struct http_ctx	*ctx = j->req->ctx;
	uint8_t		 secret[TOTP_SECRET_LEN];
	char		 b32[BASE32_ENCODED_LEN(TOTP_SECRET_LEN) + 1];
	char		 uri[TOTP_URI_MAX];
	int		 self = j->staff.id == j->req->session->staff.id, ok = 0;

	if (j->hashed && totp_new_secret(secret) == 0 &&
	    base32_encode(secret, sizeof(secret), b32, sizeof(b32)) == 0 &&
	    totp_uri(uri, sizeof(uri), "saferoom", j->staff.username, b32) == 0 &&
	    store_begin(&ctx->store) == 0) {
		if ((!j->want_password || store_staff_set_password(&ctx->store,
		    j->staff.id, j->next_hash) == 0) &&
		    store_staff_set_totp(&ctx->store, j->staff.id, secret,
		    sizeof(secret)) == 0 &&
		    (self || store_sessions_end_staff(&ctx->store,
		    j->staff.id) == 0) &&
		    store_audit(&ctx->store, j->req->session->staff.id,
		    j->want_password ? "account_reset" : "totp_reset", NULL,
		    j->staff.username) == 0 && store_commit(&ctx->store) == 0)
			ok = 1;
		else
			store_rollback(&ctx->store);
	}
	if (ok)
		j->reset_done(j->req, j->want_password ? j->next : NULL, b32,
		    uri);
	else
		http_error(j->req, 500, "internal_error",
		    "The account could not be reset.");
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(uri, sizeof(uri));
	auth_job_free(j);
}

int
auth_reset_account(struct http_req *req, const struct store_staff *who,
    int new_password, auth_reset_fn done)
{
	struct auth_job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return http_error(req, 503, "unavailable", "Out of memory.");
	j->req = req;
	j->reset_done = done;
	j->staff = *who;
	j->want_password = new_password;
	if (http_submit(req, auth_reset_work, auth_reset_done, j) == -1) {
		auth_job_free(j);
		return -1;
	}
	return 0;
}
