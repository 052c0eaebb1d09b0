/* ac: the Aho-Corasick automaton of the prefilter. One automaton over the
 * literals of all rules, case-insensitive for ASCII (letters are folded into
 * one input class). To keep the table small enough for the L1/L2 caches,
 * the automaton is built over each literal's first AC_ANCHOR bytes (its
 * anchor); when an anchor is found the rest of its literals is compared in
 * place (folded, or in the literal's own case for the exact-case ones). It
 * is compiled into a dense DFA over byte classes (only
 * bytes that occur in some anchor get a class of their own), each entry
 * holding the next state's row offset, so the scan loop is one table load
 * per byte. States with outputs are numbered last, so "did an anchor end
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
    uint16_t *delta16;   /* the same in 16 bits when it fits (half the cache) */
    char **lit;          /* folded literals */
    uint32_t *litlen, *lit_rule, *litoff; /* length, rule, anchor offset */
    size_t nlit;
    uint8_t fold[256];
    uint8_t *litexact;   /* per literal: compare the rest on an anchor hit */
    struct alit *recs;   /* per output state, its literals (flat, for verify) */
    uint32_t *rec_off;   /* per output state: start in recs; +1 end */
    uint64_t kinv;       /* ceil(2^32 / k): row offset to slot without a division */
};

/* One literal of an output state, laid out for the comparison on an anchor
 * hit: its 8-byte words (the last one overlapping when the length is not a
 * multiple of 8) and their case masks. */
#define ALIT_WORDS 4
struct alit {
    uint32_t rule, li;   /* owning rule; literal index (for the slow tail) */
    uint32_t len;
    uint16_t back, exact; /* back: bytes from the literal's start to its anchor's end */
    uint64_t w[ALIT_WORDS], m[ALIT_WORDS];
};

#define AC_ANCHOR 6

static size_t anchor_len(const char *lit)
{
    size_t n = strlen(lit);
    return n < AC_ANCHOR ? n : AC_ANCHOR;
}

/* How common a byte is in log text (rough): anchors are chosen to avoid
 * common bytes, so that they are found (and verified) less often. */
static int commonness(unsigned char c)
{
    static const char *const tiers[] = {" ", "etaoinsr0123456789", "hldcum:./-_=", "pgfwyb,[]()",
                                        "vk"};
    static const int weight[] = {10, 8, 6, 4, 3};
    for (int t = 0; t < 5; t++)
        if (strchr(tiers[t], c) && c)
            return weight[t];
    return 1;
}

/* The words of in_common_word, one string with a newline after each (a
 * window holding no newline lies inside one word when memmem finds it). */
static const char common_words[] =
    "connected\nconnection\ncheckpointing\nsocket\nglobal\nclient\nloaded\n"
    "loading\nfailed\nfailure\ncompleted\nnetwork\nloss\niteration\nstep\n"
    "epoch\nerror\nwarning\ninfo\nrank\nprocess\ntimeout\ntraining\nmodel\n"
    "learning\nbatch\nsamples\nelapsed\nmemory\ndevice\ntorch\npython\n"
    "module\nfunction\nfound\nvalid\nstate\ndict\nexception\nruntime\n"
    "thread\nerrno\nlustre\nscratch\n";

/* Whether a window lies inside a word that training logs print all the
 * time (once its edge punctuation is trimmed): its anchor would be found on
 * most lines and verified in vain ("connec" of "connection reset" on every
 * NCCL "Connected all rings"). Measured on bench/diagnose_gen.py logs, this
 * cut the anchor hits that fail verification by over 90%. */
static int in_common_word(const char *w, size_t n)
{
    static const char edge[] = " :'\"=_-./,()[]";
    while (n && *w && strchr(edge, *w))
        w++, n--;
    while (n && w[n - 1] && strchr(edge, w[n - 1]))
        n--;
    return n >= 3 && !memchr(w, '\n', n) && memmem(common_words, sizeof common_words - 1, w, n);
}

/* The offset of the least common AC_ANCHOR-byte window of a literal
 * (weight: the commonness of each byte), judged case folded (an AC_CASE
 * literal keeps its case: it gets the anchor its folded form would). */
