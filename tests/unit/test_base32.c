/*
 * Unit test of server/base32.c: RFC 4648 section 10 vectors both ways, the
 * leniency promised for typed input (case, spaces, '='), and refusals.
 */
#include <stdint.h>
#include <string.h>

#include "saferoom/base32.h"

#include "check.h"

/* RFC 4648 section 10, with the padding dropped as base32_encode does. */
static const struct {
	const char	*plain;
	const char	*padded;
	const char	*unpadded;
} vectors[] = {
	{ "", "", "" },
	{ "f", "MY======", "MY" },
	{ "fo", "MZXQ====", "MZXQ" },
	{ "foo", "MZXW6===", "MZXW6" },
	{ "foob", "MZXW6YQ=", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI======", "MZXW6YTBOI" },
};

static void
test_vectors(void)
{
	char		 enc[64];
	uint8_t		 dec[64];
	size_t		 i, len;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		len = strlen(vectors[i].plain);
		CHECK_INT(BASE32_ENCODED_LEN(len), strlen(vectors[i].unpadded));
		CHECK_INT(base32_encode((const uint8_t *)vectors[i].plain, len,
		    enc, sizeof(enc)), 0);
		CHECK_STR(enc, vectors[i].unpadded);

		memset(dec, 0, sizeof(dec));
		CHECK_INT(base32_decode(vectors[i].padded, dec, sizeof(dec)),
		    len);
		CHECK(memcmp(dec, vectors[i].plain, len) == 0);
		memset(dec, 0, sizeof(dec));
		CHECK_INT(base32_decode(vectors[i].unpadded, dec, sizeof(dec)),
		    len);
		CHECK(memcmp(dec, vectors[i].plain, len) == 0);
	}
}

static void
test_lenient(void)
{
	uint8_t		 dec[64];

	memset(dec, 0, sizeof(dec));
	CHECK_INT(base32_decode("mzxw6ytboi", dec, sizeof(dec)), 6);
	CHECK(memcmp(dec, "foobar", 6) == 0);
	memset(dec, 0, sizeof(dec));
	CHECK_INT(base32_decode(" MzXw 6yTb oI== ", dec, sizeof(dec)), 6);
	CHECK(memcmp(dec, "foobar", 6) == 0);
}

static void
test_round_trip(void)
{
	uint8_t		 in[20], dec[20];
	char		 enc[BASE32_ENCODED_LEN(sizeof(in)) + 1];
	size_t		 i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	CHECK_INT(base32_encode(in, sizeof(in), enc, sizeof(enc)), 0);
	CHECK_INT(strlen(enc), 32);
	CHECK_INT(base32_decode(enc, dec, sizeof(dec)), sizeof(in));
	CHECK(memcmp(in, dec, sizeof(in)) == 0);
}

static void
test_refused(void)
{
	uint8_t		 dec[64];
	char		 enc[16];

	CHECK_INT(base32_decode("MZXW1", dec, sizeof(dec)), -1);   /* '1' */
	CHECK_INT(base32_decode("MZXW8", dec, sizeof(dec)), -1);   /* '8' */
	CHECK_INT(base32_decode("MZ-XW", dec, sizeof(dec)), -1);
	CHECK_INT(base32_decode("MZXW\n", dec, sizeof(dec)), -1);
	CHECK_INT(base32_decode("MY=A", dec, sizeof(dec)), -1);    /* after = */
	CHECK_INT(base32_decode("M", dec, sizeof(dec)), -1);       /* 1 char */
	CHECK_INT(base32_decode("MZX", dec, sizeof(dec)), -1);     /* 3 chars */
	CHECK_INT(base32_decode("MZXW6Y", dec, sizeof(dec)), -1);  /* 6 chars */
	CHECK_INT(base32_decode("MY", dec, sizeof(dec)), 1);
	CHECK_INT(base32_decode("MZ", dec, sizeof(dec)), -1);      /* stray bits */

	/* Short buffers, both ways. */
	CHECK_INT(base32_decode("MZXW6YTBOI", dec, 5), -1);
	CHECK_INT(base32_decode("MZXW6YTBOI", dec, 6), 6);
	CHECK_INT(base32_encode((const uint8_t *)"foobar", 6, enc, 10), -1);
	CHECK_INT(base32_encode((const uint8_t *)"foobar", 6, enc, 11), 0);
	CHECK_INT(base32_encode((const uint8_t *)"", 0, enc, 0), -1);
}

int
main(void)
{
	test_vectors();
	test_lenient();
	test_round_trip();
	test_refused();
	return check_done();
}
