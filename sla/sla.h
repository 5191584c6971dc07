/*
 * sp_sla: the SLA arithmetic of SPEC section 4, pure. Values in, values out:
 * no clock, no files, no timezone (calendar/calendar.h turns months and
 * service hours into spans first). This is the part customers rely on to
 * claim SLA credits, so every second is accounted for, and it is tested
 * exhaustively on its own (tests/unit/test_sla.c).
 *
 * All times are Unix seconds; every span is half-open [start, end).
 *
 * Definitions (E = eligible, U = unknown, D = downtime, all in seconds):
 *   E  = |month ∩ service hours| minus announced maintenance
 *   U  = eligible seconds with no valid measurement: gaps in the timeline,
 *        UNKNOWN segments, and DOWN while every control target was down
 *        (our side could not measure, so it is not held against the vendor)
 *   D  = eligible seconds DOWN (outside control-target outages)
 *   availability        = (E - U - D) / (E - U)
 *   strict_availability = (E - U - D) / E        (unknown counted as down)
 *   coverage            = (E - U) / E
 *   budget              = E * (1 - target), budget_left = budget - D
 *   met                 = availability >= target (exact at the boundary)
 * A month with E - U == 0 has no data: no_data is set, the percentages are
 * NaN, met is false, and no credit tier applies (never "100 %").
 */
#ifndef SP_SLA_H
#define SP_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sp_reason.h"
#include "common/sp_state.h"
#include "common/sp_status.h"

typedef struct sp_sla_span {
    int64_t start, end; /* [start, end), start < end */
} sp_sla_span;

/* One piece of the measured timeline. */
typedef struct sp_sla_seg {
    int64_t start, end;
    sp_state state;   /* the state machine's enum (common/sp_state.h) */
    sp_reason reason; /* DOWN: why (SP_REASON_OK when not known) */
    bool degraded;    /* UP but slower than slow_ms (performance issue) */
} sp_sla_seg;

/* A maintenance window as announced (may cross month boundaries). */
typedef struct sp_sla_window {
    int64_t start, end;
    const char *reason; /* borrowed, may be NULL */
} sp_sla_window;

/* A contract's credit tier: availability below below_pct earns credit_pct. */
typedef struct sp_sla_tier {
    double below_pct;
    double credit_pct;
} sp_sla_tier;

typedef struct sp_sla_input {
    int64_t month_start, month_end; /* the report period */
    /* Service spans (sorted, disjoint, e.g. from sp_cal_hours_spans);
     * service == NULL means every second of the period (24x7). */
    const sp_sla_span *service;
    size_t n_service;
    const sp_sla_window *maintenance; /* any order, may overlap */
    size_t n_maintenance;
    /* The measured timeline: sorted by start, not overlapping; may extend
     * beyond the period (clipped). A second covered by no segment is
     * unknown. */
    const sp_sla_seg *timeline;
    size_t n_timeline;
    /* Spans in which every control target was down (any order). */
    const sp_sla_span *control_down;
    size_t n_control_down;
    double target_pct;        /* e.g. 99.5 */
    const sp_sla_tier *tiers; /* any order */
    size_t n_tiers;
    /* Response times (total_ms) measured in the period, for avg and p95;
     * NaN entries are skipped. Not modified. */
    const double *rt_ms;
    size_t n_rt;
} sp_sla_input;

/* A maximal run of DOWN (after control-target outages are taken out),
 * clipped to the period. */
typedef struct sp_sla_incident {
    int64_t start, end;
    int64_t duration_s; /* end - start */
    int64_t counted_s;  /* the part inside eligible time: what D counts */
    sp_reason reason;   /* of the run's first segment */
    bool open_start;    /* already DOWN when the period began */
    bool open_end;      /* still DOWN when the period (or the timeline) ended */
} sp_sla_incident;

#define SP_SLA_N_CLASSES 6 /* = sp_reason_class values */

typedef struct sp_sla_result {
    int64_t period_s;      /* month_end - month_start */
    int64_t service_s;     /* |period ∩ service| */
    int64_t maintenance_s; /* service seconds inside maintenance */
    int64_t eligible_s, unknown_s, downtime_s;
    int64_t uptime_s;   /* E - U - D */
    int64_t degraded_s; /* eligible seconds UP but degraded */
    bool no_data;       /* E - U == 0 */
    double availability_pct, strict_availability_pct, coverage_pct; /* NaN when no_data */
    double target_pct;
    double budget_s, budget_left_s;
    bool met;
    /* Downtime seconds by the class of their reason (index sp_reason_class). */
    int64_t downtime_by_class[SP_SLA_N_CLASSES];
    sp_sla_incident *incidents; /* owned; sp_sla_result_free() */
    size_t n_incidents;
    double mttr_s;     /* mean incident duration; NaN without incidents */
    double mtbf_s;     /* uptime_s / n_incidents; NaN without incidents */
    int credit_tier;   /* index into input tiers, -1 when none applies */
    double credit_pct; /* 0 when none */
    size_t rt_n;
    double rt_avg_ms, rt_p95_ms; /* NaN when rt_n == 0 */
} sp_sla_result;

/* Compute everything. SP_EINVAL when the input is inconsistent (period
 * empty, unsorted or overlapping timeline, a span with end <= start);
 * SP_ENOMEM. On error *out holds nothing to free. */
sp_status sp_sla_compute(const sp_sla_input *in, sp_sla_result *out);

void sp_sla_result_free(sp_sla_result *r);

/* --- Every second of the period by class (for graphs) --------------------
 *
 * What sp_sla_compute counts, laid out in time so a graph can shade each
 * class apart: a second outside service hours is OUTSIDE; inside them,
 * MAINTENANCE in an announced window; otherwise (eligible) UP, DOWN
 * (counted downtime), CONTROL (DOWN while every control target was down:
 * unknown, not the vendor's) or UNKNOWN (no measurement). Totals agree
 * with sp_sla_compute on the same input: UP = uptime_s, DOWN =
 * downtime_s, UNKNOWN + CONTROL = unknown_s, MAINTENANCE = maintenance_s,
 * OUTSIDE = period_s - service_s. */
typedef enum sp_sla_band_class {
    SP_SLA_BAND_UP,
    SP_SLA_BAND_DOWN,
    SP_SLA_BAND_UNKNOWN,
    SP_SLA_BAND_MAINTENANCE,
    SP_SLA_BAND_OUTSIDE,
    SP_SLA_BAND_CONTROL,
} sp_sla_band_class;
#define SP_SLA_BAND_COUNT 6

typedef struct sp_sla_band {
    int64_t start, end; /* [start, end) */
    sp_sla_band_class cls;
} sp_sla_band;

/* The period cut into bands: sorted, touching (the first starts at
 * month_start, the last ends at month_end), neighbours of different
 * classes. Plain struct, embedded zeroed; v owned (sp_sla_bands_free). */
typedef struct sp_sla_bands {
    sp_sla_band *v;
    size_t n;
    int64_t total_s[SP_SLA_BAND_COUNT]; /* seconds per class */
} sp_sla_bands;

/* Classify every second of in's period. Same SP_EINVAL cases as
 * sp_sla_compute (rt_ms, target and tiers are checked but not used);
 * SP_ENOMEM. On error *out holds nothing to free. */
sp_status sp_sla_classify(const sp_sla_input *in, sp_sla_bands *out);

void sp_sla_bands_free(sp_sla_bands *b);

#endif
