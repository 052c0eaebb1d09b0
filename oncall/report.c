/* report: `endure report`'s page: one self-contained HTML file (inline CSS
 * and SVG; no script, no font, nothing loaded from anywhere) with the
 * summary figures, the per-node timeline, the loss/step curve, the
 * failures, the checkpoints and the time lost by cause. Readable on a
 * laptop and printable (print styles below). */
#include <stdlib.h>
#include <string.h>
#include "common/layout.h"
#include "common/util.h"
#include "oncall/oncall.h"
#include "oncall/report_int.h"

#define CURVE_ATTEMPTS 32 /* the newest attempts drawn in the curve */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}code{font:12px ui-monospace,monospace;"
    "white-space:pre-wrap;word-break:break-all}.figs td:first-child{width:200px;font-weight:600}"
    "svg.chart{max-width:100%;height:auto;border:1px solid #eee}svg .ok{fill:#5a9}svg .failed{fill:#d66}"
    "svg .running{fill:#69c}svg .backoff{fill:#ec4}svg .fail{fill:#a00}svg .excl{fill:#000}"
    "svg .lbl{font-size:11px;fill:#333}svg .node{font-size:12px;fill:#111}svg .axis{stroke:#999}"
    "svg .curve{fill:none;stroke-width:1.5}svg .a0{stroke:#26a}svg .a1{stroke:#a52}svg .a2{stroke:#292}"
    "svg .a3{stroke:#828}svg .failmark{stroke:#d00;stroke-dasharray:4 3}svg .ckmark{stroke:#2a2;"
    "stroke-dasharray:2 3}.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;"
    "width:12px;height:12px;margin-right:4px;vertical-align:-1px}.none{color:#777}"
    "@media print{body{margin:0;max-width:none}svg.chart{border:none}h2{break-after:avoid}"
    "tr{break-inside:avoid}}";

