/*
 * staffpages: the staff's pages; the contract is in
 * include/saferoom/staffpages.h, the rules are staff.c's and auth.c's.
 *
 * Every page is a template web/templates/staff_*.html, rendered with the
 * staff bar on top (who is signed in, the links their role may use, the
 * sign-out button) and the session's CSRF token for its forms. Values reach
 * a page only through {{x}}; {{{x}}} takes only fragments rendered here
 * from templates. Nothing about a client is shown beyond what staff.h
 * gives: a booking's time, service, therapist, money, status and the
 * staff_label() that names no one.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "saferoom/auth.h"
#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/log.h"
#include "saferoom/slots.h"
#include "saferoom/payment.h"
#include "saferoom/routes.h"
#include "saferoom/staff.h"
#include "saferoom/staffpages.h"
#include "saferoom/store.h"
#include "saferoom/ticket.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

#define STAFFPAGES_VARS_MAX	40	/* of a page, with bar and csrf */
#define STAFFPAGES_HREF_MAX	256
#define STAFFPAGES_TEXT_MAX	160
#define STAFFPAGES_CLOCK_MAX	16
#define STAFFPAGES_SPAN_MAX	(2 * STAFFPAGES_CLOCK_MAX + 8)
#define STAFFPAGES_CLASS_MAX	48
#define STAFFPAGES_NUM_MAX	24
#define STAFFPAGES_FIRST_HOUR	8	/* the rows of an empty week */
#define STAFFPAGES_LAST_HOUR	18
#define STAFFPAGES_OFF_DAYS	366	/* of a time off checked for bookings */

#define STAFFPAGES_ANYONE	(ROLE_ADMIN | ROLE_THERAPIST | ROLE_DESK)

