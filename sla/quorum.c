/*
 * The quorum of SPEC section 10 (contract in quorum.h). The vantages'
 * timelines are swept together: every segment edge of every vantage is a
 * boundary, so between two consecutive boundaries each vantage is in one
 * state, and the rule is applied once per such piece. Each vantage's DOWN
 * runs (touching DOWN segments) are dated back to their first failed probe
 * before the sweep, because an incident's start depends on when the q-th
 * vantage's outage *began*, not on when its timeline edge lies.
 */
#include "sla/quorum.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_grow.h"
#include "sla/spans.h"

/* --- The rule ------------------------------------------------------------ */

sp_state sp_quorum_decide(unsigned d, unsigned u, unsigned k, unsigned q)
{
    /* DOWN first: d >= q implies d + k >= q, which alone would say UNKNOWN. */
    if (d >= q)
        return SP_STATE_DOWN;
    if (u + d < q || d + k >= q)
        return SP_STATE_UNKNOWN;
    return SP_STATE_UP;
}

unsigned sp_quorum_default(size_t n)
{
    return n == 0 ? 0 : (unsigned)(n / 2 + 1);
}

sp_status sp_quorum_check(unsigned q, size_t n)
{
    return q >= 1 && q <= n ? SP_OK : SP_EINVAL;
}

/* --- Growing lists ------------------------------------------------------- */

typedef struct seglist {
    sp_sla_seg *v;
    size_t n, cap;
} seglist;

/* Append, merging into the last piece when it touches and says the same. */
static sp_status seg_push(seglist *l, sp_sla_seg g)
{
    if (l->n > 0) {
        sp_sla_seg *p = &l->v[l->n - 1];
        if (p->end == g.start && p->state == g.state && p->reason == g.reason &&
            p->degraded == g.degraded) {
            p->end = g.end;
            return SP_OK;
        }
    }
    if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
        return SP_ENOMEM;
    l->v[l->n++] = g;
    return SP_OK;
}

static bool valid_timeline(const sp_sla_seg *v, size_t n)
{
    if (n && !v)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i].end <= v[i].start || (unsigned)v[i].state >= SP_STATE_COUNT ||
            (unsigned)v[i].reason >= SP_REASON_COUNT)
            return false;
        if (i > 0 && v[i].start < v[i - 1].end)
            return false;
    }
    return true;
}

/* --- Per-vantage DOWN runs ----------------------------------------------- */

typedef struct run {
    int64_t start, end; /* touching DOWN segments merged */
    int64_t since;      /* back-dated start */
    sp_reason reason;   /* of the first segment */
} run;

typedef struct runlist {
    run *v;
    size_t n, cap;
} runlist;

/* The vantage's DOWN runs with their back-dated starts. The since list is
 * walked with one cursor: runs and sinces both ascend. */
static sp_status vantage_runs(const sp_quorum_vantage *v, int64_t back_s, runlist *out)
{
    size_t c = 0;
    int64_t prev_end = INT64_MIN;
    for (size_t i = 0; i < v->n_timeline; i++) {
        const sp_sla_seg *g = &v->timeline[i];
        if (g->state != SP_STATE_DOWN)
            continue;
        if (out->n > 0 && out->v[out->n - 1].end == g->start) {
            out->v[out->n - 1].end = g->end;
            continue;
        }
        if (out->n > 0)
            prev_end = out->v[out->n - 1].end;
        /* Window [lo, s]: a first failed probe within one resolution before
         * the edge, but never one that belongs to the previous run. */
        int64_t lo = g->start - back_s;
        if (prev_end > lo)
            lo = prev_end;
        while (c < v->n_down_since && v->down_since[c] < lo)
            c++;
        int64_t since = g->start;
        if (c < v->n_down_since && v->down_since[c] <= g->start)
            since = v->down_since[c];
        if (sp_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v) != SP_OK)
            return SP_ENOMEM;
        out->v[out->n++] = (run){g->start, g->end, since, g->reason};
    }
    return SP_OK;
}

