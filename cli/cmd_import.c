/*
 * `slaprobe import -c FILE --target ID --csv FILE`: history from another
 * monitor into a target's RRD (storage/import.c does the reading and the
 * step arithmetic). All or nothing: the CSV is read and checked whole
 * before anything is written, and rows older than what the RRD already
 * holds are refused (RRD cannot rewrite the past), so an import never
 * loses or mixes data. The import itself is recorded in the journal.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config/config.h"
#include "probe/result_json.h"
#include "storage/import.h"
#include "storage/journal.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

/* rrd_update takes many rows per call; this many keeps argv small. */
#define BATCH 2000

int sp_cmd_import(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe import -c FILE --target ID --csv CSVFILE\n"
        "Import history (rows 'timestamp,up[,total_ms]', timestamp in Unix seconds or\n"
        "ISO-8601 with offset, up 0..1) into the target's RRD at its step. A row at t\n"
        "(rounded down to the step) is the observation for [t, t + step); a step with\n"
        "no row stays unknown. Rows may come in any order; rows not newer than what the\n"
        "RRD holds are refused and nothing is written. Stop the daemon for this target\n"
        "first: both would append to its journal.\n"
        "Exit 0 imported, 2 bad usage, configuration or CSV.\n";
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"target", required_argument, NULL, 't'},
        {"csv", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *id = NULL, *csv = NULL;
    int c, rc = SP_EXIT_USAGE;
    char err[1024];
    sp_cfg *cfg = NULL;
    sp_import_row *rows = NULL;
    sp_store_row *steps = NULL;
    sp_journal *j = NULL;
    size_t n = 0, nsteps = 0;
    FILE *fp = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 't') {
            id = optarg;
        } else if (c == 'f') {
            csv = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        } else {
            fprintf(stderr, "slaprobe import: bad option '%s' (try --help)\n", argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!path || !id || !csv || optind < argc) {
        fprintf(stderr, "slaprobe import: -c FILE, --target ID and --csv FILE are required "
                        "(try --help)\n");
        return SP_EXIT_USAGE;
    }
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        goto out;
    }
    const sp_cfg_target *t = sp_cfg_find_target(cfg, id);
    if (!t) {
        fprintf(stderr, "slaprobe import: no target '%s' in %s\n", id, path);
        goto out;
    }
    fp = strcmp(csv, "-") == 0 ? stdin : fopen(csv, "r");
    if (!fp) {
        fprintf(stderr, "slaprobe import: cannot open %s: %s\n", csv, strerror(errno));
        goto out;
    }
    if (sp_store_import_parse(fp, csv, &rows, &n, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: %s\n", err);
        goto out;
    }
    if (n == 0) {
        fprintf(stderr, "slaprobe import: %s has no rows\n", csv);
        goto out;
    }
    long step = (long)(t->interval_ms / 1000);
    if (sp_store_import_steps(rows, n, step, t->slow_ms, &steps, &nsteps) != SP_OK) {
        fprintf(stderr, "slaprobe import: out of memory\n");
        goto out;
    }

    char rrd[4096], jpath[4096];
    sp_store_paths(cfg->storage_dir, id, rrd, jpath, sizeof rrd);
    if (mkdir(cfg->storage_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "slaprobe import: cannot create %s: %s\n", cfg->storage_dir,
                strerror(errno));
        goto out;
    }
    /* The first row is written at the end of its step; the file must start
     * before that. An existing file must hold nothing at or after it. */
    time_t first_end = (time_t)steps[0].t;
    if (sp_store_rrd_ensure(rrd, step, &cfg->retention, first_end - step, err, sizeof err) !=
        SP_OK) {
        fprintf(stderr, "slaprobe import: %s\n", err);
        goto out;
    }
    sp_store_rrd_flush(cfg->rrdcached, rrd, err, sizeof err); /* best effort: we only read */
    time_t last = sp_store_rrd_last(rrd);
    if (first_end <= last) {
        char a[40], b[40];
        sp_probe_format_time((int64_t)(first_end - step) * 1000, a, sizeof a);
        sp_probe_format_time((int64_t)last * 1000, b, sizeof b);
        /* find the CSV row that starts the refused range, to name it */
        long line = 0;
        for (size_t i = 0; i < n; i++)
            if (rows[i].t < (int64_t)last && (!line || rows[i].line < line))
                line = rows[i].line;
        fprintf(stderr,
                "slaprobe import: %s:%ld: rows from %s on are not newer than what %s already "
                "holds (last update %s); nothing imported\n",
                csv, line, a, rrd, b);
        goto out;
    }
    if (sp_store_journal_open(jpath, &j, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: %s\n", err);
        goto out;
    }
    size_t unknown = 0;
    for (size_t i = 0; i < nsteps; i++)
        unknown += isnan(steps[i].up);
    for (size_t i = 0; i < nsteps; i += BATCH) {
        size_t k = nsteps - i < BATCH ? nsteps - i : BATCH;
        sp_status st = sp_store_rrd_update_rows(cfg->rrdcached, rrd, steps + i, k, err,
                                                sizeof err);
        if (st == SP_EBUSY) {
            fprintf(stderr, "slaprobe import: %s\n", err);
        } else if (st != SP_OK) {
            fprintf(stderr, "slaprobe import: %s (%zu of %zu steps written)\n", err, i, nsteps);
            rc = SP_EXIT_FAIL;
            goto out;
        }
    }
    sp_store_rrd_flush(cfg->rrdcached, rrd, err, sizeof err);

    char from[40], to[40], now[40];
    sp_probe_format_time((int64_t)(first_end - step) * 1000, from, sizeof from);
    sp_probe_format_time((int64_t)steps[nsteps - 1].t * 1000, to, sizeof to);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    sp_probe_format_time(now_ms, now, sizeof now);
    char *base = strdup(csv);
    json_t *ev = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:s}", "type", "import",
                           "time", now, "t_ms", (json_int_t)now_ms, "from", from, "to", to,
                           "rows", (json_int_t)n, "steps", (json_int_t)nsteps, "unknown_steps",
                           (json_int_t)unknown, "source", base ? basename(base) : csv);
    free(base);
    if (!ev || sp_store_journal_append(j, ev, true, err, sizeof err) != SP_OK)
        fprintf(stderr, "slaprobe import: journal %s: %s\n", jpath, ev ? err : "out of memory");
    json_decref(ev);
    printf("imported %zu rows into %s: %zu steps of %ld s from %s to %s, %zu of them unknown "
           "(no row)\n",
           n, rrd, nsteps, step, from, to, unknown);
    rc = SP_EXIT_OK;
out:
    if (j)
        sp_store_journal_close(j);
    if (fp && fp != stdin)
        fclose(fp);
    free(rows);
    free(steps);
    sp_cfg_destroy(cfg);
    return rc;
}
