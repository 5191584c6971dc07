/*
 * The store's writer (storage/writer.c) on a real loop and real files: a
 * target's file created early (sp_store_create_soon) while its first rows
 * are already queued behind the creation: every row lands in the file
 * (rrd_fetch), the steps before them read unknown, the rows are journaled,
 * and the rows lines hash the same as the file (the rows check). The
 * thread pool is held by a job of the test's own until the rows are
 * queued, so they are queued before the file exists, every run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "journal/journal.h"
#include "storage/rowcheck.h"
#include "storage/sp_store.h"

static uv_sem_t hold;

static void held_work(uv_work_t *w)
{
    (void)w;
    uv_sem_wait(&hold);
}

static void held_done(uv_work_t *w, int status)
{
    (void)w;
    (void)status;
}

static sp_store_row row(int64_t t, double ms)
{
    sp_store_row r = sp_store_row_unknown(t);
    r.up = 1;
    r.degraded = 0;
    r.total_ms = ms;
    r.connect_ms = ms / 2;
    return r;
}

static void test_rows_before_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/sp_writer_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[512], rrd[256], journal[256];
    sp_store_paths(dir, "a", rrd, journal, sizeof rrd);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sp_store *s;
    sp_store_target *t;
    sp_store_retention ret = {1, 2, 3};
    assert_int_equal(sp_store_create(&loop, dir, NULL, &ret, &s, err, sizeof err), SP_OK);
    assert_int_equal(sp_store_open_target(s, "a", 60, &t, err, sizeof err), SP_OK);
    int64_t floor = sp_store_target_last(t);

    /* the only pool thread (UV_THREADPOOL_SIZE=1, set in main) is busy */
    uv_work_t blocker;
    assert_int_equal(uv_sem_init(&hold, 0), 0);
    assert_int_equal(uv_queue_work(&loop, &blocker, held_work, held_done), 0);

    sp_store_create_soon(s, t);
    /* three steps after the open, then a fourth: two batches */
    int64_t t1 = floor - floor % 60 + 180;
    sp_store_row rows[4] = {row(t1, 10), row(t1 + 60, 20), row(t1 + 120, 30), row(t1 + 180, 40)};
    sp_store_put_rows(s, t, rows, 3);
    sp_store_put_rows(s, t, rows + 3, 1);
    struct stat sb;
    assert_int_equal(stat(rrd, &sb), -1); /* queued before the file exists */
    uv_sem_post(&hold);

    sp_store_stats st;
    uint64_t t0 = uv_now(&loop);
    do {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
        uv_update_time(&loop);
        sp_store_get_stats(s, &st);
    } while (st.rows_written < 4 && uv_now(&loop) - t0 < 10000);
    assert_int_equal(st.rows_written, 4);
    assert_int_equal(st.rows_lost, 0);
    sp_store_destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    uv_sem_destroy(&hold);

    /* every row in the file; the steps before the first unknown */
    time_t start = (time_t)(t1 - 240), end = (time_t)(t1 + 180);
    unsigned long step = 60, nds;
    char **names;
    rrd_value_t *data;
    assert_int_equal(rrd_fetch_r(rrd, "AVERAGE", &start, &end, &step, &nds, &names, &data), 0);
    assert_int_equal(step, 60);
    int up = -1, total = -1;
    for (unsigned long d = 0; d < nds; d++) {
        if (strcmp(names[d], "up") == 0)
            up = (int)d;
        if (strcmp(names[d], "total_ms") == 0)
            total = (int)d;
    }
    assert_true(up >= 0 && total >= 0);
    int seen = 0;
    for (time_t ts = start + (time_t)step; ts <= (time_t)(t1 + 180); ts += (time_t)step) {
        const rrd_value_t *v = data + (size_t)((ts - start) / (time_t)step - 1) * nds;
        if (ts < t1) {
            assert_true(isnan(v[up]));
            continue;
        }
        int k = (int)((ts - t1) / 60);
        assert_true(v[up] == 1.0);
        assert_true(fabs(v[total] - rows[k].total_ms) < 1e-9);
        seen++;
    }
    assert_int_equal(seen, 4);
    for (unsigned long d = 0; d < nds; d++)
        rrd_freemem(names[d]);
    rrd_freemem(names);
    rrd_freemem(data);

    /* journaled: the chain holds, the rows lines cover the four steps and
     * hash the same as the file */
    sp_journal_report rep;
    assert_int_equal(sp_journal_verify(journal, &rep, err, sizeof err), SP_OK);
    assert_int_equal(rep.first_bad, 0);
    sp_store_rowcheck rc = {0};
    assert_int_equal(sp_store_rowcheck_run(NULL, rrd, journal, 0, 0, &rc, err, sizeof err), SP_OK);
    for (size_t i = 0; i < rc.n; i++)
        print_message("rowcheck: %s\n", rc.p[i].text);
    assert_false(sp_store_rowcheck_failed(&rc));
    assert_true(rc.lines >= 1);
    assert_int_equal(rc.uncovered_steps, 0);
    assert_true(rc.checked_steps >= 4);
    sp_store_rowcheck_free(&rc);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    setenv("UV_THREADPOOL_SIZE", "1", 1); /* before libuv starts its pool */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_before_file),
    };
    return cmocka_run_group_tests_name("store_writer", tests, NULL, NULL);
}
