/* export: copies the ranks of one complete TAG out of the durable store into
 * the Python helper's plain layout, <out>/<TAG>/rank-<R>/, so that an
 * operator can hand a checkpoint to a job that runs without endure (or
 * inspect it) with `endure ckpt restore DIR --to OUT`. Every file is
 * checked against its manifest CRC32 while it is copied; a rank directory
 * appears (rename) only once all its files and its .endure-commit.json are
 * fsynced, and an existing one is never overwritten. OUT/<TAG> must be a
 * real directory (a symlink planted there is refused) and every entry in it
 * is made relative to its descriptor. */
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/layout.h"
#include "common/util.h"

#define COPY_BUF (1u << 20)

/* Copies size bytes from src to dst, checking the CRC32; 0 or -1 (err set). */
static int copy_checked(int src, int dst, uint64_t size, uint32_t want, const char *rel, char *buf,
                        struct buf *err)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < COPY_BUF ? (size_t)(size - off) : COPY_BUF;
        ssize_t got = read(src, buf, n);
        if (got <= 0) {
            buf_printf(err, "read %s: %s", rel, got ? strerror(errno) : "file shorter than its manifest");
            return -1;
        }
        crc = crc32(crc, (const Bytef *)buf, (uInt)got);
        if (write_all(dst, buf, (size_t)got) < 0) {
            buf_printf(err, "write %s: %s", rel, strerror(errno));
            return -1;
        }
        off += (uint64_t)got;
    }
    if ((uint32_t)crc != want) {
        buf_printf(err, "%s: CRC32 %08x, manifest says %08x", rel, (uint32_t)crc, want);
        return -1;
    }
    if (fsync(dst) < 0) {
        buf_printf(err, "fsync %s: %s", rel, strerror(errno));
        return -1;
    }
    return 0;
}

