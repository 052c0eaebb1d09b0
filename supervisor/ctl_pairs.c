/* ctl_pairs: the pairwise part of C_HEALTH (--health pairwise). Once the
 * attempt's nodes passed their local probes, the nodes that need a check
 * (every node before the first attempt; spares before they join) are
 * planned by pairplan.c together with the nodes that passed before (its
 * references), and each batch of pairs runs at once: rank 0 of a pair
 * gets a pair_req, answers pair_ready (its port or NCCL id), then rank 1
 * gets its pair_req; both report `pair`. The pair's bandwidth is the lower
 * of the two sides'. When the plan ends, faulty nodes are excluded like
 * nodes that failed a probe (node_unhealthy), stragglers journaled
 * (node_straggler) and excluded with --exclude-stragglers, and the figures
 * kept for the next plan and attempt-<N>/health.json. Every pair is
 * bounded by --health-timeout (+5 s for the messages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/util.h"
#include "health/pair.h"
#include "supervisor/ctl_int.h"

struct pw_run {
    int node[2];                /* node indices: [0] serves */
    int id[2];                  /* request ids, 0: not sent */
    int done[2];
    char result[2][8];
    double gbps[2];
    char why[2][200];
    int64_t deadline;
    char token[PAIR_TOKEN_LEN + 1];
    const char *backend;
};

static const char *node_addr(const struct node *n)
{
    return n->addr[0] ? n->addr : "127.0.0.1";
}

static const char *backend_of(const struct ctl *c, const struct node *a, const struct node *b)
{
    const char *p = c->cfg->pair_probe;
    if (p && strcmp(p, "auto"))
        return p;
    return a->gpus > 0 && b->gpus > 0 ? "nccl" : "tcp";
}

static void send_side(struct ctl *c, struct pw_run *r, int side, int port, const char *nccl_id)
{
    const struct run_config *cfg = c->cfg;
    struct node *n = &c->nodes[r->node[side]];
    int64_t bytes = cfg->pair_bytes ? cfg->pair_bytes : !strcmp(r->backend, "nccl") ? 256LL << 20 : 64LL << 20;
    struct msg m = {.type = MSG_PAIR_REQ};
    m.u.pair_req = (struct msg_pair_req){
        .id = ++c->health_seq, .rank = side, .backend = r->backend, .addr = node_addr(&c->nodes[r->node[0]]),
        .port = port, .nccl_id = nccl_id, .token = !strcmp(r->backend, "tcp") ? r->token : NULL,
        .command = !strcmp(r->backend, "command") ? cfg->pair_command : NULL, .bytes = bytes,
        .timeout_ms = cfg->health_timeout_ms, .iters = 5};
    r->id[side] = m.u.pair_req.id;
    agents_send_msg(c, n, &m);
}

/* Sends rank 0 of every pair of the plan's current batch. */
static int send_batch(struct ctl *c)
{
    struct pairplan *p = &c->pw;
    free(c->pw_runs);
    c->pw_runs = calloc((size_t)p->nbatch, sizeof *c->pw_runs);
    if (!c->pw_runs)
        return -1;
    for (int k = 0; k < p->nbatch; k++) { /* all filled in before a send can lose a node */
        struct pw_run *r = &c->pw_runs[k];
        r->node[0] = c->pw_node[p->batch[k].a];
        r->node[1] = c->pw_node[p->batch[k].b];
        r->backend = backend_of(c, &c->nodes[r->node[0]], &c->nodes[r->node[1]]);
        r->deadline = now_ms() + c->cfg->health_timeout_ms + 5000;
        if (proto_random_hex(r->token, PAIR_TOKEN_LEN / 2) < 0)
            return -1;
    }
    for (int k = 0; k < p->nbatch; k++)
        send_side(c, &c->pw_runs[k], 0, 0, NULL);
    return 0;
}

/* Marks one side done (result pass/fail/skip/error). */
static void side_done(struct pw_run *r, int side, const char *result, double gbps, const char *why)
{
    if (r->done[side])
        return;
    r->done[side] = 1;
    snprintf(r->result[side], sizeof r->result[side], "%s", result);
    r->gbps[side] = gbps;
    snprintf(r->why[side], sizeof r->why[side], "%s", why ? why : "");
}

/* A pair both of whose sides are in: its result into the plan and the
 * journal. */
