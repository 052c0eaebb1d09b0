/* ckpt: endure's asynchronous checkpoints, the public API.
 *
 * Ranks stage their part of a checkpoint in node-local memory (the stage, on
 * tmpfs) and commit it with an atomic rename of a small commit record; the
 * node's agent persists committed parts to the durable checkpoint directory on
 * background threads (CRC32 while copying, fsync, manifest, rename); the
 * controller marks a TAG complete once every node's part is durable; restore
 * picks the newest complete TAG that verifies. The on-disk rules are in
 * docs/checkpoints.md; this header is what the agent and the controller call.
 *
 * Threads: everything here is called from ONE thread (the agent's or the
 * controller's). The agent object runs its own persister threads internally
 * and hands results back through ckpt_agent_fd(); events are delivered to the
 * callback only from ckpt_agent_dispatch()/ckpt_agent_drain(), i.e. on the
 * caller's thread. */
#ifndef ENDURE_CKPT_H
#define ENDURE_CKPT_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"

/* Receives one event object (borrowed: valid during the call only; call
 * json_incref to keep it). Shapes are listed in docs/checkpoints.md. */
typedef void (*ckpt_event_fn)(void *ctx, const json_t *event);

struct ckpt_agent_cfg {
    const char *stage_dir;    /* NULL: /dev/shm/endure-<run_id>-<node> */
    const char *ckpt_dir;     /* durable directory, required */
    const char *node;         /* node name, a safe path component */
    const char *run_id;       /* used for the default stage path */
    const char *run_uid;      /* the run's uid (ckpt_run_claim): names the
                               * default stage /dev/shm/endure-<run_id>-<uid>-<node>,
                               * marks the stage's owner and every manifest;
                               * NULL: none (library users, tests) */
    int64_t stage_max_age_ms; /* sweep: remove dead runs' stages older than
                               * this next to ours; <= 0: no sweep */
    int world_size;
    const int *ranks;         /* this node's global ranks (copied) */
    int nranks;
    int threads;              /* copy threads; 0: 2 */
    uint64_t stage_limit;     /* bytes the stage may use; 0: 90% of its fs */
    int scan_interval_ms;     /* periodic rescan (inotify fallback); 0: 1000 */
    ckpt_event_fn on_event;   /* may be NULL */
    void *event_ctx;
};

struct ckpt_agent;

/* Creates the stage (mode 0700, with rank-<R>/ for every local rank),
 * refusing a stage path that is a symlink, not a directory or not owned by
 * the user; takes the stage's owner lock (<stage>/.endure-lock, held until
 * close) and records the owner (<stage>/.endure-owner.json), refusing a
 * stage that a live agent holds, a stage recorded as another run's, and
 * (with a run uid) an unmarked stage that holds commits; refuses to start when a live stage of
 * the same run id and node but another run uid sits next to ours (the same
 * run id used twice); sweeps dead runs' stages (ckpt_stage_sweep); creates the durable directory; removes this node's stale
 * <ckpt>/<TAG>/<node>.partial directories; starts the persister threads.
 * Parts already committed in an existing stage and not yet durable are
 * persisted. Returns 0 and *out (owned by the caller, ckpt_agent_close), or
 * -1 with a message in err. */
int ckpt_agent_open(struct ckpt_agent **out, const struct ckpt_agent_cfg *cfg, struct buf *err);
/* The stage path actually used (owned by the agent). */
const char *ckpt_agent_stage(const struct ckpt_agent *a);
/* ONE fd to poll for POLLIN (an epoll fd over the stage's inotify fd and the
 * persisters' eventfd). Owned by the agent; never read it yourself. */
int ckpt_agent_fd(const struct ckpt_agent *a);
/* Next periodic-scan deadline in now_ms() milliseconds. */
int64_t ckpt_agent_deadline(const struct ckpt_agent *a);
/* Call after POLLIN on the fd or at the deadline: rescans the commits,
 * queues persists, applies the stage limit, delivers finished events to the
 * callback. Never blocks on I/O of checkpoint data. Returns 0 or -1. */
