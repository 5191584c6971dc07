/*
 * The SLA arithmetic of SPEC section 4 (contract in sla.h). Everything is
 * done on integer seconds with half-open spans: the period is cut down to
 * service hours, maintenance is subtracted to give the eligible set, and
 * each timeline segment is measured against that set with a cursor that
 * only moves forward, so a month at one-minute resolution (43,200
 * segments) costs one pass. Floating point appears only in the final
 * percentages; the decisions a customer can claim money on (met, credit
 * tier) are taken by exact comparisons, never on a rounded percentage.
 */
#include "sla/sla.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_grow.h"
#include "common/sp_stats.h"
#include "sla/spans.h"

/* |[s, e) ∩ l| for a normal l. *cur is a cursor into l that callers keep
 * between calls with ascending, disjoint [s, e): it only moves past spans
 * that end before s, so the whole timeline is measured in one pass. */
static int64_t measure_in(const sp_sla_spans *l, size_t *cur, int64_t s, int64_t e)
{
    int64_t t = 0;
    while (*cur < l->n && l->v[*cur].end <= s)
        (*cur)++;
    for (size_t k = *cur; k < l->n && l->v[k].start < e; k++) {
        int64_t a = l->v[k].start > s ? l->v[k].start : s;
        int64_t b = l->v[k].end < e ? l->v[k].end : e;
        if (b > a)
            t += b - a;
    }
    return t;
}

/* --- Validation ---------------------------------------------------------- */

static bool valid_pct(double p)
{
    return isfinite(p) && p >= 0.0 && p <= 100.0;
}

static sp_status validate(const sp_sla_input *in)
{
    if (in->month_end <= in->month_start)
        return SP_EINVAL;
    if ((in->n_service && !in->service) || (in->n_maintenance && !in->maintenance) ||
        (in->n_timeline && !in->timeline) || (in->n_control_down && !in->control_down) ||
        (in->n_tiers && !in->tiers) || (in->n_rt && !in->rt_ms))
        return SP_EINVAL;
    for (size_t i = 0; i < in->n_service; i++)
        if (in->service[i].end <= in->service[i].start)
            return SP_EINVAL;
    for (size_t i = 0; i < in->n_maintenance; i++)
        if (in->maintenance[i].end <= in->maintenance[i].start)
            return SP_EINVAL;
    for (size_t i = 0; i < in->n_control_down; i++)
        if (in->control_down[i].end <= in->control_down[i].start)
            return SP_EINVAL;
    for (size_t i = 0; i < in->n_timeline; i++) {
        const sp_sla_seg *g = &in->timeline[i];
        if (g->end <= g->start || (unsigned)g->state >= SP_STATE_COUNT ||
            (unsigned)g->reason >= SP_REASON_COUNT)
            return SP_EINVAL;
        if (i > 0 && g->start < in->timeline[i - 1].end)
            return SP_EINVAL; /* unsorted or overlapping */
    }
    if (!valid_pct(in->target_pct))
        return SP_EINVAL;
    for (size_t i = 0; i < in->n_tiers; i++)
        if (!valid_pct(in->tiers[i].below_pct) || !isfinite(in->tiers[i].credit_pct) ||
            in->tiers[i].credit_pct < 0.0)
            return SP_EINVAL;
    return SP_OK;
}

/* --- Exact comparisons --------------------------------------------------- */

/* A percentage as an integer number of millionths of a percent. Targets and
 * tiers are written with a few decimals (99.5, 99.95), which this holds
 * exactly; 99.9 as a double is 99.899999999999991 and rounds back to
 * 99900000, so the boundary is where the contract puts it. */
static long double micro_pct(double p)
{
    return (long double)llround(p * 1e6);
}

/* Sign of (up / known) * 100 - pct, decided without rounding: both sides
 * are integers well inside long double's exact range for any realistic
 * period (a month is ~2.7e6 s; 2.7e6 * 1e8 < 2^53). */
static int cmp_avail(int64_t up, int64_t known, double pct)
{
    long double lhs = (long double)up * 100000000.0L;
    long double rhs = micro_pct(pct) * (long double)known;
    return (lhs > rhs) - (lhs < rhs);
}

