/*
 * settings: declared clinic settings with defaults and checks. See
 * include/saferoom/settings.h. The values live in the store.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saferoom/log.h"
#include "saferoom/settings.h"
#include "saferoom/store.h"
#include "saferoom/util.h"

#define ZONEINFO_DIR	"/usr/share/zoneinfo"
#define ZONE_NAME_MAX	64

static int	settings_check_timezone(const char *, char[SETTINGS_ERR_MAX]);
static int	settings_check_text(const char *, char[SETTINGS_ERR_MAX]);
static int	settings_check_optional(const char *, char[SETTINGS_ERR_MAX]);

const struct settings_def settings_defs[] = {
	{ "timezone", "UTC", 0, 0, settings_check_timezone,
	    "the clinic's IANA time zone" },
	{ "min_notice_minutes", "720", 0, 60 * 24 * 365, NULL,
	    "how soon before its start a slot can still be booked" },
	{ "cancel_cutoff_hours", "24", 0, 24 * 365, NULL,
	    "until how many hours before the start a client may cancel or reschedule" },
	/*
	 * Generous: many clients may share one address (Tor exit nodes, a
	 * household, a mobile carrier's NAT); this stops floods, not people.
	 */
	{ "booking_rate_per_hour", "30", 0, 10000, NULL,
	    "bookings one client address may make per hour; 0 is no limit" },
	{ "retention_days", "30", 1, 3650, NULL,
	    "days after a session before it is purged to anonymous aggregates" },
	{ "slot_interval_minutes", "30", 5, 240, NULL,
	    "minutes between the possible starts of sessions" },
	{ "buffer_minutes", "10", 0, 240, NULL,
	    "minutes kept free between two sessions of one therapist" },
	{ "horizon_days", "90", 1, 730, NULL,
	    "how many days ahead a session can be booked" },
	{ "payment_hold_minutes", "0", 0, 7 * 24 * 60, NULL,
	    "minutes within which a booking must be paid by voucher, or it is "
	    "released; 0 lets clients pay at the desk on the day" },
	{ "session_idle_minutes", "30", 1, 24 * 60, NULL,
	    "minutes a staff session may stay unused before it ends" },
	{ "session_max_hours", "12", 1, 24 * 7, NULL,
	    "hours after sign-in when a staff session ends however used" },
	{ "practice_name", "saferoom practice", 0, 0, settings_check_text,
	    "the practice's name on pages and receipts" },
	{ "practice_address", "", 0, 0, settings_check_optional,
	    "the practice's postal address, printed on receipts" },
	{ "practice_tax_number", "", 0, 0, settings_check_optional,
	    "the practice's tax number, printed on receipts" },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

const struct settings_def *
settings_find(const char *key)
{
	const struct settings_def	*d;

	for (d = settings_defs; d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

int
settings_is_timezone(const char *name)
{
	char		 path[sizeof(ZONEINFO_DIR) + ZONE_NAME_MAX + 2], magic[4];
	struct stat	 st;
	const char	*p;
	FILE		*f;
	int		 ok;

	if (name == NULL || *name == '\0' || strlen(name) > ZONE_NAME_MAX ||
	    name[0] == '/' || strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+'))
			return 0;
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, name);
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static int
settings_check_timezone(const char *value, char err[SETTINGS_ERR_MAX])
{
	if (settings_is_timezone(value))
		return 0;
	snprintf(err, SETTINGS_ERR_MAX,
	    "'%.64s' is not an IANA time zone known to this system "
	    "(e.g. Europe/Berlin)", value);
	return -1;
}

static int
settings_check_text(const char *value, char err[SETTINGS_ERR_MAX])
{
	if (util_is_clean_text(value, STORE_NAME_MAX))
		return 0;
	snprintf(err, SETTINGS_ERR_MAX,
	    "expected 1 to %d characters of text without control characters",
	    STORE_NAME_MAX);
	return -1;
}

/* Text that may also be empty (to clear it). */
static int
settings_check_optional(const char *value, char err[SETTINGS_ERR_MAX])
{
	return value[0] == '\0' ? 0 : settings_check_text(value, err);
}

int
settings_check(const char *key, const char *value, char err[SETTINGS_ERR_MAX])
{
	const struct settings_def	*d;
	long long			 v;

	if ((d = settings_find(key)) == NULL) {
		snprintf(err, SETTINGS_ERR_MAX, "unknown setting '%.64s'", key);
		return -1;
	}
	if (d->check != NULL)
		return d->check(value, err);
	if (util_parse_int(value, d->min, d->max, &v) == -1) {
		snprintf(err, SETTINGS_ERR_MAX,
		    "%s: expected a whole number from %lld to %lld", key,
		    d->min, d->max);
		return -1;
	}
	return 0;
}

int
settings_get(struct store *st, const char *key, char *out, size_t outsz)
{
	const struct settings_def	*d;

	if ((d = settings_find(key)) == NULL)
		return -1;
	switch (store_setting_get(st, key, out, outsz)) {
	case 0:
		return 0;
	case 1:
		snprintf(out, outsz, "%s", d->def);
		return 0;
	default:
		return -1;
	}
}

long long
settings_get_int(struct store *st, const char *key)
{
	const struct settings_def	*d = settings_find(key);
	char				 buf[SETTINGS_VALUE_MAX];
	long long			 v;

	if (d == NULL)
		return 0;
	if (settings_get(st, key, buf, sizeof(buf)) == -1 ||
	    util_parse_int(buf, d->min, d->max, &v) == -1) {
		log_warnx("settings", "%s: bad stored value, using default", key);
		(void)util_parse_int(d->def, d->min, d->max, &v);
	}
	return v;
}
