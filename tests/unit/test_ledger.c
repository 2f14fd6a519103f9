/*
 * Unit tests of the money rules the store enforces itself: a voucher's
 * balance never goes below zero (the guarded UPDATE), the ledger is
 * append-only (triggers), and the books balance after a sequence of sales,
 * redemptions, desk payments, credits and refunds written the way
 * payment.c writes them. Lapsed payment windows release their bookings,
 * and expired vouchers are written off.
 */
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "tmpdir.h"

#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/payment.h"
#include "saferoom/store.h"

static long long
num(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	long long	 v = -999999;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
ledger(struct store *st, const char *kind, const char *method, int64_t cents,
    const char *ref, int64_t voucher)
{
	struct store_ledger	 l;

	memset(&l, 0, sizeof(l));
	l.day = 20000;
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	snprintf(l.method, sizeof(l.method), "%s", method);
	l.amount_cents = cents;
	memcpy(l.currency, "EUR", 4);
	snprintf(l.booking_ref, sizeof(l.booking_ref), "%s", ref);
	l.voucher_id = voucher;
	CHECK_INT(store_ledger_add(st, &l), 0);
}

static int64_t
voucher(struct store *st, const char *lookup, int64_t value)
{
	struct store_voucher	 v;

	memset(&v, 0, sizeof(v));
	snprintf(v.lookup, sizeof(v.lookup), "%s", lookup);
	snprintf(v.code_hash, sizeof(v.code_hash), "$scrypt$x");
	v.value_cents = v.balance_cents = value;
	memcpy(v.currency, "EUR", 4);
	v.expires_day = 30000;
	snprintf(v.kind, sizeof(v.kind), "sold");
	CHECK_INT(store_voucher_insert(st, &v), 0);
	return v.id;
}

/* Both invariants of issue 5, as the payments integration test states them. */
static void
check_books(struct store *st)
{
	CHECK_INT(num(st, "SELECT coalesce(sum(balance_cents), 0) FROM vouchers"),
	    num(st, "SELECT coalesce(sum(CASE kind WHEN 'voucher_sold' THEN "
	    "amount_cents WHEN 'credit_issued' THEN amount_cents WHEN "
	    "'voucher_redeemed' THEN -amount_cents WHEN 'voucher_expired' THEN "
	    "-amount_cents WHEN 'voucher_voided' THEN -amount_cents END), 0) "
	    "FROM ledger"));
	CHECK_INT(num(st, "SELECT coalesce(sum(paid_cents), 0) FROM bookings"),
	    num(st, "SELECT coalesce(sum(CASE kind WHEN 'voucher_redeemed' THEN "
	    "amount_cents WHEN 'payment' THEN amount_cents WHEN 'refund' THEN "
	    "-amount_cents WHEN 'credit_issued' THEN -amount_cents END), 0) "
	    "FROM ledger"));
}

int
main(void)
{
	struct store		 st;
	struct store_service	 svc;
	struct store_staff	 t;
	struct store_booking	 b;
	char			 dir[TMPDIR_MAX], path[TMPDIR_MAX + 16];
	char			 err[STORE_ERR_MAX];
	uint8_t			 secret[20] = { 0 };
	int64_t			 v1, v2;

	if (tmpdir_make(dir, "ledger") == -1)
		return 1;
	snprintf(path, sizeof(path), "%s/l.db", dir);
	if (!CHECK_INT(store_open(&st, path, 1, err), 0))
		return check_done();
	memset(&svc, 0, sizeof(svc));
	snprintf(svc.name, sizeof(svc.name), "Session");
	svc.minutes = 50;
	svc.price_cents = 9000;
	memcpy(svc.currency, "EUR", 4);
	CHECK_INT(store_service_add(&st, &svc), 0);
	memset(&t, 0, sizeof(t));
	snprintf(t.username, sizeof(t.username), "t");
	snprintf(t.display_name, sizeof(t.display_name), "T");
	t.role = ROLE_THERAPIST;
	CHECK_INT(store_staff_add(&st, &t, "$scrypt$x", secret, sizeof(secret)), 0);
	memset(&b, 0, sizeof(b));
	snprintf(b.ref, sizeof(b.ref), "REF1");
	snprintf(b.lookup, sizeof(b.lookup), "LOOK1");
	snprintf(b.token_hash, sizeof(b.token_hash), "$scrypt$x");
	b.service_id = svc.id;
	b.therapist_id = t.id;
	b.start = 2000000000;
	b.end = b.start + 3000;
	b.price_cents = 9000;
	memcpy(b.currency, "EUR", 4);
	CHECK_INT(store_booking_insert(&st, &b), 0);

	/* Sell two vouchers; redeem 5000 + 3000; 1000 cash. */
	v1 = voucher(&st, "AAAAAA", 5000);
	ledger(&st, "voucher_sold", "cash", 5000, "", v1);
	v2 = voucher(&st, "BBBBBB", 5000);
	ledger(&st, "voucher_sold", "card", 5000, "", v2);
	check_books(&st);
	CHECK_INT(store_voucher_take(&st, v1, 5000), 0);
	CHECK_INT(store_booking_pay(&st, b.id, 5000, 5000), 0);
	ledger(&st, "voucher_redeemed", "voucher", 5000, "REF1", v1);
	/* The guard: an empty voucher gives nothing, not even a cent. */
	CHECK_INT(store_voucher_take(&st, v1, 1), 1);
	CHECK_INT(store_voucher_take(&st, v2, 5001), 1);
	CHECK_INT(num(&st, "SELECT balance_cents FROM vouchers WHERE lookup = 'BBBBBB'"),
	    5000);
	CHECK_INT(store_voucher_take(&st, v2, 3000), 0);
	CHECK_INT(store_booking_pay(&st, b.id, 3000, 3000), 0);
	ledger(&st, "voucher_redeemed", "voucher", 3000, "REF1", v2);
	CHECK_INT(store_booking_pay(&st, b.id, 1000, 0), 0);
	ledger(&st, "payment", "cash", 1000, "REF1", 0);
	check_books(&st);
	/* Cancelled: vouchers come back as credit, cash is refunded. */
	{
		int64_t	 c = voucher(&st, "CCCCCC", 8000);

		ledger(&st, "credit_issued", "voucher", 8000, "REF1", c);
		ledger(&st, "refund", "cash", 1000, "REF1", 0);
		CHECK_INT(store_booking_pay(&st, b.id, -9000, -8000), 0);
		CHECK_INT(store_booking_cancel(&st, b.id, "practice", NULL), 0);
	}
	check_books(&st);
	/* A void writes off what is left. */
	CHECK_INT(store_voucher_void(&st, v2), 0);
	ledger(&st, "voucher_voided", "", 2000, "", v2);
	check_books(&st);
	CHECK_INT(store_voucher_void(&st, v2), 1);
	CHECK_INT(store_voucher_take(&st, v2, 0), 1);	/* voided: nothing */

	/* The ledger is append-only. */
	CHECK(sqlite3_exec(st.db, "UPDATE ledger SET amount_cents = 0", NULL,
	    NULL, NULL) != SQLITE_OK);
	CHECK(sqlite3_exec(st.db, "DELETE FROM ledger", NULL, NULL, NULL) !=
	    SQLITE_OK);
	CHECK_INT(num(&st, "SELECT count(*) FROM ledger"), 8);

	/* A lapsed unpaid hold is released; a paid one is not. */
	{
		struct store_booking	 h;

		memset(&h, 0, sizeof(h));
		snprintf(h.ref, sizeof(h.ref), "REF2");
		snprintf(h.lookup, sizeof(h.lookup), "LOOK2");
		snprintf(h.token_hash, sizeof(h.token_hash), "$scrypt$x");
		h.service_id = svc.id;
		h.therapist_id = t.id;
		h.start = 2000100000;
		h.end = h.start + 3000;
		h.price_cents = 9000;
		memcpy(h.currency, "EUR", 4);
		h.hold_until = 1000;
		CHECK_INT(store_booking_insert(&st, &h), 0);
		CHECK_INT(store_expire_holds(&st, 999), 0);
		CHECK_INT(store_expire_holds(&st, 1000), 1);
		CHECK_INT(store_booking_by_id(&st, h.id, &h), 0);
		CHECK_STR(h.status, "cancelled");
		CHECK_STR(h.cancel_reason, "Not paid in time");
	}
	/* Housekeeping writes off what expired vouchers hold, once. */
	{
		struct http_ctx	 ctx;
		struct store_voucher v;

		memset(&ctx, 0, sizeof(ctx));
		ctx.store = st;
		memset(&v, 0, sizeof(v));
		snprintf(v.lookup, sizeof(v.lookup), "DDDDDD");
		snprintf(v.code_hash, sizeof(v.code_hash), "$scrypt$x");
		v.value_cents = v.balance_cents = 2500;
		memcpy(v.currency, "EUR", 4);
		v.expires_day = civil_today() - 1;
		snprintf(v.kind, sizeof(v.kind), "sold");
		CHECK_INT(store_voucher_insert(&st, &v), 0);
		ledger(&st, "voucher_sold", "cash", 2500, "", v.id);
		check_books(&st);
		CHECK_INT(payment_expire_vouchers(&ctx), 1);
		CHECK_INT(num(&st, "SELECT balance_cents FROM vouchers WHERE "
		    "lookup = 'DDDDDD'"), 0);
		CHECK_INT(num(&st, "SELECT amount_cents FROM ledger WHERE kind = "
		    "'voucher_expired'"), 2500);
		check_books(&st);
		CHECK_INT(payment_expire_vouchers(&ctx), 0);
		/* Still valid today: left alone. */
		CHECK_INT(num(&st, "SELECT balance_cents FROM vouchers WHERE "
		    "lookup = 'CCCCCC'"), 8000);
	}
	store_close(&st);
	tmpdir_remove(dir);
	return check_done();
}