static size_t anchor_off(const char *lit, const uint8_t weight[256])
{
    size_t n = strlen(lit), best = 0;
    int best_score = 1 << 30;
    for (size_t o = 0; o + AC_ANCHOR <= n; o++) {
        char win[AC_ANCHOR];
        int sc = 0;
        for (size_t j = 0; j < AC_ANCHOR; j++) {
            win[j] = (char)tolower((unsigned char)lit[o + j]);
            sc += weight[(unsigned char)win[j]];
        }
        if (sc < best_score && !in_common_word(win, AC_ANCHOR)) /* the word test costs more */
            best_score = sc, best = o;
        else if (sc + 100 < best_score)
            best_score = sc + 100, best = o;
    }
    return best;
}

/* A trie state while building; its transitions are row `i` of the
 * trie's block (stride classes wide), one allocation for all states. */
struct node {
    uint32_t fail, depth;
    uint32_t *out;
    size_t nout, capout;
};

struct trie {
    struct node *nodes;
    int32_t *next;       /* used * stride: child per class (-1 none) */
    size_t used;
    uint32_t stride;     /* the class count when built (merge_classes lowers k) */
};

#define NEXT(t, i) ((t)->next + (size_t)(i) * (t)->stride)

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

static void free_trie(struct trie *t)
{
    for (size_t i = 0; t->nodes && i < t->used; i++)
        free(t->nodes[i].out);
    free(t->nodes);
    free(t->next);
}

/* Builds the trie of the anchors into t; returns 0 or -1. Its size is
 * bounded by the anchors' total length, allocated once. */
static int build_trie(struct ac *a, struct trie *t, char *const *lits, size_t n)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += anchor_len(lits[i]);
    t->stride = a->k;
    t->nodes = calloc(total, sizeof *t->nodes);
    t->next = malloc(total * a->k * sizeof *t->next);
    if (!t->nodes || !t->next)
        return -1;
    memset(t->next, 0xff, a->k * sizeof *t->next); /* -1: the root's row */
    t->used = 1;
    for (size_t i = 0; i < n; i++) {
        size_t s = 0, al = anchor_len(lits[i]);
        const unsigned char *w = (const unsigned char *)lits[i] + a->litoff[i];
        for (const unsigned char *p = w; p < w + al; p++) {
            uint8_t c = a->cls[*p];
            if (NEXT(t, s)[c] < 0) {
                memset(NEXT(t, t->used), 0xff, a->k * sizeof *t->next);
                t->nodes[t->used].depth = t->nodes[s].depth + 1;
                NEXT(t, s)[c] = (int32_t)t->used++;
            }
            s = (size_t)NEXT(t, s)[c];
        }
        if (add_out(&t->nodes[s], (uint32_t)i) < 0)
            return -1;
    }
    return 0;
}

/* BFS from the root: fail links, full transitions, merged outputs (a
 * state's fail target is shallower, so it is complete when the state is
 * dequeued). */
static int link_trie(struct ac *a, struct trie *t)
{
    struct node *nodes = t->nodes;
    uint32_t *q = malloc(t->used * sizeof *q);
    size_t head = 0, tail = 0;
    if (!q)
        return -1;
    for (uint32_t c = 0; c < a->k; c++) {
        int32_t v = NEXT(t, 0)[c];
        if (v > 0) {
            nodes[v].fail = 0;
            q[tail++] = (uint32_t)v;
        } else
            NEXT(t, 0)[c] = 0;
    }
    while (head < tail) {
        uint32_t u = q[head++];
        struct node *f = &nodes[nodes[u].fail];
        const int32_t *fnext = NEXT(t, nodes[u].fail);
        int32_t *unext = NEXT(t, u);
        for (size_t i = 0; i < f->nout; i++)
            if (add_out(&nodes[u], f->out[i]) < 0)
                return free(q), -1;
        for (uint32_t c = 0; c < a->k; c++) {
            int32_t v = unext[c];
            if (v >= 0) {
                nodes[v].fail = (uint32_t)fnext[c];
                q[tail++] = (uint32_t)v;
            } else
                unext[c] = fnext[c];
        }
    }
    free(q);
    return 0;
}

