/*
 * Unit test of server/slots.c against include/saferoom/slots.h: the grid
 * of starts inside weekly hours, the buffer around bookings, days off,
 * notice and horizon, the SLOTS_MAX cap, ordering, and wall times across
 * the 2026 daylight-saving changes in Europe/Berlin and America/New_York
 * (no skipped wall time offered, a repeated one offered once, every session
 * its real length).
 *
 * Expected instants are written as UTC wall times (the offset of the day
 * worked out by hand), so the grid is checked against the calendar and not
 * against civil.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "saferoom/civil.h"
#include "saferoom/slots.h"

#include "check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define FAR_FUTURE	((time_t)4102444800)	/* 2100-01-01 */
#define MON		1
#define TUE		2
#define SUN		7

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Unix seconds of a UTC wall time, by counting days. */
static time_t
utc(int y, int m, int d, int h, int mi)
{
	static const int	 n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };
	long			 days = 0;
	int			 i;

	for (i = 1970; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (i = 1; i < m; i++)
		days += n[i - 1] + (i == 2 && leap(y));
	days += d - 1;
	return (time_t)days * 86400 + h * 3600 + mi * 60;
}

/* Local wall time in Berlin in winter (UTC+1). */
static time_t
cet(int y, int m, int d, int h, int mi)
{
	return utc(y, m, d, h, mi) - 3600;
}

static struct slots_rules
rules(int minutes, int interval, int buffer)
{
	struct slots_rules	 r;

	memset(&r, 0, sizeof(r));
	r.minutes = minutes;
	r.interval = interval;
	r.buffer = buffer;
	r.not_before = 0;
	r.not_after = FAR_FUTURE;
	return r;
}

/*
 * Is l exactly the slots starting at want[0..n), each minutes long, of
 * therapist? Prints the first difference.
 */
