/*
 * Unit test of server/keys.c against include/saferoom/keys.h: the key
 * file is made on first load with mode 0600 (whatever the umask) and gives
 * the same keys on every later load; a file readable by others, or one
 * that is malformed, is refused with a sentence; keys_mac is a keyed,
 * deterministic HMAC-SHA-256 separated by label. Rotation: a new ticket
 * key signs while the old one verifies until its keep_until, then goes
 * (but never the signer, never past KEYS_TICKET_MAX: refused instead); a
 * new MAC key replaces the old; keys_save writes the format keys.h
 * describes, mode 0600, and reads back the same.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "saferoom/keys.h"
#include "saferoom/ticket.h"
#include "saferoom/util.h"

#include "check.h"
#include "tmpdir.h"

static char	 tmp[TMPDIR_MAX];

#define HEX_A	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"

/* Write text as a key file with mode and load it. */
static struct keys *
load_text(const char *name, const char *text, mode_t mode,
    char err[KEYS_ERR_MAX])
{
	char	 path[TMPDIR_MAX];

	tmpdir_path(path, tmp, name);
	if (tmpdir_write(path, text, strlen(text), mode) == -1) {
		fprintf(stderr, "cannot write %s\n", path);
		abort();
	}
	err[0] = '\0';
	return keys_load_or_create(path, NULL, err);
}

static void
test_path(void)
{
	char	 out[64];

	CHECK_INT(keys_path("/var/db/saferoom.db", out, sizeof(out)), 0);
	CHECK_STR(out, "/var/db/saferoom.db.keys");
	CHECK_INT(keys_path("abc", out, 9), 0);		/* "abc.keys" + NUL */
	CHECK_STR(out, "abc.keys");
	CHECK_INT(keys_path("abc", out, 8), -1);
}

static void
test_create_and_reload(void)
{
	struct keys	*a, *b;
	char		 db[TMPDIR_MAX], path[TMPDIR_MAX], err[KEYS_ERR_MAX];
	char		 text[4096];
	static const uint8_t zero[KEYS_MAC_LEN];
	mode_t		 old;
	size_t		 i;

	tmpdir_path(db, tmp, "saferoom.db");
	CHECK_INT(keys_path(db, path, sizeof(path)), 0);

	old = umask(0);
	err[0] = '\0';
	a = keys_load_or_create(path, NULL, err);
	umask(old);
	if (!CHECK(a != NULL)) {
		fprintf(stderr, "\t%s\n", err);
		return;
	}
	CHECK(tmpdir_exists(path));
	CHECK_INT(tmpdir_mode(path), 0600);
	CHECK(memcmp(a->mac, zero, sizeof(zero)) != 0);
	CHECK(a->nticket >= 1 && a->nticket <= KEYS_TICKET_MAX);
	for (i = 0; i < a->nticket; i++)
		CHECK(a->ticket[i].pkey != NULL);
	/* No secret in clear beyond the two keys' hex: no leftovers. */
	{
		char	 t[TMPDIR_MAX];

		CHECK(!tmpdir_exists(tmpdir_cat(t, path, ".tmp")));
	}
	CHECK(tmpdir_read(path, text, sizeof(text)) > 0);

	/* A second load gives the same keys and does not rewrite the file. */
	err[0] = '\0';
	b = keys_load_or_create(path, NULL, err);
	if (CHECK(b != NULL)) {
		CHECK_INT(b->mac_id, a->mac_id);
		CHECK(memcmp(b->mac, a->mac, KEYS_MAC_LEN) == 0);
		if (CHECK_INT(b->nticket, a->nticket)) {
			for (i = 0; i < a->nticket; i++) {
				CHECK_INT(b->ticket[i].id, a->ticket[i].id);
				CHECK(memcmp(b->ticket[i].seed,
				    a->ticket[i].seed, KEYS_ED25519_LEN) == 0);
				CHECK(b->ticket[i].pkey != NULL);
				CHECK(EVP_PKEY_eq(b->ticket[i].pkey,
				    a->ticket[i].pkey) == 1);
			}
		}
	} else
		fprintf(stderr, "\t%s\n", err);
	{
		char	 again[4096];

		CHECK(tmpdir_read(path, again, sizeof(again)) > 0);
		CHECK_STR(again, text);
	}
	keys_free(b);

	/* Another file: other keys. */
	tmpdir_path(path, tmp, "other.keys");
	b = keys_load_or_create(path, NULL, err);
	if (CHECK(b != NULL))
		CHECK(memcmp(b->mac, a->mac, KEYS_MAC_LEN) != 0);
	keys_free(b);
	keys_free(a);
	keys_free(NULL);

	/* A directory that does not exist: NULL and a sentence. */
	tmpdir_path(path, tmp, "no-dir/x.keys");
	err[0] = '\0';
	CHECK(keys_load_or_create(path, NULL, err) == NULL);
	CHECK(err[0] != '\0');
}

