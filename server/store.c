/*
 * store: SQLite access for saferoom. The contract is in
 * include/saferoom/store.h; the schema is the migrations table below, whose
 * rows are applied in order and never edited once released: a change to the
 * schema is a new row. Every statement is prepared with bound parameters.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "saferoom/log.h"
#include "saferoom/slots.h"
#include "saferoom/store.h"
#include "saferoom/util.h"

/*
 * One row per schema version. Invariant 1 of DESIGN.md: nothing here may
 * identify a client, so there is no column for a name, email, phone,
 * address or free text typed by a client.
 */
static const char *const store_migrations[] = {
	/* 1: the clinic: services, staff, weekly hours, settings. */
	"CREATE TABLE services ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),"
	"  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 600),"
	"  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))"
	");"
	"CREATE TABLE staff ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'therapist', 'desk')),"
	"  password_hash TEXT NOT NULL,"
	"  totp_secret BLOB NOT NULL,"
	"  totp_last_step INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
	");"
	"CREATE TABLE hours ("
	"  id INTEGER PRIMARY KEY,"
	"  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	"  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),"
	"  start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),"
	"  end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),"
	"  CHECK (start_min < end_min)"
	");"
	"CREATE INDEX hours_staff ON hours(staff_id, weekday);"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");",

	/*
	 * 2: bookings and time off. A booking holds the lookup part of the
	 * client's token and the scrypt hash of its secret, never the token;
	 * no creation time (DESIGN.md invariant 1: nothing finer than the
	 * booking needs). The partial unique index is the last line of
	 * defence against two live bookings at one start.
	 */
	"CREATE TABLE bookings ("
	"  id INTEGER PRIMARY KEY,"
	"  ref TEXT NOT NULL UNIQUE,"
	"  lookup TEXT NOT NULL UNIQUE,"
	"  token_hash TEXT NOT NULL,"
	"  service_id INTEGER NOT NULL REFERENCES services(id),"
	"  therapist_id INTEGER NOT NULL REFERENCES staff(id),"
	"  start_utc INTEGER NOT NULL,"
	"  end_utc INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN"
	"    ('booked', 'checked_in', 'cancelled', 'no_show')),"
	"  cancelled_by TEXT CHECK (cancelled_by IN ('client', 'practice')),"
	"  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),"
	"  paid_cents INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  CHECK (start_utc < end_utc)"
	");"
	"CREATE INDEX bookings_therapist_time ON bookings(therapist_id, start_utc);"
	"CREATE UNIQUE INDEX bookings_live_start ON bookings(therapist_id, start_utc)"
	"  WHERE status IN ('booked', 'checked_in');"
	"CREATE TABLE time_off ("
	"  id INTEGER PRIMARY KEY,"
	"  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	"  from_day INTEGER NOT NULL,"
	"  to_day INTEGER NOT NULL,"
	"  CHECK (from_day <= to_day)"
	");"
	"CREATE INDEX time_off_staff ON time_off(staff_id, to_day);",

	/*
	 * 3: staff sessions, the audit log, the practice's cancel reason and
	 * the therapist's calendar feed. Sessions and feeds keep only the
	 * SHA-256 of their 256-bit random ids, so a copy of the database
	 * opens none. The audit log names staff and booking references, never
	 * a client secret.
	 */
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  staff_id INTEGER REFERENCES staff(id),"
	"  action TEXT NOT NULL,"
	"  booking_ref TEXT,"
	"  detail TEXT"
	");"
	"CREATE INDEX audit_at ON audit(at);"
	"ALTER TABLE bookings ADD COLUMN cancel_reason TEXT;"
	"ALTER TABLE staff ADD COLUMN feed_hash BLOB;"
	"CREATE UNIQUE INDEX staff_feed ON staff(feed_hash) WHERE feed_hash IS NOT NULL;",

	/*
	 * 4: money. Vouchers keep the lookup part and the scrypt hash of the
	 * secret, never the code. The ledger is append-only (triggers refuse
	 * updates and deletes) and holds amount, currency, method, day, the
	 * booking reference and the staff member: no identity of a client
	 * (DESIGN.md invariant 5). A booking remembers how much of what it was
	 * paid came from vouchers, to credit it back on cancellation.
	 */
	"CREATE TABLE vouchers ("
	"  id INTEGER PRIMARY KEY,"
	"  lookup TEXT NOT NULL UNIQUE,"
	"  code_hash TEXT NOT NULL,"
	"  value_cents INTEGER NOT NULL CHECK (value_cents > 0),"
	"  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  expires_day INTEGER NOT NULL,"
	"  voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1)),"
	"  kind TEXT NOT NULL DEFAULT 'sold' CHECK (kind IN ('sold', 'credit')),"
	"  tag TEXT,"
	"  CHECK (balance_cents <= value_cents)"
	");"
	"CREATE TABLE ledger ("
	"  id INTEGER PRIMARY KEY,"
	"  day INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('voucher_sold', 'voucher_redeemed',"
	"    'payment', 'refund', 'credit_issued', 'voucher_expired',"
	"    'voucher_voided')),"
	"  method TEXT CHECK (method IN ('cash', 'card', 'voucher')),"
	"  amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  booking_ref TEXT,"
	"  voucher_id INTEGER REFERENCES vouchers(id),"
	"  staff_id INTEGER REFERENCES staff(id)"
	");"
	"CREATE INDEX ledger_day ON ledger(day);"
	"CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
	"  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
	"  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TABLE idempotency ("
	"  key_hash BLOB PRIMARY KEY,"
	"  status INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"ALTER TABLE bookings ADD COLUMN voucher_paid_cents INTEGER NOT NULL"
	"  DEFAULT 0 CHECK (voucher_paid_cents >= 0);",

	/*
	 * 5: a credit the practice owes a client, kept for them alone: the
	 * X25519 public key derived from their booking code (seal.h), and a
	 * credit voucher code sealed to it, shown once when they next present
	 * the code.
	 */
	"ALTER TABLE bookings ADD COLUMN credit_pub BLOB;"
	"ALTER TABLE bookings ADD COLUMN credit_box BLOB;",

	/*
	 * 6: a payment window. When the practice wants bookings paid by
	 * voucher soon after they are made, an unpaid booking holds its slot
	 * only until hold_until (Unix time, minutes' precision is all it
	 * needs); then it is cancelled and the slot is free again.
	 */
	"ALTER TABLE bookings ADD COLUMN hold_until INTEGER;"
	"CREATE INDEX bookings_hold ON bookings(hold_until) WHERE hold_until IS NOT NULL;",

	/*
	 * 7: retention (DESIGN.md invariant 7). retention_days after a session
	 * its booking is deleted and only anonymous aggregates remain: sessions
	 * and money per local day, service and method. The ledger keeps its
	 * amounts but forgets the booking reference, the one change it allows.
	 */
	"CREATE TABLE aggregates ("
	"  day INTEGER NOT NULL,"
	"  service_id INTEGER NOT NULL,"
	"  method TEXT NOT NULL,"
	"  currency TEXT NOT NULL,"
	"  sessions INTEGER NOT NULL DEFAULT 0,"
	"  cents INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (day, service_id, method, currency)"
	");"
	"DROP TRIGGER ledger_no_update;"
	"CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
	"  WHEN NOT (NEW.booking_ref IS NULL AND NEW.day = OLD.day AND"
	"    NEW.kind = OLD.kind AND NEW.method IS OLD.method AND"
	"    NEW.amount_cents = OLD.amount_cents AND NEW.currency = OLD.currency"
	"    AND NEW.voucher_id IS OLD.voucher_id AND NEW.staff_id IS OLD.staff_id)"
	"  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",

	/*
	 * 8: hold_until tells when a booking was made, to the minute. It is
	 * needed only while the booking is unpaid and live (invariant 1:
	 * nothing finer than the booking needs), so it goes the moment the
	 * booking is paid in full or is no longer booked, whichever statement
	 * does it.
	 */
	"UPDATE bookings SET hold_until = NULL WHERE hold_until IS NOT NULL"
	"  AND (paid_cents >= price_cents OR status <> 'booked');"
	"CREATE TRIGGER bookings_hold_done AFTER UPDATE OF paid_cents, status"
	"  ON bookings WHEN NEW.hold_until IS NOT NULL AND"
	"  (NEW.paid_cents >= NEW.price_cents OR NEW.status <> 'booked')"
	"  BEGIN UPDATE bookings SET hold_until = NULL WHERE id = NEW.id; END;",
};

