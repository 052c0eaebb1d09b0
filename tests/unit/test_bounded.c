/* test_bounded: weeks of attempts in constant memory. The controller's
 * runview (oncall/runview.c with keep > 0) folds old attempts into totals
 * and must give the same figures (goodput, time lost, lost by cause,
 * persist histogram) as the unbounded fold `endure status` makes of the
 * whole journal; the controller's attempt history (ctl_hist_push) keeps
 * its last records and totals the rest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oncall/runview.h"
#include "supervisor/ctl_int.h"
#include "tests/unit/harness.h"

static void feedf(struct runview *a, struct runview *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void feedf(struct runview *a, struct runview *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    json_t *ev = json_loads(line, 0, NULL);
    rv_feed(a, ev);
    rv_feed(b, ev);
    json_decref(ev);
}

static void ts(char *out, size_t n, int s)
{
    snprintf(out, n, "2026-01-01T%02d:%02d:%02d.000Z", s / 3600, s / 60 % 60, s % 60);
}

/* attempt k: starts at 100k s, progress, a checkpoint at +40 s, fails at
 * +60 s (odd attempts with a verdict), resumes from the previous one's */
static void one_attempt(struct runview *a, struct runview *b, int k)
{
    char t0[32], t1[32], t2[32], t3[32];
    int s = 100 * k;
    ts(t0, sizeof t0, s), ts(t1, sizeof t1, s + 10), ts(t2, sizeof t2, s + 40), ts(t3, sizeof t3, s + 60);
    if (k)
        feedf(a, b, "{\"ts\":\"%s\",\"event\":\"attempt_start\",\"attempt\":%d,\"restart_count\":%d,"
                    "\"nodes\":[{\"node\":\"n1\"}],\"resume\":{\"tag\":\"t%d\",\"step\":%d}}", t0, k, k, k - 1, 10 * k);
    else
        feedf(a, b, "{\"ts\":\"%s\",\"event\":\"attempt_start\",\"attempt\":0,\"nodes\":[{\"node\":\"n1\"}]}", t0);
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"progress\",\"attempt\":%d,\"step\":%d}", t1, k, 10 * k);
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"ckpt_persisted\",\"tag\":\"t%d\",\"seconds\":%g,\"bytes\":10}", t2, k,
          0.05 * (k % 40));
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"ckpt_complete\",\"tag\":\"t%d\",\"step\":%d}", t2, k, 10 * k + 10);
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"progress\",\"attempt\":%d,\"step\":%d}", t3, k, 10 * k + 15);
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"failure\",\"attempt\":%d,\"kind\":\"rank_exit\",\"what\":\"x\"}", t3, k);
    if (k % 2)
        feedf(a, b, "{\"ts\":\"%s\",\"event\":\"verdict\",\"attempt\":%d,\"verdict\":{\"category\":\"infrastructure\","
                    "\"type\":\"nccl_error\"}}", t3, k);
    feedf(a, b, "{\"ts\":\"%s\",\"event\":\"attempt_end\",\"attempt\":%d,\"ok\":false}", t3, k);
}

TEST(bounded_runview_folds_old_attempts_to_the_same_figures)
{
    struct runview full, small;
    rv_init(&full);
    rv_init(&small);
    small.keep = 4;
    feedf(&full, &small, "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"run_start\",\"run_id\":\"r\","
                         "\"run_dir\":\"/x\",\"config\":{}}");
    for (int k = 0; k < 30; k++)
        one_attempt(&full, &small, k);
    CHECK(full.natt == 30);
    CHECK(small.natt <= 4 && small.old.natt + small.natt == 30);
    CHECK(small.nck <= 16);
    struct rv_figures f, g;
    rv_figures(&full, 3000, &f);
    rv_figures(&small, 3000, &g);
    CHECK(f.lost_work > 0 && f.lost_restart > 0 && f.productive > 0);
    CHECK(f.productive == g.productive);
    CHECK(f.lost_work == g.lost_work);
    CHECK(f.lost_restart == g.lost_restart);
    CHECK(f.step == g.step);
    json_t *lf = rv_lost_by_cause(&full), *ls = rv_lost_by_cause(&small);
    CHECK(json_object_size(lf) == 2 && json_equal(lf, ls));
    json_decref(lf);
    json_decref(ls);
    CHECK(small.persist_n == 30 && full.persist_n == 30);
    CHECK(small.persist_le[0] == 3 && full.persist_le[0] == 3); /* 0, 0.05 and 0.1 s */
    CHECK(small.persist_le[1] == 11 && small.persist_le[8] == 30); /* up to 0.5 s; all */
    CHECK(small.nck && !strcmp(small.ck[small.nck - 1].tag, "t29"));
    rv_free(&full);
    rv_free(&small);
}

TEST(bounded_controller_history_keeps_the_last_records)
{
    struct ctl *c = calloc(1, sizeof *c);
    CHECK(c);
    if (!c)
        return;
    for (int k = 0; k < 250; k++) {
        struct attempt_log *h = ctl_hist_push(c, k, 1000 * k);
        CHECK(h && h->n == k && h->started_ms == 1000 * k);
        if (!h)
            break;
        h->resume_step = -1;
        h->f.kind = F_RANK;
        h->f.at = 0.5; /* fails 500 ms after its start: 500 lost, 500 overhead */
        h->ended_ms = 1000 * k + 500;
    }
    CHECK(c->nhist == 100 && c->hist_total == 250);
    CHECK(c->hist[0].n == 150 && c->hist[99].n == 249);
    CHECK(c->hist_lost_ms == 150 * 500 && c->hist_overhead_ms == 150 * 500);
    free(c->hist);
    free(c);
}