/* Whether classes c and d lead everywhere to the same place. */
static int same_column(const struct trie *t, uint32_t c, uint32_t d)
{
    for (size_t i = 0; i < t->used; i++)
        if (NEXT(t, i)[c] != NEXT(t, i)[d])
            return 0;
    return 1;
}

/* Merges input classes whose columns are identical in every state (they
 * lead everywhere to the same place), shrinking the table. A hash of each
 * column, taken in one pass over the rows, leaves one full comparison per
 * merge (comparing every pair of columns was a tenth of start-up). */
static void merge_classes(struct ac *a, struct trie *t)
{
    uint8_t map[256], nk = 0;
    uint32_t rep[256];
    uint64_t h[256] = {0};
    for (size_t i = 0; i < t->used; i++)
        for (uint32_t c = 0; c < a->k; c++)
            h[c] = (h[c] ^ (uint32_t)NEXT(t, i)[c]) * 0x100000001b3ull;
    for (uint32_t c = 0; c < a->k; c++) {
        uint32_t m = 0;
        while (m < nk && (h[rep[m]] != h[c] || !same_column(t, c, rep[m])))
            m++;
        if (m == nk)
            rep[nk++] = c;
        map[c] = (uint8_t)m;
    }
    for (size_t i = 0; i < t->used; i++)
        for (uint32_t m = 0; m < nk; m++)
            NEXT(t, i)[m] = NEXT(t, i)[rep[m]];
    for (int b = 0; b < 256; b++)
        a->cls[b] = map[a->cls[b]];
    a->k = nk;
}

/* The flat record of literal li (see struct alit). */
static void fill_rec(const struct ac *a, uint32_t li, struct alit *r)
{
    const char *l = a->lit[li];
    uint32_t n = a->litlen[li];
    r->rule = a->lit_rule[li];
    r->li = li;
    r->len = n;
    r->back = (uint16_t)(a->litoff[li] + (n < AC_ANCHOR ? n : AC_ANCHOR));
    r->exact = a->litexact[li];
    for (uint32_t k = 0; n >= 8 && k < ALIT_WORDS && 8 * k < n; k++) {
        uint32_t off = 8 * k + 8 <= n ? 8 * k : n - 8; /* the last word may overlap */
        unsigned char mask[8];
        for (int b = 0; b < 8; b++) /* AC_CASE: no folding, every bit compared */
            mask[b] = r->exact != AC_CASE && l[off + b] >= 'a' && l[off + b] <= 'z' ? 0x20 : 0;
        memcpy(&r->w[k], l + off, 8); /* memcpy: the same byte order as the loads */
        memcpy(&r->m[k], mask, 8);
    }
}

/* Renumbers states (outputs last) and writes the dense tables. */
static int emit_tables(struct ac *a, struct trie *t)
{
    struct node *nodes = t->nodes;
    size_t used = t->used;
    uint32_t *newid = malloc(used * sizeof *newid);
    size_t nouts = 0, nplain = 0, nout_states = 0;
    if (!newid)
        return -1;
    /* Shallow states first: the rows that most bytes visit stay together
     * in few cache lines. */
    uint32_t maxd = 0;
    for (size_t i = 0; i < used; i++)
        maxd = nodes[i].depth > maxd ? nodes[i].depth : maxd;
    for (uint32_t d = 0; d <= maxd; d++)
        for (size_t i = 0; i < used; i++)
            if (!nodes[i].nout && nodes[i].depth == d)
                newid[i] = (uint32_t)nplain++;
    for (size_t i = 0; i < used; i++)
        if (nodes[i].nout) {
            newid[i] = (uint32_t)(nplain + nout_states++);
            nouts += nodes[i].nout;
        }
    a->nstates = (uint32_t)used;
    a->thr = (uint32_t)nplain * a->k;
    a->kinv = ((1ull << 32) + a->k - 1) / a->k;
    a->delta = malloc(used * a->k * sizeof *a->delta);
    a->rec_off = malloc((nout_states + 1) * sizeof *a->rec_off);
    a->recs = calloc(nouts + 1, sizeof *a->recs);
    if (!a->delta || !a->rec_off || !a->recs)
        return free(newid), -1;
    for (size_t i = 0; i < used; i++)
        for (uint32_t c = 0; c < a->k; c++)
            a->delta[newid[i] * a->k + c] = newid[NEXT(t, i)[c]] * a->k;
    if (used * a->k <= 65535 && (a->delta16 = malloc(used * a->k * sizeof *a->delta16)))
        for (size_t i = 0; i < used * a->k; i++)
            a->delta16[i] = (uint16_t)a->delta[i];
    size_t pos = 0;
    a->rec_off[0] = 0;
    for (size_t i = 0; i < used; i++) {
        if (!nodes[i].nout)
            continue;
        size_t slot = newid[i] - nplain;
        a->rec_off[slot] = (uint32_t)pos;
        for (size_t j = 0; j < nodes[i].nout; j++)
            fill_rec(a, nodes[i].out[j], &a->recs[pos++]);
        a->rec_off[slot + 1] = (uint32_t)pos;
    }
    free(newid);
    return 0;
}

