/* losstrack: a loss spike the log never recovered from (losstrack.h). */
#include "diagnose/losstrack.h"
#include <math.h>

void losstrack_init(struct losstrack *t)
{
    t->n = 0;
    t->next = 0;
    t->lo = INFINITY;
    t->base = NAN;
    t->spike = NAN;
    t->step = -1;
    t->last = NAN;
}

/* The median of the n <= LOSSTRACK_WINDOW values of v (copied, sorted). */
static double median(const double *v, int n)
{
    double s[LOSSTRACK_WINDOW];
    for (int i = 0; i < n; i++) {
        int j = i;
        for (; j > 0 && s[j - 1] > v[i]; j--)
            s[j] = s[j - 1];
        s[j] = v[i];
    }
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int losstrack_add(struct losstrack *t, double loss, long step)
{
    if (!isfinite(loss))
        return 0;
    t->last = loss;
    if (!isnan(t->base))
        return 0; /* after the jump: only the last loss counts */
    /* the median is at least the window's least loss: most lines stop here */
    if (t->n > 0 && loss > LOSSTRACK_FACTOR * t->lo) {
        double m = median(t->recent, t->n);
        if (m > 0 && loss > LOSSTRACK_FACTOR * m && loss - m >= LOSSTRACK_RISE) {
            t->base = m;
            t->spike = loss;
            t->step = step;
            return 1;
        }
    }
    double out = t->n == LOSSTRACK_WINDOW ? t->recent[t->next] : INFINITY;
    t->recent[t->next] = loss;
    t->next = (t->next + 1) % LOSSTRACK_WINDOW;
    if (t->n < LOSSTRACK_WINDOW)
        t->n++;
    if (loss <= t->lo)
        t->lo = loss;
    else if (out == t->lo) { /* the least left the window: find the next */
        t->lo = INFINITY;
        for (int i = 0; i < t->n; i++)
            t->lo = t->recent[i] < t->lo ? t->recent[i] : t->lo;
    }
    return 0;
}

int losstrack_diverged(const struct losstrack *t)
{
    return !isnan(t->base) && t->last > LOSSTRACK_FACTOR * t->base;
}
