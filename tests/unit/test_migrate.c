/*
 * Hours from the consolidated rows of the layout before (storage/migrate.c,
 * sp_store_migrate_hours), with the expected seconds worked out by hand: a
 * row with a value is wholly known, its up x seconds UP and the rest DOWN;
 * rows that straddle hours are split by their seconds; UP is rounded to
 * whole seconds half to even and DOWN is the known rest; degraded is at
 * most UP; response times count once per step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>

#include "storage/migrate.h"

static void hour_is(const sp_store_hour *h, int64_t t, double up, double down, double deg,
                    double total, double n)
{
    assert_int_equal(h->t, t);
    assert_true(h->up_s == up);
    assert_true(h->down_s == down);
    assert_true(h->degraded_s == deg);
    if (isnan(total))
        assert_true(isnan(h->total_ms));
    else
        assert_true(fabs(h->total_ms - total) < 1e-9);
    assert_true(h->total_n == n);
}

static void test_five_minute_rows(void **state)
{
    (void)state;
    /* hour [3600, 7200) of 12 rows: 10 up (total 100), one half up (total
     * 400, degraded 0.2), one unknown; the hour before gets no row */
    double up[12], deg[12], tot[12];
    for (int i = 0; i < 12; i++) {
        up[i] = 1;
        deg[i] = 0;
        tot[i] = 100;
    }
    up[4] = 0.5;
    deg[4] = 0.2;
    tot[4] = 400;
    up[7] = deg[7] = tot[7] = NAN;
    sp_store_hour h[2];
    assert_int_equal(sp_store_migrate_hours(up, deg, tot, 12, 3600, 300, 60, 0, 7200, h), SP_OK);
    hour_is(&h[0], 3600, 0, 0, 0, NAN, 0);
    /* up 10 x 300 + 150; down 150; degraded 60; total (10 x 5 x 100 + 5 x
     * 400) / 55 steps */
    hour_is(&h[1], 7200, 3150, 150, 60, (5000.0 + 2000) / 55, 55);
}

static void test_rows_across_hours(void **state)
{
    (void)state;
    /* a 7 s step: 42 steps a row, 294 s; the row [3528, 3822) is 72 s in
     * the first hour, 222 s in the second, half up */
    double up[] = {0.5}, deg[] = {0}, tot[] = {70};
    sp_store_hour h[2];
    assert_int_equal(sp_store_migrate_hours(up, deg, tot, 1, 3528, 294, 7, 0, 7200, h), SP_OK);
    hour_is(&h[0], 3600, 36, 36, 0, 70, 10);   /* 72 / 7 = 10.3 steps */
    hour_is(&h[1], 7200, 111, 111, 0, 70, 32); /* 222 / 7 = 31.7 steps */
}

static void test_rounding_and_bounds(void **state)
{
    (void)state;
    /* 0.5 x 301 s = 150.5: UP 150 (half to even), DOWN the 151 left;
     * degraded above up (not a file slaprobe wrote) is cut to UP */
    double up[] = {0.5, 1.0 / 3}, deg[] = {0.6, NAN}, tot[] = {NAN, NAN};
    sp_store_hour h[1];
    assert_int_equal(sp_store_migrate_hours(up, deg, tot, 1, 0, 301, 1, 0, 3600, h), SP_OK);
    hour_is(&h[0], 3600, 150, 151, 150, NAN, 0);
    /* 1/3 x 300 = 99.99999...: 100 up, 200 down */
    assert_int_equal(sp_store_migrate_hours(up + 1, deg + 1, tot + 1, 1, 0, 300, 60, 0, 3600, h),
                     SP_OK);
    hour_is(&h[0], 3600, 100, 200, 0, NAN, 0);
    /* rows outside the hours asked for are left out */
    assert_int_equal(sp_store_migrate_hours(up, deg, tot, 2, 7200, 300, 60, 0, 3600, h), SP_OK);
    hour_is(&h[0], 3600, 0, 0, 0, NAN, 0);
}

static void test_hourly_rows(void **state)
{
    (void)state;
    double up[] = {0.9, NAN, 0}, deg[] = {0.1, NAN, 0}, tot[] = {250, NAN, NAN};
    sp_store_hour h[3];
    assert_int_equal(sp_store_migrate_hours(up, deg, tot, 3, 0, 3600, 60, 0, 10800, h), SP_OK);
    hour_is(&h[0], 3600, 3240, 360, 360, 250, 60);
    hour_is(&h[1], 7200, 0, 0, 0, NAN, 0);
    hour_is(&h[2], 10800, 0, 3600, 0, NAN, 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    double v[] = {1};
    sp_store_hour h[1];
    assert_int_equal(sp_store_migrate_hours(v, v, v, 1, 0, 300, 60, 60, 3660, h), SP_EINVAL);
    assert_int_equal(sp_store_migrate_hours(v, v, v, 1, 0, 0, 60, 0, 3600, h), SP_EINVAL);
    assert_int_equal(sp_store_migrate_hours(v, v, v, 1, 0, 300, 60, 3600, 0, h), SP_EINVAL);
    assert_int_equal(sp_store_migrate_hours(v, v, v, 1, 0, 300, 60, 0, 0, h), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_minute_rows),    cmocka_unit_test(test_rows_across_hours),
        cmocka_unit_test(test_rounding_and_bounds), cmocka_unit_test(test_hourly_rows),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
