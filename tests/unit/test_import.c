/*
 * CSV history (storage/import.c): what the parser accepts and how it names
 * a bad row; and the step arithmetic: a row at t is [floor(t), +step), a
 * step without a row is unknown, rows sharing a step are averaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storage/import.h"

static sp_status parse(const char *text, sp_import_row **rows, size_t *n, char *err,
                       size_t errlen)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(fp);
    sp_status st = sp_store_import_parse(fp, "h.csv", rows, n, err, errlen);
    fclose(fp);
    return st;
}

static void test_parse_forms(void **state)
{
    (void)state;
    sp_import_row *r;
    size_t n;
    char err[256];
    const char *csv = "timestamp,up,total_ms\n"
                      "# comment\n"
                      "\n"
                      "1793458800,1,120.5\n"
                      "2026-11-01T00:01:00+09:00, 0 \n"
                      "2026-10-31T15:02:00Z,true,\n"
                      "1793458980,0.25,80\n";
    assert_int_equal(parse(csv, &r, &n, err, sizeof err), SP_OK);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].t, 1793458800);
    assert_true(r[0].up == 1 && r[0].total_ms == 120.5);
    assert_int_equal(r[1].t, 1793458860); /* 00:01 JST = 15:01 UTC */
    assert_true(r[1].up == 0 && isnan(r[1].total_ms));
    assert_int_equal(r[1].line, 5);
    assert_int_equal(r[2].t, 1793458920);
    assert_true(r[2].up == 1 && isnan(r[2].total_ms));
    assert_true(r[3].up == 0.25);
    free(r);
}

static void test_parse_errors_name_the_line(void **state)
{
    (void)state;
    sp_import_row *r;
    size_t n;
    char err[256];
    static const struct {
        const char *csv, *msg;
    } bad[] = {
        {"1793458800,1\nyesterday,1\n", "h.csv:2: 'yesterday' is not a timestamp"},
        {"1793458800,2\n", "h.csv:1: up '2' is not 0..1"},
        {"1793458800\n", "h.csv:1: expected timestamp,up"},
        {"1793458800,1,fast\n", "h.csv:1: total_ms 'fast'"},
        {"1793458800,1,-3\n", "h.csv:1: total_ms '-3'"},
        {"1793458800,1,2,3\n", "h.csv:1: more than 3 fields"},
        {"2026-11-01T00:00:00,1\n", "h.csv:1: '2026-11-01T00:00:00' is not a timestamp"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i].csv, &r, &n, err, sizeof err), SP_EPARSE);
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("case %zu: got '%s', want '%s...'", i, err, bad[i].msg);
        assert_null(r);
    }
}

static void test_steps_round_down_fill_gaps_and_average(void **state)
{
    (void)state;
    sp_import_row in[] = {
        {1030, 1, 100, 1}, /* step [1020,1080) */
        {1200, 0, NAN, 2}, /* [1200,1260); [1080,1200) have no row */
        {1079, 0, 300, 3}, /* same step as the first: averaged */
        {1260, 1, 5000, 4},
    };
    sp_store_row *o;
    size_t n;
    assert_int_equal(sp_store_import_steps(in, 4, 60, 2000, &o, &n), SP_OK);
    assert_int_equal(n, 5); /* 1020, 1080, 1140, 1200, 1260 */
    assert_int_equal(o[0].t, 1080); /* written at the end of its step */
    assert_true(o[0].up == 0.5);
    assert_true(o[0].total_ms == 200);
    assert_true(o[0].degraded == 0);
    assert_true(isnan(o[1].up) && isnan(o[2].up) && isnan(o[1].total_ms));
    assert_int_equal(o[3].t, 1260);
    assert_true(o[3].up == 0 && isnan(o[3].total_ms));
    assert_true(o[4].up == 1 && o[4].degraded == 1); /* 5000 ms > slow 2000 */
    assert_true(isnan(o[4].dns_ms) && isnan(o[4].cert_days));
    free(o);
}

static void test_45_down_minutes(void **state)
{
    (void)state;
    sp_import_row in[45];
    for (int i = 0; i < 45; i++) /* given newest first: order must not matter */
        in[i] = (sp_import_row){1793458800 + (44 - i) * 60, 0, NAN, i + 1};
    sp_store_row *o;
    size_t n;
    assert_int_equal(sp_store_import_steps(in, 45, 60, 2000, &o, &n), SP_OK);
    assert_int_equal(n, 45);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(o[i].t, 1793458800 + ((int64_t)i + 1) * 60);
        assert_true(o[i].up == 0);
    }
    free(o);
    assert_int_equal(sp_store_import_steps(in, 0, 60, 2000, &o, &n), SP_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors_name_the_line),
        cmocka_unit_test(test_steps_round_down_fill_gaps_and_average),
        cmocka_unit_test(test_45_down_minutes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
