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
 *    flight (up to the shutdown grace), close the databases;
 *  - the key file: read again on SIGHUP and whenever a look every
 *    HTTP_TICK_SECONDS finds it changed (saferoomctl keys rotate), and
 *    swapped in without a restart. A file that does not load is logged and
 *    the keys in use stay.
 *
 * A handler gets a struct http_req and must end it with exactly one of the
 * http_reply* / http_error calls, now or later from a pool done function;
 * that call frees the request, so the handler must not touch it afterwards.
 */
#ifndef SAFEROOM_HTTP_H
#define SAFEROOM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "saferoom/store.h"

/*
 * evhttp's own cut-off. Between the configured body limit and this, we
 * answer 413 as JSON; past it libevent 2.1 answers a bare 413 itself (it
 * has no hook before the body is read). Kept small: it is memory per
 * connection.
 */
#define HTTP_BODY_HARD_MAX	(256 * 1024)
#define HTTP_ERR_MAX		512

struct auth_session;
struct config;
struct evbuffer;
struct event_base;
struct evhttp_request;
struct http_server;
struct keys;
struct stat;
struct pool;
struct pool_inbox;
struct ratelimit;
struct route;
struct ssl_ctx_st;
struct web_var;

/* What a handler may use: one per event-loop thread, touched by that thread only. */
struct http_ctx {
	struct store		 store;
	const struct keys	*keys;		/* read it anew in each callback:
						   a key reload swaps it between two */
	struct pool		*pool;
	struct pool_inbox	*inbox;
	const struct config	*conf;
	struct ratelimit	*limits;	/* shared by all loops, locked */
};

/* One request, from its dispatch to its answer. */
struct http_req {
	struct evhttp_request	*ev;
	struct http_ctx		*ctx;
	const struct route	*route;
	int			 method;	/* EVHTTP_REQ_* */
	int			 api;		/* under /api/: JSON errors */
	const char		*path;		/* as sent, without the query */
	const char		*query_raw;	/* as sent, or NULL */
	struct evkeyvalq	 query;		/* parsed query string */
	const char		*body;		/* NUL-terminated copy, or NULL */
	size_t			 body_len;
	struct auth_session	*session;	/* signed-in staff, or NULL */
};

/*
 * Bind and listen on listen_at ("HOST:PORT", port 0 picks one): the one
 * step that may need root (a port below 1024), so it comes apart from
 * http_server_new() and before saferoomd drops root (priv.h). Returns the
 * socket with "https://HOST:PORT" as bound in url, or -1 with err set.
 */
#define HTTP_URL_MAX		300
int	http_listen(const char *listen_at, char url[HTTP_URL_MAX],
	    char err[HTTP_ERR_MAX]);

/*
 * Make the server on fd from http_listen() (url as it gave): open one
 * store per loop thread, prepare TLS. fd and keys (loaded from
 * keys_path(conf->db), keys_st the stat the load gave) become the
 * server's, also when this fails: a reload replaces and frees keys.
 * Takes no ownership of the other arguments. Returns NULL with a sentence
 * in err (database unopenable).
 */
struct http_server *http_server_new(const struct config *conf,
	    struct ssl_ctx_st *ssl, struct keys *keys,
	    const struct stat *keys_st, struct pool *pool, int fd,
	    const char *url, char err[HTTP_ERR_MAX]);

/*
 * Run tick on the first loop thread every HTTP_TICK_SECONDS (housekeeping
 * such as releasing unpaid holds), with that loop's context.
 */
#define HTTP_TICK_SECONDS	60
/* A key file that keeps failing to load: retried each tick, told this often. */
#define HTTP_KEYS_WARN_SECONDS	600
int	http_server_tick(struct http_server *, void (*tick)(struct http_ctx *));

/* "https://HOST:PORT" as bound (port 0 resolved). */
const char *http_server_url(const struct http_server *);

/*
 * Run the loop threads until SIGTERM or SIGINT, then stop cleanly; reload
 * the key file on SIGHUP.
 * Returns 0, or -1 if a thread could not start.
 */
int	http_server_run(struct http_server *);

/*
 * For a test that runs the first loop on its own thread instead of calling
 * http_server_run() (the request fuzzer, tests/fuzz/fixture.c): that loop's
 * event base, and whether it still owes an answer to a request it has
 * dispatched (a handler or a pool job is still at work). saferoomd uses
 * neither.
 */
struct event_base *http_server_base(struct http_server *);
int	http_server_busy(const struct http_server *);

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

/*
 * A failure of ours (status 500) whose cause was the database running out
 * of room or being locked by another process (store.h store_fault): such a
 * failure is transient and its transaction was rolled back, so it is
 * answered 503 "unavailable" with Retry-After and HTTP_STORAGE_MESSAGE
 * instead, and logged once with the fault's name (no client data).
 * Returns 1 when that is so (the header is set, the line logged), else 0.
 * http_error() applies it, and so do error pages with a message of their
 * own (staffpages.c); http_reply() applies it last to any 500, so a page
 * that said only "something went wrong" still goes out as a 503.
 */
#define HTTP_STORAGE_MESSAGE	"Nothing could be saved just now: the " \
	"server's storage is full or busy. Nothing was changed; please try " \
	"again in a few minutes."
int	http_storage_fault(struct http_req *req, int status);

/*
 * A keyed hash of the client's address with a purpose label, for rate
 * limits in memory. The address itself is never kept. 0 if unknown.
 */
uint64_t http_client_key(struct http_req *req, const char *label);

/* Add a header to the answer (before one of the reply calls). */
void	http_set_header(struct http_req *req, const char *name,
	    const char *value);

/*
 * The value of cookie name into out. Returns 0, or -1 when there is no such
 * cookie or it does not fit. Cookie values are never logged.
 */
int	http_cookie(struct http_req *req, const char *name, char *out,
	    size_t outsz);

/*
 * Set a cookie the way every saferoom cookie is set: Secure, HttpOnly,
 * SameSite=Strict, Path=/ (so a "__Host-" name is accepted by browsers).
 * max_age 0 deletes it.
 */
void	http_set_cookie(struct http_req *req, const char *name,
	    const char *value, long max_age);

/* Answer 303 See Other to a local path. Frees req like the other answers. */
int	http_redirect(struct http_req *req, const char *path);

/* A request header, or NULL. */
const char *http_header(struct http_req *req, const char *name);

/*
 * Run work(arg) on the pool and then done(arg) on this loop. Returns 0; or,
 * when the queue is full, answers 503 with Retry-After itself and returns
 * -1 (arg still belongs to the caller).
 */
int	http_submit(struct http_req *req, void (*work)(void *),
	    void (*done)(void *), void *arg);

/* The practice's name from settings, for pages. */
void	http_practice_name(struct http_req *req, char *out, size_t outsz);

#endif
