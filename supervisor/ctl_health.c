/* ctl_health: C_HEALTH, the nodes' health checks before an attempt
 * (--health local). Before the first attempt every ready node runs `endure
 * health` (spares too, in parallel); before a later attempt, the nodes that
 * join it as spares and a node a failure was blamed on but kept. A node that
 * fails (after the command's own debounce, --health-fail-after) or does not
 * answer within --health-timeout is excluded like a lost node (journaled
 * `node_unhealthy` with the probe results) and the next spare is checked in
 * its place; the ranks start (C_RESTORING) only when the attempt's nodes all
 * passed. The results go to attempt-<N>/health.json. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

/* How many nodes the next attempt takes (attempt_launch's rule). */
static int nodes_wanted(const struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    return cfg->node_rank >= 0 ? 1 : cfg->nnodes_max;
}

int ctl_health_wanted(const struct ctl *c, int i)
{
    int k = 0;
    if (c->nhist == 0)
        return 1; /* the first time: spares too */
    for (int j = 0; j <= i && j < c->nnodes; j++)
        k += c->nodes[j].state == NODE_READY;
    return c->nodes[i].state == NODE_READY && k <= nodes_wanted(c);
}

static void send_req(struct ctl *c, struct node *n)
{
    const struct run_config *cfg = c->cfg;
    struct msg m = {.type = MSG_HEALTH_REQ};
    m.u.health_req = (struct msg_health_req){
        .id = ++c->health_seq, .probes = cfg->health_probes, .gpus = cfg->gpus_per_node,
        .fail_after = cfg->health_fail_after, .timeout_ms = cfg->health_timeout_ms,
        .probe_timeout_ms = cfg->health_probe_timeout_ms, .gpu_free_timeout_ms = cfg->gpu_free_timeout_ms,
        .min_free = cfg->min_free, .min_mem = cfg->min_mem, .ckpt_dir = cfg->ckpt_dir, .stage_dir = cfg->stage_dir};
    n->health_id = m.u.health_req.id;
    n->health_deadline = now_ms() + cfg->health_timeout_ms + 5000; /* the agent kills the check at its timeout */
    agents_send_msg(c, n, &m);
}

/* The first nodes_wanted() ready nodes that still need a check get one; 1
 * while any answer is outstanding. */
static int ask(struct ctl *c)
{
    int k = 0, waiting = 0, want = nodes_wanted(c);
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->state != NODE_READY)
            continue;
        int in_attempt = k++ < want || c->nhist == 0; /* the first time: spares too */
        if (n->health_id) {
            waiting = 1;
        } else if (n->need_health && in_attempt) {
            send_req(c, n);
            waiting = 1;
        }
    }
    return waiting;
}

static void write_report(struct ctl *c)
{
    char adir[PATH_MAX], path[PATH_MAX];
    layout_attempt_dir(adir, sizeof adir, c->run_dir, c->attempt + 1);
    if (layout_run_file(path, sizeof path, adir, LAYOUT_HEALTH_JSON) < 0)
        return;
    json_t *j = json_pack("{s:i,s:O,s:O}", "attempt", c->attempt + 1, "nodes", c->health, "pairs", c->pairs);
    char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    if (!s || mkdir_p(adir, 0755) < 0 || write_file_durable(path, s, strlen(s)) < 0)
        log_warn("cannot write %s", path);
    free(s);
    json_decref(j);
}

static void progress(struct ctl *c);

/* Every check of the attempt's nodes is in: on to C_RESTORING, or the end
 * when too few nodes passed. */
static void progress_once(struct ctl *c)
{
    int r = 2;
    while (r == 2) { /* a pairwise plan that excluded nodes: their spares need checks too */
        if (c->state != C_HEALTH || ask(c))
            return;
        if ((r = ctl_pairs_step(c)) == 1)
            return;
    }
    if (json_object_size(c->health))
        write_report(c);
    int healthy = ctl_healthy_nodes(c), need = c->cfg->node_rank >= 0 ? 1 : c->cfg->nnodes_min;
    if (healthy < need) {
        char why[160];
        snprintf(why, sizeof why, "not enough healthy nodes: %d left, at least %d needed", healthy, need);
        return ctl_finish(c, EXIT_NO_NODES, why);
    }
    ctl_on(c, CE_HEALTHY);
    c->restore_ready = 0;
    attempt_request_port(c);
    ctl_ckpt_restore_begin(c); /* attempt_try_launch follows once the checkpoint is chosen */
}

/* progress_once, not re-entered: a send that loses a node calls back here
 * (node_lost -> ctl_health_node_gone); the outer call runs it again. */
