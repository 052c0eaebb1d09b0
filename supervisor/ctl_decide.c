/* ctl_decide: failures, stops and decisions of an attempt: the first
 * failure starts a stop of every rank on every node; when every node has
 * reported its stop, the policy decides between a restart after a back-off
 * and an exit code. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

static const char *kind_name(enum fail_kind k)
{
    static const char *names[] = {"none", "rank_exit", "node_lost", "hang", "signal", "spawn_error", "loss_spike"};
    return names[k];
}

static void send_stop(struct ctl *c, int sig, int64_t grace_ms)
{
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->group_rank >= 0 && n->state == NODE_READY && !n->stopped)
            agents_send_stop(c, n, sig, grace_ms);
    }
}

/* Enters C_STOPPING through ev (failure, success or the end of a save). */
static void begin_stop(struct ctl *c, enum ctl_event ev, int sig, const char *reason)
{
    if (ctl_on(c, ev) < 0)
        return;
    c->stop_started = now_ms();
    c->stop_deadline = now_ms() + c->cfg->stop_timeout_ms + c->cfg->kill_timeout_ms + 5000;
    journal_event(&c->j, "stop_begin", json_pack("{s:i,s:s,s:i}", "attempt", c->attempt, "reason", reason,
                                                    "signal", sig));
    send_stop(c, sig, c->cfg->stop_timeout_ms);
    attempt_on_stopped(c, NULL);
}

static void record_failure(struct ctl *c, const struct failure *f)
{
    c->fail = *f;
    c->fail.at = (double)(now_ms() - c->attempt_start) / 1000.0;
    json_t *ev = json_pack("{s:i,s:s,s:s,s:s}", "attempt", c->attempt, "kind", kind_name(f->kind), "node",
                           f->node, "what", f->what);
    if (f->rank >= 0)
        json_object_set_new(ev, "rank", json_integer(f->rank));
    journal_event(&c->j, "failure", ev);
    log_error("attempt %d: %s", c->attempt, f->what);
}

void attempt_fail(struct ctl *c, const struct failure *f)
{
    if (c->state != C_RUNNING)
        return;
    record_failure(c, f);
    begin_stop(c, CE_FAILURE, f->kind == F_SIGNAL ? f->sig : SIGTERM, kind_name(f->kind));
}

/* --save-signal: ask the ranks to commit a last checkpoint, stop after
 * --save-grace or once every rank has exited. */
static void save_first(struct ctl *c, const struct failure *f)
{
    if (ctl_on(c, CE_SAVE) < 0)
        return;
    record_failure(c, f);
    c->save_sig = f->sig;
    c->save_until = now_ms() + c->cfg->save_grace_ms;
    journal_event(&c->j, "save_requested", json_pack("{s:i,s:i,s:I}", "attempt", c->attempt, "signal",
                                                        c->cfg->save_signal, "grace_ms",
                                                        (json_int_t)c->cfg->save_grace_ms));
    struct msg m = {.type = MSG_SIGNAL, .u.signal = {.signal = c->cfg->save_signal}};
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->group_rank >= 0 && n->state == NODE_READY)
            agents_send_msg(c, n, &m);
    }
}

/* A hang with --hang-dump-timeout: SIGABRT to every rank first, so that
 * CPython's faulthandler (PYTHONFAULTHANDLER=1, set for the ranks) prints
 * every thread's stack into the rank logs; the stop follows once every rank
 * has exited or the timeout ran out. The stacks come back in the exit
 * messages' tails (ctl_diag.c names the odd rank out). */
static void dump_first(struct ctl *c, const struct failure *f)
{
    if (c->cfg->hang_dump_timeout_ms <= 0 || ctl_on(c, CE_HANG_DUMP) < 0)
        return attempt_fail(c, f);
    record_failure(c, f);
    c->dump_attempt = c->attempt;
    c->dump_until = now_ms() + c->cfg->hang_dump_timeout_ms;
    c->exited = 0; /* ranks that finished before the hang are out already */
    for (int i = 0; i < c->nnodes; i++)
        c->exited += c->nodes[i].group_rank >= 0 ? c->nodes[i].ranks_ok : 0;
    log_info("attempt %d: asking every rank for its stacks (SIGABRT) before the stop", c->attempt);
    journal_event(&c->j, "hang_dump", json_pack("{s:i,s:i,s:I}", "attempt", c->attempt, "signal", SIGABRT,
                                                   "timeout_ms", (json_int_t)c->cfg->hang_dump_timeout_ms));
    struct msg m = {.type = MSG_SIGNAL, .u.signal = {.signal = SIGABRT}};
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->group_rank >= 0 && n->state == NODE_READY)
            agents_send_msg(c, n, &m);
    }
}

