/*
 * The per-target state machine (scheduler/fsm.c): every transition, the
 * confirmation count, dating an incident back to its first failure, and
 * the two ways a failure is not the vendor's (control outage, probe_error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scheduler/fsm.h"

#define OK true
#define FAIL false

static sp_fsm make(int confirm, double slow)
{
    sp_fsm f;
    sp_fsm_config c = {.confirm = confirm, .slow_ms = slow};
    sp_sched_fsm_init(&f, &c);
    return f;
}

static sp_fsm_step feed(sp_fsm *f, int64_t t, bool ok, sp_reason r)
{
    return sp_sched_fsm_feed(f, t, ok, ok ? SP_REASON_OK : r, 10.0, false);
}

static void test_starts_unknown_then_up(void **state)
{
    (void)state;
    sp_fsm f = make(2, 0);
    assert_int_equal(f.state, SP_STATE_UNKNOWN);
    sp_fsm_step s = feed(&f, 1000, OK, 0);
    assert_true(s.changed);
    assert_int_equal(s.from, SP_STATE_UNKNOWN);
    assert_int_equal(s.state, SP_STATE_UP);
    assert_int_equal(s.at_ms, 1000);
    s = feed(&f, 61000, OK, 0);
    assert_false(s.changed);
}

static void test_confirm_two(void **state)
{
    (void)state;
    sp_fsm f = make(2, 0);
    feed(&f, 0, OK, 0);
    sp_fsm_step s = feed(&f, 60000, FAIL, SP_REASON_TCP_REFUSED);
    assert_false(s.changed); /* one failure is not yet an outage */
    assert_int_equal(s.state, SP_STATE_UP);
    assert_true(sp_sched_fsm_wants_retry(&f));
    s = feed(&f, 70000, FAIL, SP_REASON_TCP_TIMEOUT);
    assert_true(s.changed);
    assert_int_equal(s.state, SP_STATE_DOWN);
    assert_int_equal(s.at_ms, 60000);                  /* dated back to the first failure */
    assert_int_equal(s.reason, SP_REASON_TCP_REFUSED); /* the first failure's reason */
    assert_false(sp_sched_fsm_wants_retry(&f));        /* confirmed: back to the normal interval */
    s = feed(&f, 130000, FAIL, SP_REASON_TCP_REFUSED);
    assert_false(s.changed);
    s = feed(&f, 190000, OK, 0);
    assert_true(s.changed);
    assert_int_equal(s.from, SP_STATE_DOWN);
    assert_int_equal(s.state, SP_STATE_UP);
    assert_int_equal(s.downtime_ms, 130000); /* 60 s .. 190 s */
}

static void test_blip_is_not_downtime(void **state)
{
    (void)state;
    sp_fsm f = make(3, 0);
    feed(&f, 0, OK, 0);
    feed(&f, 60000, FAIL, SP_REASON_HTTP_STATUS);
    feed(&f, 70000, FAIL, SP_REASON_HTTP_STATUS);
    assert_true(sp_sched_fsm_wants_retry(&f));
    sp_fsm_step s = feed(&f, 80000, OK, 0);
    assert_false(s.changed);
    assert_int_equal(s.state, SP_STATE_UP);
    assert_false(sp_sched_fsm_wants_retry(&f));
    /* the count starts again: two more failures do not confirm with 3 */
    feed(&f, 140000, FAIL, SP_REASON_HTTP_STATUS);
    s = feed(&f, 150000, FAIL, SP_REASON_HTTP_STATUS);
    assert_int_equal(s.state, SP_STATE_UP);
    s = feed(&f, 160000, FAIL, SP_REASON_HTTP_STATUS);
    assert_int_equal(s.state, SP_STATE_DOWN);
    assert_int_equal(s.at_ms, 140000);
}

static void test_confirm_one(void **state)
{
    (void)state;
    sp_fsm f = make(1, 0);
    feed(&f, 0, OK, 0);
    sp_fsm_step s = feed(&f, 60000, FAIL, SP_REASON_DNS_NXDOMAIN);
    assert_true(s.changed);
    assert_int_equal(s.state, SP_STATE_DOWN);
    assert_false(sp_sched_fsm_wants_retry(&f));
    sp_fsm g = make(0, 0); /* clamped to 1 */
    s = feed(&g, 0, FAIL, SP_REASON_DNS_NXDOMAIN);
    assert_int_equal(s.state, SP_STATE_DOWN);
}

static void test_down_from_unknown_start(void **state)
{
    (void)state;
    sp_fsm f = make(2, 0);
    feed(&f, 0, FAIL, SP_REASON_TLS_CERT_EXPIRED);
    sp_fsm_step s = feed(&f, 10000, FAIL, SP_REASON_TLS_CERT_EXPIRED);
    assert_true(s.changed);
    assert_int_equal(s.from, SP_STATE_UNKNOWN);
    assert_int_equal(s.state, SP_STATE_DOWN);
    assert_int_equal(s.at_ms, 0);
}

