/*
 * http: the HTTPS server of saferoomd. The contract is in
 * include/saferoom/http.h; DESIGN.md "Shape" draws where it sits.
 *
 * libevent 2.1's evhttp has no cap on connections and only idle timeouts,
 * so a client trickling a byte at a time would never be cut off. We add:
 *  - a per-connection record (struct http_conn) hung on the SSL object as
 *    ex_data, so it is made when evhttp asks us for a bufferevent and freed
 *    by OpenSSL's ex_data free callback exactly when the connection goes;
 *  - a deadline timer per connection, armed while the client owes us a
 *    request (or is reading our answer) and stopped while a handler works;
 *    when it fires we shut the socket down and evhttp closes as on EOF;
 *  - a cap per loop thread (stop accepting when full) and a cap per client
 *    address, checked in the TLS ClientHello callback, kept in memory as a
 *    keyed hash of the address.
 *
 * Key pick-up. The main thread re-reads the key file on SIGHUP and when a
 * look every HTTP_TICK_SECONDS finds it replaced, and publishes the new
 * set; each loop thread then switches its ctx.keys itself, between two of
 * its callbacks, so no handler ever sees the keys change under it. Keys
 * are only used on loop threads (pool work never touches them), so a set
 * no loop uses any more, and that is not the newest, is wiped and freed.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "saferoom/auth.h"
#include "saferoom/config.h"
#include "saferoom/http.h"
#include "saferoom/input.h"
#include "saferoom/keys.h"
#include "saferoom/log.h"
#include "saferoom/pool.h"
#include "saferoom/ratelimit.h"
#include "saferoom/routes.h"
#include "saferoom/settings.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

#define HTTP_BACKLOG		511
#define HTTP_ADDR_BUCKETS	1024
#define HTTP_DRAIN_TICK_MS	50
#define HTTP_RETRY_AFTER	"2"

/* Sent with every answer, errors included (DESIGN.md invariant 4). */
static const struct {
	const char	*name;
	const char	*value;
} http_security_headers[] = {
	{ "Strict-Transport-Security", "max-age=63072000; includeSubDomains" },
	{ "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
	{ "Permissions-Policy", "camera=(self), geolocation=(), microphone=()" },
};

/* Status lines we send, and the error code a bare status maps to. */
static const struct {
	int		 status;
	const char	*reason;
	const char	*code;
} http_statuses[] = {
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 204, "No Content", NULL },
	{ 303, "See Other", NULL },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 409, "Conflict", "conflict" },
	{ 410, "Gone", "gone" },
	{ 413, "Payload Too Large", "payload_too_large" },
	{ 429, "Too Many Requests", "too_many_requests" },
	{ 500, "Internal Server Error", "internal_error" },
	{ 503, "Service Unavailable", "unavailable" },
};

struct http_addr {
	struct http_addr	*next;
	uint64_t		 key;
	unsigned		 count;
};

/* A loaded key set and how many loops use it (under keys_lock). */
struct http_keyset {
	struct http_keyset	*next;		/* older */
	struct keys		*keys;
	unsigned		 users;
};

struct http_loop {
	struct http_ctx		 ctx;		/* first: handlers see only this */
	struct http_server	*srv;
	struct http_keyset	*keyset;	/* ctx.keys's; this thread's only */
	struct event		*keys_ev;	/* main thread: take the newest */
	struct event_base	*base;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct event		*stop_ev;
	struct event		*drain_ev;
	struct event		*tick_ev;
	void			(*tick)(struct http_ctx *);
	pthread_t		 thread;
	int			 started;
	unsigned		 nconns;	/* open connections of this loop */
	unsigned		 conn_cap;
	unsigned		 inflight;	/* dispatched, not yet answered */
	int			 paused;	/* listener off: at conn_cap */
	int			 stopping;
	struct timespec		 stop_at;
};

struct http_server {
	const struct config	*conf;
	SSL_CTX			*ssl;
	pthread_mutex_t		 keys_lock;	/* guards keysets and users */
	struct http_keyset	*keysets;	/* newest first */
	char			 keys_path[CONFIG_PATH_MAX + 8];
	struct stat		 keys_seen;	/* the file the keys in use are */
	time_t			 keys_stale_since; /* a newer file fails to load */
	time_t			 keys_warned;	/* the last warning about it */
	struct pool		*pool;
	evutil_socket_t		 fd;
	char			 url[HTTP_URL_MAX];
	unsigned		 nloops;
	struct http_loop	*loops;
	struct ratelimit	*limits;
	pthread_mutex_t		 addr_lock;	/* guards addrs */
	struct http_addr	*addrs[HTTP_ADDR_BUCKETS];
};

struct http_conn {
	struct http_loop	*loop;
	struct bufferevent	*bev;
	struct event		*deadline;
	uint64_t		 addr_key;
	int			 addr_counted;
};

static int		 http_conn_idx = -1;	/* SSL ex_data slot, set once */
static pthread_once_t	 http_conn_once = PTHREAD_ONCE_INIT;

/* ---- connection records ------------------------------------------------ */

