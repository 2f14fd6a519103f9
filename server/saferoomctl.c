/*
 * saferoomctl: the admin tool (API.md "Programs"). It works on the same
 * database file as a running saferoomd (WAL mode, busy timeout), prints
 * "key: value" lines, and on bad input prints a sentence on stderr and exits
 * with status 2 having written nothing: every command checks all of its
 * input first and then writes in one transaction.
 *
 * Commands are rows of ctl_cmds; each declares the flags it takes.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "saferoom/auth.h"
#include "saferoom/base32.h"
#include "saferoom/civil.h"
#include "saferoom/config.h"
#include "saferoom/deskpay.h"
#include "saferoom/kdf.h"
#include "saferoom/keys.h"
#include "saferoom/log.h"
#include "saferoom/settings.h"
#include "saferoom/store.h"
#include "saferoom/totp.h"
#include "saferoom/util.h"

#define CTL_EXIT_OK	0
#define CTL_EXIT_FAIL	1	/* the database or the system failed */
#define CTL_EXIT_USAGE	2	/* bad input; nothing written */
#define CTL_OPTS_MAX	8
/* The sign-in form's limits: a password it would refuse makes no account. */
#define CTL_PASSWORD_MIN AUTH_PASSWORD_MIN
#define CTL_PASSWORD_MAX AUTH_PASSWORD_MAX
#define CTL_DEMO_PASSWORD_LEN 16
#define CTL_TOTP_ISSUER	"saferoom"
#define CTL_SESSION_MINUTES_MAX 600	/* the longest service (services CHECK) */

struct ctl_opt {
	const char	*name;		/* without "--" */
	int		 is_flag;	/* takes no value */
	int		 required;
	const char	*value;		/* set by ctl_parse_opts; "" for a flag */
};

struct ctl_cmd {
	const char	*word1, *word2;
	int		(*fn)(struct store *, int, char **);
	const char	*usage;
	int		 creates;	/* may make a new database at --db */
};

static int	ctl_staff_add(struct store *, int, char **);
static int	ctl_service_add(struct store *, int, char **);
static int	ctl_hours_add(struct store *, int, char **);
static int	ctl_timeoff_add(struct store *, int, char **);
static int	ctl_staff_reset(struct store *, int, char **);
static int	ctl_staff_disable(struct store *, int, char **);
static int	ctl_staff_enable(struct store *, int, char **);
static int	ctl_staff_list(struct store *, int, char **);
static int	ctl_audit(struct store *, int, char **);
static int	ctl_backup(struct store *, int, char **);
static int	ctl_purge(struct store *, int, char **);
static int	ctl_restore(struct store *, int, char **);
static int	ctl_find_therapist(struct store *, const char *,
		    struct store_staff *);
static int	ctl_settings_set(struct store *, int, char **);
static int	ctl_settings_get(struct store *, int, char **);
static int	ctl_settings_list(struct store *, int, char **);
static int	ctl_demo(struct store *, int, char **);
static int	ctl_voucher_void(struct store *, int, char **);
static int	ctl_keys_rotate(struct store *, int, char **);
static int	ctl_keys_list(struct store *, int, char **);

/* The --db argument: the key file is "<db>.keys" (keys.h). */
static const char	*ctl_db;

static const struct ctl_cmd ctl_cmds[] = {
	{ "staff", "add", ctl_staff_add,
	    "staff add --role admin|therapist|desk --username NAME "
	    "[--display-name TEXT] --password-stdin",
	    1 },
	{ "staff", "reset", ctl_staff_reset,
	    "staff reset --username NAME --password-stdin   (new password and TOTP secret)",
	    0 },
	{ "staff", "disable", ctl_staff_disable, "staff disable --username NAME",
	    0 },
	{ "staff", "enable", ctl_staff_enable, "staff enable --username NAME",
	    0 },
	{ "staff", "list", ctl_staff_list, "staff list",
	    0 },
	{ "audit", NULL, ctl_audit, "audit [--limit N]",
	    0 },
	{ "purge", NULL, ctl_purge, "purge   (bookings past retention_days -> aggregates)",
	    0 },
	{ "backup", NULL, ctl_backup, "backup FILE   (a new file; safe while saferoomd runs)",
	    0 },
	{ "restore", NULL, ctl_restore, "restore FILE  (stop saferoomd first)",
	    1 },
	{ "service", "add", ctl_service_add,
	    "service add --name TEXT --minutes N --price-cents N --currency CUR",
	    1 },
	{ "hours", "add", ctl_hours_add,
	    "hours add --therapist NAME --weekday 1-7 --from HH:MM --to HH:MM",
	    0 },
	{ "timeoff", "add", ctl_timeoff_add,
	    "timeoff add --therapist NAME --from YYYY-MM-DD [--to YYYY-MM-DD]",
	    0 },
	{ "settings", "set", ctl_settings_set, "settings set KEY VALUE",
	    1 },
	{ "settings", "get", ctl_settings_get, "settings get KEY",
	    0 },
	{ "settings", "list", ctl_settings_list, "settings list",
	    0 },
	{ "demo", NULL, ctl_demo, "demo",
	    1 },
	{ "voucher", "void", ctl_voucher_void,
	    "voucher void --lookup XXXXXX   (the first 6 symbols of its code)",
	    0 },
	{ "keys", "rotate", ctl_keys_rotate,
	    "keys rotate [--ticket | --cookie | --all]   (default --ticket; "
	    "--cookie ends every staff session; saferoomd takes the new keys "
	    "on SIGHUP or within a minute)",
	    0 },
	{ "keys", "list", ctl_keys_list,
	    "keys list   (ids, kinds and times of the keys; never the keys)",
	    0 },
};

