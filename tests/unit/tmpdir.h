/*
 * tmpdir: a fresh private directory for a unit test's files, under
 * $SAFEROOM_TEST_TMP (made if missing; ctest sets it to the build's
 * test-tmp/) or else /tmp, and its removal with everything in it.
 *
 *	char dir[TMPDIR_MAX];
 *	if (tmpdir_make(dir, "store") == -1) return 1;
 *	...
 *	tmpdir_remove(dir);
 */
#ifndef SAFEROOM_TEST_TMPDIR_H
#define SAFEROOM_TEST_TMPDIR_H

#include <sys/stat.h>

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPDIR_MAX	PATH_MAX

/* mkdir -p path, mode 0700 for what it makes. 0 or -1. */
static inline int
tmpdir_mkdirs(const char *path)
{
	char	 buf[TMPDIR_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Make <base>/saferoom-<tag>-XXXXXX into out. 0 or -1 (printed). */
static inline int
tmpdir_make(char out[TMPDIR_MAX], const char *tag)
{
	const char	*base = getenv("SAFEROOM_TEST_TMP");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (tmpdir_mkdirs(base) == -1 ||
	    snprintf(out, TMPDIR_MAX, "%s/saferoom-%s-XXXXXX", base, tag) >=
	    TMPDIR_MAX || mkdtemp(out) == NULL) {
		fprintf(stderr, "cannot make a temporary directory under %s: %s\n",
		    base, strerror(errno));
		return -1;
	}
	return 0;
}

/* rm -rf dir; symbolic links are removed, never followed. */
static inline void
tmpdir_remove(const char *dir)
{
	char		 path[TMPDIR_MAX];
	struct stat	 st;
	struct dirent	*e;
	DIR		*d;

	if (lstat(dir, &st) == -1)
		return;
	if (!S_ISDIR(st.st_mode)) {
		(void)unlink(dir);
		return;
	}
	(void)chmod(dir, 0700);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir,
			    e->d_name) < (int)sizeof(path))
				tmpdir_remove(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

/* a then b into out (TMPDIR_MAX bytes); a test path never is too long. */
static inline const char *
tmpdir_cat(char out[TMPDIR_MAX], const char *a, const char *b)
{
	if (snprintf(out, TMPDIR_MAX, "%s%s", a, b) >= TMPDIR_MAX) {
		fprintf(stderr, "path too long: %s%s\n", a, b);
		abort();
	}
	return out;
}

/* "<dir>/<name>" into out (TMPDIR_MAX bytes). */
static inline const char *
tmpdir_path(char out[TMPDIR_MAX], const char *dir, const char *name)
{
	if (snprintf(out, TMPDIR_MAX, "%s/%s", dir, name) >= TMPDIR_MAX) {
		fprintf(stderr, "path too long: %s/%s\n", dir, name);
		abort();
	}
	return out;
}

/* Write len bytes to path with mode (plain open/write, for fixtures). */
static inline int
tmpdir_write(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE	*f;
	int	 ok;

	(void)unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0)
		ok = 0;
	if (chmod(path, mode) == -1)
		ok = 0;
	return ok ? 0 : -1;
}

/* Read up to outsz-1 bytes of path, NUL-terminated. Bytes read or -1. */
static inline long
tmpdir_read(const char *path, char *out, size_t outsz)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	return (long)n;
}

/* Does path exist (without following a final symbolic link)? */
static inline int
tmpdir_exists(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

/* Permission bits of path, or -1. */
static inline int
tmpdir_mode(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

#endif
