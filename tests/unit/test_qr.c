/*
 * Unit test of server/qr.c. The PNG of a real signed ticket and of a
 * voucher-like text is decoded by zbarimg (zbar-tools, a decoder that
 * shares no code with libqrencode) and must give the text back exactly.
 * The SVG is checked structurally and, module for module, against the PNG:
 * its one path is painted into a grid that must equal the PNG's modules,
 * so what zbarimg proves of the PNG holds for the SVG too.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <png.h>

#include "saferoom/keys.h"
#include "saferoom/qr.h"
#include "saferoom/ticket.h"

#include "check.h"
#include "tmpdir.h"

#define QUIET		4
#define VOUCHER_TEXT	"VOUCHER:7K3M9QWX2PABCDEFGHJKMNPQRSTVWXYZ"

static char	 dir[TMPDIR_MAX];

/* A decoded PNG: side x side pixels of 8-bit grey. */
struct image {
	uint32_t	 side;
	uint8_t		*px;
};

/* The bytes of buf as one NUL-terminated string (malloc'd). */
static char *
buf_text(struct evbuffer *buf)
{
	size_t	 len = evbuffer_get_length(buf);
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	evbuffer_copyout(buf, s, len);
	s[len] = '\0';
	return s;
}

static int
png_decode(struct evbuffer *buf, struct image *img)
{
	png_image	 pi;
	size_t		 len = evbuffer_get_length(buf);
	unsigned char	*data = evbuffer_pullup(buf, -1);

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	img->px = NULL;
	if (data == NULL || !png_image_begin_read_from_memory(&pi, data, len))
		return -1;
	if (pi.width != pi.height ||
	    (pi.format & PNG_FORMAT_FLAG_COLOR) != 0 ||
	    (pi.format & PNG_FORMAT_FLAG_ALPHA) != 0) {
		png_image_free(&pi);
		return -1;
	}
	pi.format = PNG_FORMAT_GRAY;
	if ((img->px = malloc(PNG_IMAGE_SIZE(pi))) == NULL ||
	    !png_image_finish_read(&pi, NULL, img->px, 0, NULL)) {
		png_image_free(&pi);
		free(img->px);
		img->px = NULL;
		return -1;
	}
	img->side = pi.width;
	return 0;
}

/*
 * The modules of a PNG, 1 for dark, into a side x side grid (malloc'd), or
 * NULL when a module is not a uniform block of pure black or white.
 */
static uint8_t *
png_modules(const struct image *img, int *side)
{
	uint8_t		*g;
	uint32_t	 n = img->side / QR_PNG_SCALE, mx, my, x, y;
	uint8_t		 v, first;

	if (img->side % QR_PNG_SCALE != 0 || (g = calloc(n, n)) == NULL)
		return NULL;
	for (my = 0; my < n; my++)
		for (mx = 0; mx < n; mx++) {
			first = img->px[my * QR_PNG_SCALE * img->side +
			    mx * QR_PNG_SCALE];
			if (first != 0 && first != 255)
				goto bad;
			for (y = 0; y < QR_PNG_SCALE; y++)
				for (x = 0; x < QR_PNG_SCALE; x++) {
					v = img->px[(my * QR_PNG_SCALE + y) *
					    img->side + mx * QR_PNG_SCALE + x];
					if (v != first)
						goto bad;
				}
			g[my * n + mx] = first == 0;
		}
	*side = (int)n;
	return g;
 bad:
	free(g);
	return NULL;
}

/*
 * Check the SVG's structure and paint its path into a grid (malloc'd,
 * *side x *side, 1 for dark). NULL if anything is off.
 */
static uint8_t *
svg_modules(const char *svg, int *side)
{
	static const char	 head[] =
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ";
	const char		*p, *end;
	uint8_t			*g;
	int			 w, h, x, y, n, n2, used, i;

	if (strncmp(svg, head, sizeof(head) - 1) != 0 ||
	    sscanf(svg + sizeof(head) - 1, "%d %d\"", &w, &h) != 2 || w != h ||
	    w < 21 + 2 * QUIET || (w - 2 * QUIET - 17) % 4 != 0)
		return NULL;
	if (strstr(svg, "shape-rendering=\"crispEdges\"") == NULL ||
	    strstr(svg, "role=\"img\"") == NULL ||
	    strstr(svg, "aria-label=\"QR code\"") == NULL ||
	    strstr(svg, "<rect ") == NULL || strstr(svg, "fill=\"#fff\"") == NULL)
		return NULL;
	if ((p = strstr(svg, "<path ")) == NULL || strstr(p + 1, "<path") ||
	    (p = strstr(p, " d=\"")) == NULL)
		return NULL;
	p += 4;
	if ((end = strchr(p, '"')) == NULL || strcmp(end, "\"/></svg>\n") != 0)
		return NULL;
	if ((g = calloc((size_t)w, (size_t)w)) == NULL)
		return NULL;
	while (p < end) {
		if (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used) != 4 ||
		    n < 1 || n != n2 || y < QUIET || y >= w - QUIET ||
		    x < QUIET || x + n > w - QUIET)
			goto bad;
		for (i = x; i < x + n; i++) {
			if (g[y * w + i])	/* painted twice */
				goto bad;
			g[y * w + i] = 1;
		}
		p += used;
	}
	if (p != end)
		goto bad;
	*side = w;
	return g;
 bad:
	free(g);
	return NULL;
}

/*
 * zbarimg's reading of the PNG in buf, into out. 0, or -1 (and a failed
 * check) when zbarimg is missing or reads nothing. Its stderr (where it
 * also chats about D-Bus) is shown only when it fails.
 */
