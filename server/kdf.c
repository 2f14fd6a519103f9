/*
 * kdf: scrypt hashes of the secrets that grant power, as PHC-style strings.
 * See include/saferoom/kdf.h for the contract and DESIGN.md invariant 2 for
 * why only these hashes are ever stored.
 *
 * A stored string is parsed strictly (one spelling per hash: no leading
 * zeros, no base64 padding, no stray bits) and its parameters are bounded
 * before scrypt runs, because the string comes from a database row that an
 * attacker may have been able to write.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libscrypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "saferoom/kdf.h"

const struct kdf_params KDF_SECRET = { 14, 8, 1 };
const struct kdf_params KDF_PASSWORD = { 15, 8, 1 };

#define KDF_PREFIX		"$scrypt$"
#define KDF_PARAM_VALUE_MAX	1000000	/* far above any bound, below overflow */
#define KDF_DUMMY_MAX		4	/* distinct params asking for a dummy */
#define KDF_DUMMY_SECRET_LEN	32

struct kdf_dummy {
	struct kdf_params	 params;
	int			 ready;
	char			 hash[KDF_HASH_MAX];
};

/* Dummy hashes, made under the lock and never changed once ready. */
static pthread_mutex_t	 kdf_dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kdf_dummy	 kdf_dummies[KDF_DUMMY_MAX];

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Whether params are within the hard bounds, memory included: 128 * r * N
 * bytes is what scrypt allocates, and KDF_MEM_MAX keeps a tampered row
 * from making each worker thread allocate gigabytes.
 */
static int
kdf_params_ok(const struct kdf_params *params)
{
	if (params->log2_n < KDF_LOG2_N_MIN || params->log2_n > KDF_LOG2_N_MAX)
		return 0;
	if (params->r < 1 || params->r > KDF_R_MAX)
		return 0;
	if (params->p < 1 || params->p > KDF_P_MAX)
		return 0;
	if (((uint64_t)128 * params->r << params->log2_n) > KDF_MEM_MAX)
		return 0;
	return 1;
}

/*
 * Unpadded standard base64 of in[0..len) at out, NUL terminated. Returns
 * the characters written, or -1 if outsz is short.
 */
