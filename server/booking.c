/*
 * booking: slots, booking under a token, and managing a booking with it.
 * The contract is in include/saferoom/booking.h; DESIGN.md "Shape" says
 * why tokens are split into a lookup part and an scrypt-hashed secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/kdf.h"
#include "saferoom/log.h"
#include "saferoom/payment.h"
#include "saferoom/qr.h"
#include "saferoom/ratelimit.h"
#include "saferoom/seal.h"
#include "saferoom/settings.h"
#include "saferoom/slots.h"
#include "saferoom/ticket.h"
#include "saferoom/token.h"
#include "saferoom/util.h"

#define BOOKING_ID_TRIES	4	/* fresh ref/lookup after a collision */

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} booking_errors[] = {
	[BK_OK] = { 200, "ok", "" },
	[BK_UNKNOWN_SERVICE] = { 400, "unknown_service",
	    "There is no such service." },
	[BK_UNKNOWN_THERAPIST] = { 400, "unknown_therapist",
	    "There is no such therapist." },
	[BK_PAST] = { 400, "start_in_past", "That time has already passed." },
	[BK_TOO_SOON] = { 400, "too_soon",
	    "That time is too soon to book; please choose a later one." },
	[BK_TOO_FAR] = { 400, "too_far_ahead",
	    "That time is further ahead than bookings are taken." },
	[BK_OFF_GRID] = { 400, "not_a_slot",
	    "That time is not a bookable slot for this service and therapist." },
	[BK_TAKEN] = { 409, "slot_taken",
	    "That time is no longer free; please choose another." },
	[BK_TOO_LATE] = { 409, "too_late",
	    "It is too close to the session to change or cancel it online; "
	    "please contact the practice." },
	[BK_NOT_ACTIVE] = { 409, "not_active",
	    "This booking is cancelled or already took place." },
	[BK_RATE] = { 429, "too_many_requests",
	    "Too many attempts from your connection; please wait and try again." },
	[BK_UNAUTHORIZED] = { 401, "unauthorized",
	    "The booking code is not valid." },
	[BK_INTERNAL] = { 500, "internal_error",
	    "Something went wrong on our side; please try again." },
};

int
booking_fail(struct http_req *req, enum booking_status s)
{
	if (s == BK_UNAUTHORIZED)
		http_set_header(req, "WWW-Authenticate", "Bearer");
	return http_error(req, booking_errors[s].status, booking_errors[s].code,
	    booking_errors[s].message);
}

int
booking_fail_rate(struct http_req *req, unsigned wait)
{
	char	 secs[16];

	snprintf(secs, sizeof(secs), "%u", wait > 0 ? wait : 1);
	http_set_header(req, "Retry-After", secs);
	return booking_fail(req, BK_RATE);
}

const char *
booking_status_text(const struct store_booking *b, int for_staff)
{
	static const struct {
		const char	*status, *by, *text;
	} texts[] = {
		{ "booked", NULL, "Booked" },
		{ "checked_in", NULL, "Checked in" },
		{ "no_show", NULL, "Missed" },
		{ "cancelled", "practice", "Cancelled by the practice" },
		{ "cancelled", "client", "Cancelled by the client" },
	};
	size_t	 i;

	/* A client who cancelled knows who did; staff need telling. */
	if (!for_staff && strcmp(b->cancelled_by, "client") == 0)
		return "Cancelled";
	for (i = 0; i < NELEM(texts); i++)
		if (strcmp(b->status, texts[i].status) == 0 &&
		    (texts[i].by == NULL || strcmp(b->cancelled_by,
		    texts[i].by) == 0))
			return texts[i].text;
	return "Cancelled";
}

int64_t
booking_due(const struct store_booking *b)
{
	if (strcmp(b->status, "cancelled") == 0 || b->paid_cents >= b->price_cents)
		return 0;
	return b->price_cents - b->paid_cents;
}

/* The rules for service from settings, as of now. */
static void
booking_rules(struct http_ctx *ctx, const struct store_service *s,
    struct slots_rules *r)
{
	time_t	 now = time(NULL);
	long	 today;
	int	 minute;