/* Copies the manifest's files of rank into tmpfd (names without "rank-R/"). */
static int copy_rank(int srcfd, int tmpfd, const json_t *manifest, int rank, json_t *info, struct buf *err)
{
    char prefix[32], *buf = malloc(COPY_BUF);
    layout_rank_prefix(prefix, sizeof prefix, rank);
    size_t plen = strlen(prefix), i;
    json_int_t files = 0, bytes = 0;
    json_t *f;
    int rc = -1;
    if (!buf) {
        buf_printf(err, "out of memory");
        return -1;
    }
    json_array_foreach(json_object_get(manifest, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        if (!path || strncmp(path, prefix, plen))
            continue;
        uint64_t size = (uint64_t)json_integer_value(json_object_get(f, "size"));
        uint32_t want = (uint32_t)json_integer_value(json_object_get(f, "crc32"));
        int src = ckpt_open_under(srcfd, path, O_RDONLY);
        int dst = src < 0 ? -1 : ckpt_open_under(tmpfd, path + plen, O_WRONLY | O_CREAT | O_EXCL);
        int ok = src >= 0 && dst >= 0 && copy_checked(src, dst, size, want, path, buf, err) == 0;
        if (!ok && !err->len)
            buf_printf(err, "%s %s: %s", src < 0 ? "open" : "create", path, strerror(errno));
        if (src >= 0)
            close(src);
        if (dst >= 0)
            close(dst);
        if (!ok || ckpt_fsync_parent_at(tmpfd, path + plen) < 0) {
            if (ok)
                buf_printf(err, "fsync the directory of %s: %s", path, strerror(errno));
            goto done;
        }
        files++;
        bytes += (json_int_t)size;
    }
    json_object_set_new(info, "files", json_integer(files));
    json_object_set_new(info, "bytes", json_integer(bytes));
    rc = 0;
done:
    free(buf);
    return rc;
}

/* Writes the commit record .endure-commit.json into the private tmp dir
 * (created, never followed), fsynced; 0 or -1/errno. */
static int write_commit_at(int tmpfd, const struct ckpt_choice *c, int rank)
{
    json_t *commit = json_pack("{s:s,s:I,s:i,s:i,s:s}", "tag", c->tag, "step", (json_int_t)c->step, "rank", rank,
                               "world_size", c->world_size, "scope", c->saver >= 0 ? "replicated" : "sharded");
    char *text = commit ? json_dumps(commit, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(commit);
    int fd = text ? open_regular(tmpfd, LAYOUT_COMMIT_RECORD, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644) : -1;
    int rc = fd < 0 || write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ? -1 : 0;
    int e = text ? errno : ENOMEM;
    if (fd >= 0)
        close(fd);
    free(text);
    errno = e;
    return rc;
}

/* renameat2(RENAME_NOREPLACE) within dirfd; where the file system lacks it
 * (EINVAL), a plain rename after a check that to does not exist. */
static int rename_noreplace(int dirfd, const char *from, const char *to)
{
    if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL)
        return -1;
    struct stat st;
    if (fstatat(dirfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(dirfd, from, dirfd, to);
}

/* Exports one rank into the TAG directory tagfd (named tagout): tmp dir,
 * files, commit record, rename that never replaces an existing entry. */
static int export_rank(const char *ckpt_dir, const struct ckpt_choice *c, int tagfd, const char *tagout, int rank,
                       const json_t *manifest, const char *node, json_t *info, struct buf *err)
{
    char src[PATH_MAX], tmp[64], final[32], tmppath[PATH_MAX], shown[PATH_MAX];
    int srcfd = -1, tmpfd = -1, rc = -1;
    struct stat st;
    layout_part_dir(src, sizeof src, ckpt_dir, c->tag, node);
    layout_rank_name(final, sizeof final, rank);
    layout_plain_tmp_name(tmp, sizeof tmp, rank, (int)getpid());
    snprintf(shown, sizeof shown, "%s/%s", tagout, final);
    snprintf(tmppath, sizeof tmppath, "%s/%s", tagout, tmp);
    if (fstatat(tagfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        buf_printf(err, "%s exists (not overwritten)", shown);
        return -1;
    }
    ckpt_rmtree(tmppath);
    if (mkdirat(tagfd, tmp, 0755) < 0) {
        buf_printf(err, "mkdir %s: %s", tmppath, strerror(errno));
        return -1;
    }
    if ((tmpfd = openat(tagfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
        (srcfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        buf_printf(err, "%s: %s", tmpfd < 0 ? tmppath : src, file_strerror(errno));
        goto done;
    }
    if (copy_rank(srcfd, tmpfd, manifest, rank, info, err) < 0)
        goto done;
    if (write_commit_at(tmpfd, c, rank) < 0 || fsync(tmpfd) < 0 || rename_noreplace(tagfd, tmp, final) < 0 ||
        fsync(tagfd) < 0) {
        buf_printf(err, errno == EEXIST ? "commit %s: exists (not overwritten)" : "commit %s: %s", shown,
                   strerror(errno));
        goto done;
    }
    json_object_set_new(info, "dir", json_string(shown));
    rc = 0;
done:
    if (srcfd >= 0)
        close(srcfd);
    if (tmpfd >= 0)
        close(tmpfd);
    if (rc < 0)
        ckpt_rmtree(tmppath);
    return rc;
}

/* Creates (or opens) OUT/<TAG> as a real directory: a symlink or any other
 * file planted there is refused, so nothing is written outside OUT. */
static int open_tag_out(const char *out_dir, const char *tagout, struct buf *err)
{
    if (mkdir_p(out_dir, 0755) < 0) {
        buf_printf(err, "mkdir %s: %s", out_dir, strerror(errno));
        return -1;
    }
    if (mkdir(tagout, 0755) < 0 && errno != EEXIST) {
        buf_printf(err, "mkdir %s: %s", tagout, strerror(errno));
        return -1;
    }
    int fd = open(tagout, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        buf_printf(err, "%s: %s", tagout,
                   errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory (refused)"
                                                      : strerror(errno));
    return fd;
}

int ckpt_export(const char *ckpt_dir, const struct ckpt_choice *c, const char *out_dir, json_t *report,
                struct buf *err)
{
    char tagout[PATH_MAX];
    json_t *dirs = json_array(), *manifests = json_object(), *problems = json_array(), *d;
    int rc = -1, tagfd = -1;
    size_t i;
    if (snprintf(tagout, sizeof tagout, "%s/%s", out_dir, c->tag) >= (int)sizeof tagout ||
        ckpt_rank_dirs(ckpt_dir, c, dirs) < 0) {
        buf_printf(err, "%s: no COMPLETE marker naming a safe node for every rank", c->tag);
        goto done;
    }
    if ((tagfd = open_tag_out(out_dir, tagout, err)) < 0)
        goto done;
    json_array_foreach(dirs, i, d) {
        int r = (int)json_integer_value(json_object_get(d, "rank"));
        const char *node = json_string_value(json_object_get(d, "node"));
        if (c->saver >= 0 && r != c->saver)
            continue; /* replicated: the saver's part is every rank's */
        json_t *m = json_object_get(manifests, node);
        if (!m && (m = ckpt_verify_node(ckpt_dir, c->tag, node, c->step, 0, problems)))
            json_object_set_new(manifests, node, m);
        if (!m) {
            buf_printf(err, "rank %d: the manifest of %s does not verify", r, node);
            goto done;
        }
        json_t *info = json_pack("{s:i,s:s}", "rank", r, "node", node);
        int erc = export_rank(ckpt_dir, c, tagfd, tagout, r, m, node, info, err);
        json_array_append_new(report, info);
        if (erc < 0)
            goto done;
    }
    rc = 0;
done:
    if (tagfd >= 0)
        close(tagfd);
    json_decref(dirs);
    json_decref(manifests);
    json_decref(problems);
    return rc;
}
