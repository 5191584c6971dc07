/*
 * storage/rowcheck.c: the canonical text of stored steps (exact bytes), the
 * steps a write stores as rrdtool computes them (gaps within and beyond the
 * heartbeat, values outside a source's range), and, against real RRD files,
 * that values written through rrd.c re-read into the same text (awkward
 * values included), and that the check names an edited step and field, a
 * removed row and values no rows line covers.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal/journal.h"
#include "journal/lines.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sp_rowcheck_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static sp_store_row row(int64_t t, double up, double total, double cert)
{
    sp_store_row r = sp_store_row_unknown(t);
    r.up = up;
    r.degraded = 0;
    r.total_ms = total;
    r.cert_days = cert;
    return r;
}

static void test_format(void **state)
{
    (void)state;
    char buf[SP_STORE_ROW_TEXT];
    sp_store_row r = {1700000040, 0.3333333333, 0, 1234.5678, 0.1, 1, 1e7, NAN, 36500.123};
    size_t n = sp_store_row_format(&r, buf, sizeof buf);
    assert_string_equal(buf, "1700000040:0.333333:0:1234.57:0.1:1:1e+07:U:36500.1");
    assert_int_equal(n, strlen(buf));
    r = sp_store_row_unknown(60);
    sp_store_row_format(&r, buf, sizeof buf);
    assert_string_equal(buf, "60:U:U:U:U:U:U:U:U");
    assert_int_equal(sp_store_row_format(&r, buf, 8), 0); /* too small: nothing */
    assert_string_equal(buf, "");
}

static void test_sha256_is_of_the_text(void **state)
{
    (void)state;
    sp_store_row s[2] = {row(60, 1, 12.5, -3), row(120, 0, NAN, NAN)};
    const char *text = "60:1:0:12.5:U:U:U:U:-3\n120:0:0:U:U:U:U:U:U\n";
    char want[65], got[65];
    sp_journal_sha256_hex(text, strlen(text), want);
    sp_store_rows_sha256(s, 2, got);
    assert_string_equal(got, want);
    sp_store_rows_sha256(s, 0, got); /* the empty text */
    sp_journal_sha256_hex("", 0, want);
    assert_string_equal(got, want);
}

static void test_expand(void **state)
{
    (void)state;
    sp_store_row *s;
    size_t n;
    /* right after the last update: one step each */
    sp_store_row r[3] = {row(120, 1, 5, 10), row(180, 0.5, 6, 10), row(240, 2, -1, -2)};
    assert_int_equal(sp_store_rows_expand(60, 60, r, 3, &s, &n), SP_OK);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].t, 120);
    assert_true(s[1].up == 0.5);
    assert_true(isnan(s[2].up));       /* 2 is outside 0..1: stored unknown */
    assert_true(isnan(s[2].total_ms)); /* a time below 0 too */
    assert_true(s[2].cert_days == -2); /* days left may be negative */
    free(s);
    /* a gap of one step (within the heartbeat): the next value fills it */
    sp_store_row g[1] = {row(180, 1, 0.3333333, 1)};
    assert_int_equal(sp_store_rows_expand(60, 60, g, 1, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s[0].t, 120);
    assert_true(s[0].up == 1);
    assert_true(s[0].total_ms == 0.333333); /* as parsed from its text */
    free(s);
    /* beyond the heartbeat: the row itself is stored unknown, and the
     * steps before it belong to no write */
    sp_store_row far[2] = {row(600, 1, 1, 1), row(660, 1, 1, 1)};
    assert_int_equal(sp_store_rows_expand(60, 60, far, 2, &s, &n), SP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s[0].t, 600);
    assert_true(isnan(s[0].up));
    assert_true(s[1].up == 1);
    free(s);
    /* not after the last update, or not ascending: refused */
    assert_int_equal(sp_store_rows_expand(600, 60, far, 2, &s, &n), SP_EINVAL);
    sp_store_row back[2] = {row(120, 1, 1, 1), row(120, 1, 1, 1)};
    assert_int_equal(sp_store_rows_expand(60, 60, back, 2, &s, &n), SP_EINVAL);
    assert_int_equal(sp_store_rows_expand(60, 60, back, 0, &s, &n), SP_OK);
    assert_int_equal(n, 0);
}