static void
http_addr_release(struct http_server *srv, uint64_t key)
{
	struct http_addr	**pp, *a;

	pthread_mutex_lock(&srv->addr_lock);
	for (pp = &srv->addrs[key % HTTP_ADDR_BUCKETS]; (a = *pp) != NULL;
	    pp = &a->next) {
		if (a->key != key)
			continue;
		if (--a->count == 0) {
			*pp = a->next;
			free(a);
		}
		break;
	}
	pthread_mutex_unlock(&srv->addr_lock);
}

/* Count one more connection from key. Returns 0, or -1 over the cap. */
static int
http_addr_acquire(struct http_server *srv, uint64_t key)
{
	struct http_addr	*a;
	int			 rc = 0;

	pthread_mutex_lock(&srv->addr_lock);
	for (a = srv->addrs[key % HTTP_ADDR_BUCKETS]; a != NULL; a = a->next)
		if (a->key == key)
			break;
	if (a == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL) {
			rc = -1;
			goto done;
		}
		a->key = key;
		a->next = srv->addrs[key % HTTP_ADDR_BUCKETS];
		srv->addrs[key % HTTP_ADDR_BUCKETS] = a;
	}
	if (a->count >= srv->conf->max_connections_per_address)
		rc = -1;
	else
		a->count++;
done:
	pthread_mutex_unlock(&srv->addr_lock);
	return rc;
}

/* OpenSSL calls this when the SSL object of a connection is freed. */
static void
http_conn_exfree(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct http_conn	*conn = ptr;
	struct http_loop	*loop;

	if (conn == NULL)
		return;
	loop = conn->loop;
	if (conn->addr_counted)
		http_addr_release(loop->srv, conn->addr_key);
	if (conn->deadline != NULL)
		event_free(conn->deadline);
	loop->nconns--;
	if (loop->paused && !loop->stopping && loop->nconns < loop->conn_cap) {
		evconnlistener_enable(evhttp_bound_socket_get_listener(loop->bound));
		loop->paused = 0;
	}
	free(conn);
}

static void
http_conn_init_once(void)
{
	http_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    http_conn_exfree);
}

static struct http_conn *
http_conn_of(struct evhttp_request *ev)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	SSL				*ssl;

	if ((evcon = evhttp_request_get_connection(ev)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return NULL;
	return SSL_get_ex_data(ssl, http_conn_idx);
}

static void
http_conn_arm(struct http_conn *conn)
{
	struct timeval	 tv = { (time_t)conn->loop->srv->conf->request_timeout, 0 };

	evtimer_add(conn->deadline, &tv);
}

/* The client took too long to send a request or read our answer. */
static void
http_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn	*conn = arg;
	evutil_socket_t		 s = bufferevent_getfd(conn->bev);

	log_debug("http", "request deadline passed; closing the connection");
	if (s != -1)
		(void)shutdown(s, SHUT_RDWR);
}

/*
 * TLS ClientHello: the first moment the socket is known, so the place to
 * count connections per client address. The address is reduced to a keyed
 * hash at once (IPv6 by its /64) and never stored or logged.
 */
static int
http_client_hello(SSL *ssl, int *alert, void *arg)
{
	struct http_server	*srv = arg;
	struct http_conn	*conn = SSL_get_ex_data(ssl, http_conn_idx);
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	const void		*addr;
	size_t			 addrlen;
	uint8_t			 mac[32];
	int			 fd, one = 1;

	if (conn == NULL || conn->addr_counted)
		return SSL_CLIENT_HELLO_SUCCESS;
	if ((fd = SSL_get_fd(ssl)) == -1 ||
	    getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return SSL_CLIENT_HELLO_SUCCESS;
	/*
	 * Answers leave in several small TLS records; without this, Nagle's
	 * algorithm and the client's delayed ACK add ~40 ms to each one.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) {
		addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		addrlen = 8;
	} else {
		addr = &((struct sockaddr_in *)&ss)->sin_addr;
		addrlen = 4;
	}
	keys_mac(conn->loop->ctx.keys, "conn-addr", addr, addrlen, mac);
	memcpy(&conn->addr_key, mac, sizeof(conn->addr_key));
	if (http_addr_acquire(srv, conn->addr_key) == -1) {
		log_warnx("http", "connection refused: too many open from one "
		    "client address");
		*alert = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	conn->addr_counted = 1;
	return SSL_CLIENT_HELLO_SUCCESS;
}

/*
 * evhttp asks for the bufferevent of each accepted connection. Returning
 * NULL would make evhttp speak plain HTTP, so on failure we hand back a TLS
 * bufferevent without a record and http_dispatch refuses to serve it.
 */
static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct http_loop	*loop = arg;
	struct http_conn	*conn = NULL;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(loop->srv->ssl)) == NULL)
		abort();	/* out of memory: nothing safe to answer with */
	if ((conn = calloc(1, sizeof(*conn))) != NULL) {
		conn->loop = loop;
		conn->deadline = evtimer_new(base, http_deadline_cb, conn);
		if (conn->deadline == NULL ||
		    SSL_set_ex_data(ssl, http_conn_idx, conn) != 1) {
			if (conn->deadline != NULL)
				event_free(conn->deadline);
			free(conn);
			conn = NULL;
		}
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		abort();
	if (conn != NULL) {
		conn->bev = bev;
		loop->nconns++;
		http_conn_arm(conn);
		if (loop->nconns >= loop->conn_cap && !loop->paused) {
			evconnlistener_disable(
			    evhttp_bound_socket_get_listener(loop->bound));
			loop->paused = 1;
			log_warnx("http", "connection cap reached; not accepting");
		}
	}
	return bev;
}

