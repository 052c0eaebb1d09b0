/* persist: the agent's background persister (persist.c: threads and queue;
 * job.c: one node part from stage to durable). Internal to checkpoint/. */
#ifndef ENDURE_CKPT_PERSIST_H
#define ENDURE_CKPT_PERSIST_H
#include <limits.h>
#include "checkpoint/ckpt_internal.h"

/* One node part of one TAG: the commit records of every local rank. */
struct ckpt_pjob {
    char tag[256];
    long step;
    int world_size;
    char stage[PATH_MAX];
    char run_uid[40]; /* the run's uid for the manifest ("run"), or "" */
    json_t *commits; /* array of validated commit records, owned */
};
void ckpt_pjob_free(struct ckpt_pjob *job);

/* One file being copied (fds owned by the job). */
struct ckpt_pcopy {
    int src, dst;
    uint64_t size;
    int chunks_left; /* under the persister's lock */
    char dst_rel[1100];
};

struct ckpt_persister;
/* Starts the manager and `threads` copy threads. NULL with err on failure. */
struct ckpt_persister *ckpt_persist_start(const char *ckpt_dir, const char *node, int threads, struct buf *err);
/* The eventfd that becomes readable when results are ready. */
int ckpt_persist_fd(const struct ckpt_persister *p);
/* Queues a job (ownership passes to the persister). */
void ckpt_persist_submit(struct ckpt_persister *p, struct ckpt_pjob *job);
/* Takes the finished jobs' events (a new array, maybe empty). */
json_t *ckpt_persist_take(struct ckpt_persister *p);
/* 1 when nothing is queued, running or waiting to be taken. */
int ckpt_persist_idle(struct ckpt_persister *p);
/* Cancels the running job, drops the queue, joins the threads, frees p. */
void ckpt_persist_stop(struct ckpt_persister *p);
/* Copies files on the pool (called by the manager thread from job.c);
 * fills crcs[i]. 0, or -1 with err. */
int ckpt_persist_copy(struct ckpt_persister *p, struct ckpt_pcopy *files, size_t n, uint32_t *crcs, char *err,
                      size_t errlen);
/* 1 once ckpt_persist_stop has begun (the running job is being cancelled). */
int ckpt_persist_cancelled(struct ckpt_persister *p);
/* Persists one job (job.c, on the manager thread); returns its event. */
json_t *ckpt_run_job(struct ckpt_persister *p, const char *ckpt_dir, const char *node, struct ckpt_pjob *job);
/* A new event object {"event","time","tag","step","node"}. */
json_t *ckpt_event(const char *type, const char *tag, long step, const char *node);

#endif
