/*
 * RRD rows back to a state timeline (reports/timeline.c), with expected
 * segments worked out by hand, and a round trip through the daemon's own
 * row writer (storage/steps.c): an outage written as rows must come back
 * with the same seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sla/sla.h"
#include "sla/timeline.h"
#include "scheduler/fsm.h"
#include "storage/steps.h"

static void seg_is(const sp_sla_seg *s, int64_t a, int64_t b, sp_state st, bool degraded)
{
    assert_int_equal(s->start, a);
    assert_int_equal(s->end, b);
    assert_int_equal(s->state, st);
    assert_int_equal(s->degraded, degraded);
}

static void test_partial_steps_meet_their_down_neighbour(void **state)
{
    (void)state;
    /* outage 130..250 at 60 s: [120,180) 50 s down -> up 1/6; [180,240) down;
     * [240,300) 10 s down -> up 5/6 */
    double up[] = {1, 1.0 / 6, 0, 5.0 / 6, 1};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline(up, NULL, 5, 60, 60, &s, &n), SP_OK);
    assert_int_equal(n, 3);
    seg_is(&s[0], 60, 130, SP_STATE_UP, false);
    seg_is(&s[1], 130, 250, SP_STATE_DOWN, false);
    seg_is(&s[2], 250, 360, SP_STATE_UP, false);
    free(s);
}

static void test_unknown_rows_are_gaps(void **state)
{
    (void)state;
    double up[] = {1, NAN, NAN, 0, 0.5};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline(up, NULL, 5, 0, 10, &s, &n), SP_OK);
    /* [0,10) up; gap [10,30); [30,40) down; [40,50): down 5 s first (continues
     * the down step), then up 5 s */
    assert_int_equal(n, 3);
    seg_is(&s[0], 0, 10, SP_STATE_UP, false);
    seg_is(&s[1], 30, 45, SP_STATE_DOWN, false);
    seg_is(&s[2], 45, 50, SP_STATE_UP, false);
    free(s);
}

static void test_isolated_partial_and_degraded(void **state)
{
    (void)state;
    /* a lone 15 s failure inside a 60 s step; a step half degraded */
    double up[] = {0.75, 1};
    double dg[] = {0, 0.5};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline(up, dg, 2, 0, 60, &s, &n), SP_OK);
    assert_int_equal(n, 4);
    seg_is(&s[0], 0, 45, SP_STATE_UP, false);
    seg_is(&s[1], 45, 60, SP_STATE_DOWN, false);
    seg_is(&s[2], 60, 90, SP_STATE_UP, true);
    seg_is(&s[3], 90, 120, SP_STATE_UP, false);
    free(s);
}

static void test_reasons_from_journal_changes(void **state)
{
    (void)state;
    sp_sla_seg s[] = {{0, 100, SP_STATE_UP, SP_REASON_OK, false},
                      {100, 200, SP_STATE_DOWN, SP_REASON_OK, false},
                      {200, 300, SP_STATE_UP, SP_REASON_OK, false},
                      {300, 360, SP_STATE_DOWN, SP_REASON_OK, false},
                      {400, 460, SP_STATE_DOWN, SP_REASON_OK, false}};
    /* journal: down at 95 (RRD edge one step off), up at 205; down at 310
     * (within the segment); nothing for the third outage, whose last
     * change before it is the recovery at 370 */
    sp_sla_change ch[] = {{95, SP_STATE_DOWN, SP_REASON_TCP_REFUSED},
                          {205, SP_STATE_UP, SP_REASON_OK},
                          {310, SP_STATE_DOWN, SP_REASON_TLS_CERT_EXPIRED},
                          {370, SP_STATE_UP, SP_REASON_OK}};
    sp_sla_timeline_reasons(s, 5, ch, 4);
    assert_int_equal(s[1].reason, SP_REASON_TCP_REFUSED);
    assert_int_equal(s[3].reason, SP_REASON_TLS_CERT_EXPIRED);
    assert_int_equal(s[4].reason, SP_REASON_OK);
    assert_int_equal(s[0].reason, SP_REASON_OK);
}