static const char *const staffpages_weekdays[] = {
	"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};
static const char *const staffpages_wd_short[] = {
	"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
static const char *const staffpages_months[] = {
	"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* The links of the staff bar: who sees which. */
static const struct {
	const char	*href;
	const char	*label;
	unsigned	 roles;
} staffpages_nav[] = {
	{ "/staff", "Overview", ROLE_ADMIN },
	{ "/staff/calendar", "Calendar", STAFFPAGES_ANYONE },
	{ "/staff/desk", "Desk", ROLE_ADMIN | ROLE_DESK },
	{ "/staff/vouchers", "Vouchers", ROLE_ADMIN | ROLE_DESK },	/* deskpay.c */
	{ "/staff/report", "Report", ROLE_ADMIN | ROLE_DESK },	/* deskpay.c */
	{ "/staff/hours", "Hours", ROLE_ADMIN | ROLE_THERAPIST },
	{ "/staff/audit", "Audit log", ROLE_ADMIN },
	{ "/staff/account", "Account", STAFFPAGES_ANYONE },
};

/* What the page after a redirect says, by its "done" parameter. */
static const struct {
	const char	*done;
	const char	*notice;
} staffpages_notices[] = {
	{ "cancelled", "The session is cancelled. The client sees that the "
	    "practice cancelled it, with the reason if you gave one." },
	{ "missed", "The session is marked as missed." },
	{ "hours", "The hours are added." },
	{ "hours_removed", "The hours are removed." },
	{ "timeoff", "The time off is added." },
	{ "timeoff_removed", "The time off is removed." },
	{ "out", "You are signed out." },
	{ "password", "Your password is changed and you were signed out "
	    "everywhere. Please sign in with the new password." },
};

/* ---- small helpers ------------------------------------------------------ */

/* NUL-terminate buf and give its text. NULL when memory runs out. */
static const char *
staffpages_text(struct evbuffer *buf)
{
	if (evbuffer_add(buf, "", 1) == -1)
		return NULL;
	return (const char *)evbuffer_pullup(buf, -1);
}

static long
staffpages_today(void)
{
	long	 day;
	int	 minute;

	civil_utc_to_local(time(NULL), &day, &minute);
	return day;
}

/* The Monday of day's week. */
static long
staffpages_monday(long day)
{
	return day - (civil_weekday(day) - 1);
}

/* "09:30" for minutes since local midnight. */
static void
staffpages_hhmm(int minute, char out[STAFFPAGES_CLOCK_MAX])
{
	snprintf(out, STAFFPAGES_CLOCK_MAX, "%02d:%02d", minute / 60 % 100,
	    minute % 60);
}

/* "09:00–09:50" for a booking, in the clinic's zone. */
static void
staffpages_span(const struct store_booking *b, char *out, size_t outsz)
{
	char	 from[STAFFPAGES_CLOCK_MAX], to[STAFFPAGES_CLOCK_MAX];
	long	 day;
	int	 minute;

	civil_utc_to_local(b->start, &day, &minute);
	staffpages_hhmm(minute, from);
	civil_utc_to_local(b->end, &day, &minute);
	staffpages_hhmm(minute, to);
	snprintf(out, outsz, "%s\xe2\x80\x93%s", from, to);
}

/* "Monday 30 November 2026" */
static void
staffpages_day_label(long day, char *out, size_t outsz)
{
	int	 y, m, d;

	civil_ymd(day, &y, &m, &d);
	snprintf(out, outsz, "%s %d %s %d",
	    staffpages_weekdays[civil_weekday(day)], d, staffpages_months[m],
	    y);
}

/* "Monday 30 November 2026, 09:00–09:50" */
static void
staffpages_when(const struct store_booking *b, char *out, size_t outsz)
{
	char	 day[64], span[STAFFPAGES_SPAN_MAX];
	long	 d;
	int	 minute;

	civil_utc_to_local(b->start, &d, &minute);
	staffpages_day_label(d, day, sizeof(day));
	staffpages_span(b, span, sizeof(span));
	snprintf(out, outsz, "%s, %s", day, span);
}

/* A booking's status for staff, and a class for its colour. */
static const char *
staffpages_status_class(const struct store_booking *b)
{
	if (strcmp(b->status, "booked") == 0)
		return "st-booked";
	if (strcmp(b->status, "checked_in") == 0)
		return "st-in";
	if (strcmp(b->status, "no_show") == 0)
		return "st-missed";
	return "st-cancelled";
}

/* What is due on b, said for the desk: "90.00 EUR", "Paid", "Nothing". */
static void
staffpages_due(const struct store_booking *b, char *out, size_t outsz)
{
	int64_t	 due = booking_due(b);

	if (due > 0)
		(void)util_money(out, outsz, due, b->currency);
	else if (strcmp(b->status, "cancelled") == 0 || b->price_cents == 0)
		snprintf(out, outsz, "Nothing");
	else
		snprintf(out, outsz, "Paid");
}

/* The money line of a calendar entry: "due 90.00 EUR", "paid", "". */
static void
staffpages_money_note(const struct store_booking *b, char *out, size_t outsz)
{
	char	 money[48];
	int64_t	 due = booking_due(b);

	out[0] = '\0';
	if (strcmp(b->status, "cancelled") == 0)
		return;
	if (due == 0) {
		snprintf(out, outsz, "%s", b->price_cents > 0 ? "paid" : "");
		return;
	}
	(void)util_money(money, sizeof(money), due, b->currency);
	snprintf(out, outsz, "due %s", money);
}

/* "/staff/calendar?week=DATE[&therapist=ID]" (therapist 0: left out). */
static void
staffpages_week_href(long day, int64_t therapist, char *out, size_t outsz)
{
	char	 date[CIVIL_DATE_MAX];

	civil_format_date(staffpages_monday(day), date);
	if (therapist > 0)
		snprintf(out, outsz, "/staff/calendar?week=%s&therapist=%lld",
		    date, (long long)therapist);
	else
		snprintf(out, outsz, "/staff/calendar?week=%s", date);
}

static const char *
staffpages_role_label(enum store_role role)
{
	switch (role) {
	case ROLE_ADMIN:
		return "Admin";
	case ROLE_THERAPIST:
		return "Therapist";
	case ROLE_DESK:
		return "Front desk";
	}
	return "";
}

static const char *
staffpages_notice(struct http_req *req)
{
	const char	*done = evhttp_find_header(&req->query, "done");
	size_t		 i;

	if (done != NULL)
		for (i = 0; i < NELEM(staffpages_notices); i++)
			if (strcmp(done, staffpages_notices[i].done) == 0)
				return staffpages_notices[i].notice;
	return "";
}

/* <option value="V" selected>LABEL</option> */
static int
staffpages_option(struct evbuffer *out, long long value, const char *label,
    int selected)
{
	char			 num[STAFFPAGES_NUM_MAX];
	const struct web_var	 vars[] = {
		{ "value", num },
		{ "label", label },
		{ "selected", selected ? "selected" : "" },
	};

	snprintf(num, sizeof(num), "%lld", value);
	return web_render(out, "staff_option", vars, NELEM(vars));
}

/* ---- the frame of every signed-in page ---------------------------------- */

/* The staff bar for req's member into out. 0 or -1. */
static int
staffpages_bar(struct http_req *req, struct evbuffer *out)
{
	const struct auth_session	*a = req->session;
	struct evbuffer			*links;
	size_t				 i;
	int				 rc = -1;

	if ((links = evbuffer_new()) == NULL)
		return -1;
	for (i = 0; i < NELEM(staffpages_nav); i++) {
		const struct web_var	 link[] = {
			{ "href", staffpages_nav[i].href },
			{ "label", staffpages_nav[i].label },
			{ "current", strcmp(req->path,
			    staffpages_nav[i].href) == 0 ? "page" : "false" },
		};

		if (!(staffpages_nav[i].roles & (unsigned)a->staff.role))
			continue;
		if (web_render(links, "staff_nav_link", link,
		    NELEM(link)) == -1)
			goto done;
	}
	{
		const struct web_var	 vars[] = {
			{ "name", a->staff.display_name },
			{ "role", staffpages_role_label(a->staff.role) },
			{ "links", staffpages_text(links) },
			{ "csrf", a->csrf },
		};

		rc = web_render(out, "staff_bar", vars, NELEM(vars));
	}
done:
	evbuffer_free(links);
	return rc;
}

/*
 * Answer req with the page tmpl, given vars plus "bar" (the staff bar) and
 * "csrf" (for its forms). Frees req like http_reply_page(); returns -1 when
 * the page could not be made (a 500 is answered then).
 */
static int
staffpages_reply(struct http_req *req, int status, const char *title,
    const char *tmpl, const struct web_var *vars, size_t nvars)
{
	struct web_var	 all[STAFFPAGES_VARS_MAX];
	struct evbuffer	*bar;
	int		 rc;

	assert(req->session != NULL);
	assert(nvars + 2 <= NELEM(all));
	if ((bar = evbuffer_new()) == NULL || staffpages_bar(req, bar) == -1 ||
	    staffpages_text(bar) == NULL) {
		if (bar != NULL)
			evbuffer_free(bar);
		return http_error(req, 500, "internal_error",
		    "The page could not be made.");
	}
	all[0].name = "bar";
	all[0].value = (const char *)evbuffer_pullup(bar, -1);
	all[1].name = "csrf";
	all[1].value = req->session->csrf;
	if (nvars > 0)
		memcpy(all + 2, vars, nvars * sizeof(*vars));
	rc = http_reply_page(req, status, title, tmpl, all, nvars + 2);
	evbuffer_free(bar);
	return rc;
}

/*
 * Answer a signed-in member with a page that says what went wrong and
 * links back to where they were. Returns -1 always, so callers can return
 * it.
 */
static int
staffpages_fail(struct http_req *req, int status, const char *message,
    const char *back)
{
	const char	*heading;

	/* As http_error() does: a failure of ours is logged by route pattern. */
	if (http_storage_fault(req, status)) {
		status = 503;
		message = HTTP_STORAGE_MESSAGE;
	} else if (status >= 500)
		log_warnx("staffpages", "%s: %d", req->route != NULL ?
		    req->route->path : "(no route)", status);
	switch (status) {
	case 400:
		heading = "Please check what you entered";
		break;
	case 404:
		heading = "Not found";
		break;
	case 409:
		heading = "That is not possible now";
		break;
	case 503:
		heading = "Please try again in a few minutes";
		break;
	default:
		heading = "Something went wrong";
		break;
	}
	{
		const struct web_var	 vars[] = {
			{ "heading", heading },
			{ "message", message },
			{ "back", back },
			{ "back_label", "Go back" },
		};

		(void)staffpages_reply(req, status, heading, "staff_error",
		    vars, NELEM(vars));
	}
	return -1;
}

static int
staffpages_outcome(struct http_req *req, enum staff_status s, const char *back)
{
	return staffpages_fail(req, staff_status_http(s),
	    staff_status_message(s), back);
}

static int
staffpages_internal(struct http_req *req, const char *back)
{
	return staffpages_outcome(req, ST_INTERNAL, back);
}

/* Parse the query or the form into v, or answer 400 and return -1. */
static int
staffpages_query(struct http_req *req, const struct input_field *f, size_t n,
    struct input_value *v, const char *back)
{
	char	 err[INPUT_ERR_MAX];

	if (input_query(req->query_raw, f, n, v, err) == -1)
		return staffpages_fail(req, 400, err, back);
	return 0;
}

static int
staffpages_form(struct http_req *req, const struct input_field *f, size_t n,
    struct input_value *v, const char *back)
{
	char	 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, n, v, err) == -1)
		return staffpages_fail(req, 400, err, back);
	return 0;
}

/* ---- signing in and out ------------------------------------------------- */

#define STAFFPAGES_LOGIN_FAILED	"The username, password or code is not right."

/* The sign-in form with a message; username refilled when known. */
static void
staffpages_login_page(struct http_req *req, int status, const char *error,
    const char *username)
{
	const struct web_var	 vars[] = {
		{ "notice", error[0] == '\0' ? staffpages_notice(req) : "" },
		{ "error", error },
		{ "username", username },
		{ "user_focus", username[0] == '\0' ? "autofocus" : "" },
		{ "password_focus", username[0] != '\0' ? "autofocus" : "" },
	};

	http_reply_page(req, status, "Staff sign-in", "staff_login", vars,
	    NELEM(vars));
}

void
staffpages_login_form(struct http_req *req)
{
	staffpages_login_page(req, 200, "", "");
}

static const struct input_field staffpages_login_fields[] = {
	{ "username", INPUT_TEXT, 1, 1, STORE_USERNAME_MAX },
	{ "password", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
	{ "totp", INPUT_TEXT, 1, 6, 16 },
};

static void
staffpages_login_done(struct http_req *req, int ok,
    const struct auth_session *a)
{
	struct input_value	 v[NELEM(staffpages_login_fields)];
	char			 err[INPUT_ERR_MAX];

	if (ok) {
		http_redirect(req, "/staff");
		return;
	}
	/* The form is still req's body: give back the username alone. */
	if (input_form(req->body, staffpages_login_fields, 1, v, err) == -1)
		v[0].text[0] = '\0';
	staffpages_login_page(req, 401, STAFFPAGES_LOGIN_FAILED, v[0].text);
	input_wipe(v, NELEM(v));
}

/* Drop spaces from a typed code ("123 456"). */
static void
staffpages_squeeze(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++)
		if (*s != ' ')
			*w++ = *s;
	*w = '\0';
}

void
staffpages_login(struct http_req *req)
{
	struct input_value	 v[NELEM(staffpages_login_fields)];
	char			 err[INPUT_ERR_MAX];

	if (input_form(req->body, staffpages_login_fields, NELEM(v), v,
	    err) == -1) {
		input_wipe(v, NELEM(v));
		staffpages_login_page(req, 400, "Please type your username, "
		    "your password and the 6-digit code.", "");
		return;
	}
	staffpages_squeeze(v[2].text);
	/* auth answers 429 itself when the account or address is over. */
	auth_login(req, v[0].text, v[1].text, v[2].text, staffpages_login_done);
	input_wipe(v, NELEM(v));
}

void
staffpages_logout(struct http_req *req)
{
	if (auth_logout(req) == -1) {
		staffpages_internal(req, "/staff");
		return;
	}
	http_redirect(req, "/staff/login?done=out");
}

/* ---- the landing page --------------------------------------------------- */

void
staffpages_home(struct http_req *req)
{
	static const struct {
		const char	*href, *label, *note;
	} links[] = {
		{ "/staff/calendar", "Calendar", "the week of all therapists" },
		{ "/staff/desk", "Desk", "today's sessions and check-in" },
		{ "/staff/vouchers", "Vouchers", "sell and print vouchers, void "
		    "one" },
		{ "/staff/report", "Daily report",
		    "money by method, vouchers, the accounting export" },
		{ "/staff/hours", "Working hours",
		    "weekly hours and time off of each therapist" },
		{ "/staff/audit", "Audit log", "who changed what, and when" },
		{ "/staff/account", "Your account", "change your password" },
	};
	struct store_staff	*t = NULL;
	struct evbuffer		*rows = NULL, *ther = NULL;
	char			 href[STAFFPAGES_HREF_MAX];
	size_t			 n = 0, i;

	switch (req->session->staff.role) {
	case ROLE_THERAPIST:
		http_redirect(req, "/staff/calendar");
		return;
	case ROLE_DESK:
		http_redirect(req, "/staff/desk");
		return;
	case ROLE_ADMIN:
		break;
	}
	if ((rows = evbuffer_new()) == NULL ||
	    (ther = evbuffer_new()) == NULL ||
	    store_therapists(&req->ctx->store, &t, &n) == -1)
		goto fail;
	for (i = 0; i < NELEM(links); i++) {
		const struct web_var	 vars[] = {
			{ "href", links[i].href },
			{ "label", links[i].label },
			{ "note", links[i].note },
		};

		if (web_render(rows, "link_row", vars, NELEM(vars)) == -1)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		const struct web_var	 vars[] = {
			{ "href", href },
			{ "label", t[i].display_name },
			{ "note", "" },
		};

		staffpages_week_href(staffpages_today(), t[i].id, href,
		    sizeof(href));
		if (web_render(ther, "link_row", vars, NELEM(vars)) == -1)
			goto fail;
	}
	{
		const struct web_var	 vars[] = {
			{ "rows", staffpages_text(rows) },
			{ "therapists", staffpages_text(ther) },
			{ "empty", n == 0 ? "There are no therapists yet." :
			    "" },
		};

		staffpages_reply(req, 200, "Staff", "staff_home", vars,
		    NELEM(vars));
	}
	goto done;
fail:
	staffpages_internal(req, "/staff");
done:
	free(t);
	if (rows != NULL)
		evbuffer_free(rows);
	if (ther != NULL)
		evbuffer_free(ther);
}

/* ---- the week calendar -------------------------------------------------- */

/* What one week view shows. */
struct staffpages_week {
	long			 monday, today;
	int64_t			 therapist;	/* 0: all of them */
	struct slots_hours	*hours;		/* of one therapist: shading */
	size_t			 nhours;
	struct slots_off	*off;
	size_t			 noff;
	struct store_booking	*b;
	size_t			 nb;
	int			*bday, *bhour;	/* per booking: column, row */
	int			 first, last;	/* rows: hours [first, last) */
};

static void
staffpages_week_free(struct staffpages_week *w)
{
	free(w->hours);
	free(w->off);
	free(w->b);
	free(w->bday);
	free(w->bhour);
}

/* Widen the rows to show minutes [from, to) of a day. */
static void
staffpages_widen(struct staffpages_week *w, int from, int to)
{
	int	 a = from / 60, z = (to + 59) / 60;

	if (a < w->first)
		w->first = a;
	if (z > w->last)
		w->last = z;
}

static int
staffpages_is_off(const struct staffpages_week *w, long day)
{
	size_t	 i;

	for (i = 0; i < w->noff; i++)
		if (day >= w->off[i].from_day && day <= w->off[i].to_day)
			return 1;
	return 0;
}

static int
staffpages_is_open(const struct staffpages_week *w, long day, int hour)
{
	size_t	 i;
	int	 wd = civil_weekday(day);

	for (i = 0; i < w->nhours; i++)
		if (w->hours[i].weekday == wd &&
		    w->hours[i].from < (hour + 1) * 60 &&
		    w->hours[i].to > hour * 60)
			return 1;
	return 0;
}

/*
 * Read what the week shows: the bookings the member may see, and the
 * hours (and for one therapist, time off) that set its rows. t[0..nt) are
 * the therapists, for the view of all. 0 or -1.
 */
static int
staffpages_week_load(struct http_req *req, struct staffpages_week *w,
    const struct store_staff *t, size_t nt)
{
	struct store		*st = &req->ctx->store;
	struct slots_hours	*h;
	size_t			 nh, i, j;
	long			 day, eday;
	int			 minute, eminute;

	w->first = 24;
	w->last = 0;
	if (w->therapist != 0) {
		if (store_hours_of(st, w->therapist, &w->hours,
		    &w->nhours) == -1 ||
		    store_timeoff_of(st, w->therapist, w->monday, w->monday + 6,
		    &w->off, &w->noff) == -1)
			return -1;
		for (i = 0; i < w->nhours; i++)
			staffpages_widen(w, w->hours[i].from, w->hours[i].to);
	} else {
		for (j = 0; j < nt; j++) {
			if (store_hours_of(st, t[j].id, &h, &nh) == -1)
				return -1;
			for (i = 0; i < nh; i++)
				staffpages_widen(w, h[i].from, h[i].to);
			free(h);
		}
	}
	if (staff_calendar(req->ctx, req->session, w->monday, 7, w->therapist,
	    &w->b, &w->nb) == -1)
		return -1;
	if (w->nb > 0 && ((w->bday = calloc(w->nb, sizeof(int))) == NULL ||
	    (w->bhour = calloc(w->nb, sizeof(int))) == NULL))
		return -1;
	for (i = 0; i < w->nb; i++) {
		civil_utc_to_local(w->b[i].start, &day, &minute);
		civil_utc_to_local(w->b[i].end, &eday, &eminute);
		/* A session begun the Sunday before is not in this week. */
		w->bday[i] = day >= w->monday && day < w->monday + 7 ?
		    (int)(day - w->monday) : -1;
		w->bhour[i] = minute / 60;
		if (w->bday[i] >= 0)
			staffpages_widen(w, minute,
			    eday > day ? 24 * 60 : eminute);
	}
	if (w->first >= w->last) {
		w->first = STAFFPAGES_FIRST_HOUR;
		w->last = STAFFPAGES_LAST_HOUR;
	}
	return 0;
}

/* The column heads: weekday, date, "Today", "Time off". */
static int
staffpages_week_head(const struct staffpages_week *w, struct evbuffer *out)
{
	char	 date[32], tag[32], cls[STAFFPAGES_CLASS_MAX];
	long	 day;
	int	 y, m, d, today, off;

	for (day = w->monday; day < w->monday + 7; day++) {
		const struct web_var	 vars[] = {
			{ "class", cls },
			{ "weekday", staffpages_wd_short[civil_weekday(day)] },
			{ "date", date },
			{ "tag", tag },
		};

		civil_ymd(day, &y, &m, &d);
		snprintf(date, sizeof(date), "%d %.3s", d,
		    staffpages_months[m]);
		today = day == w->today;
		off = staffpages_is_off(w, day);
		snprintf(tag, sizeof(tag), "%s%s%s", today ? "Today" : "",
		    today && off ? ", " : "", off ? "time off" : "");
		if (tag[0] >= 'a' && tag[0] <= 'z')
			tag[0] = (char)(tag[0] - 'a' + 'A');
		snprintf(cls, sizeof(cls), "%s%s", today ? "today " : "",
		    off ? "off" : "");
		if (web_render(out, "staff_cal_head", vars, NELEM(vars)) == -1)
			return -1;
	}
	return 0;
}

/* One session in a cell. */
static int
staffpages_week_entry(const struct staffpages_week *w,
    const struct store_booking *b, struct evbuffer *out)
{
	char	 href[STAFFPAGES_HREF_MAX], span[STAFFPAGES_SPAN_MAX];
	char	 label[16], money[64];
	const struct web_var	 vars[] = {
		{ "class", staffpages_status_class(b) },
		{ "href", href },
		{ "time", span },
		{ "label", label },
		{ "service", b->service_name },
		{ "therapist", w->therapist == 0 ? b->therapist_name : "" },
		{ "status", booking_status_text(b, 1) },
		{ "money", money },
	};

	if (web_href(href, sizeof(href), "/staff/booking", "ref", b->ref) == -1)
		return -1;
	staffpages_span(b, span, sizeof(span));
	staff_label(b, label);
	staffpages_money_note(b, money, sizeof(money));
	return web_render(out, "staff_cal_entry", vars, NELEM(vars));
}

/* The rows: one per hour, a cell per day with the sessions that start in it. */
static int
staffpages_week_rows(const struct staffpages_week *w, struct evbuffer *out)
{
	struct evbuffer	*cells = NULL, *entries = NULL;
	char		 hour[STAFFPAGES_CLOCK_MAX], cls[STAFFPAGES_CLASS_MAX];
	size_t		 i;
	int		 h, d, off, rc = -1;

	if ((cells = evbuffer_new()) == NULL ||
	    (entries = evbuffer_new()) == NULL)
		goto done;
	for (h = w->first; h < w->last; h++) {
		evbuffer_drain(cells, evbuffer_get_length(cells));
		for (d = 0; d < 7; d++) {
			evbuffer_drain(entries, evbuffer_get_length(entries));
			for (i = 0; i < w->nb; i++)
				if (w->bday[i] == d && w->bhour[i] == h &&
				    staffpages_week_entry(w, &w->b[i],
				    entries) == -1)
					goto done;
			off = staffpages_is_off(w, w->monday + d);
			snprintf(cls, sizeof(cls), "%s%s%s",
			    w->monday + d == w->today ? "today " : "",
			    off ? "off " : "",
			    !off && staffpages_is_open(w, w->monday + d, h) ?
			    "open" : "");
			{
				const struct web_var	 vars[] = {
					{ "class", cls },
					{ "entries", staffpages_text(entries) },
				};

				if (vars[1].value == NULL ||
				    web_render(cells, "staff_cal_cell", vars,
				    NELEM(vars)) == -1)
					goto done;
			}
		}
		staffpages_hhmm(h * 60, hour);
		{
			const struct web_var	 vars[] = {
				{ "hour", hour },
				{ "cells", staffpages_text(cells) },
			};

			if (vars[1].value == NULL ||
			    web_render(out, "staff_cal_row", vars,
			    NELEM(vars)) == -1)
				goto done;
		}
	}
	rc = 0;
done:
	if (cells != NULL)
		evbuffer_free(cells);
	if (entries != NULL)
		evbuffer_free(entries);
	return rc;
}

/* "2–8 March 2026", "30 March – 5 April 2026", or both years in full. */
static void
staffpages_week_label(long monday, char *out, size_t outsz)
{
	int	 y1, m1, d1, y2, m2, d2;

	civil_ymd(monday, &y1, &m1, &d1);
	civil_ymd(monday + 6, &y2, &m2, &d2);
	if (y1 == y2 && m1 == m2)
		snprintf(out, outsz, "%d\xe2\x80\x93%d %s %d", d1, d2,
		    staffpages_months[m1], y1);
	else if (y1 == y2)
		snprintf(out, outsz, "%d %s \xe2\x80\x93 %d %s %d", d1,
		    staffpages_months[m1], d2, staffpages_months[m2], y1);
	else
		snprintf(out, outsz, "%d %s %d \xe2\x80\x93 %d %s %d", d1,
		    staffpages_months[m1], y1, d2, staffpages_months[m2], y2);
}

void
staffpages_calendar(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "week", INPUT_DATE, 0, 0, 0 },
		{ "therapist", INPUT_INT, 0, 0, INT32_MAX },	/* 0: all */
	};
	const struct auth_session	*a = req->session;
	struct input_value		 v[2];
	struct staffpages_week		 w;
	struct store_staff		*t = NULL;
	struct evbuffer			*head = NULL, *rows = NULL;
	struct evbuffer			*opts = NULL;
	char				 heading[96], who[STORE_NAME_MAX + 16];
	char				 caption[STAFFPAGES_TEXT_MAX * 2];
	char				 prev[STAFFPAGES_HREF_MAX];
	char				 next[STAFFPAGES_HREF_MAX];
	char				 now[STAFFPAGES_HREF_MAX];
	char				 week[CIVIL_DATE_MAX];
	size_t				 nt = 0, i, shown = 0;
	int				 therapist_view;

	memset(&w, 0, sizeof(w));
	therapist_view = a->staff.role == ROLE_THERAPIST;
	if (staffpages_query(req, f, NELEM(f), v, "/staff/calendar") == -1)
		return;
	w.today = staffpages_today();
	w.monday = staffpages_monday(v[0].present ? v[0].num : w.today);
	if (therapist_view) {
		w.therapist = a->staff.id;
		snprintf(who, sizeof(who), "%s", a->staff.display_name);
	} else {
		w.therapist = v[1].present ? v[1].num : 0;
		if (store_therapists(&req->ctx->store, &t, &nt) == -1)
			goto fail;
		snprintf(who, sizeof(who), "All therapists");
		for (i = 0; i < nt && w.therapist != 0; i++)
			if (t[i].id == w.therapist)
				break;
		if (w.therapist != 0 && i == nt) {
			free(t);
			staffpages_fail(req, 404, "There is no such therapist.",
			    "/staff/calendar");
			return;
		}
		if (w.therapist != 0)
			snprintf(who, sizeof(who), "%s", t[i].display_name);
	}
	if ((head = evbuffer_new()) == NULL ||
	    (rows = evbuffer_new()) == NULL ||
	    (opts = evbuffer_new()) == NULL ||
	    staffpages_week_load(req, &w, t, nt) == -1 ||
	    staffpages_week_head(&w, head) == -1 ||
	    staffpages_week_rows(&w, rows) == -1)
		goto fail;
	if (!therapist_view) {
		if (staffpages_option(opts, 0, "All therapists",
		    w.therapist == 0) == -1)
			goto fail;
		for (i = 0; i < nt; i++)
			if (staffpages_option(opts, t[i].id, t[i].display_name,
			    t[i].id == w.therapist) == -1)
				goto fail;
	}
	for (i = 0; i < w.nb; i++)
		if (w.bday[i] >= 0)
			shown++;
	staffpages_week_label(w.monday, heading, sizeof(heading));
	snprintf(caption, sizeof(caption), "Sessions of %s, %s",
	    w.therapist == 0 ? "all therapists" : who, heading);
	staffpages_week_href(w.monday - 7, therapist_view ? 0 : w.therapist,
	    prev, sizeof(prev));
	staffpages_week_href(w.monday + 7, therapist_view ? 0 : w.therapist,
	    next, sizeof(next));
	staffpages_week_href(w.today, therapist_view ? 0 : w.therapist, now,
	    sizeof(now));
	civil_format_date(w.monday, week);
	{
		const struct web_var	 vars[] = {
			{ "heading", heading },
			{ "who", who },
			{ "prev", prev },
			{ "next", next },
			{ "this_week", now },
			{ "week", week },
			{ "picker", therapist_view ? "hidden" : "" },
			{ "options", staffpages_text(opts) },
			{ "caption", caption },
			{ "head", staffpages_text(head) },
			{ "rows", staffpages_text(rows) },
			{ "empty", shown == 0 ? "No sessions this week." : "" },
		};

		staffpages_reply(req, 200, "Calendar", "staff_calendar", vars,
		    NELEM(vars));
	}
	goto done;
