/*
 * Unit test of server/input.c against include/saferoom/input.h: one field
 * table parsed from a JSON body, a query string and a form body; types,
 * bounds, required fields, duplicates, embedded NULs, percent and '+'
 * decoding, error messages that name the field but never echo the value,
 * input_has_nul and input_wipe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saferoom/input.h"

#include "check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum { K_ID, K_NAME, K_DAY, K_AT, K_PASS, K__MAX };

static const struct input_field fields[K__MAX] = {
	{ "id", INPUT_INT, 1, 1, 1000000000 },
	{ "name", INPUT_TEXT, 0, 1, 100 },
	{ "day", INPUT_DATE, 0, 0, 0 },
	{ "at", INPUT_TIME, 0, 0, 0 },
	{ "pass", INPUT_SECRET, 0, 1, INPUT_TEXT_MAX },
};

static struct input_value	 vals[K__MAX];
static char			 err[INPUT_ERR_MAX];

static int
json(const char *body)
{
	memset(err, 0, sizeof(err));
	return input_json(body, strlen(body), fields, K__MAX, vals, err);
}

/*
 * body refused, with a message naming field (when not NULL) and not
 * holding secret (when not NULL), the value that was sent.
 */
static void
json_bad(const char *body, const char *field, const char *secret, int line)
{
	if (!check_int_at(json(body), -1, __FILE__, line, body))
		return;
	check_at(err[0] != '\0' && strlen(err) < INPUT_ERR_MAX, __FILE__,
	    line, "message set");
	if (field != NULL && !check_at(strstr(err, field) != NULL, __FILE__,
	    line, "message names the field"))
		fprintf(stderr, "\tmessage \"%s\", field %s\n", err, field);
	if (secret != NULL && !check_at(strstr(err, secret) == NULL, __FILE__,
	    line, "message does not echo the value"))
		fprintf(stderr, "\tmessage \"%s\" holds \"%s\"\n", err, secret);
}

#define JSON_BAD(body, field, secret)	json_bad((body), (field), (secret), \
	__LINE__)

static void
test_json_valid(void)
{
	const char	*body = "{\"id\": 42, \"name\": \"Anna Berg\", "
	    "\"day\": \"2026-11-27\", \"at\": \"2026-03-29T10:00:00+02:00\", "
	    "\"pass\": \" my secret \"}";
	char		*exact;
	size_t		 len;

	CHECK_INT(json(body), 0);
	CHECK_INT(vals[K_ID].present, 1);
	CHECK_INT(vals[K_ID].num, 42);
	CHECK_INT(vals[K_NAME].present, 1);
	CHECK_STR(vals[K_NAME].text, "Anna Berg");
	CHECK_INT(vals[K_DAY].present, 1);
	CHECK_INT(vals[K_DAY].num, 20784);
	CHECK_INT(vals[K_AT].present, 1);
	CHECK_INT(vals[K_AT].time, 1774771200);
	CHECK_INT(vals[K_PASS].present, 1);
	CHECK_STR(vals[K_PASS].text, " my secret ");	/* kept raw */

	/* Only the required field; the others absent, null is absent. */
	CHECK_INT(json("{\"id\": 1, \"name\": null}"), 0);
	CHECK_INT(vals[K_ID].num, 1);
	CHECK_INT(vals[K_NAME].present, 0);
	CHECK_INT(vals[K_DAY].present, 0);
	CHECK_INT(vals[K_AT].present, 0);
	CHECK_INT(vals[K_PASS].present, 0);

	/* INT as a JSON integer or as a string of digits; bounds inclusive. */
	CHECK_INT(json("{\"id\": \"77\"}"), 0);
	CHECK_INT(vals[K_ID].num, 77);
	CHECK_INT(json("{\"id\": 1000000000}"), 0);
	CHECK_INT(vals[K_ID].num, 1000000000);
	CHECK_INT(json("{\"id\": \"1000000000\"}"), 0);
	CHECK_INT(vals[K_ID].num, 1000000000);

	/* Unknown fields, of any type, ignored. */
	CHECK_INT(json("{\"extra\": {\"deep\": [1, 2.5, true]}, \"id\": 5, "
	    "\"other\": \"x\", \"n\": null}"), 0);
	CHECK_INT(vals[K_ID].num, 5);

	/* Text: UTF-8 and the bounds in bytes. */
	CHECK_INT(json("{\"id\": 5, \"name\": \"Zo\\u00eb \xc3\x85sa\"}"), 0);
	CHECK_STR(vals[K_NAME].text, "Zo\xc3\xab \xc3\x85sa");

	/* len is honoured: what follows the object is not read. */
	len = strlen("{\"id\": 9}");
	if (CHECK((exact = malloc(len)) != NULL)) {
		memcpy(exact, "{\"id\": 9}", len);	/* no NUL */
		CHECK_INT(input_json(exact, len, fields, K__MAX, vals, err), 0);
		CHECK_INT(vals[K_ID].num, 9);
		free(exact);
	}
	CHECK_INT(input_json("{\"id\": 9}{\"id\": 8}", len, fields, K__MAX,
	    vals, err), 0);
	CHECK_INT(vals[K_ID].num, 9);
}

