/* spawn: starting and stopping rank processes.
 * Each rank runs in its own session and process group, with stdout and
 * stderr on pipes, and PR_SET_PDEATHSIG(SIGKILL) so that no rank outlives its
 * agent. The agent itself is a child subreaper, so grandchildren that lose
 * their parent are reparented to it and reaped there. */
#ifndef ENDURE_SPAWN_H
#define ENDURE_SPAWN_H
#include <stddef.h>
#include <sys/types.h>
#include "common/buf.h"

struct spawned {
    pid_t pid;      /* also the process group and session id */
    int out_fd;     /* read end of the rank's stdout, non-blocking, owned */
    int err_fd;     /* read end of the rank's stderr, non-blocking, owned */
};

/* Starts argv[0] (searched in PATH) with envp in cwd (NULL: unchanged).
 * Returns 0, or -1 with the reason in err (an exec failure is reported
 * here, through a close-on-exec pipe, not as an exit code). */
int spawn_rank(struct spawned *s, char *const argv[], char *const envp[], const char *cwd, struct buf *err);
/* The umask the ranks started from now on get (-1: the agent's own). endure
 * runs with umask 077 so that its logs and checkpoints are the user's only;
 * the ranks keep the user's umask. */
void spawn_set_umask(int mask);
/* Makes the calling process a child subreaper. */
int spawn_become_subreaper(void);
/* Fills pids with the current children of this process (from
 * /proc/self/task/<pid>/children); returns how many, at most max. */
int spawn_list_children(pid_t *pids, int max);
/* Sends sig to the process group pgid and, when also_children, to every
 * current child of this process and its process group. */
void spawn_signal_group(pid_t pgid, int sig);
void spawn_signal_children(int sig);

#endif