#define STORE_NMIGRATIONS	((int)NELEM(store_migrations))

static const struct {
	enum store_role	 role;
	const char	*name;
} store_roles[] = {
	{ ROLE_ADMIN, "admin" },
	{ ROLE_THERAPIST, "therapist" },
	{ ROLE_DESK, "desk" },
};

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

enum store_role
store_role_parse(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < NELEM(store_roles); i++)
		if (strcmp(s, store_roles[i].name) == 0)
			return store_roles[i].role;
	return 0;
}

const char *
store_role_name(enum store_role role)
{
	size_t	 i;

	for (i = 0; i < NELEM(store_roles); i++)
		if (store_roles[i].role == role)
			return store_roles[i].name;
	return NULL;
}

const char *
store_errmsg(struct store *st)
{
	return st->db != NULL ? sqlite3_errmsg(st->db) : "no database";
}

/* After a wait ran out: short waits for STORE_BUSY_MS (see store.h). */
static void
store_wait_short(struct store *st)
{
	clock_gettime(CLOCK_MONOTONIC, &st->short_until);
	st->short_until.tv_sec += STORE_BUSY_MS / 1000;
	if (!st->short_wait)
		sqlite3_busy_timeout(st->db, STORE_BUSY_SHORT_MS);
	st->short_wait = 1;
}

/* The full wait again, when the lock was had or the window is over. */
static void
store_wait_full(struct store *st, int now)
{
	struct timespec	 t;

	if (!st->short_wait)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!now && (t.tv_sec < st->short_until.tv_sec ||
	    (t.tv_sec == st->short_until.tv_sec &&
	    t.tv_nsec < st->short_until.tv_nsec)))
		return;
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	st->short_wait = 0;
}

/*
 * Note a result code that says the storage, not the request, failed. The
 * first one sticks: what follows (a failed ROLLBACK, say) is its echo.
 */
static int
store_note(struct store *st, int rc)
{
	enum store_fault	 f;

	switch (rc & 0xff) {	/* the primary code of an extended one */
	case SQLITE_FULL:
		f = STORE_FAULT_FULL;
		break;
	case SQLITE_IOERR:
		f = STORE_FAULT_IO;
		break;
	case SQLITE_BUSY:
		/*
		 * Not SQLITE_LOCKED: without shared cache that comes from this
		 * connection's own statements, a bug to answer 500 for.
		 */
		f = STORE_FAULT_BUSY;
		break;
	default:
		return rc;
	}
	if (st->fault == STORE_FAULT_NONE)
		st->fault = f;
	if (f == STORE_FAULT_BUSY)
		store_wait_short(st);
	return rc;
}

/* sqlite3_step() that notes a storage fault. */
static int
store_step(struct store *st, sqlite3_stmt *stmt)
{
	store_wait_full(st, 0);
	return store_note(st, sqlite3_step(stmt));
}

enum store_fault
store_fault(const struct store *st)
{
	return st->fault;
}

const char *
store_fault_name(enum store_fault f)
{
	switch (f) {
	case STORE_FAULT_FULL:
		return "full";
	case STORE_FAULT_IO:
		return "unwritable (I/O error)";
	case STORE_FAULT_BUSY:
		return "locked by another process";
	default:
		return "none";
	}
}

void
store_fault_clear(struct store *st)
{
	st->fault = STORE_FAULT_NONE;
}

