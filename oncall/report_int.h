/* report_int: the parts of `endure report` (report.c, report_svg.c,
 * report_curve.c). */
#ifndef ENDURE_REPORT_INT_H
#define ENDURE_REPORT_INT_H
#include <stddef.h>
#include "common/buf.h"
#include "oncall/runview.h"

#define CURVE_MAX 2000
#define CURVE_BYTES (64u << 20) /* of each rank log read for the curve */

struct curve {
    struct { long step; double loss; } pt[CURVE_MAX];
    int n, has_loss;
};
/* Appends the step (and loss) points of the rank log at path. 0 or -1. */
int curve_load(struct curve *cv, const char *path, size_t max_bytes);

/* HTML-escapes s (at most max bytes of it) into b. */
void html_text(struct buf *b, const char *s, size_t max);
/* The per-node timeline of every attempt (SVG). */
void svg_timeline(struct buf *b, const struct runview *rv, double t_end);
/* The loss curve (or the steps reached, without loss lines) of attempts
 * first .. first+ncv-1 (cv[i] is attempt rv->att[first+i]), with each
 * failure's last step and every checkpoint commit marked. */
void svg_curve(struct buf *b, const struct runview *rv, const struct curve *cv, int first, int ncv);

#endif