	memset(r, 0, sizeof(*r));
	r->minutes = s->minutes;
	r->interval = (int)settings_get_int(&ctx->store, "slot_interval_minutes");
	r->buffer = (int)settings_get_int(&ctx->store, "buffer_minutes");
	r->not_before = now +
	    (time_t)settings_get_int(&ctx->store, "min_notice_minutes") * 60;
	civil_utc_to_local(now, &today, &minute);
	/* The horizon ends at local midnight after horizon_days days. */
	if (civil_local_to_utc(today + 1 +
	    settings_get_int(&ctx->store, "horizon_days"), 0, &r->not_after) == -1)
		r->not_after = now + (time_t)settings_get_int(&ctx->store,
		    "horizon_days") * 86400;
}

/* Hours, time off and bookings of one therapist around days [day, day+n). */
struct booking_cal {
	struct slots_hours	*hours;
	size_t			 nhours;
	struct slots_off	*off;
	size_t			 noff;
	struct slots_busy	*busy;
	size_t			 nbusy;
};

static void
booking_cal_free(struct booking_cal *c)
{
	free(c->hours);
	free(c->off);
	free(c->busy);
	memset(c, 0, sizeof(*c));
}

static int
booking_cal_load(struct http_ctx *ctx, int64_t therapist, long day, int ndays,
    int64_t except, struct booking_cal *c)
{
	time_t	 from, to;

	memset(c, 0, sizeof(*c));
	/* A day either side covers any offset and buffer. */
	from = (time_t)(day - 1) * 86400;
	to = (time_t)(day + ndays + 1) * 86400;
	if (store_hours_of(&ctx->store, therapist, &c->hours, &c->nhours) == -1 ||
	    store_timeoff_of(&ctx->store, therapist, day, day + ndays, &c->off,
	    &c->noff) == -1 ||
	    store_busy_of(&ctx->store, therapist, from, to, except, &c->busy,
	    &c->nbusy) == -1) {
		booking_cal_free(c);
		return -1;
	}
	return 0;
}

int
booking_slots(struct http_ctx *ctx, const struct store_service *s,
    int64_t therapist, int64_t except, long day, int ndays,
    struct slots_list *out)
{
	struct slots_rules	 r;
	struct store_staff	*t = NULL, one;
	struct booking_cal	 c;
	size_t			 nt, i;
	int			 rc = -1;

	booking_rules(ctx, s, &r);
	memset(out, 0, sizeof(*out));
	if (therapist != 0) {
		memset(&one, 0, sizeof(one));
		one.id = therapist;
		t = &one;
		nt = 1;
	} else if (store_therapists(&ctx->store, &t, &nt) == -1)
		return -1;
	for (i = 0; i < nt; i++) {
		if (booking_cal_load(ctx, t[i].id, day, ndays, except, &c) == -1)
			goto done;
		rc = slots_compute(&r, day, ndays, t[i].id, c.hours, c.nhours,
		    c.off, c.noff, c.busy, c.nbusy, out);
		booking_cal_free(&c);
		if (rc == -1)
			goto done;
	}
	slots_sort(out);
	rc = 0;
done:
	if (t != &one)
		free(t);
	if (rc == -1)
		slots_list_free(out);
	return rc;
}

/*
 * Is start bookable for s with therapist, bookings aside? The order of the
 * checks decides which error a client sees first.
 */
static enum booking_status
booking_check_time(struct http_ctx *ctx, const struct store_service *s,
    int64_t therapist, time_t start)
{
	struct slots_rules	 r;
	struct booking_cal	 c;
	long			 day;
	int			 minute, on;

	booking_rules(ctx, s, &r);
	if (start <= time(NULL))
		return BK_PAST;
	if (start < r.not_before)
		return BK_TOO_SOON;
	if (start >= r.not_after)
		return BK_TOO_FAR;
	civil_utc_to_local(start, &day, &minute);
	if (booking_cal_load(ctx, therapist, day, 1, 0, &c) == -1)
		return BK_INTERNAL;
	on = slots_on_grid(&r, start, c.hours, c.nhours, c.off, c.noff);
	booking_cal_free(&c);
	return on ? BK_OK : BK_OFF_GRID;
}

