/*
 * deskpay: the desk's and the admin's payment pages, the report and the
 * export, and the voucher void; the contract is in include/saferoom/deskpay.h,
 * the rules about money are payment.c's.
 *
 * Pages are templates web/templates/deskpay_*.html inside the staff bar
 * (staffpages_page); values reach them only through {{x}}, and {{{x}}}
 * takes only fragments rendered here from templates or qr_svg(). Voucher
 * codes exist here only between payment.c handing them over and the sheet
 * being sent; they are never logged, and wiped from our buffers after use.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "saferoom/auth.h"
#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/deskpay.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/log.h"
#include "saferoom/payment.h"
#include "saferoom/qr.h"
#include "saferoom/routes.h"
#include "saferoom/settings.h"
#include "saferoom/staff.h"
#include "saferoom/staffpages.h"
#include "saferoom/store.h"
#include "saferoom/token.h"
#include "saferoom/util.h"
#include "saferoom/voucher.h"
#include "saferoom/web.h"

#define DESKPAY_HREF_MAX	320
#define DESKPAY_MONEY_MAX	48
#define DESKPAY_NUM_MAX		24
#define DESKPAY_LABEL_MAX	64	/* "Wednesday 30 September 2026" */
#define DESKPAY_WHEN_MAX	128
#define DESKPAY_TEXT_MAX	400	/* a notice or an error sentence */
#define DESKPAY_AMOUNT_MAX	16	/* characters of a typed amount */
#define DESKPAY_ONCE_BYTES	16	/* a form's one-time key */
#define DESKPAY_ONCE_HEX	(2 * DESKPAY_ONCE_BYTES)
#define DESKPAY_VALID_DAYS	365	/* the form's default validity */
#define DESKPAY_FILENAME_MAX	96
#define DESKPAY_LOOKUP_MAX	(VOUCHER_LOOKUP_LEN + 2)	/* "7K2Q-9M" */

static const char *const deskpay_weekdays[] = {
	"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};
static const char *const deskpay_months[] = {
	"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* ---- the lines of the report -------------------------------------------- */

enum deskpay_line_id {
	DL_SESSION_CASH,
	DL_SESSION_CARD,
	DL_SOLD_CASH,
	DL_SOLD_CARD,
	DL_REFUND_CASH,
	DL_REFUND_CARD,
	DL_REDEEMED,
	DL_CREDIT,
	DL_VOIDED,
	DL_EXPIRED,
	DL_OTHER,
};

/*
 * Which ledger rows each line adds up, first match wins, the last takes
 * what no other did; cash and card say how a line counts into the money
 * the drawer and the card terminal took (in, out, or not at all).
 */
static const struct deskpay_line {
	const char	*key;		/* in the CSV */
	const char	*label;		/* on the page */
	const char	*kind;		/* ledger kind; NULL: any */
	const char	*method;	/* ledger method; NULL: any */
	int		 cash, card;
} deskpay_lines[] = {
	[DL_SESSION_CASH] = { "session_cash", "Sessions paid in cash",
	    "payment", "cash", 1, 0 },
	[DL_SESSION_CARD] = { "session_card", "Sessions paid by card",
	    "payment", "card", 0, 1 },
	[DL_SOLD_CASH] = { "sold_cash", "Vouchers sold for cash",
	    "voucher_sold", "cash", 1, 0 },
	[DL_SOLD_CARD] = { "sold_card", "Vouchers sold by card",
	    "voucher_sold", "card", 0, 1 },
	[DL_REFUND_CASH] = { "refund_cash", "Refunds in cash", "refund", "cash",
	    -1, 0 },
	[DL_REFUND_CARD] = { "refund_card", "Refunds to card", "refund", "card",
	    0, -1 },
	[DL_REDEEMED] = { "redeemed", "Sessions paid with vouchers",
	    "voucher_redeemed", NULL, 0, 0 },
	[DL_CREDIT] = { "credit_issued", "Credit vouchers issued on "
	    "cancellation", "credit_issued", NULL, 0, 0 },
	[DL_VOIDED] = { "voided", "Voucher balances voided", "voucher_voided",
	    NULL, 0, 0 },
	[DL_EXPIRED] = { "expired", "Voucher balances expired",
	    "voucher_expired", NULL, 0, 0 },
	[DL_OTHER] = { "other", "Other movements", NULL, NULL, 0, 0 },
};

_Static_assert(NELEM(deskpay_lines) == DESKPAY_LINES,
    "deskpay.h DESKPAY_LINES must count deskpay_lines");

const char *
deskpay_line_key(int line)
{
	return line >= 0 && line < DESKPAY_LINES ? deskpay_lines[line].key :
	    NULL;
}

static int
deskpay_line_of(const struct store_ledger *l)
{
	int	 i;

	for (i = 0; i < DESKPAY_LINES; i++)
		if ((deskpay_lines[i].kind == NULL ||
		    strcmp(deskpay_lines[i].kind, l->kind) == 0) &&
		    (deskpay_lines[i].method == NULL ||
		    strcmp(deskpay_lines[i].method, l->method) == 0))
			return i;
	return DL_OTHER;
}

int
deskpay_tally_currency(struct deskpay_tally *t, const char *currency)
{
	size_t	 i;

	for (i = 0; i < t->ncur; i++)
		if (strcmp(t->cur[i].currency, currency) == 0)
			return (int)i;
	if (t->ncur == DESKPAY_CURRENCIES_MAX)
		return -1;
	memset(&t->cur[i], 0, sizeof(t->cur[i]));
	snprintf(t->cur[i].currency, sizeof(t->cur[i].currency), "%s",
	    currency);
	t->ncur++;
	return (int)i;
}

int
deskpay_tally(struct deskpay_tally *t, const struct store_ledger *rows,
    size_t n)
{
	size_t	 i;
	int	 c, line;

	for (i = 0; i < n; i++) {
		if ((c = deskpay_tally_currency(t, rows[i].currency)) == -1)
			return -1;
		line = deskpay_line_of(&rows[i]);
		t->cur[c].count[line]++;
		t->cur[c].cents[line] += rows[i].amount_cents;
	}
	return 0;
}

/* Net money and entries of currency c through the drawer (cash) or card. */
static void
deskpay_method_total(const struct deskpay_tally *t, size_t c, int card,
    int64_t *count, int64_t *cents)
{
	int	 i, sign;

	*count = *cents = 0;
	for (i = 0; i < DESKPAY_LINES; i++) {
		sign = card ? deskpay_lines[i].card : deskpay_lines[i].cash;
		if (sign == 0)
			continue;
		*count += t->cur[c].count[i];
		*cents += sign * t->cur[c].cents[i];
	}
}

/* ---- pure helpers ------------------------------------------------------- */

int
deskpay_parse_cents(const char *s, int64_t max, int64_t *out)
{
	int64_t	 units = 0, frac = 0;
	int	 digits = 0, fdigits = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (++digits > 12)
			return -1;
		units = units * 10 + (*s - '0');
	}
	if (digits == 0)
		return -1;
	if (*s == '.' || *s == ',') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++fdigits > 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (fdigits == 0)
			return -1;
		if (fdigits == 1)
			frac *= 10;
	}
	if (*s != '\0')
		return -1;
	units = units * 100 + frac;
	if (units < 1 || units > max)
		return -1;
	*out = units;
	return 0;
}

