/* job: persists one node part of one TAG, on the persister's manager thread:
 * lock the ranks' slots (shared flock), re-check that each commit is still
 * the one queued, copy the files (batches of at most 256 open files) into
 * <ckpt>/<TAG>/<node>.partial/rank-<R>/..., fsync files and directories,
 * write manifest.json, rename to <node>, fsync the parents. A complete TAG is
 * never touched; an older incomplete <node> part is replaced. */
#include "checkpoint/persist.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

#define BATCH 256

struct jctx {
    struct ckpt_persister *p;
    const char *ckpt_dir, *node;
    struct ckpt_pjob *job;
    char tagdir[PATH_MAX], partial[PATH_MAX + 16], final[PATH_MAX + 16];
    int partialfd;
    int lockfds[4096];
    int nlocks;
    json_t *files; /* manifest entries */
    uint64_t bytes;
    char err[8448];
    json_t *special; /* a dropped/corrupt event that replaces persist_failed */
};

/* Shared-locks each commit's slot and checks it is still the queued one. */
static int lock_slots(struct jctx *c)
{
    size_t i;
    json_t *cm;
    json_array_foreach(c->job->commits, i, cm) {
        int rank = (int)json_integer_value(json_object_get(cm, "rank"));
        int slot = (int)json_integer_value(json_object_get(cm, "slot"));
        char path[PATH_MAX];
        if (c->nlocks >= 4096 || layout_stage_slot_lock(path, sizeof path, c->job->stage, rank, slot) < 0)
            return -1;
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) < 0) {
            if (fd >= 0)
                close(fd);
            goto superseded;
        }
        c->lockfds[c->nlocks++] = fd;
        json_t *now = ckpt_stage_commit(c->job->stage, rank, slot, NULL);
        int same = now && json_equal(json_object_get(now, "id"), json_object_get(cm, "id"));
        json_decref(now);
        if (!same)
            goto superseded;
    }
    return 0;
superseded:
    c->special = ckpt_event("dropped", c->job->tag, c->job->step, c->node);
    json_object_set_new(c->special, "reason", json_string("superseded: a rank rewrote its slot before the persist"));
    return -1;
}

/* Opens source and destination of one file; 0 or -1. */
static int open_pair(struct jctx *c, int slotfd, int rank, const json_t *f, struct ckpt_pcopy *pc)
{
    const char *rel = json_string_value(json_object_get(f, "path"));
    uint64_t size = (uint64_t)json_integer_value(json_object_get(f, "size"));
    struct stat st;
    char prefix[32];
    layout_rank_prefix(prefix, sizeof prefix, rank);
    snprintf(pc->dst_rel, sizeof pc->dst_rel, "%s%s", prefix, rel);
    pc->size = size;
    pc->src = ckpt_open_under(slotfd, rel, O_RDONLY);
    if (pc->src < 0 || fstat(pc->src, &st) < 0 || (uint64_t)st.st_size != size) {
        c->special = ckpt_event("corrupt", c->job->tag, c->job->step, c->node);
        json_object_set_new(c->special, "rank", json_integer(rank));
        json_object_set_new(c->special, "file", json_string(rel));
        json_object_set_new(c->special, "problem",
                            json_string(pc->src < 0 ? "missing, unreadable or a symlink in the stage"
                                                    : "staged size differs from the commit record"));
        return -1;
    }
    pc->dst = ckpt_open_under(c->partialfd, pc->dst_rel, O_WRONLY | O_CREAT | O_EXCL);
    if (pc->dst < 0) {
        snprintf(c->err, sizeof c->err, "create %s: %s", pc->dst_rel, strerror(errno));
        return -1;
    }
    return 0;
}

/* fsyncs the directory holding rel under the .partial dir. */
static int fsync_parent(struct jctx *c, const char *rel)
{
    int rc = ckpt_fsync_parent_at(c->partialfd, rel);
    if (rc < 0)
        snprintf(c->err, sizeof c->err, "fsync the directory of %s: %s", rel, strerror(errno));
    return rc;
}

