/* config: flag parsing for `endure run` (see config.h). Table-driven: one row
 * per flag with its spellings, its setter, its help paragraph and where its
 * default lives; its PET_ variable is derived from the name, and
 * config_help.c renders `--help` and the man page's option list from the
 * same rows (defaults from defaults()), so none of them can drift apart. */
#include "supervisor/config.h"
#include <stddef.h>
#include "supervisor/config_int.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <dirent.h>
#include "common/util.h"
#include "launcher/progress.h"
#include "oncall/metrics_http.h"
#include "oncall/notify.h"


static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

static int bad(struct buf *err, const char *flag, const char *v, const char *why)
{
    buf_reset(err);
    buf_printf(err, "invalid value '%s' for --%s: %s", v, flag, why);
    return -1;
}

/* A comma-separated list that fits in cap bytes and has no empty item
 * (strtok_r would skip those silently). */
static int list_ok(const char *v, size_t cap)
{
    size_t n = strlen(v);
    return n && n < cap && v[0] != ',' && v[n - 1] != ',' && !strstr(v, ",,");
}

static int set_nnodes(struct run_config *c, const char *v, struct buf *err)
{
    long lo, hi;
    const char *colon = strchr(v, ':');
    if (colon) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(colon - v), v);
        if ((size_t)(colon - v) >= sizeof tmp || parse_long(tmp, 1, MAX_NODES, &lo) < 0 || parse_long(colon + 1, 1, MAX_NODES, &hi) < 0 || lo > hi)
            return bad(err, "nnodes", v, "expected N or MIN:MAX with 1 <= MIN <= MAX");
    } else {
        if (parse_long(v, 1, MAX_NODES, &lo) < 0)
            return bad(err, "nnodes", v, "expected N or MIN:MAX");
        hi = lo;
    }
    c->nnodes_min = (int)lo;
    c->nnodes_max = (int)hi;
    c->nnodes_set = 1;
    return 0;
}

static int set_nproc(struct run_config *c, const char *v, struct buf *err)
{
    long n;
    c->nproc_mode = NPROC_NUMBER;
    if (!strcmp(v, "cpu")) {
        c->nproc_mode = NPROC_CPU; /* counted by config_resolve_nodes or per attempt */
    } else if (!strcmp(v, "gpu") || !strcmp(v, "auto")) {
        c->nproc_mode = !strcmp(v, "gpu") ? NPROC_GPU : NPROC_AUTO;
    } else if (parse_long(v, 1, 1024, &n) == 0) {
        c->nproc = (int)n;
    } else {
        return bad(err, "nproc-per-node", v, "expected a number, cpu, gpu or auto");
    }
    return 0;
}

#define INT_SETTER(fn, field, flag, lo, hi)                                    \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        long n;                                                                 \
        if (parse_long(v, lo, hi, &n) < 0)                                      \
            return bad(err, flag, v, "expected an integer in [" #lo ", " #hi "]"); \
        c->field = (int)n;                                                      \
        return 0;                                                               \
    }
INT_SETTER(set_max_restarts, max_restarts, "max-restarts", 0, 1000000)
INT_SETTER(set_master_port, master_port, "master-port", 1, 65535)
INT_SETTER(set_node_rank, node_rank, "node-rank", 0, 65535)

#define DUR_SETTER(fn, field, flag)                                             \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        if (parse_duration_ms(v, &c->field) < 0)                                \
            return bad(err, flag, v, "expected a duration such as 30, 30s, 500ms, 5m, 2h"); \
        return 0;                                                               \
    }
DUR_SETTER(set_monitor, monitor_interval_ms, "monitor-interval")
DUR_SETTER(set_stop_timeout, stop_timeout_ms, "stop-timeout")
DUR_SETTER(set_kill_timeout, kill_timeout_ms, "kill-timeout")
DUR_SETTER(set_hang_timeout, hang_timeout_ms, "hang-timeout")
DUR_SETTER(set_hang_dump_timeout, hang_dump_timeout_ms, "hang-dump-timeout")
DUR_SETTER(set_startup_timeout, startup_timeout_ms, "startup-timeout")
DUR_SETTER(set_hb_timeout, heartbeat_timeout_ms, "heartbeat-timeout")
DUR_SETTER(set_agent_timeout, agent_timeout_ms, "agent-timeout")
DUR_SETTER(set_backoff, backoff_ms, "restart-backoff")
DUR_SETTER(set_backoff_max, backoff_max_ms, "restart-backoff-max")
DUR_SETTER(set_healthy_after, healthy_after_ms, "healthy-after")
DUR_SETTER(set_save_grace, save_grace_ms, "save-grace")
DUR_SETTER(set_persist_timeout, persist_timeout_ms, "persist-timeout")
DUR_SETTER(set_stage_max_age, stage_max_age_ms, "stage-max-age")
INT_SETTER(set_keep, keep, "keep", 1, 1000000)
INT_SETTER(set_persist_threads, persist_threads, "persist-threads", 1, 64)
INT_SETTER(set_ckpt_warn_saves, ckpt_warn_saves, "ckpt-warn-saves", 1, 1000000)
DUR_SETTER(set_ckpt_warn_after, ckpt_warn_after_ms, "ckpt-warn-after")

#define STR_SETTER(fn, field)                                                   \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        (void)err;                                                              \
        return set_str(&c->field, v);                                           \
    }
/* The same for values that must not be empty. */
#define NONEMPTY_SETTER(fn, field, flag)                                        \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        if (!*v)                                                                \
            return bad(err, flag, v, "must not be empty");                      \
        return set_str(&c->field, v);                                           \
    }
NONEMPTY_SETTER(set_log_dir, log_dir, "log-dir")
NONEMPTY_SETTER(set_master_addr, master_addr, "master-addr")
NONEMPTY_SETTER(set_role, role, "role")
STR_SETTER(set_rdzv_backend, rdzv_backend)
STR_SETTER(set_rdzv_endpoint, rdzv_endpoint)
STR_SETTER(set_rdzv_conf, rdzv_conf)
NONEMPTY_SETTER(set_ckpt_dir, ckpt_dir, "ckpt-dir")
NONEMPTY_SETTER(set_policy, policy, "policy")
NONEMPTY_SETTER(set_metrics_file, metrics_file, "metrics-file")

/* Compiled here, as the agents will compile it, so that a bad pattern is a
 * usage error before the run directory exists. */
