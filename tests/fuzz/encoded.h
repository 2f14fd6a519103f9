/*
 * encoded: the URL-encoded half of fields.h, shared by fuzz_form and
 * fuzz_query: parse with input_form or input_query, check the values,
 * percent-encode them back and parse again.
 */
#ifndef SAFEROOM_FUZZ_ENCODED_H
#define SAFEROOM_FUZZ_ENCODED_H

#include <event2/buffer.h>
#include <event2/http.h>

#include "fields.h"

typedef int	(*encoded_parser)(const char *, const struct input_field *,
		    size_t, struct input_value *, char[INPUT_ERR_MAX]);

/* The values as "name=value&..." with every value percent-encoded. */
static inline char *
encoded_write(const struct input_field *f, size_t n,
    const struct input_value *v)
{
	struct evbuffer	*b = evbuffer_new();
	char		 buf[64], *enc, *out;
	size_t		 i, len;
	int		 first = 1;

	FUZZ_ASSERT(b != NULL);
	for (i = 0; i < n; i++) {
		if (!v[i].present)
			continue;
		enc = evhttp_encode_uri(fields_text(&f[i], &v[i], buf,
		    sizeof(buf)));
		FUZZ_ASSERT(enc != NULL);
		/* evhttp decodes values only: names go as they are. */
		evbuffer_add_printf(b, "%s%s=%s", first ? "" : "&", f[i].name,
		    enc);
		free(enc);
		first = 0;
	}
	len = evbuffer_get_length(b);
	if ((out = malloc(len + 1)) == NULL)
		abort();
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return out;
}

/* One input through parse, checks and the round trip. */
static inline void
encoded_one(encoded_parser parse, uint8_t pick, const uint8_t *data,
    size_t size)
{
	struct input_value		 v[INPUT_FIELDS_MAX];
	struct input_value		 again[INPUT_FIELDS_MAX];
	const struct input_field	*f = fields_tables[pick % FIELDS_NTABLES].f;
	size_t				 n = fields_tables[pick % FIELDS_NTABLES].n;
	char				 err[INPUT_ERR_MAX], *in, *text;

	in = fuzz_cstr(data, size);
	err[0] = '\0';
	if (parse(in, f, n, v, err) == 0) {
		FUZZ_ASSERT(!input_has_nul(in));
		fields_check(f, n, v);
		text = encoded_write(f, n, v);
		FUZZ_ASSERT(parse(text, f, n, again, err) == 0);
		fields_same(f, n, v, again);
		input_wipe(again, n);
		free(text);
	} else
		FUZZ_ASSERT(err[0] != '\0' && strlen(err) < INPUT_ERR_MAX);
	input_wipe(v, n);
	free(in);
}

#endif
