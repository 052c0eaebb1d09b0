/* losstrack: the loss series of a saved log's progress lines, for
 * `endure diagnose`: a loss that jumps far above the level before it and is
 * still there when the log ends is a loss spike the run did not recover
 * from (numerical divergence), even with only a few losses printed before
 * the jump (the online check, --spike-factor, needs ten). A jump that comes
 * back down is left alone: training went on. Fixed-size state, no
 * allocation; fed one loss per progress line. */
#ifndef ENDURE_DIAGNOSE_LOSSTRACK_H
#define ENDURE_DIAGNOSE_LOSSTRACK_H

/* Losses before the jump whose median is its baseline. */
#define LOSSTRACK_WINDOW 10
/* A jump: a loss above LOSSTRACK_FACTOR x the baseline and at least
 * LOSSTRACK_RISE above it (small losses move by large factors: a
 * diffusion loss of 0.05 -> 0.3 is noise, not divergence). */
#define LOSSTRACK_FACTOR 4.0
#define LOSSTRACK_RISE 1.0

struct losstrack {
    double recent[LOSSTRACK_WINDOW]; /* a ring of the losses before the jump */
    int n, next;
    double lo;    /* the least loss of the ring, INFINITY while empty */
    double base;  /* the baseline at the jump; NAN while there was none */
    double spike; /* the loss of the jump */
    long step;    /* its step, -1 when the line had none */
    double last;  /* the last loss of the log, NAN: none */
};

void losstrack_init(struct losstrack *t);
/* One progress line's loss (NAN or infinite: ignored) at step (-1: none).
 * Returns 1 when this loss is the jump (the caller keeps its line). */
int losstrack_add(struct losstrack *t, double loss, long step);
/* 1 when a jump happened and the log's last loss is still above
 * LOSSTRACK_FACTOR x the baseline. */
int losstrack_diverged(const struct losstrack *t);

#endif
