/*
 * qr: QR code images of tickets and voucher codes. See include/saferoom/qr.h.
 *
 * libqrencode makes the module matrix; we draw it. The SVG is built here so
 * that it holds nothing but a background and one path (no script, no
 * external reference, safe under the pages' Content-Security-Policy). The
 * PNG goes through libpng straight into an evbuffer. Either image is first
 * built in a buffer of its own, so that on failure nothing half-made has
 * reached the caller's buffer.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <png.h>
#include <qrencode.h>

#include "saferoom/log.h"
#include "saferoom/qr.h"

#define QR_QUIET	4	/* modules of white around the code (ISO 18004) */
#define QR_SVG_SCALE	6	/* CSS pixels per module of the SVG's own size */

/*
 * The module matrix of text, or NULL if text is empty, longer than
 * QR_TEXT_MAX or too long for any QR version. The caller frees it with
 * QRcode_free().
 */
static QRcode *
qr_encode(const char *text)
{
	if (text == NULL || text[0] == '\0' ||
	    strnlen(text, QR_TEXT_MAX + 1) > QR_TEXT_MAX)
		return NULL;
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

/* Is the module at (x, y) of the matrix dark? */
static int
qr_dark(const QRcode *qr, int x, int y)
{
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

int
qr_svg(const char *text, struct evbuffer *out)
{
	QRcode		*qr = NULL;
	struct evbuffer	*buf = NULL;
	int		 side, x, y, run, rc = -1;

	if ((qr = qr_encode(text)) == NULL || (buf = evbuffer_new()) == NULL)
		goto fail;
	side = qr->width + 2 * QR_QUIET;
	if (evbuffer_add_printf(buf,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
	    " width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\""
	    " role=\"img\" aria-label=\"QR code\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"",
	    side, side, side * QR_SVG_SCALE, side * QR_SVG_SCALE,
	    side, side) == -1)
		goto fail;

	/* One closed rectangle per horizontal run of dark modules. */
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x += run) {
			for (run = 0; x + run < qr->width &&
			    qr_dark(qr, x + run, y); run++)
				;
			if (run == 0) {
				run = 1;
				continue;
			}
			if (evbuffer_add_printf(buf, "M%d %dh%dv1h-%dz",
			    x + QR_QUIET, y + QR_QUIET, run, run) == -1)
				goto fail;
		}
	}
	if (evbuffer_add_printf(buf, "\"/></svg>\n") == -1 ||
	    evbuffer_add_buffer(out, buf) == -1)
		goto fail;
	rc = 0;
 fail:
	if (buf != NULL)
		evbuffer_free(buf);
	if (qr != NULL)
		QRcode_free(qr);
	return rc;
}

/* libpng's output: append to the evbuffer; on failure, unwind via png_error. */
static void
qr_png_write_cb(png_structp png, png_bytep data, size_t len)
{
	struct evbuffer	*buf = png_get_io_ptr(png);

	if (evbuffer_add(buf, data, len) == -1)
		png_error(png, "out of memory");
}

static void
qr_png_flush_cb(png_structp png)
{
	(void)png;
}

/* libpng's errors: log (the text never holds image data) and unwind. */
static void
qr_png_error_cb(png_structp png, png_const_charp msg)
{
	log_warnx("qr", "libpng: %s", msg);
	png_longjmp(png, 1);
}

static void
qr_png_warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	log_warnx("qr", "libpng warning: %s", msg);
}

/*
 * Write the PNG of qr into buf through png and info, with row as scratch
 * (one pixel row, side bytes). Returns 0, or -1 when libpng failed. The
 * setjmp() lives here, in a function whose every local is dead once libpng
 * unwinds, so that no variable can be clobbered; the caller frees.
 */
static int
qr_png_write(png_structp png, png_infop info, const QRcode *qr,
    png_bytep row, uint32_t side, struct evbuffer *buf)
{
	uint32_t	 px, py;
	int		 mx, my;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_write_fn(png, buf, qr_png_write_cb, qr_png_flush_cb);
	png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (py = 0; py < side; py++) {
		/* A new module row every QR_PNG_SCALE pixel rows. */
		if (py % QR_PNG_SCALE == 0) {
			my = (int)(py / QR_PNG_SCALE) - QR_QUIET;
			for (px = 0; px < side; px++) {
				mx = (int)(px / QR_PNG_SCALE) - QR_QUIET;
				row[px] = (mx >= 0 && mx < qr->width &&
				    my >= 0 && my < qr->width &&
				    qr_dark(qr, mx, my)) ? 0 : 255;
			}
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	return 0;
}

int
qr_png(const char *text, struct evbuffer *out)
{
	QRcode		*qr = NULL;
	struct evbuffer	*buf = NULL;
	png_structp	 png = NULL;
	png_infop	 info = NULL;
	png_bytep	 row = NULL;
	uint32_t	 side;
	int		 rc = -1;

	if ((qr = qr_encode(text)) == NULL)
		goto fail;
	side = (uint32_t)(qr->width + 2 * QR_QUIET) * QR_PNG_SCALE;
	if ((buf = evbuffer_new()) == NULL || (row = malloc(side)) == NULL)
		goto fail;
	if ((png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    qr_png_error_cb, qr_png_warning_cb)) == NULL ||
	    (info = png_create_info_struct(png)) == NULL)
		goto fail;
	if (qr_png_write(png, info, qr, row, side, buf) == -1 ||
	    evbuffer_add_buffer(out, buf) == -1)
		goto fail;
	rc = 0;
 fail:
	png_destroy_write_struct(&png, &info);
	free(row);
	if (buf != NULL)
		evbuffer_free(buf);
	if (qr != NULL)
		QRcode_free(qr);
	return rc;
}
