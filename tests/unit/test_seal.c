/*
 * Unit tests of seal: a box opens with the secret it was sealed for and
 * with nothing else; any changed byte makes it fail; boxes of one message
 * differ (fresh ephemeral key and nonce).
 */
#include <string.h>

#include "check.h"

#include "saferoom/seal.h"

int
main(void)
{
	const char	 secret[] = "K7QX2M9DR4TB8HJ1NPZCVWY3F6GA5S0E";
	const char	 other[] = "K7QX2M9DR4TB8HJ1NPZCVWY3F6GA5S0F";
	const char	 msg[] = "DH94-MSNB-7S6V-ZBD1-34G9";
	uint8_t		 pub[SEAL_KEY_LEN], pub2[SEAL_KEY_LEN];
	uint8_t		 box[SEAL_BOX_MAX], box2[SEAL_BOX_MAX];
	char		 out[SEAL_MSG_MAX + 1];
	size_t		 boxlen, boxlen2, len, i;
	int		 opened = 0;

	CHECK_INT(seal_public(secret, strlen(secret), pub), 0);
	CHECK_INT(seal_public(secret, strlen(secret), pub2), 0);
	CHECK(memcmp(pub, pub2, sizeof(pub)) == 0);	/* deterministic */
	CHECK_INT(seal_public(other, strlen(other), pub2), 0);
	CHECK(memcmp(pub, pub2, sizeof(pub)) != 0);

	CHECK_INT(seal_box(pub, msg, strlen(msg), box, &boxlen), 0);
	CHECK_INT((int)boxlen, (int)(strlen(msg) + SEAL_OVERHEAD));
	/* The message does not stand in the box. */
	for (i = 0; i + strlen(msg) <= boxlen; i++)
		CHECK(memcmp(box + i, msg, strlen(msg)) != 0);
	CHECK_INT(seal_open(secret, strlen(secret), box, boxlen, out, &len), 0);
	CHECK_STR(out, msg);
	CHECK_INT((int)len, (int)strlen(msg));
	/* Another secret cannot open it. */
	CHECK_INT(seal_open(other, strlen(other), box, boxlen, out, &len), -1);
	/* Every changed byte is caught. */
	for (i = 0; i < boxlen; i++) {
		box[i] ^= 0x40;
		if (seal_open(secret, strlen(secret), box, boxlen, out, &len) == 0)
			opened++;
		box[i] ^= 0x40;
	}
	CHECK_INT(opened, 0);
	/* A truncated or oversized box is refused. */
	CHECK_INT(seal_open(secret, strlen(secret), box, SEAL_OVERHEAD - 1, out,
	    &len), -1);
	CHECK_INT(seal_open(secret, strlen(secret), box, boxlen - 1, out, &len),
	    -1);
	/* The same message twice: two different boxes, both good. */
	CHECK_INT(seal_box(pub, msg, strlen(msg), box2, &boxlen2), 0);
	CHECK(boxlen == boxlen2 && memcmp(box, box2, boxlen) != 0);
	CHECK_INT(seal_open(secret, strlen(secret), box2, boxlen2, out, &len), 0);
	/* Too long a message is refused. */
	{
		char	 big[SEAL_MSG_MAX + 1];

		memset(big, 'A', sizeof(big));
		CHECK_INT(seal_box(pub, big, sizeof(big), box, &boxlen), -1);
	}
	return check_done();
}
