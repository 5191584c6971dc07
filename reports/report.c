/*
 * Building the monthly report: everything that reads files for it (RRD,
 * journal) is here, so the arithmetic (sla.c) and the renderers stay
 * free of I/O. See report.h.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/sp_grow.h"
#include "common/sp_value.h"
#include "calendar/calendar.h"
#include "sla/spans.h"
#include "sla/timeline.h"
#include "journal/journal.h"
#include "journal/lines.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

/* A DOWN alert delivered, from the journal: the incident's first failed
 * probe (the state change's since) and when the alert went out. */
typedef struct notice {
    int64_t since_ms, sent_ms;
} notice;

typedef struct notices {
    notice *v;
    size_t n, cap;
} notices;

typedef struct changes {
    sp_sla_change *v;
    size_t n, cap;
} changes;

/* What one target's files say about the period, before the arithmetic. */
typedef struct gathered {
    sp_sla_seg *segs;
    size_t n_segs;
    size_t cap_segs;
    double *rt;    /* total_ms of each step with one */
    int64_t *rt_t; /* ... and the start of that step */
    size_t n_rt, cap_rt, cap_rt_t;
    /* From the journal, which is read first: its stops shape how rows are
     * read, its store_error ranges cut the timeline. */
    changes ch;     /* state changes and imported incidents, for reasons */
    notices nt;     /* DOWN alerts delivered */
    int64_t *stops; /* settled_ms of stop markers, in Unix seconds */
    size_t n_stops, cap_stops;
    sp_sla_spans cut; /* store_error ranges over the gathered time */
} gathered;

static void gathered_free(gathered *g)
{
    free(g->segs);
    free(g->rt);
    free(g->rt_t);
    free(g->ch.v);
    free(g->nt.v);
    free(g->stops);
    sp_sla_spans_free(&g->cut);
    memset(g, 0, sizeof *g);
}

/* Room for one more element in the growable array v (n used, cap
 * allocated): false when memory ran out. */
#define GROW(v, n, cap) (sp_grow((void **)&(v), &(cap), (n) + 1, sizeof *(v)) == SP_OK)

/* --- RRD ---------------------------------------------------------------- */

/* segs[0..n) clipped to [from, to) appended to g: the parts a period is
 * read in must not overlap. */
static sp_status add_clipped(gathered *g, const sp_sla_seg *segs, size_t n, int64_t from,
                             int64_t to)
{
    if (sp_grow((void **)&g->segs, &g->cap_segs, g->n_segs + n + 1, sizeof *g->segs) != SP_OK)
        return SP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        sp_sla_seg x = segs[i];
        if (x.start < from)
            x.start = from;
        if (x.end > to)
            x.end = to;
        if (x.start < x.end)
            g->segs[g->n_segs++] = x;
    }
    return SP_OK;
}

/* Steps of (from, to] from the rows file's one-step archive, appended to
 * g as segments clipped to [from, to), a stop's settled row cut short at
 * the stop. *res gets the step the file gave (another than the target's,
 * for a file made elsewhere: then rows are taken as they are). */
static sp_status fetch_part(const sp_report *r, sp_report_target *t, gathered *g, int64_t from,
                            int64_t to, long *res, char *err, size_t errlen)
{
    long step = (long)(t->cfg->interval_ms / 1000);
    sp_store_series s;
    sp_status st = sp_store_rrd_fetch(r->cfg->rrdcached, t->rrd_path, "AVERAGE", (time_t)from,
                                      (time_t)to, step, &s, err, errlen);
    if (st != SP_OK)
        return st;
    int iu = sp_store_series_ds(&s, "up"), id = sp_store_series_ds(&s, "degraded"),
        it = sp_store_series_ds(&s, "total_ms");
    double *up = NULL, *deg = NULL, *rt = NULL;
    int64_t *rt_t = NULL;
    sp_sla_seg *segs = NULL;
    size_t n = 0;
    if (iu < 0 || id < 0 || it < 0) {
        snprintf(err, errlen, "%s: not a slaprobe RRD (no up/degraded/total_ms)", t->rrd_path);
        st = SP_EIO;
        goto out;
    }
    up = malloc((s.rows + 1) * sizeof *up);
    deg = malloc((s.rows + 1) * sizeof *deg);
    if (sp_grow((void **)&g->rt, &g->cap_rt, g->n_rt + s.rows + 1, sizeof *g->rt) == SP_OK)
        rt = g->rt;
    if (sp_grow((void **)&g->rt_t, &g->cap_rt_t, g->n_rt + s.rows + 1, sizeof *g->rt_t) == SP_OK)
        rt_t = g->rt_t;
    if (!up || !deg || !rt || !rt_t) {
        st = SP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < s.rows; i++) {
        const double *row = s.data + i * s.n_ds;
        up[i] = row[iu];
        deg[i] = row[id];
        int64_t row_start = (int64_t)s.start + (int64_t)i * (int64_t)s.step;
        if (!isnan(row[it]) && !isnan(row[iu]) && row_start >= from && row_start < to) {
            g->rt_t[g->n_rt] = row_start;
            g->rt[g->n_rt++] = row[it];
        }
    }
    *res = (long)s.step;
    bool settle = (long)s.step == step;
    if ((st = sp_sla_timeline_settled(up, deg, s.rows, (int64_t)s.start, (long)s.step,
                                      settle ? g->stops : NULL, settle ? g->n_stops : 0, &segs,
                                      &n)) != SP_OK)
        goto out;
    st = add_clipped(g, segs, n, from, to);
out:
    free(up);
    free(deg);
    free(segs);
    sp_store_series_free(&s);
    return st;
}

/* Hours of [from, to) (whole hours) from the hours file beside the rows
 * file (docs/STORAGE.md): the part of the period older than the rows
 * file's reach. Each hour's seconds UP, DOWN and degraded are exact; its
 * response times come back as its mean, once for each step it is of, so
 * the period's mean stays exact and its p95 is of hourly means. A missing
 * hours file is a period without data, as a missing rows file is. */