/* ---- answers ------------------------------------------------------------ */

static const char *
http_reason(int status)
{
	size_t	 i;

	for (i = 0; i < NELEM(http_statuses); i++)
		if (http_statuses[i].status == status)
			return http_statuses[i].reason;
	return "Error";
}

/*
 * Frees req once it is answered. The store's fault is cleared here and
 * where a callback starts (dispatch, tick), so that a fault http_error()
 * finds belongs to the callback answering (store.h).
 */
static void
http_req_free(struct http_req *req)
{
	store_fault_clear(&req->ctx->store);
	evhttp_clear_headers(&req->query);
	if (req->body != NULL)
		OPENSSL_cleanse((char *)req->body, req->body_len);
	free((char *)req->body);
	if (req->session != NULL)
		OPENSSL_cleanse(req->session, sizeof(*req->session));
	free(req->session);
	free(req);
}

int
http_reply(struct http_req *req, int status, const char *ctype,
    struct evbuffer *body)
{
	struct evhttp_request	*ev = req->ev;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(ev);
	struct http_ctx		*ctx = req->ctx;
	struct http_loop	*loop = (struct http_loop *)ctx;
	struct http_conn	*conn;
	size_t			 i;

	/* A 500 the storage caused, on a page of its handler's own making. */
	if (http_storage_fault(req, status))
		status = 503;
	for (i = 0; i < NELEM(http_security_headers); i++)
		evhttp_add_header(out, http_security_headers[i].name,
		    http_security_headers[i].value);
	if (req->route == NULL || !(req->route->flags & ROUTE_PUBLIC_CACHE))
		evhttp_add_header(out, "Cache-Control", "no-store");
	else
		evhttp_add_header(out, "Cache-Control", "public, max-age=3600");
	if (ctype != NULL)
		evhttp_add_header(out, "Content-Type", ctype);
	if (loop->stopping)
		evhttp_add_header(out, "Connection", "close");
	log_debug("http", "%s %d", req->route != NULL ? req->route->path :
	    "(no route)", status);
	if ((conn = http_conn_of(ev)) != NULL)
		http_conn_arm(conn);	/* the client must now read it */
	evhttp_send_reply(ev, status, http_reason(status), body);
	loop->inflight--;
	http_req_free(req);
	return 0;
}

int
http_reply_json(struct http_req *req, int status, json_t *json)
{
	struct evbuffer	*buf;
	char		*text;
	int		 rc;

	text = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;
	json_decref(json);
	if ((buf = evbuffer_new()) == NULL || text == NULL ||
	    evbuffer_add(buf, text, strlen(text)) == -1) {
		free(text);
		if (buf != NULL)
			evbuffer_free(buf);
		log_warnx("http", "cannot write a JSON answer (out of memory, "
		    "or text that is not UTF-8)");
		evhttp_send_error(req->ev, 500, NULL);
		((struct http_loop *)req->ctx)->inflight--;
		http_req_free(req);
		return -1;
	}
	free(text);
	rc = http_reply(req, status, "application/json", buf);
	evbuffer_free(buf);
	return rc;
}

int
http_reply_page(struct http_req *req, int status, const char *title,
    const char *tmpl, const struct web_var *vars, size_t nvars)
{
	struct evbuffer	*buf;
	char		 practice[SETTINGS_VALUE_MAX];
	int		 rc;

	http_practice_name(req, practice, sizeof(practice));
	if ((buf = evbuffer_new()) == NULL ||
	    web_page(buf, practice, title, tmpl, vars, nvars) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		if (strcmp(tmpl, "error") == 0) {
			evhttp_send_error(req->ev, 500, NULL);
			((struct http_loop *)req->ctx)->inflight--;
			http_req_free(req);
			return -1;
		}
		return http_error(req, 500, "internal_error",
		    "The page could not be made.");
	}
	rc = http_reply(req, status, "text/html; charset=utf-8", buf);
	evbuffer_free(buf);
	return rc;
}

int
http_error(struct http_req *req, int status, const char *code,
    const char *message)
{
	char	 statusline[64];

	if (http_storage_fault(req, status)) {
		status = 503;
		code = "unavailable";
		message = HTTP_STORAGE_MESSAGE;
	} else if (status >= 500)
		log_warnx("http", "%s: %d %s",
		    req->route != NULL ? req->route->path : "(no route)",
		    status, code);
	if ((status == 503 || status == 429) && evhttp_find_header(
	    evhttp_request_get_output_headers(req->ev), "Retry-After") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req->ev),
		    "Retry-After", HTTP_RETRY_AFTER);
	if (req->api) {
		(void)http_reply_json(req, status, json_pack("{s:{s:s,s:s}}",
		    "error", "code", code, "message", message));
		return -1;
	}
	snprintf(statusline, sizeof(statusline), "%d %s", status,
	    http_reason(status));
	{
		const struct web_var vars[] = {
			{ "status", statusline },
			{ "message", message },
		};

		(void)http_reply_page(req, status, statusline, "error", vars,
		    NELEM(vars));
	}
	return -1;
}

