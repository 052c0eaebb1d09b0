/* watcher_scan: what the agent reads from the stage: the ranks' commit
 * records (a node part of TAG is ready when every local rank has committed
 * TAG), queueing ready parts in step order, the stage size limit (drop older
 * staged commits, never the newest one or one being persisted), and the
 * per-rank resume directory (staged copy when it is the manifest's commit). */
#include "checkpoint/watcher_int.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

struct ckpt_tagst *ckpt_agent_find_tag(struct ckpt_agent *a, const char *tag)
{
    for (int i = 0; i < a->ntags; i++)
        if (!strcmp(a->tags[i].tag, tag))
            return &a->tags[i];
    return NULL;
}

/* A slot for a new TAG state: a free one, else the oldest settled one. */
static struct ckpt_tagst *new_tag(struct ckpt_agent *a)
{
    if (a->ntags < CKPT_MAX_TAGS)
        return &a->tags[a->ntags++];
    struct ckpt_tagst *old = NULL;
    for (int i = 0; i < a->ntags; i++)
        if (a->tags[i].state != T_QUEUED && (!old || a->tags[i].step < old->step))
            old = &a->tags[i];
    if (old) {
        json_decref(old->ids);
        old->ids = NULL;
    }
    return old;
}

void ckpt_agent_apply_result(struct ckpt_agent *a, const json_t *ev)
{
    struct ckpt_tagst *t = ckpt_agent_find_tag(a, json_string_value(json_object_get(ev, "tag")));
    if (!t || t->state != T_QUEUED || !json_equal(t->ids, json_object_get(ev, "commits")))
        return; /* a result about older commits of a TAG that was committed again */
    const char *type = json_string_value(json_object_get(ev, "event"));
    t->state = !strcmp(type, "persisted") ? T_DONE : !strcmp(type, "dropped") ? T_DROPPED : T_FAILED;
}

/* Reports an invalid commit record once per distinct problem. */
static void report_bad(struct ckpt_agent *a, int i, int slot, const char *why)
{
    if (!strncmp(a->bad[i][slot], why, sizeof a->bad[i][slot] - 1))
        return;
    snprintf(a->bad[i][slot], sizeof a->bad[i][slot], "%s", why);
    json_t *ev = ckpt_event("corrupt", "", -1, a->node);
    json_object_set_new(ev, "rank", json_integer(a->ranks[i]));
    char name[32];
    layout_slot_commit_name(name, sizeof name, slot);
    json_object_set_new(ev, "file", json_string(name));
    json_object_set_new(ev, "problem", json_string(why));
    ckpt_agent_emit(a, ev);
}

/* 1 if commit x is newer than y (step, then commit time). */
static int newer(const json_t *x, const json_t *y)
{
    long sx = ckpt_json_step(x), sy = ckpt_json_step(y);
    if (sx != sy)
        return sx > sy;
    return json_number_value(json_object_get(x, "time")) > json_number_value(json_object_get(y, "time"));
}

/* Groups the local commits by TAG: {"tag": {"rank": commit}}. */
static json_t *read_commits(struct ckpt_agent *a)
{
    json_t *by_tag = json_object();
    for (int i = 0; i < a->nranks; i++)
        for (int k = 0; k < LAYOUT_SLOTS; k++) {
            struct buf why;
            buf_init(&why, 512);
            json_t *c = ckpt_stage_commit(a->stage, a->ranks[i], k, &why);
            if (!c && why.len)
                report_bad(a, i, k, why.p);
            else if (c)
                a->bad[i][k][0] = '\0';
            buf_free(&why);
            if (!c)
                continue;
            if (a->pinned[i] >= 0 && json_number_value(json_object_get(c, "time")) > a->pinned_at[i])
                a->pinned[i] = -1; /* the rank saved since it resumed: it has loaded */
            const char *tag = json_string_value(json_object_get(c, "tag"));
            json_t *g = json_object_get(by_tag, tag);
            if (!g)
                json_object_set_new(by_tag, tag, g = json_object());
            char key[32];
            snprintf(key, sizeof key, "%d", a->ranks[i]);
            json_t *prev = json_object_get(g, key);
            if (!prev || newer(c, prev))
                json_object_set(g, key, c);
            json_decref(c);
        }
    return by_tag;
}

/* 1 if the durable part of tag on this node was made from exactly ids. */
json_t *ckpt_agent_durable_commits(struct ckpt_agent *a, const char *tag)
{
    char part[PATH_MAX], p[PATH_MAX];
    if (layout_part_dir(part, sizeof part, a->ckpt_dir, tag, a->node) < 0 || layout_manifest(p, sizeof p, part) < 0)
        return NULL;
    json_t *m = ckpt_read_json(p, CKPT_JSON_MAX, NULL);
    json_t *ids = json_incref(json_object_get(m, "commits"));
    json_decref(m);
    return ids;
}

static int already_durable(struct ckpt_agent *a, const char *tag, const json_t *ids)
{
    json_t *have = ckpt_agent_durable_commits(a, tag);
    int same = have && json_equal(have, ids);
    json_decref(have);
    return same;
}