static void pair_done(struct ctl *c, int k)
{
    struct pw_run *r = &c->pw_runs[k];
    struct node *a = &c->nodes[r->node[0]], *b = &c->nodes[r->node[1]];
    int res = 1;
    double g = -1;
    char why[420] = "";
    for (int s = 0; s < 2; s++) {
        struct node *n = s ? b : a;
        if (!strcmp(r->result[s], "fail") || !strcmp(r->result[s], "error")) {
            size_t used = res != 0 ? 0 : strlen(why); /* both sides' reasons when both failed */
            snprintf(why + used, sizeof why - used, "%s%s: %s", used ? "; " : "", n->name, r->why[s]);
            res = 0;
        } else if (!strcmp(r->result[s], "skip") && res == 1) {
            res = -1;
            snprintf(why, sizeof why, "%s: %s", n->name, r->why[s]);
        } else if (r->gbps[s] > 0) {
            g = g < 0 || r->gbps[s] < g ? r->gbps[s] : g;
        }
    }
    pairplan_result(&c->pw, k, res, res == 1 ? g : -1, why);
    json_t *e = json_pack("{s:i,s:[s,s],s:s,s:s,s:s*}", "round", c->pw.round, "nodes", a->name, b->name, "backend",
                          r->backend, "result", res == 1 ? "pass" : res ? "skip" : "fail", "reason",
                          why[0] ? why : NULL);
    if (res == 1 && g > 0)
        json_object_set_new(e, "gbps", json_real(g));
    json_array_append(c->pairs, e);
    journal_event(&c->j, "pair", e);
}

static int batch_busy(struct ctl *c)
{
    int busy = 0;
    for (int k = 0; k < c->pw.nbatch; k++) {
        struct pw_run *r = &c->pw_runs[k];
        if (c->pw.batch[k].done)
            continue;
        if (r->done[0] && r->done[1])
            pair_done(c, k);
        else
            busy = 1;
    }
    return busy;
}

/* The run and side a message of node n with request id belongs to. */
static struct pw_run *find(struct ctl *c, const struct node *n, int id, int *side)
{
    int ni = (int)(n - c->nodes);
    for (int k = 0; c->pw_active && c->pw_runs && k < c->pw.nbatch; k++)
        for (int s = 0; s < 2; s++)
            if (c->pw_runs[k].id[s] == id && c->pw_runs[k].node[s] == ni) {
                *side = s;
                return &c->pw_runs[k];
            }
    return NULL;
}

void ctl_pairs_ready(struct ctl *c, struct node *n, const struct msg_pair_ready *m)
{
    int side;
    struct pw_run *r = find(c, n, m->id, &side);
    if (!r || side != 0 || r->id[1] || r->done[1])
        return; /* late, or not rank 0's to say */
    if (c->nodes[r->node[1]].state != NODE_READY)
        side_done(r, 1, "error", -1, "node lost");
    else
        send_side(c, r, 1, m->port, m->nccl_id);
    ctl_health_progress(c);
}

void ctl_pairs_result(struct ctl *c, struct node *n, const struct msg_pair *m)
{
    int side;
    struct pw_run *r = find(c, n, m->id, &side);
    if (!r)
        return;
    side_done(r, side, m->result, m->gbps, m->reason);
    if (side == 0 && !r->id[1]) /* rank 0 ended before rank 1 was started */
        side_done(r, 1, "none", -1, NULL);
    ctl_health_progress(c);
}

int64_t ctl_pairs_deadline(struct ctl *c)
{
    int64_t d = -1;
    for (int k = 0; c->pw_active && c->pw_runs && k < c->pw.nbatch; k++)
        if (!(c->pw_runs[k].done[0] && c->pw_runs[k].done[1]))
            d = deadline_min(d, c->pw_runs[k].deadline);
    return d;
}

void ctl_pairs_timers(struct ctl *c)
{
    int64_t now = now_ms(), due = ctl_pairs_deadline(c);
    if (due < 0 || now < due)
        return;
    for (int k = 0; k < c->pw.nbatch; k++)
        for (int s = 0; s < 2 && now >= c->pw_runs[k].deadline; s++)
            side_done(&c->pw_runs[k], s, "error", -1, "no answer within --health-timeout");
    ctl_health_progress(c);
}

void ctl_pairs_node_gone(struct ctl *c, struct node *n)
{
    int ni = (int)(n - c->nodes);
    for (int k = 0; c->pw_active && c->pw_runs && k < c->pw.nbatch; k++) {
        struct pw_run *r = &c->pw_runs[k];
        for (int s = 0; s < 2; s++)
            if (r->node[s] == ni) {
                side_done(r, s, "error", -1, "node lost");
                if (s == 0 && !r->id[1])
                    side_done(r, 1, "none", -1, NULL);
            }
    }
}

/* A straggler among the plan's nodes: journaled, warned, excluded with
 * --exclude-stragglers. */
