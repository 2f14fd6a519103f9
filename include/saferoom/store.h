/*
 * store: the SQLite database. One struct store wraps one connection and is
 * used by one thread only (each event loop has its own; DESIGN.md "Shape").
 *
 * The connection runs in WAL mode with synchronous=FULL, so a write that was
 * acknowledged survives a crash or a power cut; foreign keys on; secure_delete
 * on, so what is deleted is overwritten; a busy timeout so that a writer in
 * another process makes us wait, not fail at once. Every write that must be
 * atomic runs between store_begin() (BEGIN IMMEDIATE) and store_commit().
 *
 * A failure that is the storage's and not the request's (the disk or a
 * file-size limit is full, an I/O error, another process held the lock
 * past STORE_BUSY_MS) is noted in the store's fault: the transaction it
 * broke is rolled back whole, and http answers 503 with Retry-After.
 *
 * The schema holds no column for a client's identity, ever (DESIGN.md
 * invariant 1). Migrations are applied by user_version on open.
 */
#ifndef SAFEROOM_STORE_H
#define SAFEROOM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "saferoom/kdf.h"

#define STORE_ERR_MAX		512
/*
 * How long a statement waits for another process's lock (saferoomctl, an
 * admin's sqlite3, a restore) before it fails with SQLITE_BUSY. The wait
 * blocks the event loop that runs it, so it is kept to a few seconds: long
 * enough for any saferoomctl command, short enough that a client soon gets
 * its 503.
 */
#define STORE_BUSY_MS		5000
/*
 * Once a wait has run out, the lock is likely to stay a while: for the
 * next STORE_BUSY_MS, a write on that connection waits only this long, so
 * that writes queued on one event loop do not each block it (and the reads
 * behind them) for the full wait. A commit or the window's end restores
 * the full wait.
 */
#define STORE_BUSY_SHORT_MS	100
#define STORE_NAME_MAX		100	/* service and display names, bytes */
#define STORE_USERNAME_MAX	32

struct sqlite3;
struct slots_busy;
struct slots_hours;
struct slots_off;

/* Why the database failed, when it was not the request's fault. */
enum store_fault {
	STORE_FAULT_NONE = 0,
	STORE_FAULT_FULL,	/* SQLITE_FULL: no room (disk, file-size limit) */
	STORE_FAULT_IO,		/* SQLITE_IOERR_*: a write or read failed */
	STORE_FAULT_BUSY,	/* SQLITE_BUSY: another process holds the lock */
};

struct store {
	struct sqlite3	*db;
	enum store_fault fault;		/* sticky until store_fault_clear() */
	struct timespec	 short_until;	/* STORE_BUSY_SHORT_MS until then */
	int		 short_wait;
};

enum store_role {
	ROLE_ADMIN = 1,
	ROLE_THERAPIST = 2,
	ROLE_DESK = 4,
};

struct store_service {
	int64_t		 id;
	char		 name[STORE_NAME_MAX + 1];
	int		 minutes;
	int64_t		 price_cents;
	char		 currency[4];
};

struct store_staff {
	int64_t		 id;
	char		 username[STORE_USERNAME_MAX + 1];
	char		 display_name[STORE_NAME_MAX + 1];
	enum store_role	 role;
};

/*
 * Open (creating with mode 0600 if create is set) and migrate the database
 * at path. Returns 0, or -1 with a sentence in err: unopenable, not a
 * database, or written by a newer saferoom.
 */
int	store_open(struct store *, const char *path, int create,
	    char err[STORE_ERR_MAX]);
void	store_close(struct store *);

/* The schema version this build migrates to. */
int	store_schema_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (logged). */
int	store_begin(struct store *);
int	store_commit(struct store *);
void	store_rollback(struct store *);

/* The last SQLite error text, for messages. */
const char *store_errmsg(struct store *);

/*
 * The first storage fault (see above) since the last store_fault_clear(),
 * or STORE_FAULT_NONE; and what it makes the database, for logs ("full",
 * "locked by another process", ...). The HTTP layer clears it before each request and each pool
 * result, so a fault seen when answering is that request's.
 */
enum store_fault store_fault(const struct store *);
const char *store_fault_name(enum store_fault);
void	store_fault_clear(struct store *);

/* Role by name ("admin", ...) and back. 0 if unknown / NULL. */
enum store_role store_role_parse(const char *);
const char *store_role_name(enum store_role);

/*
 * Services offered (active ones), ordered by id. *out is a new array the
 * caller frees. Returns 0 or -1.
 */
