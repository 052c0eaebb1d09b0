/* ctl_ckpt: the controller's side of asynchronous checkpoints: clean stale
 * partial parts at start-up, pick the checkpoint every attempt resumes from
 * (newest complete TAG that verifies, with fallback), journal the agents'
 * checkpoint events, mark a TAG complete once every rank's part is durable,
 * and apply retention. It also notes when each TAG was staged (the step's
 * time, as the controller saw it), so that the summary can tell the work
 * lost to a failure from the restart overhead. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint/ckpt.h"
#include "common/worker.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

void ctl_ckpt_startup(struct ctl *c)
{
    /* with --node-rank the peers share the directory: each agent cleans its
     * own node's leftovers instead */
    if (c->cfg->ckpt_dir && worker_start(&c->bio) < 0)
        log_warn("no worker thread (%s): restore choices and pruning run in the loop", strerror(errno));
    if (!c->cfg->ckpt_dir || c->cfg->node_rank >= 0)
        return;
    json_t *cleaned = json_array();
    if (ckpt_clean_partials(c->cfg->ckpt_dir, cleaned) > 0)
        journal_event(&c->j, "ckpt_cleaned", json_pack("{s:O}", "paths", cleaned));
    json_decref(cleaned);
}

/* A restore choice made on the worker thread (ckpt_choose_restore may read
 * every byte of a checkpoint under --verify full): the loop keeps
 * heartbeating meanwhile (C_RESTORING). */
struct restore_job {
    char *dir;
    int verify;
    int64_t delay_ms;           /* ENDURE_TEST_RESTORE_DELAY_MS: a test hook */
    int ran, r, err;
    struct ckpt_choice ch;
    json_t *problems;
    json_t *skip;               /* quarantined tags (owned copy), NULL: none */
    int rollback, rolled;       /* ROLLBACK_OLDER/PAST asked; done (an older TAG existed) */
    long before;                /* rollback: older than this step too (the failed attempt's resume) */
};

static void restore_run(void *arg)
{
    struct restore_job *j = arg;
    if (j->delay_ms > 0)
        poll(NULL, 0, (int)j->delay_ms); /* test hook: a slow store, on this thread only */
    j->r = ckpt_choose_restore_ex(j->dir, j->verify, LONG_MAX, j->skip, &j->ch, j->problems);
    j->err = errno;
    if (j->r == 1 && j->rollback) { /* older than the newest and than the failed attempt's resume */
        struct ckpt_choice older;
        long bound = j->rollback == ROLLBACK_OLDER && j->ch.step < j->before ? j->ch.step : j->before;
        if (ckpt_choose_restore_ex(j->dir, j->verify, bound, j->skip, &older, j->problems) == 1) {
            j->ch = older;
            j->rolled = 1;
        }
    }
    j->ran = 1;
}

/* Journals what the choice found and sets c->resume. */
static void restore_apply(struct ctl *c, struct restore_job *j)
{
    size_t i;
    json_t *p;
    json_array_foreach(j->problems, i, p) {
        journal_event(&c->j, "ckpt_corrupt", json_incref(p));
        log_warn("checkpoint %s is not usable: %s %s", json_string_value(json_object_get(p, "tag")),
                 json_string_value(json_object_get(p, "file")) ? json_string_value(json_object_get(p, "file")) : "",
                 json_string_value(json_object_get(p, "problem")));
    }
    if (j->r < 0 && j->err != ENOENT) /* not there yet: the agents create it */
        log_warn("cannot read the checkpoint directory %s: %s", c->cfg->ckpt_dir, strerror(j->err));
    if (j->r == 1) {
        c->resume = json_pack("{s:s,s:I}", "tag", j->ch.tag, "step", (json_int_t)j->ch.step);
        journal_event(&c->j, "ckpt_restore", json_pack("{s:i,s:s,s:I,s:s,s:b}", "attempt", c->attempt + 1, "tag",
                                                          j->ch.tag, "step", (json_int_t)j->ch.step, "verify",
                                                          c->cfg->verify ? "full" : "size", "rollback", j->rolled));
        if (j->rolled && c->rollback_from > j->ch.step) {
            c->skip_from = j->ch.step + 1;
            c->skip_to = c->rollback_from;
        }
        if (j->rollback && !j->rolled)
            log_warn("rollback: no checkpoint older than %s: resuming from it", j->ch.tag);
        log_info("%s checkpoint %s (step %ld)%s", j->rolled ? "rolling back to" : "resuming from", j->ch.tag,
                 j->ch.step, c->skip_to >= 0 ? " (the ranks get ENDURE_SKIP_STEPS)" : "");
    }
    ctl_ckwarn_restart(c);
}