/* Print a usage error and return the exit status for it. */
static int
ctl_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
ctl_bad(const char *fmt, ...)
{
	va_list	 ap;

	fputs("saferoomctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_EXIT_USAGE;
}

static int
ctl_fail(struct store *st, const char *what)
{
	fprintf(stderr, "saferoomctl: %s: %s\n", what, store_errmsg(st));
	store_rollback(st);
	return CTL_EXIT_FAIL;
}

/*
 * Match argv against opts: each "--name value" or "--flag" once, no other
 * argument. Returns 0, or the usage exit status after printing why.
 */
static int
ctl_parse_opts(int argc, char **argv, struct ctl_opt *opts, size_t nopts)
{
	size_t	 j;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			return ctl_bad("unexpected argument '%.64s'", argv[i]);
		for (j = 0; j < nopts; j++)
			if (strcmp(argv[i] + 2, opts[j].name) == 0)
				break;
		if (j == nopts)
			return ctl_bad("unknown flag '%.64s'", argv[i]);
		if (opts[j].value != NULL)
			return ctl_bad("%s given twice", argv[i]);
		if (opts[j].is_flag) {
			opts[j].value = "";
			continue;
		}
		if (i + 1 >= argc)
			return ctl_bad("%s needs a value", argv[i]);
		opts[j].value = argv[++i];
	}
	for (j = 0; j < nopts; j++)
		if (opts[j].required && opts[j].value == NULL)
			return ctl_bad("--%s is required", opts[j].name);
	return 0;
}

static int
ctl_valid_username(const char *s)
{
	size_t	 len = strlen(s), i;

	if (len < 2 || len > STORE_USERNAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/*
 * Read one line (the password) from stdin into buf, without its line end.
 * Returns 0, or the usage exit status after printing why.
 */
static int
ctl_read_password(char *buf, size_t bufsz)
{
	size_t	 len;

	if (fgets(buf, (int)bufsz, stdin) == NULL)
		return ctl_bad("no password on standard input");
	len = strlen(buf);
	if (len == bufsz - 1 && buf[len - 1] != '\n')
		return ctl_bad("the password is longer than %d bytes",
		    CTL_PASSWORD_MAX);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len < CTL_PASSWORD_MIN)
		return ctl_bad("the password must be at least %d characters",
		    CTL_PASSWORD_MIN);
	return 0;
}

/*
 * Add a staff member inside the caller's transaction and print their
 * TOTP secret. Returns an exit status.
 */
static int
ctl_insert_staff(struct store *st, struct store_staff *s, const char *password)
{
	char	 hash[KDF_HASH_MAX], b32[BASE32_ENCODED_LEN(TOTP_SECRET_LEN) + 1];
	char	 uri[TOTP_URI_MAX];
	uint8_t	 secret[TOTP_SECRET_LEN];
	int	 rc = CTL_EXIT_FAIL;

	if (kdf_hash(&KDF_PASSWORD, password, strlen(password), hash) == -1 ||
	    totp_new_secret(secret) == -1 ||
	    base32_encode(secret, sizeof(secret), b32, sizeof(b32)) == -1 ||
	    totp_uri(uri, sizeof(uri), CTL_TOTP_ISSUER, s->username, b32) == -1) {
		fprintf(stderr, "saferoomctl: cannot make the credentials\n");
		goto done;
	}
	switch (store_staff_add(st, s, hash, secret, sizeof(secret))) {
	case 0:
		break;
	case 1:
		rc = ctl_bad("username '%s' is taken", s->username);
		goto done;
	default:
		rc = ctl_fail(st, "cannot add the staff member");
		goto done;
	}
	printf("id: %lld\nusername: %s\nrole: %s\ntotp_secret: %s\n"
	    "totp_uri: %s\n", (long long)s->id, s->username,
	    store_role_name(s->role), b32, uri);
	rc = CTL_EXIT_OK;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(uri, sizeof(uri));
	return rc;
}

static int
ctl_staff_add(struct store *st, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "role", 0, 1, NULL },
		{ "username", 0, 1, NULL },
		{ "display-name", 0, 0, NULL },
		{ "password-stdin", 1, 1, NULL },
	};
	struct store_staff	 s;
	char			 password[CTL_PASSWORD_MAX + 2];
	int			 rc;

	memset(&s, 0, sizeof(s));
	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if ((s.role = store_role_parse(opts[0].value)) == 0)
		return ctl_bad("--role must be admin, therapist or desk");
	if (!ctl_valid_username(opts[1].value))
		return ctl_bad("--username must be 2 to %d characters of a-z, "
		    "0-9, '.', '_' or '-'", STORE_USERNAME_MAX);
	if (opts[2].value != NULL &&
	    !util_is_clean_text(opts[2].value, STORE_NAME_MAX))
		return ctl_bad("--display-name must be 1 to %d characters of "
		    "text without control characters or outer spaces",
		    STORE_NAME_MAX);
	snprintf(s.username, sizeof(s.username), "%s", opts[1].value);
	snprintf(s.display_name, sizeof(s.display_name), "%s",
	    opts[2].value != NULL ? opts[2].value : opts[1].value);
	if ((rc = ctl_read_password(password, sizeof(password))) != 0)
		goto done;
	if (store_begin(st) == -1) {
		rc = ctl_fail(st, "cannot write");
		goto done;
	}
	if ((rc = ctl_insert_staff(st, &s, password)) != CTL_EXIT_OK) {
		store_rollback(st);
		goto done;
	}
	if (store_commit(st) == -1)
		rc = ctl_fail(st, "cannot commit");