/* --- The sweep ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_down(const void *a, const void *b)
{
    const sp_quorum_down *x = a, *y = b;
    if (x->since != y->since)
        return (x->since > y->since) - (x->since < y->since);
    return (x->vantage > y->vantage) - (x->vantage < y->vantage);
}

/* Where the sweep stands in one vantage. */
typedef struct cursor {
    size_t seg, run;
    size_t entry; /* its sp_quorum_down in the open incident, SIZE_MAX: none */
} cursor;

typedef struct sweep {
    const sp_quorum_input *in;
    runlist *runs; /* one per vantage */
    cursor *cur;
    size_t *pick; /* scratch: the vantages DOWN in the current piece */
    seglist tl;
    size_t cap_inc, cap_down, cap_part;
    sp_quorum_result *r;
    bool open_inc, open_part;
    int64_t prev_inc_end;
} sweep;

/* The q-th vantage among those DOWN now, by (since, index): a selection
 * over at most n entries, n being a handful of vantages. */
static size_t qth_vantage(const sweep *w, size_t nd)
{
    unsigned q = w->in->quorum;
    size_t *p = w->pick; /* partly sorted in place: the set stays the same */
    for (unsigned i = 0; i < q; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < nd; j++) {
            int64_t sj = w->runs[p[j]].v[w->cur[p[j]].run].since;
            int64_t sb = w->runs[p[best]].v[w->cur[p[best]].run].since;
            if (sj < sb || (sj == sb && p[j] < p[best]))
                best = j;
        }
        size_t t = p[i];
        p[i] = p[best];
        p[best] = t;
    }
    return p[q - 1];
}

static void close_incident(sweep *w, int64_t end)
{
    sp_quorum_incident *inc = &w->r->incidents[w->r->n_incidents - 1];
    inc->end = end;
    for (size_t i = 0; i < inc->n_down; i++)
        w->cur[w->r->downs[inc->first_down + i].vantage].entry = SIZE_MAX;
    qsort(&w->r->downs[inc->first_down], inc->n_down, sizeof *w->r->downs, cmp_down);
    w->open_inc = false;
    w->prev_inc_end = end;
}