fail:
	staffpages_internal(req, "/staff");
done:
	staffpages_week_free(&w);
	free(t);
	if (head != NULL)
		evbuffer_free(head);
	if (rows != NULL)
		evbuffer_free(rows);
	if (opts != NULL)
		evbuffer_free(opts);
}

/* ---- one booking -------------------------------------------------------- */

static const struct input_field staffpages_ref_field = {
	"ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1
};

void
staffpages_booking(struct http_req *req)
{
	const struct auth_session	*a = req->session;
	struct input_value		 v[1];
	struct store_booking		 b;
	struct evbuffer			*reason = NULL;
	enum staff_status		 s;
	char				 label[16], when[128];
	char				 back[STAFFPAGES_HREF_MAX];
	char				 price[48], paid[48], due[48];
	char				 pay[STAFFPAGES_HREF_MAX];
	long				 day;
	int				 minute, front, booked;

	if (staffpages_query(req, &staffpages_ref_field, 1, v,
	    "/staff/calendar") == -1)
		return;
	if ((s = staff_booking(req->ctx, a, v[0].text, &b)) != ST_OK) {
		staffpages_outcome(req, s, "/staff/calendar");
		return;
	}
	if ((reason = evbuffer_new()) == NULL) {
		staffpages_internal(req, "/staff/calendar");
		return;
	}
	if (b.cancel_reason[0] != '\0') {
		const struct web_var	 vars[] = {
			{ "term", "Reason given" },
			{ "value", b.cancel_reason },
		};

		if (web_render(reason, "staff_dd", vars, NELEM(vars)) == -1)
			goto fail;
	}
	staff_label(&b, label);
	staffpages_when(&b, when, sizeof(when));
	civil_utc_to_local(b.start, &day, &minute);
	staffpages_week_href(day, a->staff.role == ROLE_THERAPIST ? 0 :
	    b.therapist_id, back, sizeof(back));
	(void)util_money(price, sizeof(price), b.price_cents, b.currency);
	(void)util_money(paid, sizeof(paid), b.paid_cents, b.currency);
	staffpages_due(&b, due, sizeof(due));
	front = (a->staff.role & (ROLE_ADMIN | ROLE_DESK)) != 0;
	booked = strcmp(b.status, "booked") == 0;
	/* The desk takes payment on deskpay.c's page. */
	if (web_href(pay, sizeof(pay), "/staff/pay", "ref", b.ref) == -1)
		goto fail;
	{
		const struct web_var	 vars[] = {
			{ "label", label },
			{ "notice", staffpages_notice(req) },
			{ "status", booking_status_text(&b, 1) },
			{ "status_class", staffpages_status_class(&b) },
			{ "reason_row", staffpages_text(reason) },
			{ "when", when },
			{ "service", b.service_name },
			{ "therapist", b.therapist_name },
			{ "ref", b.ref },
			{ "price", price },
			{ "paid", paid },
			{ "due", due },
			{ "actions", booked ? "" : "hidden" },
			/* A no-show only once the session has begun. */
			{ "noshow", front && time(NULL) >= b.start ? "" :
			    "hidden" },
			{ "back", back },
			{ "pay_href", pay },
			{ "pay_hidden", front && booking_due(&b) > 0 &&
			    strcmp(b.status, "cancelled") != 0 ? "" : "hidden" },
		};

		staffpages_reply(req, 200, "Session", "staff_booking", vars,
		    NELEM(vars));
	}
	evbuffer_free(reason);
	return;
fail:
	evbuffer_free(reason);
	staffpages_internal(req, "/staff/calendar");
}

