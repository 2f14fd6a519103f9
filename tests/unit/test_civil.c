/*
 * Unit test of server/civil.c against include/saferoom/civil.h: day numbers
 * both ways for every day 1970..2100, weekdays, strict date and RFC 3339
 * parsing, and wall times in Europe/Berlin and America/New_York across
 * both 2026 daylight-saving changes (a skipped wall time does not exist, a
 * repeated one gives its first occurrence).
 *
 * Expected instants are written out as Unix seconds (checked with
 * `date -u -d ... +%s`) or computed by the naive day count below, never by
 * the module under test.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "saferoom/civil.h"

#include "check.h"

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int	 n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };

	return n[m - 1] + (m == 2 && leap(y));
}

/* Days since 1970-01-01 by counting, for years >= 1970. */
static long
naive_days(int y, int m, int d)
{
	long	 days = 0;
	int	 i;

	for (i = 1970; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (i = 1; i < m; i++)
		days += mdays(y, i);
	return days + d - 1;
}

/* Unix seconds of a UTC wall time. */
static time_t
utc(int y, int m, int d, int h, int mi)
{
	return (time_t)naive_days(y, m, d) * 86400 + h * 3600 + mi * 60;
}

static void
test_days(void)
{
	long	 days = 0, bad_days = 0, bad_ymd = 0, bad_wd = 0;
	int	 y, m, d, gy, gm, gd, wd = 4;	/* 1970-01-01: Thursday */

	/* Known values. */
	CHECK_INT(civil_days(1970, 1, 1), 0);
	CHECK_INT(civil_days(1970, 1, 2), 1);
	CHECK_INT(civil_days(2000, 3, 1), 11017);
	CHECK_INT(civil_days(2000, 2, 29), 11016);
	CHECK_INT(civil_days(2024, 2, 29), 19782);
	CHECK_INT(civil_days(2026, 11, 27), 20784);
	CHECK_INT(civil_days(2100, 12, 31), 47846);
	civil_ymd(20784, &y, &m, &d);
	CHECK_INT(y, 2026);
	CHECK_INT(m, 11);
	CHECK_INT(d, 27);
	civil_ymd(0, &y, &m, &d);
	CHECK(y == 1970 && m == 1 && d == 1);

	/* Every day 1970..2100 both ways, and the weekday advancing by one. */
	for (y = 1970; y <= 2100; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= mdays(y, m); d++, days++) {
				if (civil_days(y, m, d) != days && bad_days++ == 0)
					fprintf(stderr, "civil_days(%d, %d, %d)"
					    " = %ld, want %ld\n", y, m, d,
					    civil_days(y, m, d), days);
				civil_ymd(days, &gy, &gm, &gd);
				if ((gy != y || gm != m || gd != d) &&
				    bad_ymd++ == 0)
					fprintf(stderr, "civil_ymd(%ld) = "
					    "%d-%d-%d, want %d-%d-%d\n", days,
					    gy, gm, gd, y, m, d);
				if (civil_weekday(days) != wd && bad_wd++ == 0)
					fprintf(stderr, "civil_weekday(%ld) = "
					    "%d, want %d\n", days,
					    civil_weekday(days), wd);
				wd = wd % 7 + 1;
			}
	CHECK_INT(days, 47847);		/* the loop covered every day */
	CHECK_INT(bad_days, 0);
	CHECK_INT(bad_ymd, 0);
	CHECK_INT(bad_wd, 0);
}

static void
test_weekday(void)
{
	CHECK_INT(civil_weekday(0), 4);			/* Thursday */
	CHECK_INT(civil_weekday(20784), 5);		/* 2026-11-27 Friday */
	CHECK_INT(civil_weekday(civil_days(2026, 3, 29)), 7);	/* Sunday */
	CHECK_INT(civil_weekday(civil_days(2026, 3, 30)), 1);	/* Monday */
	CHECK_INT(civil_weekday(civil_days(2000, 3, 1)), 3);	/* Wednesday */
	CHECK_INT(civil_weekday(-1), 3);		/* 1969-12-31 Wednesday */
}

#define DATE_OK(s, want) do {						\
	long d_ = -4242;						\
	if (CHECK_INT(civil_parse_date((s), &d_), 0))			\
		CHECK_INT(d_, (want));					\
} while (0)
#define DATE_BAD(s) do {						\
	long d_ = -4242;						\
	CHECK_INT(civil_parse_date((s), &d_), -1);			\
	CHECK_INT(d_, -4242);						\
} while (0)

