/*
 * CSV history to RRD rows (see import.h). The parser is strict: a row it
 * cannot read stops the import with the line named, because a silently
 * skipped row would become "unknown" time in an SLA report. Everything
 * streams: a row is checked when it is read, turned into RRD rows when the
 * next step begins, and written in batches into a copy of the RRD that
 * replaces the original only at the end.
 *
 * Timestamps are bounded (|t| < 1e11 s, ISO-8601 years 0-9999) and steps
 * too (import.h), before any arithmetic, so no product or sum of them can
 * overflow whatever the input.
 */
#include "import.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sp_civil.h"
#include "common/sp_grow.h"
#include "common/sp_reason.h"
#include "common/sp_value.h"
#include "storage/rollup.h"
#include "storage/rrd.h"

/* --- Arithmetic ------------------------------------------------------------ */

static long clamp_step(long step_s)
{
    return step_s < 1 ? 1 : step_s > SP_IMPORT_MAX_STEP_S ? SP_IMPORT_MAX_STEP_S : step_s;
}

/* floor(a / b) for b >= 1, also for a < 0; never overflows */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* "2026-11-01T00:00:00Z" for any t an import accepts (and a bit beyond) */
static void fmt_time(int64_t t, char *buf, size_t n)
{
    int64_t days = floor_div(t, 86400), sec = t - days * 86400, y;
    int m, d;
    sp_civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

/* --- Reading ------------------------------------------------------------- */

struct sp_import_reader {
    FILE *fp;
    char *name;
    sp_import_limits lim;
    long lineno;
    bool seen_data; /* a data or header line was read: no header after it */
    bool have_prev;
    int64_t prev_t;
    long prev_line;
    char buf[SP_IMPORT_LINE_MAX];
};

sp_import_limits sp_store_import_limits_none(void)
{
    return (sp_import_limits){
        .step_s = 60, .now = INT64_MAX, .oldest = INT64_MIN, .after = INT64_MIN, .rrd = "the RRD"};
}

sp_status sp_store_import_reader_create(FILE *fp, const char *name, const sp_import_limits *lim,
                                        sp_import_reader **out)
{
    *out = NULL;
    sp_import_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        return SP_ENOMEM;
    }
    r->fp = fp;
    r->lim = *lim;
    r->lim.step_s = clamp_step(lim->step_s);
    if (!r->lim.rrd)
        r->lim.rrd = "the RRD";
    *out = r;
    return SP_OK;
}

void sp_store_import_reader_destroy(sp_import_reader *r)
{
    if (!r)
        return;
    free(r->name);
    free(r);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* One line into r->buf, without its newline. 1 a line, 0 end of input,
 * -1 too long, -2 a NUL byte, -3 read error. A line is never held beyond
 * the buffer: that is the reader's memory bound. */
static int read_line(sp_import_reader *r)
{
    size_t n = 0;
    int c;
    bool any = false, nul = false;
    while ((c = getc_unlocked(r->fp)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (n + 1 >= sizeof r->buf)
            return -1;
        nul |= c == '\0';
        r->buf[n++] = (char)c;
    }
    if (c == EOF && ferror(r->fp))
        return -3;
    r->buf[n] = '\0';
    if (nul)
        return -2;
    return any ? 1 : 0;
}

/* *numeric: the field was Unix seconds (and not ISO-8601). */
static bool parse_time(const char *s, int64_t *t, bool *numeric)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    *numeric = end != s && *end == '\0';
    if (*numeric && errno == 0) {
        *t = v;
        return true;
    }
    if (*numeric) /* ERANGE: more digits than any plausible time */
        return false;
    int64_t ms;
    if (sp_value_timestamp_ms(s, &ms)) { /* years 0000-9999: |ms| < 3e14 */
        *t = floor_div(ms, 1000);
        return true;
    }
    return false;
}

static bool parse_up(const char *s, double *up)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "up") == 0) {
        *up = 1;
        return true;
    }
    if (strcasecmp(s, "false") == 0 || strcasecmp(s, "down") == 0) {
        *up = 0;
        return true;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0 && v <= 1))
        return false;
    *up = v;
    return true;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return SP_EPARSE;                                                                          \
    } while (0)

/* The checks against time: what the RRD can take, in the order a user
 * would fix them. */