void attempt_on_exit(struct ctl *c, struct node *n, const struct msg_exit *m)
{
    int rank = m->rank, exited = m->code >= 0;
    json_t *ev = json_pack("{s:i,s:s,s:i}", "attempt", c->attempt, "node", n->name, "rank", rank);
    json_object_set_new(ev, exited ? "code" : "signal", json_integer(exited ? m->code : m->signal));
    journal_event(&c->j, "rank_exit", ev);
    if (c->state == C_SAVING) { /* --save-signal: stop as soon as every rank is out */
        if (++c->exited == c->nactive * c->cfg->nproc)
            begin_stop(c, CE_SAVE_OVER, c->save_sig, "signal");
        return;
    }
    if (c->state == C_DUMPING) { /* the tails hold the stacks */
        ctl_diag_note_tail(c, n, m);
        if (++c->exited == c->nactive * c->cfg->nproc)
            begin_stop(c, CE_DUMP_OVER, SIGTERM, "hang");
        return;
    }
    if (c->state == C_STOPPING) /* ranks that failed too: their tails are evidence */
        ctl_diag_note_tail(c, n, m);
    if (c->state != C_RUNNING)
        return;
    if (exited && m->code == 0) {
        n->ranks_ok++;
        int done = 0;
        for (int i = 0; i < c->nnodes; i++)
            done += c->nodes[i].group_rank >= 0 ? c->nodes[i].ranks_ok : 0;
        if (done == c->nactive * c->cfg->nproc)
            begin_stop(c, CE_SUCCESS, SIGTERM, "success"); /* reaps any leftover grandchildren */
        return;
    }
    ctl_diag_note_exit(c, n, m);
    struct failure f = {.kind = F_RANK, .rank = rank, .code = -1, .sig = -1};
    snprintf(f.node, sizeof f.node, "%s", n->name);
    if (exited) {
        f.code = m->code;
        snprintf(f.what, sizeof f.what, "rank %d on %s exited with code %d", rank, n->name, f.code);
    } else {
        f.sig = m->signal;
        snprintf(f.what, sizeof f.what, "rank %d on %s was killed by signal %d (%s)", rank, n->name, f.sig,
                 strsignal(f.sig));
    }
    attempt_fail(c, &f);
}

static int nodes_needed(const struct ctl *c)
{
    return c->cfg->node_rank >= 0 ? 1 : c->cfg->nnodes_min;
}

void ctl_next_step(struct ctl *c, char *out, size_t len)
{
    int healthy = ctl_healthy_nodes(c), need = nodes_needed(c);
    if (healthy < need)
        snprintf(out, len, "Not enough healthy nodes are left (%d, at least %d needed): the run ends with exit "
                 "code %d.", healthy, need, EXIT_NO_NODES);
    else if (ctl_budget_used(c, now_ms()) >= c->cfg->max_restarts)
        snprintf(out, len, "The restart budget is spent (%d of %d%s): the run ends.", ctl_budget_used(c, now_ms()),
                 c->cfg->max_restarts, c->cfg->restart_window_ms > 0 ? " in the --restart-window" : "");
    else if (healthy >= c->nactive)
        snprintf(out, len, "A spare node takes its place and the job restarts.");
    else
        snprintf(out, len, "No spare node is left: the job restarts on the %d healthy node(s) left.", healthy);
}

static void decide(struct ctl *c)
{
    int64_t now = now_ms(), ran = now - c->attempt_start;
    if (c->nhist) {
        c->hist[c->nhist - 1].ended_ms = now;
        c->hist[c->nhist - 1].f = c->fail;
    }
    journal_event(&c->j, "attempt_end", json_pack("{s:i,s:b,s:I}", "attempt", c->attempt, "ok",
                                                     c->fail.kind == F_NONE, "ms", (json_int_t)ran));
    journal_sync(&c->j);
    if (c->fail.kind == F_NONE)
        return ctl_finish(c, EXIT_OK, "every rank finished successfully");
    int sig = c->interrupt_sig ? c->interrupt_sig : c->fail.kind == F_SIGNAL ? c->fail.sig : 0;
    if (sig) {
        char why[64];
        snprintf(why, sizeof why, "stopped by signal %d (%s)", sig, strsignal(sig));
        return ctl_finish(c, EXIT_SIGNAL_BASE + sig, why);
    }
    if (c->fail.not_retryable)
        return ctl_finish(c, EXIT_NOT_RETRYABLE, c->fail.what);
    c->fail.llm_waited = 0;
    ctl_diag_pick(c);
    if (ctl_llm_begin(c)) /* C_LLM_WAIT: attempt_decide follows the answer or --llm-wait */
        return;
    ctl_on(c, CE_DIAGNOSED);
    attempt_decide(c);
}

