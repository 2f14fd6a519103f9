/*
 * Unit test of server/store.c against include/saferoom/store.h: opening
 * (a 0600 file whatever the umask, migration to store_schema_version(),
 * idempotent reopen, refusal of a newer schema and of a file that is not
 * a database), the connection's durability pragmas, services, staff,
 * weekly hours and their overlap rule, settings, transactions, and the
 * privacy invariant of DESIGN.md: no column that could hold a client's
 * identity.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "saferoom/store.h"
#include "saferoom/util.h"

#include "check.h"
#include "tmpdir.h"

static char	 tmp[TMPDIR_MAX];

/* The first column of the first row of sql on db as an integer, or -999. */
static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*stmt;
	long long	 v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "\t%s: %s\n", sql, sqlite3_errmsg(db));
		return v;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* The same as text into out. */
static const char *
query_text(sqlite3 *db, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt		*stmt;
	const unsigned char	*t;

	snprintf(out, outsz, "(error)");
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return out;
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    (t = sqlite3_column_text(stmt, 0)) != NULL)
		snprintf(out, outsz, "%s", (const char *)t);
	sqlite3_finalize(stmt);
	return out;
}

static int
open_store(struct store *st, const char *path, int create)
{
	char	 err[STORE_ERR_MAX];

	err[0] = '\0';
	if (store_open(st, path, create, err) == 0)
		return 0;
	fprintf(stderr, "\tstore_open %s: %s\n", path, err);
	return -1;
}

static void
test_open(void)
{
	struct store	 st;
	char		 path[TMPDIR_MAX], side[TMPDIR_MAX], err[STORE_ERR_MAX];
	char		 buf[64];
	mode_t		 old;

	CHECK(store_schema_version() >= 1);

	/* Created 0600 even with a umask of 0. */
	tmpdir_path(path, tmp, "open.db");
	old = umask(0);
	if (!CHECK_INT(open_store(&st, path, 1), 0)) {
		umask(old);
		return;
	}
	umask(old);
	CHECK(st.db != NULL);
	CHECK_INT(tmpdir_mode(path), 0600);
	/*
	 * In WAL mode the write-ahead log and its index exist while the
	 * connection is open, and hold the same private data: SQLite gives
	 * them the database's mode.
	 */
	CHECK_INT(tmpdir_mode(tmpdir_cat(side, path, "-wal")), 0600);
	CHECK_INT(tmpdir_mode(tmpdir_cat(side, path, "-shm")), 0600);

	CHECK_INT(query_int(st.db, "PRAGMA user_version"),
	    store_schema_version());
	CHECK_STR(query_text(st.db, "PRAGMA journal_mode", buf, sizeof(buf)),
	    "wal");
	CHECK_INT(query_int(st.db, "PRAGMA synchronous"), 2);	/* FULL */
	CHECK_INT(query_int(st.db, "PRAGMA foreign_keys"), 1);
	CHECK_INT(query_int(st.db, "PRAGMA secure_delete"), 1);
	CHECK_INT(query_int(st.db, "PRAGMA busy_timeout"), STORE_BUSY_MS);
	CHECK_INT(query_int(st.db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('services', 'staff', 'hours', "
	    "'settings')"), 4);

	/* Something to find again after reopening. */
	CHECK_INT(store_setting_put(&st, "timezone", "Europe/Berlin"), 0);
	store_close(&st);
	CHECK(st.db == NULL);
	store_close(&st);		/* twice is harmless */

	/* Reopen, with and without create: same version, data kept. */
	if (CHECK_INT(open_store(&st, path, 1), 0)) {
		CHECK_INT(query_int(st.db, "PRAGMA user_version"),
		    store_schema_version());
		CHECK_INT(store_setting_get(&st, "timezone", buf, sizeof(buf)),
		    0);
		CHECK_STR(buf, "Europe/Berlin");
		store_close(&st);
	}
	if (CHECK_INT(open_store(&st, path, 0), 0)) {
		CHECK_INT(query_int(st.db, "PRAGMA user_version"),
		    store_schema_version());
		CHECK_INT(query_int(st.db, "SELECT count(*) FROM settings"), 1);
		CHECK_INT(query_int(st.db, "PRAGMA synchronous"), 2);
		CHECK_INT(query_int(st.db, "PRAGMA foreign_keys"), 1);
		store_close(&st);
	}

	/* Without create, a missing file is an error and is not made. */
	tmpdir_path(path, tmp, "absent.db");
	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 0, err), -1);
	CHECK(err[0] != '\0');
	CHECK(st.db == NULL);
	CHECK(!tmpdir_exists(path));

	/* A directory that does not exist. */
	tmpdir_path(path, tmp, "no-dir/x.db");
	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 1, err), -1);
	CHECK(strstr(err, path) != NULL);
}

