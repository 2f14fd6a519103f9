/*
 * fixture: what the harnesses that need more than a pure function share.
 *
 *  - fixed test keys (a MAC key and two ticket keys), so that the seed
 *    corpus can hold signed tickets, manage cookies and CSRF tokens that
 *    stay valid from run to run;
 *  - a whole saferoomd in the fuzzing process: a clinic in a temporary
 *    SQLite file with known secrets (fixture_*), the real route table
 *    behind a real evhttp over TLS on 127.0.0.1, one loop run on the
 *    fuzzing thread, and a client that sends raw bytes through a TLS
 *    connection and reads the answer.
 *
 * scrypt is cheap in every program linked with this file: the fixture
 * interposes libscrypt_scrypt() and runs it with N = 16, r = 1, p = 1, so
 * that a login or a booking costs microseconds, not 50 ms. Every code path
 * runs as in saferoomd; only the cost differs, and nothing in server/ knows.
 *
 * Between exchanges the database is put back to its first state whenever
 * a request changed it, so that every input meets the same clinic (rate
 * limits, kept in memory, are the one state that carries over).
 */
#ifndef SAFEROOM_FUZZ_FIXTURE_H
#define SAFEROOM_FUZZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

struct keys;

/* The key file the fixed keys are loaded from (mac 1, ticket 1, ticket 7). */
#define FIXTURE_KEYS							\
	"mac 1 000102030405060708090a0b0c0d0e0f"			\
	"101112131415161718191a1b1c1d1e1f\n"				\
	"ticket 1 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"			\
	"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"				\
	"ticket 7 c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"			\
	"d0d1d2d3d4d5d6d7d8d9dadbdcdddedf\n"

/* The clinic's known secrets. */
#define FIXTURE_TOKEN1		"SEED0001ABCDEFGHJKMNPQRSTVWXYZ012345"
#define FIXTURE_REF1		"REF00001"
#define FIXTURE_TOKEN2		"SEED0002ZYXWVTSRQPNMKJHGFEDCBA987654"
#define FIXTURE_REF2		"REF00002"
#define FIXTURE_VOUCHER_LOOKUP	"VSEED1"
#define FIXTURE_VOUCHER_SECRET	"ABCDEFGHJKMNP"
#define FIXTURE_PASSWORD	"correct horse battery"
#define FIXTURE_TOTP_SECRET	"12345678901234567890"	/* RFC 6238's */

/* Staff ids and the byte each one's 32-byte session id is made of. */
enum fixture_staff {
	FIXTURE_ADMIN = 1,	/* "admin" */
	FIXTURE_RIVERA = 2,	/* "rivera", therapist */
	FIXTURE_OKAFOR = 3,	/* "okafor", therapist */
	FIXTURE_DESK = 4,	/* "desk" */
};
#define FIXTURE_FEED_BYTE	0xfe	/* rivera's calendar feed id */

/* A private temporary directory, removed at exit. */
const char	*fixture_tmpdir(void);

/* The fixed keys, loaded once from FIXTURE_KEYS. */
const struct keys *fixture_keys(void);

/* The session cookie value (64 hex) of a staff member, and its CSRF token. */
void	fixture_session_hex(enum fixture_staff, char out[65]);
void	fixture_csrf(enum fixture_staff, char out[65]);

/* A manage cookie value for booking id, valid until the year 2100. */
void	fixture_manage_cookie(int64_t id, char *out, size_t outsz);

/* Start the server (once; exits the process on failure). */
void	fixture_server_start(void);

struct fixture_reply {
	int	 status;	/* of the first answer, 0 when none came */
	size_t	 len;		/* bytes received in all */
	char	 head[4096];	/* the first bytes, NUL-terminated */
};

/*
 * Send data[0..size) on a fresh TLS connection, close our side, and read
 * until the server closes; then wait until the server has nothing left to
 * do for it. reply may be NULL.
 */
void	fixture_exchange(const uint8_t *data, size_t size,
	    struct fixture_reply *reply);

#endif
