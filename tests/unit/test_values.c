/*
 * Configuration scalars (common/sp_value.c): durations, ISO-8601
 * timestamps and true/false, with results worked out by hand (or with `date -d`).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/sp_value.h"

static int64_t dur(const char *s)
{
    int64_t v = -1;
    if (!sp_value_duration_ms(s, &v))
        return -1;
    return v;
}

static int64_t ts(const char *s)
{
    int64_t v = -1;
    if (!sp_value_timestamp_ms(s, &v))
        return -1;
    return v;
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(dur("60"), 60000);
    assert_int_equal(dur("30s"), 30000);
    assert_int_equal(dur("1500ms"), 1500);
    assert_int_equal(dur("5m"), 300000);
    assert_int_equal(dur("1h"), 3600000);
    assert_int_equal(dur("2d"), 172800000);
    assert_int_equal(dur("0"), 0);
    assert_int_equal(dur(""), -1);
    assert_int_equal(dur("-5s"), -1);
    assert_int_equal(dur("5x"), -1);
    assert_int_equal(dur("5 s"), -1);
    assert_int_equal(dur("1.5s"), -1);
    assert_int_equal(dur("s"), -1);
    assert_int_equal(dur("99999999999999999999"), -1);
    assert_int_equal(dur("9999999999999999d"), -1); /* overflows int64 ms */
}

/* 1 true, 0 false, -1 refused */
static int flag(const char *s)
{
    bool v = false;
    if (!sp_value_bool(s, &v))
        return -1;
    return v;
}

static void test_bools(void **state)
{
    (void)state;
    assert_int_equal(flag("true"), 1);
    assert_int_equal(flag("True"), 1);
    assert_int_equal(flag("yes"), 1);
    assert_int_equal(flag("ON"), 1);
    assert_int_equal(flag("1"), 1);
    assert_int_equal(flag("false"), 0);
    assert_int_equal(flag("No"), 0);
    assert_int_equal(flag("off"), 0);
    assert_int_equal(flag("0"), 0);
    /* libcyaml reads all of these as true */
    assert_int_equal(flag(""), -1);
    assert_int_equal(flag("~"), -1);
    assert_int_equal(flag("maybe"), -1);
    assert_int_equal(flag("enable"), -1);
    assert_int_equal(flag("truee"), -1);
    assert_int_equal(flag(NULL), -1);
}

static void test_timestamps(void **state)
{
    (void)state;
    /* date -u -d 2026-11-06T16:00:00Z +%s -> 1793980800 */
    assert_int_equal(ts("2026-11-07T01:00:00+09:00"), 1793980800000LL);
    assert_int_equal(ts("2026-11-06T16:00:00Z"), 1793980800000LL);
    assert_int_equal(ts("2026-11-06T11:00:00-0500"), 1793980800000LL);
    assert_int_equal(ts("2026-11-06T16:00:00.250Z"), 1793980800250LL);
    assert_int_equal(ts("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(ts("2024-02-29T00:00:00Z"), 1709164800000LL); /* leap day */
    assert_int_equal(ts("2000-03-01T00:00:00+00:00"), 951868800000LL);
    assert_int_equal(ts("2023-02-29T00:00:00Z"), -1); /* not a leap year */
    assert_int_equal(ts("2026-11-07T01:00:00"), -1);  /* no offset */
    assert_int_equal(ts("2026-13-01T00:00:00Z"), -1);
    assert_int_equal(ts("2026-11-31T00:00:00Z"), -1);
    assert_int_equal(ts("2026-11-07T24:00:00Z"), -1);
    assert_int_equal(ts("2026-11-07T01:00:00+9:00"), -1);
    assert_int_equal(ts("yesterday"), -1);
    assert_int_equal(ts(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_timestamps),
    };
    return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
