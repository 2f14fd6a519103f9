/*
 * http: saferoomd's HTTPS server on libevent's evhttp over
 * bufferevent_openssl, with several event-loop threads sharing one
 * listening socket. It owns everything between the socket and a handler:
 *
 *  - limits: header and body size (413 past the body limit), an idle
 *    timeout, an absolute deadline for a client to send a whole request and
 *    read the answer, a cap on open connections in all and per client
 *    address (counted in memory under a keyed hash, never written);
 *  - routing through the table in routes.c (method, path, handler, roles);
 *  - the answer's security headers (HSTS, CSP, no-referrer, nosniff, DENY,
 *    no-store on anything private), added in one place;
 *  - errors as JSON under /api/ ({"error": {"code", "message"}}) and as a
 *    plain HTML page elsewhere;
 *  - a clean stop on SIGTERM/SIGINT: stop accepting, finish requests in
 *    flight (up to the shutdown grace), close the databases.
 *
 * A handler gets a struct http_req and must end it with exactly one of the
 * http_reply* / http_error calls, now or later from a pool done function;
 * that call frees the request, so the handler must not touch it afterwards.
 */
#ifndef SAFEROOM_HTTP_H
#define SAFEROOM_HTTP_H

#include <stddef.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "saferoom/store.h"

#define HTTP_BODY_HARD_MAX	(1024 * 1024)	/* evhttp's own cut-off */
#define HTTP_ERR_MAX		512

struct config;
struct evbuffer;
struct evhttp_request;
struct http_server;
struct keys;
struct pool;
struct pool_inbox;
struct route;
struct ssl_ctx_st;
struct web_var;

/* What a handler may use: one per event-loop thread, touched by that thread only. */
struct http_ctx {
	struct store		 store;
	const struct keys	*keys;
	struct pool		*pool;
	struct pool_inbox	*inbox;
	const struct config	*conf;
};

/* One request, from its dispatch to its answer. */
struct http_req {
	struct evhttp_request	*ev;
	struct http_ctx		*ctx;
	const struct route	*route;
	int			 method;	/* EVHTTP_REQ_* */
	int			 api;		/* under /api/: JSON errors */
	const char		*path;		/* as sent, without the query */
	struct evkeyvalq	 query;		/* parsed query string */
	const char		*body;		/* NUL-terminated copy, or NULL */
	size_t			 body_len;
};

/*
 * Make the server: bind conf->listen, open one store per loop thread,
 * prepare TLS. Takes no ownership of its arguments. Returns NULL with a
 * sentence in err (bad address, port in use, database unopenable).
 */
struct http_server *http_server_new(const struct config *conf,
	    struct ssl_ctx_st *ssl, const struct keys *keys, struct pool *pool,
	    char err[HTTP_ERR_MAX]);

/* "https://HOST:PORT" as bound (port 0 resolved). */
const char *http_server_url(const struct http_server *);

/*
 * Run the loop threads until SIGTERM or SIGINT, then stop cleanly.
 * Returns 0, or -1 if a thread could not start.
 */
int	http_server_run(struct http_server *);

/* Free everything http_server_new() made. NULL is accepted. */
void	http_server_free(struct http_server *);

/*
 * Answers. Each sends the status with the security headers, frees req and
 * returns 0 (-1 if sending failed, req freed all the same). http_error
 * returns -1 always, so a caller can "return http_error(...)".
 */
int	http_reply(struct http_req *req, int status, const char *ctype,
	    struct evbuffer *body);		/* body emptied, not freed */
int	http_reply_json(struct http_req *req, int status, json_t *json);
					/* steals the reference to json */
int	http_reply_page(struct http_req *req, int status, const char *title,
	    const char *tmpl, const struct web_var *vars, size_t nvars);
int	http_error(struct http_req *req, int status, const char *code,
	    const char *message);

/* The practice's name from settings, for pages. */
void	http_practice_name(struct http_req *req, char *out, size_t outsz);

#endif
