/*
 * seal: messages for the holder of a booking code; see
 * include/saferoom/seal.h for the construction and why.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "saferoom/seal.h"

#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16

/* HKDF-SHA-256 of ikm with info into out[0..outlen). 0 or -1. */
static int
seal_hkdf(const void *ikm, size_t ikmlen, const char *info, uint8_t *out,
    size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx = NULL;
	OSSL_PARAM	 params[4];
	int		 rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)ikm, ikmlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)info, strlen(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = 0;
done:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

static EVP_PKEY *
seal_private(const void *secret, size_t len)
{
	uint8_t		 sk[SEAL_KEY_LEN];
	EVP_PKEY	*pkey = NULL;

	if (seal_hkdf(secret, len, "saferoom credit key", sk, sizeof(sk)) == 0)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
		    sizeof(sk));
	OPENSSL_cleanse(sk, sizeof(sk));
	return pkey;
}

int
seal_public(const void *secret, size_t len, uint8_t pub[SEAL_KEY_LEN])
{
	EVP_PKEY	*pkey;
	size_t		 publen = SEAL_KEY_LEN;
	int		 rc = -1;

	if ((pkey = seal_private(secret, len)) == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) == 1 &&
	    publen == SEAL_KEY_LEN)
		rc = 0;
	EVP_PKEY_free(pkey);
	return rc;
}

/*
 * The AES key of one box: X25519 of our key with the peer's public key,
 * then HKDF over the shared secret and both public keys of the exchange
 * (the ephemeral one and the recipient's), the same on either side.
 */
static int
seal_agree(EVP_PKEY *ours, const uint8_t peer[SEAL_KEY_LEN],
    const uint8_t eph_pub[SEAL_KEY_LEN], const uint8_t rcpt_pub[SEAL_KEY_LEN],
    uint8_t key[32])
{
	EVP_PKEY	*p;
	EVP_PKEY_CTX	*ctx = NULL;
	uint8_t		 ikm[3 * SEAL_KEY_LEN];
	size_t		 sharedlen = SEAL_KEY_LEN;
	int		 rc = -1;

	if ((p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
	    SEAL_KEY_LEN)) == NULL)
		return -1;
	if ((ctx = EVP_PKEY_CTX_new(ours, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, p) != 1 ||
	    EVP_PKEY_derive(ctx, ikm, &sharedlen) != 1 ||
	    sharedlen != SEAL_KEY_LEN)
		goto done;
	memcpy(ikm + SEAL_KEY_LEN, eph_pub, SEAL_KEY_LEN);
	memcpy(ikm + 2 * SEAL_KEY_LEN, rcpt_pub, SEAL_KEY_LEN);
	rc = seal_hkdf(ikm, sizeof(ikm), "saferoom credit box", key, 32);
done:
	OPENSSL_cleanse(ikm, sizeof(ikm));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(p);
	return rc;
}

static int
seal_gcm(int enc, const uint8_t key[32], const uint8_t nonce[SEAL_NONCE_LEN],
    const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[SEAL_TAG_LEN])
{
	EVP_CIPHER_CTX	*c;
	int		 n, rc = -1;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto done;
	if (EVP_CipherFinal_ex(c, out + n, &n) != 1)
		goto done;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto done;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int
seal_box(const uint8_t pub[SEAL_KEY_LEN], const void *msg, size_t len,
    uint8_t *box, size_t *boxlen)
{
	EVP_PKEY	*eph = NULL;
	EVP_PKEY_CTX	*kctx = NULL;
	uint8_t		 key[32], *eph_pub = box, *nonce = box + SEAL_KEY_LEN;
	size_t		 publen = SEAL_KEY_LEN;
	int		 rc = -1;

	if (len > SEAL_MSG_MAX)
		return -1;
	if ((kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &eph) != 1 ||
	    EVP_PKEY_get_raw_public_key(eph, eph_pub, &publen) != 1 ||
	    RAND_bytes(nonce, SEAL_NONCE_LEN) != 1 ||
	    seal_agree(eph, pub, eph_pub, pub, key) == -1 ||
	    seal_gcm(1, key, nonce, msg, len, box + SEAL_KEY_LEN + SEAL_NONCE_LEN,
	    box + SEAL_KEY_LEN + SEAL_NONCE_LEN + len) == -1)
		goto done;
	*boxlen = len + SEAL_OVERHEAD;
	rc = 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_PKEY_free(eph);
	EVP_PKEY_CTX_free(kctx);
	return rc;
}

int
seal_open(const void *secret, size_t secretlen, const uint8_t *box,
    size_t boxlen, char *msg, size_t *len)
{
	EVP_PKEY	*ours;
	uint8_t		 key[32], pub[SEAL_KEY_LEN], tag[SEAL_TAG_LEN];
	size_t		 n, publen = SEAL_KEY_LEN;
	int		 rc = -1;

	if (boxlen < SEAL_OVERHEAD || boxlen > SEAL_BOX_MAX)
		return -1;
	n = boxlen - SEAL_OVERHEAD;
	if ((ours = seal_private(secret, secretlen)) == NULL)
		return -1;
	memcpy(tag, box + boxlen - SEAL_TAG_LEN, SEAL_TAG_LEN);
	if (EVP_PKEY_get_raw_public_key(ours, pub, &publen) == 1 &&
	    seal_agree(ours, box, box, pub, key) == 0 &&
	    seal_gcm(0, key, box + SEAL_KEY_LEN, box + SEAL_KEY_LEN +
	    SEAL_NONCE_LEN, n, (uint8_t *)msg, tag) == 0) {
		msg[n] = '\0';
		*len = n;
		rc = 0;
	}
	if (rc == -1)
		OPENSSL_cleanse(msg, n);
	OPENSSL_cleanse(key, sizeof(key));
	EVP_PKEY_free(ours);
	return rc;
}