static void restore_free(struct restore_job *j)
{
    json_decref(j->problems);
    json_decref(j->skip);
    free(j->dir);
    free(j);
}

static void restore_done(void *ctx, void *arg)
{
    struct ctl *c = ctx;
    struct restore_job *j = arg;
    if (j->ran && c->state == C_RESTORING) {
        restore_apply(c, j);
        c->restore_ready = 1;
        attempt_try_launch(c);
    }
    restore_free(j);
}

/* In C_RESTORING: chooses the checkpoint the next attempt resumes from (the
 * newest complete TAG that verifies, journaling every problem on the way)
 * on the worker thread; the attempt is launched when the choice is made
 * (and the master port is known: attempt_try_launch). */
void ctl_ckpt_restore_begin(struct ctl *c)
{
    json_decref(c->resume);
    c->resume = NULL;
    json_decref(c->persisted);
    c->persisted = json_object();
    c->skip_from = c->skip_to = -1;
    struct restore_job *j = c->cfg->ckpt_dir ? calloc(1, sizeof *j) : NULL;
    if (j) {
        j->skip = c->quarantined ? json_deep_copy(c->quarantined) : NULL;
        j->rollback = c->rollback;
        j->before = c->rollback_before;
        c->rollback = 0;
        const char *d = getenv("ENDURE_TEST_RESTORE_DELAY_MS");
        j->dir = strdup(c->cfg->ckpt_dir);
        j->verify = c->cfg->verify;
        j->delay_ms = d ? atoll(d) : 0;
        j->problems = json_array();
    }
    if (j && c->bio && j->dir && j->problems && worker_submit(c->bio, restore_run, restore_done, c, j) == 0)
        return;
    if (j && j->dir && j->problems) { /* no worker: choose here (the loop waits) */
        restore_run(j);
        restore_apply(c, j);
    }
    if (j)
        restore_free(j);
    c->restore_ready = 1;
    attempt_try_launch(c);
}

int ctl_ckpt_start_config(struct ctl *c, struct msg_ckpt_cfg *out)
{
    const struct run_config *cfg = c->cfg;
    if (!cfg->ckpt_dir)
        return 0;
    *out = (struct msg_ckpt_cfg){.dir = cfg->ckpt_dir, .stage_dir = cfg->stage_dir, .run_id = cfg->run_id,
                                 .world_size = c->world_size, .threads = cfg->persist_threads,
                                 .persist_timeout_ms = cfg->persist_timeout_ms, .save_signal = cfg->save_signal,
                                 .run_uid = c->run_uid};
    if (c->resume) {
        out->has_resume = 1;
        out->resume_tag = json_string_value(json_object_get(c->resume, "tag"));
        out->resume_step = json_integer_value(json_object_get(c->resume, "step"));
    }
    return 1;
}

/* Marks tag complete once its persisted parts cover every rank, or at once
 * for a replicated part (one rank saved the whole job's state): then only
 * that node's part is named. */
static void maybe_complete(struct ctl *c, const char *tag, json_t *t, const char *rep_node)
{
    json_t *nodes = json_object_get(t, "nodes"), *ranks;
    const char *node;
    size_t covered = 0;
    json_object_foreach(nodes, node, ranks)
        covered += json_array_size(ranks);
    if ((!rep_node && (int)covered != c->world_size) || json_is_true(json_object_get(t, "complete")))
        return;
    json_t *only = rep_node ? json_pack("{s:O}", rep_node, json_object_get(nodes, rep_node)) : json_incref(nodes);
    nodes = only;
    struct buf err;
    buf_init(&err, 1024);
    long step = (long)json_integer_value(json_object_get(t, "step"));
    if (ckpt_mark_complete(c->cfg->ckpt_dir, tag, step, nodes, c->world_size, &err) < 0) {
        journal_event(&c->j, "ckpt_persist_failed", json_pack("{s:s,s:s}", "tag", tag, "error",
                                                                 err.p ? err.p : "cannot mark complete"));
        buf_free(&err);
        json_decref(only);
        return;
    }
    buf_free(&err);
    json_object_set_new(t, "complete", json_true());
    c->ckpt_completed = 1;
    json_int_t ms = json_integer_value(json_object_get(json_object_get(c->staged, tag), "ms"));
    if (c->nhist && ms > c->hist[c->nhist - 1].last_ckpt_ms)
        c->hist[c->nhist - 1].last_ckpt_ms = ms;
    ctl_ckwarn_complete(c, tag);
    journal_event(&c->j, "ckpt_complete", json_pack("{s:s,s:I,s:O,s:i,s:s}", "tag", tag, "step", (json_int_t)step,
                                                       "nodes", nodes, "world_size", c->world_size, "scope",
                                                       rep_node ? "replicated" : "sharded"));
    ctl_ckpt_prune(c);
    json_decref(only);
}