static int
store_exec(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (store_note(st, sqlite3_exec(st->db, sql, NULL, NULL, &msg)) !=
	    SQLITE_OK) {
		log_warnx("store", "%s", msg != NULL ? msg : "exec failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *st)
{
	store_wait_full(st, 0);
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	if (store_exec(st, "COMMIT") == -1) {
		store_rollback(st);
		return -1;
	}
	store_wait_full(st, 1);		/* the lock was ours: it is free */
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
store_user_version(struct store *st, int *version)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	if (store_step(st, stmt) == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Apply the migrations this database lacks, each in its own transaction. */
static int
store_migrate(struct store *st, char err[STORE_ERR_MAX])
{
	char	 sql[64];
	int	 version;

	if (store_begin(st) == -1 || store_user_version(st, &version) == -1) {
		snprintf(err, STORE_ERR_MAX, "cannot read schema version: %s",
		    store_errmsg(st));
		goto fail;
	}
	if (version > STORE_NMIGRATIONS) {
		snprintf(err, STORE_ERR_MAX,
		    "database schema %d is newer than this saferoom (%d)",
		    version, STORE_NMIGRATIONS);
		goto fail;
	}
	for (; version < STORE_NMIGRATIONS; version++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		if (store_exec(st, store_migrations[version]) == -1 ||
		    store_exec(st, sql) == -1) {
			snprintf(err, STORE_ERR_MAX, "migration %d failed: %s",
			    version + 1, store_errmsg(st));
			goto fail;
		}
		log_info("store", "schema migrated to version %d", version + 1);
	}
	if (store_commit(st) == -1) {
		snprintf(err, STORE_ERR_MAX, "cannot commit migration: %s",
		    store_errmsg(st));
		return -1;
	}
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int
store_open(struct store *st, const char *path, int create,
    char err[STORE_ERR_MAX])
{
	static const char pragmas[] =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA secure_delete = ON;"
	    "PRAGMA trusted_schema = OFF;";
	int	 fd, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	st->db = NULL;
	st->fault = STORE_FAULT_NONE;
	st->short_wait = 0;
	if (create) {
		/* Create it ourselves so that it is 0600 whatever the umask. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1) {
			snprintf(err, STORE_ERR_MAX, "cannot open database %s: %s",
			    path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, STORE_ERR_MAX, "cannot open database %s: %s",
		    path, st->db != NULL ? sqlite3_errmsg(st->db) :
		    "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (store_exec(st, pragmas) == -1) {
		snprintf(err, STORE_ERR_MAX, "cannot use database %s: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_migrate(st, err) == -1)
		goto fail;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	st->db = NULL;
}

/* Prepare sql, logging the error once. Returns NULL on failure. */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (store_note(st, sqlite3_prepare_v2(st->db, sql, -1, &stmt,
	    NULL)) != SQLITE_OK) {
		log_warnx("store", "prepare: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return stmt;
}

static void
store_copy_text(char *dst, size_t dstsz, sqlite3_stmt *stmt, int col)
{
	const unsigned char	*t = sqlite3_column_text(stmt, col);

	snprintf(dst, dstsz, "%s", t != NULL ? (const char *)t : "");
}

/*
 * Run a query whose rows are read by row() into a growing array of elements
 * of size elsz. Returns 0 with *out (caller frees) and *n, or -1.
 */
static int
store_collect(struct store *st, sqlite3_stmt *stmt, size_t elsz,
    void (*row)(sqlite3_stmt *, void *), void **out, size_t *n)
{
	char	*arr = NULL, *grown;
	size_t	 cap = 0, len = 0;
	int	 rc;

	while ((rc = store_step(st, stmt)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = reallocarray(arr, cap, elsz)) == NULL)
				goto fail;
			arr = grown;
		}
		memset(arr + len * elsz, 0, elsz);
		row(stmt, arr + len * elsz);
		len++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("store", "query: %s", sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_finalize(stmt);
	*out = arr;
	*n = len;
	return 0;
fail:
	sqlite3_finalize(stmt);
	free(arr);
	return -1;
}

/*
 * Run a query of at most one row, read by row() into out (zeroed first).
 * Returns 0 found, 1 not found, -1 on error (logged). Finalizes stmt.
 */
static int
store_fetch_one(struct store *st, sqlite3_stmt *stmt,
    void (*row)(sqlite3_stmt *, void *), void *out, size_t outsz)
{
	int	 rc = -1, step;

	step = store_step(st, stmt);
	if (step == SQLITE_ROW) {
		memset(out, 0, outsz);
		row(stmt, out);
		rc = 0;
	} else if (step == SQLITE_DONE)
		rc = 1;
	else
		log_warnx("store", "query: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

static void
store_service_row(sqlite3_stmt *stmt, void *p)
{
	struct store_service	*s = p;

	s->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(s->name, sizeof(s->name), stmt, 1);
	s->minutes = sqlite3_column_int(stmt, 2);
	s->price_cents = sqlite3_column_int64(stmt, 3);
	store_copy_text(s->currency, sizeof(s->currency), stmt, 4);
}

int
store_services(struct store *st, struct store_service **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, name, minutes, price_cents, "
	    "currency FROM services WHERE active = 1 ORDER BY id");
	if (stmt == NULL)
		return -1;
	return store_collect(st, stmt, sizeof(**out), store_service_row,
	    (void **)out, n);
}

int
store_service_add(struct store *st, struct store_service *s)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_prepare(st, "INSERT INTO services (name, minutes, "
	    "price_cents, currency) VALUES (?, ?, ?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, s->minutes);
	sqlite3_bind_int64(stmt, 3, s->price_cents);
	sqlite3_bind_text(stmt, 4, s->currency, -1, SQLITE_STATIC);
	if (store_step(st, stmt) == SQLITE_DONE) {
		s->id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	} else
		log_warnx("store", "service add: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

static void
store_staff_row(sqlite3_stmt *stmt, void *p)
{
	struct store_staff	*s = p;
	char			 role[16];

	s->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(s->username, sizeof(s->username), stmt, 1);
	store_copy_text(s->display_name, sizeof(s->display_name), stmt, 2);
	store_copy_text(role, sizeof(role), stmt, 3);
	s->role = store_role_parse(role);
}

int
store_therapists(struct store *st, struct store_staff **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff WHERE role = 'therapist' AND disabled = 0 ORDER BY id");
	if (stmt == NULL)
		return -1;
	return store_collect(st, stmt, sizeof(**out), store_staff_row,
	    (void **)out, n);
}

int
store_staff_add(struct store *st, struct store_staff *s,
    const char *password_hash, const uint8_t *totp_secret, size_t totp_len)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "INSERT INTO staff (username, display_name, "
	    "role, password_hash, totp_secret) VALUES (?, ?, ?, ?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, s->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, s->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, store_role_name(s->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 5, totp_secret, (int)totp_len, SQLITE_STATIC);
	step = store_step(st, stmt);
	if (step == SQLITE_DONE) {
		s->id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	} else if (step == SQLITE_CONSTRAINT_UNIQUE)
		rc = 1;
	else
		log_warnx("store", "staff add: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_staff_find(struct store *st, const char *username,
    struct store_staff *out)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff WHERE username = ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	return store_fetch_one(st, stmt, store_staff_row, out, sizeof(*out));
}

long long
store_staff_count(struct store *st)
{
	sqlite3_stmt	*stmt;
	long long	 n = -1;

	if ((stmt = store_prepare(st, "SELECT count(*) FROM staff")) == NULL)
		return -1;
	if (store_step(st, stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

long long
store_bookings_latest_end(struct store *st)
{
	sqlite3_stmt	*stmt;
	long long	 end = -1;

	if ((stmt = store_prepare(st, "SELECT coalesce(max(end_utc), 0) "
	    "FROM bookings")) == NULL)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		end = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return end;
}

int
store_hours_add(struct store *st, int64_t staff_id, int weekday, int from,
    int to)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, overlap;

	stmt = store_prepare(st, "SELECT count(*) FROM hours WHERE staff_id = ? "
	    "AND weekday = ? AND start_min < ? AND end_min > ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int(stmt, 2, weekday);
	sqlite3_bind_int(stmt, 3, to);
	sqlite3_bind_int(stmt, 4, from);
	if (store_step(st, stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return -1;
	}
	overlap = sqlite3_column_int(stmt, 0) > 0;
	sqlite3_finalize(stmt);
	if (overlap)
		return 1;
	stmt = store_prepare(st, "INSERT INTO hours (staff_id, weekday, "
	    "start_min, end_min) VALUES (?, ?, ?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int(stmt, 2, weekday);
	sqlite3_bind_int(stmt, 3, from);
	sqlite3_bind_int(stmt, 4, to);
	if (store_step(st, stmt) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("store", "hours add: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_setting_get(struct store *st, const char *key, char *out, size_t outsz)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "SELECT value FROM settings WHERE key = ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	step = store_step(st, stmt);
	if (step == SQLITE_ROW) {
		store_copy_text(out, outsz, stmt, 0);
		rc = 0;
	} else if (step == SQLITE_DONE)
		rc = 1;
	sqlite3_finalize(stmt);
	return rc;
}

int
store_setting_put(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_prepare(st, "INSERT INTO settings (key, value) VALUES "
	    "(?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	if (store_step(st, stmt) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("store", "setting put: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_service_get(struct store *st, int64_t id, struct store_service *out)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, name, minutes, price_cents, "
	    "currency FROM services WHERE id = ? AND active = 1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_fetch_one(st, stmt, store_service_row, out, sizeof(*out));
}

int
store_therapist_get(struct store *st, int64_t id, struct store_staff *out)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff WHERE id = ? AND role = 'therapist' AND disabled = 0");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_fetch_one(st, stmt, store_staff_row, out, sizeof(*out));
}

static void
store_hours_row(sqlite3_stmt *stmt, void *p)
{
	struct slots_hours	*h = p;

	h->weekday = sqlite3_column_int(stmt, 0);
	h->from = sqlite3_column_int(stmt, 1);
	h->to = sqlite3_column_int(stmt, 2);
}

int
store_hours_of(struct store *st, int64_t staff_id, struct slots_hours **out,
    size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT weekday, start_min, end_min FROM hours "
	    "WHERE staff_id = ? ORDER BY weekday, start_min");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	return store_collect(st, stmt, sizeof(**out), store_hours_row,
	    (void **)out, n);
}

static void
store_off_row(sqlite3_stmt *stmt, void *p)
{
	struct slots_off	*o = p;

	o->from_day = (long)sqlite3_column_int64(stmt, 0);
	o->to_day = (long)sqlite3_column_int64(stmt, 1);
}

int
store_timeoff_of(struct store *st, int64_t staff_id, long from_day,
    long to_day, struct slots_off **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT from_day, to_day FROM time_off "
	    "WHERE staff_id = ? AND to_day >= ? AND from_day <= ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int64(stmt, 2, from_day);
	sqlite3_bind_int64(stmt, 3, to_day);
	return store_collect(st, stmt, sizeof(**out), store_off_row,
	    (void **)out, n);
}

int
store_timeoff_add(struct store *st, int64_t staff_id, long from_day,
    long to_day)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_prepare(st, "INSERT INTO time_off (staff_id, from_day, "
	    "to_day) VALUES (?, ?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int64(stmt, 2, from_day);
	sqlite3_bind_int64(stmt, 3, to_day);
	if (store_step(st, stmt) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("store", "time off add: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

static void
store_busy_row(sqlite3_stmt *stmt, void *p)
{
	struct slots_busy	*b = p;

	b->start = (time_t)sqlite3_column_int64(stmt, 0);
	b->end = (time_t)sqlite3_column_int64(stmt, 1);
}

int
store_busy_of(struct store *st, int64_t staff_id, time_t from, time_t to,
    int64_t except, struct slots_busy **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT start_utc, end_utc FROM bookings "
	    "WHERE therapist_id = ? AND status IN ('booked', 'checked_in') "
	    "AND end_utc > ? AND start_utc < ? AND id != ? "
	    /* An unpaid booking whose payment window passed holds nothing. */
	    "AND NOT (hold_until IS NOT NULL AND paid_cents < price_cents AND "
	    "hold_until <= CAST(strftime('%s', 'now') AS INTEGER)) "
	    "ORDER BY start_utc");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)to);
	sqlite3_bind_int64(stmt, 4, except);
	return store_collect(st, stmt, sizeof(**out), store_busy_row,
	    (void **)out, n);
}

#define STORE_BOOKING_COLS						\
	"b.id, b.ref, b.lookup, b.token_hash, b.service_id, "		\
	"b.therapist_id, b.start_utc, b.end_utc, b.status, "		\
	"coalesce(b.cancelled_by, ''), b.price_cents, b.paid_cents, "	\
	"b.currency, s.name, t.display_name, coalesce(b.cancel_reason, ''), "	\
	"b.voucher_paid_cents, b.credit_pub, b.credit_box, "		\
	"coalesce(b.hold_until, 0) "					\
	"FROM bookings b JOIN services s ON s.id = b.service_id "	\
	"JOIN staff t ON t.id = b.therapist_id "

static void
store_booking_row(sqlite3_stmt *stmt, void *p)
{
	struct store_booking	*b = p;

	b->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(b->ref, sizeof(b->ref), stmt, 1);
	store_copy_text(b->lookup, sizeof(b->lookup), stmt, 2);
	store_copy_text(b->token_hash, sizeof(b->token_hash), stmt, 3);
	b->service_id = sqlite3_column_int64(stmt, 4);
	b->therapist_id = sqlite3_column_int64(stmt, 5);
	b->start = (time_t)sqlite3_column_int64(stmt, 6);
	b->end = (time_t)sqlite3_column_int64(stmt, 7);
	store_copy_text(b->status, sizeof(b->status), stmt, 8);
	store_copy_text(b->cancelled_by, sizeof(b->cancelled_by), stmt, 9);
	b->price_cents = sqlite3_column_int64(stmt, 10);
	b->paid_cents = sqlite3_column_int64(stmt, 11);
	store_copy_text(b->currency, sizeof(b->currency), stmt, 12);
	store_copy_text(b->service_name, sizeof(b->service_name), stmt, 13);
	store_copy_text(b->therapist_name, sizeof(b->therapist_name), stmt, 14);
	store_copy_text(b->cancel_reason, sizeof(b->cancel_reason), stmt, 15);
	b->voucher_paid_cents = sqlite3_column_int64(stmt, 16);
	if (sqlite3_column_bytes(stmt, 17) == (int)sizeof(b->credit_pub)) {
		memcpy(b->credit_pub, sqlite3_column_blob(stmt, 17),
		    sizeof(b->credit_pub));
		b->has_credit_pub = 1;
	}
	if ((b->credit_boxlen = (size_t)sqlite3_column_bytes(stmt, 18)) > 0 &&
	    b->credit_boxlen <= sizeof(b->credit_box))
		memcpy(b->credit_box, sqlite3_column_blob(stmt, 18),
		    b->credit_boxlen);
	else
		b->credit_boxlen = 0;
	b->hold_until = (time_t)sqlite3_column_int64(stmt, 19);
}

static int
store_booking_one(struct store *st, const char *where, int64_t id,
    const char *text, struct store_booking *out)
{
	char		 sql[1024];
	sqlite3_stmt	*stmt;

	snprintf(sql, sizeof(sql), "SELECT " STORE_BOOKING_COLS "WHERE %s",
	    where);
	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, id);
	return store_fetch_one(st, stmt, store_booking_row, out, sizeof(*out));
}

int
store_booking_by_id(struct store *st, int64_t id, struct store_booking *out)
{
	return store_booking_one(st, "b.id = ?", id, NULL, out);
}

int
store_booking_by_lookup(struct store *st, const char *lookup,
    struct store_booking *out)
{
	return store_booking_one(st, "b.lookup = ?", 0, lookup, out);
}

int
store_booking_by_ref(struct store *st, const char *ref,
    struct store_booking *out)
{
	return store_booking_one(st, "b.ref = ?", 0, ref, out);
}

int
store_booking_insert(struct store *st, struct store_booking *b)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "INSERT INTO bookings (ref, lookup, token_hash, "
	    "service_id, therapist_id, start_utc, end_utc, price_cents, "
	    "currency, credit_pub, hold_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, b->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, b->lookup, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, b->token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, b->service_id);
	sqlite3_bind_int64(stmt, 5, b->therapist_id);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)b->start);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)b->end);
	sqlite3_bind_int64(stmt, 8, b->price_cents);
	sqlite3_bind_text(stmt, 9, b->currency, -1, SQLITE_STATIC);
	if (b->has_credit_pub)
		sqlite3_bind_blob(stmt, 10, b->credit_pub, sizeof(b->credit_pub),
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 10);
	if (b->hold_until > 0)
		sqlite3_bind_int64(stmt, 11, (sqlite3_int64)b->hold_until);
	else
		sqlite3_bind_null(stmt, 11);
	step = store_step(st, stmt);
	if (step == SQLITE_DONE) {
		b->id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	} else if (step == SQLITE_CONSTRAINT_UNIQUE)
		rc = 1;
	else
		log_warnx("store", "booking insert: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_booking_cancel(struct store *st, int64_t id, const char *by,
    const char *reason)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_prepare(st, "UPDATE bookings SET status = 'cancelled', "
	    "cancelled_by = ?, cancel_reason = ? WHERE id = ? AND "
	    "status = 'booked'");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, by, -1, SQLITE_STATIC);
	if (reason != NULL && reason[0] != '\0')
		sqlite3_bind_text(stmt, 2, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_int64(stmt, 3, id);
	if (store_step(st, stmt) == SQLITE_DONE)
		rc = sqlite3_changes(st->db) == 1 ? 0 : 1;
	else
		log_warnx("store", "booking cancel: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_booking_move(struct store *st, int64_t id, time_t start, time_t end)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "UPDATE bookings SET start_utc = ?, end_utc = ? "
	    "WHERE id = ? AND status = 'booked'");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)end);
	sqlite3_bind_int64(stmt, 3, id);
	step = store_step(st, stmt);
	if (step == SQLITE_DONE)
		rc = sqlite3_changes(st->db) == 1 ? 0 : 2;
	else if (step == SQLITE_CONSTRAINT_UNIQUE)
		rc = 1;
	else
		log_warnx("store", "booking move: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

/* Run a one-row write with the binder filling its parameters. */
static int
store_write(struct store *st, const char *sql, const char *what,
    int (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	if (bind(stmt, arg) == 0 && store_step(st, stmt) == SQLITE_DONE)
		rc = sqlite3_changes(st->db) > 0 ? 0 : 1;
	else
		log_warnx("store", "%s: %s", what, sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_staff_credentials(struct store *st, const char *username,
    struct store_staff *out, struct store_credentials *cred)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;
	const void	*blob;
	int		 bloblen;

	stmt = store_prepare(st, "SELECT id, username, display_name, role, "
	    "password_hash, totp_secret, totp_last_step, disabled FROM staff "
	    "WHERE username = ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	step = store_step(st, stmt);
	if (step == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		memset(cred, 0, sizeof(*cred));
		store_staff_row(stmt, out);
		store_copy_text(cred->password_hash, sizeof(cred->password_hash),
		    stmt, 4);
		blob = sqlite3_column_blob(stmt, 5);
		bloblen = sqlite3_column_bytes(stmt, 5);
		if (blob != NULL && bloblen > 0 &&
		    (size_t)bloblen <= sizeof(cred->totp_secret)) {
			memcpy(cred->totp_secret, blob, (size_t)bloblen);
			cred->totp_len = (size_t)bloblen;
		}
		cred->totp_last_step = sqlite3_column_int64(stmt, 6);
		cred->disabled = sqlite3_column_int(stmt, 7);
		rc = 0;
	} else if (step == SQLITE_DONE)
		rc = 1;
	sqlite3_finalize(stmt);
	return rc;
}

struct store_step_arg {
	int64_t	 id, step;
};

static int
store_bind_step(sqlite3_stmt *stmt, const void *p)
{
	const struct store_step_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, a->step);
	sqlite3_bind_int64(stmt, 2, a->id);
	sqlite3_bind_int64(stmt, 3, a->step);
	return 0;
}

int
store_staff_use_step(struct store *st, int64_t id, int64_t step)
{
	struct store_step_arg	 a = { id, step };

	return store_write(st, "UPDATE staff SET totp_last_step = ? WHERE "
	    "id = ? AND totp_last_step < ?", "totp step", store_bind_step, &a);
}

struct store_blob_arg {
	int64_t		 id;
	const void	*blob;
	size_t		 len;
	const char	*text;
	long long	 num;
};

static int
store_bind_session_add(sqlite3_stmt *stmt, const void *p)
{
	const struct store_blob_arg	*a = p;

	sqlite3_bind_blob(stmt, 1, a->blob, (int)a->len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, a->id);
	sqlite3_bind_int64(stmt, 3, a->num);
	sqlite3_bind_int64(stmt, 4, a->num);
	return 0;
}

int
store_session_add(struct store *st, const uint8_t hash[32], int64_t staff_id,
    time_t now)
{
	struct store_blob_arg	 a = { staff_id, hash, 32, NULL, now };

	return store_write(st, "INSERT INTO sessions (hash, staff_id, created, "
	    "last_seen) VALUES (?, ?, ?, ?)", "session add",
	    store_bind_session_add, &a) == 0 ? 0 : -1;
}

int
store_session_get(struct store *st, const uint8_t hash[32],
    struct store_session *out)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "SELECT s.id, s.created, s.last_seen, t.id, "
	    "t.username, t.display_name, t.role FROM sessions s JOIN staff t "
	    "ON t.id = s.staff_id WHERE s.hash = ? AND t.disabled = 0");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	step = store_step(st, stmt);
	if (step == SQLITE_ROW) {
		char	 role[16];

		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(stmt, 0);
		out->created = (time_t)sqlite3_column_int64(stmt, 1);
		out->last_seen = (time_t)sqlite3_column_int64(stmt, 2);
		out->staff.id = sqlite3_column_int64(stmt, 3);
		store_copy_text(out->staff.username, sizeof(out->staff.username),
		    stmt, 4);
		store_copy_text(out->staff.display_name,
		    sizeof(out->staff.display_name), stmt, 5);
		store_copy_text(role, sizeof(role), stmt, 6);
		out->staff.role = store_role_parse(role);
		rc = 0;
	} else if (step == SQLITE_DONE)
		rc = 1;
	sqlite3_finalize(stmt);
	return rc;
}

static int
store_bind_id_num(sqlite3_stmt *stmt, const void *p)
{
	const struct store_blob_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, a->num);
	sqlite3_bind_int64(stmt, 2, a->id);
	return 0;
}

static int
store_bind_id(sqlite3_stmt *stmt, const void *p)
{
	sqlite3_bind_int64(stmt, 1, *(const int64_t *)p);
	return 0;
}

static int
store_bind_ref(sqlite3_stmt *stmt, const void *p)
{
	sqlite3_bind_text(stmt, 1, (const char *)p, -1, SQLITE_STATIC);
	return 0;
}

int
store_session_touch(struct store *st, int64_t id, time_t now)
{
	struct store_blob_arg	 a = { id, NULL, 0, NULL, now };

	return store_write(st, "UPDATE sessions SET last_seen = ? WHERE id = ?",
	    "session touch", store_bind_id_num, &a) == -1 ? -1 : 0;
}

int
store_session_delete(struct store *st, int64_t id)
{
	return store_write(st, "DELETE FROM sessions WHERE id = ?",
	    "session delete", store_bind_id, &id) == -1 ? -1 : 0;
}

int
store_sessions_end_staff(struct store *st, int64_t staff_id)
{
	return store_write(st, "DELETE FROM sessions WHERE staff_id = ?",
	    "sessions end", store_bind_id, &staff_id) == -1 ? -1 : 0;
}

int
store_sessions_end_all(struct store *st)
{
	return store_exec(st, "DELETE FROM sessions");
}

struct store_audit_arg {
	time_t		 at;
	int64_t		 staff_id;
	const char	*action, *ref, *detail;
};

static int
store_bind_audit(sqlite3_stmt *stmt, const void *p)
{
	const struct store_audit_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)a->at);
	if (a->staff_id > 0)
		sqlite3_bind_int64(stmt, 2, a->staff_id);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_text(stmt, 3, a->action, -1, SQLITE_STATIC);
	if (a->ref != NULL)
		sqlite3_bind_text(stmt, 4, a->ref, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 4);
	if (a->detail != NULL)
		sqlite3_bind_text(stmt, 5, a->detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 5);
	return 0;
}

int
store_audit(struct store *st, int64_t staff_id, const char *action,
    const char *ref, const char *detail)
{
	struct store_audit_arg	 a = { time(NULL), staff_id, action, ref, detail };

	return store_write(st, "INSERT INTO audit (at, staff_id, action, "
	    "booking_ref, detail) VALUES (?, ?, ?, ?, ?)", "audit",
	    store_bind_audit, &a) == 0 ? 0 : -1;
}

static void
store_audit_row(sqlite3_stmt *stmt, void *p)
{
	struct store_audit_entry	*e = p;

	e->at = (time_t)sqlite3_column_int64(stmt, 0);
	store_copy_text(e->username, sizeof(e->username), stmt, 1);
	store_copy_text(e->action, sizeof(e->action), stmt, 2);
	store_copy_text(e->ref, sizeof(e->ref), stmt, 3);
	store_copy_text(e->detail, sizeof(e->detail), stmt, 4);
}

int
store_audit_list(struct store *st, int limit, struct store_audit_entry **out,
    size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT a.at, coalesce(t.username, ''), "
	    "a.action, coalesce(a.booking_ref, ''), coalesce(a.detail, '') "
	    "FROM audit a LEFT JOIN staff t ON t.id = a.staff_id "
	    "ORDER BY a.id DESC LIMIT ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, limit);
	return store_collect(st, stmt, sizeof(**out), store_audit_row,
	    (void **)out, n);
}

int
store_bookings_between(struct store *st, time_t from, time_t to,
    int64_t therapist, struct store_booking **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT " STORE_BOOKING_COLS
	    "WHERE b.start_utc < ? AND b.end_utc > ? AND (? = 0 OR "
	    "b.therapist_id = ?) ORDER BY b.start_utc, b.therapist_id");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)to);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(stmt, 3, therapist);
	sqlite3_bind_int64(stmt, 4, therapist);
	return store_collect(st, stmt, sizeof(**out), store_booking_row,
	    (void **)out, n);
}

struct store_status_arg {
	int64_t		 id;
	const char	*from, *to;
};

static int
store_bind_status(sqlite3_stmt *stmt, const void *p)
{
	const struct store_status_arg	*a = p;

	sqlite3_bind_text(stmt, 1, a->to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, a->id);
	sqlite3_bind_text(stmt, 3, a->from, -1, SQLITE_STATIC);
	return 0;
}

int
store_booking_set_status(struct store *st, int64_t id, const char *from,
    const char *to)
{
	struct store_status_arg	 a = { id, from, to };

	return store_write(st, "UPDATE bookings SET status = ? WHERE id = ? "
	    "AND status = ?", "booking status", store_bind_status, &a);
}

static int
store_bind_text_id(sqlite3_stmt *stmt, const void *p)
{
	const struct store_blob_arg	*a = p;

	if (a->blob != NULL)
		sqlite3_bind_blob(stmt, 1, a->blob, (int)a->len, SQLITE_STATIC);
	else if (a->text != NULL)
		sqlite3_bind_text(stmt, 1, a->text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 1);
	sqlite3_bind_int64(stmt, 2, a->id);
	return 0;
}

int
store_staff_set_password(struct store *st, int64_t id, const char *hash)
{
	struct store_blob_arg	 a = { id, NULL, 0, hash, 0 };

	return store_write(st, "UPDATE staff SET password_hash = ? WHERE id = ?",
	    "set password", store_bind_text_id, &a) == 0 ? 0 : -1;
}

int
store_staff_set_totp(struct store *st, int64_t id, const uint8_t *secret,
    size_t len)
{
	struct store_blob_arg	 a = { id, secret, len, NULL, 0 };

	return store_write(st, "UPDATE staff SET totp_secret = ?, "
	    "totp_last_step = 0 WHERE id = ?", "set totp", store_bind_text_id,
	    &a) == 0 ? 0 : -1;
}

int
store_staff_set_disabled(struct store *st, int64_t id, int disabled)
{
	struct store_blob_arg	 a = { id, NULL, 0, NULL, disabled };

	return store_write(st, "UPDATE staff SET disabled = ? WHERE id = ?",
	    "set disabled", store_bind_id_num, &a) == 0 ? 0 : -1;
}

int
store_staff_set_feed(struct store *st, int64_t id, const uint8_t *hash)
{
	struct store_blob_arg	 a = { id, hash, hash != NULL ? 32 : 0, NULL, 0 };

	return store_write(st, "UPDATE staff SET feed_hash = ? WHERE id = ?",
	    "set feed", store_bind_text_id, &a) == 0 ? 0 : -1;
}

int
store_staff_by_feed(struct store *st, const uint8_t hash[32],
    struct store_staff *out)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff WHERE feed_hash = ? AND disabled = 0");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	return store_fetch_one(st, stmt, store_staff_row, out, sizeof(*out));
}

static void
store_hours_entry_row(sqlite3_stmt *stmt, void *p)
{
	struct store_hours_entry	*h = p;

	h->id = sqlite3_column_int64(stmt, 0);
	h->weekday = sqlite3_column_int(stmt, 1);
	h->from = sqlite3_column_int(stmt, 2);
	h->to = sqlite3_column_int(stmt, 3);
}

int
store_hours_list(struct store *st, int64_t staff_id,
    struct store_hours_entry **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, weekday, start_min, end_min FROM "
	    "hours WHERE staff_id = ? ORDER BY weekday, start_min");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	return store_collect(st, stmt, sizeof(**out), store_hours_entry_row,
	    (void **)out, n);
}

static int
store_bind_id_owner(sqlite3_stmt *stmt, const void *p)
{
	const struct store_blob_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, a->num);
	sqlite3_bind_int64(stmt, 2, a->id);
	return 0;
}

int
store_hours_delete(struct store *st, int64_t staff_id, int64_t id)
{
	struct store_blob_arg	 a = { staff_id, NULL, 0, NULL, id };

	return store_write(st, "DELETE FROM hours WHERE id = ? AND staff_id = ?",
	    "hours delete", store_bind_id_owner, &a);
}

static void
store_off_entry_row(sqlite3_stmt *stmt, void *p)
{
	struct store_timeoff_entry	*o = p;

	o->id = sqlite3_column_int64(stmt, 0);
	o->from_day = (long)sqlite3_column_int64(stmt, 1);
	o->to_day = (long)sqlite3_column_int64(stmt, 2);
}

int
store_timeoff_list(struct store *st, int64_t staff_id, long from_day,
    struct store_timeoff_entry **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, from_day, to_day FROM time_off "
	    "WHERE staff_id = ? AND to_day >= ? ORDER BY from_day");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, staff_id);
	sqlite3_bind_int64(stmt, 2, from_day);
	return store_collect(st, stmt, sizeof(**out), store_off_entry_row,
	    (void **)out, n);
}

