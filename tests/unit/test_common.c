/*
 * The small shared helpers of common/: sp_grow (the growable array) and
 * sp_time (every ISO stamp) and sp_state, against values worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/sp_grow.h"
#include "common/sp_strmap.h"
#include "common/sp_state.h"
#include "common/sp_time.h"

static void test_grow_appends(void **state)
{
    (void)state;
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sp_grow((void **)&v, &cap, n + 1, sizeof *v), SP_OK);
        assert_true(cap >= n + 1);
        v[n++] = i;
    }
    assert_int_equal(cap, 1024); /* 16 doubled six times */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i);
    free(v);
}

static void test_grow_no_change_when_room(void **state)
{
    (void)state;
    char *v = malloc(20);
    size_t cap = 20;
    char *before = v;
    assert_int_equal(sp_grow((void **)&v, &cap, 20, 1), SP_OK);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 20);
    free(v);
}

static void test_grow_overflow_keeps_array(void **state)
{
    (void)state;
    long *v = NULL;
    size_t cap = 0;
    assert_int_equal(sp_grow((void **)&v, &cap, 3, sizeof *v), SP_OK);
    long *before = v;
    assert_int_equal(sp_grow((void **)&v, &cap, SIZE_MAX / 4, sizeof *v), SP_ENOMEM);
    assert_int_equal(sp_grow((void **)&v, &cap, SIZE_MAX, 1), SP_ENOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 16);
    free(v);
}

/* A capped list: doubling stops at the cap, and asking past it is refused
 * with the array kept. */
static void test_grow_max_stops_at_the_cap(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    for (size_t n = 0; n < 100; n++) {
        assert_int_equal(sp_grow_max((void **)&v, &cap, n + 1, sizeof *v, 100), SP_OK);
        assert_true(cap >= n + 1 && cap <= 100);
        v[n] = (int)n;
    }
    assert_int_equal(cap, 100); /* 16, 32, 64, then 100, not 128 */
    int *before = v;
    assert_int_equal(sp_grow_max((void **)&v, &cap, 101, sizeof *v, 100), SP_EINVAL);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 100);
    assert_int_equal(v[99], 99);
    free(v);
}

static void test_time_ms(void **state)
{
    (void)state;
    char b[SP_TIME_ISO_LEN];
    sp_time_iso_ms(0, b, sizeof b);
    assert_string_equal(b, "1970-01-01T00:00:00.000Z");
    /* 2026-11-30T12:14:17.123Z: 20,787 days after the epoch */
    sp_time_iso_ms(1796040857123LL, b, sizeof b);
    assert_string_equal(b, "2026-11-30T12:14:17.123Z");
    sp_time_iso_ms(-1, b, sizeof b); /* floor, not a negative millisecond */
    assert_string_equal(b, "1969-12-31T23:59:59.999Z");
    sp_time_iso_ms(951782400000LL, b, sizeof b); /* a leap day */
    assert_string_equal(b, "2000-02-29T00:00:00.000Z");
}

static void test_time_tm(void **state)
{
    (void)state;
    struct tm tm = {
        .tm_year = 127, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4, .tm_sec = 5};
    char b[SP_TIME_ISO_LEN];
    sp_time_iso_tm(&tm, b, sizeof b);
    assert_string_equal(b, "2027-01-02T03:04:05Z");
}

static void test_state_names(void **state)
{
    (void)state;
    for (int i = 0; i < SP_STATE_COUNT; i++) {
        sp_state back = SP_STATE_COUNT;
        assert_true(sp_state_parse(sp_state_name((sp_state)i), &back));
        assert_int_equal(back, i);
    }
    assert_string_equal(sp_state_name(SP_STATE_DOWN), "DOWN");
    assert_string_equal(sp_state_name((sp_state)7), "UNKNOWN");
    sp_state s = SP_STATE_UP;
    assert_false(sp_state_parse("down", &s)); /* the journal writes upper case */
    assert_false(sp_state_parse(NULL, &s));
    assert_false(sp_state_parse("", &s));
    assert_int_equal(s, SP_STATE_UP);
}

/* sp_strmap: every key put is found with its value, through growths and
 * deletions that shift runs back (half the keys removed, in an order that
 * is not the insertion's), and a removed key is gone. */
static void test_strmap(void **state)
{
    (void)state;
    enum { N = 5000 };
    static char keys[N][16];
    sp_strmap m = {0};
    assert_null(sp_strmap_get(&m, "x"));
    sp_strmap_del(&m, "x");
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "t%05d", i);
        assert_int_equal(sp_strmap_put(&m, keys[i], &keys[i]), SP_OK);
    }
    assert_int_equal(m.n, N);
    assert_int_equal(sp_strmap_put(&m, keys[7], &keys[8]), SP_OK); /* replace */
    assert_int_equal(m.n, N);
    assert_ptr_equal(sp_strmap_get(&m, "t00007"), &keys[8]);
    sp_strmap_put(&m, keys[7], &keys[7]);
    for (int i = N - 1; i >= 0; i -= 2)
        sp_strmap_del(&m, keys[(i * 7) % N]);
    for (int i = 0; i < N; i++) {
        bool gone = false;
        for (int k = N - 1; k >= 0; k -= 2)
            gone |= (k * 7) % N == i;
        if (gone)
            assert_null(sp_strmap_get(&m, keys[i]));
        else
            assert_ptr_equal(sp_strmap_get(&m, keys[i]), &keys[i]);
    }
    assert_int_equal(m.n, N / 2);
    sp_strmap_free(&m);
    assert_null(sp_strmap_get(&m, "t00001"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_appends),
        cmocka_unit_test(test_grow_no_change_when_room),
        cmocka_unit_test(test_grow_overflow_keeps_array),
        cmocka_unit_test(test_grow_max_stops_at_the_cap),
        cmocka_unit_test(test_time_ms),
        cmocka_unit_test(test_time_tm),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_strmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