/* Inside a transaction: does [start, end) clash with therapist's bookings? */
static enum booking_status
booking_check_free(struct http_ctx *ctx, int64_t therapist, time_t start,
    time_t end, int64_t except)
{
	struct slots_busy	*busy = NULL;
	size_t			 nbusy;
	int			 buffer, clash;

	buffer = (int)settings_get_int(&ctx->store, "buffer_minutes");
	if (store_busy_of(&ctx->store, therapist, start - 86400, end + 86400,
	    except, &busy, &nbusy) == -1)
		return BK_INTERNAL;
	clash = slots_conflict(start, end, buffer, busy, nbusy);
	free(busy);
	return clash ? BK_TAKEN : BK_OK;
}

json_t *
booking_json(struct http_ctx *ctx, const struct store_booking *b,
    int with_ticket)
{
	char	 start[CIVIL_RFC3339_MAX], end[CIVIL_RFC3339_MAX];
	char	 ticket[TICKET_MAX];
	json_t	*j;

	civil_format_rfc3339(b->start, start);
	civil_format_rfc3339(b->end, end);
	j = json_pack("{s:s,s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s}",
	    "ref", b->ref,
	    "service", (json_int_t)b->service_id,
	    "service_name", b->service_name,
	    "therapist", (json_int_t)b->therapist_id,
	    "therapist_name", b->therapist_name,
	    "start", start, "end", end,
	    "status", b->status,
	    "price_cents", (json_int_t)b->price_cents,
	    "paid_cents", (json_int_t)b->paid_cents,
	    "due_cents", (json_int_t)booking_due(b),
	    "currency", b->currency);
	if (j == NULL)
		return NULL;
	if (b->cancelled_by[0] != '\0')
		json_object_set_new(j, "cancelled_by", json_string(b->cancelled_by));
	if (b->cancel_reason[0] != '\0')
		json_object_set_new(j, "cancel_reason",
		    json_string(b->cancel_reason));
	if (b->hold_until > 0 && strcmp(b->status, "booked") == 0 &&
	    booking_due(b) > 0) {
		char	 until[CIVIL_RFC3339_MAX];

		/* Unpaid by then, the booking is released (payment_hold_minutes). */
		civil_format_rfc3339(b->hold_until, until);
		json_object_set_new(j, "pay_by", json_string(until));
	}
	if (with_ticket) {
		if (ticket_sign(ctx->keys, b->ref, b->start, ticket) == -1) {
			json_decref(j);
			return NULL;
		}
		json_object_set_new(j, "ticket", json_string(ticket));
	}
	return j;
}

/* ---- creating a booking ---------------------------------------------------- */

struct booking_new {
	struct http_req		*req;
	booking_created_fn	 done;
	struct store_service	 service;
	int64_t			 therapist;	/* 0: any */
	time_t			 start;
	struct token		 tok;
	char			 hash[KDF_HASH_MAX];
	int			 hashed;
	uint8_t			 credit_pub[SEAL_KEY_LEN];
	int			 has_pub;
};

static void
booking_new_free(struct booking_new *nb)
{
	OPENSSL_cleanse(nb, sizeof(*nb));
	free(nb);
}

static void
booking_new_work(void *arg)
{
	struct booking_new	*nb = arg;

	nb->hashed = kdf_hash(&KDF_SECRET, nb->tok.secret, TOKEN_SECRET_LEN,
	    nb->hash) == 0;
	/* A key only this code opens, for a credit the practice may owe. */
	nb->has_pub = seal_public(nb->tok.secret, TOKEN_SECRET_LEN,
	    nb->credit_pub) == 0;
}

