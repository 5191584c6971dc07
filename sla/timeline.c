/*
 * RRD rows back to a state timeline (see timeline.h for why the DOWN part
 * of a partial step sits against its DOWN neighbour), and what the journal
 * corrects in it: rows cut short by a stop, ranges not stored, reasons.
 */
#include "timeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_grow.h"
#include "sla/spans.h"

typedef struct segbuf {
    sp_sla_seg *v;
    size_t n, cap;
} segbuf;

/* One segment more at the end, growing the buffer. */
static sp_status append(segbuf *b, sp_sla_seg g)
{
    if (sp_grow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v) != SP_OK)
        return SP_ENOMEM;
    b->v[b->n++] = g;
    return SP_OK;
}

static sp_status push(segbuf *b, int64_t start, int64_t end, sp_state state, bool degraded)
{
    if (end <= start)
        return SP_OK;
    if (b->n) {
        sp_sla_seg *last = &b->v[b->n - 1];
        if (last->end == start && last->state == state && last->degraded == degraded) {
            last->end = end;
            return SP_OK;
        }
    }
    return append(b, (sp_sla_seg){start, end, state, SP_REASON_OK, degraded});
}

/* Whole seconds of a step that were DOWN; -1 when the row is unknown. */
static long down_secs(double up, long step)
{
    if (isnan(up))
        return -1;
    if (up < 0)
        up = 0;
    if (up > 1)
        up = 1;
    return lround((1.0 - up) * (double)step);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

sp_status sp_sla_timeline_settled(const double *up, const double *degraded, size_t n,
                                  int64_t first_start, long step, const int64_t *stops,
                                  size_t n_stops, sp_sla_seg **out, size_t *nout)
{
    segbuf b = {0};
    int64_t *stop = NULL;
    sp_status st = SP_OK;
    *out = NULL;
    *nout = 0;
    if (step < 1 || (n_stops && !stops))
        return SP_EINVAL;
    if (n_stops) {
        if (!(stop = malloc(n_stops * sizeof *stop)))
            return SP_ENOMEM;
        memcpy(stop, stops, n_stops * sizeof *stop);
        qsort(stop, n_stops, sizeof *stop, cmp_i64);
    }
    size_t k = 0;
    bool prev_ends_down = false;
    for (size_t i = 0; i < n; i++) {
        int64_t s = first_start + (int64_t)i * step, e = s + step;
        /* the part of the step the row describes: up to a stop inside it */
        while (k < n_stops && stop[k] < s)
            k++;
        long len = k < n_stops && stop[k] < e ? (long)(stop[k] - s) : step;
        long down = down_secs(up[i], len);
        if (down < 0 || len == 0) {
            prev_ends_down = false;
            continue;
        }
        long upsec = len - down;
        double dg = degraded ? degraded[i] : NAN;
        long deg = isnan(dg) || dg <= 0 ? 0 : lround(dg * (double)len);
        if (deg > upsec)
            deg = upsec;
        /* DOWN first when it continues the step before; else last, which
         * is where it meets a DOWN step after (or, alone, anywhere; in a
         * settled row, the stop). */
        bool down_first = down > 0 && prev_ends_down;
        int64_t us = down_first ? s + down : s; /* where the UP part starts */
        if (down_first && (st = push(&b, s, s + down, SP_STATE_DOWN, false)) != SP_OK)
            goto fail;
        if ((st = push(&b, us, us + deg, SP_STATE_UP, true)) != SP_OK ||
            (st = push(&b, us + deg, us + upsec, SP_STATE_UP, false)) != SP_OK)
            goto fail;
        if (!down_first && (st = push(&b, s + len - down, s + len, SP_STATE_DOWN, false)) != SP_OK)
            goto fail;
        /* a settled row is followed by unknown time: nothing continues it */
        prev_ends_down = len == step && down > 0 && (!down_first || down == step);
    }
    free(stop);
    *out = b.v;
    *nout = b.n;
    return SP_OK;
fail:
    free(stop);
    free(b.v);
    return st;
}

sp_status sp_sla_timeline(const double *up, const double *degraded, size_t n, int64_t first_start,
                          long step, sp_sla_seg **out, size_t *nout)
{
    return sp_sla_timeline_settled(up, degraded, n, first_start, step, NULL, 0, out, nout);
}

sp_status sp_sla_timeline_hours(const double *up_s, const double *down_s, const double *degraded_s,
                                size_t n, int64_t first_start, sp_sla_seg **out, size_t *nout)
{
    const long H = 3600;
    *out = NULL;
    *nout = 0;
    double *v = malloc((2 * n + 1) * sizeof *v);
    int64_t *stops = malloc((n + 1) * sizeof *stops);
    if (!v || !stops) {
        free(v);
        free(stops);
        return SP_ENOMEM;
    }
    double *up = v, *dg = v + n;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double u = up_s[i], d = down_s[i], g = degraded_s[i];
        u = isnan(u) || u < 0 ? 0 : u;
        d = isnan(d) || d < 0 ? 0 : d;
        double known = u + d > (double)H ? (double)H : u + d;
        int64_t s = first_start + (int64_t)i * H;
        if (known < 0.5) {
            up[i] = dg[i] = NAN;
            continue;
        }
        up[i] = u / known;
        dg[i] = isnan(g) || g <= 0 ? 0 : g / known;
        if (llround(known) < H)
            stops[ns++] = s + llround(known);
    }
    sp_status st = sp_sla_timeline_settled(up, dg, n, first_start, H, stops, ns, out, nout);
    free(v);
    free(stops);
    return st;
}