static void
test_parse_date(void)
{
	char	 out[CIVIL_DATE_MAX];
	long	 days, bad = 0;

	DATE_OK("1970-01-01", 0);
	DATE_OK("2024-02-29", 19782);
	DATE_OK("2000-02-29", 11016);
	DATE_OK("2026-11-27", 20784);
	DATE_OK("2026-12-31", naive_days(2026, 12, 31));
	DATE_OK("9999-12-31", civil_days(9999, 12, 31));

	DATE_BAD("2023-02-29");		/* not a leap year */
	DATE_BAD("2100-02-29");		/* century, not a leap year */
	DATE_BAD("2026-13-01");
	DATE_BAD("2026-00-10");
	DATE_BAD("2026-04-31");
	DATE_BAD("2026-04-00");
	DATE_BAD("2026-1-01");
	DATE_BAD("2026-01-1");
	DATE_BAD("26-01-01");
	DATE_BAD("2026-01-01x");
	DATE_BAD("2026-01-01 ");
	DATE_BAD(" 2026-01-01");
	DATE_BAD("2026-01-01T00:00:00Z");
	DATE_BAD("2026/01/01");
	DATE_BAD("2026-+1-01");
	DATE_BAD("1969-12-31");
	DATE_BAD("0000-01-01");
	DATE_BAD("");

	civil_format_date(20784, out);
	CHECK_STR(out, "2026-11-27");
	civil_format_date(0, out);
	CHECK_STR(out, "1970-01-01");
	for (days = 0; days <= 47846; days++) {
		long	 back = -1;

		civil_format_date(days, out);
		if ((civil_parse_date(out, &back) != 0 || back != days) &&
		    bad++ == 0)
			fprintf(stderr, "date %ld -> \"%s\" -> %ld\n", days,
			    out, back);
	}
	CHECK_INT(bad, 0);
}

#define TIME_OK(s, want) do {						\
	time_t t_ = -4242;						\
	if (CHECK_INT(civil_parse_rfc3339((s), &t_), 0))		\
		CHECK_INT(t_, (want));					\
} while (0)
#define TIME_BAD(s) do {						\
	time_t t_ = -4242;						\
	CHECK_INT(civil_parse_rfc3339((s), &t_), -1);			\
	CHECK_INT(t_, -4242);						\
} while (0)