void
deskpay_decimal(int64_t cents, char *out, size_t outsz)
{
	uint64_t	 a;

	a = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
	snprintf(out, outsz, "%s%llu.%02llu", cents < 0 ? "-" : "",
	    (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

int
deskpay_csv_field(struct evbuffer *out, const char *s, int last)
{
	const char	*p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		if (evbuffer_add(out, s, strlen(s)) == -1)
			return -1;
	} else {
		if (evbuffer_add(out, "\"", 1) == -1)
			return -1;
		for (p = s; *p != '\0'; p++)
			if ((*p == '"' && evbuffer_add(out, "\"", 1) == -1) ||
			    evbuffer_add(out, p, 1) == -1)
				return -1;
		if (evbuffer_add(out, "\"", 1) == -1)
			return -1;
	}
	return evbuffer_add(out, last ? "\r\n" : ",", last ? 2 : 1);
}

/* ---- the void ----------------------------------------------------------- */

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} deskpay_void_errors[] = {
	[DESKPAY_VOID_OK] = { 200, "ok", "" },
	[DESKPAY_VOID_MALFORMED] = { 400, "malformed_lookup", "A lookup part "
	    "is the first 6 letters and digits of a voucher code, like "
	    "7K2Q-9M." },
	[DESKPAY_VOID_UNKNOWN] = { 404, "unknown_voucher", "There is no "
	    "voucher with this lookup part." },
	[DESKPAY_VOID_ALREADY] = { 409, "voucher_already_void", "This voucher "
	    "is void already." },
	[DESKPAY_VOID_INTERNAL] = { 500, "internal_error", "Something went "
	    "wrong on our side; nothing was changed." },
};

enum deskpay_void_status
deskpay_void(struct store *st, const char *lookup, int64_t staff_id,
    struct store_voucher *out)
{
	enum deskpay_void_status	 s = DESKPAY_VOID_INTERNAL;
	struct store_ledger		 l;
	char				 sym[VOUCHER_LOOKUP_LEN + 1];
	char				 money[DESKPAY_MONEY_MAX];
	char				 detail[STORE_REASON_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (token_symbols(lookup, sym, VOUCHER_LOOKUP_LEN) == -1)
		return DESKPAY_VOID_MALFORMED;
	sym[VOUCHER_LOOKUP_LEN] = '\0';
	if (store_begin(st) == -1)
		return DESKPAY_VOID_INTERNAL;
	/* Read inside the transaction: what is voided is what it holds now. */
	switch (store_voucher_by_lookup(st, sym, out)) {
	case 0:
		break;
	case 1:
		s = DESKPAY_VOID_UNKNOWN;
		goto rollback;
	default:
		goto rollback;
	}
	if (out->voided) {
		s = DESKPAY_VOID_ALREADY;
		goto rollback;
	}
	memset(&l, 0, sizeof(l));
	l.day = civil_today();
	snprintf(l.kind, sizeof(l.kind), "voucher_voided");
	l.amount_cents = out->balance_cents;
	memcpy(l.currency, out->currency, sizeof(l.currency));
	l.voucher_id = out->id;
	l.staff_id = staff_id;
	(void)util_money(money, sizeof(money), out->balance_cents,
	    out->currency);
	snprintf(detail, sizeof(detail), "%s: %s", out->lookup, money);
	if (store_voucher_void(st, out->id) != 0 ||
	    store_ledger_add(st, &l) == -1 ||
	    store_audit(st, staff_id, "voucher_voided", NULL, detail) == -1 ||
	    store_commit(st) == -1)
		goto rollback;
	return DESKPAY_VOID_OK;
rollback:
	store_rollback(st);
	return s;
}

void
deskpay_api_void(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "lookup", INPUT_TEXT, 1, 1, VOUCHER_GROUPED_MAX },
	};
	struct input_value		 v[NELEM(f)];
	struct store_voucher		 vo;
	enum deskpay_void_status	 s;
	char				 err[INPUT_ERR_MAX];
	char				 expires[CIVIL_DATE_MAX];

	if (input_json(req->body, req->body_len, f, NELEM(f), v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	s = deskpay_void(&req->ctx->store, v[0].text, req->session->staff.id,
	    &vo);
	if (s != DESKPAY_VOID_OK) {
		http_error(req, deskpay_void_errors[s].status,
		    deskpay_void_errors[s].code,
		    deskpay_void_errors[s].message);
		return;
	}
	civil_format_date(vo.expires_day, expires);
	http_reply_json(req, 200, json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:b}",
	    "lookup", vo.lookup, "currency", vo.currency,
	    "value_cents", (json_int_t)vo.value_cents,
	    "voided_cents", (json_int_t)vo.balance_cents,
	    "expires", expires, "kind", vo.kind, "voided", 1));
}

/* ---- small helpers of the pages ----------------------------------------- */

/* NUL-terminate buf and give its text; NULL when memory runs out. */
static const char *
deskpay_text(struct evbuffer *buf)
{
	if (evbuffer_add(buf, "", 1) == -1)
		return NULL;
	return (const char *)evbuffer_pullup(buf, -1);
}

/* Wipe and free a buffer that held voucher codes. */
static void
deskpay_buffer_wipe(struct evbuffer *buf)
{
	size_t	 len;
	char	*p;

	if (buf == NULL)
		return;
	if ((len = evbuffer_get_length(buf)) > 0 &&
	    (p = (char *)evbuffer_pullup(buf, -1)) != NULL)
		OPENSSL_cleanse(p, len);
	evbuffer_free(buf);
}

/* "Monday 30 November 2026" */
static void
deskpay_day_label(long day, char *out, size_t outsz)
{
	int	 y, m, d;

	civil_ymd(day, &y, &m, &d);
	snprintf(out, outsz, "%s %d %s %d",
	    deskpay_weekdays[civil_weekday(day)], d, deskpay_months[m], y);
}

/* "30 November 2026" */
static void
deskpay_date_label(long day, char *out, size_t outsz)
{
	int	 y, m, d;

	civil_ymd(day, &y, &m, &d);
	snprintf(out, outsz, "%d %s %d", d, deskpay_months[m], y);
}

/* "Monday 30 November 2026, 09:00–09:50" for a booking. */
static void
deskpay_when(const struct store_booking *b, char *out, size_t outsz)
{
	char	 day[DESKPAY_LABEL_MAX];
	long	 d, ed;
	int	 m, em;

	civil_utc_to_local(b->start, &d, &m);
	civil_utc_to_local(b->end, &ed, &em);
	deskpay_day_label(d, day, sizeof(day));
	snprintf(out, outsz, "%s, %02d:%02d\xe2\x80\x93%02d:%02d", day,
	    m / 60 % 100, m % 60, em / 60 % 100, em % 60);
}

/* A fresh one-time key for a form, as hex. 0 or -1. */
static int
deskpay_once_new(char out[DESKPAY_ONCE_HEX + 1])
{
	uint8_t	 r[DESKPAY_ONCE_BYTES];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	util_hex(r, sizeof(r), out);
	return 0;
}

/*
 * The key a form's one-time value is kept under: scoped to the route and
 * the member, so one form's value says nothing about another. 0, or -1
 * when the value is not one we drew.
 */
static int
deskpay_once_key(struct http_req *req, const char *hex, uint8_t key[32])
{
	uint8_t	 raw[DESKPAY_ONCE_BYTES];
	char	 scope[128];
	int	 n;

	if (strlen(hex) != DESKPAY_ONCE_HEX ||
	    util_unhex(hex, raw, sizeof(raw)) == -1)
		return -1;
	n = snprintf(scope, sizeof(scope), "deskpay|%s|%lld|%s",
	    req->route->path, (long long)req->session->staff.id, hex);
	if (n < 0 || (size_t)n >= sizeof(scope))
		return -1;
	SHA256((const unsigned char *)scope, (size_t)n, key);
	return 0;
}

static const struct input_field deskpay_ref_field = {
	"ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1
};

