/*
 * Unit test of server/ticket.c: sign and verify round trips, a known-answer
 * pass made with the RFC 8032 test key (its signature computed apart, with
 * the openssl command line), every one-character change and every
 * truncation of a pass refused, passes of another key file or with a wrong
 * key id refused, key rotation (an older key still verifies), and
 * well-signed but non-canonical spellings refused by the parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "saferoom/base32.h"
#include "saferoom/keys.h"
#include "saferoom/ticket.h"

#include "check.h"
#include "tmpdir.h"

#define QR_ALNUM	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

#define ZERO_HEX	"0000000000000000000000000000000000000000000000000000000000000000"
#define RFC8032_SEED	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define SEED_A		"1111111111111111111111111111111111111111111111111111111111111111"
#define SEED_B		"2222222222222222222222222222222222222222222222222222222222222222"

/* SR1:ABCD1234:1700000000:1 signed with RFC 8032 test 1's key. */
#define KAT_TICKET	"SR1:ABCD1234:1700000000:1:"			\
	"6BVYUGJVCB5XQ6LBYJUFN2J56LIPUKKJGESDMWKJIVNQZ6KJ2EZE2QVYOPJAHOHSZ"	\
	"G7VKHU2IH4C5XHMBMQE35AUEIHXCEZF7RPIABY"

static char	 dir[TMPDIR_MAX];

/* Write a key file named name with the given lines and load it. */
static struct keys *
load_keys(const char *name, const char *lines)
{
	char		 path[TMPDIR_MAX], err[KEYS_ERR_MAX];
	struct keys	*k;

	tmpdir_path(path, dir, name);
	if (lines != NULL &&
	    tmpdir_write(path, lines, strlen(lines), 0600) == -1) {
		fprintf(stderr, "cannot write %s\n", path);
		return NULL;
	}
	if ((k = keys_load_or_create(path, NULL, err)) == NULL)
		fprintf(stderr, "%s\n", err);
	return k;
}

/*
 * Sign msg as it is with ticket key i of k and append ":SIG": a pass with a
 * good signature over whatever text a test chooses, canonical or not.
 */
static int
raw_sign(const struct keys *k, size_t i, const char *msg, char *out,
    size_t outsz)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 sig[64];
	size_t		 siglen = sizeof(sig), n;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->ticket[i].pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg,
	    strlen(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	n = (size_t)snprintf(out, outsz, "%s:", msg);
	if (!ok || n >= outsz ||
	    base32_encode(sig, siglen, out + n, outsz - n) == -1)
		return -1;
	return 0;
}

static void
test_roundtrip(const struct keys *k)
{
	static const struct {
		const char	*ref;
		time_t		 start;
	} ok[] = {
		{ "ABCD1234", 1700000000 },
		{ "0000", 0 },
		{ "ZZZZZZZZZZZZZZZ", 99999999999LL },
		{ "7K3M9QWX2P", 1 },
	};
	char		 t[TICKET_MAX], ref[TICKET_REF_MAX];
	time_t		 start;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(ticket_sign(k, ok[i].ref, ok[i].start, t), 0);
		CHECK(strncmp(t, "SR1:", 4) == 0);
		CHECK_INT(strspn(t, QR_ALNUM), strlen(t));
		CHECK(strlen(t) < TICKET_MAX);
		start = -1;
		CHECK_INT(ticket_verify(k, t, ref, &start), 0);
		CHECK_STR(ref, ok[i].ref);
		CHECK_INT(start, ok[i].start);
	}

	/* Refused by the signer: bad references and times. */
	CHECK_INT(ticket_sign(k, "ABC", 1700000000, t), -1);
	CHECK_STR(t, "");
	CHECK_INT(ticket_sign(k, "ABCDEFGHJKMNPQRS", 1700000000, t), -1);
	CHECK_INT(ticket_sign(k, "abcd1234", 1700000000, t), -1);
	CHECK_INT(ticket_sign(k, "ABCU1234", 1700000000, t), -1);
	CHECK_INT(ticket_sign(k, "ABCD:123", 1700000000, t), -1);
	CHECK_INT(ticket_sign(k, "", 1700000000, t), -1);
	CHECK_INT(ticket_sign(k, "ABCD1234", -1, t), -1);
	CHECK_INT(ticket_sign(k, "ABCD1234", 100000000000LL, t), -1);
}