int
store_timeoff_delete(struct store *st, int64_t staff_id, int64_t id)
{
	struct store_blob_arg	 a = { staff_id, NULL, 0, NULL, id };

	return store_write(st, "DELETE FROM time_off WHERE id = ? AND "
	    "staff_id = ?", "time off delete", store_bind_id_owner, &a);
}

int
store_staff_all(struct store *st, struct store_staff **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff ORDER BY id");
	if (stmt == NULL)
		return -1;
	return store_collect(st, stmt, sizeof(**out), store_staff_row,
	    (void **)out, n);
}

/* ---- money --------------------------------------------------------------------- */

static void
store_voucher_row(sqlite3_stmt *stmt, void *p)
{
	struct store_voucher	*v = p;

	v->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(v->lookup, sizeof(v->lookup), stmt, 1);
	store_copy_text(v->code_hash, sizeof(v->code_hash), stmt, 2);
	v->value_cents = sqlite3_column_int64(stmt, 3);
	v->balance_cents = sqlite3_column_int64(stmt, 4);
	store_copy_text(v->currency, sizeof(v->currency), stmt, 5);
	v->expires_day = (long)sqlite3_column_int64(stmt, 6);
	v->voided = sqlite3_column_int(stmt, 7);
	store_copy_text(v->kind, sizeof(v->kind), stmt, 8);
	store_copy_text(v->tag, sizeof(v->tag), stmt, 9);
}

