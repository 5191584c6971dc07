/*
 * sp_hist: a histogram of durations with fixed bucket bounds, counted the
 * way Prometheus reads one (SPEC section 12): per bucket the observations
 * at or below its bound and above the one before, plus the ones above the
 * last bound, their sum and their number. The scheduler keeps its start
 * lateness in one and the store its journal fsync times; the metrics
 * exposition makes the counts cumulative. Pure: no clock, no locking (the
 * owner guards it as it guards its other counters).
 */
#ifndef SP_HIST_H
#define SP_HIST_H

#include <stddef.h>
#include <stdint.h>

#define SP_HIST_MAX 16

typedef struct sp_hist {
    size_t n;                        /* bounds used */
    double le[SP_HIST_MAX];          /* upper bounds, increasing (seconds) */
    uint64_t count[SP_HIST_MAX + 1]; /* [i]: in (le[i-1], le[i]]; [n]: above le[n-1] */
    uint64_t total;
    double sum;
} sp_hist;

/* Set the bounds (n <= SP_HIST_MAX, increasing) and clear the counts. */
void sp_hist_init(sp_hist *h, const double *le, size_t n);

/* Count one observation v (NaN is ignored). */
void sp_hist_add(sp_hist *h, double v);

#endif
