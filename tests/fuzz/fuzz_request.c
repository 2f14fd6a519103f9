/*
 * fuzz_request: a whole request through the HTTP layer. The input is the
 * raw bytes a client sends on one TLS connection (one request or several,
 * pipelined), read by the real evhttp of saferoomd with the real route
 * table, handlers, auth and store, on the fixture's clinic (fixture.h).
 *
 * Property: no input makes the server answer 500 (an internal error is a
 * bug: input that passed validation and still broke something).
 */
#include "fixture.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fixture_server_start();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture_reply	 r;

	fixture_exchange(data, size, &r);
	if (getenv("FUZZ_SHOW") != NULL)
		fprintf(stderr, "--- %zu bytes back: %.*s\n", r.len,
		    (int)strcspn(r.head, "\r\n"), r.head);
	FUZZ_ASSERT(r.status != 500);
	return 0;
}
