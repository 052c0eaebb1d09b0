/* journal: events.jsonl in the run directory, the source of truth of a run.
 * One JSON object per line with "ts" (RFC 3339, UTC) and "event"; each event
 * is one write() (flushed as it happens), and journal_sync() fsyncs it at
 * attempt boundaries. Owns its fd. */
#ifndef ENDURE_JOURNAL_H
#define ENDURE_JOURNAL_H
#include <jansson.h>

struct journal {
    int fd;
    int failed;   /* a write failed; said once */
    /* optional: sees every event after it is written (the on-call fold) */
    void (*observe)(void *ctx, const json_t *event);
    void *observe_ctx;
};

/* Opens (creates or appends to) path. */
int journal_open(struct journal *j, const char *path);
/* Writes {"ts":..., "event": name, ...fields}; steals fields (may be NULL). */
void journal_event(struct journal *j, const char *name, json_t *fields);
void journal_sync(struct journal *j);
void journal_close(struct journal *j);

#endif
