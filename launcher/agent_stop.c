/* agent_stop: reaping and stopping the ranks of an attempt. A stop sends the
 * stop signal to every rank's process group and to every descendant of the
 * agent (found through /proc: grandchildren that escaped into a session of
 * their own are included), waits up to the grace period, then KILLs them
 * all, and keeps KILLing descendants (at every reaped exit, which is when
 * an escaped process is reparented to the agent, and every SWEEP_MS) until
 * none is left. The stop is complete only when no child of the agent is
 * left; processes that survive KILL for the kill timeout are reported as
 * unkillable instead of hanging the agent. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "diagnose/diagnose.h"
#include "launcher/agent_int.h"
#include "launcher/spawn.h"

#define SWEEP_MS 100 /* KILL sweeps of the descendants after the grace */

static struct rank *rank_by_pid(struct agent *a, pid_t pid)
{
    for (int i = 0; a->ranks && i < a->nranks; i++)
        if (a->ranks[i].pid == pid)
            return &a->ranks[i];
    return NULL;
}

static void report_exit(struct agent *a, struct rank *r, int st)
{
    /* drain what the rank wrote before it died, so its last lines are
     * classified before the controller decides (a dead rank is not slowed) */
    a->no_shedding = 1;
    ranks_read(a, &r->out);
    ranks_read(a, &r->err);
    a->no_shedding = 0;
    agent_diag_finish(&r->out);
    agent_diag_finish(&r->err);
    if (a->progress_pending && a->state == A_RUNNING) { /* the controller hears of progress before the exit */
        agent_send_progress(a);
        a->progress_pending = 0;
    }
    struct msg m = {.type = MSG_EXIT};
    m.u.exit = (struct msg_exit){.attempt = a->attempt, .rank = r->global_rank, .local_rank = r->local_rank,
                                 .ts = wall_time(), .file = r->log_rel,
                                 .code = WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                                 .signal = WIFEXITED(st) ? -1 : WTERMSIG(st)};
    agent_exit_facts(a, r, st, &m.u.exit);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        agent_log_protect(a, r); /* the failed rank's last lines */
        char path[PATH_MAX];
        layout_rank_log(path, sizeof path, a->start.u.start.node_dir, r->global_rank);
        m.u.exit.tail = agent_log_tail(path, a->tail_lines > 0 ? a->tail_lines : AGENT_SHORT_TAIL);
    }
    agent_send_msg(a, &m);
    json_decref(m.u.exit.tail);
    json_decref(m.u.exit.oom);
}

/* Every process is gone: persist what was committed, then report. */
static void finish_stop(struct agent *a, json_t *unreaped)
{
    for (int i = 0; a->ranks && i < a->nranks; i++) {
        ranks_read(a, &a->ranks[i].out);
        ranks_read(a, &a->ranks[i].err);
    }
    json_decref(a->unreaped);
    a->unreaped = unreaped;
    agent_on(a, AE_REAPED);
    const struct msg_start *st = &a->start.u.start;
    int64_t persist_ms = st->has_ckpt ? st->ckpt.persist_timeout_ms : 0;
    agent_ckpt_begin_drain(a, now_ms() + persist_ms);
    if (agent_ckpt_drain_step(a))
        ranks_complete_stop(a);
}

/* Reports the stop to the controller and forgets the attempt. */
void ranks_complete_stop(struct agent *a)
{
    int64_t ms = now_ms() - a->stop_started;
    json_t *unreaped = a->unreaped ? a->unreaped : json_array();
    a->unreaped = NULL;
    struct msg m = {.type = MSG_STOPPED, .u.stopped = {.attempt = a->attempt, .ms = ms, .unreaped = unreaped}};
    if (a->attempt >= 0)
        agent_send_msg(a, &m);
    json_decref(unreaped);
    ranks_free(a);
    agent_on(a, AE_DRAINED);
    if (a->shutdown_after_stop)
        agent_on(a, AE_QUIT);
}

/* Reaps every exited child; reports rank exits; completes a stop when no
 * child is left. */
void ranks_reap(struct agent *a)
{
    int st, none_left = 0;
    for (;;) {
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0) {
            none_left = 1;
            break;
        }
        if (pid == 0)
            break;
        if (agent_health_reaped(a, pid, st))
            continue;
        struct rank *r = rank_by_pid(a, pid);
        if (r && r->alive) {
            r->alive = 0;
            a->nalive--;
            report_exit(a, r, st);
        }
    }
    if (a->state == A_KILL && !none_left) /* orphans reparented by these exits */
        spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
    if ((a->state == A_TERM || a->state == A_KILL) && a->nalive == 0 && none_left)
        finish_stop(a, json_array());
}

void ranks_signal(struct agent *a, int sig)
{
    for (int i = 0; a->ranks && i < a->nranks; i++)
        if (a->ranks[i].alive)
            spawn_signal_group(a->ranks[i].pid, sig);
}

/* sig to every rank's process group, then once to every other descendant
 * (those that left their rank's group or session, and orphans). */