static void test_all_down_intersects(void **state)
{
    (void)state;
    sp_sla_seg a[] = {{0, 100, SP_STATE_DOWN, SP_REASON_OK, false},
                      {100, 200, SP_STATE_DOWN, SP_REASON_OK, false},
                      {300, 400, SP_STATE_DOWN, SP_REASON_OK, false}};
    sp_sla_seg b[] = {{50, 150, SP_STATE_DOWN, SP_REASON_OK, false},
                      {150, 350, SP_STATE_UP, SP_REASON_OK, false},
                      {350, 500, SP_STATE_DOWN, SP_REASON_OK, false}};
    const sp_sla_seg *tl[] = {a, b};
    size_t counts[] = {3, 3};
    sp_sla_span *o;
    size_t n;
    assert_int_equal(sp_sla_all_down(tl, counts, 2, &o, &n), SP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].start, 50);
    assert_int_equal(o[0].end, 150);
    assert_int_equal(o[1].start, 350);
    assert_int_equal(o[1].end, 400);
    free(o);
    assert_int_equal(sp_sla_all_down(tl, counts, 0, &o, &n), SP_OK);
    assert_int_equal(n, 0);
}

static void seg_why(const sp_sla_seg *s, int64_t a, int64_t b, sp_state st, sp_reason why)
{
    seg_is(s, a, b, st, false);
    assert_int_equal(s->reason, why);
}

/* The SLA arithmetic of a timeline over [from, to), 24x7, no controls. */
static sp_sla_result sla_of(const sp_sla_seg *s, size_t n, int64_t from, int64_t to)
{
    sp_sla_input in = {
        .month_start = from, .month_end = to, .timeline = s, .n_timeline = n, .target_pct = 99.5};
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    return r;
}

/* A daemon stopped 3 s into a 5 s step during an outage that began at 7 s:
 * rows [0,5) up, [5,10) 3 s down (up 0.4), [10,15) down, and the settled
 * row [15,20) describing [15,18) only, down. Downtime is stop - first
 * failure = 18 - 7 = 11 s, and the 2 s after the stop are unknown; read
 * as a whole step the row would have given 13 s. */
static void test_settled_stop_during_outage(void **state)
{
    (void)state;
    double up[] = {1, 0.4, 0, 0};
    int64_t stops[] = {18};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline_settled(up, NULL, 4, 0, 5, stops, 1, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&s[0], 0, 7, SP_STATE_UP, false);
    seg_is(&s[1], 7, 18, SP_STATE_DOWN, false);
    sp_sla_result r = sla_of(s, n, 0, 20);
    assert_int_equal(r.downtime_s, 11);
    assert_int_equal(r.unknown_s, 2);
    assert_int_equal(r.uptime_s, 7);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 7);
    assert_int_equal(r.incidents[0].end, 18);
    sp_sla_result_free(&r);
    free(s);

    /* the same rows without the stop: the whole step is stretched */
    assert_int_equal(sp_sla_timeline(up, NULL, 4, 0, 5, &s, &n), SP_OK);
    r = sla_of(s, n, 0, 20);
    assert_int_equal(r.downtime_s, 13);
    sp_sla_result_free(&r);
    free(s);
}

/* A settled row's up is the fraction of its known part: up 0.5 over the
 * 6 s [10,16) is 3 s DOWN, against the stop, not 5 s of a 10 s step. */
static void test_settled_fraction_of_known_part(void **state)
{
    (void)state;
    double up[] = {1, 0.5, 1};
    double dg[] = {0, 0.25, 0};
    int64_t stops[] = {16};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline_settled(up, dg, 3, 0, 10, stops, 1, &s, &n), SP_OK);
    /* [0,10) up; [10,13) up, of which 0.25 x 6 = 1.5 s (rounded to 2)
     * slow: [10,12) degraded, [12,13) up; [13,16) down; [16,20) gap;
     * [20,30) up */
    assert_int_equal(n, 5);
    seg_is(&s[0], 0, 10, SP_STATE_UP, false);
    seg_is(&s[1], 10, 12, SP_STATE_UP, true);
    seg_is(&s[2], 12, 13, SP_STATE_UP, false);
    seg_is(&s[3], 13, 16, SP_STATE_DOWN, false);
    seg_is(&s[4], 20, 30, SP_STATE_UP, false);
    free(s);
}

/* A stop on a step boundary leaves that step unknown; several stops in
 * one step: the first counts (stops in any order); a DOWN step after a
 * settled row does not continue it; a stop in an unknown row changes
 * nothing. */
