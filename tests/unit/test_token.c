/*
 * Unit test of server/token.c: fresh tokens, the grouped form, the forgiving
 * parser (case, spaces, tabs, dashes, O for 0, I and L for 1) and what it
 * refuses, booking references, and a sanity check that every symbol of the
 * alphabet comes up.
 */
#include <stdio.h>
#include <string.h>

#include "saferoom/token.h"

#include "check.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Is s[0..len) made only of alphabet symbols? */
static int
all_symbols(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL)
			return 0;
	return 1;
}

static int
same_token(const struct token *a, const struct token *b)
{
	return strcmp(a->lookup, b->lookup) == 0 &&
	    strcmp(a->secret, b->secret) == 0;
}

static void
test_new(void)
{
	struct token	 a, b;

	CHECK_INT(token_new(&a), 0);
	CHECK_INT(token_new(&b), 0);
	CHECK_INT(strlen(a.lookup), TOKEN_LOOKUP_LEN);
	CHECK_INT(strlen(a.secret), TOKEN_SECRET_LEN);
	CHECK(all_symbols(a.lookup, TOKEN_LOOKUP_LEN));
	CHECK(all_symbols(a.secret, TOKEN_SECRET_LEN));
	CHECK(strcmp(a.lookup, b.lookup) != 0);
	CHECK(strcmp(a.secret, b.secret) != 0);
	token_wipe(&a);
	token_wipe(&b);
	CHECK(a.secret[0] == '\0' && a.lookup[0] == '\0');
}

static void
test_format(void)
{
	struct token	 t, back;
	char		 g[TOKEN_GROUPED_MAX];
	size_t		 i;

	CHECK_INT(token_new(&t), 0);
	token_format(&t, g);
	CHECK_INT(strlen(g), 9 * 4 + 8);
	for (i = 0; i < strlen(g); i++) {
		if (i % 5 == 4)
			CHECK(g[i] == '-');
		else
			CHECK(strchr(alphabet, g[i]) != NULL);
	}
	CHECK(strncmp(g, t.lookup, 4) == 0);
	CHECK(strncmp(g + 5, t.lookup + 4, 4) == 0);
	CHECK(strncmp(g + 10, t.secret, 4) == 0);

	/* Round trip, grouped and bare. */
	CHECK_INT(token_parse(g, &back), 0);
	CHECK(same_token(&t, &back));
	snprintf(g, sizeof(g), "%s%s", t.lookup, t.secret);
	CHECK_INT(token_parse(g, &back), 0);
	CHECK(same_token(&t, &back));
	token_wipe(&t);
	token_wipe(&back);
}

static void
test_forgiving(void)
{
	static const char	 want_l[] = "0123ABCD";
	static const char	 want_s[] = "EFGH1JKMNPQRSTVWXYZ011000234";
	static const char	*ok[] = {
		"0123ABCDEFGH1JKMNPQRSTVWXYZ011000234",
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234",
		/* Lower case, spaces and tabs, O for 0, I, i, L and l for 1. */
		" o123abcd efgh-ljkm\tnpqr stvw xyzO iL OOO2 34 ",
		"O123-ABCD-EFGH-IJKM-NPQR-STVW-XYZ0-1100-0234",
		"0123-abcd-efgh-ijkm-npqr-stvw-xyzo-lloo-o234",
		"--0123--abcd--efgh--1jkm--npqr--stvw--xyz0--1100--0234--",
	};
	struct token		 t;
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!CHECK_INT(token_parse(ok[i], &t), 0))
			fprintf(stderr, "\tinput %zu: \"%s\"\n", i, ok[i]);
		CHECK_STR(t.lookup, want_l);
		CHECK_STR(t.secret, want_s);
	}
	token_wipe(&t);
}