/* Journal lines in jpath: a rows line per call, as the writer makes it. */
static void journal_rows(const char *jpath, int64_t before, const sp_store_row *rows, size_t n)
{
    sp_store_row *s;
    size_t ns;
    char hex[65], err[256];
    assert_int_equal(sp_store_rows_expand(before, 60, rows, n, &s, &ns), SP_OK);
    sp_store_rows_sha256(s, ns, hex);
    sp_journal_line l = {
        .type = SP_JOURNAL_ROWS,
        .rows = {
            .from = s[0].t, .to = s[ns - 1].t, .step_s = 60, .count = (int64_t)ns, .sha256 = hex}};
    json_t *ev = sp_journal_line_to_json(&l);
    sp_journal *j;
    assert_int_equal(sp_journal_open(jpath, &j, err, sizeof err), SP_OK);
    assert_int_equal(sp_journal_append(j, ev, false, err, sizeof err), SP_OK);
    sp_journal_close(j);
    json_decref(ev);
    free(s);
}

static const sp_store_rowcheck_problem *find(const sp_store_rowcheck *c, sp_store_rowcheck_kind k)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->p[i].kind == k)
            return &c->p[i];
    return NULL;
}

#define T0 INT64_C(1794000000) /* a multiple of 60 */

/* Awkward values through a real file: re-read and re-formatted, the text
 * is the one written. Then an edit of up at one step is named. */
static void test_real_file_round_trip(void **state)
{
    (void)state;
    char rrd[128], jpath[128], err[512];
    snprintf(rrd, sizeof rrd, "%s/a.rrd", dir);
    snprintf(jpath, sizeof jpath, "%s/a.journal", dir);
    sp_store_retention ret = {1, 2, 3};
    assert_int_equal(sp_store_rrd_create(rrd, 60, &ret, (time_t)T0, err, sizeof err), SP_OK);
    sp_store_row a[4] = {
        {T0 + 60, 0.333333333, 0.1, 1234.5678, 0.000123456, 98765.4321, 1e-9, 3e9, 36500.123},
        {T0 + 120, 1, 0, 0, 0, 0, 0, 0, -12.75},
        {T0 + 180, 0, 1, 7, 2.5, NAN, NAN, NAN, 89.9999999},
        sp_store_row_unknown(T0 + 240)};
    assert_int_equal(sp_store_rrd_update_rows(NULL, rrd, a, 4, err, sizeof err), SP_OK);
    journal_rows(jpath, T0, a, 4);
    /* a second run after a one-step gap (filled by rrdtool) */
    sp_store_row b[1] = {{T0 + 360, 0.666666667, 0, 19.99, 1, 2, 3, 4, 5}};
    assert_int_equal(sp_store_rrd_update_rows(NULL, rrd, b, 1, err, sizeof err), SP_OK);
    journal_rows(jpath, T0 + 240, b, 1);

    sp_store_rowcheck c;
    assert_int_equal(sp_store_rowcheck_run(NULL, rrd, jpath, 0, 0, &c, err, sizeof err), SP_OK);
    for (size_t i = 0; i < c.n; i++)
        printf("  %s\n", c.p[i].text);
    assert_int_equal(c.lines, 2);
    assert_int_equal(c.checked, 2);
    assert_int_equal(c.mismatching, 0);
    assert_int_equal(c.uncovered_steps, 0);
    assert_int_equal(c.checked_steps, 6);
    assert_false(sp_store_rowcheck_failed(&c));
    sp_store_rowcheck_free(&c);

    /* the same journal against a file where step T0+120 says up=0 and
     * T0+360's row is gone: each named */
    char rrd2[128];
    snprintf(rrd2, sizeof rrd2, "%s/b.rrd", dir);
    assert_int_equal(sp_store_rrd_create(rrd2, 60, &ret, (time_t)T0, err, sizeof err), SP_OK);
    a[1].up = 0;
    assert_int_equal(sp_store_rrd_update_rows(NULL, rrd2, a, 4, err, sizeof err), SP_OK);
    b[0] = sp_store_row_unknown(T0 + 360);
    assert_int_equal(sp_store_rrd_update_rows(NULL, rrd2, b, 1, err, sizeof err), SP_OK);
    assert_int_equal(sp_store_rowcheck_run(NULL, rrd2, jpath, 0, 0, &c, err, sizeof err), SP_OK);
    for (size_t i = 0; i < c.n; i++)
        printf("  %s\n", c.p[i].text);
    assert_int_equal(c.mismatching, 2);
    assert_true(sp_store_rowcheck_failed(&c));
    assert_non_null(strstr(c.p[0].text, "(1794000120): up was written as 1, the RRD holds 0"));
    assert_non_null(strstr(c.p[0].text, "step 2026-11-06T21:22:00.000Z (1794000120)"));
    assert_non_null(strstr(c.p[1].text, "steps 2026-"));
    sp_store_rowcheck_free(&c);
}

