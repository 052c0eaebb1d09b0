/* spawn: starting rank processes and signalling what they leave behind;
 * spawn_exec is endure's one fork+exec recipe, also used by the controller
 * to start local agents (supervisor/transport.c).
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

/* How spawn_exec starts a child; the child is prepared in this order. */
struct spawn_opts {
    int reset_signals;  /* every disposition back to SIG_DFL (the mask is always emptied) */
    int new_session;    /* 1: setsid (ranks); 0: its own process group (setpgid) */
    int pdeath_sig;     /* PR_SET_PDEATHSIG, 0: none */
    int stdin_fd;       /* becomes fd 0; -1: /dev/null */
    int stdout_fd, stderr_fd; /* become fds 1 and 2; -1: inherited */
    const char *cwd;    /* NULL: unchanged */
    int umask;          /* -1: inherited */
    int search_path;    /* argv[0] searched in PATH (execvpe), else execve */
};
/* fork+exec of argv[0] with envp as o says, with only async-signal-safe
 * calls in the child. Returns the child's pid once it has exec'd, or -1
 * with the reason in err ("cannot exec 'x': ...": a failure in the child is
 * reported through a close-on-exec pipe, not as an exit code). Fds of the
 * caller without FD_CLOEXEC are inherited. */
pid_t spawn_exec(char *const argv[], char *const envp[], const struct spawn_opts *o, struct buf *err);
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
