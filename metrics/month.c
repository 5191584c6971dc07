/*
 * The month figures' child (`slaprobe metrics-month`): the report's live
 * view, reduced to what /metrics exports. A line per target, ids being
 * [a-z0-9_-] (config/check.c), so the daemon reads it with strtod and no
 * JSON: 10,000 targets are about 500 kB, parsed in a few milliseconds.
 */
#include "metrics/metrics.h"

#include <math.h>

#include "reports/report.h"

sp_status sp_metrics_month_write(const sp_cfg *cfg, int64_t now, FILE *fp, char *err, size_t errlen)
{
    sp_report *rep = NULL;
    /* one day: the live view's day rows are not needed, its month is */
    sp_status st = sp_report_build_live(cfg, now, 1, &rep, err, errlen);
    if (st != SP_OK)
        return st;
    for (size_t i = 0; i < rep->n_targets; i++) {
        const sp_report_target *t = &rep->targets[i];
        double ratio = t->sla.no_data ? NAN : t->sla.availability_pct / 100.0;
        fprintf(fp, "%s %.17g %.17g\n", t->cfg->id, ratio, t->sla.budget_left_s);
    }
    sp_report_destroy(rep);
    if (fflush(fp) != 0 || ferror(fp)) {
        snprintf(err, errlen, "cannot write the month figures");
        return SP_EIO;
    }
    return SP_OK;
}
