/* status: what `endure status` shows, as one JSON object (--json) and as
 * text rendered from that same object, so the two never disagree. */
#include "oncall/oncall.h"
#include <string.h>
#include "common/util.h"

static json_t *last_failure(const struct runview *rv)
{
    for (int i = rv->natt - 1; i >= 0; i--) {
        const struct rv_attempt *a = &rv->att[i];
        if (a->ok != 0 && !a->fail_ts)
            continue; /* succeeded, or running without a failure */
        json_t *o = json_pack("{s:i,s:s,s:s}", "attempt", a->n, "kind", a->fail_kind, "what", a->fail_what);
        char ts[40];
        format_time(a->fail_ts, ts, sizeof ts);
        json_object_set_new(o, "ts", json_string(ts));
        if (a->verdict) {
            static const char *const keys[] = {"category", "type", "action", "decided_action", "rule", "culprit",
                                               "key_line", "explanation"};
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
                json_t *v = json_object_get(a->verdict, keys[k]);
                if (v)
                    json_object_set(o, keys[k], v);
            }
        }
        return o;
    }
    return json_null();
}

static json_t *nodes_json(const struct runview *rv)
{
    int counts[6];
    rv_node_counts(rv, counts);
    json_t *c = json_object(), *list = json_array();
    for (int i = 0; i < 6; i++)
        json_object_set_new(c, rv_node_states[i], json_integer(counts[i]));
    const char *name;
    json_t *n;
    const struct rv_attempt *a = rv_current(rv);
    json_object_foreach(rv->nodes, name, n) {
        json_t *o = json_deep_copy(n);
        const char *st = json_string_value(json_object_get(n, "state"));
        if (st && !strcmp(st, "ready")) {
            int active = 0;
            size_t i;
            json_t *m;
            if (a && !rv->ended)
                json_array_foreach(a->nodes, i, m) active |= !strcmp(json_string_value(m), name);
            json_object_set_new(o, "state", json_string(active ? "active" : "spare"));
        }
        json_object_set_new(o, "name", json_string(name));
        json_array_append_new(list, o);
    }
    return json_pack("{s:o,s:o}", "counts", c, "list", list);
}

static json_t *num_or_null(double v, int known)
{
    return known ? json_real((double)(long long)(v * 1000 + (v < 0 ? -0.5 : 0.5)) / 1000) : json_null();
}

json_t *status_json(const struct runview *rv, double now)
{
    struct rv_figures f;
    rv_figures(rv, now, &f);
    const struct rv_attempt *a = rv_current(rv);
    json_t *o = json_pack("{s:s,s:s,s:s}", "run_id", rv->run_id, "run_dir", rv->run_dir, "state", rv->state);
    if (rv->ended) {
        json_object_set_new(o, "exit_code", json_integer(rv->exit_code));
        json_object_set_new(o, "reason", json_string(rv->end_reason));
    }
    if (!rv->ended && !strcmp(rv->state, "backing off"))
        json_object_set_new(o, "backoff_left_s", num_or_null(rv->backoff_until - now, rv->backoff_until > now));
    json_object_set_new(o, "attempt", a ? json_integer(a->n) : json_null());
    json_object_set_new(o, "restarts", json_integer(rv->restarts));
    json_object_set_new(o, "max_restarts", rv->max_restarts >= 0 ? json_integer(rv->max_restarts) : json_null());
    json_object_set_new(o, "nodes", nodes_json(rv));
    json_object_set_new(o, "ranks_running", json_integer(a ? a->ranks_running : 0));
    json_t *p = json_pack("{s:o,s:o,s:o}", "step", f.step >= 0 ? json_integer(f.step) : json_null(), "age_s",
                          num_or_null(now - f.step_ts, f.step_ts > 0), "steps_per_s",
                          num_or_null(f.steps_per_s, f.steps_per_s >= 0));
    json_object_set_new(o, "progress", p);
    const struct rv_ckpt *ck = rv->nck ? &rv->ck[rv->nck - 1] : NULL;
    json_object_set_new(o, "checkpoint",
                        ck ? json_pack("{s:s,s:I,s:o}", "tag", ck->tag, "step", (json_int_t)ck->step, "age_s",
                                       num_or_null(now - ck->ts, 1))
                           : json_null());
    json_object_set_new(o, "last_failure", last_failure(rv));
    json_object_set_new(o, "time_lost",
                        json_pack("{s:o,s:o,s:o}", "work_s", num_or_null(f.lost_work, 1), "restart_s",
                                  num_or_null(f.lost_restart, 1), "by_cause", rv_lost_by_cause(rv)));
    json_object_set_new(o, "goodput",
                        json_pack("{s:o,s:o,s:o}", "ratio", num_or_null(f.goodput, f.goodput >= 0), "productive_s",
                                  num_or_null(f.productive, 1), "wall_s", num_or_null(f.wall, 1)));
    return o;
}

/* "3h12m", "45s", "1.2s" */
void status_dur(char *out, size_t n, double s)
{
    if (s < 0)
        s = 0;
    if (s < 10)
        snprintf(out, n, "%.1fs", s);
    else if (s < 120)
        snprintf(out, n, "%.0fs", s);
    else if (s < 7200)
        snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else if (s < 172800)
        snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)s % 3600 / 60);
    else
        snprintf(out, n, "%dd%02dh", (int)(s / 86400), (int)((long long)s % 86400) / 3600);
}