static int set_progress(struct run_config *c, const char *v, struct buf *err)
{
    struct progress *p = NULL;
    struct buf msg;
    if (!*v)
        return bad(err, "progress-regex", v, "must not be empty");
    buf_init(&msg, 512);
    int rc = progress_new(&p, v, &msg);
    progress_free(p);
    if (rc < 0) {
        bad(err, "progress-regex", v, msg.p ? msg.p : "cannot compile it");
        buf_free(&msg);
        return -1;
    }
    buf_free(&msg);
    return set_str(&c->progress_regex, v);
}

static int set_rules(struct run_config *c, const char *v, struct buf *err)
{
    if (c->nrules == MAX_RULE_PATHS)
        return bad(err, "rules", v, "too many --rules");
    if (!*v)
        return bad(err, "rules", v, "must not be empty");
    c->rules[c->nrules] = strdup(v);
    return c->rules[c->nrules++] ? 0 : -1;
}

/* --notify URL (repeatable) or env:NAME (the URL from the environment,
 * out of argv). The value is never echoed: it may hold a webhook token. */
static int set_notify(struct run_config *c, const char *v, struct buf *err)
{
    const char *url = v;
    if (!strncmp(v, "env:", 4) && !(url = getenv(v + 4)))
        return bad(err, "notify", v, "no such environment variable");
    if (c->nnotify == MAX_NOTIFY_URLS)
        return bad(err, "notify", "[redacted]", "too many --notify (at most 8)");
    if (notify_check_url(url) < 0)
        return bad(err, "notify", "[redacted]", "expected an http:// or https:// URL");
    c->notify[c->nnotify] = strdup(url);
    return c->notify[c->nnotify++] ? 0 : -1;
}
NONEMPTY_SETTER(set_notify_cmd, notify_cmd, "notify-cmd")

static int set_metrics_addr(struct run_config *c, const char *v, struct buf *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char why[300];
    if (metrics_addr_parse(v, &ss, &len, why, sizeof why) < 0)
        return bad(err, "metrics-addr", v, why);
    return set_str(&c->metrics_addr, v);
}

/* A switch (a flag without a value) that sets field to 1. */
#define SWITCH_SETTER(fn, field)                                                \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        (void)v, (void)err;                                                     \
        c->field = 1;                                                           \
        return 0;                                                               \
    }
SWITCH_SETTER(set_no_default_rules, no_default_rules)
SWITCH_SETTER(set_shared_perms, shared_perms)
NONEMPTY_SETTER(set_stage_dir, stage_dir, "stage-dir")

static int set_keep_every(struct run_config *c, const char *v, struct buf *err)
{
    if (parse_long(v, 0, 1000000000L, &c->keep_every) < 0)
        return bad(err, "keep-every", v, "expected a number of steps (0: none)");
    return 0;
}

static int set_verify(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "size") && strcmp(v, "full"))
        return bad(err, "verify", v, "expected size or full");
    c->verify = !strcmp(v, "full");
    return 0;
}

static int check_stream_spec(const char *flag, const char *v, struct buf *err)
{
    /* torchrun: "N" for all ranks, or "lr:N,lr:N" with N in 0..3 */
    long n;
    if (parse_long(v, 0, 3, &n) == 0)
        return 0;
    char tmp[256];
    if (!list_ok(v, sizeof tmp))
        return bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        if (!colon)
            return bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
        *colon = '\0';
        if (parse_long(t, 0, 1024, &n) < 0 || parse_long(colon + 1, 0, 3, &n) < 0)
            return bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
    }
    return 0;
}

static int set_redirects(struct run_config *c, const char *v, struct buf *err)
{
    return check_stream_spec("redirects", v, err) < 0 ? -1 : set_str(&c->redirects, v);
}

static int set_tee(struct run_config *c, const char *v, struct buf *err)
{
    return check_stream_spec("tee", v, err) < 0 ? -1 : set_str(&c->tee, v);
}

static int set_filter(struct run_config *c, const char *v, struct buf *err)
{
    char tmp[1024];
    if (!list_ok(v, sizeof tmp))
        return bad(err, "local-ranks-filter", v, "expected a comma-separated list of local ranks");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    long n;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (parse_long(t, 0, 1024, &n) < 0)
            return bad(err, "local-ranks-filter", v, "expected a comma-separated list of local ranks");
    return set_str(&c->local_ranks_filter, v);
}

static int set_run_id(struct run_config *c, const char *v, struct buf *err)
{
    if (!safe_component(v) || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(v))
        return bad(err, "rdzv-id", v, "use letters, digits, '.', '_' and '-'");
    return set_str(&c->run_id, v);
}

static int set_nodes(struct run_config *c, const char *v, struct buf *err)
{
    if (!*v)
        return bad(err, "nodes", v, "empty node list");
    return set_str(&c->nodes_expr, v); /* expanded by config_resolve_nodes */
}

static int set_transport(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "auto") && strcmp(v, "local") && strcmp(v, "slurm") && strcmp(v, "ssh"))
        return bad(err, "transport", v, "expected auto, local, slurm or ssh");
    return set_str(&c->transport, v);
}

NONEMPTY_SETTER(set_hostfile, hostfile, "hostfile")
STR_SETTER(set_ssh_opts, ssh_opts)
NONEMPTY_SETTER(set_agent_cmd, agent_cmd, "agent-cmd")

static int set_controller_addr(struct run_config *c, const char *v, struct buf *err)
{
    const char *colon = strrchr(v, ':');
    long port;
    if (!*v || colon == v || (colon && parse_long(colon + 1, 0, 65535, &port) < 0))
        return bad(err, "controller-addr", v, "expected HOST or HOST:PORT (a port 0-65535)");
    return set_str(&c->controller_addr, v);
}

static int set_health(struct run_config *c, const char *v, struct buf *err)
{
    if (!strcmp(v, "off"))
        c->health = HEALTH_OFF;
    else if (!strcmp(v, "local"))
        c->health = HEALTH_LOCAL;
    else if (!strcmp(v, "pairwise"))
        c->health = HEALTH_PAIRWISE;
    else
        return bad(err, "health", v, "expected off, local or pairwise");
    return 0;
}

static int set_pair_probe(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "auto") && strcmp(v, "tcp") && strcmp(v, "nccl") && strcmp(v, "command"))
        return bad(err, "pair-probe", v, "expected auto, tcp, nccl or command");
    return set_str(&c->pair_probe, v);
}

static int set_pair_command(struct run_config *c, const char *v, struct buf *err)
{
    if (!*v || strlen(v) > 4000)
        return bad(err, "pair-command", v, "expected a shell command of at most 4000 characters");
    return set_str(&c->pair_command, v);
}