done:
	OPENSSL_cleanse(password, sizeof(password));
	return rc;
}

/* Check a service's fields into s. Returns 0 or the usage exit status. */
static int
ctl_check_service(struct store_service *s, const char *name,
    const char *minutes, const char *price, const char *currency)
{
	long long	 v;

	memset(s, 0, sizeof(*s));
	if (!util_is_clean_text(name, STORE_NAME_MAX))
		return ctl_bad("--name must be 1 to %d characters of text "
		    "without control characters or outer spaces", STORE_NAME_MAX);
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (util_parse_int(minutes, 5, 600, &v) == -1)
		return ctl_bad("--minutes must be a whole number from 5 to 600");
	s->minutes = (int)v;
	if (util_parse_int(price, 0, 100000000, &v) == -1)
		return ctl_bad("--price-cents must be a whole number from 0 to "
		    "100000000");
	s->price_cents = v;
	if (strlen(currency) != 3 || !isupper((unsigned char)currency[0]) ||
	    !isupper((unsigned char)currency[1]) ||
	    !isupper((unsigned char)currency[2]))
		return ctl_bad("--currency must be a three-letter ISO 4217 code "
		    "in capitals, like EUR");
	memcpy(s->currency, currency, 4);
	return 0;
}

static int
ctl_service_add(struct store *st, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "name", 0, 1, NULL },
		{ "minutes", 0, 1, NULL },
		{ "price-cents", 0, 1, NULL },
		{ "currency", 0, 1, NULL },
	};
	struct store_service	 s;
	int			 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0 ||
	    (rc = ctl_check_service(&s, opts[0].value, opts[1].value,
	    opts[2].value, opts[3].value)) != 0)
		return rc;
	if (store_service_add(st, &s) == -1)
		return ctl_fail(st, "cannot add the service");
	printf("id: %lld\n", (long long)s.id);
	return CTL_EXIT_OK;
}

/* Add hours inside the caller's transaction. Returns an exit status. */
static int
ctl_insert_hours(struct store *st, const char *therapist, int weekday,
    int from, int to)
{
	struct store_staff	 t;
	int			 rc;

	if ((rc = ctl_find_therapist(st, therapist, &t)) != 0)
		return rc;
	switch (store_hours_add(st, t.id, weekday, from, to)) {
	case 0:
		return CTL_EXIT_OK;
	case 1:
		return ctl_bad("these hours overlap hours '%s' already has on "
		    "that weekday", t.username);
	default:
		return ctl_fail(st, "cannot add the hours");
	}
}

static int
ctl_hours_add(struct store *st, int argc, char **argv)
{
	struct ctl_opt	 opts[] = {
		{ "therapist", 0, 1, NULL },
		{ "weekday", 0, 1, NULL },
		{ "from", 0, 1, NULL },
		{ "to", 0, 1, NULL },
	};
	long long	 weekday;
	int		 from, to, rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if (util_parse_int(opts[1].value, 1, 7, &weekday) == -1)
		return ctl_bad("--weekday must be 1 (Monday) to 7 (Sunday)");
	if (util_parse_hhmm(opts[2].value, &from) == -1 ||
	    util_parse_hhmm(opts[3].value, &to) == -1)
		return ctl_bad("--from and --to must be times as HH:MM, "
		    "00:00 to 24:00");
	if (from >= to)
		return ctl_bad("--from must be before --to");
	if (store_begin(st) == -1)
		return ctl_fail(st, "cannot write");
	if ((rc = ctl_insert_hours(st, opts[0].value, (int)weekday, from,
	    to)) != CTL_EXIT_OK) {
		store_rollback(st);
		return rc;
	}
	if (store_commit(st) == -1)
		return ctl_fail(st, "cannot commit");
	printf("therapist: %s\nweekday: %lld\nfrom: %s\nto: %s\n",
	    opts[0].value, weekday, opts[2].value, opts[3].value);
	return CTL_EXIT_OK;
}

/* The therapist named username, or the usage status after saying why. */
static int
ctl_find_therapist(struct store *st, const char *username,
    struct store_staff *t)
{
	switch (store_staff_find(st, username, t)) {
	case 0:
		break;
	case 1:
		return ctl_bad("there is no staff member '%.64s'", username);
	default:
		return ctl_fail(st, "cannot read staff");
	}
	if (t->role != ROLE_THERAPIST)
		return ctl_bad("'%s' is not a therapist", t->username);
	return 0;
}