/* --- Incidents ----------------------------------------------------------- */

typedef struct incidents {
    sp_sla_incident *v;
    size_t n, cap;
} incidents;

typedef struct run {
    bool open;
    int64_t start, end;
    size_t first_seg, last_seg;
} run;

/* Close a DOWN run: clip it to the period and record it when anything is
 * left. */
static sp_status emit_run(const sp_sla_input *in, const run *r, const sp_sla_spans *eligible,
                          size_t *ecur, incidents *out)
{
    int64_t s = r->start > in->month_start ? r->start : in->month_start;
    int64_t e = r->end < in->month_end ? r->end : in->month_end;
    if (s >= e)
        return SP_OK;
    if (sp_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v) != SP_OK)
        return SP_ENOMEM;
    sp_sla_incident *inc = &out->v[out->n++];
    inc->start = s;
    inc->end = e;
    inc->duration_s = e - s;
    inc->counted_s = measure_in(eligible, ecur, s, e);
    inc->reason = in->timeline[r->first_seg].reason;
    /* A run that starts exactly at the period start on the timeline's first
     * segment has no earlier state to show when it began: it is reported
     * as already down, like one that began before the period. Likewise a
     * run that reaches the end of the timeline has no known end. */
    inc->open_start =
        r->start < in->month_start ||
        (r->start == in->month_start && r->first_seg == 0 && r->start == in->timeline[0].start);
    inc->open_end = r->end > in->month_end || (r->last_seg == in->n_timeline - 1 &&
                                               r->end == in->timeline[in->n_timeline - 1].end);
    return SP_OK;
}

/* Runs of DOWN with control-target outages cut out, merged across
 * touching DOWN segments whatever their reasons. */
static sp_status find_incidents(const sp_sla_input *in, const sp_sla_spans *control,
                                const sp_sla_spans *eligible, incidents *out)
{
    sp_status st = SP_OK;
    run r = {0};
    size_t ccur = 0, ecur = 0;
    for (size_t i = 0; i < in->n_timeline; i++) {
        const sp_sla_seg *g = &in->timeline[i];
        if (g->state != SP_STATE_DOWN)
            continue;
        /* The pieces of g outside control outages, in ascending order. */
        int64_t pos = g->start;
        while (ccur < control->n && control->v[ccur].end <= g->start)
            ccur++;
        size_t k = ccur;
        while (pos < g->end) {
            int64_t ps = pos, pe = g->end;
            if (k < control->n && control->v[k].start < g->end) {
                if (control->v[k].start <= pos) {
                    pos = control->v[k].end; /* inside an outage: skip it */
                    k++;
                    continue;
                }
                pe = control->v[k].start;
            }
            pos = pe;
            if (r.open && r.end == ps) {
                r.end = pe;
                r.last_seg = i;
                continue;
            }
            if (r.open && (st = emit_run(in, &r, eligible, &ecur, out)) != SP_OK)
                goto out;
            r = (run){.open = true, .start = ps, .end = pe, .first_seg = i, .last_seg = i};
        }
    }
    if (r.open && (st = emit_run(in, &r, eligible, &ecur, out)) != SP_OK)
        goto out;
out:
    return st;
}

/* --- The computation ----------------------------------------------------- */

/* The sets every second of the period is judged against, built once for
 * sp_sla_compute and sp_sla_classify so both cut time the same way. */
typedef struct sets {
    sp_sla_spans period, svc_in, service, maint_in, maint;
    sp_sla_spans eligible, control, measurable;
} sets;

static void sets_free(sets *x)
{
    sp_sla_spans_free(&x->period);
    sp_sla_spans_free(&x->svc_in);
    sp_sla_spans_free(&x->service);
    sp_sla_spans_free(&x->maint_in);
    sp_sla_spans_free(&x->maint);
    sp_sla_spans_free(&x->eligible);
    sp_sla_spans_free(&x->control);
    sp_sla_spans_free(&x->measurable);
}

/* period, service (within the period), maint (service seconds inside
 * maintenance), eligible (service minus maintenance), control (normal) and
 * measurable (eligible outside control outages). in is validated. */