static sp_status fetch_hours(const sp_report *r, sp_report_target *t, gathered *g, int64_t from,
                             int64_t to, char *err, size_t errlen)
{
    char hist[4200];
    struct stat sb;
    if (!sp_store_hist_path(t->rrd_path, hist, sizeof hist) || stat(hist, &sb) != 0)
        return SP_OK;
    sp_store_series s;
    sp_status st = sp_store_rrd_fetch(r->cfg->rrdcached, hist, "AVERAGE", (time_t)from, (time_t)to,
                                      SP_STORE_HIST_STEP, &s, err, errlen);
    if (st != SP_OK)
        return st;
    int iu = sp_store_series_ds(&s, "up_s"), id = sp_store_series_ds(&s, "down_s"),
        ig = sp_store_series_ds(&s, "degraded_s"), it = sp_store_series_ds(&s, "total_ms"),
        in = sp_store_series_ds(&s, "total_n");
    double *v = NULL;
    sp_sla_seg *segs = NULL;
    size_t n = 0;
    if (iu < 0 || id < 0 || ig < 0 || it < 0 || in < 0 || s.step != SP_STORE_HIST_STEP) {
        snprintf(err, errlen, "%s: not a slaprobe hours file", hist);
        st = SP_EIO;
        goto out;
    }
    if (!(v = malloc((3 * s.rows + 1) * sizeof *v))) {
        st = SP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < s.rows; i++) {
        const double *row = s.data + i * s.n_ds;
        v[i] = row[iu];
        v[s.rows + i] = row[id];
        v[2 * s.rows + i] = row[ig];
        int64_t row_start = (int64_t)s.start + (int64_t)i * SP_STORE_HIST_STEP;
        double cnt = row[in];
        if (isnan(row[it]) || isnan(cnt) || cnt < 1 || row_start < from || row_start >= to)
            continue;
        size_t k = (size_t)llround(cnt);
        if (sp_grow((void **)&g->rt, &g->cap_rt, g->n_rt + k + 1, sizeof *g->rt) != SP_OK ||
            sp_grow((void **)&g->rt_t, &g->cap_rt_t, g->n_rt + k + 1, sizeof *g->rt_t) != SP_OK) {
            st = SP_ENOMEM;
            goto out;
        }
        for (size_t j = 0; j < k; j++) {
            g->rt_t[g->n_rt] = row_start;
            g->rt[g->n_rt++] = row[it];
        }
    }
    if ((st = sp_sla_timeline_hours(v, v + s.rows, v + 2 * s.rows, s.rows, (int64_t)s.start, &segs,
                                    &n)) != SP_OK)
        goto out;
    st = add_clipped(g, segs, n, from, to);
out:
    free(v);
    free(segs);
    sp_store_series_free(&s);
    return st;
}

/* The month at the best resolution the file has for each part of it.
 * librrd's fetch takes one archive for the whole range, the one that
 * covers most of it; with a short full-resolution retention that is a
 * coarse archive whose current row is not even consolidated yet. So the
 * part the full-resolution archive still holds is read from it, and only
 * what is older from whatever covers it. */
static sp_status read_rrd(const sp_report *r, sp_report_target *t, gathered *g, char *err,
                          size_t errlen)
{
    struct stat sb;
    if (stat(t->rrd_path, &sb) != 0) {
        t->has_rrd = false; /* never probed nor imported: no data, said so */
        return SP_OK;
    }
    t->has_rrd = true;
    /* The reach of the file's own one-step archive, not the one the
     * configuration would give a new file: the file may have been made
     * with another retention (a central store's, an older configuration).
     * What is older comes from the hours file, in whole hours: the
     * boundary is moved up to the next hour so that no hour is read from
     * both. (head flushes rrdcached first.) */
    long res = 0, step = 0, full_rows = 0;
    time_t last_t = 0;
    sp_status st =
        sp_store_rrd_head(r->cfg->rrdcached, t->rrd_path, &step, &last_t, &full_rows, err, errlen);
    if (st != SP_OK)
        return st;
    int64_t last = (int64_t)last_t;
    int64_t fine_from = last - (int64_t)(full_rows - 1) * step;
    fine_from = (fine_from + step - 1) / step * step; /* the archive's rows are aligned */
    if (fine_from > r->start)
        fine_from = (fine_from + SP_STORE_HIST_STEP - 1) / SP_STORE_HIST_STEP * SP_STORE_HIST_STEP;
    if (fine_from < r->start)
        fine_from = r->start;
    if (fine_from > r->until)
        fine_from = r->until;
    bool coarse = fine_from > r->start;
    if (coarse && (st = fetch_hours(r, t, g, r->start, fine_from, err, errlen)) != SP_OK)
        return st;
    if (fine_from < r->until &&
        (st = fetch_part(r, t, g, fine_from, r->until, &res, err, errlen)) != SP_OK)
        return st;
    /* The coarsest step used is what the figures can be trusted to. */
    long res_old = coarse ? SP_STORE_HIST_STEP : 0;
    t->resolution_s = res > res_old ? res : res_old;
    t->fine_from = fine_from;
    t->fine_s = res;
    t->coarse_s = res_old;
    return SP_OK;
}

/* --- Journal ------------------------------------------------------------ */

/* Unix ms beyond the year 9999 is no time a journal line can mean: such a
 * field is ignored rather than let near the arithmetic (overflow). An
 * absent field (SP_JOURNAL_NO_MS) is below any min. */
#define MAX_MS INT64_C(253402300800000)

static bool in_range(int64_t v, int64_t min)
{
    return v >= min && v <= MAX_MS;
}

/* Unix seconds of a time the journal gives as ms, or else as ISO text
 * (older lines); INT64_MIN when it gives neither. */
static int64_t secs(int64_t ms, const char *iso)
{
    if (ms != SP_JOURNAL_NO_MS)
        return ms / 1000;
    return iso && sp_value_timestamp_ms(iso, &ms) ? ms / 1000 : INT64_MIN;
}

static sp_status add_change(const sp_report *r, gathered *g, int64_t since, sp_state to,
                            sp_reason why)
{
    if (since == INT64_MIN || since >= r->until)
        return SP_OK;
    if (!GROW(g->ch.v, g->ch.n, g->ch.cap))
        return SP_ENOMEM;
    g->ch.v[g->ch.n++] = (sp_sla_change){since, to, why};
    return SP_OK;
}

static sp_status on_state(const sp_report *r, const sp_journal_state *ev, gathered *g)
{
    return add_change(r, g, secs(ev->since_ms, ev->since), ev->to, ev->reason);
}

/* An import of history: counted for the evidence, and its incidents (runs
 * of imported steps with up < 1, [from, to) in Unix seconds, with the
 * reason of the CSV's cause column) become changes, so imported outages
 * carry their reasons like the daemon's. A run that starts where the one
 * before ended continues the same outage (only its cause changed), which
 * keeps the reason it began with, as the daemon's incidents do. */
static sp_status on_import(const sp_report *r, const sp_journal_line *ev, sp_report_target *t,
                           gathered *g)
{
    int64_t from = secs(SP_JOURNAL_NO_MS, ev->import.from);
    int64_t to = secs(SP_JOURNAL_NO_MS, ev->import.to);
    if (from != INT64_MIN && to != INT64_MIN && from < r->until && to > r->start)
        t->n_imports++;
    int64_t up_at = INT64_MIN; /* the end of the run before, not yet added */
    sp_status st = SP_OK;
    for (size_t k = 0; k < ev->import.n_incidents; k++) {
        sp_journal_incident x;
        sp_journal_import_incident(ev, k, &x);
        if (x.from == SP_JOURNAL_NO_MS || x.to == SP_JOURNAL_NO_MS || x.to <= x.from)
            continue;
        if (x.from != up_at &&
            ((st = add_change(r, g, up_at, SP_STATE_UP, SP_REASON_OK)) != SP_OK ||
             (st = add_change(r, g, x.from, SP_STATE_DOWN, x.reason)) != SP_OK))
            return st;
        up_at = x.to;
    }
    return add_change(r, g, up_at, SP_STATE_UP, SP_REASON_OK);
}

