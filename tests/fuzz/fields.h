/*
 * fields: what fuzz_json, fuzz_form and fuzz_query share. The field tables
 * are the ones the handlers declare (copied: theirs are static), plus one
 * with every kind and odd bounds; the first input byte picks a table.
 *
 * Properties of input.h's parsers, whatever the source:
 *  - a value that is present is within its field's kind and bounds (whole
 *    number in [min, max]; clean text or a secret of an allowed length; a
 *    real date; a time), and a required field is always present;
 *  - writing the values back out in the source's own syntax and parsing
 *    again gives the same values (fields_reencode is per source).
 */
#ifndef SAFEROOM_FUZZ_FIELDS_H
#define SAFEROOM_FUZZ_FIELDS_H

#include <limits.h>
#include <stdint.h>

#include "saferoom/civil.h"
#include "saferoom/input.h"
#include "saferoom/util.h"

#include "fuzz.h"

#define F_INT(n, req, lo, hi)	{ n, INPUT_INT, req, lo, hi }
#define F_TEXT(n, req, lo, hi)	{ n, INPUT_TEXT, req, lo, hi }
#define F_SECRET(n, req, hi)	{ n, INPUT_SECRET, req, 1, hi }
#define F_DATE(n, req)		{ n, INPUT_DATE, req, 0, 0 }
#define F_TIME(n, req)		{ n, INPUT_TIME, req, 0, 0 }

static const struct input_field fields_booking[] = {	/* booking.c, pages.c */
	F_INT("service", 1, 1, INT32_MAX),
	F_INT("therapist", 0, 1, INT32_MAX),
	F_TIME("start", 1),
};
static const struct input_field fields_slots[] = {	/* booking.c */
	F_INT("service", 1, 1, INT32_MAX),
	F_INT("therapist", 0, 1, INT32_MAX),
	F_DATE("from", 1),
	F_INT("days", 0, 1, 62),
};
static const struct input_field fields_payment[] = {	/* payment.c */
	F_TEXT("booking", 1, 1, 15),
	F_TEXT("method", 1, 4, 4),
	F_INT("amount_cents", 1, 1, 10000000),
	F_INT("tendered_cents", 0, 1, 10000000),
};
static const struct input_field fields_vouchers[] = {	/* payment.c */
	F_INT("count", 1, 1, 50),
	F_INT("value_cents", 1, 1, 10000000),
	F_TEXT("currency", 1, 3, 3),
	F_INT("valid_days", 1, 1, 3650),
	F_TEXT("tag", 0, 0, 60),
	F_TEXT("method", 0, 4, 4),
};
static const struct input_field fields_login[] = {	/* staff.c, staffpages.c */
	F_TEXT("username", 1, 1, 32),
	F_SECRET("password", 1, 256),
	F_TEXT("totp", 1, 6, 16),
};
static const struct input_field fields_hours[] = {	/* staff.c */
	F_INT("weekday", 1, 1, 7),
	F_TEXT("from", 1, 5, 5),
	F_TEXT("to", 1, 5, 5),
	F_INT("therapist", 0, 1, INT32_MAX),
};
static const struct input_field fields_cancel[] = {	/* staffpages.c */
	F_TEXT("ref", 1, 1, 15),
	F_TEXT("reason", 0, 0, 200),
	F_TEXT("refund", 0, 4, 6),
	F_TEXT("confirm", 0, 3, 3),
};
static const struct input_field fields_code[] = {	/* pages.c, payment.c */
	F_SECRET("code", 1, INPUT_TEXT_MAX),
	F_TEXT("booking", 0, 1, 15),
	F_TEXT("csrf", 0, 64, 64),
};
static const struct input_field fields_calendar[] = {	/* staff*.c */
	F_DATE("from", 0),
	F_DATE("to", 0),
	F_DATE("week", 0),
	F_INT("days", 0, 1, 62),
	F_INT("therapist", 0, 0, INT32_MAX),
	F_INT("id", 0, 1, INT64_MAX / 2),
};
static const struct input_field fields_every_kind[] = {
	F_INT("a", 0, -1000, 1000),
	F_INT("b", 0, LLONG_MIN, LLONG_MAX),
	F_TEXT("c", 0, 0, INPUT_TEXT_MAX),
	F_SECRET("d", 0, INPUT_TEXT_MAX),
	F_DATE("e", 0),
	F_TIME("f", 0),
	F_TEXT("g", 1, 0, 1),
	F_INT("h", 0, 0, 0),
	F_TEXT("", 0, 0, 10),
	F_TEXT("a b", 0, 0, 10),
};

