/*
 * CSV history (storage/import.c): what the reader accepts and how it names
 * a bad row, including what the RRD could not take (milliseconds, the
 * future, beyond its retention, out of order, not newer than it holds) and
 * inputs at the edges of int64 and double; and the step arithmetic: a row
 * at t is [floor(t), +step), a hole is unknown, rows sharing a step are
 * averaged, runs of down steps with one reason become incidents.
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

#include "common/sp_reason.h"
#include "storage/import.h"

#define MAXROWS 64

/* Read every row of text; on an error, err holds the message and the rows
 * read before it stay in rows. */
static sp_status read_all(const char *text, size_t len, const sp_import_limits *lim,
                          sp_import_row *rows, size_t *n, char *err, size_t errlen)
{
    FILE *fp = fmemopen((void *)text, len, "r");
    assert_non_null(fp);
    sp_import_reader *r;
    assert_int_equal(sp_store_import_reader_create(fp, "h.csv", lim, &r), SP_OK);
    sp_status st;
    *n = 0;
    err[0] = '\0';
    while ((st = sp_store_import_next(r, &rows[*n], err, errlen)) == SP_OK)
        assert_true(++*n < MAXROWS);
    sp_store_import_reader_destroy(r);
    fclose(fp);
    return st == SP_ENOTFOUND ? SP_OK : st;
}

static sp_status parse(const char *text, sp_import_row *rows, size_t *n, char *err, size_t errlen)
{
    sp_import_limits lim = sp_store_import_limits_none();
    return read_all(text, strlen(text), &lim, rows, n, err, errlen);
}

static void expect_error(const char *csv, const sp_import_limits *lim, const char *msg)
{
    sp_import_row r[MAXROWS];
    size_t n;
    char err[512];
    sp_status st = read_all(csv, strlen(csv), lim, r, &n, err, sizeof err);
    if (st != SP_EPARSE || strncmp(err, msg, strlen(msg)) != 0)
        fail_msg("'%s': got %s '%s', want '%s...'", csv, sp_status_name(st), err, msg);
}

static void test_parse_forms(void **state)
{
    (void)state;
    sp_import_row r[MAXROWS];
    size_t n;
    char err[256];
    const char *csv = "timestamp,up,total_ms\n"
                      "# comment\n"
                      "\n"
                      "1793458800,1,120.5\n"
                      "2026-11-01T00:01:00+09:00, 0 \n"
                      "2026-10-31T15:02:00Z,true,\n"
                      "1793458980,0.25,80\r\n"
                      "1793458980,down,,tcp_refused\n"
                      "1793459040,0,75, dns_timeout \n"
                      "1793459100,1,,\n";
    assert_int_equal(parse(csv, r, &n, err, sizeof err), SP_OK);
    assert_int_equal(n, 7);
    assert_int_equal(r[0].t, 1793458800);
    assert_true(r[0].up == 1 && r[0].total_ms == 120.5 && r[0].reason == -1);
    assert_int_equal(r[1].t, 1793458860); /* 00:01 JST = 15:01 UTC */
    assert_true(r[1].up == 0 && isnan(r[1].total_ms));
    assert_int_equal(r[1].line, 5);
    assert_int_equal(r[2].t, 1793458920);
    assert_true(r[2].up == 1 && isnan(r[2].total_ms));
    assert_true(r[3].up == 0.25);
    /* the reason column; total_ms may be empty before it */
    assert_true(r[4].up == 0 && isnan(r[4].total_ms));
    assert_int_equal(r[4].reason, SP_REASON_TCP_REFUSED);
    assert_true(r[5].total_ms == 75);
    assert_int_equal(r[5].reason, SP_REASON_DNS_TIMEOUT);
    assert_int_equal(r[6].reason, -1);
    assert_int_equal(r[6].line, 10);
}

