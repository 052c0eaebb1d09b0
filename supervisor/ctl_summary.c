/* ctl_summary: the short summary `endure run` prints on exit: attempts,
 * each failure (what, where, when), the time lost to failures split into
 * lost work (from the step of the checkpoint the run went on from, or from
 * the attempt's start, to the failure) and restart overhead (from the
 * failure to the next attempt's start: the stop and the back-off), and why
 * it ended. It keeps the last CTL_HIST_KEEP attempts' records; older ones
 * are folded into totals and the summary says how many it does not list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "checkpoint/ckpt.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

#define CTL_HIST_KEEP 100

/* When the work of failed attempt i that was kept ends: the staging time of
 * the checkpoint the next attempt resumed from (or, after the last attempt,
 * of the newest one completed in it) when attempt i saved it, else the
 * attempt's start (all of its work is lost). */
static int64_t kept_until(const struct ctl *c, int i)
{
    const struct attempt_log *h = &c->hist[i];
    int64_t kept = 0;
    if (i + 1 < c->nhist) {
        const struct attempt_log *next = &c->hist[i + 1];
        if (next->resume_step >= 0 && next->resume_attempt == h->n)
            kept = next->resume_saved_ms;
    } else {
        kept = h->last_ckpt_ms;
    }
    return kept > h->started_ms ? kept : h->started_ms;
}

/* The work lost to attempt i's failure and the restart overhead after it
 * (0 and 0 when it did not fail); end: now, for the last attempt. */
static void hist_loss(const struct ctl *c, int i, int64_t end, int64_t *lost, int64_t *over)
{
    const struct attempt_log *h = &c->hist[i];
    *lost = *over = 0;
    if (h->f.kind == F_NONE)
        return;
    int64_t until = i + 1 < c->nhist ? c->hist[i + 1].started_ms : (h->ended_ms ? h->ended_ms : end);
    int64_t failed = h->started_ms + (int64_t)(h->f.at * 1000.0), kept = kept_until(c, i);
    if (failed > until)
        failed = until;
    *lost = failed > kept ? failed - kept : 0;
    *over = until - failed;
}

struct attempt_log *ctl_hist_push(struct ctl *c, int n, int64_t started_ms)
{
    if (c->nhist == CTL_HIST_KEEP) {
        int64_t lost, over;
        hist_loss(c, 0, started_ms, &lost, &over);
        c->hist_lost_ms += lost;
        c->hist_overhead_ms += over;
        memmove(c->hist, c->hist + 1, sizeof *c->hist * (size_t)(c->nhist - 1));
        c->nhist--;
    } else {
        struct attempt_log *h = realloc(c->hist, sizeof *h * (size_t)(c->nhist + 1));
        if (!h)
            return NULL;
        c->hist = h;
    }
    struct attempt_log *h = &c->hist[c->nhist++];
    memset(h, 0, sizeof *h);
    h->n = n;
    h->started_ms = started_ms;
    c->hist_total++;
    return h;
}

/* Stages an agent left behind (killed, lost): where and how big. Only a
 * stage this machine can see is measured (the local transport). */
static void ctl_summary_stages(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        struct stat st;
        if (!n->stage || lstat(n->stage, &st) < 0)
            continue;
        uint64_t bytes = ckpt_tree_bytes(n->stage);
        journal_event(&c->j, "stage_left", json_pack("{s:s,s:s,s:I}", "node", n->name, "path", n->stage, "bytes",
                                                       (json_int_t)bytes));
        fprintf(stderr,
                "  checkpoint stage left on %s: %s (%.1f MiB in node memory; the same run resuming there "
                "uses it, an agent starting there removes it once this run is dead and it is older than "
                "--stage-max-age)\n",
                n->name, n->stage, (double)bytes / 1048576.0);
    }
}

void ctl_summary(struct ctl *c)
{
    int64_t lost_work = c->hist_lost_ms, overhead = c->hist_overhead_ms, end = now_ms();
    log_text("\nendure: run %s ended: %s (exit %d)\n", c->cfg->run_id, c->end_reason, c->exit_code);
    log_text("  attempts: %d, restarts: %d, run time: %.1fs\n", c->hist_total, c->restarts,
            (double)(end - c->run_start) / 1000.0);
    char budget[160];
    ctl_budget_describe(c, budget, sizeof budget);
    log_text("  restart budget: %s\n", budget);
    if (c->hist_total > c->nhist)
        log_text("  attempts before %d are not listed (%d of them; the journal has each one); their time lost "
                 "is in the totals below\n", c->nhist ? c->hist[0].n : c->attempt, c->hist_total - c->nhist);
    for (int i = 0; i < c->nhist; i++) {
        struct attempt_log *h = &c->hist[i];
        if (h->resume_step >= 0)
            log_text("  attempt %d: resumed from the checkpoint of step %ld\n", h->n, h->resume_step);
        if (h->f.kind == F_NONE)
            continue;
        int64_t lost, over;
        hist_loss(c, i, end, &lost, &over);
        lost_work += lost;
        overhead += over;
        char llm[64] = "";
        if (h->f.llm_waited)
            snprintf(llm, sizeof llm, "; waited %.1fs for the LLM", (double)h->f.llm_wait_ms / 1000.0);
        log_text("  attempt %d: %s, %.1fs after it started%s%s%s; work lost: %.1fs\n", h->n, h->f.what,
                 h->f.at, h->f.verdict[0] ? "; diagnosed " : "", h->f.verdict, llm, (double)lost / 1000.0);
    }
    log_text("  time lost to failures: %.1fs of work lost (since the last checkpoint kept, or the "
                    "attempt's start), %.1fs of restart overhead (stops and back-offs)\n",
            (double)lost_work / 1000.0, (double)overhead / 1000.0);
    uint64_t dropped = 0;
    for (int i = 0; i < c->nnodes; i++)
        dropped += c->nodes[i].dropped;
    if (dropped)
        log_text("  console lines dropped (the console was too slow; logs are complete): %llu\n",
                (unsigned long long)dropped);
    ctl_ckwarn_summary(c);
    ctl_summary_stages(c);
    if (log_dropped())
        log_text("  messages of endure dropped (stderr was not being read; events.jsonl is complete): %llu\n",
                 (unsigned long long)log_dropped());
    log_text("  logs and events: %s\n", c->run_dir);
}
