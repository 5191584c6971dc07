/*
 * A store of the layout before this one into this one (migrate.h). The
 * steps are copied through the canonical text (rowcheck.c): it is how the
 * old file's values were written, so the same text through the same
 * arithmetic gives back the same doubles (and it is what the journal's
 * rows lines hash), where writing a fetched double in full would change
 * the last bit of about one value in five.
 */
#include "migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/rollup.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"

#define H ((int64_t)SP_STORE_HIST_STEP)
#define TMP_NAME SP_STORE_TMP_PREFIX "migrate."
/* Hours written to the hours file in one librrd call. */
#define HOURS_BATCH 1000
/* Archives an old file may have (it has five). */
#define MAX_RRA 8

static int64_t floor_to(int64_t t, int64_t m)
{
    return t - ((t % m) + m) % m;
}

static int64_t ceil_to(int64_t t, int64_t m)
{
    return floor_to(t + m - 1, m);
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* An error message; cut when the paths are long (a message, not data). */
__attribute__((format(printf, 3, 4))) static void say(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

#define FAIL(st_, ...)                                                                             \
    do {                                                                                           \
        say(r->err, sizeof r->err, __VA_ARGS__);                                                   \
        st = (st_);                                                                                \
        goto out;                                                                                  \
    } while (0)

/* --- Hours from a consolidated archive ------------------------------------- */

sp_status sp_store_migrate_hours(const double *up, const double *degraded, const double *total,
                                 size_t n, int64_t first_start, long row_s, long step_s,
                                 int64_t from, int64_t to, sp_store_hour *out)
{
    if (from % H || to % H || to < from || row_s < 1 || step_s < 1)
        return SP_EINVAL;
    size_t nh = (size_t)((to - from) / H);
    /* sums first: up, degraded and known seconds, total_ms x steps, steps */
    double(*acc)[5] = calloc(nh ? nh : 1, sizeof *acc);
    if (!acc)
        return SP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (isnan(up[i]))
            continue;
        int64_t rs = first_start + (int64_t)i * row_s;
        int64_t a = max64(rs, from), b = min64(rs + row_s, to);
        while (a < b) {
            size_t k = (size_t)((a - from) / H);
            int64_t e = min64(b, from + (int64_t)(k + 1) * H);
            double secs = (double)(e - a);
            acc[k][0] += up[i] * secs;
            acc[k][2] += secs;
            if (!isnan(degraded[i]))
                acc[k][1] += degraded[i] * secs;
            if (!isnan(total[i])) {
                acc[k][3] += total[i] * (secs / (double)step_s);
                acc[k][4] += secs / (double)step_s;
            }
            a = e;
        }
    }
    for (size_t k = 0; k < nh; k++) {
        double u = rint(acc[k][0]), known = acc[k][2], d = rint(acc[k][1]);
        u = u > known ? known : u < 0 ? 0 : u;
        d = d > u ? u : d < 0 ? 0 : d;
        out[k] = (sp_store_hour){from + (int64_t)(k + 1) * H, u, known - u, d, NAN, 0};
        if (acc[k][4] > 0) {
            out[k].total_ms = acc[k][3] / acc[k][4];
            out[k].total_n = rint(acc[k][4]);
        }
    }
    free(acc);
    return SP_OK;
}

/* An hour's line for the hours file, as the rollup writes one. */
static void hour_line(const sp_store_hour *o, char *buf, size_t n)
{
    if (o->total_n > 0)
        snprintf(buf, n, "%lld:%.0f:%.0f:%.0f:%.6g:%.0f", (long long)o->t, o->up_s, o->down_s,
                 o->degraded_s, o->total_ms, o->total_n);
    else
        snprintf(buf, n, "%lld:%.0f:%.0f:%.0f:U:0", (long long)o->t, o->up_s, o->down_s,
                 o->degraded_s);
}

/* Hours [from, to) from the archive of rows of row_s seconds of src. */
static sp_status hours_from(const char *src, long row_s, long step_s, int64_t from, int64_t to,
                            sp_store_hour *out, char *err, size_t errlen)
{
    sp_store_series s;
    sp_status st =
        sp_store_rrd_fetch(NULL, src, "AVERAGE", (time_t)from, (time_t)to, row_s, &s, err, errlen);
    if (st != SP_OK)
        return st;
    int iu = sp_store_series_ds(&s, "up"), id = sp_store_series_ds(&s, "degraded"),
        it = sp_store_series_ds(&s, "total_ms");
    double *v = malloc((3 * s.rows + 1) * sizeof *v);
    if (!v) {
        say(err, errlen, "out of memory");
        st = SP_ENOMEM;
    } else if (iu < 0 || id < 0 || it < 0) {
        say(err, errlen, "%s: no up, degraded and total_ms", src);
        st = SP_EPARSE;
    } else {
        for (size_t i = 0; i < s.rows; i++) {
            const double *row = s.data + i * s.n_ds;
            v[i] = row[iu];
            v[s.rows + i] = row[id];
            v[2 * s.rows + i] = row[it];
        }
        /* librrd may give another row length than asked: take what came */
        st = sp_store_migrate_hours(v, v + s.rows, v + 2 * s.rows, s.rows, (int64_t)s.start,
                                    (long)s.step, step_s, from, to, out);
        if (st != SP_OK)
            say(err, errlen, "%s: cannot make hours: %s", src, sp_strerror(st));
    }
    free(v);
    sp_store_series_free(&s);
    return st;
}

/* The copy. Only steps with a value are written, each after an unknown
 * row at its start when the step before it is unknown: as an import does,
 * that makes every step since the last row unknown at once (a heartbeat of
 * two steps would otherwise let a value fill the one unknown step before
 * it), and the value's own interval is then one step, as when it was first
 * written, so rrdtool's arithmetic gives the same double. Each run is read
 * back from the new file at once and compared, bit for bit, or else by its
 * canonical text (a step rrdtool once filled from a longer interval). */
typedef struct copy_ctx {
    const char *to; /* NULL: count only (a dry run) */
    long step;
    int64_t last;    /* the new file's last update */
    sp_store_row *w; /* rows to write: at most two a step */
    size_t cap;
    const sp_store_row *want; /* the run being checked */
    int64_t steps, known, as_text;
    bool differ;
    int64_t first_diff;
    char *err;
    size_t errlen;
} copy_ctx;

static bool row_known(const sp_store_row *s)
{
    const double v[] = {s->up,         s->degraded, s->total_ms, s->dns_ms,
                        s->connect_ms, s->tls_ms,   s->ttfb_ms,  s->cert_days};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!isnan(v[i]))
            return true;
    return false;
}

