/*
 * From RRD rows back to a timeline of states, for the SLA arithmetic. Pure.
 *
 * A row written at t covers (t - step, t] and holds `up`, the fraction of
 * the step's known time that was UP (storage/steps.c), and `degraded`, the
 * fraction that was UP but slow. A whole-step value maps to one segment;
 * a fraction 0 < up < 1 means an edge inside the step. Where exactly is not
 * stored, so the DOWN part is put against the neighbouring DOWN step: an
 * outage from 130 s to 250 s at a 60 s step is stored as rows up = 1/6, 0,
 * 5/6 and comes back as one DOWN run 130..250. The seconds are exact at
 * step resolution; an edge is exact when its neighbour is DOWN and within
 * one step otherwise, and the report states its resolution.
 *
 * Row values are rounded to whole seconds; NaN is unknown (no segment).
 */
#ifndef SP_SLA_TIMELINE_H
#define SP_SLA_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "sla/sla.h"

/* rows: n values of up and degraded (degraded may be NULL), row i covering
 * [first_start + i * step, first_start + (i + 1) * step). Adjacent pieces
 * of the same state are merged. *out malloc'ed (caller frees). */
sp_status sp_sla_timeline(const double *up, const double *degraded, size_t n, int64_t first_start,
                          long step, sp_sla_seg **out, size_t *nout);

/* As sp_sla_timeline, for rows some of which describe only the first
 * part of their step: the daemon stopped at a time in stops (Unix
 * seconds, any order) and wrote the row of the step containing it for
 * [step start, stop) alone, its up and degraded being fractions of that
 * part (SPEC section 9). Such a row gives segments over [start, stop)
 * only; the rest of its step is a gap (unknown), and a DOWN step after it
 * does not continue it. A stop at the very start of a step leaves that
 * step unknown whatever the row says. Of several stops in one step the
 * first counts: a restart never rewrites a step. */
sp_status sp_sla_timeline_settled(const double *up, const double *degraded, size_t n,
                                  int64_t first_start, long step, const int64_t *stops,
                                  size_t n_stops, sp_sla_seg **out, size_t *nout);

/* Segments from hours (storage's hours file, docs/STORAGE.md): hour i
 * covers [first_start + i * 3600, + 3600) and was up_s[i] seconds UP (of
 * which degraded_s[i] slow) and down_s[i] DOWN, the rest unknown. Where in
 * the hour each part was is not kept: the hour is laid out as a row of the
 * rows file cut short by a stop after its known part would be (UP and
 * DOWN as sp_sla_timeline_settled places them, the unknown rest last), so
 * the seconds of each state in every hour are exact. NaN values: unknown.
 * *out malloc'ed (caller frees). */
sp_status sp_sla_timeline_hours(const double *up_s, const double *down_s, const double *degraded_s,
                                size_t n, int64_t first_start, sp_sla_seg **out, size_t *nout);

/* Force every second of spans (any order, may overlap) to UNKNOWN: the
 * parts of segs inside them are replaced by UNKNOWN segments covering each
 * span whole (gaps included), the rest of segs is kept as it is. segs:
 * sorted, not overlapping; so is *out (malloc'ed, caller frees), touching
 * UNKNOWN pieces merged. For ranges whose rows cannot be trusted as stored
 * (journal store_error lines). */
sp_status sp_sla_timeline_cut(const sp_sla_seg *segs, size_t n, const sp_sla_span *spans,
                              size_t n_spans, sp_sla_seg **out, size_t *nout);

/* A state change from the journal: at `since`, the target went DOWN with
 * reason (or came back UP). */
typedef struct sp_sla_change {
    int64_t since;
    sp_state to;
    sp_reason reason;
} sp_sla_change;

/* Give each DOWN segment the reason of the last journal change to DOWN at
 * or before its end (changes sorted by since). The journal is where reasons
 * live; the RRD has none. */
void sp_sla_timeline_reasons(sp_sla_seg *segs, size_t n, const sp_sla_change *changes,
                             size_t n_changes);

/* The spans where every one of k timelines is DOWN (control-target
 * outages). *out malloc'ed; k == 0 gives none. */
sp_status sp_sla_all_down(const sp_sla_seg *const *timelines, const size_t *counts, size_t k,
                          sp_sla_span **out, size_t *nout);

#endif
