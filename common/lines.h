/* lines: splits a byte stream into lines for the console and the classifier.
 * Bounded memory whatever the input: a line longer than the cap is delivered
 * as its first `cap` bytes flagged LINE_TRUNCATED and the rest up to the next
 * newline is skipped (the raw bytes still go to the log file elsewhere). A
 * lone '\r' (progress bars) ends a line too, so `\r`-redrawn bars never build
 * a megabyte line; "\r\n" is one line end. Bytes are passed through as they
 * are (NULs and invalid UTF-8 included); callers that print must escape. */
#ifndef ENDURE_LINES_H
#define ENDURE_LINES_H
#include <stddef.h>
#include "common/buf.h"

#define LINE_CAP_DEFAULT (64 * 1024) /* documented in docs/run.md */

enum line_flags {
    LINE_TRUNCATED = 1, /* the line was longer than the cap */
    LINE_CR = 2,        /* ended by a lone '\r' */
    LINE_PARTIAL = 4,   /* stream ended without a line end */
};

/* Called once per line with its bytes (not NUL-terminated: use len), valid
 * during the call only. */
typedef void (*line_cb)(void *ctx, const char *line, size_t len, unsigned flags);

struct linesplit {
    struct buf cur;   /* the line being assembled */
    size_t cap;
    int skipping;     /* dropping the tail of an over-long line */
    int after_cr;     /* the previous byte was a '\r' that ended a line */
};

void linesplit_init(struct linesplit *ls, size_t cap);
/* Feeds n bytes, calling cb for every completed line. */
void linesplit_feed(struct linesplit *ls, const char *data, size_t n, line_cb cb, void *ctx);
/* Delivers a pending partial line (end of stream). */
void linesplit_finish(struct linesplit *ls, line_cb cb, void *ctx);
void linesplit_free(struct linesplit *ls);

#endif