static void test_parse_errors_name_the_line(void **state)
{
    (void)state;
    sp_import_limits none = sp_store_import_limits_none();
    static const struct {
        const char *csv, *msg;
    } bad[] = {
        {"1793458800,1\nyesterday,1\n", "h.csv:2: 'yesterday' is not a timestamp"},
        {"1793458800,2\n", "h.csv:1: up '2' is not 0..1"},
        {"1793458800\n", "h.csv:1: expected timestamp,up[,total_ms[,reason]]"},
        {"1793458800,1,fast\n", "h.csv:1: total_ms 'fast'"},
        {"1793458800,1,-3\n", "h.csv:1: total_ms '-3'"},
        {"1793458800,1,2,ok,3\n", "h.csv:1: more than 4 fields"},
        {"2026-11-01T00:00:00,1\n", "h.csv:1: '2026-11-01T00:00:00' is not a timestamp"},
        /* the reason column */
        {"1793458800,0,,tcp_refusd\n", "h.csv:1: reason 'tcp_refusd' is not a reason code"},
        {"1793458800,0,,TCP_REFUSED\n", "h.csv:1: reason 'TCP_REFUSED' is not a reason code"},
        /* milliseconds: 13 digits, and the 1e11 boundary */
        {"1793458800,1\n1793458860000,1\n", "h.csv:2: '1793458860000' looks like milliseconds"},
        {"100000000000,1\n", "h.csv:1: '100000000000' looks like milliseconds"},
        /* ascending order; equal times are fine */
        {"1793458800,1\n1793458800,0\n1793458799,1\n",
         "h.csv:3: 2026-10-31T14:59:59Z is earlier than line 2 (2026-10-31T15:00:00Z): rows "
         "must be in ascending time order"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(bad[i].csv, &none, bad[i].msg);
    /* 99,999,999,999 s is still seconds (year 5138) */
    sp_import_row r[MAXROWS];
    size_t n;
    char err[256];
    assert_int_equal(parse("99999999999,1\n", r, &n, err, sizeof err), SP_OK);
    assert_int_equal(r[0].t, INT64_C(99999999999));
}

static void test_refusals_against_the_rrd(void **state)
{
    (void)state;
    sp_import_limits lim = sp_store_import_limits_none();
    lim.step_s = 60;
    lim.now = 1796031066;           /* 2026-11-30T09:31:06Z */
    lim.oldest = lim.now - 6048000; /* 70 days */
    lim.keep_days = 70;
    lim.after = 1793458860; /* 2026-10-31T15:01:00Z */
    lim.rrd = "erp.rrd";
    /* a row in the current step is not in the future yet; the next is */
    sp_import_row r[MAXROWS];
    size_t n;
    char err[256];
    assert_int_equal(read_all("1796031060,1\n1796031119,1\n", 26, &lim, r, &n, err, sizeof err),
                     SP_OK);
    assert_int_equal(n, 2);
    expect_error("1796031060,1\n1796031120,1\n", &lim,
                 "h.csv:2: 2026-11-30T09:32:00Z is in the future (now is 2026-11-30T09:31:06Z)");
    expect_error("1796060000,1\n", &lim, "h.csv:1: 2026-11-30T17:33:20Z is in the future");
    /* beyond the longest archive: the RRD would drop it */
    expect_error("1787983065,1\n", &lim,
                 "h.csv:1: 2026-08-29T05:57:45Z is older than erp.rrd can hold: its longest "
                 "archive reaches back 70 days, to 2026-09-21T09:31:06Z");
    expect_error("-1700000000,1\n", &lim, "h.csv:1: 1916-02-18T01:46:40Z is older");
    /* the RRD's last update ends step 15:00; rows in it are not newer */
    expect_error("# hi\n1793458859,1\n", &lim,
                 "h.csv:2: rows from 2026-10-31T15:00:00Z on are not newer than what erp.rrd "
                 "already holds (last update 2026-10-31T15:01:00Z)");
    assert_int_equal(read_all("1793458860,1\n", 13, &lim, r, &n, err, sizeof err), SP_OK);
    /* ISO-8601 is never taken for milliseconds: far years are the future */
    expect_error("9999-12-31T23:59:59-23:59,1\n", &lim,
                 "h.csv:1: 10000-01-01T23:58:59Z is in the future");
    expect_error("0000-01-01T00:00:00+23:59,1\n", &lim, "h.csv:1: -001-12-31T00:01:00Z is older");
}

/* Values at the edges of int64 and double: refused with a message, and
 * (under UBSan) no arithmetic on them overflows. */
static void test_extreme_values(void **state)
{
    (void)state;
    sp_import_limits lim = sp_store_import_limits_none();
    lim.now = 1796031066;
    lim.oldest = INT64_MIN;
    lim.after = INT64_MIN + 1;
    lim.step_s = 10000000000L; /* taken as SP_IMPORT_MAX_STEP_S */
    static const struct {
        const char *csv, *msg;
    } bad[] = {
        {"9223372036854775807,1\n", "h.csv:1: '9223372036854775807' looks like milliseconds"},
        {"9223372036854775808,1\n", "h.csv:1: '9223372036854775808' is not a timestamp"},
        {"-9223372036854775808,1\n", "h.csv:1: '-9223372036854775808' is out of range"},
        {"1793458800,nan\n", "h.csv:1: up 'nan' is not 0..1"},
        {"1793458800,1e308\n", "h.csv:1: up '1e308' is not 0..1"},
        {"1793458800,1,inf\n", "h.csv:1: total_ms 'inf' is not a duration in ms (0 to 86400000)"},
        {"1793458800,1,nan\n", "h.csv:1: total_ms 'nan'"},
        {"1793458800,1,1e308\n", "h.csv:1: total_ms '1e308'"},
        {"1793458800,1,86400000.5\n", "h.csv:1: total_ms '86400000.5'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(bad[i].csv, &lim, bad[i].msg);
    /* the most negative time taken (3138 BC) with the longest step */
    sp_import_row r[MAXROWS];
    size_t n;
    char err[256];
    assert_int_equal(read_all("-99999999999,1\n", 15, &lim, r, &n, err, sizeof err), SP_OK);
    sp_import_steps s;
    sp_import_out o;
    sp_store_import_steps_init(&s, lim.step_s, 2000, INT64_MIN);
    sp_store_import_steps_add(&s, &r[0], &o);
    sp_store_import_steps_end(&s, &o);
    assert_int_equal(o.nrows, 2);
    assert_true(isnan(o.rows[0].up) && o.rows[1].up == 1);
    assert_int_equal(o.rows[1].t - o.rows[0].t, SP_IMPORT_MAX_STEP_S);
    assert_true(o.rows[0].t <= r[0].t && r[0].t < o.rows[1].t);
    /* a line longer than the buffer, and a NUL byte: refused, not read on */
    char *big = malloc(SP_IMPORT_LINE_MAX + 16);
    assert_non_null(big);
    memset(big, '1', SP_IMPORT_LINE_MAX + 15);
    big[SP_IMPORT_LINE_MAX + 15] = '\0';
    expect_error(big, &lim, "h.csv:1: line longer than 4095 bytes");
    free(big);
    assert_int_equal(read_all("1793458800,1\n17934\0"
                              "58860,1\n",
                              27, &lim, r, &n, err, sizeof err),
                     SP_EPARSE);
    assert_string_equal(err, "h.csv:2: a NUL byte: not a text CSV");
}

static void run(sp_import_steps *s, const sp_import_row *in, size_t n, sp_store_row *o, size_t *no,
                sp_import_incident *inc, size_t *ninc)
{
    sp_import_out out;
    *no = *ninc = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n)
            sp_store_import_steps_add(s, &in[i], &out);
        else
            sp_store_import_steps_end(s, &out);
        for (size_t k = 0; k < out.nrows; k++)
            o[(*no)++] = out.rows[k];
        for (size_t k = 0; k < out.ninc; k++)
            inc[(*ninc)++] = out.inc[k];
    }
}

static void test_steps_round_down_fill_gaps_and_average(void **state)
{
    (void)state;
    sp_import_row in[] = {
        {1030, 1, 100, -1, 1}, /* step [1020,1080) */
        {1079, 0, 300, -1, 2}, /* same step: averaged */
        {1200, 0, NAN, -1, 3}, /* [1200,1260); [1080,1200) have no row */
        {1260, 1, 5000, -1, 4},
    };
    sp_import_steps s;
    sp_store_row o[16];
    sp_import_incident inc[16];
    size_t n, ni;
    sp_store_import_steps_init(&s, 60, 2000, 1020); /* a fresh RRD starting at 1020 */
    run(&s, in, 4, o, &n, inc, &ni);
    assert_int_equal(n, 4);
    assert_int_equal(o[0].t, 1080); /* written at the end of its step */
    assert_true(o[0].up == 0.5);
    assert_true(o[0].total_ms == 200);
    assert_true(o[0].degraded == 0);
    /* the hole: one unknown row at the start of the next step with a row
     * makes both of its steps unknown */
    assert_int_equal(o[1].t, 1200);
    assert_true(isnan(o[1].up) && isnan(o[1].total_ms) && isnan(o[1].degraded));
    assert_int_equal(o[2].t, 1260);
    assert_true(o[2].up == 0 && isnan(o[2].total_ms));
    assert_int_equal(o[3].t, 1320);
    assert_true(o[3].up == 1 && o[3].degraded == 1); /* 5000 ms > slow 2000 */
    assert_true(isnan(o[3].dns_ms) && isnan(o[3].cert_days));
    assert_int_equal(s.rows, 4);
    assert_int_equal(s.steps, 5); /* 1020, 1080, 1140, 1200, 1260 */
    assert_int_equal(s.unknown, 2);
    assert_int_equal(s.first, 1020);
    assert_int_equal(s.last, 1320);
    assert_int_equal(ni, 0); /* down rows without a reason: no incident */

    /* an older RRD: the hole up to the first step is unknown too */
    sp_store_import_steps_init(&s, 60, 2000, 600);
    run(&s, in, 1, o, &n, inc, &ni);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].t, 1020);
    assert_true(isnan(o[0].up));
    assert_int_equal(o[1].t, 1080);
    assert_true(o[1].up == 1);
}

