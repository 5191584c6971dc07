/*
 * Fixed-bound histograms (contract in sp_hist.h). A linear search over at
 * most 16 bounds: cheaper than anything clever at that size.
 */
#include "common/sp_hist.h"

#include <math.h>
#include <string.h>

void sp_hist_init(sp_hist *h, const double *le, size_t n)
{
    memset(h, 0, sizeof *h);
    h->n = n > SP_HIST_MAX ? SP_HIST_MAX : n;
    memcpy(h->le, le, h->n * sizeof *le);
}

void sp_hist_add(sp_hist *h, double v)
{
    if (isnan(v))
        return;
    size_t i = 0;
    while (i < h->n && v > h->le[i])
        i++;
    h->count[i]++;
    h->total++;
    h->sum += v;
}