void attempt_decide(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    int64_t now = now_ms(), ran = c->nhist ? c->hist[c->nhist - 1].ended_ms - c->attempt_start
                                           : now - c->attempt_start;
    struct node *culprit = NULL;
    char why[700];
    const char *act = ctl_diag_decide(c, &culprit, why, sizeof why);
    if (c->nhist)
        c->hist[c->nhist - 1].f = c->fail; /* with its verdict */
    if (c->interrupt_sig) { /* a signal during the wait for the LLM */
        char sigwhy[64];
        snprintf(sigwhy, sizeof sigwhy, "stopped by signal %d (%s)", c->interrupt_sig, strsignal(c->interrupt_sig));
        return ctl_finish(c, EXIT_SIGNAL_BASE + c->interrupt_sig, sigwhy);
    }
    if (!strcmp(act, "stop"))
        return ctl_finish(c, EXIT_NOT_RETRYABLE, why);
    if (culprit) {
        snprintf(why, sizeof why, "diagnosed %s", c->fail.verdict);
        node_exclude(c, culprit, why);
        ctl_drain(c, culprit); /* --slurm-drain, infrastructure verdicts only */
    }
    int need = nodes_needed(c);
    if (ctl_healthy_nodes(c) < need) {
        char why[160];
        snprintf(why, sizeof why, "not enough healthy nodes: %d left, at least %d needed", ctl_healthy_nodes(c),
                 need);
        return ctl_finish(c, EXIT_NO_NODES, why);
    }
    int used = ctl_budget_used(c, now);
    if (used >= cfg->max_restarts) {
        char why[700];
        snprintf(why, sizeof why, "restart budget spent (%d of %d%s): %s", used, cfg->max_restarts,
                 cfg->restart_window_ms > 0 ? " in the --restart-window" : "", c->fail.what);
        return ctl_finish(c, EXIT_FAILED, why);
    }
    if (ran >= cfg->healthy_after_ms)
        c->backoff_level = 0;
    int64_t delay = cfg->backoff_ms;
    for (int i = 0; i < c->backoff_level && delay < cfg->backoff_max_ms; i++)
        delay *= 2;
    if (delay > cfg->backoff_max_ms)
        delay = cfg->backoff_max_ms;
    c->backoff_level++;
    c->restarts++;
    ctl_budget_note(c, now);
    json_t *rev = json_pack("{s:i,s:I,s:i,s:i}", "next_attempt", c->attempt + 1, "backoff_ms", (json_int_t)delay,
                            "restart_count", c->restarts, "backoff_level", c->backoff_level);
    json_t *bj = ctl_budget_json(c); /* budget_left, budget_used, window_ms */
    json_object_update(rev, bj);
    json_decref(bj);
    journal_event(&c->j, "restart", rev);
    char budget[160];
    ctl_budget_describe(c, budget, sizeof budget);
    log_info("restarting in %lld ms (restart %d; restart budget: %s)", (long long)delay, c->restarts, budget);
    ctl_on(c, CE_RESTART);
    ctl_health_after_attempt(c);
    c->backoff_until = now + delay;
    attempt_maybe_start(c);
}

/* A node finished its stop (n), or a check after the stop began (n NULL). */
void attempt_on_stopped(struct ctl *c, struct node *n)
{
    if (n)
        n->stopped = 1;
    if (c->state != C_STOPPING)
        return;
    for (int i = 0; i < c->nnodes; i++) {
        struct node *m = &c->nodes[i];
        if (m->group_rank >= 0 && m->state == NODE_READY && !m->stopped)
            return;
    }
    journal_event(&c->j, "stop_end", json_pack("{s:i,s:I}", "attempt", c->attempt, "ms",
                                                  (json_int_t)(now_ms() - c->stop_started)));
    ctl_on(c, CE_ALL_STOPPED);
    decide(c);
}

struct node *attempt_unstarted(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->group_rank >= 0 && n->state == NODE_READY && !n->started)
            return n;
    }
    return NULL;
}

