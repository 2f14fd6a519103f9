/*
 * Unit test of server/settings.c against include/saferoom/settings.h: the
 * check of every declared key (time zones that must stay inside the
 * system's zone database, number ranges, the practice name), and reading
 * values back from a real temporary database: default when unset, the
 * stored value when set, and the default again when what is stored is
 * corrupt.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "saferoom/settings.h"
#include "saferoom/store.h"
#include "saferoom/util.h"

#include "check.h"
#include "tmpdir.h"

/* settings_check(key, value) expected to give want (0 or -1). */
static void
check_value(const char *key, const char *value, int want, int line)
{
	char	 err[SETTINGS_ERR_MAX];
	int	 got;

	memset(err, 0, sizeof(err));
	got = settings_check(key, value, err);
	if (!check_int_at(got, want, __FILE__, line, "settings_check"))
		fprintf(stderr, "\t%s = \"%s\"\n", key, value);
	if (want == -1 && !check_at(err[0] != '\0', __FILE__, line,
	    "err is a sentence"))
		fprintf(stderr, "\t%s = \"%s\"\n", key, value);
}
#define OK(k, v)	check_value((k), (v), 0, __LINE__)
#define BAD(k, v)	check_value((k), (v), -1, __LINE__)

static void
test_timezone(void)
{
	char	 err[SETTINGS_ERR_MAX];

	OK("timezone", "Europe/Berlin");
	OK("timezone", "America/Argentina/Buenos_Aires");
	OK("timezone", "UTC");			/* a symbolic link to Etc/UTC */
	OK("timezone", "Etc/GMT+2");

	BAD("timezone", "Mars/Olympus");
	BAD("timezone", "../etc/passwd");
	BAD("timezone", "Europe/../../../etc/passwd");
	BAD("timezone", "Europe/../UTC");	/* exists, but no ".." */
	BAD("timezone", "/etc/passwd");
	BAD("timezone", "/usr/share/zoneinfo/Europe/Berlin");
	BAD("timezone", "");
	BAD("timezone", "Europe");		/* a directory */
	BAD("timezone", "Europe/");
	BAD("timezone", "zone.tab");		/* a file, but not TZif */
	/* A plain name of a text file in tzdata: only the TZif check stops it. */
	BAD("timezone", "leapseconds");
	BAD("timezone", "europe/berlin");
	BAD("timezone", "Europe/Berlin ");
	BAD("timezone", "Europe/Berlin\n");
	BAD("timezone", "Europe\\Berlin");
	BAD("timezone", "Europe/Berlin%00");
	BAD("timezone", "Europe/Ber\xc3\xa4lin");

	/* The refusal names the value, cut short if it is long. */
	CHECK_INT(settings_check("timezone", "Mars/Olympus", err), -1);
	CHECK(strstr(err, "Mars/Olympus") != NULL);
	{
		char	 lng[1000];

		memset(lng, 'A', sizeof(lng) - 1);
		lng[sizeof(lng) - 1] = '\0';
		CHECK_INT(settings_check("timezone", lng, err), -1);
		CHECK(strlen(err) < SETTINGS_ERR_MAX);
	}

	CHECK(settings_is_timezone("Europe/Berlin"));
	CHECK(!settings_is_timezone("Mars/Olympus"));
	CHECK(!settings_is_timezone(NULL));
}

static void
test_numbers(void)
{
	char	 err[SETTINGS_ERR_MAX];

	OK("min_notice_minutes", "0");
	OK("min_notice_minutes", "720");
	OK("min_notice_minutes", "525600");
	BAD("min_notice_minutes", "525601");
	BAD("min_notice_minutes", "-1");
	BAD("min_notice_minutes", "");
	BAD("min_notice_minutes", "12h");
	BAD("min_notice_minutes", " 5");

	OK("cancel_cutoff_hours", "0");
	OK("cancel_cutoff_hours", "8760");
	BAD("cancel_cutoff_hours", "8761");
	BAD("cancel_cutoff_hours", "24.5");

	OK("booking_rate_per_hour", "0");
	OK("booking_rate_per_hour", "10000");
	BAD("booking_rate_per_hour", "10001");
	BAD("booking_rate_per_hour", "99999999999999999999");

	OK("retention_days", "1");
	OK("retention_days", "3650");
	BAD("retention_days", "0");
	BAD("retention_days", "3651");
	BAD("retention_days", "-30");

	CHECK_INT(settings_check("retention_days", "0", err), -1);
	CHECK(strstr(err, "retention_days") != NULL);
	CHECK(strstr(err, "3650") != NULL);
}

