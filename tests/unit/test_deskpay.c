/*
 * Unit test of server/deskpay.c against include/saferoom/deskpay.h: amounts
 * typed in a currency's units, decimals for CSV, CSV fields (RFC 4180
 * quoting, CRLF), the report's tally (every ledger row in exactly one line,
 * per currency, with the currency limit), and the void on a real database:
 * the balance goes to one voucher_voided ledger row with an audit row, a
 * second void is refused, unknown and malformed lookup parts write nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "saferoom/civil.h"
#include "saferoom/deskpay.h"
#include "saferoom/store.h"
#include "saferoom/util.h"

#include "check.h"
#include "tmpdir.h"

#define CENTS_OK(s, max, want) do {					\
	int64_t c_ = -42;						\
	if (CHECK_INT(deskpay_parse_cents((s), (max), &c_), 0))		\
		CHECK_INT(c_, (want));					\
} while (0)
#define CENTS_BAD(s, max) do {						\
	int64_t c_ = -42;						\
	CHECK_INT(deskpay_parse_cents((s), (max), &c_), -1);		\
	CHECK_INT(c_, -42);						\
} while (0)

static void
test_parse_cents(void)
{
	CENTS_OK("50", 10000000, 5000);
	CENTS_OK("50.00", 10000000, 5000);
	CENTS_OK("49.5", 10000000, 4950);
	CENTS_OK("49,50", 10000000, 4950);
	CENTS_OK("0.01", 10000000, 1);
	CENTS_OK("007", 10000000, 700);
	/* The bound is inclusive. */
	CENTS_OK("100000", 10000000, 10000000);
	CENTS_BAD("100000.01", 10000000);
	CENTS_BAD("0", 10000000);
	CENTS_BAD("0.00", 10000000);
	CENTS_BAD("", 10000000);
	CENTS_BAD(".50", 10000000);
	CENTS_BAD("50.", 10000000);
	CENTS_BAD("50.001", 10000000);
	CENTS_BAD("-5", 10000000);
	CENTS_BAD("+5", 10000000);
	CENTS_BAD(" 5", 10000000);
	CENTS_BAD("5 ", 10000000);
	CENTS_BAD("5e2", 10000000);
	CENTS_BAD("1,000.00", 10000000);
	/* 13 digits are refused: the sum never overflows. */
	CENTS_BAD("9999999999999", INT64_MAX);
	CENTS_OK("999999999999.99", INT64_MAX, 99999999999999LL);
}

static void
test_decimal(void)
{
	char	 out[32];

	deskpay_decimal(0, out, sizeof(out));
	CHECK_STR(out, "0.00");
	deskpay_decimal(5, out, sizeof(out));
	CHECK_STR(out, "0.05");
	deskpay_decimal(4950, out, sizeof(out));
	CHECK_STR(out, "49.50");
	deskpay_decimal(-300, out, sizeof(out));
	CHECK_STR(out, "-3.00");
	deskpay_decimal(INT64_MIN, out, sizeof(out));
	CHECK_STR(out, "-92233720368547758.08");
}

static void
test_csv(void)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*text;

	if (!CHECK(b != NULL))
		return;
	CHECK_INT(deskpay_csv_field(b, "plain", 0), 0);
	CHECK_INT(deskpay_csv_field(b, "", 0), 0);
	CHECK_INT(deskpay_csv_field(b, "a,b", 0), 0);
	CHECK_INT(deskpay_csv_field(b, "say \"hi\"", 0), 0);
	CHECK_INT(deskpay_csv_field(b, "two\r\nlines", 0), 0);
	CHECK_INT(deskpay_csv_field(b, "last", 1), 0);
	len = evbuffer_get_length(b);
	text = (char *)evbuffer_pullup(b, -1);
	CHECK_INT((long long)len, (long long)strlen("plain,,\"a,b\",\"say "
	    "\"\"hi\"\"\",\"two\r\nlines\",last\r\n"));
	CHECK(text != NULL && memcmp(text, "plain,,\"a,b\",\"say \"\"hi\"\"\","
	    "\"two\r\nlines\",last\r\n", len) == 0);
	evbuffer_free(b);
}