static const struct {
	const struct input_field	*f;
	size_t				 n;
} fields_tables[] = {
#define T(t)	{ t, sizeof(t) / sizeof(t[0]) }
	T(fields_booking), T(fields_slots), T(fields_payment),
	T(fields_vouchers), T(fields_login), T(fields_hours),
	T(fields_cancel), T(fields_code), T(fields_calendar),
	T(fields_every_kind),
#undef T
};
#define FIELDS_NTABLES	(sizeof(fields_tables) / sizeof(fields_tables[0]))

/* Every value present is what its field allows; required ones are there. */
static inline void
fields_check(const struct input_field *f, size_t n,
    const struct input_value *v)
{
	char	 date[CIVIL_DATE_MAX];
	long	 days;
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		if (!v[i].present) {
			FUZZ_ASSERT(!f[i].required);
			continue;
		}
		len = strnlen(v[i].text, sizeof(v[i].text));
		FUZZ_ASSERT(len < sizeof(v[i].text));
		switch (f[i].kind) {
		case INPUT_INT:
			FUZZ_ASSERT(v[i].num >= f[i].min && v[i].num <= f[i].max);
			break;
		case INPUT_TEXT:
			FUZZ_ASSERT(len >= (size_t)f[i].min &&
			    len <= (size_t)f[i].max);
			FUZZ_ASSERT(len == 0 ||
			    util_is_clean_text(v[i].text, INPUT_TEXT_MAX));
			break;
		case INPUT_SECRET:
			FUZZ_ASSERT(len >= 1 && len <= (size_t)f[i].max);
			break;
		case INPUT_DATE:
			civil_format_date((long)v[i].num, date);
			FUZZ_ASSERT(civil_parse_date(date, &days) == 0);
			FUZZ_ASSERT(days == v[i].num);
			break;
		case INPUT_TIME:
			break;
		}
	}
}

/* The value of a present field as text in its own syntax, into out. */
static inline const char *
fields_text(const struct input_field *f, const struct input_value *v,
    char *out, size_t outsz)
{
	switch (f->kind) {
	case INPUT_INT:
		snprintf(out, outsz, "%lld", v->num);
		return out;
	case INPUT_DATE:
		civil_format_date((long)v->num, out);
		return out;
	case INPUT_TIME:
		civil_format_rfc3339(v->time, out);
		return out;
	default:
		return v->text;
	}
}

/* a and b hold the same values. */
static inline void
fields_same(const struct input_field *f, size_t n,
    const struct input_value *a, const struct input_value *b)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(a[i].present == b[i].present);
		if (!a[i].present)
			continue;
		switch (f[i].kind) {
		case INPUT_INT:
		case INPUT_DATE:
			FUZZ_ASSERT(a[i].num == b[i].num);
			break;
		case INPUT_TIME:
			FUZZ_ASSERT(a[i].time == b[i].time);
			break;
		default:
			FUZZ_ASSERT(strcmp(a[i].text, b[i].text) == 0);
			break;
		}
	}
}

/* Once per process: times are formatted in a zone with summer time. */
static inline void
fields_init(void)
{
	if (civil_set_timezone("Europe/Berlin") == -1)
		abort();
}

#endif
