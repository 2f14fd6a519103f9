/*
 * Unit test of server/util.c against include/saferoom/util.h: strict
 * integer and HH:MM parsing, hex both ways, money formatting to the last
 * cent of the range, the clean-text check that guards names typed by staff
 * (control characters, spaces at the ends, every kind of malformed UTF-8),
 * and the secret file writer (mode 0600 whatever the umask, atomic
 * replacement, nothing left behind on failure).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "saferoom/util.h"

#include "check.h"
#include "tmpdir.h"

/* util_parse_int(s, min, max) expected to give want. */
#define PARSE_OK(s, min, max, want) do {				\
	long long v_ = -4242;						\
	if (CHECK_INT(util_parse_int((s), (min), (max), &v_), 0))	\
		CHECK_INT(v_, (want));					\
} while (0)
#define PARSE_BAD(s, min, max) do {					\
	long long v_ = -4242;						\
	CHECK_INT(util_parse_int((s), (min), (max), &v_), -1);		\
} while (0)

static void
test_parse_int(void)
{
	/* Plain values and both bounds, which are inclusive. */
	PARSE_OK("0", 0, 10, 0);
	PARSE_OK("7", 0, 10, 7);
	PARSE_OK("10", 0, 10, 10);
	PARSE_OK("007", 0, 10, 7);
	PARSE_BAD("11", 0, 10);
	PARSE_BAD("4", 5, 600);
	PARSE_OK("5", 5, 600, 5);
	PARSE_OK("600", 5, 600, 600);
	PARSE_BAD("601", 5, 600);

	/* Signs: '-' only when the range has negatives; '+' never here. */
	PARSE_BAD("-1", 0, 10);
	PARSE_BAD("-0", 0, 10);
	PARSE_BAD("+5", 0, 10);
	PARSE_OK("-5", -10, 10, -5);
	PARSE_OK("-10", -10, 10, -10);
	PARSE_BAD("-11", -10, 10);
	PARSE_OK("-0", -10, 10, 0);
	PARSE_BAD("-", -10, 10);
	PARSE_BAD("--5", -10, 10);
	PARSE_BAD("-+5", -10, 10);

	/* No spaces, no trailing or leading text, not empty. */
	PARSE_BAD("", 0, 10);
	PARSE_BAD(" 5", 0, 10);
	PARSE_BAD("5 ", 0, 10);
	PARSE_BAD("5\n", 0, 10);
	PARSE_BAD("\t5", 0, 10);
	PARSE_BAD("5x", 0, 10);
	PARSE_BAD("x5", 0, 10);
	PARSE_BAD("5.0", 0, 10);
	PARSE_BAD("1e3", 0, 10000);
	PARSE_BAD("0x10", 0, 100);
	PARSE_BAD("1 000", 0, 10000);

	/* Large: 18 digits are fine; what would overflow is refused. */
	PARSE_OK("999999999999999999", 0, LLONG_MAX, 999999999999999999LL);
	PARSE_OK("-999999999999999999", LLONG_MIN, 0, -999999999999999999LL);
	PARSE_BAD("9999999999999999999", 0, LLONG_MAX);
	PARSE_BAD("18446744073709551616", 0, LLONG_MAX);
	PARSE_BAD("99999999999999999999999999999999", 0, LLONG_MAX);
	PARSE_BAD("-99999999999999999999", LLONG_MIN, LLONG_MAX);
	/* A 19-digit value that wraps to something in range if unchecked. */
	PARSE_BAD("18446744073709551617", 0, 10);
	PARSE_BAD("1000000000000000000", 0, 100000000);
}

static void
test_parse_hhmm(void)
{
	static const struct {
		const char	*s;
		int		 want;	/* -1: refused */
	} cases[] = {
		{ "00:00", 0 },
		{ "00:01", 1 },
		{ "09:00", 540 },
		{ "09:05", 545 },
		{ "12:30", 750 },
		{ "23:59", 1439 },
		{ "24:00", 1440 },
		{ "24:01", -1 },
		{ "25:00", -1 },
		{ "99:00", -1 },
		{ "12:60", -1 },
		{ "12:99", -1 },
		{ "9:00", -1 },
		{ "09:0", -1 },
		{ "0900", -1 },
		{ "09-00", -1 },
		{ "09:00 ", -1 },
		{ " 09:00", -1 },
		{ "09:00:00", -1 },
		{ "ab:cd", -1 },
		{ "-1:00", -1 },
		{ "+9:00", -1 },
		{ "", -1 },
	};
	size_t	 i;
	int	 m;

	for (i = 0; i < NELEM(cases); i++) {
		m = -4242;
		if (cases[i].want < 0) {
			if (!CHECK_INT(util_parse_hhmm(cases[i].s, &m), -1))
				fprintf(stderr, "\tinput \"%s\"\n", cases[i].s);
			continue;
		}
		if (!CHECK_INT(util_parse_hhmm(cases[i].s, &m), 0) ||
		    !CHECK_INT(m, cases[i].want))
			fprintf(stderr, "\tinput \"%s\"\n", cases[i].s);
	}
}