static sp_status check_time(sp_import_reader *r, const sp_import_row *row, const char *field,
                            bool numeric, char *err, size_t errlen)
{
    const sp_import_limits *l = &r->lim;
    const char *nm = r->name;
    long ln = row->line;
    char a[40], b[40];
    if (numeric && row->t >= SP_IMPORT_MS_LIMIT)
        FAIL("%s:%ld: '%s' looks like milliseconds; timestamps are Unix seconds", nm, ln, field);
    if (numeric && row->t <= -SP_IMPORT_MS_LIMIT)
        FAIL("%s:%ld: '%s' is out of range for Unix seconds", nm, ln, field);
    int64_t start = floor_div(row->t, l->step_s) * l->step_s;
    if (start > l->now) {
        fmt_time(row->t, a, sizeof a);
        fmt_time(l->now, b, sizeof b);
        FAIL("%s:%ld: %s is in the future (now is %s)", nm, ln, a, b);
    }
    if (start < l->oldest) {
        fmt_time(row->t, a, sizeof a);
        fmt_time(l->oldest, b, sizeof b);
        FAIL("%s:%ld: %s is older than %s can hold: its longest archive reaches back %ld days, "
             "to %s",
             nm, ln, a, l->rrd, l->keep_days, b);
    }
    if (r->have_prev && row->t < r->prev_t) {
        fmt_time(row->t, a, sizeof a);
        fmt_time(r->prev_t, b, sizeof b);
        FAIL("%s:%ld: %s is earlier than line %ld (%s): rows must be in ascending time order", nm,
             ln, a, r->prev_line, b);
    }
    if (start + l->step_s <= l->after) {
        fmt_time(start, a, sizeof a);
        fmt_time(l->after, b, sizeof b);
        FAIL("%s:%ld: rows from %s on are not newer than what %s already holds (last update %s)",
             nm, ln, a, l->rrd, b);
    }
    return SP_OK;
}

sp_status sp_store_import_next(sp_import_reader *r, sp_import_row *row, char *err, size_t errlen)
{
    const char *nm = r->name;
    for (;;) {
        int got = read_line(r);
        if (got == 0)
            return SP_ENOTFOUND;
        r->lineno++;
        long ln = r->lineno;
        if (got == -3) {
            snprintf(err, errlen, "%s:%ld: read error: %s", nm, ln, strerror(errno));
            return SP_EIO;
        }
        if (got == -1)
            FAIL("%s:%ld: line longer than %d bytes", nm, ln, SP_IMPORT_LINE_MAX - 1);
        if (got == -2)
            FAIL("%s:%ld: a NUL byte: not a text CSV", nm, ln);
        char *s = trim(r->buf);
        if (!*s || *s == '#')
            continue;
        char *f[4] = {0};
        int nf = 0;
        for (char *p = s, *tok; (tok = strsep(&p, ",")) != NULL;) {
            if (nf == 4)
                FAIL("%s:%ld: more than 4 fields (timestamp,up[,total_ms[,reason]])", nm, ln);
            f[nf++] = trim(tok);
        }
        if (!r->seen_data && strcasecmp(f[0], "timestamp") == 0) {
            r->seen_data = true; /* a header line */
            continue;
        }
        r->seen_data = true;
        *row = (sp_import_row){.total_ms = NAN, .reason = -1, .line = ln};
        if (nf < 2)
            FAIL("%s:%ld: expected timestamp,up[,total_ms[,reason]]", nm, ln);
        bool numeric;
        if (!parse_time(f[0], &row->t, &numeric))
            FAIL("%s:%ld: '%s' is not a timestamp (Unix seconds or ISO-8601 with offset)", nm, ln,
                 f[0]);
        if (!parse_up(f[1], &row->up))
            FAIL("%s:%ld: up '%s' is not 0..1, true or false", nm, ln, f[1]);
        if (nf >= 3 && *f[2]) {
            char *end;
            row->total_ms = strtod(f[2], &end);
            if (end == f[2] || *end || !(row->total_ms >= 0) ||
                !(row->total_ms <= SP_IMPORT_MAX_TOTAL_MS))
                FAIL("%s:%ld: total_ms '%s' is not a duration in ms (0 to %.0f)", nm, ln, f[2],
                     SP_IMPORT_MAX_TOTAL_MS);
        }
        if (nf == 4 && *f[3]) {
            sp_reason rs;
            if (!sp_reason_from_name(f[3], &rs))
                FAIL("%s:%ld: reason '%s' is not a reason code (tcp_refused, dns_timeout, ...: "
                     "docs/REASONS.md)",
                     nm, ln, f[3]);
            row->reason = (int)rs;
        }
        sp_status st = check_time(r, row, f[0], numeric, err, errlen);
        if (st != SP_OK)
            return st;
        r->have_prev = true;
        r->prev_t = row->t;
        r->prev_line = ln;
        return SP_OK;
    }
}