static int set_straggler_ratio(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double r = strtod(v, &end);
    if (!*v || *end || !(r > 0 && r <= 1))
        return bad(err, "straggler-ratio", v, "expected a number above 0 and at most 1 (e.g. 0.5)");
    c->straggler_ratio = r;
    return 0;
}

SWITCH_SETTER(set_exclude_stragglers, exclude_stragglers)

static int set_spike_factor(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double f = strtod(v, &end);
    if (!*v || *end || !(f == 0 || (f > 1 && f <= 1e6)))
        return bad(err, "spike-factor", v, "expected 0 (off) or a number above 1 (e.g. 10)");
    c->spike_factor = f;
    return 0;
}

INT_SETTER(set_quarantine_after, quarantine_after, "quarantine-after", 1, 100)

DUR_SETTER(set_health_timeout, health_timeout_ms, "health-timeout")
DUR_SETTER(set_health_probe_timeout, health_probe_timeout_ms, "health-probe-timeout")
DUR_SETTER(set_gpu_free_timeout, gpu_free_timeout_ms, "gpu-free-timeout")
INT_SETTER(set_health_fail_after, health_fail_after, "health-fail-after", 1, 100)
INT_SETTER(set_gpus_per_node, gpus_per_node, "gpus-per-node", 0, 1024)

#define SIZE_SETTER(fn, field, flag)                                            \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        uint64_t b;                                                             \
        if (parse_size(v, &b) < 0)                                              \
            return bad(err, flag, v, "expected a size such as 512M or 2G");     \
        c->field = (int64_t)b;                                                  \
        return 0;                                                               \
    }
SIZE_SETTER(set_min_free, min_free, "min-free")
SIZE_SETTER(set_min_mem, min_mem, "min-mem")
SIZE_SETTER(set_pair_bytes, pair_bytes, "pair-bytes")
SIZE_SETTER(set_log_max_size, log_max_size, "log-max-size")
SIZE_SETTER(set_log_keep, log_keep, "log-keep")
DUR_SETTER(set_restart_window, restart_window_ms, "restart-window")
DUR_SETTER(set_exclude_for, exclude_for_ms, "exclude-for")
INT_SETTER(set_exclude_max, exclude_max, "exclude-max", 1, 1000000)

/* --resume RUN_DIR: <log-dir>/<run-id> of the run to continue. */
static int set_resume(struct run_config *c, const char *v, struct buf *err)
{
    char tmp[4096];
    size_t n = strlen(v);
    while (n > 1 && v[n - 1] == '/')
        n--;
    if (!n || n >= sizeof tmp)
        return bad(err, "resume", v, "expected a run directory (<log-dir>/<run-id>)");
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *slash = strrchr(tmp, '/');
    const char *id = slash ? slash + 1 : tmp;
    if (!*id || !strcmp(id, ".") || !strcmp(id, ".."))
        return bad(err, "resume", v, "expected a run directory (<log-dir>/<run-id>)");
    if (slash)
        *slash = '\0';
    if (set_str(&c->run_id, id) < 0 || set_str(&c->log_dir, slash ? (*tmp ? tmp : "/") : ".") < 0)
        return -1;
    c->resume = 1;
    return 0;
}

static int set_health_probes(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const known[] = {"gpu", "cuda", "nic", "storage", "memory"};
    char tmp[256];
    if (!list_ok(v, sizeof tmp))
        return bad(err, "health-probes", v, "expected a comma list of gpu, cuda, nic, storage, memory");
    snprintf(tmp, sizeof tmp, "%s", v);
    json_decref(c->health_probes);
    c->health_probes = json_array();
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            ok |= !strcmp(t, known[i]);
        if (!ok)
            return bad(err, "health-probes", v, "expected a comma list of gpu, cuda, nic, storage, memory");
        json_array_append_new(c->health_probes, json_string(t));
    }
    return 0;
}

SWITCH_SETTER(set_slurm_drain, slurm_drain)

SWITCH_SETTER(set_no_shared_fs, no_shared_fs)
SWITCH_SETTER(set_plain_logs, plain_logs)

/* the LLM (supervisor/ctl_llm.c) */
NONEMPTY_SETTER(set_llm_url, llm_url, "llm")
NONEMPTY_SETTER(set_llm_model, llm_model, "llm-model")
NONEMPTY_SETTER(set_llm_key_file, llm_key_file, "llm-key-file")
NONEMPTY_SETTER(set_llm_cacert, llm_cacert, "llm-cacert")
NONEMPTY_SETTER(set_learned_rules, learned_rules, "learned-rules")
DUR_SETTER(set_llm_timeout, llm_timeout_ms, "llm-timeout")
DUR_SETTER(set_llm_wait, llm_wait_ms, "llm-wait")

static int set_llm_mode(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const names[] = {"off", "observe", "advise"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i])) {
            c->llm_mode = i;
            return 0;
        }
    return bad(err, "llm-mode", v, "expected off, observe or advise");
}

static int set_learned(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const names[] = {"accepted", "auto", "off"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i])) {
            c->learned = i;
            return 0;
        }
    return bad(err, "learned", v, "expected accepted, auto or off");
}

static int set_llm_min_confidence(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0 && x <= 1))
        return bad(err, "llm-min-confidence", v, "expected a number in [0,1]");
    c->llm_min_confidence = x;
    return 0;
}

static int set_llm_max_prompt(struct run_config *c, const char *v, struct buf *err)
{
    uint64_t b;
    if (parse_size(v, &b) < 0 || b < 1024 || b > (64u << 20))
        return bad(err, "llm-max-prompt", v, "expected a size from 1K to 64M");
    c->llm_max_prompt = (int64_t)b;
    return 0;
}

static int sig_from_name(const char *s)
{
    static const struct { const char *n; int s; } t[] = {
        {"INT", SIGINT}, {"TERM", SIGTERM}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT},
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"XCPU", SIGXCPU}};
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcasecmp(s, t[i].n))
            return t[i].s;
    return -1;
}

static int set_save_signal(struct run_config *c, const char *v, struct buf *err)
{
    int s = sig_from_name(v);
    if (s < 0)
        return bad(err, "save-signal", v, "expected a signal name such as USR1");
    c->save_signal = s;
    return 0;
}

