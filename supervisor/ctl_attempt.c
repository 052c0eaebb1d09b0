/* ctl_attempt: the start of one attempt of the job: choose the nodes, pick
 * a free master port, build each node's start message and send it once the
 * restore choice is made. Failures, stops and decisions are ctl_decide.c's. */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

int ctl_healthy_nodes(struct ctl *c)
{
    int k = 0;
    for (int i = 0; i < c->nnodes; i++)
        k += c->nodes[i].state == NODE_READY;
    return k;
}

static json_t *command_json(const struct run_config *cfg)
{
    json_t *cmd = json_array();
    if (!cfg->no_python) {
        json_array_append_new(cmd, json_string(cfg->python));
        json_array_append_new(cmd, json_string("-u"));
        if (cfg->module)
            json_array_append_new(cmd, json_string("-m"));
    }
    for (int i = 0; i < cfg->ncmd; i++)
        json_array_append_new(cmd, json_string(cfg->cmd[i]));
    return cmd;
}

static json_t *base_env(struct ctl *c, int group_rank, int nnodes, const char *node)
{
    const struct run_config *cfg = c->cfg;
    int world = nnodes * cfg->nproc;
    return json_pack("{s:i,s:s,s:i,s:i,s:i,s:i,s:s,s:i,s:i,s:i,s:s,s:s,s:s,s:i,s:s}",
                     "GROUP_RANK", group_rank, "ROLE_NAME", cfg->role, "LOCAL_WORLD_SIZE", cfg->nproc,
                     "WORLD_SIZE", world, "GROUP_WORLD_SIZE", nnodes, "ROLE_WORLD_SIZE", world,
                     "MASTER_ADDR", c->master_addr, "MASTER_PORT", c->master_port,
                     "TORCHELASTIC_RESTART_COUNT", c->restarts, "TORCHELASTIC_MAX_RESTARTS",
                     cfg->max_restarts, "TORCHELASTIC_RUN_ID", cfg->run_id, "ENDURE_RUN_DIR", c->run_dir,
                     "ENDURE_RUN_ID", cfg->run_id, "ENDURE_ATTEMPT", c->attempt, "ENDURE_NODE", node);
}

/* PYTHONFAULTHANDLER=1 for the ranks (unless the user set it), so that the
 * SIGABRT of a hang dump (and a segfault) prints every thread's stack. */
static void fault_handler_env(const struct ctl *c, json_t *env)
{
    if (c->cfg->hang_dump_timeout_ms > 0 && !getenv("PYTHONFAULTHANDLER"))
        json_object_set_new(env, "PYTHONFAULTHANDLER", json_string("1"));
}

/* PyTorch's NCCL flight recorder for the ranks (unless the user configured
 * it): a ring of the last collectives per process group, dumped on a
 * watchdog timeout into the attempt's node directory as
 * nccl-trace-rank-<R> (PyTorch appends the rank). Both the 2.x names and
 * the newer TORCH_FR_* ones are set; a torch without it ignores them. */
static void flight_recorder_env(const struct ctl *c, json_t *env, const char *node_dir)
{
    if (c->cfg->hang_dump_timeout_ms <= 0 || getenv("TORCH_NCCL_TRACE_BUFFER_SIZE") || getenv("TORCH_FR_BUFFER_SIZE"))
        return;
    char prefix[PATH_MAX + 32];
    snprintf(prefix, sizeof prefix, "%s/%s", node_dir, LAYOUT_NCCL_TRACE_PREFIX);
    static const char *const size_vars[] = {"TORCH_NCCL_TRACE_BUFFER_SIZE", "TORCH_FR_BUFFER_SIZE"};
    static const char *const file_vars[] = {"TORCH_NCCL_DEBUG_INFO_TEMP_FILE", "TORCH_FR_DUMP_TEMP_FILE"};
    for (int i = 0; i < 2; i++) {
        json_object_set_new(env, size_vars[i], json_string("2000"));
        if (!getenv(file_vars[i]))
            json_object_set_new(env, file_vars[i], json_string(prefix));
    }
    if (!getenv("TORCH_NCCL_DUMP_ON_TIMEOUT"))
        json_object_set_new(env, "TORCH_NCCL_DUMP_ON_TIMEOUT", json_string("1"));
}

