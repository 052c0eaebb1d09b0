/* metrics: the run as Prometheus text exposition (format 0.0.4), every
 * family with # HELP and # TYPE. Label values are bounded sets only (node
 * states, verdict categories and types from the rule base, restart causes);
 * never a rank, a node name or free text. */
#include <string.h>
#include "oncall/oncall.h"

/* Persist-time histogram buckets, seconds. */

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value from the journal (a verdict category or type, a restart
 * cause): only [A-Za-z0-9_.-], at most 64 bytes; anything else is "other". */
static const char *label(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 64)
        return "other";
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-' || ch == '.'))
            return "other";
    }
    return v;
}

static void counters(const struct runview *rv, struct buf *b)
{
    const char *k;
    json_t *v;
    family(b, "endure_restarts_total", "counter", "Restarts of the job, by the failed attempt's verdict category.");
    json_object_foreach(rv->restart_reasons, k, v)
        buf_printf(b, "endure_restarts_total{reason=\"%s\"} %lld\n", label(k), (long long)json_integer_value(v));
    family(b, "endure_failures_total", "counter", "Failed attempts, by the verdict's category and type.");
    json_object_foreach(rv->failures, k, v) {
        char cat[160];
        snprintf(cat, sizeof cat, "%s", k);
        char *tab = strchr(cat, '\t');
        const char *type = tab ? tab + 1 : "";
        if (tab)
            *tab = 0;
        buf_printf(b, "endure_failures_total{category=\"%s\",type=\"%s\"} %lld\n", label(cat), label(type),
                   (long long)json_integer_value(v));
    }
    family(b, "endure_ckpt_bytes_total", "counter", "Bytes of checkpoint parts persisted to the durable store.");
    buf_printf(b, "endure_ckpt_bytes_total %lld\n", rv->ckpt_bytes);
    family(b, "endure_unclassified_lines_total", "counter",
           "Rank lines logged but not classified (the rank outran its agent).");
    buf_printf(b, "endure_unclassified_lines_total %lld\n", rv->unclassified);
    family(b, "endure_console_dropped_lines_total", "counter", "Rank lines dropped from a console nobody read.");
    buf_printf(b, "endure_console_dropped_lines_total %lld\n", rv->console_dropped);
}

static void persist_hist(const struct runview *rv, struct buf *b)
{
    family(b, "endure_ckpt_persist_seconds", "histogram", "Time to persist one node's part of a checkpoint.");
    for (int k = 0; k < RV_PERSIST_BUCKETS; k++)
        buf_printf(b, "endure_ckpt_persist_seconds_bucket{le=\"%g\"} %ld\n", rv_persist_le[k], rv->persist_le[k]);
    buf_printf(b, "endure_ckpt_persist_seconds_bucket{le=\"+Inf\"} %ld\n", rv->persist_n);
    buf_printf(b, "endure_ckpt_persist_seconds_sum %.6f\nendure_ckpt_persist_seconds_count %ld\n", rv->persist_sum,
               rv->persist_n);
}

void metrics_render(const struct runview *rv, const struct metrics_live *live, double now, struct buf *b)
{
    struct rv_figures f;
    rv_figures(rv, now, &f);
    const struct rv_attempt *a = rv_current(rv);
    family(b, "endure_up", "gauge", "1 while the controller of the run is running.");
    buf_printf(b, "endure_up %d\n", live ? live->up : !rv->ended);
    family(b, "endure_attempt", "gauge", "The current (or last) attempt number, -1 before the first.");
    buf_printf(b, "endure_attempt %d\n", a ? a->n : -1);
    counters(rv, b);
    int counts[6];
    rv_node_counts(rv, counts);
    family(b, "endure_nodes", "gauge", "Nodes of the run by state.");
    for (int i = 0; i < 6; i++)
        buf_printf(b, "endure_nodes{state=\"%s\"} %d\n", rv_node_states[i], counts[i]);
    family(b, "endure_ranks_running", "gauge", "Ranks of the current attempt that are running.");
    buf_printf(b, "endure_ranks_running %d\n", a ? a->ranks_running : 0);
    family(b, "endure_progress_step", "gauge", "The newest training step seen in a progress line (-1: none).");
    buf_printf(b, "endure_progress_step %ld\n", f.step);
    family(b, "endure_steps_per_second", "gauge", "Training steps per second over the last 5 minutes.");
    buf_printf(b, "endure_steps_per_second %.6g\n", f.steps_per_s >= 0 ? f.steps_per_s : 0);
    family(b, "endure_last_progress_timestamp_seconds", "gauge", "When the newest progress was seen (0: never).");
    buf_printf(b, "endure_last_progress_timestamp_seconds %.3f\n", f.step_ts);
    family(b, "endure_goodput_ratio", "gauge",
           "Productive training time (first to last progress of each attempt) over wall time since the start.");
    buf_printf(b, "endure_goodput_ratio %.6f\n", f.goodput >= 0 ? f.goodput : 0);
    family(b, "endure_time_lost_seconds_total", "counter", "Time lost to failures: work lost and restart overhead.");
    buf_printf(b, "endure_time_lost_seconds_total{part=\"work\"} %.3f\n", f.lost_work);
    buf_printf(b, "endure_time_lost_seconds_total{part=\"restart\"} %.3f\n", f.lost_restart);
    family(b, "endure_ckpt_last_complete_timestamp_seconds", "gauge", "When the newest checkpoint completed (0: none).");
    buf_printf(b, "endure_ckpt_last_complete_timestamp_seconds %.3f\n", rv->nck ? rv->ck[rv->nck - 1].ts : 0);
    persist_hist(rv, b);
    if (live && live->log_bytes >= 0) {
        family(b, "endure_log_bytes_total", "counter", "Bytes the ranks wrote to their logs.");
        buf_printf(b, "endure_log_bytes_total %lld\n", live->log_bytes);
    }
}
