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
#ifndef SP_REPORT_TIMELINE_H
#define SP_REPORT_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "reports/sla.h"

/* rows: n values of up and degraded (degraded may be NULL), row i covering
 * [first_start + i * step, first_start + (i + 1) * step). Adjacent pieces
 * of the same state are merged. *out malloc'ed (caller frees). */
sp_status sp_report_timeline(const double *up, const double *degraded, size_t n,
                             int64_t first_start, long step, sp_sla_seg **out, size_t *nout);

/* A state change from the journal: at `since`, the target went DOWN with
 * reason (or came back UP). */
typedef struct sp_report_change {
    int64_t since;
    sp_sla_state to;
    sp_reason reason;
} sp_report_change;

/* Give each DOWN segment the reason of the last journal change to DOWN at
 * or before its end (changes sorted by since). The journal is where reasons
 * live; the RRD has none. */
void sp_report_timeline_reasons(sp_sla_seg *segs, size_t n, const sp_report_change *changes,
                                size_t n_changes);

/* The spans where every one of k timelines is DOWN (control-target
 * outages). *out malloc'ed; k == 0 gives none. */
sp_status sp_report_all_down(const sp_sla_seg *const *timelines, const size_t *counts, size_t k,
                             sp_sla_span **out, size_t *nout);

#endif
