/*
 * settings: the clinic's run-time settings (API.md "Programs"), stored in
 * the settings table as text and declared in one table in settings.c with
 * a default and a check each, so adding a setting is adding a row.
 */
#ifndef SAFEROOM_SETTINGS_H
#define SAFEROOM_SETTINGS_H

#include <stddef.h>

#define SETTINGS_VALUE_MAX	256
#define SETTINGS_ERR_MAX	256

struct store;

struct settings_def {
	const char	*key;
	const char	*def;		/* default value */
	long long	 min, max;	/* for numbers; both 0 for text */
	int		(*check)(const char *value, char err[SETTINGS_ERR_MAX]);
	const char	*help;
};

/* The definition of key, or NULL if there is no such setting. */
const struct settings_def *settings_find(const char *key);

/* All definitions, ended by a row whose key is NULL. */
extern const struct settings_def settings_defs[];

/* Check value for key. Returns 0, or -1 with a sentence in err. */
int	settings_check(const char *key, const char *value,
	    char err[SETTINGS_ERR_MAX]);

/*
 * The value of key from the store, or its default when it is not set.
 * Returns 0, -1 on a store error or an unknown key.
 */
int	settings_get(struct store *, const char *key, char *out, size_t outsz);

/* A number setting; the default on any error (logged). */
long long settings_get_int(struct store *, const char *key);

/* Is name an IANA zone in the system's database (safe path, TZif file)? */
int	settings_is_timezone(const char *name);

#endif
