/*
 * Timeline to RRD rows (storage/steps.c), driven through the real state
 * machine, with every row worked out by hand: downtime seconds must come
 * out exact at step resolution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "scheduler/fsm.h"
#include "storage/steps.h"

typedef struct rig {
    sp_fsm f;
    sp_steps s;
    sp_store_row rows[64];
    size_t n;
} rig;

static void rig_init(rig *r, int confirm)
{
    sp_fsm_config c = {.confirm = confirm, .slow_ms = 100};
    sp_sched_fsm_init(&r->f, &c);
    sp_store_steps_init(&r->s, 60000);
    r->n = 0;
}

/* One probe at t seconds; then take what is settled. */
static void probe(rig *r, int64_t t, bool ok, double total, bool controls_down)
{
    sp_fsm_step st = sp_sched_fsm_feed(
        &r->f, t * 1000, ok, ok ? SP_REASON_OK : SP_REASON_TCP_REFUSED, total, controls_down);
    double ms[5] = {1, 2, 3, 4, total};
    sp_store_steps_probe(&r->s, t * 1000, st.state, st.degraded, st.changed ? st.at_ms : t * 1000,
                         ms, 30);
    int64_t horizon = sp_sched_fsm_wants_retry(&r->f) ? r->f.first_fail_ms : t * 1000;
    r->n += sp_store_steps_take(&r->s, horizon, r->rows + r->n, 64 - r->n);
}

static void test_outage_split_over_steps(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, true, 40, false);
    assert_int_equal(r.n, 1); /* (0,60] */
    assert_int_equal(r.rows[0].t, 60);
    assert_true(r.rows[0].up == 1.0);
    assert_true(r.rows[0].total_ms == 20.0); /* only the probe at 10 s is in (0,60] */
    assert_true(r.rows[0].cert_days == 30.0);

    probe(&r, 130, false, -1, false); /* first failure: nothing past 130 s is settled */
    assert_int_equal(r.n, 2);         /* (60,120] only */
    assert_true(r.rows[1].up == 1.0);
    assert_true(r.rows[1].total_ms == 40.0);
    probe(&r, 140, false, -1, false); /* confirmed, dated back to 130 s */
    probe(&r, 190, false, -1, false);
    assert_int_equal(r.n, 3); /* (120,180]: up 120..130 = 10 s of 60 */
    assert_true(fabs(r.rows[2].up - 10.0 / 60.0) < 1e-12);
    assert_true(isnan(r.rows[2].total_ms)); /* no successful probe in that step */
    probe(&r, 250, true, 20, false);
    assert_int_equal(r.n, 4); /* (180,240]: all down */
    assert_true(r.rows[3].up == 0.0);
    probe(&r, 310, true, 20, false);
    assert_int_equal(r.n, 5); /* (240,300]: down 240..250, up 250..300 */
    assert_true(fabs(r.rows[4].up - 50.0 / 60.0) < 1e-12);

    /* downtime over the rows = 130..250 s = 120 s exactly */
    double down = 0;
    for (size_t i = 0; i < r.n; i++)
        down += (1.0 - r.rows[i].up) * 60.0;
    assert_true(fabs(down - 120.0) < 1e-9);
}

static void test_blip_leaves_no_downtime(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, false, -1, false); /* unconfirmed */
    probe(&r, 80, true, 20, false);  /* recovered on retry */
    probe(&r, 130, true, 20, false);
    assert_int_equal(r.n, 2);
    assert_true(r.rows[0].up == 1.0);
    assert_true(r.rows[1].up == 1.0);
}

static void test_unknown_is_left_out(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 1);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, false, -1, true); /* control outage: UNKNOWN from 70 */
    probe(&r, 130, false, -1, true);
    probe(&r, 190, true, 20, false);
    assert_int_equal(r.n, 3);
    /* (60,120]: 10 s up, 50 s unknown -> mostly unknown -> NaN */
    assert_true(r.rows[0].up == 1.0); /* (0,60]: 50 s known of 60 */
    assert_true(isnan(r.rows[1].up));
    assert_true(isnan(r.rows[2].up)); /* (120,180] all unknown */
}

static void test_degraded_fraction(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 0, true, 20, false);   /* fast */
    probe(&r, 30, true, 500, false); /* slow from 30 s (slow_ms 100) */
    probe(&r, 60, true, 20, false);
    assert_int_equal(r.n, 1);
    assert_true(r.rows[0].up == 1.0);
    assert_true(fabs(r.rows[0].degraded - 0.5) < 1e-12);
    assert_true(fabs(r.rows[0].total_ms - 260.0) < 1e-12); /* mean of 20 and 500 */
}