/* Starts tracking a ready part: staged event, then queue or skip. */
static void take_ready(struct ckpt_agent *a, const char *tag, json_t *g, json_t *ids)
{
    struct ckpt_tagst *t = ckpt_agent_find_tag(a, tag);
    if (t && json_equal(t->ids, ids))
        return;
    if (!t && !(t = new_tag(a)))
        return; /* 64 parts in flight: try again at the next scan */
    json_decref(t->ids);
    snprintf(t->tag, sizeof t->tag, "%s", tag);
    t->ids = json_incref(ids);
    struct ckpt_pjob *job = calloc(1, sizeof *job);
    json_t *commits = json_array(), *ranks = json_array(), *c;
    const char *key;
    json_int_t bytes = 0;
    json_object_foreach(g, key, c) {
        json_array_append_new(commits, json_deep_copy(c)); /* the job owns its copy: no sharing across threads */
        json_array_append(ranks, json_object_get(c, "rank"));
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(c, "files"), i, f) bytes += json_integer_value(json_object_get(f, "size"));
        t->step = ckpt_json_step(c);
    }
    json_t *ev = ckpt_event("staged", tag, t->step, a->node);
    json_object_set(ev, "ranks", ranks);
    json_object_set_new(ev, "bytes", json_integer(bytes));
    ckpt_agent_emit(a, ev);
    if (already_durable(a, tag, ids) || !job) {
        t->state = T_DONE;
        if (job) {
            ev = ckpt_event("persisted", tag, t->step, a->node);
            json_object_set(ev, "ranks", ranks);
            json_object_set_new(ev, "bytes", json_integer(bytes));
            json_object_set_new(ev, "already", json_true());
            if (json_object_size(g) == 1 && ckpt_commit_replicated(json_object_iter_value(json_object_iter(g))) == 1)
                json_object_set_new(ev, "scope", json_string("replicated"));
            json_object_set(ev, "commits", ids);
            ckpt_agent_emit(a, ev);
        }
        free(job);
        json_decref(commits);
    } else {
        t->state = T_QUEUED;
        snprintf(job->tag, sizeof job->tag, "%s", tag);
        snprintf(job->stage, sizeof job->stage, "%s", a->stage);
        snprintf(job->run_uid, sizeof job->run_uid, "%s", a->run_uid);
        job->step = t->step;
        job->world_size = a->world_size;
        job->commits = commits;
        ckpt_persist_submit(a->per, job);
    }
    json_decref(ranks);
}

static int cmp_step(const void *x, const void *y)
{
    long a = ckpt_json_step(*(json_t *const *)x), b = ckpt_json_step(*(json_t *const *)y);
    return (a > b) - (a < b);
}

/* The part of a TAG this node persists, from its local commits g
 * ({"rank": commit}): a replicated commit is a part by itself (the lowest
 * such rank's); sharded commits make one once every local rank committed.
 * A new reference, or NULL when the TAG is not ready here. */
static json_t *ready_group(const struct ckpt_agent *a, json_t *g)
{
    const char *key, *best = NULL;
    json_t *c;
    json_object_foreach(g, key, c) {
        if (ckpt_commit_replicated(c) == 1 &&
            (!best || json_integer_value(json_object_get(c, "rank")) <
                          json_integer_value(json_object_get(json_object_get(g, best), "rank"))))
            best = key;
    }
    if (best)
        return json_pack("{s:O}", best, json_object_get(g, best));
    return (int)json_object_size(g) == a->nranks ? json_incref(g) : NULL;
}

/* 1 if the partial TAG whose first commit has this id was reported
 * incomplete already (a TAG saved again after a restart has new ids);
 * else remembers it. */
static int reported_before(struct ckpt_agent *a, const char *id)
{
    return ckpt_ring_seen(a->reported, CKPT_REPORTED, &a->nreported, id);
}

int ckpt_ring_seen(char (*ring)[160], int n, unsigned *next, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ring[i], id))
            return 1;
    snprintf(ring[*next % (unsigned)n], 160, "%s", id);
    ++*next;
    return 0;
}

/* Reports (once) a TAG that some local ranks committed and others did not,
 * when it is abandoned: a rank that committed it has committed a newer step
 * since, or (all) the ranks have stopped. Such a TAG never becomes durable;
 * the usual cause is saving on some ranks only without scope="replicated". */
