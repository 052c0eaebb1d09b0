/* fsutil: the checkpoint module's file helpers: path checks that keep
 * manifest paths inside their directory, symlink-free opens, CRC of a file,
 * JSON files, and tree removal that never follows a symlink. */
#include "checkpoint/ckpt_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/layout.h"
#include "common/util.h"

int ckpt_relpath_ok(const char *rel)
{
    size_t n = rel ? strlen(rel) : 0;
    if (n == 0 || n > 1024 || rel[0] == '/')
        return 0;
    char tmp[1025];
    memcpy(tmp, rel, n + 1);
    int depth = 0;
    char *save = NULL;
    for (char *c = tmp;; c = NULL) {
        char *comp = strtok_r(c, "/", &save);
        if (!comp)
            break;
        if (!safe_component(comp) || !strncmp(comp, ".endure", 7) || ++depth > 32)
            return 0;
    }
    /* strtok_r hides empty components ("a//b", "a/"): reject them too */
    return depth > 0 && !strstr(rel, "//") && rel[n - 1] != '/';
}

/* Opens or creates one directory component under dirfd, no symlinks. */
static int open_dir_at(int dirfd, const char *name, int create)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
            return -1;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    return fd;
}

int ckpt_open_under(int dirfd, const char *rel, int flags)
{
    if (!ckpt_relpath_ok(rel)) {
        errno = EINVAL;
        return -1;
    }
    char tmp[1025];
    snprintf(tmp, sizeof tmp, "%s", rel);
    int create = (flags & O_CREAT) != 0, cur = dirfd, fd = -1;
    char *comp = tmp, *slash;
    while ((slash = strchr(comp, '/'))) {
        *slash = '\0';
        int next = open_dir_at(cur, comp, create);
        if (cur != dirfd)
            close(cur);
        if (next < 0)
            return -1;
        cur = next;
        comp = slash + 1;
    }
    fd = open_regular(cur, comp, flags | O_NOFOLLOW, 0644); /* a FIFO never blocks */
    int e = errno;
    if (cur != dirfd)
        close(cur);
    errno = e;
    return fd;
}

int ckpt_fsync_parent_at(int dirfd, const char *rel)
{
    char d[PATH_MAX];
    if (snprintf(d, sizeof d, "%s", rel) >= (int)sizeof d) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(d, '/');
    if (slash)
        *slash = '\0';
    int fd = openat(dirfd, slash ? d : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = fd < 0 ? -1 : fsync(fd);
    if (fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return rc;
}

int ckpt_crc_fd(int fd, uint64_t size, uint32_t *crc)
{
    char *b = malloc(CKPT_COPY_BUF);
    if (!b)
        return -1;
    uLong c = crc32(0L, Z_NULL, 0);
    uint64_t off = 0;
    int rc = 0;
    while (off < size) {
        size_t want = size - off < CKPT_COPY_BUF ? (size_t)(size - off) : CKPT_COPY_BUF;
        ssize_t n = pread(fd, b, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENODATA;
            rc = -1;
            break;
        }
        c = crc32(c, (const Bytef *)b, (uInt)n);
        off += (uint64_t)n;
    }
    free(b);
    *crc = (uint32_t)c;
    return rc;
}

json_t *ckpt_read_json(const char *path, size_t max, struct buf *why)
{
    size_t len = 0;
    char *text = read_regular_capped(path, max, &len, O_NOFOLLOW);
    if (!text) {
        int e = errno;
        if (why)
            buf_printf(why, "%s", e == EFBIG ? "too large" : file_strerror(e));
        errno = e;
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!o || !json_is_object(o)) {
        if (why)
            buf_printf(why, "bad JSON: %s", o ? "not an object" : je.text);
        json_decref(o);
        errno = EINVAL;
        return NULL;
    }
    return o;
}

int ckpt_write_json(const char *path, const json_t *obj)
{
    char *text = json_dumps(obj, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = strlen(text);
    int rc = write_file_durable(path, text, n);
    int e = errno;
    free(text);
    errno = e;
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int ckpt_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int ckpt_remove_dir(const char *parent, const char *name)
{
    char from[PATH_MAX], to[PATH_MAX];
    if (snprintf(from, sizeof from, "%s/%s", parent, name) >= (int)sizeof from ||
        layout_trash(to, sizeof to, parent, name, (int)getpid()) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (rename(from, to) < 0)
        return -1;
    fsync_dir(parent);
    return ckpt_rmtree(to);
}

void ckpt_problem(json_t *problems, const char *tag, const char *node, const char *file, const char *fmt,
                  ...)
{
    if (!problems)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *p = json_object();
    json_object_set_new(p, "tag", json_string(tag ? tag : ""));
    if (node)
        json_object_set_new(p, "node", json_string(node));
    if (file)
        json_object_set_new(p, "file", json_string(file));
    json_object_set_new(p, "problem", json_string(msg));
    json_array_append_new(problems, p);
}

long ckpt_json_step(const json_t *o)
{
    json_t *s = json_object_get(o, "step");
    return json_is_integer(s) && json_integer_value(s) >= 0 ? (long)json_integer_value(s) : -1;
}

void ckpt_now_str(char *out, size_t outlen)
{
    format_time(wall_time(), out, outlen);
}