static void test_first_step_partial(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 50, true, 20, false); /* record starts 50 s into the step */
    probe(&r, 110, true, 20, false);
    assert_int_equal(r.n, 1);
    assert_true(isnan(r.rows[0].up)); /* 10 s known of 60: unknown */
}


/* settle() at a stop: the state of the last probe holds up to the stop,
 * and the step of the stop is written for its known part. The issue: a
 * target DOWN at SIGTERM lost every step after its last probe. */
static void settle_at(rig *r, int64_t until_s)
{
    r->n += sp_store_steps_settle(&r->s, until_s * 1000, r->rows + r->n, 64 - r->n);
}

static void test_settle_down_to_stop(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, false, -1, false);
    probe(&r, 80, false, -1, false); /* DOWN since 70 */
    assert_int_equal(r.n, 1);        /* (0,60] */
    settle_at(&r, 105);              /* stop 25 s after the last probe */
    assert_int_equal(r.n, 2);
    assert_int_equal(r.rows[1].t, 120); /* the step (60,120] holds 60..105 */
    /* 10 s UP (60..70) of 45 s known */
    assert_true(fabs(r.rows[1].up - 10.0 / 45.0) < 1e-9);
    /* nothing more: the timeline is finished */
    settle_at(&r, 200);
    assert_int_equal(r.n, 2);
}

static void test_settle_bounded_by_caller(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 1);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, false, -1, false); /* DOWN at once (confirm 1) */
    /* the caller passes min(stop, last probe + interval) = 130: rows
     * (60,120] down from 70 and (120,180] only 120..130 known, down */
    settle_at(&r, 130);
    assert_int_equal(r.n, 3);
    assert_true(fabs(r.rows[1].up - 10.0 / 60.0) < 1e-9);
    assert_int_equal(r.rows[2].t, 180);
    assert_true(r.rows[2].up == 0.0);
}

static void test_settle_on_step_boundary(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, true, 20, false);
    settle_at(&r, 120);
    assert_int_equal(r.n, 2); /* (60,120] whole, nothing partial after it */
    assert_int_equal(r.rows[1].t, 120);
    assert_true(r.rows[1].up == 1.0);
}

/* A restart inside a step the RRD already holds: the first row goes after
 * the file's last update, never onto it (rrdtool would refuse it). */
static void test_floor_from_rrd(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    sp_store_steps_floor(&r.s, 120 * 1000);
    probe(&r, 100, true, 20, false); /* inside (60,120], already written */
    probe(&r, 130, true, 20, false);
    probe(&r, 190, true, 20, false);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.rows[0].t, 180);
}

/* The clock went back: a probe older than what is written cannot change
 * the past, but its state holds from there on. */
static void test_old_probe_sets_state_from_written(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 1);
    probe(&r, 10, true, 20, false);
    probe(&r, 130, true, 20, false);
    assert_int_equal(r.n, 2);        /* written to 120 */
    probe(&r, 50, false, -1, false); /* clock back: DOWN, stamped 50 */
    assert_int_equal(r.n, 2);
    probe(&r, 190, false, -1, false);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.rows[2].t, 180);
    assert_true(r.rows[2].up == 0.0); /* (120,180] down: the latest state */
}

/* The clock jumped forward: the state before the jump holds up to the
 * jump, then the time is unknown until the next probe, also when a probe
 * started before the jump reports after it. */
static void test_clock_gap_is_unknown(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, 2);
    probe(&r, 10, true, 20, false);
    probe(&r, 70, true, 20, false);
    sp_store_steps_clock_gap(&r.s, 90 * 1000); /* 90 -> 3690 */
    probe(&r, 80, true, 20, false);            /* started before the jump */
    probe(&r, 3700, true, 20, false);
    /* (60,120]: 30 s up of 30 known = 1 (half known: written) */
    assert_true(r.rows[1].t == 120 && r.rows[1].up == 1.0);
    /* every step between is unknown */
    for (size_t i = 2; i < r.n; i++) {
        if (r.rows[i].t <= 3660)
            assert_true(isnan(r.rows[i].up));
    }
    assert_int_equal(r.rows[r.n - 1].t, 3660);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outage_split_over_steps),
        cmocka_unit_test(test_blip_leaves_no_downtime),
        cmocka_unit_test(test_unknown_is_left_out),
        cmocka_unit_test(test_degraded_fraction),
        cmocka_unit_test(test_first_step_partial),
        cmocka_unit_test(test_settle_down_to_stop),
        cmocka_unit_test(test_settle_bounded_by_caller),
        cmocka_unit_test(test_settle_on_step_boundary),
        cmocka_unit_test(test_floor_from_rrd),
        cmocka_unit_test(test_old_probe_sets_state_from_written),
        cmocka_unit_test(test_clock_gap_is_unknown),
    };
    return cmocka_run_group_tests_name("steps", tests, NULL, NULL);
}