int	store_services(struct store *, struct store_service **out, size_t *n);

/* Add a service; sets s->id. 0 or -1. */
int	store_service_add(struct store *, struct store_service *s);

/* Active therapists, ordered by id; *out freed by the caller. 0 or -1. */
int	store_therapists(struct store *, struct store_staff **out, size_t *n);

/*
 * Add a staff member with an already hashed password and a TOTP secret;
 * sets s->id. Returns 0, 1 if the username is taken, -1 on error.
 */
int	store_staff_add(struct store *, struct store_staff *s,
	    const char *password_hash, const uint8_t *totp_secret,
	    size_t totp_len);

/* Every staff member, ordered by id; *out freed by the caller. 0 or -1. */
int	store_staff_all(struct store *, struct store_staff **out, size_t *n);

/* Find a staff member by username. 0 found, 1 not found, -1 error. */
int	store_staff_find(struct store *, const char *username,
	    struct store_staff *out);

/* Count staff members. -1 on error. */
long long store_staff_count(struct store *);

/*
 * The latest session end of any booking, whatever its status (Unix
 * seconds; 0 when there is none). -1 on error. For how long a retired
 * ticket key must still verify (keys.h).
 */
long long store_bookings_latest_end(struct store *);

/*
 * Add a weekly range for a therapist: weekday 1 (Monday) to 7, minutes since
 * midnight [from, to). Returns 0, 1 if it overlaps a range already there,
 * -1 on error.
 */
int	store_hours_add(struct store *, int64_t staff_id, int weekday,
	    int from, int to);

/* An active service by id. 0 found, 1 not found, -1 error. */
int	store_service_get(struct store *, int64_t id, struct store_service *);

/* An active therapist by id. 0 found, 1 not found, -1 error. */
int	store_therapist_get(struct store *, int64_t id, struct store_staff *);

/* A therapist's weekly hours; *out freed by the caller. 0 or -1. */
int	store_hours_of(struct store *, int64_t staff_id,
	    struct slots_hours **out, size_t *n);

/* Time off touching days [from_day, to_day]; *out freed by the caller. */
int	store_timeoff_of(struct store *, int64_t staff_id, long from_day,
	    long to_day, struct slots_off **out, size_t *n);
int	store_timeoff_add(struct store *, int64_t staff_id, long from_day,
	    long to_day);

/*
 * Live bookings (booked, checked in) of a therapist touching [from, to),
 * leaving out booking except (0: none). *out freed by the caller.
 */
int	store_busy_of(struct store *, int64_t staff_id, time_t from, time_t to,
	    int64_t except, struct slots_busy **out, size_t *n);

#define STORE_REF_MAX		16
#define STORE_REASON_MAX	200
#define STORE_STATUS_MAX	16

/* A booking with its service's and therapist's names. */
struct store_booking {
	int64_t		 id;
	char		 ref[STORE_REF_MAX];
	char		 lookup[STORE_REF_MAX];
	char		 token_hash[KDF_HASH_MAX];
	int64_t		 service_id, therapist_id;
	time_t		 start, end;
	char		 status[STORE_STATUS_MAX];	/* booked, checked_in, ... */
	char		 cancelled_by[STORE_STATUS_MAX]; /* "", client, practice */
	int64_t		 price_cents, paid_cents;
	char		 currency[4];
	char		 service_name[STORE_NAME_MAX + 1];
	char		 therapist_name[STORE_NAME_MAX + 1];
	char		 cancel_reason[STORE_REASON_MAX + 1];	/* by the practice */
	int64_t		 voucher_paid_cents;	/* of paid_cents, by voucher */
	int		 has_credit_pub;
	uint8_t		 credit_pub[32];	/* seal.h public key, from the token */
	size_t		 credit_boxlen;		/* 0: no credit waiting */
	uint8_t		 credit_box[256];	/* a credit code sealed to it */
	char		 credit_code[32];	/* not stored: set when opened */
	time_t		 hold_until;		/* unpaid by then: released; 0 none */
};

/* Find a booking. 0 found, 1 not found, -1 error. */
int	store_booking_by_id(struct store *, int64_t, struct store_booking *);
int	store_booking_by_lookup(struct store *, const char *lookup,
	    struct store_booking *);
int	store_booking_by_ref(struct store *, const char *ref,
	    struct store_booking *);

/*
 * Insert b (ref, lookup, token_hash, service, therapist, times, price,
 * currency); sets b->id. The caller checked for overlaps in the same
 * transaction. 0, 1 if a unique key (ref, lookup, live start) is taken, -1.
 */