static int
ctl_timeoff_add(struct store *st, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "therapist", 0, 1, NULL },
		{ "from", 0, 1, NULL },
		{ "to", 0, 0, NULL },
	};
	struct store_staff	 t;
	long			 from, to;
	int			 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if (civil_parse_date(opts[1].value, &from) == -1 ||
	    (opts[2].value != NULL && civil_parse_date(opts[2].value, &to) == -1))
		return ctl_bad("--from and --to must be dates as YYYY-MM-DD");
	if (opts[2].value == NULL)
		to = from;
	if (from > to)
		return ctl_bad("--from must not be after --to");
	if (store_begin(st) == -1)
		return ctl_fail(st, "cannot write");
	if ((rc = ctl_find_therapist(st, opts[0].value, &t)) != 0) {
		store_rollback(st);
		return rc;
	}
	if (store_timeoff_add(st, t.id, from, to) == -1)
		return ctl_fail(st, "cannot add the time off");
	if (store_commit(st) == -1)
		return ctl_fail(st, "cannot commit");
	printf("therapist: %s\nfrom: %s\nto: %s\n", t.username, opts[1].value,
	    opts[2].value != NULL ? opts[2].value : opts[1].value);
	return CTL_EXIT_OK;
}

/* The staff member --username names, or the usage status after saying why. */
static int
ctl_find_staff(struct store *st, const char *username, struct store_staff *s)
{
	switch (store_staff_find(st, username, s)) {
	case 0:
		return 0;
	case 1:
		return ctl_bad("there is no staff member '%.64s'", username);
	default:
		return ctl_fail(st, "cannot read staff");
	}
}

/*
 * A new password and a new TOTP secret for a member who lost theirs; all
 * their sessions end. The new secret is printed once, like at staff add.
 */
static int
ctl_staff_reset(struct store *st, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "username", 0, 1, NULL },
		{ "password-stdin", 1, 1, NULL },
	};
	struct store_staff	 s;
	char			 password[CTL_PASSWORD_MAX + 2], hash[KDF_HASH_MAX];
	char			 b32[BASE32_ENCODED_LEN(TOTP_SECRET_LEN) + 1];
	char			 uri[TOTP_URI_MAX];
	uint8_t			 secret[TOTP_SECRET_LEN];
	int			 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if ((rc = ctl_find_staff(st, opts[0].value, &s)) != 0)
		return rc;
	if ((rc = ctl_read_password(password, sizeof(password))) != 0)
		goto done;
	rc = CTL_EXIT_FAIL;
	if (kdf_hash(&KDF_PASSWORD, password, strlen(password), hash) == -1 ||
	    totp_new_secret(secret) == -1 ||
	    base32_encode(secret, sizeof(secret), b32, sizeof(b32)) == -1 ||
	    totp_uri(uri, sizeof(uri), CTL_TOTP_ISSUER, s.username, b32) == -1) {
		fprintf(stderr, "saferoomctl: cannot make the credentials\n");
		goto done;
	}
	if (store_begin(st) == -1 ||
	    store_staff_set_password(st, s.id, hash) == -1 ||
	    store_staff_set_totp(st, s.id, secret, sizeof(secret)) == -1 ||
	    store_sessions_end_staff(st, s.id) == -1 ||
	    store_audit(st, 0, "account_reset", NULL, s.username) == -1 ||
	    store_commit(st) == -1) {
		rc = ctl_fail(st, "cannot reset the account");
		goto done;
	}
	printf("username: %s\ntotp_secret: %s\ntotp_uri: %s\n", s.username,
	    b32, uri);
	rc = CTL_EXIT_OK;
done:
	OPENSSL_cleanse(password, sizeof(password));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(uri, sizeof(uri));
	return rc;
}

static int
ctl_staff_set_disabled(struct store *st, int argc, char **argv, int disabled)
{
	struct ctl_opt		 opts[] = {
		{ "username", 0, 1, NULL },
	};
	struct store_staff	 s;
	int			 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0 ||
	    (rc = ctl_find_staff(st, opts[0].value, &s)) != 0)
		return rc;
	if (store_begin(st) == -1 ||
	    store_staff_set_disabled(st, s.id, disabled) == -1 ||
	    (disabled && store_sessions_end_staff(st, s.id) == -1) ||
	    store_audit(st, 0, disabled ? "account_disabled" :
	    "account_enabled", NULL, s.username) == -1 ||
	    store_commit(st) == -1)
		return ctl_fail(st, "cannot change the account");
	printf("username: %s\ndisabled: %s\n", s.username,
	    disabled ? "yes" : "no");
	return CTL_EXIT_OK;
}

static int
ctl_staff_disable(struct store *st, int argc, char **argv)
{
	return ctl_staff_set_disabled(st, argc, argv, 1);
}

static int
ctl_staff_enable(struct store *st, int argc, char **argv)
{
	return ctl_staff_set_disabled(st, argc, argv, 0);
}

static int
ctl_staff_list(struct store *st, int argc, char **argv)
{
	struct store_staff	*t = NULL;
	size_t			 n, i;

	if (argc != 0)
		return ctl_bad("usage: staff list");
	if (store_staff_all(st, &t, &n) == -1)
		return ctl_fail(st, "cannot read staff");
	for (i = 0; i < n; i++)
		printf("%sid: %lld\nusername: %s\ndisplay_name: %s\nrole: %s\n",
		    i > 0 ? "\n" : "", (long long)t[i].id, t[i].username,
		    t[i].display_name, store_role_name(t[i].role));
	free(t);
	return CTL_EXIT_OK;
}

