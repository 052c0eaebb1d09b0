/* marks: one Aho-Corasick walk per line over a few fixed strings, found
 * in their exact case (marks.h). */
#include "diagnose/marks.h"
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

struct marks {
    struct ac *ac;
    size_t n;
    uint32_t bits[MARKS_MAX];
};

struct marks *marks_new(const char *const *mark, const uint32_t *bits, size_t n)
{
    struct marks *m = n <= MARKS_MAX ? calloc(1, sizeof *m) : NULL;
    uint32_t idx[MARKS_MAX];
    uint8_t exact[MARKS_MAX];
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        m->bits[i] = bits[i];
        if (!mark[i][0])
            goto out;
        idx[i] = (uint32_t)i;
        exact[i] = AC_CASE;
    }
    m->n = n;
    m->ac = ac_build((char *const *)mark, idx, exact, n);
out:
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

uint32_t marks_bits(const struct marks *m, const uint32_t *cand, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (cand[i] < m->n)
            k |= m->bits[cand[i]];
    return k;
}

uint32_t marks_scan(const struct marks *m, const char *line, size_t len)
{
    uint32_t gen[MARKS_MAX] = {0}, cand[MARKS_MAX];
    struct ac_hits h = {gen, 1, cand, 0};
    ac_scan(m->ac, line, len, &h);
    return marks_bits(m, cand, h.n);
}
