/*
 * fuzz_form: application/x-www-form-urlencoded bodies, as every page that
 * takes a POST reads them (server/input.c: input_form), into declared,
 * typed fields.
 *
 * The first byte picks a field table (fields.h), the rest is the body.
 * Properties (fields.h): values within their fields' bounds, required
 * fields present; the values percent-encoded back into a form parse to the
 * same values; a form holding an encoded NUL is refused whole.
 */
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
	if (size == 0)
		return 0;
	encoded_one(input_form, data[0], data + 1, size - 1);
	return 0;
}