/* Append a piece to the cut's output: only UNKNOWN pieces that touch are
 * merged, so segments keep their reasons and edges. */
static sp_status put(segbuf *b, sp_sla_seg g)
{
    if (g.end <= g.start)
        return SP_OK;
    if (b->n && g.state == SP_STATE_UNKNOWN) {
        sp_sla_seg *last = &b->v[b->n - 1];
        if (last->state == SP_STATE_UNKNOWN && last->end == g.start) {
            last->end = g.end;
            return SP_OK;
        }
    }
    return append(b, g);
}

static sp_sla_seg unknown_seg(sp_sla_span sp)
{
    return (sp_sla_seg){sp.start, sp.end, SP_STATE_UNKNOWN, SP_REASON_OK, false};
}

sp_status sp_sla_timeline_cut(const sp_sla_seg *segs, size_t n, const sp_sla_span *spans,
                              size_t n_spans, sp_sla_seg **out, size_t *nout)
{
    sp_sla_spans cut = {0};
    segbuf b = {0};
    sp_status st = SP_OK;
    *out = NULL;
    *nout = 0;
    for (size_t j = 0; j < n_spans && st == SP_OK; j++)
        st = sp_sla_spans_push(&cut, spans[j].start, spans[j].end);
    if (st != SP_OK)
        goto fail;
    sp_sla_spans_normalize(&cut);
    /* One pass over both sorted lists. j: the next span not yet written;
     * done: where the output ends, so a span written while cutting one
     * segment is not cut again from the next. */
    size_t j = 0;
    int64_t done = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t pos = segs[i].start > done ? segs[i].start : done;
        while (pos < segs[i].end) {
            if (j < cut.n && cut.v[j].start <= pos) {
                if ((st = put(&b, unknown_seg(cut.v[j]))) != SP_OK)
                    goto fail;
                if (cut.v[j].end > pos)
                    pos = cut.v[j].end;
                done = pos;
                j++;
                continue;
            }
            sp_sla_seg piece = segs[i];
            piece.start = pos;
            if (j < cut.n && cut.v[j].start < piece.end)
                piece.end = cut.v[j].start;
            if ((st = put(&b, piece)) != SP_OK)
                goto fail;
            pos = done = piece.end;
        }
    }
    for (; j < cut.n; j++)
        if ((st = put(&b, unknown_seg(cut.v[j]))) != SP_OK)
            goto fail;
    sp_sla_spans_free(&cut);
    *out = b.v;
    *nout = b.n;
    return SP_OK;
fail:
    sp_sla_spans_free(&cut);
    free(b.v);
    return st;
}

void sp_sla_timeline_reasons(sp_sla_seg *segs, size_t n, const sp_sla_change *ch, size_t n_ch)
{
    for (size_t i = 0; i < n; i++) {
        if (segs[i].state != SP_STATE_DOWN)
            continue;
        /* the last change to DOWN at or before the segment's end, with no
         * recovery between it and the segment's start */
        const sp_sla_change *best = NULL;
        for (size_t k = 0; k < n_ch && ch[k].since <= segs[i].end; k++) {
            if (ch[k].to == SP_STATE_DOWN)
                best = &ch[k];
            else if (ch[k].since <= segs[i].start)
                best = NULL;
        }
        if (best)
            segs[i].reason = best->reason;
    }
}

/* DOWN spans of one timeline, normal. */
static sp_status down_spans(const sp_sla_seg *t, size_t n, sp_sla_spans *out)
{
    sp_status st = SP_OK;
    for (size_t i = 0; i < n && st == SP_OK; i++)
        if (t[i].state == SP_STATE_DOWN)
            st = sp_sla_spans_push(out, t[i].start, t[i].end);
    return st;
}

sp_status sp_sla_all_down(const sp_sla_seg *const *tl, const size_t *counts, size_t k,
                          sp_sla_span **out, size_t *nout)
{
    sp_sla_spans acc = {0};
    sp_status st = SP_OK;
    *out = NULL;
    *nout = 0;
    for (size_t j = 0; j < k; j++) {
        sp_sla_spans mine = {0}, both = {0};
        if ((st = down_spans(tl[j], counts[j], &mine)) == SP_OK)
            st = j == 0 ? SP_OK : sp_sla_spans_intersect(&acc, &mine, &both);
        if (j == 0) {
            acc = mine;
            mine = (sp_sla_spans){0};
        } else {
            sp_sla_spans_free(&acc);
            acc = both;
        }
        sp_sla_spans_free(&mine);
        if (st != SP_OK) {
            sp_sla_spans_free(&acc);
            return st;
        }
    }
    *out = acc.v;
    *nout = acc.n;
    return SP_OK;
}
