/*
 * Unit test of server/priv.c against include/saferoom/priv.h: user look-up
 * refuses root and unknown names; the state folder must be the user's;
 * root's database files are handed over but a link, a second hard link or
 * a third user's file is not; the drop (in a child) leaves every id the
 * user's, one group, and no way back to root. The parts that change owners
 * or ids need root and are skipped, with a line saying so, without it.
 */
#define _GNU_SOURCE		/* getresuid */

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saferoom/priv.h"

#include "check.h"
#include "tmpdir.h"

static char	 tmp[TMPDIR_MAX];

static void
test_lookup(void)
{
	struct priv_user	 u;
	struct passwd		*pw;
	char			 err[PRIV_ERR_MAX], long_name[PRIV_NAME_MAX + 8];

	CHECK_INT(priv_lookup("root", &u, err), -1);
	CHECK(strstr(err, "unprivileged") != NULL);
	CHECK_INT(priv_lookup("no-such-user-saferoom", &u, err), -1);
	CHECK(strstr(err, "no such user") != NULL);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_INT(priv_lookup(long_name, &u, err), -1);
	if ((pw = getpwnam("nobody")) != NULL) {
		CHECK_INT(priv_lookup("nobody", &u, err), 0);
		CHECK_INT(u.uid, pw->pw_uid);
		CHECK_INT(u.gid, pw->pw_gid);
		CHECK_STR(u.name, "nobody");
	}
}

/* Owner of path, not following a link; -1 if it is missing. */
static long long
owner(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == -1 ? -1 : (long long)st.st_uid;
}

static void
test_files(const struct priv_user *u)
{
	char	 dir[TMPDIR_MAX], db[TMPDIR_MAX], wal[TMPDIR_MAX],
		 shm[TMPDIR_MAX], kpath[TMPDIR_MAX], victim[TMPDIR_MAX],
		 err[PRIV_ERR_MAX];

	tmpdir_path(dir, tmp, "state");
	tmpdir_path(db, dir, "s.db");
	tmpdir_cat(wal, db, "-wal");
	tmpdir_cat(shm, db, "-shm");
	tmpdir_cat(kpath, db, ".keys");
	tmpdir_path(victim, tmp, "victim");
	if (!CHECK_INT(mkdir(dir, 0700), 0))
		return;

	/* Root's folder: refused. */
	CHECK_INT(priv_check_dir(u, db, err), -1);
	CHECK(strstr(err, "belongs to user id 0") != NULL);
	CHECK(chown(dir, u->uid, u->gid) == 0);
	CHECK_INT(priv_check_dir(u, db, err), 0);

	/* Writable by group or others: refused; readable is fine. */
	CHECK_INT(chmod(dir, 0770), 0);
	CHECK_INT(priv_check_dir(u, db, err), -1);
	CHECK(strstr(err, "must not write") != NULL);
	CHECK_INT(chmod(dir, 0702), 0);
	CHECK_INT(priv_check_dir(u, db, err), -1);
	CHECK_INT(chmod(dir, 0755), 0);
	CHECK_INT(priv_check_dir(u, db, err), 0);
	CHECK_INT(chmod(dir, 0700), 0);

	/* A link to the service user's folder: refused, not followed. */
	{
		char	 link[TMPDIR_MAX], ldb[TMPDIR_MAX];

		tmpdir_path(link, tmp, "state-link");
		tmpdir_path(ldb, link, "s.db");
		CHECK_INT(symlink(dir, link), 0);
		CHECK_INT(priv_check_dir(u, ldb, err), -1);
		CHECK_INT(unlink(link), 0);
	}

	/* Nothing there yet: nothing to do. */
	CHECK_INT(priv_own_files(u, db, kpath, err), 0);

	/* Root's database and key file: handed over, mode kept. */
	CHECK(tmpdir_write(db, "db", 2, 0600) == 0);
	CHECK(tmpdir_write(kpath, "k", 1, 0600) == 0);
	CHECK_INT(priv_own_files(u, db, kpath, err), 0);
	CHECK_INT(owner(db), u->uid);
	CHECK_INT(owner(kpath), u->uid);
	CHECK_INT(tmpdir_mode(db), 0600);

	/* A link to a root file: refused, the target stays root's. */
	CHECK(tmpdir_write(victim, "secret", 6, 0600) == 0);
	CHECK(symlink(victim, wal) == 0);
	CHECK_INT(priv_own_files(u, db, kpath, err), -1);
	CHECK(strstr(err, "-wal") != NULL);
	CHECK_INT(owner(victim), 0);
	CHECK(unlink(wal) == 0);

	/* A second hard link to a root file: refused too. */
	CHECK(link(victim, shm) == 0);
	CHECK_INT(priv_own_files(u, db, kpath, err), -1);
	CHECK_INT(owner(victim), 0);
	CHECK(unlink(shm) == 0);

	/* A third user's file: an error, not taken. */
	CHECK(tmpdir_write(shm, "x", 1, 0600) == 0);
	CHECK(chown(shm, u->uid + 1, u->gid) == 0);
	CHECK_INT(priv_own_files(u, db, kpath, err), -1);
	CHECK_INT(owner(shm), u->uid + 1);
}

/* In a child, so that the test itself stays root. */
static void
test_drop(const struct priv_user *u)
{
	char	 err[PRIV_ERR_MAX];
	uid_t	 r, e, s;
	gid_t	 rg, eg, sg, groups[4];
	pid_t	 pid;
	int	 status, bad = 0;

	if ((pid = fork()) == 0) {
		if (priv_drop(u, err) == -1) {
			fprintf(stderr, "priv_drop: %s\n", err);
			_exit(1);
		}
		if (getresuid(&r, &e, &s) == -1 || r != u->uid || e != u->uid ||
		    s != u->uid)
			bad |= 2;
		if (getresgid(&rg, &eg, &sg) == -1 || rg != u->gid ||
		    eg != u->gid || sg != u->gid)
			bad |= 4;
		if (getgroups(4, groups) != 1 || groups[0] != u->gid)
			bad |= 8;
		if (setuid(0) == 0 || seteuid(0) == 0)
			bad |= 16;
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			bad |= 32;
		_exit(bad);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

int
main(void)
{
	struct priv_user	 u;
	char			 err[PRIV_ERR_MAX];
	gid_t			 more[2] = { 0, 4 };

	if (tmpdir_make(tmp, "priv") == -1)
		return 1;
	test_lookup();
	if (geteuid() != 0 || priv_lookup("nobody", &u, err) == -1) {
		printf("skipped: owners and ids can be changed by root only "
		    "(and need the user nobody)\n");
	} else {
		/* Groups of root's, so that the drop has some to shed. */
		CHECK(setgroups(2, more) == 0);
		test_files(&u);
		test_drop(&u);
	}
	tmpdir_remove(tmp);
	return check_done();
}