static void
test_parse_rfc3339(void)
{
	TIME_OK("2026-03-29T10:00:00Z", 1774778400);
	TIME_OK("2026-03-29T10:00:00+02:00", 1774771200);
	TIME_OK("2026-03-29T10:00:00-05:00", 1774796400);
	TIME_OK("2026-03-29T10:00:00+00:00", 1774778400);
	TIME_OK("2026-03-29T10:00:00+05:30", 1774778400 - 5 * 3600 - 1800);
	TIME_OK("2026-03-29T10:00:59Z", 1774778400 + 59);
	TIME_OK("1970-01-01T00:00:00Z", 0);
	TIME_OK("2026-01-01T00:30:00+01:00", utc(2025, 12, 31, 23, 30));
	TIME_OK("2026-12-31T23:00:00-02:00", utc(2027, 1, 1, 1, 0));

	TIME_BAD("2026-03-29T10:00:00");		/* no offset */
	TIME_BAD("2026-03-29T10:00Z");			/* no seconds */
	TIME_BAD("2026-03-29T10:00:00.5Z");		/* a real fraction */
	TIME_BAD("2026-03-29T10:00:00.0001Z");
	TIME_BAD("2026-03-29T10:00:00.Z");		/* empty fraction */
	TIME_BAD("2026-03-29T10:00:00.0000000000Z");	/* 10 digits */
	/* Zero fractions, as JavaScript's toISOString() writes, are whole seconds. */
	TIME_OK("2026-03-29T10:00:00.000Z", 1774778400);
	TIME_OK("2026-03-29T12:00:00.000+02:00", 1774778400);
	TIME_OK("2026-03-29T10:00:00.0Z", 1774778400);
	TIME_BAD("2026-03-29T25:00:00Z");
	TIME_BAD("2026-03-29T24:00:00Z");
	TIME_BAD("2026-03-29T10:60:00Z");
	TIME_BAD("2026-03-29T10:00:61Z");
	TIME_BAD("2026-13-29T10:00:00Z");		/* bad month */
	TIME_BAD("2026-00-29T10:00:00Z");
	TIME_BAD("2026-02-29T10:00:00Z");		/* not a real date */
	TIME_BAD("2026-03-29T10:00:00Zx");		/* extra chars */
	TIME_BAD("2026-03-29T10:00:00+02:00x");
	TIME_BAD("2026-03-29T10:00:00+02:00Z");
	TIME_BAD(" 2026-03-29T10:00:00Z");
	TIME_BAD("2026-03-29X10:00:00Z");
	TIME_BAD("2026-03-29T10:00:00+0200");
	TIME_BAD("2026-03-29T10:00:00+2:00");
	TIME_BAD("2026-03-29T10:00:00+02:60");
	TIME_BAD("2026-03-29T10:00:00+24:00");
	TIME_BAD("2026-03-29T1a:00:00Z");
	TIME_BAD("1969-12-31T23:00:00Z");
	TIME_BAD("");
}

static void
test_format_rfc3339(void)
{
	char	 out[CIVIL_RFC3339_MAX];
	time_t	 t;

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);
	civil_format_rfc3339(1768478400, out);		/* 2026-01-15 12:00Z */
	CHECK_STR(out, "2026-01-15T13:00:00+01:00");
	civil_format_rfc3339(1784116800, out);		/* 2026-07-15 12:00Z */
	CHECK_STR(out, "2026-07-15T14:00:00+02:00");
	civil_format_rfc3339(utc(2026, 3, 29, 0, 59), out);
	CHECK_STR(out, "2026-03-29T01:59:00+01:00");
	civil_format_rfc3339(utc(2026, 3, 29, 1, 0), out);
	CHECK_STR(out, "2026-03-29T03:00:00+02:00");
	civil_format_rfc3339(utc(2026, 10, 25, 0, 30), out);
	CHECK_STR(out, "2026-10-25T02:30:00+02:00");
	civil_format_rfc3339(utc(2026, 10, 25, 1, 30), out);
	CHECK_STR(out, "2026-10-25T02:30:00+01:00");
	civil_format_rfc3339(utc(2026, 10, 25, 1, 30) + 7, out);
	CHECK_STR(out, "2026-10-25T02:30:07+01:00");
	if (CHECK_INT(civil_parse_rfc3339(out, &t), 0))
		CHECK_INT(t, utc(2026, 10, 25, 1, 30) + 7);

	CHECK_INT(civil_set_timezone("America/New_York"), 0);
	civil_format_rfc3339(1768478400, out);
	CHECK_STR(out, "2026-01-15T07:00:00-05:00");
	civil_format_rfc3339(1784116800, out);
	CHECK_STR(out, "2026-07-15T08:00:00-04:00");
	civil_format_rfc3339(utc(2026, 11, 1, 5, 30), out);
	CHECK_STR(out, "2026-11-01T01:30:00-04:00");
	civil_format_rfc3339(utc(2026, 11, 1, 6, 30), out);
	CHECK_STR(out, "2026-11-01T01:30:00-05:00");

	CHECK_INT(civil_set_timezone("UTC"), 0);
	civil_format_rfc3339(1774778400, out);
	CHECK_STR(out, "2026-03-29T10:00:00+00:00");
}