static void progress(struct ctl *c)
{
    if (c->health_busy) {
        c->health_again = 1;
        return;
    }
    c->health_busy = 1;
    do {
        c->health_again = 0;
        progress_once(c);
    } while (c->health_again && c->state == C_HEALTH);
    c->health_busy = 0;
}

void ctl_health_progress(struct ctl *c)
{
    progress(c);
}

void ctl_health_begin(struct ctl *c)
{
    json_decref(c->health);
    c->health = json_object();
    json_decref(c->pairs);
    c->pairs = json_array();
    if (c->cfg->health == HEALTH_OFF)
        for (int i = 0; i < c->nnodes; i++)
            c->nodes[i].need_health = 0;
    progress(c);
}

/* Excludes n for a failed check (the probes' reasons in why). */
void ctl_health_exclude(struct ctl *c, struct node *n, const char *why, json_t *report)
{
    log_error("node %s failed its health check: %s", n->name, why);
    journal_event(&c->j, "node_unhealthy", json_pack("{s:s,s:s,s:O?}", "node", n->name, "reason", why, "report",
                                                        report));
    char reason[700];
    snprintf(reason, sizeof reason, "health check: %s", why);
    node_exclude(c, n, reason);
    ctl_drain_type(c, n, "health_check");
}

/* The failing probes of a report, as "gpu: 1 uncorrectable ECC error; ...". */
static void failing(const json_t *report, char *out, size_t len)
{
    size_t i, used = 0;
    json_t *p;
    out[0] = '\0';
    json_array_foreach(json_object_get(report, "probes"), i, p) {
        const char *r = json_string_value(json_object_get(p, "result"));
        if (!r || strcmp(r, "fail") || used + 8 >= len)
            continue;
        int w = snprintf(out + used, len - used, "%s%s: %s", used ? "; " : "",
                         json_string_value(json_object_get(p, "name")) ?: "?",
                         json_string_value(json_object_get(p, "reason")) ?: "failed");
        used = w > 0 && (size_t)w < len - used ? used + (size_t)w : len - 1;
    }
    if (!out[0])
        snprintf(out, len, "a probe failed");
}

void ctl_health_result(struct ctl *c, struct node *n, const struct msg_health *m)
{
    if (c->state != C_HEALTH || !n->health_id || m->id != n->health_id)
        return; /* an answer nobody waits for any more */
    n->health_id = 0;
    n->need_health = 0;
    json_object_set_new(c->health, n->name, m->report ? json_deep_copy(m->report)
                                                      : json_pack("{s:s,s:s?}", "result", m->result, "error",
                                                                  m->error));
    journal_event(&c->j, "health", json_pack("{s:s,s:s,s:s?}", "node", n->name, "result", m->result, "error",
                                                m->error));
    if (!strcmp(m->result, "fail")) {
        char why[600];
        failing(m->report, why, sizeof why);
        ctl_health_exclude(c, n, why, m->report);
    } else if (!strcmp(m->result, "error")) {
        ctl_health_exclude(c, n, m->error ? m->error : "the check could not run", NULL);
    } else if (!strcmp(m->result, "warn")) {
        log_warn("node %s: health check warnings (see %s/attempt-%d/health.json)", n->name, c->run_dir,
                 c->attempt + 1);
    }
    progress(c);
}

int64_t ctl_health_deadline(struct ctl *c)
{
    int64_t d = c->state == C_HEALTH ? ctl_pairs_deadline(c) : -1;
    for (int i = 0; c->state == C_HEALTH && i < c->nnodes; i++)
        if (c->nodes[i].health_id && c->nodes[i].state == NODE_READY)
            d = deadline_min(d, c->nodes[i].health_deadline);
    return d;
}

void ctl_health_timers(struct ctl *c)
{
    if (c->state == C_HEALTH)
        ctl_pairs_timers(c);
    int64_t now = now_ms(), due = ctl_health_deadline(c);
    if (due < 0 || now < due)
        return; /* nothing timed out: answers and losses call progress() themselves */
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->health_id && n->state == NODE_READY && now >= n->health_deadline) {
            n->health_id = 0;
            json_object_set_new(c->health, n->name, json_pack("{s:s,s:s}", "result", "error", "error",
                                                              "no answer within --health-timeout"));
            ctl_health_exclude(c, n, "no answer within --health-timeout", NULL);
        }
    }
    progress(c);
}

void ctl_health_node_gone(struct ctl *c, struct node *n)
{
    n->health_id = 0;
    ctl_pairs_node_gone(c, n);
    progress(c);
}

void ctl_health_after_attempt(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++) /* spares join the next attempt only after a fresh check */
        if (c->nodes[i].state == NODE_READY && c->nodes[i].group_rank < 0)
            c->nodes[i].need_health = c->nodes[i].need_pair = 1;
}
