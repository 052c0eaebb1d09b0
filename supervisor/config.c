/* config: flag parsing for `endure run` (see config.h). Table-driven: one row
 * per flag with its spellings, its setter, its help paragraph and where its
 * default lives; its PET_ variable is derived from the name, and
 * config_help.c renders `--help` and the man page's option list from the
 * same rows (defaults from config_defaults()), so none of them can drift
 * apart. The rows and their setters live in config_run.c (torchrun's and
 * endure's run flags) and config_ops.c (health, diagnosis, checkpoints);
 * here: the helpers the setters share, the joined table, the defaults, and
 * the parsing of argv and PET_ variables. */
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

int config_set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

int config_bad(struct buf *err, const char *flag, const char *v, const char *why)
{
    buf_reset(err);
    buf_printf(err, "invalid value '%s' for --%s: %s", v, flag, why);
    return -1;
}

/* A comma-separated list that fits in cap bytes and has no empty item
 * (strtok_r would skip those silently). */
int config_list_ok(const char *v, size_t cap)
{
    size_t n = strlen(v);
    return n && n < cap && v[0] != ',' && v[n - 1] != ',' && !strstr(v, ",,");
}

int config_sig_from_name(const char *s)
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

const struct opt *config_opts(size_t *n)
{
    static struct opt all[CONFIG_ROWS_RUN_MAX + CONFIG_ROWS_OPS_MAX];
    static size_t nall;
    if (!nall) { /* built once, before any thread starts: argv is parsed first */
        memcpy(all, config_rows_run, config_nrows_run * sizeof *all);
        memcpy(all + config_nrows_run, config_rows_ops, config_nrows_ops * sizeof *all);
        nall = config_nrows_run + config_nrows_ops;
    }
    *n = nall;
    return all;
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
    size_t n;
    const struct opt *opts = config_opts(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(opts[i].name, norm))
            return &opts[i];
    return NULL;
}

static int apply_env(struct run_config *c, struct buf *err)
{
    size_t n;
    const struct opt *opts = config_opts(&n);
    for (size_t i = 0; i < n; i++) {
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
        size_t n;
        const struct opt *opts = config_opts(&n);
        for (size_t k = 0; k < n; k++)
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

/* The defaults of the string settings no flag set. */
static int set_defaults(struct run_config *c)
{
    if (!c->log_dir && config_set_str(&c->log_dir, "endure-runs") < 0)
        return -1;
    if (!c->transport && config_set_str(&c->transport, "auto") < 0)
        return -1;
    if (c->node_rank >= 0 && !c->master_addr && config_set_str(&c->master_addr, "127.0.0.1") < 0)
        return -1;
    if (!c->role && config_set_str(&c->role, "default") < 0)
        return -1;
    if (!c->redirects && config_set_str(&c->redirects, "0") < 0)
        return -1;
    if (!c->tee && config_set_str(&c->tee, "0") < 0)
        return -1;
    const char *py = getenv("PYTHON_EXEC");
    return config_set_str(&c->python, py && *py ? py : "python3");
}

/* The LLM's URL (flag, else ENDURE_LLM_URL), mode and timeout. */
static int finish_llm(struct run_config *c, struct buf *err)
{
    const char *llm = getenv("ENDURE_LLM_URL");
    if (!c->llm_url && llm && *llm && config_set_str(&c->llm_url, llm) < 0)
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
    return 0;
}

/* The node list against --nnodes and --node-rank. */
static int finish_nodes(struct run_config *c, struct buf *err)
{
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
    return 0;
}

/* Settings that are wrong only together, or out of range. */
static int check_settings(const struct run_config *c, struct buf *err)
{
    const char *bad = NULL;
    if (c->no_default_rules && !c->nrules)
        bad = "--no-default-rules needs at least one --rules PATH";
    else if (!c->ncmd)
        bad = "no training script or command given (see endure run --help)";
    else if (c->heartbeat_timeout_ms < 200)
        bad = "invalid value for --heartbeat-timeout: must be at least 200ms";
    else if (c->monitor_interval_ms < 1 || c->monitor_interval_ms > 60000)
        bad = "invalid value for --monitor-interval: must be between 1ms and 60s";
    else if (c->pair_probe && !strcmp(c->pair_probe, "command") && !c->pair_command)
        bad = "--pair-probe command needs --pair-command";
    else if (c->log_max_size && c->log_max_size < (64 << 10))
        bad = "invalid value for --log-max-size: 0 (never rotate) or at least 64K";
    else if (c->pair_bytes > (16LL << 30))
        bad = "invalid value for --pair-bytes: at most 16G";
    if (!bad)
        return 0;
    buf_printf(err, "%s", bad);
    return -1;
}

/* After the flags and PET_ variables: the defaults, then the checks. */
static int finish(struct run_config *c, struct buf *err)
{
    if (set_defaults(c) < 0 || finish_llm(c, err) < 0 || finish_nodes(c, err) < 0)
        return -1;
    return check_settings(c, err);
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
