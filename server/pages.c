/*
 * pages: the client's booking pages, which work without JavaScript
 * (DESIGN.md invariant 6). Service, therapist, day, time, confirm, done;
 * then "manage": a form for the booking code that opens a short session in
 * a cookie, the booking, moving it, cancelling it, the printable ticket,
 * its image and an .ics file with a neutral title.
 *
 * The rules are booking.c's; this file only turns them into pages. The
 * manage cookie holds the booking id, an expiry and a MAC under the server's
 * key, never the code; it is SameSite=Strict and lives BOOKING_MANAGE_TTL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/crypto.h>

#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/keys.h"
#include "saferoom/pages.h"
#include "saferoom/payment.h"
#include "saferoom/settings.h"
#include "saferoom/qr.h"
#include "saferoom/slots.h"
#include "saferoom/ticket.h"
#include "saferoom/token.h"
#include "saferoom/util.h"
#include "saferoom/voucher.h"
#include "saferoom/web.h"

#define PAGES_COOKIE		"__Host-saferoom-manage"
#define PAGES_COOKIE_MAX	128
#define PAGES_DAYS		14	/* days listed per page of the day step */
#define PAGES_HREF_MAX		512
#define PAGES_TEXT_MAX		128
#define PAGES_CLOCK_MAX		16

