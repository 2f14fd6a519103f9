/*
 * keys: load or create the key file beside the database. See
 * include/saferoom/keys.h for what the keys are for.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "saferoom/keys.h"
#include "saferoom/util.h"

#define KEYS_FILE_MAX	8192
#define KEYS_HEADER	"# saferoom key file: secret, mode 0600. Never copy it with a backup of the database.\n"

int
keys_path(const char *db, char *out, size_t outsz)
{
	int	 n = snprintf(out, outsz, "%s.keys", db);

	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

void
keys_free(struct keys *k)
{
	size_t	 i;

	if (k == NULL)
		return;
	for (i = 0; i < k->nticket; i++)
		EVP_PKEY_free(k->ticket[i].pkey);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

static int
keys_add_ticket(struct keys *k, unsigned id, const uint8_t seed[KEYS_ED25519_LEN])
{
	struct keys_ticket	*t;

	if (k->nticket == KEYS_TICKET_MAX)
		return -1;
	t = &k->ticket[k->nticket];
	t->id = id;
	memcpy(t->seed, seed, KEYS_ED25519_LEN);
	t->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    KEYS_ED25519_LEN);
	if (t->pkey == NULL)
		return -1;
	k->nticket++;
	return 0;
}

/* Parse the text of a key file. Returns 0 or -1 with err set. */
static int
keys_parse(struct keys *k, char *text, const char *path, char err[KEYS_ERR_MAX])
{
	char		*line, *save = NULL, kind[16], hex[2 * KEYS_MAC_LEN + 2];
	uint8_t		 raw[KEYS_MAC_LEN];
	unsigned	 id, lineno = 0;
	int		 have_mac = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "%15s %u %65s", kind, &id, hex) != 3 ||
		    util_unhex(hex, raw, sizeof(raw)) == -1) {
			snprintf(err, KEYS_ERR_MAX, "key file %s:%u: malformed line",
			    path, lineno);
			goto fail;
		}
		if (strcmp(kind, "mac") == 0) {
			k->mac_id = id;
			memcpy(k->mac, raw, sizeof(raw));
			have_mac = 1;
		} else if (strcmp(kind, "ticket") == 0) {
			if (keys_add_ticket(k, id, raw) == -1) {
				snprintf(err, KEYS_ERR_MAX,
				    "key file %s:%u: bad or too many ticket keys",
				    path, lineno);
				goto fail;
			}
		} else {
			snprintf(err, KEYS_ERR_MAX, "key file %s:%u: unknown key kind",
			    path, lineno);
			goto fail;
		}
	}
	if (!have_mac || k->nticket == 0) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: missing mac or ticket key",
		    path);
		goto fail;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
fail:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(hex, sizeof(hex));
	return -1;
}

/* Make fresh keys and write them to path. Returns 0 or -1 with err set. */
static int
keys_create(struct keys *k, const char *path, char err[KEYS_ERR_MAX])
{
	char	 text[512], mhex[2 * KEYS_MAC_LEN + 1], thex[2 * KEYS_MAC_LEN + 1];
	uint8_t	 seed[KEYS_ED25519_LEN];
	int	 n, rc = -1;

	if (RAND_bytes(k->mac, sizeof(k->mac)) != 1 ||
	    RAND_bytes(seed, sizeof(seed)) != 1) {
		snprintf(err, KEYS_ERR_MAX, "random generator failed");
		goto done;
	}
	k->mac_id = 1;
	if (keys_add_ticket(k, 1, seed) == -1) {
		snprintf(err, KEYS_ERR_MAX, "cannot make an Ed25519 key");
		goto done;
	}
	util_hex(k->mac, sizeof(k->mac), mhex);
	util_hex(seed, sizeof(seed), thex);
	n = snprintf(text, sizeof(text), "%smac 1 %s\nticket 1 %s\n",
	    KEYS_HEADER, mhex, thex);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    util_write_secret_file(path, text, (size_t)n) == -1) {
		snprintf(err, KEYS_ERR_MAX, "cannot write key file %s: %s", path,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(mhex, sizeof(mhex));
	OPENSSL_cleanse(thex, sizeof(thex));
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

struct keys *
keys_load_or_create(const char *path, char err[KEYS_ERR_MAX])
{
	struct keys	*k;
	struct stat	 st;
	FILE		*f = NULL;
	char		 text[KEYS_FILE_MAX + 1];
	size_t		 len;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, KEYS_ERR_MAX, "out of memory");
		return NULL;
	}
	if (stat(path, &st) == -1) {
		if (errno != ENOENT) {
			snprintf(err, KEYS_ERR_MAX, "key file %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (keys_create(k, path, err) == -1)
			goto fail;
		return k;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, KEYS_ERR_MAX,
		    "key file %s: mode %03o, must be 0600 (chmod 600 it)", path,
		    (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	len = fread(text, 1, KEYS_FILE_MAX + 1, f);
	if (ferror(f) || len > KEYS_FILE_MAX) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: unreadable or too large",
		    path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	text[len] = '\0';
	if (keys_parse(k, text, path, err) == -1)
		goto fail;
	OPENSSL_cleanse(text, sizeof(text));
	return k;
fail:
	if (f != NULL)
		fclose(f);
	OPENSSL_cleanse(text, sizeof(text));
	keys_free(k);
	return NULL;
}

void
keys_mac(const struct keys *k, const char *label, const void *data, size_t len,
    uint8_t out[32])
{
	size_t		 llen = strlen(label);
	unsigned int	 outlen = 32;
	unsigned char	*msg;

	/* label || 0x00 || data, so that no two contexts share a MAC. */
	if ((msg = malloc(llen + 1 + len)) == NULL)
		abort();
	memcpy(msg, label, llen);
	msg[llen] = 0;
	memcpy(msg + llen + 1, data, len);
	if (HMAC(EVP_sha256(), k->mac, sizeof(k->mac), msg, llen + 1 + len,
	    out, &outlen) == NULL)
		abort();
	OPENSSL_cleanse(msg, llen + 1 + len);
	free(msg);
}
