/* ctl_summary: the short summary `endure run` prints on exit: attempts,
 * each failure (what, where, when), the time lost to failures split into
 * lost work (from the step of the checkpoint the run went on from, or from
 * the attempt's start, to the failure) and restart overhead (from the
 * failure to the next attempt's start: the stop and the back-off), and why
 * it ended. */
#include <stdio.h>
#include <sys/stat.h>
#include "checkpoint/ckpt.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

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
        if (next->resume_step >= 0 && next->resume_attempt == i)
            kept = next->resume_saved_ms;
    } else {
        kept = h->last_ckpt_ms;
    }
    return kept > h->started_ms ? kept : h->started_ms;
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
    int64_t lost_work = 0, overhead = 0, end = now_ms();
    log_text("\nendure: run %s ended: %s (exit %d)\n", c->cfg->run_id, c->end_reason, c->exit_code);
    log_text("  attempts: %d, restarts: %d, run time: %.1fs\n", c->nhist, c->restarts,
            (double)(end - c->run_start) / 1000.0);
    char budget[160];
    ctl_budget_describe(c, budget, sizeof budget);
    log_text("  restart budget: %s\n", budget);
    int first = c->attempt - c->nhist + 1; /* a resumed run goes on numbering its attempts */
    for (int i = 0; i < c->nhist; i++) {
        struct attempt_log *h = &c->hist[i];
        if (h->resume_step >= 0)
            log_text("  attempt %d: resumed from the checkpoint of step %ld\n", first + i, h->resume_step);
        if (h->f.kind == F_NONE)
            continue;
        int64_t until = i + 1 < c->nhist ? c->hist[i + 1].started_ms : (h->ended_ms ? h->ended_ms : end);
        int64_t failed = h->started_ms + (int64_t)(h->f.at * 1000.0), kept = kept_until(c, i);
        if (failed > until)
            failed = until;
        int64_t lost = failed > kept ? failed - kept : 0;
        lost_work += lost;
        overhead += until - failed;
        char llm[64] = "";
        if (h->f.llm_waited)
            snprintf(llm, sizeof llm, "; waited %.1fs for the LLM", (double)h->f.llm_wait_ms / 1000.0);
        log_text("  attempt %d: %s, %.1fs after it started%s%s%s; work lost: %.1fs\n", first + i, h->f.what,
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