static const char *const pages_weekdays[] = {
	"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};
static const char *const pages_months[] = {
	"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

static void	pages_voucher_page(struct http_req *, const char *, const char *,
		    const char *, int64_t, const char *, const char *);

/* ---- small helpers -------------------------------------------------------- */

/* "Monday 30 November 2026" for a local day. */
static void
pages_day_label(long day, char *out, size_t outsz)
{
	int	 y, m, d;

	civil_ymd(day, &y, &m, &d);
	snprintf(out, outsz, "%s %d %s %d", pages_weekdays[civil_weekday(day)],
	    d, pages_months[m], y);
}

/* "09:30" for an instant in the clinic's zone. */
static void
pages_clock(time_t t, char out[PAGES_CLOCK_MAX])
{
	long	 day;
	int	 minute;

	civil_utc_to_local(t, &day, &minute);
	snprintf(out, PAGES_CLOCK_MAX, "%02d:%02d", minute / 60 % 100, minute % 60);
}

/* "Monday 30 November 2026, 09:00–09:50" */
static void
pages_when(time_t start, time_t end, char *out, size_t outsz)
{
	char	 day[64], a[PAGES_CLOCK_MAX], b[PAGES_CLOCK_MAX];
	long	 d;
	int	 minute;

	civil_utc_to_local(start, &d, &minute);
	pages_day_label(d, day, sizeof(day));
	pages_clock(start, a);
	pages_clock(end, b);
	snprintf(out, outsz, "%s, %s\xe2\x80\x93%s", day, a, b);
}

/* Append <li><a href="HREF">LABEL</a> NOTE</li>, all escaped. */
static int
pages_link_row(struct evbuffer *out, const char *href, const char *label,
    const char *note)
{
	const struct web_var vars[] = {
		{ "href", href },
		{ "label", label },
		{ "note", note != NULL ? note : "" },
	};

	return web_render(out, "link_row", vars, NELEM(vars));
}

/* NUL-terminate buf and give its text. NULL when memory runs out. */
static const char *
pages_text(struct evbuffer *buf)
{
	if (evbuffer_add(buf, "", 1) == -1)
		return NULL;
	return (const char *)evbuffer_pullup(buf, -1);
}

static int
pages_service(struct http_req *req, int64_t id, struct store_service *s)
{
	switch (store_service_get(&req->ctx->store, id, s)) {
	case 0:
		return 0;
	case 1:
		return http_error(req, 404, "unknown_service",
		    "There is no such service.");
	default:
		return booking_fail(req, BK_INTERNAL);
	}
}

/* therapist 0 is "any"; else it must exist. Fills name. */
static int
pages_therapist(struct http_req *req, int64_t id, char *name, size_t namesz)
{
	struct store_staff	 t;

	if (id == 0) {
		snprintf(name, namesz, "Any therapist");
		return 0;
	}
	switch (store_therapist_get(&req->ctx->store, id, &t)) {
	case 0:
		snprintf(name, namesz, "%s", t.display_name);
		return 0;
	case 1:
		return http_error(req, 404, "unknown_therapist",
		    "There is no such therapist.");
	default:
		return booking_fail(req, BK_INTERNAL);
	}
}

/* Parse query fields or answer 400 with a page. */
static int
pages_query(struct http_req *req, const struct input_field *f, size_t n,
    struct input_value *v)
{
	char	 err[INPUT_ERR_MAX];

	if (input_query(req->query_raw, f, n, v, err) == -1)
		return http_error(req, 400, "bad_request", err);
	return 0;
}

/* "any" or a therapist id from the query's "therapist". */
static int
pages_therapist_param(struct http_req *req, int64_t *out)
{
	const char	*t = evhttp_find_header(&req->query, "therapist");
	long long	 v;

	if (t == NULL || strcmp(t, "any") == 0) {
		*out = 0;
		return 0;
	}
	if (util_parse_int(t, 1, INT32_MAX, &v) == -1)
		return http_error(req, 400, "bad_request",
		    "'therapist' must be a therapist's number or 'any'.");
	*out = v;
	return 0;
}

static void
pages_therapist_token(int64_t id, char out[24])
{
	if (id == 0)
		snprintf(out, 24, "any");
	else
		snprintf(out, 24, "%lld", (long long)id);
}

/* ---- booking steps ------------------------------------------------------------ */

void
pages_book_services(struct http_req *req)
{
	struct store_service	*s = NULL;
	struct evbuffer		*rows;
	char			 href[PAGES_HREF_MAX], note[PAGES_TEXT_MAX];
	char			 money[48];
	size_t			 n, i;
	int			 ok = 0;

	if ((rows = evbuffer_new()) == NULL ||
	    store_services(&req->ctx->store, &s, &n) == -1)
		goto done;
	for (i = 0; i < n; i++) {
		snprintf(href, sizeof(href), "/book/therapist?service=%lld",
		    (long long)s[i].id);
		if (util_money(money, sizeof(money), s[i].price_cents,
		    s[i].currency) == -1)
			goto done;
		snprintf(note, sizeof(note), "%d minutes, %s", s[i].minutes,
		    money);
		if (pages_link_row(rows, href, s[i].name, note) == -1)
			goto done;
	}
	ok = 1;
	{
		const struct web_var vars[] = {
			{ "rows", pages_text(rows) },
			{ "empty", n == 0 ? "No services are offered yet." : "" },
		};

		http_reply_page(req, 200, "Choose a service", "book_services",
		    vars, NELEM(vars));
	}
done:
	if (!ok)
		booking_fail(req, BK_INTERNAL);
	free(s);
	if (rows != NULL)
		evbuffer_free(rows);
}

void
pages_book_therapist(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
	};
	struct input_value	 v[1];
	struct store_service	 s;
	struct store_staff	*t = NULL;
	struct evbuffer		*rows;
	char			 href[PAGES_HREF_MAX];
	size_t			 n, i;
	int			 ok = 0;

	if (pages_query(req, f, 1, v) == -1 ||
	    pages_service(req, v[0].num, &s) == -1)
		return;
	if ((rows = evbuffer_new()) == NULL ||
	    store_therapists(&req->ctx->store, &t, &n) == -1)
		goto done;
	snprintf(href, sizeof(href), "/book/day?service=%lld&therapist=any",
	    (long long)s.id);
	if (pages_link_row(rows, href, "Any therapist", "the first free time "
	    "with any of them") == -1)
		goto done;
	for (i = 0; i < n; i++) {
		snprintf(href, sizeof(href), "/book/day?service=%lld&therapist=%lld",
		    (long long)s.id, (long long)t[i].id);
		if (pages_link_row(rows, href, t[i].display_name, NULL) == -1)
			goto done;
	}
	ok = 1;
	{
		const struct web_var vars[] = {
			{ "service", s.name },
			{ "rows", pages_text(rows) },
		};

		http_reply_page(req, 200, "Choose a therapist", "book_therapist",
		    vars, NELEM(vars));
	}
done:
	if (!ok)
		booking_fail(req, BK_INTERNAL);
	free(t);
	if (rows != NULL)
		evbuffer_free(rows);
}

/*
 * The day step, shared by booking and rescheduling: days from "from" with
 * free slots as links to base + "&day=...". Returns 0 or -1 (memory/store).
 */
static int
pages_day_rows(struct http_req *req, const struct store_service *s,
    int64_t therapist, int64_t except, long from, const char *base,
    struct evbuffer *rows, int *count)
{
	struct slots_list	 l;
	char			 href[PAGES_HREF_MAX], label[64], note[32];
	char			 date[CIVIL_DATE_MAX];
	size_t			 i, j;
	long			 day;
	int			 minute, n;

	*count = 0;
	if (booking_slots(req->ctx, s, therapist, except, from, PAGES_DAYS,
	    &l) == -1)
		return -1;
	for (i = 0; i < l.n; i = j) {
		civil_utc_to_local(l.v[i].start, &day, &minute);
		for (j = i, n = 0; j < l.n; j++) {
			long	 d2;
			int	 m2;

			civil_utc_to_local(l.v[j].start, &d2, &m2);
			if (d2 != day)
				break;
			/* With "any", a time free with two therapists is one time. */
			if (j == i || l.v[j].start != l.v[j - 1].start)
				n++;
		}
		civil_format_date(day, date);
		pages_day_label(day, label, sizeof(label));
		snprintf(note, sizeof(note), "%d free time%s", n, n == 1 ? "" : "s");
		snprintf(href, sizeof(href), "%s&day=%s", base, date);
		if (pages_link_row(rows, href, label, note) == -1) {
			slots_list_free(&l);
			return -1;
		}
		(*count)++;
	}
	slots_list_free(&l);
	return 0;
}

void
pages_book_day(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "from", INPUT_DATE, 0, 0, 0 },
	};
	struct input_value	 v[2];
	struct store_service	 s;
	struct evbuffer		*rows;
	char			 name[STORE_NAME_MAX + 1], base[PAGES_HREF_MAX];
	char			 later[PAGES_HREF_MAX], tt[24], date[CIVIL_DATE_MAX];
	int64_t			 therapist;
	long			 from, today = civil_today();
	int			 count;

	if (pages_therapist_param(req, &therapist) == -1 ||
	    pages_query(req, f, 2, v) == -1 ||
	    pages_service(req, v[0].num, &s) == -1 ||
	    pages_therapist(req, therapist, name, sizeof(name)) == -1)
		return;
	from = v[1].present && v[1].num > today ? v[1].num : today;
	pages_therapist_token(therapist, tt);
	snprintf(base, sizeof(base), "/book/time?service=%lld&therapist=%s",
	    (long long)s.id, tt);
	if ((rows = evbuffer_new()) == NULL ||
	    pages_day_rows(req, &s, therapist, 0, from, base, rows,
	    &count) == -1) {
		if (rows != NULL)
			evbuffer_free(rows);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	civil_format_date(from + PAGES_DAYS, date);
	snprintf(later, sizeof(later), "/book/day?service=%lld&therapist=%s&from=%s",
	    (long long)s.id, tt, date);
	{
		const struct web_var vars[] = {
			{ "service", s.name },
			{ "therapist", name },
			{ "rows", pages_text(rows) },
			{ "empty", count == 0 ?
			    "No free times in these two weeks." : "" },
			{ "later", later },
			{ "back", "/book" },
		};

		http_reply_page(req, 200, "Choose a day", "book_day", vars,
		    NELEM(vars));
	}
	evbuffer_free(rows);
}

