/* compress: groups lines for the condensed log (see compress.h). An open
 * addressing hash table keyed by the templated text (or the exact text for
 * failure lines); each group keeps its first and last text, count and rank
 * range. */
#include "diagnose/compress.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

#define SLOTS (COMPRESS_MAX_GROUPS * 2 + 1)

struct group {
    char *key, *first, *last;
    uint64_t hash;
    size_t count;
    long rmin, rmax;
    int failure;
};

struct compressor {
    struct group *g;      /* in order of first appearance */
    size_t n;
    uint32_t *slots;      /* index+1 into g, 0 empty */
    size_t in_bytes, dropped, omitted;
};

struct compressor *compressor_new(void)
{
    struct compressor *z = calloc(1, sizeof *z);
    if (z && (!(z->g = calloc(COMPRESS_MAX_GROUPS, sizeof *z->g)) ||
              !(z->slots = calloc(SLOTS, sizeof *z->slots)))) {
        compressor_free(z);
        return NULL;
    }
    return z;
}

void compressor_free(struct compressor *z)
{
    if (!z)
        return;
    for (size_t i = 0; z->g && i < z->n; i++) {
        free(z->g[i].key);
        free(z->g[i].first);
        free(z->g[i].last);
    }
    free(z->g);
    free(z->slots);
    free(z);
}

/* Template: digit runs and 0x-hex become '#'; capped. */
static size_t templ(const char *s, size_t n, char *out, size_t max)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < max;) {
        if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            i += 2;
            while (i < n && strchr("0123456789abcdefABCDEF", s[i]) && s[i])
                i++;
            out[o++] = '#';
        } else if (s[i] >= '0' && s[i] <= '9') {
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            out[o++] = '#';
        } else
            out[o++] = s[i++];
    }
    return o;
}

static uint64_t fnv(const char *s, size_t n, int failure)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)failure;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

void compressor_drop(struct compressor *z, size_t raw_len)
{
    z->in_bytes += raw_len + 1;
    z->dropped++;
}

void compressor_line(struct compressor *z, const char *text, size_t len, long rank, int failure,
                     size_t raw_len)
{
    char key[COMPRESS_TEXT_MAX + 1];
    size_t kn = failure ? (len < COMPRESS_TEXT_MAX ? len : COMPRESS_TEXT_MAX)
                        : templ(text, len, key, COMPRESS_TEXT_MAX);
    if (failure)
        memcpy(key, text, kn);
    key[kn] = '\0';
    z->in_bytes += raw_len + 1;
    uint64_t h = fnv(key, kn, failure);
    size_t s = h % SLOTS;
    while (z->slots[s]) {
        struct group *g = &z->g[z->slots[s] - 1];
        if (g->hash == h && g->failure == failure && !strcmp(g->key, key))
            break;
        s = (s + 1) % SLOTS;
    }
    char shown[COMPRESS_TEXT_MAX + 4];
    utf8_sanitize(text, len < COMPRESS_TEXT_MAX ? len : COMPRESS_TEXT_MAX, shown,
                  COMPRESS_TEXT_MAX);
    struct group *g;
    if (z->slots[s]) {
        g = &z->g[z->slots[s] - 1];
        free(g->last);
        g->last = strdup(shown);
    } else {
        if (z->n >= COMPRESS_MAX_GROUPS) {
            z->omitted++;
            return;
        }
        g = &z->g[z->n];
        *g = (struct group){strdup(key), strdup(shown), NULL, h, 0, rank, rank, failure};
        z->slots[s] = (uint32_t)++z->n;
    }
    g->count++;
    if (rank >= 0 && (g->rmin < 0 || rank < g->rmin))
        g->rmin = rank;
    if (rank > g->rmax)
        g->rmax = rank;
}

size_t compressor_print(struct compressor *z, FILE *out, size_t *in_bytes)
{
    long total = 0;
    for (size_t i = 0; i < z->n; i++) {
        struct group *g = &z->g[i];
        char tag[96] = "";
        int k = 0;
        if (g->count > 1 && g->rmin >= 0 && g->rmin != g->rmax)
            k = snprintf(tag, sizeof tag, "[x%zu ranks %ld-%ld] ", g->count, g->rmin, g->rmax);
        else if (g->count > 1)
            k = snprintf(tag, sizeof tag, "[x%zu] ", g->count);
        int w = fprintf(out, "%s%s%s\n", g->failure ? "!! " : "", tag, g->first);
        if (w > 0)
            total += w;
        if (g->last && g->count > 1 && strcmp(g->last, g->first) && !g->failure) {
            w = fprintf(out, "    (last: %s)\n", g->last);
            total += w > 0 ? w : 0;
        }
        (void)k;
    }
    if (z->omitted) {
        int w = fprintf(out, "(%zu more lines of other kinds omitted)\n", z->omitted);
        total += w > 0 ? w : 0;
    }
    *in_bytes = z->in_bytes;
    return (size_t)total;
}

size_t compressor_dropped(const struct compressor *z)
{
    return z->dropped;
}
