/* agent_ckpt: the agent's side of asynchronous checkpoints. It opens the
 * node's checkpoint agent (checkpoint/ckpt.h) for the ranks of the attempt,
 * puts its fd in the agent's poll loop, forwards its events to the
 * controller, gives each rank its stage and resume directory, and persists
 * what was committed before a stop is reported. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint/ckpt.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "launcher/agent_int.h"

#define DRAIN_SLICE_MS 200 /* drain in slices so that heartbeats go on */

static void on_event(void *ctx, const json_t *ev)
{
    struct agent *a = ctx;
    struct msg m = {.type = MSG_CKPT, .u.payload = {.attempt = a->attempt, .event = (json_t *)ev}};
    agent_send_msg(a, &m);
}

/* (Re)opens the checkpoint agent when the run has one and this node's ranks
 * changed; then drops staged commits newer than the step to resume from. */
/* A run without checkpoints has no stage of its own, but its agent still
 * removes (once) the stages that dead runs left on this node, as the
 * checkpoint watcher does when it opens a stage. */
static void sweep_without_stage(struct agent *a, const struct msg_start *st)
{
    if (a->swept || st->stage_max_age_ms <= 0)
        return;
    a->swept = 1;
    json_t *removed = json_array();
    ckpt_stage_sweep(LAYOUT_STAGE_ROOT, NULL, st->stage_max_age_ms, removed);
    size_t i;
    json_t *r;
    json_array_foreach(removed, i, r) {
        json_t *ev = json_pack("{s:s,s:s,s:i,s:s}", "event", "stage_removed", "tag", "", "step", -1, "node", a->node);
        json_object_update(ev, r);
        on_event(a, ev);
        json_decref(ev);
    }
    json_decref(removed);
}

int agent_ckpt_start(struct agent *a, const struct msg_start *st, struct buf *err)
{
    const struct msg_ckpt_cfg *ck = &st->ckpt;
    int group_rank = st->group_rank;
    if (!st->has_ckpt) {
        sweep_without_stage(a, st);
        return 0;
    }
    if (a->ck && a->ck_group_rank != group_rank)
        agent_ckpt_close(a, 0);
    if (!a->ck) {
        int *ranks = calloc((size_t)a->nranks, sizeof *ranks);
        if (!ranks)
            return -1;
        for (int i = 0; i < a->nranks; i++)
            ranks[i] = group_rank * a->nranks + i;
        struct ckpt_agent_cfg cfg = {
            .stage_dir = ck->stage_dir,
            .ckpt_dir = ck->dir,
            .node = a->node,
            .run_id = ck->run_id,
            .run_uid = ck->run_uid,
            .stage_max_age_ms = st->stage_max_age_ms,
            .world_size = ck->world_size,
            .ranks = ranks,
            .nranks = a->nranks,
            .threads = ck->threads,
            .on_event = on_event,
            .event_ctx = a,
        };
        int rc = ckpt_agent_open(&a->ck, &cfg, err);
        free(ranks);
        if (rc < 0)
            return -1;
        a->ck_group_rank = group_rank;
    }
    long step = ck->has_resume ? (long)ck->resume_step : -1;
    if (ckpt_agent_discard_after(a->ck, step) < 0)
        log_warn("could not drop staged checkpoints newer than step %ld: %s", step, strerror(errno));
    return 0;
}

/* ENDURE_CKPT_* and, when there is something to resume from, ENDURE_RESUME_*. */
void agent_ckpt_env(struct agent *a, const struct rank *r, json_t *vars)
{
    const struct msg_start *st = &a->start.u.start;
    const struct msg_ckpt_cfg *ck = &st->ckpt;
    if (!a->ck || !st->has_ckpt)
        return;
    json_object_set_new(vars, "ENDURE_CKPT_STAGE", json_string(ckpt_agent_stage(a->ck)));
    json_object_set_new(vars, "ENDURE_CKPT_DIR", json_string(ck->dir));
    if (ck->save_signal > 0)
        json_object_set_new(vars, "ENDURE_SAVE_SIGNAL", json_integer(ck->save_signal));
    const char *tag = ck->has_resume ? ck->resume_tag : NULL;
    char dir[4096];
    if (!tag)
        return;
    int where = ckpt_agent_resume_dir(a->ck, tag, r->global_rank, dir, sizeof dir);
    if (where < 0) {
        log_warn("rank %d: no part of checkpoint %s to resume from", r->global_rank, tag);
        return;
    }
    json_object_set_new(vars, "ENDURE_RESUME_DIR", json_string(dir));
    json_object_set_new(vars, "ENDURE_RESUME_TAG", json_string(tag));
    json_object_set_new(vars, "ENDURE_RESUME_STEP", json_integer(ck->resume_step));
    json_object_set_new(vars, "ENDURE_RESUME_FROM", json_string(where == 1 ? "stage" : "durable"));
}

void agent_ckpt_begin_drain(struct agent *a, int64_t deadline)
{
    a->drain_deadline = deadline;
}

/* One slice of the drain; 1 when the stop can be reported. */
int agent_ckpt_drain_step(struct agent *a)
{
    if (!a->ck)
        return 1;
    int64_t slice = deadline_min(now_ms() + DRAIN_SLICE_MS, a->drain_deadline);
    if (ckpt_agent_drain(a->ck, slice) == 0)
        return 1;
    if (now_ms() < a->drain_deadline)
        return 0;
    log_error("checkpoints committed before the stop were not all persisted within --persist-timeout");
    json_t *ev = json_pack("{s:s,s:s}", "event", "persist_failed", "error", "persist timeout at stop");
    on_event(a, ev);
    json_decref(ev);
    return 1;
}

void agent_ckpt_close(struct agent *a, int remove_stage)
{
    if (!a->ck)
        return;
    if (remove_stage && ckpt_agent_remove_stage(a->ck) < 0)
        log_warn("could not remove the checkpoint stage: %s", strerror(errno));
    ckpt_agent_close(a->ck);
    a->ck = NULL;
}