/* A stop marker: the daemon settled its rows up to settled_ms, the row of
 * that step describing the time before it only (absent in older
 * journals). */
static sp_status on_stop(const sp_journal_stop *ev, gathered *g)
{
    if (!in_range(ev->settled_ms, 0))
        return SP_OK;
    if (!GROW(g->stops, g->n_stops, g->cap_stops))
        return SP_ENOMEM;
    /* whole seconds, to the nearest, as timeline.c rounds a row's fraction:
     * each edge of an outage is then within half a second, its duration
     * within one. Rounded down, a stop 0.75 s into a second and a first
     * failure whose part of its step rounds away lost 1.25 s together
     * (test_report_edges). */
    g->stops[g->n_stops++] = (ev->settled_ms + 500) / 1000;
    return SP_OK;
}

/* Rows the daemon could not store, [from_ms, to_ms): forced to unknown
 * over the gathered time [from, r->until), listed over the period. */
static sp_status on_store_error(const sp_report *r, int64_t from, const sp_journal_store_error *ev,
                                sp_report_target *t, size_t *cap, gathered *g, sp_sla_spans *listed)
{
    int64_t a = ev->from_ms, b = ev->to_ms;
    if (!in_range(a, 0) || !in_range(b, 0) || b <= a)
        return SP_OK;
    int64_t s = a / 1000, e = (b + 999) / 1000; /* every second it touches */
    sp_status st = sp_sla_spans_push(&g->cut, s > from ? s : from, e < r->until ? e : r->until);
    int64_t ps = s > r->start ? s : r->start, pe = e < r->until ? e : r->until;
    if (st != SP_OK || ps >= pe)
        return st;
    if (!GROW(t->not_stored, t->n_not_stored, *cap))
        return SP_ENOMEM;
    sp_report_not_stored *ns = &t->not_stored[t->n_not_stored];
    memset(ns, 0, sizeof *ns);
    ns->start = ps;
    ns->end = pe;
    snprintf(ns->cause, sizeof ns->cause, "%s", ev->cause && *ev->cause ? ev->cause : "other");
    if (ev->detail && *ev->detail && !(ns->detail = strdup(ev->detail)))
        return SP_ENOMEM;
    t->n_not_stored++;
    return sp_sla_spans_push(listed, ps, pe);
}

/* A wall-clock jump seen in the period, dated by the clock after it. */
static sp_status on_clock_jump(const sp_report *r, const sp_journal_line *ev, sp_report_target *t,
                               size_t *cap)
{
    int64_t d = ev->clock_jump.jump_ms, at = ev->clock_jump.after_ms;
    if (!in_range(at, 0))
        at = ev->t_ms;
    if (!in_range(d, -MAX_MS) || !in_range(at, 0))
        return SP_OK;
    if (at / 1000 < r->start || at / 1000 >= r->until)
        return SP_OK;
    if (!GROW(t->clock_jumps, t->n_clock_jumps, *cap))
        return SP_ENOMEM;
    t->clock_jumps[t->n_clock_jumps++] = (sp_report_clock_jump){at, d};
    return SP_OK;
}

/* Everything the journal says for the report: reasons, alerts delivered,
 * settled stops and store_error ranges over the gathered time [from,
 * r->until); for the evidence, the chain's state, clock records, imports,
 * ranges not stored and clock jumps in the period. A missing journal is
 * not an error (imported history may have none). */
static sp_status read_journal(const sp_report *r, int64_t from, sp_report_target *t, gathered *g)
{
    char err[512];
    sp_journal_report rep;
    FILE *fp = fopen(t->journal_path, "re");
    if (!fp) {
        t->journal_present = false;
        return SP_OK;
    }
    t->journal_present = true;
    if (sp_journal_verify(t->journal_path, &rep, err, sizeof err) == SP_OK) {
        t->journal_lines = rep.lines;
        t->journal_bad_line = rep.first_bad;
        snprintf(t->journal_problem, sizeof t->journal_problem, "%s", rep.problem);
    } else {
        t->journal_bad_line = -1;
        snprintf(t->journal_problem, sizeof t->journal_problem, "%s", err);
    }
    int clock_before = -1, clock_in = -1; /* last state before; worst state inside */
    sp_sla_spans listed = {0};
    size_t cap_ns = 0, cap_cj = 0;
    char *line = NULL;
    size_t cap = 0;
    sp_status st = SP_OK;
    while (st == SP_OK && getline(&line, &cap, fp) != -1) {
        json_t *ev = json_loads(line, 0, NULL);
        if (!ev)
            continue; /* a torn tail; verify has said so */
        sp_journal_line l;
        int64_t when;
        /* a line of no type we know is not one of ours; verify has judged
         * the chain */
        switch (sp_journal_read_line(ev, &l)) {
        case SP_JOURNAL_STATE:
            st = on_state(r, &l.state, g);
            break;
        case SP_JOURNAL_CLOCK:
            if ((when = secs(l.t_ms, l.time)) == INT64_MIN)
                break;
            if (when < r->start)
                clock_before = l.clock.synchronised;
            else if (when < r->until)
                clock_in = clock_in == -1 ? l.clock.synchronised
                                          : (clock_in && l.clock.synchronised);
            break;
        case SP_JOURNAL_ALERT:
            if (!l.alert.sent || strcmp(l.alert.event ?: "", "down") != 0 ||
                l.alert.since_ms == SP_JOURNAL_NO_MS || l.t_ms == SP_JOURNAL_NO_MS)
                break;
            if (GROW(g->nt.v, g->nt.n, g->nt.cap))
                g->nt.v[g->nt.n++] = (notice){l.alert.since_ms, l.t_ms};
            else
                st = SP_ENOMEM;
            break;
        case SP_JOURNAL_IMPORT:
            st = on_import(r, &l, t, g);
            break;
        case SP_JOURNAL_STOP:
        case SP_JOURNAL_REMOVED:
            st = on_stop(&l.stop, g);
            break;
        case SP_JOURNAL_STORE_ERROR:
            st = on_store_error(r, from, &l.store_error, t, &cap_ns, g, &listed);
            break;
        case SP_JOURNAL_CLOCK_JUMP:
            st = on_clock_jump(r, &l, t, &cap_cj);
            break;
        default:
            break;
        }
        json_decref(ev);
    }
    free(line);
    fclose(fp);
    sp_sla_spans_normalize(&listed);
    t->not_stored_s = sp_sla_spans_total(&listed);
    sp_sla_spans_free(&listed);
    sp_sla_spans_normalize(&g->cut);
    if (clock_before == -1)
        t->clock_synced = clock_in;
    else if (clock_in == -1)
        t->clock_synced = clock_before;
    else
        t->clock_synced = clock_before && clock_in;
    return st;
}

