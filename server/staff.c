/*
 * staff: the staff's actions and their JSON API; the contract is in
 * include/saferoom/staff.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "saferoom/auth.h"
#include "saferoom/booking.h"
#include "saferoom/civil.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/keys.h"
#include "saferoom/payment.h"
#include "saferoom/staff.h"
#include "saferoom/ticket.h"
#include "saferoom/util.h"

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} staff_errors[] = {
	[ST_OK] = { 200, "ok", "" },
	[ST_BAD_TICKET] = { 400, "bad_ticket",
	    "This is not a valid ticket of this practice." },
	[ST_OUTDATED_TICKET] = { 409, "outdated_ticket",
	    "This ticket is out of date: the booking was moved to another time "
	    "since. Ask the client for the new ticket." },
	[ST_NOT_FOUND] = { 404, "not_found",
	    "There is no such booking, or it is not one of yours." },
	[ST_ALREADY_IN] = { 409, "already_checked_in",
	    "This client is checked in already." },
	[ST_CANCELLED] = { 409, "cancelled", "This booking is cancelled." },
	[ST_NOT_BOOKED] = { 409, "not_booked",
	    "This session cannot be changed any more: it is checked in, "
	    "missed or cancelled." },
	[ST_OVERLAP] = { 409, "overlap",
	    "These hours overlap hours already set for that day. Remove or "
	    "change the other hours first." },
	[ST_NO_CREDIT_KEY] = { 409, "refund_at_desk",
	    "This booking was made before credits could be kept for the "
	    "client; refund what was paid at the desk." },
	[ST_NOT_THERAPIST] = { 404, "not_a_therapist",
	    "Hours and time off belong to therapists; there is no such therapist." },
	[ST_INTERNAL] = { 500, "internal_error",
	    "Something went wrong on our side; please try again." },
};

int
staff_status_http(enum staff_status s)
{
	return staff_errors[s].status;
}

const char *
staff_status_message(enum staff_status s)
{
	return staff_errors[s].message;
}

int
staff_fail(struct http_req *req, enum staff_status s)
{
	return http_error(req, staff_errors[s].status, staff_errors[s].code,
	    staff_errors[s].message);
}

void
staff_label(const struct store_booking *b, char out[16])
{
	/* The reference is random and names no one; four symbols are plenty. */
	snprintf(out, 16, "Client %.4s", b->ref);
}

int64_t
staff_subject(const struct auth_session *a, int64_t requested)
{
	if (requested <= 0)
		return a->staff.id;
	if (a->staff.role == ROLE_THERAPIST && requested != a->staff.id)
		return 0;	/* a therapist edits only their own */
	return requested;
}

/*
 * staff_subject(), checked: 403 when a therapist names another, 404 when
 * an admin names someone who is not a therapist. Returns 0 after answering.
 */
static int64_t
staff_subject_or_reply(struct http_req *req, const struct input_value *v)
{
	int64_t			 who;
	struct store_staff	 t;

	who = staff_subject(req->session, v->present ? v->num : 0);
	if (who == 0) {
		http_error(req, 403, "forbidden",
		    "You may only change your own hours.");
		return 0;
	}
	switch (store_therapist_get(&req->ctx->store, who, &t)) {
	case 0:
		return who;
	case 1:
		staff_fail(req, ST_NOT_THERAPIST);
		return 0;
	default:
		staff_fail(req, ST_INTERNAL);
		return 0;
	}
}

enum staff_status
staff_booking(struct http_ctx *ctx, const struct auth_session *a,
    const char *ref, struct store_booking *out)
{
	switch (store_booking_by_ref(&ctx->store, ref, out)) {
	case 0:
		break;
	case 1:
		return ST_NOT_FOUND;
	default:
		return ST_INTERNAL;
	}
	if (a->staff.role == ROLE_THERAPIST && out->therapist_id != a->staff.id)
		return ST_NOT_FOUND;
	return ST_OK;
}