#define STORE_VOUCHER_COLS						\
	"id, lookup, code_hash, value_cents, balance_cents, currency, "	\
	"expires_day, voided, kind, coalesce(tag, '') FROM vouchers "

int
store_voucher_by_lookup(struct store *st, const char *lookup,
    struct store_voucher *out)
{
	sqlite3_stmt	*stmt;

	if ((stmt = store_prepare(st, "SELECT " STORE_VOUCHER_COLS
	    "WHERE lookup = ?")) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, lookup, -1, SQLITE_STATIC);
	return store_fetch_one(st, stmt, store_voucher_row, out, sizeof(*out));
}

int
store_voucher_by_id(struct store *st, int64_t id, struct store_voucher *out)
{
	sqlite3_stmt	*stmt;

	if ((stmt = store_prepare(st, "SELECT " STORE_VOUCHER_COLS
	    "WHERE id = ?")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_fetch_one(st, stmt, store_voucher_row, out, sizeof(*out));
}

int
store_voucher_insert(struct store *st, struct store_voucher *v)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "INSERT INTO vouchers (lookup, code_hash, "
	    "value_cents, balance_cents, currency, expires_day, kind, tag) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, v->lookup, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, v->code_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, v->value_cents);
	sqlite3_bind_int64(stmt, 4, v->balance_cents);
	sqlite3_bind_text(stmt, 5, v->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, v->expires_day);
	sqlite3_bind_text(stmt, 7, v->kind, -1, SQLITE_STATIC);
	if (v->tag[0] != '\0')
		sqlite3_bind_text(stmt, 8, v->tag, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 8);
	step = store_step(st, stmt);
	if (step == SQLITE_DONE) {
		v->id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	} else if (step == SQLITE_CONSTRAINT_UNIQUE)
		rc = 1;
	else
		log_warnx("store", "voucher insert: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}

struct store_amount_arg {
	int64_t		 id;
	int64_t		 amount, via_voucher;
};

static int
store_bind_take(sqlite3_stmt *stmt, const void *p)
{
	const struct store_amount_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, a->amount);
	sqlite3_bind_int64(stmt, 2, a->id);
	sqlite3_bind_int64(stmt, 3, a->amount);
	return 0;
}

int
store_voucher_take(struct store *st, int64_t id, int64_t amount)
{
	struct store_amount_arg	 a = { id, amount, 0 };

	/* The WHERE clause is the guard: a balance never goes below zero. */
	return store_write(st, "UPDATE vouchers SET balance_cents = "
	    "balance_cents - ? WHERE id = ? AND voided = 0 AND "
	    "balance_cents >= ?", "voucher take", store_bind_take, &a);
}

int
store_voucher_void(struct store *st, int64_t id)
{
	return store_write(st, "UPDATE vouchers SET voided = 1, balance_cents = 0 "
	    "WHERE id = ? AND voided = 0", "voucher void", store_bind_id, &id);
}

static int
store_bind_pay(sqlite3_stmt *stmt, const void *p)
{
	const struct store_amount_arg	*a = p;

	sqlite3_bind_int64(stmt, 1, a->amount);
	sqlite3_bind_int64(stmt, 2, a->via_voucher);
	sqlite3_bind_int64(stmt, 3, a->id);
	return 0;
}

int
store_booking_pay(struct store *st, int64_t id, int64_t amount,
    int64_t via_voucher)
{
	struct store_amount_arg	 a = { id, amount, via_voucher };

	return store_write(st, "UPDATE bookings SET paid_cents = paid_cents + ?, "
	    "voucher_paid_cents = voucher_paid_cents + ? WHERE id = ?",
	    "booking pay", store_bind_pay, &a);
}

struct store_ledger_arg {
	const struct store_ledger	*l;
};

static int
store_bind_ledger(sqlite3_stmt *stmt, const void *p)
{
	const struct store_ledger	*l = p;

	sqlite3_bind_int64(stmt, 1, l->day);
	sqlite3_bind_text(stmt, 2, l->kind, -1, SQLITE_STATIC);
	if (l->method[0] != '\0')
		sqlite3_bind_text(stmt, 3, l->method, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_int64(stmt, 4, l->amount_cents);
	sqlite3_bind_text(stmt, 5, l->currency, -1, SQLITE_STATIC);
	if (l->booking_ref[0] != '\0')
		sqlite3_bind_text(stmt, 6, l->booking_ref, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 6);
	if (l->voucher_id > 0)
		sqlite3_bind_int64(stmt, 7, l->voucher_id);
	else
		sqlite3_bind_null(stmt, 7);
	if (l->staff_id > 0)
		sqlite3_bind_int64(stmt, 8, l->staff_id);
	else
		sqlite3_bind_null(stmt, 8);
	return 0;
}

int
store_ledger_add(struct store *st, const struct store_ledger *l)
{
	return store_write(st, "INSERT INTO ledger (day, kind, method, "
	    "amount_cents, currency, booking_ref, voucher_id, staff_id) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", "ledger", store_bind_ledger, l) == 0 ?
	    0 : -1;
}

static void
store_ledger_row(sqlite3_stmt *stmt, void *p)
{
	struct store_ledger	*l = p;

	l->day = (long)sqlite3_column_int64(stmt, 0);
	store_copy_text(l->kind, sizeof(l->kind), stmt, 1);
	store_copy_text(l->method, sizeof(l->method), stmt, 2);
	l->amount_cents = sqlite3_column_int64(stmt, 3);
	store_copy_text(l->currency, sizeof(l->currency), stmt, 4);
	store_copy_text(l->booking_ref, sizeof(l->booking_ref), stmt, 5);
	l->voucher_id = sqlite3_column_int64(stmt, 6);
	l->staff_id = sqlite3_column_int64(stmt, 7);
}

int
store_ledger_between(struct store *st, long from_day, long to_day,
    struct store_ledger **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT day, kind, coalesce(method, ''), "
	    "amount_cents, currency, coalesce(booking_ref, ''), "
	    "coalesce(voucher_id, 0), coalesce(staff_id, 0) FROM ledger "
	    "WHERE day BETWEEN ? AND ? ORDER BY id");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, from_day);
	sqlite3_bind_int64(stmt, 2, to_day);
	return store_collect(st, stmt, sizeof(**out), store_ledger_row,
	    (void **)out, n);
}

static void
store_total_row(sqlite3_stmt *stmt, void *p)
{
	struct store_total	*t = p;

	store_copy_text(t->currency, sizeof(t->currency), stmt, 0);
	t->cents = sqlite3_column_int64(stmt, 1);
	t->count = sqlite3_column_int64(stmt, 2);
}

int
store_voucher_liability(struct store *st, long today, struct store_total **out,
    size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT currency, sum(balance_cents), count(*) "
	    "FROM vouchers WHERE voided = 0 AND expires_day >= ? AND "
	    "balance_cents > 0 GROUP BY currency ORDER BY currency");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, today);
	return store_collect(st, stmt, sizeof(**out), store_total_row,
	    (void **)out, n);
}