static int set_signals(struct run_config *c, const char *v, struct buf *err)
{
    char tmp[256];
    if (!list_ok(v, sizeof tmp))
        return bad(err, "forward-signals", v, "expected a comma-separated list of signal names");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    c->nsignals = 0;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int s = sig_from_name(t);
        if (s < 0 || c->nsignals == MAX_SIGNALS)
            return bad(err, "forward-signals", v, "expected names among INT,TERM,HUP,QUIT,USR1,USR2,ALRM,XCPU");
        c->signals[c->nsignals++] = s;
    }
    return 0;
}

SWITCH_SETTER(set_module, module)

SWITCH_SETTER(set_no_python, no_python)

SWITCH_SETTER(set_run_path, run_path)

SWITCH_SETTER(set_standalone, standalone)

static int set_ignored(struct run_config *c, const char *v, struct buf *err)
{
    (void)c, (void)v, (void)err;
    return 0;
}

#define O(n, s, a, f, g, arg, h) {n, s, a, f, g, arg, h, D_NONE, 0}
#define OD(n, f, g, arg, h, k, field) {n, 0, 1, f, g, arg, h, k, offsetof(struct run_config, field)}
static const struct opt opts[] = {
    OD("nnodes", set_nnodes, G_TORCHRUN, "N|MIN:MAX",
       "nodes in the job (default %D); with MIN:MAX endure runs on as many healthy nodes as it has, up to MAX, "
       "at least MIN", D_INT, nnodes_min),
    OD("nproc-per-node", set_nproc, G_TORCHRUN, "N|cpu|gpu|auto", "ranks per node (default %D); cpu, gpu (the GPUs the node or its Slurm step sees: CUDA_VISIBLE_DEVICES, else /dev/nvidia*) and auto (gpu, else cpu) are counted on each node by its agent for slurm and ssh, here for local", D_INT, nproc),
    OD("max-restarts", set_max_restarts, G_TORCHRUN, "N", "restarts before giving up (default %D)", D_INT,
       max_restarts),
    OD("monitor-interval", set_monitor, G_TORCHRUN, "DUR",
       "how often agents check heartbeat files and report (default %D; failures are seen at once regardless)",
       D_MS, monitor_interval_ms),
    O("log-dir", 0, 1, set_log_dir, G_TORCHRUN, "DIR",
      "parent of the run directory (default ./endure-runs); logs go to DIR/<run-id>/attempt-<N>/<node>/rank-<R>.log"),
    O("redirects", 'r', 1, set_redirects, G_TORCHRUN, "SPEC",
      "keep these streams off the console (0 none, 1 stdout, 2 stderr, 3 both; or LOCAL_RANK:N,...); logs get all "
      "bytes"),
    O("tee", 't', 1, set_tee, G_TORCHRUN, "SPEC",
      "accepted: endure always writes every byte to the log files and shows non-redirected streams on the console"),
    O("local-ranks-filter", 0, 1, set_filter, G_TORCHRUN, "L", "show only these local ranks on the console (e.g. 0,1)"),
    O("master-addr", 0, 1, set_master_addr, G_TORCHRUN, "ADDR",
      "MASTER_ADDR for the ranks (default: the address of the group-rank-0 node as its agent reports it; "
      "127.0.0.1 with --node-rank)"),
    O("master-port", 0, 1, set_master_port, G_TORCHRUN, "PORT",
      "fixed MASTER_PORT (default: a free port chosen on the group-rank-0 node for each attempt)"),
    O("node-rank", 0, 1, set_node_rank, G_TORCHRUN, "N",
      "without --nodes: run only node N of an --nnodes job, torchrun-style (each node runs its own endure; needs "
      "--master-port; its files go to <run dir>/node-rank-N/, so the nodes may share --log-dir); with one "
      "controller, leave it out"),
    O("role", 0, 1, set_role, G_TORCHRUN, "NAME", "ROLE_NAME for the ranks (default 'default')"),
    O("module", 'm', 0, set_module, G_TORCHRUN, NULL, "run the script as a Python module (python -u -m)"),
    O("no-python", 0, 0, set_no_python, G_TORCHRUN, NULL, "run the script directly, not through Python"),
    O("run-path", 0, 0, set_run_path, G_TORCHRUN, NULL, "accepted: the script runs with python -u either way"),
    O("rdzv-id", 0, 1, set_run_id, G_TORCHRUN, "ID",
      "the run id (default: time and random); names the run dir and the run; the same id, --log-dir and "
      "--ckpt-dir again resume that run (a checkpoint dir belongs to one run id)"),
    O("standalone", 0, 0, set_standalone, G_TORCHRUN, NULL,
      "accepted: endure's controller is always its own rendezvous"),
    O("rdzv-backend", 0, 1, set_rdzv_backend, G_IGNORED, "X", NULL),
    O("rdzv-endpoint", 0, 1, set_rdzv_endpoint, G_IGNORED, "X", NULL),
    O("rdzv-conf", 0, 1, set_rdzv_conf, G_IGNORED, "X", NULL),
    O("rdzv-timeout", 0, 1, set_ignored, G_IGNORED, "X", NULL),
    O("max-nodes", 0, 1, set_ignored, G_IGNORED, "X", NULL),
    O("start-method", 0, 1, set_ignored, G_IGNORED, "X", NULL),
    O("local-addr", 0, 1, set_ignored, G_IGNORED, "X", NULL),
    O("nodes", 0, 1, set_nodes, G_ENDURE, "HOSTLIST",
      "the nodes, as names or a Slurm hostlist (n[1-4,7],gpu-b5); default: the Slurm allocation's nodes, else "
      "node0..node<nnodes-1> on this machine; nodes beyond --nnodes are warm spares that replace excluded nodes"),
    O("hostfile", 0, 1, set_hostfile, G_ENDURE, "FILE",
      "the nodes, one 'HOST [slots=N]' per line (DeepSpeed/MPI style, # comments); slots is checked against "
      "--nproc-per-node; implies --transport ssh under auto"),
    O("transport", 0, 1, set_transport, G_ENDURE, "auto|local|slurm|ssh",
      "how agents start: local (child processes here), slurm (one srun step per node inside the allocation), ssh "
      "(ssh HOST endure agent); auto (default): slurm when SLURM_JOB_ID is set and neither --nodes nor --hostfile "
      "is given, ssh with --hostfile, else local"),
    O("ssh-opts", 0, 1, set_ssh_opts, G_ENDURE, "OPTS",
      "extra ssh options for --transport ssh, split like a shell would (e.g. \"-p 2222 -i ~/.ssh/id_job\"); always "
      "used: -T -o BatchMode=yes -o ConnectTimeout=10"),
    O("agent-cmd", 0, 1, set_agent_cmd, G_ENDURE, "PATH",
      "endure on the nodes (default: the controller's own absolute path; install endure there or on a shared "
      "filesystem)"),
    O("controller-addr", 0, 1, set_controller_addr, G_ENDURE, "HOST[:PORT]",
      "where the controller listens for its agents (default: 127.0.0.1 for local; for slurm and ssh the address "
      "of this host on the route to the first node, else its hostname's address; a free port)"),
    O("slurm-drain", 0, 0, set_slurm_drain, G_ENDURE, NULL,
      "drain a node that endure excludes for a hardware or infrastructure verdict (scontrol update state=drain "
      "reason=\"endure: <type> <run-id>\"); off by default"),
    O("health", 0, 1, set_health, G_HEALTH, "off|local|pairwise",
      "local (default): every node runs its health probes (endure health: gpu, cuda, nic, storage, memory) "
      "before the first attempt, and spares again before they join; a node that fails is excluded like a lost "
      "node; pairwise: the probes, then a two-round pairwise link test (--pair-probe); off: none"),
    O("pair-probe", 0, 1, set_pair_probe, G_HEALTH, "auto|tcp|nccl|command",
      "the pairwise test's backend: nccl (all-reduce through libnccl.so.2), tcp (socket bandwidth both ways), "
      "command (--pair-command); auto (default): nccl when both nodes have GPUs, else tcp"),
    O("pair-command", 0, 1, set_pair_command, G_HEALTH, "CMD",
      "the command backend: a shell command run on both nodes of a pair with ENDURE_PAIR_RANK/ADDR/PORT, "
      "MASTER_ADDR/PORT, RANK, WORLD_SIZE=2 and NCCL_COMM_ID set; its '# Avg bus bandwidth : X' line "
      "(nccl-tests) is the pair's GB/s"),
    O("pair-bytes", 0, 1, set_pair_bytes, G_HEALTH, "SIZE",
      "bytes per direction (tcp) or per all-reduce (nccl) of the pairwise test (default 64M tcp, 256M nccl)"),
    O("straggler-ratio", 0, 1, set_straggler_ratio, G_HEALTH, "X",
      "pairwise: a node whose best bandwidth is under X times the median is a straggler (default 0.5)"),
    O("exclude-stragglers", 0, 0, set_exclude_stragglers, G_HEALTH, NULL,
      "exclude stragglers like failed nodes (default: journaled and warned only)"),
    OD("health-timeout", set_health_timeout, G_HEALTH, "DUR",
       "a node whose check has not answered by then is excluded (default %D)", D_MS, health_timeout_ms),
    OD("health-probe-timeout", set_health_probe_timeout, G_HEALTH, "DUR", "bound of each probe (default %D)",
       D_MS, health_probe_timeout_ms),
    OD("health-fail-after", set_health_fail_after, G_HEALTH, "N",
       "a probe must fail N consecutive runs before the node counts as unhealthy (default %D)", D_INT,
       health_fail_after),
    O("health-probes", 0, 1, set_health_probes, G_HEALTH, "LIST", "run only these probes (default: all)"),
    O("gpus-per-node", 0, 1, set_gpus_per_node, G_HEALTH, "N",
      "the GPUs every node must have (the gpu probe fails with fewer; default: not checked)"),
    OD("gpu-free-timeout", set_gpu_free_timeout, G_HEALTH, "DUR",
       "how long the gpu probe waits for processes left on the GPUs to go (default %D)", D_MS, gpu_free_timeout_ms),
    O("min-free", 0, 1, set_min_free, G_HEALTH, "SIZE",
      "free space the checkpoint directory needs (default: twice the newest checkpoint)"),
    O("min-mem", 0, 1, set_min_mem, G_HEALTH, "SIZE", "MemAvailable each node needs (default: not checked)"),
    O("no-shared-fs", 0, 0, set_no_shared_fs, G_ENDURE, NULL,
      "the run directory is not shared with the nodes: their logs stay on each node under the same path and each "
      "attempt's failure.json keeps the failed ranks' last 200 lines and every event (also detected)"),
    OD("stop-timeout", set_stop_timeout, G_ENDURE, "DUR",
       "grace between TERM and KILL on a stop (default %D); both reach every process started by the ranks, also "
       "those that left the rank's session", D_MS, stop_timeout_ms),
    OD("kill-timeout", set_kill_timeout, G_ENDURE, "DUR",
       "how long to wait for KILLed processes before reporting them as unkillable and going on (default %D)", D_MS,
       kill_timeout_ms),
    OD("hang-timeout", set_hang_timeout, G_ENDURE, "DUR", "no progress for this long is a hang (default %D)", D_MS,
       hang_timeout_ms),
    O("spike-factor", 0, 1, set_spike_factor, G_ENDURE, "X",
      "a progress line's loss above X times the median of the recent losses is a loss spike: the attempt fails "
      "and the job rolls back (default 0: off)"),
    OD("quarantine-after", set_quarantine_after, G_ENDURE, "N",
       "a checkpoint that the same failure followed right after resuming N times is quarantined (never restored "
       "again) and the job rolls back past it instead of stopping as a crash loop (default %D)", D_INT,
       quarantine_after),
    OD("hang-dump-timeout", set_hang_dump_timeout, G_ENDURE, "DUR",
       "on a hang, every rank first gets SIGABRT so that Python prints every thread's stack (PYTHONFAULTHANDLER=1 "
       "is set for the ranks unless already set); the stop follows when all have exited or after DUR, and the "
       "verdict names the rank whose stack differs (default %D; 0: stop at once, no stacks)", D_MS,
       hang_dump_timeout_ms),
    OD("startup-timeout", set_startup_timeout, G_ENDURE, "DUR", "the same before the first progress (default %D)",
       D_MS, startup_timeout_ms),
    OD("heartbeat-timeout", set_hb_timeout, G_ENDURE, "DUR", "an agent silent this long is lost (default %D)", D_MS,
       heartbeat_timeout_ms),
    OD("agent-timeout", set_agent_timeout, G_ENDURE, "DUR",
       "how long an agent may take to connect; it retries with back-off until then (default %D)", D_MS,
       agent_timeout_ms),
    OD("restart-backoff", set_backoff, G_ENDURE, "DUR", "first back-off before a restart, doubling (default %D)",
       D_MS, backoff_ms),
    OD("restart-backoff-max", set_backoff_max, G_ENDURE, "DUR", "cap of the back-off (default %D)", D_MS,
       backoff_max_ms),
    O("restart-window", 0, 1, set_restart_window, G_ENDURE, "DUR",
      "--max-restarts counts the restarts in any window of this length (e.g. 24h), so a steady trickle of "
      "faults never ends the run but a storm does (default: the whole run)"),
    O("exclude-for", 0, 1, set_exclude_for, G_ENDURE, "DUR",
      "an excluded or lost node may join again this long after its exclusion, once its agent is back "
      "(default: never in the run)"),
    OD("exclude-max", set_exclude_max, G_ENDURE, "K",
       "with --exclude-for, a node excluded more than K times is never used again in the run (default %D)", D_INT,
       exclude_max),
    O("log-max-size", 0, 1, set_log_max_size, G_ENDURE, "SIZE",
      "a rank log that reaches SIZE is closed as rank-R.log.K and gzipped in the background "
      "(rank-R.log.K.gz; default 1G, 0: never)"),
    O("log-keep", 0, 1, set_log_keep, G_ENDURE, "SIZE",
      "cap of the run's total rank-log bytes: the oldest compressed segments of the oldest attempts are "
      "removed first, never those holding a failure's lines; ended attempts' logs are gzipped (default: no cap)"),
    O("plain-logs", 0, 0, set_plain_logs, G_ENDURE, NULL,
      "leave ended attempts' rank logs plain (default: when a node starts an attempt, the one before its previous "
      "one's rank-R.log becomes rank-R.log.K.gz in the background; a node's last two attempts' stay plain)"),
    O("resume", 0, 1, set_resume, G_ENDURE, "RUN_DIR",
      "continue the run of RUN_DIR (<log-dir>/<run-id>) after its controller died or its job was requeued: "
      "attempt numbers, restarts, exclusions and back-off from its journal, the newest complete checkpoint"),
    OD("healthy-after", set_healthy_after, G_ENDURE, "DUR",
       "an attempt that ran this long resets the back-off (default %D)", D_MS, healthy_after_ms),
    O("progress-regex", 0, 1, set_progress, G_ENDURE, "RE",
      "PCRE2 pattern that also marks a progress line (beside the rules' progress rules; without rules the default "
      "is the 'step N', 'iteration N', 'iter N' forms); compiled at start: an invalid pattern exits 2"),
    O("forward-signals", 0, 1, set_signals, G_ENDURE, "LIST",
      "signals forwarded to the ranks before a stop (default INT,TERM,HUP,QUIT,USR1,USR2); a second INT kills at "
      "once"),
    O("metrics-file", 0, 1, set_metrics_file, G_ENDURE, "PATH",
      "write Prometheus metrics (text exposition) to PATH, atomically, every monitor interval but at most once a "
      "second (for node_exporter's textfile collector)"),
    O("metrics-addr", 0, 1, set_metrics_addr, G_ENDURE, "HOST:PORT",
      "serve the same metrics at http://HOST:PORT/metrics (libmicrohttpd, its own thread); PORT alone or :PORT "
      "listens on 127.0.0.1; port 0 picks a free one (journaled as metrics_listen); off by default"),
    O("notify", 0, 1, set_notify, G_ENDURE, "URL",
      "POST a JSON notification (a Slack/Mattermost incoming webhook's {\"text\"}, the event under \"endure\") on "
      "a failure's verdict, a restart, a node excluded, a stop (exit 3, 4) and the run's end; repeatable (at most 8); "
      "env:NAME takes the URL from the environment; sent from a background thread with retries, never delaying "
      "a restart; the URL's path and query are redacted wherever endure prints or journals it"),
    O("notify-cmd", 0, 1, set_notify_cmd, G_ENDURE, "CMD",
      "run CMD (/bin/sh -c) with the same JSON on its stdin for each of those events (KILLed after 10s)"),
    O("rules", 0, 1, set_rules, G_DIAG, "PATH",
      "a rule file or directory added to the shipped rules (repeatable); checked at start, a bad rule exits 2"),
    O("no-default-rules", 0, 0, set_no_default_rules, G_DIAG, NULL, "use only the --rules given"),
    O("policy", 0, 1, set_policy, G_DIAG, "FILE",
      "per-type/per-category overrides of the rules' actions; checked at start, a bad policy exits 2"),
    O("llm", 0, 1, set_llm_url, G_DIAG, "URL",
      "ask an OpenAI-compatible server (vLLM, llama.cpp, Ollama, a hosted API: POST URL/v1/chat/completions; also "
      "ENDURE_LLM_URL) about failures the rules do not classify with confidence; on its own thread, never "
      "delaying a restart more than --llm-wait; the key only from ENDURE_LLM_API_KEY or --llm-key-file"),
    O("llm-model", 0, 1, set_llm_model, G_DIAG, "NAME", "the model to ask (default \"default\")"),
    O("llm-mode", 0, 1, set_llm_mode, G_DIAG, "off|observe|advise",
      "advise (default with --llm): a validated LLM verdict decides when the rule verdict is unknown or below "
      "--llm-min-confidence (an LLM stop below confidence 0.8 restarts); observe: every failure is sent, the "
      "answer is journaled and printed and changes nothing; off: no LLM"),
    OD("llm-timeout", set_llm_timeout, G_DIAG, "DUR", "the whole exchange with the server, retries included "
       "(default %D)", D_MS, llm_timeout_ms),
    OD("llm-wait", set_llm_wait, G_DIAG, "DUR",
       "how long the restart decision waits for the LLM (default %D); then the rule verdict decides and a late "
       "answer is journaled (llm_late); a confident rule verdict never waits", D_MS, llm_wait_ms),
    O("llm-min-confidence", 0, 1, set_llm_min_confidence, G_DIAG, "X",
      "rule verdicts below X (default 0.6) and unknown failures go to the LLM"),
    O("llm-key-file", 0, 1, set_llm_key_file, G_DIAG, "FILE",
      "the API key's file (its first line; must not be group or world readable)"),
    O("llm-cacert", 0, 1, set_llm_cacert, G_DIAG, "FILE", "CA bundle for an https --llm (verification is always on)"),
    O("llm-max-prompt", 0, 1, set_llm_max_prompt, G_DIAG, "SIZE", "prompt budget in bytes (default 24K)"),
    O("learned-rules", 0, 1, set_learned_rules, G_DIAG, "FILE",
      "the learned rules file (default <log-dir>/learned-rules/learned.yaml): its accepted rules classify, and a "
      "safe rule the LLM proposes is appended to it as a candidate (endure rules learned)"),
    O("learned", 0, 1, set_learned, G_DIAG, "accepted|auto|off",
      "which learned rules classify: accepted (default), auto (candidates too: the next attempt's agents load a "
      "rule learned from this failure), off (the file is ignored)"),
    O("ckpt-dir", 0, 1, set_ckpt_dir, G_CKPT, "DIR",
      "durable checkpoint directory; enables asynchronous checkpoints: ranks get ENDURE_CKPT_STAGE and "
      "ENDURE_CKPT_DIR and, when there is one to resume from, ENDURE_RESUME_DIR, ENDURE_RESUME_TAG and "
      "ENDURE_RESUME_STEP"),
    O("stage-dir", 0, 1, set_stage_dir, G_CKPT, "DIR",
      "node-local stage (default /dev/shm/endure-<run-id>-<uid>-<node>, <uid> naming this run's checkpoint "
      "lineage)"),
    OD("keep", set_keep, G_CKPT, "K", "complete checkpoints to keep (default %D, at least 1)", D_INT, keep),
    O("keep-every", 0, 1, set_keep_every, G_CKPT, "N", "also keep every checkpoint whose step is a multiple of N"),
    O("verify", 0, 1, set_verify, G_CKPT, "size|full",
      "check before restoring: sizes (default; CRCs were computed while persisting) or every CRC (reads the whole "
      "checkpoint)"),
    O("save-signal", 0, 1, set_save_signal, G_CKPT, "SIG",
      "on a signal to endure, first send SIG to the ranks so that they can commit a last checkpoint "
      "(ENDURE_SAVE_SIGNAL)"),
    OD("save-grace", set_save_grace, G_CKPT, "DUR", "how long to wait for that last checkpoint (default %D)", D_MS,
       save_grace_ms),
    OD("persist-timeout", set_persist_timeout, G_CKPT, "DUR",
       "how long a stop waits for committed checkpoints to be persisted (default %D)", D_MS, persist_timeout_ms),
    OD("persist-threads", set_persist_threads, G_CKPT, "N", "copy threads per node (default %D)", D_INT,
       persist_threads),
    OD("ckpt-warn-saves", set_ckpt_warn_saves, G_CKPT, "N",
       "warn (console, journal, summary) when N checkpoint saves pass and none completes (default %D)", D_INT,
       ckpt_warn_saves),
    OD("ckpt-warn-after", set_ckpt_warn_after, G_CKPT, "DUR",
       "the same when DUR passes after such a save (default %D)", D_MS, ckpt_warn_after_ms),
    O("shared-perms", 0, 0, set_shared_perms, G_CKPT, NULL,
      "create the run directory, logs and durable checkpoints with the umask's permissions (default: 0700 "
      "directories, 0600 files, readable by the user only)"),
    OD("stage-max-age", set_stage_max_age, G_CKPT, "DUR",
       "an agent starting removes the stages next to its own that dead runs left, once untouched this long "
       "(default %D; 0: at once)", D_MS, stage_max_age_ms),
};
#define NOPTS (sizeof opts / sizeof *opts)