/*
 * In one transaction: move booking ref from one of the states in from
 * (a NULL-ended list) to to, audit action, and read it back into out.
 */
static enum staff_status
staff_transition(struct http_ctx *ctx, const struct auth_session *a,
    struct store_booking *b, const char *to, const char *action)
{
	int	 rc;

	if (store_begin(&ctx->store) == -1)
		return ST_INTERNAL;
	/* Read back before the commit: an error then changed nothing. */
	rc = store_booking_set_status(&ctx->store, b->id, b->status, to);
	if (rc != 0 || store_audit(&ctx->store, a->staff.id, action, b->ref,
	    NULL) == -1 || store_booking_by_id(&ctx->store, b->id, b) != 0 ||
	    store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return rc == 1 ? ST_NOT_BOOKED : ST_INTERNAL;
	}
	return ST_OK;
}

enum staff_status
staff_checkin(struct http_ctx *ctx, const struct auth_session *a,
    const char *ticket, struct store_booking *out)
{
	char			 ref[TICKET_REF_MAX];
	time_t			 start;
	enum staff_status	 s;

	if (ticket_verify(ctx->keys, ticket, ref, &start) == -1)
		return ST_BAD_TICKET;
	if ((s = staff_booking(ctx, a, ref, out)) != ST_OK)
		return s;
	if (out->start != start)
		return ST_OUTDATED_TICKET;
	if (strcmp(out->status, "checked_in") == 0)
		return ST_ALREADY_IN;
	if (strcmp(out->status, "cancelled") == 0)
		return ST_CANCELLED;
	/* A client marked as missed who turns up late is checked in. */
	return staff_transition(ctx, a, out, "checked_in", "checkin");
}

enum staff_status
staff_noshow(struct http_ctx *ctx, const struct auth_session *a,
    const char *ref, struct store_booking *out)
{
	enum staff_status	 s;

	if ((s = staff_booking(ctx, a, ref, out)) != ST_OK)
		return s;
	if (strcmp(out->status, "booked") != 0)
		return strcmp(out->status, "cancelled") == 0 ? ST_CANCELLED :
		    ST_NOT_BOOKED;
	/*
	 * Not refused before the start: a desk that knows the client will not
	 * come may say so early. The desk page offers it once the session began.
	 */
	return staff_transition(ctx, a, out, "no_show", "no_show");
}

int
staff_calendar(struct http_ctx *ctx, const struct auth_session *a, long day,
    int ndays, int64_t therapist, struct store_booking **out, size_t *n)
{
	time_t	 from, to;

	if (a->staff.role == ROLE_THERAPIST)
		therapist = a->staff.id;
	if (civil_local_to_utc(day, 0, &from) == -1 ||
	    civil_local_to_utc(day + ndays, 0, &to) == -1) {
		/* Midnight skipped by DST (rare zones): use UTC days. */
		from = (time_t)day * 86400;
		to = (time_t)(day + ndays) * 86400;
	}
	return store_bookings_between(&ctx->store, from, to, therapist, out, n);
}

/* "for rivera: ..." so an admin's change can be told from the therapist's. */
static void
staff_audit_detail(struct http_ctx *ctx, int64_t therapist, const char *what,
    char *out, size_t outsz)
{
	struct store_staff	 t;

	if (store_therapist_get(&ctx->store, therapist, &t) != 0)
		snprintf(t.username, sizeof(t.username), "#%lld",
		    (long long)therapist);
	snprintf(out, outsz, "for %s%s%s", t.username, what[0] != '\0' ?
	    ": " : "", what);
}