static void
test_newer_schema(void)
{
	struct store	 st;
	sqlite3		*db;
	char		 path[TMPDIR_MAX], err[STORE_ERR_MAX], sql[64];

	tmpdir_path(path, tmp, "newer.db");
	if (!CHECK_INT(open_store(&st, path, 1), 0))
		return;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	CHECK_INT(sqlite3_exec(st.db, sql, NULL, NULL, NULL), SQLITE_OK);
	store_close(&st);

	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 1, err), -1);
	CHECK(st.db == NULL);
	if (!CHECK(strstr(err, "newer") != NULL))
		fprintf(stderr, "\terr \"%s\"\n", err);
	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 0, err), -1);
	CHECK(err[0] != '\0');

	/* The refusal changed nothing. */
	if (CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK)) {
		CHECK_INT(query_int(db, "PRAGMA user_version"),
		    store_schema_version() + 1);
	}
	sqlite3_close(db);
}

static void
test_not_a_database(void)
{
	struct store	 st;
	char		 path[TMPDIR_MAX], err[STORE_ERR_MAX], text[8192];
	char		 back[8192];
	size_t		 i;

	for (i = 0; i + 1 < sizeof(text); i++)
		text[i] = "this is not a database\n"[i % 23];
	text[sizeof(text) - 1] = '\0';
	tmpdir_path(path, tmp, "text.db");
	CHECK_INT(tmpdir_write(path, text, strlen(text), 0600), 0);

	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 1, err), -1);
	CHECK(st.db == NULL);
	CHECK(err[0] != '\0');
	err[0] = '\0';
	CHECK_INT(store_open(&st, path, 0, err), -1);
	CHECK(err[0] != '\0');
	/* And it was not overwritten. */
	CHECK_INT(tmpdir_read(path, back, sizeof(back)), strlen(text));
	CHECK(strcmp(back, text) == 0);
}

static void
test_services(struct store *st)
{
	struct store_service	 s, *list = NULL;
	size_t			 n = 0;
	static const struct {
		const char	*name;
		int		 minutes;
		int64_t		 cents;
		const char	*cur;
	} add[] = {
		{ "Paartherapie", 90, 15000, "EUR" },
		{ "Anamnese", 50, 9000, "EUR" },
		{ "Einzelsitzung Jürgen", 60, 0, "CHF" },
	};
	int64_t			 ids[3];
	size_t			 i;

	CHECK_INT(store_services(st, &list, &n), 0);
	CHECK_INT(n, 0);
	free(list);

	for (i = 0; i < NELEM(add); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "%s", add[i].name);
		s.minutes = add[i].minutes;
		s.price_cents = add[i].cents;
		snprintf(s.currency, sizeof(s.currency), "%s", add[i].cur);
		CHECK_INT(store_service_add(st, &s), 0);
		CHECK(s.id > 0);
		ids[i] = s.id;
		if (i > 0)
			CHECK(ids[i] > ids[i - 1]);
	}

	/* Ordered by id, i.e. as added, not by name. */
	list = NULL;
	if (CHECK_INT(store_services(st, &list, &n), 0) && CHECK_INT(n, 3)) {
		for (i = 0; i < 3; i++) {
			CHECK_INT(list[i].id, ids[i]);
			CHECK_STR(list[i].name, add[i].name);
			CHECK_INT(list[i].minutes, add[i].minutes);
			CHECK_INT(list[i].price_cents, add[i].cents);
			CHECK_STR(list[i].currency, add[i].cur);
		}
	}
	free(list);

	/* Only active ones are offered. */
	{
		char	 sql[96];

		snprintf(sql, sizeof(sql),
		    "UPDATE services SET active = 0 WHERE id = %lld",
		    (long long)ids[1]);
		CHECK_INT(sqlite3_exec(st->db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	}
	list = NULL;
	if (CHECK_INT(store_services(st, &list, &n), 0) && CHECK_INT(n, 2)) {
		CHECK_INT(list[0].id, ids[0]);
		CHECK_INT(list[1].id, ids[2]);
	}
	free(list);

	/* The schema's checks hold. */
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "Too short");
	s.minutes = 4;
	s.price_cents = 100;
	snprintf(s.currency, sizeof(s.currency), "EUR");
	CHECK_INT(store_service_add(st, &s), -1);
	s.minutes = 601;
	CHECK_INT(store_service_add(st, &s), -1);
	s.minutes = 60;
	s.price_cents = -1;
	CHECK_INT(store_service_add(st, &s), -1);
	s.price_cents = 100;
	s.name[0] = '\0';
	CHECK_INT(store_service_add(st, &s), -1);
	snprintf(s.name, sizeof(s.name), "Ok");
	snprintf(s.currency, sizeof(s.currency), "EU");
	CHECK_INT(store_service_add(st, &s), -1);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM services"), 3);
}