/* civil_local_to_utc(day of y-m-d, hh:mm) expected to give want. */
#define LOCAL_OK(y, m, d, hh, mm, want) do {				\
	time_t t_ = -4242;						\
	if (CHECK_INT(civil_local_to_utc(civil_days((y), (m), (d)),	\
	    (hh) * 60 + (mm), &t_), 0))					\
		CHECK_INT(t_, (want));					\
} while (0)
#define LOCAL_GAP(y, m, d, hh, mm) do {					\
	time_t t_ = -4242;						\
	CHECK_INT(civil_local_to_utc(civil_days((y), (m), (d)),		\
	    (hh) * 60 + (mm), &t_), -1);				\
} while (0)

static void
test_local_berlin(void)
{
	char	 out[CIVIL_RFC3339_MAX];
	time_t	 a = 0, b = 0;
	long	 spring = civil_days(2026, 3, 29);

	CHECK_INT(civil_set_timezone("Europe/Berlin"), 0);

	/* Ordinary days, winter and summer, both ends of the day. */
	LOCAL_OK(2026, 1, 15, 13, 0, 1768478400);
	LOCAL_OK(2026, 7, 15, 14, 0, 1784116800);
	LOCAL_OK(2026, 1, 15, 0, 0, utc(2026, 1, 14, 23, 0));
	LOCAL_OK(2026, 1, 15, 23, 59, utc(2026, 1, 15, 22, 59));

	/* Spring forward 2026-03-29: 02:00 CET becomes 03:00 CEST. */
	LOCAL_OK(2026, 3, 29, 1, 30, 1774744200);
	LOCAL_OK(2026, 3, 29, 1, 59, utc(2026, 3, 29, 0, 59));
	LOCAL_GAP(2026, 3, 29, 2, 0);
	LOCAL_GAP(2026, 3, 29, 2, 30);
	LOCAL_GAP(2026, 3, 29, 2, 59);
	LOCAL_OK(2026, 3, 29, 3, 0, utc(2026, 3, 29, 1, 0));
	LOCAL_OK(2026, 3, 29, 3, 30, 1774747800);
	if (CHECK_INT(civil_local_to_utc(spring, 90, &a), 0) &&
	    CHECK_INT(civil_local_to_utc(spring, 210, &b), 0))
		CHECK_INT(b - a, 3600);		/* 01:30 to 03:30 is one hour */

	/* Fall back 2026-10-25: 03:00 CEST becomes 02:00 CET; first wins. */
	LOCAL_OK(2026, 10, 25, 1, 59, utc(2026, 10, 24, 23, 59));
	LOCAL_OK(2026, 10, 25, 2, 0, utc(2026, 10, 25, 0, 0));
	LOCAL_OK(2026, 10, 25, 2, 30, 1792888200);
	LOCAL_OK(2026, 10, 25, 2, 59, utc(2026, 10, 25, 0, 59));
	LOCAL_OK(2026, 10, 25, 3, 0, utc(2026, 10, 25, 2, 0));
	if (CHECK_INT(civil_local_to_utc(civil_days(2026, 10, 25), 150, &a),
	    0)) {
		civil_format_rfc3339(a, out);
		CHECK_STR(out, "2026-10-25T02:30:00+02:00");
	}

	/* Minute 1440 is the next day's midnight. */
	LOCAL_OK(2026, 3, 28, 24, 0, utc(2026, 3, 28, 23, 0));
	LOCAL_OK(2026, 3, 29, 24, 0, utc(2026, 3, 29, 22, 0));
	LOCAL_OK(2026, 10, 25, 24, 0, utc(2026, 10, 25, 23, 0));
}

