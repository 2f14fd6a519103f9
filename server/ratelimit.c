/*
 * ratelimit: fixed-window counters in a chained hash table under one mutex;
 * see include/saferoom/ratelimit.h. Entries whose window has ended are
 * dropped as buckets are walked, and when the table is full.
 */
#include <pthread.h>
#include <stdlib.h>

#include "saferoom/ratelimit.h"

#define RATELIMIT_BUCKETS	4096

struct rl_entry {
	struct rl_entry	*next;
	uint64_t	 key;
	time_t		 until;		/* end of the current window */
	unsigned	 count;
};

struct ratelimit {
	pthread_mutex_t	 lock;
	unsigned	 n;
	time_t		 swept;		/* last sweep of the whole table */
	struct rl_entry	*bucket[RATELIMIT_BUCKETS];
};

struct ratelimit *
ratelimit_new(void)
{
	struct ratelimit	*rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct rl_entry	*e, *next;
	size_t		 i;

	if (rl == NULL)
		return;
	for (i = 0; i < RATELIMIT_BUCKETS; i++)
		for (e = rl->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

/* With the lock held: drop every ended window, all buckets if all is set. */
static void
rl_sweep(struct ratelimit *rl, size_t only, int all, time_t now)
{
	struct rl_entry	**pp, *e;
	size_t		  i;

	for (i = all ? 0 : only; i < (all ? RATELIMIT_BUCKETS : only + 1); i++)
		for (pp = &rl->bucket[i]; (e = *pp) != NULL;) {
			if (e->until <= now) {
				*pp = e->next;
				free(e);
				rl->n--;
			} else
				pp = &e->next;
		}
}

/*
 * With the lock held and the table full of live windows: drop the window
 * of this bucket that ends first, so a flood of new keys costs bucket-sized
 * work and displaces the oldest counters rather than passing unlimited.
 */
static void
rl_evict_oldest(struct ratelimit *rl, size_t b)
{
	struct rl_entry	**pp, **oldest = NULL, *e;

	for (pp = &rl->bucket[b]; (e = *pp) != NULL; pp = &e->next)
		if (oldest == NULL || e->until < (*oldest)->until)
			oldest = pp;
	if (oldest != NULL) {
		e = *oldest;
		*oldest = e->next;
		free(e);
		rl->n--;
	}
}

/* With the lock held: the entry of key in a live window, made if need be. */
static struct rl_entry *
rl_find(struct ratelimit *rl, uint64_t key, unsigned window, time_t now,
    int make)
{
	size_t		 b = key % RATELIMIT_BUCKETS;
	struct rl_entry	*e;

	rl_sweep(rl, b, 0, now);
	for (e = rl->bucket[b]; e != NULL; e = e->next)
		if (e->key == key)
			return e;
	if (!make)
		return NULL;
	if (rl->n >= RATELIMIT_ENTRIES_MAX && rl->swept != now) {
		/* At most one whole sweep a second: it holds the lock. */
		rl_sweep(rl, 0, 1, now);
		rl->swept = now;
	}
	if (rl->n >= RATELIMIT_ENTRIES_MAX)
		rl_evict_oldest(rl, b);
	if (rl->n >= RATELIMIT_ENTRIES_MAX || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;	/* no room at all: fail open, not closed */
	e->key = key;
	e->until = now + window;
	e->next = rl->bucket[b];
	rl->bucket[b] = e;
	rl->n++;
	return e;
}

static unsigned
rl_count(struct ratelimit *rl, uint64_t key, unsigned limit, unsigned window,
    time_t now, int count)
{
	struct rl_entry	*e;
	unsigned	 wait = 0;

	if (limit == 0)
		return 0;
	pthread_mutex_lock(&rl->lock);
	if ((e = rl_find(rl, key, window, now, count)) != NULL) {
		if (e->count >= limit)
			wait = (unsigned)(e->until - now);
		else if (count)
			e->count++;
	}
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

unsigned
ratelimit_hit(struct ratelimit *rl, uint64_t key, unsigned limit,
    unsigned window, time_t now)
{
	return rl_count(rl, key, limit, window, now, 1);
}

unsigned
ratelimit_check(struct ratelimit *rl, uint64_t key, unsigned limit,
    unsigned window, time_t now)
{
	return rl_count(rl, key, limit, window, now, 0);
}

void
ratelimit_clear(struct ratelimit *rl, uint64_t key)
{
	struct rl_entry	**pp, *e;

	pthread_mutex_lock(&rl->lock);
	for (pp = &rl->bucket[key % RATELIMIT_BUCKETS]; (e = *pp) != NULL;
	    pp = &e->next)
		if (e->key == key) {
			*pp = e->next;
			free(e);
			rl->n--;
			break;
		}
	pthread_mutex_unlock(&rl->lock);
}