/* Inside the transaction: pick the therapist and write the booking. */
static enum booking_status
booking_new_write(struct booking_new *nb, struct store_booking *b)
{
	struct http_ctx		*ctx = nb->req->ctx;
	struct store_staff	*t = NULL, one;
	enum booking_status	 s = BK_TAKEN;
	size_t			 nt, i;
	long long		 hold;
	int			 tries, rc;

	memset(b, 0, sizeof(*b));
	b->service_id = nb->service.id;
	b->start = nb->start;
	b->end = nb->start + (time_t)nb->service.minutes * 60;
	b->price_cents = nb->service.price_cents;
	memcpy(b->currency, nb->service.currency, sizeof(b->currency));
	snprintf(b->token_hash, sizeof(b->token_hash), "%s", nb->hash);
	if (nb->has_pub) {
		memcpy(b->credit_pub, nb->credit_pub, sizeof(b->credit_pub));
		b->has_credit_pub = 1;
	}
	hold = settings_get_int(&ctx->store, "payment_hold_minutes");
	if (hold > 0 && b->price_cents > 0)
		/* Whole minutes: the second a client booked is not kept. */
		b->hold_until = (time(NULL) + (time_t)hold * 60 + 59) / 60 * 60;
	/* Holds that ran out release their slots before we look for one. */
	if (store_expire_holds(&ctx->store, time(NULL)) == -1)
		return BK_INTERNAL;
	if (nb->therapist != 0) {
		one.id = nb->therapist;
		t = &one;
		nt = 1;
	} else if (store_therapists(&ctx->store, &t, &nt) == -1)
		return BK_INTERNAL;
	for (i = 0; i < nt && s == BK_TAKEN; i++) {
		if (nb->therapist == 0 && booking_check_time(ctx, &nb->service,
		    t[i].id, nb->start) != BK_OK)
			continue;
		s = booking_check_free(ctx, t[i].id, b->start, b->end, 0);
		if (s == BK_OK)
			b->therapist_id = t[i].id;
	}
	if (t != &one)
		free(t);
	if (s != BK_OK)
		return s;
	for (tries = 0; tries < BOOKING_ID_TRIES; tries++) {
		/* The lookup part was drawn with the token; redraw on clash. */
		if (tries > 0 && token_random_id(nb->tok.lookup,
		    TOKEN_LOOKUP_LEN) == -1)
			return BK_INTERNAL;
		if (token_random_id(b->ref, TOKEN_LOOKUP_LEN) == -1)
			return BK_INTERNAL;
		memcpy(b->lookup, nb->tok.lookup, sizeof(nb->tok.lookup));
		if ((rc = store_booking_insert(&ctx->store, b)) == 0)
			return BK_OK;
		if (rc == -1)
			return BK_INTERNAL;
		if (booking_check_free(ctx, b->therapist_id, b->start, b->end,
		    0) != BK_OK)
			return BK_TAKEN;
	}
	return BK_INTERNAL;
}

static void
booking_new_done(void *arg)
{
	struct booking_new	*nb = arg;
	struct http_ctx		*ctx = nb->req->ctx;
	struct store_booking	 b, full;
	enum booking_status	 s = BK_INTERNAL;
	char			 code[TOKEN_GROUPED_MAX];

	/*
	 * The booking is read back before the commit: a booking saved whose
	 * answer then failed would hold a slot under a code nobody was shown,
	 * while the client is told that nothing was saved.
	 */
	if (nb->hashed && store_begin(&ctx->store) == 0) {
		s = booking_new_write(nb, &b);
		if (s == BK_OK && store_booking_by_id(&ctx->store, b.id,
		    &full) != 0)
			s = BK_INTERNAL;
		if (s == BK_OK && store_commit(&ctx->store) == -1)
			s = BK_INTERNAL;
		else if (s != BK_OK)
			store_rollback(&ctx->store);
	}
	if (s == BK_OK)
		(void)ratelimit_hit(ctx->limits, http_client_key(nb->req,
		    "booking-rate"), (unsigned)settings_get_int(&ctx->store,
		    "booking_rate_per_hour"), 3600, time(NULL));
	token_format(&nb->tok, code);
	nb->done(nb->req, s, s == BK_OK ? &full : NULL, s == BK_OK ? code : NULL);
	OPENSSL_cleanse(code, sizeof(code));
	booking_new_free(nb);
}

