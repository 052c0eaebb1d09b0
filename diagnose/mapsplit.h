/* mapsplit: zero-copy line splitting of a whole buffer in memory (a mapped
 * file), with exactly the semantics of common/lines.h (cap with
 * LINE_TRUNCATED, lone '\r' ends a line, "\r\n" is one end, LINE_PARTIAL at
 * the end) but without copying each line: lines are passed as pointers into
 * the buffer and are NOT NUL-terminated. The unit tests check that both
 * splitters give the same lines. */
#ifndef ENDURE_DIAGNOSE_MAPSPLIT_H
#define ENDURE_DIAGNOSE_MAPSPLIT_H
#include <stddef.h>
#include "common/lines.h"

void mapsplit(const char *p, size_t n, size_t cap, line_cb cb, void *ctx);

#endif