int ckpt_agent_dispatch(struct ckpt_agent *a);
/* Persists everything committed so far (parts complete on this node),
 * delivering events, until done or deadline_ms (now_ms() clock, -1: none);
 * when done, reports each TAG that only some local ranks committed (an
 * "incomplete" event, once per TAG: it can never become durable).
 * Returns 0 when all is durable (or failed with an event), -1 with errno
 * ETIMEDOUT when the deadline came first. For shutdown. */
int ckpt_agent_drain(struct ckpt_agent *a, int64_t deadline_ms);
/* Where global rank resumes from for TAG: the staged slot of this node when
 * it holds exactly the commit recorded in the TAG's manifest (same commit id,
 * same sizes), else <ckpt>/<TAG>/<node-that-had-rank>/rank-<R>; for a
 * replicated TAG always the saver's durable directory, the same for every
 * rank of every node. Returns 1 (staged), 0 (durable), -1 (TAG not complete
 * or rank unknown). */
int ckpt_agent_resume_dir(struct ckpt_agent *a, const char *tag, int global_rank, char *out,
                          size_t outlen);
/* Before a restart from step: removes the commit records of staged parts
 * newer than step (a timeline that was abandoned: their TAGs would be
 * written again and must not mix with the old ones). The files stay for
 * reuse. Returns the number removed, or -1/EBUSY when a slot was locked
 * (call it after ckpt_agent_drain, with the ranks stopped). */
int ckpt_agent_discard_after(struct ckpt_agent *a, long step);
/* At the very end of a job (after drain, with the ranks gone): removes the
 * whole stage tree, which holds up to two checkpoints per rank in memory.
 * Not for restarts: a restarted rank may resume from the stage. 0 or -1. */
int ckpt_agent_remove_stage(struct ckpt_agent *a);
/* Stops the threads (an unfinished persist is abandoned and its .partial
 * removed), closes the fds, frees a. Undelivered events are discarded. */
void ckpt_agent_close(struct ckpt_agent *a);

/* ---- run identity (checkpoint/runid.c) and stages (checkpoint/stage_own.c) ---- */

#define CKPT_UID_HEX 16 /* hex digits of a run uid */
struct ckpt_run {
    char run_id[256];
    char uid[CKPT_UID_HEX + 1];
};
/* Reads <ckpt>/.endure-run.json: 1 (out set), 0 (none), -1 (unreadable). */
int ckpt_run_read(const char *ckpt_dir, struct ckpt_run *out);
/* The controller's start: mints the directory's run record when it has none
 * (a new run), or adopts the recorded uid when its run id is run_id (the
 * same run resuming). -1 with a message in err when the directory belongs
 * to another run id or the record cannot be read or written. */
int ckpt_run_claim(const char *ckpt_dir, const char *run_id, struct ckpt_run *out, struct buf *err);
/* Removes the stages next to ours (entries "endure-*" of dir, ours
 * excepted) that a dead run left: owned by this user, marked by an owner
 * record, no live owner lock, untouched for at least max_age_ms. Appends
 * {"path","run_id","bytes","age_s"} per removed stage to removed (NULL
 * skips). Returns the count, or -1 when dir cannot be read. */
int ckpt_stage_sweep(const char *dir, const char *own_stage, int64_t max_age_ms, json_t *removed);
/* Bytes held by the regular files under path (0 when it does not exist). */
uint64_t ckpt_tree_bytes(const char *path);

/* ---- controller side and commands (no agent needed) ---- */

enum ckpt_verify { CKPT_VERIFY_SIZE = 0, CKPT_VERIFY_FULL = 1 };

struct ckpt_choice {
    char tag[256];
    long step;
    int world_size;
    int saver; /* a replicated TAG: the rank that saved it for all; -1: sharded */
};

/* Writes <ckpt_dir>/<tag>/COMPLETE durably after checking that every node's
 * manifest named in nodes_to_ranks ({"node": [ranks...]}) exists, matches tag
 * and step, and that the ranks cover 0..world_size-1 exactly once; or, when
 * the manifest is replicated (one rank saved the whole job's state), that it
 * is the only node and rank named (COMPLETE then says "scope":"replicated").
 * Returns 0 or -1 with a message in err. */
