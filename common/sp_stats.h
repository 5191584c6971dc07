/*
 * Order statistics of a sample (min, median, p95, max), the summary that
 * `check --count` prints and reports reuse for response-time percentiles.
 * Pure: values in, values out.
 */
#ifndef SP_STATS_H
#define SP_STATS_H

#include <stddef.h>

typedef struct sp_summary {
    size_t n;
    double min, median, p95, max, mean;
} sp_summary;

/*
 * Summarise v[0..n) (sorted in place). Percentiles use the nearest-rank
 * method, so every figure is a value that was really measured. n == 0
 * gives a summary with n = 0 and the other fields 0.
 */
void sp_stats_summarize(double *v, size_t n, sp_summary *out);

/* Nearest-rank percentile (0 < pct <= 100) of an ascending array, n > 0. */
double sp_stats_percentile_sorted(const double *v, size_t n, double pct);

#endif
