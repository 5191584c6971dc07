/*
 * sp_sla_classify (sla/sla.c): every second of a period in its class, for
 * the report's graphs. Small cases are worked out by hand (the arithmetic
 * in comments); a randomised one checks that the totals agree with
 * sp_sla_compute on the same input, since the graph must show exactly what
 * the figures count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sla/sla.h"

#define H 3600
#define DAY 86400
/* 2026-11-01T00:00+09:00 (a Sunday) */
#define NOV INT64_C(1793458800)

static sp_sla_seg seg(int64_t s, int64_t e, sp_state st)
{
    return (sp_sla_seg){.start = s, .end = e, .state = st, .reason = SP_REASON_TCP_REFUSED};
}

/* The bands cover [ms, me) without a hole, in order, and no two
 * neighbours share a class. */
static void assert_partition(const sp_sla_bands *b, int64_t ms, int64_t me)
{
    assert_true(b->n > 0);
    assert_int_equal(b->v[0].start, ms);
    assert_int_equal(b->v[b->n - 1].end, me);
    int64_t sum = 0;
    for (size_t i = 0; i < b->n; i++) {
        assert_true(b->v[i].start < b->v[i].end);
        if (i > 0) {
            assert_int_equal(b->v[i].start, b->v[i - 1].end);
            assert_int_not_equal(b->v[i].cls, b->v[i - 1].cls);
        }
        sum += b->v[i].end - b->v[i].start;
    }
    int64_t tot = 0;
    for (int c = 0; c < SP_SLA_BAND_COUNT; c++)
        tot += b->total_s[c];
    assert_int_equal(sum, me - ms);
    assert_int_equal(tot, me - ms);
}

/* 24x7, one day: UP, a 4-hour DOWN, a gap (no data), an UNKNOWN segment,
 * UP to the end. */
static void test_24x7(void **state)
{
    (void)state;
    const int64_t s = NOV, e = NOV + DAY;
    sp_sla_seg tl[] = {seg(s, s + 2 * H, SP_STATE_UP), seg(s + 2 * H, s + 6 * H, SP_STATE_DOWN),
                       /* gap [6h, 7h) */
                       seg(s + 7 * H, s + 8 * H, SP_STATE_UNKNOWN), seg(s + 8 * H, e, SP_STATE_UP)};
    sp_sla_input in = {
        .month_start = s, .month_end = e, .timeline = tl, .n_timeline = 4, .target_pct = 99.5};
    sp_sla_bands b;
    assert_int_equal(sp_sla_classify(&in, &b), SP_OK);
    assert_partition(&b, s, e);
    /* UP [0,2h) DOWN [2h,6h) UNKNOWN [6h,8h) (gap and UNKNOWN merged) UP [8h,24h) */
    assert_int_equal(b.n, 4);
    assert_int_equal(b.v[1].cls, SP_SLA_BAND_DOWN);
    assert_int_equal(b.v[1].start, s + 2 * H);
    assert_int_equal(b.v[1].end, s + 6 * H);
    assert_int_equal(b.v[2].cls, SP_SLA_BAND_UNKNOWN);
    assert_int_equal(b.v[2].end, s + 8 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_UP], 18 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_DOWN], 4 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_UNKNOWN], 2 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_OUTSIDE], 0);
    sp_sla_bands_free(&b);
}

/* Service 09:00-18:00 on one day, maintenance 10:00-11:00 (and 20:00-21:00,
 * outside hours: not maintenance), the target DOWN 12:00-15:00 with every
 * control target down 13:00-14:00, no data after 17:00. */
static void test_classes(void **state)
{
    (void)state;
    const int64_t s = NOV, e = NOV + DAY;
    sp_sla_span svc[] = {{s + 9 * H, s + 18 * H}};
    sp_sla_window mw[] = {{s + 20 * H, s + 21 * H, NULL}, {s + 10 * H, s + 11 * H, "planned"}};
    sp_sla_span cd[] = {{s + 13 * H, s + 14 * H}};
    sp_sla_seg tl[] = {seg(s, s + 12 * H, SP_STATE_UP), seg(s + 12 * H, s + 15 * H, SP_STATE_DOWN),
                       seg(s + 15 * H, s + 17 * H, SP_STATE_UP)};
    sp_sla_input in = {.month_start = s,
                       .month_end = e,
                       .service = svc,
                       .n_service = 1,
                       .maintenance = mw,
                       .n_maintenance = 2,
                       .timeline = tl,
                       .n_timeline = 3,
                       .control_down = cd,
                       .n_control_down = 1,
                       .target_pct = 99.5};
    sp_sla_bands b;
    assert_int_equal(sp_sla_classify(&in, &b), SP_OK);
    assert_partition(&b, s, e);
    /* OUTSIDE [0,9) UP [9,10) MAINT [10,11) UP [11,12) DOWN [12,13)
     * CONTROL [13,14) DOWN [14,15) UP [15,17) UNKNOWN [17,18) OUTSIDE [18,24) */
    static const sp_sla_band_class want[] = {
        SP_SLA_BAND_OUTSIDE, SP_SLA_BAND_UP,      SP_SLA_BAND_MAINTENANCE, SP_SLA_BAND_UP,
        SP_SLA_BAND_DOWN,    SP_SLA_BAND_CONTROL, SP_SLA_BAND_DOWN,        SP_SLA_BAND_UP,
        SP_SLA_BAND_UNKNOWN, SP_SLA_BAND_OUTSIDE};
    static const int at_h[] = {0, 9, 10, 11, 12, 13, 14, 15, 17, 18};
    assert_int_equal(b.n, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(b.v[i].cls, want[i]);
        assert_int_equal(b.v[i].start, s + at_h[i] * H);
    }
    assert_int_equal(b.total_s[SP_SLA_BAND_OUTSIDE], 15 * H); /* 9 + 6 */
    assert_int_equal(b.total_s[SP_SLA_BAND_MAINTENANCE], 1 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_DOWN], 2 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_CONTROL], 1 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_UNKNOWN], 1 * H);
    assert_int_equal(b.total_s[SP_SLA_BAND_UP], 4 * H); /* 1 + 1 + 2 */

    /* the figures count the same seconds */
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, b.total_s[SP_SLA_BAND_DOWN]);
    assert_int_equal(r.unknown_s, b.total_s[SP_SLA_BAND_UNKNOWN] + b.total_s[SP_SLA_BAND_CONTROL]);
    assert_int_equal(r.maintenance_s, b.total_s[SP_SLA_BAND_MAINTENANCE]);
    sp_sla_result_free(&r);
    sp_sla_bands_free(&b);
}

