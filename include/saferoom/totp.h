/*
 * totp: time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) for the
 * staff's second factor: HMAC-SHA-1, 6 digits, 30-second steps. Secrets are
 * TOTP_SECRET_LEN random bytes from OpenSSL, shown once as base32.
 */
#ifndef SAFEROOM_TOTP_H
#define SAFEROOM_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_SECRET_LEN	20	/* 160 bits, as RFC 4226 recommends */
#define TOTP_DIGITS	6
#define TOTP_STEP	30
#define TOTP_DRIFT	1	/* steps accepted either side of now */
#define TOTP_URI_MAX	512

/* HOTP value of key at counter with digits (6..8) digits. -1 on error. */
long	totp_hotp(const uint8_t *key, size_t keylen, uint64_t counter,
	    unsigned digits);

/* The time step that holds t. */
int64_t	totp_step(time_t t);

/*
 * Check a code typed by a person against key at time now, allowing
 * TOTP_DRIFT steps either way. A step <= last_step was used already and is
 * refused (replay). Returns 1 and sets *matched_step on success, 0 on a wrong
 * or replayed code, -1 on a malformed code (not exactly TOTP_DIGITS digits).
 * Compares in constant time.
 */
int	totp_verify(const uint8_t *key, size_t keylen, const char *code,
	    time_t now, int64_t last_step, int64_t *matched_step);

/* Fill secret with TOTP_SECRET_LEN random bytes. Returns 0 or -1. */
int	totp_new_secret(uint8_t secret[TOTP_SECRET_LEN]);

/*
 * Write "otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30"
 * with issuer and account percent-encoded. Returns 0, -1 if it does not fit.
 */
int	totp_uri(char *out, size_t outsz, const char *issuer, const char *account,
	    const char *b32secret);

#endif
