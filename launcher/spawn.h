/* spawn: starting rank processes and signalling what they leave behind.
 * Each rank runs in its own session and process group, with stdout and
 * stderr on pipes, stdin on /dev/null, the user's umask and
 * PR_SET_PDEATHSIG(SIGKILL) so that no rank outlives its agent. The agent
 * (and the controller) are child subreapers, so grandchildren that lose
 * their parent are reparented to them and reaped there; processes that
 * leave the rank's session are still found through their parent links in
 * /proc (spawn_signal_descendants, used by the agent's stop and by the
 * controller for what a dead agent left). */
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
/* Sends sig to the process group pgid. */
void spawn_signal_group(pid_t pgid, int sig);
/* Sends sig to every living descendant of this process, found through the
 * parent links in /proc: children, grandchildren that escaped into their own
 * session or process group, and orphans reparented to this subreaper. The
 * subtrees under the children in keep[0..nkeep) are spared, and so are the
 * members of the process groups in groups_done[0..ngroups) (already sent
 * sig as a group: a second TERM could reach a handler twice). Returns how
 * many processes were signalled (zombies are not counted). */
int spawn_signal_descendants(int sig, const pid_t *keep, int nkeep, const pid_t *groups_done, int ngroups);

#endif