static int
same_list(const struct slots_list *l, const time_t *want, size_t n,
    int minutes, int64_t therapist, int line)
{
	size_t	 i;

	if (l->n != n) {
		fprintf(stderr, "line %d: %zu slots, want %zu\n", line, l->n, n);
		for (i = 0; i < l->n; i++)
			fprintf(stderr, "\t[%zu] %lld\n", i,
			    (long long)l->v[i].start);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (l->v[i].start != want[i] ||
		    l->v[i].end != want[i] + (time_t)minutes * 60 ||
		    l->v[i].therapist != therapist) {
			fprintf(stderr, "line %d: slot %zu is %lld..%lld/%lld, "
			    "want %lld..%lld/%lld\n", line, i,
			    (long long)l->v[i].start, (long long)l->v[i].end,
			    (long long)l->v[i].therapist, (long long)want[i],
			    (long long)(want[i] + (time_t)minutes * 60),
			    (long long)therapist);
			return 0;
		}
	return 1;
}

#define CHECK_LIST(l, want, minutes, therapist)				\
	CHECK(same_list((l), (want), NELEM(want), (minutes), (therapist),	\
	    __LINE__))

/* Monday 2026-01-12 in Berlin, winter time. */
#define D(h, mi)	cet(2026, 1, 12, (h), (mi))

static void
test_one_range(void)
{
	struct slots_rules	 r = rules(50, 30, 0);
	struct slots_hours	 h[] = { { MON, 9 * 60, 12 * 60 } };
	struct slots_list	 l = { 0 };
	const time_t		 want[] = { D(9, 0), D(9, 30), D(10, 0),
				    D(10, 30), D(11, 0) };
	long			 mon = civil_days(2026, 1, 12);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
	CHECK_INT(slots_compute(&r, mon, 1, 7, h, NELEM(h), NULL, 0, NULL, 0,
	    &l), 0);
	CHECK_LIST(&l, want, 50, 7);
	slots_list_free(&l);
	CHECK(l.v == NULL && l.n == 0 && l.cap == 0);

	/* An exact fit: 60-minute sessions every 60 minutes. */
	{
		const time_t	 w[] = { D(9, 0), D(10, 0), D(11, 0) };

		r = rules(60, 60, 0);
		CHECK_INT(slots_compute(&r, mon, 1, 7, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, w, 60, 7);
		slots_list_free(&l);
	}

	/* A session longer than the range fits nowhere. */
	r = rules(200, 30, 0);
	CHECK_INT(slots_compute(&r, mon, 1, 7, h, NELEM(h), NULL, 0, NULL, 0,
	    &l), 0);
	CHECK_INT(l.n, 0);
	slots_list_free(&l);
}

static void
test_ranges_and_weekdays(void)
{
	struct slots_rules	 r = rules(60, 60, 0);
	struct slots_hours	 h[] = {
		{ MON, 13 * 60, 15 * 60 },	/* out of order on purpose */
		{ TUE, 10 * 60, 11 * 60 },
		{ MON, 9 * 60, 12 * 60 },
	};
	struct slots_list	 l = { 0 };
	const time_t		 want[] = {
		D(9, 0), D(10, 0), D(11, 0), D(13, 0), D(14, 0),
		cet(2026, 1, 13, 10, 0),
		cet(2026, 1, 19, 9, 0), cet(2026, 1, 19, 10, 0),
		cet(2026, 1, 19, 11, 0), cet(2026, 1, 19, 13, 0),
		cet(2026, 1, 19, 14, 0),
		cet(2026, 1, 20, 10, 0),
	};
	long			 mon = civil_days(2026, 1, 12);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
	CHECK_INT(slots_compute(&r, mon, 14, 3, h, NELEM(h), NULL, 0, NULL, 0,
	    &l), 0);
	slots_sort(&l);
	CHECK_LIST(&l, want, 60, 3);
	slots_list_free(&l);

	/* Starting on Wednesday for five days: no Monday, no Tuesday. */
	CHECK_INT(slots_compute(&r, mon + 2, 5, 3, h, NELEM(h), NULL, 0, NULL,
	    0, &l), 0);
	CHECK_INT(l.n, 0);
	slots_list_free(&l);

	/* ndays 0 asks for nothing. */
	CHECK_INT(slots_compute(&r, mon, 0, 3, h, NELEM(h), NULL, 0, NULL, 0,
	    &l), 0);
	CHECK_INT(l.n, 0);
	slots_list_free(&l);
}

static void
test_busy(void)
{
	struct slots_rules	 r = rules(50, 30, 10);
	struct slots_hours	 h[] = { { MON, 9 * 60, 13 * 60 } };
	struct slots_list	 l = { 0 };
	long			 mon = civil_days(2026, 1, 12);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);

	/*
	 * Grid 09:00..12:00 every 30. A booking 10:00-10:50 with a 10-minute
	 * buffer: 09:00-09:50 leaves exactly 10 minutes and stays; 09:30,
	 * 10:00, 10:30 come too close; 11:00 starts exactly 10 minutes
	 * after and stays.
	 */
	{
		struct slots_busy	 b[] = {
			{ D(10, 0), D(10, 50) },
			{ cet(2026, 1, 13, 9, 0), cet(2026, 1, 13, 13, 0) },
		};
		const time_t		 want[] = { D(9, 0), D(11, 0),
					    D(11, 30), D(12, 0) };

		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want, 50, 1);
		slots_list_free(&l);
	}

	/* Without the buffer, only the overlapping starts go. */
	{
		struct slots_busy	 b[] = { { D(10, 0), D(10, 50) } };
		const time_t		 want0[] = { D(9, 0), D(11, 0),
					    D(11, 30), D(12, 0) };

		/* 09:30, 10:00 and 10:30 overlap: the same list as above. */
		r.buffer = 0;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want0, 50, 1);
		slots_list_free(&l);

		/* A buffer of 11 also removes 09:00 and 11:00. */
		r.buffer = 11;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		{
			const time_t	 w[] = { D(11, 30), D(12, 0) };

			CHECK_LIST(&l, w, 50, 1);
		}
		slots_list_free(&l);
	}

	/* A 30-minute booking 11:40-12:10 overlapping partially. */
	{
		struct slots_busy	 b[] = { { D(11, 40), D(12, 10) } };
		const time_t		 want[] = { D(9, 0), D(9, 30), D(10, 0),
					    D(10, 30) };
		const time_t		 want5[] = { D(9, 0), D(9, 30),
					    D(10, 0) };

		r.buffer = 0;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want, 50, 1);
		slots_list_free(&l);

		/* 10:30-11:20 plus 20 minutes reaches 11:40: still clear. */
		r.buffer = 20;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want, 50, 1);
		slots_list_free(&l);

		/* 21 minutes is too close for 10:30. */
		r.buffer = 21;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want5, 50, 1);
		slots_list_free(&l);
	}

	/* A booking off the grid, 12:05-12:20: 12:00 overlaps it. */
	{
		struct slots_busy	 b[] = { { D(12, 5), D(12, 20) } };
		const time_t		 want[] = { D(9, 0), D(9, 30), D(10, 0),
					    D(10, 30), D(11, 0) };

		r.buffer = 0;
		CHECK_INT(slots_compute(&r, mon, 1, 1, h, NELEM(h), NULL, 0,
		    b, NELEM(b), &l), 0);
		CHECK_LIST(&l, want, 50, 1);
		slots_list_free(&l);
	}
}