static void signal_all(struct agent *a, int sig)
{
    pid_t groups[AGENT_MAX_RANKS];
    int n = 0;
    for (int i = 0; a->ranks && i < a->nranks; i++)
        if (a->ranks[i].alive) {
            spawn_signal_group(a->ranks[i].pid, sig);
            groups[n++] = a->ranks[i].pid;
        }
    spawn_signal_descendants(sig, NULL, 0, groups, n);
}

void ranks_begin_stop(struct agent *a, int sig)
{
    if (agent_on(a, AE_STOP) < 0) /* not running, or already stopping */
        return;
    a->stop_started = now_ms();
    a->stop_deadline = a->stop_started + (sig == SIGKILL ? 0 : a->stop_timeout_ms);
    signal_all(a, sig);
    ranks_reap(a);
}

/* Called every loop turn while stopping: escalates to KILL at the grace
 * deadline and gives up waiting at the kill deadline. */
void ranks_stop_tick(struct agent *a)
{
    if (a->state == A_DRAINING) {
        if (agent_ckpt_drain_step(a))
            ranks_complete_stop(a);
        return;
    }
    if (a->state != A_TERM && a->state != A_KILL)
        return;
    int64_t now = now_ms();
    if (a->state == A_TERM && now >= a->stop_deadline) {
        agent_on(a, AE_GRACE_OVER);
        a->kill_deadline = now + a->kill_timeout_ms;
        a->sweep_at = now + SWEEP_MS;
        signal_all(a, SIGKILL);
        ranks_reap(a);
        return;
    }
    if (a->state == A_KILL && now >= a->sweep_at && now < a->kill_deadline) {
        a->sweep_at = now + SWEEP_MS;
        spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
    }
    if (a->state == A_KILL && now >= a->kill_deadline) {
        json_t *left = json_array();
        pid_t kids[1024];
        int n = spawn_list_children(kids, 1024);
        for (int i = 0; i < n; i++)
            json_array_append_new(left, json_integer(kids[i]));
        log_error("attempt %d: %d process(es) survived SIGKILL for %lld ms (unkillable, e.g. stuck in the "
                  "kernel); going on without them", a->attempt, n, (long long)a->kill_timeout_ms);
        for (int i = 0; a->ranks && i < a->nranks; i++)
            a->ranks[i].alive = 0;
        a->nalive = 0;
        finish_stop(a, left);
    }
}


/* Heartbeat files and progress reports, every monitor interval. */
void ranks_monitor(struct agent *a)
{
    for (int i = 0; a->ranks && i < a->nranks; i++) {
        struct rank *r = &a->ranks[i];
        struct stat st;
        if (stat(r->hb_path, &st) == 0 &&
            (st.st_mtim.tv_sec != r->hb_mtime.tv_sec || st.st_mtim.tv_nsec != r->hb_mtime.tv_nsec)) {
            r->hb_mtime = st.st_mtim;
            a->progress_pending = 1;
        }
    }
    if (a->progress_pending && a->state == A_RUNNING) {
        agent_send_progress(a);
        a->progress_pending = 0;
    }
    uint64_t own = log_dropped(); /* the agent's own messages, lost on the same console */
    if (a->console.dropped > a->console.reported || own > a->log_reported) {
        struct msg m = {.type = MSG_DROPPED,
                        .u.count = {.attempt = a->attempt, .n = (int64_t)(a->console.dropped - a->console.reported),
                                    .messages = (int64_t)(own - a->log_reported)}};
        agent_send_msg(a, &m);
        a->console.reported = a->console.dropped;
        a->log_reported = own;
    }
}

void ranks_free(struct agent *a)
{
    agent_oom_free(a);
    /* lines on which a pattern stopped at the PCRE2 limits (no match) */
    unsigned long limit_hits = progress_limit_hits(a->progress);
    agent_logs_attempt_end(a);
    for (int i = 0; a->ranks && i < a->nranks; i++) {
        struct rank *r = &a->ranks[i];
        struct stream *ss[2] = {&r->out, &r->err};
        for (int k = 0; k < 2; k++) {
            if (ss[k]->fd >= 0)
                close(ss[k]->fd);
            linesplit_free(&ss[k]->split);
            buf_free(&ss[k]->clean);
            if (ss[k]->cls) {
                struct classifier_stats st;
                classifier_stats(ss[k]->cls, &st);
                limit_hits += st.limit_hits;
            }
            classifier_free(ss[k]->cls);
        }
        /* not fsynced (as with torchrun): a sync of a flooded log would
         * delay the stop, and so the restart, by the disk's write time */
        if (r->log_fd >= 0)
            close(r->log_fd);
    }
    free(a->ranks);
    a->ranks = NULL;
    a->nranks = a->nalive = 0;
    progress_free(a->progress);
    a->progress = NULL;
    if (a->unclassified) {
        agent_send_count(a, MSG_UNCLASSIFIED, a->unclassified);
        a->unclassified = 0;
    }
    if (limit_hits)
        agent_send_count(a, MSG_LIMIT_HITS, (int64_t)limit_hits);
    if (a->events_dropped) {
        agent_send_count(a, MSG_EVENTS_DROPPED, a->events_dropped);
        a->events_dropped = 0;
    }
    msg_free(&a->start);
    memset(&a->start, 0, sizeof a->start);
    a->attempt = -1;
}