enum staff_status
staff_hours_add(struct http_ctx *ctx, const struct auth_session *a,
    int64_t therapist, int weekday, int from, int to)
{
	char	 what[64], detail[128];
	int	 rc;

	snprintf(what, sizeof(what), "weekday %d %02d:%02d-%02d:%02d", weekday,
	    from / 60 % 100, from % 60, to / 60 % 100, to % 60);
	staff_audit_detail(ctx, therapist, what, detail, sizeof(detail));
	if (store_begin(&ctx->store) == -1)
		return ST_INTERNAL;
	rc = store_hours_add(&ctx->store, therapist, weekday, from, to);
	if (rc != 0 || store_audit(&ctx->store, a->staff.id, "hours_add", NULL,
	    detail) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return rc == 1 ? ST_OVERLAP : ST_INTERNAL;
	}
	return ST_OK;
}

/* Delete with del() in an audited transaction. */
static enum staff_status
staff_delete(struct http_ctx *ctx, const struct auth_session *a,
    int64_t therapist, int64_t id, const char *action,
    int (*del)(struct store *, int64_t, int64_t))
{
	char	 detail[128];
	int	 rc;

	staff_audit_detail(ctx, therapist, "", detail, sizeof(detail));
	if (store_begin(&ctx->store) == -1)
		return ST_INTERNAL;
	rc = del(&ctx->store, therapist, id);
	if (rc != 0 || store_audit(&ctx->store, a->staff.id, action, NULL,
	    detail) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return rc == 1 ? ST_NOT_FOUND : ST_INTERNAL;
	}
	return ST_OK;
}

enum staff_status
staff_hours_delete(struct http_ctx *ctx, const struct auth_session *a,
    int64_t therapist, int64_t id)
{
	return staff_delete(ctx, a, therapist, id, "hours_delete",
	    store_hours_delete);
}

enum staff_status
staff_timeoff_add(struct http_ctx *ctx, const struct auth_session *a,
    int64_t therapist, long from, long to)
{
	char	 what[64], detail[128], f[CIVIL_DATE_MAX], t[CIVIL_DATE_MAX];

	civil_format_date(from, f);
	civil_format_date(to, t);
	snprintf(what, sizeof(what), "%s to %s", f, t);
	staff_audit_detail(ctx, therapist, what, detail, sizeof(detail));
	if (store_begin(&ctx->store) == -1)
		return ST_INTERNAL;
	if (store_timeoff_add(&ctx->store, therapist, from, to) == -1 ||
	    store_audit(&ctx->store, a->staff.id, "timeoff_add", NULL,
	    detail) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		return ST_INTERNAL;
	}
	return ST_OK;
}

enum staff_status
staff_timeoff_delete(struct http_ctx *ctx, const struct auth_session *a,
    int64_t therapist, int64_t id)
{
	return staff_delete(ctx, a, therapist, id, "timeoff_delete",
	    store_timeoff_delete);
}

/* ---- JSON handlers ------------------------------------------------------------ */

static void
staff_login_answer(struct http_req *req, int ok, const struct auth_session *a)
{
	if (!ok) {
		http_error(req, 401, "invalid_login",
		    "The username, password or code is not right.");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s,s:s,s:s}",
	    "role", store_role_name(a->staff.role),
	    "username", a->staff.username, "csrf", a->csrf));
}

/* Drop spaces from a typed TOTP code ("123 456"). */
static void
staff_squeeze(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++)
		if (*s != ' ')
			*w++ = *s;
	*w = '\0';
}

void
staff_api_login(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "username", INPUT_TEXT, 1, 1, STORE_USERNAME_MAX },
		{ "password", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
		{ "totp", INPUT_TEXT, 1, 6, 16 },
	};
	struct input_value	 v[3];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 3, v, err) == -1) {
		input_wipe(v, 3);
		http_error(req, 400, "bad_request", err);
		return;
	}
	staff_squeeze(v[2].text);
	auth_login(req, v[0].text, v[1].text, v[2].text, staff_login_answer);
	input_wipe(v, 3);
}