#undef FAIL

/* --- Steps ----------------------------------------------------------------- */

void sp_store_import_steps_init(sp_import_steps *s, long step_s, double slow_ms, int64_t after)
{
    *s = (sp_import_steps){.step_s = clamp_step(step_s),
                           .slow_ms = slow_ms,
                           .written = after,
                           .reason = -1,
                           .run_reason = -1};
}

static void end_run(sp_import_steps *s, sp_import_out *out)
{
    if (!s->run)
        return;
    out->inc[out->ninc++] = (sp_import_incident){.from = s->run_from * s->step_s,
                                                 .to = (s->run_to + 1) * s->step_s,
                                                 .reason = s->run_reason,
                                                 .line = s->run_line};
    s->run = false;
}

/* The step being gathered is complete: its row (after an unknown one for
 * a hole before it) and what it does to the run of down steps. */
static void finish_step(sp_import_steps *s, sp_import_out *out)
{
    int64_t start = s->k * s->step_s, end = start + s->step_s;
    /* One unknown row at the start of the step makes every step since the
     * last row unknown at once, as one unknown row per step would: RRD
     * gives an update's value to all of (last update, t]. The heartbeat
     * (two steps) would otherwise stretch the next value over the hole. */
    if (s->written < start)
        out->rows[out->nrows++] = sp_store_row_unknown(start);
    sp_store_row r = sp_store_row_unknown(end);
    r.up = s->up / (double)s->n;
    r.degraded = s->degraded / (double)s->n;
    r.total_ms = s->n_ms ? s->total_ms / (double)s->n_ms : NAN;
    out->rows[out->nrows++] = r;
    s->written = end;

    bool down = r.up < 1 && s->reason >= 0;
    if (down && s->run && s->run_reason == s->reason && s->run_to == s->k - 1) {
        s->run_to = s->k;
    } else {
        end_run(s, out);
        if (down) {
            s->run = true;
            s->run_from = s->run_to = s->k;
            s->run_reason = s->reason;
            s->run_line = s->line;
        }
    }
    s->open = false;
}

void sp_store_import_steps_add(sp_import_steps *s, const sp_import_row *row, sp_import_out *out)
{
    out->nrows = out->ninc = 0;
    int64_t k = floor_div(row->t, s->step_s);
    if (s->open && k != s->k)
        finish_step(s, out);
    if (!s->open) {
        s->open = true;
        s->k = k;
        s->up = s->degraded = s->total_ms = 0;
        s->n = s->n_ms = 0;
        s->reason = -1;
        s->line = row->line;
        if (s->rows == 0)
            s->first = k * s->step_s;
        s->last = (k + 1) * s->step_s;
        s->steps = (uint64_t)((s->last - s->first) / s->step_s);
        s->with_rows++;
        s->unknown = s->steps - s->with_rows;
    }
    s->rows++;
    s->n++;
    s->up += row->up;
    if (!isnan(row->total_ms)) {
        s->total_ms += row->total_ms;
        s->degraded += row->total_ms > s->slow_ms ? row->up : 0;
        s->n_ms++;
    }
    if (s->reason < 0 && row->up < 1 && row->reason >= 0)
        s->reason = row->reason;
}

void sp_store_import_steps_end(sp_import_steps *s, sp_import_out *out)
{
    out->nrows = out->ninc = 0;
    if (s->open)
        finish_step(s, out);
    end_run(s, out);
}

/* --- Incidents ------------------------------------------------------------- */

