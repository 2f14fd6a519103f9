/*
 * fuzz_cookie: the cookies and CSRF tokens a browser sends back. Two ways:
 *
 *  - alone: http_cookie() (server/http.c) picks a cookie out of a Cookie
 *    header on a bare evhttp request, for the staff session's name, the
 *    manage cookie's and others, into buffers of several sizes; the staff
 *    session's value is then read as auth.c does (64 hex digits);
 *  - in place: the same header on a real request to the fixture's server
 *    (fixture.h), so that auth_check (session lookup, timeouts, roles,
 *    CSRF) and the manage cookie's MAC and expiry check in pages.c run on
 *    it. Two of the templates take the fuzzed text as the CSRF token of a
 *    valid session instead, in the form field and in the header.
 *
 * The first byte picks the request; the rest, up to a line end or NUL, is
 * the cookie header (or the token).
 *
 * Properties: a cookie found fits its buffer, holds no ';' and stands in
 * the header as "name=value"; a session id read from hex writes back as the
 * same hex; the server never answers 500.
 */
#include <ctype.h>

#include <event2/http.h>

#include "saferoom/auth.h"
#include "saferoom/http.h"
#include "saferoom/util.h"

#include "fixture.h"
#include "fuzz.h"

static const char *const names[] = {
	AUTH_COOKIE, "__Host-saferoom-manage", "a", "csrf",
};
static const size_t sizes[] = { 1, 2, 33, 65, 66, 128, 4096 };

enum what { COOKIE, FORM_CSRF, HEADER_CSRF };

static const struct {
	enum what	 what;
	const char	*head;		/* before the fuzzed text */
	const char	*body;		/* after the headers, or NULL */
} templates[] = {
	{ COOKIE, "GET /staff HTTP/1.1\r\nHost: localhost\r\nCookie: ", NULL },
	{ COOKIE, "GET /api/v1/staff/me HTTP/1.1\r\nHost: localhost\r\n"
	    "Cookie: ", NULL },
	{ COOKIE, "GET /manage/booking HTTP/1.1\r\nHost: localhost\r\n"
	    "Cookie: ", NULL },
	{ COOKIE, "GET /manage/receipt HTTP/1.1\r\nHost: localhost\r\n"
	    "Cookie: ", NULL },
	{ COOKIE, "GET /staff/desk HTTP/1.1\r\nHost: localhost\r\nCookie: ",
	    NULL },
	{ COOKIE, "GET /api/v1/staff/hours HTTP/1.1\r\nHost: localhost\r\n"
	    "Cookie: ", NULL },
	{ FORM_CSRF, "POST /staff/hours/delete HTTP/1.1\r\nHost: localhost\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n", "id=1&csrf=" },
	{ HEADER_CSRF, "POST /api/v1/staff/hours/delete HTTP/1.1\r\n"
	    "Host: localhost\r\nContent-Type: application/json\r\n",
	    "{\"id\":1}" },
};
#define NTEMPLATES	(sizeof(templates) / sizeof(templates[0]))

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fixture_server_start();
	return 0;
}

/* http_cookie on a bare request with this Cookie header. */
static void
alone(const char *header)
{
	struct evhttp_request	*ev;
	struct http_req		 req;
	char			*out, want[600];
	uint8_t			 id[AUTH_ID_LEN];
	char			 hex[2 * AUTH_ID_LEN + 1];
	size_t			 i, j, k;

	if ((ev = evhttp_request_new(NULL, NULL)) == NULL)
		abort();
	if (evhttp_add_header(evhttp_request_get_input_headers(ev), "Cookie",
	    header) == -1) {
		evhttp_request_free(ev);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.ev = ev;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			if ((out = malloc(sizes[j])) == NULL)
				abort();
			if (http_cookie(&req, names[i], out, sizes[j]) == 0) {
				FUZZ_ASSERT(strlen(out) < sizes[j]);
				FUZZ_ASSERT(strchr(out, ';') == NULL);
				if (strlen(out) < 500) {
					snprintf(want, sizeof(want), "%s=%s",
					    names[i], out);
					FUZZ_ASSERT(strstr(header, want) != NULL);
				}
				/* As auth_cookie_id reads the session id. */
				if (i == 0 && util_unhex(out, id, sizeof(id)) == 0) {
					util_hex(id, sizeof(id), hex);
					for (k = 0; k < sizeof(hex) - 1; k++)
						FUZZ_ASSERT(hex[k] ==
						    tolower((unsigned char)out[k]));
					FUZZ_ASSERT(out[k] == '\0');
				}
			}
			free(out);
		}
	evhttp_request_free(ev);
}

/* The same text in place, in a request to the server. */
static void
in_place(uint8_t pick, const char *text)
{
	struct fixture_reply	 r;
	char			 admin[65], csrf[65], *req, *body;
	size_t			 len;
	int			 n;

	pick %= NTEMPLATES;
	fixture_session_hex(FIXTURE_ADMIN, admin);
	fixture_csrf(FIXTURE_ADMIN, csrf);
	len = strlen(text) + 1024;
	if ((req = malloc(len)) == NULL || (body = malloc(len)) == NULL)
		abort();
	switch (templates[pick].what) {
	case COOKIE:
		n = snprintf(req, len, "%s%s\r\n\r\n", templates[pick].head, text);
		break;
	case FORM_CSRF:
		snprintf(body, len, "%s%s", templates[pick].body, text);
		n = snprintf(req, len, "%sCookie: %s=%s\r\nContent-Length: %zu"
		    "\r\n\r\n%s", templates[pick].head, AUTH_COOKIE, admin,
		    strlen(body), body);
		break;
	case HEADER_CSRF:
	default:
		n = snprintf(req, len, "%sCookie: %s=%s\r\nX-CSRF-Token: %s\r\n"
		    "Content-Length: %zu\r\n\r\n%s", templates[pick].head,
		    AUTH_COOKIE, admin, text, strlen(templates[pick].body),
		    templates[pick].body);
		break;
	}
	FUZZ_ASSERT(n > 0 && (size_t)n < len);
	fixture_exchange((const uint8_t *)req, (size_t)n, &r);
	if (getenv("FUZZ_SHOW") != NULL)
		fprintf(stderr, "--- %s\n--- %zu bytes back:\n%.300s\n---\n",
		    req, r.len, r.head);
	FUZZ_ASSERT(r.status != 500);
	free(body);
	free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text;

	if (size == 0)
		return 0;
	text = fuzz_cstr(data + 1, size - 1);
	text[strcspn(text, "\r\n")] = '\0';
	alone(text);
	in_place(data[0], text);
	free(text);
	return 0;
}