static int
add_staff(struct store *st, const char *user, const char *display,
    enum store_role role, int64_t *id)
{
	struct store_staff	 s;
	static const uint8_t	 secret[20] = { 1, 2, 3 };
	int			 rc;

	memset(&s, 0, sizeof(s));
	snprintf(s.username, sizeof(s.username), "%s", user);
	snprintf(s.display_name, sizeof(s.display_name), "%s", display);
	s.role = role;
	rc = store_staff_add(st, &s, "$scrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA",
	    secret, sizeof(secret));
	if (rc == 0 && id != NULL)
		*id = s.id;
	return rc;
}

static void
test_staff(struct store *st)
{
	struct store_staff	 f, *list = NULL;
	size_t			 n = 0;
	int64_t			 anna = 0, ben = 0, carl = 0, root = 0;
	char			 sql[96];

	CHECK_INT(store_staff_count(st), 0);
	CHECK_INT(store_therapists(st, &list, &n), 0);
	CHECK_INT(n, 0);
	free(list);

	CHECK_INT(add_staff(st, "root", "Admin", ROLE_ADMIN, &root), 0);
	CHECK_INT(add_staff(st, "anna", "Dr. Anna Ö", ROLE_THERAPIST, &anna), 0);
	CHECK_INT(add_staff(st, "desk", "Empfang", ROLE_DESK, NULL), 0);
	CHECK_INT(add_staff(st, "ben", "Ben", ROLE_THERAPIST, &ben), 0);
	CHECK_INT(add_staff(st, "carl", "Carl", ROLE_THERAPIST, &carl), 0);
	CHECK(root > 0 && anna > root && ben > anna && carl > ben);
	CHECK_INT(store_staff_count(st), 5);

	/* A taken username is 1, and nothing is added. */
	CHECK_INT(add_staff(st, "anna", "Another Anna", ROLE_DESK, NULL), 1);
	CHECK_INT(add_staff(st, "root", "Root", ROLE_ADMIN, NULL), 1);
	CHECK_INT(store_staff_count(st), 5);

	memset(&f, 0, sizeof(f));
	CHECK_INT(store_staff_find(st, "anna", &f), 0);
	CHECK_INT(f.id, anna);
	CHECK_STR(f.username, "anna");
	CHECK_STR(f.display_name, "Dr. Anna Ö");
	CHECK_INT(f.role, ROLE_THERAPIST);
	CHECK_INT(store_staff_find(st, "nobody", &f), 1);
	CHECK_INT(store_staff_find(st, "ANNA", &f), 1);

	/* Only active therapists, by id. */
	snprintf(sql, sizeof(sql), "UPDATE staff SET disabled = 1 WHERE id = "
	    "%lld", (long long)carl);
	CHECK_INT(sqlite3_exec(st->db, sql, NULL, NULL, NULL), SQLITE_OK);
	list = NULL;
	if (CHECK_INT(store_therapists(st, &list, &n), 0) && CHECK_INT(n, 2)) {
		CHECK_INT(list[0].id, anna);
		CHECK_STR(list[0].username, "anna");
		CHECK_STR(list[0].display_name, "Dr. Anna Ö");
		CHECK_INT(list[0].role, ROLE_THERAPIST);
		CHECK_INT(list[1].id, ben);
		CHECK_INT(list[1].role, ROLE_THERAPIST);
	}
	free(list);

	/* Roles by name and back. */
	CHECK_INT(store_role_parse("admin"), ROLE_ADMIN);
	CHECK_INT(store_role_parse("therapist"), ROLE_THERAPIST);
	CHECK_INT(store_role_parse("desk"), ROLE_DESK);
	CHECK_INT(store_role_parse("Admin"), 0);
	CHECK_INT(store_role_parse(""), 0);
	CHECK_INT(store_role_parse(NULL), 0);
	CHECK_STR(store_role_name(ROLE_DESK), "desk");
	CHECK(store_role_name(0) == NULL);
	CHECK(store_role_name(ROLE_ADMIN | ROLE_DESK) == NULL);
}

