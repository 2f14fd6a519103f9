/*
 * kdf: scrypt hashing of the secrets that grant power (booking tokens,
 * voucher codes, staff passwords, session ids). DESIGN.md invariant 2: only
 * these hashes are stored, so a copy of the database yields no secret.
 *
 * Hashes are PHC-style strings: "$scrypt$ln=14,r=8,p=1$<salt>$<hash>" with
 * unpadded standard base64, a 16-byte salt from OpenSSL's RAND_bytes and a
 * 32-byte derived key. The parameters travel with the hash so they can be
 * raised later; they are checked against hard bounds before any work, so a
 * tampered row cannot make the server allocate gigabytes.
 *
 * Every function here is slow on purpose and must run on the worker pool
 * (pool.h), never on an event-loop thread. All are thread-safe.
 */
#ifndef SAFEROOM_KDF_H
#define SAFEROOM_KDF_H

#include <stddef.h>
#include <stdint.h>

struct kdf_params {
	unsigned	 log2_n;	/* N = 2^log2_n */
	uint32_t	 r;
	uint32_t	 p;
};

/* For secrets with >= 60 bits of entropy (tokens, voucher codes). */
extern const struct kdf_params KDF_SECRET;
/* For passwords chosen by people: costlier. */
extern const struct kdf_params KDF_PASSWORD;

#define KDF_SALT_LEN	16
#define KDF_KEY_LEN	32
#define KDF_HASH_MAX	128	/* room for the encoded string and its NUL */
#define KDF_LOG2_N_MIN	10
#define KDF_LOG2_N_MAX	20
#define KDF_R_MAX	16
#define KDF_P_MAX	4
/*
 * scrypt allocates 128 * r * N bytes. The three bounds above alone would
 * still admit 2 GiB (ln=20, r=16) per worker thread, so this is checked too:
 * 8 times KDF_PASSWORD, room to raise the costs later.
 */
#define KDF_MEM_MAX	((uint64_t)256 << 20)

/*
 * Hash secret[0..len) with params and a fresh random salt into out (NUL
 * terminated). Returns 0, or -1 if the parameters are out of bounds, the
 * random generator fails or scrypt fails.
 */
int	kdf_hash(const struct kdf_params *params, const void *secret, size_t len,
	    char out[KDF_HASH_MAX]);

/*
 * Check secret[0..len) against a stored hash. Returns 1 on a match, 0 on a
 * mismatch, -1 if stored is malformed or its parameters are out of bounds.
 * The comparison is constant time (CRYPTO_memcmp); derived keys are wiped.
 */
int	kdf_verify(const char *stored, const void *secret, size_t len);

/*
 * A well-formed hash of a random secret with params, made once per process
 * on first use (thread-safe), to verify against when a lookup finds nothing,
 * so that an unknown id costs the same time as a wrong secret. NULL if
 * params are out of bounds or hashing failed (kdf_verify(NULL, ...) is -1).
 */
const char *kdf_dummy_hash(const struct kdf_params *params);

/* Raw scrypt (RFC 7914), exposed for the test vectors. Returns 0 or -1. */
int	kdf_scrypt_raw(const void *pass, size_t passlen, const void *salt,
	    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
	    size_t outlen);

#endif
