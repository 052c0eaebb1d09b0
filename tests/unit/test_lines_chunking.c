/* Unit test: the line splitter gives exactly the same lines and flags
 * whatever the chunking of its input (lines inside one chunk are passed in
 * place, lines across chunks are assembled), on random input with '\r',
 * '\n' and over-long lines. */
#include <stdlib.h>
#include "tests/unit/harness.h"
#include "common/buf.h"
#include "common/lines.h"

static void rec(void *ctx, const char *line, size_t len, unsigned flags)
{
    struct buf *b = ctx;
    buf_printf(b, "%u:%zu:", flags, len);
    buf_append(b, line, len);
    buf_puts(b, "|");
}

TEST(lines_same_whatever_the_chunking)
{
    static const char alphabet[] = "ab\r\n\r\nxyz";
    char data[3000];
    srand(12345);
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(rand() % (int)sizeof data);
        for (size_t i = 0; i < n; i++)
            data[i] = rand() % 7 == 0 ? alphabet[rand() % 9] : (char)('a' + rand() % 3);
        if (round % 3 == 0)
            memset(data, 'L', n / 2); /* a long line */
        size_t cap = 1 + (size_t)(rand() % 40);
        struct buf a, b;
        buf_init(&a, 1 << 20);
        buf_init(&b, 1 << 20);
        struct linesplit ls;
        linesplit_init(&ls, cap);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + (size_t)(rand() % 50);
            k = k > n - i ? n - i : k;
            linesplit_feed(&ls, data + i, k, rec, &a);
            i += k;
        }
        linesplit_finish(&ls, rec, &a);
        linesplit_free(&ls);
        linesplit_init(&ls, cap); /* the whole input at once */
        linesplit_feed(&ls, data, n, rec, &b);
        linesplit_finish(&ls, rec, &b);
        linesplit_free(&ls);
        struct buf c;
        buf_init(&c, 1 << 20);
        linesplit_init(&ls, cap);
        for (size_t i = 0; i < n;) { /* bigger chunks */
            size_t k = 1 + (size_t)(rand() % 200);
            k = k > n - i ? n - i : k;
            linesplit_feed(&ls, data + i, k, rec, &c);
            i += k;
        }
        linesplit_finish(&ls, rec, &c);
        linesplit_free(&ls);
        int same = a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len)) && a.len == c.len &&
                   (!a.len || !memcmp(a.p, c.p, a.len));
        if (!same && c.p)
            fprintf(stderr, "  chunks of 200: %s\n", c.p);
        buf_free(&c);
        if (!same)
            fprintf(stderr, "  round %d cap %zu:\n  chunks of 50: %s\n  whole: %s\n", round, cap,
                    a.p ? a.p : "", b.p ? b.p : "");
        buf_free(&a);
        buf_free(&b);
        CHECK(same);
    }
}