static sp_status make_sets(const sp_sla_input *in, sets *x)
{
    sp_status st = SP_OK;
    /* Service hours within the period (24x7 when none are given). */
    if ((st = sp_sla_spans_push(&x->period, in->month_start, in->month_end)) != SP_OK)
        goto out;
    if (in->service == NULL) {
        if ((st = sp_sla_spans_push(&x->service, in->month_start, in->month_end)) != SP_OK)
            goto out;
    } else {
        for (size_t i = 0; i < in->n_service; i++)
            if ((st = sp_sla_spans_push(&x->svc_in, in->service[i].start, in->service[i].end)) !=
                SP_OK)
                goto out;
        /* The header promises sorted input; normalising anyway costs little
         * and keeps a careless caller from double-counting. */
        sp_sla_spans_normalize(&x->svc_in);
        if ((st = sp_sla_spans_intersect(&x->svc_in, &x->period, &x->service)) != SP_OK)
            goto out;
    }

    /* Maintenance counts only where it takes away service time. */
    for (size_t i = 0; i < in->n_maintenance; i++)
        if ((st = sp_sla_spans_push(&x->maint_in, in->maintenance[i].start,
                                    in->maintenance[i].end)) != SP_OK)
            goto out;
    sp_sla_spans_normalize(&x->maint_in);
    if ((st = sp_sla_spans_intersect(&x->service, &x->maint_in, &x->maint)) != SP_OK)
        goto out;
    if ((st = sp_sla_spans_subtract(&x->service, &x->maint_in, &x->eligible)) != SP_OK)
        goto out;

    for (size_t i = 0; i < in->n_control_down; i++)
        if ((st = sp_sla_spans_push(&x->control, in->control_down[i].start,
                                    in->control_down[i].end)) != SP_OK)
            goto out;
    sp_sla_spans_normalize(&x->control);
    /* Where DOWN counts against the vendor: eligible and our side working. */
    st = sp_sla_spans_subtract(&x->eligible, &x->control, &x->measurable);
out:
    return st;
}