static void send_start(struct ctl *c, struct node *n, int nnodes, json_t *nodes_j)
{
    const struct run_config *cfg = c->cfg;
    char dir[PATH_MAX], cwd[PATH_MAX];
    layout_node_dir(dir, sizeof dir, c->run_dir, c->attempt, n->name);
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    json_t *cmd = command_json(cfg), *env = base_env(c, n->group_rank, nnodes, n->name);
    fault_handler_env(c, env);
    flight_recorder_env(c, env, dir);
    ctl_rollback_env(c, env);
    struct msg m = {.type = MSG_START};
    m.u.start = (struct msg_start){
        .attempt = c->attempt, .nproc = cfg->nproc, .group_rank = n->group_rank, .node_dir = dir, .cwd = cwd,
        .cmd = cmd, .redirects = cfg->redirects, .local_ranks_filter = cfg->local_ranks_filter,
        .progress_regex = cfg->progress_regex, .monitor_ms = cfg->monitor_interval_ms,
        .stop_timeout_ms = cfg->stop_timeout_ms, .kill_timeout_ms = cfg->kill_timeout_ms, .env = env,
        .rules = c->rule_paths, .umask = cfg->rank_umask,
        /* 0 means "any age"; the agent reads <= 0 as "no sweep" */
        .stage_max_age_ms = cfg->stage_max_age_ms > 0 ? cfg->stage_max_age_ms : 1};
    m.u.start.learned = ctl_llm_learned(c, &m.u.start.learned_candidates);
    m.u.start.has_ckpt = ctl_ckpt_start_config(c, &m.u.start.ckpt);
    m.u.start.log_max_size = cfg->log_max_size;
    m.u.start.plain_logs = cfg->plain_logs;
    m.u.start.log_keep = cfg->log_keep > 0 ? (cfg->log_keep / c->nnodes > 0 ? cfg->log_keep / c->nnodes : 1) : 0;
    json_array_append_new(nodes_j, json_pack("{s:s,s:i}", "node", n->name, "group_rank", n->group_rank));
    agents_send_msg(c, n, &m);
    json_decref(cmd);
    json_decref(env);
}

/* Starts the next attempt once the agents are in and any back-off is over. */
void attempt_maybe_start(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    int64_t now = now_ms();
    if (c->state != C_WAIT_AGENTS && c->state != C_BACKOFF)
        return;
    if (c->state == C_BACKOFF && now < c->backoff_until)
        return;
    if (c->state == C_WAIT_AGENTS && ctl_resume_waiting(c))
        return; /* a resumed run: the dead controller's ranks may still be stopping */
    enum ctl_event go = c->state == C_BACKOFF ? CE_BACKOFF_OVER : CE_NODES_READY;
    int starting = 0, healthy = ctl_healthy_nodes(c);
    for (int i = 0; i < c->nnodes; i++)
        starting += c->nodes[i].state == NODE_STARTING;
    if (starting && c->nhist == 0)
        return; /* first attempt: wait for every agent (spares too, so that the
                 * active nodes follow the --nodes order) or the agent timeout */
    int need = cfg->node_rank >= 0 ? 1 : cfg->nnodes_min;
    if (healthy < need) {
        if (starting)
            return;
        char why[160];
        snprintf(why, sizeof why, "not enough healthy nodes: %d left, at least %d needed", healthy, need);
        return ctl_finish(c, EXIT_NO_NODES, why);
    }
    ctl_on(c, go);
    ctl_health_begin(c); /* C_HEALTH; then C_RESTORING, the port and the restore choice */
}

/* The node that will be group rank 0: the first ready one (attempt_launch
 * takes the first ready nodes in --nodes order). */
static struct node *first_ready(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].state == NODE_READY)
            return &c->nodes[i];
    return NULL;
}

void attempt_request_port(struct ctl *c)
{
    struct node *n = first_ready(c);
    c->master_port = c->cfg->master_port;
    c->port_ready = c->master_port != 0 || !n; /* none ready: attempt_launch says so */
    if (c->port_ready)
        return;
    c->port_node = (int)(n - c->nodes);
    c->port_deadline = now_ms() + c->cfg->heartbeat_timeout_ms;
    struct msg m = {.type = MSG_PORT_REQ, .u.port = {.attempt = c->attempt + 1}};
    agents_send_msg(c, n, &m);
}

void attempt_on_port(struct ctl *c, struct node *n, const struct msg_port *m)
{
    if (c->state != C_RESTORING || c->port_ready || m->attempt != c->attempt + 1 || n != &c->nodes[c->port_node])
        return; /* an answer that came too late: a newer question is out */
    c->master_port = m->port;
    c->port_ready = 1;
    attempt_try_launch(c);
}