int
http_storage_fault(struct http_req *req, int status)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req->ev);
	enum store_fault	 f = store_fault(&req->ctx->store);

	if (status != 500 || f == STORE_FAULT_NONE)
		return 0;
	log_warnx("http", "%s: 503: the database is %s",
	    req->route != NULL ? req->route->path : "(no route)",
	    store_fault_name(f));
	if (evhttp_find_header(out, "Retry-After") == NULL)
		evhttp_add_header(out, "Retry-After", HTTP_RETRY_AFTER);
	return 1;
}

uint64_t
http_client_key(struct http_req *req, const char *label)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port;
	uint8_t				 mac[32], v6[16];
	uint64_t			 key;

	if ((evcon = evhttp_request_get_connection(req->ev)) == NULL)
		return 0;
	evhttp_connection_get_peer(evcon, &addr, &port);
	if (addr == NULL)
		return 0;
	/* One IPv6 client holds a whole /64: count it as one address. */
	if (inet_pton(AF_INET6, addr, v6) == 1) {
		memset(v6 + 8, 0, 8);
		keys_mac(req->ctx->keys, label, v6, sizeof(v6), mac);
	} else
		keys_mac(req->ctx->keys, label, addr, strlen(addr), mac);
	memcpy(&key, mac, sizeof(key));
	return key;
}

void
http_set_header(struct http_req *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), name,
	    value);
}

int
http_cookie(struct http_req *req, const char *name, char *out, size_t outsz)
{
	const char	*h = http_header(req, "Cookie"), *p, *end;
	size_t		 nlen = strlen(name), vlen;

	if (h == NULL)
		return -1;
	for (p = h; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		while (*p == ' ')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(end - p) - nlen - 1;
			if (vlen >= outsz)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
	}
	return -1;
}

void
http_set_cookie(struct http_req *req, const char *name, const char *value,
    long max_age)
{
	char	 buf[512];

	snprintf(buf, sizeof(buf), "%s=%s; Max-Age=%ld; Path=/; Secure; "
	    "HttpOnly; SameSite=Strict", name, max_age > 0 ? value : "",
	    max_age > 0 ? max_age : 0);
	http_set_header(req, "Set-Cookie", buf);
	OPENSSL_cleanse(buf, sizeof(buf));
}

int
http_redirect(struct http_req *req, const char *path)
{
	http_set_header(req, "Location", path);
	return http_reply(req, 303, NULL, NULL);
}

const char *
http_header(struct http_req *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req->ev),
	    name);
}

int
http_submit(struct http_req *req, void (*work)(void *), void (*done)(void *),
    void *arg)
{
	if (pool_submit(req->ctx->pool, req->ctx->inbox, work, done, arg) == 0)
		return 0;
	http_error(req, 503, "busy",
	    "The server is busy right now; please try again in a moment.");
	return -1;
}

void
http_practice_name(struct http_req *req, char *out, size_t outsz)
{
	if (settings_get(&req->ctx->store, "practice_name", out, outsz) == -1)
		snprintf(out, outsz, "%s", settings_find("practice_name")->def);
}

/* ---- dispatch ------------------------------------------------------------ */

static const char *
http_status_code(int status)
{
	size_t	 i;

	for (i = 0; i < NELEM(http_statuses); i++)
		if (http_statuses[i].status == status)
			return http_statuses[i].code;
	return "error";
}

/*
 * Does a write come from another site? Browsers say so in Sec-Fetch-Site;
 * older ones only in Origin. Our own pages send "Origin: null" (they are
 * served with Referrer-Policy: no-referrer), so null is not evidence. A
 * write with neither header (a script, a scanner app) is not a browser's
 * cross-site request. Cookies are SameSite=Strict too; this also guards the
 * forms that carry no cookie.
 */
static int
http_cross_site(struct http_req *req)
{
	const char	*site = http_header(req, "Sec-Fetch-Site");
	const char	*origin = http_header(req, "Origin");
	const char	*host = http_header(req, "Host");

	if (site != NULL)
		return strcmp(site, "cross-site") == 0;
	if (origin == NULL || strcmp(origin, "null") == 0)
		return 0;
	if (host == NULL || strncmp(origin, "https://", 8) != 0)
		return 1;
	return strcmp(origin + 8, host) != 0;
}