static void
test_text_and_unknown(void)
{
	char	 err[SETTINGS_ERR_MAX], name[STORE_NAME_MAX + 2];

	OK("practice_name", "Praxis Dr. Jürgen Ö");
	OK("practice_name", "a");
	BAD("practice_name", "");
	BAD("practice_name", " Praxis");
	BAD("practice_name", "Praxis ");
	BAD("practice_name", "Pra\nxis");
	BAD("practice_name", "Pra\x1bxis");
	BAD("practice_name", "\xc3\x28");
	memset(name, 'n', sizeof(name) - 1);
	name[STORE_NAME_MAX] = '\0';
	OK("practice_name", name);
	name[STORE_NAME_MAX] = 'n';
	name[STORE_NAME_MAX + 1] = '\0';
	BAD("practice_name", name);

	CHECK_INT(settings_check("colour", "blue", err), -1);
	CHECK(strstr(err, "colour") != NULL);
	BAD("", "x");
	BAD("Timezone", "UTC");
	BAD("timezone ", "UTC");
	CHECK(settings_find("colour") == NULL);
	CHECK(settings_find("timezone") != NULL);
}

/* Every declared default passes its own check; keys are unique. */
static void
test_defs(void)
{
	const struct settings_def	*d, *e;
	char				 err[SETTINGS_ERR_MAX];
	size_t				 n = 0;

	for (d = settings_defs; d->key != NULL; d++, n++) {
		if (!CHECK_INT(settings_check(d->key, d->def, err), 0))
			fprintf(stderr, "\tdefault of %s: %s\n", d->key, err);
		CHECK(settings_find(d->key) == d);
		CHECK(d->help != NULL && d->help[0] != '\0');
		CHECK(strlen(d->def) < SETTINGS_VALUE_MAX);
		if (d->check == NULL)
			CHECK(d->min <= d->max && d->max > 0);
		for (e = d + 1; e->key != NULL; e++)
			CHECK(strcmp(d->key, e->key) != 0);
	}
	CHECK(n >= 6);
}

static void
test_store(const char *dir)
{
	struct store	 st;
	char		 path[TMPDIR_MAX], err[STORE_ERR_MAX];
	char		 buf[SETTINGS_VALUE_MAX];

	tmpdir_path(path, dir, "settings.db");
	if (!CHECK_INT(store_open(&st, path, 1, err), 0)) {
		fprintf(stderr, "\t%s\n", err);
		return;
	}

	/* Defaults while nothing is stored. */
	CHECK_INT(settings_get(&st, "timezone", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "UTC");
	CHECK_INT(settings_get(&st, "practice_name", buf, sizeof(buf)), 0);
	CHECK_STR(buf, settings_find("practice_name")->def);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 720);
	CHECK_INT(settings_get_int(&st, "retention_days"), 30);
	CHECK_INT(settings_get(&st, "colour", buf, sizeof(buf)), -1);

	/* Stored values win. */
	CHECK_INT(store_setting_put(&st, "timezone", "Europe/Berlin"), 0);
	CHECK_INT(settings_get(&st, "timezone", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Europe/Berlin");
	CHECK_INT(store_setting_put(&st, "min_notice_minutes", "60"), 0);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 60);
	CHECK_INT(store_setting_put(&st, "min_notice_minutes", "0"), 0);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 0);
	CHECK_INT(store_setting_put(&st, "retention_days", "3650"), 0);
	CHECK_INT(settings_get_int(&st, "retention_days"), 3650);

	/* A corrupt stored number falls back to the default. */
	CHECK_INT(store_setting_put(&st, "min_notice_minutes", "soon"), 0);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 720);
	CHECK_INT(store_setting_put(&st, "min_notice_minutes", ""), 0);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 720);
	CHECK_INT(store_setting_put(&st, "min_notice_minutes", "99999999"), 0);
	CHECK_INT(settings_get_int(&st, "min_notice_minutes"), 720);
	CHECK_INT(store_setting_put(&st, "retention_days", "0"), 0);
	CHECK_INT(settings_get_int(&st, "retention_days"), 30);
	CHECK_INT(store_setting_put(&st, "cancel_cutoff_hours", "-5"), 0);
	CHECK_INT(settings_get_int(&st, "cancel_cutoff_hours"), 24);
	CHECK_INT(store_setting_put(&st, "booking_rate_per_hour",
	    "99999999999999999999999"), 0);
	CHECK_INT(settings_get_int(&st, "booking_rate_per_hour"), 30);

	/* A stored value survives closing and opening again. */
	store_close(&st);
	if (!CHECK_INT(store_open(&st, path, 0, err), 0)) {
		fprintf(stderr, "\t%s\n", err);
		return;
	}
	CHECK_INT(settings_get(&st, "timezone", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Europe/Berlin");
	CHECK_INT(settings_get_int(&st, "retention_days"), 30);
	store_close(&st);
}

int
main(void)
{
	char	 dir[TMPDIR_MAX];

	test_timezone();
	test_numbers();
	test_text_and_unknown();
	test_defs();
	if (tmpdir_make(dir, "settings") == -1)
		return 1;
	test_store(dir);
	tmpdir_remove(dir);
	return check_done();
}
