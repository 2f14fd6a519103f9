/* ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too) */
/*
 * Unit test of server/pool.c on a real libevent loop: done functions run on
 * the loop thread and work elsewhere, FIFO order, the bounded queue refuses
 * instead of growing, pool_free drains what is queued, and a done function
 * may submit again or free its inbox. Run it under ThreadSanitizer too.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "saferoom/pool.h"

#include "check.h"

#define MANY_JOBS	200
#define DRAIN_JOBS	5

struct job {
	int			 id;
	int			 worked;	/* set by work */
	int			 work_on_loop;	/* set by work */
	int			 done;		/* set by done */
	int			 done_on_loop;	/* set by done */
};

static struct event_base	*base;
static pthread_t		 loop_thread;	/* set before any pool */

/* done order, loop thread only */
static int			 done_order[MANY_JOBS];
static int			 ndone;

/* The blocker: a job that waits in work() until the test releases it. */
static pthread_mutex_t		 block_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 block_cond = PTHREAD_COND_INITIALIZER;
static int			 block_started, block_released;

static void
work_record(void *arg)
{
	struct job	*j = arg;

	j->worked++;
	j->work_on_loop = pthread_equal(pthread_self(), loop_thread);
}

static void
done_record(void *arg)
{
	struct job	*j = arg;

	j->done++;
	j->done_on_loop = pthread_equal(pthread_self(), loop_thread);
	if (ndone < MANY_JOBS)
		done_order[ndone++] = j->id;
}

static void
work_block(void *arg)
{
	pthread_mutex_lock(&block_lock);
	block_started = 1;
	pthread_cond_broadcast(&block_cond);
	while (!block_released)
		pthread_cond_wait(&block_cond, &block_lock);
	pthread_mutex_unlock(&block_lock);
	work_record(arg);
}

static void
block_reset(void)
{
	pthread_mutex_lock(&block_lock);
	block_started = block_released = 0;
	pthread_mutex_unlock(&block_lock);
}

static void
block_wait_started(void)
{
	pthread_mutex_lock(&block_lock);
	while (!block_started)
		pthread_cond_wait(&block_cond, &block_lock);
	pthread_mutex_unlock(&block_lock);
}

static void
block_release(void)
{
	pthread_mutex_lock(&block_lock);
	block_released = 1;
	pthread_cond_broadcast(&block_cond);
	pthread_mutex_unlock(&block_lock);
}

/* Run the loop until inbox has nothing pending. */
static void
run_until_idle(struct pool_inbox *inbox)
{
	while (pool_inbox_pending(inbox) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			break;
}

static void
test_bounds(void)
{
	CHECK(pool_new(0, 10) == NULL);
	CHECK(pool_new(POOL_THREADS_MAX + 1, 10) == NULL);
	CHECK(pool_new(1, 0) == NULL);
	CHECK(pool_new(1, POOL_QUEUE_MAX + 1) == NULL);
	pool_free(NULL);
	pool_inbox_free(NULL);
}

static void
test_many(void)
{
	struct pool		*pool;
	struct pool_inbox	*inbox;
	struct job		*jobs;
	int			 i, ok = 1, submitted = 0;

	CHECK((jobs = calloc(MANY_JOBS, sizeof(*jobs))) != NULL);
	CHECK((pool = pool_new(4, MANY_JOBS)) != NULL);
	CHECK((inbox = pool_inbox_new(base)) != NULL);
	if (jobs == NULL || pool == NULL || inbox == NULL)
		goto out;

	for (i = 0; i < MANY_JOBS; i++) {
		jobs[i].id = i;
		if (pool_submit(pool, inbox, work_record, done_record,
		    &jobs[i]) == 0)
			submitted++;
	}
	CHECK_INT(submitted, MANY_JOBS);
	/* Nothing is delivered before the loop runs. */
	CHECK_INT(pool_inbox_pending(inbox), MANY_JOBS);
	run_until_idle(inbox);
	CHECK_INT(pool_inbox_pending(inbox), 0);
	CHECK_INT(pool_queued(pool), 0);
	for (i = 0; i < MANY_JOBS; i++) {
		if (jobs[i].worked != 1 || jobs[i].done != 1 ||
		    !jobs[i].done_on_loop || jobs[i].work_on_loop)
			ok = 0;
	}
	CHECK(ok);
 out:
	pool_inbox_free(inbox);
	pool_free(pool);
	free(jobs);
}

static void
test_fifo(void)
{
	struct pool		*pool;
	struct pool_inbox	*inbox;
	struct job		 jobs[50];
	int			 i, ordered = 1;

	memset(jobs, 0, sizeof(jobs));
	ndone = 0;
	CHECK((pool = pool_new(1, 50)) != NULL);
	CHECK((inbox = pool_inbox_new(base)) != NULL);
	if (pool == NULL || inbox == NULL)
		goto out;
	for (i = 0; i < 50; i++) {
		jobs[i].id = i;
		CHECK_INT(pool_submit(pool, inbox, work_record, done_record,
		    &jobs[i]), 0);
	}
	run_until_idle(inbox);
	CHECK_INT(ndone, 50);
	for (i = 0; i < ndone; i++)
		if (done_order[i] != i)
			ordered = 0;
	CHECK(ordered);
 out:
	pool_inbox_free(inbox);
	pool_free(pool);
}

static void
test_full(void)
{
	struct pool		*pool;
	struct pool_inbox	*inbox;
	struct job		 blocker, b, c, d;

	memset(&blocker, 0, sizeof(blocker));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	block_reset();
	CHECK((pool = pool_new(1, 2)) != NULL);
	CHECK((inbox = pool_inbox_new(base)) != NULL);
	if (pool == NULL || inbox == NULL)
		goto out;

	CHECK_INT(pool_submit(pool, inbox, work_block, done_record,
	    &blocker), 0);
	block_wait_started();
	/* The one worker is busy: two fit in the queue, the fourth not. */
	CHECK_INT(pool_submit(pool, inbox, work_record, done_record, &b), 0);
	CHECK_INT(pool_submit(pool, inbox, work_record, done_record, &c), 0);
	CHECK_INT(pool_queued(pool), 2);
	CHECK_INT(pool_submit(pool, inbox, work_record, done_record, &d), -1);
	CHECK_INT(pool_inbox_pending(inbox), 3);

	block_release();
	run_until_idle(inbox);
	CHECK_INT(blocker.done, 1);
	CHECK_INT(b.done, 1);
	CHECK_INT(c.done, 1);
	/* A refused job never runs, and its arg stays the caller's. */
	CHECK_INT(d.worked, 0);
	CHECK_INT(d.done, 0);
	/* Room again once the queue drained. */
	CHECK_INT(pool_submit(pool, inbox, work_record, done_record, &d), 0);
	run_until_idle(inbox);
	CHECK_INT(d.done, 1);
 out:
	pool_inbox_free(inbox);
	pool_free(pool);
}

static void *
release_later(void *arg)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	block_release();
	return NULL;
}

