/*
 * Nearest-rank order statistics. Nearest rank (rather than interpolation)
 * so a reported p95 is always one of the measured values.
 */
#include "sp_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sp_stats_percentile_sorted(const double *v, size_t n, double pct)
{
    size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

void sp_stats_summarize(double *v, size_t n, sp_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    out->min = v[0];
    out->max = v[n - 1];
    out->median = sp_stats_percentile_sorted(v, n, 50);
    out->p95 = sp_stats_percentile_sorted(v, n, 95);
    out->mean = sum / (double)n;
}
