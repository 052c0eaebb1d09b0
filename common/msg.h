/* msg: the typed controller <-> agent protocol. One enum of message types,
 * one C struct per message, one encoder and one strict decoder per message,
 * and the table that maps type names to the enum. Nothing else builds or reads
 * JSON on the wire: proto.c frames the objects these functions produce.
 *
 * Decoding is strict (jansson's json_unpack_ex with JSON_STRICT): a missing
 * field, a field of the wrong JSON type or an unknown field is a protocol
 * error whose message names the field. Nested values that are opaque to the
 * protocol (the ranks' environment, a classifier event, a checkpoint event,
 * a log tail) stay json_t and are only checked for their JSON type.
 *
 * Ownership: a decoded struct msg borrows every string and json_t from the
 * JSON object it was decoded from, which it holds a reference to; msg_free()
 * drops that reference. Encoding never takes ownership of the struct's
 * pointers (json_t fields are incref'd into the result). */
#ifndef ENDURE_MSG_H
#define ENDURE_MSG_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Bumped on any incompatible change; the handshake refuses a mismatch. */
#define MSG_PROTO_VERSION 4

enum msg_type {
    MSG_CHALLENGE,      /* controller -> agent, first message */
    MSG_HELLO,          /* agent -> controller, answers the challenge */
    MSG_WELCOME,        /* controller -> agent, completes the handshake */
    MSG_HB,             /* both ways, heartbeat */
    MSG_START,          /* controller -> agent: start an attempt's ranks */
    MSG_STOP,           /* controller -> agent: stop the ranks (or shut down) */
    MSG_SIGNAL,         /* controller -> agent: send a signal to the ranks */
    MSG_STARTED,        /* agent: ranks spawned */
    MSG_EXIT,           /* agent: a rank ended */
    MSG_PROGRESS,       /* agent: progress seen */
    MSG_STOPPED,        /* agent: every process of the attempt is reaped */
    MSG_EVENT,          /* agent: a classified root/symptom line */
    MSG_CKPT,           /* agent: a checkpoint event */
    MSG_DROPPED,        /* agent: console lines dropped */
    MSG_UNCLASSIFIED,   /* agent: lines shed by the classifier */
    MSG_EVENTS_DROPPED, /* agent: events over the cap */
    MSG_LIMIT_HITS,     /* agent: pattern runs stopped at the PCRE2 match limit */
    MSG_LOG_ERROR,      /* agent: a rank log could not be written */
    MSG_SPAWN_ERROR,    /* agent: the ranks could not be started */
    MSG_PORT_REQ,       /* controller -> agent: choose a free MASTER_PORT on your node */
    MSG_PORT,           /* agent: the port it chose */
    MSG_HEALTH_REQ,     /* controller -> agent: run the node's health probes */
    MSG_HEALTH,         /* agent: their results */
    MSG_PAIR_REQ,       /* controller -> agent: run one side of a pairwise link test */
    MSG_PAIR_READY,     /* agent (rank 0 of a pair): the peer may connect */
    MSG_PAIR,           /* agent: that side's result */
    MSG__COUNT
};

struct msg_challenge { const char *nonce; int version; };
struct msg_hello {
    const char *node; int pid; const char *nonce; const char *mac; int version;
    /* optional (NULL / -1 when absent): what the controller needs of a node */
    const char *release;                  /* ENDURE_VERSION of the agent */
    const char *host;                     /* its hostname */
    const char *addr;                     /* its address toward the controller (MASTER_ADDR) */
    int gpus, cpus;                       /* what the node (or its Slurm step) sees */
};
struct msg_welcome { const char *mac; int64_t hb_interval_ms, hb_timeout_ms; };

/* The checkpoint part of a start message (has_ckpt in msg_start). */
struct msg_ckpt_cfg {
    const char *dir, *stage_dir, *run_id; /* stage_dir NULL: the default */
    const char *run_uid;                  /* the run's lineage (checkpoint/runid.c) */
    int world_size, threads;
    int64_t persist_timeout_ms;
    int has_resume;
    const char *resume_tag;
    int64_t resume_step;
    int save_signal;                      /* 0: none */
};

struct msg_start {
    int attempt, nproc, group_rank;
    const char *node_dir, *cwd;
    json_t *cmd;                          /* array of strings */
    const char *redirects;
    const char *local_ranks_filter;       /* NULL: none */
    const char *progress_regex;           /* NULL: none */
    int64_t monitor_ms, stop_timeout_ms, kill_timeout_ms;
    json_t *env;                          /* object: name -> string */
    int has_ckpt;
    struct msg_ckpt_cfg ckpt;
    json_t *rules;                        /* array of paths, NULL: none */
    int umask;                            /* the ranks' umask (the user's), -1: the agent's */
    int64_t stage_max_age_ms;             /* dead runs' stages older than this are swept; <= 0: none */
    const char *run_dir;                  /* the controller's run directory, NULL: not said */
    int shared_fs;                        /* 0: --no-shared-fs (long tails in exit messages) */
    int64_t log_max_size;                 /* a rank log rotates at this size; 0: never */
    int64_t log_keep;                     /* this node's share of the run's log cap; 0: none */
    int plain_logs;                       /* 1: --plain-logs (ended attempts' logs stay uncompressed) */
    const char *learned;                  /* the learned rules file (loaded with rules), NULL: none */
    int learned_candidates;               /* also its candidate rules (--learned auto) */
};

