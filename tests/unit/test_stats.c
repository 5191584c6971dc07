/*
 * Nearest-rank summaries (common/sp_stats.c), checked against values
 * worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/sp_stats.h"

static void test_empty(void **state)
{
    (void)state;
    sp_summary s;
    sp_stats_summarize(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    assert_true(s.max == 0 && s.min == 0);
}

static void test_one(void **state)
{
    (void)state;
    double v[] = {7.5};
    sp_summary s;
    sp_stats_summarize(v, 1, &s);
    assert_true(s.min == 7.5 && s.median == 7.5 && s.p95 == 7.5 && s.max == 7.5);
}

static void test_twenty_unsorted(void **state)
{
    (void)state;
    /* 1..20 shuffled: median rank ceil(0.5*20)=10 -> 10; p95 rank 19 -> 19 */
    double v[] = {20, 3, 17, 1, 9, 12, 5, 19, 2, 14, 8, 11, 4, 16, 6, 18, 10, 15, 7, 13};
    sp_summary s;
    sp_stats_summarize(v, 20, &s);
    assert_true(s.min == 1);
    assert_true(s.max == 20);
    assert_true(s.median == 10);
    assert_true(s.p95 == 19);
    assert_true(s.mean == 10.5);
    assert_true(v[0] == 1 && v[19] == 20); /* sorted in place */
}

static void test_percentile_edges(void **state)
{
    (void)state;
    double v[] = {1, 2, 3};
    assert_true(sp_stats_percentile_sorted(v, 3, 100) == 3);
    assert_true(sp_stats_percentile_sorted(v, 3, 0.1) == 1);
    assert_true(sp_stats_percentile_sorted(v, 3, 50) == 2);
    assert_true(sp_stats_percentile_sorted(v, 3, 95) == 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_one),
        cmocka_unit_test(test_twenty_unsorted),
        cmocka_unit_test(test_percentile_edges),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