int
store_idempotent_get(struct store *st, const uint8_t key[32], int *status,
    char **body)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1, step;

	stmt = store_prepare(st, "SELECT status, body FROM idempotency WHERE "
	    "key_hash = ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	step = store_step(st, stmt);
	if (step == SQLITE_ROW) {
		*status = sqlite3_column_int(stmt, 0);
		*body = strdup((const char *)sqlite3_column_text(stmt, 1));
		rc = *body != NULL ? 0 : -1;
	} else if (step == SQLITE_DONE)
		rc = 1;
	sqlite3_finalize(stmt);
	return rc;
}

struct store_idem_arg {
	const uint8_t	*key;
	int		 status;
	const char	*body;
};

static int
store_bind_idem(sqlite3_stmt *stmt, const void *p)
{
	const struct store_idem_arg	*a = p;

	sqlite3_bind_blob(stmt, 1, a->key, 32, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, a->status);
	sqlite3_bind_text(stmt, 3, a->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
	return 0;
}

int
store_idempotent_put(struct store *st, const uint8_t key[32], int status,
    const char *body)
{
	struct store_idem_arg	 a = { key, status, body };

	return store_write(st, "INSERT INTO idempotency (key_hash, status, body, "
	    "created) VALUES (?, ?, ?, ?)", "idempotency", store_bind_idem,
	    &a) == 0 ? 0 : -1;
}

int
store_ledger_for_ref(struct store *st, const char *ref,
    struct store_ledger **out, size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT day, kind, coalesce(method, ''), "
	    "amount_cents, currency, coalesce(booking_ref, ''), "
	    "coalesce(voucher_id, 0), coalesce(staff_id, 0) FROM ledger "
	    "WHERE booking_ref = ? ORDER BY id");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, ref, -1, SQLITE_STATIC);
	return store_collect(st, stmt, sizeof(**out), store_ledger_row,
	    (void **)out, n);
}