static void
test_json_refused(void)
{
	char	 body[512], name[128];

	/* Missing or null required field: the message names it. */
	JSON_BAD("{}", "id", NULL);
	JSON_BAD("{\"name\": \"Anna\"}", "id", NULL);
	JSON_BAD("{\"id\": null}", "id", NULL);

	/* Wrong types. */
	JSON_BAD("{\"id\": {}}", "id", NULL);
	JSON_BAD("{\"id\": [5]}", "id", NULL);
	JSON_BAD("{\"id\": 5.0}", "id", NULL);
	JSON_BAD("{\"id\": 1e3}", "id", NULL);
	JSON_BAD("{\"id\": true}", "id", NULL);
	JSON_BAD("{\"id\": false}", "id", NULL);
	JSON_BAD("{\"id\": 5, \"name\": 12345}", "name", "12345");
	JSON_BAD("{\"id\": 5, \"name\": {\"a\": 1}}", "name", NULL);
	JSON_BAD("{\"id\": 5, \"day\": 20784}", "day", "20784");
	JSON_BAD("{\"id\": 5, \"pass\": 918273645}", "pass", "918273645");

	/* Out of range, and digit strings that are not plain digits. */
	JSON_BAD("{\"id\": 0}", "id", NULL);
	JSON_BAD("{\"id\": -5}", "id", "-5");
	JSON_BAD("{\"id\": 1000000001}", "id", "1000000001");
	JSON_BAD("{\"id\": \"1000000001\"}", "id", "1000000001");
	JSON_BAD("{\"id\": 987654321987}", "id", "987654321987");
	JSON_BAD("{\"id\": \"\"}", "id", NULL);
	JSON_BAD("{\"id\": \" 42\"}", "id", NULL);
	JSON_BAD("{\"id\": \"42x\"}", "id", "42x");
	JSON_BAD("{\"id\": \"+42\"}", "id", "+42");
	JSON_BAD("{\"id\": \"4e2\"}", "id", "4e2");

	/* Text bounds and cleanliness. */
	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(body, sizeof(body), "{\"id\": 5, \"name\": \"%s\"}", name);
	CHECK_INT(json(body), 0);
	CHECK_STR(vals[K_NAME].text, name);
	memset(name, 'W', 101);
	name[101] = '\0';
	snprintf(body, sizeof(body), "{\"id\": 5, \"name\": \"%s\"}", name);
	JSON_BAD(body, "name", "WWWWWWWWWW");
	JSON_BAD("{\"id\": 5, \"name\": \"\"}", "name", NULL);
	JSON_BAD("{\"id\": 5, \"name\": \" Zebraquartz\"}", "name",
	    "Zebraquartz");
	JSON_BAD("{\"id\": 5, \"name\": \"Zebra\\u0001quartz\"}", "name",
	    "Zebra");
	JSON_BAD("{\"id\": 5, \"name\": \"Zebra\\nquartz\"}", "name", "Zebra");

	/* An embedded NUL is refused, not cut short. */
	JSON_BAD("{\"id\": 5, \"name\": \"a\\u0000b\"}", NULL, NULL);
	JSON_BAD("{\"id\": 5, \"pass\": \"hunter\\u00002\"}", NULL, "hunter");

	/* Dates and times. */
	JSON_BAD("{\"id\": 5, \"day\": \"2031-02-30\"}", "day", "2031");
	JSON_BAD("{\"id\": 5, \"day\": \"2031-2-03\"}", "day", "2031");
	JSON_BAD("{\"id\": 5, \"at\": \"2031-07-04T10:00:00\"}", "at", "2031");
	JSON_BAD("{\"id\": 5, \"at\": \"2031-07-04T10:00:00.5Z\"}", "at",
	    "2031");

	/* A secret: empty or too long, never echoed. */
	JSON_BAD("{\"id\": 5, \"pass\": \"\"}", "pass", NULL);
	memset(name, 'S', 127);
	name[127] = '\0';
	snprintf(body, sizeof(body), "{\"id\": 5, \"pass\": \"%s%s%s\"}",
	    name, name, name);			/* 381 bytes */
	JSON_BAD(body, "pass", "SSSSSSSS");

	/* Not an object. */
	JSON_BAD("", NULL, NULL);
	JSON_BAD("not json", NULL, NULL);
	JSON_BAD("{id: 5}", NULL, NULL);
	JSON_BAD("{\"id\": 5", NULL, NULL);
	JSON_BAD("{\"id\": 5,}", NULL, NULL);
	JSON_BAD("[{\"id\": 5}]", NULL, NULL);
	JSON_BAD("[]", NULL, NULL);
	JSON_BAD("5", NULL, NULL);
	JSON_BAD("\"id\"", NULL, NULL);
	JSON_BAD("null", NULL, NULL);
	JSON_BAD("{\"id\": 123456789012345678901234567890}", NULL, NULL);

	/* Duplicate keys, of a declared field or not. */
	JSON_BAD("{\"id\": 5, \"id\": 6}", NULL, NULL);
	JSON_BAD("{\"id\": 5, \"name\": \"a\", \"name\": \"b\"}", NULL, NULL);
	JSON_BAD("{\"id\": 5, \"x\": 1, \"x\": 1}", NULL, NULL);
}

