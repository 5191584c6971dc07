/*
 * storage/rrd.c and layout.c against real RRD files in a temp directory:
 * the SPEC layout is what lands on disk, an existing file of another
 * layout is refused and left byte-for-byte alone, and a value written at t
 * reads back for (t - step, t].
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

#include "storage/layout.h"
#include "storage/rrd.h"

static char dir[64];

#ifdef __SANITIZE_ADDRESS__
/* librrd's graph code leaks (tests/lsan.supp names rrd_graph_v) and has
 * no frame pointers: the suppression matches only with the slow unwinder,
 * as asan_graphs in tests/lib/assert.sh says for the integration tests.
 * ASAN_OPTIONS from the environment still apply on top. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}
#endif

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sp_rrd_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static unsigned long info_cnt(rrd_info_t *i, const char *key)
{
    for (; i; i = i->next)
        if (strcmp(i->key, key) == 0)
            return i->value.u_cnt;
    fail_msg("no key %s", key);
    return 0;
}

static void test_layout_numbers(void **state)
{
    (void)state;
    sp_store_layout l;
    sp_store_layout_for(60, NULL, &l);
    assert_int_equal(l.heartbeat_s, 120);
    assert_int_equal(l.rra[0].pdp_per_row, 1);
    assert_int_equal(l.rra[0].rows, 100800); /* 70 d of minutes */
    assert_int_equal(sp_store_layout_bytes(&l), 100800 * 8 * 8);
    sp_store_retention shortret = {1, 2, 3};
    sp_store_layout_for(1, &shortret, &l);
    assert_int_equal(l.rra[0].rows, 86400);
    sp_store_layout_for(1, NULL, &l);
    assert_int_equal(l.rra[0].rows, 6048000);
    /* the hours file: one row an hour for 5 years, 5 sources */
    sp_store_layout_hist(NULL, &l);
    assert_int_equal(l.step_s, 3600);
    assert_int_equal(l.rra[0].pdp_per_row, 1);
    assert_int_equal(l.rra[0].rows, 43920);
    assert_int_equal(sp_store_layout_bytes(&l), 43920 * 5 * 8);
    sp_store_layout_hist(&shortret, &l);
    assert_int_equal(l.rra[0].rows, 72);
    /* at a 60 s step the pair is at most 9 MB (issue 18's goal): the
     * former one file of five archives was 26.8 MB */
    sp_store_layout rows, hours;
    sp_store_layout_for(60, NULL, &rows);
    sp_store_layout_hist(NULL, &hours);
    assert_true(sp_store_layout_bytes(&rows) + sp_store_layout_bytes(&hours) <= 9000000);
    char bufs[SP_STORE_MAX_ARGS][64];
    const char *argv[SP_STORE_MAX_ARGS];
    assert_int_equal(sp_store_layout_args(&hours, bufs, argv), 6);
    assert_string_equal(argv[0], "DS:up_s:GAUGE:7200:0:3600");
    assert_string_equal(argv[4], "DS:total_n:GAUGE:7200:0:U");
    assert_string_equal(argv[5], "RRA:AVERAGE:0.5:1:43920");
    sp_store_layout_for(60, NULL, &l);
    assert_int_equal(sp_store_layout_args(&l, bufs, argv), 9);
    assert_string_equal(argv[0], "DS:up:GAUGE:120:0:1");
    assert_string_equal(argv[7], "DS:cert_days:GAUGE:120:U:U");
    assert_string_equal(argv[8], "RRA:AVERAGE:0.5:1:100800");
}

