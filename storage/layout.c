/*
 * RRD layout arithmetic. Archive lengths are chosen from durations, not
 * row counts, so a 30-second target keeps the same 70 days at full
 * resolution as a 60-second one.
 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

const char *const sp_store_ds_names[SP_STORE_N_DS] = {
    "up", "degraded", "total_ms", "dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "cert_days"};

const char *const sp_store_hist_ds_names[SP_STORE_HIST_N_DS] = {"up_s", "down_s", "degraded_s",
                                                                "total_ms", "total_n"};

static long ceil_div(long a, long b)
{
    return (a + b - 1) / b;
}

void sp_store_layout_for(long step_s, const sp_store_retention *ret, sp_store_layout *out)
{
    if (step_s < 1)
        step_s = 1;
    sp_store_retention def = SP_STORE_RETENTION_DEFAULT;
    if (!ret)
        ret = &def;
    out->hist = false;
    out->step_s = step_s;
    out->heartbeat_s = 2 * step_s;
    out->rra[0] = (sp_store_rra){"AVERAGE", 1, ceil_div(ret->full_days * 86400, step_s)};
}

void sp_store_layout_hist(const sp_store_retention *ret, sp_store_layout *out)
{
    sp_store_retention def = SP_STORE_RETENTION_DEFAULT;
    if (!ret)
        ret = &def;
    out->hist = true;
    out->step_s = SP_STORE_HIST_STEP;
    out->heartbeat_s = 2 * SP_STORE_HIST_STEP;
    out->rra[0] =
        (sp_store_rra){"AVERAGE", 1, ceil_div(ret->hourly_days * 86400, SP_STORE_HIST_STEP)};
}

int sp_store_layout_n_ds(const sp_store_layout *l)
{
    return l->hist ? SP_STORE_HIST_N_DS : SP_STORE_N_DS;
}

const char *const *sp_store_layout_ds(const sp_store_layout *l)
{
    return l->hist ? sp_store_hist_ds_names : sp_store_ds_names;
}

int64_t sp_store_layout_bytes(const sp_store_layout *l)
{
    int64_t b = 0;
    for (int i = 0; i < SP_STORE_N_RRA; i++)
        b += (int64_t)l->rra[i].rows * sp_store_layout_n_ds(l) * (int64_t)sizeof(double);
    return b;
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
    int n = 0, nds = sp_store_layout_n_ds(l);
    const char *const *names = sp_store_layout_ds(l);
    for (int i = 0; i < nds; i++, n++) {
        const char *min = "0", *max = "U";
        if (l->hist) {
            /* seconds of an hour; response times and their count >= 0 */
            if (i < 3)
                max = "3600";
        } else if (i < 2) {
            max = "1"; /* up and degraded are fractions of the step */
        } else if (i == SP_STORE_N_DS - 1) {
            min = "U"; /* days left may be negative (expired) */
        }
        snprintf(bufs[n], 64, "DS:%s:GAUGE:%ld:%s:%s", names[i], l->heartbeat_s, min, max);
        argv[n] = bufs[n];
    }
    for (int i = 0; i < SP_STORE_N_RRA; i++, n++) {
        snprintf(bufs[n], 64, "RRA:%s:0.5:%ld:%ld", l->rra[i].cf, l->rra[i].pdp_per_row,
                 l->rra[i].rows);
        argv[n] = bufs[n];
    }
    return n;
}

bool sp_store_hist_path(const char *rrd, char *buf, size_t n)
{
    size_t len = strlen(rrd);
    if (len >= 4 && strcmp(rrd + len - 4, ".rrd") == 0)
        len -= 4;
    int w = snprintf(buf, n, "%.*s.hist.rrd", (int)len, rrd);
    return w > 0 && (size_t)w < n;
}