/* Parse a raw query string with input_query. */
static int
query(const char *qs)
{
	memset(err, 0, sizeof(err));
	return input_query(qs, fields, K__MAX, vals, err);
}

static void
test_query(void)
{
	CHECK_INT(query("id=42&name=Anna+Berg&day=2026-11-27"
	    "&at=2026-03-29T10:00:00%2B02:00&pass=a%26b%3Dc"), 0);
	CHECK_INT(vals[K_ID].num, 42);
	CHECK_STR(vals[K_NAME].text, "Anna Berg");
	CHECK_INT(vals[K_DAY].num, 20784);
	CHECK_INT(vals[K_AT].time, 1774771200);
	CHECK_STR(vals[K_PASS].text, "a&b=c");

	/* Given twice: refused, naming the field, even with one value. */
	CHECK_INT(query("id=1&id=2"), -1);
	CHECK(strstr(err, "id") != NULL);
	CHECK_INT(query("id=7&id=7"), -1);
	CHECK_INT(query("id=7&name=Anna&name=Berta"), -1);
	CHECK(strstr(err, "name") != NULL);
	CHECK(strstr(err, "Berta") == NULL);

	/* An empty optional is as good as absent; an empty required is not. */
	CHECK_INT(query("id=5&name=&day=&pass="), 0);
	CHECK_INT(vals[K_NAME].present, 0);
	CHECK_INT(vals[K_DAY].present, 0);
	CHECK_INT(vals[K_PASS].present, 0);
	CHECK_INT(query("id="), -1);
	CHECK(strstr(err, "id") != NULL);
	CHECK_INT(query("name=Anna"), -1);
	CHECK(strstr(err, "id") != NULL);
	CHECK(strstr(err, "Anna") == NULL);

	/* Unknown keys ignored, even repeated. */
	CHECK_INT(query("utm=a&id=5&utm=b"), 0);
	CHECK_INT(vals[K_ID].num, 5);

	/* Values checked like JSON strings. */
	CHECK_INT(query("id=abc"), -1);
	CHECK_INT(query("id=-1"), -1);
	CHECK_INT(query("id=1000000001"), -1);
	CHECK(strstr(err, "1000000001") == NULL);
	CHECK_INT(query("id=5&day=2023-02-29"), -1);
	CHECK(strstr(err, "day") != NULL);
	/* A raw '+' is a space: the offset is lost, so the time is refused. */
	CHECK_INT(query("id=5&at=2026-03-29T10:00:00+02:00"), -1);
	CHECK(strstr(err, "at") != NULL);
	CHECK_INT(query("id=5&name=%20Anna"), -1);
	CHECK_INT(query("id=5&name=Zebra%01quartz"), -1);
	CHECK(strstr(err, "Zebra") == NULL);
	/* %00 must not cut a value short (see test_form). */
	CHECK_INT(query("id=9&name=a%00b"), -1);
	CHECK_INT(query("id=9&pass=hunter%002"), -1);
}