/*
 * Links for the free times of one day: to prefix + the start (URL-encoded)
 * and, when therapist is "any", the therapist of each slot.
 */
static int
pages_time_rows(struct http_req *req, const struct store_service *s,
    int64_t therapist, int64_t except, long day, const char *prefix,
    struct evbuffer *rows, int *count)
{
	struct slots_list	 l;
	struct store_staff	 t;
	char			 href[PAGES_HREF_MAX], rfc[CIVIL_RFC3339_MAX];
	char			 clock[PAGES_CLOCK_MAX], *enc;
	size_t			 i;
	int			 rc = 0;

	*count = 0;
	if (booking_slots(req->ctx, s, therapist, except, day, 1, &l) == -1)
		return -1;
	for (i = 0; i < l.n && rc == 0; i++) {
		/* With "any", offer each time once, with its first therapist. */
		if (i > 0 && l.v[i].start == l.v[i - 1].start)
			continue;
		civil_format_rfc3339(l.v[i].start, rfc);
		pages_clock(l.v[i].start, clock);
		if ((enc = evhttp_encode_uri(rfc)) == NULL) {
			rc = -1;
			break;
		}
		snprintf(href, sizeof(href), "%s&therapist=%lld&start=%s", prefix,
		    (long long)l.v[i].therapist, enc);
		free(enc);
		if (therapist == 0 && store_therapist_get(&req->ctx->store,
		    l.v[i].therapist, &t) == 0)
			rc = pages_link_row(rows, href, clock, t.display_name);
		else
			rc = pages_link_row(rows, href, clock, NULL);
		(*count)++;
	}
	slots_list_free(&l);
	return rc;
}

void
pages_book_time(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "day", INPUT_DATE, 1, 0, 0 },
	};
	struct input_value	 v[2];
	struct store_service	 s;
	struct evbuffer		*rows;
	char			 name[STORE_NAME_MAX + 1], prefix[PAGES_HREF_MAX];
	char			 back[PAGES_HREF_MAX], label[64], tt[24];
	int64_t			 therapist;
	int			 count;

	if (pages_therapist_param(req, &therapist) == -1 ||
	    pages_query(req, f, 2, v) == -1 ||
	    pages_service(req, v[0].num, &s) == -1 ||
	    pages_therapist(req, therapist, name, sizeof(name)) == -1)
		return;
	snprintf(prefix, sizeof(prefix), "/book/confirm?service=%lld",
	    (long long)s.id);
	if ((rows = evbuffer_new()) == NULL ||
	    pages_time_rows(req, &s, therapist, 0, v[1].num, prefix, rows,
	    &count) == -1) {
		if (rows != NULL)
			evbuffer_free(rows);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	pages_therapist_token(therapist, tt);
	snprintf(back, sizeof(back), "/book/day?service=%lld&therapist=%s",
	    (long long)s.id, tt);
	pages_day_label(v[1].num, label, sizeof(label));
	{
		const struct web_var vars[] = {
			{ "service", s.name },
			{ "therapist", name },
			{ "day", label },
			{ "rows", pages_text(rows) },
			{ "empty", count == 0 ?
			    "No free times on this day any more." : "" },
			{ "back", back },
		};

		http_reply_page(req, 200, "Choose a time", "book_time", vars,
		    NELEM(vars));
	}
	evbuffer_free(rows);
}

