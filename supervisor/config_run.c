/* config_run: the rows of `endure run`'s option table for the torchrun
 * flags and endure's own run flags (nodes, transports, restarts, signals,
 * the console), with their setters. Each setter parses and checks one
 * value into struct run_config and says what is wrong in err; config.c
 * joins these rows with config_ops.c's and parses argv and PET_ variables
 * with them. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/util.h"
#include "supervisor/config.h"
#include "supervisor/config_int.h"
#include "launcher/progress.h"
#include "oncall/metrics_http.h"
#include "oncall/notify.h"

static int set_nnodes(struct run_config *c, const char *v, struct buf *err)
{
    long lo, hi;
    const char *colon = strchr(v, ':');
    if (colon) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(colon - v), v);
        if ((size_t)(colon - v) >= sizeof tmp || parse_long(tmp, 1, MAX_NODES, &lo) < 0 || parse_long(colon + 1, 1, MAX_NODES, &hi) < 0 || lo > hi)
            return config_bad(err, "nnodes", v, "expected N or MIN:MAX with 1 <= MIN <= MAX");
    } else {
        if (parse_long(v, 1, MAX_NODES, &lo) < 0)
            return config_bad(err, "nnodes", v, "expected N or MIN:MAX");
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
        return config_bad(err, "nproc-per-node", v, "expected a number, cpu, gpu or auto");
    }
    return 0;
}

INT_SETTER(set_max_restarts, max_restarts, "max-restarts", 0, 1000000)
INT_SETTER(set_master_port, master_port, "master-port", 1, 65535)
INT_SETTER(set_node_rank, node_rank, "node-rank", 0, 65535)
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
NONEMPTY_SETTER(set_log_dir, log_dir, "log-dir")
NONEMPTY_SETTER(set_master_addr, master_addr, "master-addr")
NONEMPTY_SETTER(set_role, role, "role")
STR_SETTER(set_rdzv_backend, rdzv_backend)
STR_SETTER(set_rdzv_endpoint, rdzv_endpoint)
STR_SETTER(set_rdzv_conf, rdzv_conf)
NONEMPTY_SETTER(set_metrics_file, metrics_file, "metrics-file")

/* Compiled here, as the agents will compile it, so that a bad pattern is a
 * usage error before the run directory exists. */
static int set_progress(struct run_config *c, const char *v, struct buf *err)
{
    struct progress *p = NULL;
    struct buf msg;
    if (!*v)
        return config_bad(err, "progress-regex", v, "must not be empty");
    buf_init(&msg, 512);
    int rc = progress_new(&p, v, &msg);
    progress_free(p);
    if (rc < 0) {
        config_bad(err, "progress-regex", v, msg.p ? msg.p : "cannot compile it");
        buf_free(&msg);
        return -1;
    }
    buf_free(&msg);
    return config_set_str(&c->progress_regex, v);
}

/* --notify URL (repeatable) or env:NAME (the URL from the environment,
 * out of argv). The value is never echoed: it may hold a webhook token. */
static int set_notify(struct run_config *c, const char *v, struct buf *err)
{
    const char *url = v;
    if (!strncmp(v, "env:", 4) && !(url = getenv(v + 4)))
        return config_bad(err, "notify", v, "no such environment variable");
    if (c->nnotify == MAX_NOTIFY_URLS)
        return config_bad(err, "notify", "[redacted]", "too many --notify (at most 8)");
    if (notify_check_url(url) < 0)
        return config_bad(err, "notify", "[redacted]", "expected an http:// or https:// URL");
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
        return config_bad(err, "metrics-addr", v, why);
    return config_set_str(&c->metrics_addr, v);
}

static int check_stream_spec(const char *flag, const char *v, struct buf *err)
{
    /* torchrun: "N" for all ranks, or "lr:N,lr:N" with N in 0..3 */
    long n;
    if (parse_long(v, 0, 3, &n) == 0)
        return 0;
    char tmp[256];
    if (!config_list_ok(v, sizeof tmp))
        return config_bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        if (!colon)
            return config_bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
        *colon = '\0';
        if (parse_long(t, 0, 1024, &n) < 0 || parse_long(colon + 1, 0, 3, &n) < 0)
            return config_bad(err, flag, v, "expected 0-3 or LOCAL_RANK:0-3,...");
    }
    return 0;
}

static int set_redirects(struct run_config *c, const char *v, struct buf *err)
{
    return check_stream_spec("redirects", v, err) < 0 ? -1 : config_set_str(&c->redirects, v);
}

static int set_tee(struct run_config *c, const char *v, struct buf *err)
{
    return check_stream_spec("tee", v, err) < 0 ? -1 : config_set_str(&c->tee, v);
}