sp_status sp_sla_compute(const sp_sla_input *in, sp_sla_result *out)
{
    sp_status st = SP_OK;
    sets x = {0};
    incidents inc = {0};
    double *rt = NULL;

    if (in == NULL || out == NULL)
        return SP_EINVAL;
    memset(out, 0, sizeof *out);
    if ((st = validate(in)) != SP_OK || (st = make_sets(in, &x)) != SP_OK)
        goto out;
    const sp_sla_spans *eligible = &x.eligible, *measurable = &x.measurable;

    out->period_s = in->month_end - in->month_start;
    out->service_s = sp_sla_spans_total(&x.service);
    out->maintenance_s = sp_sla_spans_total(&x.maint);
    out->eligible_s = sp_sla_spans_total(eligible);

    /* One pass over the timeline: UP is measured against the eligible set,
     * DOWN against the measurable one; every other eligible second (gaps,
     * UNKNOWN, DOWN in a control outage) is unknown. */
    size_t ecur = 0, mcur = 0;
    for (size_t i = 0; i < in->n_timeline; i++) {
        const sp_sla_seg *g = &in->timeline[i];
        if (g->state == SP_STATE_UP) {
            int64_t t = measure_in(eligible, &ecur, g->start, g->end);
            out->uptime_s += t;
            if (g->degraded)
                out->degraded_s += t;
        } else if (g->state == SP_STATE_DOWN) {
            int64_t t = measure_in(measurable, &mcur, g->start, g->end);
            out->downtime_s += t;
            out->downtime_by_class[sp_reason_class_of(g->reason)] += t;
        }
    }
    out->unknown_s = out->eligible_s - out->uptime_s - out->downtime_s;

    int64_t E = out->eligible_s, U = out->unknown_s, D = out->downtime_s;
    int64_t known = E - U;
    out->target_pct = in->target_pct;
    out->budget_s = (double)E * (100.0 - in->target_pct) / 100.0;
    out->budget_left_s = out->budget_s - (double)D;
    out->credit_tier = -1;
    out->credit_pct = 0.0;
    out->no_data = known == 0;
    if (out->no_data) {
        /* Availability is a share of measured time: none, no figure. Strict
         * availability and coverage are shares of eligible time (SPEC
         * section 4): with nothing measured both are 0 %, not unknown;
         * only a month with no eligible time at all has neither. */
        out->availability_pct = NAN;
        out->strict_availability_pct = out->coverage_pct = E > 0 ? 0.0 : NAN;
        out->met = false;
    } else {
        out->availability_pct = 100.0 * (double)(known - D) / (double)known;
        out->strict_availability_pct = 100.0 * (double)(known - D) / (double)E;
        out->coverage_pct = 100.0 * (double)known / (double)E;
        out->met = cmp_avail(known - D, known, in->target_pct) >= 0;
        /* Strictly below a tier's threshold earns its credit; of several,
         * the largest credit applies (tiers may come in any order). */
        for (size_t i = 0; i < in->n_tiers; i++) {
            if (cmp_avail(known - D, known, in->tiers[i].below_pct) >= 0)
                continue;
            if (out->credit_tier < 0 || in->tiers[i].credit_pct > out->credit_pct) {
                out->credit_tier = (int)i;
                out->credit_pct = in->tiers[i].credit_pct;
            }
        }
    }

    if (in->n_timeline > 0 && (st = find_incidents(in, &x.control, eligible, &inc)) != SP_OK)
        goto out;
    out->incidents = inc.v;
    out->n_incidents = inc.n;
    inc.v = NULL;
    out->mttr_s = out->mtbf_s = NAN;
    if (out->n_incidents > 0) {
        int64_t sum = 0;
        for (size_t i = 0; i < out->n_incidents; i++)
            sum += out->incidents[i].duration_s;
        out->mttr_s = (double)sum / (double)out->n_incidents;
        out->mtbf_s = (double)out->uptime_s / (double)out->n_incidents;
    }

    /* Response times: the input is const, so sort a copy; NaN (and any
     * other non-finite value) means "not measured". */
    out->rt_avg_ms = out->rt_p95_ms = NAN;
    if (in->n_rt > 0) {
        rt = malloc(in->n_rt * sizeof *rt);
        if (rt == NULL) {
            st = SP_ENOMEM;
            goto out;
        }
        size_t n = 0;
        for (size_t i = 0; i < in->n_rt; i++)
            if (isfinite(in->rt_ms[i]))
                rt[n++] = in->rt_ms[i];
        if (n > 0) {
            sp_summary sum;
            sp_stats_summarize(rt, n, &sum);
            out->rt_n = n;
            out->rt_avg_ms = sum.mean;
            out->rt_p95_ms = sum.p95;
        }
    }

out:
    if (st != SP_OK) {
        sp_sla_result_free(out);
        memset(out, 0, sizeof *out);
    }
    free(rt);
    free(inc.v);
    sets_free(&x);
    return st;
}

void sp_sla_result_free(sp_sla_result *r)
{
    if (r == NULL)
        return;
    free(r->incidents);
    r->incidents = NULL;
    r->n_incidents = 0;
}

/* --- Classifying every second ------------------------------------------- */

typedef struct band_list {
    sp_sla_band *v;
    size_t n, cap;
} band_list;

/* Append [s, e) of class c; one that continues the last band of the same
 * class is merged into it. */
static sp_status band_push(band_list *l, int64_t s, int64_t e, sp_sla_band_class c)
{
    if (s >= e)
        return SP_OK;
    if (l->n > 0 && l->v[l->n - 1].cls == c && l->v[l->n - 1].end == s) {
        l->v[l->n - 1].end = e;
        return SP_OK;
    }
    if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
        return SP_ENOMEM;
    l->v[l->n++] = (sp_sla_band){.start = s, .end = e, .cls = c};
    return SP_OK;
}

static sp_status band_push_spans(band_list *l, const sp_sla_spans *sp, sp_sla_band_class c)
{
    for (size_t i = 0; i < sp->n; i++)
        if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
            return SP_ENOMEM;
        else
            l->v[l->n++] = (sp_sla_band){.start = sp->v[i].start, .end = sp->v[i].end, .cls = c};
    return SP_OK;
}

/* DOWN over [s, e): inside a control outage it is our side that failed
 * (unknown, shown as such), elsewhere counted downtime. *ccur only moves
 * forward, as calls come in ascending order. */
