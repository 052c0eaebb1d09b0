/* transport: how the controller starts an agent on a node. Only `local`
 * exists (a child process on this machine); ssh and Slurm would differ only
 * in the command line. The secret travels on the agent's stdin (one line),
 * never in its environment or on its command line. */
#ifndef ENDURE_TRANSPORT_H
#define ENDURE_TRANSPORT_H
#include <stdint.h>
#include <sys/types.h>

/* Starts `endure agent --connect addr --node node --join-timeout
 * join_ms` (how long it keeps retrying to join) with secret on its
 * stdin, in its own process group (terminal signals reach only the
 * controller) and with PR_SET_PDEATHSIG(SIGTERM). Returns the pid or -1. */
pid_t transport_start_agent(const char *transport, const char *node, const char *addr, const char *secret,
                            int64_t join_ms);

#endif
