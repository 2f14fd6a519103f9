/*
 * payment: vouchers, desk payments and the ledger; the contract and the
 * reasons are in include/saferoom/payment.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "saferoom/auth.h"
#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/kdf.h"
#include "saferoom/payment.h"
#include "saferoom/ratelimit.h"
#include "saferoom/routes.h"
#include "saferoom/seal.h"
#include "saferoom/staff.h"
#include "saferoom/util.h"
#include "saferoom/voucher.h"

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} payment_errors[] = {
	[PAY_OK] = { 200, "ok", "" },
	[PAY_MALFORMED] = { 400, "malformed_voucher",
	    "That is not a voucher code: it has 20 letters and digits." },
	[PAY_TYPO] = { 400, "voucher_typo",
	    "That voucher code has a typo; please check it and type it again." },
	[PAY_UNKNOWN] = { 404, "unknown_voucher",
	    "There is no such voucher." },
	[PAY_SPENT] = { 409, "voucher_spent",
	    "This voucher has been used up." },
	[PAY_NOTHING_DUE] = { 409, "nothing_due",
	    "Nothing is due on this booking." },
	[PAY_CURRENCY] = { 409, "currency_mismatch",
	    "This voucher is in another currency than the booking." },
	[PAY_NOT_PAYABLE] = { 409, "not_payable",
	    "This booking is cancelled; nothing can be paid on it." },
	[PAY_EXPIRED] = { 410, "voucher_expired", "This voucher has expired." },
	[PAY_VOIDED] = { 410, "voucher_voided",
	    "This voucher is no longer valid." },
	[PAY_BAD_AMOUNT] = { 400, "bad_amount",
	    "The amount must be more than zero and at most what is due." },
	[PAY_RATE] = { 429, "too_many_requests",
	    "Too many wrong voucher codes from your connection; please wait." },
	[PAY_INTERNAL] = { 500, "internal_error",
	    "Something went wrong on our side; nothing was charged." },
};

int
payment_fail(struct http_req *req, enum payment_status s)
{
	return http_error(req, payment_errors[s].status, payment_errors[s].code,
	    payment_errors[s].message);
}

/* ---- idempotency ------------------------------------------------------------ */

/*
 * The hash an Idempotency-Key is kept under, scoped to the route and the
 * booking. 0 with key set, 1 when the request has no key, -1 when the key
 * is unusable (answered 400).
 */
static int
payment_idem_key(struct http_req *req, int64_t booking, uint8_t key[32])
{
	const char	*k = http_header(req, "Idempotency-Key");
	char		 scope[PAYMENT_IDEMPOTENCY_KEY_MAX + 128];
	int		 n;

	if (k == NULL)
		return 1;
	if (*k == '\0' || strlen(k) > PAYMENT_IDEMPOTENCY_KEY_MAX) {
		http_error(req, 400, "bad_idempotency_key", "Idempotency-Key "
		    "must be 1 to 128 characters.");
		return -1;
	}
	n = snprintf(scope, sizeof(scope), "%s|%lld|%s", req->route->path,
	    (long long)booking, k);
	SHA256((const unsigned char *)scope, (size_t)n, key);
	return 0;
}

/* Replay the stored answer of a key already used. 1 replayed, 0 none, -1. */
static int
payment_idem_replay(struct http_req *req, const uint8_t key[32])
{
	json_t	*j;
	char	*body;
	int	 status;

	switch (store_idempotent_get(&req->ctx->store, key, &status, &body)) {
	case 1:
		return 0;
	case 0:
		break;
	default:
		payment_fail(req, PAY_INTERNAL);
		return -1;
	}
	j = json_loads(body, 0, NULL);
	free(body);
	http_set_header(req, "Idempotent-Replayed", "true");
	http_reply_json(req, status, j);
	return 1;
}

/* Inside a transaction: was this key used already? */
static int
payment_idem_seen(struct http_ctx *ctx, const uint8_t key[32])
{
	char	*body = NULL;
	int	 status, rc;

	rc = store_idempotent_get(&ctx->store, key, &status, &body);
	free(body);
	return rc == 0;
}

/* ---- voucher redemption ------------------------------------------------------- */

struct payment_job {
	struct http_req		*req;
	payment_done_fn		 done;
	payment_check_fn	 check;		/* a balance check, no booking */
	struct voucher_code	 code;
	struct store_voucher	 v;		/* as read before scrypt */
	int64_t			 booking_id;
	int64_t			 staff_id;
	int			 known, match;
	int			 has_key;
	uint8_t			 key[32];
	uint64_t		 rl_key;
};

