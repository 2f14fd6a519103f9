/*
 * booking: the client's side of saferoom (API.md "Public" and "The
 * client"): free slots, booking under a pseudonymous token, and managing a
 * booking with nothing but that token. The JSON handlers are here; the
 * pages (pages.c) use the same core functions, so both paths keep the same
 * rules.
 *
 * Every write is one BEGIN IMMEDIATE transaction that re-checks for
 * overlaps, so a slot is booked at most once however many requests race.
 * scrypt (hashing a new token's secret, checking a presented one) runs on
 * the worker pool; an unknown lookup part is checked against a dummy hash
 * so that it costs the same as a wrong secret.
 */
#ifndef SAFEROOM_BOOKING_H
#define SAFEROOM_BOOKING_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "saferoom/store.h"

struct http_ctx;
struct http_req;
struct slots_list;

/* Outcomes, each with its HTTP status, code and sentence (booking.c table). */
enum booking_status {
	BK_OK = 0,
	BK_UNKNOWN_SERVICE,
	BK_UNKNOWN_THERAPIST,
	BK_PAST,
	BK_TOO_SOON,
	BK_TOO_FAR,
	BK_OFF_GRID,
	BK_TAKEN,
	BK_TOO_LATE,
	BK_NOT_ACTIVE,
	BK_RATE,
	BK_UNAUTHORIZED,
	BK_INTERNAL,
};

#define BOOKING_DAYS_DEFAULT	7
#define BOOKING_MANAGE_TTL	(20 * 60)	/* seconds a manage cookie lasts */
#define BOOKING_TOKEN_FAILS	30		/* wrong codes per address ... */
#define BOOKING_TOKEN_WINDOW	(15 * 60)	/* ... per this many seconds */

/* Answer req with the status, code and sentence of s; returns -1. */
int	booking_fail(struct http_req *, enum booking_status s);

/* Answer 429 with a truthful Retry-After of wait seconds; returns -1. */
int	booking_fail_rate(struct http_req *, unsigned wait);

/*
 * Free slots of service on days [day, day + ndays) for therapist, or for
 * every therapist when therapist is 0, sorted; booking except (0: none) is
 * left out of the busy times, so a booking being moved does not block the
 * times that overlap it. 0, or -1 (store or memory).
 */
int	booking_slots(struct http_ctx *, const struct store_service *,
	    int64_t therapist, int64_t except, long day, int ndays,
	    struct slots_list *out);

/*
 * Start booking service with therapist (0: any free one) at start. Checks
 * what can be checked at once (answering the error itself and returning
 * -1), then hashes a new token on the pool and, back on the loop, writes the
 * booking in one transaction and calls done with the outcome; on BK_OK with
 * the booking and the token (shown once; wiped after done returns).
 */
typedef void	(*booking_created_fn)(struct http_req *, enum booking_status,
		    const struct store_booking *, const char *token);
int	booking_create(struct http_req *, int64_t service, int64_t therapist,
	    time_t start, booking_created_fn done);

/*
 * Check a presented booking code on the pool; on success call next on the
 * loop with the booking as it is now; otherwise answer 401 (or 429 when the
 * client has guessed too often) itself. arg is passed through to next, which
 * then owns it; when next is not called, free_arg (if not NULL) frees it.
 */
typedef void	(*booking_next_fn)(struct http_req *, struct store_booking *,
		    void *arg);
int	booking_authorize(struct http_req *, const char *code,
	    booking_next_fn next, void *arg, void (*free_arg)(void *));

/*
 * b carries a credit voucher code opened from its sealed box (the practice
 * cancelled): forget the box, as it is about to be shown. 1 when there was
 * one, 0 none, -1 on a store error.
 */
int	booking_credit_shown(struct http_ctx *, struct store_booking *b);

/* The code from "Authorization: Bearer CODE", or NULL. */
const char *booking_bearer(struct http_req *);

/* May the client still change (cancel, move) b? BK_OK or why not. */
enum booking_status booking_may_change(struct http_ctx *,
	    const struct store_booking *);

/* Cancel b as the client, within the cancel cutoff. */
enum booking_status booking_cancel(struct http_ctx *, struct store_booking *b);

/* Move b to start (same service and therapist), within the cutoff. */
enum booking_status booking_reschedule(struct http_ctx *, struct store_booking *b,
	    time_t start);

/* The booking as API.md's BOOKING; with_ticket adds "ticket". NULL on error. */
json_t	*booking_json(struct http_ctx *, const struct store_booking *,
	    int with_ticket);

/*
 * b's status in words for pages: "Booked", "Cancelled by the practice", ...
 * for_staff also names a client's own cancellation as such.
 */
const char *booking_status_text(const struct store_booking *b, int for_staff);

/* What is still due on b in cents. */
int64_t	booking_due(const struct store_booking *);

/*
 * Housekeeping run by the server once a minute: release unpaid holds,
 * write off expired vouchers, and purge bookings past retention_days.
 */
void	booking_tick(struct http_ctx *);

/* JSON handlers, rows of routes.c. */
void	booking_api_slots(struct http_req *);
void	booking_api_create(struct http_req *);
void	booking_api_get(struct http_req *);
void	booking_api_cancel(struct http_req *);
void	booking_api_reschedule(struct http_req *);
void	booking_api_ticket_svg(struct http_req *);
void	booking_api_ticket_png(struct http_req *);

#endif
