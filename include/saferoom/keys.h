/*
 * keys: the server's secret keys, kept in a key file with mode 0600 beside
 * the database ("<db>.keys"), made on first start (DESIGN.md "Shape").
 *
 *  - the MAC key: HMAC-SHA-256 for cookies, CSRF tokens and in-memory
 *    keyed hashes (rate-limit tables never hold a raw address);
 *  - ticket keys: Ed25519 keys that sign check-in passes. The newest signs;
 *    older ones still verify until their tickets' sessions are over.
 *
 * The file is text, one key per line, times in Unix seconds:
 *
 *	mac ID HEX [CREATED]
 *	ticket ID HEX [CREATED [RETIRED KEEP_UNTIL]]
 *
 * (files written before rotation existed have no times; CREATED 0 means
 * "not recorded"). Exactly one mac line; ticket lines oldest first, the
 * last one the signer, which is never retired. RETIRED and KEEP_UNTIL
 * come together (both 0 only on a key never rotated out). A loaded struct
 * keys is read-only and shared by all threads of the process that loaded
 * it; a running saferoomd swaps in a newly loaded one (http.h) rather than
 * changing one in place.
 *
 * Rotation (saferoomctl keys rotate, docs/operations.md "Key rotation")
 * loads the file, changes the struct and writes the whole file again
 * atomically (temp file, fsync, rename, fsync of the directory).
 *
 * When a retired ticket key may go. A pass carries its booking's start,
 * and the desk refuses a pass whose start is not the booking's current
 * start (staff.c), so a pass is of use only for a session that is not
 * over. A key signs only while it is the newest key a running server has
 * loaded: until RETIRED plus the server's pick-up delay (SIGHUP at once,
 * else its next look at the file, HTTP_TICK_SECONDS), bounded here by
 * KEYS_RELOAD_GRACE. So every pass it signed is for a session that was
 * either in the database at RETIRED or booked before RETIRED +
 * KEYS_RELOAD_GRACE, within the booking horizon. saferoomctl therefore
 * records
 *
 *	KEEP_UNTIL = max(latest session end in the database at RETIRED,
 *	    RETIRED + KEYS_RELOAD_GRACE + (horizon_days + 2) days
 *	    + the longest session a service may have)
 *
 * (the two extra days cover "until local midnight after horizon_days" and
 * a daylight-saving hour). From KEEP_UNTIL on the key verifies nothing
 * (ticket_verify) and the next rotation drops it from the file. A key
 * without KEEP_UNTIL (an older file) is kept until removed by hand.
 */
#ifndef SAFEROOM_KEYS_H
#define SAFEROOM_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KEYS_MAC_LEN		32
#define KEYS_ED25519_LEN	32
#define KEYS_TICKET_MAX		8	/* ticket keys kept for verifying */
#define KEYS_ERR_MAX		512
#define KEYS_RELOAD_GRACE	3600	/* seconds; see above */
#define KEYS_TIME_MAX		99999999999LL	/* as ticket START */

struct evp_pkey_st;
struct stat;

struct keys_ticket {
	unsigned		 id;
	uint8_t			 seed[KEYS_ED25519_LEN];
	struct evp_pkey_st	*pkey;
	time_t			 created;	/* 0: not recorded */
	time_t			 retired;	/* 0: signer, or not recorded */
	time_t			 keep_until;	/* 0: keep; else verifies before */
};

struct keys {
	unsigned		 mac_id;
	uint8_t			 mac[KEYS_MAC_LEN];
	time_t			 mac_created;	/* 0: not recorded */
	size_t			 nticket;	/* newest last */
	struct keys_ticket	 ticket[KEYS_TICKET_MAX];
};

/* "<db>.keys" into out. Returns 0, -1 if it does not fit. */
int	keys_path(const char *db, char *out, size_t outsz);

/*
 * Load the key file at path, or create it (mode 0600, atomically) when it
 * does not exist. Returns a new struct keys, or NULL with err set when the
 * file is unreadable, malformed, not a plain file (a symbolic link, a
 * FIFO) or readable or writable by group or others (any mode bit in 077).
 * With st (NULL: not wanted), the fstat of the very file read: what a
 * reader of later changes compares with.
 */
struct keys *keys_load_or_create(const char *path, struct stat *st,
	    char err[KEYS_ERR_MAX]);

/*
 * Load an existing key file (the same checks). NULL with err set, and
 * errno ENOENT when there is no file.
 */
struct keys *keys_load(const char *path, struct stat *st,
	    char err[KEYS_ERR_MAX]);

/* Write k to path atomically, mode 0600. Returns 0 or -1 with err set. */
int	keys_save(const struct keys *, const char *path, char err[KEYS_ERR_MAX]);

/* Wipe and free. NULL is accepted. */
void	keys_free(struct keys *);

/*
 * Drop the retired ticket keys whose keep_until has come (never the
 * signer, never one without keep_until). Returns how many went.
 */
size_t	keys_prune(struct keys *, time_t now);

/*
 * A new ticket key (id one above the highest) becomes the signer; the old
 * signer is retired at now and verifies until keep_until. Returns 0; 1
 * when KEYS_TICKET_MAX keys are still kept (nothing changed: prune first);
 * -1 with err set when no key could be made.
 */
int	keys_rotate_ticket(struct keys *, time_t now, time_t keep_until,
	    char err[KEYS_ERR_MAX]);

/*
 * A new MAC key (id one above the old) replaces the old one, which is
 * wiped: every cookie, CSRF token and keyed hash made with it stops
 * matching. Returns 0 or -1 with err set.
 */
int	keys_rotate_mac(struct keys *, time_t now, char err[KEYS_ERR_MAX]);

/* Does ticket key t verify passes at now (keep_until not yet come)? */
int	keys_ticket_live(const struct keys_ticket *t, time_t now);

/* HMAC-SHA-256 of data with the MAC key and a context label. */
void	keys_mac(const struct keys *, const char *label, const void *data,
	    size_t len, uint8_t out[32]);

#endif
