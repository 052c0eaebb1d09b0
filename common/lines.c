/* lines: bounded line splitter (see lines.h). */
#include "common/lines.h"
#include <string.h>

void linesplit_init(struct linesplit *ls, size_t cap)
{
    ls->cap = cap ? cap : LINE_CAP_DEFAULT;
    buf_init(&ls->cur, ls->cap);
    ls->skipping = 0;
    ls->after_cr = 0;
}

void linesplit_free(struct linesplit *ls)
{
    buf_free(&ls->cur);
}

static void emit(struct linesplit *ls, unsigned flags, line_cb cb, void *ctx)
{
    if (!ls->cur.p)
        buf_append(&ls->cur, "", 0);
    cb(ctx, ls->cur.p, ls->cur.len, flags);
    buf_reset(&ls->cur);
}

void linesplit_feed(struct linesplit *ls, const char *data, size_t n, line_cb cb, void *ctx)
{
    size_t i = 0;
    /* The next '\r' at or after data + i (NULL: none in the rest of data),
     * found once per chunk rather than once per line: most logs have none. */
    const char *next_cr = NULL;
    int cr_stale = 1;
    while (i < n) {
        if (ls->after_cr) {
            ls->after_cr = 0;
            if (data[i] == '\n') {
                i++;
                continue;
            }
        }
        /* Find the next line end in the remaining bytes. */
        const char *nl = memchr(data + i, '\n', n - i);
        if (cr_stale || (next_cr && next_cr < data + i)) {
            next_cr = memchr(data + i, '\r', n - i);
            cr_stale = 0;
        }
        const char *cr = next_cr && (!nl || next_cr < nl) ? next_cr : NULL;
        const char *end = cr ? cr : nl;
        size_t seg = end ? (size_t)(end - (data + i)) : n - i;
        if (end && !ls->skipping && ls->cur.len == 0 && seg <= ls->cap) {
            /* the whole line is in this chunk: no copy */
            cb(ctx, data + i, seg, cr ? LINE_CR : 0);
            i += seg + 1;
            if (cr)
                ls->after_cr = 1;
            continue;
        }
        if (!ls->skipping) {
            size_t took = buf_append_some(&ls->cur, data + i, seg);
            if (took < seg) {
                emit(ls, LINE_TRUNCATED, cb, ctx);
                ls->skipping = 1;
            }
        }
        i += seg;
        if (!end)
            break;
        i++; /* the '\n' or '\r' */
        if (ls->skipping)
            ls->skipping = 0;
        else
            emit(ls, cr ? LINE_CR : 0, cb, ctx);
        if (cr)
            ls->after_cr = 1;
    }
}

void linesplit_finish(struct linesplit *ls, line_cb cb, void *ctx)
{
    if (ls->cur.len && !ls->skipping)
        emit(ls, LINE_PARTIAL, cb, ctx);
    buf_reset(&ls->cur);
    ls->skipping = 0;
    ls->after_cr = 0;
}