static void
test_time_off(void)
{
	struct slots_rules	 r = rules(60, 60, 0);
	struct slots_hours	 h[] = {
		{ 1, 540, 600 }, { 2, 540, 600 }, { 3, 540, 600 },
		{ 4, 540, 600 }, { 5, 540, 600 },
	};
	struct slots_off	 off[] = {
		{ civil_days(2026, 1, 14), civil_days(2026, 1, 16) },
		{ civil_days(2026, 1, 21), civil_days(2026, 1, 21) },
	};
	struct slots_list	 l = { 0 };
	const time_t		 all[] = {
		cet(2026, 1, 12, 9, 0), cet(2026, 1, 13, 9, 0),
		cet(2026, 1, 14, 9, 0), cet(2026, 1, 15, 9, 0),
		cet(2026, 1, 16, 9, 0), cet(2026, 1, 19, 9, 0),
		cet(2026, 1, 20, 9, 0), cet(2026, 1, 21, 9, 0),
		cet(2026, 1, 22, 9, 0), cet(2026, 1, 23, 9, 0),
	};
	const time_t		 want[] = {
		cet(2026, 1, 12, 9, 0), cet(2026, 1, 13, 9, 0),
		cet(2026, 1, 19, 9, 0), cet(2026, 1, 20, 9, 0),
		cet(2026, 1, 22, 9, 0), cet(2026, 1, 23, 9, 0),
	};
	long			 mon = civil_days(2026, 1, 12);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
	CHECK_INT(slots_compute(&r, mon, 14, 9, h, NELEM(h), NULL, 0, NULL, 0,
	    &l), 0);
	CHECK_LIST(&l, all, 60, 9);
	slots_list_free(&l);

	CHECK_INT(slots_compute(&r, mon, 14, 9, h, NELEM(h), off, NELEM(off),
	    NULL, 0, &l), 0);
	CHECK_LIST(&l, want, 60, 9);
	slots_list_free(&l);
}