/* A timeline reaching past the period on both sides is clipped; an empty
 * timeline is all unknown. */
static void test_clip_and_empty(void **state)
{
    (void)state;
    const int64_t s = NOV, e = NOV + DAY;
    sp_sla_seg tl[] = {seg(s - DAY, e + DAY, SP_STATE_DOWN)};
    sp_sla_input in = {
        .month_start = s, .month_end = e, .timeline = tl, .n_timeline = 1, .target_pct = 99.5};
    sp_sla_bands b;
    assert_int_equal(sp_sla_classify(&in, &b), SP_OK);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.v[0].cls, SP_SLA_BAND_DOWN);
    assert_int_equal(b.total_s[SP_SLA_BAND_DOWN], DAY);
    sp_sla_bands_free(&b);
    in.n_timeline = 0;
    in.timeline = NULL;
    assert_int_equal(sp_sla_classify(&in, &b), SP_OK);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.v[0].cls, SP_SLA_BAND_UNKNOWN);
    sp_sla_bands_free(&b);
}

static void test_invalid(void **state)
{
    (void)state;
    sp_sla_bands b;
    sp_sla_input in = {.month_start = NOV, .month_end = NOV, .target_pct = 99.5};
    assert_int_equal(sp_sla_classify(&in, &b), SP_EINVAL);
    sp_sla_seg tl[] = {seg(NOV + 10, NOV + 20, SP_STATE_UP), seg(NOV + 15, NOV + 30, SP_STATE_UP)};
    in = (sp_sla_input){.month_start = NOV,
                        .month_end = NOV + DAY,
                        .timeline = tl,
                        .n_timeline = 2,
                        .target_pct = 99.5};
    assert_int_equal(sp_sla_classify(&in, &b), SP_EINVAL); /* overlapping */
    assert_int_equal(sp_sla_classify(NULL, &b), SP_EINVAL);
}

/* Random months (fixed seed): segments with gaps, service hours,
 * overlapping maintenance, control outages. The bands' totals are the
 * figures' seconds, class by class. */
static void test_random_agrees_with_compute(void **state)
{
    (void)state;
    srand(16);
    const int64_t s = NOV, e = NOV + 30 * DAY;
    for (int round = 0; round < 200; round++) {
        sp_sla_seg tl[300];
        sp_sla_span svc[40], cd[20];
        sp_sla_window mw[10];
        size_t nt = 0, ns = 0, nc = 0, nm = 0;
        int64_t t = s - (rand() % 2) * H; /* may start before the period */
        while (nt < 300 && t < e + H) {
            int64_t len = 60 * (1 + rand() % 600);
            if (rand() % 5 == 0)
                t += 60 * (rand() % 100); /* a gap */
            tl[nt++] = seg(t, t + len, (sp_state)(rand() % SP_STATE_COUNT));
            t += len;
        }
        bool always = rand() % 3 == 0;
        for (int64_t d = s; !always && d < e && ns < 40; d += DAY)
            if (rand() % 4)
                svc[ns++] = (sp_sla_span){d + 9 * H, d + 18 * H};
        for (; nc < (size_t)(rand() % 20); nc++) {
            int64_t a = s + rand() % (30 * DAY);
            cd[nc] = (sp_sla_span){a, a + 60 * (1 + rand() % 300)};
        }
        for (; nm < (size_t)(rand() % 10); nm++) {
            int64_t a = s - DAY + rand() % (32 * DAY);
            mw[nm] = (sp_sla_window){a, a + 60 * (1 + rand() % 900), NULL};
        }
        sp_sla_input in = {.month_start = s,
                           .month_end = e,
                           .service = always ? NULL : svc,
                           .n_service = always ? 0 : ns,
                           .maintenance = mw,
                           .n_maintenance = nm,
                           .timeline = tl,
                           .n_timeline = nt,
                           .control_down = cd,
                           .n_control_down = nc,
                           .target_pct = 99.5};
        if (!always && ns == 0)
            continue; /* service == NULL with n 0 means 24x7: covered above */
        sp_sla_bands b;
        sp_sla_result r;
        assert_int_equal(sp_sla_classify(&in, &b), SP_OK);
        assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
        assert_partition(&b, s, e);
        assert_int_equal(b.total_s[SP_SLA_BAND_UP], r.uptime_s);
        assert_int_equal(b.total_s[SP_SLA_BAND_DOWN], r.downtime_s);
        assert_int_equal(b.total_s[SP_SLA_BAND_UNKNOWN] + b.total_s[SP_SLA_BAND_CONTROL],
                         r.unknown_s);
        assert_int_equal(b.total_s[SP_SLA_BAND_MAINTENANCE], r.maintenance_s);
        assert_int_equal(b.total_s[SP_SLA_BAND_OUTSIDE], r.period_s - r.service_s);
        sp_sla_result_free(&r);
        sp_sla_bands_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_24x7),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_clip_and_empty),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_random_agrees_with_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
