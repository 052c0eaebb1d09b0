/* layout: every on-disk name endure writes or reads, in one place. Three
 * layouts: the run directory (<log-dir>/<run-id>/: run.json, events.jsonl,
 * attempt-<N>/<node>/rank-<R>.log, heartbeat-<R>, error-<R>.json,
 * attempt-<N>/failure.json), the node-local checkpoint stage
 * (<stage>/rank-<R>/slot-<K>[.lock|.commit], shared with the Python helper
 * python/endure_ckpt.py) and the durable checkpoint store
 * (<ckpt>/<TAG>/COMPLETE, <TAG>/<node>[.partial]/manifest.json, rank-<R>/).
 * Why: a format and its parser sit together, so a writer and a reader can
 * never disagree on a name. Builders write into out (size n) and return 0,
 * or -1 with errno ENAMETOOLONG when the result would not fit; parsers
 * return the number they recover, or -1. */
#ifndef ENDURE_LAYOUT_H
#define ENDURE_LAYOUT_H
#include <stddef.h>

/* ---- the run directory ---- */
#define LAYOUT_RUN_JSON "run.json"            /* the run's record (uid, ckpt dir) */
#define LAYOUT_EVENTS "events.jsonl"          /* the controller's journal */
#define LAYOUT_CONTROLLER_LOCK ".controller.lock"
#define LAYOUT_FAILURE_JSON "failure.json"    /* an attempt's verdict */
#define LAYOUT_HEALTH_JSON "health.json"      /* attempt-<N>/: the nodes' health checks before it */
#define LAYOUT_ATTEMPT_PREFIX "attempt-"
#define LAYOUT_NCCL_TRACE_PREFIX "nccl-trace-rank-" /* attempt-<N>/<node>/: + rank, PyTorch's flight recorder dumps */

/* <log_dir>/<run_id>: the run directory (the shared one with --node-rank). */
int layout_run_dir(char *out, size_t n, const char *log_dir, const char *run_id);
/* <shared_dir>/node-rank-<K>: node-rank K's own run directory. */
int layout_node_rank_dir(char *out, size_t n, const char *shared_dir, int node_rank);
/* <run_dir>/<name> for the fixed names above (LAYOUT_RUN_JSON...). */
int layout_run_file(char *out, size_t n, const char *run_dir, const char *name);
/* <run_dir>/attempt-<N>; "attempt-<N>" when run_dir is NULL. */
int layout_attempt_dir(char *out, size_t n, const char *run_dir, long attempt);
/* <run_dir>/attempt-<N>/failure.json ("attempt-<N>/failure.json" when
 * run_dir is NULL); with attempt < 0, run_dir is the attempt directory
 * itself ("failure.json" when both are absent). */
int layout_failure_json(char *out, size_t n, const char *run_dir, long attempt);
/* <run_dir>/attempt-<N>/<node>: a node's directory of one attempt
 * ("attempt-<N>/<node>" when run_dir is NULL). */
int layout_node_dir(char *out, size_t n, const char *run_dir, long attempt, const char *node);
/* <node_dir>/rank-<R>.log, heartbeat-<R>, error-<R>.json: a rank's log,
 * heartbeat file and TORCHELASTIC_ERROR_FILE. */
int layout_rank_log(char *out, size_t n, const char *node_dir, int rank);
int layout_heartbeat(char *out, size_t n, const char *node_dir, int rank);
int layout_error_file(char *out, size_t n, const char *node_dir, int rank);
/* "attempt-<N>" (decimal digits only) -> N, else -1. */
long layout_parse_attempt_name(const char *name);
#define LAYOUT_ATTEMPT_MAX 1000000 /* attempt-<N> with a larger N is not one of ours */
/* The highest N (below LAYOUT_ATTEMPT_MAX) of the attempt-<N> directories
 * under run_dir (only those holding a file or directory named holding, when
 * not NULL), or -1. */
long layout_last_attempt(const char *run_dir, const char *holding);
/* "rank-<R>.log" or "rank-<R>.log.gz" -> R, else -1. */
long layout_parse_rank_log_name(const char *name);
/* <node_dir>/rank-<R>.log.<K>[.gz]: closed segment K (1, 2, ... oldest
 * first) of a rotated rank log (--log-max-size); the live one is
 * rank-<R>.log. */
int layout_rank_log_segment(char *out, size_t n, const char *node_dir, int rank, long seg, int gz);
/* "rank-<R>.log.<K>" or "rank-<R>.log.<K>.gz" -> R with *seg = K and *gz
 * set, else -1. */
long layout_parse_rank_segment_name(const char *name, long *seg, int *gz);

/* ---- the node-local stage (shared with python/endure_ckpt.py) ---- */
/* The Python helper states the same names at its top; the test
 * tests/e2e/layout_python.sh checks that every #define between these two
 * markers equals the Python constant of the same name. */
