/*
 * keys: load, create, rotate and save the key file beside the database.
 * See include/saferoom/keys.h for what the keys are for and when a retired
 * ticket key may go.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "saferoom/keys.h"
#include "saferoom/util.h"

#define KEYS_FILE_MAX	8192
#define KEYS_FIELDS_MAX	6	/* "ticket ID HEX CREATED RETIRED KEEP_UNTIL" */
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

int
keys_ticket_live(const struct keys_ticket *t, time_t now)
{
	return t->keep_until == 0 || now < t->keep_until;
}

/* Append a ticket key (the new newest). 0, or -1 when full or unusable. */
static int
keys_add_ticket(struct keys *k, unsigned id, const uint8_t seed[KEYS_ED25519_LEN])
{
	struct keys_ticket	*t;

	if (k->nticket == KEYS_TICKET_MAX)
		return -1;
	t = &k->ticket[k->nticket];
	memset(t, 0, sizeof(*t));
	t->id = id;
	memcpy(t->seed, seed, KEYS_ED25519_LEN);
	t->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    KEYS_ED25519_LEN);
	if (t->pkey == NULL) {
		OPENSSL_cleanse(t, sizeof(*t));
		return -1;
	}
	k->nticket++;
	return 0;
}

/* A time field of the file: 0 or -1. */
static int
keys_parse_time(const char *s, time_t *out)
{
	long long	 v;

	if (util_parse_int(s, 0, KEYS_TIME_MAX, &v) == -1)
		return -1;
	*out = (time_t)v;
	return 0;
}

/* One line already split into f[0..nf). Returns 0 or -1 with why set. */
static int
keys_parse_line(struct keys *k, char **f, int nf, int *have_mac,
    const char **why)
{
	uint8_t		 raw[KEYS_MAC_LEN];
	long long	 id;
	time_t		 created = 0, retired = 0, keep = 0;
	size_t		 i;
	int		 rc = -1;

	*why = "malformed line";
	if (nf < 3 || util_parse_int(f[1], 0, UINT_MAX, &id) == -1 ||
	    util_unhex(f[2], raw, sizeof(raw)) == -1 ||
	    (nf >= 4 && keys_parse_time(f[3], &created) == -1))
		goto done;
	if (strcmp(f[0], "mac") == 0) {
		if (nf > 4)
			goto done;
		if (*have_mac) {
			*why = "more than one mac key";
			goto done;
		}
		k->mac_id = (unsigned)id;
		memcpy(k->mac, raw, sizeof(raw));
		k->mac_created = created;
		*have_mac = 1;
	} else if (strcmp(f[0], "ticket") == 0) {
		if (nf == 5 || (nf == 6 && (keys_parse_time(f[4],
		    &retired) == -1 || keys_parse_time(f[5], &keep) == -1)))
			goto done;
		/*
		 * Rotation sets both at once; one without the other would be
		 * a key that never expires or a signer that does.
		 */
		if ((retired == 0) != (keep == 0)) {
			*why = "RETIRED and KEEP_UNTIL go together";
			goto done;
		}
		for (i = 0; i < k->nticket; i++)
			if (k->ticket[i].id == id) {
				*why = "two ticket keys with one id";
				goto done;
			}
		if (keys_add_ticket(k, (unsigned)id, raw) == -1) {
			*why = "bad or too many ticket keys";
			goto done;
		}
		k->ticket[k->nticket - 1].created = created;
		k->ticket[k->nticket - 1].retired = retired;
		k->ticket[k->nticket - 1].keep_until = keep;
	} else {
		*why = "unknown key kind";
		goto done;
	}
	rc = 0;
done:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/* Parse the text of a key file. Returns 0 or -1 with err set. */
static int
keys_parse(struct keys *k, char *text, const char *path, char err[KEYS_ERR_MAX])
{
	char		*line, *save = NULL, *fsave, *tok, *f[KEYS_FIELDS_MAX + 1];
	const char	*why;
	unsigned	 lineno = 0;
	int		 nf, have_mac = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		nf = 0;
		for (tok = strtok_r(line, " \t", &fsave); tok != NULL &&
		    nf <= KEYS_FIELDS_MAX; tok = strtok_r(NULL, " \t", &fsave))
			f[nf++] = tok;
		if (nf > KEYS_FIELDS_MAX ||
		    keys_parse_line(k, f, nf, &have_mac, &why) == -1) {
			snprintf(err, KEYS_ERR_MAX, "key file %s:%u: %s", path,
			    lineno, nf > KEYS_FIELDS_MAX ? "malformed line" : why);
			return -1;
		}
	}
	if (!have_mac || k->nticket == 0) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: missing mac or ticket key",
		    path);
		return -1;
	}
	if (k->ticket[k->nticket - 1].retired != 0 ||
	    k->ticket[k->nticket - 1].keep_until != 0) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: the newest ticket key "
		    "signs and cannot be retired", path);
		return -1;
	}
	return 0;
}

