/*
 * voucher: prepaid voucher codes (issue 5), short enough to type from paper:
 * 20 symbols of Crockford's base32 (token.h), shown as five groups of four:
 * a 6-symbol lookup part (stored as is, to find the voucher without a scan),
 * a 13-symbol secret (65 bits from RAND_bytes, stored only as its scrypt
 * hash), and a check symbol (Luhn mod 32 over the other 19), so that a
 * mistyped symbol or two swapped neighbours are refused at once, before any
 * scrypt work. Reading forgives case, spaces, dashes, O for 0, I and L for 1.
 */
#ifndef SAFEROOM_VOUCHER_H
#define SAFEROOM_VOUCHER_H

#include <stddef.h>

#define VOUCHER_LOOKUP_LEN	6
#define VOUCHER_SECRET_LEN	13
#define VOUCHER_LEN		(VOUCHER_LOOKUP_LEN + VOUCHER_SECRET_LEN + 1)
#define VOUCHER_GROUPED_MAX	(VOUCHER_LEN + VOUCHER_LEN / 4 + 1)

struct voucher_code {
	char	 lookup[VOUCHER_LOOKUP_LEN + 1];
	char	 secret[VOUCHER_SECRET_LEN + 1];
};

enum voucher_parse {
	VOUCHER_CODE_OK = 0,
	VOUCHER_CODE_MALFORMED = -1,	/* not 20 symbols of the alphabet */
	VOUCHER_CODE_TYPO = -2,		/* the check symbol does not match */
};

/* A fresh random code. 0, or -1 if the random generator fails. */
int	voucher_code_new(struct voucher_code *);

/* The code as printed: XXXX-XXXX-XXXX-XXXX-XXXX, check symbol last. */
void	voucher_code_format(const struct voucher_code *,
	    char out[VOUCHER_GROUPED_MAX]);

/* Read a typed or scanned code. Never logs it. */
enum voucher_parse voucher_code_parse(const char *in, struct voucher_code *out);

/* The Luhn mod 32 check symbol of sym[0..len). */
char	voucher_check_symbol(const char *sym, size_t len);

/* Wipe a code. */
void	voucher_code_wipe(struct voucher_code *);

#endif
