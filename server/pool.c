/*
 * pool: worker threads for slow work, and inboxes that hand results back
 * to the event loop that asked. See include/saferoom/pool.h for the contract
 * and DESIGN.md "Shape" for why the queue is bounded.
 *
 * A job travels: loop thread (pool_submit) -> pool queue -> worker (work)
 * -> inbox list -> loop thread (done). Each hand-over is under a mutex, so
 * whatever work() wrote is visible to done() without further locking. The
 * inbox wakes its loop through an eventfd watched by a persistent event;
 * the eventfd only says "look", the list under the mutex is the truth.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <event2/event.h>

#include "saferoom/log.h"
#include "saferoom/pool.h"

struct pool_job {
	pool_work_fn		 work;
	pool_done_fn		 done;
	void			*arg;
	struct pool_inbox	*inbox;
	struct pool_job		*next;
};

struct pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* work queued, or stopping */
	struct pool_job		*head;		/* FIFO of waiting jobs */
	struct pool_job		*tail;
	unsigned		 queued;
	unsigned		 queue_max;
	int			 stopping;
	unsigned		 nthreads;	/* set before any thread runs */
	pthread_t		 threads[];
};

struct pool_inbox {
	struct event		*ev;
	int			 efd;
	pthread_mutex_t		 lock;
	struct pool_job		*head;		/* worked, done not yet run */
	struct pool_job		*tail;
	unsigned		 pending;	/* loop thread only */
};

/*
 * Hand a worked job to its inbox. The eventfd is written under the inbox
 * lock: once the loop has taken the job and run its done function the
 * owner may free the inbox, so this thread must be finished with it by
 * the time the loop can get the lock.
 */
static void
pool_inbox_post(struct pool_inbox *inbox, struct pool_job *job)
{
	uint64_t	 one = 1;

	job->next = NULL;
	pthread_mutex_lock(&inbox->lock);
	if (inbox->tail != NULL)
		inbox->tail->next = job;
	else
		inbox->head = job;
	inbox->tail = job;
	if (write(inbox->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("pool", "eventfd write");
	pthread_mutex_unlock(&inbox->lock);
}

static void *
pool_worker(void *arg)
{
	struct pool	*pool = arg;
	struct pool_job	*job;

	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (pool->head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->cond, &pool->lock);
		/* Stopping still drains the queue: only an empty one ends us. */
		if ((job = pool->head) == NULL) {
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		if ((pool->head = job->next) == NULL)
			pool->tail = NULL;
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);

		job->work(job->arg);
		pool_inbox_post(job->inbox, job);
	}
	return NULL;
}

struct pool *
pool_new(unsigned nthreads, unsigned queue_max)
{
	struct pool	*pool = NULL;
	sigset_t	 all, old;
	unsigned	 started = 0;
	int		 have_lock = 0, have_cond = 0, masked = 0;

	if (nthreads < 1 || nthreads > POOL_THREADS_MAX)
		goto fail;
	if (queue_max < 1 || queue_max > POOL_QUEUE_MAX)
		goto fail;
	if ((pool = calloc(1, sizeof(*pool) +
	    nthreads * sizeof(pool->threads[0]))) == NULL)
		goto fail;
	pool->queue_max = queue_max;
	pool->nthreads = nthreads;
	if (pthread_mutex_init(&pool->lock, NULL) != 0)
		goto fail;
	have_lock = 1;
	if (pthread_cond_init(&pool->cond, NULL) != 0)
		goto fail;
	have_cond = 1;

	/* Workers inherit a full mask: signals belong to the loop threads. */
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		goto fail;
	masked = 1;
	for (started = 0; started < nthreads; started++)
		if (pthread_create(&pool->threads[started], NULL, pool_worker,
		    pool) != 0)
			goto fail;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pool;

 fail:
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started > 0) {
		pthread_mutex_lock(&pool->lock);
		pool->stopping = 1;
		pthread_cond_broadcast(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
		while (started > 0)
			pthread_join(pool->threads[--started], NULL);
	}
	if (have_cond)
		pthread_cond_destroy(&pool->cond);
	if (have_lock)
		pthread_mutex_destroy(&pool->lock);
	free(pool);
	return NULL;
}

void
pool_free(struct pool *pool)
{
	unsigned	 i;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	assert(pool->head == NULL && pool->queued == 0);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

int
pool_submit(struct pool *pool, struct pool_inbox *inbox, pool_work_fn work,
    pool_done_fn done, void *arg)
{
	struct pool_job	*job;

	if (work == NULL || done == NULL)
		return -1;
	if ((job = malloc(sizeof(*job))) == NULL)
		return -1;
	job->work = work;
	job->done = done;
	job->arg = arg;
	job->inbox = inbox;
	job->next = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->stopping || pool->queued >= pool->queue_max) {
		pthread_mutex_unlock(&pool->lock);
		free(job);
		return -1;
	}
	if (pool->tail != NULL)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pool->queued++;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);

	inbox->pending++;
	return 0;
}

unsigned
pool_inbox_pending(const struct pool_inbox *inbox)
{
	return inbox->pending;
}

unsigned
pool_queued(struct pool *pool)
{
	unsigned	 n;

	pthread_mutex_lock(&pool->lock);
	n = pool->queued;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

/*
 * The inbox's event: runs every finished job's done function, outside the
 * lock so that a done function may submit again. A done function may also
 * free the inbox once pending is 0, so the inbox is not touched after the
 * last one returns.
 */
static void
pool_inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pool_inbox	*inbox = arg;
	struct pool_job		*job, *next;
	uint64_t		 count;

	(void)what;
	if (read(fd, &count, sizeof(count)) == -1 && errno != EAGAIN)
		log_warn("pool", "eventfd read");

	pthread_mutex_lock(&inbox->lock);
	job = inbox->head;
	inbox->head = inbox->tail = NULL;
	pthread_mutex_unlock(&inbox->lock);

	for (; job != NULL; job = next) {
		next = job->next;
		assert(inbox->pending > 0);
		inbox->pending--;
		job->done(job->arg);
		free(job);
	}
}

struct pool_inbox *
pool_inbox_new(struct event_base *base)
{
	struct pool_inbox	*inbox;
	int			 have_lock = 0;

	if ((inbox = calloc(1, sizeof(*inbox))) == NULL)
		return NULL;
	inbox->efd = -1;
	if (pthread_mutex_init(&inbox->lock, NULL) != 0)
		goto fail;
	have_lock = 1;
	if ((inbox->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail;
	if ((inbox->ev = event_new(base, inbox->efd, EV_READ | EV_PERSIST,
	    pool_inbox_cb, inbox)) == NULL)
		goto fail;
	if (event_add(inbox->ev, NULL) == -1)
		goto fail;
	return inbox;

 fail:
	if (inbox->ev != NULL)
		event_free(inbox->ev);
	if (inbox->efd != -1)
		close(inbox->efd);
	if (have_lock)
		pthread_mutex_destroy(&inbox->lock);
	free(inbox);
	return NULL;
}

void
pool_inbox_free(struct pool_inbox *inbox)
{
	struct pool_job	*job, *next;

	if (inbox == NULL)
		return;
	assert(inbox->pending == 0);
	event_free(inbox->ev);
	close(inbox->efd);
	/* Only reachable if the caller broke the contract: do not leak. */
	for (job = inbox->head; job != NULL; job = next) {
		next = job->next;
		free(job);
	}
	pthread_mutex_destroy(&inbox->lock);
	free(inbox);
}
