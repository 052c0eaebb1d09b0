/* tarball: a bounded .tar.gz writer (tarball.c) for `endure bundle`. */
#ifndef ENDURE_TARBALL_H
#define ENDURE_TARBALL_H
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

struct tarball {
    gzFile gz;
    uint64_t max, used;       /* uncompressed bytes allowed, written */
    int members, skipped;
};

/* Creates path (0600, not through a symlink); the whole file stays within
 * max bytes. 0 or -1 with errno. */
int tarball_open(struct tarball *t, const char *path, uint64_t max);
/* Adds a regular file member: 0, 1 when it does not fit (skipped, counted),
 * -1 on a write error. Names are relative, at most 255 bytes. */
int tarball_add(struct tarball *t, const char *name, const void *data, size_t len);
/* Adds the manifest (always fits: a reserve is kept for it, 32 KiB at most),
 * the end-of-archive blocks, and closes. 0 or -1. */
int tarball_close(struct tarball *t, const char *manifest_name, const char *manifest);

#endif
