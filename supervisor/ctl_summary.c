/* ctl_summary: the short summary `endure run` prints on exit: attempts,
 * each failure (what, where, when), time lost to failures, why it ended. */
#include <stdio.h>
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

void ctl_summary(struct ctl *c)
{
    int64_t lost = 0, end = now_ms();
    log_text("\nendure: run %s ended: %s (exit %d)\n", c->cfg->run_id, c->end_reason, c->exit_code);
    log_text("  attempts: %d, restarts: %d, run time: %.1fs\n", c->nhist, c->restarts,
            (double)(end - c->run_start) / 1000.0);
    for (int i = 0; i < c->nhist; i++) {
        struct attempt_log *h = &c->hist[i];
        if (h->f.kind == F_NONE)
            continue;
        int64_t until = i + 1 < c->nhist ? c->hist[i + 1].started_ms : (h->ended_ms ? h->ended_ms : end);
        lost += until - h->started_ms;
        log_text("  attempt %d: %s, %.1fs after it started%s%s\n", i, h->f.what, h->f.at,
                h->f.verdict[0] ? "; diagnosed " : "", h->f.verdict);
    }
    log_text("  time lost to failures: %.1fs (failed attempts, their stops and back-offs)\n",
            (double)lost / 1000.0);
    uint64_t dropped = 0;
    for (int i = 0; i < c->nnodes; i++)
        dropped += c->nodes[i].dropped;
    if (dropped)
        log_text("  console lines dropped (the console was too slow; logs are complete): %llu\n",
                (unsigned long long)dropped);
    if (log_dropped())
        log_text("  messages of endure dropped (stderr was not being read; events.jsonl is complete): %llu\n",
                 (unsigned long long)log_dropped());
    log_text("  logs and events: %s\n", c->run_dir);
}
