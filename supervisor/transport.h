/* transport: how the controller starts the agent of a node. `local` runs it
 * as a child process here; `slurm` runs it as a one-task job step on the
 * node (srun, one step per node, so that a node can be replaced without
 * touching the others); `ssh` runs it over ssh. In every case the launching
 * process (the agent, srun or ssh) is the controller's child, its end is the
 * end of that node's agent, and the secret travels on its stdin (one line):
 * never in an environment, on a command line or in a log. */
#ifndef ENDURE_TRANSPORT_H
#define ENDURE_TRANSPORT_H
#include <stdint.h>
#include <sys/types.h>
#include "common/buf.h"

enum transport_kind { TRANSPORT_LOCAL, TRANSPORT_SLURM, TRANSPORT_SSH };

struct transport {
    enum transport_kind kind;
    const char *agent_cmd;      /* endure on the nodes; NULL: this binary's absolute path */
    const char *ssh_opts;       /* extra ssh options, split like a shell would (no expansion) */
    const char *slurm_job;      /* SLURM_JOB_ID of the allocation (slurm) */
    const char *addr;           /* HOST:PORT the agents connect to */
    const char *secret;         /* the run's secret (65 bytes with its NUL) */
    int64_t join_ms;            /* how long an agent keeps trying to join */
};

/* What transport_start_agent started. */
struct agent_launch {
    pid_t pid;                  /* the launching process (agent, srun or ssh) */
    int err_fd;                 /* its stderr (read end, non-blocking, owned by
                                 * the caller); -1 for local agents, which share
                                 * the controller's stderr */
};

/* "local", "slurm", "ssh" -> the kind; -1 when unknown. */
int transport_kind_of(const char *name);
const char *transport_name(enum transport_kind k);

/* The argv that starts the agent of node (NULL-terminated, caller frees with
 * transport_argv_free). self is this binary's absolute path. 0, or -1 with
 * the reason in err (bad --ssh-opts). */
int transport_argv(const struct transport *t, const char *node, const char *self, char ***out, struct buf *err);
void transport_argv_free(char **argv);

/* The signal that ends a node's launching process at once when the node is
 * given up: KILL, but TERM for srun (it then cancels its step; KILLed, it
 * leaves the step in the queue for seconds). */
int transport_kill_signal(enum transport_kind k);

/* Starts the agent of node. 0, or -1 with the reason in err. */
int transport_start_agent(const struct transport *t, const char *node, struct agent_launch *out, struct buf *err);

#endif
