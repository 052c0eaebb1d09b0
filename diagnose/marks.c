/* marks: one Aho-Corasick walk per line over a few fixed strings, then an
 * exact-case check of each candidate (marks.h). */
#include "diagnose/marks.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

struct marks {
    struct ac *ac;
    size_t n;
    const char *mark[MARKS_MAX];
    size_t len[MARKS_MAX];
    uint32_t bits[MARKS_MAX];
};

struct marks *marks_new(const char *const *mark, const uint32_t *bits, size_t n)
{
    struct marks *m = n <= MARKS_MAX ? calloc(1, sizeof *m) : NULL;
    char *folded[MARKS_MAX] = {0};
    uint32_t idx[MARKS_MAX];
    uint8_t exact[MARKS_MAX];
    size_t i;
    if (!m)
        return NULL;
    for (i = 0; i < n; i++) {
        m->mark[i] = mark[i];
        m->len[i] = strlen(mark[i]);
        m->bits[i] = bits[i];
        if (!m->len[i] || !(folded[i] = strdup(mark[i])))
            goto out;
        for (char *p = folded[i]; *p; p++) /* the automaton takes folded literals */
            *p = (char)tolower((unsigned char)*p);
        idx[i] = (uint32_t)i;
        exact[i] = 1;
    }
    m->n = n;
    m->ac = ac_build(folded, idx, exact, n);
out:
    for (i = 0; i < n; i++)
        free(folded[i]);
    if (!m->ac) {
        free(m);
        return NULL;
    }
    return m;
}

void marks_free(struct marks *m)
{
    if (!m)
        return;
    ac_free(m->ac);
    free(m);
}

uint32_t marks_confirm(const struct marks *m, const uint32_t *cand, size_t n, const char *line, size_t len)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) { /* the automaton folds case; the marks do not */
        uint32_t c = cand[i];
        if (c < m->n && (k & m->bits[c]) != m->bits[c] && memmem(line, len, m->mark[c], m->len[c]))
            k |= m->bits[c];
    }
    return k;
}

uint32_t marks_scan(const struct marks *m, const char *line, size_t len)
{
    uint32_t gen[MARKS_MAX] = {0}, cand[MARKS_MAX];
    struct ac_hits h = {gen, 1, cand, 0};
    ac_scan(m->ac, line, len, &h);
    return marks_confirm(m, cand, h.n, line, len);
}