static void test_settled_edges(void **state)
{
    (void)state;
    sp_sla_seg *s;
    size_t n;
    double a[] = {0, 0, 0, 0};
    int64_t at_boundary[] = {10};
    assert_int_equal(sp_sla_timeline_settled(a, NULL, 4, 0, 5, at_boundary, 1, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&s[0], 0, 10, SP_STATE_DOWN, false);
    seg_is(&s[1], 15, 20, SP_STATE_DOWN, false);
    free(s);

    double b[] = {1, 1, 1};
    int64_t two[] = {17, 12, 100};
    assert_int_equal(sp_sla_timeline_settled(b, NULL, 3, 0, 10, two, 3, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&s[0], 0, 12, SP_STATE_UP, false);
    seg_is(&s[1], 20, 30, SP_STATE_UP, false);
    free(s);

    /* [0,3) down then stopped; [5,10) 2 s down: alone, so at its end */
    double c[] = {0, 0.6};
    int64_t three[] = {3};
    assert_int_equal(sp_sla_timeline_settled(c, NULL, 2, 0, 5, three, 1, &s, &n), SP_OK);
    assert_int_equal(n, 3);
    seg_is(&s[0], 0, 3, SP_STATE_DOWN, false);
    seg_is(&s[1], 5, 8, SP_STATE_UP, false);
    seg_is(&s[2], 8, 10, SP_STATE_DOWN, false);
    free(s);

    double d[] = {1, NAN, 1};
    int64_t in_gap[] = {7};
    assert_int_equal(sp_sla_timeline_settled(d, NULL, 3, 0, 5, in_gap, 1, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&s[0], 0, 5, SP_STATE_UP, false);
    seg_is(&s[1], 10, 15, SP_STATE_UP, false);
    free(s);

    assert_int_equal(sp_sla_timeline_settled(d, NULL, 3, 0, 5, NULL, 1, &s, &n), SP_EINVAL);
}

/* Spans forced to UNKNOWN: unordered and overlapping spans, a span across
 * a segment edge keeps the reason of what is left, one reaching past the
 * end is covered whole. */
static void test_cut_forces_unknown(void **state)
{
    (void)state;
    sp_sla_seg t[] = {{0, 100, SP_STATE_UP, SP_REASON_OK, false},
                      {100, 200, SP_STATE_DOWN, SP_REASON_TCP_REFUSED, false},
                      {200, 300, SP_STATE_UP, SP_REASON_OK, false}};
    sp_sla_span cut[] = {{150, 250}, {50, 60}, {280, 400}, {55, 70}};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline_cut(t, 3, cut, 4, &s, &n), SP_OK);
    assert_int_equal(n, 7);
    seg_why(&s[0], 0, 50, SP_STATE_UP, SP_REASON_OK);
    seg_why(&s[1], 50, 70, SP_STATE_UNKNOWN, SP_REASON_OK);
    seg_why(&s[2], 70, 100, SP_STATE_UP, SP_REASON_OK);
    seg_why(&s[3], 100, 150, SP_STATE_DOWN, SP_REASON_TCP_REFUSED);
    seg_why(&s[4], 150, 250, SP_STATE_UNKNOWN, SP_REASON_OK);
    seg_why(&s[5], 250, 280, SP_STATE_UP, SP_REASON_OK);
    seg_why(&s[6], 280, 400, SP_STATE_UNKNOWN, SP_REASON_OK);
    /* never downtime nor uptime: 300 s period, 50 down, 100 + 30 unknown */
    sp_sla_result r = sla_of(s, n, 0, 300);
    assert_int_equal(r.downtime_s, 50);
    assert_int_equal(r.uptime_s, 50 + 30 + 30);
    assert_int_equal(r.unknown_s, 20 + 100 + 20);
    sp_sla_result_free(&r);
    free(s);
}

/* Spans in gaps, across a gap, touching an UNKNOWN segment, covering
 * everything, none at all. */
static void test_cut_gaps_and_edges(void **state)
{
    (void)state;
    sp_sla_seg t[] = {{0, 10, SP_STATE_UP, SP_REASON_OK, false},
                      {20, 30, SP_STATE_DOWN, SP_REASON_DNS_TIMEOUT, false}};
    sp_sla_seg *s;
    size_t n;

    sp_sla_span across[] = {{5, 25}};
    assert_int_equal(sp_sla_timeline_cut(t, 2, across, 1, &s, &n), SP_OK);
    assert_int_equal(n, 3);
    seg_why(&s[0], 0, 5, SP_STATE_UP, SP_REASON_OK);
    seg_why(&s[1], 5, 25, SP_STATE_UNKNOWN, SP_REASON_OK);
    seg_why(&s[2], 25, 30, SP_STATE_DOWN, SP_REASON_DNS_TIMEOUT);
    free(s);

    sp_sla_span in_gap[] = {{12, 15}, {-10, -5}, {40, 50}};
    assert_int_equal(sp_sla_timeline_cut(t, 2, in_gap, 3, &s, &n), SP_OK);
    assert_int_equal(n, 5);
    seg_is(&s[0], -10, -5, SP_STATE_UNKNOWN, false);
    seg_is(&s[1], 0, 10, SP_STATE_UP, false);
    seg_is(&s[2], 12, 15, SP_STATE_UNKNOWN, false);
    seg_is(&s[3], 20, 30, SP_STATE_DOWN, false);
    seg_is(&s[4], 40, 50, SP_STATE_UNKNOWN, false);
    free(s);

    sp_sla_seg u[] = {{0, 10, SP_STATE_UNKNOWN, SP_REASON_OK, false},
                      {10, 20, SP_STATE_UP, SP_REASON_OK, true}};
    sp_sla_span touch[] = {{10, 15}};
    assert_int_equal(sp_sla_timeline_cut(u, 2, touch, 1, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&s[0], 0, 15, SP_STATE_UNKNOWN, false);
    seg_is(&s[1], 15, 20, SP_STATE_UP, true);
    free(s);

    sp_sla_span all[] = {{-1, 31}};
    assert_int_equal(sp_sla_timeline_cut(t, 2, all, 1, &s, &n), SP_OK);
    assert_int_equal(n, 1);
    seg_is(&s[0], -1, 31, SP_STATE_UNKNOWN, false);
    free(s);

    assert_int_equal(sp_sla_timeline_cut(t, 2, NULL, 0, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_why(&s[0], 0, 10, SP_STATE_UP, SP_REASON_OK);
    seg_why(&s[1], 20, 30, SP_STATE_DOWN, SP_REASON_DNS_TIMEOUT);
    free(s);

    /* a DOWN run with a not-stored hole in it: two incidents, the hole
     * counted as unknown */
    sp_sla_seg d[] = {{0, 100, SP_STATE_DOWN, SP_REASON_TCP_REFUSED, false}};
    sp_sla_span hole[] = {{40, 60}};
    assert_int_equal(sp_sla_timeline_cut(d, 1, hole, 1, &s, &n), SP_OK);
    sp_sla_result r = sla_of(s, n, 0, 100);
    assert_int_equal(r.downtime_s, 80);
    assert_int_equal(r.unknown_s, 20);
    assert_int_equal(r.n_incidents, 2);
    sp_sla_result_free(&r);
    free(s);
}

/* The daemon's writer and the report's reader agree: probes every 10 s at
 * a 60 s step, failing from 130 s to 250 s, confirm 2. */
static void test_round_trip_through_daemon_rows(void **state)
{
    (void)state;
    sp_fsm f;
    sp_steps st;
    sp_fsm_config fc = {.confirm = 2, .slow_ms = 1000};
    sp_sched_fsm_init(&f, &fc);
    sp_store_steps_init(&st, 60000);
    sp_store_row rows[32];
    size_t nr = 0;
    for (int64_t t = 0; t <= 400; t += 10) {
        bool ok = !(t >= 130 && t < 250);
        sp_fsm_step s = sp_sched_fsm_feed(&f, t * 1000, ok,
                                          ok ? SP_REASON_OK : SP_REASON_TCP_REFUSED, 5, false);
        double ms[5] = {1, 1, 1, 1, 5};
        sp_store_steps_probe(&st, t * 1000, s.state, s.degraded, s.changed ? s.at_ms : t * 1000, ms,
                             NAN);
        int64_t horizon = sp_sched_fsm_wants_retry(&f) ? f.first_fail_ms : t * 1000;
        nr += sp_store_steps_take(&st, horizon, rows + nr, 32 - nr);
    }
    assert_true(nr >= 6);
    double up[32];
    for (size_t i = 0; i < nr; i++)
        up[i] = rows[i].up;
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_sla_timeline(up, NULL, nr, rows[0].t - 60, 60, &s, &n), SP_OK);
    int64_t down = 0, first = -1, last = -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i].state != SP_STATE_DOWN)
            continue;
        down += s[i].end - s[i].start;
        if (first < 0)
            first = s[i].start;
        last = s[i].end;
    }
    assert_int_equal(down, 120);
    assert_int_equal(first, 130);
    assert_int_equal(last, 250);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_steps_meet_their_down_neighbour),
        cmocka_unit_test(test_unknown_rows_are_gaps),
        cmocka_unit_test(test_isolated_partial_and_degraded),
        cmocka_unit_test(test_reasons_from_journal_changes),
        cmocka_unit_test(test_all_down_intersects),
        cmocka_unit_test(test_round_trip_through_daemon_rows),
        cmocka_unit_test(test_settled_stop_during_outage),
        cmocka_unit_test(test_settled_fraction_of_known_part),
        cmocka_unit_test(test_settled_edges),
        cmocka_unit_test(test_cut_forces_unknown),
        cmocka_unit_test(test_cut_gaps_and_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
