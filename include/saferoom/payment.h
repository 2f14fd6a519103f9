/*
 * payment: out-of-pocket money (issue 5): prepaid vouchers sold and
 * redeemed, cash and card taken at the desk, and the append-only ledger
 * behind them. No record ties a payment to a person (DESIGN.md invariant
 * 5): a ledger row holds amount, currency, method, day, the booking
 * reference and the staff member.
 *
 * Every movement of money is one BEGIN IMMEDIATE transaction that re-reads
 * the voucher and the booking inside it, so a voucher is never spent twice
 * and a balance never goes below zero, however many requests race. A
 * voucher code costs one scrypt check on the pool (against a dummy hash
 * when its lookup part is unknown); a typo is refused by its check symbol
 * before that. A retried request with the same Idempotency-Key gets the
 * first answer again and moves no money.
 */
#ifndef SAFEROOM_PAYMENT_H
#define SAFEROOM_PAYMENT_H

#include <stdint.h>

#include "saferoom/booking.h"
#include "saferoom/staff.h"
#include "saferoom/store.h"

struct http_ctx;
struct http_req;

enum payment_status {
	PAY_OK = 0,
	PAY_MALFORMED,		/* 400: not a voucher code */
	PAY_TYPO,		/* 400: the check symbol does not match */
	PAY_UNKNOWN,		/* 404 */
	PAY_SPENT,		/* 409: nothing left on it */
	PAY_NOTHING_DUE,	/* 409: the booking is paid */
	PAY_CURRENCY,		/* 409: another currency than the booking's */
	PAY_NOT_PAYABLE,	/* 409: the booking is cancelled */
	PAY_EXPIRED,		/* 410 */
	PAY_VOIDED,		/* 410 */
	PAY_BAD_AMOUNT,		/* 400 */
	PAY_RATE,		/* 429 */
	PAY_INTERNAL,		/* 500 */
};

#define PAYMENT_BATCH_MAX	50	/* vouchers made by one request */
#define PAYMENT_VALUE_MAX	10000000	/* cents on one voucher */
#define PAYMENT_VALID_DAYS_MAX	3650
#define PAYMENT_VOUCHER_FAILS	30	/* wrong voucher codes per address ... */
#define PAYMENT_VOUCHER_WINDOW	(15 * 60)	/* ... per this many seconds */
#define PAYMENT_IDEMPOTENCY_KEY_MAX 128

/* Answer req with the status, code and sentence of s; returns -1. */
int	payment_fail(struct http_req *, enum payment_status);

/*
 * Redeem a typed voucher code on booking_id: take what is due (or what the
 * voucher holds, if less) in one transaction. staff_id is the desk member,
 * 0 for the client. Answers malformed codes, 429 and 503 itself (-1);
 * otherwise done runs on the loop with the outcome and the booking after.
 */
typedef void	(*payment_done_fn)(struct http_req *, enum payment_status,
		    struct store_booking *);
int	payment_redeem(struct http_req *, const char *code, int64_t booking_id,
	    int64_t staff_id, payment_done_fn done);

/*
 * Cancel b for the client, who may (booking_may_change), and give back what
 * vouchers paid as a new credit voucher valid PAYMENT_CREDIT_DAYS: the code
 * is made and hashed on the pool, then the cancellation, the voucher and
 * the ledger row are one transaction. done gets the booking after, the
 * grouped code (shown once, wiped after), its value and its last day.
 */
typedef void	(*payment_credit_fn)(struct http_req *, enum booking_status,
		    struct store_booking *, const char *code, int64_t cents,
		    const char *expires);
int	payment_cancel_with_credit(struct http_req *, const struct store_booking *b,
	    payment_credit_fn done);

#define PAYMENT_CREDIT_DAYS	365

/*
 * Cancel booking ref as the practice (the signed-in member must see it)
 * with an optional reason. What vouchers paid becomes a credit voucher
 * sealed to the client's booking code (seal.h): the client sees it, once,
 * the next time they present their code. What was paid at the desk is
 * recorded as refunded at the desk, or joins the credit when credit_cash is
 * set. One transaction; done gets the outcome and the booking after.
 */
