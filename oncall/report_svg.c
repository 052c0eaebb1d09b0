/* report_svg: the two inline SVG charts of `endure report`: the timeline of
 * every attempt per node (a Gantt chart: runs, failures, back-offs, node
 * exclusions) and the loss/step curve with failures and checkpoint commits
 * marked. Plain SVG elements with <title> tooltips; no script. */
#include <string.h>
#include "oncall/report_int.h"

#define W 960
#define LEFT 130
#define RIGHT 20

void html_text(struct buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default:
            if (ch < 0x20 && ch != '\t')
                buf_printf(b, "\\x%02x", ch);
            else
                buf_append(b, &s[i], 1);
        }
    }
}

static double xat(double t, double t0, double t1)
{
    double span = t1 > t0 ? t1 - t0 : 1;
    double f = (t - t0) / span;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return LEFT + f * (W - LEFT - RIGHT);
}

static int node_row(json_t *names, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v) if (!strcmp(json_string_value(v), name)) return (int)i;
    json_array_append_new(names, json_string(name));
    return (int)json_array_size(names) - 1;
}

static void attempt_bars(struct buf *b, const struct runview *rv, json_t *names, double t0, double t1)
{
    for (int i = 0; i < rv->natt; i++) {
        const struct rv_attempt *a = &rv->att[i];
        double end = a->end ? a->end : t1;
        const char *cls = a->ok == 1 ? "ok" : a->ok == 0 ? "failed" : "running";
        size_t k;
        json_t *n;
        json_array_foreach(a->nodes, k, n) {
            int row = node_row(names, json_string_value(n));
            double x = xat(a->start, t0, t1), x2 = xat(end, t0, t1);
            buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\"><title>attempt %d on ",
                       cls, x, 24 + row * 24, x2 - x < 1 ? 1 : x2 - x, a->n);
            html_text(b, json_string_value(n), 128);
            buf_printf(b, ": %s, %.1fs</title></rect>\n", cls, end - a->start);
            if (x2 - x > 24)
                buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"lbl\">#%d</text>\n", x + 3, 36 + row * 24, a->n);
        }
        if (a->fail_ts && *a->fail_node) {
            int row = node_row(names, a->fail_node);
            double x = xat(a->fail_ts, t0, t1);
            buf_printf(b, "<path class=\"fail\" d=\"M%.1f %d l6 10 h-12 z\"><title>attempt %d failed: ", x,
                       22 + row * 24, a->n);
            html_text(b, a->fail_what, 256);
            buf_puts(b, "</title></path>\n");
        }
        if (i + 1 < rv->natt && a->end) {
            double x = xat(a->end, t0, t1), x2 = xat(rv->att[i + 1].start, t0, t1);
            buf_printf(b, "<rect class=\"backoff\" x=\"%.1f\" y=\"4\" width=\"%.1f\" height=\"12\"><title>restart "
                          "overhead before attempt %d: %.1fs</title></rect>\n",
                       x, x2 - x < 1 ? 1 : x2 - x, rv->att[i + 1].n, rv->att[i + 1].start - a->end);
        }
    }
}

void svg_timeline(struct buf *b, const struct runview *rv, double t_end)
{
    double t0 = rv->start, t1 = t_end > t0 ? t_end : t0 + 1;
    json_t *names = json_array();
    const char *name;
    json_t *n;
    json_object_foreach(rv->nodes, name, n) node_row(names, name);
    struct buf body;
    buf_init(&body, 64 << 20);
    attempt_bars(&body, rv, names, t0, t1);
    size_t i;
    json_array_foreach(rv->node_events, i, n) {
        int row = node_row(names, json_string_value(json_object_get(n, "node")));
        double x = xat(json_number_value(json_object_get(n, "ts")), t0, t1);
        buf_printf(&body, "<circle class=\"excl\" cx=\"%.1f\" cy=\"%d\" r=\"5\"><title>", x, 32 + row * 24);
        html_text(&body, json_string_value(json_object_get(n, "event")), 64);
        buf_puts(&body, ": ");
        html_text(&body, json_string_value(json_object_get(n, "reason")), 512);
        buf_puts(&body, "</title></circle>\n");
    }
    int rows = (int)json_array_size(names);
    int h = 24 + rows * 24 + 24;
    buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                  "aria-label=\"timeline of the attempts per node\">\n", W, h, W, h);
    json_array_foreach(names, i, n) {
        buf_printf(b, "<text x=\"4\" y=\"%d\" class=\"node\">", 36 + (int)i * 24);
        html_text(b, json_string_value(n), 24);
        buf_puts(b, "</text>\n");
    }
    buf_append(b, body.p ? body.p : "", body.len);
    buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, h - 20, W - RIGHT, h - 20);
    buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">0s</text><text x=\"%d\" y=\"%d\" class=\"lbl\" "
                  "text-anchor=\"end\">%.0fs</text>\n</svg>\n", LEFT, h - 6, W - RIGHT, h - 6, t1 - t0);
    buf_free(&body);
    json_decref(names);
}

