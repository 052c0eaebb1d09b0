/* lockfile: "a live process owns this" markers. An owner takes an open file
 * description lock (fcntl F_OFD_SETLK, whole file, write) on a lock file and
 * keeps the fd open for as long as it lives; the kernel drops the lock when
 * the process dies however it dies, so a lock that can be taken (or one that
 * F_OFD_GETLK reports free) proves that its last owner is gone. OFD locks
 * also work over NFS (as POSIX locks). Owned by the caller: the fd. */
#ifndef ENDURE_LOCKFILE_H
#define ENDURE_LOCKFILE_H

/* Creates path (0600, never through a symlink) if needed and locks it.
 * Returns the fd that holds the lock (close it to release), -2 when a live
 * process holds it already, -1 with errno on any other error. */
int lockfile_take(const char *path);
/* Tests path without taking it: 1 when a live process holds the lock, 0 when
 * nobody does, -1 with errno (ENOENT: no such lock file). */
int lockfile_held(const char *path);

#endif
