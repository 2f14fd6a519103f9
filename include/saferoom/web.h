/*
 * web: the pages' building blocks. Templates and static files from web/ are
 * compiled into the binary (cmake/embed.cmake). Templates know two forms:
 * {{name}} inserts a variable HTML-escaped, {{{name}}} inserts it raw and
 * is only for fragments that were themselves built with web_escape() or
 * web_render(). STYLE.md habit 7: no string reaches a page unescaped.
 */
#ifndef SAFEROOM_WEB_H
#define SAFEROOM_WEB_H

#include <stddef.h>

struct evbuffer;

struct web_asset {
	const char		*path;	/* "templates/home.html", "static/style.css" */
	const unsigned char	*data;	/* NUL-terminated copy of the file */
	size_t			 len;
};

/* The table made by cmake/embed.cmake, ended by a NULL path. */
extern const struct web_asset web_assets[];

struct web_var {
	const char	*name;
	const char	*value;
};

/* The embedded file at path ("static/style.css"), or NULL. */
const struct web_asset *web_asset_find(const char *path);

/* Content-Type for a file name by its extension. */
const char *web_content_type(const char *path);

/*
 * "path?key=value" with value URL-encoded into out (still to be
 * HTML-escaped by a template). 0, or -1 when memory runs out or it does not
 * fit.
 */
int	web_href(char *out, size_t outsz, const char *path, const char *key,
	    const char *value);

/* Append s to out with & < > " ' escaped. 0 or -1 (out of memory). */
int	web_escape(struct evbuffer *out, const char *s);

/*
 * Render templates/<name>.html with vars into out. Returns 0, or -1 if the
 * template does not exist, names a variable not given, or memory runs out.
 */
int	web_render(struct evbuffer *out, const char *name,
	    const struct web_var *vars, size_t nvars);

/*
 * Render the page template name inside templates/layout.html with the
 * practice name and a title. Returns 0 or -1 as web_render().
 */
int	web_page(struct evbuffer *out, const char *practice, const char *title,
	    const char *name, const struct web_var *vars, size_t nvars);

struct http_req;

/* GET /static/<file>: an embedded asset, or 404. */
void	web_static(struct http_req *);

#endif
