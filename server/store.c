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

static int
store_exec(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("store", "%s", msg != NULL ? msg : "exec failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	if (store_exec(st, "COMMIT") == -1) {
		store_rollback(st);
		return -1;
	}
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
	if (sqlite3_step(stmt) == SQLITE_ROW) {
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

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
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

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
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
	if (sqlite3_step(stmt) == SQLITE_DONE) {
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
	step = sqlite3_step(stmt);
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
	int		 rc = -1, step;

	stmt = store_prepare(st, "SELECT id, username, display_name, role "
	    "FROM staff WHERE username = ?");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		store_staff_row(stmt, out);
		rc = 0;
	} else if (step == SQLITE_DONE)
		rc = 1;
	sqlite3_finalize(stmt);
	return rc;
}

long long
store_staff_count(struct store *st)
{
	sqlite3_stmt	*stmt;
	long long	 n = -1;

	if ((stmt = store_prepare(st, "SELECT count(*) FROM staff")) == NULL)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
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
	if (sqlite3_step(stmt) != SQLITE_ROW) {
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
	if (sqlite3_step(stmt) == SQLITE_DONE)
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
	step = sqlite3_step(stmt);
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
	if (sqlite3_step(stmt) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("store", "setting put: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc;
}
