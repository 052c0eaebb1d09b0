/* ctl_int: the controller's internal state (struct ctl, struct node) and
 * the functions its files export to each other: controller.c (set-up, the
 * poll loop, ctl_finish), ctl_state.c (the transition table), ctl_agents.c
 * (agent connections and messages), ctl_attempt.c (starting an attempt),
 * ctl_decide.c (failures, stops, decisions), ctl_diag.c (diagnosis),
 * ctl_ckpt.c and ctl_ckwarn.c (checkpoints), ctl_runid.c (the run's
 * identity and directories), ctl_summary.c (the summary at exit). */
#ifndef ENDURE_CTL_INT_H
#define ENDURE_CTL_INT_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "common/msg.h"
#include "common/lines.h"
#include "common/proto.h"
#include "supervisor/config.h"
#include "supervisor/journal.h"
#include "supervisor/ctl_state.h"
#include "supervisor/pairplan.h"
#include "supervisor/transport.h"

#define MAX_PENDING 128    /* connections not yet authenticated; when full, the oldest makes room */
#define HANDSHAKE_MS 3000    /* an unauthenticated connection is dropped after this */
#define REJECT_LOG_BURST 5   /* rejections journaled one by one per window ... */
#define REJECT_WINDOW_MS 10000 /* ... the rest counted and summarised per window */

enum fail_kind { F_NONE, F_RANK, F_AGENT, F_HANG, F_SIGNAL, F_SPAWN, F_SPIKE };

struct node {
    char *name;
    enum node_state state;
    pid_t agent_pid;            /* 0 once reaped */
    struct msgconn conn;
    int64_t last_heard;
    int64_t connect_deadline;   /* starting: its agent must connect by then (--agent-timeout from its launch) */
    int watch_out;              /* its connection is watched for EPOLLOUT (unsent bytes) */
    int group_rank;             /* in the current attempt, -1 when spare */
    int stopped;                /* reported stopped in the current attempt */
    int started;                /* its ranks started in the current attempt ("started") */
    int ranks_ok;               /* ranks that exited 0 in the current attempt */
    uint64_t dropped;           /* console lines dropped, whole run */
    char *stage;                /* its checkpoint stage, once its agent said (owned) */
    /* what its agent said of the node in its hello */
    char host[256];             /* hostname */
    char addr[64];              /* its address toward the controller: MASTER_ADDR when group rank 0 */
    int gpus, cpus;             /* -1: not said */
    int shared_fs;              /* sees the run directory: 1, 0, -1 unknown */
    /* the transport's process (srun, ssh): its stderr, read by the loop */
    int err_fd;                 /* -1: none (local agents share the controller's stderr) */
    struct linesplit err_split; /* its lines */
    char err_last[512];         /* the last line it printed: names what went wrong */
    /* health checks (ctl_health.c) */
    int need_health;            /* checked before it next joins an attempt */
    int health_id;              /* the request it has not answered, 0: none */
    int64_t health_deadline;
    /* the pairwise test (ctl_pairs.c, --health pairwise) */
    int need_pair;              /* tested before it next joins an attempt */
    int pair_ok;                /* passed (or skipped) a pairwise test in this run */
    double pair_gbps;           /* its best pair's bandwidth, < 0: none */
    /* bytes its agents wrote to the rank logs (progress messages): earlier agents' and the current one's */
    int64_t log_bytes_base, log_bytes;
    /* exclusions that expire (ctl_budget.c) */
    int excluded_times;         /* lost or excluded, whole run */
    int64_t excluded_at;        /* now_ms() of the last time */
    int retired;                /* excluded more than --exclude-max times: never again */
};

struct pending {                /* a connection before its hello */
    struct msgconn conn;
    char nonce[65];
    int64_t deadline;
};

struct failure {
    enum fail_kind kind;
    char node[130];
    int rank;                   /* -1 when none */
    int code, sig;              /* exit code or signal, -1 when none */
    double at;                  /* seconds since the attempt started */
    char what[512];
    char verdict[256];          /* "category/type (rule)" once diagnosed */
    int not_retryable;
    int llm_waited;             /* the decision waited for the LLM (C_LLM_WAIT) ... */
    int64_t llm_wait_ms;        /* ... this long */
};

