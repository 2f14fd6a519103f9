/*
 * util: small pure helpers shared by the daemon and the admin tool: strict
 * number parsing, hex, money formatting, and writing a secret file
 * atomically with mode 0600.
 */
#ifndef SAFEROOM_UTIL_H
#define SAFEROOM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Parse a whole decimal integer in [min, max]: no sign unless min < 0, no
 * spaces, no trailing text, at most 18 digits (so it cannot overflow).
 * Returns 0 or -1.
 */
int	util_parse_int(const char *s, long long min, long long max,
	    long long *out);

/* Parse "HH:MM" (00:00 to 24:00) into minutes since midnight. 0 or -1. */
int	util_parse_hhmm(const char *s, int *minutes);

/* Lower-case hex of in[0..len) into out (2*len+1 bytes). */
void	util_hex(const uint8_t *in, size_t len, char *out);

/* Decode exactly outlen bytes of hex. Returns 0 or -1. */
int	util_unhex(const char *in, uint8_t *out, size_t outlen);

/* "90.00 EUR" for 9000 cents in EUR. Returns 0, -1 if it does not fit. */
int	util_money(char *out, size_t outsz, long long cents, const char *currency);

/*
 * Is s valid UTF-8 (RFC 3629) of 1..maxlen bytes with no control character
 * (C0, C1, DEL), no line or paragraph separator, no bidirectional override,
 * and no leading or trailing space? For names typed by staff.
 */
int	util_is_clean_text(const char *s, size_t maxlen);

/*
 * Write data to path atomically: a temporary file beside it created with
 * mode 0600 and O_EXCL, fsync, rename, fsync of the directory. Returns 0 or
 * -1 with errno set; on failure nothing is left behind. The folder must
 * not be a symbolic link. Written by root into a folder that root does not
 * own, the file gets the folder's owner and group; else it is the
 * caller's. (Never the replaced file's: that may be a hard link planted by
 * the folder's owner.)
 */
int	util_write_secret_file(const char *path, const void *data, size_t len);

#endif
