/*
 * `slaprobe import -c FILE --target ID --csv FILE`: history from another
 * monitor into a target's RRD (storage/import.c does the reading, the step
 * arithmetic and the file). All or nothing, also when killed: the rows go
 * into a copy of the RRD beside it, streamed in bounded memory, and the
 * copy replaces the RRD only when every row was read, checked and written;
 * rows older than what the RRD already holds, in the future or beyond its
 * retention are refused (RRD cannot rewrite the past, and would drop or
 * be poisoned by the rest), so an import never loses, poisons or mixes
 * data. The import is recorded in the journal once it is in place.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sp_reason.h"
#include "common/sp_time.h"
#include "config/config.h"
#include "journal/journal.h"
#include "journal/lines.h"
#include "storage/import.h"
#include "storage/layout.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

/* --- The temporary file at a signal ----------------------------------------- */

/* SIGINT, SIGTERM and SIGHUP remove the temporary file before the process
 * dies of them (SIGKILL leaves it: the next import of the target, or the
 * daemon's start, removes it). */
static char g_tmp[4200], g_tmp_hist[4300]; /* the copies of the rows and the hours */
static volatile sig_atomic_t g_armed;

static void on_fatal_signal(int sig)
{
    if (g_armed) {
        unlink(g_tmp);
        unlink(g_tmp_hist);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void arm_cleanup(const char *tmp)
{
    snprintf(g_tmp, sizeof g_tmp, "%s", tmp);
    if (!sp_store_hist_path(tmp, g_tmp_hist, sizeof g_tmp_hist))
        g_tmp_hist[0] = '\0';
    struct sigaction sa = {.sa_handler = on_fatal_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, NULL);
    g_armed = 1;
}

static void disarm_cleanup(void)
{
    g_armed = 0;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        signal(fatal_signals[i], SIG_DFL);
}

/* Block those signals (block true) or let them through again: from the
 * rename to the journal line an import must not stop halfway. */
static void hold_signals(bool block)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaddset(&set, fatal_signals[i]);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* --- The journal line ------------------------------------------------------ */

/* The import line: what was imported, and its incidents (down runs with
 * their reasons, for the report). */
static json_t *import_event(const sp_import_steps *s, const sp_import_incidents *inc,
                            const char *csv)
{
    char *base = strdup(csv);
    sp_journal_incident *v = calloc(inc->n ? inc->n : 1, sizeof *v);
    json_t *ev = NULL;
    if (v) {
        for (size_t i = 0; i < inc->n; i++)
            v[i] = (sp_journal_incident){inc->v[i].from, inc->v[i].to, (sp_reason)inc->v[i].reason};
        sp_journal_line l = {.type = SP_JOURNAL_IMPORT,
                             .import = {.from_ms = s->first * 1000,
                                        .to_ms = s->last * 1000,
                                        .rows = (int64_t)s->rows,
                                        .steps = (int64_t)s->steps,
                                        .unknown_steps = (int64_t)s->unknown,
                                        .source = base ? basename(base) : csv,
                                        .incidents = v,
                                        .n_incidents = inc->n}};
        ev = sp_journal_line_to_json(&l);
    }
    free(v);
    free(base);
    return ev;
}

/* --- The command ------------------------------------------------------------ */

typedef struct batch {
    sp_store_row rows[SP_IMPORT_BATCH];
    size_t n;
} batch;

static sp_status flush_batch(sp_import_file *f, batch *b, char *err, size_t errlen)
{
    sp_status st = sp_store_import_file_write(f, b->rows, b->n, err, errlen);
    b->n = 0;
    return st;
}

/* Rows and incidents of one step into the batch and the list. */
static sp_status take(sp_import_file *f, batch *b, sp_import_incidents *inc, const sp_import_out *o,
                      const char *csv, char *err, size_t errlen)
{
    sp_status st;
    for (size_t i = 0; i < o->ninc; i++)
        if ((st = sp_store_import_incidents_add(inc, &o->inc[i], csv, err, errlen)) != SP_OK)
            return st;
    for (size_t i = 0; i < o->nrows; i++) {
        if (b->n == SP_IMPORT_BATCH && (st = flush_batch(f, b, err, errlen)) != SP_OK)
            return st;
        b->rows[b->n++] = o->rows[i];
    }
    return SP_OK;
}

typedef struct rows_emit {
    sp_journal *j;
    sp_status st;
} rows_emit;

static void emit_rows(void *arg, json_t *ev)
{
    rows_emit *re = arg;
    char err[256];
    if (re->st == SP_OK)
        re->st = sp_journal_append(re->j, ev, false, err, sizeof err);
    json_decref(ev);
}

int sp_cmd_import(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe import -c FILE [--vantage V] --target ID --csv CSVFILE\n"
        "Import history (rows 'timestamp,up[,total_ms[,reason]]', timestamp in Unix seconds\n"
        "or ISO-8601 with offset, up 0..1, reason a code like tcp_refused) into the target's\n"
        "RRD at its step. A row at t (rounded down to the step) is the observation for\n"
        "[t, t + step); a step with no row stays unknown. Rows must be in ascending time\n"
        "order; rows in one step are averaged. Refused, with nothing written: a bad line,\n"
        "a row in the future, a timestamp in milliseconds, a row older than the RRD can\n"
        "hold, rows not newer than what it holds. Memory does not grow with the file.\n"
        "Stop the daemon for this target first: both would write its RRD and journal.\n"
        "--vantage V: into vantage V's store, <storage.dir>/V/ (docs/VANTAGES.md), as\n"
        "`run --vantage V` writes it; V must be one of `vantages`. So the report host can be\n"
        "given each vantage's history.\n"
        "Exit 0 imported, 1 cannot write, 2 bad usage, configuration or CSV.\n";
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"target", required_argument, NULL, 't'},
        {"csv", required_argument, NULL, 'f'},    {"vantage", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *id = NULL, *csv = NULL;
    int c, rc = SP_EXIT_USAGE;
    char err[1024] = "";
    sp_cfg *cfg = NULL;
    sp_import_reader *rd = NULL;
    sp_import_file *f = NULL;
    sp_import_incidents inc = {0};
    sp_journal *j = NULL;
    batch *b = NULL;
    FILE *fp = NULL;
    sp_status st;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 't') {
            id = optarg;
        } else if (c == 'f') {
            csv = optarg;
        } else if (c == 'V') {
            /* as `run --vantage`: sp_cfg_load then checks the name and
             * puts storage_dir in <root>/V */
            if (setenv("SLAPROBE_VANTAGE", optarg, 1) != 0) {
                fprintf(stderr, "slaprobe import: --vantage: %s\n", strerror(errno));
                return SP_EXIT_FAIL;
            }
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
    long step = (long)(t->interval_ms / 1000);
    if (step < 1 || step > SP_IMPORT_MAX_STEP_S) {
        fprintf(stderr, "slaprobe import: target '%s' has a step of %ld s; import takes 1 to %ld\n",
                id, step, SP_IMPORT_MAX_STEP_S);
        goto out;
    }
    fp = strcmp(csv, "-") == 0 ? stdin : fopen(csv, "re");
    if (!fp) {
        fprintf(stderr, "slaprobe import: cannot open %s: %s\n", csv, strerror(errno));
        goto out;
    }
    b = malloc(sizeof *b);
    if (!b) {
        fprintf(stderr, "slaprobe import: out of memory\n");
        rc = SP_EXIT_FAIL;
        goto out;
    }
    b->n = 0;

    /* What the RRD holds now, and how far back it can hold anything. */
    char rrd[4096], jpath[4096], tmp[4200];
    sp_store_paths(cfg->storage_dir, id, rrd, jpath, sizeof rrd);
    sp_store_import_tmp_path(cfg->storage_dir, id, (long)getpid(), tmp, sizeof tmp);
    struct stat sb;
    bool exists = stat(rrd, &sb) == 0;
    sp_import_limits lim = sp_store_import_limits_none();
    lim.step_s = step;
    lim.rrd = rrd;
    if (exists) {
        /* rrdcached may hold rows the file lacks: they must be in the copy
         * (and cannot be, if it does not answer). */
        if (sp_store_rrd_flush(cfg->rrdcached, rrd, err, sizeof err) != SP_OK) {
            fprintf(stderr,
                    "slaprobe import: %s: cannot know what rrdcached holds for the file; "
                    "nothing imported\n",
                    err);
            rc = SP_EXIT_FAIL;
            goto out;
        }
        if (sp_store_rrd_check(rrd, step, &cfg->retention, NULL, err, sizeof err) != SP_OK) {
            fprintf(stderr, "slaprobe import: %s\n", err);
            goto out;
        }
        time_t last = sp_store_rrd_last(rrd);
        if (last <= 0) {
            fprintf(stderr, "slaprobe import: cannot read the last update of %s\n", rrd);
            rc = SP_EXIT_FAIL;
            goto out;
        }
        lim.after = (int64_t)last;
    }
    /* the hours file reaches furthest back (docs/STORAGE.md) */
    sp_store_layout layout, hours;
    sp_store_layout_for(step, &cfg->retention, &layout);
    sp_store_layout_hist(&cfg->retention, &hours);
    int64_t span = sp_store_layout_span_s(&layout), hspan = sp_store_layout_span_s(&hours);
    if (hspan > span)
        span = hspan;
    lim.now = (int64_t)time(NULL);
    if (__builtin_sub_overflow(lim.now, span, &lim.oldest))
        lim.oldest = INT64_MIN;
    lim.keep_days = (long)(span / 86400);

    /* Stream: check each row, turn steps into RRD rows, write them in
     * batches into the copy. */
    if (sp_store_import_reader_create(fp, csv, &lim, &rd) != SP_OK) {
        fprintf(stderr, "slaprobe import: out of memory\n");
        rc = SP_EXIT_FAIL;
        goto out;
    }
    sp_import_row row;
    st = sp_store_import_next(rd, &row, err, sizeof err);
    if (st == SP_ENOTFOUND) {
        fprintf(stderr, "slaprobe import: %s has no rows\n", csv);
        goto out;
    }
    if (st != SP_OK)
        goto refused;
    int64_t start = row.t - (row.t % step + step) % step;
    /* the directory only now: a refused first row creates nothing (with a
     * vantage, its parent <root> first) */
    if (cfg->vantage && mkdir(cfg->storage_root, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "slaprobe import: cannot create %s: %s; nothing imported\n",
                cfg->storage_root, strerror(errno));
        rc = SP_EXIT_FAIL;
        goto out;
    }
    if (mkdir(cfg->storage_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "slaprobe import: cannot create %s: %s; nothing imported\n",
                cfg->storage_dir, strerror(errno));
        rc = SP_EXIT_FAIL;
        goto out;
    }
    /* One writer per store: not while the daemon (or another import) runs;
     * held until exit, so the daemon cannot start in the middle either. */
    int lock_fd;
    if (sp_store_lock_dir(cfg->storage_dir, &lock_fd, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: %s; nothing imported\n", err);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    /* with the lock held, every .sp- file is a leftover (a killed import
     * or creation): the same cleanup as the daemon's at start */
    if (sp_store_clean_stale(cfg->storage_dir, err, sizeof err) != SP_OK)
        fprintf(stderr, "slaprobe import: %s\n", err);
    arm_cleanup(tmp);
    if (sp_store_import_file_begin(rrd, tmp, jpath, step, &cfg->retention, (time_t)start, &f, err,
                                   sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: %s; nothing imported\n", err);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    sp_import_steps steps;
    sp_store_import_steps_init(&steps, step, t->slow_ms, exists ? lim.after : start);
    sp_import_out o;
    do {
        sp_store_import_steps_add(&steps, &row, &o);
        if ((st = take(f, b, &inc, &o, csv, err, sizeof err)) != SP_OK)
            goto refused;
    } while ((st = sp_store_import_next(rd, &row, err, sizeof err)) == SP_OK);
    if (st != SP_ENOTFOUND)
        goto refused;
    sp_store_import_steps_end(&steps, &o);
    if ((st = take(f, b, &inc, &o, csv, err, sizeof err)) != SP_OK ||
        (b->n && (st = flush_batch(f, b, err, sizeof err)) != SP_OK))
        goto refused;

    /* In place, then journaled; no signal stops it between the two. The
     * journal is opened first (it may cut a torn last line) so that a
     * journal that cannot be written stops the import before the rename. */
    if (sp_journal_open(jpath, &j, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: %s; nothing imported\n", err);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    hold_signals(true);
    err[0] = '\0';
    st = sp_store_import_file_commit(f, err, sizeof err);
    if (st != SP_OK) {
        hold_signals(false);
        fprintf(stderr, "slaprobe import: %s; nothing imported\n", err);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    if (err[0])
        fprintf(stderr, "slaprobe import: warning: %s\n", err);
    /* rrdcached's idea of the file (its last update) is the old file's:
     * make it write what it may have taken meanwhile (a daemon left
     * running; rows not newer than ours are refused then, as they would
     * be by the file), then forget, so that it reads the new file. */
    if (sp_store_rrd_flush(cfg->rrdcached, rrd, err, sizeof err) != SP_OK ||
        sp_store_rrd_forget(cfg->rrdcached, rrd, err, sizeof err) != SP_OK)
        fprintf(stderr, "slaprobe import: warning: %s\n", err);
    rc = SP_EXIT_OK;
    json_t *ev = import_event(&steps, &inc, csv);
    if (!ev || sp_journal_append(j, ev, true, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe import: imported into %s, but the journal line is missing: %s\n",
                rrd, ev ? err : "out of memory");
        rc = SP_EXIT_FAIL;
    }
    json_decref(ev);
    /* the imported rows are covered like the daemon's: rows lines over the
     * file as it now holds them (SPEC section 11; docs/EVIDENCE.md) */
    if (rc == SP_EXIT_OK) {
        rows_emit re = {j, SP_OK};
        if (sp_store_rows_lines_from_file(cfg->rrdcached, rrd, exists ? lim.after : start,
                                          steps.last, false, emit_rows, &re, err,
                                          sizeof err) != SP_OK ||
            re.st != SP_OK) {
            fprintf(stderr,
                    "slaprobe import: imported into %s, but its rows lines are missing: %s\n", rrd,
                    re.st != SP_OK ? sp_strerror(re.st) : err);
            rc = SP_EXIT_FAIL;
        }
    }
    disarm_cleanup();
    hold_signals(false);

    char from[40], to[40];
    sp_time_iso_ms(steps.first * 1000, from, sizeof from);
    sp_time_iso_ms(steps.last * 1000, to, sizeof to);
    printf("imported %llu rows into %s: %llu steps of %ld s from %s to %s, %llu of them "
           "unknown (no row)\n",
           (unsigned long long)steps.rows, rrd, (unsigned long long)steps.steps, step, from, to,
           (unsigned long long)steps.unknown);
    goto out;

refused:
    /* a bad row (EPARSE) or too many incidents (EBUSY) is the CSV's fault */
    fprintf(stderr, "slaprobe import: %s; nothing imported\n", err);
    rc = st == SP_EPARSE || st == SP_EBUSY ? SP_EXIT_USAGE : SP_EXIT_FAIL;
out:
    sp_store_import_file_destroy(f); /* removes the copy unless it is in place */
    disarm_cleanup();
    if (j)
        sp_journal_close(j);
    if (fp && fp != stdin)
        fclose(fp);
    sp_store_import_reader_destroy(rd);
    sp_store_import_incidents_free(&inc);
    free(b);
    sp_cfg_destroy(cfg);
    return rc;
}