/*
 * The currencies of the services offered, each once, the first service's
 * first: the choices of the voucher form and the currencies every report
 * shows. At least "EUR" when there is no service yet. 0 or -1.
 */
static int
deskpay_currencies(struct http_req *req, struct deskpay_tally *t)
{
	struct store_service	*s = NULL;
	size_t			 n = 0, i;

	if (store_services(&req->ctx->store, &s, &n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		(void)deskpay_tally_currency(t, s[i].currency);
	free(s);
	if (t->ncur == 0)
		(void)deskpay_tally_currency(t, "EUR");
	return 0;
}

/* ---- selling vouchers --------------------------------------------------- */

/* What the voucher form shows again after a mistake. */
struct deskpay_sale_form {
	char		 count[DESKPAY_NUM_MAX];
	char		 value[DESKPAY_AMOUNT_MAX + 1];
	char		 currency[4];
	char		 days[DESKPAY_NUM_MAX];
	char		 tag[STORE_TAG_MAX + 1];
	char		 method[8];
};

static const struct input_field deskpay_sale_fields[] = {
	{ "count", INPUT_INT, 1, 1, PAYMENT_BATCH_MAX },
	{ "value", INPUT_TEXT, 1, 1, DESKPAY_AMOUNT_MAX },
	{ "currency", INPUT_TEXT, 1, 3, 3 },
	{ "valid_days", INPUT_INT, 1, 1, PAYMENT_VALID_DAYS_MAX },
	{ "tag", INPUT_TEXT, 0, 0, STORE_TAG_MAX },
	{ "method", INPUT_TEXT, 1, 4, 4 },
	{ "once", INPUT_TEXT, 1, DESKPAY_ONCE_HEX, DESKPAY_ONCE_HEX },
};

/*
 * The vouchers page: the sale form (refilled from f, or the defaults) and,
 * for admins, the void form; notice and error on top.
 */
static void
deskpay_vouchers_page(struct http_req *req, int status, const char *notice,
    const char *error, const struct deskpay_sale_form *f)
{
	struct deskpay_tally	*cur;
	struct evbuffer		*opts;
	char			 once[DESKPAY_ONCE_HEX + 1];
	char			 count_max[DESKPAY_NUM_MAX];
	char			 days_max[DESKPAY_NUM_MAX];
	char			 tag_max[DESKPAY_NUM_MAX];
	char			 days_def[DESKPAY_NUM_MAX];
	const char		*currencies;
	size_t			 i;
	int			 cash;

	if ((cur = calloc(1, sizeof(*cur))) == NULL ||
	    (opts = evbuffer_new()) == NULL) {
		free(cur);
		staffpages_error(req, 500, "The page could not be made.",
		    "/staff");
		return;
	}
	if (deskpay_currencies(req, cur) == -1 || deskpay_once_new(once) == -1)
		goto fail;
	if (f != NULL && f->currency[0] != '\0')
		(void)deskpay_tally_currency(cur, f->currency);
	for (i = 0; i < cur->ncur; i++) {
		const struct web_var	 vars[] = {
			{ "value", cur->cur[i].currency },
			{ "label", cur->cur[i].currency },
			{ "selected", f != NULL && strcmp(f->currency,
			    cur->cur[i].currency) == 0 ? "selected" : "" },
		};

		if (web_render(opts, "deskpay_option", vars,
		    NELEM(vars)) == -1)
			goto fail;
	}
	if ((currencies = deskpay_text(opts)) == NULL)
		goto fail;
	snprintf(count_max, sizeof(count_max), "%d", PAYMENT_BATCH_MAX);
	snprintf(days_max, sizeof(days_max), "%d", PAYMENT_VALID_DAYS_MAX);
	snprintf(tag_max, sizeof(tag_max), "%d", STORE_TAG_MAX);
	snprintf(days_def, sizeof(days_def), "%d", DESKPAY_VALID_DAYS);
	cash = f == NULL || strcmp(f->method, "card") != 0;
	{
		const struct web_var	 vars[] = {
			{ "notice", notice },
			{ "error", error },
			{ "once", once },
			{ "count", f != NULL && f->count[0] != '\0' ? f->count :
			    "1" },
			{ "count_max", count_max },
			{ "value", f != NULL ? f->value : "" },
			{ "currencies", currencies },
			{ "valid_days", f != NULL && f->days[0] != '\0' ?
			    f->days : days_def },
			{ "days_max", days_max },
			{ "tag", f != NULL ? f->tag : "" },
			{ "tag_max", tag_max },
			{ "cash", cash ? "checked" : "" },
			{ "card", cash ? "" : "checked" },
			{ "void_hidden", req->session->staff.role ==
			    ROLE_ADMIN ? "" : "hidden" },
		};

		staffpages_page(req, status, "Vouchers", "deskpay_vouchers",
		    vars, NELEM(vars));
	}
	evbuffer_free(opts);
	free(cur);
	return;
fail:
	evbuffer_free(opts);
	free(cur);
	staffpages_error(req, 500, "The page could not be made.", "/staff");
}

void
deskpay_vouchers(struct http_req *req)
{
	deskpay_vouchers_page(req, 200, "", "", NULL);
}

/* One card of the sheet and its line in the record table. */
static int
deskpay_sheet_card(struct evbuffer *cards, struct evbuffer *records, int i,
    const struct voucher_code *c, const char *practice, const char *value,
    const char *expires, const char *tag)
{
	struct evbuffer	*qr;
	char		 text[VOUCHER_GROUPED_MAX], num[DESKPAY_NUM_MAX];
	char		 lookup[DESKPAY_LOOKUP_MAX];
	int		 rc = -1;

	if ((qr = evbuffer_new()) == NULL)
		return -1;
	voucher_code_format(c, text);
	/* As it starts the printed code: "7K2Q-9M". */
	token_group(c->lookup, VOUCHER_LOOKUP_LEN, lookup);
	/* The QR code holds the code as printed; reading forgives dashes. */
	if (qr_svg(text, qr) == -1 || deskpay_text(qr) == NULL)
		goto done;
	snprintf(num, sizeof(num), "%d", i + 1);
	{
		const struct web_var	 card[] = {
			{ "practice", practice },
			{ "value", value },
			{ "qr", (const char *)evbuffer_pullup(qr, -1) },
			{ "code", text },
			{ "expires", expires },
			{ "num", num },
		};
		const struct web_var	 rec[] = {
			{ "num", num },
			{ "lookup", lookup },
			{ "value", value },
			{ "expires", expires },
			{ "tag", tag },
		};

		if (web_render(cards, "deskpay_card", card,
		    NELEM(card)) == -1 ||
		    web_render(records, "deskpay_record", rec,
		    NELEM(rec)) == -1)
			goto done;
	}
	rc = 0;
done:
	OPENSSL_cleanse(text, sizeof(text));
	deskpay_buffer_wipe(qr);
	return rc;
}

/* payment_vouchers_start's answer: the sheet, shown this once. */
static void
deskpay_sheet(struct http_req *req, enum payment_sale_outcome outcome,
    const struct payment_sale *sale, const struct voucher_code *codes,
    long expires_day)
{
	struct evbuffer	*cards = NULL, *records = NULL;
	char		 practice[SETTINGS_VALUE_MAX];
	char		 value[DESKPAY_MONEY_MAX], expires[DESKPAY_LABEL_MAX];
	char		 count[DESKPAY_NUM_MAX], heading[DESKPAY_TEXT_MAX];
	int		 i;

	switch (outcome) {
	case PAY_SALE_OK:
		break;
	case PAY_SALE_REPEATED:
		staffpages_error(req, 409, "These vouchers were made already: "
		    "this form was sent twice. Nothing more was sold now. The "
		    "codes were shown once, on the page that answered the "
		    "first sending; if that page is lost, an admin can void "
		    "the vouchers.", "/staff/vouchers");
		return;
	default:
		staffpages_error(req, 500, "The vouchers could not be made; "
		    "nothing was sold. Please try again.", "/staff/vouchers");
		return;
	}
	http_practice_name(req, practice, sizeof(practice));
	(void)util_money(value, sizeof(value), sale->value_cents,
	    sale->currency);
	deskpay_date_label(expires_day, expires, sizeof(expires));
	snprintf(count, sizeof(count), "%d", sale->count);
	snprintf(heading, sizeof(heading), "%d voucher%s of %s", sale->count,
	    sale->count == 1 ? "" : "s", value);
	if ((cards = evbuffer_new()) == NULL ||
	    (records = evbuffer_new()) == NULL)
		goto fail;
	for (i = 0; i < sale->count; i++)
		if (deskpay_sheet_card(cards, records, i, &codes[i], practice,
		    value, expires, sale->tag) == -1)
			goto fail;
	if (deskpay_text(cards) == NULL || deskpay_text(records) == NULL)
		goto fail;
	{
		const struct web_var	 vars[] = {
			{ "heading", heading },
			{ "count", count },
			{ "value", value },
			{ "expires", expires },
			{ "method", strcmp(sale->method, "card") == 0 ?
			    "by card" : "for cash" },
			{ "tag", sale->tag },
			{ "cards", (const char *)evbuffer_pullup(cards, -1) },
			{ "records", (const char *)evbuffer_pullup(records,
			    -1) },
		};

		staffpages_page(req, 200, "Voucher sheet", "deskpay_sheet",
		    vars, NELEM(vars));
	}
	deskpay_buffer_wipe(cards);
	deskpay_buffer_wipe(records);
	return;
fail:
	deskpay_buffer_wipe(cards);
	deskpay_buffer_wipe(records);
	/* Sold, but the sheet failed: say so, the vouchers can be voided. */
	log_warnx("deskpay", "a voucher sheet could not be made");
	staffpages_error(req, 500, "The vouchers were sold, but their sheet "
	    "could not be made. An admin can void them: see the audit log.",
	    "/staff/vouchers");
}

void
deskpay_vouchers_make(struct http_req *req)
{
	struct input_value		 v[NELEM(deskpay_sale_fields)];
	struct deskpay_sale_form	 f;
	struct payment_sale		 sale;
	uint8_t				 key[32];
	char				 err[INPUT_ERR_MAX];
	const char			*c;

	memset(&f, 0, sizeof(f));
	memset(&sale, 0, sizeof(sale));
	if (input_form(req->body, deskpay_sale_fields, NELEM(v), v,
	    err) == -1) {
		deskpay_vouchers_page(req, 400, "", err, NULL);
		return;
	}
	snprintf(f.count, sizeof(f.count), "%lld", v[0].num);
	snprintf(f.value, sizeof(f.value), "%.16s", v[1].text);
	snprintf(f.days, sizeof(f.days), "%lld", v[3].num);
	snprintf(f.tag, sizeof(f.tag), "%.60s", v[4].present ? v[4].text :
	    "");
	snprintf(f.method, sizeof(f.method), "%.7s", v[5].text);
	c = v[2].text;
	if (c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' &&
	    c[2] >= 'A' && c[2] <= 'Z')
		memcpy(f.currency, c, 4);
	else {
		deskpay_vouchers_page(req, 400, "", "The currency must be a "
		    "three-letter code in capitals, like EUR.", &f);
		return;
	}
	if (deskpay_parse_cents(v[1].text, PAYMENT_VALUE_MAX,
	    &sale.value_cents) == -1) {
		snprintf(err, sizeof(err), "The value must be an amount like "
		    "50 or 49.50, more than zero and at most %d.",
		    PAYMENT_VALUE_MAX / 100);
		deskpay_vouchers_page(req, 400, "", err, &f);
		return;
	}
	if (strcmp(f.method, "cash") != 0 && strcmp(f.method, "card") != 0) {
		deskpay_vouchers_page(req, 400, "", "Please say whether the "
		    "vouchers were paid in cash or by card.", &f);
		return;
	}
	if (deskpay_once_key(req, v[6].text, key) == -1) {
		deskpay_vouchers_page(req, 400, "", "This form is out of date. "
		    "Nothing was sold; please fill it in again.", &f);
		return;
	}
	sale.count = (int)v[0].num;
	memcpy(sale.currency, f.currency, sizeof(sale.currency));
	sale.valid_days = (int)v[3].num;
	memcpy(sale.tag, f.tag, sizeof(sale.tag));
	memcpy(sale.method, f.method, sizeof(sale.method));
	sale.once = key;
	/* payment answers 503 itself when the pool is full. */
	(void)payment_vouchers_start(req, &sale, deskpay_sheet);
}

void
deskpay_vouchers_void(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "lookup", INPUT_TEXT, 1, 1, VOUCHER_GROUPED_MAX },
	};
	struct input_value		 v[NELEM(f)];
	struct store_voucher		 vo;
	enum deskpay_void_status	 s;
	char				 err[INPUT_ERR_MAX];
	char				 money[DESKPAY_MONEY_MAX];
	char				 notice[DESKPAY_TEXT_MAX];

	if (input_form(req->body, f, NELEM(f), v, err) == -1)
		s = DESKPAY_VOID_MALFORMED;
	else
		s = deskpay_void(&req->ctx->store, v[0].text,
		    req->session->staff.id, &vo);
	if (s != DESKPAY_VOID_OK) {
		deskpay_vouchers_page(req, deskpay_void_errors[s].status, "",
		    deskpay_void_errors[s].message, NULL);
		return;
	}
	(void)util_money(money, sizeof(money), vo.balance_cents, vo.currency);
	snprintf(notice, sizeof(notice), "The voucher %s is void and can no "
	    "longer be used. The %s it still held is written to the ledger as "
	    "voided.", vo.lookup, money);
	deskpay_vouchers_page(req, 200, notice, "", NULL);
}

