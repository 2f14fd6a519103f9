/*
 * auth: staff logins and sessions (DESIGN.md "Staff sessions"). A login
 * checks the scrypt password hash on the worker pool, then a TOTP code
 * (RFC 6238, one step of drift, each code good once), and opens a session:
 * 256 random bits in a cookie "__Host-saferoom-staff" (Secure, HttpOnly,
 * SameSite=Strict, Path=/), of which the server keeps only the SHA-256, so
 * sessions survive a restart and a stolen database opens none. Sessions end
 * after an idle and an absolute timeout (settings) and at logout.
 *
 * Every write by staff carries a CSRF token tied to the session
 * (HMAC of its id under the key file's MAC key): the X-CSRF-Token header on
 * the API, a hidden "csrf" field on pages.
 *
 * Failed logins are counted per account and per client address in memory;
 * an unknown user and a wrong password get the same answer in the same time.
 */
#ifndef SAFEROOM_AUTH_H
#define SAFEROOM_AUTH_H

#include <stdint.h>
#include <time.h>

#include "saferoom/store.h"

#define AUTH_COOKIE		"__Host-saferoom-staff"
#define AUTH_ID_LEN		32	/* random bytes of a session id */
#define AUTH_CSRF_LEN		64	/* hex characters */
#define AUTH_FAILS_USER		5	/* failed logins per account ... */
#define AUTH_FAILS_ADDR		20	/* ... and per client address ... */
#define AUTH_FAILS_WINDOW	(15 * 60)	/* ... per this many seconds */
#define AUTH_PASSWORD_MIN	10
#define AUTH_PASSWORD_MAX	256

struct http_req;
struct keys;

/* The CSRF token of a session id: hex HMAC under the MAC key. Pure. */
void	auth_csrf_token(const struct keys *, const uint8_t id[AUTH_ID_LEN],
	    char out[AUTH_CSRF_LEN + 1]);

/*
 * Is a session made at created and last used at last_seen still live at
 * now, with idle and max seconds allowed? Pure; a clock far in the future
 * (a tampered row) is not live.
 */
int	auth_session_live(time_t created, time_t last_seen, time_t now,
	    long long idle, long long max);

/* The signed-in staff member of a request, set by auth_check(). */
struct auth_session {
	int64_t			 id;		/* sessions row */
	struct store_staff	 staff;
	char			 csrf[AUTH_CSRF_LEN + 1];
};

/*
 * For a route that needs one of roles: find the session from the cookie,
 * check its timeouts, the role and, on writes, the CSRF token. Returns 0
 * with req->session set, or -1 after answering: 401 (API) or a redirect to
 * the login page (pages) without a live session, 403 for a role the route
 * does not allow or a missing or wrong CSRF token.
 */
int	auth_check(struct http_req *, unsigned roles);

/*
 * Check username, password and TOTP code; on success open a session (the
 * cookie is set on req's answer) and write "login" to the audit log. Then
 * done runs on the loop with ok and, when ok, the CSRF token. On failure
 * done is called with ok 0 (after counting the failure), or auth answers
 * 429 itself when the account or address is over its limit.
 */
typedef void	(*auth_login_fn)(struct http_req *, int ok,
		    const struct auth_session *);
int	auth_login(struct http_req *, const char *username, const char *password,
	    const char *totp, auth_login_fn done);

/* End req's session on the server, expire the cookie, audit "logout". */
int	auth_logout(struct http_req *);

/*
 * Change the signed-in member's password after checking the current one
 * (on the pool); ends all their sessions, this one too, so they sign in
 * again with the new password. done gets ok 1, 0 (wrong
 * current password), or -1 (the new one is unacceptable: too short).
 */
typedef void	(*auth_done_fn)(struct http_req *, int ok);
int	auth_change_password(struct http_req *, const char *current,
	    const char *next, auth_done_fn done);

/* Is password acceptable for staff (length AUTH_PASSWORD_MIN..MAX)? */
int	auth_password_ok(const char *password);

/*
 * Check the signed-in member's password on the pool, then done(req, 1) or
 * done(req, 0) (counted as a failed login). For changes that need it.
 */
int	auth_check_password(struct http_req *, const char *password,
	    auth_done_fn done);

/*
 * Give staff member who a new random password and a new TOTP secret (an
 * admin's reset, or a member replacing their own TOTP with new_password
 * NULL: then only the secret changes). All their sessions end but the
 * caller's own when who is the caller. done gets the new password (or
 * NULL) and the base32 secret and otpauth URI, shown once; on failure
 * auth answers 500 itself.
 */
typedef void	(*auth_reset_fn)(struct http_req *, const char *password,
		    const char *b32, const char *uri);
int	auth_reset_account(struct http_req *, const struct store_staff *who,
	    int new_password, auth_reset_fn done);

#endif