static void
test_notice_horizon(void)
{
	struct slots_rules	 r = rules(60, 60, 0);
	struct slots_hours	 h[] = { { MON, 9 * 60, 12 * 60 } };
	struct slots_list	 l = { 0 };
	long			 mon = civil_days(2026, 1, 12);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);

	/* not_before is inclusive. */
	{
		const time_t	 want[] = { D(10, 0), D(11, 0) };

		r.not_before = D(10, 0);
		CHECK_INT(slots_compute(&r, mon, 1, 2, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 60, 2);
		slots_list_free(&l);
	}
	{
		const time_t	 want[] = { D(11, 0) };

		r.not_before = D(10, 0) + 1;
		CHECK_INT(slots_compute(&r, mon, 1, 2, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 60, 2);
		slots_list_free(&l);
	}

	/* not_after is exclusive. */
	r.not_before = 0;
	{
		const time_t	 want[] = { D(9, 0), D(10, 0) };

		r.not_after = D(11, 0);
		CHECK_INT(slots_compute(&r, mon, 1, 2, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 60, 2);
		slots_list_free(&l);
	}
	{
		const time_t	 want[] = { D(9, 0), D(10, 0), D(11, 0) };

		r.not_after = D(11, 0) + 1;
		CHECK_INT(slots_compute(&r, mon, 1, 2, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 60, 2);
		slots_list_free(&l);
	}

	/* Both, over two weeks: only the second Monday's 10:00. */
	{
		const time_t	 want[] = { cet(2026, 1, 19, 10, 0) };

		r.not_before = cet(2026, 1, 19, 9, 30);
		r.not_after = cet(2026, 1, 19, 11, 0);
		CHECK_INT(slots_compute(&r, mon, 14, 2, h, NELEM(h), NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 60, 2);
		slots_list_free(&l);
	}
}

static void
test_on_grid(void)
{
	struct slots_rules	 r = rules(50, 30, 0);
	struct slots_hours	 h[] = { { MON, 9 * 60, 12 * 60 } };
	struct slots_off	 off[] = {
		{ civil_days(2026, 1, 19), civil_days(2026, 1, 19) },
	};

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
	CHECK_INT(slots_on_grid(&r, D(9, 0), h, 1, NULL, 0), 1);
	CHECK_INT(slots_on_grid(&r, D(10, 30), h, 1, NULL, 0), 1);
	CHECK_INT(slots_on_grid(&r, D(11, 0), h, 1, NULL, 0), 1);
	CHECK_INT(slots_on_grid(&r, D(11, 30), h, 1, NULL, 0), 0); /* ends late */
	CHECK_INT(slots_on_grid(&r, D(9, 15), h, 1, NULL, 0), 0);  /* off-grid */
	CHECK_INT(slots_on_grid(&r, D(9, 1), h, 1, NULL, 0), 0);
	CHECK_INT(slots_on_grid(&r, D(9, 0) + 1, h, 1, NULL, 0), 0);
	CHECK_INT(slots_on_grid(&r, D(8, 30), h, 1, NULL, 0), 0);  /* before */
	CHECK_INT(slots_on_grid(&r, D(12, 0), h, 1, NULL, 0), 0);  /* after */
	CHECK_INT(slots_on_grid(&r, cet(2026, 1, 13, 9, 0), h, 1, NULL, 0),
	    0);						/* Tuesday */
	CHECK_INT(slots_on_grid(&r, utc(2026, 1, 12, 9, 0), h, 1, NULL, 0),
	    1);						/* 09:00 UTC is 10:00 */
	CHECK_INT(slots_on_grid(&r, utc(2026, 1, 12, 10, 30), h, 1, NULL, 0),
	    0);						/* 11:30 local */
	CHECK_INT(slots_on_grid(&r, cet(2026, 1, 19, 9, 0), h, 1, NULL, 0),
	    1);
	CHECK_INT(slots_on_grid(&r, cet(2026, 1, 19, 9, 0), h, 1, off, 1),
	    0);						/* day off */
	CHECK_INT(slots_on_grid(&r, D(9, 0), h, 1, off, 1), 1);

	/* Notice and horizon do not matter here. */
	r.not_before = FAR_FUTURE;
	r.not_after = 0;
	CHECK_INT(slots_on_grid(&r, D(9, 0), h, 1, NULL, 0), 1);

	/* The grid runs from the range's opening, not from midnight. */
	{
		struct slots_rules	 r2 = rules(30, 45, 0);
		struct slots_hours	 h2[] = { { MON, 9 * 60 + 10, 12 * 60 } };

		CHECK_INT(slots_on_grid(&r2, D(9, 10), h2, 1, NULL, 0), 1);
		CHECK_INT(slots_on_grid(&r2, D(9, 55), h2, 1, NULL, 0), 1);
		CHECK_INT(slots_on_grid(&r2, D(11, 25), h2, 1, NULL, 0), 1);
		CHECK_INT(slots_on_grid(&r2, D(9, 0), h2, 1, NULL, 0), 0);
		CHECK_INT(slots_on_grid(&r2, D(9, 45), h2, 1, NULL, 0), 0);
		CHECK_INT(slots_on_grid(&r2, D(10, 0), h2, 1, NULL, 0), 0);
	}
}

static void
test_conflict(void)
{
	struct slots_busy	 b[] = { { 36000, 39600 } };	/* 10:00-11:00 */
	struct slots_busy	 two[] = { { 0, 600 }, { 36000, 39600 } };

	/* Touching either end without a buffer: free. */
	CHECK_INT(slots_conflict(32400, 36000, 0, b, 1), 0);
	CHECK_INT(slots_conflict(39600, 43200, 0, b, 1), 0);
	/* Touching with any buffer: taken. */
	CHECK_INT(slots_conflict(32400, 36000, 1, b, 1), 1);
	CHECK_INT(slots_conflict(39600, 43200, 1, b, 1), 1);
	/* Exactly the buffer apart: free; a second closer: taken. */
	CHECK_INT(slots_conflict(32400, 35400, 10, b, 1), 0);
	CHECK_INT(slots_conflict(32400, 35401, 10, b, 1), 1);
	CHECK_INT(slots_conflict(40200, 43200, 10, b, 1), 0);
	CHECK_INT(slots_conflict(40199, 43200, 10, b, 1), 1);
	/* Overlapping, inside, around, identical. */
	CHECK_INT(slots_conflict(35000, 36001, 0, b, 1), 1);
	CHECK_INT(slots_conflict(39599, 42000, 0, b, 1), 1);
	CHECK_INT(slots_conflict(36600, 37200, 0, b, 1), 1);
	CHECK_INT(slots_conflict(30000, 45000, 0, b, 1), 1);
	CHECK_INT(slots_conflict(36000, 39600, 0, b, 1), 1);
	/* No bookings; the second of two. */
	CHECK_INT(slots_conflict(36000, 39600, 60, NULL, 0), 0);
	CHECK_INT(slots_conflict(39000, 40000, 0, two, 2), 1);
	CHECK_INT(slots_conflict(7200, 10800, 0, two, 2), 0);
}

static void
test_sort(void)
{
	struct slots_list	 l = { 0 };
	const struct slot	 in[] = {
		{ 2000, 2600, 3 }, { 1000, 1600, 5 }, { 1000, 1600, 2 },
		{ 2000, 2600, 1 }, { 1000, 1600, (int64_t)1 << 40 },
		{ 500, 1100, 9 }, { 2000, 2600, -1 },
	};
	const struct slot	 want[] = {
		{ 500, 1100, 9 }, { 1000, 1600, 2 }, { 1000, 1600, 5 },
		{ 1000, 1600, (int64_t)1 << 40 }, { 2000, 2600, -1 },
		{ 2000, 2600, 1 }, { 2000, 2600, 3 },
	};
	size_t			 i, bad = 0;

	l.v = malloc(sizeof(in));
	if (!CHECK(l.v != NULL))
		return;
	memcpy(l.v, in, sizeof(in));
	l.n = l.cap = NELEM(in);
	slots_sort(&l);
	for (i = 0; i < NELEM(want); i++)
		if (l.v[i].start != want[i].start || l.v[i].end != want[i].end ||
		    l.v[i].therapist != want[i].therapist)
			bad++;
	CHECK_INT(bad, 0);
	slots_list_free(&l);

	/* Empty and single lists are left alone. */
	slots_sort(&l);
	CHECK_INT(l.n, 0);

	/* Two therapists appended to one list, then merged by the sort. */
	{
		struct slots_rules	 r = rules(60, 60, 0);
		struct slots_hours	 h1[] = { { MON, 9 * 60, 11 * 60 } };
		struct slots_hours	 h2[] = { { MON, 10 * 60, 12 * 60 } };
		long			 mon = civil_days(2026, 1, 12);
		const struct slot	 w[] = {
			{ D(9, 0), D(10, 0), 20 }, { D(10, 0), D(11, 0), 10 },
			{ D(10, 0), D(11, 0), 20 }, { D(11, 0), D(12, 0), 10 },
		};

		CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
		CHECK_INT(slots_compute(&r, mon, 1, 20, h1, 1, NULL, 0, NULL,
		    0, &l), 0);
		CHECK_INT(slots_compute(&r, mon, 1, 10, h2, 1, NULL, 0, NULL,
		    0, &l), 0);
		CHECK_INT(l.n, 4);
		slots_sort(&l);
		bad = 0;
		for (i = 0; i < l.n && i < NELEM(w); i++)
			if (l.v[i].start != w[i].start ||
			    l.v[i].end != w[i].end ||
			    l.v[i].therapist != w[i].therapist)
				bad++;
		CHECK_INT(bad, 0);
		slots_list_free(&l);
	}
}

/*
 * Starts all distinct and increasing, each session exactly minutes of real
 * time, none at a wall time in [skip_from, skip_to) of day.
 */
static void
check_sane(const struct slots_list *l, int minutes, long day, int skip_from,
    int skip_to, int line)
{
	size_t	 i;
	long	 d;
	int	 m, bad_len = 0, bad_order = 0, bad_wall = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].end - l->v[i].start != (time_t)minutes * 60)
			bad_len++;
		if (i > 0 && l->v[i].start <= l->v[i - 1].start)
			bad_order++;
		civil_utc_to_local(l->v[i].start, &d, &m);
		if (d == day && m >= skip_from && m < skip_to)
			bad_wall++;
	}
	if (bad_len || bad_order || bad_wall)
		fprintf(stderr, "line %d: %d wrong lengths, %d out of order or "
		    "repeated, %d in the skipped hour\n", line, bad_len,
		    bad_order, bad_wall);
	CHECK_INT(bad_len + bad_order + bad_wall, 0);
}

/* The local wall minutes of l's starts into out; how many. */
static size_t
wall_minutes(const struct slots_list *l, int *out, size_t max)
{
	size_t	 i;
	long	 d;

	for (i = 0; i < l->n && i < max; i++)
		civil_utc_to_local(l->v[i].start, &d, &out[i]);
	return i;
}

static void
test_dst_berlin(void)
{
	struct slots_rules	 r = rules(30, 30, 0);
	struct slots_hours	 night[] = { { SUN, 0, 5 * 60 } };
	struct slots_hours	 day[] = { { SUN, 9 * 60, 17 * 60 } };
	struct slots_list	 l = { 0 }, l2 = { 0 };
	long			 spring = civil_days(2026, 3, 29);
	long			 autumn = civil_days(2026, 10, 25);
	int			 a[64], b[64];
	size_t			 na, nb;

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);

	/* 00:00..01:30 CET, then 03:00..04:30 CEST: one unbroken half-hour row. */
	{
		const time_t	 want[] = {
			utc(2026, 3, 28, 23, 0), utc(2026, 3, 28, 23, 30),
			utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 0, 30),
			utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30),
			utc(2026, 3, 29, 2, 0), utc(2026, 3, 29, 2, 30),
		};

		CHECK_INT(slots_compute(&r, spring, 1, 4, night, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 30, 4);
		check_sane(&l, 30, spring, 120, 180, __LINE__);
		slots_list_free(&l);
	}

	/* 02:00 and 02:30 once each, as their first (CEST) occurrence. */
	{
		const time_t	 want[] = {
			utc(2026, 10, 24, 22, 0), utc(2026, 10, 24, 22, 30),
			utc(2026, 10, 24, 23, 0), utc(2026, 10, 24, 23, 30),
			utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30),
			utc(2026, 10, 25, 2, 0), utc(2026, 10, 25, 2, 30),
			utc(2026, 10, 25, 3, 0), utc(2026, 10, 25, 3, 30),
		};

		CHECK_INT(slots_compute(&r, autumn, 1, 4, night, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 30, 4);
		check_sane(&l, 30, autumn, -1, -1, __LINE__);
		slots_list_free(&l);
	}

	/* Hour-long sessions over the changes end by the real closing. */
	{
		struct slots_rules	 r60 = rules(60, 30, 0);
		struct slots_hours	 h[] = { { SUN, 60, 4 * 60 } };
		const time_t		 wspring[] = {
			utc(2026, 3, 29, 0, 0),		/* 01:00 CET */
			utc(2026, 3, 29, 0, 30),	/* 01:30 CET */
			utc(2026, 3, 29, 1, 0),		/* 03:00 CEST */
		};
		const time_t		 wautumn[] = {
			utc(2026, 10, 24, 23, 0), utc(2026, 10, 24, 23, 30),
			utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30),
			utc(2026, 10, 25, 2, 0),	/* 03:00 CET */
		};

		CHECK_INT(slots_compute(&r60, spring, 1, 4, h, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, wspring, 60, 4);
		slots_list_free(&l);
		CHECK_INT(slots_compute(&r60, autumn, 1, 4, h, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, wautumn, 60, 4);
		slots_list_free(&l);
	}

	/* A working Sunday across each change reads like the one before. */
	r = rules(50, 30, 0);
	CHECK_INT(slots_compute(&r, spring - 7, 1, 4, day, 1, NULL, 0, NULL,
	    0, &l), 0);
	CHECK_INT(slots_compute(&r, spring, 1, 4, day, 1, NULL, 0, NULL, 0,
	    &l2), 0);
	CHECK_INT(l.n, 15);
	CHECK_INT(l2.n, 15);
	na = wall_minutes(&l, a, NELEM(a));
	nb = wall_minutes(&l2, b, NELEM(b));
	CHECK(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0);
	CHECK_INT(a[0], 9 * 60);
	CHECK_INT(b[14], 16 * 60);
	if (CHECK_INT(l2.n, 15))
		CHECK_INT(l2.v[0].start, utc(2026, 3, 29, 7, 0));
	check_sane(&l2, 50, spring, 120, 180, __LINE__);
	slots_list_free(&l);
	slots_list_free(&l2);

	CHECK_INT(slots_compute(&r, autumn - 7, 1, 4, day, 1, NULL, 0, NULL,
	    0, &l), 0);
	CHECK_INT(slots_compute(&r, autumn, 1, 4, day, 1, NULL, 0, NULL, 0,
	    &l2), 0);
	CHECK_INT(l.n, 15);
	CHECK_INT(l2.n, 15);
	na = wall_minutes(&l, a, NELEM(a));
	nb = wall_minutes(&l2, b, NELEM(b));
	CHECK(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0);
	if (CHECK_INT(l2.n, 15))
		CHECK_INT(l2.v[0].start, utc(2026, 10, 25, 8, 0));
	slots_list_free(&l);
	slots_list_free(&l2);

	/* slots_on_grid agrees on the changes. */
	r = rules(30, 30, 0);
	CHECK_INT(slots_on_grid(&r, utc(2026, 3, 29, 0, 30), night, 1, NULL,
	    0), 1);					/* 01:30 CET */
	CHECK_INT(slots_on_grid(&r, utc(2026, 3, 29, 1, 0), night, 1, NULL,
	    0), 1);					/* 03:00 CEST */
	CHECK_INT(slots_on_grid(&r, utc(2026, 10, 25, 0, 30), night, 1, NULL,
	    0), 1);					/* 02:30 CEST */
	CHECK_INT(slots_on_grid(&r, utc(2026, 10, 25, 1, 30), night, 1, NULL,
	    0), 0);					/* 02:30 CET, again */
}