static void
http_dispatch(struct evhttp_request *ev, void *arg)
{
	struct http_loop	*loop = arg;
	struct http_conn	*conn;
	struct http_req		*req;
	const struct evhttp_uri	*uri;
	struct evbuffer		*in;
	const char		*query;
	char			 allow[128];
	unsigned		 allowed = 0;
	size_t			 len;

	if ((conn = http_conn_of(ev)) == NULL) {
		/* A connection we could not account for: refuse it. */
		evhttp_add_header(evhttp_request_get_output_headers(ev),
		    "Connection", "close");
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	evtimer_del(conn->deadline);	/* our turn: the client waits for us */
	if ((req = calloc(1, sizeof(*req))) == NULL) {
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	TAILQ_INIT(&req->query);
	store_fault_clear(&loop->ctx.store);
	req->ev = ev;
	req->ctx = &loop->ctx;
	req->method = evhttp_request_get_command(ev);
	loop->inflight++;

	uri = evhttp_request_get_evhttp_uri(ev);
	req->path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (req->method == EVHTTP_REQ_CONNECT) {
		req->api = 1;
		http_error(req, 405, "method_not_allowed",
		    "This server does not answer to that method.");
		return;
	}
	if (req->path == NULL || req->path[0] != '/') {
		req->api = 1;
		http_error(req, 400, "bad_request", "The request path is malformed.");
		return;
	}
	req->api = strncmp(req->path, "/api/", 5) == 0 ||
	    strcmp(req->path, "/api") == 0;

	in = evhttp_request_get_input_buffer(ev);
	len = evbuffer_get_length(in);
	if (len > loop->ctx.conf->body_max) {
		evhttp_add_header(evhttp_request_get_output_headers(ev),
		    "Connection", "close");
		http_error(req, 413, "payload_too_large",
		    "The request body is larger than this server accepts.");
		return;
	}

	req->route = routes_match(req->method, req->path, &allowed);
	if (req->route == NULL) {
		if (allowed == 0) {
			http_error(req, 404, "not_found",
			    "There is nothing at this address.");
			return;
		}
		routes_allow_header(allowed, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(ev),
		    "Allow", allow);
		http_error(req, 405, "method_not_allowed",
		    "This address does not answer to that method.");
		return;
	}
	/* A route's own flag decides its error format from here on. */
	req->api = (req->route->flags & ROUTE_API) != 0;
	if (req->method != EVHTTP_REQ_GET && req->method != EVHTTP_REQ_HEAD &&
	    http_cross_site(req)) {
		http_error(req, 403, "cross_site",
		    "Requests from other sites are not accepted.");
		return;
	}

	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	req->query_raw = query;
	if (query != NULL && (input_has_nul(query) ||
	    evhttp_parse_query_str(query, &req->query) == -1)) {
		http_error(req, 400, "bad_query", "The query string is malformed.");
		return;
	}
	if (len > 0) {
		char	*body;

		if ((body = malloc(len + 1)) == NULL) {
			http_error(req, 503, http_status_code(503),
			    "The server is short of memory; try again.");
			return;
		}
		evbuffer_copyout(in, body, len);
		body[len] = '\0';
		req->body = body;
		req->body_len = len;
	}
	if (req->route->roles != 0 && auth_check(req, req->route->roles) == -1)
		return;
	req->route->handler(req);
	/* A handler that handed its work to the pool leaves no fault behind. */
	store_fault_clear(&loop->ctx.store);
}

/* ---- loops, start and stop ------------------------------------------------ */

static void
http_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop	*loop = arg;
	struct timespec		 now;
	struct timeval		 tick = { 0, HTTP_DRAIN_TICK_MS * 1000 };
	double			 waited;

	clock_gettime(CLOCK_MONOTONIC, &now);
	waited = (double)(now.tv_sec - loop->stop_at.tv_sec) +
	    (double)(now.tv_nsec - loop->stop_at.tv_nsec) / 1e9;
	if ((loop->inflight == 0 && pool_inbox_pending(loop->ctx.inbox) == 0) ||
	    waited >= (double)loop->srv->conf->shutdown_grace) {
		if (loop->inflight > 0)
			log_warnx("http", "stopping with %u requests unanswered",
			    loop->inflight);
		event_base_loopexit(loop->base, NULL);
		return;
	}
	evtimer_add(loop->drain_ev, &tick);
}

static void
http_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop	*loop = arg;

	if (!loop->stopping) {
		store_fault_clear(&loop->ctx.store);
		loop->tick(&loop->ctx);
		store_fault_clear(&loop->ctx.store);
	}
}

int
http_server_tick(struct http_server *srv, void (*tick)(struct http_ctx *))
{
	struct http_loop	*loop = &srv->loops[0];
	struct timeval		 every = { HTTP_TICK_SECONDS, 0 };

	loop->tick = tick;
	if ((loop->tick_ev = event_new(loop->base, -1, EV_PERSIST, http_tick_cb,
	    loop)) == NULL || event_add(loop->tick_ev, &every) == -1)
		return -1;
	return 0;
}

/* ---- key pick-up ------------------------------------------------------- */

/* Free every set but the newest that no loop uses. Under keys_lock. */
static void
http_keysets_collect(struct http_server *srv)
{
	struct http_keyset	**pp, *ks;

	for (pp = &srv->keysets->next; (ks = *pp) != NULL; ) {
		if (ks->users > 0) {
			pp = &ks->next;
			continue;
		}
		*pp = ks->next;
		keys_free(ks->keys);
		free(ks);
	}
}