int	store_booking_insert(struct store *, struct store_booking *b);

/*
 * Cancel a booked booking; by is "client" or "practice", reason (NULL or
 * text typed by staff) is shown to the client. 0 done, 1 it was not
 * 'booked', -1 error.
 */
int	store_booking_cancel(struct store *, int64_t id, const char *by,
	    const char *reason);

/*
 * Cancel the bookings whose payment window has passed unpaid, freeing
 * their slots. Returns how many, or -1.
 */
int	store_expire_holds(struct store *, time_t now);

/* Keep (box) or drop (NULL) the sealed credit a booking waits to show. */
int	store_booking_set_credit(struct store *, int64_t id, const uint8_t *box,
	    size_t len);

/* Move a booking from status from to status to. 0 done, 1 not in from, -1. */
int	store_booking_set_status(struct store *, int64_t id, const char *from,
	    const char *to);

/*
 * Bookings touching [from, to), of therapist (0: all), ordered by start;
 * *out freed by the caller. 0 or -1.
 */
int	store_bookings_between(struct store *, time_t from, time_t to,
	    int64_t therapist, struct store_booking **out, size_t *n);

/* What a login checks; wiped by the caller after use. */
struct store_credentials {
	char		 password_hash[KDF_HASH_MAX];
	uint8_t		 totp_secret[64];
	size_t		 totp_len;
	int64_t		 totp_last_step;
	int		 disabled;
};

/* A staff member and their credentials by username. 0, 1 unknown, -1. */
int	store_staff_credentials(struct store *, const char *username,
	    struct store_staff *out, struct store_credentials *cred);

/*
 * Record TOTP step as used, only if it is later than the last one used (a
 * code is good once). 0 recorded, 1 it was used already, -1 error.
 */
int	store_staff_use_step(struct store *, int64_t id, int64_t step);

int	store_staff_set_password(struct store *, int64_t id, const char *hash);
int	store_staff_set_totp(struct store *, int64_t id, const uint8_t *secret,
	    size_t len);
int	store_staff_set_disabled(struct store *, int64_t id, int disabled);

/* The calendar feed: set (hash) or revoke (NULL); find a staff by it. */
int	store_staff_set_feed(struct store *, int64_t id, const uint8_t *hash);
int	store_staff_by_feed(struct store *, const uint8_t hash[32],
	    struct store_staff *out);

/* A staff session, found by the SHA-256 of its id. */
struct store_session {
	int64_t			 id;
	time_t			 created, last_seen;
	struct store_staff	 staff;
};

int	store_session_add(struct store *, const uint8_t hash[32],
	    int64_t staff_id, time_t now);
/* Only sessions of enabled staff are found. 0, 1 none, -1 error. */
int	store_session_get(struct store *, const uint8_t hash[32],
	    struct store_session *out);
int	store_session_touch(struct store *, int64_t id, time_t now);
int	store_session_delete(struct store *, int64_t id);
int	store_sessions_end_staff(struct store *, int64_t staff_id);
int	store_sessions_end_all(struct store *);

/* The audit log: who (staff id, 0 for the admin tool) did what, to which booking. */
int	store_audit(struct store *, int64_t staff_id, const char *action,
	    const char *ref, const char *detail);

struct store_audit_entry {
	time_t		 at;
	char		 username[STORE_USERNAME_MAX + 1];
	char		 action[32];
	char		 ref[STORE_REF_MAX];
	char		 detail[STORE_REASON_MAX + 1];
};

/* The newest limit entries, newest first; *out freed by the caller. */
int	store_audit_list(struct store *, int limit,
	    struct store_audit_entry **out, size_t *n);

/* Weekly hours and time off with their ids, for editing. */
struct store_hours_entry {
	int64_t		 id;
	int		 weekday, from, to;
};
struct store_timeoff_entry {
	int64_t		 id;
	long		 from_day, to_day;
};

int	store_hours_list(struct store *, int64_t staff_id,
	    struct store_hours_entry **out, size_t *n);
/* Delete one of staff_id's ranges. 0 done, 1 no such range of theirs, -1. */
int	store_hours_delete(struct store *, int64_t staff_id, int64_t id);
/* Time off ending on or after from_day. */
int	store_timeoff_list(struct store *, int64_t staff_id, long from_day,
	    struct store_timeoff_entry **out, size_t *n);
int	store_timeoff_delete(struct store *, int64_t staff_id, int64_t id);