static void
test_local_new_york(void)
{
	time_t	 a = 0, b = 0;
	long	 spring = civil_days(2026, 3, 8);

	CHECK_INT(civil_set_timezone("America/New_York"), 0);

	LOCAL_OK(2026, 1, 15, 7, 0, 1768478400);
	LOCAL_OK(2026, 7, 15, 8, 0, 1784116800);

	/* Spring forward 2026-03-08: 02:00 EST becomes 03:00 EDT. */
	LOCAL_OK(2026, 3, 8, 1, 30, 1772951400);
	LOCAL_OK(2026, 3, 8, 1, 59, utc(2026, 3, 8, 6, 59));
	LOCAL_GAP(2026, 3, 8, 2, 0);
	LOCAL_GAP(2026, 3, 8, 2, 30);
	LOCAL_OK(2026, 3, 8, 3, 0, utc(2026, 3, 8, 7, 0));
	LOCAL_OK(2026, 3, 8, 3, 30, 1772955000);
	if (CHECK_INT(civil_local_to_utc(spring, 90, &a), 0) &&
	    CHECK_INT(civil_local_to_utc(spring, 210, &b), 0))
		CHECK_INT(b - a, 3600);

	/* Fall back 2026-11-01: 02:00 EDT becomes 01:00 EST; first wins. */
	LOCAL_OK(2026, 11, 1, 0, 59, utc(2026, 11, 1, 4, 59));
	LOCAL_OK(2026, 11, 1, 1, 0, utc(2026, 11, 1, 5, 0));
	LOCAL_OK(2026, 11, 1, 1, 30, 1793511000);
	LOCAL_OK(2026, 11, 1, 1, 59, utc(2026, 11, 1, 5, 59));
	LOCAL_OK(2026, 11, 1, 2, 0, 1793516400);
	LOCAL_OK(2026, 11, 1, 2, 30, utc(2026, 11, 1, 7, 30));
}

/*
 * For every 5 minutes of 2026 in zone: local -> UTC -> local gives the same
 * wall time; exactly the 12 five-minute steps of the skipped hour do not
 * exist; and UTC -> local -> UTC gives the instant back except in the
 * repeated hour's second pass, where it gives the first (an hour earlier).
 */
static void
test_round_trip(const char *zone, long gap_day, long back_day, int back_from)
{
	time_t	 t, u, first = utc(2026, 1, 1, 0, 0);
	time_t	 last = utc(2027, 1, 1, 0, 0);
	long	 day, d2, gaps = 0, bad = 0, repeats = 0, bad_inst = 0;
	long	 gap_other = 0, rep_other = 0;
	int	 min, m2;

	CHECK_INT(civil_set_timezone(zone), 0);
	for (day = civil_days(2026, 1, 1); day < civil_days(2027, 1, 1); day++)
		for (min = 0; min < 1440; min += 5) {
			if (civil_local_to_utc(day, min, &t) == -1) {
				gaps++;
				if (day != gap_day || min < 120 || min >= 180)
					gap_other++;
				continue;
			}
			civil_utc_to_local(t, &d2, &m2);
			if ((d2 != day || m2 != min) && bad++ == 0)
				fprintf(stderr, "%s: local %ld %d -> %lld -> "
				    "%ld %d\n", zone, day, min, (long long)t,
				    d2, m2);
		}
	CHECK_INT(gaps, 12);
	CHECK_INT(gap_other, 0);
	CHECK_INT(bad, 0);

	bad = 0;
	for (t = first; t < last; t += 300) {
		civil_utc_to_local(t, &day, &min);
		if (civil_local_to_utc(day, min, &u) == -1) {
			if (bad++ == 0)
				fprintf(stderr, "%s: %lld -> %ld %d does not "
				    "exist\n", zone, (long long)t, day, min);
			continue;
		}
		if (u == t)
			continue;
		if (u == t - 3600) {
			repeats++;
			if (day != back_day || min < back_from ||
			    min >= back_from + 60)
				rep_other++;
		} else if (bad_inst++ == 0)
			fprintf(stderr, "%s: %lld -> %ld %d -> %lld\n", zone,
			    (long long)t, day, min, (long long)u);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(bad_inst, 0);
	CHECK_INT(repeats, 12);
	CHECK_INT(rep_other, 0);
}

int
main(void)
{
	test_days();
	test_weekday();
	test_parse_date();
	test_parse_rfc3339();
	test_format_rfc3339();
	test_local_berlin();
	test_local_new_york();
	test_round_trip("Europe/Berlin", civil_days(2026, 3, 29),
	    civil_days(2026, 10, 25), 120);
	test_round_trip("America/New_York", civil_days(2026, 3, 8),
	    civil_days(2026, 11, 1), 60);
	return check_done();
}
