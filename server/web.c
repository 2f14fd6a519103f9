/*
 * web: embedded assets, HTML escaping and the small template language of
 * include/saferoom/web.h. Templates are trusted (they ship in the binary);
 * values are not, and only reach the page through web_escape().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "saferoom/http.h"
#include "saferoom/log.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

#define WEB_TEMPLATE_PATH_MAX	128
#define WEB_VAR_NAME_MAX	64

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".html", "text/html; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

const struct web_asset *
web_asset_find(const char *path)
{
	const struct web_asset	*a;

	for (a = web_assets; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

const char *
web_content_type(const char *path)
{
	size_t	 i, plen = strlen(path), elen;

	for (i = 0; i < NELEM(web_types); i++) {
		elen = strlen(web_types[i].ext);
		if (plen > elen &&
		    strcmp(path + plen - elen, web_types[i].ext) == 0)
			return web_types[i].type;
	}
	return "application/octet-stream";
}

int
web_href(char *out, size_t outsz, const char *path, const char *key,
    const char *value)
{
	char	*enc;
	int	 n;

	if ((enc = evhttp_encode_uri(value)) == NULL)
		return -1;
	n = snprintf(out, outsz, "%s?%s=%s", path, key, enc);
	free(enc);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
web_escape(struct evbuffer *out, const char *s)
{
	const char	*run = s, *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (evbuffer_add(out, run, (size_t)(s - run)) == -1 ||
		    evbuffer_add(out, rep, strlen(rep)) == -1)
			return -1;
		run = s + 1;
	}
	return evbuffer_add(out, run, (size_t)(s - run));
}

static const char *
web_var_value(const struct web_var *vars, size_t nvars, const char *name,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return vars[i].value != NULL ? vars[i].value : "";
	return NULL;
}

int
web_render(struct evbuffer *out, const char *name, const struct web_var *vars,
    size_t nvars)
{
	char			 path[WEB_TEMPLATE_PATH_MAX];
	const struct web_asset	*a;
	const char		*p, *open, *close, *value;
	size_t			 taglen;
	int			 raw;

	snprintf(path, sizeof(path), "templates/%s.html", name);
	if ((a = web_asset_find(path)) == NULL) {
		log_warnx("web", "no template %s", name);
		return -1;
	}
	p = (const char *)a->data;
	while ((open = strstr(p, "{{")) != NULL) {
		if (evbuffer_add(out, p, (size_t)(open - p)) == -1)
			return -1;
		raw = open[2] == '{';
		open += raw ? 3 : 2;
		if ((close = strstr(open, raw ? "}}}" : "}}")) == NULL ||
		    (taglen = (size_t)(close - open)) > WEB_VAR_NAME_MAX) {
			log_warnx("web", "template %s: unclosed tag", name);
			return -1;
		}
		if ((value = web_var_value(vars, nvars, open, taglen)) == NULL) {
			log_warnx("web", "template %s: no value for %.*s", name,
			    (int)taglen, open);
			return -1;
		}
		if ((raw ? evbuffer_add(out, value, strlen(value)) :
		    web_escape(out, value)) == -1)
			return -1;
		p = close + (raw ? 3 : 2);
	}
	return evbuffer_add(out, p, strlen(p));
}

int
web_page(struct evbuffer *out, const char *practice, const char *title,
    const char *name, const struct web_var *vars, size_t nvars)
{
	struct evbuffer	*content;
	char		*flat;
	int		 rc = -1;

	if ((content = evbuffer_new()) == NULL)
		return -1;
	if (web_render(content, name, vars, nvars) == -1)
		goto done;
	if (evbuffer_add(content, "", 1) == -1 ||
	    (flat = (char *)evbuffer_pullup(content, -1)) == NULL)
		goto done;
	{
		const struct web_var layout[] = {
			{ "practice", practice },
			{ "title", title },
			{ "content", flat },
		};

		rc = web_render(out, "layout", layout, NELEM(layout));
	}
done:
	evbuffer_free(content);
	return rc;
}

void
web_static(struct http_req *req)
{
	char			 path[WEB_TEMPLATE_PATH_MAX];
	const struct web_asset	*a;
	struct evbuffer		*buf;

	/* Only names under static/ exist in the table, so no path tricks. */
	if (snprintf(path, sizeof(path), "%s", req->path + 1) >=
	    (int)sizeof(path) || strncmp(path, "static/", 7) != 0 ||
	    (a = web_asset_find(path)) == NULL) {
		http_error(req, 404, "not_found", "There is no such file.");
		return;
	}
	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add_reference(buf, a->data, a->len, NULL, NULL) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		http_error(req, 503, "unavailable", "Out of memory; try again.");
		return;
	}
	http_reply(req, 200, web_content_type(path), buf);
	evbuffer_free(buf);
}