/* Give each incident the first DOWN alert delivered for it: the alert's
 * since is the incident's first failed probe, which the incident's start
 * (at the resolution of the archive) rounds to within one step. */
static sp_status match_notices(sp_report_target *t, const notices *nt)
{
    size_t n = t->sla.n_incidents;
    if (!n)
        return SP_OK;
    t->notified_ms = calloc(n, sizeof *t->notified_ms);
    t->notify_delay_s = malloc(n * sizeof *t->notify_delay_s);
    if (!t->notified_ms || !t->notify_delay_s)
        return SP_ENOMEM;
    int64_t slack = t->resolution_s > 0 ? t->resolution_s : 1;
    for (size_t k = 0; k < n; k++) {
        const sp_sla_incident *in = &t->sla.incidents[k];
        t->notify_delay_s[k] = NAN;
        for (size_t i = 0; i < nt->n; i++) {
            int64_t since = nt->v[i].since_ms / 1000;
            if (since < in->start - slack || since > in->end)
                continue;
            if (!t->notified_ms[k] || nt->v[i].sent_ms < t->notified_ms[k]) {
                t->notified_ms[k] = nt->v[i].sent_ms;
                t->notify_delay_s[k] = (double)(nt->v[i].sent_ms - nt->v[i].since_ms) / 1000.0;
            }
        }
    }
    return SP_OK;
}

/* --- Building ----------------------------------------------------------- */

static void target_free(sp_report_target *t)
{
    for (size_t k = 0; k < t->n_vantages; k++)
        target_free(&t->vantages[k]);
    free(t->vantages);
    for (size_t k = 0; t->qincidents && k < t->sla.n_incidents; k++)
        free(t->qincidents[k].downs);
    free(t->qincidents);
    free(t->partial);
    sp_sla_result_free(&t->sla);
    sp_sla_bands_free(&t->bands);
    sp_sla_result_free(&t->window);
    for (size_t k = 0; k < t->n_days; k++)
        sp_sla_result_free(&t->days[k].sla);
    free(t->days);
    free(t->rrd_path);
    free(t->journal_path);
    free(t->notified_ms);
    free(t->notify_delay_s);
    for (size_t k = 0; k < t->n_not_stored; k++)
        free(t->not_stored[k].detail);
    free(t->not_stored);
    free(t->clock_jumps);
    for (size_t k = 0; k < t->n_rows_problems; k++)
        free(t->rows_problems[k].text);
    free(t->rows_problems);
    memset(t, 0, sizeof *t);
}

/* Response times of steps inside spans (normal) are dropped with them:
 * what was not stored is not a measurement. rt_t is ascending. */
static void drop_rt(gathered *g, const sp_sla_spans *spans)
{
    size_t w = 0, k = 0;
    for (size_t i = 0; i < g->n_rt; i++) {
        while (k < spans->n && spans->v[k].end <= g->rt_t[i])
            k++;
        if (k < spans->n && spans->v[k].start <= g->rt_t[i])
            continue;
        g->rt[w] = g->rt[i];
        g->rt_t[w++] = g->rt_t[i];
    }
    g->n_rt = w;
}

/* The RRD against the journal over the period (storage/rowcheck.h): every
 * rows line re-hashed, uncovered values, incidents the rows contradict. */
static sp_status check_rows(const sp_report *r, sp_report_target *t)
{
    sp_store_rowcheck c;
    t->rows_checked = true;
    sp_status st = sp_store_rowcheck_run(r->cfg->rrdcached, t->rrd_path, t->journal_path, r->start,
                                         r->until, &c, t->rows_error, sizeof t->rows_error);
    if (st != SP_OK) {
        t->rows_disagree = true; /* not compared: not evidence either */
        sp_store_rowcheck_free(&c);
        return st == SP_ENOMEM ? st : SP_OK;
    }
    t->rows_error[0] = '\0';
    t->rows_disagree = sp_store_rowcheck_failed(&c);
    t->rows_lines = c.lines;
    t->rows_ok = c.checked;
    t->rows_differ = c.mismatching;
    t->rows_not_checkable = c.not_checkable;
    t->rows_recovered = c.recovered;
    t->rows_uncovered_steps = c.uncovered_steps;
    t->rows_contradicting_steps = c.incident_steps;
    st = SP_OK;
    if (c.n && !(t->rows_problems = calloc(c.n, sizeof *t->rows_problems)))
        st = SP_ENOMEM;
    for (size_t k = 0; st == SP_OK && k < c.n; k++) {
        sp_report_rows_problem *p = &t->rows_problems[t->n_rows_problems++];
        p->note = c.p[k].kind == SP_ROWCHECK_UNCHECKABLE || c.p[k].kind == SP_ROWCHECK_RECOVERED ||
                  c.p[k].kind == SP_ROWCHECK_BEFORE;
        if (!(p->text = strdup(c.p[k].text)))
            st = SP_ENOMEM;
    }
    sp_store_rowcheck_free(&c);
    return st;
}

/* Recovery before a new outage at the same second: reasons then see the
 * outage as the last change. */
static int cmp_change(const void *a, const void *b)
{
    const sp_sla_change *x = a, *y = b;
    if (x->since != y->since)
        return (x->since > y->since) - (x->since < y->since);
    return (x->to == SP_STATE_DOWN) - (y->to == SP_STATE_DOWN);
}

/* Everything one target's files say over [rg->start, rg->until), r being
 * the report period: the journal first (its stops decide how rows are
 * read), then the RRD, then the journal's corrections to the timeline:
 * ranges not stored forced to unknown, reasons on DOWN segments. */
static sp_status gather(const sp_report *r, const sp_report *rg, sp_report_target *t, gathered *g,
                        char *err, size_t errlen)
{
    sp_status st = read_journal(r, rg->start, t, g);
    if (st == SP_OK)
        st = read_rrd(rg, t, g, err, errlen);
    if (st != SP_OK)
        return st;
    if (g->cut.n) {
        sp_sla_seg *segs;
        size_t n;
        if ((st = sp_sla_timeline_cut(g->segs, g->n_segs, g->cut.v, g->cut.n, &segs, &n)) != SP_OK)
            return st;
        free(g->segs);
        g->segs = segs;
        g->n_segs = g->cap_segs = n; /* the capacity is the new array's */
        drop_rt(g, &g->cut);
    }
    if (g->ch.n)
        qsort(g->ch.v, g->ch.n, sizeof *g->ch.v, cmp_change);
    sp_sla_timeline_reasons(g->segs, g->n_segs, g->ch.v, g->ch.n);
    return SP_OK;
}

/* The SLA arithmetic of target c over [from, until) on its gathered
 * timeline: a month for the report, a day for the status page. bands (may
 * be NULL: the days of the live view draw none) gets the same seconds by
 * class, for the graphs. */
