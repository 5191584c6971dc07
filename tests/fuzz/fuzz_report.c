/*
 * Fuzz the monthly report's reading of a journal (reports/report.c,
 * read_journal and what it feeds: state changes, imports with incidents,
 * alerts, stops, store_error ranges, clock records and jumps), through the
 * real entry, sp_report_build, then every text renderer. The report has no
 * pure journal entry, so the harness sets up once what a report reads: a
 * configuration (one hourly target, UTC) and an RRD of November 2023
 * with an outage, in /dev/shm; each input is that target's journal. A
 * report reads the journal after verifying it, so the lines need not
 * chain: unchained lines are read too (seeds are chained anyway).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz_util.h"
#include "reports/report.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

#define NOV_2023 INT64_C(1698796800) /* 2023-11-01T00:00:00Z */
#define STEP 3600

static sp_cfg *cfg;
static char dir[128], rrd[4096], journal[4096];
static FILE *devnull;

/* at exit: /dev/shm is memory */
static void cleanup(void)
{
    char hist[4200];
    unlink(journal);
    unlink(rrd);
    if (sp_store_hist_path(rrd, hist, sizeof hist)) /* the hours file beside it */
        unlink(hist);
    rmdir(dir);
}

static void setup(void)
{
    static char text[1024];
    char err[512];
    snprintf(dir, sizeof dir, "/dev/shm/sp-fuzz-report.%ld", (long)getpid());
    if (mkdir(dir, 0700) != 0)
        abort();
    atexit(cleanup);
    int n = snprintf(text, sizeof text,
                     "timezone: UTC\n"
                     "storage: {dir: %s}\n"
                     "targets:\n"
                     "  - id: t\n"
                     "    url: http://127.0.0.1:9/\n"
                     "    interval: 1h\n"
                     "    pattern: 1\n"
                     "    credits: [{below: 99.5, credit: 10}, {below: 99.0, credit: 25}]\n"
                     "    maintenance:\n"
                     "      - {start: \"2023-11-20T01:00:00Z\", end: \"2023-11-20T03:00:00Z\"}\n",
                     dir);
    const char *path = fuzz_write_file("report-cfg", (const uint8_t *)text, (size_t)n);
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "fuzz_report: %s\n", err);
        abort();
    }
    unlink(path);
    sp_store_paths(cfg->storage_dir, "t", rrd, journal, sizeof rrd);
    if (sp_store_rrd_create(rrd, STEP, &cfg->retention, (time_t)NOV_2023, err, sizeof err) !=
        SP_OK) {
        fprintf(stderr, "fuzz_report: %s\n", err);
        abort();
    }
    /* the first 20 days: up, but down for two hours on the 14th and
     * unknown (no row) for an hour on the 16th */
    enum { N = 20 * 86400 / STEP };
    static sp_store_row rows[N];
    size_t k = 0;
    for (int64_t t = NOV_2023 + STEP; t <= NOV_2023 + 20 * 86400; t += STEP) {
        if (t > NOV_2023 + 15 * 86400 && t <= NOV_2023 + 15 * 86400 + 3600)
            continue;
        sp_store_row r = sp_store_row_unknown(t);
        bool down = t > NOV_2023 + 13 * 86400 && t <= NOV_2023 + 13 * 86400 + 7200;
        r.up = down ? 0 : 1;
        r.degraded = 0;
        r.total_ms = down ? NAN : 120;
        rows[k++] = r;
    }
    if (sp_store_rrd_update_rows(NULL, rrd, rows, k, err, sizeof err) != SP_OK) {
        fprintf(stderr, "fuzz_report: %s\n", err);
        abort();
    }
    if (!(devnull = fopen("/dev/null", "w")))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg)
        setup();
    FILE *fp = fopen(journal, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
        abort();
    char err[512];
    sp_report *r = NULL;
    sp_status st = sp_report_build(cfg, 2023, 11, NULL, NOV_2023 + 32 * 86400, &r, err, sizeof err);
    if (st != SP_OK) {
        fprintf(stderr, "fuzz_report: %s\n", err);
        abort(); /* a journal, whatever it holds, never fails the report */
    }
    sp_report_render_text(r, SP_LANG_EN, devnull);
    sp_report_render_text(r, SP_LANG_JA, devnull);
    sp_report_render_csv(r, SP_LANG_EN, devnull);
    sp_report_render_csv(r, SP_LANG_JA, devnull);
    sp_report_render_csv_excel(r, SP_LANG_EN, devnull);
    sp_report_render_json(r, devnull);
    sp_report_all_met(r);
    sp_report_destroy(r);
    return 0;
}
