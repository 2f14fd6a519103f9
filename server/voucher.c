/*
 * voucher: voucher codes with a check symbol; see include/saferoom/voucher.h.
 * The check is the Luhn mod N algorithm with N = 32: it catches every
 * single wrong symbol and every swap of two neighbours but one pair.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "saferoom/token.h"
#include "saferoom/voucher.h"

char
voucher_check_symbol(const char *sym, size_t len)
{
	int	 factor = 2, sum = 0, addend, v;
	size_t	 i;

	for (i = len; i > 0; i--) {
		v = token_symbol_value(sym[i - 1]);
		addend = factor * (v < 0 ? 0 : v);
		factor = factor == 2 ? 1 : 2;
		sum += addend / 32 + addend % 32;
	}
	return token_symbol((32 - sum % 32) % 32);
}

int
voucher_code_new(struct voucher_code *c)
{
	memset(c, 0, sizeof(*c));
	if (token_random_id(c->lookup, VOUCHER_LOOKUP_LEN) == -1 ||
	    token_random_id(c->secret, VOUCHER_SECRET_LEN) == -1) {
		voucher_code_wipe(c);
		return -1;
	}
	return 0;
}

void
voucher_code_format(const struct voucher_code *c, char out[VOUCHER_GROUPED_MAX])
{
	char	 sym[VOUCHER_LEN];

	memcpy(sym, c->lookup, VOUCHER_LOOKUP_LEN);
	memcpy(sym + VOUCHER_LOOKUP_LEN, c->secret, VOUCHER_SECRET_LEN);
	sym[VOUCHER_LEN - 1] = voucher_check_symbol(sym, VOUCHER_LEN - 1);
	token_group(sym, VOUCHER_LEN, out);
	OPENSSL_cleanse(sym, sizeof(sym));
}

enum voucher_parse
voucher_code_parse(const char *in, struct voucher_code *out)
{
	char			 sym[VOUCHER_LEN];
	enum voucher_parse	 rc = VOUCHER_CODE_TYPO;

	memset(out, 0, sizeof(*out));
	if (token_symbols(in, sym, VOUCHER_LEN) == -1)
		return VOUCHER_CODE_MALFORMED;
	if (voucher_check_symbol(sym, VOUCHER_LEN - 1) == sym[VOUCHER_LEN - 1]) {
		memcpy(out->lookup, sym, VOUCHER_LOOKUP_LEN);
		memcpy(out->secret, sym + VOUCHER_LOOKUP_LEN, VOUCHER_SECRET_LEN);
		rc = VOUCHER_CODE_OK;
	}
	OPENSSL_cleanse(sym, sizeof(sym));
	return rc;
}

void
voucher_code_wipe(struct voucher_code *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}