static void test_create_check_update_fetch(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/erp.rrd", dir);
    time_t t0 = 1794000000 - 1794000000 % 60;
    assert_int_equal(sp_store_rrd_ensure(path, 60, NULL, t0, err, sizeof err), SP_OK);

    rrd_info_t *info = rrd_info_r(path);
    assert_non_null(info);
    assert_int_equal(info_cnt(info, "step"), 60);
    assert_int_equal(info_cnt(info, "ds[up].minimal_heartbeat"), 120);
    assert_int_equal(info_cnt(info, "ds[ttfb_ms].minimal_heartbeat"), 120);
    assert_int_equal(info_cnt(info, "rra[0].rows"), 100800);
    rrd_info_free(info);
    /* and its hours file beside it */
    char hist[160];
    assert_true(sp_store_hist_path(path, hist, sizeof hist));
    assert_non_null(strstr(hist, "/erp.hist.rrd"));
    info = rrd_info_r(hist);
    assert_non_null(info);
    assert_int_equal(info_cnt(info, "step"), 3600);
    assert_int_equal(info_cnt(info, "rra[0].rows"), 43920);
    assert_int_equal(info_cnt(info, "last_update") % 3600, 0);
    rrd_info_free(info);

    /* opening again with the same layout is fine */
    assert_int_equal(sp_store_rrd_ensure(path, 60, NULL, t0, err, sizeof err), SP_OK);

    /* another step: refused, and the file is not touched */
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(sp_store_rrd_ensure(path, 30, NULL, t0, err, sizeof err), SP_EEXIST);
    assert_non_null(strstr(err, "step 60 s"));
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);

    /* three steps: up, down, unknown */
    char r1[128], r2[128], r3[128];
    snprintf(r1, sizeof r1, "%ld:1:0:12.5:1:2:3:4:30", (long)t0 + 60);
    snprintf(r2, sizeof r2, "%ld:0:0:U:U:U:U:U:30", (long)t0 + 120);
    snprintf(r3, sizeof r3, "%ld:U:U:U:U:U:U:U:U", (long)t0 + 180);
    const char *rows[] = {r1, r2, r3};
    assert_int_equal(sp_store_rrd_update(NULL, path, 3, rows, err, sizeof err), SP_OK);
    assert_int_equal(sp_store_rrd_last(path), t0 + 180);

    time_t start = t0, end = t0 + 180;
    unsigned long step = 0, nds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &nds, &names, &data), 0);
    assert_int_equal(step, 60);
    assert_int_equal(nds, 8);
    assert_string_equal(names[0], "up");
    /* rows: (t0, t0+60] first; each row is one step */
    assert_true(data[0 * nds + 0] == 1.0);
    assert_true(data[0 * nds + 2] == 12.5);
    assert_true(data[1 * nds + 0] == 0.0);
    assert_true(isnan(data[1 * nds + 2]));
    assert_true(isnan(data[2 * nds + 0]));
    for (unsigned long i = 0; i < nds; i++)
        rrd_freemem(names[i]);
    rrd_freemem(names);
    rrd_freemem(data);

    /* updates in the past are an error, not silently dropped */
    assert_int_equal(sp_store_rrd_update(NULL, path, 1, rows, err, sizeof err), SP_EIO);
    assert_non_null(strstr(err, "erp.rrd"));
}

static void test_foreign_file_refused(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/foreign.rrd", dir);
    const char *argv[] = {"DS:x:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:10"};
    assert_int_equal(rrd_create_r2(path, 60, 1794000000, 0, NULL, NULL, 2, argv), 0);
    assert_int_equal(sp_store_rrd_ensure(path, 60, NULL, 1794000000, err, sizeof err), SP_EEXIST);
    assert_non_null(strstr(err, "data source 'up'"));
    snprintf(path, sizeof path, "%s/not-an-rrd.rrd", dir);
    FILE *fp = fopen(path, "w");
    fputs("hello\n", fp);
    fclose(fp);
    assert_int_not_equal(sp_store_rrd_ensure(path, 60, NULL, 1794000000, err, sizeof err), SP_OK);
}

/* A graph drawn in memory: the SVG as a C string, the y axis's range as
 * librrd drew it; a graph librrd refuses is an error with its reason and
 * nothing to free. */
static void test_graph_mem(void **state)
{
    (void)state;
    char path[128], err[512], def[200], s[32], e[32];
    snprintf(path, sizeof path, "%s/g.rrd", dir);
    time_t t0 = 1794000000 - 1794000000 % 60;
    assert_int_equal(sp_store_rrd_ensure(path, 60, NULL, t0, err, sizeof err), SP_OK);
    char rows[60][96];
    const char *rp[60];
    for (int i = 0; i < 60; i++) {
        snprintf(rows[i], sizeof rows[i], "%ld:1:0:%d:1:2:3:4:30", (long)t0 + 60 * (i + 1),
                 i == 30 ? 900 : 100);
        rp[i] = rows[i];
    }
    assert_int_equal(sp_store_rrd_update(NULL, path, 60, rp, err, sizeof err), SP_OK);
    snprintf(def, sizeof def, "DEF:t=%s:total_ms:AVERAGE", path);
    snprintf(s, sizeof s, "%ld", (long)t0);
    snprintf(e, sizeof e, "%ld", (long)t0 + 3600);
    const char *argv[] = {"--imgformat", "SVG", "--start", s, "--end", e, def, "LINE1:t#ff0000"};
    sp_store_graph g;
    assert_int_equal(sp_store_rrd_graph_mem(8, argv, &g, err, sizeof err), SP_OK);
    assert_non_null(g.image);
    assert_int_equal(strlen((const char *)g.image), g.len);
    assert_non_null(strstr((const char *)g.image, "<svg"));
    assert_true(g.value_max >= 900 && g.value_max < 2000);
    assert_true(g.value_min <= 100);
    sp_store_graph_free(&g);
    assert_null(g.image);

    snprintf(def, sizeof def, "DEF:t=%s/missing.rrd:total_ms:AVERAGE", dir);
    assert_int_equal(sp_store_rrd_graph_mem(8, argv, &g, err, sizeof err), SP_EIO);
    assert_null(g.image);
    assert_non_null(strstr(err, "cannot draw"));
    assert_non_null(strstr(err, "missing.rrd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_numbers),
        cmocka_unit_test(test_create_check_update_fetch),
        cmocka_unit_test(test_foreign_file_refused),
        cmocka_unit_test(test_graph_mem),
    };
    return cmocka_run_group_tests_name("store_rrd", tests, setup, teardown);
}
