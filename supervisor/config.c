/* config: flag parsing for `endure run` (see config.h). Table-driven: one row
 * per flag with its spellings and a setter; its PET_ variable is derived
 * from the name, so the environment and argv cannot drift apart. The --help
 * text is a separate, hand-written list (config_help.c): a flag added here
 * must be added there too, and its default stated there must match
 * defaults(). */
#include "supervisor/config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <dirent.h>
#include "common/util.h"
#include "launcher/progress.h"

typedef int (*opt_set)(struct run_config *c, const char *v, struct buf *err);

struct opt {
    const char *name;  /* long name, dash spelling, without "--" */
    char shortc;       /* 0 when none */
    int takes_arg;
    opt_set set;
};

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
    return 0;
}

static int count_gpus(void)
{
    int n = 0;
    DIR *d = opendir("/dev");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "nvidia", 6) && e->d_name[6] >= '0' && e->d_name[6] <= '9')
            n++;
    if (d)
        closedir(d);
    return n;
}

static int set_nproc(struct run_config *c, const char *v, struct buf *err)
{
    long n;
    if (!strcmp(v, "cpu")) {
        c->nproc = (int)sysconf(_SC_NPROCESSORS_ONLN);
    } else if (!strcmp(v, "gpu") || !strcmp(v, "auto")) {
        int g = count_gpus();
        if (!g && !strcmp(v, "gpu"))
            return bad(err, "nproc-per-node", v, "no GPU found");
        c->nproc = g ? g : (int)sysconf(_SC_NPROCESSORS_ONLN);
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

static int set_no_default_rules(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->no_default_rules = 1;
    return 0;
}
static int set_shared_perms(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->shared_perms = 1;
    return 0;
}
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
    for (int i = 0; i < c->nnodes_list; i++)
        free(c->nodes[i]);
    c->nnodes_list = 0;
    if (!list_ok(v, SIZE_MAX))
        return bad(err, "nodes", v, "expected a comma-separated list of node names");
    char *tmp = strdup(v), *save = NULL;
    if (!tmp)
        return -1;
    int rc = 0;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (c->nnodes_list == MAX_NODES || !safe_component(t) || strchr(t, ':') || strchr(t, ' ')) {
            rc = bad(err, "nodes", v, "expected a comma-separated list of node names");
            break;
        }
        for (int i = 0; i < c->nnodes_list; i++)
            if (!strcmp(c->nodes[i], t)) {
                rc = bad(err, "nodes", v, "duplicate node name");
                break;
            }
        if (rc)
            break;
        c->nodes[c->nnodes_list++] = strdup(t);
    }
    free(tmp);
    if (!rc && !c->nnodes_list)
        rc = bad(err, "nodes", v, "empty node list");
    return rc;
}

static int set_transport(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "local"))
        return bad(err, "transport", v, "only 'local' is available in this version");
    return set_str(&c->transport, v);
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

static int set_module(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->module = 1;
    return 0;
}

static int set_no_python(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->no_python = 1;
    return 0;
}

static int set_run_path(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->run_path = 1;
    return 0;
}

static int set_standalone(struct run_config *c, const char *v, struct buf *err)
{
    (void)v, (void)err;
    c->standalone = 1;
    return 0;
}

static int set_ignored(struct run_config *c, const char *v, struct buf *err)
{
    (void)c, (void)v, (void)err;
    return 0;
}