sp_status sp_store_import_incidents_add(sp_import_incidents *l, const sp_import_incident *inc,
                                        const char *name, char *err, size_t errlen)
{
    if (l->n == SP_IMPORT_MAX_INCIDENTS) {
        snprintf(err, errlen,
                 "%s:%ld: more than %d incidents (runs of down steps with one reason) for one "
                 "import's journal line; import the file in parts",
                 name, inc->line, SP_IMPORT_MAX_INCIDENTS);
        return SP_EBUSY;
    }
    if (sp_grow_max((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, SP_IMPORT_MAX_INCIDENTS) !=
        SP_OK) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    l->v[l->n++] = *inc;
    return SP_OK;
}

void sp_store_import_incidents_free(sp_import_incidents *l)
{
    free(l->v);
    *l = (sp_import_incidents){0};
}

/* --- The file -------------------------------------------------------------- */

#define TMP_PREFIX ".sp-import."

struct sp_import_file {
    char *rrd, *tmp;
    bool existed;
    struct stat was; /* rrd when it was copied */
    bool committed;
    /* the hours file: its copy (<tmp>.hist.rrd) rolled up as rows go in,
     * so that no step leaves the rows file's reach before its hour is
     * kept (rollup.h) */
    char hist[4200], hist_tmp[4200];
    long step_s, reach_rows; /* the rows file's step and one-step archive */
    int64_t hist_last;
    int64_t *stops; /* the journal's stops after hist_last */
    size_t n_stops;
};

void sp_store_import_tmp_path(const char *dir, const char *id, long pid, char *buf, size_t n)
{
    snprintf(buf, n, "%s/" TMP_PREFIX "%s.rrd.%ld", dir, id, pid);
}

static sp_status copy_file(const char *from, const char *to, struct stat *was, char *err,
                           size_t errlen)
{
    sp_status st = SP_EIO;
    int in = -1, out = -1;
    char *buf = malloc(65536);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, was) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", from, strerror(errno));
        goto out;
    }
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, was->st_mode & 07777);
    if (out < 0) {
        snprintf(err, errlen, "cannot create %s: %s", to, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", from, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
                goto out;
            }
            off += w;
        }
    }
    if (fsync(out) != 0) {
        snprintf(err, errlen, "cannot fsync %s: %s", to, strerror(errno));
        goto out;
    }
    st = SP_OK;
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && st == SP_OK) {
        snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
        st = SP_EIO;
    }
    free(buf);
    return st;
}

sp_status sp_store_import_file_begin(const char *rrd, const char *tmp, const char *journal,
                                     long step_s, const sp_store_retention *ret, time_t start,
                                     sp_import_file **out, char *err, size_t errlen)
{
    *out = NULL;
    sp_status st = SP_ENOMEM;
    sp_import_file *f = calloc(1, sizeof *f);
    if (!f || !(f->rrd = strdup(rrd)) || !(f->tmp = strdup(tmp))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!sp_store_hist_path(rrd, f->hist, sizeof f->hist) ||
        !sp_store_hist_path(tmp, f->hist_tmp, sizeof f->hist_tmp)) {
        snprintf(err, errlen, "%s: path too long", rrd);
        st = SP_EINVAL;
        goto fail;
    }
    sp_store_layout l;
    sp_store_layout_for(step_s, ret, &l);
    f->step_s = step_s;
    f->reach_rows = l.rra[0].rows;
    struct stat sb, hb;
    if (stat(rrd, &sb) == 0) {
        f->existed = true;
        st = sp_store_rrd_check(rrd, step_s, ret, NULL, err, errlen);
        if (st == SP_OK)
            st = copy_file(rrd, tmp, &f->was, err, errlen);
        if (st == SP_OK && stat(f->hist, &hb) == 0) {
            st = sp_store_rrd_check_hist(f->hist, ret, NULL, err, errlen);
            if (st == SP_OK)
                st = copy_file(f->hist, f->hist_tmp, &hb, err, errlen);
        } else if (st == SP_OK) { /* none yet: from as far back as the rows go */
            time_t last = sp_store_rrd_last(rrd);
            st = sp_store_rrd_ensure_hist(tmp, ret, last - (time_t)(l.rra[0].rows * step_s), err,
                                          errlen);
        }
    } else if (errno == ENOENT) {
        st = sp_store_rrd_ensure(tmp, step_s, ret, start, err, errlen);
    } else {
        snprintf(err, errlen, "cannot stat %s: %s", rrd, strerror(errno));
        st = SP_EIO;
    }
    if (st != SP_OK)
        goto fail;
    time_t hl = sp_store_rrd_last(f->hist_tmp);
    f->hist_last = (int64_t)hl;
    if (hl <= 0) {
        snprintf(err, errlen, "cannot read the last update of %s", f->hist_tmp);
        st = SP_EIO;
        goto fail;
    }
    if (journal &&
        (st = sp_store_journal_stops(journal, f->hist_last, &f->stops, &f->n_stops)) != SP_OK) {
        snprintf(err, errlen, "%s: cannot read its stops: %s", journal, sp_strerror(st));
        goto fail;
    }
    *out = f;
    return SP_OK;
fail:
    /* removes tmp: with O_EXCL and rrd_create's no-overwrite, whatever is
     * there is ours */
    sp_store_import_file_destroy(f);
    return st;
}

