/* offline: one `endure diagnose` session over saved logs: splits every
 * input into per-rank streams (from the path layout or the line prefixes),
 * runs one classifier per stream, collects events, feeds the compressor,
 * and builds the verdict with context lines. Used by cmd_diagnose.c and the
 * fuzz/bench helpers; no printing except through the caller's FILE. */
#ifndef ENDURE_DIAGNOSE_OFFLINE_H
#define ENDURE_DIAGNOSE_OFFLINE_H
#include <jansson.h>
#include "diagnose/activity.h"
#include "diagnose/compress.h"
#include "diagnose/diagnose.h"
#include "diagnose/input.h"
#include "diagnose/lastresort.h"

#define OFFLINE_MAX_EVENTS 20000 /* events kept (then roots only, up to twice as many) */
#define OFFLINE_MAX_STREAMS 1024  /* per input; more ranks share one stream */

struct offline {
    const struct ruleset *rs;
    struct compressor *z;       /* NULL unless compressing */
    json_t *events;             /* in input order */
    size_t events_dropped;
    size_t lines, bytes, truncated;
    size_t max_bytes;           /* per input, decompressed; 0: no limit */
    size_t kept;                /* ranks whose evidence came from failure.json */
    json_t *kept_tails;         /* their tails: display name -> [lines] (context) */
    struct activity act;        /* what the logs show last (no-failure verdicts) */
    size_t done_events;         /* events kept before the last completion line */
    size_t loss_ok_events;      /* events kept before the last progress line with a finite loss */
    struct last_resort last;    /* prompt host, failed rank: culprits of last resort */
};

/* Starts a session; compress: also build the condensed log. */
int offline_init(struct offline *o, const struct ruleset *rs, int compress);
void offline_free(struct offline *o);
/* Reads and classifies one input; -1 with a message in err on read errors
 * (lines before the error are kept). */
int offline_read(struct offline *o, const struct input *in, struct buf *err);
/* Classifies lines held in memory (a JSON array of strings: a rank's log
 * tail kept in failure.json) as one stream named display, of node and
 * rank; the lines are numbered from 1 and kept for the key line's context.
 * Non-string entries are skipped, long lines cut at LINE_CAP_DEFAULT. */
int offline_read_lines(struct offline *o, const char *display, const char *node, long rank,
                       const json_t *lines);
/* Keeps one event found elsewhere (e.g. failure.json's "events"), under
 * the same memory cap as the events of the logs. */
void offline_keep_event(struct offline *o, json_t *ev);
/* The verdict over everything read so far (caller owns); context lines
 * from the key line's file are added as evidence when the event has none. */
json_t *offline_verdict(struct offline *o, const struct input_list *inputs);
/* For an endure run directory: the controller's verdict of its last attempt
 * (attempt-<N>/failure.json, keys and types checked); for an attempt
 * directory (named attempt-<N>): its failure.json; NULL when there is none
 * (a successful attempt, not a run or attempt directory). src receives the
 * file's path relative to dir. Caller owns the result. */
json_t *run_dir_verdict(const char *dir, char *src, size_t srclen);
/* The controller's verdict in adir/failure.json (keys and types checked),
 * or NULL. Caller owns the result. */
json_t *attempt_dir_verdict(const char *adir);
/* adir/failure.json as a JSON object (bounded read: a regular file, no
 * symlink, at most 64 MiB), or NULL. Untrusted: check every field. */
json_t *failure_json_load(const char *adir);
/* The attempt directory a run directory's verdict comes from (its highest
 * attempt-<N>, or dir itself when it is named attempt-<N>) into adir, and
 * that attempt's failure.json relative to dir into src; 0, or -1 when dir
 * is neither. */
int run_dir_last_attempt(const char *dir, char *adir, size_t adirlen, char *src, size_t srclen);
/* run_evidence.c: when the node logs of dir's last attempt are not on this
 * host (`endure run --no-shared-fs`), the evidence the controller kept in
 * its failure.json: for every rank named there whose
 * attempt-<N>/<node>/rank-<R>.log is missing here, its events (fields
 * type-checked) are kept in o and, when it has none, its log tail is
 * classified with o's rules. Returns the number of such ranks (also added
 * to o->kept); src receives the failure.json path relative to dir. */
size_t offline_kept_evidence(struct offline *o, const char *dir, char *src, size_t srclen);
/* The story of an endure run directory (NULL when dir has no attempt-<N>):
 * {"attempts": [{"attempt", "outcome", "what", "verdict", "source"}...],
 *  "run": {"outcome", "exit_code", "reason", "attempts", "failed"}}.
 * Outcomes ("succeeded", "failed", "unfinished", "unknown") come from the
 * journal (events.jsonl, bounded read), verdicts from each attempt's
 * failure.json; the caller fills in the last attempt's verdict from the
 * logs. Caller owns the result. */
json_t *run_report(const char *dir);
/* A short copy of a verdict for the attempt list (no evidence). */
json_t *verdict_brief(const json_t *v);

#endif