static void
test_known_answer(void)
{
	struct keys	*k;
	char		 t[TICKET_MAX], ref[TICKET_REF_MAX];
	time_t		 start;

	k = load_keys("kat.keys", "mac 1 " ZERO_HEX "\nticket 1 "
	    RFC8032_SEED "\n");
	if (!CHECK(k != NULL))
		return;
	CHECK_INT(ticket_sign(k, "ABCD1234", 1700000000, t), 0);
	CHECK_STR(t, KAT_TICKET);
	CHECK_INT(ticket_verify(k, KAT_TICKET, ref, &start), 0);
	CHECK_STR(ref, "ABCD1234");
	CHECK_INT(start, 1700000000);
	keys_free(k);
}

/* Every one-character change and every truncation of a good pass fails. */
static void
test_tamper(const struct keys *k)
{
	static const char	 extra[] = "abcdefghijklmnopqrstuvwxyz=_!\t";
	char			 good[TICKET_MAX], t[TICKET_MAX + 8];
	char			 ref[TICKET_REF_MAX], cands[128];
	time_t			 start;
	size_t			 len, i, j;
	int			 accepted = 0, tried = 0;

	if (!CHECK_INT(ticket_sign(k, "7K3M9QWX2P", 1767225600, good), 0))
		return;
	len = strlen(good);
	snprintf(cands, sizeof(cands), "%s%s", QR_ALNUM, extra);
	for (i = 0; i < len; i++) {
		for (j = 0; cands[j] != '\0'; j++) {
			if (cands[j] == good[i])
				continue;
			memcpy(t, good, len + 1);
			t[i] = cands[j];
			tried++;
			if (ticket_verify(k, t, ref, &start) == 0) {
				if (accepted++ < 5)
					fprintf(stderr, "\taccepted: %s\n", t);
			}
		}
	}
	CHECK_INT(accepted, 0);
	CHECK(tried > 40 * (int)len);

	accepted = 0;
	for (i = 0; i < len; i++) {
		memcpy(t, good, i);
		t[i] = '\0';
		if (ticket_verify(k, t, ref, &start) == 0)
			accepted++;
	}
	CHECK_INT(accepted, 0);

	/* And one character more, anywhere at the end. */
	snprintf(t, sizeof(t), "%sA", good);
	CHECK_INT(ticket_verify(k, t, ref, &start), -1);
	snprintf(t, sizeof(t), "%s:", good);
	CHECK_INT(ticket_verify(k, t, ref, &start), -1);
	snprintf(t, sizeof(t), "%s ", good);
	CHECK_INT(ticket_verify(k, t, ref, &start), -1);
	snprintf(t, sizeof(t), " %s", good);
	CHECK_INT(ticket_verify(k, t, ref, &start), -1);
	CHECK_INT(ticket_verify(k, good, ref, &start), 0);
}

static void
test_other_keys(const struct keys *k1, const struct keys *k2)
{
	struct keys	*old, *both;
	char		 t[TICKET_MAX], moved[TICKET_MAX], ref[TICKET_REF_MAX];
	char		*kid;
	time_t		 start;

	/* Another key file, same key id 1. */
	CHECK_INT(ticket_sign(k1, "ABCD1234", 1700000000, t), 0);
	CHECK_INT(ticket_verify(k2, t, ref, &start), -1);
	CHECK_INT(ticket_verify(k1, t, ref, &start), 0);

	/* Rotation: key 1 alone, then keys 1 and 2 with 2 the newest. */
	old = load_keys("old.keys", "mac 1 " ZERO_HEX "\nticket 1 " SEED_A "\n");
	both = load_keys("both.keys", "mac 1 " ZERO_HEX "\nticket 1 " SEED_A
	    "\nticket 2 " SEED_B "\n");
	if (!CHECK(old != NULL && both != NULL))
		goto done;
	CHECK_INT(ticket_sign(old, "ABCD1234", 1700000000, t), 0);
	CHECK(strstr(t, ":1700000000:1:") != NULL);
	CHECK_INT(ticket_verify(both, t, ref, &start), 0);

	CHECK_INT(ticket_sign(both, "ABCD1234", 1700000000, t), 0);
	if (!CHECK((kid = strstr(t, ":1700000000:2:")) != NULL))
		goto done;
	CHECK_INT(ticket_verify(both, t, ref, &start), 0);
	CHECK_INT(ticket_verify(old, t, ref, &start), -1);

	/* Same signature, claimed to be by key 1, key 3, key 02. */
	memcpy(moved, t, sizeof(moved));
	moved[kid - t + 12] = '1';
	CHECK_INT(ticket_verify(both, moved, ref, &start), -1);
	moved[kid - t + 12] = '3';
	CHECK_INT(ticket_verify(both, moved, ref, &start), -1);
	snprintf(moved, sizeof(moved), "%.*s:02:%s", (int)(kid - t + 11), t,
	    kid + 14);
	CHECK_INT(ticket_verify(both, moved, ref, &start), -1);
 done:
	keys_free(old);
	keys_free(both);
}

