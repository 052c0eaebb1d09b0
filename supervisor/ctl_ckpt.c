/* ctl_ckpt: the controller's side of asynchronous checkpoints: clean stale
 * partial parts at start-up, pick the checkpoint every attempt resumes from
 * (newest complete TAG that verifies, with fallback), journal the agents'
 * checkpoint events, mark a TAG complete once every rank's part is durable,
 * and apply retention. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint/ckpt.h"
#include "common/log.h"
#include "supervisor/ctl_int.h"

void ctl_ckpt_startup(struct ctl *c)
{
    /* with --node-rank the peers share the directory: each agent cleans its
     * own node's leftovers instead */
    if (!c->cfg->ckpt_dir || c->cfg->node_rank >= 0)
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
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p) {
        journal_event(&c->j, "ckpt_corrupt", json_incref(p));
        log_warn("checkpoint %s is not usable: %s %s", json_string_value(json_object_get(p, "tag")),
                 json_string_value(json_object_get(p, "file")) ? json_string_value(json_object_get(p, "file")) : "",
                 json_string_value(json_object_get(p, "problem")));
    }
    json_decref(problems);
    if (r < 0)
        log_warn("cannot read the checkpoint directory %s", c->cfg->ckpt_dir);
    if (r != 1)
        return;
    c->resume = json_pack("{s:s,s:I}", "tag", ch.tag, "step", (json_int_t)ch.step);
    journal_event(&c->j, "ckpt_restore", json_pack("{s:i,s:s,s:I,s:s}", "attempt", c->attempt + 1, "tag", ch.tag,
                                                      "step", (json_int_t)ch.step, "verify",
                                                      c->cfg->verify ? "full" : "size"));
    log_info("resuming from checkpoint %s (step %ld)", ch.tag, ch.step);
}

json_t *ctl_ckpt_start_config(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    if (!cfg->ckpt_dir)
        return NULL;
    json_t *j = json_pack("{s:s,s:s?,s:s,s:i,s:i,s:I}", "dir", cfg->ckpt_dir, "stage_dir", cfg->stage_dir, "run_id",
                          cfg->run_id, "world_size", c->world_size, "threads", cfg->persist_threads,
                          "persist_timeout_ms", (json_int_t)cfg->persist_timeout_ms);
    if (c->resume)
        json_object_set(j, "resume", c->resume);
    json_object_set_new(j, "run_uid", json_string(c->run_uid));
    /* 0 means "any age"; the agent reads <= 0 as "no sweep" */
    json_object_set_new(j, "stage_max_age_ms", json_integer(cfg->stage_max_age_ms > 0 ? cfg->stage_max_age_ms : 1));
    if (cfg->save_signal)
        json_object_set_new(j, "save_signal", json_integer(cfg->save_signal));
    return j;
}

static void maybe_complete(struct ctl *c, const char *tag, json_t *t)
{
    json_t *nodes = json_object_get(t, "nodes"), *ranks;
    const char *node;
    size_t covered = 0;
    json_object_foreach(nodes, node, ranks)
        covered += json_array_size(ranks);
    if ((int)covered != c->world_size || json_is_true(json_object_get(t, "complete")))
        return;
    struct buf err;
    buf_init(&err, 1024);
    long step = (long)json_integer_value(json_object_get(t, "step"));
    if (ckpt_mark_complete(c->cfg->ckpt_dir, tag, step, nodes, c->world_size, &err) < 0) {
        journal_event(&c->j, "ckpt_persist_failed", json_pack("{s:s,s:s}", "tag", tag, "error",
                                                                 err.p ? err.p : "cannot mark complete"));
        buf_free(&err);
        return;
    }
    buf_free(&err);
    json_object_set_new(t, "complete", json_true());
    c->ckpt_completed = 1;
    journal_event(&c->j, "ckpt_complete", json_pack("{s:s,s:I,s:O,s:i}", "tag", tag, "step", (json_int_t)step,
                                                       "nodes", nodes, "world_size", c->world_size));
    json_t *pruned = json_array();
    if (ckpt_prune(c->cfg->ckpt_dir, c->cfg->keep, c->cfg->keep_every, pruned) > 0)
        journal_event(&c->j, "ckpt_pruned", json_pack("{s:O}", "tags", pruned));
    json_decref(pruned);
}

/* One event from an agent's checkpoint agent: journal it as ckpt_<event>;
 * a persisted part counts towards its TAG's completion. */
void ctl_ckpt_event(struct ctl *c, struct node *n, json_t *ev)
{
    const char *what = json_string_value(json_object_get(ev, "event"));
    if (!what || !c->cfg->ckpt_dir || strlen(what) > 40)
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
    if (!strcmp(what, "persist_failed"))
        log_warn("%s: persisting checkpoint %s failed: %s", n->name,
                 json_string_value(json_object_get(ev, "tag")) ? json_string_value(json_object_get(ev, "tag")) : "?",
                 json_string_value(json_object_get(ev, "error")) ? json_string_value(json_object_get(ev, "error")) : "?");
    const char *tag = json_string_value(json_object_get(ev, "tag"));
    json_t *ranks = json_object_get(ev, "ranks");
    if (strcmp(what, "persisted") || !tag || !json_is_array(ranks))
        return;
    json_t *t = json_object_get(c->persisted, tag);
    if (!t) {
        t = json_pack("{s:O,s:{}}", "step", json_object_get(ev, "step"), "nodes");
        json_object_set_new(c->persisted, tag, t);
    }
    json_object_set(json_object_get(t, "nodes"), n->name, ranks);
    maybe_complete(c, tag, t);
}
