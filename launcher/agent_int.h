/* agent_int: the agent's internal state (struct agent, struct rank, struct
 * stream), shared by agent.c (connection and loop), agent_ranks.c (starting
 * the ranks, their output), agent_stop.c (reaping, stopping, monitoring),
 * agent_diag.c (classification), agent_ckpt.c (checkpoint glue) and
 * agent_oom.c (who killed a rank). Not a public header. */
#ifndef ENDURE_AGENT_INT_H
#define ENDURE_AGENT_INT_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>
#include "common/lines.h"
#include "common/msg.h"
#include "common/proto.h"
#include "launcher/agent_state.h"
#include "launcher/console.h"
#include "launcher/progress.h"

#define AGENT_MAX_RANKS 1024
#define AGENT_PLAIN_ATTEMPTS 2 /* a node's last attempts whose rank logs stay plain */

struct agent;
struct rules_job;

/* One output stream (stdout or stderr) of one rank. */
struct stream {
    struct agent *a;
    struct rank *r;
    int fd;                 /* pipe read end, -1 once closed */
    int on_console;
    struct linesplit split;
    struct buf clean;         /* a line without its terminal escape sequences (common/ansi.h) */
    struct classifier *cls;   /* NULL without a rule set */
    size_t pipe_size;         /* capacity of the rank's pipe */
    int shedding;             /* the rank outruns the agent: lines not classified */
};

struct rank {
    int local_rank, global_rank;
    pid_t pid;              /* 0 before start; also the process group */
    int alive;
    struct stream out, err;
    int log_fd;
    uint64_t log_size;      /* bytes in the live log (agent_logs.c) */
    long log_seg;           /* the number the live log gets when it is closed (1, 2, ...) */
    char prefix[80];        /* "[node:rank] " */
    char log_rel[PATH_MAX]; /* log path relative to the run dir */
    long lineno;
    char hb_path[PATH_MAX];
    struct timespec hb_mtime;
};

#define AGENT_SHORT_TAIL 20   /* lines of a failed rank's log in its exit message */
#define AGENT_LONG_TAIL 200   /* the same without a shared filesystem */

struct agent {
    const char *node;
    const char *secret;
    struct msgconn conn;
    int sfd;                     /* signalfd */
    int64_t hb_interval_ms, hb_timeout_ms;
    int64_t next_hb, last_heard;
    /* the current attempt */
    int attempt;                 /* -1 when none */
    struct msg start;            /* the start message (owned; start.raw is NULL between attempts) */
    struct rank *ranks;
    int nranks, nalive;
    int64_t monitor_ms, next_monitor;
    struct progress *progress;   /* --progress-regex only; else the rules */
    struct ruleset *rs;          /* loaded at the first start, kept (reloaded when the learned file changes) */
    struct worker *bio;          /* loads rule sets off the loop (agent_diag.c); started at the first load */
    struct rules_job *rules_inflight; /* the last load queued, until its done callback (owned by bio) */
    int closing;                 /* agent_main is cleaning up: a finished load spawns nothing */
    char learned_sig[160];       /* the learned file rs has: path, inode, size, mtime, candidates ("": none) */
    long long seq;               /* this agent's order of its events */
    int events_sent;             /* this attempt */
    long long events_dropped;
    long long unclassified;      /* lines not classified because the rank outran the agent */
    int no_shedding;             /* draining a dead rank: classify everything */
    int progress_pending;
    long progress_step;          /* of the last progress line a rule matched, -1: none */
    double progress_loss;        /* the highest loss since the last progress message, NaN: none */
    uint64_t log_bytes;          /* written to the rank logs by this agent, every attempt (progress message) */
    int tail_lines;              /* lines of a failed rank's log sent with its exit */
    int shared_fs;               /* the controller's run directory is visible here; -1: unknown */
    enum agent_state state;      /* changed only by agent_on() */
    /* stopping (A_TERM, A_KILL) */
    int64_t stop_started, stop_deadline, kill_deadline, stop_timeout_ms, kill_timeout_ms;
    int64_t sweep_at;            /* next KILL sweep of the descendants (A_KILL) */
    int shutdown_after_stop;     /* A_DRAINING ends in A_DONE, not A_IDLE */
    /* output */
    struct console console;
    int log_failed;              /* the disk refused a write; said once */
    uint64_t log_reported;       /* own dropped messages already reported */
    uint64_t log_bytes_lost;
    struct logrot *logrot;       /* rotation and cap (agent_logs.c); NULL: none yet */
    int log_rot_failed;          /* a rotation failed; said once */
    struct old_logs *old_logs[AGENT_PLAIN_ATTEMPTS]; /* the last attempts' plain logs, oldest first (agent_logs.c) */
    /* checkpoints (agent_ckpt.c); NULL when the run has no --ckpt-dir */
    struct ckpt_agent *ck;
    int ck_group_rank;
    int64_t drain_deadline;      /* A_DRAINING */
    int swept;                   /* dead runs' stages swept (runs without --ckpt-dir) */
    json_t *unreaped;            /* reported with "stopped" */
    /* who killed a rank (agent_oom.c): baselines taken when the attempt starts */
    double attempt_boot_s;       /* CLOCK_MONOTONIC, comparable with kernel log stamps */
    long oom_kills_at_start;     /* of the memory cgroup, -1 when unreadable */
    char *klog;                  /* the kernel log as last read (owned), reused briefly */
    size_t klog_len;
    int64_t klog_ms;             /* when it was read, 0: never */
    int exit_rc;
    /* the health check (agent_health.c) or a pairwise test (agent_pair.c), in A_HEALTH */
    int health_kind;             /* CHECK_HEALTH, CHECK_PAIR */
    int pair_ready_sent;         /* pair: rank 0's ready line was passed on */
    pid_t health_pid;            /* `endure health` (or pair-probe), 0 when none */
    int health_fd;               /* its stdout, -1 when closed */
    struct buf health_out;
    int health_id, health_timed_out;
    int64_t health_deadline;
};