/* ctl_ckwarn.c: checkpoint saves that do not complete */
#define MAX_DRAINS 64          /* nodes --slurm-drain asks Slurm to drain in one run */
struct drain {
    struct node *node;
    pid_t pid;                  /* scontrol, 0 once reaped */
};

struct ckwarn {
    json_t *saves;              /* "<attempt>/<tag>" -> step: saved since the last complete TAG */
    json_t *missing;            /* rank -> rank: ranks that did not commit those TAGs */
    int64_t since;              /* now_ms() when the first of them was seen; 0: none */
    int warned;                 /* the warning was given for them */
    int warnings;               /* warnings in the whole run */
    int completed;              /* TAGs completed in the whole run */
    char newest[256];           /* the newest of them */
};

struct attempt_log {
    int n;                      /* the attempt's number */
    int64_t started_ms, ended_ms;
    struct failure f;
    /* checkpoints (ctl_ckpt.c), for the summary's lost work */
    long resume_step;           /* -1: started from scratch */
    int resume_attempt;         /* the attempt that saved it, -1 when unknown */
    int64_t resume_saved_ms;    /* when the controller saw it staged */
    int64_t last_ckpt_ms;       /* newest checkpoint completed in this attempt: when staged, 0 if none */
};

struct ctl {
    struct run_config *cfg;
    char run_dir[PATH_MAX];     /* with --node-rank: <shared_dir>/node-rank-<N> */
    char shared_dir[PATH_MAX];  /* --node-rank: <log-dir>/<run-id>, else "" */
    char run_uid[40];           /* the checkpoint lineage's uid ("" without --ckpt-dir) */
    int ckpt_lockfd, run_lockfd; /* held for the controller's life (ctl_runid.c) */
    int resumed;                /* the run directory existed: the same run resuming */
    json_t *past;               /* an unfinished run's state from its journal (ctl_resume.c), NULL: none */
    int64_t resume_wait_until;  /* the dead controller's ranks are surely gone then; 0: no wait */
    int64_t next_peer_note;     /* --node-rank: next "waiting for peers" line */
    char secret[65];
    char addr[300];             /* host:port agents connect to */
    struct transport tr;        /* how agents are started (points into cfg, addr, secret) */
    int lfd, sfd;
    int epfd;                   /* epoll set of the nodes' connections and stderr pipes */
    int64_t node_tick;          /* next scan of every node: heartbeats sent and checked */
    int64_t next_hb_all;        /* next heartbeat to every ready node */
    struct journal j;
    struct ctl_oncall *oncall;  /* --metrics-file, progress in the journal (ctl_oncall.c) */
    struct worker *bio;         /* slow file work (restore choice, pruning) off the loop */
    struct node nodes[MAX_NODES];
    int nnodes;
    struct pending pend[MAX_PENDING];
    int npend;
    /* rejected connections (ctl_agents.c): rate-limited journal and log */
    int64_t rej_window_end;
    int rej_logged;             /* in the current window */
    uint64_t rej_suppressed;    /* not yet summarised */
    uint64_t rej_total;         /* whole run */
    enum ctl_state state;
    int64_t hb_interval_ms;
    int64_t wait_deadline;      /* agents must connect by then */
    /* the current attempt */
    int attempt;                /* -1 before the first */
    int nactive;
    int master_port;
    char master_addr[256];      /* of the current attempt */
    /* C_RESTORING waits for both: the restore choice and the master port */
    int restore_ready, port_ready;
    int port_node;              /* index of the node asked for the port */
    int64_t port_deadline;
    /* C_HEALTH (ctl_health.c) */
    json_t *health;             /* node -> its report, for attempt-<N>/health.json */
    int health_seq;
    int health_busy, health_again; /* ctl_health.c's progress is running / must run again */
    /* the pairwise test (ctl_pairs.c) */
    int pw_active;              /* a plan runs */
    struct pairplan pw;
    int *pw_node, *pw_ref;      /* plan index -> node index, and whether it is a reference (owned) */
    struct pw_run *pw_runs;     /* the current batch's pairs (owned) */
    json_t *pairs;              /* every pair of this C_HEALTH, for health.json */
    int64_t attempt_start, last_progress, stop_started, stop_deadline, backoff_until;
    int64_t start_deadline;     /* every active node's ranks started by then (the longer of --startup-timeout and --agent-timeout), or it is lost */
    int all_started;            /* every active node said "started" (until then only start_deadline runs) */
    int progressed;
    struct failure fail;
    int backoff_level;
    int restarts;
    int64_t *restart_at;        /* --restart-window: now_ms() of the restarts in the window (ctl_budget.c) */
    int nrestart_at;
    int exit_code;
    char end_reason[512];
    struct attempt_log *hist;   /* the last CTL_HIST_KEEP attempts, oldest first (ctl_summary.c) */
    int nhist;
    int hist_total;             /* attempts of this controller, also those dropped from hist */
    int64_t hist_lost_ms, hist_overhead_ms; /* the summary's figures of the dropped ones */
    int64_t run_start;
    /* diagnosis (ctl_diag.c) */
    struct ruleset *rs;         /* NULL: no rules found, diagnosis off */
    struct policy *policy;
    json_t *rule_paths;         /* absolute paths the agents load */
    json_t *events;             /* this attempt's match events, arrival order */
    json_t *first_failure;      /* {"node","rank","file","tail"} */
    json_t *tails;              /* this attempt's failed ranks: [{"node","rank","file","tail"}] */
    int local_logs;             /* some node does not see the run dir (or --no-shared-fs) */
    char last_signature[512];   /* root cause of the previous failed attempt */
    int ckpt_completed;         /* a checkpoint completed in this attempt */
    json_t *diag_v;             /* the rule verdict of the attempt being decided (owned) */
    /* the LLM (ctl_llm.c, --llm) */
    struct worker *llmw;        /* its thread, NULL: no LLM */
    int llm_curl;               /* curl_global_init was called */
    char *llm_key;              /* loaded at start; ENDURE_LLM_API_KEY is then unset */
    char learned_path[PATH_MAX]; /* the learned rules file, "": --learned off */
    struct llm_job *llm_cur;    /* the newest question still out (to cancel it), NULL: none */
    int llm_cancel_seq;         /* jobs numbered */
    int llm_wait_seq;           /* C_LLM_WAIT waits for this job */
    int64_t llm_wait_start, llm_wait_until;
    json_t *llm_info;           /* for the decided verdict: {"mode", "outcome", "waited_ms"}, NULL: not asked */
    json_t *llm_verdict;        /* the validated answer that came in time, or NULL */
    /* checkpoints (ctl_ckpt.c) */
    json_t *resume;             /* {"tag","step"} the attempt resumes from, or NULL */
    json_t *persisted;          /* tag -> {"step", "nodes": {node: [ranks]}} this attempt */
    json_t *staged;             /* tag -> {"ms", "attempt"}: when its last part was staged, whole run */
    int world_size;             /* of the current attempt */
    struct ckwarn ckwarn;
    /* --save-signal (C_SAVING): the ranks were asked to save; the stop follows */
    int save_sig;
    int interrupt_sig;          /* a signal that arrived during a stop: the run ends with it */
    struct drain drain[MAX_DRAINS]; /* --slurm-drain (ctl_drain.c) */
    int ndrain;
    int exited;                 /* ranks that exited while saving */
    int64_t save_until;
    /* C_DUMPING: the hang's stack dump (ctl_decide.c) */
    int64_t dump_until;
    /* rollback and quarantine (ctl_rollback.c) */
#define LOSS_WINDOW 64
    long progress_step;         /* the attempt's highest step seen, -1: none */
    double loss_win[LOSS_WINDOW]; /* the recent losses (a ring) */
    int nloss, loss_pos;
    int rollback;               /* the next restore rolls back: ROLLBACK_OLDER, ROLLBACK_PAST, 0: no */
#define ROLLBACK_OLDER 1        /* older than the newest and the resumed one (divergence) */
#define ROLLBACK_PAST 2         /* older than the resumed one (it was quarantined) */
    long rollback_from;         /* the step the failure was seen at, -1: unknown */
    long rollback_before;       /* ... and the restore is older than this step (LONG_MAX: no bound) */
    long skip_from, skip_to;    /* ENDURE_SKIP_STEPS of the next attempt, -1: none */
    json_t *quarantined;        /* tags never restored again (owned), NULL: none */
    char q_tag[256], q_sig[512]; /* the same failure right after resuming from q_tag ... */
    int q_count;                /* ... this many times */
    int dump_attempt;           /* the attempt whose ranks got SIGABRT: its later events are the dump's, not evidence */
};