int
store_booking_set_credit(struct store *st, int64_t id, const uint8_t *box,
    size_t len)
{
	struct store_blob_arg	 a = { id, box, len, NULL, 0 };

	return store_write(st, "UPDATE bookings SET credit_box = ? WHERE id = ?",
	    "booking credit", store_bind_text_id, &a) == 0 ? 0 : -1;
}

static int
store_bind_now(sqlite3_stmt *stmt, const void *p)
{
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)*(const time_t *)p);
	return 0;
}

int
store_expire_holds(struct store *st, time_t now)
{
	int	 rc;

	rc = store_write(st, "UPDATE bookings SET status = 'cancelled', "
	    "cancelled_by = 'practice', cancel_reason = 'Not paid in time', "
	    "hold_until = NULL WHERE hold_until IS NOT NULL AND hold_until <= ? "
	    "AND status = 'booked' AND paid_cents < price_cents", "holds",
	    store_bind_now, &now);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db);
}

static void
store_expired_row(sqlite3_stmt *stmt, void *p)
{
	struct store_voucher	*v = p;

	v->id = sqlite3_column_int64(stmt, 0);
	v->balance_cents = sqlite3_column_int64(stmt, 1);
	store_copy_text(v->currency, sizeof(v->currency), stmt, 2);
}

