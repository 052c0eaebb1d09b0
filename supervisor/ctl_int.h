/* ctl_int: the controller's internal state, shared by controller.c (setup
 * and the poll loop), ctl_agents.c (agent connections and messages) and
 * ctl_attempt.c (attempts, stops, decisions, the summary). */
#ifndef ENDURE_CTL_INT_H
#define ENDURE_CTL_INT_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "common/proto.h"
#include "supervisor/config.h"
#include "supervisor/journal.h"

#define MAX_PENDING 32
#define HANDSHAKE_MS 5000

enum node_state { NODE_STARTING, NODE_READY, NODE_LOST, NODE_EXCLUDED };
enum ctl_state { C_WAIT_AGENTS, C_RUNNING, C_STOPPING, C_BACKOFF, C_DONE };
enum fail_kind { F_NONE, F_RANK, F_AGENT, F_HANG, F_SIGNAL, F_SPAWN };

struct node {
    char *name;
    enum node_state state;
    pid_t agent_pid;            /* 0 once reaped */
    struct msgconn conn;
    int64_t last_heard, next_hb;
    int group_rank;             /* in the current attempt, -1 when spare */
    int stopped;                /* reported stopped in the current attempt */
    int ranks_ok;               /* ranks that exited 0 in the current attempt */
    uint64_t dropped;           /* console lines dropped, whole run */
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
};

struct attempt_log {
    int64_t started_ms, ended_ms;
    struct failure f;
};

struct ctl {
    struct run_config *cfg;
    char run_dir[PATH_MAX];
    char secret[65];
    char addr[128];             /* host:port agents connect to */
    int lfd, sfd;
    struct journal j;
    struct node nodes[MAX_NODES];
    int nnodes;
    struct pending pend[MAX_PENDING];
    int npend;
    enum ctl_state state;
    int64_t hb_interval_ms;
    int64_t wait_deadline;      /* agents must connect by then */
    /* the current attempt */
    int attempt;                /* -1 before the first */
    int nactive;
    int master_port;
    int64_t attempt_start, last_progress, stop_started, stop_deadline, backoff_until;
    int progressed;
    struct failure fail;
    int backoff_level;
    int restarts;
    int exit_code;
    char end_reason[512];
    struct attempt_log *hist;   /* one per attempt */
    int nhist;
    int64_t run_start;
    /* diagnosis (ctl_diag.c) */
    struct ruleset *rs;         /* NULL: no rules found, diagnosis off */
    struct policy *policy;
    json_t *rule_paths;         /* absolute paths the agents load */
    json_t *events;             /* this attempt's match events, arrival order */
    json_t *first_failure;      /* {"node","rank","file","tail"} */
    char last_signature[512];   /* root cause of the previous failed attempt */
    int ckpt_completed;         /* a checkpoint completed in this attempt */
    /* checkpoints (ctl_ckpt.c) */
    json_t *resume;             /* {"tag","step"} the attempt resumes from, or NULL */
    json_t *persisted;          /* tag -> {"step", "nodes": {node: [ranks]}} this attempt */
    int world_size;             /* of the current attempt */
    /* --save-signal: the ranks were asked to save; the stop follows */
    int saving;
    int save_sig;
    int exited;                 /* ranks that exited while saving */
    int64_t save_until;
};

/* ctl_agents.c */
int agents_start(struct ctl *c);
void agents_accept(struct ctl *c);
void agents_pending_io(struct ctl *c, int i, short revents);
void agents_node_io(struct ctl *c, struct node *n, short revents);
void agents_timers(struct ctl *c);
void agents_reap(struct ctl *c);
void agents_kill_strays(struct ctl *c);
void agents_send(struct ctl *c, struct node *n, json_t *msg); /* steals msg */
void agents_shutdown(struct ctl *c);
void node_lost(struct ctl *c, struct node *n, const char *why);
void node_exclude(struct ctl *c, struct node *n, const char *why);
struct node *node_by_name(struct ctl *c, const char *name);

/* ctl_diag.c */
int ctl_diag_setup(struct ctl *c, struct buf *err);
void ctl_diag_attempt_reset(struct ctl *c);
void ctl_diag_event(struct ctl *c, json_t *ev);
void ctl_diag_note_exit(struct ctl *c, struct node *n, json_t *m);
const char *ctl_diag_decide(struct ctl *c, struct node **exclude, char *why, size_t whylen);
void ctl_diag_free(struct ctl *c);

/* ctl_ckpt.c */
void ctl_ckpt_startup(struct ctl *c);
json_t *ctl_ckpt_start_config(struct ctl *c);  /* the "ckpt" part of a start message, or NULL */
void ctl_ckpt_before_attempt(struct ctl *c);
void ctl_ckpt_event(struct ctl *c, struct node *n, json_t *ev);

/* ctl_attempt.c */
void attempt_maybe_start(struct ctl *c);
void attempt_fail(struct ctl *c, const struct failure *f);
void attempt_on_exit(struct ctl *c, struct node *n, json_t *m);
void attempt_on_stopped(struct ctl *c, struct node *n);
void attempt_timers(struct ctl *c);
void attempt_on_signal(struct ctl *c, int sig);
void ctl_finish(struct ctl *c, int code, const char *why);
void ctl_summary(struct ctl *c);
int64_t attempt_deadline(struct ctl *c);
int ctl_healthy_nodes(struct ctl *c);

#endif