void attempt_timers(struct ctl *c)
{
    int64_t now = now_ms();
    if (c->state == C_SAVING) {
        if (now >= c->save_until)
            begin_stop(c, CE_SAVE_OVER, c->save_sig, "signal");
    } else if (c->state == C_DUMPING) {
        if (now >= c->dump_until)
            begin_stop(c, CE_DUMP_OVER, SIGTERM, "hang");
    } else if (c->state == C_RUNNING && !c->all_started) {
        if (now >= c->start_deadline) /* (losing an active node ends C_RUNNING) */
            node_lost(c, attempt_unstarted(c), "its agent did not start the ranks within --startup-timeout and --agent-timeout");
    } else if (c->state == C_RUNNING) {
        int64_t limit = c->progressed ? c->cfg->hang_timeout_ms : c->cfg->startup_timeout_ms;
        if (now - c->last_progress >= limit) {
            struct failure f = {.kind = F_HANG, .rank = -1, .code = -1, .sig = -1};
            snprintf(f.what, sizeof f.what, "hang: no progress for %lld ms (%s)", (long long)(now - c->last_progress),
                     c->progressed ? "--hang-timeout" : "--startup-timeout, before any progress");
            journal_event(&c->j, "hang", json_pack("{s:i,s:I}", "attempt", c->attempt, "idle_ms",
                                                      (json_int_t)(now - c->last_progress)));
            dump_first(c, &f);
        }
    } else if (c->state == C_STOPPING && now >= c->stop_deadline) {
        for (int i = 0; i < c->nnodes; i++) {
            struct node *n = &c->nodes[i];
            if (n->group_rank >= 0 && n->state == NODE_READY && !n->stopped)
                node_lost(c, n, "it did not finish the stop in time");
        }
    } else if (c->state == C_LLM_WAIT) {
        ctl_llm_timers(c);
    } else if (c->state == C_BACKOFF && now >= c->backoff_until) {
        attempt_maybe_start(c);
    } else if (c->state == C_RESTORING && !c->port_ready && now >= c->port_deadline) {
        node_lost(c, &c->nodes[c->port_node], "it did not answer the port request in time");
    }
}

int64_t attempt_deadline(struct ctl *c)
{
    if (c->state == C_SAVING)
        return c->save_until;
    if (c->state == C_DUMPING)
        return c->dump_until;
    if (c->state == C_RUNNING && !c->all_started)
        return c->start_deadline;
    if (c->state == C_RUNNING)
        return c->last_progress + (c->progressed ? c->cfg->hang_timeout_ms : c->cfg->startup_timeout_ms);
    if (c->state == C_STOPPING)
        return c->stop_deadline;
    if (c->state == C_BACKOFF)
        return c->backoff_until;
    if (c->state == C_LLM_WAIT)
        return ctl_llm_deadline(c);
    if (c->state == C_WAIT_AGENTS)
        return c->wait_deadline;
    if (c->state == C_RESTORING && !c->port_ready)
        return c->port_deadline;
    return -1;
}

void attempt_on_signal(struct ctl *c, int sig)
{
    journal_event(&c->j, "signal", json_pack("{s:i,s:s}", "signal", sig, "name", strsignal(sig)));
    if (c->state == C_SAVING)
        return begin_stop(c, CE_SAVE_OVER, c->save_sig, "signal"); /* a second signal: no more waiting */
    if (c->state == C_DUMPING) { /* no more waiting for stacks; the run ends with the signal */
        c->interrupt_sig = sig;
        return begin_stop(c, CE_DUMP_OVER, SIGTERM, "hang");
    }
    if (c->state == C_LLM_WAIT) { /* the verdict of the failed attempt is kept, then the run ends */
        c->interrupt_sig = sig;
        return ctl_llm_interrupt(c);
    }
    if (c->state == C_RUNNING) {
        struct failure f = {.kind = F_SIGNAL, .rank = -1, .code = -1, .sig = sig};
        snprintf(f.what, sizeof f.what, "received signal %d (%s); forwarded to every rank", sig, strsignal(sig));
        if (c->cfg->save_signal && c->cfg->ckpt_dir)
            return save_first(c, &f);
        return attempt_fail(c, &f);
    }
    if (c->state == C_STOPPING) {
        if ((c->fail.kind == F_SIGNAL || c->interrupt_sig) && sig == SIGINT) {
            log_warn("second SIGINT: killing every rank now");
            send_stop(c, SIGKILL, 0);
        }
        if (c->fail.kind != F_SIGNAL && !c->interrupt_sig)
            c->interrupt_sig = sig; /* the failure stays what it was; the run ends with the signal */
        return;
    }
    char why[64];
    snprintf(why, sizeof why, "stopped by signal %d (%s)", sig, strsignal(sig));
    ctl_finish(c, EXIT_SIGNAL_BASE + sig, why);
}
