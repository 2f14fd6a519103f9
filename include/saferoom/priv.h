/*
 * priv: least privilege for saferoomd (issue 6). Started as root with
 * --user NAME, the server does as root only what needs root (it reads the
 * certificate and its key, binds the port) and then becomes NAME for good,
 * before any thread exists. It never runs as root otherwise, and it never
 * dumps core: its memory holds the signing keys and, briefly, passwords.
 *
 * The folder of the database is the service user's own (as systemd's
 * StateDirectory= makes it): saferoomd refuses a folder that belongs to
 * anyone else, and hands the database files that root made in it (with
 * saferoomctl run as root) to the service user. That grants nothing new:
 * whoever owns a folder can replace the files in it. The database and the
 * key file are then opened as the service user, never as root: root
 * following a link the service user planted there would give its target
 * away (SQLite, running as root, even chowns the -wal it opens).
 */
#ifndef SAFEROOM_PRIV_H
#define SAFEROOM_PRIV_H

#include <sys/types.h>

#define PRIV_NAME_MAX	64
#define PRIV_ERR_MAX	1024

struct priv_user {
	char	 name[PRIV_NAME_MAX];
	uid_t	 uid;
	gid_t	 gid;		/* the user's primary group, the only one kept */
};

/*
 * Look name up in the user database. Returns 0, or -1 with a sentence in
 * err when there is no such user or it is root (uid 0) or has group 0:
 * dropping to it would drop nothing.
 */
int	priv_lookup(const char *name, struct priv_user *, char err[PRIV_ERR_MAX]);

/* No core dumps and no ptrace by the same user: called first thing. */
void	priv_no_core(void);

/*
 * Check that the folder holding db belongs to u and that group and others
 * cannot write to it. Returns 0, or -1 with err set (the folder is
 * missing, a symbolic link, someone else's or writable by others). Called before
 * the database is made, so that a wrong folder gets nothing written to it.
 */
int	priv_check_dir(const struct priv_user *u, const char *db,
	    char err[PRIV_ERR_MAX]);

/*
 * Give u the database, its -wal and -shm and the key file kpath where they
 * exist and root owns them. Only a plain file with one link is touched, and
 * never through a symbolic link, so that a service user who planted a link
 * to /etc/shadow in its folder does not get it. A file of a third user is an
 * error. Returns 0, or -1 with err set.
 */
int	priv_own_files(const struct priv_user *u, const char *db,
	    const char *kpath, char err[PRIV_ERR_MAX]);

/*
 * Become u for good: supplementary groups = {u->gid}, then the real,
 * effective and saved group, then user, ids. Then check that root cannot be
 * regained and that every id is u's. Returns 0, or -1 with err set (then
 * the caller must exit: the process may be half changed). Call before any
 * thread is started.
 */
int	priv_drop(const struct priv_user *u, char err[PRIV_ERR_MAX]);

#endif
