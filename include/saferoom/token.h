/*
 * token: the client's booking code (DESIGN.md "Shape"). It has a public
 * lookup part, stored as is to find the booking without scanning, and a
 * secret part of 140 bits, stored only as its scrypt hash (kdf.h). Both come
 * from OpenSSL's RAND_bytes in Crockford's base32 alphabet (no I, L, O, U),
 * so a code survives being read aloud and typed: parsing forgives case,
 * spaces and dashes, and reads O as 0 and I or L as 1.
 *
 * Shown to people as 9 groups of 4: LLLL-LLLL-SSSS-SSSS-SSSS-SSSS-SSSS-SSSS-SSSS.
 * The same alphabet makes booking references (token_random_id).
 */
#ifndef SAFEROOM_TOKEN_H
#define SAFEROOM_TOKEN_H

#include <stddef.h>

#define TOKEN_LOOKUP_LEN	8	/* 40 bits */
#define TOKEN_SECRET_LEN	28	/* 140 bits */
#define TOKEN_LEN		(TOKEN_LOOKUP_LEN + TOKEN_SECRET_LEN)
#define TOKEN_GROUPED_MAX	(TOKEN_LEN + TOKEN_LEN / 4 + 1)	/* dashes, NUL */
#define TOKEN_INPUT_MAX		128	/* longest typed code we look at */

struct token {
	char	 lookup[TOKEN_LOOKUP_LEN + 1];
	char	 secret[TOKEN_SECRET_LEN + 1];
};

/* A fresh random token. 0, or -1 if the random generator fails. */
int	token_new(struct token *);

/* The code as shown once to the client, grouped by 4 with dashes. */
void	token_format(const struct token *, char out[TOKEN_GROUPED_MAX]);

/*
 * Read a code typed or pasted by a person (or sent as a Bearer token).
 * Returns 0, or -1 if it is not exactly TOKEN_LEN symbols of the alphabet
 * once spaces and dashes are dropped. Never logs its input.
 */
int	token_parse(const char *in, struct token *out);

/* Wipe a token. */
void	token_wipe(struct token *);

/*
 * The building blocks, shared with voucher codes: read exactly want
 * canonical symbols from typed input into sym (forgiving as token_parse;
 * 0, or -1 with sym wiped); a symbol's value 0..31 (-1 if none); the symbol
 * of a value; and sym[0..len) grouped by 4 with dashes into out (len +
 * len / 4 + 1 bytes).
 */
int	token_symbols(const char *in, char *sym, size_t want);
int	token_symbol_value(char c);
char	token_symbol(int v);
void	token_group(const char *sym, size_t len, char *out);

/* len random symbols of the alphabet into out (len + 1 bytes). 0 or -1. */
int	token_random_id(char *out, size_t len);

#endif
