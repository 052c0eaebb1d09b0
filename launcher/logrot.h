/* logrot: bounded disk for the agent's rank logs (--log-max-size,
 * --log-keep). The agent's loop only renames a full log to its closed
 * segment name (rank-<R>.log.<K>) and hands the segment here; one
 * background thread gzips it to rank-<R>.log.<K>.gz (written as .gz.tmp,
 * renamed when complete, then the plain segment is removed) and then keeps
 * the node's share of the run's log bytes under the cap by removing the
 * oldest compressed segments of the oldest attempts first. Segments marked
 * with logrot_protect (they hold a failure's key lines) are never removed.
 * The pipe drain never waits for any of this.
 *
 * Ownership: struct logrot owns its thread, its queue and the protected
 * set; the caller owns the strings it passes (they are copied). The thread
 * touches only the files under the configured run directory's attempt-<N>/
 * <node>/ directories. */
#ifndef ENDURE_LOGROT_H
#define ENDURE_LOGROT_H
#include <stdatomic.h>
#include <stdint.h>

struct logrot;

struct logrot_stats {
    uint64_t compressed;     /* segments gzipped */
    uint64_t removed;        /* compressed segments removed for the cap */
    uint64_t removed_bytes;
    uint64_t errors;         /* files that could not be compressed or removed */
    int over_cap;            /* the last check could not get under the cap (all left are protected or live) */
};

/* Starts the thread. 0, or -1 with errno. */
int logrot_start(struct logrot **out);
/* The cap: node's files under <run_dir>/attempt-N/<node>/, keep bytes in
 * all (0: no cap). Takes effect at the next check. */
void logrot_configure(struct logrot *lr, const char *run_dir, const char *node, uint64_t keep);
/* Queues the gzip of the closed plain segment path, then a cap check. 0 or -1. */
int logrot_compress(struct logrot *lr, const char *path);
/* Queues a cap check alone. */
int logrot_check(struct logrot *lr);
/* Marks the segment whose plain name is path as holding key lines: it and
 * its .gz are never removed for the cap. */
void logrot_protect(struct logrot *lr, const char *path);
/* Waits at most ms for the queue to empty: 0 when idle, -1 when not. */
int logrot_wait(struct logrot *lr, int64_t ms);
void logrot_get_stats(struct logrot *lr, struct logrot_stats *out);
/* Stops the thread (a compression in progress is abandoned, its temporary
 * file removed; the plain segment stays readable) and frees lr. */
void logrot_stop(struct logrot *lr);

/* gzips src into dst (through dst.tmp, renamed when complete), removes src.
 * *stop is polled between chunks (NULL: never stops). 0 or -1 (errno). */
int logrot_gzip_file(const char *src, const char *dst, const atomic_int *stop);

#endif