static int set_filter(struct run_config *c, const char *v, struct buf *err)
{
    char tmp[1024];
    if (!config_list_ok(v, sizeof tmp))
        return config_bad(err, "local-ranks-filter", v, "expected a comma-separated list of local ranks");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    long n;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (parse_long(t, 0, 1024, &n) < 0)
            return config_bad(err, "local-ranks-filter", v, "expected a comma-separated list of local ranks");
    return config_set_str(&c->local_ranks_filter, v);
}

static int set_run_id(struct run_config *c, const char *v, struct buf *err)
{
    if (!safe_component(v) || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(v))
        return config_bad(err, "rdzv-id", v, "use letters, digits, '.', '_' and '-'");
    return config_set_str(&c->run_id, v);
}

static int set_nodes(struct run_config *c, const char *v, struct buf *err)
{
    if (!*v)
        return config_bad(err, "nodes", v, "empty node list");
    return config_set_str(&c->nodes_expr, v); /* expanded by config_resolve_nodes */
}

static int set_transport(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "auto") && strcmp(v, "local") && strcmp(v, "slurm") && strcmp(v, "ssh"))
        return config_bad(err, "transport", v, "expected auto, local, slurm or ssh");
    return config_set_str(&c->transport, v);
}

NONEMPTY_SETTER(set_hostfile, hostfile, "hostfile")
STR_SETTER(set_ssh_opts, ssh_opts)
NONEMPTY_SETTER(set_agent_cmd, agent_cmd, "agent-cmd")

static int set_controller_addr(struct run_config *c, const char *v, struct buf *err)
{
    const char *colon = strrchr(v, ':');
    long port;
    if (!*v || colon == v || (colon && parse_long(colon + 1, 0, 65535, &port) < 0))
        return config_bad(err, "controller-addr", v, "expected HOST or HOST:PORT (a port 0-65535)");
    return config_set_str(&c->controller_addr, v);
}

static int set_spike_factor(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double f = strtod(v, &end);
    if (!*v || *end || !(f == 0 || (f > 1 && f <= 1e6)))
        return config_bad(err, "spike-factor", v, "expected 0 (off) or a number above 1 (e.g. 10)");
    c->spike_factor = f;
    return 0;
}

INT_SETTER(set_quarantine_after, quarantine_after, "quarantine-after", 1, 100)
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
        return config_bad(err, "resume", v, "expected a run directory (<log-dir>/<run-id>)");
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *slash = strrchr(tmp, '/');
    const char *id = slash ? slash + 1 : tmp;
    if (!*id || !strcmp(id, ".") || !strcmp(id, ".."))
        return config_bad(err, "resume", v, "expected a run directory (<log-dir>/<run-id>)");
    if (slash)
        *slash = '\0';
    if (config_set_str(&c->run_id, id) < 0 || config_set_str(&c->log_dir, slash ? (*tmp ? tmp : "/") : ".") < 0)
        return -1;
    c->resume = 1;
    return 0;
}

SWITCH_SETTER(set_slurm_drain, slurm_drain)
SWITCH_SETTER(set_no_shared_fs, no_shared_fs)
SWITCH_SETTER(set_plain_logs, plain_logs)

static int set_signals(struct run_config *c, const char *v, struct buf *err)
{
    char tmp[256];
    if (!config_list_ok(v, sizeof tmp))
        return config_bad(err, "forward-signals", v, "expected a comma-separated list of signal names");
    snprintf(tmp, sizeof tmp, "%s", v);
    char *save = NULL;
    c->nsignals = 0;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int s = config_sig_from_name(t);
        if (s < 0 || c->nsignals == MAX_SIGNALS)
            return config_bad(err, "forward-signals", v, "expected names among INT,TERM,HUP,QUIT,USR1,USR2,ALRM,XCPU");
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

const struct opt config_rows_run[] = {
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
    OD("startup-timeout", set_startup_timeout, G_ENDURE, "DUR", "the same before the first progress, counted from the ranks' start (default %D)",
       D_MS, startup_timeout_ms),
    OD("heartbeat-timeout", set_hb_timeout, G_ENDURE, "DUR", "an agent silent this long is lost (default %D)", D_MS,
       heartbeat_timeout_ms),
    OD("agent-timeout", set_agent_timeout, G_ENDURE, "DUR",
       "how long an agent may take to connect; it retries with back-off until then; also the least time its ranks may take to start (default %D)", D_MS,
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
};
const size_t config_nrows_run = sizeof config_rows_run / sizeof *config_rows_run;
_Static_assert(sizeof config_rows_run / sizeof *config_rows_run <= CONFIG_ROWS_RUN_MAX, "raise CONFIG_ROWS_RUN_MAX");
