/*
 * Unit tests of auth's pure parts and the session rows it relies on:
 * CSRF tokens tied to a session, the idle and absolute timeouts, and the
 * store's sessions (only a hash kept, disabled staff and deleted sessions
 * not found). The HTTP side is covered by tests/integration/staff.test.mjs.
 */
#include <string.h>

#include <openssl/sha.h>

#include "check.h"
#include "tmpdir.h"

#include "saferoom/auth.h"
#include "saferoom/keys.h"
#include "saferoom/store.h"

static void
test_csrf(const struct keys *k, const struct keys *other)
{
	uint8_t	 a[AUTH_ID_LEN], b[AUTH_ID_LEN];
	char	 ta[AUTH_CSRF_LEN + 1], ta2[AUTH_CSRF_LEN + 1];
	char	 tb[AUTH_CSRF_LEN + 1], tk[AUTH_CSRF_LEN + 1];

	memset(a, 1, sizeof(a));
	memset(b, 1, sizeof(b));
	b[31] ^= 1;
	auth_csrf_token(k, a, ta);
	auth_csrf_token(k, a, ta2);
	auth_csrf_token(k, b, tb);
	auth_csrf_token(other, a, tk);
	CHECK_INT((int)strlen(ta), AUTH_CSRF_LEN);
	CHECK_STR(ta, ta2);			/* stable for one session */
	CHECK(strcmp(ta, tb) != 0);		/* another session: another token */
	CHECK(strcmp(ta, tk) != 0);		/* another key file: another token */
	/* The token is not the session id itself, nor its SHA-256. */
	{
		uint8_t	 h[32];
		char	 hex[65];
		size_t	 i;

		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", a[i]);
		CHECK(strcmp(ta, hex) != 0);
		SHA256(a, sizeof(a), h);
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", h[i]);
		CHECK(strcmp(ta, hex) != 0);
	}
}

static void
test_live(void)
{
	const long long	 idle = 30 * 60, max = 12 * 3600;
	const time_t	 t0 = 1800000000;

	CHECK_INT(auth_session_live(t0, t0, t0, idle, max), 1);
	CHECK_INT(auth_session_live(t0, t0, t0 + idle, idle, max), 1);
	CHECK_INT(auth_session_live(t0, t0, t0 + idle + 1, idle, max), 0);
	/* Used often, it still ends at the absolute limit. */
	CHECK_INT(auth_session_live(t0, t0 + max - 10, t0 + max, idle, max), 1);
	CHECK_INT(auth_session_live(t0, t0 + max, t0 + max + 1, idle, max), 0);
	/* A row from the future (tampered or a clock jump) is not live. */
	CHECK_INT(auth_session_live(t0 + 3600, t0 + 3600, t0, idle, max), 0);
}

static void
test_store_sessions(const char *dir)
{
	struct store		 st;
	struct store_staff	 s;
	struct store_session	 got;
	char			 path[TMPDIR_MAX + 16], err[STORE_ERR_MAX];
	uint8_t			 id[AUTH_ID_LEN], hash[32], other[32];
	uint8_t			 secret[20] = { 1, 2, 3 };

	snprintf(path, sizeof(path), "%s/auth.db", dir);
	if (!CHECK_INT(store_open(&st, path, 1, err), 0))
		return;
	memset(&s, 0, sizeof(s));
	snprintf(s.username, sizeof(s.username), "desk");
	snprintf(s.display_name, sizeof(s.display_name), "Desk");
	s.role = ROLE_DESK;
	CHECK_INT(store_staff_add(&st, &s, "$scrypt$x", secret, sizeof(secret)), 0);
	memset(id, 7, sizeof(id));
	SHA256(id, sizeof(id), hash);
	memcpy(other, hash, sizeof(other));
	other[0] ^= 1;
	CHECK_INT(store_session_add(&st, hash, s.id, 1000), 0);
	CHECK_INT(store_session_get(&st, hash, &got), 0);
	CHECK_INT(got.staff.id, s.id);
	CHECK_INT(got.staff.role, ROLE_DESK);
	CHECK_INT((int)got.created, 1000);
	CHECK_INT(store_session_get(&st, other, &got), 1);
	/* The raw id is never what is stored: looking it up finds nothing. */
	CHECK_INT(store_session_get(&st, id, &got), 1);
	CHECK_INT(store_session_touch(&st, got.id, 2000), 0);
	CHECK_INT(store_session_get(&st, hash, &got), 0);
	CHECK_INT((int)got.last_seen, 2000);
	/* A disabled member's sessions open nothing. */
	CHECK_INT(store_staff_set_disabled(&st, s.id, 1), 0);
	CHECK_INT(store_session_get(&st, hash, &got), 1);
	CHECK_INT(store_staff_set_disabled(&st, s.id, 0), 0);
	CHECK_INT(store_session_get(&st, hash, &got), 0);
	/* Logout deletes the row. */
	CHECK_INT(store_session_delete(&st, got.id), 0);
	CHECK_INT(store_session_get(&st, hash, &got), 1);
	/* A TOTP step is used once. */
	CHECK_INT(store_staff_use_step(&st, s.id, 100), 0);
	CHECK_INT(store_staff_use_step(&st, s.id, 100), 1);
	CHECK_INT(store_staff_use_step(&st, s.id, 99), 1);
	CHECK_INT(store_staff_use_step(&st, s.id, 101), 0);
	store_close(&st);
}

int
main(void)
{
	struct keys	*k, *other;
	char		 dir[TMPDIR_MAX], path[TMPDIR_MAX + 16], err[KEYS_ERR_MAX];

	if (tmpdir_make(dir, "auth") == -1)
		return 1;
	snprintf(path, sizeof(path), "%s/a.keys", dir);
	k = keys_load_or_create(path, NULL, err);
	snprintf(path, sizeof(path), "%s/b.keys", dir);
	other = keys_load_or_create(path, NULL, err);
	if (!CHECK(k != NULL && other != NULL))
		return check_done();
	test_csrf(k, other);
	test_live();
	test_store_sessions(dir);
	keys_free(k);
	keys_free(other);
	tmpdir_remove(dir);
	return check_done();
}
