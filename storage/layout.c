/*
 * RRD layout arithmetic. The archive lengths are chosen from durations,
 * not row counts, so a 30-second target keeps the same 70 days at full
 * resolution as a 60-second one.
 */
#include "layout.h"

#include <stdio.h>

const char *const sp_store_ds_names[SP_STORE_N_DS] = {
    "up", "degraded", "total_ms", "dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "cert_days"};

static long ceil_div(long a, long b)
{
    return (a + b - 1) / b;
}

void sp_store_layout_for(long step_s, const sp_store_retention *ret, sp_store_layout *out)
{
    if (step_s < 1)
        step_s = 1;
    out->step_s = step_s;
    out->heartbeat_s = 2 * step_s;
    /* Consolidated archives: a row of 5 min (1 h) is that many steps, at
     * least one when the step is longer. */
    long p5 = 300 / step_s > 0 ? 300 / step_s : 1;
    long p60 = 3600 / step_s > 0 ? 3600 / step_s : 1;
    sp_store_retention def = SP_STORE_RETENTION_DEFAULT;
    if (!ret)
        ret = &def;
    long full = ceil_div(ret->full_days * 86400, step_s);
    long r5 = ceil_div(ret->five_min_days * 86400, p5 * step_s);
    long r60 = ceil_div(ret->hourly_days * 86400, p60 * step_s);
    out->rra[0] = (sp_store_rra){"AVERAGE", 1, full};
    out->rra[1] = (sp_store_rra){"AVERAGE", p5, r5};
    out->rra[2] = (sp_store_rra){"MAX", p5, r5};
    out->rra[3] = (sp_store_rra){"AVERAGE", p60, r60};
    out->rra[4] = (sp_store_rra){"MAX", p60, r60};
}

int64_t sp_store_layout_span_s(const sp_store_layout *l)
{
    int64_t best = 0;
    for (int i = 0; i < SP_STORE_N_RRA; i++) {
        int64_t ppr = l->rra[i].pdp_per_row, rows = l->rra[i].rows, span;
        if (ppr < 1 || rows < 1 || l->step_s < 1)
            continue;
        if (__builtin_mul_overflow(ppr, rows, &span) ||
            __builtin_mul_overflow(span, (int64_t)l->step_s, &span))
            return INT64_MAX;
        best = span > best ? span : best;
    }
    return best;
}

int sp_store_layout_args(const sp_store_layout *l, char bufs[][64], const char **argv)
{
    int n = 0;
    for (int i = 0; i < SP_STORE_N_DS; i++, n++) {
        /* up and degraded are fractions of the step; times are >= 0; days
         * left may be negative (expired) */
        const char *min = i < 2 ? "0" : (i == SP_STORE_N_DS - 1 ? "U" : "0");
        const char *max = i < 2 ? "1" : "U";
        snprintf(bufs[n], 64, "DS:%s:GAUGE:%ld:%s:%s", sp_store_ds_names[i], l->heartbeat_s, min,
                 max);
        argv[n] = bufs[n];
    }
    for (int i = 0; i < SP_STORE_N_RRA; i++, n++) {
        snprintf(bufs[n], 64, "RRA:%s:0.5:%ld:%ld", l->rra[i].cf, l->rra[i].pdp_per_row,
                 l->rra[i].rows);
        argv[n] = bufs[n];
    }
    return n;
}
