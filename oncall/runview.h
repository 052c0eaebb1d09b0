/* runview: a run as the on-call tools see it, folded from its journal
 * (events.jsonl). One fold serves `endure status`, `endure report`, the
 * bundle and the controller's metrics, so that they count alike. The fold is
 * incremental: rv_load() reads only what was appended since the last call,
 * up to the last complete line (a journal cut mid-line or still being
 * written). The struct runview owns everything it points to. */
#ifndef ENDURE_RUNVIEW_H
#define ENDURE_RUNVIEW_H
#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#define RV_SAMPLES 128        /* progress samples kept for steps/s */
#define RV_RATE_WINDOW 300.0  /* steps/s over the last 5 minutes */
#define RV_NODE_EVENTS 1000
#define RV_LINE_MAX (4u << 20) /* a longer journal line is skipped */

struct rv_attempt {
    int n;
    double start, end;        /* attempt_start, attempt_end (0: not ended) */
    int ok;                   /* 1 ok, 0 failed, -1 not ended */
    long resume_step;         /* the step it resumed from, -1 none */
    double first_prog, last_prog; /* first and last progress event (0: none) */
    long first_step, last_step;
    double fail_ts;           /* the failure event (0: none) */
    char fail_kind[32], fail_what[256], fail_node[128];
    json_t *nodes;            /* array of node names */
    json_t *verdict;          /* the verdict object, or NULL */
    double stop_begin;
    int ranks_running;
};

struct rv_ckpt {
    char tag[96];
    long step;
    double ts;                /* ckpt_complete */
    int attempt;
    double persist_s;         /* slowest node's persist seconds */
    long long bytes;          /* staged bytes of all nodes */
};

/* Buckets (upper bounds, seconds) of the persist-time histogram. */
#define RV_PERSIST_BUCKETS 9
extern const double rv_persist_le[RV_PERSIST_BUCKETS];

/* What a bounded runview (keep > 0) folded away: the attempts dropped from
 * att[], as totals. */
struct rv_folded {
    int natt;
    double productive, lost_work, lost_restart;
    json_t *lost_by_cause;    /* cause -> seconds */
};

struct runview {
    char run_id[128];
    char run_dir[512];
    char ckpt_dir[512];       /* --ckpt-dir of the newest run_start; "": none */
    double start, last_ts, end;
    int ended, exit_code, resumed;
    char end_reason[512];
    char state[32];           /* see rv_state_name() in runview.c */
    double backoff_until;
    int max_restarts, restarts;
    struct rv_attempt *att;
    int natt, capatt;
    struct rv_ckpt *ck;
    int nck, capck;
    json_t *nodes;            /* name -> {"state", ["reason"]} */
    json_t *restart_reasons;  /* reason -> count (bounded label set) */
    json_t *failures;         /* "category\ttype" -> count */
    long persist_n;           /* ckpt_persisted events with seconds */
    double persist_sum;
    long persist_le[RV_PERSIST_BUCKETS]; /* of them, at most rv_persist_le[k] */
    json_t *pend_ck;          /* tag -> {"s","b"}: persisted, not yet complete */
    json_t *node_events;      /* [{ts, node, event, reason}] exclusions, losses (at most RV_NODE_EVENTS) */
    long long ckpt_bytes, unclassified, console_dropped;
    struct { double ts; long step; } samp[RV_SAMPLES];
    int nsamp;                /* samples of the current attempt, ring */
    /* bounded (the controller, for weeks): at most keep attempts in att[]
     * (older ones folded into old) and 4 * keep checkpoints in ck[];
     * 0: everything (status, report, bundle read a journal once) */
    int keep;
    struct rv_folded old;
    /* reading */
    off_t offset;             /* bytes of complete lines folded */
    long bad_lines;           /* lines that are not a JSON object */
};

void rv_init(struct runview *rv);
void rv_free(struct runview *rv);
/* Folds one journal event (an object with "ts" and "event"). */
void rv_feed(struct runview *rv, const json_t *ev);
/* Reads the complete lines appended to path since the last call and folds
 * them. Returns 0, or -1 with errno (the file cannot be opened or read). */
int rv_load(struct runview *rv, const char *path);
/* "2026-01-02T03:04:05.678Z" -> seconds since the epoch, or -1. */
double rv_parse_ts(const char *s);

/* Derived figures, all at time now (wall clock seconds). */
struct rv_figures {
    double wall;              /* now (or run_end) - the first run_start */
    double productive;        /* sum over attempts of last_prog - first_prog */
    double goodput;           /* productive / wall, -1 when wall is 0 */
    double lost_work, lost_restart; /* time lost to failures, its two parts */
    double steps_per_s;       /* over the last RV_RATE_WINDOW, -1 unknown */
    long step;                /* newest progress step, -1 none */
    double step_ts;           /* its time, 0 none */
};
void rv_figures(const struct runview *rv, double now, struct rv_figures *f);
/* Time lost per cause ("category/type" of the verdict, else the failure's
 * kind): an object cause -> seconds (new reference). */
json_t *rv_lost_by_cause(const struct runview *rv);
/* Time lost to attempt i's failure (work and overhead); 0 when it did not fail. */
void rv_attempt_lost(const struct runview *rv, int i, double *work, double *overhead);
/* The cause an attempt's lost time is counted under. */
void rv_attempt_cause(const struct rv_attempt *a, char *out, size_t n);
/* Node counts by state: active, spare, excluded, lost, unhealthy, starting. */
void rv_node_counts(const struct runview *rv, int counts[6]);
extern const char *const rv_node_states[6];
/* The current attempt or NULL. */
const struct rv_attempt *rv_current(const struct runview *rv);

#endif