static void
test_modes(void)
{
	static const char good[] = "# comment\nmac 3 " HEX_A "\nticket 2 "
	    HEX_B "\n";
	static const mode_t refused[] = { 0644, 0640, 0604, 0660, 0606, 0666,
	    0777, 0610, 0601 };
	struct keys	*k;
	char		 err[KEYS_ERR_MAX], path[TMPDIR_MAX];
	size_t		 i;

	k = load_text("good.keys", good, 0600, err);
	if (CHECK(k != NULL)) {
		uint8_t	 want[KEYS_MAC_LEN];

		CHECK_INT(util_unhex(HEX_A, want, sizeof(want)), 0);
		CHECK_INT(k->mac_id, 3);
		CHECK(memcmp(k->mac, want, sizeof(want)) == 0);
		if (CHECK_INT(k->nticket, 1)) {
			CHECK_INT(k->ticket[0].id, 2);
			CHECK_INT(util_unhex(HEX_B, want, sizeof(want)), 0);
			CHECK(memcmp(k->ticket[0].seed, want,
			    sizeof(want)) == 0);
			CHECK(k->ticket[0].pkey != NULL);
		}
	} else
		fprintf(stderr, "\t%s\n", err);
	keys_free(k);

	for (i = 0; i < NELEM(refused); i++) {
		k = load_text("loose.keys", good, refused[i], err);
		if (!CHECK(k == NULL))
			fprintf(stderr, "\tmode %03o accepted\n",
			    (unsigned)refused[i]);
		keys_free(k);
		CHECK(strstr(err, "loose.keys") != NULL);
		CHECK(strstr(err, "mode") != NULL || strstr(err, "600"));
	}
	/* Refused, and left alone: not "repaired" or replaced. */
	tmpdir_path(path, tmp, "loose.keys");
	CHECK_INT(tmpdir_mode(path), 0601);
	{
		char	 back[512];

		CHECK(tmpdir_read(path, back, sizeof(back)) > 0);
		CHECK_STR(back, good);
	}
}