static sp_status compute(const sp_cfg *cfg, const sp_cfg_target *c, int64_t from, int64_t until,
                         const gathered *g, const sp_sla_span *control_down, size_t n_control_down,
                         sp_sla_result *out, sp_sla_bands *bands, sp_report_peak *peak, char *err,
                         size_t errlen)
{
    sp_cal_hours *hours = NULL;
    sp_sla_span *service = NULL;
    sp_sla_window *maint = NULL;
    double *rt = NULL;
    size_t n_service = 0, n_rt = 0;
    char herr[256];
    sp_status st = sp_cal_hours_parse(c->service_hours, (const char *const *)c->holidays,
                                      c->n_holidays, &hours, herr, sizeof herr);
    if (st != SP_OK) {
        snprintf(err, errlen, "target %s: service_hours: %s", c->id, herr);
        goto out;
    }
    bool always = sp_cal_hours_always(hours);
    if (!always && (st = sp_cal_hours_spans(hours, cfg->timezone, from, until, &service,
                                            &n_service)) != SP_OK) {
        snprintf(err, errlen, "target %s: cannot lay out service hours: %s", c->id,
                 sp_strerror(st));
        goto out;
    }
    if ((c->n_maintenance && !(maint = calloc(c->n_maintenance, sizeof *maint))) ||
        !(rt = malloc((g->n_rt + 1) * sizeof *rt))) {
        st = SP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c->n_maintenance; i++)
        maint[i] = (sp_sla_window){c->maintenance[i].start_ms / 1000,
                                   c->maintenance[i].end_ms / 1000, c->maintenance[i].reason};
    if (peak)
        *peak = (sp_report_peak){.ms = NAN, .t = 0};
    for (size_t i = 0; i < g->n_rt; i++)
        if (g->rt_t[i] >= from && g->rt_t[i] < until) {
            rt[n_rt++] = g->rt[i];
            if (peak && isfinite(g->rt[i]) && !(g->rt[i] <= peak->ms))
                *peak = (sp_report_peak){.ms = g->rt[i], .t = g->rt_t[i]};
        }
    sp_sla_input in = {
        .month_start = from,
        .month_end = until,
        .service = always ? NULL : service,
        .n_service = n_service,
        .maintenance = maint,
        .n_maintenance = c->n_maintenance,
        .timeline = g->segs,
        .n_timeline = g->n_segs,
        .control_down = c->is_control ? NULL : control_down,
        .n_control_down = c->is_control ? 0 : n_control_down,
        .target_pct = c->sla_target,
        .tiers = c->credits,
        .n_tiers = c->n_credits,
        .rt_ms = rt,
        .n_rt = n_rt,
    };
    /* sp_sla_seg lists from an RRD are valid by construction; an SP_EINVAL
     * here would be our bug, so say so plainly. */
    if ((st = sp_sla_compute(&in, out)) != SP_OK ||
        (bands && (st = sp_sla_classify(&in, bands)) != SP_OK))
        snprintf(err, errlen, "target %s: SLA arithmetic refused its input: %s", c->id,
                 sp_strerror(st));
out:
    free(rt);
    free(maint);
    free(service);
    sp_cal_hours_destroy(hours);
    return st;
}

/* The state at the end of the timeline (at until) and since when; UNKNOWN
 * when the last measurement is older than two steps. */
static void current_state(const gathered *g, int64_t until, long step, sp_report_target *t)
{
    t->state = SP_STATE_UNKNOWN;
    t->state_since = until;
    if (!g->n_segs || g->segs[g->n_segs - 1].end < until - 2 * step)
        return;
    size_t i = g->n_segs - 1;
    sp_state s = g->segs[i].state;
    while (i > 0 && g->segs[i - 1].state == s && g->segs[i - 1].end == g->segs[i].start)
        i--;
    t->state = s;
    t->state_since = g->segs[i].start;
}

/* Steps measured (UP or DOWN) in [from, to): the checks the grid ran. */
static long checks_in(const gathered *g, int64_t from, int64_t to, long step)
{
    int64_t sec = 0;
    for (size_t i = 0; i < g->n_segs; i++) {
        int64_t s = g->segs[i].start > from ? g->segs[i].start : from;
        int64_t e = g->segs[i].end < to ? g->segs[i].end : to;
        if (s < e && g->segs[i].state != SP_STATE_UNKNOWN)
            sec += e - s;
    }
    return step > 0 ? (long)((sec + step / 2) / step) : 0;
}

static sp_status live_days(const sp_report *r, sp_report_target *t, const gathered *g,
                           const sp_sla_span *cdown, size_t n_cdown, int n_days, char *err,
                           size_t errlen)
{
    sp_status st;
    if (!(t->days = calloc((size_t)n_days, sizeof *t->days)))
        return SP_ENOMEM;
    long step = (long)(t->cfg->interval_ms / 1000);
    for (int k = 0; k < n_days; k++) {
        sp_report_day *d = &t->days[k];
        if ((st = sp_cal_day_bounds(r->cfg->timezone, r->until, n_days - 1 - k, &d->start,
                                    &d->end)) != SP_OK ||
            (st = sp_cal_local_date(r->cfg->timezone, d->start, d->date, sizeof d->date)) !=
                SP_OK) {
            snprintf(err, errlen, "cannot lay out the days before now in %s", r->cfg->timezone);
            return st;
        }
        int64_t end = d->end < r->until ? d->end : r->until; /* today: up to now */
        if ((st = compute(r->cfg, t->cfg, d->start, end, g, cdown, n_cdown, &d->sla, NULL, NULL,
                          err, errlen)) != SP_OK)
            return st;
        d->checks = checks_in(g, d->start, end, step);
        t->n_days++;
    }
    if ((st = compute(r->cfg, t->cfg, t->days[0].start, r->until, g, cdown, n_cdown, &t->window,
                      NULL, NULL, err, errlen)) != SP_OK)
        return st;
    current_state(g, r->until, step, t);
    return SP_OK;
}

/* --- Several vantages (SPEC section 10) --------------------------------- */

/* The report side of several vantages: the configuration lists vantages
 * and is not itself one of them (a vantage reports on its own files as a
 * single host does). */
static bool quorum_mode(const sp_cfg *cfg)
{
    return cfg->n_vantages > 0 && !cfg->vantage;
}

/* Index of v in the configuration's vantages (every target's vantage is
 * one of them: the configuration checked it). */
static size_t vantage_index(const sp_cfg *cfg, const char *v)
{
    size_t i = 0;
    while (i + 1 < cfg->n_vantages && strcmp(cfg->vantages[i], v) != 0)
        i++;
    return i;
}

/* t's views from each of its vantages, each gathered from
 * <root>/<vantage>/<id>.* as a single host's target is; *gvp (one
 * gathered per vantage) is the caller's to free. */
