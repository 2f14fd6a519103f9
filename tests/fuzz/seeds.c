/*
 * fuzz_seeds: writes the seed corpus of tests/fuzz/corpus/<name>/, made
 * with the real generators (token_new, voucher_code_new, ticket_sign) and
 * the fixture's fixed keys and clinic (fixture.h), so that the seeds hold
 * codes, passes, cookies and CSRF tokens that really work:
 *
 *	build-fuzz/tests/fuzz/fuzz_seeds tests/fuzz/corpus
 *
 * Dates in the seeds are about 400 days from the day they were written
 * (the fixture's clinic books up to 730 days ahead), so they stay bookable
 * for a good while; stale ones still reach the same code. Seeds are named
 * for what they are; rewriting them changes the random ones only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "saferoom/auth.h"
#include "saferoom/civil.h"
#include "saferoom/keys.h"
#include "saferoom/ticket.h"
#include "saferoom/token.h"
#include "saferoom/voucher.h"

#include "fixture.h"

#define DAYS_AHEAD	400

static const char	*top;
static unsigned		 count;
static char		 voucher[VOUCHER_GROUPED_MAX];	/* the clinic's */

static void
seed(const char *harness, const char *name, const void *data, size_t len)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", top, harness);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", top, harness, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	count++;
}

/* A seed from a string literal that may hold NUL bytes. */
#define SEEDL(harness, name, lit)	seed(harness, name, lit, sizeof(lit) - 1)

static void __attribute__((format(printf, 3, 4)))
seedf(const char *harness, const char *name, const char *fmt, ...)
{
	char	 buf[8192];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		abort();
	seed(harness, name, buf, (size_t)n);
}

/* ---- tokens, vouchers, tickets ------------------------------------------- */

static void
tokens(void)
{
	struct token	 t;
	char		 g[TOKEN_GROUPED_MAX];

	/* The first byte is token_symbols' length: '#' is 35 % 48 + 1 = 36. */
	token_parse(FIXTURE_TOKEN1, &t);
	token_format(&t, g);
	seedf("token", "grouped", "#%s", g);
	seedf("token", "plain", "#%s", FIXTURE_TOKEN1);
	seedf("token", "lower-spaces", "#seed 0001 abcd efgh jkmn pqrs tvwx "
	    "yz01 2345");
	seedf("token", "misread", "#SEEDOOO1-ABCD-EFGH-JKMN-PQRS-TVWX-YZOI-2345");
	seedf("token", "tabs", "#SEED\t0001\tABCD-EFGH JKMN-PQRS-TVWX-YZ01-2345");
	token_new(&t);
	token_format(&t, g);
	seedf("token", "new", "#%s", g);
	seedf("token", "short", "#SEED-0001-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234");
	seedf("token", "long", "#SEED-0001-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23456");
	seedf("token", "with-u", "#SEED-0001-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234U");
	seedf("token", "dashes-128", "#%.92s%s", "----------------------------"
	    "----------------------------------------------------------------",
	    FIXTURE_TOKEN1);
	seedf("token", "dashes-129", "#%.93s%s", "----------------------------"
	    "-----------------------------------------------------------------",
	    FIXTURE_TOKEN1);
	seedf("token", "ref-8", "\x07REF00001");
	seedf("token", "voucher-20", "\x13VSEED-1ABC-DEFG-HJKM-NP00");
	seedf("token", "empty", "#");
}