void
staff_api_logout(struct http_req *req)
{
	if (auth_logout(req) == -1) {
		staff_fail(req, ST_INTERNAL);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

void
staff_api_me(struct http_req *req)
{
	http_reply_json(req, 200, json_pack("{s:I,s:s,s:s,s:s,s:s}",
	    "id", (json_int_t)req->session->staff.id,
	    "username", req->session->staff.username,
	    "display_name", req->session->staff.display_name,
	    "role", store_role_name(req->session->staff.role),
	    "csrf", req->session->csrf));
}

static json_t *
staff_booking_json(struct http_ctx *ctx, const struct store_booking *b)
{
	json_t	*j;
	char	 label[16];

	if ((j = booking_json(ctx, b, 0)) == NULL)
		return NULL;
	staff_label(b, label);
	json_object_set_new(j, "label", json_string(label));
	return j;
}

static int
staff_reply_booking(struct http_req *req, enum staff_status s,
    const struct store_booking *b)
{
	json_t	*j;

	if (s != ST_OK)
		return staff_fail(req, s);
	if ((j = staff_booking_json(req->ctx, b)) == NULL)
		return staff_fail(req, ST_INTERNAL);
	return http_reply_json(req, 200, j);
}

void
staff_api_calendar(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "from", INPUT_DATE, 0, 0, 0 },
		{ "days", INPUT_INT, 0, 1, STAFF_CALENDAR_DAYS_MAX },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
	};
	struct input_value	 v[3];
	struct store_booking	*b = NULL;
	char			 err[INPUT_ERR_MAX];
	json_t			*list;
	size_t			 n, i;

	if (input_query(req->query_raw, f, 3, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if (staff_calendar(req->ctx, req->session,
	    v[0].present ? v[0].num : civil_today(),
	    v[1].present ? (int)v[1].num : 7, v[2].present ? v[2].num : 0,
	    &b, &n) == -1) {
		staff_fail(req, ST_INTERNAL);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, staff_booking_json(req->ctx, &b[i]));
	free(b);
	http_reply_json(req, 200, json_pack("{s:o}", "bookings", list));
}

void
staff_api_checkin(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "ticket", INPUT_TEXT, 1, 1, TICKET_MAX },
	};
	struct input_value	 v[1];
	struct store_booking	 b;
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 1, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	staff_reply_booking(req, staff_checkin(req->ctx, req->session,
	    v[0].text, &b), &b);
}

static const struct input_field staff_ref_field = {
	"booking", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1
};

void
staff_api_noshow(struct http_req *req)
{
	struct input_value	 v[1];
	struct store_booking	 b;
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, &staff_ref_field, 1, v,
	    err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	staff_reply_booking(req, staff_noshow(req->ctx, req->session, v[0].text,
	    &b), &b);
}

static void
staff_cancelled(struct http_req *req, enum staff_status s,
    struct store_booking *b)
{
	staff_reply_booking(req, s, b);
}

void
staff_api_cancel(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "booking", INPUT_TEXT, 1, 1, STORE_REF_MAX - 1 },
		{ "reason", INPUT_TEXT, 0, 0, STORE_REASON_MAX },
		{ "refund", INPUT_TEXT, 0, 4, 6 },
	};
	struct input_value	 v[3];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 3, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if (v[2].present && strcmp(v[2].text, "desk") != 0 &&
	    strcmp(v[2].text, "credit") != 0) {
		http_error(req, 400, "bad_request", "'refund' must be \"desk\" "
		    "(cash back at the desk) or \"credit\" (a credit voucher).");
		return;
	}
	payment_practice_cancel(req, v[0].text, v[1].present ? v[1].text : NULL,
	    v[2].present && strcmp(v[2].text, "credit") == 0, staff_cancelled);
}

/* The "therapist" query or body field an admin may give. */
static const struct input_field staff_therapist_field = {
	"therapist", INPUT_INT, 0, 1, INT32_MAX
};