/* Values in the file that no rows line covers are named; older than the
 * first rows line they are a note only. */
static void test_uncovered(void **state)
{
    (void)state;
    char rrd[128], jpath[128], err[512];
    snprintf(rrd, sizeof rrd, "%s/u.rrd", dir);
    snprintf(jpath, sizeof jpath, "%s/u.journal", dir);
    sp_store_retention ret = {1, 2, 3};
    assert_int_equal(sp_store_rrd_create(rrd, 60, &ret, (time_t)T0, err, sizeof err), SP_OK);
    sp_store_row a[3] = {row(T0 + 60, 1, 1, 1), row(T0 + 120, 1, 1, 1), row(T0 + 180, 1, 1, 1)};
    assert_int_equal(sp_store_rrd_update_rows(NULL, rrd, a, 3, err, sizeof err), SP_OK);
    journal_rows(jpath, T0 + 60, a + 1, 1); /* T0+60 before it, T0+180 after it */
    sp_store_rowcheck c;
    assert_int_equal(sp_store_rowcheck_run(NULL, rrd, jpath, 0, 0, &c, err, sizeof err), SP_OK);
    for (size_t i = 0; i < c.n; i++)
        printf("  %s\n", c.p[i].text);
    assert_int_equal(c.checked, 1);
    assert_int_equal(c.uncovered_steps, 1);
    const sp_store_rowcheck_problem *p = find(&c, SP_ROWCHECK_UNCOVERED);
    assert_non_null(p);
    assert_int_equal(p->step, T0 + 180);
    assert_non_null(find(&c, SP_ROWCHECK_BEFORE));
    sp_store_rowcheck_free(&c);
    /* hostile rows lines: a reason each, never a crash or a huge read */
    FILE *fp = fopen(jpath, "a");
    fprintf(fp,
            "{\"type\":\"rows\",\"from\":%lld,\"to\":9223372036854775807,\"step_s\":60,"
            "\"count\":3,\"sha256\":\"00\"}\n",
            (long long)(T0 + 120));
    fprintf(fp,
            "{\"type\":\"rows\",\"from\":%lld,\"to\":%lld,\"step_s\":60,\"count\":1,"
            "\"sha256\":\"00\"}\n",
            (long long)(T0 + 120), (long long)(T0 + 600));
    fprintf(fp,
            "{\"type\":\"rows\",\"from\":%lld,\"to\":%lld,\"step_s\":60,\"count\":9,"
            "\"sha256\":\"00\"}\n",
            (long long)(T0 + 120), (long long)(T0 + 600));
    fprintf(fp, "{\"type\":\"rows\",\"from\":-9223372036854775807,\"to\":5,\"step_s\":0}\n");
    fprintf(fp,
            "{\"type\":\"rows\",\"from\":%lld,\"to\":%lld,\"step_s\":7,\"count\":1,"
            "\"sha256\":\"00\"}\n",
            (long long)(T0 + 120), (long long)(T0 + 120));
    fclose(fp);
    assert_int_equal(sp_store_rowcheck_run(NULL, rrd, jpath, 0, 0, &c, err, sizeof err), SP_OK);
    for (size_t i = 0; i < c.n; i++)
        printf("  %s\n", c.p[i].text);
    assert_int_equal(c.mismatching, 4);
    bool cut = false;
    for (size_t i = 0; i < c.n; i++)
        cut = cut || strstr(c.p[i].text, "(1794000600), after the RRD's last step");
    assert_true(cut);
    assert_true(sp_store_rowcheck_failed(&c));
    sp_store_rowcheck_free(&c);
    /* a missing file is an error with its name, not a crash */
    assert_int_equal(
        sp_store_rowcheck_run(NULL, "/nonexistent.rrd", jpath, 0, 0, &c, err, sizeof err), SP_EIO);
    assert_non_null(strstr(err, "/nonexistent.rrd"));
    sp_store_rowcheck_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_sha256_is_of_the_text),
        cmocka_unit_test(test_expand),
        cmocka_unit_test_setup_teardown(test_real_file_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncovered, setup, teardown),
    };
    return cmocka_run_group_tests_name("rowcheck", tests, NULL, NULL);
}