static sp_status gather_vantages(const sp_report *r, const sp_report *rg, sp_report_target *t,
                                 gathered **gvp, char *err, size_t errlen)
{
    const sp_cfg_target *c = t->cfg;
    size_t n = c->n_vantages;
    t->quorum = (unsigned)c->quorum;
    if (!(t->vantages = calloc(n, sizeof *t->vantages)) || !(*gvp = calloc(n, sizeof **gvp)))
        return SP_ENOMEM;
    t->n_vantages = n;
    for (size_t k = 0; k < n; k++) {
        sp_report_target *v = &t->vantages[k];
        char dir[4096];
        v->cfg = c;
        v->vantage = c->vantages[k];
        v->clock_synced = -1;
        v->last_update = v->lag_s = -1;
        v->rrd_path = malloc(4096);
        v->journal_path = malloc(4096);
        if (!v->rrd_path || !v->journal_path)
            return SP_ENOMEM;
        sp_cfg_vantage_dir(r->cfg, v->vantage, dir, sizeof dir);
        sp_store_paths(dir, c->id, v->rrd_path, v->journal_path, 4096);
        sp_status st = gather(r, rg, v, &(*gvp)[k], err, errlen);
        if (st != SP_OK)
            return st;
        /* replication lag: how far the file (flushed by read_rrd) is
         * behind the period's end */
        time_t last = v->has_rrd ? sp_store_rrd_last(v->rrd_path) : 0;
        if (last > 0) {
            v->last_update = (int64_t)last;
            v->lag_s = r->until > (int64_t)last ? r->until - (int64_t)last : 0;
        }
    }
    return SP_OK;
}

static void gathered_free_n(gathered *gv, size_t n)
{
    for (size_t k = 0; gv && k < n; k++)
        gathered_free(&gv[k]);
    free(gv);
}

/* The vantage's own control outages, or none. */
typedef struct cdown_set {
    sp_sla_span *v;
    size_t n;
} cdown_set;

/* The combined timeline of t's vantages (each with its own control
 * outages masked) into gc, with every vantage's response times and
 * delivered DOWN alerts: the notification is the first alert of any
 * vantage. */
static sp_status combine(const sp_report *r, sp_report_target *t, gathered *gv,
                         const cdown_set *cds, gathered *gc, sp_quorum_result *qr)
{
    const sp_cfg *cfg = r->cfg;
    size_t n = t->n_vantages;
    sp_status st = SP_OK;
    sp_quorum_vantage *qv = calloc(n, sizeof *qv);
    sp_sla_seg **masked = calloc(n, sizeof *masked);
    int64_t **since = calloc(n, sizeof *since);
    if (!qv || !masked || !since) {
        st = SP_ENOMEM;
        goto out;
    }
    for (size_t k = 0; st == SP_OK && k < n; k++) {
        gathered *g = &gv[k];
        const cdown_set *cd = &cds[vantage_index(cfg, t->vantages[k].vantage)];
        qv[k].timeline = g->segs;
        qv[k].n_timeline = g->n_segs;
        if (!t->cfg->is_control && cd->n) {
            size_t nm = 0;
            if ((st = sp_quorum_mask_control(g->segs, g->n_segs, cd->v, cd->n, &masked[k], &nm)) !=
                SP_OK)
                break;
            qv[k].timeline = masked[k];
            qv[k].n_timeline = nm;
        }
        /* the journal's state changes to DOWN date its outages back to
         * their first failed probe (ch is sorted by since) */
        if (!(since[k] = malloc((g->ch.n + 1) * sizeof *since[k]))) {
            st = SP_ENOMEM;
            break;
        }
        for (size_t i = 0; i < g->ch.n; i++)
            if (g->ch.v[i].to == SP_STATE_DOWN)
                since[k][qv[k].n_down_since++] = g->ch.v[i].since;
        qv[k].down_since = since[k];
        /* every vantage's timings and alerts count for the target */
        for (size_t i = 0; st == SP_OK && i < g->n_rt; i++) {
            if (!GROW(gc->rt, gc->n_rt, gc->cap_rt) || !GROW(gc->rt_t, gc->n_rt, gc->cap_rt_t)) {
                st = SP_ENOMEM;
                break;
            }
            gc->rt[gc->n_rt] = g->rt[i];
            gc->rt_t[gc->n_rt++] = g->rt_t[i];
        }
        for (size_t i = 0; st == SP_OK && i < g->nt.n; i++) {
            if (!GROW(gc->nt.v, gc->nt.n, gc->nt.cap)) {
                st = SP_ENOMEM;
                break;
            }
            gc->nt.v[gc->nt.n++] = g->nt.v[i];
        }
    }
    if (st != SP_OK)
        goto out;
    sp_quorum_input in = {
        .vantages = qv,
        .n_vantages = n,
        .quorum = t->quorum,
        /* rows place an edge only to within a step */
        .back_s = t->cfg->interval_ms / 1000,
    };
    if ((st = sp_quorum_combine(&in, qr)) != SP_OK)
        goto out;
    gc->segs = qr->timeline; /* now gc's */
    gc->n_segs = gc->cap_segs = qr->n_timeline;
    qr->timeline = NULL;
    qr->n_timeline = 0;
out:
    for (size_t k = 0; k < n; k++) {
        free(masked ? masked[k] : NULL);
        free(since ? since[k] : NULL);
    }
    free(masked);
    free(since);
    free(qv);
    return st;
}

/* The quorum's detail on the target's month: each incident starts when
 * the q-th vantage's outage began (back-dated; its counted seconds stay
 * the combined timeline's) and lists the vantages DOWN in it; the DOWN
 * minorities in the period are listed. MTTR follows the durations. */
static sp_status quorum_detail(const sp_report *r, sp_report_target *t, const sp_quorum_result *qr)
{
    sp_sla_result *s = &t->sla;
    if (s->n_incidents && !(t->qincidents = calloc(s->n_incidents, sizeof *t->qincidents)))
        return SP_ENOMEM;
    double total = 0;
    for (size_t k = 0; k < s->n_incidents; k++) {
        sp_sla_incident *in = &s->incidents[k];
        for (size_t j = 0; j < qr->n_incidents; j++) {
            const sp_quorum_incident *q = &qr->incidents[j];
            if (q->run_start >= in->end || q->end <= in->start)
                continue;
            sp_report_qincident *d = &t->qincidents[k];
            d->start = q->start;
            d->run_start = q->run_start;
            d->end = q->end;
            d->quorum_vantage = q->quorum_vantage;
            if (q->n_down && !(d->downs = malloc(q->n_down * sizeof *d->downs)))
                return SP_ENOMEM;
            memcpy(d->downs, qr->downs + q->first_down, q->n_down * sizeof *d->downs);
            d->n_downs = q->n_down;
            /* the run's first piece in the period gets the dated start */
            if (in->start == q->run_start && q->start < in->start && q->start >= r->start) {
                in->duration_s += in->start - q->start;
                in->start = q->start;
            }
            break;
        }
        total += (double)in->duration_s;
    }
    if (s->n_incidents)
        s->mttr_s = total / (double)s->n_incidents;
    for (size_t j = 0; j < qr->n_partial; j++) {
        sp_quorum_partial p = qr->partial[j];
        if (p.start < r->start)
            p.start = r->start;
        if (p.end > r->until)
            p.end = r->until;
        if (p.start >= p.end)
            continue;
        size_t cap = t->n_partial;
        if (sp_grow((void **)&t->partial, &cap, t->n_partial + 1, sizeof *t->partial) != SP_OK)
            return SP_ENOMEM;
        t->partial[t->n_partial++] = p;
    }
    return SP_OK;
}