static void test_45_down_minutes(void **state)
{
    (void)state;
    sp_import_row in[45];
    for (int i = 0; i < 45; i++)
        in[i] = (sp_import_row){1793458800 + i * 60, 0, NAN, SP_REASON_TCP_REFUSED, i + 1};
    sp_import_steps s;
    sp_store_row o[64];
    sp_import_incident inc[4];
    size_t n, ni;
    sp_store_import_steps_init(&s, 60, 2000, 1793458800);
    run(&s, in, 45, o, &n, inc, &ni);
    assert_int_equal(n, 45);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(o[i].t, 1793458800 + ((int64_t)i + 1) * 60);
        assert_true(o[i].up == 0);
    }
    assert_int_equal(ni, 1);
    assert_int_equal(inc[0].from, 1793458800);
    assert_int_equal(inc[0].to, 1793458800 + 45 * 60);
    assert_int_equal(inc[0].reason, SP_REASON_TCP_REFUSED);
    assert_int_equal(inc[0].line, 1);
    /* newest first is refused by the reader: it cannot be streamed */
    char csv[64];
    snprintf(csv, sizeof csv, "%d,0\n%d,0\n", 1793458800 + 60, 1793458800);
    sp_import_limits none = sp_store_import_limits_none();
    expect_error(csv, &none, "h.csv:2: 2026-10-31T15:00:00Z is earlier than line 1");
    /* no rows, no steps */
    sp_store_import_steps_init(&s, 60, 2000, 0);
    run(&s, in, 0, o, &n, inc, &ni);
    assert_int_equal(n + ni + s.steps, 0);
}