int
booking_create(struct http_req *req, int64_t service, int64_t therapist,
    time_t start, booking_created_fn done)
{
	struct http_ctx		*ctx = req->ctx;
	struct booking_new	*nb;
	struct store_staff	*t = NULL, one;
	enum booking_status	 s;
	size_t			 nt, i;
	unsigned		 limit, wait;

	if ((nb = calloc(1, sizeof(*nb))) == NULL)
		return booking_fail(req, BK_INTERNAL);
	nb->req = req;
	nb->done = done;
	nb->therapist = therapist;
	nb->start = start;
	switch (store_service_get(&ctx->store, service, &nb->service)) {
	case 0:
		break;
	case 1:
		s = BK_UNKNOWN_SERVICE;
		goto fail;
	default:
		s = BK_INTERNAL;
		goto fail;
	}
	if (therapist != 0) {
		switch (store_therapist_get(&ctx->store, therapist, &one)) {
		case 0:
			break;
		case 1:
			s = BK_UNKNOWN_THERAPIST;
			goto fail;
		default:
			s = BK_INTERNAL;
			goto fail;
		}
		s = booking_check_time(ctx, &nb->service, therapist, start);
	} else {
		/* Any therapist: the time must be a slot of at least one. */
		if (store_therapists(&ctx->store, &t, &nt) == -1) {
			s = BK_INTERNAL;
			goto fail;
		}
		s = nt == 0 ? BK_OFF_GRID : BK_OK;
		for (i = 0; i < nt; i++)
			if ((s = booking_check_time(ctx, &nb->service, t[i].id,
			    start)) == BK_OK || s == BK_PAST || s == BK_TOO_SOON ||
			    s == BK_TOO_FAR)
				break;
		free(t);
	}
	if (s != BK_OK)
		goto fail;
	/*
	 * Only bookings made count (booking_new_done), so a client who loses
	 * a race for a slot or mistypes is not held back; this only looks.
	 */
	limit = (unsigned)settings_get_int(&ctx->store, "booking_rate_per_hour");
	if ((wait = ratelimit_check(ctx->limits, http_client_key(req,
	    "booking-rate"), limit, 3600, time(NULL))) != 0) {
		booking_new_free(nb);
		return booking_fail_rate(req, wait);
	}
	if (token_new(&nb->tok) == -1) {
		s = BK_INTERNAL;
		goto fail;
	}
	if (http_submit(req, booking_new_work, booking_new_done, nb) == -1) {
		booking_new_free(nb);
		return -1;
	}
	return 0;
fail:
	booking_new_free(nb);
	return booking_fail(req, s);
}

/* ---- checking a presented code -------------------------------------------- */

struct booking_auth {
	struct http_req		*req;
	booking_next_fn		 next;
	void			*arg;
	void			(*free_arg)(void *);
	struct token		 tok;
	char			 hash[KDF_HASH_MAX];
	int64_t			 id;		/* 0: no such lookup part */
	int			 match;
	uint64_t		 key;
};