/* 0 different, 1 the same doubles, 2 the same canonical text only */
static int same_step(const sp_store_row *a, const sp_store_row *b)
{
    const double x[] = {a->up,         a->degraded, a->total_ms, a->dns_ms,
                        a->connect_ms, a->tls_ms,   a->ttfb_ms,  a->cert_days};
    const double y[] = {b->up,         b->degraded, b->total_ms, b->dns_ms,
                        b->connect_ms, b->tls_ms,   b->ttfb_ms,  b->cert_days};
    bool bits = a->t == b->t;
    for (size_t i = 0; bits && i < sizeof x / sizeof x[0]; i++)
        bits = isnan(x[i]) ? isnan(y[i]) : memcmp(&x[i], &y[i], sizeof x[i]) == 0;
    if (bits)
        return 1;
    char ta[SP_STORE_ROW_TEXT], tb[SP_STORE_ROW_TEXT];
    sp_store_row_format(a, ta, sizeof ta);
    sp_store_row_format(b, tb, sizeof tb);
    return strcmp(ta, tb) == 0 ? 2 : 0;
}

static sp_status on_check(void *arg, const sp_store_row *steps, size_t n)
{
    copy_ctx *c = arg;
    for (size_t i = 0; i < n && !c->differ; i++) {
        int same = same_step(&steps[i], &c->want[i]);
        c->as_text += same == 2;
        if (!same) {
            c->differ = true;
            c->first_diff = steps[i].t;
        }
    }
    return SP_OK;
}

static sp_status on_copy(void *arg, const sp_store_row *steps, size_t n)
{
    copy_ctx *c = arg;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        c->known += row_known(&steps[i]);
    c->steps += (int64_t)n;
    if (!c->to || n == 0)
        return SP_OK;
    if (c->cap < 2 * n) {
        free(c->w);
        if (!(c->w = malloc(2 * n * sizeof *c->w))) {
            c->cap = 0;
            snprintf(c->err, c->errlen, "out of memory");
            return SP_ENOMEM;
        }
        c->cap = 2 * n;
    }
    for (size_t i = 0; i < n; i++) {
        if (!row_known(&steps[i]))
            continue;
        if (c->last < steps[i].t - c->step)
            c->w[k++] = sp_store_row_unknown(steps[i].t - c->step);
        c->w[k++] = steps[i];
        c->last = steps[i].t;
    }
    sp_status st = sp_store_rrd_update_rows(NULL, c->to, c->w, k, c->err, c->errlen);
    if (st != SP_OK)
        return st;
    c->want = steps;
    st = sp_store_rows_read(NULL, c->to, c->step, steps[0].t - c->step, steps[n - 1].t, on_check, c,
                            c->err, c->errlen);
    c->want = NULL;
    return st;
}

