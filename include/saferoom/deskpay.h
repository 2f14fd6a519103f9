/*
 * deskpay: the desk's and the admin's side of payments (issue 5), as pages
 * that work without JavaScript, plus the voucher void: selling a batch of
 * vouchers and printing its sheet (the codes are shown this once), taking
 * a voucher, cash or card for a booking, the daily report (page and CSV),
 * the accounting export, and voiding a voucher by its lookup part.
 *
 * Every rule about money is payment.c's (payment.h): this module turns
 * forms into its calls and its outcomes into pages. The report and the
 * export read the ledger and name no one (DESIGN.md invariant 5): day,
 * kind, method, amount, currency, booking reference, staff id.
 *
 * Forms that move money carry the session's CSRF token ("csrf", checked by
 * auth_check) and a one-time key ("once") drawn when the form was shown,
 * kept hashed with the payment in the same transaction, so a form sent
 * twice (a reload, a double click) moves money once.
 */
#ifndef SAFEROOM_DESKPAY_H
#define SAFEROOM_DESKPAY_H

#include <stddef.h>
#include <stdint.h>

#include "saferoom/store.h"

struct evbuffer;
struct http_req;

#define DESKPAY_EXPORT_DAYS_MAX	1096	/* days in one accounting export */
#define DESKPAY_CURRENCIES_MAX	16	/* currencies one report tells apart */

/* Outcomes of a void, each with a status, code and sentence (deskpay.c). */
enum deskpay_void_status {
	DESKPAY_VOID_OK = 0,
	DESKPAY_VOID_MALFORMED,		/* 400: not 6 symbols of a code */
	DESKPAY_VOID_UNKNOWN,		/* 404 */
	DESKPAY_VOID_ALREADY,		/* 409: void already */
	DESKPAY_VOID_INTERNAL,		/* 500 */
};

/*
 * Void the voucher whose lookup part is lookup (6 symbols, read as codes
 * are: case, spaces, dashes, O, I and L forgiven) as staff_id (0: the admin
 * tool): in one transaction mark it void, write a voucher_voided ledger row
 * with the balance it still held, and audit. *out is the voucher before
 * the void (its balance is what was voided). Needs no request: saferoomctl
 * calls it too.
 */
enum deskpay_void_status deskpay_void(struct store *, const char *lookup,
	    int64_t staff_id, struct store_voucher *out);

/*
 * Pure helpers, for the handlers and the unit test.
 *
 * deskpay_parse_cents: an amount typed in the currency's units ("50",
 * "49.5", "49,50") into cents in [1, max]. 0 or -1.
 * deskpay_decimal: cents as "49.50" ("-3.00" below zero) into out.
 * deskpay_csv_field: append s to out as one CSV field (RFC 4180: quoted,
 * with quotes doubled, when it holds a comma, quote, CR or LF), then a
 * comma, or CRLF when last. 0 or -1 (memory).
 */
int	deskpay_parse_cents(const char *s, int64_t max, int64_t *out);
void	deskpay_decimal(int64_t cents, char *out, size_t outsz);
int	deskpay_csv_field(struct evbuffer *out, const char *s, int last);

/*
 * What one day's ledger adds up to, per currency and per line of the
 * report (deskpay.c's table of lines, DESKPAY_LINES of them; each ledger
 * row counts in exactly one line). deskpay_tally adds rows[0..n) to t;
 * -1 when more than DESKPAY_CURRENCIES_MAX currencies turn up.
 */
#define DESKPAY_LINES	11
struct deskpay_tally {
	size_t		 ncur;
	struct {
		char	 currency[4];
		int64_t	 count[DESKPAY_LINES];
		int64_t	 cents[DESKPAY_LINES];
	} cur[DESKPAY_CURRENCIES_MAX];
};
int	deskpay_tally(struct deskpay_tally *t, const struct store_ledger *rows,
	    size_t n);
/* The index of a currency in t, added (zero) when missing; -1 when full. */
int	deskpay_tally_currency(struct deskpay_tally *t, const char *currency);
/* The line's key ("session_cash", ...), for tests and the CSV. */
const char *deskpay_line_key(int line);

/*
 * Rows of routes.c: pages for the front desk and admins (the paths are
 * routes.c's): the vouchers page and its sale (answered with the sheet)
 * and void forms; the payment page of a booking (?ref=) and its voucher
 * and cash-or-card forms; the daily report (?day=) as a page and as CSV;
 * the accounting export (?from=&to=) as CSV.
 */
void	deskpay_vouchers(struct http_req *);		/* GET .../vouchers */
void	deskpay_vouchers_make(struct http_req *);	/* POST: the sheet */
void	deskpay_vouchers_void(struct http_req *);	/* POST .../void */
void	deskpay_pay(struct http_req *);			/* GET /staff/pay */
void	deskpay_pay_voucher(struct http_req *);		/* POST .../voucher */
void	deskpay_pay_desk(struct http_req *);		/* POST .../desk */
void	deskpay_report(struct http_req *);		/* GET /staff/report */
void	deskpay_report_csv(struct http_req *);		/* GET .../report.csv */
void	deskpay_export_csv(struct http_req *);		/* GET .../export.csv */

/* POST /api/v1/staff/vouchers/void {"lookup"}: admins. */
void	deskpay_api_void(struct http_req *);

#endif
