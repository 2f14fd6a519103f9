/*
 * civil: dates, wall times and RFC 3339 in the clinic's zone; see
 * include/saferoom/civil.h. Day arithmetic follows Howard Hinnant's
 * "days_from_civil" algorithms, exact for the whole proleptic calendar.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saferoom/civil.h"

int
civil_set_timezone(const char *zone)
{
	if (setenv("TZ", zone, 1) == -1)
		return -1;
	tzset();
	return 0;
}

long
civil_days(int y, int m, int d)
{
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_ymd(long z, int *y, int *m, int *d)
{
	long	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
civil_weekday(long days)
{
	/* 1970-01-01 was a Thursday (4). */
	long	 w = (days % 7 + 7 + 3) % 7;	/* 0 Monday */

	return (int)w + 1;
}

static int
civil_digits(const char *s, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
civil_valid_ymd(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int		 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

int
civil_parse_date(const char *s, long *days)
{
	int	 y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    civil_digits(s, 4, &y) == -1 || civil_digits(s + 5, 2, &m) == -1 ||
	    civil_digits(s + 8, 2, &d) == -1 || !civil_valid_ymd(y, m, d))
		return -1;
	*days = civil_days(y, m, d);
	return 0;
}

void
civil_format_date(long days, char out[CIVIL_DATE_MAX])
{
	int	 y, m, d;

	civil_ymd(days, &y, &m, &d);
	snprintf(out, CIVIL_DATE_MAX, "%04d-%02d-%02d", y % 10000, m, d);
}

int
civil_local_to_utc(long day, int minute, time_t *out)
{
	struct tm	 tm, back;
	time_t		 t;
	int		 y, m, d;

	civil_ymd(day, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	/*
	 * mktime resolves a time that happens twice as either occurrence;
	 * step back an hour and retry to prefer the first one.
	 */
	localtime_r(&t, &back);
	if (back.tm_hour != minute / 60 % 24 || back.tm_min != minute % 60) {
		/* The wall time was in the gap: it does not exist. */
		if (minute != 1440)
			return -1;
	}
	{
		time_t		 earlier = t - 3600;
		struct tm	 e;

		localtime_r(&earlier, &e);
		if (e.tm_hour == back.tm_hour && e.tm_min == back.tm_min &&
		    e.tm_mday == back.tm_mday)
			t = earlier;
	}
	*out = t;
	return 0;
}

void
civil_utc_to_local(time_t t, long *day, int *minute)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	*day = civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

long
civil_local_day(time_t t)
{
	long	 day;
	int	 minute;

	civil_utc_to_local(t, &day, &minute);
	return day;
}

long
civil_today(void)
{
	long	 day;
	int	 minute;

	civil_utc_to_local(time(NULL), &day, &minute);
	return day;
}

int
civil_parse_rfc3339(const char *s, time_t *out)
{
	int	 y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	size_t	 len;
	long	 days;

	char	 buf[26];
	size_t	 frac;

	/*
	 * Fractions of a second are accepted only when they are zero (what
	 * JavaScript's toISOString() writes): sessions start on whole minutes.
	 */
	if (s == NULL || (len = strlen(s)) < 20 || len > 40)
		return -1;
	if (len > 20 && s[19] == '.') {
		for (frac = 20; s[frac] == '0'; frac++)
			;
		if (frac == 20 || frac - 20 > 9 || len - frac > 6)
			return -1;
		memcpy(buf, s, 19);
		memcpy(buf + 19, s + frac, len - frac + 1);
		s = buf;
		len = strlen(s);
	}
	if (len > 25)
		return -1;
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' ||
	    civil_digits(s, 4, &y) == -1 || civil_digits(s + 5, 2, &mo) == -1 ||
	    civil_digits(s + 8, 2, &d) == -1 || civil_digits(s + 11, 2, &h) == -1 ||
	    civil_digits(s + 14, 2, &mi) == -1 ||
	    civil_digits(s + 17, 2, &se) == -1)
		return -1;
	if (!civil_valid_ymd(y, mo, d) || h > 23 || mi > 59 || se > 59)
		return -1;
	if (len == 20 && (s[19] == 'Z' || s[19] == 'z'))
		sign = 0;
	else if (len == 25 && (s[19] == '+' || s[19] == '-') && s[22] == ':' &&
	    civil_digits(s + 20, 2, &oh) == 0 && civil_digits(s + 23, 2, &om) == 0 &&
	    oh <= 23 && om <= 59)
		sign = s[19] == '+' ? 1 : -1;
	else
		return -1;
	days = civil_days(y, mo, d);
	*out = (time_t)days * 86400 + h * 3600 + mi * 60 + se -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

void
civil_format_rfc3339(time_t t, char out[CIVIL_RFC3339_MAX])
{
	struct tm	 tm;
	long		 off;
	char		 sign;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(out, CIVIL_RFC3339_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, sign, off / 3600 % 100, off / 60 % 60);
}
