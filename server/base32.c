/*
 * base32: RFC 4648 section 6 base32, only for TOTP secrets shown to staff
 * and read back from authenticator set-up. See include/saferoom/base32.h.
 *
 * Decoding is lenient where people are (case, spaces, padding) and strict
 * where a typo hides (a character outside the alphabet, a length no encoder
 * can produce, or non-zero bits after the last byte): those are refused
 * rather than silently turned into a different secret.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "saferoom/base32.h"

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The 5-bit value of c, or -1 when c is not in the alphabet (either case). */
static int
base32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
base32_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	uint32_t	 buf = 0;
	size_t		 i, o = 0;
	unsigned	 bits = 0;

	/* BASE32_ENCODED_LEN would overflow first. */
	if (len > (SIZE_MAX - 4) / 8)
		return -1;
	if (outsz < BASE32_ENCODED_LEN(len) + 1)
		return -1;
	for (i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = base32_alphabet[(buf >> bits) & 0x1f];
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[(buf << (5 - bits)) & 0x1f];
	out[o] = '\0';
	return 0;
}

int
base32_decode(const char *in, uint8_t *out, size_t outsz)
{
	uint32_t	 buf = 0;
	size_t		 n = 0, nchars = 0;
	unsigned	 bits = 0;
	int		 v, padding = 0;

	for (; *in != '\0'; in++) {
		if (*in == ' ')
			continue;
		if (*in == '=') {
			padding = 1;
			continue;
		}
		/* '=' only ends the string; data after it is not base32. */
		if (padding)
			return -1;
		if ((v = base32_value(*in)) == -1)
			return -1;
		buf = (buf << 5) | (uint32_t)v;
		bits += 5;
		nchars++;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outsz || n >= INT_MAX)
				return -1;
			out[n++] = (uint8_t)(buf >> bits);
		}
		buf &= (1U << bits) - 1;
	}

	/*
	 * A final group of 1, 3 or 6 characters cannot come from any byte
	 * count, and leftover bits must be the zero padding an encoder adds.
	 */
	switch (nchars % 8) {
	case 1:
	case 3:
	case 6:
		return -1;
	}
	if (buf != 0)
		return -1;
	return (int)n;
}