static void
test_hex(void)
{
	uint8_t		 all[256], back[256];
	char		 hex[2 * sizeof(all) + 1], small[8];
	uint8_t		 three[3] = { 0x00, 0xff, 0x0a }, out3[3];
	size_t		 i;

	util_hex(three, sizeof(three), small);
	CHECK_STR(small, "00ff0a");
	util_hex(three, 0, small);
	CHECK_STR(small, "");

	/* Every byte value survives the round trip. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)(255 - i);
	util_hex(all, sizeof(all), hex);
	CHECK_INT(strlen(hex), 2 * sizeof(all));
	CHECK(strspn(hex, "0123456789abcdef") == 2 * sizeof(all));
	memset(back, 0x55, sizeof(back));
	CHECK_INT(util_unhex(hex, back, sizeof(back)), 0);
	CHECK(memcmp(all, back, sizeof(all)) == 0);

	/* Upper case is hex too. */
	memset(out3, 0, sizeof(out3));
	CHECK_INT(util_unhex("00FF0A", out3, sizeof(out3)), 0);
	CHECK(memcmp(out3, three, sizeof(three)) == 0);
	CHECK_INT(util_unhex("", out3, 0), 0);

	/* Exactly outlen bytes: shorter, longer and odd lengths are refused. */
	CHECK_INT(util_unhex("00ff", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("00ff0a0b", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("00ff0", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("00ff0a0", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("", out3, sizeof(out3)), -1);

	/* Non-hex characters anywhere. */
	CHECK_INT(util_unhex("00ff0g", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("zz0000", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("0x00ff", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex(" 0ff0a", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("00ff0-", out3, sizeof(out3)), -1);
	CHECK_INT(util_unhex("00:f0a", out3, sizeof(out3)), -1);
}

static void
test_money(void)
{
	char	 buf[64], guard[16];

	CHECK_INT(util_money(buf, sizeof(buf), 0, "EUR"), 0);
	CHECK_STR(buf, "0.00 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), 5, "EUR"), 0);
	CHECK_STR(buf, "0.05 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), 50, "EUR"), 0);
	CHECK_STR(buf, "0.50 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), 9000, "EUR"), 0);
	CHECK_STR(buf, "90.00 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), 12345, "CHF"), 0);
	CHECK_STR(buf, "123.45 CHF");
	CHECK_INT(util_money(buf, sizeof(buf), -150, "EUR"), 0);
	CHECK_STR(buf, "-1.50 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), -5, "EUR"), 0);
	CHECK_STR(buf, "-0.05 EUR");

	/* The whole range, with no overflow at either end. */
	CHECK_INT(util_money(buf, sizeof(buf), LLONG_MAX, "EUR"), 0);
	CHECK_STR(buf, "92233720368547758.07 EUR");
	CHECK_INT(util_money(buf, sizeof(buf), LLONG_MIN, "EUR"), 0);
	CHECK_STR(buf, "-92233720368547758.08 EUR");

	/* Does not fit: -1, and nothing written past outsz. */
	memset(guard, 'G', sizeof(guard));
	CHECK_INT(util_money(guard, 9, 9000, "EUR"), -1);	/* needs 10 */
	CHECK(guard[8] == '\0' || guard[8] == 'G');
	CHECK(memchr(guard, '\0', 9) != NULL);
	CHECK(guard[9] == 'G');
	memset(guard, 'G', sizeof(guard));
	CHECK_INT(util_money(guard, 10, 9000, "EUR"), 0);
	CHECK_STR(guard, "90.00 EUR");
	CHECK(guard[10] == 'G');
	CHECK_INT(util_money(buf, 20, LLONG_MAX, "EUR"), -1);
}

static void
test_clean_text(void)
{
	static const struct {
		const char	*s;
		int		 ok;
		const char	*why;
	} cases[] = {
		{ "Anna", 1, "ascii" },
		{ "Dr. Jürgen Ö", 1, "two-byte UTF-8" },
		{ "Paar- & Sexualtherapie (60 min)", 1, "punctuation" },
		{ "Ärztin Şule Çelik", 1, "Latin Extended" },
		{ "\xe2\x82\xac 5", 1, "three-byte UTF-8 (euro sign)" },
		{ "\xef\xbf\xbd", 1, "U+FFFD, last of the three-byte rows" },
		{ "\xf0\x9f\x98\x80", 1, "four-byte UTF-8 (emoji)" },
		{ "\xf4\x8f\xbf\xbf", 1, "U+10FFFF, the last code point" },
		{ "a b", 1, "inner space" },

		{ "", 0, "empty" },
		{ " Anna", 0, "leading space" },
		{ "Anna ", 0, "trailing space" },
		{ " ", 0, "only a space" },
		{ "An\tna", 0, "tab" },
		{ "An\nna", 0, "newline" },
		{ "An\rna", 0, "carriage return" },
		{ "\x1b[31mred", 0, "escape" },
		{ "a\x7f", 0, "DEL" },
		{ "\x01", 0, "SOH" },

		{ "\xc3\x28", 0, "bad continuation byte" },
		{ "\xc3", 0, "truncated two-byte sequence" },
		{ "a\xe2\x82", 0, "truncated three-byte sequence" },
		{ "\x80", 0, "lone continuation byte" },
		{ "\xbf", 0, "lone continuation byte" },
		{ "\xfe", 0, "0xfe is never UTF-8" },
		{ "\xff", 0, "0xff is never UTF-8" },
		{ "\xc0\xaf", 0, "overlong '/' in two bytes" },
		{ "\xc1\xbf", 0, "overlong in two bytes" },
		{ "\xf5\x80\x80\x80", 0, "lead byte above 0xf4" },

		/* Found by this test; see the report. */
		{ "\xe0\x80\xaf", 0, "overlong '/' in three bytes" },
		{ "\xe0\x9f\xbf", 0, "overlong U+07FF in three bytes" },
		{ "\xf0\x80\x80\xaf", 0, "overlong '/' in four bytes" },
		{ "\xf0\x8f\xbf\xbf", 0, "overlong U+FFFF in four bytes" },
		{ "\xed\xa0\x80", 0, "UTF-16 surrogate U+D800" },
		{ "\xed\xbf\xbf", 0, "UTF-16 surrogate U+DFFF" },
		{ "\xf4\x90\x80\x80", 0, "U+110000, beyond Unicode" },
		{ "a\xc2\x85" "b", 0, "C1 control U+0085 (NEL)" },
		{ "\xc2\x9b" "31m", 0, "C1 control U+009B (CSI)" },
		{ "\xc2\x80", 0, "C1 control U+0080" },
		{ "\xc2\x9f", 0, "C1 control U+009F" },
	};
	char	 buf[128];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++)
		if (!CHECK_INT(util_is_clean_text(cases[i].s, 100) != 0,
		    cases[i].ok))
			fprintf(stderr, "\tcase %zu: %s\n", i, cases[i].why);

	/* Bounds are in bytes: maxlen fits, maxlen + 1 does not. */
	memset(buf, 'x', sizeof(buf));
	buf[100] = '\0';
	CHECK(util_is_clean_text(buf, 100));
	buf[100] = 'x';
	buf[101] = '\0';
	CHECK(!util_is_clean_text(buf, 100));
	/* "ü" is two bytes: four of them are 8 bytes, too long for 7. */
	CHECK(util_is_clean_text("üüüü", 8));
	CHECK(!util_is_clean_text("üüüü", 7));
	CHECK(util_is_clean_text("x", 1));
	CHECK(!util_is_clean_text("x", 0));
}

/* How many entries (but . and ..) does dir hold? -1 if unreadable. */
static int
count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
test_secret_file(void)
{
	char		 dir[TMPDIR_MAX], path[TMPDIR_MAX], tmp[TMPDIR_MAX];
	char		 other[TMPDIR_MAX], sub[TMPDIR_MAX], buf[256];
	static const char secret[] = "mac 1 00112233\n";
	mode_t		 old;
	int		 saved;

	if (tmpdir_make(dir, "util") == -1) {
		CHECK(!"temporary directory");
		return;
	}
	tmpdir_path(path, dir, "secret");
	tmpdir_cat(tmp, path, ".tmp");

	/* Mode 0600 even when the umask would allow everything. */
	old = umask(0);
	CHECK_INT(util_write_secret_file(path, secret, strlen(secret)), 0);
	umask(old);
	CHECK_INT(tmpdir_mode(path), 0600);
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), strlen(secret));
	CHECK_STR(buf, secret);
	CHECK(!tmpdir_exists(tmp));
	CHECK_INT(count_entries(dir), 1);

	/* Overwrite: new content, and a loose mode on the old file is gone. */
	CHECK_INT(chmod(path, 0644), 0);
	old = umask(0);
	CHECK_INT(util_write_secret_file(path, "new", 3), 0);
	umask(old);
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "new");
	CHECK_INT(tmpdir_mode(path), 0600);
	CHECK_INT(count_entries(dir), 1);

	/*
	 * Root writing into another user's folder (saferoomctl keys rotate
	 * on the service user's key file) leaves the file that user's, not
	 * root's; the owner comes from the folder, not from the replaced file,
	 * which the folder's owner could have made a hard link to a third
	 * user's file. In root's own folder root keeps it.
	 */
	if (geteuid() == 0) {
		struct stat	 st;

		CHECK_INT(chown(dir, 65534, 65534), 0);
		CHECK_INT(chown(path, 12345, 12345), 0);
		CHECK_INT(util_write_secret_file(path, "theirs", 6), 0);
		CHECK_INT(stat(path, &st), 0);
		CHECK_INT(st.st_uid, 65534);
		CHECK_INT(st.st_gid, 65534);
		CHECK_INT(tmpdir_mode(path), 0600);
		CHECK_INT(chown(dir, 0, 0), 0);
		CHECK_INT(chown(path, 12345, 12345), 0);
		CHECK_INT(util_write_secret_file(path, "root's", 6), 0);
		CHECK_INT(stat(path, &st), 0);
		CHECK_INT(st.st_uid, 0);
		CHECK_INT(st.st_gid, 0);
	}

	/* A folder that is a symbolic link is refused. */
	{
		char	 link[TMPDIR_MAX], via[TMPDIR_MAX];

		tmpdir_cat(link, dir, ".link");
		CHECK_INT(symlink(dir, link), 0);
		tmpdir_path(via, link, "via");
		CHECK_INT(util_write_secret_file(via, "x", 1), -1);
		CHECK(!tmpdir_exists(via));
		CHECK_INT(unlink(link), 0);
	}

	/* Binary data with NUL bytes, and an empty file. */
	CHECK_INT(util_write_secret_file(path, "a\0b", 3), 0);
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "a\0b", 3) == 0);
	CHECK_INT(util_write_secret_file(path, "", 0), 0);
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), 0);

	/* A stale temporary file from a crash does not block the write. */
	CHECK_INT(tmpdir_write(tmp, "stale", 5, 0644), 0);
	CHECK_INT(util_write_secret_file(path, "fresh", 5), 0);
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "fresh");
	CHECK(!tmpdir_exists(tmp));

	/*
	 * A symbolic link planted at the temporary name is not written
	 * through: the file it points to keeps its content.
	 */
	tmpdir_path(other, dir, "other");
	CHECK_INT(tmpdir_write(other, "untouched", 9, 0644), 0);
	CHECK_INT(symlink(other, tmp), 0);
	CHECK_INT(util_write_secret_file(path, "linked?", 7), 0);
	CHECK_INT(tmpdir_read(other, buf, sizeof(buf)), 9);
	CHECK_STR(buf, "untouched");
	CHECK_INT(tmpdir_read(path, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "linked?");
	CHECK_INT(tmpdir_mode(path), 0600);
	CHECK(!tmpdir_exists(tmp));
	CHECK_INT(unlink(other), 0);

	/* A missing directory: -1 with errno, and nothing made. */
	tmpdir_path(sub, dir, "missing");
	tmpdir_path(path, sub, "secret");
	errno = 0;
	CHECK_INT(util_write_secret_file(path, secret, strlen(secret)), -1);
	saved = errno;
	CHECK_INT(saved, ENOENT);
	CHECK(!tmpdir_exists(sub));
	CHECK_INT(count_entries(dir), 1);	/* "secret" from above */

	/*
	 * Failure after the temporary file was made (the target is a
	 * directory that is not empty, so rename fails): the temporary file
	 * is removed and the directory is left as it was.
	 */
	CHECK_INT(mkdir(sub, 0700), 0);
	tmpdir_path(path, sub, "inner");
	CHECK_INT(tmpdir_write(path, "x", 1, 0600), 0);
	tmpdir_cat(tmp, sub, ".tmp");
	errno = 0;
	CHECK_INT(util_write_secret_file(sub, secret, strlen(secret)), -1);
	CHECK(errno != 0);
	CHECK(!tmpdir_exists(tmp));
	CHECK_INT(count_entries(sub), 1);
	CHECK_INT(count_entries(dir), 2);	/* "secret" and "missing" */

	tmpdir_remove(dir);
}

int
main(void)
{
	test_parse_int();
	test_parse_hhmm();
	test_hex();
	test_money();
	test_clean_text();
	test_secret_file();
	return check_done();
}