/* ---- taking payment for a booking --------------------------------------- */

/*
 * How the desk's pages say payment.c's outcomes, with their status.
 * A status payment.h adds later, missing here, gets the generic line.
 */
static const struct {
	int		 status;
	const char	*message;
} deskpay_pay_outcomes[] = {
	[PAY_OK] = { 200, "" },
	[PAY_MALFORMED] = { 400, "That is not a voucher code: a code has 20 "
	    "letters and digits. Scan it again, or type it as printed." },
	[PAY_TYPO] = { 400, "That voucher code has a typo: a letter or digit "
	    "is wrong, or two are swapped. Check it and type it again." },
	[PAY_UNKNOWN] = { 404, "There is no such voucher. Check the code; "
	    "nothing was taken." },
	[PAY_SPENT] = { 409, "This voucher is used up: nothing is left on "
	    "it." },
	[PAY_NOTHING_DUE] = { 409, "Nothing is due on this session." },
	[PAY_CURRENCY] = { 409, "This voucher is in another currency than the "
	    "session." },
	[PAY_NOT_PAYABLE] = { 409, "This session is cancelled; nothing can be "
	    "paid on it." },
	[PAY_EXPIRED] = { 410, "This voucher has expired; nothing was "
	    "taken." },
	[PAY_VOIDED] = { 410, "This voucher was voided; it can no longer be "
	    "used." },
	[PAY_BAD_AMOUNT] = { 400, "The amount must be more than zero and at "
	    "most what is due." },
	[PAY_RATE] = { 429, "Too many wrong voucher codes from this desk; "
	    "please wait a few minutes." },
	[PAY_INTERNAL] = { 500, "Something went wrong on our side; nothing "
	    "was taken." },
};

