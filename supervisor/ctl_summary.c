/* ctl_summary: the short summary `endure run` prints on exit: attempts,
 * each failure (what, where, when), time lost to failures, why it ended. */
#include <stdio.h>
#include <sys/stat.h>
#include "checkpoint/ckpt.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

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
    int64_t lost = 0, end = now_ms();
    fprintf(stderr, "\nendure: run %s ended: %s (exit %d)\n", c->cfg->run_id, c->end_reason, c->exit_code);
    fprintf(stderr, "  attempts: %d, restarts: %d, run time: %.1fs\n", c->nhist, c->restarts,
            (double)(end - c->run_start) / 1000.0);
    for (int i = 0; i < c->nhist; i++) {
        struct attempt_log *h = &c->hist[i];
        if (h->f.kind == F_NONE)
            continue;
        int64_t until = i + 1 < c->nhist ? c->hist[i + 1].started_ms : (h->ended_ms ? h->ended_ms : end);
        lost += until - h->started_ms;
        fprintf(stderr, "  attempt %d: %s, %.1fs after it started%s%s\n", i, h->f.what, h->f.at,
                h->f.verdict[0] ? "; diagnosed " : "", h->f.verdict);
    }
    fprintf(stderr, "  time lost to failures: %.1fs (failed attempts, their stops and back-offs)\n",
            (double)lost / 1000.0);
    uint64_t dropped = 0;
    for (int i = 0; i < c->nnodes; i++)
        dropped += c->nodes[i].dropped;
    if (dropped)
        fprintf(stderr, "  console lines dropped (the console was too slow; logs are complete): %llu\n",
                (unsigned long long)dropped);
    ctl_summary_stages(c);
    fprintf(stderr, "  logs and events: %s\n", c->run_dir);
}
