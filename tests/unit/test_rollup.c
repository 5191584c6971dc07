/*
 * The rollup (storage/rollup.c) and its reader (sla/timeline.c's hours):
 * on random rows with unknown steps, partial steps, degraded time and stops,
 * each hour's seconds UP, DOWN and degraded must be exactly what the
 * report's own timeline of those rows holds in that hour, and the hours
 * read back must give every hour the same seconds again. A hand-worked
 * case first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include <jansson.h>

#include "journal/lines.h"
#include "sla/sla.h"
#include "sla/timeline.h"
#include "storage/rollup.h"

/* seconds of each state of segs inside [a, b) */
static void secs_in(const sp_sla_seg *s, size_t n, int64_t a, int64_t b, double *up, double *down,
                    double *deg)
{
    *up = *down = *deg = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t x = s[i].start > a ? s[i].start : a, y = s[i].end < b ? s[i].end : b;
        if (y <= x)
            continue;
        if (s[i].state == SP_STATE_DOWN)
            *down += (double)(y - x);
        else if (s[i].state == SP_STATE_UP) {
            *up += (double)(y - x);
            if (s[i].degraded)
                *deg += (double)(y - x);
        }
    }
}

static void test_by_hand(void **state)
{
    (void)state;
    /* two hours at a 1200 s step: hour 1 = UP, half DOWN, unknown; hour 2 =
     * a row cut by a stop 600 s into it (UP), then DOWN, then degraded UP */
    double up[] = {1, 0.5, NAN, 1, 0, 1}, dg[] = {0, 0, NAN, 0, 0, 1},
           rt[] = {100, 200, NAN, 50, NAN, 70};
    int64_t stops[] = {3600 + 600};
    sp_store_hour h[2];
    assert_int_equal(sp_store_rollup_hours(up, dg, rt, 6, 0, 1200, stops, 1, 0, 7200, h), SP_OK);
    assert_int_equal(h[0].t, 3600);
    assert_true(h[0].up_s == 1800 && h[0].down_s == 600 && h[0].degraded_s == 0);
    assert_true(h[0].total_n == 2 && h[0].total_ms == 150);
    assert_true(h[1].up_s == 600 + 1200 && h[1].down_s == 1200 && h[1].degraded_s == 1200);
    assert_true(h[1].total_n == 2 && h[1].total_ms == 60);
    /* misaligned hours are refused */
    assert_int_equal(sp_store_rollup_hours(up, dg, rt, 6, 0, 1200, NULL, 0, 10, 7200, h),
                     SP_EINVAL);
}

static void test_random_rows_keep_every_second(void **state)
{
    (void)state;
    srand(18);
    const long steps[] = {60, 120, 300, 45, 7};
    for (int round = 0; round < 200; round++) {
        long step = steps[round % 5];
        size_t n = (size_t)(3 * 3600 / step) + 3;
        int64_t first = 3600 - step * (rand() % 3); /* rows may start before the hours */
        double *up = malloc(n * sizeof *up), *dg = malloc(n * sizeof *dg),
               *rt = malloc(n * sizeof *rt);
        for (size_t i = 0; i < n; i++) {
            int r = rand() % 10;
            up[i] = r == 0 ? NAN : r < 3 ? 0 : r < 5 ? (double)(rand() % 7) / 6 : 1;
            dg[i] = isnan(up[i]) ? NAN : (rand() % 4 == 0 ? up[i] * 0.5 : 0);
            rt[i] = rand() % 3 ? 100 + rand() % 900 : NAN;
        }
        int64_t stops[3];
        size_t ns = (size_t)(rand() % 4);
        for (size_t k = 0; k < ns; k++)
            stops[k] = first + rand() % (int64_t)(n * (size_t)step);
        sp_store_hour h[3];
        assert_int_equal(
            sp_store_rollup_hours(up, dg, rt, n, first, step, stops, ns, 3600, 4 * 3600, h), SP_OK);
        sp_sla_seg *segs;
        size_t nseg;
        assert_int_equal(sp_sla_timeline_settled(up, dg, n, first, step, stops, ns, &segs, &nseg),
                         SP_OK);
        double hu[3], hd[3], hg[3];
        for (int k = 0; k < 3; k++) {
            double u, d, g;
            secs_in(segs, nseg, 3600 * (k + 1), 3600 * (k + 2), &u, &d, &g);
            assert_true(h[k].up_s == u && h[k].down_s == d && h[k].degraded_s == g);
            assert_true(h[k].up_s + h[k].down_s <= 3600);
            hu[k] = h[k].up_s;
            hd[k] = h[k].down_s;
            hg[k] = h[k].degraded_s;
        }
        free(segs);
        /* and read back from the hours: the same seconds in every hour */
        assert_int_equal(sp_sla_timeline_hours(hu, hd, hg, 3, 3600, &segs, &nseg), SP_OK);
        for (int k = 0; k < 3; k++) {
            double u, d, g;
            secs_in(segs, nseg, 3600 * (k + 1), 3600 * (k + 2), &u, &d, &g);
            assert_true(u == hu[k] && d == hd[k] && g == hg[k]);
        }
        free(segs);
        free(up);
        free(dg);
        free(rt);
    }
}

static void put_line(FILE *fp, const sp_journal_line *l)
{
    json_t *o = sp_journal_line_to_json(l);
    assert_non_null(o);
    char *txt = json_dumps(o, JSON_COMPACT);
    fprintf(fp, "%s\n", txt);
    free(txt);
    json_decref(o);
}

/* The stops a rollup needs are read from the journal's end back to the
 * rows line that ends at or before the hours file's last update: those
 * after it, rounded as the report rounds them; none before it. */
static void test_stops_from_the_journal_tail(void **state)
{
    (void)state;
    char path[] = "/tmp/sp-test-rollup-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    sp_journal_line rows = {
        .type = SP_JOURNAL_ROWS,
        .rows = {.from = 60,
                 .to = 3600,
                 .step_s = 60,
                 .count = 60,
                 .sha256 = "0000000000000000000000000000000000000000000000000000000000000000"}};
    sp_journal_line stop = {.type = SP_JOURNAL_STOP, .stop = {.settled_ms = 3000400}};
    put_line(fp, &stop); /* before the rows line at 3600: never read */
    put_line(fp, &rows);
    stop.stop.settled_ms = 4000600;
    put_line(fp, &stop);
    /* 40 kB of other lines: the reader's window (8 kB first) must grow,
     * and a line across a window's edge must be read whole */
    for (int i = 0; i < 400; i++)
        fprintf(fp, "{\"type\":\"alert\",\"detail\":\"%090d\"}\n", i);
    rows.rows.to = 7200;
    put_line(fp, &rows);
    stop.type = SP_JOURNAL_REMOVED;
    stop.stop.settled_ms = 7300499;
    put_line(fp, &stop);
    fprintf(fp, "{\"type\":\"stop\",\"settled_ms\":99"); /* a torn last line */
    fclose(fp);
    int64_t *v;
    size_t n;
    assert_int_equal(sp_store_journal_stops(path, 3600, &v, &n), SP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0], 7300); /* newest first: read from the end */
    assert_int_equal(v[1], 4001);
    free(v);
    assert_int_equal(sp_store_journal_stops(path, 7200, &v, &n), SP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0], 7300);
    free(v);
    /* no journal: no stops */
    unlink(path);
    assert_int_equal(sp_store_journal_stops(path, 0, &v, &n), SP_OK);
    assert_int_equal(n, 0);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_random_rows_keep_every_second),
        cmocka_unit_test(test_stops_from_the_journal_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