/* Runs on the loop's thread when the main thread has published new keys. */
static void
http_keys_take_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop	*loop = arg;
	struct http_server	*srv = loop->srv;

	pthread_mutex_lock(&srv->keys_lock);
	if (loop->keyset != srv->keysets) {
		loop->keyset->users--;
		loop->keyset = srv->keysets;
		loop->keyset->users++;
		loop->ctx.keys = loop->keyset->keys;
		http_keysets_collect(srv);
	}
	pthread_mutex_unlock(&srv->keys_lock);
}

/*
 * A reload failed and the keys in use stay. Told every time on SIGHUP
 * (loud), else once per HTTP_KEYS_WARN_SECONDS while the once-a-minute
 * check retries; past KEYS_RELOAD_GRACE an error, for rotation counts on
 * a retired key no longer signing after that long (keys.h).
 */
static void
http_keys_stale(struct http_server *srv, const char *why, const char *err,
    int loud)
{
	time_t	 now = time(NULL);

	if (srv->keys_stale_since == 0)
		srv->keys_stale_since = now;
	if (!loud && srv->keys_warned != 0 &&
	    now - srv->keys_warned < HTTP_KEYS_WARN_SECONDS)
		return;
	srv->keys_warned = now;
	if (now - srv->keys_stale_since >= KEYS_RELOAD_GRACE)
		log_errorx("http", "%s: key file not reloaded for %lld seconds, "
		    "the old keys still sign: %s", why,
		    (long long)(now - srv->keys_stale_since), err);
	else
		log_warnx("http", "%s: key file not reloaded, the keys in use "
		    "stay: %s", why, err);
}

/*
 * On the main thread: read the key file again and hand it to the loops.
 * A file that does not load (malformed, loose mode, no descriptor left)
 * is logged and the keys in use stay; keys_seen stays too, so the check
 * tries again at its next look. Only ids are logged, never key material.
 */
static void
http_keys_reload(struct http_server *srv, const char *why, int loud)
{
	struct http_keyset	*ks;
	struct keys		*k;
	struct stat		 st;
	char			 err[KEYS_ERR_MAX];
	unsigned		 i;

	if ((k = keys_load(srv->keys_path, &st, err)) == NULL) {
		http_keys_stale(srv, why, err, loud);
		return;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		http_keys_stale(srv, why, "out of memory", loud);
		keys_free(k);
		return;
	}
	/* The file as read: a change made while we read is seen next time. */
	srv->keys_seen = st;
	srv->keys_stale_since = 0;
	srv->keys_warned = 0;
	ks->keys = k;
	pthread_mutex_lock(&srv->keys_lock);
	ks->next = srv->keysets;
	srv->keysets = ks;
	/* A set published before but taken by no loop yet goes now. */
	http_keysets_collect(srv);
	pthread_mutex_unlock(&srv->keys_lock);
	for (i = 0; i < srv->nloops; i++)
		if (srv->loops[i].started)
			event_active(srv->loops[i].keys_ev, EV_READ, 0);
	log_info("http", "%s: key file reloaded: mac key %u, ticket key %u "
	    "signs, %zu ticket key%s verify", why, k->mac_id,
	    k->ticket[k->nticket - 1].id, k->nticket,
	    k->nticket == 1 ? "" : "s");
}

static void
http_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	http_keys_reload(arg, "SIGHUP", 1);
}

/*
 * Every HTTP_TICK_SECONDS: reload while the file differs from the one the
 * keys in use came from (also after a failed try: a failure that leaves
 * the file as it was, such as EMFILE, must not stick).
 */
static void
http_keys_check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*srv = arg;
	struct stat		 st;

	if (stat(srv->keys_path, &st) == 0 &&
	    st.st_ino == srv->keys_seen.st_ino &&
	    st.st_dev == srv->keys_seen.st_dev &&
	    st.st_size == srv->keys_seen.st_size &&
	    st.st_mtim.tv_sec == srv->keys_seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == srv->keys_seen.st_mtim.tv_nsec &&
	    st.st_ctim.tv_sec == srv->keys_seen.st_ctim.tv_sec &&
	    st.st_ctim.tv_nsec == srv->keys_seen.st_ctim.tv_nsec) {
		/* Back as loaded (a SIGHUP that failed): nothing is stale. */
		srv->keys_stale_since = 0;
		srv->keys_warned = 0;
		return;
	}
	http_keys_reload(srv, "key file changed", 0);
}

/* Runs on the loop's thread when the main thread asks it to stop. */
static void
http_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop	*loop = arg;

	if (loop->stopping)
		return;
	loop->stopping = 1;
	if (loop->tick_ev != NULL)
		event_del(loop->tick_ev);
	clock_gettime(CLOCK_MONOTONIC, &loop->stop_at);
	if (loop->bound != NULL) {
		evhttp_del_accept_socket(loop->http, loop->bound);
		loop->bound = NULL;
	}
	http_drain_cb(-1, 0, loop);
}

static void *
http_loop_main(void *arg)
{
	struct http_loop	*loop = arg;
	sigset_t		 all;

	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_dispatch(loop->base);
	return NULL;
}