static void
test_malformed(void)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "", "empty" },
		{ "# only a comment\n", "no keys" },
		{ "mac 1 " HEX_A "\n", "no ticket key" },
		{ "ticket 1 " HEX_B "\n", "no mac key" },
		{ "mac 1 " HEX_A "\nticket 1 zz" HEX_B "\n", "not hex" },
		{ "mac 1 " HEX_A "00\nticket 1 " HEX_B "\n", "mac too long" },
		{ "mac 1 000102\nticket 1 " HEX_B "\n", "mac too short" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B "0\n", "odd length" },
		{ "mac " HEX_A "\nticket 1 " HEX_B "\n", "no id" },
		{ "mac x " HEX_A "\nticket 1 " HEX_B "\n", "id not a number" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B "\nsalt 1 " HEX_A "\n",
		    "unknown kind" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B "\ngarbage\n", "junk line" },
		{ "mac 1 " HEX_A "\nmac 2 " HEX_B "\nticket 1 " HEX_B "\n",
		    "two mac keys" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B "\nticket 1 " HEX_A "\n",
		    "two ticket keys with one id" },
		{ "mac 1 " HEX_A " 5 6\nticket 1 " HEX_B "\n", "mac with retirement" },
		{ "mac 1 " HEX_A " x\nticket 1 " HEX_B "\n", "created not a number" },
		{ "mac 1 " HEX_A " -5\nticket 1 " HEX_B "\n", "created negative" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 6\n", "retired without keep" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 6 7 8\n", "seven fields" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 6 1e9\n", "keep not a number" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 6 999999999999\n",
		    "keep past KEYS_TIME_MAX" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5\nticket 2 " HEX_A
		    " 6 7 8\n", "the signer retired" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 0 9\nticket 2 " HEX_A
		    " 6\n", "keep_until without retired" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 7 0\nticket 2 " HEX_A
		    " 6\n", "retired without keep_until" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B " 5 0 9\n",
		    "the signer with a keep_until" },
		{ "mac 4294967296 " HEX_A "\nticket 1 " HEX_B "\n", "id too large" },
		{ "mac 1 " HEX_A "\nticket 1 " HEX_B "\n"
		  "ticket 2 " HEX_B "\nticket 3 " HEX_B "\nticket 4 " HEX_B "\n"
		  "ticket 5 " HEX_B "\nticket 6 " HEX_B "\nticket 7 " HEX_B "\n"
		  "ticket 8 " HEX_B "\nticket 9 " HEX_B "\n",
		    "more ticket keys than KEYS_TICKET_MAX" },
	};
	struct keys	*k;
	char		 err[KEYS_ERR_MAX], *big;
	size_t		 i;

	for (i = 0; i < NELEM(bad); i++) {
		k = load_text("bad.keys", bad[i].text, 0600, err);
		if (!CHECK(k == NULL))
			fprintf(stderr, "\taccepted: %s\n", bad[i].why);
		keys_free(k);
		if (!CHECK(strstr(err, "bad.keys") != NULL))
			fprintf(stderr, "\t%s: err \"%s\"\n", bad[i].why, err);
	}

	/* Eight ticket keys are fine; the newest is last. */
	k = load_text("eight.keys", "mac 1 " HEX_A "\nticket 1 " HEX_B "\n"
	    "ticket 2 " HEX_A "\nticket 3 " HEX_B "\nticket 4 " HEX_B "\n"
	    "ticket 5 " HEX_B "\nticket 6 " HEX_B "\nticket 7 " HEX_B "\n"
	    "ticket 8 " HEX_A "\n", 0600, err);
	if (CHECK(k != NULL) && CHECK_INT(k->nticket, 8))
		CHECK_INT(k->ticket[7].id, 8);
	keys_free(k);

	/* A file far too large. */
	if ((big = malloc(20001)) == NULL)
		abort();
	memset(big, '#', 20000);
	big[20000] = '\0';
	k = load_text("big.keys", big, 0600, err);
	CHECK(k == NULL);
	keys_free(k);
	free(big);
}

/*
 * Only a plain file is read: a symbolic link or a FIFO planted as the key
 * file is refused, the FIFO without waiting for a writer. The stat handed
 * back is that of the file read.
 */
