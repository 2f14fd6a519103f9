/*
 * seal: a message only the holder of a booking code can open (issue 5:
 * when the practice cancels a voucher-paid booking, the client's credit
 * voucher code must wait for them on the server, yet a copy of the
 * database must not yield it).
 *
 * From a booking code's secret, HKDF-SHA-256 derives an X25519 private
 * key; the server keeps only its public key. To seal, an ephemeral X25519
 * key agrees with that public key, HKDF derives an AES-256-GCM key, and
 * the box is ephemeral public key || nonce || ciphertext || tag. Opening
 * needs the secret again, which the server sees only when the client
 * presents their code.
 */
#ifndef SAFEROOM_SEAL_H
#define SAFEROOM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN	32
#define SEAL_OVERHEAD	(32 + 12 + 16)
#define SEAL_MSG_MAX	128
#define SEAL_BOX_MAX	(SEAL_MSG_MAX + SEAL_OVERHEAD)

/* The public key for secret[0..len). 0 or -1. */
int	seal_public(const void *secret, size_t len, uint8_t pub[SEAL_KEY_LEN]);

/* Seal msg (at most SEAL_MSG_MAX bytes) to pub; *boxlen = len + SEAL_OVERHEAD. */
int	seal_box(const uint8_t pub[SEAL_KEY_LEN], const void *msg, size_t len,
	    uint8_t *box, size_t *boxlen);

/*
 * Open a box with the secret it was sealed for: 0 with msg (NUL-terminated,
 * room for SEAL_MSG_MAX + 1) and *len; -1 when it was not for this secret
 * or was changed. Wipes every key it made.
 */
int	seal_open(const void *secret, size_t secretlen, const uint8_t *box,
	    size_t boxlen, char *msg, size_t *len);

#endif
