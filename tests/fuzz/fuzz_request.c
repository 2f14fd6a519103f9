/*
 * fuzz_request: a whole request through the HTTP layer. The input is what
 * a client sends on one TLS connection (one request or several,
 * pipelined), read by the real evhttp of saferoomd with the real route
 * table, handlers, auth and store, on the fixture's clinic (fixture.h).
 *
 * Two forms of input:
 *  - raw bytes, sent as they are (the HTTP layer's own cases: framing,
 *    lengths, methods, headers);
 *  - a first byte 0x01, then a request line and headers, an empty line and
 *    a body: the harness adds the Content-Length the body needs, so that
 *    mutations of a body reach the handler instead of breaking the framing.
 *
 * Property: no input makes the server answer 500 (an internal error is a
 * bug: input that passed validation and still broke something).
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "fixture.h"
#include "fuzz.h"

#define STRUCTURED	0x01

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fixture_server_start();
	return 0;
}

/* Headers, our Content-Length, the empty line, the body; freed by the caller. */
static uint8_t *
with_length(const uint8_t *data, size_t size, size_t *outlen)
{
	const uint8_t	*end = memmem(data, size, "\r\n\r\n", 4);
	size_t		 head, body;
	uint8_t		*out;
	int		 n;
	char		 cl[64];

	head = end != NULL ? (size_t)(end - data) : size;
	body = end != NULL ? size - head - 4 : 0;
	n = snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n\r\n", body);
	if ((out = malloc(head + (size_t)n + body)) == NULL)
		abort();
	memcpy(out, data, head);
	memcpy(out + head, cl, (size_t)n);
	if (body > 0)
		memcpy(out + head + (size_t)n, end + 4, body);
	*outlen = head + (size_t)n + body;
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture_reply	 r;
	uint8_t			*framed = NULL;
	const char		*show;

	if (size > 0 && data[0] == STRUCTURED) {
		framed = with_length(data + 1, size - 1, &size);
		data = framed;
	}
	fixture_exchange(data, size, &r);
	/* FUZZ_SHOW=1: the status line of the answer; FUZZ_SHOW=all: its start. */
	if ((show = getenv("FUZZ_SHOW")) != NULL)
		fprintf(stderr, "--- %zu bytes back: %.*s\n", r.len,
		    strcmp(show, "all") == 0 ? (int)strlen(r.head) :
		    (int)strcspn(r.head, "\r\n"), r.head);
	FUZZ_ASSERT(r.status != 500);
	free(framed);
	return 0;
}