/* 1 when two relative paths share their directory. */
static int same_parent(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    return sa && sb && sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

/* Copies one batch; closes its fds. */
static int copy_batch(struct jctx *c, struct ckpt_pcopy *pc, size_t n)
{
    uint32_t crcs[BATCH];
    int rc = ckpt_persist_copy(c->p, pc, n, crcs, c->err, sizeof c->err);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && (i == 0 || !same_parent(pc[i - 1].dst_rel, pc[i].dst_rel)))
            if (fsync_parent(c, pc[i].dst_rel) < 0)
                rc = -1;
        if (rc == 0) {
            json_array_append_new(c->files, json_pack("{s:s s:I s:I}", "path", pc[i].dst_rel, "size",
                                                      (json_int_t)pc[i].size, "crc32", (json_int_t)crcs[i]));
            c->bytes += pc[i].size;
        }
        close(pc[i].src);
        close(pc[i].dst);
    }
    return rc;
}

/* Copies every file of every commit; 0 or -1. */
static int copy_all(struct jctx *c)
{
    struct ckpt_pcopy pc[BATCH];
    size_t n = 0, i, j;
    json_t *cm, *f;
    int rc = 0;
    json_array_foreach(c->job->commits, i, cm) {
        int rank = (int)json_integer_value(json_object_get(cm, "rank"));
        char slot[PATH_MAX];
        int k = (int)json_integer_value(json_object_get(cm, "slot"));
        if (layout_stage_slot(slot, sizeof slot, c->job->stage, rank, k) < 0)
            return -1;
        int slotfd = open(slot, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (slotfd < 0) {
            snprintf(c->err, sizeof c->err, "open %s: %s", slot, strerror(errno));
            return -1;
        }
        json_array_foreach(json_object_get(cm, "files"), j, f) {
            if (open_pair(c, slotfd, rank, f, &pc[n]) < 0) {
                if (pc[n].src >= 0)
                    close(pc[n].src);
                rc = -1;
                break;
            }
            if (++n == BATCH) {
                rc = copy_batch(c, pc, n);
                n = 0;
                if (rc < 0)
                    break;
            }
        }
        close(slotfd);
        if (rc < 0)
            break;
    }
    if (rc < 0) {
        for (size_t k = 0; k < n; k++) {
            close(pc[k].src);
            close(pc[k].dst);
        }
        return -1;
    }
    return n ? copy_batch(c, pc, n) : 0;
}

/* 1 when the job is one rank's replicated commit (the whole job's state). */
static int replicated(const struct ckpt_pjob *job)
{
    return json_array_size(job->commits) == 1 && ckpt_commit_replicated(json_array_get(job->commits, 0)) == 1;
}

/* Writes the manifest and renames .partial into place. */
static int finish(struct jctx *c, json_t *ranks, json_t *ids)
{
    char when[64], mpath[PATH_MAX + 32];
    ckpt_now_str(when, sizeof when);
    json_t *m = json_pack("{s:i s:s s:I s:s s:O s:i s:s s:s s:I s:O s:O}", "format", CKPT_FORMAT, "tag",
                          c->job->tag, "step", (json_int_t)c->job->step, "node", c->node, "ranks", ranks,
                          "world_size", c->job->world_size, "created", when, "endure_version", ENDURE_VERSION,
                          "bytes", (json_int_t)c->bytes, "commits", ids, "files", c->files);
    if (m && replicated(c->job))
        json_object_set_new(m, "scope", json_string("replicated"));
    if (m && c->job->run_uid[0])
        json_object_set_new(m, "run", json_string(c->job->run_uid));
    layout_manifest(mpath, sizeof mpath, c->partial);
    int rc = m ? ckpt_write_json(mpath, m) : -1;
    json_decref(m);
    if (rc < 0) {
        snprintf(c->err, sizeof c->err, "write manifest: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(c->final, &st) == 0 && ckpt_remove_dir(c->tagdir, c->node) < 0) {
        snprintf(c->err, sizeof c->err, "replace stale %s: %s", c->final, strerror(errno));
        return -1;
    }
    if (rename(c->partial, c->final) < 0 || fsync_dir(c->tagdir) < 0 || fsync_dir(c->ckpt_dir) < 0) {
        snprintf(c->err, sizeof c->err, "rename %s: %s", c->partial, strerror(errno));
        return -1;
    }
    return 0;
}

/* Ranks and commit ids of the job, for the manifest and the event. */
static void job_ids(const struct ckpt_pjob *job, json_t *ranks, json_t *ids)
{
    size_t i;
    json_t *cm;
    json_array_foreach(job->commits, i, cm) {
        json_array_append(ranks, json_object_get(cm, "rank"));
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(cm, "rank")));
        json_object_set(ids, key, json_object_get(cm, "id"));
    }
}

