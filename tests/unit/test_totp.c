/*
 * Unit test of server/totp.c: RFC 4226 appendix D and RFC 6238 appendix B
 * (SHA-1) vectors, the drift window, replay refusal, malformed codes and
 * the otpauth:// URI.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "saferoom/totp.h"

#include "check.h"

static const uint8_t	 rfc_key[] = "12345678901234567890";
#define RFC_KEY_LEN	20

static void
test_hotp_vectors(void)
{
	static const long	 want[] = {
		755224, 287082, 359152, 969429, 338314,
		254676, 287922, 162583, 399871, 520489,
	};
	uint64_t		 c;

	for (c = 0; c < sizeof(want) / sizeof(want[0]); c++)
		CHECK_INT(totp_hotp(rfc_key, RFC_KEY_LEN, c, 6), want[c]);
	CHECK_INT(totp_hotp(rfc_key, RFC_KEY_LEN, 0, 5), -1);
	CHECK_INT(totp_hotp(rfc_key, RFC_KEY_LEN, 0, 9), -1);
	CHECK_INT(totp_hotp(rfc_key, 0, 0, 6), -1);
}

static void
test_totp_vectors(void)
{
	static const struct {
		time_t	 t;
		long	 code;
	} v[] = {
		{ 59, 94287082 },
		{ 1111111109, 7081804 },
		{ 1111111111, 14050471 },
		{ 1234567890, 89005924 },
		{ 2000000000, 69279037 },
		{ (time_t)20000000000LL, 65353130 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK_INT(totp_hotp(rfc_key, RFC_KEY_LEN,
		    (uint64_t)totp_step(v[i].t), 8), v[i].code);
}

static void
test_step(void)
{
	CHECK_INT(totp_step(0), 0);
	CHECK_INT(totp_step(29), 0);
	CHECK_INT(totp_step(30), 1);
	CHECK_INT(totp_step(59), 1);
	CHECK_INT(totp_step(-1), -1);
	CHECK_INT(totp_step(-30), -1);
	CHECK_INT(totp_step(-31), -2);
}

/* The 6-digit code of step, as an app would show it. */
static void
code_at(int64_t step, char code[TOTP_DIGITS + 1])
{
	long	 v = totp_hotp(rfc_key, RFC_KEY_LEN, (uint64_t)step, TOTP_DIGITS);

	snprintf(code, TOTP_DIGITS + 1, "%0*ld", TOTP_DIGITS, v);
}

static void
test_verify_drift(void)
{
	const time_t	 now = 1111111111;
	const int64_t	 step = totp_step(now);
	char		 code[TOTP_DIGITS + 1];
	int64_t		 matched;
	int		 d;

	for (d = -1; d <= 1; d++) {
		code_at(step + d, code);
		matched = -1;
		CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, 0,
		    &matched), 1);
		CHECK_INT(matched, step + d);
	}
	for (d = -2; d <= 2; d += 4) {
		code_at(step + d, code);
		CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, 0,
		    &matched), 0);
	}
	/* Any step inside the window, not just its middle. */
	code_at(step, code);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now + TOTP_STEP, 0,
	    &matched), 1);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now + 2 * TOTP_STEP, 0,
	    &matched), 0);
	/* Another key. */
	CHECK_INT(totp_verify((const uint8_t *)"abcdefghijabcdefghij", 20,
	    code, now, 0, &matched), 0);
}

static void
test_verify_replay(void)
{
	const time_t	 now = 1234567890;
	const int64_t	 step = totp_step(now);
	char		 code[TOTP_DIGITS + 1];
	int64_t		 matched = -1;

	code_at(step, code);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step - 1,
	    &matched), 1);
	CHECK_INT(matched, step);
	/* The same code again, with the step the login stored. */
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, matched,
	    &matched), 0);
	/* An older code still in the window, after a newer one was used. */
	code_at(step - 1, code);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step, &matched),
	    0);
	/* The next step's code is still good after this one. */
	code_at(step + 1, code);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step, &matched),
	    1);
	CHECK_INT(matched, step + 1);
}

static void
test_verify_malformed(void)
{
	static const char *const bad[] = {
		"", "12345", "1234567", "12a456", "abcdef", " 12345",
		"123456 ", "123 456", "-12345", "+12345",
		"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93",	/* fullwidth digits */
	};
	int64_t		 matched = 42;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, bad[i], 59, 0,
		    &matched), -1);
	CHECK_INT(totp_verify(rfc_key, RFC_KEY_LEN, NULL, 59, 0, &matched), -1);
	CHECK_INT(matched, 42);
}

static void
test_new_secret(void)
{
	uint8_t	 a[TOTP_SECRET_LEN], b[TOTP_SECRET_LEN];

	CHECK_INT(totp_new_secret(a), 0);
	CHECK_INT(totp_new_secret(b), 0);
	CHECK(memcmp(a, b, TOTP_SECRET_LEN) != 0);
}

static void
test_uri(void)
{
	static const char	 want[] = "otpauth://totp/"
	    "Saferoom%20Clinic:dr.%20K%3A%20Anna%2BB%C3%A9?"
	    "secret=JBSWY3DPEHPK3PXP&issuer=Saferoom%20Clinic"
	    "&algorithm=SHA1&digits=6&period=30";
	char			 out[TOTP_URI_MAX];

	CHECK_INT(totp_uri(out, sizeof(out), "Saferoom Clinic",
	    "dr. K: Anna+B\xc3\xa9", "JBSWY3DPEHPK3PXP"), 0);
	CHECK_STR(out, want);

	/* Exactly enough room, then one byte less. */
	CHECK_INT(totp_uri(out, sizeof(want), "Saferoom Clinic",
	    "dr. K: Anna+B\xc3\xa9", "JBSWY3DPEHPK3PXP"), 0);
	CHECK_STR(out, want);
	CHECK_INT(totp_uri(out, sizeof(want) - 1, "Saferoom Clinic",
	    "dr. K: Anna+B\xc3\xa9", "JBSWY3DPEHPK3PXP"), -1);
	CHECK_STR(out, "");
}

int
main(void)
{
	test_hotp_vectors();
	test_totp_vectors();
	test_step();
	test_verify_drift();
	test_verify_replay();
	test_verify_malformed();
	test_new_secret();
	test_uri();
	return check_done();
}
