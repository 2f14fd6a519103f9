/*
 * slots: free session starts from hours, time off and bookings; see
 * include/saferoom/slots.h. Pure computation: no store, no clock.
 */
#include <stdlib.h>
#include <string.h>

#include "saferoom/civil.h"
#include "saferoom/slots.h"

int
slots_conflict(time_t start, time_t end, int buffer,
    const struct slots_busy *busy, size_t nbusy)
{
	time_t	 pad = (time_t)buffer * 60;
	size_t	 i;

	for (i = 0; i < nbusy; i++)
		if (start < busy[i].end + pad && busy[i].start < end + pad)
			return 1;
	return 0;
}

static int
slots_day_off(long day, const struct slots_off *off, size_t noff)
{
	size_t	 i;

	for (i = 0; i < noff; i++)
		if (day >= off[i].from_day && day <= off[i].to_day)
			return 1;
	return 0;
}

static int
slots_push(struct slots_list *out, time_t start, time_t end, int64_t therapist)
{
	struct slot	*grown;
	size_t		 cap;

	if (out->n >= SLOTS_MAX)
		return -1;
	if (out->n == out->cap) {
		cap = out->cap ? out->cap * 2 : 64;
		if ((grown = reallocarray(out->v, cap, sizeof(*grown))) == NULL)
			return -1;
		out->v = grown;
		out->cap = cap;
	}
	out->v[out->n].start = start;
	out->v[out->n].end = end;
	out->v[out->n].therapist = therapist;
	out->n++;
	return 0;
}

/*
 * Call fn for every grid start of one day: the wall times that exist, in
 * order, each once, whose session ends by the range's closing.
 */
static int
slots_day(const struct slots_rules *r, long day, const struct slots_hours *h,
    size_t nh, int (*fn)(time_t, time_t, void *), void *arg)
{
	time_t	 start, close, prev = 0;
	size_t	 i;
	int	 m, wd = civil_weekday(day);

	for (i = 0; i < nh; i++) {
		if (h[i].weekday != wd)
			continue;
		if (civil_local_to_utc(day, h[i].to, &close) == -1)
			continue;	/* closing in a DST gap: skip the range */
		for (m = h[i].from; m + r->minutes <= h[i].to; m += r->interval) {
			if (civil_local_to_utc(day, m, &start) == -1)
				continue;	/* wall time skipped by DST */
			if (start <= prev && prev != 0)
				continue;	/* wall time repeated by DST */
			prev = start;
			if (start + (time_t)r->minutes * 60 > close)
				break;
			if (fn(start, start + (time_t)r->minutes * 60, arg) != 0)
				return 1;
		}
		prev = 0;
	}
	return 0;
}

struct slots_collect {
	const struct slots_rules	*r;
	int64_t				 therapist;
	const struct slots_busy		*busy;
	size_t				 nbusy;
	struct slots_list		*out;
	int				 failed;
};

static int
slots_collect_one(time_t start, time_t end, void *arg)
{
	struct slots_collect	*c = arg;

	if (start < c->r->not_before || start >= c->r->not_after ||
	    slots_conflict(start, end, c->r->buffer, c->busy, c->nbusy))
		return 0;
	if (slots_push(c->out, start, end, c->therapist) == -1) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

int
slots_compute(const struct slots_rules *r, long day, int ndays,
    int64_t therapist, const struct slots_hours *hours, size_t nhours,
    const struct slots_off *off, size_t noff, const struct slots_busy *busy,
    size_t nbusy, struct slots_list *out)
{
	struct slots_collect	 c = { r, therapist, busy, nbusy, out, 0 };
	long			 d;

	if (r->minutes <= 0 || r->interval <= 0)
		return -1;
	for (d = day; d < day + ndays; d++) {
		if (slots_day_off(d, off, noff))
			continue;
		slots_day(r, d, hours, nhours, slots_collect_one, &c);
		if (c.failed)
			return -1;
	}
	return 0;
}

struct slots_find {
	time_t	 want;
	int	 found;
};

static int
slots_find_one(time_t start, time_t end, void *arg)
{
	struct slots_find	*f = arg;

	if (start == f->want) {
		f->found = 1;
		return 1;
	}
	return 0;
}

int
slots_on_grid(const struct slots_rules *r, time_t start,
    const struct slots_hours *hours, size_t nhours,
    const struct slots_off *off, size_t noff)
{
	struct slots_find	 f = { start, 0 };
	long			 day;
	int			 minute;

	if (r->minutes <= 0 || r->interval <= 0)
		return 0;
	civil_utc_to_local(start, &day, &minute);
	if (slots_day_off(day, off, noff))
		return 0;
	slots_day(r, day, hours, nhours, slots_find_one, &f);
	return f.found;
}

static int
slots_cmp(const void *a, const void *b)
{
	const struct slot	*x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->therapist != y->therapist)
		return x->therapist < y->therapist ? -1 : 1;
	return 0;
}

void
slots_sort(struct slots_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), slots_cmp);
}

void
slots_list_free(struct slots_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