/* Free a check and, unless next took it, its argument. */
static void
booking_auth_free(struct booking_auth *a)
{
	if (a->arg != NULL && a->free_arg != NULL)
		a->free_arg(a->arg);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

static void
booking_auth_work(void *arg)
{
	struct booking_auth	*a = arg;

	a->match = kdf_verify(a->hash, a->tok.secret, TOKEN_SECRET_LEN) == 1;
}

static void
booking_auth_done(void *arg)
{
	struct booking_auth	*a = arg;
	struct store_booking	 b;

	if (!a->match || a->id == 0) {
		(void)ratelimit_hit(a->req->ctx->limits, a->key,
		    BOOKING_TOKEN_FAILS, BOOKING_TOKEN_WINDOW, time(NULL));
		booking_fail(a->req, BK_UNAUTHORIZED);
	} else if (store_booking_by_id(&a->req->ctx->store, a->id, &b) != 0)
		booking_fail(a->req, BK_INTERNAL);
	else {
		size_t	 len;

		/* A credit sealed to this code opens now; the handler shows it. */
		if (b.credit_boxlen > 0 && seal_open(a->tok.secret,
		    TOKEN_SECRET_LEN, b.credit_box, b.credit_boxlen,
		    b.credit_code, &len) == -1)
			b.credit_code[0] = '\0';
		a->next(a->req, &b, a->arg);
		a->arg = NULL;		/* next owns it now */
		OPENSSL_cleanse(b.credit_code, sizeof(b.credit_code));
	}
	booking_auth_free(a);
}

int
booking_authorize(struct http_req *req, const char *code, booking_next_fn next,
    void *arg, void (*free_arg)(void *))
{
	struct http_ctx		*ctx = req->ctx;
	struct booking_auth	*a;
	struct store_booking	 b;
	const char		*dummy;
	unsigned		 wait;
	int			 found;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		if (arg != NULL && free_arg != NULL)
			free_arg(arg);
		return booking_fail(req, BK_INTERNAL);
	}
	a->req = req;
	a->next = next;
	a->arg = arg;
	a->free_arg = free_arg;
	a->key = http_client_key(req, "token-fail");
	if ((wait = ratelimit_check(ctx->limits, a->key, BOOKING_TOKEN_FAILS,
	    BOOKING_TOKEN_WINDOW, time(NULL))) != 0) {
		booking_auth_free(a);
		return booking_fail_rate(req, wait);
	}
	if (code == NULL || token_parse(code, &a->tok) == -1) {
		(void)ratelimit_hit(ctx->limits, a->key, BOOKING_TOKEN_FAILS,
		    BOOKING_TOKEN_WINDOW, time(NULL));
		booking_auth_free(a);
		return booking_fail(req, BK_UNAUTHORIZED);
	}
	found = store_booking_by_lookup(&ctx->store, a->tok.lookup, &b);
	if (found == -1) {
		booking_auth_free(a);
		return booking_fail(req, BK_INTERNAL);
	}
	if (found == 0) {
		a->id = b.id;
		snprintf(a->hash, sizeof(a->hash), "%s", b.token_hash);
	} else {
		/* Unknown: spend the same scrypt work on a dummy hash. */
		if ((dummy = kdf_dummy_hash(&KDF_SECRET)) == NULL) {
			booking_auth_free(a);
			return booking_fail(req, BK_INTERNAL);
		}
		snprintf(a->hash, sizeof(a->hash), "%s", dummy);
	}
	if (http_submit(req, booking_auth_work, booking_auth_done, a) == -1) {
		booking_auth_free(a);
		return -1;
	}
	return 0;
}

/* ---- changing a booking ------------------------------------------------------ */

enum booking_status
booking_may_change(struct http_ctx *ctx, const struct store_booking *b)
{
	long long	 cutoff;

	if (strcmp(b->status, "booked") != 0)
		return BK_NOT_ACTIVE;
	cutoff = settings_get_int(&ctx->store, "cancel_cutoff_hours");
	if (time(NULL) > b->start - (time_t)cutoff * 3600)
		return BK_TOO_LATE;
	return BK_OK;
}

enum booking_status
booking_cancel(struct http_ctx *ctx, struct store_booking *b)
{
	enum booking_status	 s;
	int			 rc;

	if ((s = booking_may_change(ctx, b)) != BK_OK)
		return s;
	if (store_begin(&ctx->store) == -1)
		return BK_INTERNAL;
	if ((rc = store_booking_cancel(&ctx->store, b->id, "client", NULL)) != 0) {
		store_rollback(&ctx->store);
		return rc == 1 ? BK_NOT_ACTIVE : BK_INTERNAL;
	}
	/* Read back inside the transaction: an error then changed nothing. */
	if (store_booking_by_id(&ctx->store, b->id, b) != 0) {
		store_rollback(&ctx->store);
		return BK_INTERNAL;
	}
	if (store_commit(&ctx->store) == -1)
		return BK_INTERNAL;
	return BK_OK;
}