struct msg_stop { int signal; int64_t grace_ms; int shutdown; };
struct msg_signal { int signal; };
struct msg_started { int attempt; json_t *pids; int shared_fs; /* -1: not said */ };
struct msg_exit {
    int attempt, rank, local_rank;
    double ts;
    const char *file;
    int code, signal;                     /* exactly one is >= 0 */
    json_t *tail;                         /* array of strings, NULL: none */
    int64_t lines;                        /* lines in the rank's log */
    /* for a SIGKILL (or exit 137), what the node knows (launcher/agent_oom.c);
     * NULL when not a kill */
    const char *killer;                   /* "endure" (a stop) or "outside" */
    const char *kernel_log, *cgroup;      /* "read" or "unreadable" */
    json_t *oom;                          /* object: the OOM-killer record, NULL: none found */
};
/* PROGRESS: step and loss of the last progress line, when it had them
 * (-1 and NaN: none; optional on the wire). */
struct msg_progress { int attempt; int64_t step; double loss; int64_t log_bytes; /* the agent's total, -1: not said */ };
struct msg_stopped { int attempt; int64_t ms; json_t *unreaped; };
struct msg_payload { int attempt; json_t *event; };   /* MSG_EVENT, MSG_CKPT */
/* DROPPED (n console lines; messages: the agent's own lost), UNCLASSIFIED,
 * EVENTS_DROPPED, LIMIT_HITS */
struct msg_count { int attempt; int64_t n; int64_t messages; };
struct msg_error { int attempt; const char *error; }; /* LOG_ERROR, SPAWN_ERROR */
struct msg_port { int attempt; int port; };           /* PORT_REQ (port 0), PORT */
/* HEALTH_REQ: `endure health --json` with these settings, on the node. */
struct msg_health_req {
    int id;
    json_t *probes;                       /* array of probe names, NULL: every probe */
    int gpus;                             /* GPUs the node should have, -1: not checked */
    int fail_after;                       /* debounce: consecutive failing runs */
    int64_t timeout_ms;                   /* the whole check (the agent kills it after) */
    int64_t probe_timeout_ms, gpu_free_timeout_ms;
    int64_t min_free, min_mem;            /* bytes, 0: the command's defaults */
    const char *ckpt_dir, *stage_dir;     /* NULL: none */
};
/* HEALTH: result "pass" | "warn" | "fail" | "error" (the check could not run
 * or timed out: error says why); report is the command's JSON. */
struct msg_health { int id; const char *result; json_t *report; const char *error; };
/* PAIR_REQ: `endure pair-probe` on the node (health/pair.h); rank 0 serves,
 * rank 1 connects to addr:port or joins nccl_id. token: the tcp secret of
 * the pair (64 hex characters), handed to the child on stdin. */
struct msg_pair_req {
    int id, rank;
    const char *backend;                  /* "tcp", "nccl", "command" */
    const char *addr;                     /* rank 0's address, NULL: none */
    int port;                             /* rank 1: rank 0's port; 0: none */
    const char *nccl_id, *token, *command; /* NULL: none */
    int64_t bytes, timeout_ms;
    int iters;
};
/* PAIR_READY: rank 0 listens on port (tcp, command) or made nccl_id. */
struct msg_pair_ready { int id; int port; const char *nccl_id; };
/* PAIR: result "pass" | "fail" | "skip" | "error" (could not run); gbps < 0
 * when not measured. */
struct msg_pair { int id; const char *result; const char *reason; double gbps; int64_t ms; };

struct msg {
    enum msg_type type;
    json_t *raw;                          /* the decoded object (owned), NULL when built */
    union {
        struct msg_challenge challenge;
        struct msg_hello hello;
        struct msg_welcome welcome;
        struct msg_start start;
        struct msg_stop stop;
        struct msg_signal signal;
        struct msg_started started;
        struct msg_exit exit;
        struct msg_progress progress;
        struct msg_stopped stopped;
        struct msg_payload payload;
        struct msg_count count;
        struct msg_error error;
        struct msg_port port;
        struct msg_health_req health_req;
        struct msg_health health;
        struct msg_pair_req pair_req;
        struct msg_pair_ready pair_ready;
        struct msg_pair pair;
    } u;
};

/* The wire name of a type ("start"), or NULL when out of range. */
const char *msg_type_name(enum msg_type t);
/* The type of a wire name; -1 when unknown. */
int msg_type_of(const char *name);
/* Builds the JSON object of m (caller owns it); NULL when m is invalid. */
json_t *msg_encode(const struct msg *m);
/* Decodes j (takes a new reference to it on success). 0 on success; -1 with a
 * message naming the type and field in err on a protocol error. */
int msg_decode(json_t *j, struct msg *out, char *err, size_t errlen);
/* Drops the reference a decoded message holds; safe on a built one. */
void msg_free(struct msg *m);

#endif