/* ctl_launch.c: the agents' launching processes */
int agents_start(struct ctl *c);
/* Launches node i's agent (again: a readmitted node). 0, or -1 (the node is lost). */
int agents_start_one(struct ctl *c, int i);
void agents_reap(struct ctl *c);
void agents_kill_strays(struct ctl *c);
/* The transport process of n printed on its stderr (n->err_fd readable). */
void agents_err_io(struct ctl *c, struct node *n);

/* ctl_agents.c */
void agents_accept(struct ctl *c);
void agents_pending_io(struct ctl *c, int i, short revents);
void agents_node_io(struct ctl *c, struct node *n, short revents);
void agents_timers(struct ctl *c);
int64_t agents_deadline(struct ctl *c);  /* pending handshakes, rejection summary; -1 if none */
void agents_rejected_flush(struct ctl *c);

void agents_send(struct ctl *c, struct node *n, json_t *msg); /* steals msg */
void agents_send_msg(struct ctl *c, struct node *n, const struct msg *m);
void agents_send_stop(struct ctl *c, struct node *n, int sig, int64_t grace_ms);
void agents_shutdown(struct ctl *c);
void node_lost(struct ctl *c, struct node *n, const char *why);
void node_exclude(struct ctl *c, struct node *n, const char *why);
struct node *node_by_name(struct ctl *c, const char *name);