static void
payment_job_free(struct payment_job *j)
{
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static void
payment_redeem_work(void *arg)
{
	struct payment_job	*j = arg;

	j->match = kdf_verify(j->v.code_hash, j->code.secret,
	    VOUCHER_SECRET_LEN) == 1;
}

/*
 * Inside the transaction: re-read voucher and booking, take what is due,
 * write the ledger. The re-read is what makes concurrent redemptions safe:
 * BEGIN IMMEDIATE lets one writer in at a time, and each sees the last.
 */
static enum payment_status
payment_apply(struct http_ctx *ctx, struct payment_job *j,
    struct store_booking *b)
{
	struct store_voucher	 v;
	struct store_ledger	 l;
	int64_t			 due, amount;

	if (store_voucher_by_id(&ctx->store, j->v.id, &v) != 0 ||
	    store_booking_by_id(&ctx->store, j->booking_id, b) != 0)
		return PAY_INTERNAL;
	if (v.voided)
		return PAY_VOIDED;
	if (v.expires_day < civil_today())
		return PAY_EXPIRED;
	if (v.balance_cents == 0)
		return PAY_SPENT;
	if (strcmp(b->status, "cancelled") == 0)
		return PAY_NOT_PAYABLE;
	if (strcmp(v.currency, b->currency) != 0)
		return PAY_CURRENCY;
	if ((due = booking_due(b)) == 0)
		return PAY_NOTHING_DUE;
	amount = due < v.balance_cents ? due : v.balance_cents;
	if (store_voucher_take(&ctx->store, v.id, amount) != 0 ||
	    store_booking_pay(&ctx->store, b->id, amount, amount) != 0)
		return PAY_INTERNAL;
	memset(&l, 0, sizeof(l));
	l.day = civil_today();
	snprintf(l.kind, sizeof(l.kind), "voucher_redeemed");
	snprintf(l.method, sizeof(l.method), "voucher");
	l.amount_cents = amount;
	memcpy(l.currency, v.currency, sizeof(l.currency));
	snprintf(l.booking_ref, sizeof(l.booking_ref), "%s", b->ref);
	l.voucher_id = v.id;
	l.staff_id = j->staff_id;
	if (store_ledger_add(&ctx->store, &l) == -1 ||
	    store_audit(&ctx->store, j->staff_id, "voucher_redeemed", b->ref,
	    NULL) == -1)
		return PAY_INTERNAL;
	return store_booking_by_id(&ctx->store, b->id, b) == 0 ? PAY_OK :
	    PAY_INTERNAL;
}

static void
payment_redeem_done(void *arg)
{
	struct payment_job	*j = arg;
	struct http_ctx		*ctx = j->req->ctx;
	struct store_booking	 b;
	enum payment_status	 s;

	memset(&b, 0, sizeof(b));
	if (!j->known || !j->match) {
		(void)ratelimit_hit(ctx->limits, j->rl_key, PAYMENT_VOUCHER_FAILS,
		    PAYMENT_VOUCHER_WINDOW, time(NULL));
		s = PAY_UNKNOWN;
		if (j->check != NULL) {
			j->check(j->req, s, NULL);
			payment_job_free(j);
			return;
		}
	} else if (j->check != NULL) {
		/* Only looking: the voucher as it is now, nothing written. */
		if (store_voucher_by_id(&ctx->store, j->v.id, &j->v) != 0)
			s = PAY_INTERNAL;
		else
			s = j->v.voided ? PAY_VOIDED :
			    j->v.expires_day < civil_today() ? PAY_EXPIRED : PAY_OK;
		j->check(j->req, s, &j->v);
		payment_job_free(j);
		return;
	} else if (store_begin(&ctx->store) == -1)
		s = PAY_INTERNAL;
	else if (j->has_key && payment_idem_seen(ctx, j->key)) {
		/* A twin with the same key won the race: replay its answer. */
		store_rollback(&ctx->store);
		(void)payment_idem_replay(j->req, j->key);
		payment_job_free(j);
		return;
	} else if ((s = payment_apply(ctx, j, &b)) != PAY_OK)
		store_rollback(&ctx->store);
	else {
		json_t	*body = NULL;
		char	*text = NULL;

		/* The answer is kept in the same transaction as the payment. */
		if (j->has_key && ((body = booking_json(ctx, &b,
		    j->staff_id == 0)) == NULL ||
		    (text = json_dumps(body, JSON_COMPACT)) == NULL ||
		    store_idempotent_put(&ctx->store, j->key, 200, text) == -1))
			s = PAY_INTERNAL;
		json_decref(body);
		free(text);
		if (s != PAY_OK || store_commit(&ctx->store) == -1) {
			store_rollback(&ctx->store);
			s = PAY_INTERNAL;
		}
	}
	j->done(j->req, s, &b);
	payment_job_free(j);
}

/*
 * Check a typed code and, on the pool, its secret; then payment_redeem_done.
 * Takes ownership of j. Answers itself and returns -1 when it cannot start.
 */
static int
payment_start(struct http_req *req, const char *code, struct payment_job *j)
{
	struct http_ctx		*ctx = req->ctx;
	const char		*dummy;
	char			 secs[16];
	unsigned		 wait;
	int			 rc;

	j->req = req;
	if (j->check == NULL) {
		if ((rc = payment_idem_key(req, j->booking_id, j->key)) == -1)
			goto answered;
		j->has_key = rc == 0;
		if (j->has_key && payment_idem_replay(req, j->key) != 0)
			goto answered;
	}
	j->rl_key = http_client_key(req, "voucher-fail");
	if ((wait = ratelimit_check(ctx->limits, j->rl_key,
	    PAYMENT_VOUCHER_FAILS, PAYMENT_VOUCHER_WINDOW, time(NULL))) != 0) {
		snprintf(secs, sizeof(secs), "%u", wait);
		http_set_header(req, "Retry-After", secs);
		payment_fail(req, PAY_RATE);
		goto answered;
	}
	switch (voucher_code_parse(code, &j->code)) {
	case VOUCHER_CODE_OK:
		break;
	case VOUCHER_CODE_TYPO:
		payment_fail(req, PAY_TYPO);
		goto answered;
	default:
		payment_fail(req, PAY_MALFORMED);
		goto answered;
	}
	switch (store_voucher_by_lookup(&ctx->store, j->code.lookup, &j->v)) {
	case 0:
		j->known = 1;
		break;
	case 1:
		/* Unknown: the same scrypt work as a known one. */
		if ((dummy = kdf_dummy_hash(&KDF_SECRET)) == NULL) {
			payment_fail(req, PAY_INTERNAL);
			goto answered;
		}
		snprintf(j->v.code_hash, sizeof(j->v.code_hash), "%s", dummy);
		break;
	default:
		payment_fail(req, PAY_INTERNAL);
		goto answered;
	}
	if (http_submit(req, payment_redeem_work, payment_redeem_done, j) == -1)
		goto answered;
	return 0;
answered:
	payment_job_free(j);
	return -1;
}

int
payment_redeem(struct http_req *req, const char *code, int64_t booking_id,
    int64_t staff_id, payment_done_fn done)
{
	struct payment_job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return payment_fail(req, PAY_INTERNAL);
	j->done = done;
	j->booking_id = booking_id;
	j->staff_id = staff_id;
	return payment_start(req, code, j);
}

int
payment_check(struct http_req *req, const char *code, payment_check_fn done)
{
	struct payment_job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return payment_fail(req, PAY_INTERNAL);
	j->check = done;
	return payment_start(req, code, j);
}

static void
payment_redeemed_reply(struct http_req *req, enum payment_status s,
    struct store_booking *b)
{
	json_t	*j;

	if (s != PAY_OK) {
		payment_fail(req, s);
		return;
	}
	/* Staff never see a client's ticket; the client gets theirs. */
	if ((j = booking_json(req->ctx, b, req->session == NULL)) == NULL) {
		payment_fail(req, PAY_INTERNAL);
		return;
	}
	http_reply_json(req, 200, j);
}

/* Wipe and free a typed code held across the booking-code check. */
static void
payment_code_free(void *arg)
{
	char	*code = arg;

	OPENSSL_cleanse(code, strlen(code));
	free(code);
}

static void
payment_client_next(struct http_req *req, struct store_booking *b, void *arg)
{
	payment_redeem(req, arg, b->id, 0, payment_redeemed_reply);
	payment_code_free(arg);
}

void
payment_api_client_redeem(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "code", INPUT_SECRET, 1, 1, INPUT_TEXT_MAX },
	};
	struct input_value	 v[1];
	char			 err[INPUT_ERR_MAX], *code;

	if (input_json(req->body, req->body_len, f, 1, v, err) == -1) {
		input_wipe(v, 1);
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((code = strdup(v[0].text)) == NULL) {
		input_wipe(v, 1);
		payment_fail(req, PAY_INTERNAL);
		return;
	}
	input_wipe(v, 1);
	booking_authorize(req, booking_bearer(req), payment_client_next, code,
	    payment_code_free);
}

