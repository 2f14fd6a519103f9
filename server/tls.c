/*
 * tls: OpenSSL server context for saferoomd; see include/saferoom/tls.h.
 * The ticket key ring is the only mutable state shared by the event-loop
 * threads here, so it has a mutex of its own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "saferoom/log.h"
#include "saferoom/tls.h"

/* Mozilla "intermediate" TLS 1.2 suites; TLS 1.3 keeps OpenSSL's AEAD set. */
#define TLS_CIPHERS							\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_GROUPS	"X25519:P-256:P-384"
#define TLS_SESSION_LIFETIME	TLS_TICKET_ROTATE

struct tls_ticket_key {
	unsigned char	 name[16];
	unsigned char	 aes[32];
	unsigned char	 hmac[32];
	time_t		 born;
};

struct tls_ring {
	pthread_mutex_t		 lock;
	struct tls_ticket_key	 cur, prev;	/* prev.born == 0: none */
};

static int
tls_ticket_key_new(struct tls_ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_bytes(k->aes, sizeof(k->aes)) != 1 ||
	    RAND_bytes(k->hmac, sizeof(k->hmac)) != 1)
		return -1;
	k->born = time(NULL);
	return 0;
}

/* With ring->lock held: start a new key when the current one is old. */
static void
tls_ring_rotate(struct tls_ring *ring)
{
	struct tls_ticket_key	 next;

	if (time(NULL) - ring->cur.born < TLS_TICKET_ROTATE)
		return;
	if (tls_ticket_key_new(&next) == -1)
		return;		/* keep the old key rather than none */
	ring->prev = ring->cur;
	ring->cur = next;
	OPENSSL_cleanse(&next, sizeof(next));
	log_info("tls", "session ticket key rotated");
}

/*
 * OpenSSL's ticket callback: 1 with a key set up, 2 to accept a ticket and
 * issue a fresh one (made with the previous key), 0 to fall back to a full
 * handshake, -1 on error.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_ring		*ring;
	struct tls_ticket_key	*k = NULL;
	OSSL_PARAM		 params[3];
	int			 rc = -1;

	ring = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	pthread_mutex_lock(&ring->lock);
	tls_ring_rotate(ring);
	if (enc) {
		k = &ring->cur;
		memcpy(key_name, k->name, 16);
		if (RAND_bytes(iv, 16) != 1)
			goto done;
	} else {
		if (memcmp(key_name, ring->cur.name, 16) == 0)
			k = &ring->cur;
		else if (ring->prev.born != 0 &&
		    memcmp(key_name, ring->prev.name, 16) == 0)
			k = &ring->prev;
		if (k == NULL) {
			rc = 0;
			goto done;
		}
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    k->hmac, sizeof(k->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		goto done;
	if (enc) {
		if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv) != 1)
			goto done;
		rc = 1;
	} else {
		if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv) != 1)
			goto done;
		rc = k == &ring->cur ? 1 : 2;
	}
done:
	pthread_mutex_unlock(&ring->lock);
	return rc;
}

static void
tls_err(char err[TLS_ERR_MAX], const char *what, const char *path)
{
	unsigned long	 e = ERR_peek_last_error();
	char		 reason[256];

	ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(err, TLS_ERR_MAX, "%s %s: %s", what, path,
	    e != 0 ? reason : "failed");
	ERR_clear_error();
}

struct ssl_ctx_st *
tls_ctx_new(const char *cert, const char *key, char err[TLS_ERR_MAX])
{
	SSL_CTX		*ctx;
	struct tls_ring	*ring;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, TLS_ERR_MAX, "cannot make a TLS context");
		return NULL;
	}
	if ((ring = calloc(1, sizeof(*ring))) == NULL ||
	    pthread_mutex_init(&ring->lock, NULL) != 0 ||
	    tls_ticket_key_new(&ring->cur) == -1) {
		free(ring);
		SSL_CTX_free(ctx);
		snprintf(err, TLS_ERR_MAX, "cannot make session ticket keys");
		return NULL;
	}
	SSL_CTX_set_app_data(ctx, ring);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_LIFETIME);
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
		snprintf(err, TLS_ERR_MAX, "cannot set TLS ciphers");
		goto fail;
	}
	if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb) != 1) {
		snprintf(err, TLS_ERR_MAX, "cannot set the ticket callback");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_err(err, "cannot read TLS certificate", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_err(err, "cannot read TLS key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, TLS_ERR_MAX,
		    "TLS key %s does not match certificate %s", key, cert);
		goto fail;
	}
	return ctx;
fail:
	tls_ctx_free(ctx);
	return NULL;
}

void
tls_ctx_free(struct ssl_ctx_st *ctx)
{
	struct tls_ring	*ring;

	if (ctx == NULL)
		return;
	if ((ring = SSL_CTX_get_app_data(ctx)) != NULL) {
		pthread_mutex_destroy(&ring->lock);
		OPENSSL_cleanse(ring, sizeof(*ring));
		free(ring);
	}
	SSL_CTX_free(ctx);
}