/* ctl_diag.c */
int ctl_diag_setup(struct ctl *c, struct buf *err);
void ctl_diag_attempt_reset(struct ctl *c);
void ctl_diag_event(struct ctl *c, json_t *ev);
void ctl_diag_note_exit(struct ctl *c, struct node *n, const struct msg_exit *m);
/* Keeps the log tail of a failed rank for failure.json (also while stopping). */
void ctl_diag_note_tail(struct ctl *c, struct node *n, const struct msg_exit *m);
/* A node said whether it sees the run directory (-1: it did not say). */
void ctl_note_shared_fs(struct ctl *c, struct node *n, int shared);
/* Picks the rule verdict of the failed attempt into c->diag_v. */
void ctl_diag_pick(struct ctl *c);
/* Decides on c->diag_v (consumed) and the LLM's answer, if any: the action
 * ("restart", "exclude_node" with *exclude set, or "stop" with why). */
const char *ctl_diag_decide(struct ctl *c, struct node **exclude, char *why, size_t whylen);
void ctl_diag_free(struct ctl *c);

/* ctl_llm.c (see ctl_llm.h). setup: the key (then unset in the
 * environment), the learned file, the thread; begin: in C_DIAGNOSING, asks
 * when the rule verdict needs it, 1 when the decision now waits in
 * C_LLM_WAIT; apply: the verdict that decides (steals v; *by_llm set);
 * guard: an LLM stop below confidence 0.8 restarts; learned: the learned
 * file for the agents (NULL: none yet, or --learned off). */
#define CTL_TAG_LLM UINT64_MAX /* epoll tag of the LLM worker's eventfd */
int ctl_llm_setup(struct ctl *c, struct buf *err);
int ctl_llm_begin(struct ctl *c);
int64_t ctl_llm_deadline(const struct ctl *c);
void ctl_llm_timers(struct ctl *c);
/* A signal in C_LLM_WAIT: the decision goes on with the rule verdict now
 * (failure.json written); the run then ends with the signal. */
void ctl_llm_interrupt(struct ctl *c);
json_t *ctl_llm_apply(struct ctl *c, json_t *v, int *by_llm);
const char *ctl_llm_guard(const json_t *v, const char *act);
const char *ctl_llm_learned(const struct ctl *c, int *candidates);
void ctl_llm_dispatch(struct ctl *c);
void ctl_llm_free(struct ctl *c);

