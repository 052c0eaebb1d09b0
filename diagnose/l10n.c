/* l10n: the English of a line's localized forms (l10n.h). One
 * Aho-Corasick walk (diagnose/ac.c, exact case) over the forms, only for
 * lines that hold a non-ASCII byte or that the caller says may hold a
 * plain-ASCII form; each form it finds is then located with memmem (a
 * plain form only as whole words: "Beendet" in "Beendeter" is not one).
 * The spans are replaced left to right; a span that overlaps an earlier
 * one is skipped. */
#include "diagnose/l10n.h"
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

#define L10N_SPANS 32 /* forms replaced per line, at most */

static struct ac *automaton;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The automaton over every form, once per process (pthread_once). */
static void build(void)
{
    char **lits = malloc(l10n_nforms * sizeof *lits);
    uint32_t *owner = malloc(l10n_nforms * sizeof *owner);
    uint8_t *exact = malloc(l10n_nforms);
    if (lits && owner && exact) {
        for (size_t i = 0; i < l10n_nforms; i++) {
            lits[i] = (char *)l10n_forms[i].form; /* ac_build copies it */
            owner[i] = (uint32_t)i;
            exact[i] = AC_CASE;
        }
        automaton = ac_build(lits, owner, exact, l10n_nforms);
    }
    free(lits);
    free(owner);
    free(exact);
}

/* Whether s holds a byte >= 0x80 (every form does; one OR per byte). */
static int has_high_byte(const char *s, size_t n)
{
    unsigned char any = 0;
    for (size_t i = 0; i < n; i++)
        any |= (unsigned char)s[i];
    return any & 0x80;
}

struct span {
    size_t at, len;
    unsigned en;
};

/* Left to right; at one position, the longer form first. */
static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->len > y->len ? -1 : x->len < y->len;
}

static int word_byte(unsigned char b)
{
    return isalnum(b) || b == '_'; /* the C locale: ASCII only */
}

/* Whether form f (fl bytes) at line[at] stands as whole words: a plain
 * form that begins or ends with a letter is not the middle of a word. */
static int whole_words(const char *line, size_t len, size_t at, const char *f, size_t fl)
{
    if (!l10n_form_plain(f))
        return 1;
    if (word_byte((unsigned char)f[0]) && at > 0 && word_byte((unsigned char)line[at - 1]))
        return 0;
    return !(word_byte((unsigned char)f[fl - 1]) && at + fl < len &&
             word_byte((unsigned char)line[at + fl]));
}

/* Every occurrence of the forms cand[0..n) in line, at most L10N_SPANS. */
static size_t find_spans(const char *line, size_t len, const uint32_t *cand, size_t n,
                         struct span *sp)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < L10N_SPANS; i++) {
        const struct l10n_form *f = &l10n_forms[cand[i]];
        size_t fl = strlen(f->form), at = 0;
        const char *p;
        while (k < L10N_SPANS && at < len && (p = memmem(line + at, len - at, f->form, fl))) {
            size_t pos = (size_t)(p - line);
            if (whole_words(line, len, pos, f->form, fl))
                sp[k++] = (struct span){pos, fl, f->en};
            at = pos + fl;
        }
    }
    qsort(sp, k, sizeof *sp, span_cmp);
    return k;
}

/* Appends s[0..n) to out at *o; -1 when it would pass L10N_LINE_MAX. */
static int put(char *out, size_t *o, const char *s, size_t n)
{
    if (*o + n > L10N_LINE_MAX)
        return -1;
    memcpy(out + *o, s, n);
    *o += n;
    return 0;
}

struct l10n {
    uint32_t now;   /* the generation of the line being scanned */
    uint32_t *gen;  /* per form: the generation that found it */
    uint32_t *cand; /* the forms found in the line */
};

struct l10n *l10n_new(void)
{
    struct l10n *x = calloc(1, sizeof *x);
    if (!x || pthread_once(&once, build) != 0)
        goto fail;
    x->gen = calloc(l10n_nforms, sizeof *x->gen);
    x->cand = malloc(l10n_nforms * sizeof *x->cand);
    if (x->gen && x->cand)
        return x;
fail:
    l10n_free(x);
    return NULL;
}

void l10n_free(struct l10n *x)
{
    if (!x)
        return;
    free(x->gen);
    free(x->cand);
    free(x);
}

int l10n_form_plain(const char *form)
{
    return !has_high_byte(form, strlen(form));
}

size_t l10n_line(struct l10n *x, const char *line, size_t len, int plain, char *out)
{
    if (!automaton || (!plain && !has_high_byte(line, len)))
        return 0;
    if (++x->now == 0) { /* the generations wrapped: start over */
        memset(x->gen, 0, l10n_nforms * sizeof *x->gen);
        x->now = 1;
    }
    struct ac_hits h = {x->gen, x->now, x->cand, 0};
    ac_scan(automaton, line, len, &h);
    if (!h.n)
        return 0;
    struct span sp[L10N_SPANS];
    size_t k = find_spans(line, len, x->cand, h.n, sp), o = 0, done = 0;
    for (size_t i = 0; i < k; i++) {
        if (sp[i].at < done)
            continue; /* overlaps the form before it */
        const char *en = l10n_english[sp[i].en];
        if (put(out, &o, line + done, sp[i].at - done) < 0 || put(out, &o, en, strlen(en)) < 0)
            return 0;
        done = sp[i].at + sp[i].len;
    }
    return k && put(out, &o, line + done, len - done) == 0 ? o : 0;
}
