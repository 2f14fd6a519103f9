/*
 * Unit test of server/web.c against include/saferoom/web.h: HTML escaping
 * of the five characters, templates that escape {{name}} and insert
 * {{{name}}} raw, refusal of a missing variable or template, the embedded
 * asset table (no path tricks) and content types.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "saferoom/util.h"
#include "saferoom/web.h"

#include "check.h"

/* The contents of buf as a string, valid until buf changes; buf emptied. */
static char	 flat[65536];

static const char *
take(struct evbuffer *buf)
{
	size_t	 n = evbuffer_get_length(buf);

	if (n >= sizeof(flat))
		n = sizeof(flat) - 1;
	evbuffer_remove(buf, flat, n);
	flat[n] = '\0';
	evbuffer_drain(buf, evbuffer_get_length(buf));
	return flat;
}

static int
has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		return 1;
	fprintf(stderr, "\tmissing \"%s\"\n", needle);
	return 0;
}

static void
test_escape(struct evbuffer *b)
{
	CHECK_INT(web_escape(b, "&"), 0);
	CHECK_STR(take(b), "&amp;");
	CHECK_INT(web_escape(b, "<"), 0);
	CHECK_STR(take(b), "&lt;");
	CHECK_INT(web_escape(b, ">"), 0);
	CHECK_STR(take(b), "&gt;");
	CHECK_INT(web_escape(b, "\""), 0);
	CHECK_STR(take(b), "&quot;");
	CHECK_INT(web_escape(b, "'"), 0);
	CHECK_STR(take(b), "&#39;");

	CHECK_INT(web_escape(b, "a&b<c>d\"e'f"), 0);
	CHECK_STR(take(b), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	CHECK_INT(web_escape(b, "<script>alert('x')</script>"), 0);
	CHECK_STR(take(b), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	CHECK_INT(web_escape(b, "&amp;"), 0);
	CHECK_STR(take(b), "&amp;amp;");
	CHECK_INT(web_escape(b, "<<>>"), 0);
	CHECK_STR(take(b), "&lt;&lt;&gt;&gt;");
	CHECK_INT(web_escape(b, "Dr. Jürgen Ö, 90.00 EUR"), 0);
	CHECK_STR(take(b), "Dr. Jürgen Ö, 90.00 EUR");
	CHECK_INT(web_escape(b, ""), 0);
	CHECK_STR(take(b), "");

	/* Appends to what is there. */
	evbuffer_add(b, "x=", 2);
	CHECK_INT(web_escape(b, "1<2"), 0);
	CHECK_STR(take(b), "x=1&lt;2");
}

static void
test_render(struct evbuffer *b)
{
	const char	*out;
	const struct web_var vars[] = {
		{ "status", "404 <b>" },
		{ "message", "<script>alert('x')</script> & \"q\"" },
	};
	const struct web_var order[] = {
		{ "message", "second" },
		{ "unused", "<never>" },
		{ "status", "first" },
	};

	CHECK_INT(web_render(b, "error", vars, NELEM(vars)), 0);
	out = take(b);
	CHECK(has(out, "404 &lt;b&gt;"));
	CHECK(has(out, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
	    "&amp; &quot;q&quot;"));
	CHECK(strstr(out, "<script>") == NULL);
	CHECK(strstr(out, "<b>") == NULL);
	CHECK(strstr(out, "{{") == NULL && strstr(out, "}}") == NULL);
	CHECK(has(out, "<h1>"));		/* template markup is kept */

	/* Variables by name, in any order; extra ones ignored. */
	CHECK_INT(web_render(b, "error", order, NELEM(order)), 0);
	out = take(b);
	CHECK(has(out, "first"));
	CHECK(has(out, "second"));
	CHECK(strstr(out, "never") == NULL);
	CHECK(strstr(out, "first") < strstr(out, "second"));

	/* A NULL value is empty text. */
	{
		const struct web_var nul[] = {
			{ "status", NULL }, { "message", "m" },
		};

		CHECK_INT(web_render(b, "error", nul, NELEM(nul)), 0);
		out = take(b);
		CHECK(strstr(out, "(null)") == NULL);
	}

	/* A missing variable, or a missing template, is -1. */
	CHECK_INT(web_render(b, "error", vars, 1), -1);
	(void)take(b);
	CHECK_INT(web_render(b, "error", NULL, 0), -1);
	(void)take(b);
	CHECK_INT(web_render(b, "no-such-template", vars, NELEM(vars)), -1);
	CHECK_INT(web_render(b, "", vars, NELEM(vars)), -1);
	CHECK_INT(web_render(b, "../static/style", vars, NELEM(vars)), -1);
	CHECK_INT(web_render(b, "templates/error", vars, NELEM(vars)), -1);
	CHECK_INT(web_render(b, "error.html", vars, NELEM(vars)), -1);
	CHECK_INT(evbuffer_get_length(b), 0);	/* nothing for those */
}

static void
test_page(struct evbuffer *b)
{
	const char	*out;
	const struct web_var vars[] = {
		{ "status", "404" },
		{ "message", "<i>gone</i>" },
	};

	/* The page's own escaping survives; the layout's variables escaped. */
	CHECK_INT(web_page(b, "Praxis <Ö>", "Not \"found\"", "error", vars,
	    NELEM(vars)), 0);
	out = take(b);
	CHECK(has(out, "Praxis &lt;Ö&gt;"));
	CHECK(has(out, "Not &quot;found&quot;"));
	CHECK(has(out, "&lt;i&gt;gone&lt;/i&gt;"));
	CHECK(has(out, "<h1>404</h1>"));	/* content inserted raw, once */
	CHECK(strstr(out, "&lt;h1&gt;") == NULL);
	CHECK(strstr(out, "<i>") == NULL);
	CHECK(strstr(out, "<Ö>") == NULL);
	CHECK(strstr(out, "{{") == NULL);

	CHECK_INT(web_page(b, "P", "T", "error", vars, 1), -1);
	CHECK_INT(web_page(b, "P", "T", "no-such-template", vars, 2), -1);
}

static void
test_assets(void)
{
	const struct web_asset	*a;
	size_t			 n = 0;

	a = web_asset_find("static/style.css");
	if (CHECK(a != NULL)) {
		CHECK_STR(a->path, "static/style.css");
		CHECK(a->len > 0);
		CHECK(a->data[a->len] == '\0');
		CHECK_INT(strlen((const char *)a->data), a->len);
	}
	CHECK(web_asset_find("templates/error.html") != NULL);
	CHECK(web_asset_find("templates/layout.html") != NULL);

	CHECK(web_asset_find("templates/../x") == NULL);
	CHECK(web_asset_find("templates/../static/style.css") == NULL);
	CHECK(web_asset_find("static/../templates/error.html") == NULL);
	CHECK(web_asset_find("static/./style.css") == NULL);
	CHECK(web_asset_find("static//style.css") == NULL);
	CHECK(web_asset_find("/static/style.css") == NULL);
	CHECK(web_asset_find("STATIC/style.css") == NULL);
	CHECK(web_asset_find("static/style.css/") == NULL);
	CHECK(web_asset_find("static/") == NULL);
	CHECK(web_asset_find("static") == NULL);
	CHECK(web_asset_find("") == NULL);
	CHECK(web_asset_find("../web/static/style.css") == NULL);

	/* Only templates/ and static/, no dot files or path tricks. */
	for (a = web_assets; a->path != NULL; a++, n++) {
		CHECK(strncmp(a->path, "templates/", 10) == 0 ||
		    strncmp(a->path, "static/", 7) == 0);
		CHECK(strstr(a->path, "..") == NULL);
		CHECK(strstr(a->path, "/.") == NULL);
		CHECK(a->data != NULL && a->data[a->len] == '\0');
		CHECK(web_asset_find(a->path) == a);
	}
	CHECK(n >= 3);
}

static void
test_content_type(void)
{
	CHECK_STR(web_content_type("static/style.css"), "text/css; charset=utf-8");
	CHECK_STR(web_content_type("static/app.js"),
	    "text/javascript; charset=utf-8");
	CHECK_STR(web_content_type("templates/home.html"),
	    "text/html; charset=utf-8");
	CHECK_STR(web_content_type("static/logo.svg"), "image/svg+xml");
	CHECK_STR(web_content_type("static/logo.png"), "image/png");
	CHECK_STR(web_content_type("favicon.ico"), "image/x-icon");
	CHECK_STR(web_content_type("robots.txt"), "text/plain; charset=utf-8");
	CHECK_STR(web_content_type("static/file"), "application/octet-stream");
	CHECK_STR(web_content_type("static/style.css.exe"),
	    "application/octet-stream");
	CHECK_STR(web_content_type("static/stylecss"),
	    "application/octet-stream");
	CHECK_STR(web_content_type(""), "application/octet-stream");
}

int
main(void)
{
	struct evbuffer	*b;

	if ((b = evbuffer_new()) == NULL)
		return 1;
	test_escape(b);
	test_render(b);
	test_page(b);
	test_assets();
	test_content_type();
	evbuffer_free(b);
	return check_done();
}