/* What the target's evidence says as a whole: every vantage's file and
 * journal must hold; the detail stays per vantage. */
static void summarise_vantages(sp_report_target *t)
{
    t->journal_present = t->n_vantages > 0;
    t->clock_synced = -1;
    for (size_t k = 0; k < t->n_vantages; k++) {
        const sp_report_target *v = &t->vantages[k];
        t->has_rrd = t->has_rrd || v->has_rrd;
        if (v->resolution_s > t->resolution_s)
            t->resolution_s = v->resolution_s;
        if (v->fine_s > t->fine_s)
            t->fine_s = v->fine_s;
        if (v->coarse_s > t->coarse_s) {
            t->coarse_s = v->coarse_s;
            t->fine_from = v->fine_from;
        }
        t->journal_present = t->journal_present && v->journal_present;
        if (!t->journal_bad_line)
            t->journal_bad_line = v->journal_bad_line;
        t->journal_lines += v->journal_lines;
        if (v->clock_synced >= 0)
            t->clock_synced = t->clock_synced == -1 ? v->clock_synced
                                                    : (t->clock_synced && v->clock_synced);
        t->n_imports += v->n_imports;
        t->not_stored_s += v->not_stored_s;
        t->rows_disagree = t->rows_disagree || v->rows_disagree;
    }
}

/* A target seen from several vantages: each view's own figures and
 * evidence, then the quorum of their timelines as the target's figures
 * (control outages already applied per vantage: none again). gv: the
 * views' gathered files (gather_vantages done). */
static sp_status build_quorum_target(sp_report *r, sp_report_target *t, gathered *gv,
                                     const cdown_set *cds, int n_days, char *err, size_t errlen)
{
    const sp_cfg *cfg = r->cfg;
    sp_status st = SP_OK;
    gathered gc = {0};
    sp_quorum_result qr = {0};
    for (size_t k = 0; k < t->n_vantages; k++) {
        sp_report_target *v = &t->vantages[k];
        const cdown_set *cd = &cds[vantage_index(cfg, v->vantage)];
        if (n_days == 0 && !t->cfg->is_control && v->has_rrd && (st = check_rows(r, v)) != SP_OK)
            return st;
        if ((st = compute(cfg, t->cfg, r->start, r->until, &gv[k], cd->v, cd->n, &v->sla,
                          n_days ? NULL : &v->bands, &v->rt_peak, err, errlen)) != SP_OK ||
            (st = match_notices(v, &gv[k].nt)) != SP_OK)
            return st;
    }
    summarise_vantages(t);
    if ((st = combine(r, t, gv, cds, &gc, &qr)) != SP_OK) {
        if (st == SP_EINVAL)
            snprintf(err, errlen, "target %s: the quorum refused its vantages' timelines: %s",
                     t->cfg->id, sp_strerror(st));
        goto out;
    }
    if ((st = compute(cfg, t->cfg, r->start, r->until, &gc, NULL, 0, &t->sla,
                      n_days ? NULL : &t->bands, &t->rt_peak, err, errlen)) != SP_OK ||
        (st = quorum_detail(r, t, &qr)) != SP_OK || (st = match_notices(t, &gc.nt)) != SP_OK)
        goto out;
    if (n_days > 0 && (st = live_days(r, t, &gc, NULL, 0, n_days, err, errlen)) == SP_OK &&
        qr.n_partial && gc.n_segs) {
        /* a partial period reaching the combined timeline's recent end is
         * going on now (current_state's two steps) */
        const sp_quorum_partial *p = &qr.partial[qr.n_partial - 1];
        int64_t end = gc.segs[gc.n_segs - 1].end, step = t->cfg->interval_ms / 1000;
        if (p->end == end && end >= r->until - 2 * step)
            t->partial_down_now = p->max_down;
    }
out:
    sp_quorum_result_free(&qr);
    gathered_free(&gc);
    return st;
}

/* Gather every target's files over [gather_from, r->until), compute the
 * report period [r->start, r->until) and, when n_days > 0, the live view.
 * r->cfg, start, end, until and generated are set by the caller. */
