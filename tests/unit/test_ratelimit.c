/* ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too) */
/*
 * Unit test of server/ratelimit.c against include/saferoom/ratelimit.h:
 * the limit and the wait it answers, the window's end, independent keys
 * (including keys that share a hash bucket), limit 0, ratelimit_check
 * counting nothing, ratelimit_clear, a table filled past
 * RATELIMIT_ENTRIES_MAX, and one key hit from four threads at once.
 *
 * The threaded case is also meant for ThreadSanitizer:
 *   cc -std=c11 -D_DEFAULT_SOURCE -fsanitize=thread -g -Iinclude \
 *       -Itests/unit tests/unit/test_ratelimit.c server/ratelimit.c -lpthread
 *   ./a.out threads
 * ("threads" runs the threaded case alone: the 100k-key case takes minutes
 * under ThreadSanitizer).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "saferoom/ratelimit.h"

#include "check.h"

/* A multiple of every window used, so any window alignment agrees. */
#define NOW	((time_t)1800000000)

static void
test_limit(void)
{
	struct ratelimit	*rl;
	int			 i;

	if (!CHECK((rl = ratelimit_new()) != NULL))
		return;
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW), 60);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW), 60);	/* not counted */
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 10), 50);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 59), 1);

	/* The window has ended: three more. */
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 60), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 61), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 62), 0);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 63), 57);
	CHECK_INT(ratelimit_hit(rl, 1, 3, 60, NOW + 500), 0);

	/* Limit 1, a long window. */
	CHECK_INT(ratelimit_hit(rl, 2, 1, 3600, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 2, 1, 3600, NOW + 1), 3599);
	CHECK_INT(ratelimit_hit(rl, 2, 1, 3600, NOW + 3600), 0);

	/* Limit 0 never limits. */
	for (i = 0; i < 1000; i++)
		if (ratelimit_hit(rl, 3, 0, 60, NOW) != 0)
			break;
	CHECK_INT(i, 1000);
	CHECK_INT(ratelimit_check(rl, 3, 0, 60, NOW), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_keys(void)
{
	struct ratelimit	*rl;
	/* Keys likely to share a bucket in any power-of-two table. */
	const uint64_t		 keys[] = { 7, 7 + 4096, 7 + 65536,
				    7 + ((uint64_t)1 << 32), 8, UINT64_MAX };
	size_t			 i, j;
	int			 bad = 0;

	if (!CHECK((rl = ratelimit_new()) != NULL))
		return;
	/* Each key in turn up to its limit; the others are untouched. */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (j = 0; j < 3; j++)
			if (ratelimit_hit(rl, keys[i], 3, 60, NOW) != 0)
				bad++;
		if (ratelimit_hit(rl, keys[i], 3, 60, NOW) != 60)
			bad++;
		for (j = i + 1; j < sizeof(keys) / sizeof(keys[0]); j++)
			if (ratelimit_check(rl, keys[j], 3, 60, NOW) != 0)
				bad++;
	}
	CHECK_INT(bad, 0);

	/* Clearing one leaves the others limited. */
	ratelimit_clear(rl, keys[1]);
	CHECK_INT(ratelimit_hit(rl, keys[1], 3, 60, NOW + 1), 0);
	CHECK_INT(ratelimit_hit(rl, keys[0], 3, 60, NOW + 1), 59);
	CHECK_INT(ratelimit_hit(rl, keys[2], 3, 60, NOW + 1), 59);
	CHECK_INT(ratelimit_hit(rl, keys[5], 3, 60, NOW + 1), 59);
	ratelimit_free(rl);
}

static void
test_check_clear(void)
{
	struct ratelimit	*rl;
	int			 i;

	if (!CHECK((rl = ratelimit_new()) != NULL))
		return;

	/* Looking counts nothing, on a new key or a counted one. */
	for (i = 0; i < 10; i++)
		CHECK_INT(ratelimit_check(rl, 5, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 5, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 5, 3, 60, NOW), 0);
	for (i = 0; i < 10; i++)
		CHECK_INT(ratelimit_check(rl, 5, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 5, 3, 60, NOW), 0);
	CHECK_INT(ratelimit_check(rl, 5, 3, 60, NOW), 60);
	CHECK_INT(ratelimit_check(rl, 5, 3, 60, NOW + 15), 45);
	CHECK_INT(ratelimit_hit(rl, 5, 3, 60, NOW + 15), 45);
	CHECK_INT(ratelimit_check(rl, 5, 3, 60, NOW + 60), 0);

	/* Clear forgets the count and the window. */
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW), 60);
	ratelimit_clear(rl, 6);
	CHECK_INT(ratelimit_check(rl, 6, 2, 60, NOW), 0);
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW + 30), 0);
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW + 30), 0);
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW + 30), 60);	/* new window */
	ratelimit_clear(rl, 6);
	ratelimit_clear(rl, 6);			/* twice is harmless */
	ratelimit_clear(rl, 424242);		/* unknown is harmless */
	CHECK_INT(ratelimit_hit(rl, 6, 2, 60, NOW + 31), 0);
	ratelimit_free(rl);
}