static int
ctl_audit(struct store *st, int argc, char **argv)
{
	struct ctl_opt			 opts[] = {
		{ "limit", 0, 0, NULL },
	};
	struct store_audit_entry	*e = NULL;
	long long			 limit = 100;
	char				 at[32];
	struct tm			 tm;
	size_t				 n, i;
	int				 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if (opts[0].value != NULL &&
	    util_parse_int(opts[0].value, 1, 100000, &limit) == -1)
		return ctl_bad("--limit must be a whole number from 1 to 100000");
	if (store_audit_list(st, (int)limit, &e, &n) == -1)
		return ctl_fail(st, "cannot read the audit log");
	for (i = 0; i < n; i++) {
		gmtime_r(&e[i].at, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%sat: %s\nstaff: %s\naction: %s\nbooking: %s\n"
		    "detail: %s\n", i > 0 ? "\n" : "", at,
		    e[i].username[0] != '\0' ? e[i].username : "(saferoomctl)",
		    e[i].action, e[i].ref, e[i].detail);
	}
	free(e);
	return CTL_EXIT_OK;
}

static int
ctl_purge(struct store *st, int argc, char **argv)
{
	char	 zone[SETTINGS_VALUE_MAX];
	int	 n;

	if (argc != 0)
		return ctl_bad("usage: purge");
	/* Aggregates count the clinic's days, as the server would. */
	if (settings_get(st, "timezone", zone, sizeof(zone)) == -1 ||
	    civil_set_timezone(zone) == -1)
		return ctl_fail(st, "cannot read the time zone");
	if ((n = store_purge(st, time(NULL) - (time_t)settings_get_int(st,
	    "retention_days") * 86400, civil_local_day)) == -1)
		return ctl_fail(st, "cannot purge");
	printf("purged: %d\n", n);
	return CTL_EXIT_OK;
}

static int
ctl_backup(struct store *st, int argc, char **argv)
{
	char	 err[STORE_ERR_MAX];

	if (argc != 1 || argv[0][0] == '\0')
		return ctl_bad("usage: backup FILE");
	if (store_backup(st, argv[0], err) == -1)
		return ctl_bad("%s", err);
	printf("backup: %s\n", argv[0]);
	return CTL_EXIT_OK;
}

static int
ctl_restore(struct store *st, int argc, char **argv)
{
	char	 err[STORE_ERR_MAX];

	if (argc != 1 || argv[0][0] == '\0')
		return ctl_bad("usage: restore FILE");
	if (store_restore(st, argv[0], err) == -1)
		return ctl_bad("%s", err);
	printf("restored: %s\n", argv[0]);
	return CTL_EXIT_OK;
}

static int
ctl_settings_set(struct store *st, int argc, char **argv)
{
	char	 err[SETTINGS_ERR_MAX];

	if (argc != 2)
		return ctl_bad("usage: settings set KEY VALUE");
	if (settings_check(argv[0], argv[1], err) == -1)
		return ctl_bad("%s", err);
	if (store_setting_put(st, argv[0], argv[1]) == -1)
		return ctl_fail(st, "cannot write the setting");
	printf("%s: %s\n", argv[0], argv[1]);
	if (strcmp(argv[0], "timezone") == 0)
		fprintf(stderr, "saferoomctl: a running saferoomd uses the new "
		    "time zone after its next start\n");
	return CTL_EXIT_OK;
}

static int
ctl_settings_get(struct store *st, int argc, char **argv)
{
	char	 value[SETTINGS_VALUE_MAX];

	if (argc != 1)
		return ctl_bad("usage: settings get KEY");
	if (settings_find(argv[0]) == NULL)
		return ctl_bad("unknown setting '%.64s'", argv[0]);
	if (settings_get(st, argv[0], value, sizeof(value)) == -1)
		return ctl_fail(st, "cannot read the setting");
	printf("%s: %s\n", argv[0], value);
	return CTL_EXIT_OK;
}

static int
ctl_settings_list(struct store *st, int argc, char **argv)
{
	const struct settings_def	*d;
	char				 value[SETTINGS_VALUE_MAX];

	if (argc != 0)
		return ctl_bad("usage: settings list");
	for (d = settings_defs; d->key != NULL; d++) {
		if (settings_get(st, d->key, value, sizeof(value)) == -1)
			return ctl_fail(st, "cannot read the settings");
		printf("%s: %s\n", d->key, value);
	}
	return CTL_EXIT_OK;
}

/* A random password of letters and digits that reads without ambiguity. */
static int
ctl_random_password(char *out, size_t len)
{
	static const char	 alphabet[] = "abcdefghjkmnpqrstuvwxyz"
	    "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
	unsigned char		 r;
	size_t			 i = 0;

	while (i < len) {
		if (RAND_bytes(&r, 1) != 1)
			return -1;
		/* Reject values past the largest multiple: no modulo bias. */
		if (r >= 256 - 256 % (sizeof(alphabet) - 1))
			continue;
		out[i++] = alphabet[r % (sizeof(alphabet) - 1)];
	}
	out[len] = '\0';
	return 0;
}