int
http_listen(const char *listen_at, char url[HTTP_URL_MAX],
    char err[HTTP_ERR_MAX])
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host[256], *port, *p;
	int			 on = 1, gai, port_no;
	long long		 port_check;
	evutil_socket_t		 fd = -1;

	snprintf(host, sizeof(host), "%s", listen_at);
	if ((p = strrchr(host, ':')) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "--listen %s: expected HOST:PORT",
		    listen_at);
		return -1;
	}
	*p = '\0';
	port = p + 1;
	if (util_parse_int(port, 0, 65535, &port_check) == -1) {
		snprintf(err, HTTP_ERR_MAX, "--listen %s: the port must be a "
		    "number from 0 to 65535", listen_at);
		return -1;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		snprintf(err, HTTP_ERR_MAX, "--listen %s: %s", listen_at,
		    gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, res->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, HTTP_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, HTTP_ERR_MAX, "cannot listen on %s: %s",
		    listen_at, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	port_no = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(url, HTTP_URL_MAX, "https://%s%s%s:%d",
	    strchr(host, ':') != NULL ? "[" : "", host,
	    strchr(host, ':') != NULL ? "]" : "", port_no);
	freeaddrinfo(res);
	return fd;
}

static int
http_loop_init(struct http_server *srv, struct http_loop *loop,
    char err[HTTP_ERR_MAX])
{
	struct evconnlistener	*lev;
	char			 serr[STORE_ERR_MAX];

	loop->srv = srv;
	loop->keyset = srv->keysets;
	loop->keyset->users++;
	loop->ctx.keys = loop->keyset->keys;
	loop->ctx.pool = srv->pool;
	loop->ctx.conf = srv->conf;
	loop->ctx.limits = srv->limits;
	loop->conn_cap = srv->conf->max_connections / srv->nloops;
	if (loop->conn_cap == 0)
		loop->conn_cap = 1;
	if (store_open(&loop->ctx.store, srv->conf->db, 0, serr) == -1) {
		snprintf(err, HTTP_ERR_MAX, "%s", serr);
		return -1;
	}
	if ((loop->base = event_base_new()) == NULL ||
	    (loop->http = evhttp_new(loop->base)) == NULL ||
	    (loop->ctx.inbox = pool_inbox_new(loop->base)) == NULL ||
	    (loop->stop_ev = event_new(loop->base, -1, 0, http_stop_cb,
	    loop)) == NULL ||
	    (loop->drain_ev = evtimer_new(loop->base, http_drain_cb,
	    loop)) == NULL ||
	    (loop->keys_ev = event_new(loop->base, -1, 0, http_keys_take_cb,
	    loop)) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "cannot make an event loop");
		return -1;
	}
	lev = evconnlistener_new(loop->base, NULL, NULL, LEV_OPT_REUSEABLE, -1,
	    srv->fd);
	if (lev == NULL ||
	    (loop->bound = evhttp_bind_listener(loop->http, lev)) == NULL) {
		if (lev != NULL)
			evconnlistener_free(lev);
		snprintf(err, HTTP_ERR_MAX, "cannot listen in an event loop");
		return -1;
	}
	evhttp_set_bevcb(loop->http, http_bevcb, loop);
	evhttp_set_gencb(loop->http, http_dispatch, loop);
	evhttp_set_max_headers_size(loop->http, srv->conf->header_max);
	evhttp_set_max_body_size(loop->http, HTTP_BODY_HARD_MAX >
	    srv->conf->body_max ? HTTP_BODY_HARD_MAX : srv->conf->body_max);
	evhttp_set_timeout(loop->http, (int)srv->conf->idle_timeout);
	/* Every method reaches us, so that the 405 carries our headers. */
	evhttp_set_allowed_methods(loop->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS |
	    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	return 0;
}

/*
 * Free a loop after its thread has ended and the pool has stopped: first
 * deliver the pool's last results (their requests still exist), then free
 * evhttp and let its deferred bufferevent frees run while the loop exists.
 */
static void
http_loop_free(struct http_loop *loop)
{
	while (loop->ctx.inbox != NULL && loop->base != NULL &&
	    pool_inbox_pending(loop->ctx.inbox) > 0)
		event_base_loop(loop->base, EVLOOP_ONCE);
	if (loop->http != NULL)
		evhttp_free(loop->http);
	if (loop->base != NULL)
		event_base_loop(loop->base, EVLOOP_NONBLOCK);
	if (loop->stop_ev != NULL)
		event_free(loop->stop_ev);
	if (loop->tick_ev != NULL)
		event_free(loop->tick_ev);
	if (loop->drain_ev != NULL)
		event_free(loop->drain_ev);
	if (loop->keys_ev != NULL)
		event_free(loop->keys_ev);
	pool_inbox_free(loop->ctx.inbox);
	if (loop->base != NULL)
		event_base_free(loop->base);
	store_close(&loop->ctx.store);
}

struct http_server *
http_server_new(const struct config *conf, SSL_CTX *ssl, struct keys *keys,
    const struct stat *keys_st, struct pool *pool, int fd, const char *url,
    char err[HTTP_ERR_MAX])
{
	struct http_server	*srv;
	unsigned		 i;

	if (pthread_once(&http_conn_once, http_conn_init_once) != 0 ||
	    http_conn_idx < 0 || evthread_use_pthreads() == -1) {
		snprintf(err, HTTP_ERR_MAX, "cannot set up threads");
		keys_free(keys);
		close(fd);
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "out of memory");
		keys_free(keys);
		close(fd);
		return NULL;
	}
	srv->conf = conf;
	srv->ssl = ssl;
	srv->pool = pool;
	srv->fd = fd;
	snprintf(srv->url, sizeof(srv->url), "%s", url);
	pthread_mutex_init(&srv->addr_lock, NULL);
	pthread_mutex_init(&srv->keys_lock, NULL);
	if ((srv->keysets = calloc(1, sizeof(*srv->keysets))) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "out of memory");
		keys_free(keys);
		goto fail;
	}
	srv->keysets->keys = keys;
	/*
	 * The file keys came from, not a stat taken now: a rotation since
	 * the load is then picked up at the first look.
	 */
	srv->keys_seen = *keys_st;
	if (keys_path(conf->db, srv->keys_path, sizeof(srv->keys_path)) == -1) {
		snprintf(err, HTTP_ERR_MAX, "cannot find the key file of "
		    "%.300s", conf->db);
		goto fail;
	}
	if ((srv->limits = ratelimit_new()) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "out of memory");
		goto fail;
	}
	SSL_CTX_set_client_hello_cb(ssl, http_client_hello, srv);
	srv->nloops = conf->threads;
	if ((srv->loops = calloc(srv->nloops, sizeof(*srv->loops))) == NULL) {
		snprintf(err, HTTP_ERR_MAX, "out of memory");
		goto fail;
	}
	for (i = 0; i < srv->nloops; i++)
		if (http_loop_init(srv, &srv->loops[i], err) == -1)
			goto fail;
	return srv;