static struct store_ledger
row(const char *kind, const char *method, int64_t cents, const char *cur)
{
	struct store_ledger	 l;

	memset(&l, 0, sizeof(l));
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	snprintf(l.method, sizeof(l.method), "%s", method);
	l.amount_cents = cents;
	snprintf(l.currency, sizeof(l.currency), "%s", cur);
	return l;
}

/* The line of t whose key is key, or -1. */
static int
line_of(const char *key)
{
	int	 i;

	for (i = 0; i < DESKPAY_LINES; i++)
		if (strcmp(deskpay_line_key(i), key) == 0)
			return i;
	return -1;
}

static void
test_tally(void)
{
	static struct deskpay_tally	 t;
	struct store_ledger		 rows[] = {
		row("payment", "cash", 9000, "EUR"),
		row("payment", "cash", 1000, "EUR"),
		row("payment", "card", 4000, "EUR"),
		row("voucher_sold", "cash", 5000, "EUR"),
		row("voucher_sold", "card", 2500, "USD"),
		row("voucher_redeemed", "voucher", 3000, "EUR"),
		row("refund", "cash", 700, "EUR"),
		row("credit_issued", "voucher", 3000, "EUR"),
		row("voucher_voided", "", 1200, "EUR"),
		row("voucher_expired", "", 300, "EUR"),
		row("refund", "voucher", 100, "EUR"),	/* no line of its own */
	};
	int64_t				 n = 0, cents = 0, want = 0;
	size_t				 i, c;
	int				 l, eur, usd;

	memset(&t, 0, sizeof(t));
	CHECK_INT(deskpay_tally(&t, rows, NELEM(rows)), 0);
	CHECK_INT((long long)t.ncur, 2);
	eur = deskpay_tally_currency(&t, "EUR");
	usd = deskpay_tally_currency(&t, "USD");
	CHECK_INT(eur, 0);
	CHECK_INT(usd, 1);
	CHECK_INT(t.cur[eur].count[line_of("session_cash")], 2);
	CHECK_INT(t.cur[eur].cents[line_of("session_cash")], 10000);
	CHECK_INT(t.cur[eur].cents[line_of("session_card")], 4000);
	CHECK_INT(t.cur[eur].cents[line_of("sold_cash")], 5000);
	CHECK_INT(t.cur[usd].cents[line_of("sold_card")], 2500);
	CHECK_INT(t.cur[eur].cents[line_of("redeemed")], 3000);
	CHECK_INT(t.cur[eur].cents[line_of("refund_cash")], 700);
	CHECK_INT(t.cur[eur].cents[line_of("credit_issued")], 3000);
	CHECK_INT(t.cur[eur].cents[line_of("voided")], 1200);
	CHECK_INT(t.cur[eur].cents[line_of("expired")], 300);
	CHECK_INT(t.cur[eur].cents[line_of("other")], 100);
	/* Every row in exactly one line. */
	for (c = 0; c < t.ncur; c++)
		for (l = 0; l < DESKPAY_LINES; l++) {
			n += t.cur[c].count[l];
			cents += t.cur[c].cents[l];
		}
	for (i = 0; i < NELEM(rows); i++)
		want += rows[i].amount_cents;
	CHECK_INT(n, (long long)NELEM(rows));
	CHECK_INT(cents, want);
	CHECK(deskpay_line_key(DESKPAY_LINES) == NULL);
	CHECK(deskpay_line_key(-1) == NULL);

	/* Past the currency limit the tally says so. */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < DESKPAY_CURRENCIES_MAX; i++) {
		char	 cur[4] = { 'A', (char)('A' + i / 26),
		    (char)('A' + i % 26), '\0' };

		CHECK_INT(deskpay_tally_currency(&t, cur), (long long)i);
	}
	CHECK_INT(deskpay_tally_currency(&t, "ZZZ"), -1);
	CHECK_INT(deskpay_tally_currency(&t, "AAA"), 0);
}