static void
vouchers(void)
{
	struct voucher_code	 c;
	char			 p[VOUCHER_GROUPED_MAX], name[32];
	int			 i;

	snprintf(p, sizeof(p), "%s", voucher);
	seedf("voucher", "fixture", "%s", p);
	seedf("voucher", "fixture-plain", "%.4s%.4s%.4s%.4s%.4s", p, p + 5,
	    p + 10, p + 15, p + 20);
	for (i = 0; i < 3; i++) {
		voucher_code_new(&c);
		voucher_code_format(&c, p);
		snprintf(name, sizeof(name), "new-%d", i);
		seedf("voucher", name, "%s", p);
	}
	seedf("voucher", "lower-spaces", "%c%c%c%c %c%c%c%c %s", p[0] | 0x20,
	    p[1] | 0x20, p[2] | 0x20, p[3] | 0x20, p[5], p[6], p[7], p[8], p + 10);
	p[3] = p[3] == 'A' ? 'B' : 'A';
	seedf("voucher", "typo", "%s", p);
	p[3] = p[3] == 'A' ? 'B' : 'A';
	seedf("voucher", "misread", "O0II-LL10-%s", p + 10);
	seedf("voucher", "short", "%.23s", p);
	seedf("voucher", "long", "%sX", p);
	seedf("voucher", "with-u", "U%s", p + 1);
	seedf("voucher", "zeros", "0000-0000-0000-0000-0000");
	seedf("voucher", "zeds", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZ1");
}

static void
tickets(void)
{
	const struct keys	*k = fixture_keys();
	struct keys		 old;
	char			 t[TICKET_MAX], bad[TICKET_MAX];
	time_t			 start;
	int64_t			 s;
	uint8_t			 rt[64];

	civil_local_to_utc(civil_today() + 2, 10 * 60, &start);
	ticket_sign(k, FIXTURE_REF1, start, t);
	seedf("ticket", "key7", "%s", t);
	snprintf(bad, sizeof(bad), "%s", t);
	bad[5] = (char)(bad[5] | 0x20);
	seedf("ticket", "lower-case", "%s", bad);
	snprintf(bad, sizeof(bad), "SR1:%s:0%lld:7:%s", FIXTURE_REF1,
	    (long long)start, strrchr(t, ':') + 1);
	seedf("ticket", "leading-zero", "%s", bad);
	snprintf(bad, sizeof(bad), "%s", t);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'Q' : 'A';
	seedf("ticket", "spare-bits", "%s", bad);

	/* The older key, as if it still signed. */
	old = *k;
	old.ticket[old.nticket - 1] = k->ticket[0];
	ticket_sign(&old, FIXTURE_REF2, start + 86400, t);
	seedf("ticket", "key1", "%s", t);
	ticket_sign(k, "0123456789ABCDE", 0, t);
	seedf("ticket", "ref15-start0", "%s", t);
	ticket_sign(k, "ZZZZ", 99999999999LL, t);
	seedf("ticket", "ref4-last-start", "%s", t);
	seedf("ticket", "no-sig", "SR1:REF00001:1700000000:7:");
	seedf("ticket", "sr2", "SR2:REF00001:1700000000:7:AAAA");

	/* The round-trip layout: length, start, position, character, ref. */
	memset(rt, 0, sizeof(rt));
	rt[0] = 8;
	s = (int64_t)start << 1;
	memcpy(rt + 1, &s, sizeof(s));
	rt[9] = 20;
	rt[10] = 'Q';
	memcpy(rt + 11, FIXTURE_REF1, 8);
	seed("ticket", "round-trip", rt, 19);
}

/* ---- cookies ----------------------------------------------------------------- */

static void
cookies(void)
{
	char	 admin[65], desk[65], rivera[65], csrf[65], manage[128];
	char	 past[128], *dot;

	fixture_session_hex(FIXTURE_ADMIN, admin);
	fixture_session_hex(FIXTURE_DESK, desk);
	fixture_session_hex(FIXTURE_RIVERA, rivera);
	fixture_csrf(FIXTURE_ADMIN, csrf);
	fixture_manage_cookie(1, manage, sizeof(manage));

	/* The first byte picks the request: '0' + template (fuzz_cookie.c). */
	seedf("cookie", "staff-admin", "0%s=%s", AUTH_COOKIE, admin);
	seedf("cookie", "staff-upper", "0a=b; %s=%.32s%s", AUTH_COOKIE,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", admin + 32);
	seedf("cookie", "staff-65", "0%s=%s0", AUTH_COOKIE, admin);
	seedf("cookie", "api-desk", "1%s=%s", AUTH_COOKIE, desk);
	seedf("cookie", "api-none", "1theme=dark");
	seedf("cookie", "manage", "2__Host-saferoom-manage=%s", manage);
	seedf("cookie", "manage-and-staff", "3%s=%s; __Host-saferoom-manage=%s",
	    AUTH_COOKIE, admin, manage);
	/* A good MAC over an id that is no booking. */
	fixture_manage_cookie(999, past, sizeof(past));
	seedf("cookie", "manage-unknown", "2__Host-saferoom-manage=%s", past);
	snprintf(past, sizeof(past), "%s", manage);
	if ((dot = strchr(past, '.')) != NULL)
		dot[1] = '1';
	seedf("cookie", "manage-forged", "3__Host-saferoom-manage=%s", past);
	seedf("cookie", "desk-page", "4%s=%s", AUTH_COOKIE, desk);
	seedf("cookie", "therapist-hours", "5%s=%s", AUTH_COOKIE, rivera);
	seedf("cookie", "csrf-form", "6%s", csrf);
	seedf("cookie", "csrf-header", "7%s", csrf);
	seedf("cookie", "csrf-wrong", "7%.63s0", csrf);
	seedf("cookie", "spaces", "0  ;;  %s=%s ;", AUTH_COOKIE, admin);
}

/* ---- request bodies: JSON, forms, queries, config ---------------------------- */

/* A field table of fields.h, by its index, as the first byte. */
enum { T_BOOKING, T_SLOTS, T_PAYMENT, T_VOUCHERS, T_LOGIN, T_HOURS, T_CANCEL,
    T_CODE, T_CALENDAR, T_EVERY };

static void
bodies(const char *day, const char *start)
{
	static const char *const harnesses[] = { "json", "form", "query" };
	struct {
		int		 table;
		const char	*name, *json, *form;
	} b[] = {
		{ T_BOOKING, "booking", NULL, NULL },
		{ T_SLOTS, "slots", NULL, NULL },
		{ T_PAYMENT, "payment", "{\"booking\":\"REF00002\",\"method\":"
		    "\"cash\",\"amount_cents\":4000,\"tendered_cents\":5000}",
		    "booking=REF00002&method=cash&amount_cents=4000" },
		{ T_VOUCHERS, "vouchers", "{\"count\":2,\"value_cents\":5000,"
		    "\"currency\":\"EUR\",\"valid_days\":365,\"tag\":\"Gift "
		    "\\u00e9\"}", "count=2&value_cents=5000&currency=EUR&"
		    "valid_days=365&tag=Gift+%C3%A9&method=card" },
		{ T_LOGIN, "login", "{\"username\":\"admin\",\"password\":"
		    "\"correct horse battery\",\"totp\":\"287082\"}",
		    "username=admin&password=correct+horse+battery&totp=287082" },
		{ T_HOURS, "hours", "{\"weekday\":1,\"from\":\"09:00\",\"to\":"
		    "\"12:30\",\"therapist\":2}",
		    "weekday=1&from=09%3A00&to=12%3A30&therapist=2" },
		{ T_CANCEL, "cancel", "{\"ref\":\"REF00001\",\"reason\":"
		    "\"Therapist ill\",\"refund\":\"credit\",\"confirm\":\"yes\"}",
		    "ref=REF00001&reason=Therapist+ill&refund=credit&confirm=yes" },
		{ T_CODE, "code", "{\"code\":\"VSEED-1ABC-DEFG-HJKM-NP00\",\"booking\":"
		    "\"REF00001\",\"csrf\":null}",
		    "code=seed-0001-abcd&booking=REF00001" },
		{ T_CALENDAR, "calendar", NULL, NULL },
		{ T_EVERY, "every-kind", "{\"a\":-1000,\"b\":-999999999999999999,"
		    "\"c\":\"caf\\u00e9 \\ud83d\\ude00\",\"d\":\"\\u0001\","
		    "\"e\":\"9999-12-31\",\"f\":\"1970-01-01T00:00:00.000Z\","
		    "\"g\":\"\",\"h\":0}", "a=-5&b=18&c=x&d=%01&e=2024-02-29&"
		    "f=2026-10-25T02%3A30%3A00%2B01%3A00&g=&h=0" },
	};
	static char	 json[3][512], form[3][512];
	char		 name[64];
	size_t	 i, h;

	snprintf(json[0], sizeof(json[0]), "{\"service\":2,\"therapist\":2,"
	    "\"start\":\"%s\"}", start);
	snprintf(form[0], sizeof(form[0]), "service=2&therapist=2&start="
	    "%.10sT%.2s%%3A%.2s%%3A00%%2B%.2s%%3A%.2s", start, start + 11,
	    start + 14, start + 20, start + 23);
	snprintf(json[1], sizeof(json[1]), "{\"service\":1,\"from\":\"%s\","
	    "\"days\":7}", day);
	snprintf(form[1], sizeof(form[1]), "service=1&therapist=3&from=%s&"
	    "days=62", day);
	snprintf(json[2], sizeof(json[2]), "{\"from\":\"%s\",\"days\":7,"
	    "\"therapist\":2,\"id\":4611686018427387903}", day);
	snprintf(form[2], sizeof(form[2]), "week=%s&therapist=0&from=%s&to=%s",
	    day, day, day);
	b[0].json = json[0];
	b[0].form = form[0];
	b[1].json = json[1];
	b[1].form = form[1];
	b[8].json = json[2];
	b[8].form = form[2];

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		for (h = 0; h < 3; h++) {
			snprintf(name, sizeof(name), "%s", b[i].name);
			seedf(harnesses[h], name, "%c%s", b[i].table,
			    h == 0 ? b[i].json : b[i].form);
		}
	}
	seedf("json", "duplicate", "%c{\"service\":1,\"service\":2,\"start\":"
	    "\"%s\"}", T_BOOKING, start);
	seedf("json", "wrong-type", "%c{\"service\":\"1\",\"start\":1}",
	    T_BOOKING);
	seedf("json", "nul-in-string", "%c{\"username\":\"ad\\u0000min\","
	    "\"password\":\"x\",\"totp\":\"123456\"}", T_LOGIN);
	seedf("json", "not-object", "%c[1,2,3]", T_EVERY);
	seedf("json", "deep", "%c{\"a\":[[[[[[[[[[{}]]]]]]]]]]}", T_EVERY);
	seedf("json", "big-int", "%c{\"b\":9223372036854775807,\"a\":1e3,"
	    "\"g\":\"x\"}", T_EVERY);
	seedf("form", "twice", "%cservice=1&service=2", T_BOOKING);
	seedf("form", "encoded-nul", "%cusername=a%%00b&password=x&totp=123456",
	    T_LOGIN);
	seedf("form", "plus-and-bad-escape", "%cc=a+b%%2&d=%%zz&g=", T_EVERY);
	seedf("query", "empty-values", "%cservice=&therapist=&from=", T_SLOTS);
	seedf("query", "no-equals", "%cservice&from=%s", T_SLOTS, day);
	seedf("query", "fragment", "%cservice=1&from=%s#frag", T_SLOTS, day);
}

static void
configs(void)
{
	seedf("config", "full",
	    "# saferoomd settings\n"
	    "db = /var/lib/saferoom/clinic.db\n"
	    "listen = 127.0.0.1:8443\n"
	    "tls-cert = /etc/saferoom/cert.pem\n"
	    "tls-key = /etc/saferoom/key.pem\n"
	    "log-level = warn\n"
	    "threads = 4\n"
	    "workers = 2\n"
	    "queue-max = 256\n"
	    "max-connections = 1024\n"
	    "max-connections-per-address = 2048\n"
	    "body-max = 65536\n"
	    "header-max = 8192\n"
	    "idle-timeout = 15\n"
	    "request-timeout = 30\n"
	    "shutdown-grace = 10\n");
	seedf("config", "minimal", "db=x\nlisten=[::1]:0\ntls-cert=c\ntls-key=k\n");
	seedf("config", "crlf-tabs", "\tdb\t=\t/tmp/a b.db \r\n# c\r\n\r\n"
	    "listen = :8443\r\ntls-cert = c\r\ntls-key = k\r\n");
	seedf("config", "bad-number", "db = x\nlisten = :1\ntls-cert = c\n"
	    "tls-key = k\nthreads = 065\n");
	seedf("config", "unknown", "db = x\nport = 8443\n");
	seedf("config", "no-equals", "db x\n");
	seedf("config", "no-newline", "db = x\nlisten = :1\ntls-cert = c\n"
	    "tls-key = k");
	/* The command line, then a NUL, then the file. */
	SEEDL("config", "flags-win", "--db\n/flag.db\n--threads\n8\0"
	    "db = /file.db\nlisten = :1\ntls-cert = c\ntls-key = k\n"
	    "threads = 2\n");
	SEEDL("config", "help", "--help\0");
	SEEDL("config", "flag-without-value", "--db\0");
}

/* ---- whole requests ------------------------------------------------------------ */

struct cred {
	char	 admin[200], desk[200], rivera[200];	/* Cookie: ... */
	char	 csrf_admin[65], csrf_desk[65], csrf_rivera[65];
	char	 manage[200];				/* Cookie: ... */
};

/*
 * One request with a Host header and more headers, in fuzz_request's
 * structured form: 0x01 first, and no Content-Length (the harness adds the
 * one the body needs).
 */
static void
http(const char *name, const char *method, const char *target,
    const char *headers, const char *ctype, const char *body)
{
	char	 type[128] = "";

	if (ctype != NULL)
		snprintf(type, sizeof(type), "Content-Type: %s\r\n", ctype);
	seedf("request", name, "\x01%s %s HTTP/1.1\r\nHost: localhost\r\n%s%s"
	    "\r\n%s", method, target, headers != NULL ? headers : "", type,
	    body != NULL ? body : "");
}

#define FORM	"application/x-www-form-urlencoded"
#define JSON	"application/json"

static void
requests(const char *day, const char *start, const char *start_q)
{
	struct cred	 c;
	char		 hex[65], h[600], b[600], t[600], ticket[TICKET_MAX];
	time_t		 when;

	fixture_session_hex(FIXTURE_ADMIN, hex);
	snprintf(c.admin, sizeof(c.admin), "Cookie: %s=%s\r\n", AUTH_COOKIE, hex);
	fixture_session_hex(FIXTURE_DESK, hex);
	snprintf(c.desk, sizeof(c.desk), "Cookie: %s=%s\r\n", AUTH_COOKIE, hex);
	fixture_session_hex(FIXTURE_RIVERA, hex);
	snprintf(c.rivera, sizeof(c.rivera), "Cookie: %s=%s\r\n", AUTH_COOKIE,
	    hex);
	fixture_csrf(FIXTURE_ADMIN, c.csrf_admin);
	fixture_csrf(FIXTURE_DESK, c.csrf_desk);
	fixture_csrf(FIXTURE_RIVERA, c.csrf_rivera);
	fixture_manage_cookie(1, hex, sizeof(hex));
	snprintf(c.manage, sizeof(c.manage), "Cookie: __Host-saferoom-manage=%s"
	    "\r\n", hex);

	/* Public pages. */
	http("home", "GET", "/", NULL, NULL, NULL);
	http("static", "GET", "/static/style.css", NULL, NULL, NULL);
	http("book", "GET", "/book", NULL, NULL, NULL);
	http("book-therapist", "GET", "/book/therapist?service=1", NULL, NULL,
	    NULL);
	snprintf(t, sizeof(t), "/book/day?service=2&therapist=2&from=%s", day);
	http("book-day", "GET", t, NULL, NULL, NULL);
	snprintf(t, sizeof(t), "/book/time?service=2&therapist=2&day=%s", day);
	http("book-time", "GET", t, NULL, NULL, NULL);
	snprintf(t, sizeof(t), "/book/confirm?service=2&therapist=2&start=%s",
	    start_q);
	http("book-confirm", "GET", t, NULL, NULL, NULL);
	snprintf(b, sizeof(b), "service=2&therapist=2&start=%s", start_q);
	http("book-post", "POST", "/book", "Origin: https://localhost\r\n"
	    "Sec-Fetch-Site: same-origin\r\n", FORM, b);
	http("manage-form", "GET", "/manage", NULL, NULL, NULL);
	http("manage-post", "POST", "/manage", "Origin: null\r\n", FORM,
	    "code=seed-0001-abcd-efgh-jkmn-pqrs-tvwx-yz01-2345");
	http("manage-booking", "GET", "/manage/booking", c.manage, NULL, NULL);
	http("manage-cancel-form", "GET", "/manage/cancel", c.manage, NULL, NULL);
	http("manage-cancel", "POST", "/manage/cancel", c.manage, FORM,
	    "confirm=yes");
	snprintf(t, sizeof(t), "/manage/reschedule?day=%s", day);
	http("manage-reschedule", "GET", t, c.manage, NULL, NULL);
	snprintf(b, sizeof(b), "start=%s", start_q);
	http("manage-reschedule-post", "POST", "/manage/reschedule", c.manage,
	    FORM, b);
	snprintf(t, sizeof(t), "/manage/reschedule/confirm?start=%s", start_q);
	http("manage-reschedule-confirm", "GET", t, c.manage, NULL, NULL);
	http("manage-ticket", "GET", "/manage/ticket", c.manage, NULL, NULL);
	http("manage-ticket-svg", "GET", "/manage/ticket.svg", c.manage, NULL,
	    NULL);
	http("manage-ics", "GET", "/manage/booking.ics", c.manage, NULL, NULL);
	snprintf(b, sizeof(b), "code=%s", voucher);
	http("manage-redeem", "POST", "/manage/redeem", c.manage, FORM, b);
	http("manage-receipt", "GET", "/manage/receipt", c.manage, NULL, NULL);
	http("manage-forget", "POST", "/manage/forget", c.manage, FORM, "");
	snprintf(b, sizeof(b), "code=%s", voucher);
	for (char *p = b; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p | 0x20);
	http("voucher-post", "POST", "/voucher", NULL, FORM, b);

	/* The JSON API. */
	http("api-services", "GET", "/api/v1/services", NULL, NULL, NULL);
	http("api-therapists", "GET", "/api/v1/therapists", NULL, NULL, NULL);
	snprintf(t, sizeof(t), "/api/v1/slots?service=1&from=%s&days=7", day);
	http("api-slots", "GET", t, NULL, NULL, NULL);
	snprintf(b, sizeof(b), "{\"service\":2,\"therapist\":2,\"start\":\"%s\"}",
	    start);
	http("api-book", "POST", "/api/v1/bookings", NULL, JSON, b);
	snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n", FIXTURE_TOKEN1);
	http("api-booking", "GET", "/api/v1/booking", h, NULL, NULL);
	http("api-cancel", "POST", "/api/v1/booking/cancel", h, JSON, "{}");
	snprintf(b, sizeof(b), "{\"start\":\"%s\"}", start);
	http("api-reschedule", "POST", "/api/v1/booking/reschedule", h, JSON, b);
	http("api-ticket-png", "GET", "/api/v1/booking/ticket.png", h, NULL,
	    NULL);
	snprintf(b, sizeof(b), "{\"code\":\"%s\"}", voucher);
	http("api-redeem", "POST", "/api/v1/booking/redeem", h, JSON, b);

	/* Staff, through the API: a session cookie and its CSRF token. */
	http("staff-login", "POST", "/api/v1/staff/login", NULL, JSON,
	    "{\"username\":\"admin\",\"password\":\"correct horse battery\","
	    "\"totp\":\"287082\"}");
	snprintf(h, sizeof(h), "%sX-CSRF-Token: %s\r\n", c.admin, c.csrf_admin);
	http("staff-me", "GET", "/api/v1/staff/me", c.admin, NULL, NULL);
	snprintf(t, sizeof(t), "/api/v1/staff/calendar?from=%s&days=7", day);
	http("staff-calendar", "GET", t, c.admin, NULL, NULL);
	civil_local_to_utc(civil_today() + 2, 10 * 60, &when);
	ticket_sign(fixture_keys(), FIXTURE_REF1, when, ticket);
	snprintf(b, sizeof(b), "{\"ticket\":\"%s\"}", ticket);
	http("staff-checkin", "POST", "/api/v1/staff/checkin", h, JSON, b);
	http("staff-noshow", "POST", "/api/v1/staff/noshow", h, JSON,
	    "{\"booking\":\"REF00002\"}");
	http("staff-payment", "POST", "/api/v1/staff/payments", h, JSON,
	    "{\"booking\":\"REF00002\",\"method\":\"cash\",\"amount_cents\":4000,"
	    "\"tendered_cents\":5000}");
	http("staff-vouchers", "POST", "/api/v1/staff/vouchers", h, JSON,
	    "{\"count\":2,\"value_cents\":5000,\"currency\":\"EUR\","
	    "\"valid_days\":365,\"tag\":\"gift\"}");
	snprintf(b, sizeof(b), "{\"code\":\"%s\",\"booking\":\"REF00001\"}",
	    voucher);
	http("staff-redeem", "POST", "/api/v1/staff/vouchers/redeem", h, JSON, b);
	http("staff-void", "POST", "/api/v1/staff/vouchers/void", h, JSON,
	    "{\"lookup\":\"VSEED1\"}");
	http("staff-cancel", "POST", "/api/v1/staff/cancel", h, JSON,
	    "{\"booking\":\"REF00001\",\"reason\":\"Therapist ill\","
	    "\"refund\":\"credit\"}");
	http("staff-hours", "GET", "/api/v1/staff/hours?therapist=2", c.admin,
	    NULL, NULL);
	http("staff-hours-add", "POST", "/api/v1/staff/hours", h, JSON,
	    "{\"weekday\":1,\"from\":\"06:00\",\"to\":\"07:30\",\"therapist\":3}");
	http("staff-hours-delete", "POST", "/api/v1/staff/hours/delete", h, JSON,
	    "{\"id\":1,\"therapist\":2}");
	snprintf(b, sizeof(b), "{\"from\":\"%s\",\"to\":\"%s\",\"therapist\":2}",
	    day, day);
	http("staff-timeoff-add", "POST", "/api/v1/staff/timeoff", h, JSON, b);
	http("staff-accounts", "GET", "/api/v1/staff/accounts", c.admin, NULL,
	    NULL);
	http("staff-reset", "POST", "/api/v1/staff/accounts/reset", h, JSON,
	    "{\"username\":\"desk\"}");
	http("staff-disable", "POST", "/api/v1/staff/accounts/disable", h, JSON,
	    "{\"username\":\"okafor\"}");
	http("staff-audit", "GET", "/api/v1/staff/audit", c.admin, NULL, NULL);
	http("staff-password", "POST", "/api/v1/staff/password", h, JSON,
	    "{\"current\":\"correct horse battery\",\"new\":\"a new long "
	    "password\"}");
	snprintf(h, sizeof(h), "%sX-CSRF-Token: %s\r\n", c.rivera, c.csrf_rivera);
	http("staff-feed", "POST", "/api/v1/staff/feed", h, JSON, "{}");
	http("staff-logout", "POST", "/api/v1/staff/logout", h, NULL, NULL);
	memset(hex, 0, sizeof(hex));
	for (size_t i = 0; i < 64; i += 2)
		snprintf(hex + i, 3, "%02x", FIXTURE_FEED_BYTE);
	snprintf(t, sizeof(t), "/feed/%s.ics", hex);
	http("feed", "GET", t, NULL, NULL, NULL);

	/* Staff pages: the session cookie, "csrf" in every form. */
	http("page-login", "POST", "/staff/login", NULL, FORM,
	    "username=desk&password=correct+horse+battery&totp=287082");
	http("page-home", "GET", "/staff", c.admin, NULL, NULL);
	snprintf(t, sizeof(t), "/staff/calendar?week=%s&therapist=0", day);
	http("page-calendar", "GET", t, c.admin, NULL, NULL);
	http("page-booking", "GET", "/staff/booking?ref=REF00001", c.desk, NULL,
	    NULL);
	snprintf(b, sizeof(b), "ref=REF00001&reason=ill&refund=credit&"
	    "confirm=yes&csrf=%s", c.csrf_admin);
	http("page-cancel", "POST", "/staff/booking/cancel", c.admin, FORM, b);
	snprintf(b, sizeof(b), "weekday=3&from=07%%3A00&to=07%%3A45&csrf=%s",
	    c.csrf_rivera);
	http("page-hours-add", "POST", "/staff/hours", c.rivera, FORM, b);
	snprintf(b, sizeof(b), "ticket=%s&csrf=%s", ticket, c.csrf_desk);
	http("page-checkin", "POST", "/staff/desk/checkin", c.desk, FORM, b);
	http("page-vouchers", "GET", "/staff/vouchers", c.desk, NULL, NULL);
	snprintf(b, sizeof(b), "count=1&value=50%%2C00&currency=EUR&valid_days="
	    "365&method=cash&once=00112233445566778899aabbccddeeff&csrf=%s",
	    c.csrf_desk);
	http("page-vouchers-make", "POST", "/staff/vouchers", c.desk, FORM, b);
	http("page-pay", "GET", "/staff/pay?ref=REF00002", c.desk, NULL, NULL);
	snprintf(b, sizeof(b), "ref=REF00002&method=card&amount=40.00&tendered="
	    "&once=ffeeddccbbaa99887766554433221100&csrf=%s", c.csrf_desk);
	http("page-pay-desk", "POST", "/staff/pay/desk", c.desk, FORM, b);
	snprintf(b, sizeof(b), "ref=REF00001&code=%s&csrf=%s", voucher,
	    c.csrf_desk);
	http("page-pay-voucher", "POST", "/staff/pay/voucher", c.desk, FORM, b);
	snprintf(t, sizeof(t), "/staff/report.csv?from=%s&to=%s", day, day);
	http("page-report-csv", "GET", t, c.admin, NULL, NULL);
	http("page-audit", "GET", "/staff/audit", c.admin, NULL, NULL);

	/* The HTTP layer's own cases. */
	seedf("request", "pipelined", "GET /api/v1/services HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\nGET /book HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n\r\n");
	seedf("request", "head", "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	seedf("request", "put-405", "PUT /api/v1/services HTTP/1.1\r\n"
	    "Host: localhost\r\nContent-Length: 2\r\n\r\n{}");
	seedf("request", "connect", "CONNECT localhost:443 HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\n");
	seedf("request", "http10", "GET /api/v1/therapists HTTP/1.0\r\n\r\n");
	seedf("request", "absolute", "GET https://localhost/book?service=1 "
	    "HTTP/1.1\r\nHost: localhost\r\n\r\n");
	seedf("request", "chunked", "POST /api/v1/bookings HTTP/1.1\r\n"
	    "Host: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: "
	    "application/json\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n");
	seedf("request", "cross-site", "POST /manage HTTP/1.1\r\nHost: localhost"
	    "\r\nOrigin: https://evil.example\r\nContent-Length: 6\r\n\r\ncode=x");
	seedf("request", "nul-query", "GET /book/day?service=1%%00&from=x "
	    "HTTP/1.1\r\nHost: localhost\r\n\r\n");
	seedf("request", "not-found", "GET /nothing/here/.. HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\n");
	seedf("request", "no-path", "GET ?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	seedf("request", "folded-header", "GET /staff HTTP/1.1\r\nHost: "
	    "localhost\r\nCookie: a=b;\r\n __Host-saferoom-staff=00\r\n\r\n");
}

int
main(int argc, char *argv[])
{
	struct voucher_code	 vc;
	char	 day[CIVIL_DATE_MAX], start[CIVIL_RFC3339_MAX], q[96];
	time_t	 t;
	size_t	 i, o;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds CORPUS-DIR\n");
		return 2;
	}
	top = argv[1];
	if (civil_set_timezone("Europe/Berlin") == -1)
		return 1;
	civil_format_date(civil_today() + DAYS_AHEAD, day);
	if (civil_local_to_utc(civil_today() + DAYS_AHEAD, 10 * 60, &t) == -1)
		return 1;
	civil_format_rfc3339(t, start);
	for (i = o = 0; start[i] != '\0' && o + 4 < sizeof(q); i++) {
		if (start[i] == ':' || start[i] == '+') {
			o += (size_t)snprintf(q + o, sizeof(q) - o, "%%%02X",
			    start[i]);
		} else
			q[o++] = start[i];
	}
	q[o] = '\0';

	memcpy(vc.lookup, FIXTURE_VOUCHER_LOOKUP, sizeof(vc.lookup));
	memcpy(vc.secret, FIXTURE_VOUCHER_SECRET, sizeof(vc.secret));
	voucher_code_format(&vc, voucher);

	tokens();
	vouchers();
	tickets();
	cookies();
	bodies(day, start);
	configs();
	requests(day, start, q);
	printf("%u seeds written under %s\n", count, top);
	return 0;
}