static sp_status band_down(band_list *l, const sp_sla_spans *control, size_t *ccur, int64_t s,
                           int64_t e)
{
    sp_status st = SP_OK;
    while (*ccur < control->n && control->v[*ccur].end <= s)
        (*ccur)++;
    int64_t pos = s;
    for (size_t k = *ccur; k < control->n && control->v[k].start < e && pos < e; k++) {
        int64_t cs = control->v[k].start > pos ? control->v[k].start : pos;
        int64_t ce = control->v[k].end < e ? control->v[k].end : e;
        if ((st = band_push(l, pos, cs, SP_SLA_BAND_DOWN)) != SP_OK ||
            (st = band_push(l, cs, ce, SP_SLA_BAND_CONTROL)) != SP_OK)
            return st;
        pos = ce;
    }
    return band_push(l, pos, e, SP_SLA_BAND_DOWN);
}

/* The eligible spans walked against the timeline: both ascending, so one
 * cursor into each. A second no segment covers is unknown. */
static sp_status band_eligible(const sp_sla_input *in, const sets *x, band_list *l)
{
    sp_status st = SP_OK;
    size_t i = 0, ccur = 0;
    for (size_t k = 0; k < x->eligible.n; k++) {
        int64_t pos = x->eligible.v[k].start, end = x->eligible.v[k].end;
        while (pos < end) {
            while (i < in->n_timeline && in->timeline[i].end <= pos)
                i++;
            if (i == in->n_timeline || in->timeline[i].start >= end) {
                st = band_push(l, pos, end, SP_SLA_BAND_UNKNOWN);
                pos = end;
            } else if (in->timeline[i].start > pos) {
                st = band_push(l, pos, in->timeline[i].start, SP_SLA_BAND_UNKNOWN);
                pos = in->timeline[i].start;
            } else {
                const sp_sla_seg *g = &in->timeline[i];
                int64_t e = g->end < end ? g->end : end;
                if (g->state == SP_STATE_UP)
                    st = band_push(l, pos, e, SP_SLA_BAND_UP);
                else if (g->state == SP_STATE_DOWN)
                    st = band_down(l, &x->control, &ccur, pos, e);
                else
                    st = band_push(l, pos, e, SP_SLA_BAND_UNKNOWN);
                pos = e;
            }
            if (st != SP_OK)
                return st;
        }
    }
    return st;
}

static int cmp_band(const void *a, const void *b)
{
    const sp_sla_band *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

sp_status sp_sla_classify(const sp_sla_input *in, sp_sla_bands *out)
{
    sp_status st = SP_OK;
    sets x = {0};
    sp_sla_spans outside = {0};
    band_list l = {0};
    if (in == NULL || out == NULL)
        return SP_EINVAL;
    memset(out, 0, sizeof *out);
    if ((st = validate(in)) != SP_OK || (st = make_sets(in, &x)) != SP_OK ||
        (st = sp_sla_spans_subtract(&x.period, &x.service, &outside)) != SP_OK)
        goto out;
    /* outside, maintenance and eligible partition the period: each is
     * listed in order, then the three are merged by start */
    if ((st = band_push_spans(&l, &outside, SP_SLA_BAND_OUTSIDE)) != SP_OK ||
        (st = band_push_spans(&l, &x.maint, SP_SLA_BAND_MAINTENANCE)) != SP_OK ||
        (st = band_eligible(in, &x, &l)) != SP_OK)
        goto out;
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, cmp_band);
    size_t w = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (w > 0 && l.v[w - 1].cls == l.v[i].cls && l.v[w - 1].end == l.v[i].start)
            l.v[w - 1].end = l.v[i].end;
        else
            l.v[w++] = l.v[i];
    }
    l.n = w;
    for (size_t i = 0; i < l.n; i++)
        out->total_s[l.v[i].cls] += l.v[i].end - l.v[i].start;
    out->v = l.v;
    out->n = l.n;
    l.v = NULL;
out:
    free(l.v);
    sp_sla_spans_free(&outside);
    sets_free(&x);
    return st;
}

void sp_sla_bands_free(sp_sla_bands *b)
{
    if (b == NULL)
        return;
    free(b->v);
    memset(b, 0, sizeof *b);
}