static void
test_special_files(void)
{
	static const char good[] = "mac 1 " HEX_A "\nticket 1 " HEX_B "\n";
	struct keys	*k;
	struct stat	 got, want;
	char		 err[KEYS_ERR_MAX], path[TMPDIR_MAX], link[TMPDIR_MAX];

	k = load_text("real.keys", good, 0600, err);
	CHECK(k != NULL);
	keys_free(k);
	tmpdir_path(path, tmp, "real.keys");
	tmpdir_path(link, tmp, "link.keys");
	CHECK_INT(symlink(path, link), 0);
	err[0] = '\0';
	CHECK(keys_load(link, NULL, err) == NULL);
	CHECK(strstr(err, "link.keys") != NULL);

	memset(&got, 0, sizeof(got));
	k = keys_load(path, &got, err);
	CHECK(k != NULL);
	keys_free(k);
	CHECK_INT(stat(path, &want), 0);
	CHECK(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
	CHECK_INT(got.st_size, want.st_size);

	/* A file made by the load: its stat too. */
	tmpdir_path(path, tmp, "made.keys");
	memset(&got, 0, sizeof(got));
	k = keys_load_or_create(path, &got, err);
	CHECK(k != NULL);
	keys_free(k);
	CHECK_INT(stat(path, &want), 0);
	CHECK(got.st_ino == want.st_ino && got.st_dev == want.st_dev);

	/* Would block in open() for ever before the fix: alarm ends it. */
	tmpdir_path(path, tmp, "fifo.keys");
	CHECK_INT(mkfifo(path, 0600), 0);
	alarm(20);
	err[0] = '\0';
	CHECK(keys_load(path, NULL, err) == NULL);
	alarm(0);
	CHECK(strstr(err, "fifo.keys") != NULL);
}

static void
test_new_file_has_times(void)
{
	struct keys	*k;
	char		 path[TMPDIR_MAX], err[KEYS_ERR_MAX], text[4096], want[256];
	char		 hex[2 * KEYS_MAC_LEN + 1];
	time_t		 before = time(NULL), after;

	tmpdir_path(path, tmp, "times.keys");
	k = keys_load_or_create(path, NULL, err);
	after = time(NULL);
	if (!CHECK(k != NULL))
		return;
	CHECK(k->mac_created >= before && k->mac_created <= after);
	if (CHECK_INT(k->nticket, 1)) {
		CHECK(k->ticket[0].created >= before &&
		    k->ticket[0].created <= after);
		CHECK_INT(k->ticket[0].retired, 0);
		CHECK_INT(k->ticket[0].keep_until, 0);
	}
	CHECK(tmpdir_read(path, text, sizeof(text)) > 0);
	util_hex(k->mac, KEYS_MAC_LEN, hex);
	snprintf(want, sizeof(want), "\nmac 1 %s %lld\n", hex,
	    (long long)k->mac_created);
	CHECK(strstr(text, want) != NULL);
	util_hex(k->ticket[0].seed, KEYS_ED25519_LEN, hex);
	snprintf(want, sizeof(want), "\nticket 1 %s %lld\n", hex,
	    (long long)k->ticket[0].created);
	CHECK(strstr(text, want) != NULL);
	keys_free(k);

	/* keys_load never makes a file. */
	tmpdir_path(path, tmp, "none.keys");
	errno = 0;
	CHECK(keys_load(path, NULL, err) == NULL);
	CHECK_INT(errno, ENOENT);
	CHECK(strstr(err, "none.keys") != NULL);
	CHECK(!tmpdir_exists(path));
}

static void
test_rotate_ticket(void)
{
	struct keys	*k, *back;
	char		 path[TMPDIR_MAX], err[KEYS_ERR_MAX], text[4096], want[256];
	char		 t1[TICKET_MAX], t2[TICKET_MAX], ref[TICKET_REF_MAX];
	char		 hex[2 * KEYS_MAC_LEN + 1], tmpf[TMPDIR_MAX];
	uint8_t		 mac[KEYS_MAC_LEN];
	time_t		 start, now = time(NULL);
	size_t		 i;

	k = load_text("rot.keys", "mac 3 " HEX_A " 100\nticket 4 " HEX_B
	    " 200\n", 0600, err);
	if (!CHECK(k != NULL))
		return;
	memcpy(mac, k->mac, sizeof(mac));
	CHECK_INT(ticket_sign(k, "ABCD1234", 1700000000, t1), 0);
	CHECK(strstr(t1, ":1700000000:4:") != NULL);

	CHECK_INT(keys_rotate_ticket(k, now, now + 3600, err), 0);
	if (!CHECK_INT(k->nticket, 2))
		goto done;
	CHECK_INT(k->ticket[0].id, 4);
	CHECK_INT(k->ticket[0].created, 200);
	CHECK_INT(k->ticket[0].retired, now);
	CHECK_INT(k->ticket[0].keep_until, now + 3600);
	CHECK_INT(k->ticket[1].id, 5);
	CHECK_INT(k->ticket[1].created, now);
	CHECK_INT(k->ticket[1].retired, 0);
	CHECK_INT(k->ticket[1].keep_until, 0);
	CHECK(memcmp(k->ticket[1].seed, k->ticket[0].seed,
	    KEYS_ED25519_LEN) != 0);
	/* The MAC key is not touched by a ticket rotation. */
	CHECK_INT(k->mac_id, 3);
	CHECK(memcmp(k->mac, mac, sizeof(mac)) == 0);

	/* The new key signs; the old pass still verifies. */
	CHECK_INT(ticket_sign(k, "ABCD1234", 1700000000, t2), 0);
	CHECK(strstr(t2, ":1700000000:5:") != NULL);
	CHECK_INT(ticket_verify(k, t1, ref, &start), 0);
	CHECK_INT(ticket_verify(k, t2, ref, &start), 0);

	/* Saved atomically with mode 0600, in the documented format. */
	tmpdir_path(path, tmp, "rot.keys");
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(keys_save(k, path, err), 0);
	CHECK_INT(tmpdir_mode(path), 0600);
	CHECK(!tmpdir_exists(tmpdir_cat(tmpf, path, ".tmp")));
	CHECK(tmpdir_read(path, text, sizeof(text)) > 0);
	CHECK(strncmp(text, "# ", 2) == 0);
	snprintf(want, sizeof(want), "\nmac 3 " HEX_A " 100\nticket 4 " HEX_B
	    " 200 %lld %lld\nticket 5 ", (long long)now, (long long)now + 3600);
	CHECK(strstr(text, want) != NULL);
	util_hex(k->ticket[1].seed, KEYS_ED25519_LEN, hex);
	snprintf(want, sizeof(want), "\nticket 5 %s %lld\n", hex, (long long)now);
	CHECK(strstr(text, want) != NULL);

	back = keys_load(path, NULL, err);
	if (CHECK(back != NULL) && CHECK_INT(back->nticket, 2)) {
		CHECK_INT(back->mac_id, 3);
		CHECK_INT(back->mac_created, 100);
		CHECK(memcmp(back->mac, k->mac, KEYS_MAC_LEN) == 0);
		for (i = 0; i < 2; i++) {
			CHECK_INT(back->ticket[i].id, k->ticket[i].id);
			CHECK_INT(back->ticket[i].created, k->ticket[i].created);
			CHECK_INT(back->ticket[i].retired, k->ticket[i].retired);
			CHECK_INT(back->ticket[i].keep_until,
			    k->ticket[i].keep_until);
			CHECK(memcmp(back->ticket[i].seed, k->ticket[i].seed,
			    KEYS_ED25519_LEN) == 0);
		}
		CHECK_INT(ticket_verify(back, t1, ref, &start), 0);
	}
	keys_free(back);

	/* Nothing goes before keep_until; at keep_until the old key goes. */
	CHECK_INT(keys_prune(k, now + 3599), 0);
	CHECK_INT(k->nticket, 2);
	/* Past keep_until the old key verifies nothing, even before a prune. */
	k->ticket[0].keep_until = now - 1;
	CHECK_INT(ticket_verify(k, t1, ref, &start), -1);
	CHECK_INT(ticket_verify(k, t2, ref, &start), 0);
	k->ticket[0].keep_until = now + 3600;
	CHECK_INT(ticket_verify(k, t1, ref, &start), 0);
	CHECK_INT(keys_prune(k, now + 3600), 1);
	if (CHECK_INT(k->nticket, 1)) {
		CHECK_INT(k->ticket[0].id, 5);
		CHECK_INT(k->ticket[0].retired, 0);
	}
	CHECK_INT(ticket_verify(k, t1, ref, &start), -1);
	CHECK_INT(ticket_verify(k, t2, ref, &start), 0);
	/* The signer never goes, however late. */
	CHECK_INT(keys_prune(k, (time_t)KEYS_TIME_MAX), 0);
	CHECK_INT(k->nticket, 1);
	/* The next id is one above the highest ever kept, not reused. */
	CHECK_INT(keys_rotate_ticket(k, now, now + 10, err), 0);
	if (CHECK_INT(k->nticket, 2))
		CHECK_INT(k->ticket[1].id, 6);
done:
	keys_free(k);
}

static void
test_rotate_full(void)
{
	struct keys	*k;
	struct keys	 before;
	char		 err[KEYS_ERR_MAX];
	time_t		 now = time(NULL);
	size_t		 i;

	/* Seven retired keys still needed (one legacy, kept for ever). */
	k = load_text("full.keys", "mac 1 " HEX_A "\n"
	    "ticket 1 " HEX_B "\n"
	    "ticket 2 " HEX_A " 1 2 99999999999\n"
	    "ticket 3 " HEX_B " 1 2 99999999999\n"
	    "ticket 4 " HEX_A " 1 2 99999999999\n"
	    "ticket 5 " HEX_B " 1 2 99999999999\n"
	    "ticket 6 " HEX_A " 1 2 99999999999\n"
	    "ticket 7 " HEX_B " 1 2 5\n"
	    "ticket 8 " HEX_A " 1\n", 0600, err);
	if (!CHECK(k != NULL)) {
		fprintf(stderr, "\t%s\n", err);
		return;
	}
	CHECK_INT(k->nticket, KEYS_TICKET_MAX);
	/* Key 7 is past keep_until: no longer live. */
	CHECK(!keys_ticket_live(&k->ticket[6], now));
	CHECK(keys_ticket_live(&k->ticket[5], now));
	CHECK(keys_ticket_live(&k->ticket[0], now));
	CHECK(keys_ticket_live(&k->ticket[7], now));

	memcpy(&before, k, sizeof(before));
	/* Full without a prune: refused, nothing changed. */
	CHECK_INT(keys_rotate_ticket(k, now, now + 10, err), 1);
	CHECK(memcmp(&before, k, sizeof(before)) == 0);
	OPENSSL_cleanse(&before, sizeof(before));

	/* A prune makes room: only key 7 goes; the order is kept. */
	CHECK_INT(keys_prune(k, now), 1);
	if (CHECK_INT(k->nticket, 7))
		for (i = 0; i < 7; i++)
			CHECK_INT(k->ticket[i].id, i < 6 ? i + 1 : 8);
	CHECK_INT(keys_rotate_ticket(k, now, now + 10, err), 0);
	if (CHECK_INT(k->nticket, 8)) {
		CHECK_INT(k->ticket[7].id, 9);
		CHECK_INT(k->ticket[6].id, 8);
		CHECK_INT(k->ticket[6].retired, now);
	}
	/* Full again, and nothing can go: refused. */
	CHECK_INT(keys_prune(k, now), 0);
	CHECK_INT(keys_rotate_ticket(k, now, now + 10, err), 1);
	CHECK_INT(k->nticket, 8);
	keys_free(k);
}

static void
test_rotate_mac(void)
{
	struct keys	*k;
	char		 err[KEYS_ERR_MAX];
	uint8_t		 old[KEYS_MAC_LEN], m1[32], m2[32], seed[KEYS_ED25519_LEN];
	time_t		 now = time(NULL);

	k = load_text("mac-rot.keys", "mac 7 " HEX_A " 100\nticket 2 " HEX_B
	    " 50\n", 0600, err);
	if (!CHECK(k != NULL))
		return;
	memcpy(old, k->mac, sizeof(old));
	memcpy(seed, k->ticket[0].seed, sizeof(seed));
	keys_mac(k, "manage-cookie", "12.34", 5, m1);
	CHECK_INT(keys_rotate_mac(k, now, err), 0);
	CHECK_INT(k->mac_id, 8);
	CHECK_INT(k->mac_created, now);
	CHECK(memcmp(k->mac, old, sizeof(old)) != 0);
	keys_mac(k, "manage-cookie", "12.34", 5, m2);
	CHECK(memcmp(m1, m2, sizeof(m1)) != 0);
	/* Ticket keys untouched. */
	if (CHECK_INT(k->nticket, 1)) {
		CHECK_INT(k->ticket[0].id, 2);
		CHECK(memcmp(k->ticket[0].seed, seed, sizeof(seed)) == 0);
		CHECK_INT(k->ticket[0].retired, 0);
	}
	keys_free(k);
}

static void
test_mac(void)
{
	struct keys	*k, *other;
	char		 err[KEYS_ERR_MAX];
	uint8_t		 m1[32], m2[32], want[32], key[KEYS_MAC_LEN];
	unsigned int	 wlen = sizeof(want);
	static const char msg[] = "label\0data";

	k = load_text("mac.keys", "mac 1 " HEX_A "\nticket 1 " HEX_B "\n",
	    0600, err);
	other = load_text("mac2.keys", "mac 1 " HEX_B "\nticket 1 " HEX_B "\n",
	    0600, err);
	if (!CHECK(k != NULL && other != NULL)) {
		keys_free(k);
		keys_free(other);
		return;
	}

	/* Deterministic. */
	keys_mac(k, "cookie", "abc", 3, m1);
	keys_mac(k, "cookie", "abc", 3, m2);
	CHECK(memcmp(m1, m2, 32) == 0);

	/* Differs by label, by data, by key. */
	keys_mac(k, "csrf", "abc", 3, m2);
	CHECK(memcmp(m1, m2, 32) != 0);
	keys_mac(k, "cookie", "abd", 3, m2);
	CHECK(memcmp(m1, m2, 32) != 0);
	keys_mac(k, "cookie", "abc", 2, m2);
	CHECK(memcmp(m1, m2, 32) != 0);
	keys_mac(other, "cookie", "abc", 3, m2);
	CHECK(memcmp(m1, m2, 32) != 0);

	/* Label and data cannot be traded against each other. */
	keys_mac(k, "ab", "c", 1, m1);
	keys_mac(k, "a", "bc", 2, m2);
	CHECK(memcmp(m1, m2, 32) != 0);
	keys_mac(k, "", "abc", 3, m1);
	keys_mac(k, "abc", "", 0, m2);
	CHECK(memcmp(m1, m2, 32) != 0);

	/*
	 * Known answer: HMAC-SHA-256 under the file's MAC key of label, a
	 * zero byte, data. Cookies and CSRF tokens of a running server
	 * depend on this staying the same from one version to the next.
	 */
	CHECK_INT(util_unhex(HEX_A, key, sizeof(key)), 0);
	CHECK(HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)msg,
	    sizeof(msg) - 1, want, &wlen) != NULL);
	keys_mac(k, "label", "data", 4, m1);
	CHECK(memcmp(m1, want, 32) == 0);
	/* And the plain HMAC of the data alone is not what it gives. */
	CHECK(HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)"data",
	    4, want, &wlen) != NULL);
	CHECK(memcmp(m1, want, 32) != 0);

	keys_free(k);
	keys_free(other);
}

int
main(void)
{
	if (tmpdir_make(tmp, "keys") == -1)
		return 1;
	test_path();
	test_create_and_reload();
	test_modes();
	test_malformed();
	test_special_files();
	test_mac();
	test_new_file_has_times();
	test_rotate_ticket();
	test_rotate_full();
	test_rotate_mac();
	tmpdir_remove(tmp);
	return check_done();
}