enum booking_status
booking_reschedule(struct http_ctx *ctx, struct store_booking *b, time_t start)
{
	struct store_service	 s;
	enum booking_status	 st;
	time_t			 end;
	int			 rc;

	if ((st = booking_may_change(ctx, b)) != BK_OK)
		return st;
	memset(&s, 0, sizeof(s));
	s.id = b->service_id;
	s.minutes = (int)((b->end - b->start) / 60);
	if ((st = booking_check_time(ctx, &s, b->therapist_id, start)) != BK_OK)
		return st;
	end = start + (b->end - b->start);
	if (store_begin(&ctx->store) == -1)
		return BK_INTERNAL;
	if ((st = booking_check_free(ctx, b->therapist_id, start, end,
	    b->id)) != BK_OK) {
		store_rollback(&ctx->store);
		return st;
	}
	if ((rc = store_booking_move(&ctx->store, b->id, start, end)) != 0 ||
	    store_booking_by_id(&ctx->store, b->id, b) != 0) {
		store_rollback(&ctx->store);
		return rc == 1 ? BK_TAKEN : rc == 2 ? BK_NOT_ACTIVE : BK_INTERNAL;
	}
	if (store_commit(&ctx->store) == -1)
		return BK_INTERNAL;
	return BK_OK;
}

/* ---- JSON handlers ------------------------------------------------------------ */

static int
booking_reply(struct http_req *req, int status, struct store_booking *b)
{
	json_t	*j;

	if ((j = booking_json(req->ctx, b, 1)) == NULL)
		return booking_fail(req, BK_INTERNAL);
	return http_reply_json(req, status, j);
}