/*
 * Move a booked booking. 0 done, 1 the start is taken (unique index),
 * 2 it was not 'booked', -1 error.
 */
int	store_booking_move(struct store *, int64_t id, time_t start, time_t end);

/* ---- money (payment.h decides; these only read and write) ---- */

#define STORE_TAG_MAX		60

struct store_voucher {
	int64_t		 id;
	char		 lookup[STORE_REF_MAX];
	char		 code_hash[KDF_HASH_MAX];
	int64_t		 value_cents, balance_cents;
	char		 currency[4];
	long		 expires_day;	/* last local day it can be used */
	int		 voided;
	char		 kind[8];	/* "sold" or "credit" */
	char		 tag[STORE_TAG_MAX + 1];	/* staff-only note */
};

int	store_voucher_by_lookup(struct store *, const char *lookup,
	    struct store_voucher *);
int	store_voucher_by_id(struct store *, int64_t, struct store_voucher *);
/* Insert; sets v->id. 0, 1 if the lookup part is taken, -1. */
int	store_voucher_insert(struct store *, struct store_voucher *v);
/* Take amount off a live voucher's balance. 0 done, 1 not enough or voided. */
int	store_voucher_take(struct store *, int64_t id, int64_t amount);
/* Void a voucher (its balance goes to 0). 0 done, 1 it was void already. */
int	store_voucher_void(struct store *, int64_t id);
/*
 * Vouchers past their last day that still hold money (at most 500 at a
 * time; id, balance and currency filled). *out freed by the caller.
 */
int	store_vouchers_lapsed(struct store *, long today,
	    struct store_voucher **out, size_t *n);

/* Add amount to a booking's payments, via_voucher of it by voucher. */
int	store_booking_pay(struct store *, int64_t id, int64_t amount,
	    int64_t via_voucher);

/* One row of the append-only ledger: no identity, ever. */
struct store_ledger {
	long		 day;		/* local day */
	char		 kind[20];	/* voucher_sold, payment, refund, ... */
	char		 method[8];	/* cash, card, voucher or "" */
	int64_t		 amount_cents;
	char		 currency[4];
	char		 booking_ref[STORE_REF_MAX];
	int64_t		 voucher_id;
	int64_t		 staff_id;
};

int	store_ledger_add(struct store *, const struct store_ledger *);
int	store_ledger_between(struct store *, long from_day, long to_day,
	    struct store_ledger **out, size_t *n);

/* The ledger rows of one booking, oldest first, for its receipt. */
int	store_ledger_for_ref(struct store *, const char *ref,
	    struct store_ledger **out, size_t *n);

struct store_total {
	char		 currency[4];
	int64_t		 cents;
	int64_t		 count;
};

/* What live vouchers still hold, per currency: the practice's liability. */
int	store_voucher_liability(struct store *, long today,
	    struct store_total **out, size_t *n);

/* Answers kept for Idempotency-Key retries, by a hash of the key. */
int	store_idempotent_get(struct store *, const uint8_t key[32], int *status,
	    char **body);		/* 0 found (*body to free), 1 none, -1 */
int	store_idempotent_put(struct store *, const uint8_t key[32], int status,
	    const char *body);

/*
 * Retention: fold every booking whose session ended before `before` into
 * the aggregates (sessions and money per local day, service and method;
 * day_of gives an instant's local day), take its reference out of the
 * ledger and the audit log, and delete it (secure_delete overwrites it).
 * Also drops idempotency records older than a day. Returns how many
 * bookings, or -1.
 */
int	store_purge(struct store *, time_t before, long (*day_of)(time_t));

/*
 * A consistent copy of the database into a new file at path (mode 0600,
 * refused if it exists), taken with SQLite's online backup while saferoomd
 * may be writing, then checked with PRAGMA integrity_check. The key file
 * is not copied: keep it apart from backups. 0, or -1 with err set and no
 * file left behind.
 */
int	store_backup(struct store *, const char *path, char err[STORE_ERR_MAX]);

/*
 * Replace the database's content with an intact saferoom backup at path
 * (then migrated on the next open). Stop saferoomd first. 0 or -1.
 */
int	store_restore(struct store *, const char *path, char err[STORE_ERR_MAX]);

/* Settings as text; see settings.h for the keys and their checks. */
int	store_setting_get(struct store *, const char *key, char *out,
	    size_t outsz);		/* 0 found, 1 not set, -1 error */
int	store_setting_put(struct store *, const char *key, const char *value);

#endif