struct prune_job {
    char *dir;
    int keep;
    long keep_every;
    int n;
    json_t *pruned;
};

static void prune_run(void *arg)
{
    struct prune_job *j = arg;
    j->n = ckpt_prune(j->dir, j->keep, j->keep_every, j->pruned);
}

static void prune_done(void *ctx, void *arg)
{
    struct ctl *c = ctx;
    struct prune_job *j = arg;
    if (j->n > 0)
        journal_event(&c->j, "ckpt_pruned", json_pack("{s:O}", "tags", j->pruned));
    json_decref(j->pruned);
    free(j->dir);
    free(j);
}

/* Retention after a TAG completed, on the worker thread (deleting old
 * checkpoints can take minutes on a parallel file system). Jobs run in
 * order, so a prune never overlaps a restore choice. */
void ctl_ckpt_prune(struct ctl *c)
{
    struct prune_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    *j = (struct prune_job){.dir = strdup(c->cfg->ckpt_dir), .keep = c->cfg->keep,
                            .keep_every = c->cfg->keep_every, .pruned = json_array()};
    if (j->dir && j->pruned && c->bio && worker_submit(c->bio, prune_run, prune_done, c, j) == 0)
        return;
    if (j->dir && j->pruned)
        prune_run(j);
    prune_done(c, j);
}

/* One event from an agent's checkpoint agent: journal it as ckpt_<event>;
 * a persisted part counts towards its TAG's completion. */
void ctl_ckpt_event(struct ctl *c, struct node *n, json_t *ev)
{
    const char *what = json_string_value(json_object_get(ev, "event"));
    if (!what || strlen(what) > 40)
        return;
    const char *path = json_string_value(json_object_get(ev, "path"));
    if (!strcmp(what, "stage_opened") && path) {
        free(n->stage);
        n->stage = strdup(path);
    }
    char name[64];
    snprintf(name, sizeof name, "ckpt_%s", what);
    json_t *fields = json_deep_copy(ev);
    json_object_del(fields, "event");
    json_object_set_new(fields, "node", json_string(n->name));
    journal_event(&c->j, name, fields);
    if (!c->cfg->ckpt_dir) /* a run without checkpoints: only its agents' stage sweeps report */
        return;
    ctl_ckwarn_event(c, what, ev);
    if (!strcmp(what, "persist_failed"))
        log_warn("%s: persisting checkpoint %s failed: %s", n->name,
                 json_string_value(json_object_get(ev, "tag")) ? json_string_value(json_object_get(ev, "tag")) : "?",
                 json_string_value(json_object_get(ev, "error")) ? json_string_value(json_object_get(ev, "error")) : "?");
    const char *tag = json_string_value(json_object_get(ev, "tag"));
    json_t *ranks = json_object_get(ev, "ranks");
    if (!strcmp(what, "staged") && tag) {
        if (!c->staged)
            c->staged = json_object();
        json_object_set_new(c->staged, tag, json_pack("{s:I,s:i}", "ms", (json_int_t)now_ms(), "attempt",
                                                      c->attempt));
    }
    if (strcmp(what, "persisted") || !tag || !json_is_array(ranks))
        return;
    json_t *t = json_object_get(c->persisted, tag);
    if (!t) {
        t = json_pack("{s:O,s:{}}", "step", json_object_get(ev, "step"), "nodes");
        json_object_set_new(c->persisted, tag, t);
    }
    json_object_set(json_object_get(t, "nodes"), n->name, ranks);
    const char *scope = json_string_value(json_object_get(ev, "scope"));
    maybe_complete(c, tag, t, scope && !strcmp(scope, "replicated") ? n->name : NULL);
}

/* Fills the resume_* fields of a new attempt's log from c->resume. */
void ctl_ckpt_attempt_log(struct ctl *c, struct attempt_log *h)
{
    h->resume_step = -1;
    h->resume_attempt = -1;
    if (!c->resume)
        return;
    h->resume_step = (long)json_integer_value(json_object_get(c->resume, "step"));
    json_t *s = json_object_get(c->staged, json_string_value(json_object_get(c->resume, "tag")));
    if (s) {
        h->resume_attempt = (int)json_integer_value(json_object_get(s, "attempt"));
        h->resume_saved_ms = json_integer_value(json_object_get(s, "ms"));
    }
}