const struct opt *config_opts(size_t *n)
{
    *n = NOPTS;
    return opts;
}

void config_defaults(struct run_config *c)
{
    memset(c, 0, sizeof *c);
    c->nnodes_min = c->nnodes_max = 1;
    c->nproc = 1;
    c->max_restarts = 3;
    c->monitor_interval_ms = 100;
    c->master_port = 0;
    c->node_rank = -1;
    c->stop_timeout_ms = 30000;
    c->kill_timeout_ms = 10000;
    c->hang_timeout_ms = 30 * 60000;
    c->hang_dump_timeout_ms = 20000;
    c->quarantine_after = 2;
    c->startup_timeout_ms = 30 * 60000;
    c->heartbeat_timeout_ms = 10000;
    c->agent_timeout_ms = 60000;
    c->backoff_ms = 1000;
    c->backoff_max_ms = 5 * 60000;
    c->healthy_after_ms = 10 * 60000;
    c->keep = 3;
    c->save_grace_ms = 60000;
    c->persist_timeout_ms = 5 * 60000;
    c->persist_threads = 2;
    c->ckpt_warn_saves = 3;
    c->ckpt_warn_after_ms = 30 * 60000;
    c->rank_umask = -1;
    c->stage_max_age_ms = 3600000;
    c->log_max_size = 1LL << 30;
    c->exclude_max = 3;
    c->health = HEALTH_LOCAL;
    c->straggler_ratio = 0.5;
    c->health_timeout_ms = 120000;
    c->health_probe_timeout_ms = 30000;
    c->gpu_free_timeout_ms = 30000;
    c->health_fail_after = 2;
    c->gpus_per_node = -1;
    c->llm_timeout_ms = 30000;
    c->llm_wait_ms = 15000;
    c->llm_max_prompt = 24 << 10;
    c->llm_min_confidence = 0.6;
    c->llm_mode = -1; /* advise when --llm is given */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        c->signals[c->nsignals++] = sigs[i];
}