void
staff_api_hours(struct http_req *req)
{
	struct input_value		 v[1];
	struct store_hours_entry	*h = NULL;
	struct store_timeoff_entry	*o = NULL;
	char				 err[INPUT_ERR_MAX], a[8], b[8];
	char				 from[CIVIL_DATE_MAX], to[CIVIL_DATE_MAX];
	json_t				*hours, *off;
	int64_t				 who;
	size_t				 nh, no, i;

	if (input_query(req->query_raw, &staff_therapist_field, 1, v,
	    err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((who = staff_subject_or_reply(req, &v[0])) == 0)
		return;
	if (store_hours_list(&req->ctx->store, who, &h, &nh) == -1 ||
	    store_timeoff_list(&req->ctx->store, who, civil_today(), &o,
	    &no) == -1) {
		free(h);
		staff_fail(req, ST_INTERNAL);
		return;
	}
	hours = json_array();
	for (i = 0; i < nh; i++) {
		snprintf(a, sizeof(a), "%02d:%02d", h[i].from / 60 % 100,
		    h[i].from % 60);
		snprintf(b, sizeof(b), "%02d:%02d", h[i].to / 60 % 100,
		    h[i].to % 60);
		json_array_append_new(hours, json_pack("{s:I,s:i,s:s,s:s}",
		    "id", (json_int_t)h[i].id, "weekday", h[i].weekday,
		    "from", a, "to", b));
	}
	off = json_array();
	for (i = 0; i < no; i++) {
		civil_format_date(o[i].from_day, from);
		civil_format_date(o[i].to_day, to);
		json_array_append_new(off, json_pack("{s:I,s:s,s:s}",
		    "id", (json_int_t)o[i].id, "from", from, "to", to));
	}
	free(h);
	free(o);
	http_reply_json(req, 200, json_pack("{s:I,s:o,s:o}",
	    "therapist", (json_int_t)who, "hours", hours, "time_off", off));
}

void
staff_api_hours_add(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "weekday", INPUT_INT, 1, 1, 7 },
		{ "from", INPUT_TEXT, 1, 5, 5 },
		{ "to", INPUT_TEXT, 1, 5, 5 },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
	};
	struct input_value	 v[4];
	char			 err[INPUT_ERR_MAX];
	int64_t			 who;
	int			 from, to;
	enum staff_status	 s;

	if (input_json(req->body, req->body_len, f, 4, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if (util_parse_hhmm(v[1].text, &from) == -1 ||
	    util_parse_hhmm(v[2].text, &to) == -1 || from >= to) {
		http_error(req, 400, "bad_request", "'from' and 'to' must be "
		    "times as HH:MM with 'from' before 'to'.");
		return;
	}
	if ((who = staff_subject_or_reply(req, &v[3])) == 0)
		return;
	s = staff_hours_add(req->ctx, req->session, who, (int)v[0].num, from,
	    to);
	if (s != ST_OK) {
		staff_fail(req, s);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

static const struct input_field staff_delete_fields[] = {
	{ "id", INPUT_INT, 1, 1, INT64_MAX / 2 },
	{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
};

/* POST {id[, therapist]}: delete one of the member's ranges with del(). */
static void
staff_api_delete(struct http_req *req, enum staff_status (*del)(
    struct http_ctx *, const struct auth_session *, int64_t, int64_t))
{
	struct input_value	 v[2];
	char			 err[INPUT_ERR_MAX];
	int64_t			 who;
	enum staff_status	 s;

	if (input_json(req->body, req->body_len, staff_delete_fields, 2, v,
	    err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	if ((who = staff_subject_or_reply(req, &v[1])) == 0)
		return;
	if ((s = del(req->ctx, req->session, who, v[0].num)) != ST_OK) {
		staff_fail(req, s);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

void
staff_api_hours_delete(struct http_req *req)
{
	staff_api_delete(req, staff_hours_delete);
}

void
staff_api_timeoff(struct http_req *req)
{
	staff_api_hours(req);
}

void
staff_api_timeoff_add(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "from", INPUT_DATE, 1, 0, 0 },
		{ "to", INPUT_DATE, 0, 0, 0 },
		{ "therapist", INPUT_INT, 0, 1, INT32_MAX },
	};
	struct input_value	 v[3];
	char			 err[INPUT_ERR_MAX];
	int64_t			 who;
	long			 to;
	enum staff_status	 s;

	if (input_json(req->body, req->body_len, f, 3, v, err) == -1) {
		http_error(req, 400, "bad_request", err);
		return;
	}
	to = v[1].present ? v[1].num : v[0].num;
	if (to < v[0].num) {
		http_error(req, 400, "bad_request",
		    "'to' must not be before 'from'.");
		return;
	}
	if ((who = staff_subject_or_reply(req, &v[2])) == 0)
		return;
	s = staff_timeoff_add(req->ctx, req->session, who, v[0].num, to);
	if (s != ST_OK) {
		staff_fail(req, s);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

void
staff_api_timeoff_delete(struct http_req *req)
{
	staff_api_delete(req, staff_timeoff_delete);
}

static void
staff_password_answer(struct http_req *req, int ok)
{
	if (ok == 1)
		http_reply(req, 204, NULL, NULL);
	else if (ok == -1)
		http_error(req, 400, "weak_password", "The new password must be "
		    "10 to 256 characters.");
	else
		http_error(req, 403, "wrong_password",
		    "The current password is not right.");
}

void
staff_api_password(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "current", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
		{ "new", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
	};
	struct input_value	 v[2];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 2, v, err) == -1) {
		input_wipe(v, 2);
		http_error(req, 400, "bad_request", err);
		return;
	}
	auth_change_password(req, v[0].text, v[1].text, staff_password_answer);
	input_wipe(v, 2);
}

void
staff_api_audit(struct http_req *req)
{
	struct store_audit_entry	*e = NULL;
	char				 at[CIVIL_RFC3339_MAX];
	json_t				*list;
	size_t				 n, i;

	if (store_audit_list(&req->ctx->store, STAFF_AUDIT_MAX, &e, &n) == -1) {
		staff_fail(req, ST_INTERNAL);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		civil_format_rfc3339(e[i].at, at);
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s}",
		    "at", at, "staff", e[i].username, "action", e[i].action,
		    "booking", e[i].ref, "detail", e[i].detail));
	}
	free(e);
	http_reply_json(req, 200, json_pack("{s:o}", "entries", list));
}

static void
staff_reset_answer(struct http_req *req, const char *password, const char *b32,
    const char *uri)
{
	json_t	*j;

	j = json_pack("{s:s,s:s}", "totp_secret", b32, "totp_uri", uri);
	if (j != NULL && password != NULL)
		json_object_set_new(j, "password", json_string(password));
	http_reply_json(req, 200, j);
}

static void
staff_totp_checked(struct http_req *req, int ok)
{
	if (!ok) {
		http_error(req, 403, "wrong_password",
		    "The current password is not right.");
		return;
	}
	auth_reset_account(req, &req->session->staff, 0, staff_reset_answer);
}

void
staff_api_totp(struct http_req *req)
{
	static const struct input_field f[] = {
		{ "password", INPUT_SECRET, 1, 1, AUTH_PASSWORD_MAX },
	};
	struct input_value	 v[1];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 1, v, err) == -1) {
		input_wipe(v, 1);
		http_error(req, 400, "bad_request", err);
		return;
	}
	auth_check_password(req, v[0].text, staff_totp_checked);
	input_wipe(v, 1);
}

/* The account an admin names in the body, or -1 after answering. */
static int
staff_account_of(struct http_req *req, struct store_staff *s)
{
	static const struct input_field f[] = {
		{ "username", INPUT_TEXT, 1, 1, STORE_USERNAME_MAX },
	};
	struct input_value	 v[1];
	char			 err[INPUT_ERR_MAX];

	if (input_json(req->body, req->body_len, f, 1, v, err) == -1)
		return http_error(req, 400, "bad_request", err);
	switch (store_staff_find(&req->ctx->store, v[0].text, s)) {
	case 0:
		return 0;
	case 1:
		return http_error(req, 404, "not_found",
		    "There is no such staff member.");
	default:
		return staff_fail(req, ST_INTERNAL);
	}
}

void
staff_api_account_reset(struct http_req *req)
{
	struct store_staff	 s;

	if (staff_account_of(req, &s) == -1)
		return;
	auth_reset_account(req, &s, 1, staff_reset_answer);
}

static void
staff_account_disable(struct http_req *req, int disabled)
{
	struct http_ctx		*ctx = req->ctx;
	struct store_staff	 s;

	if (staff_account_of(req, &s) == -1)
		return;
	if (s.id == req->session->staff.id) {
		http_error(req, 409, "self",
		    "You cannot disable your own account.");
		return;
	}
	if (store_begin(&ctx->store) == -1 ||
	    store_staff_set_disabled(&ctx->store, s.id, disabled) == -1 ||
	    (disabled && store_sessions_end_staff(&ctx->store, s.id) == -1) ||
	    store_audit(&ctx->store, req->session->staff.id, disabled ?
	    "account_disabled" : "account_enabled", NULL, s.username) == -1 ||
	    store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		staff_fail(req, ST_INTERNAL);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

void
staff_api_account_disable(struct http_req *req)
{
	staff_account_disable(req, 1);
}

void
staff_api_account_enable(struct http_req *req)
{
	staff_account_disable(req, 0);
}

void
staff_api_accounts(struct http_req *req)
{
	struct store_staff	*t = NULL;
	json_t			*list;
	size_t			 n, i;

	if (store_staff_all(&req->ctx->store, &t, &n) == -1) {
		staff_fail(req, ST_INTERNAL);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s}",
		    "id", (json_int_t)t[i].id, "username", t[i].username,
		    "display_name", t[i].display_name,
		    "role", store_role_name(t[i].role)));
	free(t);
	http_reply_json(req, 200, json_pack("{s:o}", "staff", list));
}

/* ---- the therapist's calendar feed -------------------------------------------- */

#define STAFF_FEED_PAST_DAYS	7
#define STAFF_FEED_DAYS		90
#define STAFF_HOST_MAX		200

/*
 * Is host (a client's Host header) a host name or address with an optional
 * port, fit to stand in a URL we hand back? Anything else, bytes that are
 * not UTF-8 above all (they cannot go into JSON), gets a path instead.
 */
static int
staff_host_ok(const char *host)
{
	size_t	 len;

	if (host == NULL || (len = strlen(host)) == 0 || len >= STAFF_HOST_MAX)
		return 0;
	return strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.-:[]") == len;
}

void
staff_api_feed(struct http_req *req)
{
	struct http_ctx	*ctx = req->ctx;
	uint8_t		 id[32], hash[32];
	char		 hex[65], url[512];
	const char	*host = http_header(req, "Host");

	if (RAND_bytes(id, sizeof(id)) != 1) {
		staff_fail(req, ST_INTERNAL);
		return;
	}
	SHA256(id, sizeof(id), hash);
	util_hex(id, sizeof(id), hex);
	OPENSSL_cleanse(id, sizeof(id));
	if (store_begin(&ctx->store) == -1 ||
	    store_staff_set_feed(&ctx->store, req->session->staff.id, hash) == -1 ||
	    store_audit(&ctx->store, req->session->staff.id, "feed_created", NULL,
	    NULL) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		OPENSSL_cleanse(hex, sizeof(hex));
		staff_fail(req, ST_INTERNAL);
		return;
	}
	/* The Host a browser sent is ours (TLS certificate); fall back to a path. */
	if (staff_host_ok(host))
		snprintf(url, sizeof(url), "https://%s/feed/%s.ics", host, hex);
	else
		snprintf(url, sizeof(url), "/feed/%s.ics", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	http_reply_json(req, 200, json_pack("{s:s}", "url", url));
	OPENSSL_cleanse(url, sizeof(url));
}

void
staff_api_feed_revoke(struct http_req *req)
{
	struct http_ctx	*ctx = req->ctx;

	if (store_begin(&ctx->store) == -1 ||
	    store_staff_set_feed(&ctx->store, req->session->staff.id, NULL) == -1 ||
	    store_audit(&ctx->store, req->session->staff.id, "feed_revoked", NULL,
	    NULL) == -1 || store_commit(&ctx->store) == -1) {
		store_rollback(&ctx->store);
		staff_fail(req, ST_INTERNAL);
		return;
	}
	http_reply(req, 204, NULL, NULL);
}

static void
staff_ics_time(time_t t, char out[20])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

void
staff_feed_ics(struct http_req *req)
{
	struct auth_session	 who;
	struct store_booking	*b = NULL;
	struct evbuffer		*buf;
	uint8_t			 id[32], hash[32], mac[32];
	char			 hex[65], start[20], end[20], stamp[20], uid[33];
	const char		*p = req->path + strlen("/feed/");
	size_t			 n, i;
	int			 rc;

	/* /feed/<64 hex>.ics; the secret is never logged or kept. */
	if (strlen(p) != 68 || strcmp(p + 64, ".ics") != 0) {
		http_error(req, 404, "not_found", "There is no such feed.");
		return;
	}
	memcpy(hex, p, 64);
	hex[64] = '\0';
	rc = util_unhex(hex, id, sizeof(id));
	OPENSSL_cleanse(hex, sizeof(hex));
	if (rc == -1) {
		http_error(req, 404, "not_found", "There is no such feed.");
		return;
	}
	SHA256(id, sizeof(id), hash);
	OPENSSL_cleanse(id, sizeof(id));
	memset(&who, 0, sizeof(who));
	switch (store_staff_by_feed(&req->ctx->store, hash, &who.staff)) {
	case 0:
		break;
	case 1:
		http_error(req, 404, "not_found", "There is no such feed.");
		return;
	default:
		staff_fail(req, ST_INTERNAL);
		return;
	}
	who.staff.role = ROLE_THERAPIST;	/* a feed shows its owner's own */
	if (staff_calendar(req->ctx, &who, civil_today() - STAFF_FEED_PAST_DAYS,
	    STAFF_FEED_DAYS, 0, &b, &n) == -1 || (buf = evbuffer_new()) == NULL) {
		free(b);
		staff_fail(req, ST_INTERNAL);
		return;
	}
	staff_ics_time(time(NULL), stamp);
	evbuffer_add_printf(buf, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//saferoom//staff feed//EN\r\n");
	for (i = 0; i < n; i++) {
		staff_ics_time(b[i].start, start);
		staff_ics_time(b[i].end, end);
		/*
		 * Neutral: no service, no label, nothing about the practice.
		 * The UID is a MAC of the reference, not the reference (it is
		 * on the client's ticket and in the ledger): stable for the
		 * calendar app, linkable to nothing else (new after a MAC key
		 * rotation, when the app sees the events replaced).
		 */
		keys_mac(req->ctx->keys, "feed-uid", b[i].ref, strlen(b[i].ref),
		    mac);
		util_hex(mac, 16, uid);
		evbuffer_add_printf(buf, "BEGIN:VEVENT\r\nUID:%s@saferoom.invalid"
		    "\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\n"
		    "SUMMARY:Appointment\r\nSTATUS:%s\r\nEND:VEVENT\r\n",
		    uid, stamp, start, end,
		    strcmp(b[i].status, "cancelled") == 0 ? "CANCELLED" :
		    "CONFIRMED");
	}
	evbuffer_add_printf(buf, "END:VCALENDAR\r\n");
	free(b);
	http_reply(req, 200, "text/calendar; charset=utf-8", buf);
	evbuffer_free(buf);
}
