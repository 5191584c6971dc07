/*
 * From a target's state timeline to RRD rows. Pure: no clock, no I/O.
 *
 * A row written at t describes (t - step, t]. The state between two probes
 * is the state the first of them established (SPEC: downtime runs from the
 * first failed probe to the first successful one), and a confirmed DOWN is
 * dated back to the first failure of its streak. So a step may only be
 * written once nothing can rewrite it any more: when a probe has happened
 * at or after its end, and no unconfirmed failure began before its end.
 *
 * Each row's `up` is the fraction of the step's known time that was UP;
 * time in UNKNOWN (control outage, probe_error) is left out, and a step
 * that is mostly unknown is written as unknown (NaN). `degraded` is the
 * fraction of the step that was UP but slow. Timings are the mean of the
 * step's successful probes.
 */
#ifndef SP_STORE_STEPS_H
#define SP_STORE_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sp_state.h"

/* State changes and probes kept between two written rows. A row is taken
 * at least every probe, so a handful suffice; 16 leaves room for retries
 * and flapping, and keeps 10,000 targets within a few hundred kB. */
#define SP_STEPS_MAX_SEG 16

typedef struct sp_store_row {
    int64_t t; /* Unix seconds, end of the step */
    double up, degraded, total_ms, dns_ms, connect_ms, tls_ms, ttfb_ms,
        cert_days; /* NaN: unknown */
} sp_store_row;

/* A row with every value unknown, ending at t. */
sp_store_row sp_store_row_unknown(int64_t t);

typedef struct sp_steps_seg {
    int64_t from_ms;
    sp_state state;
    bool degraded;
} sp_steps_seg;

/* Plain value embedded in the target's runtime state. */
typedef struct sp_steps {
    int64_t step_ms;
    bool started;       /* a probe has been recorded */
    int64_t written_ms; /* end of the last row produced */
    sp_steps_seg seg[SP_STEPS_MAX_SEG];
    size_t nseg;
    int64_t last_probe_ms;
    /* timings of successful probes not yet written, by time */
    struct {
        int64_t t_ms;
        double ms[5];
    } sample[SP_STEPS_MAX_SEG];
    size_t nsample;
    double cert_days;   /* last known, NaN when none */
    int64_t floor_ms;   /* the RRD's last update: no row at or before it */
    int64_t barrier_ms; /* a clock jump: nothing before it holds past it */
} sp_steps;

void sp_store_steps_init(sp_steps *s, int64_t step_ms);

/* Rows end after floor_ms (the RRD file's last update, ms): a restart
 * within a step written before never rewrites it (rrdtool would refuse). */
void sp_store_steps_floor(sp_steps *s, int64_t floor_ms);

/*
 * Record one probe at t_ms: the state that holds after it, as the state
 * machine's step for it says (state, degraded), since from_ms (the step's
 * at_ms when the state changed, else t_ms: a confirmed DOWN begins at the
 * first failure), and its timings (dns, connect, tls, ttfb, total;
 * negative = absent). cert_days: days left of the certificate, NaN when the
 * probe saw none. Plain values, not the scheduler's sp_fsm_step: storage
 * sits below the scheduler in the layers.
 */
void sp_store_steps_probe(sp_steps *s, int64_t t_ms, sp_state state, bool degraded, int64_t from_ms,
                          const double ms[5], double cert_days);

/*
 * Produce the rows that are settled. horizon_ms: nothing before it can
 * change any more (the caller passes the first failure of a pending streak,
 * or the time of the last probe). Writes at most max rows into out and
 * returns how many.
 */
size_t sp_store_steps_take(sp_steps *s, int64_t horizon_ms, sp_store_row *out, size_t max);

/*
 * At a stop (or a target's removal): the state of the last probe holds
 * until until_ms (the caller passes min(stop, last probe + interval)), and
 * nothing is known after it. Produces every row up to and including the
 * step that contains until_ms; that last row describes only its known part
 * (its `up` is the fraction of [step start, until_ms)), however short. The
 * journal's stop marker records until_ms, so a reader can tell. After this
 * the timeline is finished.
 */
size_t sp_store_steps_settle(sp_steps *s, int64_t until_ms, sp_store_row *out, size_t max);

/*
 * The wall clock jumped forward at at_ms (the time it showed before the
 * jump): the last state holds until at_ms and the time from there to the
 * next probe is unknown, even for a result of a probe started before the
 * jump that arrives after it.
 */
void sp_store_steps_clock_gap(sp_steps *s, int64_t at_ms);

#endif