/* After a change to booking ref: back to its page saying done. */
static void
staffpages_booking_changed(struct http_req *req, const char *ref,
    enum staff_status s, const char *done)
{
	char	 href[STAFFPAGES_HREF_MAX];

	if (web_href(href, sizeof(href), "/staff/booking", "ref", ref) == -1) {
		staffpages_internal(req, "/staff/calendar");
		return;
	}
	if (s != ST_OK) {
		staffpages_outcome(req, s, href);
		return;
	}
	/* Post/Redirect/Get: a reload of the page sends nothing again. */
	strncat(href, "&done=", sizeof(href) - strlen(href) - 1);
	strncat(href, done, sizeof(href) - strlen(href) - 1);
	http_redirect(req, href);
}

static void
staffpages_cancelled(struct http_req *req, enum staff_status s,
    struct store_booking *b)
{
	staffpages_booking_changed(req, b->ref, s, "cancelled");
}

void
staffpages_cancel(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ref", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "reason", INPUT_TEXT, 0, 0, STORE_REASON_MAX },
		{ "refund", INPUT_TEXT, 0, 4, 6 },
		{ "confirm", INPUT_TEXT, 0, 3, 3 },
	};
	struct input_value	 v[4];
	char			 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, NELEM(f), v, err) == -1) {
		snprintf(err, sizeof(err), "The reason must be one line of at "
		    "most %d characters, without spaces at its start or end.",
		    STORE_REASON_MAX);
		staffpages_fail(req, 400, err, "/staff/calendar");
		return;
	}
	/* One misclick must not cancel a client's session: the box is asked. */
	if (!v[3].present || strcmp(v[3].text, "yes") != 0) {
		staffpages_fail(req, 400, "Tick \"Yes, cancel this session\" to "
		    "cancel it.", "/staff/calendar");
		return;
	}
	payment_practice_cancel(req, v[0].text, v[1].present ? v[1].text : NULL,
	    v[2].present && strcmp(v[2].text, "credit") == 0,
	    staffpages_cancelled);
}