void
booking_api_slots(struct http_req *req)
{
	static const struct input_field fields[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
		{ "from", INPUT_DATE, 1, 0, 0 },
		{ "days", INPUT_INT, 0, 1, SLOTS_DAYS_MAX },
	};
	struct input_value	 v[4];
	struct store_service	 s;
	struct store_staff	 t;
	struct slots_list	 l;
	char			 err[INPUT_ERR_MAX], start[CIVIL_RFC3339_MAX];
	char			 end[CIVIL_RFC3339_MAX];
	json_t			*list;
	size_t			 i;

	if (input_query(req->query_raw, fields, 4, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	switch (store_service_get(&req->ctx->store, v[0].num, &s)) {
	case 0:
		break;
	case 1:
		booking_fail(req, BK_UNKNOWN_SERVICE);
		return;
	default:
		booking_fail(req, BK_INTERNAL);
		return;
	}
	if (v[1].present) {
		switch (store_therapist_get(&req->ctx->store, v[1].num, &t)) {
		case 0:
			break;
		case 1:
			booking_fail(req, BK_UNKNOWN_THERAPIST);
			return;
		default:
			booking_fail(req, BK_INTERNAL);
			return;
		}
	}
	if (booking_slots(req->ctx, &s, v[1].present ? v[1].num : 0, 0, v[2].num,
	    v[3].present ? (int)v[3].num : BOOKING_DAYS_DEFAULT, &l) == -1) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	list = json_array();
	for (i = 0; i < l.n; i++) {
		civil_format_rfc3339(l.v[i].start, start);
		civil_format_rfc3339(l.v[i].end, end);
		json_array_append_new(list, json_pack("{s:s,s:s,s:I}",
		    "start", start, "end", end,
		    "therapist", (json_int_t)l.v[i].therapist));
	}
	slots_list_free(&l);
	http_reply_json(req, 200, json_pack("{s:o}", "slots", list));
}

static void
booking_api_created(struct http_req *req, enum booking_status s,
    const struct store_booking *b, const char *token)
{
	json_t	*j;

	if (s != BK_OK) {
		booking_fail(req, s);
		return;
	}
	if ((j = booking_json(req->ctx, b, 1)) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	http_reply_json(req, 201, json_pack("{s:s,s:o}", "token", token,
	    "booking", j));
}

void
booking_api_create(struct http_req *req)
{
	static const struct input_field fields[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[3];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, fields, 3, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	booking_create(req, v[0].num, v[1].present ? v[1].num : 0, v[2].time,
	    booking_api_created);
}

const char *
booking_bearer(struct http_req *req)
{
	const char	*h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

int
booking_credit_shown(struct http_ctx *ctx, struct store_booking *b)
{
	if (b->credit_code[0] == '\0')
		return 0;
	if (store_begin(&ctx->store) == -1 ||
	    store_booking_set_credit(&ctx->store, b->id, NULL, 0) == -1 ||
	    store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return -1;
	}
	return 1;
}

static void
booking_get_next(struct http_req *req, struct store_booking *b, void *arg)
{
	json_t	*j;

	if (booking_credit_shown(req->ctx, b) == -1 ||
	    (j = booking_json(req->ctx, b, 1)) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	/* The practice's credit, shown this once (API.md "credit_voucher"). */
	if (b->credit_code[0] != '\0')
		json_object_set_new(j, "credit_voucher",
		    json_string(b->credit_code));
	http_reply_json(req, 200, j);
}

void
booking_api_get(struct http_req *req)
{
	booking_authorize(req, booking_bearer(req), booking_get_next, NULL, NULL);
}

static void
booking_cancelled_credit(struct http_req *req, enum booking_status s,
    struct store_booking *b, const char *credit, int64_t cents,
    const char *expires)
{
	json_t	*j;

	if (s != BK_OK) {
		booking_fail(req, s);
		return;
	}
	if ((j = booking_json(req->ctx, b, 1)) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	json_object_set_new(j, "credit_voucher", json_string(credit));
	json_object_set_new(j, "credit_voucher_cents", json_integer(cents));
	json_object_set_new(j, "credit_voucher_expires", json_string(expires));
	http_reply_json(req, 200, j);
}

static void
booking_cancel_next(struct http_req *req, struct store_booking *b, void *arg)
{
	enum booking_status	 s;

	/* What vouchers paid comes back as a new voucher, shown this once. */
	if (b->voucher_paid_cents > 0 &&
	    (s = booking_may_change(req->ctx, b)) == BK_OK) {
		payment_cancel_with_credit(req, b, booking_cancelled_credit);
		return;
	}
	if ((s = booking_cancel(req->ctx, b)) != BK_OK)
		booking_fail(req, s);
	else
		booking_reply(req, 200, b);
}

void
booking_api_cancel(struct http_req *req)
{
	booking_authorize(req, booking_bearer(req), booking_cancel_next, NULL,
	    NULL);
}

static void
booking_reschedule_next(struct http_req *req, struct store_booking *b,
    void *arg)
{
	time_t			*start = arg;
	enum booking_status	 s;

	s = booking_reschedule(req->ctx, b, *start);
	free(start);
	if (s != BK_OK)
		booking_fail(req, s);
	else
		booking_reply(req, 200, b);
}

void
booking_api_reschedule(struct http_req *req)
{
	static const struct input_field fields[] = {
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[1];
	char			 err[INPUT_ERR_MAX];
	time_t			*start;

	if (input_json(req->body, req->body_len, fields, 1, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((start = malloc(sizeof(*start))) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	*start = v[0].time;
	booking_authorize(req, booking_bearer(req), booking_reschedule_next,
	    start, free);
}

static void
booking_ticket_next(struct http_req *req, struct store_booking *b, void *arg)
{
	int		 png = arg != NULL;
	char		 ticket[TICKET_MAX];
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL ||
	    ticket_sign(req->ctx->keys, b->ref, b->start, ticket) == -1 ||
	    (png ? qr_png(ticket, buf) : qr_svg(ticket, buf)) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	http_reply(req, 200, png ? "image/png" : "image/svg+xml", buf);
	evbuffer_free(buf);
}

void
booking_api_ticket_svg(struct http_req *req)
{
	booking_authorize(req, booking_bearer(req), booking_ticket_next, NULL,
	    NULL);
}

void
booking_api_ticket_png(struct http_req *req)
{
	static int	 png = 1;

	booking_authorize(req, booking_bearer(req), booking_ticket_next, &png,
	    NULL);
}

void
booking_tick(struct http_ctx *ctx)
{
	int	 n;

	if ((n = store_expire_holds(&ctx->store, time(NULL))) > 0)
		log_info("booking", "released %d unpaid booking%s", n,
		    n == 1 ? "" : "s");
	if ((n = payment_expire_vouchers(ctx)) > 0)
		log_info("payment", "wrote off %d expired voucher%s", n,
		    n == 1 ? "" : "s");
	if ((n = store_purge(&ctx->store, time(NULL) - (time_t)settings_get_int(
	    &ctx->store, "retention_days") * 86400, civil_local_day)) > 0)
		log_info("booking", "purged %d booking%s past retention", n,
		    n == 1 ? "" : "s");
}