static void
test_hours(struct store *st)
{
	int64_t	 t1 = 0, t2 = 0;

	CHECK_INT(add_staff(st, "hours1", "H One", ROLE_THERAPIST, &t1), 0);
	CHECK_INT(add_staff(st, "hours2", "H Two", ROLE_THERAPIST, &t2), 0);

	CHECK_INT(store_hours_add(st, t1, 1, 9 * 60, 12 * 60), 0);
	/* Adjacent on either side: not an overlap. */
	CHECK_INT(store_hours_add(st, t1, 1, 12 * 60, 13 * 60), 0);
	CHECK_INT(store_hours_add(st, t1, 1, 8 * 60, 9 * 60), 0);
	/* Overlaps: partly, inside, around, the same. */
	CHECK_INT(store_hours_add(st, t1, 1, 11 * 60, 13 * 60), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 7 * 60, 8 * 60 + 1), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 10 * 60, 11 * 60), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 6 * 60, 14 * 60), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 9 * 60, 12 * 60), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 12 * 60 + 59, 13 * 60 + 30), 1);
	CHECK_INT(store_hours_add(st, t1, 1, 13 * 60, 24 * 60), 0);
	CHECK_INT(store_hours_add(st, t1, 1, 0, 8 * 60), 0);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM hours"), 5);

	/* The same time on another day, or for someone else, is free. */
	CHECK_INT(store_hours_add(st, t1, 2, 9 * 60, 12 * 60), 0);
	CHECK_INT(store_hours_add(st, t1, 7, 9 * 60, 12 * 60), 0);
	CHECK_INT(store_hours_add(st, t2, 1, 9 * 60, 12 * 60), 0);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM hours"), 8);

	/* What the schema refuses is an error, not an overlap. */
	CHECK_INT(store_hours_add(st, t2, 0, 9 * 60, 10 * 60), -1);
	CHECK_INT(store_hours_add(st, t2, 8, 9 * 60, 10 * 60), -1);
	CHECK_INT(store_hours_add(st, t2, 3, 10 * 60, 10 * 60), -1);
	CHECK_INT(store_hours_add(st, t2, 3, 11 * 60, 10 * 60), -1);
	CHECK_INT(store_hours_add(st, t2, 3, 0, 24 * 60 + 1), -1);
	/* Foreign keys are enforced: no hours for a staff id that is not. */
	CHECK_INT(store_hours_add(st, 999999, 3, 9 * 60, 10 * 60), -1);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM hours"), 8);
}