/* ctl_runid.c: locks the checkpoint dir, adopts or mints the run uid,
 * creates or resumes (and locks) the run directory under parent. 0 or -1. */
int ctl_claim_run(struct ctl *c, const char *parent, struct buf *err);
void ctl_release_run(struct ctl *c);
/* --node-rank: when the next "waiting for peers" line is due (-1: none) and
 * the line itself, said while no rank has made progress. */
int64_t ctl_peers_deadline(struct ctl *c);
void ctl_peers_note(struct ctl *c);

/* ctl_ckpt.c */
void ctl_ckpt_startup(struct ctl *c);
/* Fills the checkpoint part of a start message; 0 when the run has none. */
int ctl_ckpt_start_config(struct ctl *c, struct msg_ckpt_cfg *out);
void ctl_ckpt_restore_begin(struct ctl *c);
void ctl_ckpt_prune(struct ctl *c);
void ctl_ckpt_event(struct ctl *c, struct node *n, json_t *ev);
void ctl_ckpt_attempt_log(struct ctl *c, struct attempt_log *h); /* resume_* of a new attempt */

/* ctl_ckwarn.c */
void ctl_ckwarn_event(struct ctl *c, const char *what, const json_t *ev); /* a ckpt event */
void ctl_ckwarn_complete(struct ctl *c, const char *tag);
int64_t ctl_ckwarn_deadline(struct ctl *c);  /* -1: none */
void ctl_ckwarn_timers(struct ctl *c);
void ctl_ckwarn_restart(struct ctl *c);      /* before an attempt after the first */
void ctl_ckwarn_summary(struct ctl *c);
void ctl_ckwarn_free(struct ctl *c);

/* ctl_attempt.c */
void attempt_maybe_start(struct ctl *c);
/* C_RESTORING: asks the next attempt's group-rank-0 node for a free port
 * (MSG_PORT_REQ); attempt_on_port takes the answer; attempt_try_launch
 * starts the attempt once the port and the restore choice are both known. */
void attempt_request_port(struct ctl *c);
void attempt_on_port(struct ctl *c, struct node *n, const struct msg_port *m);
void attempt_try_launch(struct ctl *c);
void attempt_launch(struct ctl *c);  /* in C_RUNNING, once the restore choice is made */
int ctl_healthy_nodes(struct ctl *c);

/* ctl_decide.c */
void attempt_fail(struct ctl *c, const struct failure *f);
void attempt_on_exit(struct ctl *c, struct node *n, const struct msg_exit *m);
void attempt_on_stopped(struct ctl *c, struct node *n);
void attempt_timers(struct ctl *c);
void attempt_on_signal(struct ctl *c, int sig);
int64_t attempt_deadline(struct ctl *c);
/* An active node of the attempt whose ranks have not started yet, or NULL. */
struct node *attempt_unstarted(struct ctl *c);
/* What follows a failed attempt whose nodes are settled, as a sentence
 * (decide() takes the same branches). */
void ctl_next_step(struct ctl *c, char *out, size_t len);
/* Decides after the diagnosis (C_DECIDING): stop, exclude, restart. */
void attempt_decide(struct ctl *c);

/* ctl_drain.c: --slurm-drain of a node excluded for an infrastructure
 * verdict (c->fail.verdict), or for a reason of type type (ctl_drain_type);
 * ctl_drain_reaped: 1 when pid was scontrol. */
void ctl_drain(struct ctl *c, struct node *n);
void ctl_drain_type(struct ctl *c, struct node *n, const char *type);

/* ctl_health.c: C_HEALTH. begin: entered (from attempt_maybe_start);
 * result: a node's `health` message; node_gone: a node waited for was lost;
 * after_attempt: spares are checked again before they join. */
void ctl_health_begin(struct ctl *c);
void ctl_health_result(struct ctl *c, struct node *n, const struct msg_health *m);
int64_t ctl_health_deadline(struct ctl *c);
void ctl_health_timers(struct ctl *c);
void ctl_health_node_gone(struct ctl *c, struct node *n);
void ctl_health_after_attempt(struct ctl *c);
/* Re-evaluates C_HEALTH after an answer, a loss or a timer. */
void ctl_health_progress(struct ctl *c);
/* Node i is among the nodes the next attempt takes (spares too before the first). */
int ctl_health_wanted(const struct ctl *c, int i);
/* Excludes n for a failed check: node_unhealthy journaled (with report), drained. */
void ctl_health_exclude(struct ctl *c, struct node *n, const char *why, json_t *report);
/* ctl_pairs.c: the pairwise test inside C_HEALTH. step: 1 while pairs run,
 * 2 after a plan ended (verdicts applied: re-check), 0 when none is needed. */
