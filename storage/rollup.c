/*
 * The rollup: rows file -> hours file. See rollup.h for what an hour holds
 * and why it is computed here instead of by RRD's consolidation.
 */
#include "rollup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/sp_grow.h"
#include "journal/lines.h"
#include "sla/timeline.h"
#include "storage/rrd.h"

sp_status sp_store_rollup_hours(const double *up, const double *degraded, const double *total,
                                size_t n, int64_t first_start, long step, const int64_t *stops,
                                size_t n_stops, int64_t from, int64_t to, sp_store_hour *out)
{
    const int64_t H = SP_STORE_HIST_STEP;
    if (from % H || to % H || to < from || step < 1)
        return SP_EINVAL;
    size_t nh = (size_t)((to - from) / H);
    for (size_t h = 0; h < nh; h++)
        out[h] = (sp_store_hour){from + (int64_t)(h + 1) * H, 0, 0, 0, NAN, 0};
    sp_sla_seg *segs = NULL;
    size_t ns = 0;
    sp_status st =
        sp_sla_timeline_settled(up, degraded, n, first_start, step, stops, n_stops, &segs, &ns);
    if (st != SP_OK)
        return st;
    /* Each segment's seconds go to the hours it overlaps. */
    for (size_t i = 0; i < ns; i++) {
        int64_t a = segs[i].start > from ? segs[i].start : from;
        int64_t b = segs[i].end < to ? segs[i].end : to;
        while (a < b) {
            size_t h = (size_t)((a - from) / H);
            int64_t he = from + (int64_t)(h + 1) * H, e = b < he ? b : he;
            double secs = (double)(e - a);
            if (segs[i].state == SP_STATE_DOWN)
                out[h].down_s += secs;
            else if (segs[i].state == SP_STATE_UP) {
                out[h].up_s += secs;
                if (segs[i].degraded)
                    out[h].degraded_s += secs;
            }
            a = e;
        }
    }
    free(segs);
    /* Response times as the report takes them: a step with a state and a
     * time, placed by its start. */
    for (size_t i = 0; i < n; i++) {
        int64_t s = first_start + (int64_t)i * step;
        if (s < from || s >= to || isnan(up[i]) || isnan(total[i]))
            continue;
        sp_store_hour *o = &out[(s - from) / H];
        o->total_ms = o->total_n == 0 ? total[i] : o->total_ms + total[i];
        o->total_n += 1;
    }
    for (size_t h = 0; h < nh; h++)
        if (out[h].total_n > 0)
            out[h].total_ms /= out[h].total_n;
    return SP_OK;
}

/* Hours rolled up in one go: a month and a half, so memory stays bounded
 * after a long stop (the rows before the rows file's reach are unknown). */
#define CHUNK_HOURS (24 * 45)

sp_status sp_store_rollup(const char *daemon, const char *rrd, long step, const int64_t *stops,
                          size_t n_stops, int64_t upto, int64_t *hist_last, char *err,
                          size_t errlen)
{
    const int64_t H = SP_STORE_HIST_STEP;
    char hist[4200];
    if (!sp_store_hist_path(rrd, hist, sizeof hist)) {
        snprintf(err, errlen, "%s: path too long", rrd);
        return SP_EINVAL;
    }
    if (*hist_last <= 0) {
        snprintf(err, errlen, "cannot read the last update of %s", hist);
        return SP_EIO;
    }
    int64_t end = upto - ((upto % H) + H) % H;
    sp_store_hour *hours = NULL;
    char **lines = NULL;
    sp_status st = SP_OK;
    while (*hist_last < end && st == SP_OK) {
        int64_t from = *hist_last, to = end;
        if (from % H) { /* a file made by another tool: never write before its last update */
            snprintf(err, errlen, "%s: last update %lld is not on a whole hour", hist,
                     (long long)from);
            st = SP_EINVAL;
            break;
        }
        if ((to - from) / H > CHUNK_HOURS)
            to = from + CHUNK_HOURS * H;
        size_t nh = (size_t)((to - from) / H);
        sp_store_series ser = {0};
        st = sp_store_rrd_fetch(daemon, rrd, "AVERAGE", (time_t)from, (time_t)to, step, &ser, err,
                                errlen);
        if (st != SP_OK)
            break;
        int iu = sp_store_series_ds(&ser, "up"), id = sp_store_series_ds(&ser, "degraded"),
            it = sp_store_series_ds(&ser, "total_ms");
        double *v = malloc((ser.rows + 1) * 3 * sizeof *v);
        hours = realloc(hours, nh * sizeof *hours);
        lines = realloc(lines, nh * sizeof *lines);
        if (!v || !hours || !lines) {
            free(v);
            sp_store_series_free(&ser);
            snprintf(err, errlen, "out of memory");
            st = SP_ENOMEM;
            break;
        }
        if (iu < 0 || id < 0 || it < 0 || (long)ser.step != step) {
            free(v);
            snprintf(err, errlen, "%s: no %ld-second up/degraded/total_ms steps to roll up", rrd,
                     step);
            sp_store_series_free(&ser);
            st = SP_EIO;
            break;
        }
        double *up = v, *dg = v + ser.rows, *tt = v + 2 * ser.rows;
        for (size_t i = 0; i < ser.rows; i++) {
            const double *row = ser.data + i * ser.n_ds;
            up[i] = row[iu];
            dg[i] = row[id];
            tt[i] = row[it];
        }
        st = sp_store_rollup_hours(up, dg, tt, ser.rows, (int64_t)ser.start, step, stops, n_stops,
                                   from, to, hours);
        free(v);
        sp_store_series_free(&ser);
        if (st != SP_OK) {
            snprintf(err, errlen, "%s: cannot roll up: %s", rrd, sp_strerror(st));
            break;
        }
        char *buf = malloc(nh * 128);
        if (!buf) {
            snprintf(err, errlen, "out of memory");
            st = SP_ENOMEM;
            break;
        }
        for (size_t h = 0; h < nh; h++) {
            lines[h] = buf + h * 128;
            sp_store_hour *o = &hours[h];
            if (o->total_n > 0)
                snprintf(lines[h], 128, "%lld:%.0f:%.0f:%.0f:%.6g:%.0f", (long long)o->t, o->up_s,
                         o->down_s, o->degraded_s, o->total_ms, o->total_n);
            else
                snprintf(lines[h], 128, "%lld:%.0f:%.0f:%.0f:U:0", (long long)o->t, o->up_s,
                         o->down_s, o->degraded_s);
        }
        st = sp_store_rrd_update(NULL, hist, (int)nh, (const char **)lines, err, errlen);
        free(buf);
        if (st == SP_OK)
            *hist_last = to;
    }
    free(hours);
    free(lines);
    return st;
}