void
payment_api_staff_redeem(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "code", INPUT_SECRET, 1, 1, INPUT_TEXT_MAX },
		{ "booking", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
	};
	struct input_value	 v[2];
	struct store_booking	 b;
	enum staff_status	 s;
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 2, v, err) == -1) {
		input_wipe(v, 2);
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((s = staff_booking(req->ctx, req->session, v[1].text, &b)) != ST_OK)
		staff_fail(req, s);
	else
		payment_redeem(req, v[0].text, b.id, req->session->staff.id,
		    payment_redeemed_reply);
	input_wipe(v, 2);
}

/* ---- cash and card at the desk ------------------------------------------------ */

void
payment_api_payments(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "booking", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "method", INPUT_TEXT, 1, 4, 4 },
		{ "amount_cents", INPUT_INT, 1, 1, PAYMENT_VALUE_MAX },
		{ "tendered_cents", INPUT_INT, 0, 1, PAYMENT_VALUE_MAX },
	};
	struct http_ctx		*ctx = req->ctx;
	struct input_value	 v[4];
	struct store_booking	 b;
	enum staff_status	 ss;
	enum payment_status	 s = PAY_INTERNAL;
	uint8_t			 key[32];
	char			 err[INPUT_ERR_MAX], *text = NULL;
	json_t			*j = NULL;
	int			 has_key;

	if (input_json(req->body, req->body_len, f, 4, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if (strcmp(v[1].text, "cash") != 0 && strcmp(v[1].text, "card") != 0) {
		http_error(req, 400, "bad_request",
		    "'method' must be \"cash\" or \"card\".");
		return;
	}
	if (v[3].present && (strcmp(v[1].text, "cash") != 0 ||
	    v[3].num < v[2].num)) {
		http_error(req, 400, "bad_request", "'tendered_cents' is for cash "
		    "and must be at least 'amount_cents'.");
		return;
	}
	if ((ss = staff_booking(ctx, req->session, v[0].text, &b)) != ST_OK) {
		staff_fail(req, ss);
		return;
	}
	if ((has_key = payment_idem_key(req, b.id, key)) == -1 ||
	    (has_key == 0 && payment_idem_replay(req, key) != 0))
		return;
	if (store_begin(&ctx->store) == -1)
		goto fail;
	if (has_key == 0 && payment_idem_seen(ctx, key)) {
		/* A twin with the same key won the race: replay its answer. */
		store_rollback(&ctx->store);
		(void)payment_idem_replay(req, key);
		return;
	}
	if ((s = payment_desk_apply(ctx, b.id, req->session->staff.id,
	    v[1].text, v[2].num, &b)) != PAY_OK)
		goto rollback;
	s = PAY_INTERNAL;
	if ((j = booking_json(ctx, &b, 0)) == NULL)
		goto rollback;
	if (v[3].present)
		json_object_set_new(j, "change_cents",
		    json_integer(v[3].num - v[2].num));
	if (has_key == 0 && ((text = json_dumps(j, JSON_COMPACT)) == NULL ||
	    store_idempotent_put(&ctx->store, key, 200, text) == -1))
		goto rollback;
	if (store_commit(&ctx->store) == -1)
		goto fail;
	free(text);
	http_reply_json(req, 200, j);
	return;
rollback:
	store_rollback(&ctx->store);
fail:
	free(text);
	json_decref(j);
	payment_fail(req, s);
}

/* ---- selling vouchers ------------------------------------------------------------ */

struct payment_batch {
	struct http_req		*req;
	int			 count;
	int64_t			 value;
	char			 currency[4];
	long			 expires_day;
	char			 tag[STORE_TAG_MAX + 1];
	char			 method[8];
	struct voucher_code	 codes[PAYMENT_BATCH_MAX];
	char			 hashes[PAYMENT_BATCH_MAX][KDF_HASH_MAX];
	int			 ok;
};

static void
payment_batch_work(void *arg)
{
	struct payment_batch	*p = arg;
	int			 i;

	for (i = 0; i < p->count; i++)
		if (voucher_code_new(&p->codes[i]) == -1 ||
		    kdf_hash(&KDF_SECRET, p->codes[i].secret, VOUCHER_SECRET_LEN,
		    p->hashes[i]) == -1)
			return;
	p->ok = 1;
}

/* The API's answer to a sale: the codes, shown this once. */
static void
payment_api_sold(struct http_req *req, enum payment_sale_outcome outcome,
    const struct payment_sale *sale, const struct voucher_code *codes,
    long expires_day)
{
	char	 text[VOUCHER_GROUPED_MAX], expires[CIVIL_DATE_MAX];
	json_t	*list;
	int	 i;

	if (outcome != PAY_SALE_OK) {
		payment_fail(req, PAY_INTERNAL);
		return;
	}
	civil_format_date(expires_day, expires);
	list = json_array();
	for (i = 0; i < sale->count; i++) {
		voucher_code_format(&codes[i], text);
		json_array_append_new(list, json_pack("{s:s,s:I,s:s,s:s}",
		    "code", text, "value_cents", (json_int_t)sale->value_cents,
		    "currency", sale->currency, "expires", expires));
		OPENSSL_cleanse(text, sizeof(text));
	}
	http_reply_json(req, 201, json_pack("{s:o}", "vouchers", list));
}

void
payment_api_vouchers(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "count", INPUT_INT, 1, 1, PAYMENT_BATCH_MAX },
		{ "value_cents", INPUT_INT, 1, 1, PAYMENT_VALUE_MAX },
		{ "currency", INPUT_TEXT, 1, 3, 3 },
		{ "valid_days", INPUT_INT, 1, 1, PAYMENT_VALID_DAYS_MAX },
		{ "tag", INPUT_TEXT, 0, 0, STORE_TAG_MAX },
		{ "method", INPUT_TEXT, 0, 4, 4 },
	};
	struct input_value	 v[6];
	struct payment_sale	 sale;
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 6, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	memset(&sale, 0, sizeof(sale));
	sale.count = (int)v[0].num;
	sale.value_cents = v[1].num;
	memcpy(sale.currency, v[2].text, 4);
	sale.valid_days = (int)v[3].num;
	snprintf(sale.tag, sizeof(sale.tag), "%.60s", v[4].present ? v[4].text : "");
	snprintf(sale.method, sizeof(sale.method), "%.7s",
	    v[5].present ? v[5].text : "cash");
	/* Bounds, currency and method are checked there, once for both paths. */
	payment_vouchers_start(req, &sale, payment_api_sold);
}

