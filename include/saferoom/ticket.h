/*
 * ticket: the check-in pass in the client's QR code (DESIGN.md "Shape"). It
 * is not the booking token: it holds the booking reference and the session
 * start, signed with the server's Ed25519 ticket key, so a photo of it lets
 * nobody manage the booking, and the desk can verify it offline.
 *
 *   SR1:<REF>:<START>:<KID>:<SIG>
 *
 * REF is the booking reference, START the session start in Unix seconds,
 * KID the ticket key id, SIG base32 (RFC 4648, no padding) of the Ed25519
 * signature over "SR1:<REF>:<START>:<KID>". Every character is in the QR
 * alphanumeric set, so the code stays small.
 */
#ifndef SAFEROOM_TICKET_H
#define SAFEROOM_TICKET_H

#include <stddef.h>
#include <time.h>

#define TICKET_MAX	192
#define TICKET_REF_MAX	16

struct keys;

/* Sign a pass with the newest ticket key. Returns 0 or -1. */
int	ticket_sign(const struct keys *, const char *ref, time_t start,
	    char out[TICKET_MAX]);

/*
 * Check a pass: well-formed, signed by one of our ticket keys. Returns 0 and
 * fills ref and start, or -1 for anything malformed or forged.
 */
int	ticket_verify(const struct keys *, const char *ticket,
	    char ref[TICKET_REF_MAX], time_t *start);

#endif
