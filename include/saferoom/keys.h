/*
 * keys: the server's secret keys, kept in a key file with mode 0600 beside
 * the database ("<db>.keys"), made on first start (DESIGN.md "Shape").
 *
 *  - the MAC key: HMAC-SHA-256 for cookies, CSRF tokens and in-memory
 *    keyed hashes (rate-limit tables never hold a raw address);
 *  - ticket keys: Ed25519 keys that sign check-in passes. The newest signs;
 *    older ones still verify until their tickets' sessions are over.
 *
 * The file is text, one key per line: "mac ID HEX" or "ticket ID HEX".
 * A loaded struct keys is read-only and shared by all threads.
 */
#ifndef SAFEROOM_KEYS_H
#define SAFEROOM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_MAC_LEN		32
#define KEYS_ED25519_LEN	32
#define KEYS_TICKET_MAX		8	/* ticket keys kept for verifying */
#define KEYS_ERR_MAX		512

struct evp_pkey_st;

struct keys_ticket {
	unsigned		 id;
	uint8_t			 seed[KEYS_ED25519_LEN];
	struct evp_pkey_st	*pkey;
};

struct keys {
	unsigned		 mac_id;
	uint8_t			 mac[KEYS_MAC_LEN];
	size_t			 nticket;	/* newest last */
	struct keys_ticket	 ticket[KEYS_TICKET_MAX];
};

/* "<db>.keys" into out. Returns 0, -1 if it does not fit. */
int	keys_path(const char *db, char *out, size_t outsz);

/*
 * Load the key file at path, or create it (mode 0600, atomically) when it
 * does not exist. Returns a new struct keys, or NULL with err set when the
 * file is unreadable, malformed or readable or writable by group or
 * others (any mode bit in 077).
 */
struct keys *keys_load_or_create(const char *path, char err[KEYS_ERR_MAX]);

/* Wipe and free. NULL is accepted. */
void	keys_free(struct keys *);

/* HMAC-SHA-256 of data with the MAC key and a context label. */
void	keys_mac(const struct keys *, const char *label, const void *data,
	    size_t len, uint8_t out[32]);

#endif