void
staffpages_noshow(struct http_req *req)
{
	struct input_value	 v[1];
	struct store_booking	 b;

	if (staffpages_form(req, &staffpages_ref_field, 1, v,
	    "/staff/calendar") == -1)
		return;
	staffpages_booking_changed(req, v[0].text, staff_noshow(req->ctx,
	    req->session, v[0].text, &b), "missed");
}

/* ---- hours and time off ------------------------------------------------- */

static const struct input_field staffpages_therapist_field = {
	"therapist", INPUT_INT, 0, 1, INT32_MAX
};

/*
 * Whose hours a request is about: a therapist's own; for an admin the
 * therapist named by requested (0: the first therapist, when pick_first).
 * Fills t. Returns 0, or -1 after answering 404 (no such therapist).
 */
static int
staffpages_subject(struct http_req *req, int64_t requested, int pick_first,
    struct store_staff *t)
{
	const struct auth_session	*a = req->session;
	struct store_staff		*all = NULL;
	size_t				 n;
	int64_t				 id;

	if (a->staff.role != ROLE_THERAPIST && requested <= 0 && pick_first) {
		if (store_therapists(&req->ctx->store, &all, &n) == -1)
			return staffpages_internal(req, "/staff");
		requested = n > 0 ? all[0].id : 0;
		free(all);
		if (requested == 0)
			return staffpages_fail(req, 404, "There are no "
			    "therapists yet. Add one with \"saferoomctl staff "
			    "add --role therapist\".", "/staff");
	}
	id = staff_subject(a, requested);
	switch (store_therapist_get(&req->ctx->store, id, t)) {
	case 0:
		return 0;
	case 1:
		return staffpages_fail(req, 404, "There is no such therapist.",
		    "/staff/hours");
	default:
		return staffpages_internal(req, "/staff/hours");
	}
}