void
pages_book_confirm(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "therapist", INPUT_INT, 1, 1, INT32_MAX },
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[3];
	struct store_service	 s;
	char			 name[STORE_NAME_MAX + 1], when[128], money[48];
	char			 sid[24], tid[24], start[CIVIL_RFC3339_MAX];

	if (pages_query(req, f, 3, v) == -1 ||
	    pages_service(req, v[0].num, &s) == -1 ||
	    pages_therapist(req, v[1].num, name, sizeof(name)) == -1)
		return;
	pages_when(v[2].time, v[2].time + (time_t)s.minutes * 60, when,
	    sizeof(when));
	(void)util_money(money, sizeof(money), s.price_cents, s.currency);
	snprintf(sid, sizeof(sid), "%lld", (long long)s.id);
	snprintf(tid, sizeof(tid), "%lld", (long long)v[1].num);
	civil_format_rfc3339(v[2].time, start);
	{
		const struct web_var vars[] = {
			{ "service", s.name },
			{ "therapist", name },
			{ "when", when },
			{ "price", money },
			{ "service_id", sid },
			{ "therapist_id", tid },
			{ "start", start },
		};

		http_reply_page(req, 200, "Confirm your booking", "book_confirm",
		    vars, NELEM(vars));
	}
}

/* ---- the manage cookie ---------------------------------------------------------- */

static void
pages_cookie_mac(struct http_ctx *ctx, const char *payload, char hex[33])
{
	uint8_t	 mac[32];

	keys_mac(ctx->keys, "manage-cookie", payload, strlen(payload), mac);
	util_hex(mac, 16, hex);
	OPENSSL_cleanse(mac, sizeof(mac));
}

static void
pages_cookie_set(struct http_req *req, int64_t id)
{
	char	 payload[64], hex[33], value[PAGES_COOKIE_MAX];

	snprintf(payload, sizeof(payload), "%lld.%lld", (long long)id,
	    (long long)(time(NULL) + BOOKING_MANAGE_TTL));
	pages_cookie_mac(req->ctx, payload, hex);
	snprintf(value, sizeof(value), "%s.%s", payload, hex);
	http_set_cookie(req, PAGES_COOKIE, value, BOOKING_MANAGE_TTL);
}

/*
 * The booking of the manage cookie, or -1 after answering: a page that
 * sends the client to enter their code again.
 */
static int
pages_cookie_booking(struct http_req *req, struct store_booking *b)
{
	char		 value[PAGES_COOKIE_MAX], hex[33], *dot;
	long long	 id, exp;

	if (http_cookie(req, PAGES_COOKIE, value, sizeof(value)) == -1 ||
	    (dot = strrchr(value, '.')) == NULL || strlen(dot + 1) != 32)
		goto expired;
	*dot = '\0';
	pages_cookie_mac(req->ctx, value, hex);
	if (CRYPTO_memcmp(hex, dot + 1, 32) != 0 ||
	    sscanf(value, "%lld.%lld", &id, &exp) != 2 || exp < time(NULL))
		goto expired;
	switch (store_booking_by_id(&req->ctx->store, id, b)) {
	case 0:
		return 0;
	case 1:
		goto expired;
	default:
		return booking_fail(req, BK_INTERNAL);
	}
expired:
	return http_error(req, 401, "unauthorized", "Your session for this "
	    "booking has ended. Please enter your booking code again on the "
	    "\"Manage a booking\" page.");
}

/* ---- done and manage pages --------------------------------------------------------- */

/* The inline SVG of b's ticket, or NULL; the caller frees it. */
static char *
pages_ticket_svg(struct http_req *req, const struct store_booking *b)
{
	struct evbuffer	*buf;
	char		 ticket[TICKET_MAX], *svg = NULL;
	size_t		 len;

	if ((buf = evbuffer_new()) == NULL)
		return NULL;
	if (ticket_sign(req->ctx->keys, b->ref, b->start, ticket) == 0 &&
	    qr_svg(ticket, buf) == 0) {
		len = evbuffer_get_length(buf);
		if ((svg = malloc(len + 1)) != NULL) {
			evbuffer_remove(buf, svg, len);
			svg[len] = '\0';
		}
	}
	evbuffer_free(buf);
	return svg;
}