/* ---- credit on cancellation ------------------------------------------------------- */

struct payment_credit {
	struct http_req		*req;
	payment_credit_fn	 done;
	struct store_booking	 b;
	struct voucher_code	 code;
	char			 hash[KDF_HASH_MAX];
	int			 ok;
};

static void
payment_credit_free(struct payment_credit *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void
payment_credit_work(void *arg)
{
	struct payment_credit	*c = arg;

	c->ok = voucher_code_new(&c->code) == 0 && kdf_hash(&KDF_SECRET,
	    c->code.secret, VOUCHER_SECRET_LEN, c->hash) == 0;
}

/* Inside the transaction: cancel, issue the credit, write the ledger. */
static enum booking_status
payment_credit_apply(struct http_ctx *ctx, struct payment_credit *c,
    int64_t *amount, long *expires)
{
	struct store_voucher	 v;
	struct store_ledger	 l;

	/* Re-read: a desk redemption may have raced the cancellation. */
	if (store_booking_by_id(&ctx->store, c->b.id, &c->b) != 0)
		return BK_INTERNAL;
	if (strcmp(c->b.status, "booked") != 0)
		return BK_NOT_ACTIVE;
	*amount = c->b.voucher_paid_cents;
	*expires = civil_today() + PAYMENT_CREDIT_DAYS;
	if (store_booking_cancel(&ctx->store, c->b.id, "client", NULL) != 0)
		return BK_INTERNAL;
	if (*amount == 0)
		return BK_OK;
	memset(&v, 0, sizeof(v));
	snprintf(v.lookup, sizeof(v.lookup), "%s", c->code.lookup);
	snprintf(v.code_hash, sizeof(v.code_hash), "%s", c->hash);
	v.value_cents = v.balance_cents = *amount;
	memcpy(v.currency, c->b.currency, sizeof(v.currency));
	v.expires_day = *expires;
	snprintf(v.kind, sizeof(v.kind), "credit");
	memset(&l, 0, sizeof(l));
	l.day = civil_today();
	snprintf(l.kind, sizeof(l.kind), "credit_issued");
	snprintf(l.method, sizeof(l.method), "voucher");
	l.amount_cents = *amount;
	memcpy(l.currency, c->b.currency, sizeof(l.currency));
	snprintf(l.booking_ref, sizeof(l.booking_ref), "%s", c->b.ref);
	if (store_voucher_insert(&ctx->store, &v) != 0)
		return BK_INTERNAL;
	l.voucher_id = v.id;
	/* The money leaves the booking for the voucher: the books balance. */
	if (store_booking_pay(&ctx->store, c->b.id, -*amount, -*amount) != 0 ||
	    store_ledger_add(&ctx->store, &l) == -1 ||
	    store_booking_by_id(&ctx->store, c->b.id, &c->b) != 0)
		return BK_INTERNAL;
	return BK_OK;
}

static void
payment_credit_done(void *arg)
{
	struct payment_credit	*c = arg;
	struct http_ctx		*ctx = c->req->ctx;
	enum booking_status	 s = BK_INTERNAL;
	char			 text[VOUCHER_GROUPED_MAX], exp[CIVIL_DATE_MAX];
	int64_t			 amount = 0;
	long			 expires = 0;

	if (c->ok && store_begin(&ctx->store) == 0) {
		if ((s = payment_credit_apply(ctx, c, &amount, &expires)) == BK_OK &&
		    store_commit(&ctx->store) == -1)
			s = BK_INTERNAL;
		if (s != BK_OK)
			store_rollback(&ctx->store);
	}
	voucher_code_format(&c->code, text);
	civil_format_date(expires, exp);
	c->done(c->req, s, &c->b, text, amount, exp);
	OPENSSL_cleanse(text, sizeof(text));
	payment_credit_free(c);
}

int
payment_cancel_with_credit(struct http_req *req, const struct store_booking *b,
    payment_credit_fn done)
{
	struct payment_credit	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return booking_fail(req, BK_INTERNAL);
	c->req = req;
	c->done = done;
	c->b = *b;
	if (http_submit(req, payment_credit_work, payment_credit_done, c) == -1) {
		payment_credit_free(c);
		return -1;
	}
	return 0;
}

/* ---- the practice cancels ------------------------------------------------------- */

struct payment_practice {
	struct http_req		*req;
	payment_practice_fn	 done;
	struct store_booking	 b;
	char			 reason[STORE_REASON_MAX + 1];
	int			 credit_cash;	/* desk payments too as credit */
	struct voucher_code	 code;
	char			 hash[KDF_HASH_MAX];
	uint8_t			 box[SEAL_BOX_MAX];
	size_t			 boxlen;
	int			 ok;
};

static void
payment_practice_free(struct payment_practice *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

static void
payment_practice_work(void *arg)
{
	struct payment_practice	*p = arg;
	char			 text[VOUCHER_GROUPED_MAX];

	if (voucher_code_new(&p->code) == -1 || kdf_hash(&KDF_SECRET,
	    p->code.secret, VOUCHER_SECRET_LEN, p->hash) == -1)
		return;
	voucher_code_format(&p->code, text);
	p->ok = seal_box(p->b.credit_pub, text, strlen(text), p->box,
	    &p->boxlen) == 0;
	OPENSSL_cleanse(text, sizeof(text));
}

static void
payment_ledger_row(struct store_ledger *l, const char *kind,
    const char *method, int64_t amount, const struct store_booking *b,
    int64_t voucher_id, int64_t staff_id)
{
	memset(l, 0, sizeof(*l));
	l->day = civil_today();
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	snprintf(l->method, sizeof(l->method), "%s", method);
	l->amount_cents = amount;
	memcpy(l->currency, b->currency, sizeof(l->currency));
	snprintf(l->booking_ref, sizeof(l->booking_ref), "%s", b->ref);
	l->voucher_id = voucher_id;
	l->staff_id = staff_id;
}

/*
 * Inside the transaction: cancel as the practice, turn what was paid into a
 * sealed credit (vouchers always; desk payments when the desk chose so) and
 * record the rest as refunded at the desk.
 */
static enum staff_status
payment_practice_apply(struct http_ctx *ctx, struct payment_practice *p,
    int64_t staff_id)
{
	struct store_booking	*b = &p->b;
	struct store_voucher	 v;
	struct store_ledger	 l;
	int64_t			 credit, refund;

	if (store_booking_by_id(&ctx->store, b->id, b) != 0)
		return ST_INTERNAL;
	if (strcmp(b->status, "booked") != 0)
		return strcmp(b->status, "cancelled") == 0 ? ST_CANCELLED :
		    ST_NOT_BOOKED;
	credit = b->voucher_paid_cents;
	refund = b->paid_cents - b->voucher_paid_cents;
	if (p->credit_cash) {
		credit += refund;
		refund = 0;
	}
	if (store_booking_cancel(&ctx->store, b->id, "practice",
	    p->reason[0] != '\0' ? p->reason : NULL) != 0 ||
	    store_audit(&ctx->store, staff_id, "cancel", b->ref, NULL) == -1)
		return ST_INTERNAL;
	if (credit > 0) {
		if (!p->ok)
			return ST_INTERNAL;
		memset(&v, 0, sizeof(v));
		snprintf(v.lookup, sizeof(v.lookup), "%s", p->code.lookup);
		snprintf(v.code_hash, sizeof(v.code_hash), "%s", p->hash);
		v.value_cents = v.balance_cents = credit;
		memcpy(v.currency, b->currency, sizeof(v.currency));
		v.expires_day = civil_today() + PAYMENT_CREDIT_DAYS;
		snprintf(v.kind, sizeof(v.kind), "credit");
		if (store_voucher_insert(&ctx->store, &v) != 0)
			return ST_INTERNAL;
		payment_ledger_row(&l, "credit_issued", "voucher", credit, b, v.id,
		    staff_id);
		if (store_ledger_add(&ctx->store, &l) == -1 ||
		    store_booking_set_credit(&ctx->store, b->id, p->box,
		    p->boxlen) == -1)
			return ST_INTERNAL;
	}
	if (refund > 0) {
		payment_ledger_row(&l, "refund", "cash", refund, b, 0, staff_id);
		if (store_ledger_add(&ctx->store, &l) == -1)
			return ST_INTERNAL;
	}
	if (credit + refund > 0 && store_booking_pay(&ctx->store, b->id,
	    -(credit + refund), -b->voucher_paid_cents) != 0)
		return ST_INTERNAL;
	return store_booking_by_id(&ctx->store, b->id, b) == 0 ? ST_OK :
	    ST_INTERNAL;
}

static void
payment_practice_done(void *arg)
{
	struct payment_practice	*p = arg;
	struct http_ctx		*ctx = p->req->ctx;
	enum staff_status	 s = ST_INTERNAL;

	if (store_begin(&ctx->store) == 0) {
		s = payment_practice_apply(ctx, p, p->req->session->staff.id);
		if (s == ST_OK && store_commit(&ctx->store) == -1)
			s = ST_INTERNAL;
		if (s != ST_OK)
			store_rollback(&ctx->store);
	}
	p->done(p->req, s, &p->b);
	payment_practice_free(p);
}

int
payment_practice_cancel(struct http_req *req, const char *ref,
    const char *reason, int credit_cash, payment_practice_fn done)
{
	struct payment_practice	*p;
	enum staff_status	 s;
	int64_t			 credit;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return staff_fail(req, ST_INTERNAL);
	p->req = req;
	p->done = done;
	p->credit_cash = credit_cash;
	snprintf(p->reason, sizeof(p->reason), "%s", reason != NULL ? reason : "");
	if ((s = staff_booking(req->ctx, req->session, ref, &p->b)) != ST_OK)
		goto fail;
	if (strcmp(p->b.status, "booked") != 0) {
		s = strcmp(p->b.status, "cancelled") == 0 ? ST_CANCELLED :
		    ST_NOT_BOOKED;
		goto fail;
	}
	credit = p->b.voucher_paid_cents + (credit_cash ?
	    p->b.paid_cents - p->b.voucher_paid_cents : 0);
	if (credit > 0 && !p->b.has_credit_pub) {
		s = ST_NO_CREDIT_KEY;
		goto fail;
	}
	if (credit == 0) {
		/* Nothing to seal: no scrypt work, straight to the transaction. */
		payment_practice_done(p);
		return 0;
	}
	if (http_submit(req, payment_practice_work, payment_practice_done,
	    p) == -1) {
		payment_practice_free(p);
		return -1;
	}
	return 0;
fail:
	payment_practice_free(p);
	return staff_fail(req, s);
}

/* ---- for the desk's pages (deskpay.c) ------------------------------------------- */

/* A sale for a page: the batch first, so payment_batch_work can take it. */
struct payment_sale_job {
	struct payment_batch	 batch;
	struct payment_sale	 sale;		/* once NULL: the key is below */
	payment_sold_fn		 done;
	int			 has_once;
	uint8_t			 once[32];
};

static void
payment_sale_free(struct payment_sale_job *j)
{
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static void
payment_sale_work(void *arg)
{
	struct payment_sale_job	*j = arg;

	payment_batch_work(&j->batch);
}

/* Inside the transaction: the vouchers, their ledger rows, the audit row. */
static int
payment_sale_write(struct http_ctx *ctx, const struct payment_batch *p,
    int64_t staff_id)
{
	struct store_voucher	 v;
	struct store_ledger	 l;
	char			 money[48], detail[STORE_REASON_MAX + 1];
	int			 i;

	for (i = 0; i < p->count; i++) {
		memset(&v, 0, sizeof(v));
		snprintf(v.lookup, sizeof(v.lookup), "%s", p->codes[i].lookup);
		snprintf(v.code_hash, sizeof(v.code_hash), "%s", p->hashes[i]);
		v.value_cents = v.balance_cents = p->value;
		memcpy(v.currency, p->currency, sizeof(v.currency));
		v.expires_day = p->expires_day;
		snprintf(v.kind, sizeof(v.kind), "sold");
		snprintf(v.tag, sizeof(v.tag), "%s", p->tag);
		/* A lookup part drawn twice (1 in 2^30) fails the batch whole. */
		if (store_voucher_insert(&ctx->store, &v) != 0)
			return -1;
		memset(&l, 0, sizeof(l));
		l.day = civil_today();
		snprintf(l.kind, sizeof(l.kind), "voucher_sold");
		snprintf(l.method, sizeof(l.method), "%s", p->method);
		l.amount_cents = p->value;
		memcpy(l.currency, p->currency, sizeof(l.currency));
		l.voucher_id = v.id;
		l.staff_id = staff_id;
		if (store_ledger_add(&ctx->store, &l) == -1)
			return -1;
	}
	(void)util_money(money, sizeof(money), p->value, p->currency);
	snprintf(detail, sizeof(detail), "%d x %s, %s", p->count, money,
	    p->method);
	return store_audit(&ctx->store, staff_id, "vouchers_sold", NULL,
	    detail) == -1 ? -1 : 0;
}

static void
payment_sale_done(void *arg)
{
	struct payment_sale_job		*j = arg;
	struct http_req			*req = j->batch.req;
	struct store			*st = &req->ctx->store;
	enum payment_sale_outcome	 out = PAY_SALE_FAILED;
	char				*body;
	int				 status;

	if (j->batch.ok && store_begin(st) == 0) {
		switch (j->has_once ? store_idempotent_get(st, j->once, &status,
		    &body) : 1) {
		case 0:
			free(body);
			out = PAY_SALE_REPEATED;
			break;
		case 1:
			if (payment_sale_write(req->ctx, &j->batch,
			    req->session->staff.id) == 0 && (!j->has_once ||
			    store_idempotent_put(st, j->once, 201, "{}") == 0) &&
			    store_commit(st) == 0)
				out = PAY_SALE_OK;
			break;
		default:
			break;
		}
		if (out != PAY_SALE_OK)
			store_rollback(st);
	}
	j->done(req, out, &j->sale, out == PAY_SALE_OK ? j->batch.codes : NULL,
	    j->batch.expires_day);
	payment_sale_free(j);
}

int
payment_vouchers_start(struct http_req *req, const struct payment_sale *s,
    payment_sold_fn done)
{
	struct payment_sale_job	*j;
	const char		*c = s->currency;

	if (s->count < 1 || s->count > PAYMENT_BATCH_MAX ||
	    s->value_cents < 1 || s->value_cents > PAYMENT_VALUE_MAX ||
	    s->valid_days < 1 || s->valid_days > PAYMENT_VALID_DAYS_MAX ||
	    c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' ||
	    c[2] < 'A' || c[2] > 'Z' || c[3] != '\0' ||
	    (strcmp(s->method, "cash") != 0 && strcmp(s->method, "card") != 0) ||
	    (s->tag[0] != '\0' && !util_is_clean_text(s->tag, STORE_TAG_MAX)))
		return http_error(req, 400, "bad_request",
		    "The vouchers asked for are out of bounds.");
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return payment_fail(req, PAY_INTERNAL);
	j->sale = *s;
	j->sale.once = NULL;
	if (s->once != NULL) {
		j->has_once = 1;
		memcpy(j->once, s->once, sizeof(j->once));
	}
	j->done = done;
	j->batch.req = req;
	j->batch.count = s->count;
	j->batch.value = s->value_cents;
	memcpy(j->batch.currency, c, sizeof(j->batch.currency));
	/* Valid through the last of valid_days days, counting today. */
	j->batch.expires_day = civil_today() + s->valid_days - 1;
	snprintf(j->batch.tag, sizeof(j->batch.tag), "%s", s->tag);
	snprintf(j->batch.method, sizeof(j->batch.method), "%s", s->method);
	if (http_submit(req, payment_sale_work, payment_sale_done, j) == -1) {
		payment_sale_free(j);
		return -1;
	}
	return 0;
}

enum payment_status
payment_desk_apply(struct http_ctx *ctx, int64_t booking_id, int64_t staff_id,
    const char *method, int64_t amount, struct store_booking *out)
{
	struct store_ledger	 l;
	int64_t			 due;

	if (store_booking_by_id(&ctx->store, booking_id, out) != 0)
		return PAY_INTERNAL;
	if (strcmp(method, "cash") != 0 && strcmp(method, "card") != 0)
		return PAY_BAD_AMOUNT;
	if (strcmp(out->status, "cancelled") == 0)
		return PAY_NOT_PAYABLE;
	if ((due = booking_due(out)) == 0)
		return PAY_NOTHING_DUE;
	if (amount <= 0 || amount > due)
		return PAY_BAD_AMOUNT;
	memset(&l, 0, sizeof(l));
	l.day = civil_today();
	snprintf(l.kind, sizeof(l.kind), "payment");
	snprintf(l.method, sizeof(l.method), "%s", method);
	l.amount_cents = amount;
	memcpy(l.currency, out->currency, sizeof(l.currency));
	snprintf(l.booking_ref, sizeof(l.booking_ref), "%s", out->ref);
	l.staff_id = staff_id;
	if (store_booking_pay(&ctx->store, booking_id, amount, 0) != 0 ||
	    store_ledger_add(&ctx->store, &l) == -1 ||
	    store_audit(&ctx->store, staff_id, "payment", out->ref,
	    method) == -1 ||
	    store_booking_by_id(&ctx->store, booking_id, out) != 0)
		return PAY_INTERNAL;
	return PAY_OK;
}

/* ---- housekeeping ------------------------------------------------------------------ */

int
payment_expire_vouchers(struct http_ctx *ctx)
{
	struct store_voucher	*v = NULL;
	struct store_ledger	 l;
	size_t			 n, i;
	long			 today = civil_today();
	int			 done = 0;

	if (store_vouchers_lapsed(&ctx->store, today, &v, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		/* Each in its own transaction, taken only if still unspent. */
		memset(&l, 0, sizeof(l));
		l.day = today;
		snprintf(l.kind, sizeof(l.kind), "voucher_expired");
		l.amount_cents = v[i].balance_cents;
		memcpy(l.currency, v[i].currency, sizeof(l.currency));
		l.voucher_id = v[i].id;
		if (store_begin(&ctx->store) == -1)
			break;
		if (store_voucher_take(&ctx->store, v[i].id,
		    v[i].balance_cents) != 0 ||
		    store_ledger_add(&ctx->store, &l) == -1 ||
		    store_commit(&ctx->store) == -1) {
			store_rollback(&ctx->store);
			continue;
		}
		done++;
	}
	free(v);
	return done;
}