/* agent_health.c: a health_req runs `endure health --json` as a child; its
 * end (ranks_reap -> agent_health_reaped: 1 when pid was the check) sends
 * the `health` message. */
int agent_health_start(struct agent *a, const struct msg_health_req *r);
enum { CHECK_HEALTH, CHECK_PAIR };
/* Starts argv (owned by the caller) as the node's check child: stdout on a
 * pipe the loop reads into health_out, input (NULL: none) on its stdin,
 * ENDURE_NODE set, killed at timeout_ms. 0, or -1 with the reason in err. */
int agent_check_spawn(struct agent *a, char **argv, const char *input, int64_t timeout_ms, struct buf *err);
/* endure's own executable (for the check children); 0 or -1. */
int agent_self_path(char *out, size_t len);
/* argv building for the check children: appends "flag [val]" (strdup'd). */
void add_arg(char **argv, int *n, const char *flag, const char *val);
void free_argv(char **argv);
/* agent_pair.c: a pair_req runs `endure pair-probe`; rank 0's ready line
 * becomes pair_ready, its end the `pair` message. */
int agent_pair_start(struct agent *a, const struct msg_pair_req *r);
void agent_pair_output(struct agent *a);
void agent_pair_reaped(struct agent *a, int st);
void agent_health_read(struct agent *a);
int agent_health_reaped(struct agent *a, pid_t pid, int st);
int64_t agent_health_deadline(struct agent *a);
void agent_health_timers(struct agent *a);
void agent_health_kill(struct agent *a);

/* agent_ranks.c: ranks_start, ranks_read; agent_stop.c: the others */
/* Takes over *start (a decoded MSG_START). */
int ranks_start(struct agent *a, struct msg *start);
int ranks_spawn(struct agent *a);
void ranks_start_failed(struct agent *a, const char *why);
void ranks_read(struct agent *a, struct stream *s);
void ranks_reap(struct agent *a);
void ranks_begin_stop(struct agent *a, int sig);
void ranks_stop_tick(struct agent *a);
void ranks_monitor(struct agent *a);
void ranks_free(struct agent *a);
void ranks_signal(struct agent *a, int sig);

/* agent_diag.c */
int agent_diag_start(struct agent *a, const struct msg_start *st, struct buf *err);
void agent_diag_stream(struct agent *a, struct stream *s);
int agent_diag_line(struct stream *s, const char *line, size_t len);
void agent_diag_finish(struct stream *s);
json_t *agent_log_tail(const char *path, int maxlines);

/* agent_ckpt.c */
int agent_ckpt_start(struct agent *a, const struct msg_start *st, struct buf *err);
void agent_ckpt_env(struct agent *a, const struct rank *r, json_t *vars);
void agent_ckpt_begin_drain(struct agent *a, int64_t deadline);
int agent_ckpt_drain_step(struct agent *a);
void agent_ckpt_close(struct agent *a, int remove_stage);

/* agent_logs.c: --log-max-size and --log-keep. start: at each attempt's
 * start; open: a rank's live log (size counted); rotate: before writing
 * incoming bytes; protect: r's live segment holds key lines; attempt_end:
 * before the ranks are freed; close: at the agent's exit. */
struct logrot;
struct old_logs;
int agent_logs_start(struct agent *a, const struct msg_start *st);
int agent_log_open(struct agent *a, struct rank *r);
void agent_log_rotate(struct agent *a, struct rank *r, size_t incoming);
void agent_log_protect(struct agent *a, struct rank *r);
void agent_logs_attempt_end(struct agent *a);
void agent_logs_close(struct agent *a);

/* agent_oom.c */
double oom_boot_seconds(void);
/* Finds a kernel OOM-killer record ("Killed process PID (...)") stamped at
 * or after since (seconds since boot; unstamped lines count) in log: 2 when
 * one names pid, else 1 for the newest naming another process, 0 for none;
 * the line (sanitised) goes into out. */
int oom_find(const char *log, size_t len, long pid, double since, char *out, size_t outlen);
long oom_cgroup_kills(void);
/* Adds the number of lines in the rank's log ("lines") and what the node
 * knows about a rank killed by SIGKILL (signal 9, or
 * exit code 137 from a wrapper) to its exit message m: "killer" ("endure":
 * the agent was stopping the ranks, else "outside"), "oom" (the kernel
 * log's record, or the cgroup's new OOM kills) when found, and whether the
 * kernel log and cgroup could be read. */
void agent_exit_facts(struct agent *a, const struct rank *r, int st, struct msg_exit *m);
/* Drops the kept copy of the kernel log (end of an attempt). */
void agent_oom_free(struct agent *a);

/* agent_stop.c */
void ranks_complete_stop(struct agent *a);

/* agent.c */
void agent_send_msg(struct agent *a, const struct msg *m);
/* The attempt-scoped messages: progress, and the counters (dropped, unclassified, events_dropped). */
void agent_send_progress(struct agent *a);
void agent_send_count(struct agent *a, enum msg_type t, int64_t n);
void agent_send_error(struct agent *a, enum msg_type t, const char *error);

#endif