static int
ctl_demo(struct store *st, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		 minutes;
		long long	 cents;
	} services[] = {
		{ "First consultation", 30, 4000 },
		{ "Individual session", 50, 9000 },
		{ "Couples session", 80, 14000 },
	};
	static const struct {
		const char	*username, *display;
		enum store_role	 role;
	} staff[] = {
		{ "admin", "Practice admin", ROLE_ADMIN },
		{ "rivera", "Dr. Alex Rivera", ROLE_THERAPIST },
		{ "okafor", "Sam Okafor, MSc", ROLE_THERAPIST },
		{ "desk", "Front desk", ROLE_DESK },
	};
	static const struct {
		const char	*therapist;
		int		 from_day, to_day;
		const char	*from, *to;
	} hours[] = {
		{ "rivera", 1, 5, "09:00", "12:30" },
		{ "rivera", 1, 5, "13:30", "17:00" },
		{ "okafor", 2, 6, "10:00", "18:00" },
	};
	struct store_service	 s;
	struct store_staff	 m;
	char			 pw[CTL_DEMO_PASSWORD_LEN + 1];
	size_t			 i;
	int			 day, from, to, rc = CTL_EXIT_FAIL;
	long long		 nstaff;

	if (argc != 0)
		return ctl_bad("usage: demo");
	if ((nstaff = store_staff_count(st)) == -1)
		return ctl_fail(st, "cannot read staff");
	if (nstaff > 0)
		return ctl_bad("this database already has staff; demo only "
		    "fills an empty one");
	if (store_begin(st) == -1)
		return ctl_fail(st, "cannot write");
	if (store_setting_put(st, "practice_name", "Demo Practice") == -1 ||
	    store_setting_put(st, "timezone", "Europe/Berlin") == -1)
		goto fail;
	for (i = 0; i < NELEM(services); i++) {
		char	 minutes[16], cents[32];

		snprintf(minutes, sizeof(minutes), "%d", services[i].minutes);
		snprintf(cents, sizeof(cents), "%lld", services[i].cents);
		if (ctl_check_service(&s, services[i].name, minutes, cents,
		    "EUR") != 0 || store_service_add(st, &s) == -1)
			goto fail;
		printf("service: %lld %s\n", (long long)s.id, s.name);
	}
	for (i = 0; i < NELEM(staff); i++) {
		memset(&m, 0, sizeof(m));
		snprintf(m.username, sizeof(m.username), "%s", staff[i].username);
		snprintf(m.display_name, sizeof(m.display_name), "%s",
		    staff[i].display);
		m.role = staff[i].role;
		if (ctl_random_password(pw, CTL_DEMO_PASSWORD_LEN) == -1)
			goto fail;
		printf("\n");
		if ((rc = ctl_insert_staff(st, &m, pw)) != CTL_EXIT_OK)
			goto fail;
		printf("password: %s\n", pw);
		rc = CTL_EXIT_FAIL;
	}
	for (i = 0; i < NELEM(hours); i++) {
		(void)util_parse_hhmm(hours[i].from, &from);
		(void)util_parse_hhmm(hours[i].to, &to);
		for (day = hours[i].from_day; day <= hours[i].to_day; day++)
			if (ctl_insert_hours(st, hours[i].therapist, day, from,
			    to) != CTL_EXIT_OK)
				goto fail;
	}
	if (store_commit(st) == -1)
		return ctl_fail(st, "cannot commit");
	OPENSSL_cleanse(pw, sizeof(pw));
	return CTL_EXIT_OK;
fail:
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc == CTL_EXIT_FAIL)
		return ctl_fail(st, "cannot make the demo clinic");
	store_rollback(st);
	return rc;
}

/*
 * Void a voucher by its lookup part (deskpay_void: one transaction with
 * its voucher_voided ledger row and the audit). The ledger's day is the
 * clinic's, so the clinic's zone is set first.
 */
static int
ctl_voucher_void(struct store *st, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "lookup", 0, 1, NULL },
	};
	struct store_voucher	 v;
	char			 zone[SETTINGS_VALUE_MAX];
	int			 rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if (settings_get(st, "timezone", zone, sizeof(zone)) == -1 ||
	    !settings_is_timezone(zone) || civil_set_timezone(zone) == -1) {
		fprintf(stderr, "saferoomctl: the timezone setting is not "
		    "usable; fix it with saferoomctl settings set timezone "
		    "ZONE\n");
		return CTL_EXIT_FAIL;
	}
	switch (deskpay_void(st, opts[0].value, 0, &v)) {
	case DESKPAY_VOID_OK:
		break;
	case DESKPAY_VOID_MALFORMED:
		return ctl_bad("--lookup must be the first 6 letters and digits "
		    "of a voucher code");
	case DESKPAY_VOID_UNKNOWN:
		return ctl_bad("there is no voucher with lookup part '%.24s'",
		    opts[0].value);
	case DESKPAY_VOID_ALREADY:
		return ctl_bad("voucher '%s' is void already", v.lookup);
	default:
		fprintf(stderr, "saferoomctl: cannot void the voucher: %s\n",
		    store_errmsg(st));
		return CTL_EXIT_FAIL;
	}
	printf("lookup: %s\nvoided: yes\nvoided_cents: %lld\ncurrency: %s\n",
	    v.lookup, (long long)v.balance_cents, v.currency);
	return CTL_EXIT_OK;
}

/* A Unix time as UTC "YYYY-MM-DDTHH:MM:SSZ", or "unknown" for 0. */
static const char *
ctl_utc(time_t t, char out[32])
{
	struct tm	 tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "unknown");
	return out;
}