/* Render a page about b with template tmpl; code is set on the done page. */
static void
pages_booking_page(struct http_req *req, int status, const char *title,
    const char *tmpl, const struct store_booking *b, const char *code,
    const char *notice)
{
	char	 when[128], paid[48], due[48], *svg, practice[STORE_REASON_MAX + 96];
	char	 payby[256];
	int	 active = strcmp(b->status, "booked") == 0;

	if (notice == NULL && strcmp(b->cancelled_by, "practice") == 0) {
		snprintf(practice, sizeof(practice), "The practice had to cancel "
		    "this session.%s%s", b->cancel_reason[0] != '\0' ?
		    " Their note: " : "", b->cancel_reason);
		notice = practice;
	}

	if ((svg = pages_ticket_svg(req, b)) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	payby[0] = '\0';
	if (active && b->hold_until > 0 && booking_due(b) > 0) {
		char	 day[64], clock[PAGES_CLOCK_MAX];
		long	 d;
		int	 minute;

		civil_utc_to_local(b->hold_until, &d, &minute);
		pages_day_label(d, day, sizeof(day));
		pages_clock(b->hold_until, clock);
		snprintf(payby, sizeof(payby), "Please pay with a voucher by %s, "
		    "%s; an unpaid booking is released then.", day, clock);
	}
	pages_when(b->start, b->end, when, sizeof(when));
	(void)util_money(paid, sizeof(paid), b->paid_cents, b->currency);
	(void)util_money(due, sizeof(due), booking_due(b), b->currency);
	{
		const struct web_var vars[] = {
			{ "code", code != NULL ? code : "" },
			{ "ref", b->ref },
			{ "service", b->service_name },
			{ "therapist", b->therapist_name },
			{ "when", when },
			{ "status", booking_status_text(b, 0) },
			{ "paid", paid },
			{ "due", due },
			{ "qr", svg },
			{ "notice", notice != NULL ? notice : "" },
			{ "actions", active ? "" : "hidden" },
			{ "pay", active && booking_due(b) > 0 ? "" : "hidden" },
			{ "payby", payby },
			{ "receipt", b->paid_cents > 0 ||
			    strcmp(b->status, "cancelled") == 0 ? "" : "hidden" },
		};

		http_reply_page(req, status, title, tmpl, vars, NELEM(vars));
	}
	free(svg);
}

static void
pages_book_created(struct http_req *req, enum booking_status s,
    const struct store_booking *b, const char *code)
{
	if (s == BK_TAKEN) {
		/* A reload of the done page posts again: say what happened. */
		http_error(req, 409, "slot_taken", "That time is no longer free; "
		    "please choose another. If you reloaded the page after "
		    "booking, your booking was made and its code was shown on "
		    "the page before.");
		return;
	}
	if (s != BK_OK) {
		booking_fail(req, s);
		return;
	}
	pages_cookie_set(req, b->id);
	pages_booking_page(req, 200, "Your booking", "book_done", b, code, NULL);
}

void
pages_book_post(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "service", INPUT_INT, 1, 1, INT32_MAX },
		{ "therapist", INPUT_INT, 1, 1, INT32_MAX },
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[3];
	char			 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, 3, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	booking_create(req, v[0].num, v[1].num, v[2].time, pages_book_created);
}

void
pages_manage_form(struct http_req *req)
{
	http_reply_page(req, 200, "Manage a booking", "manage_form", NULL, 0);
}

static void
pages_manage_opened(struct http_req *req, struct store_booking *b, void *arg)
{
	char	 expires[CIVIL_DATE_MAX] = "";

	pages_cookie_set(req, b->id);
	switch (booking_credit_shown(req->ctx, b)) {
	case 0:
		http_redirect(req, "/manage/booking");
		return;
	case 1: {
		/* The practice cancelled: their credit, shown this once. */
		struct voucher_code	 c;
		struct store_voucher	 v;

		memset(&v, 0, sizeof(v));
		if (voucher_code_parse(b->credit_code, &c) == VOUCHER_CODE_OK &&
		    store_voucher_by_lookup(&req->ctx->store, c.lookup, &v) == 0)
			civil_format_date(v.expires_day, expires);
		voucher_code_wipe(&c);
		pages_voucher_page(req, "Booking cancelled by the practice",
		    "manage_credit", b->credit_code, v.value_cents, b->currency,
		    expires);
		return;
	}
	default:
		booking_fail(req, BK_INTERNAL);
	}
}

/*
 * The one "code" field of a form (a booking or voucher code typed by a
 * person) into v, or -1 after answering 400 with message. The caller wipes
 * v after use.
 */
static int
pages_form_code(struct http_req *req, size_t max, const char *message,
    struct input_value v[1])
{
	const struct input_field f[] = {
		{ "code", INPUT_SECRET, 1, 1, (long long)max },
	};
	char	 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, 1, v, err) == -1) {
		input_wipe(v, 1);
		return http_error(req, 400, "bad_request", message);
	}
	return 0;
}

void
pages_manage_post(struct http_req *req)
{
	struct input_value	 v[1];

	if (pages_form_code(req, TOKEN_INPUT_MAX,
	    "Please type the booking code you were given.", v) == -1)
		return;
	booking_authorize(req, v[0].text, pages_manage_opened, NULL, NULL);
	input_wipe(v, 1);
}

