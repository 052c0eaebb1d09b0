/* ctl_launch: the agents' launching processes (the agent itself, srun or
 * ssh, started through supervisor/transport.c): starting them, reading
 * their stderr (passed on line by line; the last line kept, it names what
 * went wrong), reaping them (the end of a node's launching process is the
 * loss of the node, with the reason built from its status and that line),
 * and KILLing what a dead agent left behind. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"
#include "launcher/spawn.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_oncall.h"
#include "supervisor/transport.h"

int agents_start_one(struct ctl *c, int i)
{
    struct node *n = &c->nodes[i];
    struct agent_launch l;
    struct buf err;
    buf_init(&err, 1024);
    /* each launch has its own --agent-timeout: a node readmitted late in
     * the run gets the same time to connect as at the start */
    n->connect_deadline = now_ms() + c->cfg->agent_timeout_ms;
    int rc = transport_start_agent(&c->tr, n->name, &l, &err);
    if (rc < 0) {
        n->agent_pid = 0;
        char why[1200];
        snprintf(why, sizeof why, "the %s transport could not start its agent: %s", transport_name(c->tr.kind),
                 err.p ? err.p : "out of memory");
        node_lost(c, n, why);
    } else {
        n->agent_pid = l.pid;
        if (n->err_fd >= 0) { /* a readmitted node's old pipe */
            ctl_unwatch(c, n->err_fd);
            close(n->err_fd);
        }
        n->err_fd = l.err_fd;
        ctl_watch(c, n->err_fd, (uint64_t)i * 2 + 1, 0);
        journal_event(&c->j, "agent_launched", json_pack("{s:s,s:s,s:i}", "node", n->name, "transport",
                                                            transport_name(c->tr.kind), "pid", (int)l.pid));
    }
    buf_free(&err);
    return rc;
}

int agents_start(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].state == NODE_STARTING) /* a resumed run's excluded nodes stay out */
            agents_start_one(c, i);
    c->wait_deadline = now_ms() + c->cfg->agent_timeout_ms;
    return 0;
}

static void on_err_line(void *ctx, const char *line, size_t len, unsigned flags)
{
    struct node *n = ctx;
    (void)flags;
    if (!len)
        return;
    log_text("%.*s\n", (int)len, line); /* srun's and ssh's messages, and the remote agent's */
    snprintf(n->err_last, sizeof n->err_last, "%.*s", (int)len, line);
}

void agents_err_io(struct ctl *c, struct node *n)
{
    char chunk[16384];
    for (int i = 0; i < 16 && n->err_fd >= 0; i++) { /* bounded per turn: other nodes get their go */
        ssize_t r = read(n->err_fd, chunk, sizeof chunk);
        if (r > 0) {
            linesplit_feed(&n->err_split, chunk, (size_t)r, on_err_line, n);
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        linesplit_finish(&n->err_split, on_err_line, n);
        ctl_unwatch(c, n->err_fd);
        close(n->err_fd);
        n->err_fd = -1;
    }
}

/* Why the launching process of n ended, with the last line it printed
 * (ssh's and srun's own messages name what went wrong). */
static void launch_end_reason(struct ctl *c, struct node *n, int st, char *why, size_t len)
{
    const char *what = c->tr.kind == TRANSPORT_SLURM ? "its srun step" : c->tr.kind == TRANSPORT_SSH ? "its ssh"
                                                                                                     : "its agent";
    char hint[200] = "";
    if (WIFEXITED(st) && WEXITSTATUS(st) == 255 && c->tr.kind == TRANSPORT_SSH)
        snprintf(hint, sizeof hint, "; ssh could not run the agent there (unreachable, key or host key refused)");
    else if (WIFEXITED(st) && (WEXITSTATUS(st) == 127 || WEXITSTATUS(st) == 126) && c->tr.kind != TRANSPORT_LOCAL)
        snprintf(hint, sizeof hint, "; endure is missing or not executable at %s there (install it on every node "
                 "or give --agent-cmd)", c->tr.agent_cmd ? c->tr.agent_cmd : "the controller's path");
    char how[64];
    if (WIFEXITED(st))
        snprintf(how, sizeof how, "exited with code %d", WEXITSTATUS(st));
    else
        snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(st));
    snprintf(why, len, "%s %s%s%s%s%s", what, how, hint, n->err_last[0] ? " (last message: \"" : "", n->err_last,
             n->err_last[0] ? "\")" : "");
}

void agents_reap(struct ctl *c)
{
    int st, reaped = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped = 1;
        if (ctl_drain_reaped(c, pid, st) || ctl_oncall_reaped(c, pid, st))
            continue;
        for (int i = 0; i < c->nnodes; i++) {
            struct node *n = &c->nodes[i];
            if (n->agent_pid != pid)
                continue;
            n->agent_pid = 0;
            agents_err_io(c, n); /* what it printed last, before it ended */
            char why[1024];
            launch_end_reason(c, n, st, why, sizeof why);
            if (c->state != C_DONE)
                node_lost(c, n, why);
        }
    }
    if (reaped)
        agents_kill_strays(c);
}

/* Processes a dead agent left behind (escaped from its ranks' sessions,
 * now reparented to the controller, a subreaper) are KILLed: only the live
 * agents' (and a running scontrol's or --notify-cmd's) subtrees are spared, so nothing outlives its agent into the next
 * attempt. */
void agents_kill_strays(struct ctl *c)
{
    static pid_t live[MAX_NODES + MAX_DRAINS + 1];
    int n = 0;
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].agent_pid > 0)
            live[n++] = c->nodes[i].agent_pid;
    for (int i = 0; i < c->ndrain; i++) /* scontrol of --slurm-drain */
        if (c->drain[i].pid > 0)
            live[n++] = c->drain[i].pid;
    if ((live[n] = ctl_oncall_child_hold(c)) > 0) /* --notify-cmd, none started until released */
        n++;
    spawn_signal_descendants(SIGKILL, live, n, NULL, 0);
    ctl_oncall_child_release(c);
}