static void
test_dst_new_york(void)
{
	struct slots_rules	 r = rules(30, 30, 0);
	struct slots_hours	 night[] = { { SUN, 0, 5 * 60 } };
	struct slots_hours	 day[] = { { SUN, 9 * 60, 17 * 60 } };
	struct slots_list	 l = { 0 }, l2 = { 0 };
	long			 spring = civil_days(2026, 3, 8);
	long			 autumn = civil_days(2026, 11, 1);
	int			 a[64], b[64];
	size_t			 na, nb;

	CHECK_INT(civil_set_timezone("America/New_York"), 0);

	/* 00:00..01:30 EST, then 03:00..04:30 EDT. */
	{
		const time_t	 want[] = {
			utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 5, 30),
			utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 6, 30),
			utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 30),
			utc(2026, 3, 8, 8, 0), utc(2026, 3, 8, 8, 30),
		};

		CHECK_INT(slots_compute(&r, spring, 1, 5, night, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 30, 5);
		check_sane(&l, 30, spring, 120, 180, __LINE__);
		slots_list_free(&l);
	}

	/* 01:00 and 01:30 once each, as EDT. */
	{
		const time_t	 want[] = {
			utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 4, 30),
			utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 30),
			utc(2026, 11, 1, 7, 0), utc(2026, 11, 1, 7, 30),
			utc(2026, 11, 1, 8, 0), utc(2026, 11, 1, 8, 30),
			utc(2026, 11, 1, 9, 0), utc(2026, 11, 1, 9, 30),
		};

		CHECK_INT(slots_compute(&r, autumn, 1, 5, night, 1, NULL, 0,
		    NULL, 0, &l), 0);
		CHECK_LIST(&l, want, 30, 5);
		check_sane(&l, 30, autumn, -1, -1, __LINE__);
		slots_list_free(&l);
	}

	r = rules(50, 30, 0);
	CHECK_INT(slots_compute(&r, spring - 7, 1, 5, day, 1, NULL, 0, NULL,
	    0, &l), 0);
	CHECK_INT(slots_compute(&r, spring, 1, 5, day, 1, NULL, 0, NULL, 0,
	    &l2), 0);
	CHECK_INT(l2.n, 15);
	na = wall_minutes(&l, a, NELEM(a));
	nb = wall_minutes(&l2, b, NELEM(b));
	CHECK(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0);
	if (CHECK_INT(l2.n, 15))
		CHECK_INT(l2.v[0].start, utc(2026, 3, 8, 13, 0));
	slots_list_free(&l);
	slots_list_free(&l2);

	CHECK_INT(slots_compute(&r, autumn - 7, 1, 5, day, 1, NULL, 0, NULL,
	    0, &l), 0);
	CHECK_INT(slots_compute(&r, autumn, 1, 5, day, 1, NULL, 0, NULL, 0,
	    &l2), 0);
	CHECK_INT(l2.n, 15);
	na = wall_minutes(&l, a, NELEM(a));
	nb = wall_minutes(&l2, b, NELEM(b));
	CHECK(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0);
	if (CHECK_INT(l2.n, 15))
		CHECK_INT(l2.v[0].start, utc(2026, 11, 1, 14, 0));
	slots_list_free(&l);
	slots_list_free(&l2);
}