/* "--foo_bar" and "--foo-bar" are the same flag. */
static const struct opt *find_long(const char *name, size_t len)
{
    char norm[64];
    if (len >= sizeof norm)
        return NULL;
    for (size_t i = 0; i < len; i++)
        norm[i] = name[i] == '_' ? '-' : name[i];
    norm[len] = '\0';
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(opts[i].name, norm))
            return &opts[i];
    return NULL;
}

static int apply_env(struct run_config *c, struct buf *err)
{
    for (size_t i = 0; i < NOPTS; i++) {
        char var[80];
        size_t k = (size_t)snprintf(var, sizeof var, "PET_%s", opts[i].name);
        for (size_t j = 4; j < k; j++)
            var[j] = opts[i].name[j - 4] == '-' ? '_' : (char)(opts[i].name[j - 4] & ~0x20);
        const char *v = getenv(var);
        if (!v || !*v)
            continue;
        if (!opts[i].takes_arg && (!strcmp(v, "0") || !strcasecmp(v, "false")))
            continue;
        if (opts[i].set(c, v, err) < 0) {
            char *msg = buf_steal(err);
            buf_init(err, 1024);
            buf_printf(err, "%s (from %s)", msg, var);
            free(msg);
            return -1;
        }
    }
    return 0;
}