/* BEGIN shared with python/endure_ckpt.py */
#define LAYOUT_RANK_DIR_FMT "rank-%d"                 /* <stage>/rank-<R>, <out>/<TAG>/rank-<R> */
#define LAYOUT_SLOT_DIR_FMT "slot-%d"                 /* <stage>/rank-<R>/slot-<K>/ */
#define LAYOUT_SLOT_LOCK_FMT "slot-%d.lock"           /* flock: rank EX while writing, agent SH */
#define LAYOUT_SLOT_COMMIT_FMT "slot-%d.commit"       /* the commit record, renamed into place */
#define LAYOUT_SLOT_COMMIT_TMP_FMT "slot-%d.commit.tmp" /* written by the rank before the rename */
#define LAYOUT_SLOTS 2                                /* slots 0 and 1 */
#define LAYOUT_REPLACED "replaced.json"               /* <stage>/rank-<R>/: commits the rank overwrote */
#define LAYOUT_REPLACED_TMP "replaced.json.tmp"       /* written by the rank before the rename */
#define LAYOUT_COMMIT_RECORD ".endure-commit.json"    /* plain layout: a rank dir's record */
#define LAYOUT_PLAIN_TMP_FMT ".rank-%d.tmp-%d"        /* plain layout: rank, pid */
#define LAYOUT_PLAIN_OLD_FMT ".rank-%d.old-%d"        /* plain layout: rank, pid */
/* END shared with python/endure_ckpt.py */
#define LAYOUT_REPLACED_TAKEN "replaced.json.taken"  /* the agent's name for a note it is reading */
#define LAYOUT_STAGE_LOCK ".endure-lock"              /* the stage owner's OFD lock */
#define LAYOUT_STAGE_OWNER ".endure-owner.json"       /* the stage owner's record */
#define LAYOUT_STAGE_ROOT "/dev/shm"
#define LAYOUT_STAGE_PREFIX "endure-"                 /* default stages in LAYOUT_STAGE_ROOT */

/* /dev/shm/endure-<run_id>-<uid>-<node> (without -<uid> when uid is NULL). */
int layout_stage_default(char *out, size_t n, const char *run_id, const char *uid, const char *node);
/* <stage>/rank-<R>: a rank's directory (also <out>/<TAG>/rank-<R>). */
int layout_stage_rank(char *out, size_t n, const char *stage, int rank);
/* <stage>/rank-<R>/slot-<K>, slot-<K>.lock, slot-<K>.commit. */
int layout_stage_slot(char *out, size_t n, const char *stage, int rank, int slot);
int layout_stage_slot_lock(char *out, size_t n, const char *stage, int rank, int slot);
int layout_stage_slot_commit(char *out, size_t n, const char *stage, int rank, int slot);
/* "slot-<K>.commit" alone (events name the file). */
int layout_slot_commit_name(char *out, size_t n, int slot);
/* "rank-<R>" alone; "rank-<R>/", the prefix of a rank's manifest paths. */
int layout_rank_name(char *out, size_t n, int rank);
int layout_rank_prefix(char *out, size_t n, int rank);
/* The rank R of a manifest path "rank-<R>/<file>", R written exactly as
 * layout_rank_prefix writes it: no sign, no leading zeros, at most 9 digits.
 * Returns R, or -1. */
long layout_parse_rank_path(const char *path);
/* "rank-<R>" as a directory entry (the stage's, or a plain TAG's) -> R, else -1. */
long layout_parse_rank_name(const char *name);
/* ".rank-<R>.tmp-<pid>": the export's private directory under <out>/<TAG>. */
int layout_plain_tmp_name(char *out, size_t n, int rank, int pid);

/* ---- the durable store ---- */
#define LAYOUT_COMPLETE "COMPLETE"                    /* <ckpt>/<TAG>/COMPLETE */
#define LAYOUT_MANIFEST "manifest.json"               /* <ckpt>/<TAG>/<node>/manifest.json */
#define LAYOUT_CKPT_RUN ".endure-run.json"            /* <ckpt>/.endure-run.json: the lineage */
#define LAYOUT_PARTIAL_SUFFIX ".partial"              /* <ckpt>/<TAG>/<node>.partial */
#define LAYOUT_TRASH_PREFIX ".trash-"                 /* <parent>/.trash-<name>-<pid> */

/* <ckpt>/.endure-run.lock, or .endure-run-node-rank-<K>.lock (node_rank >= 0). */
int layout_ckpt_lock(char *out, size_t n, const char *ckpt_dir, int node_rank);
/* <ckpt>/.endure-run.json. */
int layout_ckpt_run(char *out, size_t n, const char *ckpt_dir);
/* <ckpt>/<TAG>. */
int layout_tag_dir(char *out, size_t n, const char *ckpt_dir, const char *tag);
/* <ckpt>/<TAG>/COMPLETE. */
int layout_complete(char *out, size_t n, const char *ckpt_dir, const char *tag);
/* <ckpt>/<TAG>/<node>: a node's durable part. */
int layout_part_dir(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node);
/* <ckpt>/<TAG>/<node>.partial: the part while it is written. */
int layout_partial_dir(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node);
/* <part_dir>/manifest.json (part_dir: a part or its .partial). */
int layout_manifest(char *out, size_t n, const char *part_dir);
/* <ckpt>/<TAG>/<node>/rank-<R>: a rank's durable directory. */
int layout_durable_rank(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node, int rank);
/* <parent>/.trash-<name>-<pid>: a tree on its way out. */
int layout_trash(char *out, size_t n, const char *parent, const char *name, int pid);
/* ".trash-<node>-": the prefix of a node's own trash entries. */
int layout_trash_prefix(char *out, size_t n, const char *name);
/* 1 when name is "<something>.partial" (node NULL) or "<node>.partial". */
int layout_is_partial_name(const char *name, const char *node);
/* 1 when name starts with ".trash-". */
int layout_is_trash_name(const char *name);

#endif
