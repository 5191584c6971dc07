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

#include "reports/timeline.h"
#include "storage/steps.h"

static void seg_is(const sp_sla_seg *s, int64_t a, int64_t b, sp_sla_state st, bool degraded)
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
    assert_int_equal(sp_report_timeline(up, NULL, 5, 60, 60, &s, &n), SP_OK);
    assert_int_equal(n, 3);
    seg_is(&s[0], 60, 130, SP_SLA_UP, false);
    seg_is(&s[1], 130, 250, SP_SLA_DOWN, false);
    seg_is(&s[2], 250, 360, SP_SLA_UP, false);
    free(s);
}

static void test_unknown_rows_are_gaps(void **state)
{
    (void)state;
    double up[] = {1, NAN, NAN, 0, 0.5};
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_report_timeline(up, NULL, 5, 0, 10, &s, &n), SP_OK);
    /* [0,10) up; gap [10,30); [30,40) down; [40,50): down 5 s first (continues
     * the down step), then up 5 s */
    assert_int_equal(n, 3);
    seg_is(&s[0], 0, 10, SP_SLA_UP, false);
    seg_is(&s[1], 30, 45, SP_SLA_DOWN, false);
    seg_is(&s[2], 45, 50, SP_SLA_UP, false);
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
    assert_int_equal(sp_report_timeline(up, dg, 2, 0, 60, &s, &n), SP_OK);
    assert_int_equal(n, 4);
    seg_is(&s[0], 0, 45, SP_SLA_UP, false);
    seg_is(&s[1], 45, 60, SP_SLA_DOWN, false);
    seg_is(&s[2], 60, 90, SP_SLA_UP, true);
    seg_is(&s[3], 90, 120, SP_SLA_UP, false);
    free(s);
}

static void test_reasons_from_journal_changes(void **state)
{
    (void)state;
    sp_sla_seg s[] = {{0, 100, SP_SLA_UP, SP_REASON_OK, false},
                      {100, 200, SP_SLA_DOWN, SP_REASON_OK, false},
                      {200, 300, SP_SLA_UP, SP_REASON_OK, false},
                      {300, 360, SP_SLA_DOWN, SP_REASON_OK, false},
                      {400, 460, SP_SLA_DOWN, SP_REASON_OK, false}};
    /* journal: down at 95 (RRD edge one step off), up at 205; down at 310
     * (within the segment); nothing for the third outage, whose last
     * change before it is the recovery at 370 */
    sp_report_change ch[] = {{95, SP_SLA_DOWN, SP_REASON_TCP_REFUSED},
                             {205, SP_SLA_UP, SP_REASON_OK},
                             {310, SP_SLA_DOWN, SP_REASON_TLS_CERT_EXPIRED},
                             {370, SP_SLA_UP, SP_REASON_OK}};
    sp_report_timeline_reasons(s, 5, ch, 4);
    assert_int_equal(s[1].reason, SP_REASON_TCP_REFUSED);
    assert_int_equal(s[3].reason, SP_REASON_TLS_CERT_EXPIRED);
    assert_int_equal(s[4].reason, SP_REASON_OK);
    assert_int_equal(s[0].reason, SP_REASON_OK);
}

static void test_all_down_intersects(void **state)
{
    (void)state;
    sp_sla_seg a[] = {{0, 100, SP_SLA_DOWN, SP_REASON_OK, false},
                      {100, 200, SP_SLA_DOWN, SP_REASON_OK, false},
                      {300, 400, SP_SLA_DOWN, SP_REASON_OK, false}};
    sp_sla_seg b[] = {{50, 150, SP_SLA_DOWN, SP_REASON_OK, false},
                      {150, 350, SP_SLA_UP, SP_REASON_OK, false},
                      {350, 500, SP_SLA_DOWN, SP_REASON_OK, false}};
    const sp_sla_seg *tl[] = {a, b};
    size_t counts[] = {3, 3};
    sp_sla_span *o;
    size_t n;
    assert_int_equal(sp_report_all_down(tl, counts, 2, &o, &n), SP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].start, 50);
    assert_int_equal(o[0].end, 150);
    assert_int_equal(o[1].start, 350);
    assert_int_equal(o[1].end, 400);
    free(o);
    assert_int_equal(sp_report_all_down(tl, counts, 0, &o, &n), SP_OK);
    assert_int_equal(n, 0);
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
        sp_store_steps_probe(&st, t * 1000, &s, ms, NAN);
        int64_t horizon = sp_sched_fsm_wants_retry(&f) ? f.first_fail_ms : t * 1000;
        nr += sp_store_steps_take(&st, horizon, rows + nr, 32 - nr);
    }
    assert_true(nr >= 6);
    double up[32];
    for (size_t i = 0; i < nr; i++)
        up[i] = rows[i].up;
    sp_sla_seg *s;
    size_t n;
    assert_int_equal(sp_report_timeline(up, NULL, nr, rows[0].t - 60, 60, &s, &n), SP_OK);
    int64_t down = 0, first = -1, last = -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i].state != SP_SLA_DOWN)
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
