/* ckpt_testutil: helpers for the checkpoint unit tests: play a rank (write
 * a slot and its commit record like python/endure_ckpt.py does), run an
 * agent until its parts are durable, build complete TAGs. */
#ifndef ENDURE_CKPT_TESTUTIL_H
#define ENDURE_CKPT_TESTUTIL_H
#include <jansson.h>
#include <stddef.h>

/* Writes size bytes of a pattern derived from seed into
 * <stage>/rank-<R>/slot-<K>/<name> and commits it (one file). 0 or -1. */
int tu_stage_part(const char *stage, int rank, int slot, const char *tag, long step, const char *name,
                  size_t size, unsigned seed);
/* Opens an agent (node, world, ranks), drains it (10 s), appends every
 * event to events (may be NULL), closes it. Returns drain's result. */
int tu_persist(const char *stage, const char *ckpt, const char *node, int world, const int *ranks, int n,
               json_t *events);
/* Builds TAG step-<step> with two nodes "a" (rank 0) and "b" (rank 1) of
 * 4 KiB each and marks it complete unless incomplete is set (then only node
 * "a" is persisted). 0 or -1. */
int tu_make_tag(const char *root, const char *ckpt, long step, int incomplete);
/* Number of events in events whose "event" equals type. */
int tu_count(const json_t *events, const char *type);
/* Flips one byte at offset off of path. 0 or -1. */
int tu_flip(const char *path, long off);

#endif
