/*
 * staff: what therapists, the desk and admins do (API.md "Staff"): the
 * calendar, check-in by ticket, no-shows, cancelling as the practice, weekly
 * hours and time off, their own password and TOTP, the calendar feed, and
 * the audit log. The JSON handlers are here; the staff pages
 * (staffpages.c) call the same actions so both keep the same rules.
 *
 * Who may call what is the roles column of routes.c; which bookings a
 * member sees is decided here: a therapist only their own, the desk and
 * admins all. Nobody ever sees a client's token. Every change is written
 * to the audit log in the same transaction.
 */
#ifndef SAFEROOM_STAFF_H
#define SAFEROOM_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "saferoom/store.h"

struct auth_session;
struct http_ctx;
struct http_req;

/* Outcomes of the staff actions, each with a status, code and sentence. */
enum staff_status {
	ST_OK = 0,
	ST_BAD_TICKET,		/* 400: malformed or forged */
	ST_OUTDATED_TICKET,	/* 409: the booking was moved since */
	ST_NOT_FOUND,		/* 404: no such booking (for this member) */
	ST_ALREADY_IN,		/* 409: checked in already */
	ST_CANCELLED,		/* 409: the booking is cancelled */
	ST_NOT_BOOKED,		/* 409: not in a state that allows this */
	ST_OVERLAP,		/* 409: hours overlap existing hours */
	ST_NOT_THERAPIST,	/* 404: hours for someone who is not a therapist */
	ST_NO_CREDIT_KEY,	/* 409: booked before credits could be sealed */
	ST_INTERNAL,		/* 500 */
};

#define STAFF_CALENDAR_DAYS_MAX	62
#define STAFF_AUDIT_MAX		500

/* Answer req with the status, code and sentence of s; returns -1. */
int	staff_fail(struct http_req *, enum staff_status);

/* The HTTP status and the sentence of s, for pages that say it their way. */
int	staff_status_http(enum staff_status);
const char *staff_status_message(enum staff_status);

/*
 * Check in the booking a ticket names: verify its signature, find the
 * booking, check it is for the ticket's time and not checked in or
 * cancelled, mark it checked_in, audit. *out is the booking after.
 */
enum staff_status staff_checkin(struct http_ctx *, const struct auth_session *,
	    const char *ticket, struct store_booking *out);

/* Mark a booked session as a no-show. */
enum staff_status staff_noshow(struct http_ctx *, const struct auth_session *,
	    const char *ref, struct store_booking *out);

/* A booking by ref if the member may see it (0), else ST_NOT_FOUND. */
enum staff_status staff_booking(struct http_ctx *, const struct auth_session *,
	    const char *ref, struct store_booking *out);

/*
 * The bookings the member may see on local days [day, day + ndays); a
 * therapist sees only their own, others see therapist's (0: everyone's).
 * *out freed by the caller. 0 or -1.
 */
int	staff_calendar(struct http_ctx *, const struct auth_session *,
	    long day, int ndays, int64_t therapist, struct store_booking **out,
	    size_t *n);

/*
 * Whose hours a request edits: the member themself when requested is 0,
 * else the one named; 0 when a therapist names someone else (forbidden).
 */
int64_t	staff_subject(const struct auth_session *, int64_t requested);

/* Add a weekly range (audited). ST_OK, ST_OVERLAP or ST_INTERNAL. */
enum staff_status staff_hours_add(struct http_ctx *, const struct auth_session *,
	    int64_t therapist, int weekday, int from, int to);
enum staff_status staff_hours_delete(struct http_ctx *,
	    const struct auth_session *, int64_t therapist, int64_t id);
enum staff_status staff_timeoff_add(struct http_ctx *,
	    const struct auth_session *, int64_t therapist, long from, long to);
enum staff_status staff_timeoff_delete(struct http_ctx *,
	    const struct auth_session *, int64_t therapist, int64_t id);

/* A short label for a booking that names no one, e.g. "Client 7K2Q". */
void	staff_label(const struct store_booking *, char out[16]);

/* JSON handlers, rows of routes.c. */
void	staff_api_login(struct http_req *);
void	staff_api_logout(struct http_req *);
void	staff_api_calendar(struct http_req *);
void	staff_api_checkin(struct http_req *);
void	staff_api_noshow(struct http_req *);
void	staff_api_cancel(struct http_req *);
void	staff_api_hours(struct http_req *);
void	staff_api_hours_add(struct http_req *);
void	staff_api_hours_delete(struct http_req *);
void	staff_api_timeoff(struct http_req *);
void	staff_api_timeoff_add(struct http_req *);
void	staff_api_timeoff_delete(struct http_req *);
void	staff_api_password(struct http_req *);
void	staff_api_audit(struct http_req *);
void	staff_api_me(struct http_req *);
void	staff_api_totp(struct http_req *);
void	staff_api_accounts(struct http_req *);
void	staff_api_account_reset(struct http_req *);
void	staff_api_account_disable(struct http_req *);
void	staff_api_account_enable(struct http_req *);
/*
 * The calendar feed: POST makes a new secret URL (shown once; the old one
 * stops working), revoke ends it; GET /feed/<secret>.ics serves the
 * therapist's sessions with neutral titles. Only the SHA-256 is stored.
 */
void	staff_api_feed(struct http_req *);
void	staff_api_feed_revoke(struct http_req *);
void	staff_feed_ics(struct http_req *);

#endif
