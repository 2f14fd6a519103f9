/*
 * routes: the one table of what saferoomd answers (STYLE.md habit 9): each
 * row a method, a path (exact, or a prefix ending in '*'), who may call it,
 * how it answers, and its handler. Adding a route is adding a row.
 */
#ifndef SAFEROOM_ROUTES_H
#define SAFEROOM_ROUTES_H

#include <stddef.h>

struct http_req;

typedef void	(*route_handler)(struct http_req *);

enum route_flags {
	ROUTE_API = 1 << 0,	/* JSON in and out, JSON errors */
	ROUTE_PAGE = 1 << 1,	/* HTML for browsers */
	ROUTE_PUBLIC_CACHE = 1 << 2,	/* may be cached (static assets) */
};

struct route {
	int		 method;	/* EVHTTP_REQ_GET, ... */
	const char	*path;
	unsigned	 roles;		/* 0: anyone; else STAFF role bits */
	unsigned	 flags;
	route_handler	 handler;
};

/*
 * The route for method and path. NULL when nothing matches; then *allowed
 * holds the methods the path does answer to (0: no such path), for 405.
 */
const struct route *routes_match(int method, const char *path,
	    unsigned *allowed);

/* "GET, POST" for a set of EVHTTP_REQ_* bits. */
void	routes_allow_header(unsigned methods, char *out, size_t outsz);

#endif