/* One piece [a, b) in which every vantage keeps its state. */
static sp_status piece(sweep *w, int64_t a, int64_t b)
{
    const sp_quorum_input *in = w->in;
    unsigned d = 0, u = 0, k = 0, slow = 0;
    size_t first = SIZE_MAX; /* the DOWN vantage whose outage began first */
    for (size_t v = 0; v < in->n_vantages; v++) {
        const sp_quorum_vantage *qv = &in->vantages[v];
        cursor *c = &w->cur[v];
        while (c->seg < qv->n_timeline && qv->timeline[c->seg].end <= a)
            c->seg++;
        while (c->run < w->runs[v].n && w->runs[v].v[c->run].end <= a)
            c->run++;
        const sp_sla_seg *g = c->seg < qv->n_timeline && qv->timeline[c->seg].start <= a
                                  ? &qv->timeline[c->seg]
                                  : NULL;
        sp_state st = g ? g->state : SP_STATE_UNKNOWN;
        if (st == SP_STATE_DOWN) {
            w->pick[d++] = v;
            if (first == SIZE_MAX ||
                w->runs[v].v[c->run].since < w->runs[first].v[w->cur[first].run].since)
                first = v;
        } else if (st == SP_STATE_UP) {
            u++;
            slow += g->degraded;
        } else {
            k++;
        }
    }
    unsigned q = in->quorum;
    sp_state st = sp_quorum_decide(d, u, k, q);
    sp_sla_seg g = {.start = a, .end = b, .state = st, .reason = SP_REASON_OK};
    if (st == SP_STATE_DOWN)
        g.reason = w->runs[first].v[w->cur[first].run].reason;
    else if (st == SP_STATE_UP)
        g.degraded = slow >= q;
    if (seg_push(&w->tl, g) != SP_OK)
        return SP_ENOMEM;

    sp_quorum_result *r = w->r;
    if (st != SP_STATE_DOWN && w->open_inc)
        close_incident(w, a);
    if (st == SP_STATE_DOWN) {
        if (!w->open_inc) {
            if (sp_grow((void **)&r->incidents, &w->cap_inc, r->n_incidents + 1,
                        sizeof *r->incidents) != SP_OK)
                return SP_ENOMEM;
            size_t qv = qth_vantage(w, d);
            int64_t start = w->runs[qv].v[w->cur[qv].run].since;
            if (start < w->prev_inc_end)
                start = w->prev_inc_end;
            r->incidents[r->n_incidents++] = (sp_quorum_incident){.start = start,
                                                                  .run_start = a,
                                                                  .end = b,
                                                                  .quorum_vantage = qv,
                                                                  .first_down = r->n_downs};
            w->open_inc = true;
        }
        sp_quorum_incident *inc = &r->incidents[r->n_incidents - 1];
        for (size_t i = 0; i < d; i++) {
            size_t v = w->pick[i];
            cursor *c = &w->cur[v];
            if (c->entry == SIZE_MAX) {
                if (sp_grow((void **)&r->downs, &w->cap_down, r->n_downs + 1, sizeof *r->downs) !=
                    SP_OK)
                    return SP_ENOMEM;
                const run *rn = &w->runs[v].v[c->run];
                c->entry = r->n_downs;
                r->downs[r->n_downs++] =
                    (sp_quorum_down){.vantage = v, .since = rn->since, .reason = rn->reason};
                inc->n_down++;
            }
            r->downs[c->entry].down_s += b - a;
        }
    }

    if (d > 0 && d < q) {
        sp_quorum_partial *p = w->open_part ? &r->partial[r->n_partial - 1] : NULL;
        if (!p) {
            if (sp_grow((void **)&r->partial, &w->cap_part, r->n_partial + 1, sizeof *r->partial) !=
                SP_OK)
                return SP_ENOMEM;
            p = &r->partial[r->n_partial++];
            *p = (sp_quorum_partial){.start = a, .end = b, .max_down = d};
            w->open_part = true;
        }
        p->end = b;
        if (d > p->max_down)
            p->max_down = d;
    } else {
        w->open_part = false;
    }
    return SP_OK;
}

static sp_status validate(const sp_quorum_input *in)
{
    if (!in->vantages || sp_quorum_check(in->quorum, in->n_vantages) != SP_OK || in->back_s < 0)
        return SP_EINVAL;
    for (size_t v = 0; v < in->n_vantages; v++) {
        const sp_quorum_vantage *qv = &in->vantages[v];
        if (!valid_timeline(qv->timeline, qv->n_timeline))
            return SP_EINVAL;
        if (qv->n_down_since && !qv->down_since)
            return SP_EINVAL;
        for (size_t i = 1; i < qv->n_down_since; i++)
            if (qv->down_since[i] < qv->down_since[i - 1])
                return SP_EINVAL;
    }
    return SP_OK;
}

