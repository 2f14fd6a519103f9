/*
 * fuzz_query: query strings as the pages and the API read them: the
 * request line's target parsed by evhttp's URI parser as evhttp does, the
 * query taken out of it, then server/input.c: input_query into declared,
 * typed fields.
 *
 * The first byte picks a field table (fields.h), the rest is the query.
 * Properties (fields.h): values within their fields' bounds, required
 * fields present; the values percent-encoded back into a query parse to
 * the same values; a query holding an encoded NUL is refused whole.
 */
#include <event2/http.h>

#include "encoded.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fields_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evhttp_uri	*uri;
	const char		*query;
	char			*in, *target;
	size_t			 len;

	if (size == 0)
		return 0;
	/* Straight into the parser, as a handler given a raw query. */
	encoded_one(input_query, data[0], data + 1, size - 1);

	/* Through a request target, as http.c gets it from evhttp. */
	in = fuzz_cstr(data + 1, size - 1);
	len = strlen(in) + sizeof("/book/day?");
	if ((target = malloc(len)) == NULL)
		abort();
	snprintf(target, len, "/book/day?%s", in);
	if ((uri = evhttp_uri_parse_with_flags(target,
	    EVHTTP_URI_NONCONFORMANT)) != NULL) {
		if ((query = evhttp_uri_get_query(uri)) != NULL)
			encoded_one(input_query, data[0],
			    (const uint8_t *)query, strlen(query));
		evhttp_uri_free(uri);
	}
	free(target);
	free(in);
	return 0;
}