static int parse_flag(struct run_config *c, int argc, char **argv, int *i, struct buf *err)
{
    const char *a = argv[*i], *val = NULL;
    const struct opt *o = NULL;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        o = find_long(a + 2, len);
        if (eq)
            val = eq + 1;
    } else {
        for (size_t k = 0; k < NOPTS; k++)
            if (opts[k].shortc && opts[k].shortc == a[1])
                o = &opts[k];
        if (o && a[2])
            val = a[2] == '=' ? a + 3 : a + 2;
        if (o && !o->takes_arg && a[2])
            o = NULL;
    }
    if (!o) {
        buf_printf(err, "unknown flag '%s' (see endure run --help)", a);
        return -1;
    }
    if (o->takes_arg && !val) {
        if (*i + 1 >= argc) {
            buf_printf(err, "flag --%s needs a value", o->name);
            return -1;
        }
        val = argv[++*i];
    } else if (!o->takes_arg && val) {
        buf_printf(err, "flag --%s takes no value", o->name);
        return -1;
    }
    return o->set(c, val, err);
}

static int finish(struct run_config *c, struct buf *err)
{
    if (!c->log_dir && set_str(&c->log_dir, "endure-runs") < 0)
        return -1;
    if (!c->transport && set_str(&c->transport, "auto") < 0)
        return -1;
    if (c->node_rank >= 0 && !c->master_addr && set_str(&c->master_addr, "127.0.0.1") < 0)
        return -1;
    if (!c->role && set_str(&c->role, "default") < 0)
        return -1;
    if (!c->redirects && set_str(&c->redirects, "0") < 0)
        return -1;
    if (!c->tee && set_str(&c->tee, "0") < 0)
        return -1;
    const char *py = getenv("PYTHON_EXEC");
    if (set_str(&c->python, py && *py ? py : "python3") < 0)
        return -1;
    const char *llm = getenv("ENDURE_LLM_URL");
    if (!c->llm_url && llm && *llm && set_str(&c->llm_url, llm) < 0)
        return -1;
    if (c->llm_mode < 0)
        c->llm_mode = c->llm_url ? LLM_MODE_ADVISE : LLM_MODE_OFF;
    if (c->llm_mode != LLM_MODE_OFF && !c->llm_url) {
        buf_printf(err, "--llm-mode %s needs --llm URL (or ENDURE_LLM_URL)",
                   c->llm_mode == LLM_MODE_OBSERVE ? "observe" : "advise");
        return -1;
    }
    if (c->llm_mode != LLM_MODE_OFF && (c->llm_timeout_ms < 1 || c->llm_timeout_ms > 3600000)) {
        buf_printf(err, "invalid value for --llm-timeout: must be between 1ms and 1h");
        return -1;
    }
    if (config_resolve_nodes(c, err) < 0)
        return -1;
    if (c->nnodes_list < (c->node_rank >= 0 ? 1 : c->nnodes_min)) {
        buf_printf(err, "--nodes lists %d node(s) but --nnodes needs at least %d", c->nnodes_list, c->nnodes_min);
        return -1;
    }
    if (c->node_rank >= 0 && c->node_rank >= c->nnodes_max) {
        buf_printf(err, "--node-rank %d is not below --nnodes %d", c->node_rank, c->nnodes_max);
        return -1;
    }
    if (c->node_rank >= 0 && c->nnodes_max > 1 && !c->master_port) {
        buf_printf(err, "--node-rank with --nnodes > 1 needs a fixed --master-port shared by every node");
        return -1;
    }
    if (c->no_default_rules && !c->nrules) {
        buf_printf(err, "--no-default-rules needs at least one --rules PATH");
        return -1;
    }
    if (!c->ncmd) {
        buf_printf(err, "no training script or command given (see endure run --help)");
        return -1;
    }
    if (c->heartbeat_timeout_ms < 200) {
        buf_printf(err, "invalid value for --heartbeat-timeout: must be at least 200ms");
        return -1;
    }
    if (c->monitor_interval_ms < 1 || c->monitor_interval_ms > 60000) {
        buf_printf(err, "invalid value for --monitor-interval: must be between 1ms and 60s");
        return -1;
    }
    if (c->pair_probe && !strcmp(c->pair_probe, "command") && !c->pair_command) {
        buf_printf(err, "--pair-probe command needs --pair-command");
        return -1;
    }
    if (c->log_max_size && c->log_max_size < (64 << 10)) {
        buf_printf(err, "invalid value for --log-max-size: 0 (never rotate) or at least 64K");
        return -1;
    }
    if (c->pair_bytes > (16LL << 30)) {
        buf_printf(err, "invalid value for --pair-bytes: at most 16G");
        return -1;
    }
    return 0;
}