/* What a redirect after a change says on the booking page. */
static const struct {
	const char	*done;
	const char	*notice;
} pages_notices[] = {
	{ "cancelled", "Your booking is cancelled. The time is free for "
	    "someone else now." },
	{ "moved", "Your booking is moved to the new time. Your ticket has "
	    "changed: use the new one below." },
	{ "paid", "The voucher is applied. What is still due is shown below." },
};

void
pages_manage_booking(struct http_req *req)
{
	struct store_booking	 b;
	const char		*done, *notice = NULL;
	size_t			 i;

	if (pages_cookie_booking(req, &b) == -1)
		return;
	if ((done = evhttp_find_header(&req->query, "done")) != NULL)
		for (i = 0; i < NELEM(pages_notices); i++)
			if (strcmp(done, pages_notices[i].done) == 0)
				notice = pages_notices[i].notice;
	pages_booking_page(req, 200, "Your booking", "manage_booking", &b, NULL,
	    notice);
}

void
pages_manage_cancel_form(struct http_req *req)
{
	struct store_booking	 b;

	if (pages_cookie_booking(req, &b) == -1)
		return;
	pages_booking_page(req, 200, "Cancel your booking", "manage_cancel", &b,
	    NULL, NULL);
}

/* Render a voucher code with its QR code as the page tmpl. */
static void
pages_voucher_page(struct http_req *req, const char *title, const char *tmpl,
    const char *code, int64_t cents, const char *currency, const char *expires)
{
	struct evbuffer	*qr;
	char		 money[48];

	(void)util_money(money, sizeof(money), cents, currency);
	if ((qr = evbuffer_new()) == NULL || qr_svg(code, qr) == -1 ||
	    evbuffer_add(qr, "", 1) == -1) {
		if (qr != NULL)
			evbuffer_free(qr);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	{
		const struct web_var vars[] = {
			{ "code", code },
			{ "value", money },
			{ "expires", expires },
			{ "qr", (const char *)evbuffer_pullup(qr, -1) },
		};

		http_reply_page(req, 200, title, tmpl, vars, NELEM(vars));
	}
	evbuffer_free(qr);
}

static void
pages_cancelled_credit(struct http_req *req, enum booking_status s,
    struct store_booking *b, const char *code, int64_t cents,
    const char *expires)
{
	if (s != BK_OK) {
		booking_fail(req, s);
		return;
	}
	pages_voucher_page(req, "Booking cancelled", "manage_credit", code,
	    cents, b->currency, expires);
}

void
pages_manage_cancel(struct http_req *req)
{
	struct store_booking	 b;
	enum booking_status	 s;

	if (pages_cookie_booking(req, &b) == -1)
		return;
	/* Voucher money comes back as a credit voucher, shown on this page once. */
	if (b.voucher_paid_cents > 0 &&
	    (s = booking_may_change(req->ctx, &b)) == BK_OK) {
		payment_cancel_with_credit(req, &b, pages_cancelled_credit);
		return;
	}
	if ((s = booking_cancel(req->ctx, &b)) != BK_OK) {
		booking_fail(req, s);
		return;
	}
	/* Redirect, so that reloading the page sends nothing again. */
	http_redirect(req, "/manage/booking?done=cancelled");
}

void
pages_manage_reschedule(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "day", INPUT_DATE, 0, 0, 0 },
		{ "from", INPUT_DATE, 0, 0, 0 },
	};
	struct input_value	 v[2];
	struct store_booking	 b;
	struct store_service	 s;
	struct evbuffer		*rows;
	char			 when[128], later[PAGES_HREF_MAX], date[CIVIL_DATE_MAX];
	char			 label[64] = "";
	long			 from, today = civil_today();
	int			 count, rc;

	if (pages_cookie_booking(req, &b) == -1 || pages_query(req, f, 2, v) == -1)
		return;
	memset(&s, 0, sizeof(s));
	s.id = b.service_id;
	s.minutes = (int)((b.end - b.start) / 60);
	if ((rows = evbuffer_new()) == NULL) {
		booking_fail(req, BK_INTERNAL);
		return;
	}
	from = v[1].present && v[1].num > today ? v[1].num : today;
	if (v[0].present) {
		rc = pages_time_rows(req, &s, b.therapist_id, b.id, v[0].num,
		    "/manage/reschedule/confirm?x=1", rows, &count);
		pages_day_label(v[0].num, label, sizeof(label));
	} else
		rc = pages_day_rows(req, &s, b.therapist_id, b.id, from,
		    "/manage/reschedule?x=1", rows, &count);
	if (rc == -1) {
		evbuffer_free(rows);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	pages_when(b.start, b.end, when, sizeof(when));
	civil_format_date(from + PAGES_DAYS, date);
	snprintf(later, sizeof(later), "/manage/reschedule?from=%s", date);
	{
		const struct web_var vars[] = {
			{ "service", b.service_name },
			{ "therapist", b.therapist_name },
			{ "when", when },
			{ "day", label },
			{ "rows", pages_text(rows) },
			{ "empty", count == 0 ? "No free times here." : "" },
			{ "later", v[0].present ? "/manage/reschedule" : later },
			{ "later_label", v[0].present ? "Choose another day" :
			    "Later dates" },
			{ "list_class", v[0].present ? "choices times" : "choices" },
		};

		http_reply_page(req, 200, "Move your booking", "manage_reschedule",
		    vars, NELEM(vars));
	}
	evbuffer_free(rows);
}