fail:
	http_server_free(srv);
	return NULL;
}

const char *
http_server_url(const struct http_server *srv)
{
	return srv->url;
}

struct event_base *
http_server_base(struct http_server *srv)
{
	return srv->loops[0].base;
}

int
http_server_busy(const struct http_server *srv)
{
	const struct http_loop	*loop = &srv->loops[0];

	return loop->inflight > 0 || pool_inbox_pending(loop->ctx.inbox) > 0;
}

static void
http_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct event_base	*base = arg;

	log_info("http", "signal %d: stopping", (int)sig);
	event_base_loopexit(base, NULL);
}

int
http_server_run(struct http_server *srv)
{
	struct event_base	*base;
	struct event		*sigterm = NULL, *sigint = NULL, *sighup = NULL;
	struct event		*keys_check = NULL;
	struct timeval		 every = { HTTP_TICK_SECONDS, 0 };
	unsigned		 i;
	int			 rc = -1;

	if ((base = event_base_new()) == NULL)
		return -1;
	sigterm = evsignal_new(base, SIGTERM, http_signal_cb, base);
	sigint = evsignal_new(base, SIGINT, http_signal_cb, base);
	sighup = evsignal_new(base, SIGHUP, http_sighup_cb, srv);
	keys_check = event_new(base, -1, EV_PERSIST, http_keys_check_cb, srv);
	if (sigterm == NULL || sigint == NULL || sighup == NULL ||
	    keys_check == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL) || evsignal_add(sighup, NULL) ||
	    event_add(keys_check, &every) == -1)
		goto done;
	for (i = 0; i < srv->nloops; i++) {
		if (pthread_create(&srv->loops[i].thread, NULL, http_loop_main,
		    &srv->loops[i]) != 0) {
			log_warnx("http", "cannot start loop thread %u", i);
			goto stop;
		}
		srv->loops[i].started = 1;
	}
	printf("listening on %s\n", srv->url);
	fflush(stdout);
	log_info("http", "listening with %u loop threads", srv->nloops);
	event_base_dispatch(base);
	rc = 0;
stop:
	for (i = 0; i < srv->nloops; i++)
		if (srv->loops[i].started)
			event_active(srv->loops[i].stop_ev, EV_READ, 0);
	for (i = 0; i < srv->nloops; i++)
		if (srv->loops[i].started) {
			pthread_join(srv->loops[i].thread, NULL);
			srv->loops[i].started = 0;
		}
done:
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (sighup != NULL)
		event_free(sighup);
	if (keys_check != NULL)
		event_free(keys_check);
	event_base_free(base);
	return rc;
}

void
http_server_free(struct http_server *srv)
{
	struct http_addr	*a, *next;
	struct http_keyset	*ks, *ksnext;
	unsigned		 i;

	if (srv == NULL)
		return;
	for (i = 0; srv->loops != NULL && i < srv->nloops; i++)
		http_loop_free(&srv->loops[i]);
	free(srv->loops);
	if (srv->fd != -1)
		close(srv->fd);
	for (i = 0; i < HTTP_ADDR_BUCKETS; i++)
		for (a = srv->addrs[i]; a != NULL; a = next) {
			next = a->next;
			free(a);
		}
	pthread_mutex_destroy(&srv->addr_lock);
	for (ks = srv->keysets; ks != NULL; ks = ksnext) {
		ksnext = ks->next;
		keys_free(ks->keys);
		free(ks);
	}
	pthread_mutex_destroy(&srv->keys_lock);
	ratelimit_free(srv->limits);
	free(srv);
}