sp_status sp_quorum_combine(const sp_quorum_input *in, sp_quorum_result *out)
{
    memset(out, 0, sizeof *out);
    sp_status st = validate(in);
    if (st != SP_OK)
        return st;

    size_t n = in->n_vantages, nb = 0;
    sweep w = {.in = in, .r = out, .prev_inc_end = INT64_MIN};
    int64_t *bounds = NULL;
    st = SP_ENOMEM;
    w.runs = calloc(n, sizeof *w.runs);
    w.cur = calloc(n, sizeof *w.cur);
    w.pick = calloc(n, sizeof *w.pick);
    if (!w.runs || !w.cur || !w.pick)
        goto out;
    size_t total = 0;
    for (size_t v = 0; v < n; v++) {
        total += 2 * in->vantages[v].n_timeline;
        w.cur[v].entry = SIZE_MAX;
        if (vantage_runs(&in->vantages[v], in->back_s, &w.runs[v]) != SP_OK)
            goto out;
    }
    if (total > 0 && !(bounds = malloc(total * sizeof *bounds)))
        goto out;
    for (size_t v = 0; v < n; v++)
        for (size_t i = 0; i < in->vantages[v].n_timeline; i++) {
            bounds[nb++] = in->vantages[v].timeline[i].start;
            bounds[nb++] = in->vantages[v].timeline[i].end;
        }
    if (nb > 0)
        qsort(bounds, nb, sizeof *bounds, cmp_i64);
    for (size_t i = 0; i + 1 < nb; i++) {
        if (bounds[i] == bounds[i + 1])
            continue;
        if (piece(&w, bounds[i], bounds[i + 1]) != SP_OK)
            goto out;
    }
    if (w.open_inc)
        close_incident(&w, w.tl.v[w.tl.n - 1].end);
    out->timeline = w.tl.v;
    out->n_timeline = w.tl.n;
    w.tl.v = NULL;
    st = SP_OK;
out:
    if (w.runs)
        for (size_t v = 0; v < n; v++)
            free(w.runs[v].v);
    free(w.runs);
    free(w.cur);
    free(w.pick);
    free(bounds);
    free(w.tl.v);
    if (st != SP_OK)
        sp_quorum_result_free(out);
    return st;
}

void sp_quorum_result_free(sp_quorum_result *r)
{
    free(r->timeline);
    free(r->incidents);
    free(r->downs);
    free(r->partial);
    memset(r, 0, sizeof *r);
}

/* --- Control targets ----------------------------------------------------- */

sp_status sp_quorum_mask_control(const sp_sla_seg *segs, size_t n, const sp_sla_span *control_down,
                                 size_t n_control_down, sp_sla_seg **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!valid_timeline(segs, n) || (n_control_down && !control_down))
        return SP_EINVAL;
    sp_sla_spans cd = {0};
    seglist l = {0};
    sp_status st = SP_EINVAL;
    for (size_t i = 0; i < n_control_down; i++) {
        if (control_down[i].end <= control_down[i].start) {
            st = SP_EINVAL;
            goto out;
        }
        if ((st = sp_sla_spans_push(&cd, control_down[i].start, control_down[i].end)) != SP_OK)
            goto out;
    }
    sp_sla_spans_normalize(&cd);
    st = SP_ENOMEM;
    size_t c = 0; /* both ascend: one cursor into the control spans */
    for (size_t i = 0; i < n; i++) {
        sp_sla_seg g = segs[i];
        if (g.state != SP_STATE_DOWN) {
            if (seg_push(&l, g) != SP_OK)
                goto out;
            continue;
        }
        while (c < cd.n && cd.v[c].end <= g.start)
            c++;
        int64_t t = g.start;
        for (size_t j = c; j < cd.n && cd.v[j].start < g.end; j++) {
            int64_t s = cd.v[j].start > t ? cd.v[j].start : t;
            int64_t e = cd.v[j].end < g.end ? cd.v[j].end : g.end;
            if (s > t &&
                seg_push(&l, (sp_sla_seg){t, s, SP_STATE_DOWN, g.reason, g.degraded}) != SP_OK)
                goto out;
            if (seg_push(&l, (sp_sla_seg){s, e, SP_STATE_UNKNOWN, SP_REASON_OK, false}) != SP_OK)
                goto out;
            t = e;
        }
        if (t < g.end &&
            seg_push(&l, (sp_sla_seg){t, g.end, SP_STATE_DOWN, g.reason, g.degraded}) != SP_OK)
            goto out;
    }
    *out = l.v;
    *nout = l.n;
    l.v = NULL;
    st = SP_OK;
out:
    sp_sla_spans_free(&cd);
    free(l.v);
    return st;
}
