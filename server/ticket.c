/*
 * ticket: sign and verify the check-in pass shown as the client's QR code.
 * See include/saferoom/ticket.h for the format and DESIGN.md "Shape" for why
 * the pass is not the booking token.
 *
 * Verification is strict on purpose: a pass is either exactly what
 * ticket_sign() writes or it is refused, before any signature is checked.
 * So there is one spelling per pass (no leading zeros, no lower case, no
 * padding or spaces in SIG, no spare bits in its last symbol) and a scanner
 * typo can never turn into a different but valid pass.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "saferoom/base32.h"
#include "saferoom/keys.h"
#include "saferoom/ticket.h"

#define TICKET_PREFIX		"SR1:"
#define TICKET_PREFIX_LEN	(sizeof(TICKET_PREFIX) - 1)
#define TICKET_REF_MIN		4
#define TICKET_START_DIGITS	11	/* up to the year 5138 */
#define TICKET_START_LIMIT	99999999999LL
#define TICKET_KID_DIGITS	10	/* UINT_MAX on 32-bit unsigned */
#define TICKET_SIG_LEN		64	/* Ed25519 */
#define TICKET_SIG_CHARS	BASE32_ENCODED_LEN(TICKET_SIG_LEN)

/* The Crockford symbols booking references are made of (token.h). */
static const char ticket_ref_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The RFC 4648 base32 symbols, upper case only: the one spelling we write. */
static const char ticket_sig_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Is s[0..len) made only of symbols of alphabet (never NUL)? */
static int
ticket_only(const char *s, size_t len, const char *alphabet)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL)
			return 0;
	return 1;
}

/* Is ref[0..len) a booking reference: TICKET_REF_MIN..TICKET_REF_MAX-1 symbols? */
static int
ticket_ref_ok(const char *ref, size_t len)
{
	return len >= TICKET_REF_MIN && len < TICKET_REF_MAX &&
	    ticket_only(ref, len, ticket_ref_alphabet);
}

/*
 * Parse s[0..len) as a decimal of 1..maxdigits digits, no sign and no
 * leading zero (but "0" itself). 0 and *v set, or -1.
 */
static int
ticket_decimal(const char *s, size_t len, size_t maxdigits,
    unsigned long long *v)
{
	size_t	 i;

	if (len == 0 || len > maxdigits || (len > 1 && s[0] == '0'))
		return -1;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned long long)(s[i] - '0');
	}
	return 0;
}

/*
 * The next ':'-terminated field of *p: its start, its length in *len, and
 * *p moved past the ':'. NULL when no ':' is left.
 */
static const char *
ticket_field(const char **p, size_t *len)
{
	const char	*f = *p, *colon;

	if ((colon = strchr(f, ':')) == NULL)
		return NULL;
	*len = (size_t)(colon - f);
	*p = colon + 1;
	return f;
}

/*
 * The ticket key with this id, or NULL. A retired key past its keep_until
 * verifies nothing even before a rotation drops it from the file: every
 * session it signed a pass for is over (keys.h).
 */
static EVP_PKEY *
ticket_key(const struct keys *k, unsigned long long id)
{
	time_t	 now = time(NULL);
	size_t	 i;

	for (i = 0; i < k->nticket; i++)
		if (k->ticket[i].id == id)
			return keys_ticket_live(&k->ticket[i], now) ?
			    k->ticket[i].pkey : NULL;
	return NULL;
}

int
ticket_sign(const struct keys *k, const char *ref, time_t start,
    char out[TICKET_MAX])
{
	const struct keys_ticket	*key;
	EVP_MD_CTX			*ctx = NULL;
	uint8_t				 sig[TICKET_SIG_LEN];
	size_t				 siglen = sizeof(sig), msglen;
	int				 n;

	out[0] = '\0';
	if (k == NULL || k->nticket == 0 || ref == NULL ||
	    !ticket_ref_ok(ref, strnlen(ref, TICKET_REF_MAX)) ||
	    start < 0 || (long long)start > TICKET_START_LIMIT)
		goto fail;
	key = &k->ticket[k->nticket - 1];
	if (key->pkey == NULL)
		goto fail;

	n = snprintf(out, TICKET_MAX, "%s%s:%lld:%u", TICKET_PREFIX, ref,
	    (long long)start, key->id);
	if (n < 0 || (size_t)n + 1 + TICKET_SIG_CHARS >= TICKET_MAX)
		goto fail;
	msglen = (size_t)n;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)out,
	    msglen) != 1 || siglen != sizeof(sig))
		goto fail;
	out[msglen] = ':';
	if (base32_encode(sig, sizeof(sig), out + msglen + 1,
	    TICKET_MAX - msglen - 1) == -1)
		goto fail;
	EVP_MD_CTX_free(ctx);
	return 0;
 fail:
	EVP_MD_CTX_free(ctx);
	out[0] = '\0';
	return -1;
}

int
ticket_verify(const struct keys *k, const char *ticket,
    char ref[TICKET_REF_MAX], time_t *start)
{
	EVP_MD_CTX		*ctx = NULL;
	EVP_PKEY		*pkey;
	const char		*p, *r, *s, *kid, *sig;
	size_t			 rlen, slen, klen, msglen;
	unsigned long long	 startv, kidv;
	uint8_t			 raw[TICKET_SIG_LEN + 1];
	int			 rc = -1;

	ref[0] = '\0';
	if (k == NULL || ticket == NULL ||
	    strnlen(ticket, TICKET_MAX) >= TICKET_MAX ||
	    strncmp(ticket, TICKET_PREFIX, TICKET_PREFIX_LEN) != 0)
		goto fail;
	p = ticket + TICKET_PREFIX_LEN;
	if ((r = ticket_field(&p, &rlen)) == NULL ||
	    (s = ticket_field(&p, &slen)) == NULL ||
	    (kid = ticket_field(&p, &klen)) == NULL)
		goto fail;
	sig = p;
	msglen = (size_t)(sig - 1 - ticket);

	/* The alphabet check also refuses a fifth ':' inside SIG. */
	if (!ticket_ref_ok(r, rlen) ||
	    ticket_decimal(s, slen, TICKET_START_DIGITS, &startv) == -1 ||
	    (unsigned long long)(time_t)startv != startv ||
	    ticket_decimal(kid, klen, TICKET_KID_DIGITS, &kidv) == -1 ||
	    kidv > UINT_MAX ||
	    strlen(sig) != TICKET_SIG_CHARS ||
	    !ticket_only(sig, TICKET_SIG_CHARS, ticket_sig_alphabet))
		goto fail;
	/* base32_decode() also refuses non-zero bits after the last byte. */
	if (base32_decode(sig, raw, sizeof(raw)) != TICKET_SIG_LEN)
		goto fail;
	if ((pkey = ticket_key(k, kidv)) == NULL)
		goto fail;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestVerify(ctx, raw, TICKET_SIG_LEN,
	    (const unsigned char *)ticket, msglen) != 1)
		goto fail;

	memcpy(ref, r, rlen);
	ref[rlen] = '\0';
	*start = (time_t)startv;
	rc = 0;
 fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}