json_t *ckpt_run_job(struct ckpt_persister *p, const char *ckpt_dir, const char *node, struct ckpt_pjob *job)
{
    struct jctx c = {.p = p, .ckpt_dir = ckpt_dir, .node = node, .job = job, .partialfd = -1};
    int64_t t0 = now_ms();
    json_t *ranks = json_array(), *ids = json_object(), *ev = NULL;
    char complete[PATH_MAX + 16];
    int made_partial = 0;
    c.files = json_array();
    job_ids(job, ranks, ids);
    layout_tag_dir(c.tagdir, sizeof c.tagdir, ckpt_dir, job->tag);
    layout_partial_dir(c.partial, sizeof c.partial, ckpt_dir, job->tag, node);
    layout_part_dir(c.final, sizeof c.final, ckpt_dir, job->tag, node);
    layout_complete(complete, sizeof complete, ckpt_dir, job->tag);
    if (access(complete, F_OK) == 0) {
        c.special = ckpt_event("dropped", job->tag, job->step, node);
        json_object_set_new(c.special, "reason", json_string("the TAG is already complete in the durable dir"));
        goto out;
    }
    /* the slots first: a save superseded before its persist leaves no
     * empty TAG directory behind in the durable store */
    if (lock_slots(&c) < 0)
        goto out;
    if (mkdir_p(c.tagdir, 0755) < 0) {
        snprintf(c.err, sizeof c.err, "mkdir %s: %s", c.tagdir, strerror(errno));
        goto out;
    }
    if (ckpt_rmtree(c.partial) < 0 || mkdir(c.partial, 0755) < 0 ||
        (c.partialfd = open(c.partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        snprintf(c.err, sizeof c.err, "create %s: %s", c.partial, strerror(errno));
        goto out;
    }
    made_partial = 1;
    if (copy_all(&c) < 0 || finish(&c, ranks, ids) < 0)
        goto out;
    made_partial = 0;
    double secs = (double)(now_ms() - t0) / 1000.0;
    ev = ckpt_event("persisted", job->tag, job->step, node);
    json_object_set(ev, "ranks", ranks);
    json_object_set_new(ev, "bytes", json_integer((json_int_t)c.bytes));
    json_object_set_new(ev, "files", json_integer((json_int_t)json_array_size(c.files)));
    json_object_set_new(ev, "seconds", json_real(secs));
    json_object_set_new(ev, "mb_per_s", json_real(secs > 0 ? (double)c.bytes / 1e6 / secs : 0));
    json_object_set_new(ev, "path", json_string(c.final));
    if (replicated(job))
        json_object_set_new(ev, "scope", json_string("replicated"));
out:
    if (c.partialfd >= 0)
        close(c.partialfd);
    if (made_partial)
        ckpt_rmtree(c.partial);
    for (int i = 0; i < c.nlocks; i++)
        close(c.lockfds[i]);
    if (!ev && c.special)
        ev = c.special;
    else if (!ev) {
        ev = ckpt_event("persist_failed", job->tag, job->step, node);
        json_object_set_new(ev, "error", json_string(ckpt_persist_cancelled(p) ? "cancelled" : c.err));
    }
    if (!json_object_get(ev, "ranks"))
        json_object_set(ev, "ranks", ranks);
    json_object_set(ev, "commits", ids); /* which commits this result is about */
    json_decref(ranks);
    json_decref(ids);
    json_decref(c.files);
    return ev;
}