void
pages_manage_reschedule_confirm(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[1];
	struct store_booking	 b;
	char			 when[128], now[128], start[CIVIL_RFC3339_MAX];

	if (pages_cookie_booking(req, &b) == -1 || pages_query(req, f, 1, v) == -1)
		return;
	pages_when(b.start, b.end, now, sizeof(now));
	pages_when(v[0].time, v[0].time + (b.end - b.start), when, sizeof(when));
	civil_format_rfc3339(v[0].time, start);
	{
		const struct web_var vars[] = {
			{ "service", b.service_name },
			{ "therapist", b.therapist_name },
			{ "now", now },
			{ "when", when },
			{ "start", start },
		};

		http_reply_page(req, 200, "Confirm the new time",
		    "manage_reschedule_confirm", vars, NELEM(vars));
	}
}

void
pages_manage_reschedule_post(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "start", INPUT_TIME, 1, 0, 0 },
	};
	struct input_value	 v[1];
	struct store_booking	 b;
	enum booking_status	 s;
	char			 err[INPUT_ERR_MAX];

	if (pages_cookie_booking(req, &b) == -1)
		return;
	if (input_form(req->body, f, 1, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((s = booking_reschedule(req->ctx, &b, v[0].time)) != BK_OK) {
		booking_fail(req, s);
		return;
	}
	http_redirect(req, "/manage/booking?done=moved");
}

void
pages_manage_ticket(struct http_req *req)
{
	struct store_booking	 b;

	if (pages_cookie_booking(req, &b) == -1)
		return;
	pages_booking_page(req, 200, "Ticket", "ticket_print", &b, NULL, NULL);
}

static void
pages_manage_image(struct http_req *req, int png)
{
	struct store_booking	 b;
	struct evbuffer		*buf;
	char			 ticket[TICKET_MAX];

	if (pages_cookie_booking(req, &b) == -1)
		return;
	if ((buf = evbuffer_new()) == NULL ||
	    ticket_sign(req->ctx->keys, b.ref, b.start, ticket) == -1 ||
	    (png ? qr_png(ticket, buf) : qr_svg(ticket, buf)) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	if (png)
		http_set_header(req, "Content-Disposition",
		    "attachment; filename=\"ticket.png\"");
	http_reply(req, 200, png ? "image/png" : "image/svg+xml", buf);
	evbuffer_free(buf);
}

void
pages_manage_ticket_png(struct http_req *req)
{
	pages_manage_image(req, 1);
}

void
pages_manage_ticket_svg(struct http_req *req)
{
	pages_manage_image(req, 0);
}

/* "20261130T080000Z" */
static void
pages_ics_time(time_t t, char out[20])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

void
pages_manage_ics(struct http_req *req)
{
	struct store_booking	 b;
	struct evbuffer		*buf;
	char			 start[20], end[20], stamp[20];

	if (pages_cookie_booking(req, &b) == -1)
		return;
	pages_ics_time(b.start, start);
	pages_ics_time(b.end, end);
	pages_ics_time(time(NULL), stamp);
	/* A neutral title and nothing about the practice (issue 3). */
	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add_printf(buf, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//saferoom//booking//EN\r\nBEGIN:VEVENT\r\n"
	    "UID:%s@saferoom.invalid\r\nDTSTAMP:%s\r\nDTSTART:%s\r\n"
	    "DTEND:%s\r\nSUMMARY:Appointment\r\nEND:VEVENT\r\n"
	    "END:VCALENDAR\r\n", b.ref, stamp, start, end) < 0) {
		if (buf != NULL)
			evbuffer_free(buf);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	http_set_header(req, "Content-Disposition",
	    "attachment; filename=\"appointment.ics\"");
	http_reply(req, 200, "text/calendar; charset=utf-8", buf);
	evbuffer_free(buf);
}

void
pages_manage_forget(struct http_req *req)
{
	http_set_cookie(req, PAGES_COOKIE, "", 0);
	http_redirect(req, "/");
}

static void
pages_redeemed(struct http_req *req, enum payment_status s,
    struct store_booking *b)
{
	if (s != PAY_OK) {
		payment_fail(req, s);
		return;
	}
	http_redirect(req, "/manage/booking?done=paid");
}

void
pages_manage_redeem(struct http_req *req)
{
	struct input_value	 v[1];
	struct store_booking	 b;

	if (pages_cookie_booking(req, &b) == -1 ||
	    pages_form_code(req, INPUT_TEXT_MAX,
	    "Please type the voucher code printed on your voucher.", v) == -1)
		return;
	payment_redeem(req, v[0].text, b.id, 0, pages_redeemed);
	input_wipe(v, 1);
}

/* One line of the receipt per ledger row that moved money for this booking. */
static int
pages_receipt_rows(struct http_req *req, const struct store_booking *b,
    struct evbuffer *rows, int64_t *total)
{
	static const struct {
		const char	*kind, *label;
		int		 sign;
	} kinds[] = {
		{ "payment", "Paid", 1 },
		{ "voucher_redeemed", "Paid with a voucher", 1 },
		{ "refund", "Refunded", -1 },
		{ "credit_issued", "Returned as a credit voucher", -1 },
	};
	struct store_ledger	*l = NULL;
	char			 day[CIVIL_DATE_MAX], money[48], what[64];
	size_t			 n, i, k;
	int			 rc = 0;

	*total = 0;
	if (store_ledger_for_ref(&req->ctx->store, b->ref, &l, &n) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		for (k = 0; k < NELEM(kinds); k++)
			if (strcmp(l[i].kind, kinds[k].kind) == 0)
				break;
		if (k == NELEM(kinds))
			continue;
		*total += kinds[k].sign * l[i].amount_cents;
		civil_format_date(l[i].day, day);
		(void)util_money(money, sizeof(money),
		    kinds[k].sign * l[i].amount_cents, l[i].currency);
		snprintf(what, sizeof(what), "%s%s%s", kinds[k].label,
		    strcmp(l[i].method, "voucher") != 0 && l[i].method[0] != '\0' ?
		    ", " : "", strcmp(l[i].method, "voucher") != 0 ?
		    l[i].method : "");
		{
			const struct web_var vars[] = {
				{ "day", day },
				{ "what", what },
				{ "amount", money },
			};

			rc = web_render(rows, "receipt_row", vars, NELEM(vars));
		}
	}
	free(l);
	return rc;
}

void
pages_manage_receipt(struct http_req *req)
{
	struct store_booking	 b;
	struct evbuffer		*rows;
	char			 when[128], total[48], address[256], tax[256];
	char			 today[CIVIL_DATE_MAX], practice[256];
	int64_t			 sum;

	if (pages_cookie_booking(req, &b) == -1)
		return;
	if ((rows = evbuffer_new()) == NULL ||
	    pages_receipt_rows(req, &b, rows, &sum) == -1 ||
	    settings_get(&req->ctx->store, "practice_address", address,
	    sizeof(address)) == -1 ||
	    settings_get(&req->ctx->store, "practice_tax_number", tax,
	    sizeof(tax)) == -1) {
		if (rows != NULL)
			evbuffer_free(rows);
		booking_fail(req, BK_INTERNAL);
		return;
	}
	pages_when(b.start, b.end, when, sizeof(when));
	(void)util_money(total, sizeof(total), sum, b.currency);
	civil_format_date(civil_today(), today);
	http_practice_name(req, practice, sizeof(practice));
	{
		const struct web_var vars[] = {
			{ "practice", practice },
			{ "address", address },
			{ "tax", tax },
			{ "today", today },
			{ "ref", b.ref },
			{ "service", b.service_name },
			{ "when", when },
			{ "rows", pages_text(rows) },
			{ "total", total },
		};

		http_reply_page(req, 200, "Receipt", "receipt", vars,
		    NELEM(vars));
	}
	evbuffer_free(rows);
}

void
pages_voucher_form(struct http_req *req)
{
	http_reply_page(req, 200, "Check a voucher", "voucher_form", NULL, 0);
}

static void
pages_voucher_checked(struct http_req *req, enum payment_status s,
    const struct store_voucher *v)
{
	char	 expires[CIVIL_DATE_MAX], money[48];
	const char *state;

	if (v == NULL) {
		payment_fail(req, s);
		return;
	}
	state = s == PAY_VOIDED ? "No longer valid" : s == PAY_EXPIRED ?
	    "Expired" : v->balance_cents == 0 ? "Used up" : "Valid";
	civil_format_date(v->expires_day, expires);
	(void)util_money(money, sizeof(money), v->balance_cents, v->currency);
	{
		const struct web_var vars[] = {
			{ "state", state },
			{ "balance", money },
			{ "expires", expires },
		};

		http_reply_page(req, 200, "Your voucher", "voucher_balance", vars,
		    NELEM(vars));
	}
}

void
pages_voucher_post(struct http_req *req)
{
	struct input_value	 v[1];

	if (pages_form_code(req, INPUT_TEXT_MAX,
	    "Please type the voucher code printed on your voucher.", v) == -1)
		return;
	payment_check(req, v[0].text, pages_voucher_checked);
	input_wipe(v, 1);
}
