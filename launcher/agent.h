/* agent: the per-node launcher (`endure agent`). It connects to the
 * controller, proves it knows the run's secret, and then, per attempt,
 * spawns the node's ranks, captures their output (log files, console,
 * progress), reaps them and stops them on command. It stops its ranks and
 * exits when the controller goes away. */
#ifndef ENDURE_AGENT_H
#define ENDURE_AGENT_H
#include <stdint.h>

struct agent_opts {
    const char *connect;   /* controller "host:port" */
    const char *node;      /* this node's name */
    const char *secret;    /* the run's secret (from stdin) */
    int64_t timeout_ms;    /* keep trying to join this long (<= 0: 10 s) */
};

/* Runs the agent until the controller says shutdown or is lost.
 * Returns 0 after a clean shutdown, -1 otherwise. */
int agent_main(const struct agent_opts *o);

/* `endure agent`: reads the secret from stdin, parses argv (argv[0] is
 * "agent") and runs agent_main; returns the exit code (cmd_agent.c). */
int cmd_agent(int argc, char **argv);

#endif