/*
 * 100k distinct keys, limit 1: while the table has room every key is
 * counted; past RATELIMIT_ENTRIES_MAX live windows the header allows
 * failing open, so a second hit answers 0 or the exact wait, nothing else.
 * Once the windows end the table has room again.
 */
static void
test_many(void)
{
	struct ratelimit	*rl;
	const uint64_t		 many = 100000;
	uint64_t		 k;
	unsigned		 w;
	long			 first_bad = 0, second_bad = 0, garbage = 0;
	long			 limited = 0, after_bad = 0;

	if (!CHECK((rl = ratelimit_new()) != NULL))
		return;
	for (k = 0; k < RATELIMIT_ENTRIES_MAX; k++)
		if (ratelimit_hit(rl, k * 2654435761u, 1, 60, NOW) != 0)
			first_bad++;
	for (k = 0; k < RATELIMIT_ENTRIES_MAX; k++)
		if (ratelimit_hit(rl, k * 2654435761u, 1, 60, NOW) != 60)
			second_bad++;
	CHECK_INT(first_bad, 0);
	CHECK_INT(second_bad, 0);

	for (k = RATELIMIT_ENTRIES_MAX; k < many; k++) {
		if ((w = ratelimit_hit(rl, k * 2654435761u, 1, 60, NOW)) != 0 &&
		    w != 60)
			garbage++;
		if (k % 64 != 0)
			continue;	/* each hit here walks the full table */
		if ((w = ratelimit_hit(rl, k * 2654435761u, 1, 60, NOW)) != 0 &&
		    w != 60)
			garbage++;
		limited += w == 60;
	}
	CHECK_INT(garbage, 0);
	printf("past the table's size: %ld of %ld new keys sampled limited\n",
	    limited, (long)(many - RATELIMIT_ENTRIES_MAX + 63) / 64);

	/* All windows ended: new keys are counted again. */
	for (k = 0; k < 1000; k++) {
		if (ratelimit_hit(rl, many + k, 1, 60, NOW + 60) != 0)
			after_bad++;
		if (ratelimit_hit(rl, many + k, 1, 60, NOW + 60) != 60)
			after_bad++;
	}
	CHECK_INT(after_bad, 0);
	ratelimit_free(rl);
}

#define THREADS		4
#define THREAD_HITS	10000
#define THREAD_LIMIT	1000

struct worker {
	struct ratelimit	*rl;
	pthread_t		 tid;
	long			 allowed, refused, garbage;
};

static void *
worker_run(void *arg)
{
	struct worker	*w = arg;
	unsigned	 wait;
	int		 i;

	for (i = 0; i < THREAD_HITS; i++) {
		wait = ratelimit_hit(w->rl, 99, THREAD_LIMIT, 60, NOW);
		if (wait == 0)
			w->allowed++;
		else if (wait == 60)
			w->refused++;
		else
			w->garbage++;
		/* Some traffic on other keys in the same table. */
		(void)ratelimit_check(w->rl, 1000 + (uint64_t)i, 5, 60, NOW);
	}
	return NULL;
}

static void
test_threads(void)
{
	struct worker	 w[THREADS];
	long		 allowed = 0, refused = 0, garbage = 0;
	int		 i, started = 0;
	struct ratelimit *rl;

	if (!CHECK((rl = ratelimit_new()) != NULL))
		return;
	for (i = 0; i < THREADS; i++) {
		w[i].rl = rl;
		w[i].allowed = w[i].refused = w[i].garbage = 0;
		if (pthread_create(&w[i].tid, NULL, worker_run, &w[i]) != 0)
			break;
		started++;
	}
	CHECK_INT(started, THREADS);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		allowed += w[i].allowed;
		refused += w[i].refused;
		garbage += w[i].garbage;
	}
	CHECK_INT(allowed, THREAD_LIMIT);
	CHECK_INT(refused, (long)THREADS * THREAD_HITS - THREAD_LIMIT);
	CHECK_INT(garbage, 0);
	CHECK_INT(ratelimit_check(rl, 99, THREAD_LIMIT, 60, NOW), 60);
	ratelimit_free(rl);
}

int
main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "threads") == 0) {
		test_threads();
		return check_done();
	}
	test_limit();
	test_keys();
	test_check_clear();
	test_many();
	test_threads();
	return check_done();
}