static int
deskpay_pay_status(enum payment_status s)
{
	if ((size_t)s >= NELEM(deskpay_pay_outcomes) ||
	    deskpay_pay_outcomes[s].message == NULL)
		return 500;
	return deskpay_pay_outcomes[s].status;
}

static const char *
deskpay_pay_message(enum payment_status s)
{
	if ((size_t)s >= NELEM(deskpay_pay_outcomes) ||
	    deskpay_pay_outcomes[s].message == NULL)
		return "This payment was refused; nothing was taken.";
	return deskpay_pay_outcomes[s].message;
}

/*
 * The message for the payment page's box: when the storage failed (full,
 * locked), that is what it says, as the page then goes out as 503 (http.h).
 */
static const char *
deskpay_pay_said(struct http_req *req, enum payment_status s)
{
	if (s == PAY_INTERNAL &&
	    store_fault(&req->ctx->store) != STORE_FAULT_NONE)
		return HTTP_STORAGE_MESSAGE;
	return deskpay_pay_message(s);
}

/* What the box on top of the payment page says. */
struct deskpay_said {
	const char	*notice;	/* green */
	const char	*error;		/* red */
	const char	*change;	/* "Give back 10.00 EUR", or "" */
	const char	*change_note;
};

/* The payment page of booking b. */
static void
deskpay_pay_page(struct http_req *req, int status,
    const struct store_booking *b, const struct deskpay_said *said)
{
	char	 label[16], when[DESKPAY_WHEN_MAX];
	char	 price[DESKPAY_MONEY_MAX], paid[DESKPAY_MONEY_MAX];
	char	 due[DESKPAY_MONEY_MAX], due_units[DESKPAY_MONEY_MAX];
	char	 once[DESKPAY_ONCE_HEX + 1], back[DESKPAY_HREF_MAX];
	int64_t	 d = booking_due(b);
	int	 payable = d > 0 && strcmp(b->status, "cancelled") != 0;

	if (deskpay_once_new(once) == -1 || web_href(back, sizeof(back),
	    "/staff/booking", "ref", b->ref) == -1) {
		staffpages_error(req, 500, "The page could not be made.",
		    "/staff/desk");
		return;
	}
	staff_label(b, label);
	deskpay_when(b, when, sizeof(when));
	(void)util_money(price, sizeof(price), b->price_cents, b->currency);
	(void)util_money(paid, sizeof(paid), b->paid_cents, b->currency);
	(void)util_money(due, sizeof(due), d, b->currency);
	deskpay_decimal(d, due_units, sizeof(due_units));
	{
		const struct web_var	 vars[] = {
			{ "label", label },
			{ "notice", said->notice },
			{ "error", said->error },
			{ "change_hidden", said->change[0] != '\0' ? "" :
			    "hidden" },
			{ "change", said->change },
			{ "change_note", said->change_note },
			{ "when", when },
			{ "service", b->service_name },
			{ "therapist", b->therapist_name },
			{ "status", booking_status_text(b, 1) },
			{ "ref", b->ref },
			{ "price", price },
			{ "paid", paid },
			{ "due", d > 0 ? due : "Nothing" },
			{ "nothing", payable ? "" :
			    strcmp(b->status, "cancelled") == 0 ?
			    "This session is cancelled: nothing can be paid "
			    "on it." : b->price_cents > 0 ? "The session is "
			    "paid in full." : "Nothing is due on this "
			    "session." },
			{ "forms_hidden", payable ? "" : "hidden" },
			{ "currency", b->currency },
			{ "due_units", due_units },
			{ "once", once },
			/* The scanner types into the field that has focus. */
			{ "code_focus", payable ? "autofocus" : "" },
			{ "back", back },
		};

		staffpages_page(req, status, "Take payment", "deskpay_pay",
		    vars, NELEM(vars));
	}
}

void
deskpay_pay(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "done", INPUT_TEXT, 0, 0, 16 },
		{ "amount", INPUT_INT, 0, 1, PAYMENT_VALUE_MAX },
		{ "tendered", INPUT_INT, 0, 1, PAYMENT_VALUE_MAX },
	};
	struct input_value	 v[NELEM(f)];
	struct store_booking	 b;
	struct deskpay_said	 said = { "", "", "", "" };
	enum staff_status	 s;
	char			 err[INPUT_ERR_MAX], notice[DESKPAY_TEXT_MAX];
	char			 amount[DESKPAY_MONEY_MAX];
	char			 tendered[DESKPAY_MONEY_MAX];
	char			 change[DESKPAY_TEXT_MAX];
	char			 back[DESKPAY_MONEY_MAX];
	char			 due[DESKPAY_MONEY_MAX];
	const char		*done;

	if (input_query(req->query_raw, f, NELEM(f), v, err) == -1) {
		staffpages_error(req, 400, err, "/staff/desk");
		return;
	}
	if ((s = staff_booking(req->ctx, req->session, v[0].text,
	    &b)) != ST_OK) {
		staffpages_error(req, s == ST_NOT_FOUND ? 404 : 500,
		    s == ST_NOT_FOUND ? "There is no such booking." :
		    "Something went wrong on our side; please try again.",
		    "/staff/desk");
		return;
	}
	done = v[1].present ? v[1].text : "";
	(void)util_money(amount, sizeof(amount), v[2].num, b.currency);
	(void)util_money(due, sizeof(due), booking_due(&b), b.currency);
	if (strcmp(done, "voucher") == 0) {
		snprintf(notice, sizeof(notice), "The voucher is taken. %s%s",
		    booking_due(&b) > 0 ? "Still due: " : "The session is paid "
		    "in full.", booking_due(&b) > 0 ? due : "");
		said.notice = notice;
	} else if (strcmp(done, "card") == 0 && v[2].present) {
		snprintf(notice, sizeof(notice), "Card payment of %s recorded.",
		    amount);
		said.notice = notice;
	} else if (strcmp(done, "cash") == 0 && v[2].present) {
		snprintf(notice, sizeof(notice), "Cash payment of %s recorded.",
		    amount);
		said.notice = notice;
		if (v[3].present && v[3].num >= v[2].num) {
			(void)util_money(tendered, sizeof(tendered), v[3].num,
			    b.currency);
			(void)util_money(back, sizeof(back),
			    v[3].num - v[2].num, b.currency);
			snprintf(change, sizeof(change), "Give back %s", back);
			snprintf(notice, sizeof(notice), "%s handed over for "
			    "%s, paid in cash.", tendered, amount);
			said.change = change;
			said.change_note = notice;
			said.notice = "";
		}
	}
	deskpay_pay_page(req, 200, &b, &said);
}

/*
 * payment_redeem's answer. The booking it gives is empty on some
 * failures, so the form (still the request's body) names it again.
 */
static void
deskpay_redeemed(struct http_req *req, enum payment_status s,
    struct store_booking *b)
{
	struct input_value	 v[1];
	struct store_booking	 now;
	struct deskpay_said	 said = { "", "", "", "" };
	char			 href[DESKPAY_HREF_MAX];
	char			 err[INPUT_ERR_MAX];

	if (s == PAY_OK) {
		if (web_href(href, sizeof(href), "/staff/pay", "ref",
		    b->ref) == -1) {
			staffpages_error(req, 500, "The voucher is taken, but "
			    "the page could not be made.", "/staff/desk");
			return;
		}
		strncat(href, "&done=voucher", sizeof(href) - strlen(href) - 1);
		http_redirect(req, href);
		return;
	}
	if (input_form(req->body, &deskpay_ref_field, 1, v, err) == -1 ||
	    staff_booking(req->ctx, req->session, v[0].text, &now) != ST_OK) {
		staffpages_error(req, deskpay_pay_status(s),
		    deskpay_pay_message(s), "/staff/desk");
		return;
	}
	said.error = deskpay_pay_said(req, s);
	deskpay_pay_page(req, deskpay_pay_status(s), &now, &said);
}

