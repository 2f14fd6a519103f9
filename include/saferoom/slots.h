/*
 * slots: which session starts are free, as pure computation over a
 * therapist's weekly hours, time off and existing bookings (DESIGN.md
 * "Times"). All wall times are in the clinic's zone (civil.h), so slots are
 * right across daylight-saving changes: a wall time that does not exist is
 * never offered, one that happens twice is offered once, and a session's
 * end is its start plus its real length.
 *
 * A range whose closing wall time does not exist that day (it falls in the
 * hour skipped by DST) offers nothing that day.
 *
 * A slot starts at a range's opening plus a whole number of intervals, ends
 * no later than the range's closing, keeps the buffer clear of every other
 * booking of the same therapist, is not on a day off, and lies in
 * [not_before, not_after).
 */
#ifndef SAFEROOM_SLOTS_H
#define SAFEROOM_SLOTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SLOTS_DAYS_MAX		62	/* longest range one query may ask */
#define SLOTS_MAX		20000	/* most slots one answer holds */

struct slots_hours {
	int		 weekday;	/* 1 Monday .. 7 Sunday */
	int		 from, to;	/* minutes since local midnight */
};

struct slots_off {
	long		 from_day, to_day;	/* inclusive, days since epoch */
};

struct slots_busy {
	time_t		 start, end;
};

struct slots_rules {
	int		 minutes;	/* the service's length */
	int		 interval;	/* grid step, minutes */
	int		 buffer;	/* minutes kept free around a session */
	time_t		 not_before;	/* now + minimum notice */
	time_t		 not_after;	/* end of the booking horizon */
};

struct slot {
	time_t		 start, end;
	int64_t		 therapist;
};

struct slots_list {
	struct slot	*v;
	size_t		 n, cap;
};

/*
 * Append to out the free slots of therapist on days [day, day + ndays).
 * Returns 0, or -1 when memory runs out or SLOTS_MAX is passed.
 */
int	slots_compute(const struct slots_rules *, long day, int ndays,
	    int64_t therapist,
	    const struct slots_hours *hours, size_t nhours,
	    const struct slots_off *off, size_t noff,
	    const struct slots_busy *busy, size_t nbusy,
	    struct slots_list *out);

/*
 * Is start a slot of these hours for this length, ignoring bookings,
 * notice and horizon (so a caller can tell "not a slot" from "taken")?
 */
int	slots_on_grid(const struct slots_rules *, time_t start,
	    const struct slots_hours *hours, size_t nhours,
	    const struct slots_off *off, size_t noff);

/* Does [start, end) come within buffer minutes of a busy range? */
int	slots_conflict(time_t start, time_t end, int buffer,
	    const struct slots_busy *busy, size_t nbusy);

/* Order by start, then therapist. */
void	slots_sort(struct slots_list *);

void	slots_list_free(struct slots_list *);

#endif