static int
form(const char *body)
{
	memset(err, 0, sizeof(err));
	return input_form(body, fields, K__MAX, vals, err);
}

static void
test_form(void)
{
	CHECK_INT(form("id=7&name=Anna+Maria%20Berg&pass=p%40ss+word"), 0);
	CHECK_INT(vals[K_ID].num, 7);
	CHECK_STR(vals[K_NAME].text, "Anna Maria Berg");
	CHECK_STR(vals[K_PASS].text, "p@ss word");
	CHECK_INT(form("name=Zo%C3%AB&id=8"), 0);
	CHECK_STR(vals[K_NAME].text, "Zo\xc3\xab");

	/*
	 * A '%' not followed by two hex digits stays as it is, as in the
	 * WHATWG urlencoded parser (and so in every browser).
	 */
	CHECK_INT(form("id=7&name=50%zz"), 0);
	CHECK_STR(vals[K_NAME].text, "50%zz");
	CHECK_INT(form("id=7%zz"), -1);
	CHECK(strstr(err, "id") != NULL);

	/* Malformed as a whole. */
	CHECK_INT(form("id"), -1);
	CHECK_INT(form("=7"), -1);
	CHECK_INT(form("id=7&&name=x"), -1);

	/* Twice, missing, empty optional, as for queries. */
	CHECK_INT(form("id=7&id=8"), -1);
	CHECK_INT(form(""), -1);
	CHECK(strstr(err, "id") != NULL);
	CHECK_INT(form("id=9&name="), 0);
	CHECK_INT(vals[K_NAME].present, 0);

	/*
	 * %00 decodes to a NUL: the value must be refused, not cut short at
	 * it (a password "hunter\0 2" must not become "hunter"), as
	 * input_json refuses "\u0000".
	 */
	CHECK_INT(form("id=9&name=a%00b"), -1);
	CHECK_INT(form("id=9&pass=hunter%002"), -1);
}

static void
test_has_nul(void)
{
	CHECK_INT(input_has_nul("a%00b"), 1);
	CHECK_INT(input_has_nul("%00"), 1);
	CHECK_INT(input_has_nul("id=1&pass=x%000"), 1);
	CHECK_INT(input_has_nul("a%%00"), 1);
	CHECK_INT(input_has_nul(""), 0);
	CHECK_INT(input_has_nul("a=b&c=d"), 0);
	CHECK_INT(input_has_nul("a%2500"), 0);		/* the text "%00" */
	CHECK_INT(input_has_nul("a%0"), 0);
	CHECK_INT(input_has_nul("a%"), 0);
	CHECK_INT(input_has_nul("a%01b%20c"), 0);
}

static void
test_wipe(void)
{
	struct input_value	 v[3];
	const unsigned char	*p = (const unsigned char *)v;
	size_t			 i, nonzero = 0;

	memset(v, 0xa5, sizeof(v));
	strcpy(v[1].text, "correct horse battery staple");
	v[2].present = 1;
	v[2].num = 123;
	input_wipe(v, NELEM(v));
	for (i = 0; i < sizeof(v); i++)
		nonzero += p[i] != 0;
	CHECK_INT(nonzero, 0);

	/* After a real parse. */
	CHECK_INT(form("id=9&pass=s3cret"), 0);
	input_wipe(vals, K__MAX);
	p = (const unsigned char *)vals;
	nonzero = 0;
	for (i = 0; i < sizeof(vals); i++)
		nonzero += p[i] != 0;
	CHECK_INT(nonzero, 0);

	/* n counts values: the one after is left alone. */
	memset(v, 0xa5, sizeof(v));
	input_wipe(v, 2);
	CHECK_INT(v[1].text[0], 0);
	CHECK_INT((unsigned char)v[2].text[0], 0xa5);
}

int
main(void)
{
	test_json_valid();
	test_json_refused();
	test_query();
	test_form();
	test_has_nul();
	test_wipe();
	return check_done();
}
