/*
 * fuzz_ticket: check-in passes scanned at the desk (server/ticket.c:
 * ticket_verify), with the fixture's fixed keys (ticket keys 1 and 7, 7 the
 * newest), so that the seeds hold passes that really verify.
 *
 * Properties:
 *  - one spelling per pass: whatever verifies is exactly what ticket_sign
 *    writes for its reference and start with its key (Ed25519 signatures
 *    are deterministic), so no two texts are the same pass;
 *  - sign then verify: a pass signed for any reference and start that
 *    ticket_sign accepts verifies, and gives them back; ticket_sign accepts
 *    exactly the references of 4 to 15 Crockford symbols and the starts
 *    from 0 to 99999999999;
 *  - a pass with any one character changed does not verify.
 *
 * The input is read twice: whole, as a pass to verify; and as
 * [reference length][start: 8 bytes][position][character][reference...]
 * for the sign-then-verify round trip.
 */
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "saferoom/keys.h"
#include "saferoom/ticket.h"
#include "saferoom/token.h"

#include "fixture.h"
#include "fuzz.h"

#define START_LIMIT	99999999999LL

static const struct keys	*keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	keys = fixture_keys();
	return 0;
}

/* The fixed keys as if key id were the newest (it signs). */
static int
keys_signing_with(unsigned id, struct keys *view)
{
	size_t	 i;

	for (i = 0; i < keys->nticket; i++)
		if (keys->ticket[i].id == id) {
			*view = *keys;
			view->ticket[view->nticket - 1] = keys->ticket[i];
			return 0;
		}
	return -1;
}

static void
check_verified(const char *in, const char *ref, time_t start)
{
	struct keys	 view;
	char		 again[TICKET_MAX];
	const char	*kid;
	unsigned long	 id;
	int		 i;

	/* SR1:REF:START:KID:SIG */
	for (kid = in, i = 0; i < 3; i++)
		kid = strchr(kid, ':') + 1;
	id = strtoul(kid, NULL, 10);
	FUZZ_ASSERT(id <= UINT_MAX);
	FUZZ_ASSERT(keys_signing_with((unsigned)id, &view) == 0);
	FUZZ_ASSERT(ticket_sign(&view, ref, start, again) == 0);
	FUZZ_ASSERT(strcmp(again, in) == 0);
}

static int
ref_ok(const char *ref)
{
	size_t	 i, len = strlen(ref);

	if (len < 4 || len > TICKET_REF_MAX - 1)
		return 0;
	for (i = 0; i < len; i++)
		if (token_symbol_value(ref[i]) < 0)
			return 0;
	return 1;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	char		 ref[TICKET_REF_MAX + 8], pass[TICKET_MAX];
	char		 got[TICKET_REF_MAX];
	time_t		 start, gotstart;
	int64_t		 s;
	size_t		 reflen, pos, i;
	int		 ok;

	if (size < 11)
		return;
	reflen = data[0] % (sizeof(ref) - 1);
	memcpy(&s, data + 1, sizeof(s));
	/* Mostly plausible starts, sometimes anything at all. */
	start = (time_t)(s & 1 ? s : (s >> 1) % (START_LIMIT + 2));
	pos = data[9];
	for (i = 0; i < reflen && 11 + i < size && data[11 + i] != 0; i++)
		ref[i] = (char)data[11 + i];
	ref[i] = '\0';

	ok = ticket_sign(keys, ref, start, pass) == 0;
	FUZZ_ASSERT(ok == (ref_ok(ref) && start >= 0 && start <= START_LIMIT));
	if (!ok) {
		FUZZ_ASSERT(pass[0] == '\0');
		return;
	}
	FUZZ_ASSERT(ticket_verify(keys, pass, got, &gotstart) == 0);
	FUZZ_ASSERT(strcmp(got, ref) == 0 && gotstart == start);

	/* One character changed: no longer a pass. */
	pos %= strlen(pass);
	if (data[10] != 0 && (char)data[10] != pass[pos]) {
		pass[pos] = (char)data[10];
		FUZZ_ASSERT(ticket_verify(keys, pass, got, &gotstart) == -1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*in = fuzz_cstr(data, size);
	char	 ref[TICKET_REF_MAX];
	time_t	 start = 0;

	if (ticket_verify(keys, in, ref, &start) == 0)
		check_verified(in, ref, start);
	else
		FUZZ_ASSERT(ref[0] == '\0');
	free(in);
	round_trip(data, size);
	return 0;
}
