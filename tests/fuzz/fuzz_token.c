/*
 * fuzz_token: booking codes as a person types them or a client sends them
 * as a Bearer token (server/token.c: token_parse, token_symbols).
 *
 * Properties: a code that parses is made of canonical symbols only; its
 * grouped form parses back to the same code and is canonical (formatting
 * it again changes nothing); the same code typed in lower case, with
 * spaces instead of dashes, or with O for 0 and I/L for 1 reads the same.
 * token_symbols never writes past the symbols it was asked for.
 */
#include <ctype.h>

#include "saferoom/token.h"

#include "fuzz.h"

static int
canonical(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (token_symbol_value(s[i]) < 0)
			return 0;
	return 1;
}

/* Parse again after rewriting the grouped code with f; must give t. */
static void
same_after(const struct token *t, const char *grouped, int (*f)(int))
{
	struct token	 again;
	char		 typed[TOKEN_GROUPED_MAX];
	size_t		 i;

	for (i = 0; grouped[i] != '\0'; i++)
		typed[i] = (char)f((unsigned char)grouped[i]);
	typed[i] = '\0';
	FUZZ_ASSERT(token_parse(typed, &again) == 0);
	FUZZ_ASSERT(memcmp(&again, t, sizeof(again)) == 0);
}

static int
dash_to_space(int c)
{
	return c == '-' ? ' ' : c;
}

/* What a person might read a canonical symbol as. */
static int
misread(int c)
{
	return c == '0' ? 'o' : c == '1' ? 'l' : tolower(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token	 t, again;
	char		 grouped[TOKEN_GROUPED_MAX], regrouped[TOKEN_GROUPED_MAX];
	char		*in, *sym;
	size_t		 want;

	if (size == 0)
		return 0;
	/* The first byte picks a length for token_symbols, the rest is typed. */
	want = 1 + data[0] % 48;
	in = fuzz_cstr(data + 1, size - 1);

	if ((sym = malloc(want)) == NULL)
		abort();
	if (token_symbols(in, sym, want) == 0)
		FUZZ_ASSERT(canonical(sym, want));
	free(sym);

	if (token_parse(in, &t) == 0) {
		FUZZ_ASSERT(strlen(t.lookup) == TOKEN_LOOKUP_LEN);
		FUZZ_ASSERT(strlen(t.secret) == TOKEN_SECRET_LEN);
		FUZZ_ASSERT(canonical(t.lookup, TOKEN_LOOKUP_LEN));
		FUZZ_ASSERT(canonical(t.secret, TOKEN_SECRET_LEN));
		token_format(&t, grouped);
		FUZZ_ASSERT(strlen(grouped) == TOKEN_LEN + (TOKEN_LEN - 1) / 4);
		FUZZ_ASSERT(token_parse(grouped, &again) == 0);
		FUZZ_ASSERT(memcmp(&again, &t, sizeof(t)) == 0);
		token_format(&again, regrouped);
		FUZZ_ASSERT(strcmp(grouped, regrouped) == 0);
		same_after(&t, grouped, dash_to_space);
		same_after(&t, grouped, misread);
		token_wipe(&again);
	} else
		FUZZ_ASSERT(t.lookup[0] == '\0' && t.secret[0] == '\0');
	token_wipe(&t);
	free(in);
	return 0;
}