/* Sessions still booked of therapist on days [from, to], from today on. */
static int
staffpages_booked_in(struct http_req *req, int64_t therapist, long from,
    long to, size_t *count)
{
	struct store_booking	*b;
	size_t			 n, i;
	long			 today = staffpages_today(), day;
	int			 len;

	*count = 0;
	if (from < today)
		from = today;
	if (to > today + STAFFPAGES_OFF_DAYS)
		to = today + STAFFPAGES_OFF_DAYS;
	for (day = from; day <= to; day += len) {
		len = to - day + 1 > STAFF_CALENDAR_DAYS_MAX ?
		    STAFF_CALENDAR_DAYS_MAX : (int)(to - day + 1);
		if (staff_calendar(req->ctx, req->session, day, len, therapist,
		    &b, &n) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(b[i].status, "booked") == 0)
				(*count)++;
		free(b);
	}
	return 0;
}

static int
staffpages_hours_rows(struct http_req *req, const struct store_staff *t,
    struct evbuffer *out, size_t *count)
{
	struct store_hours_entry	*h = NULL;
	char				 id[STAFFPAGES_NUM_MAX];
	char				 tid[STAFFPAGES_NUM_MAX];
	char				 from[STAFFPAGES_CLOCK_MAX];
	char				 to[STAFFPAGES_CLOCK_MAX];
	size_t				 n, i;

	if (store_hours_list(&req->ctx->store, t->id, &h, &n) == -1)
		return -1;
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	for (i = 0; i < n; i++) {
		const struct web_var	 vars[] = {
			{ "csrf", req->session->csrf },
			{ "therapist", tid },
			{ "id", id },
			{ "day", h[i].weekday >= 1 && h[i].weekday <= 7 ?
			    staffpages_weekdays[h[i].weekday] : "?" },
			{ "from", from },
			{ "to", to },
		};

		snprintf(id, sizeof(id), "%lld", (long long)h[i].id);
		staffpages_hhmm(h[i].from, from);
		staffpages_hhmm(h[i].to, to);
		if (web_render(out, "staff_hours_row", vars,
		    NELEM(vars)) == -1) {
			free(h);
			return -1;
		}
	}
	free(h);
	*count = n;
	return 0;
}

static int
staffpages_off_rows(struct http_req *req, const struct store_staff *t,
    struct evbuffer *out, size_t *count)
{
	struct store_timeoff_entry	*o = NULL;
	char				 id[STAFFPAGES_NUM_MAX];
	char				 tid[STAFFPAGES_NUM_MAX];
	char				 from[64], to[64], booked[48];
	char				 href[STAFFPAGES_HREF_MAX];
	size_t				 n, i, nb;
	long				 today = staffpages_today();
	int				 rc = -1;

	if (store_timeoff_list(&req->ctx->store, t->id, today, &o, &n) == -1)
		return -1;
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	for (i = 0; i < n; i++) {
		if (staffpages_booked_in(req, t->id, o[i].from_day, o[i].to_day,
		    &nb) == -1)
			goto done;
		snprintf(id, sizeof(id), "%lld", (long long)o[i].id);
		staffpages_day_label(o[i].from_day, from, sizeof(from));
		staffpages_day_label(o[i].to_day, to, sizeof(to));
		snprintf(booked, sizeof(booked), "%zu session%s: see the "
		    "calendar", nb, nb == 1 ? "" : "s");
		staffpages_week_href(o[i].from_day > today ? o[i].from_day :
		    today, t->id, href, sizeof(href));
		{
			const struct web_var	 vars[] = {
				{ "csrf", req->session->csrf },
				{ "therapist", tid },
				{ "id", id },
				{ "from", from },
				{ "to", to },
				{ "href", href },
				{ "booked", booked },
				{ "booked_hidden", nb > 0 ? "" : "hidden" },
				{ "none", nb > 0 ? "" : "None" },
			};

			if (web_render(out, "staff_timeoff_row", vars,
			    NELEM(vars)) == -1)
				goto done;
		}
	}
	*count = n;
	rc = 0;
done:
	free(o);
	return rc;
}

void
staffpages_hours(struct http_req *req)
{
	const struct auth_session	*a = req->session;
	struct input_value		 v[1];
	struct store_staff		 t, *all = NULL;
	struct evbuffer			*hours = NULL, *off = NULL;
	struct evbuffer			*opts = NULL, *days = NULL;
	char				 tid[STAFFPAGES_NUM_MAX];
	size_t				 nh = 0, no = 0, nall = 0, i;
	int				 admin = a->staff.role == ROLE_ADMIN;

	if (staffpages_query(req, &staffpages_therapist_field, 1, v,
	    "/staff/hours") == -1 ||
	    staffpages_subject(req, v[0].present ? v[0].num : 0, 1, &t) == -1)
		return;
	if ((hours = evbuffer_new()) == NULL ||
	    (off = evbuffer_new()) == NULL ||
	    (opts = evbuffer_new()) == NULL ||
	    (days = evbuffer_new()) == NULL ||
	    staffpages_hours_rows(req, &t, hours, &nh) == -1 ||
	    staffpages_off_rows(req, &t, off, &no) == -1)
		goto fail;
	if (admin) {
		if (store_therapists(&req->ctx->store, &all, &nall) == -1)
			goto fail;
		for (i = 0; i < nall; i++)
			if (staffpages_option(opts, all[i].id,
			    all[i].display_name, all[i].id == t.id) == -1)
				goto fail;
	}
	for (i = 1; i <= 7; i++)
		if (staffpages_option(days, (long long)i,
		    staffpages_weekdays[i], i == 1) == -1)
			goto fail;
	snprintf(tid, sizeof(tid), "%lld", (long long)t.id);
	{
		const struct web_var	 vars[] = {
			{ "who", t.display_name },
			{ "picker", admin ? "" : "hidden" },
			{ "options", staffpages_text(opts) },
			{ "notice", staffpages_notice(req) },
			{ "hours_empty", nh == 0 ? "No weekly hours are set: "
			    "clients cannot book this therapist." : "" },
			{ "hours_table", nh == 0 ? "hidden" : "" },
			{ "hours", staffpages_text(hours) },
			{ "therapist", tid },
			{ "weekdays", staffpages_text(days) },
			{ "off_empty", no == 0 ? "No time off ahead." : "" },
			{ "off_table", no == 0 ? "hidden" : "" },
			{ "off", staffpages_text(off) },
		};

		staffpages_reply(req, 200, "Working hours", "staff_hours", vars,
		    NELEM(vars));
	}
	goto done;
fail:
	staffpages_internal(req, "/staff");
done:
	free(all);
	if (hours != NULL)
		evbuffer_free(hours);
	if (off != NULL)
		evbuffer_free(off);
	if (opts != NULL)
		evbuffer_free(opts);
	if (days != NULL)
		evbuffer_free(days);
}