static const struct opt opts[] = {
    {"nnodes", 0, 1, set_nnodes},
    {"nproc-per-node", 0, 1, set_nproc},
    {"max-restarts", 0, 1, set_max_restarts},
    {"monitor-interval", 0, 1, set_monitor},
    {"log-dir", 0, 1, set_log_dir},
    {"redirects", 'r', 1, set_redirects},
    {"tee", 't', 1, set_tee},
    {"local-ranks-filter", 0, 1, set_filter},
    {"master-addr", 0, 1, set_master_addr},
    {"master-port", 0, 1, set_master_port},
    {"node-rank", 0, 1, set_node_rank},
    {"role", 0, 1, set_role},
    {"module", 'm', 0, set_module},
    {"no-python", 0, 0, set_no_python},
    {"run-path", 0, 0, set_run_path},
    {"rdzv-id", 0, 1, set_run_id},
    {"standalone", 0, 0, set_standalone},
    {"rdzv-backend", 0, 1, set_rdzv_backend},
    {"rdzv-endpoint", 0, 1, set_rdzv_endpoint},
    {"rdzv-conf", 0, 1, set_rdzv_conf},
    {"max-nodes", 0, 1, set_ignored},
    {"start-method", 0, 1, set_ignored},
    {"local-addr", 0, 1, set_ignored},
    {"rdzv-timeout", 0, 1, set_ignored},
    {"nodes", 0, 1, set_nodes},
    {"transport", 0, 1, set_transport},
    {"stop-timeout", 0, 1, set_stop_timeout},
    {"kill-timeout", 0, 1, set_kill_timeout},
    {"hang-timeout", 0, 1, set_hang_timeout},
    {"startup-timeout", 0, 1, set_startup_timeout},
    {"heartbeat-timeout", 0, 1, set_hb_timeout},
    {"agent-timeout", 0, 1, set_agent_timeout},
    {"restart-backoff", 0, 1, set_backoff},
    {"restart-backoff-max", 0, 1, set_backoff_max},
    {"healthy-after", 0, 1, set_healthy_after},
    {"progress-regex", 0, 1, set_progress},
    {"forward-signals", 0, 1, set_signals},
    {"rules", 0, 1, set_rules},
    {"no-default-rules", 0, 0, set_no_default_rules},
    {"policy", 0, 1, set_policy},
    {"ckpt-dir", 0, 1, set_ckpt_dir},
    {"stage-dir", 0, 1, set_stage_dir},
    {"keep", 0, 1, set_keep},
    {"keep-every", 0, 1, set_keep_every},
    {"verify", 0, 1, set_verify},
    {"save-signal", 0, 1, set_save_signal},
    {"save-grace", 0, 1, set_save_grace},
    {"persist-timeout", 0, 1, set_persist_timeout},
    {"persist-threads", 0, 1, set_persist_threads},
    {"ckpt-warn-saves", 0, 1, set_ckpt_warn_saves},
    {"ckpt-warn-after", 0, 1, set_ckpt_warn_after},
    {"shared-perms", 0, 0, set_shared_perms},
    {"stage-max-age", 0, 1, set_stage_max_age},
};
#define NOPTS (sizeof opts / sizeof *opts)

static void defaults(struct run_config *c)
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
    if (!c->transport && set_str(&c->transport, "local") < 0)
        return -1;
    if (!c->master_addr && set_str(&c->master_addr, "127.0.0.1") < 0)
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
    if (!c->nnodes_list) {
        /* torchrun-style --node-rank: this endure runs that one node */
        int first = c->node_rank >= 0 ? c->node_rank : 0, n = c->node_rank >= 0 ? 1 : c->nnodes_max;
        for (int i = first; i < first + n; i++) {
            char name[32];
            snprintf(name, sizeof name, "node%d", i);
            c->nodes[c->nnodes_list++] = strdup(name);
        }
    }
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
    return 0;
}

int config_parse(struct run_config *c, int argc, char **argv, struct buf *err)
{
    defaults(c);
    if (apply_env(c, err) < 0)
        return -1;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            config_usage();
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
                     &c->transport, &c->progress_regex, &c->python, &c->ckpt_dir, &c->stage_dir, &c->policy};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (int i = 0; i < c->nnodes_list; i++)
        free(c->nodes[i]);
    c->nnodes_list = 0;
    for (int i = 0; i < c->nrules; i++)
        free(c->rules[i]);
    c->nrules = 0;
    for (int i = 0; c->cmd && i < c->ncmd; i++)
        free(c->cmd[i]);
    free(c->cmd);
    c->cmd = NULL;
}