static const char *gs(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void row(struct buf *b, const char *k, const char *v)
{
    buf_printf(b, "<tr><td>%s</td><td>", k);
    html_text(b, v, 4096);
    buf_puts(b, "</td></tr>\n");
}

static void figures(struct buf *b, const struct runview *rv, double now)
{
    struct rv_figures f;
    rv_figures(rv, now, &f);
    char v[640], d1[32], d2[32];
    buf_puts(b, "<table class=\"figs\">\n");
    if (rv->ended)
        snprintf(v, sizeof v, "finished, exit %d: %s", rv->exit_code, rv->end_reason);
    else
        snprintf(v, sizeof v, "%s (journal read up to its last complete line)", rv->state);
    row(b, "state", v);
    snprintf(v, sizeof v, "%d attempt(s), %d restart(s)", rv->natt, rv->restarts);
    row(b, "attempts", v);
    status_dur(d1, sizeof d1, f.wall);
    status_dur(d2, sizeof d2, f.productive);
    if (f.goodput >= 0)
        snprintf(v, sizeof v, "%.1f%% (%s productive of %s wall)", 100 * f.goodput, d2, d1);
    else
        snprintf(v, sizeof v, "unknown");
    row(b, "goodput", v);
    status_dur(d1, sizeof d1, f.lost_work);
    status_dur(d2, sizeof d2, f.lost_restart);
    snprintf(v, sizeof v, "%s of work, %s of restart overhead", d1, d2);
    row(b, "time lost to failures", v);
    if (f.step >= 0) {
        snprintf(v, sizeof v, "%ld", f.step);
        row(b, "newest step", v);
    }
    buf_puts(b, "</table>\n");
}

static void failures(struct buf *b, const struct runview *rv)
{
    buf_puts(b, "<h2 id=\"failures\">Failures</h2>\n");
    int any = 0;
    for (int i = 0; i < rv->natt; i++) {
        const struct rv_attempt *a = &rv->att[i];
        if (a->ok != 0 && !a->fail_ts)
            continue;
        if (!any++)
            buf_puts(b, "<table><tr><th>attempt</th><th>what</th><th>verdict</th><th>culprit</th>"
                        "<th>key line and explanation</th></tr>\n");
        const json_t *v = a->verdict, *cul = json_object_get(v, "culprit"), *kl = json_object_get(v, "key_line");
        buf_printf(b, "<tr class=\"failure\" id=\"failure-%d\"><td>%d</td><td>", a->n, a->n);
        html_text(b, a->fail_what, 256);
        buf_puts(b, "</td><td>");
        if (v) {
            html_text(b, gs(v, "category"), 64);
            buf_puts(b, "/");
            html_text(b, gs(v, "type"), 64);
            buf_puts(b, "<br>action ");
            html_text(b, *gs(v, "decided_action") ? gs(v, "decided_action") : gs(v, "action"), 64);
        }
        buf_puts(b, "</td><td>");
        if (json_is_string(json_object_get(cul, "host")))
            html_text(b, gs(cul, "host"), 128);
        if (json_is_integer(json_object_get(cul, "rank")))
            buf_printf(b, " rank %lld", (long long)json_integer_value(json_object_get(cul, "rank")));
        buf_puts(b, "</td><td>");
        if (json_is_object(kl)) {
            buf_puts(b, "<code class=\"keyline\">");
            html_text(b, gs(kl, "file"), 256);
            buf_printf(b, ":%lld: ", (long long)json_integer_value(json_object_get(kl, "line")));
            html_text(b, gs(kl, "text"), 2048);
            buf_puts(b, "</code><br>");
        }
        html_text(b, gs(v, "explanation"), 4096);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, any ? "</table>\n" : "<p class=\"none\">No failure.</p>\n");
}

static void checkpoints(struct buf *b, const struct runview *rv)
{
    buf_puts(b, "<h2 id=\"checkpoints\">Checkpoints</h2>\n");
    if (!rv->nck) {
        buf_puts(b, "<p class=\"none\">No checkpoint completed.</p>\n");
        return;
    }
    buf_puts(b, "<table><tr><th>tag</th><th>step</th><th>attempt</th><th>completed</th>"
                "<th>persist (slowest node)</th><th>bytes</th></tr>\n");
    for (int i = 0; i < rv->nck; i++) {
        char ts[40];
        format_time(rv->ck[i].ts, ts, sizeof ts);
        buf_puts(b, "<tr class=\"ckpt\"><td>");
        html_text(b, rv->ck[i].tag, 96);
        buf_printf(b, "</td><td>%ld</td><td>%d</td><td>%s</td><td>%.3fs</td><td>%lld</td></tr>\n", rv->ck[i].step,
                   rv->ck[i].attempt, ts, rv->ck[i].persist_s, rv->ck[i].bytes);
    }
    buf_puts(b, "</table>\n");
}

static void lost_table(struct buf *b, const struct runview *rv)
{
    buf_puts(b, "<h2 id=\"lost\">Time lost by cause</h2>\n");
    json_t *by = rv_lost_by_cause(rv);
    if (!json_object_size(by)) {
        buf_puts(b, "<p class=\"none\">None.</p>\n");
    } else {
        buf_puts(b, "<table><tr><th>cause (verdict)</th><th>time lost</th></tr>\n");
        const char *k;
        json_t *v;
        json_object_foreach(by, k, v) {
            char d[32];
            status_dur(d, sizeof d, json_real_value(v));
            buf_puts(b, "<tr><td>");
            html_text(b, k, 160);
            buf_printf(b, "</td><td>%s</td></tr>\n", d);
        }
        buf_puts(b, "</table>\n");
    }
    json_decref(by);
}

/* The curve of the newest CURVE_ATTEMPTS attempts, each from the log of
 * global rank 0 (on its first node). */
static void curve_section(struct buf *b, const struct runview *rv, const char *run_dir)
{
    buf_puts(b, "<h2 id=\"curve\">Loss per step</h2>\n");
    int first = rv->natt > CURVE_ATTEMPTS ? rv->natt - CURVE_ATTEMPTS : 0, n = rv->natt - first;
    struct curve *cv = n ? calloc((size_t)n, sizeof *cv) : NULL;
    for (int i = 0; cv && i < n; i++) {
        const struct rv_attempt *a = &rv->att[first + i];
        const char *node = json_string_value(json_array_get(a->nodes, 0));
        char ndir[4096], log[4096];
        if (node && safe_component(node) && layout_node_dir(ndir, sizeof ndir, run_dir, a->n, node) == 0 &&
            layout_rank_log(log, sizeof log, ndir, 0) == 0)
            curve_load(&cv[i], log, CURVE_BYTES);
    }
    svg_curve(b, rv, cv, first, cv ? n : 0);
    buf_puts(b, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#d00\"></i>failure (last step)</span>"
                "<span><i class=\"sw\" style=\"background:#2a2\"></i>checkpoint commit</span></p>\n");
    free(cv);
}

int report_html(const struct runview *rv, const char *run_dir, struct buf *b)
{
    double now = wall_time(), end = rv->ended ? rv->end : now;
    buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                  "'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
                  "<title>endure run ");
    html_text(b, rv->run_id, 128);
    buf_printf(b, "</title>\n<style>%s</style></head><body>\n<h1>endure run ", css);
    html_text(b, rv->run_id, 128);
    buf_puts(b, "</h1>\n");
    figures(b, rv, now);
    buf_puts(b, "<h2 id=\"timeline\">Timeline</h2>\n<p class=\"legend\">"
                "<span><i class=\"sw\" style=\"background:#5a9\"></i>attempt succeeded</span>"
                "<span><i class=\"sw\" style=\"background:#d66\"></i>attempt failed</span>"
                "<span><i class=\"sw\" style=\"background:#69c\"></i>running</span>"
                "<span><i class=\"sw\" style=\"background:#ec4\"></i>stop and back-off</span>"
                "<span><i class=\"sw\" style=\"background:#a00\"></i>failure</span>"
                "<span><i class=\"sw\" style=\"background:#000;border-radius:6px\"></i>node excluded or lost</span>"
                "</p>\n");
    svg_timeline(b, rv, end);
    buf_puts(b, "<table><tr><th>attempt</th><th>started</th><th>ran</th><th>outcome</th><th>nodes</th></tr>\n");
    for (int i = 0; i < rv->natt; i++) {
        const struct rv_attempt *a = &rv->att[i];
        char ts[40], d[32];
        format_time(a->start, ts, sizeof ts);
        status_dur(d, sizeof d, (a->end ? a->end : end) - a->start);
        buf_printf(b, "<tr class=\"attempt\" id=\"attempt-%d\"><td>%d</td><td>%s</td><td>%s</td><td>%s", a->n, a->n, ts,
                   d, a->ok == 1 ? "succeeded" : a->ok == 0 ? "failed" : "running");
        if (a->resume_step >= 0)
            buf_printf(b, " (resumed from step %ld)", a->resume_step);
        buf_puts(b, "</td><td>");
        size_t k;
        json_t *n;
        json_array_foreach(a->nodes, k, n) {
            html_text(b, json_string_value(n), 128);
            buf_puts(b, " ");
        }
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n");
    curve_section(b, rv, run_dir);
    failures(b, rv);
    checkpoints(b, rv);
    lost_table(b, rv);
    buf_puts(b, "<p class=\"none\">Made by endure report from the run's journal (events.jsonl).</p>\n</body></html>\n");
    return 0;
}
