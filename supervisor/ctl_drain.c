/* ctl_drain: --slurm-drain. When endure excludes a node for an
 * infrastructure verdict (a GPU, link or node fault, or a lost node), it
 * asks Slurm to drain it so that no later job lands there either:
 * `scontrol update nodename=<n> state=drain reason="endure: <type> <run-id>"`.
 * scontrol runs as a child of the controller (no shell: the reason is one
 * argv word); its end is reaped by agents_reap and journaled; a failure is
 * reported and the run goes on. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "common/log.h"
#include "common/util.h"
#include "launcher/spawn.h"
#include "supervisor/ctl_int.h"

extern char **environ;

/* The type of an infrastructure verdict ("infrastructure/ecc_error (rule
 * x)" -> "ecc_error"), or 0 when the verdict is not one. */
static int infra_type(const char *verdict, char *type, size_t len)
{
    static const char pre[] = "infrastructure/";
    if (strncmp(verdict, pre, sizeof pre - 1))
        return 0;
    const char *t = verdict + sizeof pre - 1;
    snprintf(type, len, "%.*s", (int)strcspn(t, " "), t);
    return 1;
}

void ctl_drain(struct ctl *c, struct node *n)
{
    char type[128];
    if (infra_type(c->fail.verdict, type, sizeof type))
        ctl_drain_type(c, n, type);
}

void ctl_drain_type(struct ctl *c, struct node *n, const char *type)
{
    char nodearg[300], reason[400];
    if (!c->cfg->slurm_drain)
        return;
    for (int i = 0; i < c->ndrain; i++)
        if (c->drain[i].node == n)
            return; /* once per node */
    if (c->ndrain == MAX_DRAINS)
        return;
    snprintf(nodearg, sizeof nodearg, "nodename=%s", n->name);
    snprintf(reason, sizeof reason, "reason=endure: %s %s", type, c->cfg->run_id);
    char *argv[] = {"scontrol", "update", nodearg, "state=drain", reason, NULL};
    struct spawn_opts o = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .umask = -1, .search_path = 1};
    struct buf err;
    buf_init(&err, 512);
    pid_t pid = spawn_exec(argv, environ, &o, &err);
    if (pid < 0) {
        log_error("cannot drain node %s: %s; the run goes on", n->name, err.p ? err.p : "cannot start scontrol");
        journal_event(&c->j, "drain_failed", json_pack("{s:s,s:s}", "node", n->name, "error",
                                                          err.p ? err.p : "cannot start scontrol"));
    } else {
        c->drain[c->ndrain++] = (struct drain){.node = n, .pid = pid};
        journal_event(&c->j, "drain_requested", json_pack("{s:s,s:s}", "node", n->name, "reason", reason + 7));
    }
    buf_free(&err);
}

int ctl_drain_reaped(struct ctl *c, pid_t pid, int st)
{
    for (int i = 0; i < c->ndrain; i++) {
        struct drain *d = &c->drain[i];
        if (d->pid != pid)
            continue;
        d->pid = 0;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            log_info("node %s drained in Slurm (--slurm-drain)", d->node->name);
            journal_event(&c->j, "node_drained", json_pack("{s:s}", "node", d->node->name));
        } else {
            log_error("scontrol could not drain node %s (%s %d); the run goes on", d->node->name,
                      WIFEXITED(st) ? "exit code" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            journal_event(&c->j, "drain_failed", json_pack("{s:s,s:i}", "node", d->node->name, "status", st));
        }
        return 1;
    }
    return 0;
}