typedef void	(*payment_practice_fn)(struct http_req *, enum staff_status,
		    struct store_booking *);
int	payment_practice_cancel(struct http_req *, const char *ref,
	    const char *reason, int credit_cash, payment_practice_fn done);

/*
 * Look at a voucher a code names, for anyone holding the code: done gets
 * PAY_OK (or PAY_EXPIRED, PAY_VOIDED) with the voucher, or PAY_UNKNOWN with
 * NULL. Same checks, scrypt cost and rate limit as a redemption; writes
 * nothing.
 */
typedef void	(*payment_check_fn)(struct http_req *, enum payment_status,
		    const struct store_voucher *);
int	payment_check(struct http_req *, const char *code, payment_check_fn done);

/*
 * Housekeeping: write off what vouchers past their last day still hold
 * (balance to 0, a voucher_expired ledger row each), so the books show the
 * practice's liability as it is. Returns how many, or -1.
 */
int	payment_expire_vouchers(struct http_ctx *);

/* The JSON handlers, rows of routes.c. */
void	payment_api_vouchers(struct http_req *);	/* POST /staff/vouchers */
void	payment_api_staff_redeem(struct http_req *);	/* POST /staff/vouchers/redeem */
void	payment_api_payments(struct http_req *);	/* POST /staff/payments */
void	payment_api_client_redeem(struct http_req *);	/* POST /booking/redeem */

/*
 * ---- for the desk's pages (deskpay.c) ----
 *
 * A batch of vouchers to sell, in the bounds of POST /staff/vouchers. once,
 * when not NULL, is a form's one-time key (32 bytes): it is kept with the
 * batch in the same transaction, and a batch whose key was kept already is
 * not made again (a form sent twice sells once).
 */
struct voucher_code;
struct payment_sale {
	int		 count;		/* 1 .. PAYMENT_BATCH_MAX */
	int64_t		 value_cents;	/* 1 .. PAYMENT_VALUE_MAX, each */
	char		 currency[4];	/* three capitals: "EUR" */
	int		 valid_days;	/* 1 .. PAYMENT_VALID_DAYS_MAX, counting today */
	char		 tag[STORE_TAG_MAX + 1];	/* staff-only note, or "" */
	char		 method[8];	/* "cash" or "card": how they were paid */
	const uint8_t	*once;		/* 32 bytes, or NULL */
};

enum payment_sale_outcome {
	PAY_SALE_OK = 0,
	PAY_SALE_REPEATED,	/* once was kept already: nothing made */
	PAY_SALE_FAILED,	/* nothing made */
};

/*
 * Sell a batch as POST /staff/vouchers does: the codes made and hashed on
 * the pool, then the vouchers, one voucher_sold ledger row each (staff: the
 * signed-in member) and an audit row in one transaction. done runs on the
 * loop with the outcome, the sale (once is NULL there) and, on PAY_SALE_OK,
 * the sale->count codes (shown once: wiped after done returns) valid
 * through expires_day. Answers 400 for a sale out of bounds or 503 when the
 * pool is full itself, and returns -1.
 */
typedef void	(*payment_sold_fn)(struct http_req *, enum payment_sale_outcome,
		    const struct payment_sale *, const struct voucher_code *codes,
		    long expires_day);
int	payment_vouchers_start(struct http_req *, const struct payment_sale *,
	    payment_sold_fn done);

/*
 * Take amount of method ("cash" or "card") at the desk for booking_id, by
 * the rules of POST /staff/payments, inside the caller's transaction
 * (store_begin; roll back on anything but PAY_OK): re-read the booking,
 * refuse a cancelled one (PAY_NOT_PAYABLE), one with nothing due
 * (PAY_NOTHING_DUE), an amount of 0 or above what is due (PAY_BAD_AMOUNT);
 * write the payment, a ledger row and an audit row. *out is the booking as
 * last read.
 */
enum payment_status payment_desk_apply(struct http_ctx *, int64_t booking_id,
	    int64_t staff_id, const char *method, int64_t amount,
	    struct store_booking *out);

#endif
