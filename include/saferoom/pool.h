/*
 * pool: worker threads for slow work (scrypt above all) so that an event
 * loop never blocks. DESIGN.md "Shape": a bounded queue; when it is full the
 * caller answers 503 with Retry-After instead of queueing without bound.
 *
 * A job is submitted from an event-loop thread together with that loop's
 * inbox. Its work function runs on a worker thread; its done function then
 * runs on the submitting loop's thread, in that loop's event callback, so
 * done functions may touch loop state (SQLite connection, evhttp request)
 * without locks.
 */
#ifndef SAFEROOM_POOL_H
#define SAFEROOM_POOL_H

struct event_base;
struct pool;
struct pool_inbox;

typedef void	(*pool_work_fn)(void *arg);	/* on a worker thread */
typedef void	(*pool_done_fn)(void *arg);	/* on the loop thread */

#define POOL_THREADS_MAX	64
#define POOL_QUEUE_MAX		100000

/* Start nthreads workers with room for queue_max waiting jobs. NULL on error. */
struct pool	*pool_new(unsigned nthreads, unsigned queue_max);

/*
 * Stop the workers: jobs already queued are still worked, and their done
 * functions still delivered to inboxes that are still open. Joins threads.
 * NULL is accepted.
 */
void		 pool_free(struct pool *);

/* An inbox delivering done functions on base's thread. NULL on error. */
struct pool_inbox *pool_inbox_new(struct event_base *base);

/*
 * Free an inbox. The caller makes sure no job for it is still pending
 * (pool_inbox_pending() == 0). NULL is accepted.
 */
void		 pool_inbox_free(struct pool_inbox *);

/* Jobs submitted through this inbox whose done function has not run yet. */
unsigned	 pool_inbox_pending(const struct pool_inbox *);

/*
 * Queue work(arg) and, after it, done(arg) on the inbox's thread. Returns 0,
 * or -1 when the queue is full or the pool is stopping; then nothing runs
 * and arg still belongs to the caller (answer 503 + Retry-After).
 */
int		 pool_submit(struct pool *, struct pool_inbox *, pool_work_fn work,
		    pool_done_fn done, void *arg);

/* Jobs waiting for a worker, for logs and tests. */
unsigned	 pool_queued(struct pool *);

#endif
