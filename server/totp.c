/*
 * totp: the staff's second factor, RFC 6238 TOTP over RFC 4226 HOTP with
 * HMAC-SHA-1. See include/saferoom/totp.h for the contract; the login flow
 * stores the matched step so that a code is accepted at most once.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "saferoom/totp.h"

#define TOTP_DIGITS_MIN	6
#define TOTP_DIGITS_MAX	8

static const long totp_pow10[TOTP_DIGITS_MAX + 1] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

long
totp_hotp(const uint8_t *key, size_t keylen, uint64_t counter,
    unsigned digits)
{
	uint8_t		 msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, off;
	uint32_t	 bin;
	long		 rc = -1;
	int		 i;

	if (digits < TOTP_DIGITS_MIN || digits > TOTP_DIGITS_MAX)
		goto fail;
	if (key == NULL || keylen == 0 || keylen > INT_MAX)
		goto fail;
	for (i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)counter;
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen != 20)
		goto fail;

	/* RFC 4226 5.3: dynamic truncation to 31 bits. */
	off = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) |
	    ((uint32_t)md[off + 1] << 16) |
	    ((uint32_t)md[off + 2] << 8) |
	    (uint32_t)md[off + 3];
	rc = (long)(bin % (uint32_t)totp_pow10[digits]);
 fail:
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

int64_t
totp_step(time_t t)
{
	int64_t	 s = (int64_t)t;

	/* RFC 6238 floors; C division truncates towards zero. */
	if (s < 0)
		return -((-s + TOTP_STEP - 1) / TOTP_STEP);
	return s / TOTP_STEP;
}

/* Whether code is exactly TOTP_DIGITS ASCII digits. */
static int
totp_code_ok(const char *code)
{
	size_t	 i;

	if (code == NULL)
		return 0;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return code[TOTP_DIGITS] == '\0';
}

int
totp_verify(const uint8_t *key, size_t keylen, const char *code,
    time_t now, int64_t last_step, int64_t *matched_step)
{
	char		 want[TOTP_DIGITS + 1];
	int64_t		 now_step, step, found = -1;
	long		 v;
	int		 d, rc = -1;

	if (!totp_code_ok(code))
		goto fail;
	now_step = totp_step(now);

	/*
	 * Every step in the window is computed and compared, whether an
	 * earlier one matched or not. If a code happens to match two steps,
	 * the later one is kept, so that it cannot be accepted again.
	 */
	for (d = -TOTP_DRIFT; d <= TOTP_DRIFT; d++) {
		step = now_step + d;
		if (step < 0 || step <= last_step)
			continue;
		if ((v = totp_hotp(key, keylen, (uint64_t)step,
		    TOTP_DIGITS)) == -1)
			goto fail;
		(void)snprintf(want, sizeof(want), "%0*ld", TOTP_DIGITS, v);
		if (CRYPTO_memcmp(want, code, TOTP_DIGITS) == 0)
			found = step;
	}
	if (found == -1) {
		rc = 0;
		goto fail;
	}
	*matched_step = found;
	rc = 1;
 fail:
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

int
totp_new_secret(uint8_t secret[TOTP_SECRET_LEN])
{
	if (RAND_bytes(secret, TOTP_SECRET_LEN) != 1)
		return -1;
	return 0;
}

/*
 * Append s to out at *len, percent-encoding all but RFC 3986 unreserved
 * characters (so ':' in an account name cannot be read as the label's
 * separator, and a space is "%20" as authenticator apps expect).
 * Returns 0, -1 if it does not fit.
 */
static int
totp_append_encoded(char *out, size_t outsz, size_t *len, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (outsz - *len < 2)
				return -1;
			out[(*len)++] = (char)c;
		} else {
			if (outsz - *len < 4)
				return -1;
			out[(*len)++] = '%';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 0x0f];
		}
	}
	out[*len] = '\0';
	return 0;
}

/* Append the literal s. Returns 0, -1 if it does not fit. */
static int
totp_append(char *out, size_t outsz, size_t *len, const char *s)
{
	size_t	 n = strlen(s);

	if (outsz - *len < n + 1)
		return -1;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 0;
}

int
totp_uri(char *out, size_t outsz, const char *issuer, const char *account,
    const char *b32secret)
{
	char	 tail[64];
	size_t	 len = 0;
	int	 n;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	n = snprintf(tail, sizeof(tail), "&algorithm=SHA1&digits=%d&period=%d",
	    TOTP_DIGITS, TOTP_STEP);
	if (n < 0 || (size_t)n >= sizeof(tail))
		goto fail;
	if (totp_append(out, outsz, &len, "otpauth://totp/") == -1 ||
	    totp_append_encoded(out, outsz, &len, issuer) == -1 ||
	    totp_append(out, outsz, &len, ":") == -1 ||
	    totp_append_encoded(out, outsz, &len, account) == -1 ||
	    totp_append(out, outsz, &len, "?secret=") == -1 ||
	    totp_append_encoded(out, outsz, &len, b32secret) == -1 ||
	    totp_append(out, outsz, &len, "&issuer=") == -1 ||
	    totp_append_encoded(out, outsz, &len, issuer) == -1 ||
	    totp_append(out, outsz, &len, tail) == -1)
		goto fail;
	return 0;
 fail:
	/* The secret may be half written: leave nothing of it behind. */
	OPENSSL_cleanse(out, outsz);
	out[0] = '\0';
	return -1;
}