void
deskpay_pay_voucher(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "code", INPUT_SECRET, 1, 1, INPUT_TEXT_MAX },
	};
	struct input_value	 v[NELEM(f)];
	struct store_booking	 b;
	struct voucher_code	 c;
	struct deskpay_said	 said = { "", "", "", "" };
	enum voucher_parse	 p;
	enum staff_status	 s;
	char			 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, NELEM(f), v, err) == -1) {
		/* Most likely an empty code: show the page again if we can. */
		if (v[0].present && staff_booking(req->ctx, req->session,
		    v[0].text, &b) == ST_OK) {
			said.error = "Please scan the voucher's QR code or "
			    "type its code.";
			deskpay_pay_page(req, 400, &b, &said);
		} else
			staffpages_error(req, 400, err, "/staff/desk");
		input_wipe(v, NELEM(v));
		return;
	}
	if ((s = staff_booking(req->ctx, req->session, v[0].text,
	    &b)) != ST_OK) {
		input_wipe(v, NELEM(v));
		staffpages_error(req, s == ST_NOT_FOUND ? 404 : 500,
		    s == ST_NOT_FOUND ? "There is no such booking." :
		    "Something went wrong on our side; please try again.",
		    "/staff/desk");
		return;
	}
	/* A typo is told on this page at once; payment.c would say it bare. */
	p = voucher_code_parse(v[1].text, &c);
	voucher_code_wipe(&c);
	if (p != VOUCHER_CODE_OK) {
		input_wipe(v, NELEM(v));
		said.error = deskpay_pay_message(p == VOUCHER_CODE_TYPO ?
		    PAY_TYPO : PAY_MALFORMED);
		deskpay_pay_page(req, 400, &b, &said);
		return;
	}
	(void)payment_redeem(req, v[1].text, b.id, req->session->staff.id,
	    deskpay_redeemed);
	input_wipe(v, NELEM(v));
}

/* "/staff/pay?ref=REF&done=METHOD&amount=N[&tendered=M]" */
static int
deskpay_paid_href(const char *ref, const char *method, int64_t amount,
    int64_t tendered, char *out, size_t outsz)
{
	char	 tail[96];

	if (web_href(out, outsz, "/staff/pay", "ref", ref) == -1)
		return -1;
	if (tendered >= 0)
		snprintf(tail, sizeof(tail),
		    "&done=%s&amount=%lld&tendered=%lld", method,
		    (long long)amount, (long long)tendered);
	else
		snprintf(tail, sizeof(tail), "&done=%s&amount=%lld", method,
		    (long long)amount);
	strncat(out, tail, outsz - strlen(out) - 1);
	return 0;
}

void
deskpay_pay_desk(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "method", INPUT_TEXT, 1, 4, 4 },
		{ "amount", INPUT_TEXT, 1, 1, DESKPAY_AMOUNT_MAX },
		{ "tendered", INPUT_TEXT, 0, 0, DESKPAY_AMOUNT_MAX },
		{ "once", INPUT_TEXT, 1, DESKPAY_ONCE_HEX, DESKPAY_ONCE_HEX },
	};
	struct http_ctx		*ctx = req->ctx;
	struct input_value	 v[NELEM(f)];
	struct store_booking	 b;
	struct deskpay_said	 said = { "", "", "", "" };
	enum payment_status	 ps = PAY_INTERNAL;
	enum staff_status	 s;
	int64_t			 amount = 0, tendered = -1;
	uint8_t			 key[32];
	char			 err[INPUT_ERR_MAX], href[DESKPAY_HREF_MAX];
	char			*body;
	int			 status, form;

	if ((form = input_form(req->body, f, NELEM(f), v, err)) == -1 &&
	    !v[0].present) {
		staffpages_error(req, 400, err, "/staff/desk");
		return;
	}
	if ((s = staff_booking(ctx, req->session, v[0].text, &b)) != ST_OK) {
		staffpages_error(req, s == ST_NOT_FOUND ? 404 : 500,
		    s == ST_NOT_FOUND ? "There is no such booking." :
		    "Something went wrong on our side; please try again.",
		    "/staff/desk");
		return;
	}
	if (form == -1)
		said.error = err;
	else if (!v[1].present || (strcmp(v[1].text, "cash") != 0 &&
	    strcmp(v[1].text, "card") != 0))
		said.error = "Please choose cash or card.";
	else if (!v[2].present || deskpay_parse_cents(v[2].text,
	    PAYMENT_VALUE_MAX, &amount) == -1)
		said.error = "The amount must be like 90 or 89.50, more than "
		    "zero. Nothing was taken.";
	else if (v[3].present && (strcmp(v[1].text, "cash") != 0 ||
	    deskpay_parse_cents(v[3].text, PAYMENT_VALUE_MAX,
	    &tendered) == -1 || tendered < amount))
		said.error = "What the client handed over is for cash only, "
		    "and must be at least the amount. Nothing was taken.";
	else if (!v[4].present || deskpay_once_key(req, v[4].text, key) == -1)
		said.error = "This form is out of date; nothing was taken. "
		    "Please fill it in again.";
	if (said.error[0] != '\0') {
		deskpay_pay_page(req, 400, &b, &said);
		return;
	}
	if (store_begin(&ctx->store) == -1)
		goto fail;
	/* A form sent twice answers as the first time and takes nothing. */
	switch (store_idempotent_get(&ctx->store, key, &status, &body)) {
	case 0:
		free(body);
		store_rollback(&ctx->store);
		if (deskpay_paid_href(b.ref, v[1].text, amount, tendered, href,
		    sizeof(href)) == -1)
			goto fail;
		http_redirect(req, href);
		return;
	case 1:
		break;
	default:
		store_rollback(&ctx->store);
		goto fail;
	}
	ps = payment_desk_apply(ctx, b.id, req->session->staff.id, v[1].text,
	    amount, &b);
	if (ps == PAY_OK && (store_idempotent_put(&ctx->store, key, 200,
	    "{}") == -1 || store_commit(&ctx->store) == -1))
		ps = PAY_INTERNAL;
	if (ps != PAY_OK) {
		store_rollback(&ctx->store);
		/* The booking as it is now, for the page. */
		if (staff_booking(ctx, req->session, v[0].text, &b) != ST_OK)
			goto fail;
		said.error = deskpay_pay_said(req, ps);
		deskpay_pay_page(req, deskpay_pay_status(ps), &b, &said);
		return;
	}
	if (deskpay_paid_href(b.ref, v[1].text, amount, tendered, href,
	    sizeof(href)) == -1)
		goto fail;
	http_redirect(req, href);
	return;
fail:
	staffpages_error(req, 500, deskpay_pay_message(PAY_INTERNAL),
	    "/staff/desk");
}

/* ---- the daily report --------------------------------------------------- */

/* A day's ledger and the open balances, read and added up. */
struct deskpay_day {
	long			 day;
	struct store_ledger	*rows;
	size_t			 nrows;
	struct store_total	*open;
	size_t			 nopen;
	struct deskpay_tally	 t;
};

static void
deskpay_day_free(struct deskpay_day *d)
{
	free(d->rows);
	free(d->open);
	free(d);
}

