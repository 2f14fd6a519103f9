/*
 * tls: the server's TLS context. TLS 1.2 and 1.3 only, forward-secret AEAD
 * ciphers (the "intermediate" server profile), no compression, no
 * renegotiation, a close without close_notify treated as a normal end
 * (SSL_OP_IGNORE_UNEXPECTED_EOF), and stateless session tickets whose keys
 * live only in memory and rotate every TLS_TICKET_ROTATE seconds.
 */
#ifndef SAFEROOM_TLS_H
#define SAFEROOM_TLS_H

#define TLS_ERR_MAX		512
#define TLS_TICKET_ROTATE	(12 * 60 * 60)

struct ssl_ctx_st;

/*
 * A server context with the certificate chain and key at these paths.
 * Returns NULL with a sentence in err when a file is missing or unreadable,
 * not PEM, or the key does not match the certificate.
 */
struct ssl_ctx_st *tls_ctx_new(const char *cert, const char *key,
	    char err[TLS_ERR_MAX]);

/* Free the context and its ticket keys (wiped). NULL is accepted. */
void	tls_ctx_free(struct ssl_ctx_st *);

#endif
