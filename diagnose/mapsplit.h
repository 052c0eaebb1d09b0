/* mapsplit: zero-copy line splitting of a buffer in memory, with exactly the semantics of common/lines.h (cap with
 * LINE_TRUNCATED, lone '\r' ends a line, "\r\n" is one end, LINE_PARTIAL at
 * the end) but without copying each line: lines are passed as pointers into
 * the buffer and are NOT NUL-terminated. The unit tests check that both
 * splitters give the same lines. */
#ifndef ENDURE_DIAGNOSE_MAPSPLIT_H
#define ENDURE_DIAGNOSE_MAPSPLIT_H
#include <stddef.h>
#include "common/lines.h"

void mapsplit(const char *p, size_t n, size_t cap, line_cb cb, void *ctx);
/* Drop-in for linesplit_feed (same lines, same state in ls) that passes the
 * complete lines of the chunk in place and copies only the lines that
 * straddle chunk boundaries. */
void hybrid_feed(struct linesplit *ls, const char *p, size_t n, line_cb cb, void *ctx);

#endif
