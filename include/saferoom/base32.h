/*
 * base32: RFC 4648 base32 (A-Z2-7) for TOTP secrets, as authenticator apps
 * expect them in otpauth:// URIs. Encoding writes no padding; decoding
 * accepts upper or lower case, ignores spaces and trailing '='.
 */
#ifndef SAFEROOM_BASE32_H
#define SAFEROOM_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode len bytes, without the NUL. */
#define BASE32_ENCODED_LEN(len)	(((len) * 8 + 4) / 5)

/* Encode in[0..len) into out (NUL terminated). Returns 0, -1 if outsz is short. */
int	base32_encode(const uint8_t *in, size_t len, char *out, size_t outsz);

/* Decode a NUL-terminated string. Returns the byte count, -1 on bad input or short out. */
int	base32_decode(const char *in, uint8_t *out, size_t outsz);

#endif