static long long
count_of(struct store *st, long day, const char *kind)
{
	struct store_ledger	*l = NULL;
	size_t			 n = 0, i;
	long long		 k = 0;

	if (store_ledger_between(st, day, day, &l, &n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(l[i].kind, kind) == 0)
			k++;
	free(l);
	return k;
}

static void
test_void(struct store *st)
{
	struct store_voucher	 v, out;
	struct store_ledger	*l = NULL;
	size_t			 n = 0;
	long			 today = civil_today();

	memset(&v, 0, sizeof(v));
	snprintf(v.lookup, sizeof(v.lookup), "7K2Q9M");
	snprintf(v.code_hash, sizeof(v.code_hash), "not-a-real-hash");
	v.value_cents = 5000;
	v.balance_cents = 5000;
	snprintf(v.currency, sizeof(v.currency), "EUR");
	v.expires_day = today + 30;
	snprintf(v.kind, sizeof(v.kind), "sold");
	if (!CHECK_INT(store_voucher_insert(st, &v), 0))
		return;
	CHECK_INT(store_voucher_take(st, v.id, 1800), 0);

	/* Malformed and unknown lookup parts write nothing. */
	CHECK_INT(deskpay_void(st, "7K2Q9", 1, &out), DESKPAY_VOID_MALFORMED);
	CHECK_INT(deskpay_void(st, "7K2Q9MX", 1, &out), DESKPAY_VOID_MALFORMED);
	CHECK_INT(deskpay_void(st, "7K2Q9U", 1, &out), DESKPAY_VOID_MALFORMED);
	CHECK_INT(deskpay_void(st, "", 1, &out), DESKPAY_VOID_MALFORMED);
	CHECK_INT(deskpay_void(st, "AAAAAA", 1, &out), DESKPAY_VOID_UNKNOWN);
	CHECK_INT(count_of(st, today, "voucher_voided"), 0);

	/* Read as codes are: case and dashes are forgiven. */
	CHECK_INT(deskpay_void(st, "7k2q-9m", 0, &out), DESKPAY_VOID_OK);
	CHECK_STR(out.lookup, "7K2Q9M");
	CHECK_INT(out.balance_cents, 3200);
	CHECK_INT(count_of(st, today, "voucher_voided"), 1);
	if (CHECK_INT(store_ledger_between(st, today, today, &l, &n), 0) &&
	    CHECK_INT((long long)n, 1)) {
		CHECK_STR(l[0].kind, "voucher_voided");
		CHECK_STR(l[0].method, "");
		CHECK_INT(l[0].amount_cents, 3200);
		CHECK_STR(l[0].currency, "EUR");
		CHECK_INT(l[0].voucher_id, v.id);
	}
	free(l);
	if (CHECK_INT(store_voucher_by_id(st, v.id, &out), 0)) {
		CHECK_INT(out.voided, 1);
		CHECK_INT(out.balance_cents, 0);
	}
	CHECK_INT(deskpay_void(st, "7K2Q9M", 0, &out), DESKPAY_VOID_ALREADY);
	CHECK_INT(count_of(st, today, "voucher_voided"), 1);
}

int
main(void)
{
	struct store	 st;
	char		 dir[TMPDIR_MAX], path[TMPDIR_MAX], err[STORE_ERR_MAX];

	test_parse_cents();
	test_decimal();
	test_csv();
	test_tally();
	if (tmpdir_make(dir, "deskpay") == -1)
		return 1;
	tmpdir_path(path, dir, "deskpay.db");
	if (CHECK_INT(store_open(&st, path, 1, err), 0)) {
		test_void(&st);
		store_close(&st);
	} else
		fprintf(stderr, "\tstore_open: %s\n", err);
	tmpdir_remove(dir);
	return check_done();
}
