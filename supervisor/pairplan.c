/* pairplan: the two-round pairwise check's planning and verdicts (see
 * pairplan.h for the rule). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "supervisor/pairplan.h"

const char *pp_state_name(enum pp_state s)
{
    static const char *const n[] = {"untested", "pass", "suspect", "faulty", "skip"};
    return (unsigned)s < sizeof n / sizeof *n ? n[s] : "?";
}

int pairplan_init(struct pairplan *p, int n, double ratio)
{
    *p = (struct pairplan){.n = n, .ratio = ratio};
    p->nodes = calloc((size_t)(n > 0 ? n : 1), sizeof *p->nodes);
    p->batch = calloc((size_t)(n / 2 + 1), sizeof *p->batch);
    if (!p->nodes || !p->batch) {
        pairplan_free(p);
        return -1;
    }
    for (int i = 0; i < n; i++)
        p->nodes[i].gbps = -1;
    return 0;
}

void pairplan_free(struct pairplan *p)
{
    free(p->nodes);
    free(p->batch);
    p->nodes = NULL;
    p->batch = NULL;
}

void pairplan_set_ref(struct pairplan *p, int i, double gbps)
{
    p->nodes[i].state = PP_PASSED;
    p->nodes[i].gbps = gbps;
}

void pairplan_result(struct pairplan *p, int k, int result, double gbps, const char *why)
{
    struct pp_pair *x = &p->batch[k];
    x->done = 1;
    x->result = result;
    x->gbps = gbps;
    snprintf(x->why, sizeof x->why, "%s", why ? why : "");
}

/* One node's side of a failed pair; partner_passed: its partner had passed
 * before this batch. */
static void failed(struct pp_node *x, int was_passed, int partner_passed, const char *why)
{
    if (was_passed)
        return; /* a reference stays: the other node is the one in question */
    x->fails++;
    snprintf(x->why, sizeof x->why, "%s", why);
    x->state = partner_passed || x->fails >= 2 ? PP_FAULTY : PP_SUSPECT;
}

static void apply(struct pairplan *p, const int *was_passed)
{
    double *figs = calloc((size_t)p->nbatch + 1, sizeof *figs), med = 0;
    int nf = 0;
    for (int k = 0; figs && k < p->nbatch; k++)
        if (p->batch[k].result == 1 && p->batch[k].gbps > 0)
            figs[nf++] = p->batch[k].gbps;
    if (p->round == 1)
        med = median_inplace(figs, (size_t)nf);
    free(figs);
    for (int k = 0; k < p->nbatch; k++) {
        struct pp_pair *x = &p->batch[k];
        struct pp_node *a = &p->nodes[x->a], *b = &p->nodes[x->b];
        int pa = was_passed[x->a], pb = was_passed[x->b];
        if (x->result < 0) {
            a->state = pa ? a->state : PP_SKIPPED;
            b->state = pb ? b->state : PP_SKIPPED;
            snprintf(a->why, sizeof a->why, "%s", x->why);
            snprintf(b->why, sizeof b->why, "%s", x->why);
        } else if (x->result == 0) {
            failed(a, pa, pb, x->why);
            failed(b, pb, pa, x->why);
        } else {
            int slow = med > 0 && x->gbps > 0 && x->gbps < p->ratio * med;
            for (struct pp_node *n = a; n; n = n == a ? b : NULL) {
                n->gbps = x->gbps > n->gbps ? x->gbps : n->gbps;
                if (slow && n->state != PP_PASSED) {
                    n->state = PP_SUSPECT;
                    snprintf(n->why, sizeof n->why, "slow pair: %.3f GB/s, median %.3f", x->gbps, med);
                } else {
                    n->state = PP_PASSED;
                }
            }
        }
    }
}

static int met(const struct pp_node *x, int j)
{
    for (int i = 0; i < x->nmet; i++)
        if (x->met[i] == j)
            return 1;
    return 0;
}

static void add_pair(struct pairplan *p, int a, int b, int *busy)
{
    p->batch[p->nbatch++] = (struct pp_pair){.a = a, .b = b};
    p->nodes[a].met[p->nodes[a].nmet++] = b;
    p->nodes[b].met[p->nodes[b].nmet++] = a;
    busy[a] = busy[b] = 1;
}

static int is_target(const struct pp_node *x)
{
    return (x->state == PP_SUSPECT || x->state == PP_UNTESTED) && x->nmet < PP_MAX_TRIES;
}

/* A partner for t: a passed node, or (none passed at all) a target it has
 * not met. -1 when none is free in this batch. */
static int partner(const struct pairplan *p, int t, const int *busy, int any_passed)
{
    for (int q = 0; q < p->n; q++) {
        const struct pp_node *x = &p->nodes[q];
        if (q == t || busy[q] || met(&p->nodes[t], q) || x->nmet >= PP_MAX_TRIES)
            continue;
        if (any_passed ? x->state == PP_PASSED : is_target(x))
            return q;
    }
    return -1;
}

static void finish(struct pairplan *p)
{
    double *figs = calloc((size_t)p->n + 1, sizeof *figs);
    int nf = 0;
    for (int i = 0; i < p->n; i++) {
        struct pp_node *x = &p->nodes[i];
        if (x->state == PP_SUSPECT)
            x->state = x->fails ? PP_FAULTY : PP_PASSED;
        else if (x->state == PP_UNTESTED) {
            x->state = PP_SKIPPED;
            snprintf(x->why, sizeof x->why, "no node to pair with");
        }
        if (figs && x->state == PP_PASSED && x->gbps > 0)
            figs[nf++] = x->gbps;
    }
    p->median = nf >= 3 ? median_inplace(figs, (size_t)nf) : 0;
    for (int i = 0; i < p->n && p->median > 0; i++)
        p->nodes[i].straggler = p->nodes[i].state == PP_PASSED && p->nodes[i].gbps > 0 &&
                                p->nodes[i].gbps < p->ratio * p->median;
    free(figs);
}

int pairplan_next(struct pairplan *p)
{
    int *busy = calloc((size_t)p->n + 1, sizeof *busy), any_passed = 0;
    if (!busy)
        return 0;
    for (int i = 0; i < p->n; i++)
        busy[i] = p->nodes[i].state == PP_PASSED; /* was_passed, for apply */
    if (p->nbatch)
        apply(p, busy);
    memset(busy, 0, (size_t)p->n * sizeof *busy);
    p->nbatch = 0;
    for (int i = 0; i < p->n; i++)
        any_passed |= p->nodes[i].state == PP_PASSED;
    if (p->batches == 0 && !any_passed) {
        p->round = 1;
        for (int i = 0, prev = -1; i < p->n; i++) {
            if (p->nodes[i].state != PP_UNTESTED)
                continue;
            if (prev < 0)
                prev = i;
            else {
                add_pair(p, prev, i, busy);
                prev = -1;
            }
        }
    } else {
        p->round = 2;
        for (int t = 0; t < p->n; t++) {
            int q = busy[t] || !is_target(&p->nodes[t]) ? -1 : partner(p, t, busy, any_passed);
            if (q >= 0)
                add_pair(p, p->nodes[q].state == PP_PASSED ? q : t, p->nodes[q].state == PP_PASSED ? t : q, busy);
        }
    }
    free(busy);
    if (p->nbatch)
        p->batches++;
    else
        finish(p);
    return p->nbatch;
}
