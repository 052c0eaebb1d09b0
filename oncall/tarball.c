/* tarball: a small bounded writer of .tar.gz files (POSIX ustar members,
 * regular files only, through zlib's gzip stream). The bound is on the
 * uncompressed content, so the file written never exceeds it (gzip adds at
 * most a few bytes per 16 KiB to incompressible data, less than the tar
 * padding it saves here by the reserve below). */
#include "oncall/tarball.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/util.h"

#define BLOCK 512
#define RESERVE (64u << 10) /* kept for the manifest and the end blocks */

int tarball_open(struct tarball *t, const char *path, uint64_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max > 2 * RESERVE ? max - RESERVE : max / 2;
    int fd = open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    t->gz = gzdopen(fd, "wb6");
    if (!t->gz) {
        close(fd);
        return -1;
    }
    return 0;
}

static void octal(char *dst, size_t n, uint64_t v)
{
    snprintf(dst, n, "%0*llo", (int)n - 1, (unsigned long long)v);
}

static int header(struct tarball *t, const char *name, uint64_t size)
{
    char h[BLOCK] = {0};
    size_t len = strlen(name);
    if (len > 100) { /* ustar: prefix/name split at a slash */
        const char *cut = name + len - 100;
        const char *slash = strchr(cut, '/');
        if (!slash || (size_t)(slash - name) > 155)
            return -1;
        memcpy(h + 345, name, (size_t)(slash - name));
        name = slash + 1;
        len = strlen(name);
    }
    memcpy(h, name, len);
    octal(h + 100, 8, 0600);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, (uint64_t)time(NULL));
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    return gzwrite(t->gz, h, BLOCK) == BLOCK ? 0 : -1;
}

int tarball_add(struct tarball *t, const char *name, const void *data, size_t len)
{
    uint64_t need = BLOCK + ((len + BLOCK - 1) / BLOCK) * BLOCK;
    if (t->used + need > t->max) {
        t->skipped++;
        return 1;
    }
    static const char zeros[BLOCK];
    if (header(t, name, len) < 0 || (len && gzwrite(t->gz, data, (unsigned)len) != (int)len))
        return -1;
    size_t pad = (BLOCK - len % BLOCK) % BLOCK;
    if (pad && gzwrite(t->gz, zeros, (unsigned)pad) != (int)pad)
        return -1;
    t->used += need;
    t->members++;
    return 0;
}

int tarball_close(struct tarball *t, const char *manifest_name, const char *manifest)
{
    int rc = 0;
    if (!t->gz)
        return -1;
    t->max += RESERVE - 2 * BLOCK; /* the reserve is for this */
    if (manifest && tarball_add(t, manifest_name, manifest, strlen(manifest)) != 0)
        rc = -1;
    static const char zeros[2 * BLOCK];
    if (gzwrite(t->gz, zeros, sizeof zeros) != (int)sizeof zeros)
        rc = -1;
    if (gzclose(t->gz) != Z_OK)
        rc = -1;
    t->gz = NULL;
    return rc;
}