static void test_degraded(void **state)
{
    (void)state;
    sp_fsm f = make(2, 2000);
    sp_fsm_step s = sp_sched_fsm_feed(&f, 0, true, SP_REASON_OK, 2500, false);
    assert_int_equal(s.state, SP_STATE_UP); /* slow is still up */
    assert_true(s.degraded);
    s = sp_sched_fsm_feed(&f, 60000, true, SP_REASON_OK, 2000, false);
    assert_false(s.degraded); /* "slower than", not "as slow as" */
    assert_false(s.changed);
    sp_fsm g = make(2, 0); /* slow_ms 0: never degraded */
    s = sp_sched_fsm_feed(&g, 0, true, SP_REASON_OK, 99999, false);
    assert_false(s.degraded);
}

static void test_control_outage_is_unknown(void **state)
{
    (void)state;
    sp_fsm f = make(2, 0);
    feed(&f, 0, OK, 0);
    sp_fsm_step s = sp_sched_fsm_feed(&f, 60000, false, SP_REASON_TCP_TIMEOUT, -1, true);
    assert_true(s.changed);
    assert_int_equal(s.state, SP_STATE_UNKNOWN);
    assert_int_equal(s.reason, SP_REASON_TCP_TIMEOUT);
    s = sp_sched_fsm_feed(&f, 120000, false, SP_REASON_TCP_TIMEOUT, -1, true);
    assert_int_equal(s.state, SP_STATE_UNKNOWN); /* never DOWN while we are blind */
    assert_false(sp_sched_fsm_wants_retry(&f));
    /* our side is back, the vendor still fails: now it counts, from here */
    s = sp_sched_fsm_feed(&f, 180000, false, SP_REASON_TCP_TIMEOUT, -1, false);
    assert_int_equal(s.state, SP_STATE_UNKNOWN);
    s = sp_sched_fsm_feed(&f, 190000, false, SP_REASON_TCP_TIMEOUT, -1, false);
    assert_int_equal(s.state, SP_STATE_DOWN);
    assert_int_equal(s.at_ms, 180000);
}

static void test_control_outage_breaks_streak(void **state)
{
    (void)state;
    sp_fsm f = make(2, 0);
    feed(&f, 0, OK, 0);
    feed(&f, 60000, FAIL, SP_REASON_TCP_TIMEOUT);
    sp_fsm_step s = sp_sched_fsm_feed(&f, 70000, false, SP_REASON_TCP_TIMEOUT, -1, true);
    assert_int_equal(s.state, SP_STATE_UNKNOWN);
    s = sp_sched_fsm_feed(&f, 130000, false, SP_REASON_TCP_TIMEOUT, -1, false);
    assert_int_equal(s.state, SP_STATE_UNKNOWN); /* first failure of a new streak */
}

static void test_probe_error_is_never_downtime(void **state)
{
    (void)state;
    sp_fsm f = make(1, 0);
    feed(&f, 0, OK, 0);
    for (int i = 1; i <= 5; i++) {
        sp_fsm_step s = feed(&f, i * 60000, FAIL, SP_REASON_PROBE_ERROR);
        assert_int_equal(s.state, SP_STATE_UNKNOWN);
    }
    sp_fsm_step s = feed(&f, 360000, OK, 0);
    assert_true(s.changed);
    assert_int_equal(s.from, SP_STATE_UNKNOWN);
    assert_int_equal(s.downtime_ms, 0); /* UNKNOWN -> UP is no incident */
}

static void test_down_then_control_outage(void **state)
{
    (void)state;
    sp_fsm f = make(1, 0);
    feed(&f, 0, FAIL, SP_REASON_HTTP_STATUS);
    assert_int_equal(f.state, SP_STATE_DOWN);
    sp_fsm_step s = sp_sched_fsm_feed(&f, 60000, false, SP_REASON_HTTP_STATUS, -1, true);
    assert_true(s.changed);
    assert_int_equal(s.from, SP_STATE_DOWN);
    assert_int_equal(s.state, SP_STATE_UNKNOWN);
    assert_int_equal(s.downtime_ms, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sp_state_name(SP_STATE_UP), "UP");
    assert_string_equal(sp_state_name(SP_STATE_DOWN), "DOWN");
    assert_string_equal(sp_state_name(SP_STATE_UNKNOWN), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_unknown_then_up),
        cmocka_unit_test(test_confirm_two),
        cmocka_unit_test(test_blip_is_not_downtime),
        cmocka_unit_test(test_confirm_one),
        cmocka_unit_test(test_down_from_unknown_start),
        cmocka_unit_test(test_degraded),
        cmocka_unit_test(test_control_outage_is_unknown),
        cmocka_unit_test(test_control_outage_breaks_streak),
        cmocka_unit_test(test_probe_error_is_never_downtime),
        cmocka_unit_test(test_down_then_control_outage),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