/* 1000 one-minute slots a day (00:00..16:39) in UTC. */
static void
test_max(void)
{
	struct slots_rules	 r = rules(1, 1, 0);
	struct slots_hours	 h[7];
	struct slots_list	 l = { 0 };
	long			 day = civil_days(2026, 1, 1);
	int			 i;

	CHECK_INT(civil_set_timezone("UTC"), 0);
	for (i = 0; i < 7; i++) {
		h[i].weekday = i + 1;
		h[i].from = 0;
		h[i].to = 1000;
	}
	CHECK_INT(slots_compute(&r, day, 1, 1, h, 7, NULL, 0, NULL, 0, &l), 0);
	CHECK_INT(l.n, 1000);
	slots_list_free(&l);

	/* Exactly SLOTS_MAX is allowed. */
	CHECK_INT(slots_compute(&r, day, 20, 1, h, 7, NULL, 0, NULL, 0, &l), 0);
	CHECK_INT(l.n, SLOTS_MAX);
	slots_list_free(&l);

	/* One day more passes SLOTS_MAX. */
	CHECK_INT(slots_compute(&r, day, 21, 1, h, 7, NULL, 0, NULL, 0, &l),
	    -1);
	slots_list_free(&l);

	/* So does a second call appending to the same list. */
	CHECK_INT(slots_compute(&r, day, 15, 1, h, 7, NULL, 0, NULL, 0, &l), 0);
	CHECK_INT(slots_compute(&r, day, 15, 2, h, 7, NULL, 0, NULL, 0, &l),
	    -1);
	slots_list_free(&l);

	/* Far past it. */
	CHECK_INT(slots_compute(&r, day, 40, 1, h, 7, NULL, 0, NULL, 0, &l),
	    -1);
	slots_list_free(&l);
}

int
main(void)
{
	test_one_range();
	test_ranges_and_weekdays();
	test_busy();
	test_time_off();
	test_notice_horizon();
	test_on_grid();
	test_conflict();
	test_sort();
	test_dst_berlin();
	test_dst_new_york();
	test_max();
	return check_done();
}
