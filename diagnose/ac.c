/* ac: the Aho-Corasick automaton of the prefilter. One automaton over the
 * literals of all rules, case-insensitive for ASCII (letters are folded into
 * one input class). It is compiled into a dense DFA over byte classes (only
 * bytes that occur in some literal get a class of their own), each entry
 * holding the next state's row offset, so the scan loop is one table load
 * per byte. States with outputs are numbered last, so "did a literal end
 * here" is a single compare. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

struct ac {
    uint8_t cls[256];
    uint32_t k;          /* number of classes */
    uint32_t nstates;
    uint32_t thr;        /* first state (row offset) that has outputs */
    uint32_t *delta;     /* nstates * k: next state's row offset */
    uint32_t *out_off;   /* per output state: start in outs; +1 end */
    uint32_t *outs;      /* rule indexes */
    size_t maxlen;       /* longest literal */
};

struct node {
    int32_t *next;       /* k children (-1 none), while building */
    uint32_t fail;
    uint32_t *out;
    size_t nout, capout;
};

static int add_out(struct node *n, uint32_t rule)
{
    for (size_t i = 0; i < n->nout; i++)
        if (n->out[i] == rule)
            return 0;
    if (n->nout == n->capout) {
        size_t nc = n->capout ? n->capout * 2 : 4;
        uint32_t *np = realloc(n->out, nc * sizeof *np);
        if (!np)
            return -1;
        n->out = np;
        n->capout = nc;
    }
    n->out[n->nout++] = rule;
    return 0;
}

static void free_nodes(struct node *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(nodes[i].next);
        free(nodes[i].out);
    }
    free(nodes);
}

static int new_node(struct ac *a, struct node *nodes, size_t i)
{
    nodes[i].next = malloc(a->k * sizeof(int32_t));
    if (!nodes[i].next)
        return -1;
    for (uint32_t c = 0; c < a->k; c++)
        nodes[i].next[c] = -1;
    return 0;
}

/* Builds the trie into *pnodes (*pused nodes); returns 0 or -1. */
static int build_trie(struct ac *a, struct node **pnodes, size_t *pused, char *const *lits,
                      const uint32_t *rule_of, size_t n)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(lits[i]);
    struct node *nodes = calloc(total, sizeof *nodes);
    *pnodes = nodes;
    *pused = 0;
    if (!nodes || new_node(a, nodes, 0) < 0)
        return -1;
    *pused = 1;
    for (size_t i = 0; i < n; i++) {
        size_t s = 0;
        for (const unsigned char *p = (const unsigned char *)lits[i]; *p; p++) {
            uint8_t c = a->cls[*p];
            if (nodes[s].next[c] < 0) {
                if (new_node(a, nodes, *pused) < 0)
                    return -1;
                nodes[s].next[c] = (int32_t)(*pused)++;
            }
            s = (size_t)nodes[s].next[c];
        }
        if (add_out(&nodes[s], rule_of[i]) < 0)
            return -1;
    }
    return 0;
}

/* BFS from the root: fail links, full transitions, merged outputs (a
 * state's fail target is shallower, so it is complete when the state is
 * dequeued). */
static int link_trie(struct ac *a, struct node *nodes, size_t used)
{
    uint32_t *q = malloc(used * sizeof *q);
    size_t head = 0, tail = 0;
    if (!q)
        return -1;
    for (uint32_t c = 0; c < a->k; c++) {
        int32_t v = nodes[0].next[c];
        if (v > 0) {
            nodes[v].fail = 0;
            q[tail++] = (uint32_t)v;
        } else
            nodes[0].next[c] = 0;
    }
    while (head < tail) {
        uint32_t u = q[head++];
        struct node *f = &nodes[nodes[u].fail];
        for (size_t i = 0; i < f->nout; i++)
            if (add_out(&nodes[u], f->out[i]) < 0)
                return free(q), -1;
        for (uint32_t c = 0; c < a->k; c++) {
            int32_t v = nodes[u].next[c];
            if (v >= 0) {
                nodes[v].fail = (uint32_t)f->next[c];
                q[tail++] = (uint32_t)v;
            } else
                nodes[u].next[c] = f->next[c];
        }
    }
    free(q);
    return 0;
}