void attempt_try_launch(struct ctl *c)
{
    if (c->state != C_RESTORING || !c->restore_ready || !c->port_ready)
        return;
    ctl_on(c, CE_RESTORED);
    attempt_launch(c);
}

/* --nproc-per-node cpu|gpu|auto with slurm or ssh: what the first `active`
 * ready nodes said in their hello, the smallest of them (every node runs
 * the same number of ranks). 0, or -1 with why. */
static int count_on_nodes(struct ctl *c, int active, char *why, size_t len)
{
    int nproc = 0, k = 0, differ = 0;
    for (int i = 0; i < c->nnodes && k < active; i++) {
        struct node *n = &c->nodes[i];
        if (n->state != NODE_READY)
            continue;
        k++;
        int g = n->gpus > 0 ? n->gpus : 0, cpus = n->cpus > 0 ? n->cpus : 1;
        int v = c->cfg->nproc_mode == NPROC_CPU ? cpus : c->cfg->nproc_mode == NPROC_GPU ? g : g ? g : cpus;
        if (!v) {
            snprintf(why, len, "--nproc-per-node gpu: node %s sees no GPU (CUDA_VISIBLE_DEVICES, /dev/nvidia*)",
                     n->name);
            return -1;
        }
        differ |= nproc && v != nproc;
        nproc = !nproc || v < nproc ? v : nproc;
    }
    if (differ)
        log_warn("the nodes count different numbers of ranks for --nproc-per-node; every node runs %d", nproc);
    c->cfg->nproc = nproc ? nproc : 1;
    return 0;
}

/* Starts the attempt's ranks on the first ready nodes (in --nodes order);
 * nodes lost while the restore was chosen are not used. */
void attempt_launch(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    int healthy = ctl_healthy_nodes(c), need = cfg->node_rank >= 0 ? 1 : cfg->nnodes_min;
    if (healthy < need) {
        char why[160];
        snprintf(why, sizeof why, "not enough healthy nodes: %d left, at least %d needed", healthy, need);
        return ctl_finish(c, EXIT_NO_NODES, why);
    }
    int nnodes = cfg->node_rank >= 0 ? cfg->nnodes_max : (healthy < cfg->nnodes_max ? healthy : cfg->nnodes_max);
    int active = cfg->node_rank >= 0 ? 1 : nnodes;
    char why[300];
    if (cfg->nproc_mode != NPROC_NUMBER && cfg->transport_kind != TRANSPORT_LOCAL &&
        count_on_nodes(c, active, why, sizeof why) < 0)
        return ctl_finish(c, EXIT_NOT_RETRYABLE, why);
    c->world_size = nnodes * cfg->nproc;
    c->attempt++;
    ctl_rollback_attempt_start(c);
    struct node *master = first_ready(c);
    snprintf(c->master_addr, sizeof c->master_addr, "%s",
             cfg->master_addr ? cfg->master_addr : master && master->addr[0] ? master->addr : "127.0.0.1");
    c->nactive = 0;
    json_t *nodes_j = json_array();
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        n->stopped = n->ranks_ok = n->started = 0;
        n->group_rank = -1;
        if (n->state != NODE_READY || c->nactive == active)
            continue;
        n->group_rank = cfg->node_rank >= 0 ? cfg->node_rank : c->nactive;
        c->nactive++;
        send_start(c, n, nnodes, nodes_j);
    }
    c->exited = 0;
    ctl_diag_attempt_reset(c);
    c->attempt_start = c->last_progress = now_ms();
    c->start_deadline = c->attempt_start + (cfg->startup_timeout_ms > cfg->agent_timeout_ms ? cfg->startup_timeout_ms
                                                                                             : cfg->agent_timeout_ms);
    c->progressed = c->all_started = 0;
    memset(&c->fail, 0, sizeof c->fail);
    struct attempt_log *h = ctl_hist_push(c, c->attempt, c->attempt_start);
    if (h)
        ctl_ckpt_attempt_log(c, h);
    journal_event(&c->j, "attempt_start",
                  json_pack("{s:i,s:i,s:o,s:i,s:s,s:i,s:i,s:O?}", "attempt", c->attempt, "restart_count", c->restarts,
                            "nodes", nodes_j, "world_size", nnodes * cfg->nproc, "master_addr", c->master_addr,
                            "master_port", c->master_port,
                            "spares", healthy - c->nactive, "resume", c->resume));
    log_info("attempt %d: %d node(s) x %d rank(s), MASTER_ADDR %s MASTER_PORT %d", c->attempt, nnodes, cfg->nproc,
             c->master_addr, c->master_port);
}
