/*
 * Unit tests of voucher codes: format, forgiving reading, and the check
 * symbol that refuses typos before any scrypt work.
 */
#include <ctype.h>
#include <string.h>

#include "check.h"

#include "saferoom/token.h"
#include "saferoom/voucher.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
test_round_trip(void)
{
	struct voucher_code	 c, back;
	char			 text[VOUCHER_GROUPED_MAX], lower[VOUCHER_GROUPED_MAX];
	char			 squeezed[VOUCHER_GROUPED_MAX];
	size_t			 i, j;
	int			 k;

	for (k = 0; k < 200; k++) {
		CHECK_INT(voucher_code_new(&c), 0);
		voucher_code_format(&c, text);
		CHECK_INT((int)strlen(text), VOUCHER_LEN + 4);
		CHECK(text[4] == '-' && text[9] == '-' && text[14] == '-' &&
		    text[19] == '-');
		CHECK_INT(voucher_code_parse(text, &back), VOUCHER_CODE_OK);
		CHECK_STR(back.lookup, c.lookup);
		CHECK_STR(back.secret, c.secret);
		/* Lower case, no dashes, spaces: the same code. */
		for (i = 0, j = 0; text[i] != '\0'; i++) {
			lower[i] = (char)tolower((unsigned char)text[i]);
			if (text[i] != '-')
				squeezed[j++] = text[i];
		}
		lower[i] = '\0';
		squeezed[j] = '\0';
		CHECK_INT(voucher_code_parse(lower, &back), VOUCHER_CODE_OK);
		CHECK_INT(voucher_code_parse(squeezed, &back), VOUCHER_CODE_OK);
		CHECK_STR(back.secret, c.secret);
	}
}

/* Every single wrong symbol is a typo, caught by the check symbol. */
static void
test_single_errors(void)
{
	struct voucher_code	 c, back;
	char			 text[VOUCHER_GROUPED_MAX], bad[VOUCHER_GROUPED_MAX];
	size_t			 i, a;
	int			 caught = 0, tried = 0;

	CHECK_INT(voucher_code_new(&c), 0);
	voucher_code_format(&c, text);
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] == '-')
			continue;
		for (a = 0; a < 32; a++) {
			if (alphabet[a] == text[i])
				continue;
			memcpy(bad, text, sizeof(bad));
			bad[i] = alphabet[a];
			tried++;
			if (voucher_code_parse(bad, &back) == VOUCHER_CODE_TYPO)
				caught++;
		}
	}
	CHECK_INT(caught, tried);
}

/* Swapped neighbours: all but the rare pair Luhn mod N cannot see. */
static void
test_swaps(void)
{
	struct voucher_code	 c, back;
	char			 sym[VOUCHER_LEN + 1], t;
	size_t			 i;
	int			 k, caught = 0, tried = 0;

	for (k = 0; k < 100; k++) {
		CHECK_INT(voucher_code_new(&c), 0);
		memcpy(sym, c.lookup, VOUCHER_LOOKUP_LEN);
		memcpy(sym + VOUCHER_LOOKUP_LEN, c.secret, VOUCHER_SECRET_LEN);
		sym[VOUCHER_LEN - 1] = voucher_check_symbol(sym, VOUCHER_LEN - 1);
		sym[VOUCHER_LEN] = '\0';
		for (i = 0; i + 1 < VOUCHER_LEN; i++) {
			if (sym[i] == sym[i + 1])
				continue;
			t = sym[i];
			sym[i] = sym[i + 1];
			sym[i + 1] = t;
			tried++;
			if (voucher_code_parse(sym, &back) != VOUCHER_CODE_OK)
				caught++;
			sym[i + 1] = sym[i];
			sym[i] = t;
		}
	}
	CHECK(caught >= tried * 97 / 100);
}

static void
test_malformed(void)
{
	struct voucher_code	 back;

	CHECK_INT(voucher_code_parse("", &back), VOUCHER_CODE_MALFORMED);
	CHECK_INT(voucher_code_parse(NULL, &back), VOUCHER_CODE_MALFORMED);
	CHECK_INT(voucher_code_parse("ABCD-EFGH", &back), VOUCHER_CODE_MALFORMED);
	CHECK_INT(voucher_code_parse("ABCD-EFGH-JKMN-PQRS-TVWX-Y", &back),
	    VOUCHER_CODE_MALFORMED);
	CHECK_INT(voucher_code_parse("ABCD-EFGH-JKMN-PQRS-TVWU", &back),
	    VOUCHER_CODE_MALFORMED);		/* U is no symbol */
	CHECK_INT(voucher_code_parse("ABCD_EFGH-JKMN-PQRS-TVWX", &back),
	    VOUCHER_CODE_MALFORMED);
	CHECK(back.lookup[0] == '\0' && back.secret[0] == '\0');
	/* A booking code is not a voucher code. */
	CHECK_INT(voucher_code_parse("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD",
	    &back), VOUCHER_CODE_MALFORMED);
}

static void
test_known_check(void)
{
	/* Worked by hand: Luhn mod 32 of "1" is 2, so the check is 30 -> 'Y'. */
	CHECK(voucher_check_symbol("1", 1) == 'Y');
	CHECK(voucher_check_symbol("0000000000000000000", 19) == '0');
	/* "11": 2*1 + 1 = 3, so the check is 32 - 3 = 29 -> 'X'. */
	CHECK(voucher_check_symbol("11", 2) == 'X');
	/* "G" (16): 2*16 = 32 -> 1 + 0 = 1, check 31 -> 'Z'. */
	CHECK(voucher_check_symbol("G", 1) == 'Z');
}

int
main(void)
{
	test_round_trip();
	test_single_errors();
	test_swaps();
	test_malformed();
	test_known_check();
	return check_done();
}
