/*
 * ratelimit: in-memory counters against online guessing and floods
 * (DESIGN.md "Shape"): booking codes, voucher codes, staff logins, bookings
 * per client address. Keys are keyed hashes (keys_mac), never addresses or
 * names, and nothing here is ever written to disk. Shared by all loop
 * threads under one mutex; each counter is a fixed window.
 */
#ifndef SAFEROOM_RATELIMIT_H
#define SAFEROOM_RATELIMIT_H

#include <stdint.h>
#include <time.h>

/*
 * Past this many live windows, a new key displaces the window of its hash
 * bucket that ends first; only when its bucket is empty too does it pass
 * unlimited (fail open).
 */
#define RATELIMIT_ENTRIES_MAX	65536

struct ratelimit;

struct ratelimit *ratelimit_new(void);
void	ratelimit_free(struct ratelimit *);

/*
 * Count one event for key, at most limit per window seconds. Returns 0 if
 * it is allowed (and counted), or the seconds until the window ends when the
 * limit is reached (then it is not counted). limit 0 means no limit.
 */
unsigned ratelimit_hit(struct ratelimit *, uint64_t key, unsigned limit,
	    unsigned window, time_t now);

/* Like ratelimit_hit() but only looks: counts nothing. */
unsigned ratelimit_check(struct ratelimit *, uint64_t key, unsigned limit,
	    unsigned window, time_t now);

/* Forget key (after a success that should clear its failures). */
void	ratelimit_clear(struct ratelimit *, uint64_t key);

#endif