/* Keeps folded copies of the literals for the in-place comparison. */
static int keep_literals(struct ac *a, char *const *lits, const uint32_t *rule_of,
                         const uint8_t *exact, size_t n)
{
    a->lit = calloc(n + 1, sizeof *a->lit);
    a->litlen = malloc((n + 1) * sizeof *a->litlen);
    a->lit_rule = malloc((n + 1) * sizeof *a->lit_rule);
    a->litoff = malloc((n + 1) * sizeof *a->litoff);
    a->litexact = malloc(n + 1);
    if (!a->lit || !a->litlen || !a->lit_rule || !a->litoff || !a->litexact)
        return -1;
    a->nlit = n;
    uint8_t weight[256];
    for (int b = 0; b < 256; b++)
        weight[b] = (uint8_t)commonness((unsigned char)b);
    for (size_t i = 0; i < n; i++) {
        if (!(a->lit[i] = strdup(lits[i])))
            return -1;
        a->litlen[i] = (uint32_t)strlen(lits[i]);
        a->lit_rule[i] = rule_of[i];
        a->litexact[i] = exact[i];
        a->litoff[i] = (uint32_t)anchor_off(lits[i], weight);
    }
    for (int c = 0; c < 256; c++)
        a->fold[c] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return 0;
}

struct ac *ac_build(char *const *lits, const uint32_t *rule_of, const uint8_t *exact, size_t n)
{
    struct ac *a = calloc(1, sizeof *a);
    struct trie t = {0};
    if (!a)
        return NULL;
    a->k = 1;
    if (keep_literals(a, lits, rule_of, exact, n) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < anchor_len(lits[i]); j++) {
            unsigned char ch = (unsigned char)tolower((unsigned char)lits[i][a->litoff[i] + j]);
            if (!a->cls[ch]) { /* both cases share a class: the walk folds case */
                a->cls[ch] = (uint8_t)a->k;
                a->cls[toupper(ch)] = (uint8_t)a->k;
                a->k++;
                if (a->k > 255)
                    goto fail;
            }
        }
    if (build_trie(a, &t, lits, n) < 0 || link_trie(a, &t) < 0)
        goto fail;
    merge_classes(a, &t);
    if (emit_tables(a, &t) < 0)
        goto fail;
    free_trie(&t);
    return a;
fail:
    free_trie(&t);
    ac_free(a);
    return NULL;
}

void ac_free(struct ac *a)
{
    if (!a)
        return;
    free(a->delta);
    free(a->delta16);
    free(a->rec_off);
    free(a->recs);
    for (size_t i = 0; a->lit && i < a->nlit; i++)
        free(a->lit[i]);
    free(a->lit);
    free(a->litlen);
    free(a->lit_rule);
    free(a->litoff);
    free(a->litexact);
    free(a);
}

size_t ac_states(const struct ac *a)
{
    return a ? a->nstates : 0;
}

/* Whether the literal of r is at t (the bytes are known to be there). */
static int lit_at(const struct ac *a, const struct alit *r, const unsigned char *t)
{
    uint32_t n = r->len, k = 0;
    if (n >= 8) { /* 8 bytes at a time: OR 0x20 folds where the literal has a letter */
        for (; k < ALIT_WORDS && 8 * k < n; k++) {
            uint64_t x;
            memcpy(&x, t + (8 * k + 8 <= n ? 8 * k : n - 8), 8);
            if ((x | r->m[k]) != r->w[k])
                return 0;
        }
        k *= 8;
    }
    const unsigned char *l = (const unsigned char *)a->lit[r->li];
    for (; k < n; k++) /* short literals, and the bytes past ALIT_WORDS words */
        if ((r->exact == AC_CASE ? t[k] : a->fold[t[k]]) != l[k])
            return 0;
    return 1;
}

