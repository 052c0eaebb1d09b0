/* ctl_oncall: the controller's hooks for the on-call tools (ctl_oncall.c):
 * the journal fold, progress events, --metrics-file, --metrics-addr and
 * the notifications (--notify, --notify-cmd). */
#ifndef ENDURE_CTL_ONCALL_H
#define ENDURE_CTL_ONCALL_H
#include <stdint.h>
#include <sys/types.h>

struct ctl;
/* After the journal is open: folds every event from now on. 0 or -1. */
int ctl_oncall_open(struct ctl *c);
/* Serves --metrics-addr (after the journal is open). 0, or -1 said. */
int ctl_oncall_serve(struct ctl *c);
/* A node reported progress of the current attempt (step -1: unknown). */
void ctl_oncall_progress(struct ctl *c, long long step);
/* Writes --metrics-file when due; the loop's deadline for it (-1 none). */
void ctl_oncall_timers(struct ctl *c);
int64_t ctl_oncall_deadline(const struct ctl *c);
/* The --notify-cmd process while it runs (0: none), spared by the stray
 * killer, which holds back the next command until it releases
 * (notifier_child_hold); a reaped child that was it (1) gets its status
 * handed over. */
pid_t ctl_oncall_child_hold(const struct ctl *c);
void ctl_oncall_child_release(const struct ctl *c);
int ctl_oncall_reaped(struct ctl *c, pid_t pid, int status);
/* The last metrics (endure_up 0), the last notifications (a bounded wait),
 * then frees everything. */
void ctl_oncall_close(struct ctl *c);

#endif