/* After a change to t's hours: the outcome page, or back to the list. */
static void
staffpages_hours_changed(struct http_req *req, const struct store_staff *t,
    enum staff_status s, const char *done)
{
	char	 href[STAFFPAGES_HREF_MAX];

	snprintf(href, sizeof(href), "/staff/hours?therapist=%lld",
	    (long long)t->id);
	if (s != ST_OK) {
		staffpages_outcome(req, s, href);
		return;
	}
	snprintf(href, sizeof(href), "/staff/hours?therapist=%lld&done=%s",
	    (long long)t->id, done);
	http_redirect(req, href);
}

void
staffpages_hours_add(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "weekday", INPUT_INT, 1, 1, 7 },
		{ "from", INPUT_TEXT, 1, 1, 8 },
		{ "to", INPUT_TEXT, 1, 1, 8 },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
	};
	struct input_value	 v[NELEM(f)];
	struct store_staff	 t;
	int			 from, to;

	if (staffpages_form(req, f, NELEM(f), v, "/staff/hours") == -1 ||
	    staffpages_subject(req, v[3].present ? v[3].num : 0, 0, &t) == -1)
		return;
	if (util_parse_hhmm(v[1].text, &from) == -1 ||
	    util_parse_hhmm(v[2].text, &to) == -1 || from >= to) {
		staffpages_fail(req, 400, "\"From\" and \"To\" must be times "
		    "of day such as 09:00 and 12:30, with \"From\" the "
		    "earlier.", "/staff/hours");
		return;
	}
	staffpages_hours_changed(req, &t, staff_hours_add(req->ctx,
	    req->session, t.id, (int)v[0].num, from, to), "hours");
}

static const struct input_field staffpages_delete_fields[] = {
	{ "id", INPUT_INT, 1, 1, INT64_MAX / 2 },
	{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
};

void
staffpages_hours_delete(struct http_req *req)
{
	struct input_value	 v[NELEM(staffpages_delete_fields)];
	struct store_staff	 t;

	if (staffpages_form(req, staffpages_delete_fields, NELEM(v), v,
	    "/staff/hours") == -1 ||
	    staffpages_subject(req, v[1].present ? v[1].num : 0, 0, &t) == -1)
		return;
	staffpages_hours_changed(req, &t, staff_hours_delete(req->ctx,
	    req->session, t.id, v[0].num), "hours_removed");
}

void
staffpages_timeoff_add(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "from", INPUT_DATE, 1, 0, 0 },
		{ "to", INPUT_DATE, 0, 0, 0 },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
	};
	struct input_value	 v[NELEM(f)];
	struct store_staff	 t;
	long			 to;

	if (staffpages_form(req, f, NELEM(f), v, "/staff/hours") == -1 ||
	    staffpages_subject(req, v[2].present ? v[2].num : 0, 0, &t) == -1)
		return;
	to = v[1].present ? v[1].num : v[0].num;
	if (to < v[0].num) {
		staffpages_fail(req, 400, "The last day of the time off must "
		    "not be before its first day.", "/staff/hours");
		return;
	}
	staffpages_hours_changed(req, &t, staff_timeoff_add(req->ctx,
	    req->session, t.id, v[0].num, to), "timeoff");
}

void
staffpages_timeoff_delete(struct http_req *req)
{
	struct input_value	 v[NELEM(staffpages_delete_fields)];
	struct store_staff	 t;

	if (staffpages_form(req, staffpages_delete_fields, NELEM(v), v,
	    "/staff/hours") == -1 ||
	    staffpages_subject(req, v[1].present ? v[1].num : 0, 0, &t) == -1)
		return;
	staffpages_hours_changed(req, &t, staff_timeoff_delete(req->ctx,
	    req->session, t.id, v[0].num), "timeoff_removed");
}

/* ---- the desk ----------------------------------------------------------- */

/* What a scan did, for the box under the check-in field. */
struct staffpages_scan {
	int				 status;
	const char			*title, *text;
	const char			*klass;		/* ok, warn, bad */
	const struct store_booking	*b;		/* or NULL */
};

/* The desk's rows: today's sessions of all therapists. */
static int
staffpages_desk_rows(struct http_req *req, long today, struct evbuffer *out,
    size_t *count)
{
	struct store_booking	*b = NULL;
	char			 href[STAFFPAGES_HREF_MAX];
	char			 span[STAFFPAGES_SPAN_MAX], label[16], due[48];
	char			 pay[STAFFPAGES_HREF_MAX];
	size_t			 n, i;
	long			 day;
	int			 minute, rc = -1;

	*count = 0;
	if (staff_calendar(req->ctx, req->session, today, 1, 0, &b, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		const struct web_var	 vars[] = {
			{ "class", staffpages_status_class(&b[i]) },
			{ "time", span },
			{ "therapist", b[i].therapist_name },
			{ "href", href },
			{ "label", label },
			{ "service", b[i].service_name },
			{ "status", booking_status_text(&b[i], 1) },
			{ "due", due },
			{ "pay_href", pay },
			{ "pay_hidden", booking_due(&b[i]) > 0 &&
			    strcmp(b[i].status, "cancelled") != 0 ? "" :
			    "hidden" },
		};

		/* Only sessions that begin today; not last night's late one. */
		civil_utc_to_local(b[i].start, &day, &minute);
		if (day != today)
			continue;
		if (web_href(href, sizeof(href), "/staff/booking", "ref", b[i].ref) == -1 ||
		    web_href(pay, sizeof(pay), "/staff/pay", "ref", b[i].ref) == -1)
			goto done;
		staffpages_span(&b[i], span, sizeof(span));
		staff_label(&b[i], label);
		staffpages_due(&b[i], due, sizeof(due));
		if (web_render(out, "staff_desk_row", vars, NELEM(vars)) == -1)
			goto done;
		(*count)++;
	}
	rc = 0;
done:
	free(b);
	return rc;
}

/* The desk page, with the outcome of a scan when r is not NULL. */
static void
staffpages_desk_page(struct http_req *req, const struct staffpages_scan *r)
{
	const struct store_booking	*b = r != NULL ? r->b : NULL;
	struct evbuffer			*rows;
	char				 today[64], when[128];
	char				 label[16], due[48];
	char				 href[STAFFPAGES_HREF_MAX];
	size_t				 n;
	long				 day = staffpages_today();

	when[0] = label[0] = due[0] = href[0] = '\0';
	if ((rows = evbuffer_new()) == NULL ||
	    staffpages_desk_rows(req, day, rows, &n) == -1 ||
	    (b != NULL && web_href(href, sizeof(href), "/staff/booking", "ref",
	    b->ref) == -1)) {
		if (rows != NULL)
			evbuffer_free(rows);
		staffpages_internal(req, "/staff/desk");
		return;
	}
	staffpages_day_label(day, today, sizeof(today));
	if (b != NULL) {
		staffpages_when(b, when, sizeof(when));
		staff_label(b, label);
		staffpages_due(b, due, sizeof(due));
	}
	{
		const struct web_var	 vars[] = {
			{ "result_hidden", r == NULL ? "hidden" : "" },
			{ "result_class", r != NULL ? r->klass : "" },
			{ "result_role", r != NULL && r->status != 200 ?
			    "alert" : "status" },
			{ "result_title", r != NULL ? r->title : "" },
			{ "result_text", r != NULL ? r->text : "" },
			{ "result_booking", b != NULL ? "" : "hidden" },
			{ "therapist", b != NULL ? b->therapist_name : "" },
			{ "when", when },
			{ "service", b != NULL ? b->service_name : "" },
			{ "label", label },
			{ "due", due },
			{ "status", b != NULL ? booking_status_text(b, 1) :
			    "" },
			{ "href", b != NULL ? href : "" },
			{ "today", today },
			{ "empty", n == 0 ? "No sessions today." : "" },
			{ "table", n == 0 ? "hidden" : "" },
			{ "rows", staffpages_text(rows) },
		};

		staffpages_reply(req, r != NULL ? r->status : 200, "Desk",
		    "staff_desk", vars, NELEM(vars));
	}
	evbuffer_free(rows);
}

void
staffpages_desk(struct http_req *req)
{
	staffpages_desk_page(req, NULL);
}

void
staffpages_checkin(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ticket", INPUT_TEXT, 1, 1, TICKET_MAX },
	};
	struct input_value	 v[1];
	struct store_booking	 b;
	struct staffpages_scan	 r;
	enum staff_status	 s;
	char			 err[INPUT_ERR_MAX];
	char			 text[STAFFPAGES_TEXT_MAX + 64];
	char			 day[64];
	long			 bday;
	int			 minute;

	memset(&r, 0, sizeof(r));
	s = input_form(req->body, f, NELEM(f), v, err) == -1 ? ST_BAD_TICKET :
	    staff_checkin(req->ctx, req->session, v[0].text, &b);
	r.status = staff_status_http(s);
	r.klass = "bad";
	switch (s) {
	case ST_OK:
		r.title = "Checked in";
		r.text = "The client is checked in. Their therapist can see it "
		    "in the calendar.";
		r.klass = "ok";
		r.b = &b;
		/* A genuine ticket of another day: say so, the desk decides. */
		civil_utc_to_local(b.start, &bday, &minute);
		if (bday != staffpages_today()) {
			staffpages_day_label(bday, day, sizeof(day));
			snprintf(text, sizeof(text), "Checked in, but note: "
			    "this session is on %s, not today.", day);
			r.title = "Checked in: not today's session";
			r.text = text;
			r.klass = "warn";
		}
		break;
	case ST_ALREADY_IN:
		r.title = "Already checked in";
		r.text = "This ticket was used already: the client is checked "
		    "in. There is nothing more to do.";
		r.klass = "warn";
		r.b = &b;
		break;
	case ST_OUTDATED_TICKET:
		r.title = "Old ticket: not checked in";
		r.text = staff_status_message(s);
		r.b = &b;
		break;
	case ST_CANCELLED:
		r.title = "Booking cancelled: not checked in";
		r.text = "This booking is cancelled, so the client cannot be "
		    "checked in with this ticket.";
		r.b = &b;
		break;
	case ST_BAD_TICKET:
		r.title = "Not a valid ticket";
		r.text = "This is not a ticket of this practice, or it was "
		    "not read completely. Scan it once more; if it fails "
		    "again, find the session in today's list below.";
		break;
	case ST_NOT_FOUND:
		r.title = "No such booking";
		r.text = "The ticket is genuine, but its booking no longer "
		    "exists.";
		break;
	default:
		r.title = "Not checked in";
		r.text = staff_status_message(s);
		break;
	}
	staffpages_desk_page(req, &r);
}