static void test_incidents_are_runs_of_one_reason(void **state)
{
    (void)state;
    enum { R = SP_REASON_TCP_REFUSED, D = SP_REASON_DNS_TIMEOUT, H = SP_REASON_HTTP_STATUS };
    /* step (60 s) index: up, reason */
    sp_import_row in[] = {
        {0, 1, NAN, -1, 1},   {60, 0, NAN, R, 2},   {120, 0, NAN, R, 3}, /* R: [60,180) */
        {180, 0, NAN, D, 4},  {240, 1, NAN, -1, 5}, {241, 0, NAN, D, 6}, /* D: [180,300) */
        {300, 0, NAN, -1, 7},                                            /* down, no reason */
        {360, 0, NAN, D, 8}, /* D again: [360,420), not joined over the reasonless step */
        {540, 0, NAN, D, 9}, /* after a hole: a new run [540,600) */
        {600, 0, NAN, H, 10}, {601, 0, NAN, R, 11}, /* a step's first reason counts */
        {660, 1, NAN, R, 12}, /* up: a reason on an up row makes no incident */
    };
    sp_import_steps s;
    sp_store_row o[32];
    sp_import_incident inc[16];
    size_t n, ni;
    sp_store_import_steps_init(&s, 60, 2000, 0);
    run(&s, in, sizeof in / sizeof in[0], o, &n, inc, &ni);
    static const sp_import_incident want[] = {
        {60, 180, R, 2}, {180, 300, D, 4}, {360, 420, D, 8}, {540, 600, D, 9}, {600, 660, H, 10},
    };
    assert_int_equal(ni, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < ni; i++) {
        assert_int_equal(inc[i].from, want[i].from);
        assert_int_equal(inc[i].to, want[i].to);
        assert_int_equal(inc[i].reason, want[i].reason);
        assert_int_equal(inc[i].line, want[i].line);
    }
    assert_true(o[4].up == 0.5); /* step 240: averaged */
}

static void test_incident_list_is_capped(void **state)
{
    (void)state;
    sp_import_incidents l = {0};
    char err[256];
    sp_import_incident x = {0, 60, SP_REASON_TCP_REFUSED, 7};
    for (int i = 0; i < SP_IMPORT_MAX_INCIDENTS; i++)
        assert_int_equal(sp_store_import_incidents_add(&l, &x, "h.csv", err, sizeof err), SP_OK);
    x.line = 200001;
    assert_int_equal(sp_store_import_incidents_add(&l, &x, "h.csv", err, sizeof err), SP_EBUSY);
    assert_string_equal(err, "h.csv:200001: more than 100000 incidents (runs of down steps with "
                             "one reason) for one import's journal line; import the file in "
                             "parts");
    assert_int_equal(l.n, SP_IMPORT_MAX_INCIDENTS);
    assert_true(l.cap <= SP_IMPORT_MAX_INCIDENTS);
    sp_store_import_incidents_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors_name_the_line),
        cmocka_unit_test(test_refusals_against_the_rrd),
        cmocka_unit_test(test_extreme_values),
        cmocka_unit_test(test_steps_round_down_fill_gaps_and_average),
        cmocka_unit_test(test_45_down_minutes),
        cmocka_unit_test(test_incidents_are_runs_of_one_reason),
        cmocka_unit_test(test_incident_list_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