/* --- Files ------------------------------------------------------------------ */

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* --- A target --------------------------------------------------------------- */

sp_status sp_store_migrate_target(const char *dir, const char *id, long step_s,
                                  const sp_store_retention *ret, const char *daemon, bool dry_run,
                                  sp_migrate_result *r)
{
    memset(r, 0, sizeof *r);
    r->step_s = step_s;
    r->outcome = SP_MIGRATE_FAILED;
    sp_status st = SP_OK;
    char rrd[4096], hist[4200], tmp[4200], tmp_hist[4300], journal[4200];
    sp_store_hour *acc = NULL;
    char *lines = NULL;
    const char **argv = NULL;
    int64_t *stops = NULL;
    size_t n_stops = 0;
    copy_ctx cc = {.err = r->err, .errlen = sizeof r->err};
    bool made_tmp = false;

    int w1 = snprintf(rrd, sizeof rrd, "%s/%s.rrd", dir, id);
    int w2 = snprintf(r->kept, sizeof r->kept, "%s" SP_MIGRATE_KEPT_SUFFIX, rrd);
    int w3 = snprintf(tmp, sizeof tmp, "%s/" TMP_NAME "%s.rrd", dir, id);
    int w4 = snprintf(journal, sizeof journal, "%s/%s.journal", dir, id);
    if (w1 < 0 || (size_t)w1 >= sizeof rrd || w2 < 0 || (size_t)w2 >= sizeof r->kept || w3 < 0 ||
        (size_t)w3 >= sizeof tmp || w4 < 0 || (size_t)w4 >= sizeof journal ||
        !sp_store_hist_path(rrd, hist, sizeof hist) ||
        !sp_store_hist_path(tmp, tmp_hist, sizeof tmp_hist))
        FAIL(SP_EINVAL, "%s/%s: path too long", dir, id);

    /* Which file to start from. */
    struct stat sb, kb;
    bool have_rrd = stat(rrd, &sb) == 0;
    if (!have_rrd && errno != ENOENT)
        FAIL(SP_EIO, "cannot stat %s: %s", rrd, strerror(errno));
    r->kept_exists = stat(r->kept, &kb) == 0;
    const char *src;
    if (have_rrd) {
        /* rows rrdcached still holds for the old file belong in the copy */
        if ((st = sp_store_rrd_flush(daemon, rrd, r->err, sizeof r->err)) != SP_OK)
            goto out;
        st = sp_store_rrd_check(rrd, step_s, ret, NULL, r->err, sizeof r->err);
        if (st == SP_OK) {
            r->outcome = SP_MIGRATE_CURRENT;
            r->err[0] = '\0';
            goto out;
        }
        if (st != SP_ESTALE)
            goto out;
        if (r->kept_exists && !same_file(&sb, &kb))
            FAIL(SP_EEXIST,
                 "%s exists and is not %s: the old file of an earlier migration? Move it "
                 "away to migrate %s",
                 r->kept, rrd, rrd);
        src = rrd;
    } else if (r->kept_exists) {
        /* an interrupted run had moved the old file aside */
        st = sp_store_rrd_check(r->kept, step_s, ret, NULL, r->err, sizeof r->err);
        if (st != SP_ESTALE) {
            if (st == SP_OK)
                say(r->err, sizeof r->err,
                    "%s is missing and %s is of this layout already: rename it back", rrd, r->kept);
            st = st == SP_OK ? SP_EEXIST : st;
            goto out;
        }
        src = r->kept;
        r->resumed = true;
    } else {
        r->outcome = SP_MIGRATE_NO_FILE;
        goto out;
    }
    r->err[0] = '\0';
    st = SP_OK;

    /* The old file's archives and times. */
    long fstep;
    time_t last_t;
    sp_store_rra rra[MAX_RRA];
    int n_rra;
    if ((st = sp_store_rrd_archives(src, &fstep, &last_t, rra, MAX_RRA, &n_rra, r->err,
                                    sizeof r->err)) != SP_OK)
        goto out;
    if (fstep != step_s)
        FAIL(SP_EINVAL,
             "%s has a step of %ld s, but the target's interval is %ld s: set the interval "
             "back to migrate it",
             src, fstep, step_s);
    if (n_rra < 1 || strcmp(rra[0].cf, "AVERAGE") != 0 || rra[0].pdp_per_row != 1)
        FAIL(SP_EPARSE, "%s: no one-step AVERAGE archive first: not a slaprobe file", src);
    const int64_t step = step_s, L = (int64_t)last_t;
    const int64_t lf = floor_to(L, step); /* end of the last whole step */
    sp_store_layout rows_l, hist_l;
    sp_store_layout_for(step_s, ret, &rows_l);
    sp_store_layout_hist(ret, &hist_l);
    /* The steps both the old archive and the new file hold: (c0, lf]. */
    const int64_t c0 =
        max64(lf - (int64_t)rra[0].rows * step, lf - (int64_t)rows_l.rra[0].rows * step);
    const int64_t e = floor_to(lf, H);          /* the hours file's last update */
    const int64_t b = min64(ceil_to(c0, H), e); /* hours before from the old archives */
    const int64_t hmin = e - (int64_t)hist_l.rra[0].rows * H; /* what the hours file keeps */

    /* Which old archive gives which hours: the finest that reaches back
     * to an hour's start, each taking over where the finer one ends. */
    int order[MAX_RRA], n_coarse = 0;
    for (int i = 1; i < n_rra; i++)
        if (strcmp(rra[i].cf, "AVERAGE") == 0 && rra[i].pdp_per_row >= 1 && rra[i].rows >= 1)
            order[n_coarse++] = i;
    for (int i = 1; i < n_coarse; i++) /* by row length, few: insertion */
        for (int k = i; k > 0 && rra[order[k]].pdp_per_row < rra[order[k - 1]].pdp_per_row; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    if (n_coarse > SP_MIGRATE_MAX_SOURCES) /* not a file slaprobe made: the finest */
        n_coarse = SP_MIGRATE_MAX_SOURCES;
    int64_t lo_of[MAX_RRA], hi_of[MAX_RRA];
    int64_t hs = b;
    for (int k = 0; k < n_coarse; k++) {
        const sp_store_rra *a = &rra[order[k]];
        int64_t row_s = a->pdp_per_row * step;
        int64_t reach = floor_to(L, row_s) - row_s * (int64_t)a->rows;
        int64_t lo = max64(ceil_to(reach, H), hmin);
        lo_of[k] = hi_of[k] = hs;
        if (lo < hs) {
            lo_of[k] = lo;
            hs = lo;
        }
    }
    size_t n_acc = (size_t)((b - hs) / H);
    if (n_acc && !(acc = calloc(n_acc, sizeof *acc)))
        FAIL(SP_ENOMEM, "out of memory");
    for (int k = 0; k < n_coarse; k++)
        if (lo_of[k] < hi_of[k] &&
            (st = hours_from(src, rra[order[k]].pdp_per_row * step_s, step_s, lo_of[k], hi_of[k],
                             acc + (lo_of[k] - hs) / H, r->err, sizeof r->err)) != SP_OK)
            goto out;
    /* The hours file starts at the first hour anything is known of. */
    size_t first = 0;
    while (first < n_acc && acc[first].up_s + acc[first].down_s == 0)
        first++;
    const int64_t h0 = hs + (int64_t)first * H;
    for (int k = 0; k < n_coarse; k++) {
        int64_t lo = max64(lo_of[k], h0);
        if (lo >= hi_of[k])
            continue;
        r->sources[r->n_sources++] =
            (sp_migrate_source){rra[order[k]].pdp_per_row * step_s, (hi_of[k] - lo) / H};
    }
    r->hours_from = h0;
    r->hours = (b - h0) / H + (e - b) / H;
    r->hours_steps = (e - b) / H;
    r->steps_to = lf;

    if (dry_run) { /* count the steps, write nothing */
        if ((st = sp_store_rows_read(NULL, src, step_s, c0, lf, on_copy, &cc, r->err,
                                     sizeof r->err)) != SP_OK)
            goto out;
        r->steps = cc.steps;
        r->known = cc.known;
        r->outcome = SP_MIGRATE_MIGRATED;
        goto out;
    }

    /* The new files under temporary names: the hours file first, so that
     * it starts at h0 and not where the rows file does. */
    unlink(tmp);
    unlink(tmp_hist);
    made_tmp = true;
    if ((st = sp_store_rrd_ensure_hist(tmp, ret, (time_t)h0, r->err, sizeof r->err)) != SP_OK ||
        (st = sp_store_rrd_create(tmp, step_s, ret, (time_t)c0, r->err, sizeof r->err)) != SP_OK)
        goto out;
    if (!(lines = malloc((size_t)HOURS_BATCH * 128)) || !(argv = calloc(HOURS_BATCH, sizeof *argv)))
        FAIL(SP_ENOMEM, "out of memory");
    for (size_t i = first; i < n_acc;) {
        int n = 0;
        for (; i < n_acc && n < HOURS_BATCH; i++, n++) {
            hour_line(&acc[i], lines + (size_t)n * 128, 128);
            argv[n] = lines + (size_t)n * 128;
        }
        if ((st = sp_store_rrd_update(NULL, tmp_hist, n, argv, r->err, sizeof r->err)) != SP_OK)
            goto out;
    }

    /* Every step, then read back and compared before anything moves. */
    cc.to = tmp;
    cc.step = step_s;
    cc.last = c0;
    if ((st = sp_store_rows_read(NULL, src, step_s, c0, lf, on_copy, &cc, r->err, sizeof r->err)) !=
        SP_OK)
        goto out;
    if (cc.differ)
        FAIL(SP_EIO, "%s: the copy of the steps reads back differently (from the step ending %lld)",
             tmp, (long long)cc.first_diff);
    if (cc.last < lf) { /* unknown to the end: the last update as the old file's */
        sp_store_row u = sp_store_row_unknown(lf);
        if ((st = sp_store_rrd_update_rows(NULL, tmp, &u, 1, r->err, sizeof r->err)) != SP_OK)
            goto out;
    }
    r->steps = cc.steps;
    r->known = cc.known;
    r->as_text = cc.as_text;

    /* The hours the steps cover, as the daemon rolls them up. */
    if ((st = sp_store_journal_stops(journal, b, &stops, &n_stops)) != SP_OK)
        FAIL(st, "%s: cannot read its stops: %s", journal, sp_strerror(st));
    r->stops = n_stops;
    int64_t hist_last = b;
    if ((st = sp_store_rollup(NULL, tmp, step_s, stops, n_stops, lf, &hist_last, r->err,
                              sizeof r->err)) != SP_OK)
        goto out;
    if (hist_last != e)
        FAIL(SP_EIO, "%s: rolled up to %lld, not %lld", tmp_hist, (long long)hist_last,
             (long long)e);
    if ((st = sp_store_fsync_path(tmp, 0, r->err, sizeof r->err)) != SP_OK ||
        (st = sp_store_fsync_path(tmp_hist, 0, r->err, sizeof r->err)) != SP_OK)
        goto out;

    /* In place: hours, the old file's second name, the rows. Until the
     * last rename <id>.rrd is the old file, which the daemon refuses and
     * a rerun migrates again. */
    if (rename(tmp_hist, hist) != 0)
        FAIL(SP_EIO, "cannot rename %s to %s: %s", tmp_hist, hist, strerror(errno));
    if (src == rrd) {
        if (link(rrd, r->kept) != 0 && errno != EEXIST) /* EEXIST: the same file, seen above */
            FAIL(SP_EIO, "cannot link %s to %s: %s", rrd, r->kept, strerror(errno));
        if (rename(tmp, rrd) != 0)
            FAIL(SP_EIO, "cannot rename %s to %s: %s", tmp, rrd, strerror(errno));
    } else {
        if (link(tmp, rrd) != 0) /* never over a file that appeared meanwhile */
            FAIL(SP_EIO, "cannot create %s: %s", rrd, strerror(errno));
        unlink(tmp);
    }
    made_tmp = false;
    r->kept_exists = true;
    if ((st = sp_store_fsync_path(dir, O_DIRECTORY, r->err, sizeof r->err)) != SP_OK)
        goto out;
    /* rrdcached must not go on with the old file's header */
    if (sp_store_rrd_forget(daemon, rrd, r->err, sizeof r->err) != SP_OK ||
        sp_store_rrd_forget(daemon, hist, r->err, sizeof r->err) != SP_OK)
        fprintf(stderr, "slaprobe: warning: %s\n", r->err);
    r->err[0] = '\0';
    r->outcome = SP_MIGRATE_MIGRATED;
out:
    if (made_tmp) {
        unlink(tmp);
        unlink(tmp_hist);
    }
    free(acc);
    free(lines);
    free(argv);
    free(stops);
    free(cc.w);
    if (r->outcome == SP_MIGRATE_FAILED && st == SP_OK)
        st = SP_EIO;
    return r->outcome == SP_MIGRATE_FAILED ? st : SP_OK;
}
