/*
 * Unit test of server/routes.c against include/saferoom/routes.h: exact
 * and prefix matches, HEAD answered by a GET route, the allowed methods
 * for a 405 when the path exists but the method does not, nothing for an
 * unknown path, and the text of the Allow header.
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "saferoom/catalog.h"
#include "saferoom/routes.h"
#include "saferoom/store.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

#include "check.h"

#define GET_HEAD	((unsigned)(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD))

static void
test_exact(void)
{
	const struct route	*r;
	unsigned		 allowed;

	allowed = 12345;
	r = routes_match(EVHTTP_REQ_GET, "/api/v1/services", &allowed);
	if (CHECK(r != NULL)) {
		CHECK_STR(r->path, "/api/v1/services");
		CHECK_INT(r->method, EVHTTP_REQ_GET);
		CHECK(r->handler == catalog_services);
		CHECK(r->flags & ROUTE_API);
		CHECK(!(r->flags & ROUTE_PAGE));
		CHECK_INT(r->roles, 0);
	}

	/* HEAD is answered by the GET route. */
	CHECK(routes_match(EVHTTP_REQ_HEAD, "/api/v1/services", &allowed) == r);

	r = routes_match(EVHTTP_REQ_GET, "/api/v1/therapists", &allowed);
	if (CHECK(r != NULL))
		CHECK(r->handler == catalog_therapists);
	r = routes_match(EVHTTP_REQ_GET, "/", &allowed);
	if (CHECK(r != NULL)) {
		CHECK(r->handler == catalog_home);
		CHECK(r->flags & ROUTE_PAGE);
	}
}

static void
test_method_not_allowed(void)
{
	static const int methods[] = {
		EVHTTP_REQ_POST, EVHTTP_REQ_PUT, EVHTTP_REQ_DELETE,
		EVHTTP_REQ_PATCH, EVHTTP_REQ_OPTIONS,
	};
	unsigned	 allowed;
	size_t		 i;

	for (i = 0; i < NELEM(methods); i++) {
		allowed = 0;
		CHECK(routes_match(methods[i], "/api/v1/services",
		    &allowed) == NULL);
		CHECK_INT(allowed, GET_HEAD);
		allowed = 0;
		CHECK(routes_match(methods[i], "/", &allowed) == NULL);
		CHECK_INT(allowed, GET_HEAD);
		allowed = 0;
		CHECK(routes_match(methods[i], "/static/style.css",
		    &allowed) == NULL);
		CHECK_INT(allowed, GET_HEAD);
	}
}

static void
test_unknown(void)
{
	static const char *const paths[] = {
		"/nope", "", "/api/v1/services/", "/api/v1/servicesX",
		"/api/v1/service", "/API/v1/services", "/api/v1/services?x=1",
		"/api/v1", "//", "/static", "/staticx/style.css", "static/x",
		"/api/v2/services",
	};
	unsigned	 allowed;
	size_t		 i;

	for (i = 0; i < NELEM(paths); i++) {
		allowed = 12345;
		if (!CHECK(routes_match(EVHTTP_REQ_GET, paths[i], &allowed) ==
		    NULL) || !CHECK_INT(allowed, 0))
			fprintf(stderr, "\tpath \"%s\"\n", paths[i]);
		allowed = 12345;
		CHECK(routes_match(EVHTTP_REQ_POST, paths[i], &allowed) == NULL);
		CHECK_INT(allowed, 0);
	}
}

static void
test_prefix(void)
{
	const struct route	*r;
	unsigned		 allowed;

	r = routes_match(EVHTTP_REQ_GET, "/static/style.css", &allowed);
	if (CHECK(r != NULL)) {
		CHECK_STR(r->path, "/static/*");
		CHECK(r->handler == web_static);
		CHECK(r->flags & ROUTE_PUBLIC_CACHE);
	}
	/* Whatever follows the prefix is web_static's to judge. */
	CHECK(routes_match(EVHTTP_REQ_GET, "/static/", &allowed) == r);
	CHECK(routes_match(EVHTTP_REQ_GET, "/static/no-such.js", &allowed) == r);
	CHECK(routes_match(EVHTTP_REQ_HEAD, "/static/style.css", &allowed) == r);

	/* Only the static prefix may be cached by others. */
	CHECK(!(routes_match(EVHTTP_REQ_GET, "/", &allowed)->flags &
	    ROUTE_PUBLIC_CACHE));
	CHECK(!(routes_match(EVHTTP_REQ_GET, "/api/v1/services",
	    &allowed)->flags & ROUTE_PUBLIC_CACHE));
}

