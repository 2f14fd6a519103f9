/*
 * priv: dropping root for good, and the service user's state folder. See
 * include/saferoom/priv.h.
 */
#define _GNU_SOURCE		/* setresuid, getresuid and friends */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "saferoom/config.h"
#include "saferoom/priv.h"

int
priv_lookup(const char *name, struct priv_user *u, char err[PRIV_ERR_MAX])
{
	struct passwd	*pw;

	if (strlen(name) >= sizeof(u->name)) {
		snprintf(err, PRIV_ERR_MAX, "--user: the name is too long");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, PRIV_ERR_MAX, "--user %s: %s", name,
		    errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, PRIV_ERR_MAX, "--user %s: must be an unprivileged "
		    "user, not one with user or group id 0", name);
		return -1;
	}
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

void
priv_no_core(void)
{
	struct rlimit	 rl = { 0, 0 };

	/*
	 * Not dumpable also keeps other processes of the service user from
	 * reading our memory through ptrace or /proc/PID/mem.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
}

/* The folder holding db, in dir. Returns 0 or -1 when it does not fit. */
static int
priv_dirname(const char *db, char *dir, size_t dirsz)
{
	char	 copy[CONFIG_PATH_MAX];

	if (strlen(db) >= sizeof(copy))
		return -1;
	memcpy(copy, db, strlen(db) + 1);
	if ((size_t)snprintf(dir, dirsz, "%s", dirname(copy)) >= dirsz)
		return -1;
	return 0;
}

int
priv_check_dir(const struct priv_user *u, const char *db,
    char err[PRIV_ERR_MAX])
{
	struct stat	 st;
	char		 dir[CONFIG_PATH_MAX];

	if (priv_dirname(db, dir, sizeof(dir)) == -1) {
		snprintf(err, PRIV_ERR_MAX, "--db: the path is too long");
		return -1;
	}
	/* lstat: a link is not the folder we would be checking. */
	if (lstat(dir, &st) == -1) {
		snprintf(err, PRIV_ERR_MAX, "database folder %.256s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != u->uid) {
		snprintf(err, PRIV_ERR_MAX, "database folder %.256s belongs to "
		    "user id %u, not to %s: the service user must own it "
		    "(chown %s: %.256s)", dir, (unsigned)st.st_uid, u->name,
		    u->name, dir);
		return -1;
	}
	/*
	 * Others who may write there could swap the database or the key file
	 * for their own, or plant links that the service user then follows.
	 */
	if ((st.st_mode & 022) != 0) {
		snprintf(err, PRIV_ERR_MAX, "database folder %.256s: mode %03o, "
		    "group and others must not write to it (chmod 700 %.256s)",
		    dir, (unsigned)(st.st_mode & 0777), dir);
		return -1;
	}
	return 0;
}

/* Give path to u if root owns it (see priv.h). 0, or -1 with err set. */
static int
priv_own_file(const struct priv_user *u, const char *path,
    char err[PRIV_ERR_MAX])
{
	struct stat	 st;
	int		 fd, rc = -1;

	/* O_NONBLOCK: a planted FIFO must not hang the start. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, PRIV_ERR_MAX, "%.256s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, PRIV_ERR_MAX, "%.256s: %s", path, strerror(errno));
		goto done;
	}
	if (st.st_uid == u->uid && st.st_gid == u->gid) {
		rc = 0;
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != 0 && st.st_uid != u->uid)) {
		snprintf(err, PRIV_ERR_MAX, "%.256s: expected a plain file of "
		    "root or %s, found one of user id %u", path, u->name,
		    (unsigned)st.st_uid);
		goto done;
	}
	if (fchown(fd, u->uid, u->gid) == -1) {
		snprintf(err, PRIV_ERR_MAX, "cannot give %.256s to %s: %s", path,
		    u->name, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	close(fd);
	return rc;
}

int
priv_own_files(const struct priv_user *u, const char *db, const char *kpath,
    char err[PRIV_ERR_MAX])
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char		 path[CONFIG_PATH_MAX + 8];
	size_t		 i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", db,
		    suffixes[i]) >= sizeof(path)) {
			snprintf(err, PRIV_ERR_MAX, "--db: the path is too long");
			return -1;
		}
		if (priv_own_file(u, path, err) == -1)
			return -1;
	}
	return priv_own_file(u, kpath, err);
}

int
priv_drop(const struct priv_user *u, char err[PRIV_ERR_MAX])
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid, groups[2];
	int	 n;

	/* Groups before the user id: afterwards we may no longer change them. */
	if (setgroups(1, &u->gid) == -1 ||
	    setresgid(u->gid, u->gid, u->gid) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1) {
		snprintf(err, PRIV_ERR_MAX, "cannot become %s: %s", u->name,
		    strerror(errno));
		return -1;
	}
	/* Trust, but check: a drop that can be undone is no drop. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1) {
		snprintf(err, PRIV_ERR_MAX, "could become root again after "
		    "becoming %s", u->name);
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != u->uid || euid != u->uid || suid != u->uid ||
	    rgid != u->gid || egid != u->gid || sgid != u->gid ||
	    (n = getgroups(2, groups)) != 1 || groups[0] != u->gid) {
		snprintf(err, PRIV_ERR_MAX, "the ids after becoming %s are not "
		    "its own", u->name);
		return -1;
	}
	/* A change of ids resets this flag from fs.suid_dumpable. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}