/* ---- the member's account ----------------------------------------------- */

static void
staffpages_account_page(struct http_req *req, int status, const char *error)
{
	const struct auth_session	*a = req->session;
	char				 min[STAFFPAGES_NUM_MAX];
	const struct web_var		 vars[] = {
		{ "name", a->staff.display_name },
		{ "username", a->staff.username },
		{ "role", staffpages_role_label(a->staff.role) },
		{ "error", error },
		{ "min", min },
	};

	snprintf(min, sizeof(min), "%d", AUTH_PASSWORD_MIN);
	staffpages_reply(req, status, "Your account", "staff_account", vars,
	    NELEM(vars));
}

void
staffpages_account(struct http_req *req)
{
	staffpages_account_page(req, 200, "");
}

static void
staffpages_password_done(struct http_req *req, int ok)
{
	char	 msg[STAFFPAGES_TEXT_MAX];

	switch (ok) {
	case 1:
		/* auth ended every session of the member, this one too. */
		http_set_cookie(req, AUTH_COOKIE, "", 0);
		http_redirect(req, "/staff/login?done=password");
		break;
	case -1:
		snprintf(msg, sizeof(msg), "The new password must be %d to %d "
		    "characters long. Nothing was changed.", AUTH_PASSWORD_MIN,
		    AUTH_PASSWORD_MAX);
		staffpages_account_page(req, 400, msg);
		break;
	default:
		staffpages_account_page(req, 403, "The current password is not "
		    "right. Nothing was changed.");
		break;
	}
}

void
staffpages_password(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "current", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
		{ "new", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
		{ "repeat", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
	};
	struct input_value	 v[NELEM(f)];
	char			 err[INPUT_ERR_MAX];

	if (input_form(req->body, f, NELEM(f), v, err) == -1) {
		input_wipe(v, NELEM(v));
		staffpages_account_page(req, 400, "Please fill in all three "
		    "fields. Nothing was changed.");
		return;
	}
	if (strcmp(v[1].text, v[2].text) != 0) {
		input_wipe(v, NELEM(v));
		staffpages_account_page(req, 400, "The two new passwords are "
		    "not the same. Nothing was changed.");
		return;
	}
	auth_change_password(req, v[0].text, v[1].text,
	    staffpages_password_done);
	input_wipe(v, NELEM(v));
}

/* ---- the audit log ------------------------------------------------------ */

void
staffpages_audit(struct http_req *req)
{
	struct store_audit_entry	*e = NULL;
	struct evbuffer			*rows;
	char				 at[96], clock[STAFFPAGES_CLOCK_MAX];
	char				 day[64], href[STAFFPAGES_HREF_MAX];
	char				 count[STAFFPAGES_NUM_MAX];
	size_t				 n = 0, i;
	long				 d;
	int				 minute;

	if ((rows = evbuffer_new()) == NULL ||
	    store_audit_list(&req->ctx->store, STAFF_AUDIT_MAX, &e, &n) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		const struct web_var	 vars[] = {
			{ "at", at },
			{ "staff", e[i].username[0] != '\0' ? e[i].username :
			    "(admin tool)" },
			{ "action", e[i].action },
			{ "href", href },
			{ "ref", e[i].ref },
			{ "link_hidden", e[i].ref[0] != '\0' ? "" : "hidden" },
			{ "detail", e[i].detail },
		};

		civil_utc_to_local(e[i].at, &d, &minute);
		staffpages_day_label(d, day, sizeof(day));
		staffpages_hhmm(minute, clock);
		snprintf(at, sizeof(at), "%s, %s", day, clock);
		href[0] = '\0';
		if (e[i].ref[0] != '\0' && web_href(href, sizeof(href), "/staff/booking", "ref", e[i].ref) == -1)
			goto fail;
		if (web_render(rows, "staff_audit_row", vars,
		    NELEM(vars)) == -1)
			goto fail;
	}
	snprintf(count, sizeof(count), "%zu", n);
	{
		const struct web_var	 vars[] = {
			{ "count", count },
			{ "empty", n == 0 ? "Nothing is in the log yet." : "" },
			{ "table", n == 0 ? "hidden" : "" },
			{ "rows", staffpages_text(rows) },
		};

		staffpages_reply(req, 200, "Audit log", "staff_audit", vars,
		    NELEM(vars));
	}
	goto done;
fail:
	staffpages_internal(req, "/staff");
done:
	free(e);
	if (rows != NULL)
		evbuffer_free(rows);
}

/* ---- for other modules' staff pages (deskpay.c) ------------------------- */

int
staffpages_page(struct http_req *req, int status, const char *title,
    const char *tmpl, const struct web_var *vars, size_t nvars)
{
	return staffpages_reply(req, status, title, tmpl, vars, nvars);
}

int
staffpages_error(struct http_req *req, int status, const char *message,
    const char *back)
{
	return staffpages_fail(req, status, message, back);
}
