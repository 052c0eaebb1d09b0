/* mapsplit: zero-copy splitting of a buffer into lines (see mapsplit.h). */
#include "diagnose/mapsplit.h"
#include <string.h>

void mapsplit(const char *p, size_t n, size_t cap, line_cb cb, void *ctx)
{
    size_t i = 0;
    if (!cap)
        cap = LINE_CAP_DEFAULT;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        const char *cr = memchr(p + i, '\r', nl ? (size_t)(nl - (p + i)) : n - i);
        const char *end = cr ? cr : nl;
        size_t seg = end ? (size_t)(end - (p + i)) : n - i;
        if (seg > cap)
            cb(ctx, p + i, cap, LINE_TRUNCATED);
        else if (end)
            cb(ctx, p + i, seg, cr ? LINE_CR : 0);
        else if (seg)
            cb(ctx, p + i, seg, LINE_PARTIAL);
        if (!end)
            return;
        i += seg + 1;
        if (cr && i < n && p[i] == '\n')
            i++;
    }
}

void hybrid_feed(struct linesplit *ls, const char *p, size_t n, line_cb cb, void *ctx)
{
    const char *first = memchr(p, '\n', n);
    if (!first) {
        linesplit_feed(ls, p, n, cb, ctx);
        return;
    }
    /* Up to the first '\n' through the splitter: it completes whatever
     * line the previous chunk left open, and ends in a clean state. */
    size_t head = (size_t)(first - p) + 1;
    linesplit_feed(ls, p, head, cb, ctx);
    const char *last = memrchr(p + head, '\n', n - head);
    if (!last) {
        linesplit_feed(ls, p + head, n - head, cb, ctx);
        return;
    }
    size_t end = (size_t)(last - p) + 1; /* complete lines only: no copy */
    mapsplit(p + head, end - head, ls->cap, cb, ctx);
    linesplit_feed(ls, p + end, n - end, cb, ctx);
}
