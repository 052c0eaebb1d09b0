/* config: the configuration of one `endure run`, parsed from torchrun's flags
 * (dash and underscore spellings, PET_<NAME> environment equivalents) and
 * endure's own flags. The struct owns its strings (config_free). */
#ifndef ENDURE_CONFIG_H
#define ENDURE_CONFIG_H
#include <stdint.h>
#include <jansson.h>
#include "common/buf.h"

#define MAX_NODES 4096
#define MAX_SIGNALS 16
#define MAX_RULE_PATHS 32

enum nproc_mode { NPROC_NUMBER, NPROC_CPU, NPROC_GPU, NPROC_AUTO };
enum health_mode { HEALTH_OFF, HEALTH_LOCAL, HEALTH_PAIRWISE };
enum llm_mode { LLM_MODE_OFF, LLM_MODE_OBSERVE, LLM_MODE_ADVISE };
enum learned_mode { LEARNED_ACCEPTED, LEARNED_AUTO, LEARNED_OFF };

struct run_config {
    /* torchrun-compatible */
    int nnodes_min, nnodes_max;
    int nproc;                 /* ranks per node (of the current attempt when counted on the nodes) */
    int nproc_mode;            /* NPROC_NUMBER, or what to count: on this machine for the local
                                * transport, per attempt on the nodes (their agents' hello) otherwise */
    int max_restarts;
    int64_t monitor_interval_ms;
    char *log_dir;             /* parent of the run directory */
    char *redirects;           /* torchrun -r spec, "0" default */
    char *tee;                 /* torchrun -t spec */
    char *local_ranks_filter;  /* comma list or NULL for all */
    char *master_addr;
    int master_port;           /* 0: a free port per attempt */
    int node_rank;             /* -1 unless set (per-node torchrun-style mode) */
    char *role;
    int module;                /* -m: script is a module */
    int no_python;
    int run_path;
    char *run_id;              /* --rdzv-id, else generated */
    int standalone;
    char *rdzv_backend, *rdzv_endpoint, *rdzv_conf; /* accepted; see --help */
    /* endure's own */
    char *nodes[MAX_NODES];
    int nnodes_list;
    int slots[MAX_NODES];      /* --hostfile slots=N per node, -1: none */
    char *nodes_expr;          /* --nodes as given (a hostlist expression) */
    char *hostfile;            /* --hostfile */
    int nnodes_set;            /* --nnodes was given */
    char *transport;           /* auto, local, slurm, ssh; resolved by config_resolve_nodes */
    int transport_kind;        /* enum transport_kind, once resolved */
    char *slurm_job;           /* SLURM_JOB_ID (slurm transport) */
    char *ssh_opts, *agent_cmd;
    char *controller_addr;     /* --controller-addr HOST[:PORT], NULL: chosen */
    int slurm_drain;           /* drain nodes excluded for hardware/infrastructure verdicts */
    int no_shared_fs;          /* the run directory is not shared with the nodes */
    /* health checks before attempts (supervisor/ctl_health.c, health/) */
    int health;                /* HEALTH_OFF, HEALTH_LOCAL, HEALTH_PAIRWISE */
    char *pair_probe;          /* pairwise backend: auto (nccl on GPU nodes, else tcp), tcp, nccl, command */
    char *pair_command;        /* the command backend's shell command */
    int64_t pair_bytes;        /* per direction / all-reduce; 0: the backend's default */
    double straggler_ratio;    /* a node under ratio x the median bandwidth is a straggler */
    int exclude_stragglers;    /* stragglers are excluded, not only journaled */
    int64_t health_timeout_ms, health_probe_timeout_ms, gpu_free_timeout_ms;
    int health_fail_after;
    int gpus_per_node;         /* GPUs each node must have, -1: not checked */
    int64_t min_free, min_mem; /* bytes, 0: the probes' defaults */
    json_t *health_probes;     /* array of probe names, NULL: all */
    int64_t stop_timeout_ms, kill_timeout_ms, hang_timeout_ms, startup_timeout_ms;
    int64_t hang_dump_timeout_ms; /* a hang: SIGABRT for stacks, then the stop after this; 0: no dump */
    double spike_factor;       /* a loss above this x the recent median fails the attempt; 0: off */
    int quarantine_after;      /* a checkpoint followed by the same failure this often is never restored */
    int64_t heartbeat_timeout_ms, agent_timeout_ms;
    int64_t backoff_ms, backoff_max_ms, healthy_after_ms;
    char *progress_regex;
    int signals[MAX_SIGNALS];
    int nsignals;
    char *python;              /* $PYTHON_EXEC, default python3 */
    /* diagnosis (diagnose/diagnose.h) */
    char *rules[MAX_RULE_PATHS];   /* --rules, repeatable: extend the shipped set */
    int nrules;
    int no_default_rules;
    char *policy;                  /* --policy FILE */
    /* the LLM (supervisor/ctl_llm.c, diagnose/llm.h) */
    char *llm_url;                 /* --llm, ENDURE_LLM_URL; NULL: no LLM */
    char *llm_model, *llm_key_file, *llm_cacert;
    int64_t llm_timeout_ms, llm_wait_ms, llm_max_prompt;
    int llm_mode;                  /* LLM_MODE_*; advise when --llm is given */
    double llm_min_confidence;
    char *learned_rules;           /* NULL: <log-dir>/learned-rules/learned.yaml */
    int learned;                   /* LEARNED_* */
    /* checkpoints (checkpoint/ckpt.h) */
    char *ckpt_dir;            /* NULL: no checkpoint handling */
    char *stage_dir;           /* NULL: /dev/shm/endure-<run-id>-<uid>-<node> */
    int keep;
    long keep_every;
    int verify;                /* enum ckpt_verify */
    int save_signal;           /* 0: none */
    int64_t save_grace_ms, persist_timeout_ms;
    int persist_threads;
    int ckpt_warn_saves;       /* warn after this many saves with none complete */
    int64_t ckpt_warn_after_ms; /* or this long after the first of them */
    int shared_perms;          /* run dir and checkpoints follow the umask, not 0700/0600 */
    int rank_umask;            /* the user's umask, restored for the ranks; -1: not changed */
    int64_t stage_max_age_ms;  /* sweep dead runs' stages older than this */
    /* weeks without a human */
    int64_t log_max_size;      /* bytes per rank log before it rotates; 0: never */
    int64_t log_keep;          /* the run's total log bytes; 0: no cap */
    int plain_logs;            /* --plain-logs: ended attempts' logs are not gzipped */
    int64_t restart_window_ms; /* --max-restarts counts restarts in any window this long; 0: the whole run */
    int64_t exclude_for_ms;    /* an excluded node may come back after this; 0: never (the run) */
    int exclude_max;           /* a node excluded more than this many times never comes back */
    int resume;                /* --resume RUN_DIR: log_dir and run_id from it; it must exist */
    /* the training command */
    char **cmd;                /* argv of the program the ranks run, NULL-terminated */
    int ncmd;
    char *metrics_file;        /* --metrics-file PATH (oncall/metrics.c), NULL: none */
    char *metrics_addr;        /* --metrics-addr HOST:PORT (oncall/metrics_http.c), NULL: none */
#define MAX_NOTIFY_URLS 8      /* = NOTIFY_MAX_URLS (oncall/notify.h) */
    char *notify[MAX_NOTIFY_URLS]; /* --notify URLs (secrets: never printed unredacted) */
    int nnotify;
    char *notify_cmd;          /* --notify-cmd CMD, NULL: none */
};

/* Fills cfg from the environment (PET_*) and argv (argv[0] is "run").
 * Returns 0; 1 when help was printed; -1 on a usage error with a one-line
 * message in err naming the flag. */
int config_parse(struct run_config *cfg, int argc, char **argv, struct buf *err);
void config_free(struct run_config *cfg);
/* The configuration as a JSON object for the journal (caller owns). */
json_t *config_to_json(const struct run_config *cfg);
/* Prints `endure run --help`. */
void config_usage(void);
/* Chooses the transport (auto: slurm inside an allocation without --nodes,
 * ssh with --hostfile, else local) and fills the node list from --nodes,
 * --hostfile or SLURM_JOB_NODELIST (supervisor/config_nodes.c). 0, or -1
 * with one sentence in err. */
int config_resolve_nodes(struct run_config *c, struct buf *err);

#endif