int ckpt_mark_complete(const char *ckpt_dir, const char *tag, long step, const json_t *nodes_to_ranks,
                       int world_size, struct buf *err);
/* Picks the newest complete TAG (by step, then name) whose manifests verify
 * in verify_mode (enum ckpt_verify), falling back to older ones. Appends one
 * object per problem to the problems array when not NULL:
 * {"tag","node","file","problem"}. Returns 1 (found, *out set), 0 (none),
 * -1 (the directory cannot be read). */
int ckpt_choose_restore(const char *ckpt_dir, int verify_mode, struct ckpt_choice *out, json_t *problems);
/* The same, among the TAGs whose step is below before_step (LONG_MAX: all)
 * and whose name is not in skip (an array of strings, NULL: none): the
 * choice of a rollback and of a fallback past quarantined checkpoints. */
int ckpt_choose_restore_ex(const char *ckpt_dir, int verify_mode, long before_step, const json_t *skip,
                           struct ckpt_choice *out, json_t *problems);
/* Fills out from <ckpt>/<tag>/COMPLETE (tag, step, world size) without
 * verifying anything. Returns 0, or -1 when there is no readable marker. */
int ckpt_choice_of(const char *ckpt_dir, const char *tag, struct ckpt_choice *out);
/* Verifies one TAG (COMPLETE marker, manifests, sizes; CRCs when full).
 * Returns 0 if it verifies, -1 otherwise (problems appended). */
int ckpt_verify_tag(const char *ckpt_dir, const char *tag, int verify_mode, json_t *problems);
/* The durable directory of global_rank in a complete TAG:
 * <ckpt>/<TAG>/<node>/rank-<R>; for a replicated TAG the saver's directory,
 * the same for every rank. Returns 0 or -1. */
int ckpt_durable_rank_dir(const char *ckpt_dir, const char *tag, int global_rank, char *out, size_t outlen);
/* The same for every rank 0..world_size-1 of the complete TAG c, with one
 * read of its COMPLETE marker: appends {"rank","node","dir"} to out (owned
 * by the caller). Returns 0, or -1 when a rank has no safe directory. */
int ckpt_rank_dirs(const char *ckpt_dir, const struct ckpt_choice *c, json_t *out);
/* Copies every rank of the complete TAG c (chosen or verified by the
 * caller) into <out_dir>/<TAG>/rank-<R>/, the Python helper's plain layout
 * (endure_ckpt.resume() outside endure reads it), each file checked against
 * its manifest CRC32 while copied, each rank dir committed (its
 * .endure-commit.json, fsync, rename) only when whole; an existing rank dir
 * is never overwritten. Appends {"rank","node","dir","files","bytes"} per
 * rank to report (owned by the caller). Returns 0, or -1 with err set. */
int ckpt_export(const char *ckpt_dir, const struct ckpt_choice *c, const char *out_dir, json_t *report,
                struct buf *err);
/* Retention: keeps the newest `keep` complete TAGs (at least 1) plus complete
 * TAGs whose step is a multiple of keep_every (> 0); deletes other complete
 * TAGs and incomplete TAGs older than the newest complete one, never a TAG
 * that holds a .partial directory. Appends {"tag","step","complete"} per
 * deleted TAG to pruned when not NULL. Returns the number deleted or -1. */
int ckpt_prune(const char *ckpt_dir, int keep, long keep_every, json_t *pruned);
/* Removes every <TAG>/<node>.partial and leftover .trash-* directory (from
 * crashed persists or prunes). Start-up only: not while agents persist.
 * Appends the removed paths (strings) to cleaned. Returns the count or -1. */
int ckpt_clean_partials(const char *ckpt_dir, json_t *cleaned);
/* Lists every TAG directory: [{"tag","step","complete","nodes","bytes",
 * "age_s","partial"}], newest first, plus "complete_problem" (why) when a
 * COMPLETE exists but cannot be read (not a regular file, bad JSON): such
 * a TAG is not complete. Returns a new array or NULL. */
json_t *ckpt_list(const char *ckpt_dir);

#endif
