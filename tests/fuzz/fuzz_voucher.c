/*
 * fuzz_voucher: voucher codes typed from paper or scanned
 * (server/voucher.c: voucher_code_parse with its Luhn mod 32 check symbol).
 *
 * Properties: a code that parses formats to a canonical printed code that
 * parses back to it; the check symbol catches every single wrong symbol
 * and every swap of two different neighbours but the one Luhn mod N cannot
 * see (the symbols of values 0 and 31); a code that does not parse leaves
 * nothing behind.
 */
#include "saferoom/token.h"
#include "saferoom/voucher.h"

#include "fuzz.h"

/* Parse sym[0..VOUCHER_LEN) (no dashes) as typed. */
static enum voucher_parse
parse_symbols(const char *sym, struct voucher_code *out)
{
	char	 typed[VOUCHER_LEN + 1];

	memcpy(typed, sym, VOUCHER_LEN);
	typed[VOUCHER_LEN] = '\0';
	return voucher_code_parse(typed, out);
}

static void
check_typos(const struct voucher_code *c)
{
	struct voucher_code	 other;
	char			 sym[VOUCHER_LEN], typo[VOUCHER_LEN], t;
	size_t			 i;
	int			 v, a, b;

	memcpy(sym, c->lookup, VOUCHER_LOOKUP_LEN);
	memcpy(sym + VOUCHER_LOOKUP_LEN, c->secret, VOUCHER_SECRET_LEN);
	sym[VOUCHER_LEN - 1] = voucher_check_symbol(sym, VOUCHER_LEN - 1);
	FUZZ_ASSERT(parse_symbols(sym, &other) == VOUCHER_CODE_OK);
	FUZZ_ASSERT(memcmp(&other, c, sizeof(other)) == 0);

	for (i = 0; i < VOUCHER_LEN; i++)
		for (v = 0; v < 32; v++) {
			if (token_symbol(v) == sym[i])
				continue;
			memcpy(typo, sym, sizeof(typo));
			typo[i] = token_symbol(v);
			FUZZ_ASSERT(parse_symbols(typo, &other) ==
			    VOUCHER_CODE_TYPO);
		}
	for (i = 0; i + 1 < VOUCHER_LEN; i++) {
		a = token_symbol_value(sym[i]);
		b = token_symbol_value(sym[i + 1]);
		if (a == b || (a == 0 && b == 31) || (a == 31 && b == 0))
			continue;
		memcpy(typo, sym, sizeof(typo));
		t = typo[i];
		typo[i] = typo[i + 1];
		typo[i + 1] = t;
		FUZZ_ASSERT(parse_symbols(typo, &other) == VOUCHER_CODE_TYPO);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct voucher_code	 c, again;
	char			 printed[VOUCHER_GROUPED_MAX];
	char			 reprinted[VOUCHER_GROUPED_MAX];
	char			*in = fuzz_cstr(data, size);
	char			*raw = fuzz_copy(data, size);
	enum voucher_parse	 rc;

	/* Any bytes at all, as the check symbol's own input. */
	FUZZ_ASSERT(token_symbol_value(voucher_check_symbol(raw, size)) >= 0);
	free(raw);

	rc = voucher_code_parse(in, &c);
	FUZZ_ASSERT(rc == VOUCHER_CODE_OK || rc == VOUCHER_CODE_MALFORMED ||
	    rc == VOUCHER_CODE_TYPO);
	if (rc == VOUCHER_CODE_OK) {
		FUZZ_ASSERT(strlen(c.lookup) == VOUCHER_LOOKUP_LEN);
		FUZZ_ASSERT(strlen(c.secret) == VOUCHER_SECRET_LEN);
		voucher_code_format(&c, printed);
		FUZZ_ASSERT(strlen(printed) == VOUCHER_GROUPED_MAX - 2);
		FUZZ_ASSERT(voucher_code_parse(printed, &again) ==
		    VOUCHER_CODE_OK);
		FUZZ_ASSERT(memcmp(&again, &c, sizeof(c)) == 0);
		voucher_code_format(&again, reprinted);
		FUZZ_ASSERT(strcmp(printed, reprinted) == 0);
		check_typos(&c);
	} else {
		memset(&again, 0, sizeof(again));
		FUZZ_ASSERT(memcmp(&again, &c, sizeof(c)) == 0);
	}
	voucher_code_wipe(&c);
	free(in);
	return 0;
}