int config_parse(struct run_config *c, int argc, char **argv, struct buf *err)
{
    config_defaults(c);
    if (apply_env(c, err) < 0)
        return -1;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            config_usage();
            return 1;
        }
        if (!strcmp(a, "--help-man")) { /* the man page's option list (make man) */
            config_man();
            return 1;
        }
        if (!strcmp(a, "--")) {
            i++;
            c->no_python = 1;
            break;
        }
        if (a[0] != '-' || !a[1])
            break;
        if (parse_flag(c, argc, argv, &i, err) < 0)
            return -1;
    }
    c->ncmd = argc - i;
    c->cmd = calloc((size_t)c->ncmd + 1, sizeof *c->cmd);
    if (!c->cmd)
        return -1;
    for (int k = 0; k < c->ncmd; k++)
        c->cmd[k] = strdup(argv[i + k]);
    return finish(c, err);
}

void config_free(struct run_config *c)
{
    char **strs[] = {&c->log_dir, &c->redirects, &c->tee, &c->local_ranks_filter, &c->master_addr,
                     &c->role, &c->run_id, &c->rdzv_backend, &c->rdzv_endpoint, &c->rdzv_conf,
                     &c->transport, &c->progress_regex, &c->python, &c->ckpt_dir, &c->stage_dir, &c->policy,
                     &c->nodes_expr, &c->hostfile, &c->slurm_job, &c->ssh_opts, &c->agent_cmd,
                     &c->controller_addr, &c->pair_probe, &c->pair_command, &c->metrics_file,
                     &c->llm_url, &c->llm_model, &c->llm_key_file, &c->llm_cacert, &c->learned_rules,
                     &c->notify_cmd, &c->metrics_addr};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (int i = 0; i < c->nnodes_list; i++)
        free(c->nodes[i]);
    c->nnodes_list = 0;
    for (int i = 0; i < c->nnotify; i++)
        free(c->notify[i]);
    c->nnotify = 0;
    json_decref(c->health_probes);
    c->health_probes = NULL;
    for (int i = 0; i < c->nrules; i++)
        free(c->rules[i]);
    c->nrules = 0;
    for (int i = 0; c->cmd && i < c->ncmd; i++)
        free(c->cmd[i]);
    free(c->cmd);
    c->cmd = NULL;
}
