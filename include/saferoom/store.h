/*
 * store: the SQLite database. One struct store wraps one connection and is
 * used by one thread only (each event loop has its own; DESIGN.md "Shape").
 *
 * The connection runs in WAL mode with synchronous=FULL, so a write that was
 * acknowledged survives a crash or a power cut; foreign keys on; secure_delete
 * on, so what is deleted is overwritten; a busy timeout so that a writer in
 * another process makes us wait, not fail. Every write that must be atomic
 * runs between store_begin() (BEGIN IMMEDIATE) and store_commit().
 *
 * The schema holds no column for a client's identity, ever (DESIGN.md
 * invariant 1). Migrations are applied by user_version on open.
 */
#ifndef SAFEROOM_STORE_H
#define SAFEROOM_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_ERR_MAX		512
#define STORE_BUSY_MS		5000
#define STORE_NAME_MAX		100	/* service and display names, bytes */
#define STORE_USERNAME_MAX	32

struct sqlite3;

struct store {
	struct sqlite3	*db;
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

/* Find a staff member by username. 0 found, 1 not found, -1 error. */
int	store_staff_find(struct store *, const char *username,
	    struct store_staff *out);

/* Count staff members. -1 on error. */
long long store_staff_count(struct store *);

/*
 * Add a weekly range for a therapist: weekday 1 (Monday) to 7, minutes since
 * midnight [from, to). Returns 0, 1 if it overlaps a range already there,
 * -1 on error.
 */
int	store_hours_add(struct store *, int64_t staff_id, int weekday,
	    int from, int to);

/* Settings as text; see settings.h for the keys and their checks. */
int	store_setting_get(struct store *, const char *key, char *out,
	    size_t outsz);		/* 0 found, 1 not set, -1 error */
int	store_setting_put(struct store *, const char *key, const char *value);

#endif
