/*
 * input: declared request fields, parsed and checked into typed values.
 * See include/saferoom/input.h. Messages name the field, never its value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "saferoom/civil.h"
#include "saferoom/input.h"
#include "saferoom/util.h"

/* Check text s for field f into v. 0 or -1 with err set. */
static int
input_set_text(const struct input_field *f, const char *s,
    struct input_value *v, char err[INPUT_ERR_MAX])
{
	long long	 num;
	long		 days;
	size_t		 len = strlen(s);

	switch (f->kind) {
	case INPUT_INT:
		if (util_parse_int(s, f->min, f->max, &num) == -1)
			goto bad;
		v->num = num;
		break;
	case INPUT_TEXT:
		if (len < (size_t)f->min || len > (size_t)f->max ||
		    len > INPUT_TEXT_MAX || (len > 0 &&
		    !util_is_clean_text(s, INPUT_TEXT_MAX)))
			goto bad;
		memcpy(v->text, s, len + 1);
		break;
	case INPUT_SECRET:
		if (len == 0 || len > (size_t)f->max || len > INPUT_TEXT_MAX)
			goto bad;
		memcpy(v->text, s, len + 1);
		break;
	case INPUT_DATE:
		if (civil_parse_date(s, &days) == -1)
			goto bad;
		v->num = days;
		break;
	case INPUT_TIME:
		if (civil_parse_rfc3339(s, &v->time) == -1)
			goto bad;
		break;
	}
	v->present = 1;
	return 0;
bad:
	switch (f->kind) {
	case INPUT_INT:
		snprintf(err, INPUT_ERR_MAX, "'%s' must be a whole number from "
		    "%lld to %lld.", f->name, f->min, f->max);
		break;
	case INPUT_DATE:
		snprintf(err, INPUT_ERR_MAX, "'%s' must be a date as YYYY-MM-DD.",
		    f->name);
		break;
	case INPUT_TIME:
		snprintf(err, INPUT_ERR_MAX, "'%s' must be an RFC 3339 time with "
		    "an offset, like 2026-03-02T10:00:00+01:00.", f->name);
		break;
	default:
		snprintf(err, INPUT_ERR_MAX, "'%s' must be text of %lld to %lld "
		    "characters.", f->name, f->min, f->max);
		break;
	}
	return -1;
}

static int
input_check_required(const struct input_field *fields, size_t n,
    const struct input_value *vals, char err[INPUT_ERR_MAX])
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (fields[i].required && !vals[i].present) {
			snprintf(err, INPUT_ERR_MAX, "'%s' is required.",
			    fields[i].name);
			return -1;
		}
	return 0;
}

int
input_json(const char *body, size_t len, const struct input_field *fields,
    size_t n, struct input_value *vals, char err[INPUT_ERR_MAX])
{
	json_error_t	 jerr;
	json_t		*root, *v;
	char		 num[32];
	const char	*s;
	size_t		 i;
	int		 rc = -1;

	memset(vals, 0, n * sizeof(*vals));
	if (body == NULL || len == 0) {
		snprintf(err, INPUT_ERR_MAX, "The request needs a JSON object body.");
		return -1;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL || !json_is_object(root)) {
		snprintf(err, INPUT_ERR_MAX, "The body is not a JSON object.");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((v = json_object_get(root, fields[i].name)) == NULL ||
		    json_is_null(v))
			continue;
		if (json_is_integer(v) && fields[i].kind == INPUT_INT) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			s = num;
		} else if (json_is_string(v) &&
		    strlen(json_string_value(v)) == json_string_length(v))
			s = json_string_value(v);
		else {
			snprintf(err, INPUT_ERR_MAX, "'%s' has the wrong type.",
			    fields[i].name);
			goto done;
		}
		if (input_set_text(&fields[i], s, &vals[i], err) == -1)
			goto done;
	}
	rc = input_check_required(fields, n, vals, err);
done:
	json_decref(root);
	return rc;
}

int
input_has_nul(const char *encoded)
{
	const char	*p;

	for (p = encoded; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return 1;
	return 0;
}

/* Match parsed pairs against the fields. */
static int
input_pairs(const struct evkeyvalq *q, const struct input_field *fields,
    size_t n, struct input_value *vals, char err[INPUT_ERR_MAX])
{
	const struct evkeyval	*kv;
	size_t			 i;

	for (i = 0; i < n; i++) {
		for (kv = q->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
			if (strcmp(kv->key, fields[i].name) != 0)
				continue;
			if (vals[i].present) {
				snprintf(err, INPUT_ERR_MAX, "'%s' is given twice.",
				    fields[i].name);
				return -1;
			}
			if (kv->value[0] == '\0' && !fields[i].required)
				continue;
			if (input_set_text(&fields[i], kv->value, &vals[i],
			    err) == -1)
				return -1;
		}
	}
	return input_check_required(fields, n, vals, err);
}

/* Parse URL-encoded pairs (query or form body) into vals. */
static int
input_encoded(const char *text, const struct input_field *fields, size_t n,
    struct input_value *vals, char err[INPUT_ERR_MAX], const char *what)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	int			 rc;

	memset(vals, 0, n * sizeof(*vals));
	TAILQ_INIT(&q);
	if (text != NULL && (input_has_nul(text) ||
	    evhttp_parse_query_str(text, &q) == -1)) {
		evhttp_clear_headers(&q);
		snprintf(err, INPUT_ERR_MAX, "The %s is malformed.", what);
		return -1;
	}
	rc = input_pairs(&q, fields, n, vals, err);
	/* A form may hold a secret: wipe evhttp's copies too. */
	for (kv = q.tqh_first; kv != NULL; kv = kv->next.tqe_next)
		OPENSSL_cleanse(kv->value, strlen(kv->value));
	evhttp_clear_headers(&q);
	return rc;
}

int
input_query(const char *query, const struct input_field *fields, size_t n,
    struct input_value *vals, char err[INPUT_ERR_MAX])
{
	return input_encoded(query, fields, n, vals, err, "query string");
}

int
input_form(const char *body, const struct input_field *fields, size_t n,
    struct input_value *vals, char err[INPUT_ERR_MAX])
{
	return input_encoded(body, fields, n, vals, err, "form data");
}

void
input_wipe(struct input_value *vals, size_t n)
{
	OPENSSL_cleanse(vals, n * sizeof(*vals));
}
