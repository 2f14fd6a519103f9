/*
 * fuzz_json: JSON request bodies into declared, typed fields
 * (server/input.c: input_json), as every API handler reads them.
 *
 * The first byte picks a field table (fields.h), the rest is the body.
 * Properties (fields.h): values within their fields' bounds, required
 * fields present; the values written back as a JSON object parse to the
 * same values.
 */
#include <jansson.h>

#include "fields.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fields_init();
	return 0;
}

/* The values as a JSON object, in input_json's own terms. */
static char *
reencode(const struct input_field *f, size_t n, const struct input_value *v)
{
	json_t	*o = json_object(), *x;
	char	 buf[64], *text;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!v[i].present)
			continue;
		if (f[i].kind == INPUT_INT)
			x = json_integer(v[i].num);
		else
			x = json_string(fields_text(&f[i], &v[i], buf,
			    sizeof(buf)));
		FUZZ_ASSERT(x != NULL);
		json_object_set_new(o, f[i].name, x);
	}
	text = json_dumps(o, JSON_COMPACT);
	FUZZ_ASSERT(text != NULL);
	json_decref(o);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_value	 v[INPUT_FIELDS_MAX], again[INPUT_FIELDS_MAX];
	char			 err[INPUT_ERR_MAX], *body, *text;
	const struct input_field *f;
	size_t			 n;

	if (size == 0)
		return 0;
	f = fields_tables[data[0] % FIELDS_NTABLES].f;
	n = fields_tables[data[0] % FIELDS_NTABLES].n;
	body = fuzz_copy(data + 1, size - 1);

	err[0] = '\0';
	if (input_json(body, size - 1, f, n, v, err) == 0) {
		fields_check(f, n, v);
		text = reencode(f, n, v);
		FUZZ_ASSERT(input_json(text, strlen(text), f, n, again, err) == 0);
		fields_same(f, n, v, again);
		free(text);
	} else
		FUZZ_ASSERT(err[0] != '\0' && strlen(err) < INPUT_ERR_MAX);
	input_wipe(v, n);
	free(body);
	return 0;
}