static void
test_refused(void)
{
	static const char	*bad[] = {
		"",
		"----",
		/* U is no symbol. */
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-023U",
		"u123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234",
		/* One short, one long. */
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-023",
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-02345",
		"0123ABCD",
		/* Punctuation and other separators. */
		"0123.ABCD.EFGH.1JKM.NPQR.STVW.XYZ0.1100.0234",
		"0123_ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234",
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234!",
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234\n",
		"0123/ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234",
		"0123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234\r",
		("\xc3\x96" "123-ABCD-EFGH-1JKM-NPQR-STVW-XYZ0-1100-0234"),
	};
	struct token		 t;
	char			 longin[201], pad[TOKEN_INPUT_MAX + 2];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&t, 'x', sizeof(t));
		if (!CHECK_INT(token_parse(bad[i], &t), -1))
			fprintf(stderr, "\tinput %zu: \"%s\"\n", i, bad[i]);
		/* Nothing of a refused input is left behind. */
		CHECK(t.lookup[0] == '\0' && t.secret[0] == '\0');
	}

	/* 200 characters are not looked at, even a valid code and spaces. */
	memset(longin, ' ', 200);
	memcpy(longin, "0123ABCDEFGH1JKMNPQRSTVWXYZ011000234", TOKEN_LEN);
	longin[200] = '\0';
	CHECK_INT(token_parse(longin, &t), -1);

	/* A valid code padded with spaces: fine up to TOKEN_INPUT_MAX. */
	memset(pad, ' ', sizeof(pad));
	memcpy(pad, "0123ABCDEFGH1JKMNPQRSTVWXYZ011000234", TOKEN_LEN);
	pad[TOKEN_INPUT_MAX] = '\0';
	CHECK_INT(token_parse(pad, &t), 0);
	pad[TOKEN_INPUT_MAX] = ' ';
	pad[TOKEN_INPUT_MAX + 1] = '\0';
	CHECK_INT(token_parse(pad, &t), -1);
	token_wipe(&t);
}

static void
test_random_id(void)
{
	char	 a[17], b[17], big[300];

	CHECK_INT(token_random_id(a, 12), 0);
	CHECK_INT(strlen(a), 12);
	CHECK(all_symbols(a, 12));
	CHECK_INT(token_random_id(b, 12), 0);
	CHECK(strcmp(a, b) != 0);
	CHECK_INT(token_random_id(a, 16), 0);
	CHECK_INT(strlen(a), 16);
	CHECK(all_symbols(a, 16));
	CHECK_INT(token_random_id(a, 0), 0);
	CHECK_STR(a, "");
	/* Longer than one chunk of random bytes. */
	CHECK_INT(token_random_id(big, sizeof(big) - 1), 0);
	CHECK_INT(strlen(big), sizeof(big) - 1);
	CHECK(all_symbols(big, sizeof(big) - 1));
}

/*
 * 10 000 draws of 36 symbols: each of the 32 symbols is expected 11 250
 * times. The bounds are very loose (a uniform source falls outside them
 * with negligible probability); they catch a symbol that never comes up or
 * a gross bias such as one from a modulo over a wrong range.
 */
static void
test_distribution(void)
{
	long		 count[32] = { 0 };
	struct token	 t;
	const char	*p;
	int		 i, j;

	for (i = 0; i < 10000; i++) {
		if (token_new(&t) == -1) {
			CHECK(0);
			return;
		}
		for (j = 0; j < TOKEN_LEN; j++) {
			p = strchr(alphabet, j < TOKEN_LOOKUP_LEN ?
			    t.lookup[j] : t.secret[j - TOKEN_LOOKUP_LEN]);
			if (p != NULL)
				count[p - alphabet]++;
		}
	}
	for (i = 0; i < 32; i++) {
		if (!CHECK(count[i] > 10500 && count[i] < 12000))
			fprintf(stderr, "\tsymbol %c: %ld\n", alphabet[i],
			    count[i]);
	}
	token_wipe(&t);
}

int
main(void)
{
	test_new();
	test_format();
	test_forgiving();
	test_refused();
	test_random_id();
	test_distribution();
	return check_done();
}