/* Read and add up day. NULL on failure. */
static struct deskpay_day *
deskpay_day_load(struct http_req *req, long day)
{
	struct deskpay_day	*d;
	size_t			 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->day = day;
	if (deskpay_currencies(req, &d->t) == -1 ||
	    store_ledger_between(&req->ctx->store, day, day, &d->rows,
	    &d->nrows) == -1 ||
	    deskpay_tally(&d->t, d->rows, d->nrows) == -1 ||
	    store_voucher_liability(&req->ctx->store, civil_today(), &d->open,
	    &d->nopen) == -1)
		goto fail;
	for (i = 0; i < d->nopen; i++)
		if (deskpay_tally_currency(&d->t, d->open[i].currency) == -1)
			goto fail;
	return d;
fail:
	deskpay_day_free(d);
	return NULL;
}

/* The open balance of currency: *count vouchers holding *cents. */
static void
deskpay_open_of(const struct deskpay_day *d, const char *currency,
    int64_t *count, int64_t *cents)
{
	size_t	 i;

	*count = *cents = 0;
	for (i = 0; i < d->nopen; i++)
		if (strcmp(d->open[i].currency, currency) == 0) {
			*count = d->open[i].count;
			*cents = d->open[i].cents;
		}
}

static int
deskpay_report_row(struct evbuffer *out, const char *klass, const char *label,
    int64_t count, int64_t cents, const char *currency)
{
	char			 num[DESKPAY_NUM_MAX], money[DESKPAY_MONEY_MAX];
	const struct web_var	 vars[] = {
		{ "class", klass },
		{ "label", label },
		{ "count", num },
		{ "amount", money },
	};

	snprintf(num, sizeof(num), "%lld", (long long)count);
	(void)util_money(money, sizeof(money), cents, currency);
	return web_render(out, "deskpay_report_row", vars, NELEM(vars));
}

/* The parts of a report, each a table of the page and a section of the CSV. */
enum deskpay_part {
	DP_TOTALS,
	DP_VOUCHERS,
	DP_OPEN,
	DP_LINES,
	DP_PARTS,
};

static const char *const deskpay_part_keys[DP_PARTS] = {
	[DP_TOTALS] = "total",
	[DP_VOUCHERS] = "vouchers",
	[DP_OPEN] = "open_balance",
	[DP_LINES] = "line",
};

#define DL_BIT(line)	(1u << (line))

/*
 * The sums of lines the report shows before its lines, in their order;
 * net 1 or 2 is the drawer's (cash) or the terminal's (card) net instead.
 */
static const struct deskpay_sum {
	enum deskpay_part	 part;
	const char		*item;		/* in the CSV */
	const char		*label;		/* on the page */
	unsigned		 lines;
	int			 net;
} deskpay_sums[] = {
	{ DP_TOTALS, "cash", "Cash", 0, 1 },
	{ DP_TOTALS, "card", "Card", 0, 2 },
	{ DP_TOTALS, "voucher", "Voucher redemptions", DL_BIT(DL_REDEEMED), 0 },
	{ DP_VOUCHERS, "sold", "Vouchers sold",
	    DL_BIT(DL_SOLD_CASH) | DL_BIT(DL_SOLD_CARD), 0 },
	{ DP_VOUCHERS, "redeemed", "Vouchers redeemed", DL_BIT(DL_REDEEMED),
	    0 },
	{ DP_VOUCHERS, "refunded", "Refunds at the desk",
	    DL_BIT(DL_REFUND_CASH) | DL_BIT(DL_REFUND_CARD), 0 },
	{ DP_VOUCHERS, "credit_issued", "Credit vouchers issued",
	    DL_BIT(DL_CREDIT), 0 },
	{ DP_VOUCHERS, "voided_expired", "Voided and expired",
	    DL_BIT(DL_VOIDED) | DL_BIT(DL_EXPIRED), 0 },
};

/* Where a report's figures go: the page's tables or the CSV. 0 or -1. */
typedef int	(*deskpay_emit_fn)(void *arg, enum deskpay_part,
		    const char *item, const char *label, const char *currency,
		    int64_t count, int64_t cents);

/* Every figure of day d, per currency, in the order shown. 0 or -1. */
static int
deskpay_figures(const struct deskpay_day *d, deskpay_emit_fn emit, void *arg)
{
	const struct deskpay_tally	*t = &d->t;
	const struct deskpay_sum	*f;
	const char			*cu;
	int64_t				 n, cents;
	size_t				 c, i;
	int				 l;

	for (c = 0; c < t->ncur; c++) {
		cu = t->cur[c].currency;
		for (i = 0; i < NELEM(deskpay_sums); i++) {
			f = &deskpay_sums[i];
			n = cents = 0;
			if (f->net != 0)
				deskpay_method_total(t, c, f->net == 2, &n,
				    &cents);
			for (l = 0; l < DESKPAY_LINES; l++)
				if (f->lines & DL_BIT(l)) {
					n += t->cur[c].count[l];
					cents += t->cur[c].cents[l];
				}
			if (emit(arg, f->part, f->item, f->label, cu, n,
			    cents) == -1)
				return -1;
		}
		deskpay_open_of(d, cu, &n, &cents);
		if (emit(arg, DP_OPEN, "vouchers", cu, cu, n, cents) == -1)
			return -1;
		for (l = 0; l < DESKPAY_LINES; l++)
			if (emit(arg, DP_LINES, deskpay_lines[l].key,
			    deskpay_lines[l].label, cu, t->cur[c].count[l],
			    t->cur[c].cents[l]) == -1)
				return -1;
	}
	return 0;
}

/* deskpay_figures into the page's tables, arg the DP_PARTS buffers. */
static int
deskpay_emit_page(void *arg, enum deskpay_part part, const char *item,
    const char *label, const char *currency, int64_t count, int64_t cents)
{
	struct evbuffer	**b = arg;

	return deskpay_report_row(b[part], part == DP_TOTALS ||
	    part == DP_OPEN ? "total" : "", label, count, cents, currency);
}

static const struct input_field deskpay_day_field = {
	"day", INPUT_DATE, 0, 0, 0
};

/* The day a report is asked for (default today), or -1 after answering. */
static long
deskpay_report_day(struct http_req *req)
{
	struct input_value	 v[1];
	char			 err[INPUT_ERR_MAX];

	if (input_query(req->query_raw, &deskpay_day_field, 1, v, err) == -1) {
		staffpages_error(req, 400, "The day must be a date as "
		    "YYYY-MM-DD.", "/staff/report");
		return -1;
	}
	return v[0].present ? (long)v[0].num : civil_today();
}