int ctl_pairs_step(struct ctl *c);
void ctl_pairs_ready(struct ctl *c, struct node *n, const struct msg_pair_ready *m);
void ctl_pairs_result(struct ctl *c, struct node *n, const struct msg_pair *m);
int64_t ctl_pairs_deadline(struct ctl *c);
void ctl_pairs_timers(struct ctl *c);
void ctl_pairs_node_gone(struct ctl *c, struct node *n);
void ctl_pairs_free(struct ctl *c);
/* ctl_stacks.c: a hang's verdict v gets the odd rank out of the stacks in
 * the exit tails (after C_DUMPING); stacks saved in attempt-<N>/stacks/. */
void ctl_stacks_verdict(struct ctl *c, json_t *v);
/* ctl_rollback.c. attempt_start: resets the attempt's steps and losses.
 * progress: notes a progress message's step and loss; a loss spike fails
 * the running attempt (F_SPIKE). decide: the action after quarantine bookkeeping
 * ("rollback" sets up the next restore). env: the skip variables. */
void ctl_rollback_attempt_start(struct ctl *c);
void ctl_rollback_progress(struct ctl *c, const struct node *n, const struct msg_progress *p);
const char *ctl_rollback_decide(struct ctl *c, const char *act, const char *sig);
void ctl_rollback_env(const struct ctl *c, json_t *env);
int ctl_drain_reaped(struct ctl *c, pid_t pid, int st);

/* controller.c: the epoll set of the nodes. tag: node index * 2 for its
 * connection, + 1 for its transport's stderr; out: also EPOLLOUT. */
void ctl_watch(struct ctl *c, int fd, uint64_t tag, int out);
void ctl_unwatch(struct ctl *c, int fd);

/* ctl_listen.c: the listening socket, c->addr and c->tr. 0 or -1 (err). */
int ctl_listen(struct ctl *c, struct buf *err);

/* ctl_budget.c: --restart-window and --exclude-for. used: restarts that
 * count against --max-restarts now; note: a restart at `at` (now_ms());
 * describe/json: the budget left, for the summary and the journal;
 * node_out: n was lost or excluded at `at`; timers/deadline: expired
 * exclusions bring nodes back. */
int ctl_budget_used(struct ctl *c, int64_t now);
void ctl_budget_note(struct ctl *c, int64_t at);
void ctl_budget_describe(struct ctl *c, char *out, size_t len);
json_t *ctl_budget_json(struct ctl *c);
void ctl_budget_node_out(struct ctl *c, struct node *n, int64_t at);
int64_t ctl_budget_deadline(struct ctl *c);
void ctl_budget_timers(struct ctl *c);

/* ctl_resume.c: read: the journal of an existing run directory (a cut
 * last line removed), kept in c->past when the run is unfinished; apply:
 * restarts, back-off, exclusions restored and run_resumed journaled (after
 * the nodes are set up, before their agents start); waiting: the first
 * attempt waits for the dead controller's ranks to be gone. */
int ctl_resume_read(struct ctl *c);
void ctl_resume_apply(struct ctl *c);
int64_t ctl_resume_deadline(struct ctl *c);
void ctl_resume_timers(struct ctl *c);
int ctl_resume_waiting(struct ctl *c);

/* controller.c */
void ctl_finish(struct ctl *c, int code, const char *why);

/* ctl_summary.c */
void ctl_summary(struct ctl *c);
/* A new record for attempt n started at started_ms (zeroed), or NULL when
 * out of memory; beyond CTL_HIST_KEEP records the oldest is folded into
 * the summary's totals, so that weeks of attempts take constant memory. */
struct attempt_log *ctl_hist_push(struct ctl *c, int n, int64_t started_ms);

#endif
