/* worker: one background thread for the slow file work of a poll loop
 * (choosing and verifying the checkpoint to restore, pruning old ones), so
 * that the loop keeps answering heartbeats while it runs (like redis's
 * bio.c). Jobs run one at a time in the order they were submitted; when one
 * ends, the worker's eventfd becomes readable and worker_dispatch(), called
 * by the loop, runs the job's done callback on the loop's thread.
 *
 * Ownership: the caller owns each job's arg; fn runs on the worker thread
 * and must touch only arg; done(ctx, arg) runs on the loop thread and
 * releases arg. The worker owns its thread, queue and eventfd. */
#ifndef ENDURE_WORKER_H
#define ENDURE_WORKER_H

struct worker;
typedef void (*worker_fn)(void *arg);
typedef void (*worker_done)(void *ctx, void *arg);

/* Starts the thread. 0, or -1 with errno. */
int worker_start(struct worker **out);
/* The eventfd to poll for POLLIN; -1 for a NULL worker. */
int worker_fd(const struct worker *w);
/* Queues fn(arg); done(ctx, arg) follows in worker_dispatch. 0 or -1. */
int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *ctx, void *arg);
/* Runs the done callbacks of every finished job. */
void worker_dispatch(struct worker *w);
/* Jobs queued or running. */
int worker_pending(struct worker *w);
/* Stops the thread: waits for a running job, drops the queued ones (their
 * done callbacks run with the job not run, so that args are released). */
void worker_stop(struct worker *w);

#endif