static int
zbar_read(struct evbuffer *buf, const char *name, char *out, size_t outsz)
{
	char		 path[TMPDIR_MAX], errpath[TMPDIR_MAX + 8];
	char		 cmd[3 * TMPDIR_MAX], errtext[2048];
	unsigned char	*data = evbuffer_pullup(buf, -1);
	FILE		*p;
	size_t		 n;
	int		 status;

	out[0] = '\0';
	tmpdir_path(path, dir, name);
	snprintf(errpath, sizeof(errpath), "%s.err", path);
	if (!CHECK(tmpdir_write(path, (const char *)data,
	    evbuffer_get_length(buf), 0600) == 0))
		return -1;
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>'%s'", path,
	    errpath);
	if (!CHECK((p = popen(cmd, "r")) != NULL))
		return -1;
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "zbarimg is not on PATH: apt-get install "
		    "zbar-tools\n");
		CHECK(0);
		return -1;
	}
	if (!CHECK_INT(status, 0)) {
		if (tmpdir_read(errpath, errtext, sizeof(errtext)) > 0)
			fprintf(stderr, "\tzbarimg: %s\n", errtext);
		return -1;
	}
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return 0;
}

/* Both images of text: same modules, and zbarimg reads the text back. */
static void
check_text(const char *label, const char *text)
{
	struct evbuffer	*svg = evbuffer_new(), *png = evbuffer_new();
	struct image	 img = { 0, NULL };
	uint8_t		*gs = NULL, *gp = NULL;
	char		*s = NULL, name[64], got[QR_TEXT_MAX * 2];
	unsigned char	*data;
	int		 ss = 0, ps = 0;

	if (!CHECK(svg != NULL && png != NULL))
		goto done;
	if (!CHECK_INT(qr_svg(text, svg), 0) || !CHECK_INT(qr_png(text, png), 0))
		goto done;

	s = buf_text(svg);
	if (!CHECK(s != NULL))
		goto done;
	CHECK(strstr(s, "<script") == NULL);
	CHECK(strstr(s, "href") == NULL);
	CHECK(strstr(s, "url(") == NULL);

	data = evbuffer_pullup(png, 8);
	CHECK(data != NULL && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0);
	if (!CHECK_INT(png_decode(png, &img), 0))
		goto done;

	if (!CHECK((gs = svg_modules(s, &ss)) != NULL) ||
	    !CHECK((gp = png_modules(&img, &ps)) != NULL) ||
	    !CHECK_INT(ss, ps))
		goto done;
	CHECK(memcmp(gs, gp, (size_t)ss * (size_t)ss) == 0);
	CHECK_INT(img.side, (uint32_t)ps * QR_PNG_SCALE);
	printf("%s: %zu characters, QR version %d, %d modules "
	    "(%d with the quiet zone), PNG %u px, %zu bytes, SVG %zu bytes\n",
	    label, strlen(text), (ss - 2 * QUIET - 17) / 4, ss - 2 * QUIET, ss,
	    img.side, evbuffer_get_length(png), strlen(s));

	snprintf(name, sizeof(name), "%s.png", label);
	if (zbar_read(png, name, got, sizeof(got)) == 0)
		CHECK_STR(got, text);
 done:
	free(img.px);
	free(gs);
	free(gp);
	free(s);
	if (svg != NULL)
		evbuffer_free(svg);
	if (png != NULL)
		evbuffer_free(png);
}

static void
test_ticket(void)
{
	struct keys	*k;
	char		 path[TMPDIR_MAX], err[KEYS_ERR_MAX], t[TICKET_MAX];

	k = keys_load_or_create(tmpdir_path(path, dir, "qr.keys"), NULL, err);
	if (!CHECK(k != NULL)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	if (CHECK_INT(ticket_sign(k, "7K3M9QWX2P", 1767225600, t), 0))
		check_text("ticket", t);
	/* The longest reference and start there can be. */
	if (CHECK_INT(ticket_sign(k, "ZZZZZZZZZZZZZZZ", 99999999999LL, t), 0))
		check_text("ticket-longest", t);
	keys_free(k);
}

static void
test_limits(void)
{
	struct evbuffer	*b = evbuffer_new();
	char		 text[QR_TEXT_MAX + 2];

	if (!CHECK(b != NULL))
		return;
	memset(text, 'a', sizeof(text));
	text[QR_TEXT_MAX + 1] = '\0';
	CHECK_INT(qr_svg(text, b), -1);
	CHECK_INT(qr_png(text, b), -1);
	CHECK_INT(qr_svg("", b), -1);
	CHECK_INT(qr_png("", b), -1);
	/* A refusal leaves the caller's buffer as it was. */
	CHECK_INT(evbuffer_get_length(b), 0);
	evbuffer_free(b);

	/* QR_TEXT_MAX itself is fine, and still reads back. */
	text[QR_TEXT_MAX] = '\0';
	check_text("longest", text);

	/* Appending: what was in the buffer stays in front. */
	if ((b = evbuffer_new()) == NULL)
		return;
	evbuffer_add(b, "x", 1);
	CHECK_INT(qr_svg("A", b), 0);
	CHECK(*(char *)evbuffer_pullup(b, 5) == 'x');
	evbuffer_free(b);
}

int
main(void)
{
	if (tmpdir_make(dir, "qr") == -1)
		return 1;
	test_ticket();
	check_text("voucher", VOUCHER_TEXT);
	check_text("lower-case", "https://clinic.example/t/7k3m9qwx2p?x=1&y=<2>");
	test_limits();
	tmpdir_remove(dir);
	return check_done();
}