static void
test_free_drains(void)
{
	struct pool		*pool;
	struct pool_inbox	*inbox;
	struct job		 blocker, jobs[DRAIN_JOBS];
	pthread_t		 releaser;
	int			 i, worked = 0, done = 0;

	memset(&blocker, 0, sizeof(blocker));
	memset(jobs, 0, sizeof(jobs));
	block_reset();
	CHECK((pool = pool_new(1, 10)) != NULL);
	CHECK((inbox = pool_inbox_new(base)) != NULL);
	if (pool == NULL || inbox == NULL) {
		pool_inbox_free(inbox);
		pool_free(pool);
		return;
	}
	CHECK_INT(pool_submit(pool, inbox, work_block, done_record,
	    &blocker), 0);
	block_wait_started();
	for (i = 0; i < DRAIN_JOBS; i++)
		CHECK_INT(pool_submit(pool, inbox, work_record, done_record,
		    &jobs[i]), 0);
	CHECK_INT(pool_queued(pool), DRAIN_JOBS);

	/* pool_free blocks in join until the blocker is let go. */
	CHECK_INT(pthread_create(&releaser, NULL, release_later, NULL), 0);
	pool_free(pool);
	pthread_join(releaser, NULL);
	for (i = 0; i < DRAIN_JOBS; i++)
		worked += jobs[i].worked;
	CHECK_INT(worked, DRAIN_JOBS);

	/* Their done functions come with the next turn of the loop. */
	CHECK_INT(pool_inbox_pending(inbox), DRAIN_JOBS + 1);
	run_until_idle(inbox);
	for (i = 0; i < DRAIN_JOBS; i++)
		done += jobs[i].done_on_loop;
	CHECK_INT(done, DRAIN_JOBS);
	CHECK_INT(blocker.done, 1);
	pool_inbox_free(inbox);
}

/* A done function that submits a second job, whose done frees the inbox. */
struct chain {
	struct pool		*pool;
	struct pool_inbox	*inbox;
	int			 worked;
	int			 steps;
	int			 freed;
};

static void
chain_work(void *arg)
{
	struct chain	*c = arg;

	c->worked++;
}

static void
chain_done(void *arg)
{
	struct chain	*c = arg;

	if (++c->steps < 3) {
		if (pool_submit(c->pool, c->inbox, chain_work, chain_done,
		    c) == -1)
			c->steps = 100;
		return;
	}
	if (pool_inbox_pending(c->inbox) == 0) {
		pool_inbox_free(c->inbox);
		c->inbox = NULL;
		c->freed = 1;
	}
}

static void
test_chain(void)
{
	struct chain	 c;

	memset(&c, 0, sizeof(c));
	CHECK((c.pool = pool_new(2, 4)) != NULL);
	CHECK((c.inbox = pool_inbox_new(base)) != NULL);
	if (c.pool == NULL || c.inbox == NULL)
		goto out;
	CHECK_INT(pool_submit(c.pool, c.inbox, chain_work, chain_done, &c), 0);
	while (!c.freed && c.steps < 100)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			break;
	CHECK_INT(c.steps, 3);
	CHECK_INT(c.worked, 3);
	CHECK_INT(c.freed, 1);
 out:
	pool_inbox_free(c.inbox);
	pool_free(c.pool);
}

int
main(void)
{
	/* A hang is a failure too. */
	alarm(120);
	loop_thread = pthread_self();
	if (!CHECK((base = event_base_new()) != NULL))
		return check_done();
	test_bounds();
	test_many();
	test_fifo();
	test_full();
	test_free_drains();
	test_chain();
	event_base_free(base);
	return check_done();
}
