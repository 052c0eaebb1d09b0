/* runview_calc: the figures derived from a folded journal: goodput, time
 * lost to failures (the summary's rule), steps per second, node counts.
 * Every on-call tool (status, report, metrics) counts through these. */
#include <string.h>
#include "oncall/runview.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The checkpoint completed in attempt n with this step (step < 0: the
 * newest completed in n), or NULL. */
static const struct rv_ckpt *ckpt_in(const struct runview *rv, int n, long step)
{
    for (int i = rv->nck - 1; i >= 0; i--)
        if (rv->ck[i].attempt == n && (step < 0 || rv->ck[i].step == step))
            return &rv->ck[i];
    return NULL;
}

void rv_attempt_lost(const struct runview *rv, int i, double *work, double *overhead)
{
    *work = *overhead = 0;
    const struct rv_attempt *a = &rv->att[i];
    if (a->ok != 0)
        return;
    double fail = a->fail_ts ? a->fail_ts : a->stop_begin ? a->stop_begin : a->end;
    const struct rv_ckpt *kept;
    if (i + 1 < rv->natt) {
        const struct rv_attempt *next = &rv->att[i + 1];
        kept = next->resume_step >= 0 ? ckpt_in(rv, a->n, next->resume_step) : NULL;
        *overhead = next->start > fail ? next->start - fail : 0;
    } else {
        kept = ckpt_in(rv, a->n, -1);
    }
    double from = kept && kept->ts < fail ? kept->ts : a->start;
    *work = fail > from ? fail - from : 0;
}

void rv_attempt_cause(const struct rv_attempt *a, char *out, size_t n)
{
    if (a->verdict)
        snprintf(out, n, "%s/%s", str(a->verdict, "category"), str(a->verdict, "type"));
    else
        snprintf(out, n, "%s", *a->fail_kind ? a->fail_kind : "unknown");
}

json_t *rv_lost_by_cause(const struct runview *rv)
{
    json_t *o = json_deep_copy(rv->old.lost_by_cause);
    if (!o)
        o = json_object();
    for (int i = 0; i < rv->natt; i++) {
        double w, h;
        rv_attempt_lost(rv, i, &w, &h);
        if (w + h <= 0)
            continue;
        char cause[160];
        rv_attempt_cause(&rv->att[i], cause, sizeof cause);
        json_t *v = json_object_get(o, cause);
        json_object_set_new(o, cause, json_real((v ? json_real_value(v) : 0) + w + h));
    }
    return o;
}

static double steps_rate(const struct runview *rv)
{
    if (rv->nsamp < 2)
        return -1;
    int last = rv->nsamp - 1, first = last;
    while (first > 0 && rv->samp[last].ts - rv->samp[first - 1].ts <= RV_RATE_WINDOW)
        first--;
    double dt = rv->samp[last].ts - rv->samp[first].ts;
    if (first == last || dt <= 0)
        return -1;
    return (double)(rv->samp[last].step - rv->samp[first].step) / dt;
}

void rv_figures(const struct runview *rv, double now, struct rv_figures *f)
{
    memset(f, 0, sizeof *f);
    double end = rv->ended ? rv->end : now;
    f->wall = rv->start && end > rv->start ? end - rv->start : 0;
    f->step = -1;
    f->productive = rv->old.productive;
    f->lost_work = rv->old.lost_work;
    f->lost_restart = rv->old.lost_restart;
    for (int i = 0; i < rv->natt; i++) {
        const struct rv_attempt *a = &rv->att[i];
        if (a->first_prog && a->last_prog > a->first_prog)
            f->productive += a->last_prog - a->first_prog;
        double w, h;
        rv_attempt_lost(rv, i, &w, &h);
        f->lost_work += w;
        f->lost_restart += h;
        if (a->last_prog) {
            f->step = a->last_step;
            f->step_ts = a->last_prog;
        }
    }
    f->goodput = f->wall > 0 ? f->productive / f->wall : -1;
    f->steps_per_s = rv->ended ? -1 : steps_rate(rv);
}

void rv_node_counts(const struct runview *rv, int counts[6])
{
    memset(counts, 0, 6 * sizeof *counts);
    const struct rv_attempt *a = rv_current(rv);
    const char *name;
    json_t *n;
    json_object_foreach(rv->nodes, name, n) {
        const char *st = str(n, "state");
        int k = 5;
        if (!strcmp(st, "ready")) {
            k = 1;
            size_t i;
            json_t *m;
            if (a && !rv->ended)
                json_array_foreach(a->nodes, i, m) if (!strcmp(json_string_value(m), name)) k = 0;
        } else {
            for (int j = 2; j < 5; j++)
                if (!strcmp(st, rv_node_states[j]))
                    k = j;
        }
        counts[k]++;
    }
}
