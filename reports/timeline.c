/*
 * RRD rows back to a state timeline (see timeline.h for why the DOWN part
 * of a partial step sits against its DOWN neighbour).
 */
#include "timeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "reports/spans.h"

typedef struct segbuf {
    sp_sla_seg *v;
    size_t n, cap;
} segbuf;

static sp_status push(segbuf *b, int64_t start, int64_t end, sp_sla_state state, bool degraded)
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
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        sp_sla_seg *nv = realloc(b->v, nc * sizeof *nv);
        if (!nv)
            return SP_ENOMEM;
        b->v = nv;
        b->cap = nc;
    }
    b->v[b->n++] = (sp_sla_seg){start, end, state, SP_REASON_OK, degraded};
    return SP_OK;
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

sp_status sp_report_timeline(const double *up, const double *degraded, size_t n,
                             int64_t first_start, long step, sp_sla_seg **out, size_t *nout)
{
    segbuf b = {0};
    sp_status st = SP_OK;
    *out = NULL;
    *nout = 0;
    if (step < 1)
        return SP_EINVAL;
    bool prev_ends_down = false;
    for (size_t i = 0; i < n; i++) {
        int64_t s = first_start + (int64_t)i * step, e = s + step;
        long down = down_secs(up[i], step);
        if (down < 0) {
            prev_ends_down = false;
            continue;
        }
        long upsec = step - down;
        double dg = degraded ? degraded[i] : NAN;
        long deg = isnan(dg) || dg <= 0 ? 0 : lround(dg * (double)step);
        if (deg > upsec)
            deg = upsec;
        /* DOWN first when it continues the step before; else last, which
         * is where it meets a DOWN step after (or, alone, anywhere). */
        bool down_first = down > 0 && prev_ends_down;
        int64_t us = down_first ? s + down : s; /* where the UP part starts */
        if (down_first && (st = push(&b, s, s + down, SP_SLA_DOWN, false)) != SP_OK)
            goto fail;
        if ((st = push(&b, us, us + deg, SP_SLA_UP, true)) != SP_OK ||
            (st = push(&b, us + deg, us + upsec, SP_SLA_UP, false)) != SP_OK)
            goto fail;
        if (!down_first && (st = push(&b, e - down, e, SP_SLA_DOWN, false)) != SP_OK)
            goto fail;
        prev_ends_down = down > 0 && (!down_first || down == step);
    }
    *out = b.v;
    *nout = b.n;
    return SP_OK;
fail:
    free(b.v);
    return st;
}

void sp_report_timeline_reasons(sp_sla_seg *segs, size_t n, const sp_report_change *ch,
                                size_t n_ch)
{
    for (size_t i = 0; i < n; i++) {
        if (segs[i].state != SP_SLA_DOWN)
            continue;
        /* the last change to DOWN at or before the segment's end, with no
         * recovery between it and the segment's start */
        const sp_report_change *best = NULL;
        for (size_t k = 0; k < n_ch && ch[k].since <= segs[i].end; k++) {
            if (ch[k].to == SP_SLA_DOWN)
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
        if (t[i].state == SP_SLA_DOWN)
            st = sp_sla_spans_push(out, t[i].start, t[i].end);
    return st;
}

sp_status sp_report_all_down(const sp_sla_seg *const *tl, const size_t *counts, size_t k,
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