static void report_incomplete(struct ckpt_agent *a, json_t *by_tag, int all)
{
    const char *tag, *key;
    json_t *g, *c;
    json_object_foreach(by_tag, tag, g) {
        json_t *part = ready_group(a, g);
        json_decref(part);
        json_t *first = json_object_iter_value(json_object_iter(g));
        long step = ckpt_json_step(first);
        const char *id = json_string_value(json_object_get(first, "id"));
        int stale = all;
        json_t *ranks = json_array(), *missing = json_array();
        json_object_foreach(g, key, c) {
            json_array_append(ranks, json_object_get(c, "rank"));
            const char *t2;
            json_t *g2;
            json_object_foreach(by_tag, t2, g2) if (json_object_get(g2, key) &&
                                                    ckpt_json_step(json_object_get(g2, key)) > step) stale = 1;
        }
        for (int i = 0; i < a->nranks; i++) {
            char k[32];
            snprintf(k, sizeof k, "%d", a->ranks[i]);
            if (!json_object_get(g, k))
                json_array_append_new(missing, json_integer(a->ranks[i]));
        }
        if (!part && stale && id && !reported_before(a, id)) {
            json_t *ev = ckpt_event("incomplete", tag, step, a->node);
            json_object_set(ev, "ranks", ranks);
            json_object_set(ev, "missing", missing);
            ckpt_agent_emit(a, ev);
        }
        json_decref(ranks);
        json_decref(missing);
    }
}

void ckpt_agent_report_stopped(struct ckpt_agent *a)
{
    json_t *by_tag = read_commits(a);
    report_incomplete(a, by_tag, 1);
    json_decref(by_tag);
}

void ckpt_agent_scan(struct ckpt_agent *a)
{
    json_t *by_tag = read_commits(a), *g;
    const char *tag;
    json_t *ready[CKPT_MAX_TAGS];
    size_t n = 0;
    report_incomplete(a, by_tag, 0);
    json_object_foreach(by_tag, tag, g) {
        json_t *part = ready_group(a, g);
        if (!part || n == CKPT_MAX_TAGS) {
            json_decref(part);
            continue;
        }
        json_t *first = json_object_iter_value(json_object_iter(part));
        json_t *r = json_pack("{s:s s:I s:o}", "tag", tag, "step", (json_int_t)ckpt_json_step(first), "g", part);
        ready[n++] = r;
    }
    qsort(ready, n, sizeof *ready, cmp_step);
    for (size_t i = 0; i < n; i++) {
        json_t *ids = json_object(), *c;
        const char *key;
        json_t *grp = json_object_get(ready[i], "g");
        json_object_foreach(grp, key, c) json_object_set(ids, key, json_object_get(c, "id"));
        take_ready(a, json_string_value(json_object_get(ready[i], "tag")), grp, ids);
        json_decref(ids);
        json_decref(ready[i]);
    }
    json_decref(by_tag);
    ckpt_agent_take_replaced(a); /* after take_ready: a commit queued just now is known */
}

/* Frees slot k of local rank i: takes its lock exclusively (skipped when the
 * rank writes it or a persister reads it), removes the commit, truncates its
 * files to zero. Returns the commit (new reference) or NULL. */
static json_t *drop_slot(struct ckpt_agent *a, int i, int k)
{
    char path[PATH_MAX];
    if (layout_stage_slot_lock(path, sizeof path, a->stage, a->ranks[i], k) < 0)
        return NULL;
    int lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
        if (lfd >= 0)
            close(lfd);
        return NULL;
    }
    json_t *c = ckpt_stage_commit(a->stage, a->ranks[i], k, NULL);
    if (c && layout_stage_slot_commit(path, sizeof path, a->stage, a->ranks[i], k) == 0 && unlink(path) == 0) {
        layout_stage_slot(path, sizeof path, a->stage, a->ranks[i], k);
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(c, "files"), j, f) {
            int fd = dfd < 0 ? -1 : ckpt_open_under(dfd, json_string_value(json_object_get(f, "path")), O_WRONLY);
            if (fd >= 0) {
                if (ftruncate(fd, 0) < 0) {
                    /* best effort: the commit is gone, the pages stay */
                }
                close(fd);
            }
        }
        if (dfd >= 0)
            close(dfd);
    } else {
        json_decref(c);
        c = NULL;
    }
    close(lfd);
    return c;
}

void ckpt_agent_enforce_limit(struct ckpt_agent *a)
{
    struct statvfs sv;
    if (statvfs(a->stage, &sv) < 0)
        return;
    uint64_t total = (uint64_t)sv.f_blocks * sv.f_frsize;
    uint64_t used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
    uint64_t limit = a->stage_limit ? a->stage_limit : total / 10 * 9;
    if (used <= limit)
        return;
    for (int i = 0; i < a->nranks; i++) {
        json_t *c0 = ckpt_stage_commit(a->stage, a->ranks[i], 0, NULL);
        json_t *c1 = ckpt_stage_commit(a->stage, a->ranks[i], 1, NULL);
        int older = !c0 || !c1 ? -1 : newer(c0, c1) ? 1 : 0; /* the slot to free */
        json_decref(c0);
        json_decref(c1);
        if (older < 0 || a->pinned[i] == older)
            continue;
        json_t *c = drop_slot(a, i, older);
        if (!c)
            continue;
        json_t *ev = ckpt_event("dropped", json_string_value(json_object_get(c, "tag")), ckpt_json_step(c), a->node);
        json_object_set_new(ev, "ranks", json_pack("[i]", a->ranks[i]));
        json_object_set_new(ev, "reason", json_string("stage over its size limit: older staged commit freed"));
        ckpt_agent_emit(a, ev);
        json_decref(c);
    }
}