#define CH 260

void svg_curve(struct buf *b, const struct runview *rv, const struct curve *cv, int first, int ncv)
{
    long smin = -1, smax = 0;
    double lmax = 0;
    int has_loss = 0;
    for (int i = 0; i < ncv; i++)
        for (int k = 0; k < cv[i].n; k++) {
            smin = smin < 0 || cv[i].pt[k].step < smin ? cv[i].pt[k].step : smin;
            smax = cv[i].pt[k].step > smax ? cv[i].pt[k].step : smax;
            lmax = cv[i].pt[k].loss > lmax ? cv[i].pt[k].loss : lmax;
            has_loss |= cv[i].has_loss;
        }
    if (smin < 0) {
        buf_puts(b, "<p class=\"none\">No progress lines with a step were found in the rank logs.</p>\n");
        return;
    }
    double sspan = smax > smin ? (double)(smax - smin) : 1, ltop = lmax > 0 ? lmax * 1.05 : 1;
    buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                  "aria-label=\"loss per step\">\n", W, CH + 30, W, CH + 30);
    for (int i = 0; i < ncv; i++) {
        if (!cv[i].n)
            continue;
        buf_printf(b, "<polyline class=\"curve a%d\" points=\"", i % 4);
        for (int k = 0; k < cv[i].n; k++) {
            double y = has_loss ? (cv[i].pt[k].loss >= 0 ? cv[i].pt[k].loss : 0) / ltop
                                : (double)(cv[i].pt[k].step - smin) / sspan;
            buf_printf(b, "%.1f,%.1f ", LEFT + (double)(cv[i].pt[k].step - smin) / sspan * (W - LEFT - RIGHT),
                       10 + (1 - y) * (CH - 20));
        }
        buf_printf(b, "\"><title>attempt %d</title></polyline>\n", rv->att[first + i].n);
    }
    for (int i = first; i < first + ncv; i++) {
        const struct rv_attempt *a = &rv->att[i];
        if (a->ok != 0 || a->last_step < smin)
            continue;
        double x = LEFT + (double)(a->last_step - smin) / sspan * (W - LEFT - RIGHT);
        buf_printf(b, "<line class=\"failmark\" x1=\"%.1f\" y1=\"6\" x2=\"%.1f\" y2=\"%d\"><title>attempt %d failed "
                      "at step %ld</title></line>\n", x, x, CH - 8, a->n, a->last_step);
    }
    for (int i = 0; i < rv->nck; i++) {
        if (rv->ck[i].step < smin || rv->ck[i].step > smax)
            continue;
        double x = LEFT + (double)(rv->ck[i].step - smin) / sspan * (W - LEFT - RIGHT);
        buf_printf(b, "<line class=\"ckmark\" x1=\"%.1f\" y1=\"6\" x2=\"%.1f\" y2=\"%d\"><title>checkpoint ", x, x,
                   CH - 8);
        html_text(b, rv->ck[i].tag, 96);
        buf_puts(b, " committed</title></line>\n");
    }
    buf_printf(b, "<text x=\"4\" y=\"20\" class=\"lbl\">%s</text>\n", has_loss ? "loss" : "step");
    if (has_loss)
        buf_printf(b, "<text x=\"4\" y=\"36\" class=\"lbl\">max %.4g</text>\n", lmax);
    buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, CH - 6, W - RIGHT, CH - 6);
    buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">step %ld</text><text x=\"%d\" y=\"%d\" class=\"lbl\" "
                  "text-anchor=\"end\">step %ld</text>\n</svg>\n", LEFT, CH + 12, smin, W - RIGHT, CH + 12, smax);
}