sp_status sp_store_import_file_write(sp_import_file *f, const sp_store_row *rows, size_t n,
                                     char *err, size_t errlen)
{
    /* in pieces of at most half the rows file's reach, each rolled up
     * before the next can push its steps out */
    size_t piece = f->reach_rows / 2 > 0 ? (size_t)(f->reach_rows / 2) : 1;
    while (n) {
        size_t k = 0;
        while (k < n && k < piece && rows[k].t - rows[0].t < (int64_t)piece * f->step_s)
            k++;
        sp_status st = sp_store_rrd_update_rows(NULL, f->tmp, rows, k, err, errlen);
        if (st == SP_OK)
            st = sp_store_rollup(NULL, f->tmp, f->step_s, f->stops, f->n_stops, rows[k - 1].t,
                                 &f->hist_last, err, errlen);
        if (st != SP_OK)
            return st;
        rows += k;
        n -= k;
    }
    return SP_OK;
}

sp_status sp_store_import_file_commit(sp_import_file *f, char *err, size_t errlen)
{
    sp_status st = sp_store_fsync_path(f->tmp, 0, err, errlen);
    if (st != SP_OK)
        return st;
    struct stat now;
    bool exists = stat(f->rrd, &now) == 0;
    if (!exists && errno != ENOENT) {
        snprintf(err, errlen, "cannot stat %s: %s", f->rrd, strerror(errno));
        return SP_EIO;
    }
    if (exists != f->existed ||
        (exists && (now.st_dev != f->was.st_dev || now.st_ino != f->was.st_ino ||
                    now.st_size != f->was.st_size || now.st_mtim.tv_sec != f->was.st_mtim.tv_sec ||
                    now.st_mtim.tv_nsec != f->was.st_mtim.tv_nsec))) {
        snprintf(err, errlen,
                 "%s was %s during the import (is the daemon running, or another import?)", f->rrd,
                 f->existed ? "changed" : "created");
        return SP_EBUSY;
    }
    if (f->existed) {
        if (rename(f->tmp, f->rrd) != 0) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", f->tmp, f->rrd, strerror(errno));
            return SP_EIO;
        }
    } else {
        /* link fails when a file appeared meanwhile: never replace one we
         * did not copy. A crash before the unlink leaves a second name of
         * the new file, which is removed like any stale temporary file. */
        if (link(f->tmp, f->rrd) != 0) {
            snprintf(err, errlen, "cannot create %s: %s", f->rrd, strerror(errno));
            return errno == EEXIST ? SP_EBUSY : SP_EIO;
        }
        unlink(f->tmp);
    }
    f->committed = true;
    /* The hours after the rows: a crash in between leaves hours that the
     * daemon rolls up again from the rows file, as far as it reaches. */
    if (rename(f->hist_tmp, f->hist) != 0) {
        snprintf(err, errlen,
                 "cannot rename %s to %s: %s (the hours are rolled up again by the daemon from the "
                 "steps it still holds)",
                 f->hist_tmp, f->hist, strerror(errno));
        return SP_OK;
    }
    /* from here on a failure is only a warning in err (import.h) */
    char *d = strdup(f->rrd);
    if (d)
        (void)sp_store_fsync_path(dirname(d), O_DIRECTORY, err, errlen);
    else
        snprintf(err, errlen, "out of memory: the directory of %s was not fsync'ed", f->rrd);
    free(d);
    return SP_OK;
}

void sp_store_import_file_destroy(sp_import_file *f)
{
    if (!f)
        return;
    if (!f->committed && f->tmp)
        unlink(f->tmp);
    if (f->hist_tmp[0])
        unlink(f->hist_tmp); /* nothing once renamed */
    free(f->stops);
    free(f->rrd);
    free(f->tmp);
    free(f);
}
