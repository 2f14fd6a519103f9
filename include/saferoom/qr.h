/*
 * qr: QR code images of short texts (tickets, voucher codes) with
 * libqrencode, error correction level M, a quiet zone of 4 modules. SVG is
 * drawn by our code (one path, no script, no external reference); PNG is
 * written with libpng as 8-bit grey.
 */
#ifndef SAFEROOM_QR_H
#define SAFEROOM_QR_H

#include <stddef.h>

#define QR_TEXT_MAX	512
#define QR_PNG_SCALE	8	/* pixels per module */

struct evbuffer;

/* Append an SVG of text to out. 0, or -1 if text is too long or memory runs out. */
int	qr_svg(const char *text, struct evbuffer *out);

/* Append a PNG of text to out. 0 or -1 as qr_svg(). */
int	qr_png(const char *text, struct evbuffer *out);

#endif