/* --- Stops from the journal ---------------------------------------------- */

/* Read in windows from the end that grow eightfold: what the writer looks
 * for (the last rows line, the stops of the last hour) is in the last few
 * kB, and a store of 100,000 targets reads every tail at start and once an
 * hour. */
void sp_store_journal_tail(const char *path, sp_store_tail_cb cb, void *arg)
{
    FILE *fp = fopen(path, "re");
    if (!fp)
        return;
    char *buf = NULL;
    bool more = true;
    if (fseeko(fp, 0, SEEK_END) != 0)
        goto out;
    off_t size = ftello(fp), done = size; /* lines at or after done were given */
    for (off_t win = 8192; more; win *= 8) {
        off_t start = size > win ? size - win : 0;
        size_t len = (size_t)(done - start);
        char *nb = realloc(buf, len + 1);
        if (!nb || fseeko(fp, start, SEEK_SET) != 0)
            break;
        buf = nb;
        if (fread(buf, 1, len, fp) != len)
            break;
        buf[len] = '\0';
        /* whole lines only: the first may be cut, unless at the file's start */
        char *end = buf + len;
        while (end > buf && more) {
            char *ls = end - 1;
            while (ls > buf && ls[-1] != '\n')
                ls--;
            if (ls == buf && start > 0)
                break;
            size_t ll = (size_t)(end - ls);
            while (ll && (ls[ll - 1] == '\n'))
                ll--;
            if (ll)
                more = cb(arg, ls, ll);
            done = start + (off_t)(ls - buf);
            end = ls;
        }
        if (start == 0)
            break;
    }
out:
    free(buf);
    fclose(fp);
}

typedef struct stops_scan {
    int64_t after;
    int64_t *v;
    size_t n, cap;
    bool oom;
} stops_scan;

static bool on_stop_line(void *arg, const char *line, size_t len)
{
    stops_scan *sc = arg;
    bool stop = memmem(line, len, "\"type\":\"stop\"", 13) ||
                memmem(line, len, "\"type\":\"removed\"", 16);
    bool rows = !stop && memmem(line, len, "\"type\":\"rows\"", 13);
    if (!stop && !rows)
        return true;
    json_t *o = json_loadb(line, len, 0, NULL);
    sp_journal_line l;
    bool go_on = true;
    if (o) {
        sp_journal_type ty = sp_journal_read_line(o, &l);
        if ((ty == SP_JOURNAL_STOP || ty == SP_JOURNAL_REMOVED) && l.stop.settled_ms > 0) {
            int64_t t = (l.stop.settled_ms + 500) / 1000; /* as the report rounds it */
            if (t > sc->after) {
                if (sp_grow((void **)&sc->v, &sc->cap, sc->n + 1, sizeof *sc->v) == SP_OK)
                    sc->v[sc->n++] = t;
                else
                    sc->oom = true;
            }
        } else if (ty == SP_JOURNAL_ROWS && l.rows.to != SP_JOURNAL_NO_MS &&
                   l.rows.to <= sc->after) {
            go_on = false; /* everything before was written before `after` */
        }
    }
    json_decref(o);
    return go_on && !sc->oom;
}

sp_status sp_store_journal_stops(const char *journal, int64_t after, int64_t **out, size_t *n)
{
    stops_scan sc = {after, NULL, 0, 0, false};
    sp_store_journal_tail(journal, on_stop_line, &sc);
    if (sc.oom) {
        free(sc.v);
        *out = NULL;
        *n = 0;
        return SP_ENOMEM;
    }
    *out = sc.v;
    *n = sc.n;
    return SP_OK;
}