void
deskpay_report(struct http_req *req)
{
	struct deskpay_day	*d = NULL;
	struct evbuffer		*b[DP_PARTS] = { NULL, NULL, NULL, NULL };
	char			 label[DESKPAY_LABEL_MAX], date[CIVIL_DATE_MAX];
	char			 prev[DESKPAY_HREF_MAX], next[DESKPAY_HREF_MAX];
	char			 csv[DESKPAY_HREF_MAX], made[DESKPAY_WHEN_MAX];
	char			 from[CIVIL_DATE_MAX], day2[CIVIL_DATE_MAX];
	long			 day, now_day;
	int			 i, minute, y, m, dd;

	if ((day = deskpay_report_day(req)) == -1)
		return;
	for (i = 0; i < DP_PARTS; i++)
		if ((b[i] = evbuffer_new()) == NULL)
			goto fail;
	if ((d = deskpay_day_load(req, day)) == NULL ||
	    deskpay_figures(d, deskpay_emit_page, b) == -1)
		goto fail;
	for (i = 0; i < DP_PARTS; i++)
		if (deskpay_text(b[i]) == NULL)
			goto fail;
	deskpay_day_label(day, label, sizeof(label));
	civil_format_date(day, date);
	civil_format_date(day - 1, day2);
	snprintf(prev, sizeof(prev), "/staff/report?day=%s", day2);
	civil_format_date(day + 1, day2);
	snprintf(next, sizeof(next), "/staff/report?day=%s", day2);
	snprintf(csv, sizeof(csv), "/staff/report.csv?day=%s", date);
	civil_utc_to_local(time(NULL), &now_day, &minute);
	deskpay_day_label(now_day, made, sizeof(made));
	snprintf(made + strlen(made), sizeof(made) - strlen(made),
	    ", %02d:%02d", minute / 60 % 100, minute % 60);
	/* The export form starts at the first of the report's month. */
	civil_ymd(day, &y, &m, &dd);
	civil_format_date(civil_days(y, m, 1), from);
	{
		const struct web_var	 vars[] = {
			{ "label", label },
			{ "day", date },
			{ "prev", prev },
			{ "next", next },
			{ "csv", csv },
			{ "empty", d->nrows == 0 ? "Nothing was recorded on "
			    "this day." : "" },
			{ "totals", (const char *)evbuffer_pullup(b[DP_TOTALS],
			    -1) },
			{ "vouchers", (const char *)evbuffer_pullup(
			    b[DP_VOUCHERS], -1) },
			{ "open", (const char *)evbuffer_pullup(b[DP_OPEN],
			    -1) },
			{ "lines", (const char *)evbuffer_pullup(b[DP_LINES],
			    -1) },
			{ "made", made },
			{ "export_from", from },
			{ "export_to", date },
		};

		staffpages_page(req, 200, "Daily report", "deskpay_report",
		    vars, NELEM(vars));
	}
	goto done;
fail:
	staffpages_error(req, 500, "The report could not be made.", "/staff");
done:
	if (d != NULL)
		deskpay_day_free(d);
	for (i = 0; i < DP_PARTS; i++)
		if (b[i] != NULL)
			evbuffer_free(b[i]);
}

/* What deskpay_figures writes into the CSV. */
struct deskpay_csv {
	struct evbuffer	*out;
	const char	*day;
};

/* One CSV row of the report: day, section, item, currency, count, amount. */
static int
deskpay_emit_csv(void *arg, enum deskpay_part part, const char *item,
    const char *label, const char *currency, int64_t count, int64_t cents)
{
	struct deskpay_csv	*c = arg;
	char			 num[DESKPAY_NUM_MAX];
	char			 amount[DESKPAY_MONEY_MAX];

	snprintf(num, sizeof(num), "%lld", (long long)count);
	deskpay_decimal(cents, amount, sizeof(amount));
	return deskpay_csv_field(c->out, c->day, 0) == -1 ||
	    deskpay_csv_field(c->out, deskpay_part_keys[part], 0) == -1 ||
	    deskpay_csv_field(c->out, item, 0) == -1 ||
	    deskpay_csv_field(c->out, currency, 0) == -1 ||
	    deskpay_csv_field(c->out, num, 0) == -1 ||
	    deskpay_csv_field(c->out, amount, 1) == -1 ? -1 : 0;
}

/* Answer with a CSV attachment named name. */
static void
deskpay_csv_reply(struct http_req *req, const char *name, struct evbuffer *out)
{
	char	 disp[DESKPAY_FILENAME_MAX + 32];

	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	http_set_header(req, "Content-Disposition", disp);
	http_reply(req, 200, "text/csv; charset=utf-8", out);
}

void
deskpay_report_csv(struct http_req *req)
{
	struct deskpay_day	*d = NULL;
	struct deskpay_csv	 csv;
	char			 date[CIVIL_DATE_MAX];
	char			 name[DESKPAY_FILENAME_MAX];
	long			 day;

	if ((day = deskpay_report_day(req)) == -1)
		return;
	civil_format_date(day, date);
	csv.day = date;
	if ((csv.out = evbuffer_new()) == NULL ||
	    (d = deskpay_day_load(req, day)) == NULL ||
	    evbuffer_add_printf(csv.out, "day,section,item,currency,count,"
	    "amount\r\n") == -1 ||
	    deskpay_figures(d, deskpay_emit_csv, &csv) == -1)
		goto fail;
	snprintf(name, sizeof(name), "saferoom-report-%s.csv", date);
	deskpay_csv_reply(req, name, csv.out);
	goto done;
fail:
	staffpages_error(req, 500, "The report could not be made.",
	    "/staff/report");
done:
	if (d != NULL)
		deskpay_day_free(d);
	if (csv.out != NULL)
		evbuffer_free(csv.out);
}

/* ---- the accounting export ---------------------------------------------- */

void
deskpay_export_csv(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "from", INPUT_DATE, 0, 0, 0 },
		{ "to", INPUT_DATE, 0, 0, 0 },
	};
	struct input_value	 v[NELEM(f)];
	struct store_ledger	*l = NULL;
	struct evbuffer		*out = NULL;
	char			 err[INPUT_ERR_MAX], msg[DESKPAY_TEXT_MAX];
	char			 day[CIVIL_DATE_MAX], amount[DESKPAY_MONEY_MAX];
	char			 staff[DESKPAY_NUM_MAX];
	char			 name[DESKPAY_FILENAME_MAX];
	char			 fromd[CIVIL_DATE_MAX], tod[CIVIL_DATE_MAX];
	size_t			 n = 0, i;
	long			 from, to, today = civil_today();
	int			 y, m, d;

	if (input_query(req->query_raw, f, NELEM(f), v, err) == -1) {
		staffpages_error(req, 400, "\"From\" and \"to\" must be dates "
		    "as YYYY-MM-DD.", "/staff/report");
		return;
	}
	civil_ymd(today, &y, &m, &d);
	from = v[0].present ? (long)v[0].num : civil_days(y, m, 1);
	to = v[1].present ? (long)v[1].num : today;
	if (from > to || to - from + 1 > DESKPAY_EXPORT_DAYS_MAX) {
		snprintf(msg, sizeof(msg), "\"From\" must not be after \"to\", "
		    "and one export covers at most %d days; export a longer "
		    "time in parts.", DESKPAY_EXPORT_DAYS_MAX);
		staffpages_error(req, 400, msg, "/staff/report");
		return;
	}
	if ((out = evbuffer_new()) == NULL ||
	    store_ledger_between(&req->ctx->store, from, to, &l, &n) == -1 ||
	    evbuffer_add_printf(out, "day,kind,method,amount,currency,"
	    "booking_ref,staff_id\r\n") == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		civil_format_date(l[i].day, day);
		deskpay_decimal(l[i].amount_cents, amount, sizeof(amount));
		if (l[i].staff_id > 0)
			snprintf(staff, sizeof(staff), "%lld",
			    (long long)l[i].staff_id);
		else
			staff[0] = '\0';
		if (deskpay_csv_field(out, day, 0) == -1 ||
		    deskpay_csv_field(out, l[i].kind, 0) == -1 ||
		    deskpay_csv_field(out, l[i].method, 0) == -1 ||
		    deskpay_csv_field(out, amount, 0) == -1 ||
		    deskpay_csv_field(out, l[i].currency, 0) == -1 ||
		    deskpay_csv_field(out, l[i].booking_ref, 0) == -1 ||
		    deskpay_csv_field(out, staff, 1) == -1)
			goto fail;
	}
	civil_format_date(from, fromd);
	civil_format_date(to, tod);
	snprintf(name, sizeof(name), "saferoom-ledger-%s-to-%s.csv", fromd,
	    tod);
	deskpay_csv_reply(req, name, out);
	goto done;
fail:
	staffpages_error(req, 500, "The export could not be made.",
	    "/staff/report");
done:
	free(l);
	if (out != NULL)
		evbuffer_free(out);
}