/* Load the key file beside --db into *k. 0 or an exit status. */
static int
ctl_keys_load(char path[CONFIG_PATH_MAX + 8], struct keys **k)
{
	char	 err[KEYS_ERR_MAX];

	*k = NULL;
	if (keys_path(ctl_db, path, CONFIG_PATH_MAX + 8) == -1)
		return ctl_bad("the --db path is too long");
	if ((*k = keys_load(path, NULL, err)) != NULL)
		return 0;
	if (errno == ENOENT)
		return ctl_bad("there is no key file %s: saferoomd makes it on "
		    "its first start", path);
	fprintf(stderr, "saferoomctl: %s\n", err);
	return CTL_EXIT_FAIL;
}

/*
 * When KEYS_TICKET_MAX ticket keys are all still needed: say which goes
 * first, and when, so the admin knows when a rotation can succeed.
 */
static int
ctl_keys_full(const struct keys *k)
{
	const struct keys_ticket	*first = NULL;
	char				 at[32];
	size_t				 i;

	for (i = 0; i + 1 < k->nticket; i++)
		if (k->ticket[i].keep_until != 0 && (first == NULL ||
		    k->ticket[i].keep_until < first->keep_until))
			first = &k->ticket[i];
	if (first == NULL)
		return ctl_bad("there are %d ticket keys already, none with a "
		    "recorded end; nothing was changed (see \"Key rotation\" in "
		    "docs/operations.md)", KEYS_TICKET_MAX);
	return ctl_bad("there are %d ticket keys already, each still needed "
	    "for passes of sessions that are not over; nothing was changed. "
	    "Ticket key %u can go from %s: rotate again after that",
	    KEYS_TICKET_MAX, first->id, ctl_utc(first->keep_until, at));
}

/*
 * A new ticket key (the default), a new cookie (MAC) key, or both, in
 * one step: the database's write lock is taken first (BEGIN IMMEDIATE), so
 * two rotations cannot interleave their reads and writes of the key file;
 * then the file is rewritten atomically, and the transaction that ends
 * every staff session (for the cookie key) and writes the audit row
 * commits. Should that commit fail, the old key file is put back.
 */
static int
ctl_keys_rotate(struct store *st, int argc, char **argv)
{
	struct ctl_opt	 opts[] = {
		{ "ticket", 1, 0, NULL },
		{ "cookie", 1, 0, NULL },
		{ "all", 1, 0, NULL },
	};
	struct keys	*k = NULL, *old = NULL;
	char		 path[CONFIG_PATH_MAX + 8], err[KEYS_ERR_MAX];
	char		 until[32], detail[256], dropped[128];
	time_t		 now = time(NULL), keep = 0;
	long long	 latest;
	size_t		 i, j, len = 0;
	int		 ticket, cookie, rc;

	if ((rc = ctl_parse_opts(argc, argv, opts, NELEM(opts))) != 0)
		return rc;
	if ((opts[0].value != NULL) + (opts[1].value != NULL) +
	    (opts[2].value != NULL) > 1)
		return ctl_bad("give one of --ticket, --cookie and --all");
	ticket = opts[1].value == NULL;
	cookie = opts[1].value != NULL || opts[2].value != NULL;

	if (store_begin(st) == -1)
		return ctl_fail(st, "cannot write");
	/* Twice: old tells which keys the prune dropped. */
	if ((rc = ctl_keys_load(path, &old)) != 0 ||
	    (rc = ctl_keys_load(path, &k)) != 0)
		goto fail;

	dropped[0] = '\0';
	if (ticket) {
		if ((latest = store_bookings_latest_end(st)) == -1) {
			rc = ctl_fail(st, "cannot read the bookings");
			goto done;
		}
		/* keys.h: every pass the old key signed is over by then. */
		keep = now + KEYS_RELOAD_GRACE + (time_t)(settings_get_int(st,
		    "horizon_days") + 2) * 86400 + CTL_SESSION_MINUTES_MAX * 60;
		if ((time_t)latest > keep)
			keep = (time_t)latest;
		keys_prune(k, now);
		for (i = 0; i < old->nticket; i++) {
			for (j = 0; j < k->nticket; j++)
				if (k->ticket[j].id == old->ticket[i].id)
					break;
			if (j == k->nticket && len < sizeof(dropped) - 12)
				len += (size_t)snprintf(dropped + len,
				    sizeof(dropped) - len, "%s%u",
				    len > 0 ? " " : "", old->ticket[i].id);
		}
		switch (keys_rotate_ticket(k, now, keep, err)) {
		case 0:
			break;
		case 1:
			rc = ctl_keys_full(k);
			goto fail;
		default:
			fprintf(stderr, "saferoomctl: %s\n", err);
			rc = CTL_EXIT_FAIL;
			goto fail;
		}
	}
	if (cookie && keys_rotate_mac(k, now, err) == -1) {
		fprintf(stderr, "saferoomctl: %s\n", err);
		rc = CTL_EXIT_FAIL;
		goto fail;
	}
	if (ticket && cookie)
		snprintf(detail, sizeof(detail), "ticket key %u signs, key %u "
		    "verifies until %s; cookie key %u, staff sessions ended",
		    k->ticket[k->nticket - 1].id, k->ticket[k->nticket - 2].id,
		    ctl_utc(keep, until), k->mac_id);
	else if (ticket)
		snprintf(detail, sizeof(detail), "ticket key %u signs, key %u "
		    "verifies until %s", k->ticket[k->nticket - 1].id,
		    k->ticket[k->nticket - 2].id, ctl_utc(keep, until));
	else
		snprintf(detail, sizeof(detail), "cookie key %u, staff sessions "
		    "ended", k->mac_id);
	if ((cookie && store_sessions_end_all(st) == -1) ||
	    store_audit(st, 0, "keys_rotated", NULL, detail) == -1) {
		rc = ctl_fail(st, "cannot write");
		goto done;
	}
	if (keys_save(k, path, err) == -1) {
		fprintf(stderr, "saferoomctl: %s\n", err);
		rc = CTL_EXIT_FAIL;
		goto fail;
	}
	/*
	 * The new file stays: saferoomd may have taken it already, and passes
	 * it signed with the new key would stop verifying if the old file
	 * came back.
	 */
	if (store_commit(st) == -1) {
		fprintf(stderr, "saferoomctl: the new keys are in %s, but the "
		    "audit row was not written%s\n", path, cookie ?
		    " and the staff sessions were not ended (end them with "
		    "keys rotate --cookie)" : "");
		rc = ctl_fail(st, "cannot commit");
		goto done;
	}
	if (ticket)
		printf("ticket_key: %u\nretired_ticket_key: %u\n"
		    "retired_verifies_until: %s\ndropped_ticket_keys: %s\n",
		    k->ticket[k->nticket - 1].id, k->ticket[k->nticket - 2].id,
		    ctl_utc(keep, until), dropped[0] != '\0' ? dropped : "none");
	if (cookie)
		printf("cookie_key: %u\nstaff_sessions: ended\n", k->mac_id);
	fprintf(stderr, "saferoomctl: saferoomd takes the new keys within a "
	    "minute; send it SIGHUP to make it now\n");
	rc = CTL_EXIT_OK;
	goto done;
fail:
	store_rollback(st);
done:
	keys_free(k);
	keys_free(old);
	return rc;
}