/* An anchor ended at text[pos]: compares the rest of each literal that has
 * this anchor and marks the rules of those that are present. */
static __attribute__((noinline)) void verify(const struct ac *a, uint32_t s,
                                             const unsigned char *text, size_t pos, size_t len,
                                             struct ac_hits *h)
{
    uint32_t slot = (uint32_t)(((uint64_t)(s - a->thr) * a->kinv) >> 32);
    const struct alit *r = a->recs + a->rec_off[slot], *end = a->recs + a->rec_off[slot + 1];
    for (; r < end; r++) {
        if (pos + 1 < r->back || pos + 1 - r->back + r->len > len || h->gen[r->rule] == h->now)
            continue;
        if (r->exact && !lit_at(a, r, text + pos + 1 - r->back))
            continue;
        h->gen[r->rule] = h->now;
        h->cand[h->n++] = r->rule;
    }
}

/* One step of one chain (T is the table's entry type). */
#define STEP(st, off)                                                                     \
    do {                                                                                  \
        st = d[st + cls[p[(off)]]];                                                       \
        if (__builtin_expect(st >= thr, 0))                                               \
            verify(a, st, p, (off), len, h);                                              \
    } while (0)

/* The scan loop, for either table width (T is uint16_t or uint32_t). The
 * chain states are scalars so that they stay in registers. */
#define DEFINE_SCAN(name, T)                                                              \
    static void name(const struct ac *a, const T *d, const unsigned char *p, size_t len,  \
                     struct ac_hits *h)                                                   \
    {                                                                                     \
        const uint8_t *cls = a->cls;                                                      \
        const uint32_t thr = a->thr;                                                      \
        uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                          \
        size_t i, seg, ov = AC_ANCHOR - 1;                                                \
        if (len >= 48) {                                                                  \
            seg = len / 4;                                                                \
            for (i = 0; i < seg; i++) {                                                   \
                STEP(s0, i);                                                              \
                STEP(s1, seg + i);                                                        \
                STEP(s2, 2 * seg + i);                                                    \
                STEP(s3, 3 * seg + i);                                                    \
            }                                                                             \
            for (i = 0; i < ov; i++) {                                                    \
                STEP(s0, seg + i);                                                        \
                STEP(s1, 2 * seg + i);                                                    \
                STEP(s2, 3 * seg + i);                                                    \
            }                                                                             \
            for (i = 4 * seg; i < len; i++)                                               \
                STEP(s3, i);                                                              \
        } else if (len >= 16) {                                                           \
            seg = len / 2;                                                                \
            for (i = 0; i < seg; i++) {                                                   \
                STEP(s0, i);                                                              \
                STEP(s1, seg + i);                                                        \
            }                                                                             \
            for (i = 0; i < ov; i++)                                                      \
                STEP(s0, seg + i);                                                        \
            for (i = 2 * seg; i < len; i++)                                               \
                STEP(s1, i);                                                              \
        } else {                                                                          \
            for (i = 0; i < len; i++)                                                     \
                STEP(s0, i);                                                              \
        }                                                                                 \
    }

DEFINE_SCAN(scan16, uint16_t)
DEFINE_SCAN(scan32, uint32_t)

/* The DFA walk is one dependent load per byte, so a long line is cut into
 * two or four segments scanned in an interleaved loop (independent chains
 * that the CPU overlaps). Each segment but the last then runs AC_ANCHOR-1
 * bytes on into the next one, so an anchor that straddles a cut is still
 * found; the last runs to the end of the line. */
void ac_scan(const struct ac *a, const char *text, size_t len, struct ac_hits *h)
{
    if (a->delta16)
        scan16(a, a->delta16, (const unsigned char *)text, len, h);
    else
        scan32(a, a->delta, (const unsigned char *)text, len, h);
}
