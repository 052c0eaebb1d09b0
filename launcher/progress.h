/* progress: decides whether a rank's output line shows training progress
 * (feeds hang detection). An interface so the rule engine can replace the
 * default regex; the matcher owns its compiled pattern. */
#ifndef ENDURE_PROGRESS_H
#define ENDURE_PROGRESS_H
#include <stddef.h>
#include "common/buf.h"

#define PROGRESS_DEFAULT_RE "(?i)\\b(?:step|iter(?:ation)?)\\b\\s*[:=#]?\\s*\\d+"

struct progress;
/* Compiles pattern (NULL: the default). -1 with a message in err. */
int progress_new(struct progress **out, const char *pattern, struct buf *err);
/* 1 when the line shows progress, else 0. Bounded: a hostile line stops at
 * the match limit. */
int progress_line(struct progress *p, const char *line, size_t len);
/* How many lines stopped at the match or depth limit (counted as no
 * progress) since progress_new. */
unsigned long progress_limit_hits(const struct progress *p);
void progress_free(struct progress *p);

#endif