static void
test_allow_header(void)
{
	char	 out[128], small[8];

	routes_allow_header(GET_HEAD, out, sizeof(out));
	CHECK_STR(out, "GET, HEAD");
	routes_allow_header(EVHTTP_REQ_GET, out, sizeof(out));
	CHECK_STR(out, "GET");
	routes_allow_header(EVHTTP_REQ_POST | EVHTTP_REQ_GET, out, sizeof(out));
	CHECK_STR(out, "GET, POST");
	routes_allow_header(EVHTTP_REQ_DELETE, out, sizeof(out));
	CHECK_STR(out, "DELETE");
	routes_allow_header(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_OPTIONS, out, sizeof(out));
	CHECK_STR(out, "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
	memset(out, 'X', sizeof(out));
	routes_allow_header(0, out, sizeof(out));
	CHECK_STR(out, "");

	/* From routes_match straight to the header. */
	{
		unsigned	 allowed = 0;

		(void)routes_match(EVHTTP_REQ_POST, "/api/v1/services",
		    &allowed);
		routes_allow_header(allowed, out, sizeof(out));
		CHECK_STR(out, "GET, HEAD");
	}

	/* A buffer too small: cut short, terminated, nothing written past. */
	memset(out, 'X', sizeof(out));
	routes_allow_header(GET_HEAD | EVHTTP_REQ_POST, out, sizeof(small));
	CHECK(memchr(out, '\0', sizeof(small)) != NULL);
	CHECK(strncmp(out, "GET", 3) == 0);
	CHECK(out[sizeof(small)] == 'X');
	memset(out, 'X', sizeof(out));
	routes_allow_header(GET_HEAD, out, 1);
	CHECK(out[0] == '\0');
	CHECK(out[1] == 'X');
}

/*
 * The permission table: who may call each staff route (issue 4). A change
 * to the roles column of routes.c must be a change to this table too.
 */
static void
test_permissions(void)
{
	static const struct {
		int		 method;
		const char	*path;
		unsigned	 roles;
	} want[] = {
		{ EVHTTP_REQ_POST, "/api/v1/staff/login", 0 },
		{ EVHTTP_REQ_POST, "/api/v1/staff/logout",
		    ROLE_ADMIN | ROLE_THERAPIST | ROLE_DESK },
		{ EVHTTP_REQ_GET, "/api/v1/staff/calendar",
		    ROLE_ADMIN | ROLE_THERAPIST | ROLE_DESK },
		{ EVHTTP_REQ_POST, "/api/v1/staff/checkin", ROLE_ADMIN | ROLE_DESK },
		{ EVHTTP_REQ_POST, "/api/v1/staff/noshow", ROLE_ADMIN | ROLE_DESK },
		{ EVHTTP_REQ_POST, "/api/v1/staff/cancel",
		    ROLE_ADMIN | ROLE_THERAPIST | ROLE_DESK },
		{ EVHTTP_REQ_GET, "/api/v1/staff/hours",
		    ROLE_ADMIN | ROLE_THERAPIST },
		{ EVHTTP_REQ_POST, "/api/v1/staff/hours",
		    ROLE_ADMIN | ROLE_THERAPIST },
		{ EVHTTP_REQ_POST, "/api/v1/staff/feed", ROLE_THERAPIST },
		{ EVHTTP_REQ_GET, "/api/v1/staff/audit", ROLE_ADMIN },
		{ EVHTTP_REQ_POST, "/api/v1/staff/accounts/reset", ROLE_ADMIN },
		{ EVHTTP_REQ_POST, "/api/v1/staff/accounts/disable", ROLE_ADMIN },
		/* The client's routes need no staff session. */
		{ EVHTTP_REQ_POST, "/api/v1/bookings", 0 },
		{ EVHTTP_REQ_GET, "/api/v1/booking", 0 },
		{ EVHTTP_REQ_GET, "/", 0 },
	};
	const struct route	*r;
	unsigned		 allowed;
	size_t			 i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r = routes_match(want[i].method, want[i].path, &allowed);
		if (!CHECK(r != NULL)) {
			fprintf(stderr, "\tno route %s\n", want[i].path);
			continue;
		}
		if (!CHECK_INT(r->roles, want[i].roles))
			fprintf(stderr, "\troles of %s\n", want[i].path);
	}
}

int
main(void)
{
	test_permissions();
	test_exact();
	test_method_not_allowed();
	test_unknown();
	test_prefix();
	test_allow_header();
	return check_done();
}
