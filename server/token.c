/*
 * token: booking codes and booking references in Crockford's base32. See
 * include/saferoom/token.h for the contract and DESIGN.md "Shape" for why a
 * code has a public lookup part and a secret part.
 *
 * Symbols come straight from RAND_bytes: 32 divides 256, so the low five
 * bits of a random byte are a uniform symbol and no rejection loop is
 * needed. Every buffer that held a secret symbol is wiped before return,
 * on success and on failure alike.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "saferoom/token.h"

#define TOKEN_GROUP		4	/* symbols between dashes */
#define TOKEN_RAND_CHUNK	64	/* random bytes drawn at a time */

static const char token_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The canonical symbol a person meant by c: upper case, O read as 0, I and
 * L read as 1. Returns it, or 0 when c is no symbol (U included: Crockford
 * leaves it out so that codes spell no accidental words).
 */
static char
token_canon(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	switch (c) {
	case 'O':
		return '0';
	case 'I':
	case 'L':
		return '1';
	case 'U':
		return 0;
	}
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
		return c;
	return 0;
}

/* Fill out[0..len) with random symbols; no NUL. 0, or -1 on RNG failure. */
static int
token_fill(char *out, size_t len)
{
	uint8_t		 rnd[TOKEN_RAND_CHUNK];
	size_t		 i, n;
	int		 rc = -1;

	while (len > 0) {
		n = len < sizeof(rnd) ? len : sizeof(rnd);
		if (RAND_bytes(rnd, (int)n) != 1)
			goto fail;
		for (i = 0; i < n; i++)
			out[i] = token_alphabet[rnd[i] & 0x1f];
		out += n;
		len -= n;
	}
	rc = 0;
 fail:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

int
token_new(struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (token_fill(t->lookup, TOKEN_LOOKUP_LEN) == -1 ||
	    token_fill(t->secret, TOKEN_SECRET_LEN) == -1) {
		token_wipe(t);
		return -1;
	}
	t->lookup[TOKEN_LOOKUP_LEN] = '\0';
	t->secret[TOKEN_SECRET_LEN] = '\0';
	return 0;
}

void
token_group(const char *sym, size_t len, char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		if (i > 0 && i % TOKEN_GROUP == 0)
			out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
}

void
token_format(const struct token *t, char out[TOKEN_GROUPED_MAX])
{
	char	 sym[TOKEN_LEN];

	memcpy(sym, t->lookup, TOKEN_LOOKUP_LEN);
	memcpy(sym + TOKEN_LOOKUP_LEN, t->secret, TOKEN_SECRET_LEN);
	token_group(sym, TOKEN_LEN, out);
	OPENSSL_cleanse(sym, sizeof(sym));
}

int
token_symbols(const char *in, char *sym, size_t want)
{
	size_t	 i, n = 0;
	char	 c;

	if (in == NULL || strnlen(in, TOKEN_INPUT_MAX + 1) > TOKEN_INPUT_MAX)
		goto fail;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == ' ' || in[i] == '\t' || in[i] == '-')
			continue;
		if ((c = token_canon(in[i])) == 0 || n == want)
			goto fail;
		sym[n++] = c;
	}
	if (n == want)
		return 0;
 fail:
	OPENSSL_cleanse(sym, want);
	return -1;
}

int
token_symbol_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(token_alphabet, c)) == NULL)
		return -1;
	return (int)(p - token_alphabet);
}

char
token_symbol(int v)
{
	return token_alphabet[v & 0x1f];
}

int
token_parse(const char *in, struct token *out)
{
	char	 sym[TOKEN_LEN];

	memset(out, 0, sizeof(*out));
	if (token_symbols(in, sym, TOKEN_LEN) == -1)
		return -1;
	memcpy(out->lookup, sym, TOKEN_LOOKUP_LEN);
	memcpy(out->secret, sym + TOKEN_LOOKUP_LEN, TOKEN_SECRET_LEN);
	OPENSSL_cleanse(sym, sizeof(sym));
	return 0;
}

void
token_wipe(struct token *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
}

int
token_random_id(char *out, size_t len)
{
	if (token_fill(out, len) == -1) {
		OPENSSL_cleanse(out, len + 1);
		out[0] = '\0';
		return -1;
	}
	out[len] = '\0';
	return 0;
}
