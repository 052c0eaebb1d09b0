/* probe_storage: the checkpoint directory can take the next checkpoint:
 * writable, free space >= 2x the newest checkpoint there (or --min-free),
 * and a 64 MiB write + fsync + read (cache dropped) that comes back intact,
 * with its MB/s (slower than storage_slow_ms: a warning); the stage
 * (--stage-dir, /dev/shm) has room for two copies of this node's share of
 * the newest checkpoint. Runs in a probe child. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/text.h"
#include "common/util.h"
#include "health/health_int.h"

#define IO_BYTES ((size_t)64 << 20)
#define IO_CHUNK ((size_t)1 << 20)

/* The nearest existing directory at or above path, into out; 0 or -1. */
static int existing_dir(const char *path, char *out, size_t n)
{
    struct stat st;
    if (snprintf(out, n, "%s", path) >= (int)n)
        return -1;
    for (;;) {
        if (stat(out, &st) == 0)
            return S_ISDIR(st.st_mode) ? 0 : -1;
        char *slash = strrchr(out, '/');
        if (!slash)
            return snprintf(out, n, ".") < 0 ? -1 : 0;
        if (slash == out)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

static int free_bytes(const char *dir, uint64_t *out)
{
    struct statvfs v;
    if (statvfs(dir, &v) < 0)
        return -1;
    *out = (uint64_t)v.f_bavail * v.f_frsize;
    return 0;
}

static void fill(unsigned char *p, size_t chunk)
{
    for (size_t i = 0; i < IO_CHUNK; i++)
        p[i] = (unsigned char)(i * 31 + chunk * 7 + (i >> 12));
}

/* Writes, fsyncs, drops from the cache and reads back IO_BYTES in dir.
 * 0, or -1 with the step that failed in why. */
static int io_test(const char *dir, json_t *fig, char *why, size_t whyn)
{
    char path[PATH_MAX];
    unsigned char *a = malloc(IO_CHUNK), *b = malloc(IO_CHUNK);
    int fd = -1, rc = -1;
    snprintf(path, sizeof path, "%s/.endure-health-%d.tmp", dir, (int)getpid());
    const char *step = "open";
    if (!a || !b)
        goto out;
    int64_t t0 = now_ms();
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
        goto out;
    step = "write";
    for (size_t c = 0; c < IO_BYTES / IO_CHUNK; c++) {
        fill(a, c);
        if (write_all(fd, a, IO_CHUNK) < 0)
            goto out;
    }
    step = "fsync";
    if (fsync(fd) < 0)
        goto out;
    int64_t t1 = now_ms();
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    step = "read";
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        goto out;
    for (size_t c = 0; c < IO_BYTES / IO_CHUNK; c++) {
        fill(a, c);
        ssize_t n = read(fd, b, IO_CHUNK);
        if (n != (ssize_t)IO_CHUNK || memcmp(a, b, IO_CHUNK)) {
            errno = n < 0 ? errno : EIO;
            step = "read back (content differs)";
            goto out;
        }
    }
    int64_t t2 = now_ms();
    json_object_set_new(fig, "write_mbps", json_integer((json_int_t)(IO_BYTES * 1000 / 1048576 / (t1 - t0 ? t1 - t0 : 1))));
    json_object_set_new(fig, "read_mbps", json_integer((json_int_t)(IO_BYTES * 1000 / 1048576 / (t2 - t1 ? t2 - t1 : 1))));
    json_object_set_new(fig, "io_ms", json_integer(t2 - t0));
    rc = 0;
out:
    if (rc < 0)
        snprintf(why, whyn, "%s: %s", step, strerror(errno));
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(a);
    free(b);
    return rc;
}

/* The newest checkpoint's bytes and node count (0 when none). */
static void newest_ckpt(const char *ckpt_dir, uint64_t *bytes, size_t *nodes)
{
    json_t *l = ckpt_list(ckpt_dir), *t;
    size_t i;
    *bytes = 0;
    *nodes = 1;
    json_array_foreach(l, i, t) {
        json_int_t b = json_integer_value(json_object_get(t, "bytes"));
        if (b > 0) {
            *bytes = (uint64_t)b;
            *nodes = json_array_size(json_object_get(t, "nodes")) ?: 1;
            break;
        }
    }
    json_decref(l);
}

static void check_ckpt(const struct health_opts *o, uint64_t ck, json_t *fig, char *fails, char *warns)
{
    char dir[PATH_MAX], why[256], a[32], b[32];
    uint64_t avail = 0, need = o->min_free ? o->min_free : 2 * ck;
    if (existing_dir(o->ckpt_dir, dir, sizeof dir) < 0) {
        problem_add(fails, HEALTH_REASON_MAX, "checkpoint dir %s: not a directory", o->ckpt_dir);
        return;
    }
    json_object_set_new(fig, "tested_in", json_text(dir, strlen(dir)));
    if (free_bytes(dir, &avail) == 0) {
        json_object_set_new(fig, "ckpt_free_bytes", json_integer((json_int_t)avail));
        json_object_set_new(fig, "ckpt_need_bytes", json_integer((json_int_t)need));
        human_size(avail, a, sizeof a);
        human_size(need, b, sizeof b);
        if (avail < need)
            problem_add(fails, HEALTH_REASON_MAX, "%s: %s free, %s needed (%s)", dir, a, b,
                        o->min_free ? "--min-free" : "2x the newest checkpoint");
    }
    if (io_test(dir, fig, why, sizeof why) < 0) {
        problem_add(fails, HEALTH_REASON_MAX, "%s not writable: %s", dir, why);
        return;
    }
    json_int_t ms = json_integer_value(json_object_get(fig, "io_ms"));
    if (ms > o->storage_slow_ms)
        problem_add(warns, HEALTH_REASON_MAX, "%s: 64 MiB write+fsync+read took %lld ms", dir, (long long)ms);
}

static void check_stage(const struct health_opts *o, uint64_t need, json_t *fig, char *fails)
{
    const char *stage = o->stage_dir ? o->stage_dir : "/dev/shm";
    char dir[PATH_MAX], a[32], b[32];
    uint64_t avail;
    if (existing_dir(stage, dir, sizeof dir) < 0 || free_bytes(dir, &avail) < 0) {
        problem_add(fails, HEALTH_REASON_MAX, "stage %s: not a directory", stage);
        return;
    }
    json_object_set_new(fig, "stage_free_bytes", json_integer((json_int_t)avail));
    json_object_set_new(fig, "stage_need_bytes", json_integer((json_int_t)need));
    human_size(avail, a, sizeof a);
    human_size(need, b, sizeof b);
    if (avail < need)
        problem_add(fails, HEALTH_REASON_MAX, "stage %s: %s free, %s needed (2x this node's share)", stage, a, b);
}

void probe_storage(const struct health_opts *o, struct probe_out *out)
{
    char fails[HEALTH_REASON_MAX] = "", warns[HEALTH_REASON_MAX] = "";
    uint64_t ck = 0;
    size_t nodes = 1;
    struct stat st;
    const char *stage = o->stage_dir ? o->stage_dir : "/dev/shm";
    if (!o->ckpt_dir && stat(stage, &st) < 0) {
        probe_set(out, HEALTH_SKIP, "no --ckpt-dir, and no stage directory %s", stage);
        return;
    }
    if (o->ckpt_dir) {
        newest_ckpt(o->ckpt_dir, &ck, &nodes);
        json_object_set_new(out->figures, "newest_ckpt_bytes", json_integer((json_int_t)ck));
        check_ckpt(o, ck, out->figures, fails, warns);
    }
    check_stage(o, 2 * (ck / nodes), out->figures, fails);
    if (*fails)
        probe_set(out, HEALTH_FAIL, "%s", fails);
    else if (*warns)
        probe_set(out, HEALTH_WARN, "%s", warns);
    else if (o->ckpt_dir)
        probe_set(out, HEALTH_PASS, "checkpoint dir writable, %lld MB/s write, %lld MB/s read, space ok",
                  json_integer_value(json_object_get(out->figures, "write_mbps")),
                  json_integer_value(json_object_get(out->figures, "read_mbps")));
    else
        probe_set(out, HEALTH_PASS, "no --ckpt-dir; the stage %s has room", stage);
}