static int
ctl_keys_list(struct store *st, int argc, char **argv)
{
	const struct keys_ticket	*t;
	struct keys			*k;
	char				 path[CONFIG_PATH_MAX + 8], a[32], b[32];
	time_t				 now = time(NULL);
	size_t				 i;
	int				 rc;

	if (argc != 0)
		return ctl_bad("usage: keys list");
	if ((rc = ctl_keys_load(path, &k)) != 0)
		return rc;
	printf("kind: cookie\nid: %u\ncreated: %s\nstate: signs\n",
	    k->mac_id, ctl_utc(k->mac_created, a));
	for (i = k->nticket; i-- > 0; ) {
		t = &k->ticket[i];
		printf("\nkind: ticket\nid: %u\ncreated: %s\n", t->id,
		    ctl_utc(t->created, a));
		if (i + 1 == k->nticket)
			printf("state: signs\n");
		else if (t->keep_until == 0)
			printf("state: verifies\nretired: %s\n"
			    "verifies_until: unknown (kept)\n",
			    ctl_utc(t->retired, a));
		else
			printf("state: %s\nretired: %s\nverifies_until: %s\n",
			    keys_ticket_live(t, now) ? "verifies" :
			    "expired (dropped at the next rotation)",
			    ctl_utc(t->retired, a), ctl_utc(t->keep_until, b));
	}
	keys_free(k);
	return CTL_EXIT_OK;
}

static void
ctl_usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: saferoomctl --db PATH COMMAND ...\ncommands:\n");
	for (i = 0; i < NELEM(ctl_cmds); i++)
		fprintf(f, "  %s\n", ctl_cmds[i].usage);
}

int
main(int argc, char *argv[])
{
	const struct ctl_cmd	*cmd = NULL;
	struct store		 st;
	char			 err[STORE_ERR_MAX];
	size_t			 i;
	int			 words, rc;

	umask(077);
	/* As in saferoomd: past a file-size limit, an error, not a core dump. */
	signal(SIGXFSZ, SIG_IGN);
	log_init(LOG_WARN);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (argc < 4 || strcmp(argv[1], "--db") != 0 || argv[2][0] == '\0') {
		fprintf(stderr, "saferoomctl: --db PATH and a command are "
		    "required\n");
		ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 0; i < NELEM(ctl_cmds); i++) {
		if (strcmp(argv[3], ctl_cmds[i].word1) != 0)
			continue;
		if (ctl_cmds[i].word2 == NULL ||
		    (argc > 4 && strcmp(argv[4], ctl_cmds[i].word2) == 0)) {
			cmd = &ctl_cmds[i];
			break;
		}
	}
	if (cmd == NULL) {
		fprintf(stderr, "saferoomctl: unknown command '%s%s%s'\n",
		    argv[3], argc > 4 ? " " : "", argc > 4 ? argv[4] : "");
		ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	words = cmd->word2 == NULL ? 1 : 2;
	ctl_db = argv[2];
	/*
	 * A typo in --db must not leave a new empty database behind: only the
	 * commands that set a clinic up (or restore one) may make it.
	 */
	if (!cmd->creates && access(argv[2], F_OK) == -1) {
		fprintf(stderr, "saferoomctl: no database at %s\n", argv[2]);
		return CTL_EXIT_USAGE;
	}
	if (store_open(&st, argv[2], 1, err) == -1) {
		fprintf(stderr, "saferoomctl: %s\n", err);
		/* A full disk or a lock is not the caller's mistake. */
		return store_fault(&st) != STORE_FAULT_NONE ? CTL_EXIT_FAIL :
		    CTL_EXIT_USAGE;
	}
	rc = cmd->fn(&st, argc - 3 - words, argv + 3 + words);
	store_close(&st);
	return rc;
}