int
keys_save(const struct keys *k, const char *path, char err[KEYS_ERR_MAX])
{
	const struct keys_ticket	*t;
	char				 text[KEYS_FILE_MAX];
	char				 hex[2 * KEYS_MAC_LEN + 1];
	size_t				 len, i;
	int				 n, rc = -1;

	util_hex(k->mac, sizeof(k->mac), hex);
	n = snprintf(text, sizeof(text), "%smac %u %s %lld\n", KEYS_HEADER,
	    k->mac_id, hex, (long long)k->mac_created);
	if (n < 0 || (size_t)n >= sizeof(text))
		goto toolong;
	len = (size_t)n;
	for (i = 0; i < k->nticket; i++) {
		t = &k->ticket[i];
		util_hex(t->seed, sizeof(t->seed), hex);
		if (t->retired != 0 || t->keep_until != 0)
			n = snprintf(text + len, sizeof(text) - len,
			    "ticket %u %s %lld %lld %lld\n", t->id, hex,
			    (long long)t->created, (long long)t->retired,
			    (long long)t->keep_until);
		else
			n = snprintf(text + len, sizeof(text) - len,
			    "ticket %u %s %lld\n", t->id, hex,
			    (long long)t->created);
		if (n < 0 || (size_t)n >= sizeof(text) - len)
			goto toolong;
		len += (size_t)n;
	}
	if (util_write_secret_file(path, text, len) == -1) {
		snprintf(err, KEYS_ERR_MAX, "cannot write key file %s: %s", path,
		    strerror(errno));
		goto done;
	}
	rc = 0;
	goto done;
toolong:
	snprintf(err, KEYS_ERR_MAX, "key file %s: too large", path);
done:
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

/* Make fresh keys and write them to path. Returns 0 or -1 with err set. */
static int
keys_create(struct keys *k, const char *path, char err[KEYS_ERR_MAX])
{
	uint8_t	 seed[KEYS_ED25519_LEN];
	time_t	 now = time(NULL);
	int	 rc = -1;

	if (RAND_bytes(k->mac, sizeof(k->mac)) != 1 ||
	    RAND_bytes(seed, sizeof(seed)) != 1) {
		snprintf(err, KEYS_ERR_MAX, "random generator failed");
		goto done;
	}
	k->mac_id = 1;
	k->mac_created = now;
	if (keys_add_ticket(k, 1, seed) == -1) {
		snprintf(err, KEYS_ERR_MAX, "cannot make an Ed25519 key");
		goto done;
	}
	k->ticket[0].created = now;
	rc = keys_save(k, path, err);
done:
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

/*
 * Load the file at path into a new struct keys; with create, make the file
 * when there is none. With stp, the file's stat goes there. NULL with err
 * set (errno ENOENT for no file).
 */
static struct keys *
keys_open(const char *path, int create, struct stat *stp,
    char err[KEYS_ERR_MAX])
{
	struct keys	*k;
	struct stat	 st;
	char		 text[KEYS_FILE_MAX + 1];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, saved;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, KEYS_ERR_MAX, "out of memory");
		return NULL;
	}
	/*
	 * Checked and read through one descriptor, so the mode checked is the
	 * file read and the stat handed back is the file these keys came
	 * from. O_NOFOLLOW and O_NONBLOCK: a link or a FIFO planted as the key
	 * file is refused instead of followed, or of hanging root's
	 * saferoomctl.
	 */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		saved = errno;
		if (errno != ENOENT || !create) {
			snprintf(err, KEYS_ERR_MAX, "key file %s: %s", path,
			    strerror(errno));
			keys_free(k);
			errno = saved;
			return NULL;
		}
		if (keys_create(k, path, err) == -1)
			goto fail;
		keys_free(k);
		/* Read back: the stat is then that of the file made. */
		return keys_open(path, 0, stp, err);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: not a plain file", path);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, KEYS_ERR_MAX,
		    "key file %s: mode %03o, must be 0600 (chmod 600 it)", path,
		    (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	while (len <= KEYS_FILE_MAX) {
		n = read(fd, text + len, KEYS_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, KEYS_ERR_MAX, "key file %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > KEYS_FILE_MAX) {
		snprintf(err, KEYS_ERR_MAX, "key file %s: too large", path);
		goto fail;
	}
	close(fd);
	fd = -1;
	text[len] = '\0';
	if (keys_parse(k, text, path, err) == -1)
		goto fail;
	OPENSSL_cleanse(text, sizeof(text));
	if (stp != NULL)
		*stp = st;
	return k;
fail:
	if (fd != -1)
		close(fd);
	OPENSSL_cleanse(text, sizeof(text));
	keys_free(k);
	errno = EINVAL;
	return NULL;
}

struct keys *
keys_load_or_create(const char *path, struct stat *st, char err[KEYS_ERR_MAX])
{
	return keys_open(path, 1, st, err);
}

struct keys *
keys_load(const char *path, struct stat *st, char err[KEYS_ERR_MAX])
{
	return keys_open(path, 0, st, err);
}

size_t
keys_prune(struct keys *k, time_t now)
{
	size_t	 i, kept = 0, dropped = 0;

	for (i = 0; i < k->nticket; i++) {
		if (i + 1 < k->nticket && !keys_ticket_live(&k->ticket[i], now)) {
			EVP_PKEY_free(k->ticket[i].pkey);
			OPENSSL_cleanse(&k->ticket[i], sizeof(k->ticket[i]));
			dropped++;
			continue;
		}
		if (kept != i) {
			k->ticket[kept] = k->ticket[i];
			OPENSSL_cleanse(&k->ticket[i], sizeof(k->ticket[i]));
		}
		kept++;
	}
	k->nticket = kept;
	return dropped;
}

int
keys_rotate_ticket(struct keys *k, time_t now, time_t keep_until,
    char err[KEYS_ERR_MAX])
{
	struct keys_ticket	*old;
	uint8_t			 seed[KEYS_ED25519_LEN];
	unsigned		 id = 0;
	size_t			 i;
	int			 rc = -1;

	if (k->nticket == KEYS_TICKET_MAX)
		return 1;
	for (i = 0; i < k->nticket; i++)
		if (k->ticket[i].id > id)
			id = k->ticket[i].id;
	if (id == UINT_MAX) {
		snprintf(err, KEYS_ERR_MAX, "no ticket key id is left");
		return -1;
	}
	if (RAND_bytes(seed, sizeof(seed)) != 1) {
		snprintf(err, KEYS_ERR_MAX, "random generator failed");
		goto done;
	}
	if (keys_add_ticket(k, id + 1, seed) == -1) {
		snprintf(err, KEYS_ERR_MAX, "cannot make an Ed25519 key");
		goto done;
	}
	k->ticket[k->nticket - 1].created = now;
	/* Only now: a failure above leaves the old signer as it was. */
	if (k->nticket >= 2) {
		old = &k->ticket[k->nticket - 2];
		old->retired = now;
		old->keep_until = keep_until;
	}
	rc = 0;
done:
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

int
keys_rotate_mac(struct keys *k, time_t now, char err[KEYS_ERR_MAX])
{
	uint8_t	 mac[KEYS_MAC_LEN];

	if (k->mac_id == UINT_MAX) {
		snprintf(err, KEYS_ERR_MAX, "no mac key id is left");
		return -1;
	}
	if (RAND_bytes(mac, sizeof(mac)) != 1) {
		OPENSSL_cleanse(mac, sizeof(mac));
		snprintf(err, KEYS_ERR_MAX, "random generator failed");
		return -1;
	}
	memcpy(k->mac, mac, sizeof(mac));
	OPENSSL_cleanse(mac, sizeof(mac));
	k->mac_id++;
	k->mac_created = now;
	return 0;
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