static int
b64_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	uint32_t	 buf = 0;
	size_t		 i, o = 0;
	unsigned	 bits = 0;

	if (outsz < (len * 4 + 2) / 3 + 1)
		return -1;
	for (i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64_alphabet[(buf >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64_alphabet[(buf << (6 - bits)) & 0x3f];
	out[o] = '\0';
	return (int)o;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode exactly inlen characters of unpadded base64 into exactly outlen
 * bytes. Returns 0, or -1 on a bad character, a wrong length or non-zero
 * bits after the last byte (a second spelling of the same bytes).
 */
static int
b64_decode_exact(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	uint32_t	 buf = 0;
	size_t		 i, o = 0;
	unsigned	 bits = 0;
	int		 v;

	if (inlen != (outlen * 4 + 2) / 3)
		return -1;
	for (i = 0; i < inlen; i++) {
		if ((v = b64_value(in[i])) == -1)
			return -1;
		buf = (buf << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(buf >> bits);
		}
		buf &= (1U << bits) - 1;
	}
	if (o != outlen || buf != 0)
		return -1;
	return 0;
}

/*
 * Read "<name>=<decimal>" at *sp and advance past it. No sign, no leading
 * zero, no empty number. Returns 0 or -1.
 */
static int
kdf_parse_param(const char **sp, const char *name, uint32_t *out)
{
	const char	*s = *sp;
	size_t		 namelen = strlen(name);
	uint32_t	 v = 0;

	if (strncmp(s, name, namelen) != 0 || s[namelen] != '=')
		return -1;
	s += namelen + 1;
	if (*s < '0' || *s > '9')
		return -1;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > KDF_PARAM_VALUE_MAX)
			return -1;
	}
	*out = v;
	*sp = s;
	return 0;
}

/*
 * Split a stored hash into params, salt and key. Returns 0, or -1 if it is
 * malformed or its params are out of bounds.
 */
static int
kdf_parse(const char *stored, struct kdf_params *params,
    uint8_t salt[KDF_SALT_LEN], uint8_t key[KDF_KEY_LEN])
{
	const char	*s = stored, *dollar;
	uint32_t	 ln, r, p;

	if (strncmp(s, KDF_PREFIX, strlen(KDF_PREFIX)) != 0)
		return -1;
	s += strlen(KDF_PREFIX);
	if (kdf_parse_param(&s, "ln", &ln) == -1 || *s++ != ',')
		return -1;
	if (kdf_parse_param(&s, "r", &r) == -1 || *s++ != ',')
		return -1;
	if (kdf_parse_param(&s, "p", &p) == -1 || *s++ != '$')
		return -1;
	params->log2_n = ln;
	params->r = r;
	params->p = p;
	if (!kdf_params_ok(params))
		return -1;

	if ((dollar = strchr(s, '$')) == NULL)
		return -1;
	if (b64_decode_exact(s, (size_t)(dollar - s), salt, KDF_SALT_LEN) == -1)
		return -1;
	s = dollar + 1;
	if (b64_decode_exact(s, strlen(s), key, KDF_KEY_LEN) == -1)
		return -1;
	return 0;
}

int
kdf_scrypt_raw(const void *pass, size_t passlen, const void *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
    size_t outlen)
{
	/* libscrypt copies from these even when the length is zero. */
	if (pass == NULL)
		pass = "";
	if (salt == NULL)
		salt = "";
	if (libscrypt_scrypt(pass, passlen, salt, saltlen, n, r, p, out,
	    outlen) != 0)
		return -1;
	return 0;
}

/* scrypt with params already checked, into a KDF_KEY_LEN key. */
static int
kdf_derive(const struct kdf_params *params, const void *secret, size_t len,
    const uint8_t salt[KDF_SALT_LEN], uint8_t key[KDF_KEY_LEN])
{
	return kdf_scrypt_raw(secret, len, salt, KDF_SALT_LEN,
	    (uint64_t)1 << params->log2_n, params->r, params->p, key,
	    KDF_KEY_LEN);
}

int
kdf_hash(const struct kdf_params *params, const void *secret, size_t len,
    char out[KDF_HASH_MAX])
{
	uint8_t		 salt[KDF_SALT_LEN], key[KDF_KEY_LEN];
	char		 salt64[KDF_HASH_MAX], key64[KDF_HASH_MAX];
	int		 n, rc = -1;

	out[0] = '\0';
	if (!kdf_params_ok(params))
		goto fail;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		goto fail;
	if (kdf_derive(params, secret, len, salt, key) == -1)
		goto fail;
	if (b64_encode(salt, sizeof(salt), salt64, sizeof(salt64)) == -1 ||
	    b64_encode(key, sizeof(key), key64, sizeof(key64)) == -1)
		goto fail;
	n = snprintf(out, KDF_HASH_MAX, KDF_PREFIX "ln=%u,r=%u,p=%u$%s$%s",
	    params->log2_n, (unsigned)params->r, (unsigned)params->p,
	    salt64, key64);
	if (n < 0 || n >= KDF_HASH_MAX) {
		out[0] = '\0';
		goto fail;
	}
	rc = 0;
 fail:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key64, sizeof(key64));
	return rc;
}

int
kdf_verify(const char *stored, const void *secret, size_t len)
{
	struct kdf_params	 params;
	uint8_t			 salt[KDF_SALT_LEN];
	uint8_t			 want[KDF_KEY_LEN], got[KDF_KEY_LEN];
	int			 rc = -1;

	if (stored == NULL)
		goto fail;
	if (kdf_parse(stored, &params, salt, want) == -1)
		goto fail;
	if (kdf_derive(&params, secret, len, salt, got) == -1)
		goto fail;
	rc = CRYPTO_memcmp(want, got, KDF_KEY_LEN) == 0;
 fail:
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}

const char *
kdf_dummy_hash(const struct kdf_params *params)
{
	struct kdf_dummy	*d, *slot = NULL;
	uint8_t			 secret[KDF_DUMMY_SECRET_LEN];
	const char		*hash = NULL;
	size_t			 i;

	if (!kdf_params_ok(params))
		return NULL;
	/*
	 * The lock is held while hashing: the first callers for a params
	 * wait once, then every later caller finds the hash ready.
	 */
	pthread_mutex_lock(&kdf_dummy_lock);
	for (i = 0; i < KDF_DUMMY_MAX; i++) {
		d = &kdf_dummies[i];
		if (!d->ready) {
			if (slot == NULL)
				slot = d;
			continue;
		}
		if (d->params.log2_n == params->log2_n &&
		    d->params.r == params->r && d->params.p == params->p) {
			hash = d->hash;
			goto fail;
		}
	}
	if (slot == NULL)
		goto fail;
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		goto fail;
	if (kdf_hash(params, secret, sizeof(secret), slot->hash) == -1)
		goto fail;
	slot->params = *params;
	slot->ready = 1;
	hash = slot->hash;
 fail:
	pthread_mutex_unlock(&kdf_dummy_lock);
	OPENSSL_cleanse(secret, sizeof(secret));
	return hash;
}
