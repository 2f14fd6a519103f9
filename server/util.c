/*
 * util: small pure helpers; see include/saferoom/util.h.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saferoom/util.h"

int
util_parse_int(const char *s, long long min, long long max, long long *out)
{
	const char	*p = s;
	long long	 v = 0;
	int		 neg = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (*p == '-' && min < 0) {
		neg = 1;
		p++;
	}
	if (*p == '\0' || strlen(p) > 18)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_hhmm(const char *s, int *minutes)
{
	int	 h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

void
util_hex(const uint8_t *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
util_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_unhex(const char *in, uint8_t *out, size_t outlen)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(in) != outlen * 2)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = util_hexval(in[2 * i]);
		lo = util_hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
util_money(char *out, size_t outsz, long long cents, const char *currency)
{
	int		 n;
	const char	*sign = "";
	unsigned long long a;

	if (cents < 0) {
		sign = "-";
		a = (unsigned long long)(-(cents + 1)) + 1;
	} else
		a = (unsigned long long)cents;
	n = snprintf(out, outsz, "%s%llu.%02llu %s", sign, a / 100, a % 100,
	    currency);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

/*
 * Decode one UTF-8 character at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). Returns its length and sets *cp, or 0
 * when the bytes are not valid UTF-8.
 */
static size_t
util_utf8_next(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf && (p[1] & 0xc0) == 0x80) {
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if (p[0] >= 0xe0 && p[0] <= 0xef && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		*cp = (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		if (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
		*cp = (uint32_t)(p[0] & 0x07) << 18 |
		    (uint32_t)(p[1] & 0x3f) << 12 |
		    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		if (*cp < 0x10000 || *cp > 0x10ffff)
			return 0;
		return 4;
	}
	return 0;
}

int
util_is_clean_text(const char *s, size_t maxlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len, n;
	uint32_t		 cp;

	if (s == NULL || (len = strlen(s)) == 0 || len > maxlen)
		return 0;
	if (s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	while (*p != '\0') {
		if ((n = util_utf8_next(p, &cp)) == 0)
			return 0;
		/* C0 and C1 controls, DEL, line and paragraph separators,
		 * and the bidirectional overrides that can disguise a name. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return 0;
		p += n;
	}
	return 1;
}

int
util_write_secret_file(const char *path, const void *data, size_t len)
{
	char		 tmp[PATH_MAX], dir[PATH_MAX];
	const char	*p = data;
	struct stat	 dst;
	ssize_t		 n;
	int		 fd = -1, dfd = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(dfd, &dst) == -1)
		goto fail;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		goto fail;
	/*
	 * Root writing into a folder of another user (saferoomctl keys rotate
	 * on the service user's key file) makes the file that user's, or the
	 * service could no longer read it. From the folder, not from the file
	 * replaced: the folder's owner could have made that a hard link to a
	 * third user's file and so be handed a file for that user.
	 */
	if (geteuid() == 0 && dst.st_uid != 0 &&
	    fchown(fd, dst.st_uid, dst.st_gid) == -1)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	(void)fsync(dfd);
	close(dfd);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	if (dfd != -1)
		close(dfd);
	errno = saved;
	return -1;
}