static const char *gs(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double gn(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void text_nodes(const json_t *st, struct buf *b)
{
    const json_t *nodes = json_object_get(st, "nodes"), *c = json_object_get(nodes, "counts");
    buf_printf(b, "nodes:      %d active, %d spare", (int)gn(c, "active"), (int)gn(c, "spare"));
    for (int i = 2; i < 6; i++)
        if (gn(c, rv_node_states[i]) > 0)
            buf_printf(b, ", %d %s", (int)gn(c, rv_node_states[i]), rv_node_states[i]);
    buf_puts(b, "\n");
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(nodes, "list"), i, n) if (json_object_get(n, "reason"))
        buf_printf(b, "  %s %s: %s\n", gs(n, "name"), gs(n, "state"), gs(n, "reason"));
}

/* "1.5 GiB", "12.0 KiB", "800 B" */
static void text_bytes(struct buf *b, double v)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    buf_printf(b, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void text_disk(const json_t *d, struct buf *b)
{
    if (!json_is_object(d))
        return;
    buf_puts(b, "disk:       logs ");
    text_bytes(b, gn(d, "logs_bytes"));
    buf_puts(b, ", journal ");
    text_bytes(b, gn(d, "journal_bytes"));
    buf_puts(b, ", other ");
    text_bytes(b, gn(d, "other_bytes"));
    if (json_is_number(json_object_get(d, "ckpt_bytes"))) {
        buf_puts(b, "; checkpoints ");
        text_bytes(b, gn(d, "ckpt_bytes"));
    } else if (*gs(d, "ckpt_dir")) {
        buf_printf(b, "; checkpoints unknown (%s not readable here)", gs(d, "ckpt_dir"));
    }
    buf_puts(b, json_is_true(json_object_get(d, "partial")) ? " (at least: too many files to count)\n" : "\n");
}

static void text_failure(const json_t *fl, struct buf *b)
{
    if (!json_is_object(fl)) {
        buf_puts(b, "last failure: none\n");
        return;
    }
    buf_printf(b, "last failure: attempt %d: %s\n", (int)gn(fl, "attempt"), gs(fl, "what"));
    if (json_object_get(fl, "category")) {
        const char *act = *gs(fl, "decided_action") ? gs(fl, "decided_action") : gs(fl, "action");
        buf_printf(b, "  verdict:  %s/%s, action %s", gs(fl, "category"), gs(fl, "type"), act);
        buf_printf(b, *gs(fl, "rule") ? " (rule %s)\n" : "\n", gs(fl, "rule"));
    }
    const json_t *kl = json_object_get(fl, "key_line");
    if (json_is_object(kl))
        buf_printf(b, "  key line: %s:%d: %.300s\n", gs(kl, "file"), (int)gn(kl, "line"), gs(kl, "text"));
}

void status_text(const json_t *st, struct buf *b)
{
    char d1[32], d2[32];
    buf_printf(b, "run %s: %s", gs(st, "run_id"), gs(st, "state"));
    if (json_object_get(st, "exit_code"))
        buf_printf(b, " (exit %d: %s)", (int)gn(st, "exit_code"), gs(st, "reason"));
    if (json_is_number(json_object_get(st, "backoff_left_s"))) {
        status_dur(d1, sizeof d1, gn(st, "backoff_left_s"));
        buf_printf(b, " (next attempt in %s)", d1);
    }
    buf_puts(b, "\n");
    if (json_is_integer(json_object_get(st, "attempt")))
        buf_printf(b, "attempt:    %d, restarts %d", (int)gn(st, "attempt"), (int)gn(st, "restarts"));
    else
        buf_printf(b, "attempt:    none yet, restarts %d", (int)gn(st, "restarts"));
    if (json_is_integer(json_object_get(st, "max_restarts")))
        buf_printf(b, " of %d", (int)gn(st, "max_restarts"));
    buf_printf(b, "\nranks:      %d running\n", (int)gn(st, "ranks_running"));
    text_nodes(st, b);
    const json_t *p = json_object_get(st, "progress");
    if (json_is_integer(json_object_get(p, "step"))) {
        status_dur(d1, sizeof d1, gn(p, "age_s"));
        buf_printf(b, "progress:   step %lld, %s ago", (long long)json_integer_value(json_object_get(p, "step")), d1);
        if (json_is_number(json_object_get(p, "steps_per_s")))
            buf_printf(b, ", %.3g steps/s (last 5 min)", gn(p, "steps_per_s"));
        buf_puts(b, "\n");
    } else {
        buf_puts(b, "progress:   no step seen\n");
    }
    const json_t *ck = json_object_get(st, "checkpoint");
    if (json_is_object(ck)) {
        status_dur(d1, sizeof d1, gn(ck, "age_s"));
        buf_printf(b, "checkpoint: %s (step %d), completed %s ago\n", gs(ck, "tag"), (int)gn(ck, "step"), d1);
    } else {
        buf_puts(b, "checkpoint: none completed\n");
    }
    text_failure(json_object_get(st, "last_failure"), b);
    const json_t *tl = json_object_get(st, "time_lost"), *g = json_object_get(st, "goodput");
    status_dur(d1, sizeof d1, gn(tl, "work_s"));
    status_dur(d2, sizeof d2, gn(tl, "restart_s"));
    buf_printf(b, "time lost:  %s of work, %s of restart overhead\n", d1, d2);
    status_dur(d1, sizeof d1, gn(g, "productive_s"));
    status_dur(d2, sizeof d2, gn(g, "wall_s"));
    if (json_is_number(json_object_get(g, "ratio")))
        buf_printf(b, "goodput:    %.1f%% (%s productive of %s)\n", 100 * gn(g, "ratio"), d1, d2);
    else
        buf_puts(b, "goodput:    unknown\n");
    text_disk(json_object_get(st, "disk"), b);
}
