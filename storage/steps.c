/*
 * Timeline to rows; see steps.h for the rules. The timeline is a short
 * list of segments (from, state) starting at the end of the last row
 * written: rows consume it from the front, probes append to (or, for a
 * back-dated DOWN, cut) its back.
 */
#include "steps.h"

#include <math.h>
#include <string.h>

sp_store_row sp_store_row_unknown(int64_t t)
{
    return (sp_store_row){.t = t,
                          .up = NAN,
                          .degraded = NAN,
                          .total_ms = NAN,
                          .dns_ms = NAN,
                          .connect_ms = NAN,
                          .tls_ms = NAN,
                          .ttfb_ms = NAN,
                          .cert_days = NAN};
}

void sp_store_steps_init(sp_steps *s, int64_t step_ms)
{
    memset(s, 0, sizeof *s);
    s->step_ms = step_ms;
    s->cert_days = NAN;
}

/* Set the state from t onwards, dropping segments that start later. */
static void set_from(sp_steps *s, int64_t t, sp_state st, bool degraded)
{
    while (s->nseg > 0 && s->seg[s->nseg - 1].from_ms >= t)
        s->nseg--;
    if (s->nseg > 0 && s->seg[s->nseg - 1].state == st && s->seg[s->nseg - 1].degraded == degraded)
        return;
    if (s->nseg == SP_STEPS_MAX_SEG) { /* flapping faster than we write: merge the oldest two */
        memmove(&s->seg[1], &s->seg[2], (SP_STEPS_MAX_SEG - 2) * sizeof s->seg[0]);
        s->nseg--;
    }
    s->seg[s->nseg++] = (sp_steps_seg){t, st, degraded};
}

void sp_store_steps_floor(sp_steps *s, int64_t floor_ms)
{
    s->floor_ms = floor_ms;
    if (s->started && s->written_ms < floor_ms)
        s->written_ms = floor_ms - floor_ms % s->step_ms;
}

void sp_store_steps_clock_gap(sp_steps *s, int64_t at_ms)
{
    if (!s->started || at_ms < s->written_ms)
        return;
    set_from(s, at_ms, SP_STATE_UNKNOWN, false);
    s->barrier_ms = at_ms;
}

void sp_store_steps_probe(sp_steps *s, int64_t t_ms, sp_state state, bool degraded, int64_t from_ms,
                          const double ms[5], double cert_days)
{
    if (!s->started) { /* the first row ends on the first step boundary after this */
        s->started = true;
        s->written_ms = t_ms - t_ms % s->step_ms;
        int64_t floor = s->floor_ms - s->floor_ms % s->step_ms;
        if (s->written_ms < floor)
            s->written_ms = floor;
    }
    /* A probe older than what is written (the clock went back) cannot
     * change the past, but its state is the latest: it holds from the end
     * of what is written. */
    int64_t from = from_ms;
    if (from < s->written_ms)
        from = s->written_ms;
    set_from(s, from, state, degraded);
    if (s->barrier_ms > s->written_ms && s->barrier_ms > from) {
        /* a clock jump after this state began: unknown from the jump to
         * this probe (or to the next one, for a probe from before it) */
        set_from(s, s->barrier_ms, SP_STATE_UNKNOWN, false);
        if (t_ms >= s->barrier_ms)
            set_from(s, t_ms, state, degraded);
    }
    if (t_ms > s->last_probe_ms || t_ms >= s->written_ms)
        s->last_probe_ms = t_ms;
    if (state == SP_STATE_UP) {
        if (s->nsample == SP_STEPS_MAX_SEG) {
            memmove(&s->sample[0], &s->sample[1], (SP_STEPS_MAX_SEG - 1) * sizeof s->sample[0]);
            s->nsample--;
        }
        s->sample[s->nsample].t_ms = t_ms;
        memcpy(s->sample[s->nsample].ms, ms, sizeof s->sample[0].ms);
        s->nsample++;
    }
    if (!isnan(cert_days))
        s->cert_days = cert_days;
}

/* Rows up to horizon_ms; a row with less known time than min_known_ms
 * is unknown. */
static size_t take(sp_steps *s, int64_t horizon_ms, int64_t min_known_ms, sp_store_row *out,
                   size_t max)
{
    size_t n = 0;
    if (!s->started || s->nseg == 0)
        return 0;
    while (n < max && s->written_ms + s->step_ms <= horizon_ms) {
        int64_t a = s->written_ms, b = a + s->step_ms;
        double up = 0, down = 0, deg = 0;
        for (size_t i = 0; i < s->nseg; i++) {
            int64_t from = s->seg[i].from_ms > a ? s->seg[i].from_ms : a;
            int64_t to = i + 1 < s->nseg ? s->seg[i + 1].from_ms : b;
            if (to > b)
                to = b;
            if (to <= from)
                continue;
            double d = (double)(to - from);
            if (s->seg[i].state == SP_STATE_UP) {
                up += d;
                if (s->seg[i].degraded)
                    deg += d;
            } else if (s->seg[i].state == SP_STATE_DOWN) {
                down += d;
            }
        }
        /* time before the first segment (start of the record) is unknown */
        sp_store_row *r = &out[n++];
        r->t = b / 1000;
        double known = up + down;
        if (known < (double)min_known_ms || known <= 0) {
            r->up = r->degraded = NAN;
        } else {
            r->up = up / known;
            r->degraded = deg / known;
        }
        double *dst[5] = {&r->dns_ms, &r->connect_ms, &r->tls_ms, &r->ttfb_ms, &r->total_ms};
        double sum[5] = {0};
        int cnt[5] = {0};
        size_t used = 0;
        while (used < s->nsample && s->sample[used].t_ms <= b) {
            for (int i = 0; i < 5; i++) {
                if (s->sample[used].t_ms > a && s->sample[used].ms[i] >= 0) {
                    sum[i] += s->sample[used].ms[i];
                    cnt[i]++;
                }
            }
            used++;
        }
        memmove(&s->sample[0], &s->sample[used], (s->nsample - used) * sizeof s->sample[0]);
        s->nsample -= used;
        for (int i = 0; i < 5; i++)
            *dst[i] = cnt[i] ? sum[i] / cnt[i] : NAN;
        r->cert_days = s->cert_days;
        s->written_ms = b;
        /* drop segments that ended before the new start, keep the one in force */
        size_t keep = 0;
        while (keep + 1 < s->nseg && s->seg[keep + 1].from_ms <= b)
            keep++;
        if (keep) {
            memmove(&s->seg[0], &s->seg[keep], (s->nseg - keep) * sizeof s->seg[0]);
            s->nseg -= keep;
        }
    }
    return n;
}

size_t sp_store_steps_take(sp_steps *s, int64_t horizon_ms, sp_store_row *out, size_t max)
{
    if (horizon_ms > s->last_probe_ms)
        horizon_ms = s->last_probe_ms;
    /* a step that is mostly unknown is written as unknown */
    return take(s, horizon_ms, (s->step_ms + 1) / 2, out, max);
}

size_t sp_store_steps_settle(sp_steps *s, int64_t until_ms, sp_store_row *out, size_t max)
{
    if (!s->started || s->nseg == 0 || until_ms <= s->written_ms)
        return 0;
    set_from(s, until_ms, SP_STATE_UNKNOWN, false);
    int64_t end = until_ms + (s->step_ms - until_ms % s->step_ms) % s->step_ms;
    /* any known time makes the row: the stop marker says where it ends */
    size_t n = take(s, end, 1, out, max);
    if (s->written_ms >= end)
        s->nseg = 0; /* finished: nothing is known after until_ms */
    return n;
}