static void straggler(struct ctl *c, struct node *n, double gbps)
{
    const struct run_config *cfg = c->cfg;
    char why[200];
    snprintf(why, sizeof why, "straggler: %.3f GB/s, under %.2f x the median %.3f GB/s", gbps, cfg->straggler_ratio,
             c->pw.median);
    log_warn("node %s is a %s%s", n->name, why, cfg->exclude_stragglers ? "; excluded (--exclude-stragglers)" : "");
    journal_event(&c->j, "node_straggler", json_pack("{s:s,s:f,s:f,s:f,s:b}", "node", n->name, "gbps", gbps, "median",
                                                      c->pw.median, "ratio", cfg->straggler_ratio, "excluded",
                                                      cfg->exclude_stragglers));
    if (cfg->exclude_stragglers) {
        node_exclude(c, n, why);
        ctl_drain_type(c, n, "straggler");
    }
}

/* The plan is over: verdicts applied to the candidates (not references). */
static void conclude(struct ctl *c, const int *is_ref)
{
    struct pairplan *p = &c->pw;
    for (int i = 0; i < p->n; i++) {
        struct node *n = &c->nodes[c->pw_node[i]];
        const struct pp_node *x = &p->nodes[i];
        if (is_ref[i])
            continue;
        n->need_pair = 0;
        json_t *rep = json_object_get(c->health, n->name), *pw = json_pack("{s:s,s:b}", "result",
                                                                           pp_state_name(x->state), "straggler",
                                                                           x->straggler);
        if (x->gbps > 0)
            json_object_set_new(pw, "gbps", json_real(x->gbps));
        if (x->why[0] && x->state != PP_PASSED)
            json_object_set_new(pw, "reason", json_string(x->why));
        if (!rep)
            json_object_set_new(c->health, n->name, rep = json_object());
        json_object_set_new(rep, "pairwise", pw);
        if (n->state != NODE_READY)
            continue;
        if (x->state == PP_FAULTY) {
            char why[300];
            snprintf(why, sizeof why, "pairwise test: %s", x->why);
            ctl_health_exclude(c, n, why, pw);
            continue;
        }
        n->pair_ok = 1;
        n->pair_gbps = x->gbps;
        if (x->state == PP_SKIPPED)
            log_warn("node %s: pairwise test skipped (%s)", n->name, x->why);
        if (x->straggler)
            straggler(c, n, x->gbps);
    }
}

static void plan_free(struct ctl *c)
{
    pairplan_free(&c->pw);
    free(c->pw_node);
    free(c->pw_runs);
    free(c->pw_ref);
    c->pw_node = c->pw_ref = NULL;
    c->pw_runs = NULL;
    c->pw_active = 0;
}

/* Starts a plan over the candidates (need_pair, in the next attempt) and
 * the references; 0, or -1 when there is nothing to plan. */
static int plan_start(struct ctl *c)
{
    int ncand = 0, n = 0;
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].state == NODE_READY && ctl_health_wanted(c, i) && c->nodes[i].need_pair)
            ncand++;
    if (!ncand)
        return -1;
    c->pw_node = calloc((size_t)c->nnodes, sizeof *c->pw_node);
    c->pw_ref = calloc((size_t)c->nnodes, sizeof *c->pw_ref);
    if (!c->pw_node || !c->pw_ref || pairplan_init(&c->pw, c->nnodes, c->cfg->straggler_ratio) < 0) {
        plan_free(c);
        return -1;
    }
    for (int i = 0; i < c->nnodes; i++) {
        struct node *x = &c->nodes[i];
        int cand = x->state == NODE_READY && ctl_health_wanted(c, i) && x->need_pair;
        int ref = x->state == NODE_READY && !x->need_pair && x->pair_ok;
        if (!cand && !ref)
            continue;
        c->pw_node[n] = i;
        c->pw_ref[n] = ref;
        n++;
    }
    c->pw.n = n;
    for (int i = 0; i < n; i++)
        if (c->pw_ref[i])
            pairplan_set_ref(&c->pw, i, c->nodes[c->pw_node[i]].pair_gbps);
    c->pw_active = 1;
    log_info("pairwise link test of %d node%s (%d already passed)", ncand, ncand == 1 ? "" : "s", n - ncand);
    return 0;
}

int ctl_pairs_step(struct ctl *c)
{
    if (!c->pw_active) {
        if (c->cfg->health != HEALTH_PAIRWISE) {
            for (int i = 0; i < c->nnodes; i++)
                c->nodes[i].need_pair = 0;
            return 0;
        }
        if (plan_start(c) < 0)
            return 0;
    } else if (batch_busy(c)) {
        return 1;
    }
    if (pairplan_next(&c->pw) > 0) {
        if (send_batch(c) == 0)
            return 1;
        log_error("cannot start the pairwise tests (out of memory)");
    }
    conclude(c, c->pw_ref);
    plan_free(c);
    return 2;
}

void ctl_pairs_free(struct ctl *c)
{
    plan_free(c);
    json_decref(c->pairs);
    c->pairs = NULL;
}
