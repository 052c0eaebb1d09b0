/* watcher_int: the checkpoint watcher's fields (struct ckpt_agent), shared
 * by watcher.c (life cycle, fds, dispatch), watcher_scan.c (reading commits,
 * queueing, stage limit), watcher_resume.c (resume directories) and
 * stage_own.c (stage ownership). Internal to checkpoint/. */
#ifndef ENDURE_CKPT_WATCHER_INT_H
#define ENDURE_CKPT_WATCHER_INT_H
#include "checkpoint/ckpt.h"
#include "checkpoint/persist.h"

#define CKPT_MAX_TAGS 64
#define CKPT_REPORTED 16 /* TAGs remembered as reported incomplete */
#define CKPT_NOTED 64    /* overwritten commit ids remembered as handled */

enum { T_QUEUED = 1, T_DONE, T_DROPPED, T_FAILED };

/* What the agent knows about one TAG whose part is complete in the stage. */
struct ckpt_tagst {
    char tag[256];
    long step;
    json_t *ids; /* {"<rank>": commit id}: the exact commits of this part */
    int state;
};

struct ckpt_agent {
    char stage[PATH_MAX];
    int lockfd;           /* holds <stage>/.endure-lock (stage_own.c), -1 */
    char run_uid[CKPT_UID_HEX + 1]; /* "" when none: recorded in manifests */
    char *ckpt_dir, *node;
    int world_size, nranks, *ranks;
    int *pinned; /* per local rank: slot handed out by resume_dir, or -1 */
    double *pinned_at; /* wall time of the pin: a later commit releases it */
    char (*bad)[2][128]; /* per local rank and slot: last reported problem */
    uint64_t stage_limit;
    int scan_ms;
    int64_t next_scan;
    int epfd, infd;
    struct ckpt_persister *per;
    ckpt_event_fn on_event;
    void *event_ctx;
    struct ckpt_tagst tags[CKPT_MAX_TAGS];
    int ntags;
    json_t *out; /* events waiting for delivery */
    char reported[CKPT_REPORTED][160]; /* ring: first commit ids of TAGs reported incomplete */
    unsigned nreported;
    double opened_at; /* wall time: older overwritten commits are not ours to report */
    char noted[CKPT_NOTED][160]; /* ring: ids of overwritten commits already handled */
    unsigned nnoted;
};

/* stage_own.c: takes the stage's owner lock and writes its owner record,
 * refusing a live or foreign stage; 0 or -1 with err. */
int ckpt_stage_claim(struct ckpt_agent *a, const struct ckpt_agent_cfg *cfg, struct buf *err);
/* Refuses (-1 with err) when a live stage of the same run id and node but
 * another run uid sits next to ours. */
int ckpt_stage_check_peers(const struct ckpt_agent *a, const struct ckpt_agent_cfg *cfg, struct buf *err);
/* Reads every local commit, emits staged events, queues ready parts. */
void ckpt_agent_scan(struct ckpt_agent *a);
/* Reports every TAG that only some local ranks committed (the ranks have
 * stopped: they will not commit it), once per TAG. */
void ckpt_agent_report_stopped(struct ckpt_agent *a);
/* The state of TAG, or NULL when the agent has not taken a part of it. */
struct ckpt_tagst *ckpt_agent_find_tag(struct ckpt_agent *a, const char *tag);
/* The "commits" ({"rank": id}) of this node's durable part of TAG (a new
 * reference), or NULL when there is none. */
json_t *ckpt_agent_durable_commits(struct ckpt_agent *a, const char *tag);
/* 1 if id is in the ring of n remembered ids; else remembers it (at
 * *next, which advances). Both of the agent's rings use it. */
int ckpt_ring_seen(char (*ring)[160], int n, unsigned *next, const char *id);
/* Takes every rank's note of overwritten commits (watcher_replaced.c) and
 * reports each one the agent never queued and that is not durable as
 * dropped ("superseded"). */
void ckpt_agent_take_replaced(struct ckpt_agent *a);
/* Drops older staged commits when the stage is over its limit. */
void ckpt_agent_enforce_limit(struct ckpt_agent *a);
/* Applies a persister result to the TAG states. */
void ckpt_agent_apply_result(struct ckpt_agent *a, const json_t *ev);
/* Appends an event for delivery (steals ev). */
void ckpt_agent_emit(struct ckpt_agent *a, json_t *ev);

#endif