/* Renumbers states (outputs last) and writes the dense tables. */
static int emit_tables(struct ac *a, struct node *nodes, size_t used)
{
    uint32_t *newid = malloc(used * sizeof *newid);
    size_t nouts = 0, nplain = 0, nout_states = 0;
    if (!newid)
        return -1;
    for (size_t i = 0; i < used; i++)
        if (!nodes[i].nout)
            newid[i] = (uint32_t)nplain++;
    for (size_t i = 0; i < used; i++)
        if (nodes[i].nout) {
            newid[i] = (uint32_t)(nplain + nout_states++);
            nouts += nodes[i].nout;
        }
    a->nstates = (uint32_t)used;
    a->thr = (uint32_t)nplain * a->k;
    a->delta = malloc(used * a->k * sizeof *a->delta);
    a->out_off = malloc((nout_states + 1) * sizeof *a->out_off);
    a->outs = malloc((nouts + 1) * sizeof *a->outs);
    if (!a->delta || !a->out_off || !a->outs)
        return free(newid), -1;
    for (size_t i = 0; i < used; i++)
        for (uint32_t c = 0; c < a->k; c++)
            a->delta[newid[i] * a->k + c] = newid[nodes[i].next[c]] * a->k;
    size_t pos = 0;
    for (size_t i = 0; i < used; i++) {
        if (!nodes[i].nout)
            continue;
        size_t slot = newid[i] - nplain;
        a->out_off[slot] = (uint32_t)pos;
        memcpy(a->outs + pos, nodes[i].out, nodes[i].nout * sizeof *a->outs);
        pos += nodes[i].nout;
        a->out_off[slot + 1] = (uint32_t)pos;
    }
    free(newid);
    return 0;
}

struct ac *ac_build(char *const *lits, const uint32_t *rule_of, size_t n)
{
    struct ac *a = calloc(1, sizeof *a);
    struct node *nodes = NULL;
    size_t used = 0;
    if (!a)
        return NULL;
    a->k = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(lits[i]) > a->maxlen)
            a->maxlen = strlen(lits[i]);
    for (size_t i = 0; i < n; i++)
        for (const unsigned char *p = (const unsigned char *)lits[i]; *p; p++)
            if (!a->cls[*p]) {
                a->cls[*p] = (uint8_t)a->k;
                a->cls[toupper(*p)] = (uint8_t)a->k;
                a->k++;
                if (a->k > 255)
                    goto fail;
            }
    if (build_trie(a, &nodes, &used, lits, rule_of, n) < 0 || link_trie(a, nodes, used) < 0 ||
        emit_tables(a, nodes, used) < 0)
        goto fail;
    free_nodes(nodes, used);
    return a;
fail:
    if (nodes)
        free_nodes(nodes, used);
    ac_free(a);
    return NULL;
}

void ac_free(struct ac *a)
{
    if (!a)
        return;
    free(a->delta);
    free(a->out_off);
    free(a->outs);
    free(a);
}

size_t ac_states(const struct ac *a)
{
    return a ? a->nstates : 0;
}

/* One transition; a state with outputs marks its rules (deduplicated by
 * generation). */
static inline uint32_t step(const struct ac *a, uint32_t s, unsigned char b, struct ac_hits *h)
{
    s = a->delta[s + a->cls[b]];
    if (__builtin_expect(s >= a->thr, 0)) {
        uint32_t slot = (s - a->thr) / a->k;
        for (uint32_t j = a->out_off[slot]; j < a->out_off[slot + 1]; j++) {
            uint32_t r = a->outs[j];
            if (h->gen[r] != h->now) {
                h->gen[r] = h->now;
                h->cand[h->n++] = r;
            }
        }
    }
    return s;
}

/* The DFA walk is one dependent load per byte, so a long line is cut into
 * two or four segments scanned in an interleaved loop (independent chains
 * that the CPU overlaps). Each segment but the last then runs maxlen-1
 * bytes on into the next one, so a literal that straddles a cut is still
 * found; the last runs to the end of the line. */
void ac_scan(const struct ac *a, const char *text, size_t len, struct ac_hits *h)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t ov = a->maxlen ? a->maxlen - 1 : 0;
    uint32_t s[4] = {0, 0, 0, 0};
    size_t nseg = len >= 256 && len / 4 > ov ? 4 : len >= 48 && len / 2 > ov ? 2 : 1;
    size_t seg = len / nseg, i;
    if (nseg == 4) {
        const unsigned char *p1 = p + seg, *p2 = p + 2 * seg, *p3 = p + 3 * seg;
        for (i = 0; i < seg; i++) {
            s[0] = step(a, s[0], p[i], h);
            s[1] = step(a, s[1], p1[i], h);
            s[2] = step(a, s[2], p2[i], h);
            s[3] = step(a, s[3], p3[i], h);
        }
    } else if (nseg == 2) {
        const unsigned char *p1 = p + seg;
        for (i = 0; i < seg; i++) {
            s[0] = step(a, s[0], p[i], h);
            s[1] = step(a, s[1], p1[i], h);
        }
    } else
        seg = 0;
    for (size_t j = 0; j + 1 < nseg; j++) /* overlap into the next segment */
        for (i = (j + 1) * seg; i < (j + 1) * seg + ov; i++)
            s[j] = step(a, s[j], p[i], h);
    for (i = (nseg - 1) * seg + seg; i < len; i++) /* rest of the last segment */
        s[nseg - 1] = step(a, s[nseg - 1], p[i], h);
}