static void
test_settings(struct store *st)
{
	char	 buf[64];

	CHECK_INT(store_setting_get(st, "retention_days", buf, sizeof(buf)), 1);
	CHECK_INT(store_setting_put(st, "retention_days", "90"), 0);
	CHECK_INT(store_setting_get(st, "retention_days", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "90");
	CHECK_INT(store_setting_put(st, "retention_days", "7"), 0);
	CHECK_INT(store_setting_get(st, "retention_days", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "7");
	CHECK_INT(query_int(st->db,
	    "SELECT count(*) FROM settings WHERE key = 'retention_days'"), 1);
	/* Quotes and the like are data, not SQL. */
	CHECK_INT(store_setting_put(st, "practice_name", "O'Brien\"; --"), 0);
	CHECK_INT(store_setting_get(st, "practice_name", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "O'Brien\"; --");
	CHECK_INT(store_setting_get(st, "retention_days'--", buf, sizeof(buf)),
	    1);
}

static void
test_transactions(struct store *st)
{
	struct store_service	 s;
	long long		 before;

	before = query_int(st->db, "SELECT count(*) FROM services");
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "Rolled back");
	s.minutes = 30;
	snprintf(s.currency, sizeof(s.currency), "EUR");

	CHECK_INT(store_begin(st), 0);
	CHECK_INT(store_service_add(st, &s), 0);
	store_rollback(st);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM services"), before);

	CHECK_INT(store_begin(st), 0);
	CHECK_INT(store_service_add(st, &s), 0);
	CHECK_INT(store_commit(st), 0);
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM services"),
	    before + 1);
	store_rollback(st);		/* outside a transaction: harmless */
	CHECK_INT(query_int(st->db, "SELECT count(*) FROM services"),
	    before + 1);
}

/*
 * Columns whose name could mean a person's identity: each one found but
 * not allowed is printed. Returns how many there were; *ncols counts all
 * columns seen, so that an empty scan cannot pass.
 */
static int
identity_columns(sqlite3 *db, int *ncols)
{
	static const char *const words[] = {
		"name", "email", "mail", "phone", "ip", "address", "agent",
	};
	static const char *const allowed[] = {
		"staff.display_name", "staff.username", "services.name",
	};
	sqlite3_stmt	*stmt;
	char		 col[256], full[512];
	size_t		 i, j;
	int		 bad = 0, ok;

	*ncols = 0;
	if (sqlite3_prepare_v2(db, "SELECT m.name, p.name FROM sqlite_master "
	    "AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' "
	    "ORDER BY m.name, p.cid", -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "\t%s\n", sqlite3_errmsg(db));
		return 1000;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		(*ncols)++;
		snprintf(full, sizeof(full), "%s.%s",
		    (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));
		snprintf(col, sizeof(col), "%s",
		    (const char *)sqlite3_column_text(stmt, 1));
		for (i = 0; col[i] != '\0'; i++)
			if (col[i] >= 'A' && col[i] <= 'Z')
				col[i] += 'a' - 'A';
		for (i = 0; i < NELEM(words); i++) {
			if (strstr(col, words[i]) == NULL)
				continue;
			ok = 0;
			for (j = 0; j < NELEM(allowed); j++)
				if (strcmp(full, allowed[j]) == 0)
					ok = 1;
			if (!ok) {
				fprintf(stderr, "\tcolumn %s looks like an "
				    "identity (\"%s\")\n", full, words[i]);
				bad++;
			}
			break;
		}
	}
	sqlite3_finalize(stmt);
	return bad;
}

static void
test_privacy_invariant(struct store *st)
{
	struct store	 scratch;
	char		 path[TMPDIR_MAX];
	int		 ncols, total;

	CHECK_INT(identity_columns(st->db, &ncols), 0);
	CHECK(ncols >= 15);		/* the scan saw the schema */

	/* The scan does catch such a column (case-blind). */
	tmpdir_path(path, tmp, "scratch.db");
	if (!CHECK_INT(open_store(&scratch, path, 1), 0))
		return;
	CHECK_INT(identity_columns(scratch.db, &total), 0);
	CHECK_INT(total, ncols);
	fprintf(stderr, "(the two identity columns below are expected)\n");
	CHECK_INT(sqlite3_exec(scratch.db,
	    "ALTER TABLE hours ADD COLUMN client_EMail TEXT;"
	    "CREATE TABLE visits (id INTEGER PRIMARY KEY, remote_ip TEXT);",
	    NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(identity_columns(scratch.db, &total), 2);
	store_close(&scratch);
}

int
main(void)
{
	struct store	 st;
	char		 path[TMPDIR_MAX];

	if (tmpdir_make(tmp, "store") == -1)
		return 1;
	test_open();
	test_newer_schema();
	test_not_a_database();

	tmpdir_path(path, tmp, "main.db");
	if (CHECK_INT(open_store(&st, path, 1), 0)) {
		test_services(&st);
		test_staff(&st);
		test_hours(&st);
		test_settings(&st);
		test_transactions(&st);
		test_privacy_invariant(&st);
		store_close(&st);
	}
	tmpdir_remove(tmp);
	return check_done();
}