int
store_vouchers_lapsed(struct store *st, long today, struct store_voucher **out,
    size_t *n)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id, balance_cents, currency FROM "
	    "vouchers WHERE expires_day < ? AND balance_cents > 0 AND "
	    "voided = 0 LIMIT 500");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, today);
	return store_collect(st, stmt, sizeof(**out), store_expired_row,
	    (void **)out, n);
}

/* ---- backups -------------------------------------------------------------------- */

#define STORE_BACKUP_PAGES	256	/* pages copied between yields to writers */
#define STORE_BACKUP_SLEEP_MS	10

/* Copy all of from into to with SQLite's online backup. 0 or -1 (err set). */
static int
store_copy_db(sqlite3 *to, sqlite3 *from, char err[STORE_ERR_MAX])
{
	sqlite3_backup	*b;
	int		 rc, busy = 0;

	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL) {
		snprintf(err, STORE_ERR_MAX, "cannot start the copy: %s",
		    sqlite3_errmsg(to));
		return -1;
	}
	/* Small steps, so a running saferoomd keeps writing meanwhile. */
	do {
		rc = sqlite3_backup_step(b, STORE_BACKUP_PAGES);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if ((busy += STORE_BACKUP_SLEEP_MS) > STORE_BUSY_MS * 6)
				break;	/* someone holds the lock for good */
			sqlite3_sleep(STORE_BACKUP_SLEEP_MS);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, STORE_ERR_MAX, "the copy failed: %s",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* "ok" from PRAGMA integrity_check on db? */
static int
store_intact(sqlite3 *db)
{
	sqlite3_stmt	*stmt;
	int		 ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") == 0;
	sqlite3_finalize(stmt);
	return ok;
}

int
store_backup(struct store *st, const char *path, char err[STORE_ERR_MAX])
{
	sqlite3	*to = NULL;
	int	 fd, rc = -1;

	/* A new file of ours alone; never over an existing one. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		snprintf(err, STORE_ERR_MAX, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, STORE_ERR_MAX, "cannot open %s", path);
		goto done;
	}
	if (store_copy_db(to, st->db, err) == -1)
		goto done;
	if (!store_intact(to)) {
		snprintf(err, STORE_ERR_MAX, "the copy in %s failed its integrity "
		    "check", path);
		goto done;
	}
	rc = 0;
done:
	if (to != NULL)
		sqlite3_close_v2(to);
	if (rc == -1)
		(void)unlink(path);
	return rc;
}

int
store_restore(struct store *st, const char *path, char err[STORE_ERR_MAX])
{
	sqlite3		*from = NULL;
	sqlite3_stmt	*stmt;
	int		 rc = -1, version = -1;

	if (sqlite3_open_v2(path, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, STORE_ERR_MAX, "cannot open %s", path);
		goto done;
	}
	if (!store_intact(from)) {
		snprintf(err, STORE_ERR_MAX, "%s is not an intact database", path);
		goto done;
	}
	if (sqlite3_prepare_v2(from, "PRAGMA user_version", -1, &stmt,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			version = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
	}
	if (version < 1 || version > STORE_NMIGRATIONS) {
		snprintf(err, STORE_ERR_MAX, "%s is not a saferoom database this "
		    "version can use", path);
		goto done;
	}
	if (store_copy_db(st->db, from, err) == -1)
		goto done;
	rc = 0;
done:
	if (from != NULL)
		sqlite3_close_v2(from);
	return rc;
}

/* ---- retention -------------------------------------------------------------------- */

#define STORE_PURGE_BATCH	200

/* Fold one booking into the aggregates and forget it. 0 or -1. */
static int
store_purge_one(struct store *st, const struct store_booking *b, long day)
{
	static const char fold[] =
	    "INSERT INTO aggregates (day, service_id, method, currency, sessions, "
	    "cents) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (day, service_id, "
	    "method, currency) DO UPDATE SET sessions = sessions + 1, cents = "
	    "cents + excluded.cents";
	sqlite3_stmt	*q, *ins;
	int		 rows = 0, rc = -1;

	/* Money per method that stayed with the booking. */
	q = store_prepare(st, "SELECT coalesce(method, 'none'), sum(CASE kind "
	    "WHEN 'payment' THEN amount_cents WHEN 'voucher_redeemed' THEN "
	    "amount_cents WHEN 'refund' THEN -amount_cents WHEN 'credit_issued' "
	    "THEN -amount_cents ELSE 0 END) FROM ledger WHERE booking_ref = ? "
	    "AND kind IN ('payment', 'voucher_redeemed', 'refund', "
	    "'credit_issued') GROUP BY 1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, b->ref, -1, SQLITE_STATIC);
	if ((ins = store_prepare(st, fold)) == NULL) {
		sqlite3_finalize(q);
		return -1;
	}
	while (store_step(st, q) == SQLITE_ROW) {
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, day);
		sqlite3_bind_int64(ins, 2, b->service_id);
		sqlite3_bind_text(ins, 3, (const char *)sqlite3_column_text(q, 0),
		    -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, b->currency, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, sqlite3_column_int64(q, 1));
		if (store_step(st, ins) != SQLITE_DONE)
			goto done;
		rows++;
	}
	if (rows == 0) {
		/* A session nobody paid for still counts as one. */
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, day);
		sqlite3_bind_int64(ins, 2, b->service_id);
		sqlite3_bind_text(ins, 3, "none", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, b->currency, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, 0);
		if (store_step(st, ins) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	if (rc == 0 && (store_write(st, "UPDATE ledger SET booking_ref = NULL "
	    "WHERE booking_ref = ?", "purge ledger", store_bind_ref, b->ref) == -1 ||
	    store_write(st, "UPDATE audit SET booking_ref = NULL WHERE "
	    "booking_ref = ?", "purge audit", store_bind_ref, b->ref) == -1 ||
	    store_write(st, "DELETE FROM bookings WHERE id = ?", "purge booking",
	    store_bind_id, &b->id) == -1))
		rc = -1;
	if (rc == -1)
		log_warnx("store", "purge: %s", sqlite3_errmsg(st->db));
	return rc;
}

int
store_purge(struct store *st, time_t before, long (*day_of)(time_t))
{
	struct store_booking	*b = NULL;
	sqlite3_stmt		*stmt;
	size_t			 n, i;
	int			 total = 0;

	for (;;) {
		stmt = store_prepare(st, "SELECT " STORE_BOOKING_COLS
		    "WHERE b.end_utc < ? LIMIT ?");
		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)before);
		sqlite3_bind_int(stmt, 2, STORE_PURGE_BATCH);
		if (store_collect(st, stmt, sizeof(*b), store_booking_row,
		    (void **)&b, &n) == -1)
			return -1;
		if (n == 0)
			break;
		if (store_begin(st) == -1) {
			free(b);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (store_purge_one(st, &b[i], day_of(b[i].start)) == -1)
				break;
		free(b);
		b = NULL;
		if (i < n || store_commit(st) == -1) {
			store_rollback(st);
			return -1;
		}
		total += (int)n;
		if (n < STORE_PURGE_BATCH)
			break;
	}
	/* Answers kept for retries have no business after a day. */
	(void)store_exec(st, "DELETE FROM idempotency WHERE created < "
	    "CAST(strftime('%s', 'now') AS INTEGER) - 86400");
	/* Old copies of purged pages may linger in the WAL: fold it back. */
	if (total > 0)
		(void)sqlite3_wal_checkpoint_v2(st->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return total;
}