static sp_status build(sp_report *r, const char *only, int64_t gather_from, int n_days, char *err,
                       size_t errlen)
{
    const sp_cfg *cfg = r->cfg;
    sp_status st;
    gathered *g = NULL;
    gathered **gv = NULL; /* with vantages: per target, one per vantage */
    sp_sla_span *cdown = NULL;
    size_t n_cdown = 0;
    bool qmode = quorum_mode(cfg);
    cdown_set *cds = NULL; /* with vantages: each vantage's own control outages */
    /* what is read from the files spans the period and the live days */
    sp_report rg = *r;
    rg.start = gather_from < r->start ? gather_from : r->start;
    /* Control targets are read first: their common outages are needed
     * before any other target's arithmetic. Every other target is then
     * read, computed and released in turn, so memory is that of one
     * target's month (plus the controls'), whatever the number of targets
     * (a month at one-minute steps is ~1 MB of timings per target). */
    r->targets = calloc(cfg->n_targets, sizeof *r->targets);
    g = calloc(cfg->n_targets, sizeof *g);
    gv = calloc(cfg->n_targets, sizeof *gv);
    cds = calloc(cfg->n_vantages + 1, sizeof *cds);
    if (!r->targets || !g || !gv || !cds) {
        st = SP_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *c = &cfg->targets[i];
        if (only && strcmp(only, c->id) != 0 && !c->is_control)
            continue;
        sp_report_target *t = &r->targets[i];
        t->cfg = c;
        t->clock_synced = -1;
        t->last_update = t->lag_s = -1;
        if (qmode) { /* the files are the vantages' */
            if (c->is_control && (st = gather_vantages(r, &rg, t, &gv[i], err, errlen)) != SP_OK)
                goto fail;
            continue;
        }
        t->rrd_path = malloc(4096);
        t->journal_path = malloc(4096);
        if (!t->rrd_path || !t->journal_path) {
            st = SP_ENOMEM;
            goto fail;
        }
        sp_store_paths(cfg->storage_dir, c->id, t->rrd_path, t->journal_path, 4096);
        if (c->is_control && (st = gather(r, &rg, t, &g[i], err, errlen)) != SP_OK)
            goto fail;
    }
    /* Each vantage's own control outages (its view of every control
     * target that lists it), or with one host the controls' */
    for (size_t vi = 0; vi < (qmode ? cfg->n_vantages : 1); vi++) {
        const sp_sla_seg *tl[64];
        size_t counts[64], k = 0;
        for (size_t i = 0; i < cfg->n_targets && k < 64; i++) {
            const sp_cfg_target *c = &cfg->targets[i];
            if (!c->is_control)
                continue;
            if (!qmode) {
                tl[k] = g[i].segs;
                counts[k++] = g[i].n_segs;
                continue;
            }
            for (size_t j = 0; j < c->n_vantages; j++)
                if (strcmp(c->vantages[j], cfg->vantages[vi]) == 0) {
                    tl[k] = gv[i][j].segs;
                    counts[k++] = gv[i][j].n_segs;
                }
        }
        if (!qmode)
            st = sp_sla_all_down(tl, counts, k, &cdown, &n_cdown);
        else
            st = sp_sla_all_down(tl, counts, k, &cds[vi].v, &cds[vi].n);
        if (st != SP_OK)
            goto fail;
    }
    for (size_t i = 0; i < cfg->n_targets; i++) {
        if (!r->targets[i].cfg)
            continue;
        sp_report_target *t = &r->targets[i];
        if (qmode) {
            if ((!t->cfg->is_control &&
                 (st = gather_vantages(r, &rg, t, &gv[i], err, errlen)) != SP_OK) ||
                (st = build_quorum_target(r, t, gv[i], cds, n_days, err, errlen)) != SP_OK)
                goto fail;
            if (!t->cfg->is_control) {
                gathered_free_n(gv[i], t->n_vantages);
                gv[i] = NULL;
            }
            continue;
        }
        if (!t->cfg->is_control && (st = gather(r, &rg, t, &g[i], err, errlen)) != SP_OK)
            goto fail;
        /* the monthly report only: the live view is rebuilt every minute */
        if (n_days == 0 && !t->cfg->is_control && t->has_rrd && (st = check_rows(r, t)) != SP_OK)
            goto fail;
        st = compute(cfg, t->cfg, r->start, r->until, &g[i], cdown, n_cdown, &t->sla,
                     n_days ? NULL : &t->bands, &t->rt_peak, err, errlen);
        if (st == SP_OK)
            st = match_notices(t, &g[i].nt); /* needs the month's incidents */
        if (st != SP_OK || (n_days > 0 && (st = live_days(r, t, &g[i], cdown, n_cdown, n_days, err,
                                                          errlen)) != SP_OK))
            goto fail;
        gathered_free(&g[i]);
    }
    /* Keep the asked-for targets only, in configuration order. */
    size_t k = 0;
    for (size_t i = 0; i < cfg->n_targets; i++) {
        sp_report_target *t = &r->targets[i];
        if (!t->cfg)
            continue;
        if (only && strcmp(only, t->cfg->id) != 0) {
            target_free(t);
            continue;
        }
        r->targets[k++] = *t;
    }
    r->n_targets = k;
    st = SP_OK;
    goto out;
fail:
    if (st == SP_ENOMEM)
        snprintf(err, errlen, "out of memory");
    r->n_targets = cfg->n_targets; /* the caller frees every slot */
out:
    for (size_t i = 0; g && i < cfg->n_targets; i++) {
        gathered_free(&g[i]);
        if (gv) /* allocated with the target's count */
            gathered_free_n(gv[i], cfg->targets[i].n_vantages);
    }
    for (size_t i = 0; cds && i < cfg->n_vantages; i++)
        free(cds[i].v);
    free(cds);
    free(gv);
    free(g);
    free(cdown);
    return st;
}

static sp_status check_common(const sp_cfg *cfg, const char *only, char *err, size_t errlen)
{
    if (only && !sp_cfg_find_target(cfg, only)) {
        snprintf(err, errlen, "no target '%s' in %s", only, cfg->path);
        return SP_EINVAL;
    }
    if (!sp_cal_tz_valid(cfg->timezone)) {
        snprintf(err, errlen, "%s: timezone '%s' is not known to this system", cfg->path,
                 cfg->timezone);
        return SP_EINVAL;
    }
    return SP_OK;
}

sp_status sp_report_build(const sp_cfg *cfg, int year, int month, const char *only, int64_t now,
                          sp_report **out, char *err, size_t errlen)
{
    sp_status st;
    *out = NULL;
    if ((st = check_common(cfg, only, err, errlen)) != SP_OK)
        return st;
    sp_report *r = calloc(1, sizeof *r);
    if (!r)
        return SP_ENOMEM;
    r->cfg = cfg;
    r->year = year;
    r->month = month;
    r->generated = now;
    if ((st = sp_cal_month_bounds(cfg->timezone, year, month, &r->start, &r->end)) != SP_OK) {
        snprintf(err, errlen, "%04d-%02d is not a month", year, month);
        goto fail;
    }
    r->until = now < r->end ? now : r->end;
    if (r->until <= r->start) {
        snprintf(err, errlen, "%04d-%02d has not begun yet", year, month);
        st = SP_EINVAL;
        goto fail;
    }
    if ((st = build(r, only, r->start, 0, err, errlen)) != SP_OK)
        goto fail;
    *out = r;
    return SP_OK;
fail:
    sp_report_destroy(r);
    return st;
}

sp_status sp_report_build_live(const sp_cfg *cfg, int64_t now, int n_days, sp_report **out,
                               char *err, size_t errlen)
{
    sp_status st;
    char date[16], ym[8];
    int64_t first, dummy;
    *out = NULL;
    if ((st = check_common(cfg, NULL, err, errlen)) != SP_OK)
        return st;
    if (n_days < 1 || n_days > 366) {
        snprintf(err, errlen, "%d days: want 1-366", n_days);
        return SP_EINVAL;
    }
    sp_report *r = calloc(1, sizeof *r);
    if (!r)
        return SP_ENOMEM;
    r->cfg = cfg;
    r->generated = now;
    r->until = now;
    if ((st = sp_cal_local_date(cfg->timezone, now, date, sizeof date)) == SP_OK)
        snprintf(ym, sizeof ym, "%.7s", date); /* "YYYY-MM" of today */
    if (st != SP_OK || !sp_cal_parse_month(ym, &r->year, &r->month) ||
        (st = sp_cal_month_bounds(cfg->timezone, r->year, r->month, &r->start, &r->end)) != SP_OK ||
        (st = sp_cal_day_bounds(cfg->timezone, now, n_days - 1, &first, &dummy)) != SP_OK) {
        snprintf(err, errlen, "cannot place now in %s", cfg->timezone);
        st = SP_EINVAL;
        goto fail;
    }
    if ((st = build(r, NULL, first, n_days, err, errlen)) != SP_OK)
        goto fail;
    *out = r;
    return SP_OK;
fail:
    sp_report_destroy(r);
    return st;
}

void sp_report_destroy(sp_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->targets && i < r->n_targets; i++)
        target_free(&r->targets[i]);
    free(r->targets);
    free(r);
}

bool sp_report_rows_disagree(const sp_report *r)
{
    for (size_t i = 0; i < r->n_targets; i++)
        if (r->targets[i].rows_disagree)
            return true;
    return false;
}

bool sp_report_all_met(const sp_report *r)
{
    for (size_t i = 0; i < r->n_targets; i++)
        if (r->targets[i].sla.no_data || !r->targets[i].sla.met)
            return false;
    return true;
}
