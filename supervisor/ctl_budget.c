/* ctl_budget: what keeps a long run going through a steady trickle of
 * faults. The restart budget: --max-restarts counts the restarts of the
 * whole run, or with --restart-window those in any window of that length
 * (the times of the recent restarts are kept; a resumed controller gets
 * them from the journal). Node exclusions: with --exclude-for an excluded
 * or lost node comes back that long after its exclusion (its agent is
 * launched again and it joins as a spare after its health check), unless
 * it was excluded more than --exclude-max times: then it is retired for the
 * rest of the run (journaled node_retired). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

/* Forgets the restarts that left the window. */
static void prune(struct ctl *c, int64_t now)
{
    int64_t win = c->cfg->restart_window_ms;
    int k = 0;
    for (int i = 0; i < c->nrestart_at; i++)
        if (c->restart_at[i] > now - win)
            c->restart_at[k++] = c->restart_at[i];
    c->nrestart_at = k;
}

int ctl_budget_used(struct ctl *c, int64_t now)
{
    if (c->cfg->restart_window_ms <= 0)
        return c->restarts;
    prune(c, now);
    return c->nrestart_at;
}

void ctl_budget_note(struct ctl *c, int64_t at)
{
    if (c->cfg->restart_window_ms <= 0)
        return;
    int64_t *nv = realloc(c->restart_at, (size_t)(c->nrestart_at + 1) * sizeof *nv);
    if (!nv)
        return;
    c->restart_at = nv;
    c->restart_at[c->nrestart_at++] = at;
}

void ctl_budget_describe(struct ctl *c, char *out, size_t len)
{
    int used = ctl_budget_used(c, now_ms()), max = c->cfg->max_restarts;
    int left = used < max ? max - used : 0;
    if (c->cfg->restart_window_ms > 0)
        snprintf(out, len, "%d of %d left (restarts in any %llds window)", left, max,
                 (long long)(c->cfg->restart_window_ms / 1000));
    else
        snprintf(out, len, "%d of %d left (whole run)", left, max);
}

json_t *ctl_budget_json(struct ctl *c)
{
    int used = ctl_budget_used(c, now_ms()), max = c->cfg->max_restarts;
    return json_pack("{s:i,s:i,s:I}", "budget_left", used < max ? max - used : 0, "budget_used", used,
                     "window_ms", (json_int_t)c->cfg->restart_window_ms);
}

void ctl_budget_node_out(struct ctl *c, struct node *n, int64_t at)
{
    n->excluded_times++;
    n->excluded_at = at;
    const struct run_config *cfg = c->cfg;
    if (cfg->exclude_for_ms > 0 && n->excluded_times > cfg->exclude_max && !n->retired) {
        n->retired = 1;
        log_warn("node %s was excluded %d times (more than --exclude-max %d): never used again in this run",
                 n->name, n->excluded_times, cfg->exclude_max);
        journal_event(&c->j, "node_retired", json_pack("{s:s,s:i,s:i}", "node", n->name, "exclusions",
                                                          n->excluded_times, "exclude_max", cfg->exclude_max));
    }
}

/* n may come back now: out, not retired, its exclusion expired, its old
 * launching process reaped. */
static int may_return(const struct ctl *c, const struct node *n, int64_t now)
{
    return c->cfg->exclude_for_ms > 0 && (n->state == NODE_LOST || n->state == NODE_EXCLUDED) && !n->retired &&
           n->agent_pid == 0 && now >= n->excluded_at + c->cfg->exclude_for_ms;
}

int64_t ctl_budget_deadline(struct ctl *c)
{
    int64_t d = -1;
    if (c->cfg->exclude_for_ms <= 0 || c->state == C_DONE)
        return -1;
    for (int i = 0; i < c->nnodes; i++) {
        const struct node *n = &c->nodes[i];
        if ((n->state == NODE_LOST || n->state == NODE_EXCLUDED) && !n->retired && n->agent_pid == 0) {
            int64_t at = n->excluded_at + c->cfg->exclude_for_ms;
            d = d < 0 || at < d ? at : d;
        }
    }
    return d;
}

void ctl_budget_timers(struct ctl *c)
{
    int64_t now = now_ms();
    if (c->state == C_DONE)
        return;
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (!may_return(c, n, now) || node_on(n, NE_READMIT) < 0)
            continue;
        if (n->conn.fd >= 0) {
            ctl_unwatch(c, n->conn.fd);
            msgconn_close(&n->conn);
        }
        n->group_rank = -1;
        n->stopped = n->ranks_ok = n->started = 0;
        n->need_health = n->need_pair = 1;
        n->health_id = 0;
        n->err_last[0] = '\0';
        linesplit_free(&n->err_split);
        linesplit_init(&n->err_split, 4096);
        log_info("node %s: its exclusion expired (--exclude-for): its agent is started again", n->name);
        journal_event(&c->j, "node_readmitted", json_pack("{s:s,s:i}", "node", n->name, "exclusions",
                                                             n->excluded_times));
        agents_start_one(c, i);
    }
}
