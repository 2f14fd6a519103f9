/*
 * fuzz: what every libFuzzer harness in tests/fuzz shares. A harness is one
 * file, fuzz_<name>.c, with LLVMFuzzerTestOneInput (and, when it needs set-up
 * done once, LLVMFuzzerInitialize). Crashes, sanitizer reports and broken
 * properties (FUZZ_ASSERT) are the findings; libFuzzer keeps the input.
 */
#ifndef SAFEROOM_FUZZ_H
#define SAFEROOM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property every input must keep; a broken one is a finding. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property broken: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * data[0..size) as a C string in a buffer of exactly its length + 1 (so
 * AddressSanitizer sees any read past the end), cut at the first NUL as a
 * C caller would see it. The caller frees it.
 */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t	 len = strnlen((const char *)data, size);
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* data[0..size) in a buffer of exactly size bytes (no NUL), freed by the caller. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	return s;
}

#endif
