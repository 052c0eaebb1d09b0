/* ctl_ckpt: the controller's side of asynchronous checkpoints: clean stale
 * partial parts at start-up, pick the checkpoint every attempt resumes from
 * (newest complete TAG that verifies, with fallback), journal the agents'
 * checkpoint events, mark a TAG complete once every rank's part is durable,
 * and apply retention. It also notes when each TAG was staged (the step's
 * time, as the controller saw it), so that the summary can tell the work
 * lost to a failure from the restart overhead. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "checkpoint/ckpt.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

void ctl_ckpt_startup(struct ctl *c)
{
    if (!c->cfg->ckpt_dir)
        return;
    json_t *cleaned = json_array();
    if (ckpt_clean_partials(c->cfg->ckpt_dir, cleaned) > 0)
        journal_event(&c->j, "ckpt_cleaned", json_pack("{s:O}", "paths", cleaned));
    json_decref(cleaned);
}

/* Chooses the checkpoint to resume from, journaling every problem found on
 * the way (a corrupt or incomplete TAG makes restore fall back). */
void ctl_ckpt_before_attempt(struct ctl *c)
{
    json_decref(c->resume);
    c->resume = NULL;
    json_decref(c->persisted);
    c->persisted = json_object();
    if (!c->cfg->ckpt_dir)
        return;
    struct ckpt_choice ch;
    json_t *problems = json_array();
    int r = ckpt_choose_restore(c->cfg->ckpt_dir, c->cfg->verify, &ch, problems);
    int e = errno;
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p) {
        journal_event(&c->j, "ckpt_corrupt", json_incref(p));
        log_warn("checkpoint %s is not usable: %s %s", json_string_value(json_object_get(p, "tag")),
                 json_string_value(json_object_get(p, "file")) ? json_string_value(json_object_get(p, "file")) : "",
                 json_string_value(json_object_get(p, "problem")));
    }
    json_decref(problems);
    if (r < 0 && e != ENOENT) /* not there yet: the agents create it */
        log_warn("cannot read the checkpoint directory %s: %s", c->cfg->ckpt_dir, strerror(e));
    if (r != 1) {
        ctl_ckwarn_restart(c);
        return;
    }
    c->resume = json_pack("{s:s,s:I}", "tag", ch.tag, "step", (json_int_t)ch.step);
    journal_event(&c->j, "ckpt_restore", json_pack("{s:i,s:s,s:I,s:s}", "attempt", c->attempt + 1, "tag", ch.tag,
                                                      "step", (json_int_t)ch.step, "verify",
                                                      c->cfg->verify ? "full" : "size"));
    log_info("resuming from checkpoint %s (step %ld)", ch.tag, ch.step);
    ctl_ckwarn_restart(c);
}

int ctl_ckpt_start_config(struct ctl *c, struct msg_ckpt_cfg *out)
{
    const struct run_config *cfg = c->cfg;
    if (!cfg->ckpt_dir)
        return 0;
    *out = (struct msg_ckpt_cfg){.dir = cfg->ckpt_dir, .stage_dir = cfg->stage_dir, .run_id = cfg->run_id,
                                 .world_size = c->world_size, .threads = cfg->persist_threads,
                                 .persist_timeout_ms = cfg->persist_timeout_ms, .save_signal = cfg->save_signal};
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
    json_t *pruned = json_array();
    if (ckpt_prune(c->cfg->ckpt_dir, c->cfg->keep, c->cfg->keep_every, pruned) > 0)
        journal_event(&c->j, "ckpt_pruned", json_pack("{s:O}", "tags", pruned));
    json_decref(pruned);
    json_decref(only);
}

/* One event from an agent's checkpoint agent: journal it as ckpt_<event>;
 * a persisted part counts towards its TAG's completion. */
void ctl_ckpt_event(struct ctl *c, struct node *n, json_t *ev)
{
    const char *what = json_string_value(json_object_get(ev, "event"));
    if (!what || !c->cfg->ckpt_dir || strlen(what) > 40)
        return;
    char name[64];
    snprintf(name, sizeof name, "ckpt_%s", what);
    json_t *fields = json_deep_copy(ev);
    json_object_del(fields, "event");
    json_object_set_new(fields, "node", json_string(n->name));
    journal_event(&c->j, name, fields);
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
