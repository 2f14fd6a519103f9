/*
 * civil: calendar arithmetic and RFC 3339 times in the clinic's one IANA
 * time zone (DESIGN.md "Times"). Days are counted from 1970-01-01 in the
 * proleptic Gregorian calendar; instants are Unix seconds (UTC).
 *
 * The zone is the process's TZ, set once by civil_set_timezone() before any
 * thread starts (saferoomd reads the "timezone" setting at start, so a new
 * zone takes effect at the next start). localtime_r and mktime are then
 * thread-safe to use from every loop.
 */
#ifndef SAFEROOM_CIVIL_H
#define SAFEROOM_CIVIL_H

#include <stddef.h>
#include <time.h>

#define CIVIL_RFC3339_MAX	48	/* "2026-03-29T02:30:00+02:00" + NUL, with room */
#define CIVIL_DATE_MAX		24	/* "2026-03-29" + NUL, with room */

/* Use zone (an IANA name already checked by settings) for local times. 0 or -1. */
int	civil_set_timezone(const char *zone);

/* Days since 1970-01-01 of a date, and back. */
long	civil_days(int y, int m, int d);
void	civil_ymd(long days, int *y, int *m, int *d);

/* ISO weekday of a day number: 1 Monday .. 7 Sunday. */
int	civil_weekday(long days);

/* Parse "YYYY-MM-DD" (a real date, years 1970-9999). 0 or -1. */
int	civil_parse_date(const char *s, long *days);
void	civil_format_date(long days, char out[CIVIL_DATE_MAX]);

/*
 * The instant of local wall time minute (0..1440) of day in the clinic's
 * zone. Returns 0, or -1 if that wall time does not exist (the hour skipped
 * when clocks go forward). A wall time that happens twice (clocks going
 * back) gives its first occurrence.
 */
int	civil_local_to_utc(long day, int minute, time_t *out);

/* The local day of an instant in the clinic's zone. */
long	civil_local_day(time_t t);

/* Today, the local day in the clinic's zone. */
long	civil_today(void);

/* The local day and minute of an instant in the clinic's zone. */
void	civil_utc_to_local(time_t t, long *day, int *minute);

/*
 * Parse an RFC 3339 date-time with seconds and a "Z" or "+HH:MM" offset.
 * A fraction of a second is accepted only when it is zero (".000", as
 * JavaScript writes): sessions start on whole minutes. 0 or -1.
 */
int	civil_parse_rfc3339(const char *s, time_t *out);

/* Format t in the clinic's zone with its offset, e.g. 2026-03-29T10:00:00+02:00. */
void	civil_format_rfc3339(time_t t, char out[CIVIL_RFC3339_MAX]);

#endif
