/*
 * input: request input by declaration (STYLE.md habit 4, after kcgi). A
 * handler declares its fields in a table, each with a kind and bounds; the
 * parsers below fill one typed value per field, so a handler only ever sees
 * fields that were present and valid. Parsers are pure: no I/O, no logs
 * (values may be secrets).
 *
 * Sources: a JSON object body, a raw query string (NULL for none), or an
 * application/x-www-form-urlencoded body. Fields not declared are ignored.
 */
#ifndef SAFEROOM_INPUT_H
#define SAFEROOM_INPUT_H

#include <stddef.h>
#include <time.h>

#define INPUT_TEXT_MAX		256	/* longest text value, bytes */
#define INPUT_FIELDS_MAX	16
#define INPUT_ERR_MAX		200

enum input_kind {
	INPUT_INT,	/* whole number in [min, max]; JSON number or digits */
	INPUT_TEXT,	/* clean UTF-8 text, length in [min, max] bytes */
	INPUT_DATE,	/* "YYYY-MM-DD", as days since 1970-01-01; no bounds */
	INPUT_TIME,	/* RFC 3339 with offset, as Unix seconds; no bounds */
	INPUT_SECRET,	/* typed by a person, 1 to max bytes; kept raw, wiped after use */
};

struct input_field {
	const char	*name;
	enum input_kind	 kind;
	int		 required;
	long long	 min, max;
};

struct input_value {
	int		 present;
	long long	 num;			/* INT, DATE */
	time_t		 time;			/* TIME */
	char		 text[INPUT_TEXT_MAX + 1];	/* TEXT, SECRET */
};

/*
 * Parse into vals[0..n) by fields[0..n). Each returns 0, or -1 with err
 * holding a sentence for the client naming the field (never its value).
 */
int	input_json(const char *body, size_t len, const struct input_field *fields,
	    size_t n, struct input_value *vals, char err[INPUT_ERR_MAX]);
int	input_query(const char *query, const struct input_field *fields,
	    size_t n, struct input_value *vals, char err[INPUT_ERR_MAX]);
int	input_form(const char *body, const struct input_field *fields,
	    size_t n, struct input_value *vals, char err[INPUT_ERR_MAX]);

/* Does a URL-encoded text hold an encoded NUL ("%00"), which would cut a
 * decoded value short? Such input is refused whole. */
int	input_has_nul(const char *encoded);

/* Wipe every value (they may hold secrets). */
void	input_wipe(struct input_value *vals, size_t n);

#endif
