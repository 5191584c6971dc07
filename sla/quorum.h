/*
 * sp_quorum: several vantages' timelines of one target combined into one,
 * by the quorum rule of SPEC section 10. Pure: values in, values out, no
 * clock and no files, so every combination is tested on its own
 * (tests/unit/test_quorum.c); docs/VANTAGES.md "Quorum" has worked examples.
 *
 * At each instant, with d vantages DOWN, u UP and k unmeasured (UNKNOWN or
 * no segment at all) out of n, and quorum q (1 <= q <= n):
 *   DOWN     if d >= q                       (q vantages saw it down)
 *   UNKNOWN  if u + d < q                    (fewer than q measured), or
 *            if d + k >= q                   (the unmeasured could still
 *                                             make it DOWN: undecided)
 *   UP       otherwise.
 * A DOWN minority (0 < d < q) is never downtime; it is reported apart as
 * "partial".
 *
 * Each vantage's timeline must already have its own control targets'
 * outages turned from DOWN into UNKNOWN (sp_quorum_mask_control), since a
 * vantage that cannot reach its controls has measured nothing.
 *
 * All times are Unix seconds; spans are half-open [start, end).
 */
#ifndef SP_SLA_QUORUM_H
#define SP_SLA_QUORUM_H

#include <stddef.h>
#include <stdint.h>

#include "common/sp_reason.h"
#include "common/sp_state.h"
#include "common/sp_status.h"
#include "sla/sla.h"

/* The rule above for one instant. Pure and total: any q >= 1 gives one of
 * the three states (callers validate q with sp_quorum_check first). */
sp_state sp_quorum_decide(unsigned d, unsigned u, unsigned k, unsigned q);

/* The default quorum of a target watched by n vantages: a majority,
 * n / 2 + 1 (1 of 1, 2 of 2 or 3, 3 of 4 or 5). 0 when n == 0, which
 * sp_quorum_check refuses. */
unsigned sp_quorum_default(size_t n);

/* SP_EINVAL unless 1 <= q <= n. */
sp_status sp_quorum_check(unsigned q, size_t n);

/* One vantage's view of the target. Everything borrowed. */
typedef struct sp_quorum_vantage {
    /* Sorted by start, not overlapping (gaps allowed: unmeasured). */
    const sp_sla_seg *timeline;
    size_t n_timeline;
    /* The first failed probe of each of this vantage's outages (the
     * journal's state changes to DOWN, their `since`), ascending. A DOWN
     * run of the timeline starting at s is dated back to the earliest of
     * these in [s - back_s, s] that is not before the vantage's previous
     * DOWN run ended; to s itself when there is none. May be empty. */
    const int64_t *down_since;
    size_t n_down_since;
} sp_quorum_vantage;

typedef struct sp_quorum_input {
    const sp_quorum_vantage *vantages; /* n_vantages >= 1 */
    size_t n_vantages;
    unsigned quorum; /* 1..n_vantages */
    /* How far before a DOWN run's first second its first failed probe may
     * lie: the timelines' resolution (the step), since rows place edges
     * only to within a step. 0 trusts the timelines' edges. */
    int64_t back_s;
} sp_quorum_input;

/* One vantage's part in a quorum incident. */
typedef struct sp_quorum_down {
    size_t vantage;   /* index into the input's vantages */
    int64_t since;    /* its outage start (back-dated) of its first DOWN run in the incident */
    sp_reason reason; /* that run's reason (of its first DOWN segment) */
    int64_t down_s;   /* its seconds DOWN inside [run_start, end) */
} sp_quorum_down;

/* A maximal run of quorum DOWN. */
typedef struct sp_quorum_incident {
    /* When the q-th vantage's outage began: of the vantages DOWN at
     * run_start, ordered by (since, index), the q-th one's since; never
     * before the previous quorum incident ended. start <= run_start. */
    int64_t start;
    int64_t run_start, end; /* the combined timeline's DOWN run */
    size_t quorum_vantage;  /* the vantage whose since is start */
    /* Every vantage DOWN at some instant of [run_start, end), ordered by
     * (since, vantage): downs[first_down .. first_down + n_down) of the
     * result. */
    size_t first_down, n_down;
} sp_quorum_incident;

/* A maximal run of a DOWN minority, 0 < d < q: shown, never counted. */
typedef struct sp_quorum_partial {
    int64_t start, end;
    unsigned max_down; /* the largest d inside it */
} sp_quorum_partial;

typedef struct sp_quorum_result {
    /* The combined timeline over [earliest start, latest end) of the
     * vantages' timelines, with no gap: where no decision is possible it
     * holds UNKNOWN segments. Touching pieces of equal state, reason and
     * degraded are merged. A DOWN piece carries the reason of the DOWN
     * vantage whose outage began first (lowest index on a tie); an UP
     * piece is degraded when at least q vantages are UP and degraded.
     * Ready for sp_sla_compute (with no control_down: already applied). */
    sp_sla_seg *timeline;
    size_t n_timeline;
    sp_quorum_incident *incidents;
    size_t n_incidents;
    sp_quorum_down *downs;
    size_t n_downs;
    sp_quorum_partial *partial;
    size_t n_partial;
} sp_quorum_result;

/* Combine. SP_EINVAL when the quorum fails sp_quorum_check, a timeline is
 * unsorted or overlapping or has a span with end <= start or an invalid
 * state or reason, down_since is not ascending, back_s < 0, or a count
 * comes with a NULL array; SP_ENOMEM. On error *out holds nothing to free;
 * on success the arrays are the caller's: sp_quorum_result_free(). */
sp_status sp_quorum_combine(const sp_quorum_input *in, sp_quorum_result *out);

void sp_quorum_result_free(sp_quorum_result *r);

/* A vantage's timeline as the quorum needs it: every DOWN second inside
 * control_down (the spans in which all of that vantage's control targets
 * were down; any order, may overlap) becomes UNKNOWN; UP, UNKNOWN and the
 * rest of DOWN are kept. segs sorted, not overlapping; so is *out
 * (malloc'ed, caller frees; NULL when empty), touching pieces of equal
 * state, reason and degraded merged. SP_EINVAL on a bad span or segment. */
sp_status sp_quorum_mask_control(const sp_sla_seg *segs, size_t n, const sp_sla_span *control_down,
                                 size_t n_control_down, sp_sla_seg **out, size_t *nout);

#endif