/* Texts well signed by the key but not as ticket_sign() writes them. */
static void
test_noncanonical(const struct keys *k)
{
	static const char	*msgs[] = {
		"SR1:ABCD1234:1700000000:1",	/* the control: accepted */
		"SR1:ABCD1234:01700000000:1",
		"SR1:ABCD1234:+1700000000:1",
		"SR1:ABCD1234:-1700000000:1",
		"SR1:ABCD1234: 1700000000:1",
		"SR1:ABCD1234:170000000000:1",
		"SR1:ABCD1234:1700000000:01",
		"SR1:ABCD1234:1700000000:+1",
		"SR1:ABCD1234:1700000000:",
		"SR1:ABCD1234::1",
		"SR1:abcd1234:1700000000:1",
		"SR1:ABCU1234:1700000000:1",
		"SR1:ABCI1234:1700000000:1",
		"SR1:ABC:1700000000:1",
		"SR1:ABCDEFGHJKMNPQRS:1700000000:1",
		"SR1::1700000000:1",
		"SR1:ABCD1234:1700000000:1:1",
		"SR1:ABCD-1234:1700000000:1",
		"sr1:ABCD1234:1700000000:1",
		"SR2:ABCD1234:1700000000:1",
		"SR1:ABCD1234:1700000000:4294967297",
		"SR1:ABCD1234:1700000000:99999999999",
	};
	char		 t[TICKET_MAX * 2], lower[TICKET_MAX * 3];
	char		 ref[TICKET_REF_MAX];
	time_t		 start;
	size_t		 i;
	int		 want;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		if (!CHECK_INT(raw_sign(k, 0, msgs[i], t, sizeof(t)), 0))
			continue;
		want = i == 0 ? 0 : -1;
		if (!CHECK_INT(ticket_verify(k, t, ref, &start), want))
			fprintf(stderr, "\tmessage: %s\n", msgs[i]);
	}

	/* The signature in lower case, padded, or spaced decodes the same. */
	CHECK_INT(raw_sign(k, 0, msgs[0], t, sizeof(t)), 0);
	memcpy(lower, t, sizeof(t));
	for (i = strlen(msgs[0]) + 1; lower[i] != '\0'; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	CHECK_INT(ticket_verify(k, lower, ref, &start), -1);
	snprintf(lower, sizeof(lower), "%s=====", t);
	CHECK_INT(ticket_verify(k, lower, ref, &start), -1);
	snprintf(lower, sizeof(lower), "%.*s %s", (int)strlen(msgs[0]) + 5, t,
	    t + strlen(msgs[0]) + 5);
	CHECK_INT(ticket_verify(k, lower, ref, &start), -1);
	CHECK_INT(ticket_verify(k, t, ref, &start), 0);
}

static void
test_garbage(const struct keys *k)
{
	static const char	*bad[] = {
		"", "SR1", "SR1:", "SR1::::", "SR1:::::", "hello",
		"SR1:ABCD1234:1700000000:1:",
		"SR1:ABCD1234:1700000000:1:AAAA",
		"\xff\xfe", "SR1:ABCD1234:1700000000:1:\xc3\xa9",
	};
	char		 big[1024], ref[TICKET_REF_MAX];
	time_t		 start = 42;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(ticket_verify(k, bad[i], ref, &start), -1);
		CHECK_STR(ref, "");
	}
	CHECK_INT(start, 42);

	/* Longer than TICKET_MAX, and a signature of the right length of A. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(ticket_verify(k, big, ref, &start), -1);
	memcpy(big, "SR1:ABCD1234:1700000000:1:", 26);
	big[26 + BASE32_ENCODED_LEN(64)] = '\0';
	CHECK_INT(ticket_verify(k, big, ref, &start), -1);
}

int
main(void)
{
	struct keys	*k1, *k2;

	if (tmpdir_make(dir, "ticket") == -1)
		return 1;
	k1 = load_keys("a.keys", NULL);
	k2 = load_keys("b.keys", NULL);
	if (!CHECK(k1 != NULL && k2 != NULL))
		goto done;
	CHECK_INT(k1->nticket, 1);

	test_roundtrip(k1);
	test_known_answer();
	test_tamper(k1);
	test_other_keys(k1, k2);
	test_noncanonical(k1);
	test_garbage(k1);
 done:
	keys_free(k1);
	keys_free(k2);
	tmpdir_remove(dir);
	return check_done();
}
