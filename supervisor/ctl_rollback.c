/* ctl_rollback: restarts that go back further than the newest checkpoint.
 *   - A loss spike: with --spike-factor X, a progress line whose loss is
 *     above X times the median of the recent losses (at least
 *     SPIKE_MIN_SAMPLES of them) fails the attempt (kind loss_spike).
 *   - The action `rollback` (a diagnosis of numerical divergence, a spike,
 *     or a quarantine): the next attempt resumes from the newest checkpoint
 *     older than both the newest one and the one the failed attempt resumed
 *     from, and its ranks get ENDURE_ROLLBACK_FROM_STEP (the step the
 *     failure was seen at) and ENDURE_SKIP_STEPS=<from>-<to> (the steps
 *     between the checkpoint and that step: the data to skip).
 *   - Quarantine: a checkpoint that the same failure (the verdict's
 *     signature) followed right after resuming, --quarantine-after times
 *     with no newer checkpoint in between, is never chosen again (journaled
 *     ckpt_quarantined) and the run rolls back past it instead of ending as a
 *     crash loop. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

#define SPIKE_MIN_SAMPLES 10

void ctl_rollback_attempt_start(struct ctl *c)
{
    c->progress_step = -1;
    c->nloss = c->loss_pos = 0;
}

static double loss_median(const struct ctl *c)
{
    double v[LOSS_WINDOW];
    memcpy(v, c->loss_win, (size_t)c->nloss * sizeof *v);
    return median_inplace(v, (size_t)c->nloss);
}

void ctl_rollback_progress(struct ctl *c, const struct node *n, const struct msg_progress *p)
{
    if (c->state != C_RUNNING)
        return;
    if (p->step > c->progress_step)
        c->progress_step = p->step;
    if (!isfinite(p->loss))
        return;
    double factor = c->cfg->spike_factor;
    if (factor > 0 && c->nloss >= SPIKE_MIN_SAMPLES) {
        double med = loss_median(c);
        if (med > 0 && p->loss > factor * med) {
            struct failure f = {.kind = F_SPIKE, .rank = -1, .code = -1, .sig = -1};
            snprintf(f.node, sizeof f.node, "%s", n->name);
            snprintf(f.what, sizeof f.what, "loss spike at step %lld: %g, above %g x the median %g of the last %d "
                     "losses", (long long)p->step, p->loss, factor, med, c->nloss);
            journal_event(&c->j, "loss_spike", json_pack("{s:i,s:I,s:f,s:f,s:f}", "attempt", c->attempt, "step",
                                                           (json_int_t)p->step, "loss", p->loss, "median", med,
                                                           "factor", factor));
            return attempt_fail(c, &f);
        }
    }
    c->loss_win[c->loss_pos] = p->loss;
    c->loss_pos = (c->loss_pos + 1) % LOSS_WINDOW;
    if (c->nloss < LOSS_WINDOW)
        c->nloss++;
}

/* The checkpoint the failed attempt resumed from: its tag and step. */
static const char *resumed(const struct ctl *c, long *step)
{
    const char *tag = json_string_value(json_object_get(c->resume, "tag"));
    *step = tag ? (long)json_integer_value(json_object_get(c->resume, "step")) : -1;
    return tag;
}

static void quarantine(struct ctl *c, const char *tag, const char *sig)
{
    if (!c->quarantined)
        c->quarantined = json_array();
    json_array_append_new(c->quarantined, json_string(tag));
    log_warn("checkpoint %s quarantined: the same failure followed %d resumes from it (%s); it is never restored "
             "again", tag, c->q_count, sig);
    journal_event(&c->j, "ckpt_quarantined", json_pack("{s:s,s:i,s:s}", "tag", tag, "failures", c->q_count,
                                                          "signature", sig));
}

const char *ctl_rollback_decide(struct ctl *c, const char *act, const char *sig)
{
    long step;
    const char *tag = resumed(c, &step);
    c->rollback = 0;
    if (tag && !c->ckpt_completed && sig[0]) { /* failed before any newer checkpoint */
        if (!strcmp(c->q_tag, tag) && !strcmp(c->q_sig, sig)) {
            c->q_count++;
        } else {
            snprintf(c->q_tag, sizeof c->q_tag, "%s", tag);
            snprintf(c->q_sig, sizeof c->q_sig, "%s", sig);
            c->q_count = 1;
        }
        if (c->q_count >= c->cfg->quarantine_after && strcmp(act, "stop") && strcmp(act, "exclude_node")) {
            quarantine(c, tag, sig);
            c->q_tag[0] = '\0';
            c->rollback = ROLLBACK_PAST; /* only past the quarantined one: it was the newest */
            c->rollback_from = c->progress_step;
            c->rollback_before = step;
            return "rollback";
        }
    } else {
        c->q_tag[0] = '\0';
    }
    if (!strcmp(act, "rollback")) {
        c->rollback = ROLLBACK_OLDER;
        c->rollback_from = c->progress_step;
        c->rollback_before = tag ? step : LONG_MAX;
        journal_event(&c->j, "rollback", json_pack("{s:i,s:I,s:s?}", "attempt", c->attempt, "from_step",
                                                      (json_int_t)c->rollback_from, "resumed_from", tag));
    }
    return act;
}

void ctl_rollback_env(const struct ctl *c, json_t *env)
{
    char v[64];
    if (c->skip_to < 0)
        return;
    snprintf(v, sizeof v, "%ld", c->rollback_from);
    json_object_set_new(env, "ENDURE_ROLLBACK_FROM_STEP", json_string(v));
    snprintf(v, sizeof v, "%ld-%ld", c->skip_from, c->skip_to);
    json_object_set_new(env, "ENDURE_SKIP_STEPS", json_string(v));
}
