/*
 * The rows evidence: see rowcheck.h and docs/EVIDENCE.md, "Rows". The
 * canonical text is the text librrd is given, so re-reading a stored
 * value and printing it with the same "%.6g" gives the same bytes: rrdtool
 * may change the last bit of a double in its step arithmetic, never the
 * sixth significant digit.
 */
#include "rowcheck.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/sp_grow.h"
#include "common/sp_time.h"
#include "journal/journal.h"
#include "journal/lines.h"
#include "storage/layout.h"
#include "storage/rrd.h"

/* --- The canonical text (pure) ------------------------------------------ */

static void row_values(const sp_store_row *r, double v[SP_STORE_N_DS])
{
    const double x[SP_STORE_N_DS] = {r->up,         r->degraded, r->total_ms, r->dns_ms,
                                     r->connect_ms, r->tls_ms,   r->ttfb_ms,  r->cert_days};
    memcpy(v, x, sizeof x);
}

static void row_set(sp_store_row *r, const double v[SP_STORE_N_DS])
{
    r->up = v[0];
    r->degraded = v[1];
    r->total_ms = v[2];
    r->dns_ms = v[3];
    r->connect_ms = v[4];
    r->tls_ms = v[5];
    r->ttfb_ms = v[6];
    r->cert_days = v[7];
}

size_t sp_store_row_format(const sp_store_row *r, char *buf, size_t n)
{
    double v[SP_STORE_N_DS];
    row_values(r, v);
    int len = snprintf(buf, n, "%lld", (long long)r->t);
    for (int k = 0; k < SP_STORE_N_DS && len > 0 && (size_t)len < n; k++)
        len += isnan(v[k]) ? snprintf(buf + len, n - (size_t)len, ":U")
                           : snprintf(buf + len, n - (size_t)len, ":%.6g", v[k]);
    if (len <= 0 || (size_t)len >= n) {
        if (n)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)len;
}

/* A value as rrdtool keeps it: parsed from its "%.6g" text, unknown when
 * outside the source's range (layout.c: up, degraded 0..1; times >= 0;
 * cert_days unbounded). */
static double stored_value(int k, double v)
{
    if (isnan(v))
        return NAN;
    char t[64];
    snprintf(t, sizeof t, "%.6g", v);
    double x = strtod(t, NULL);
    if (k < SP_STORE_N_DS - 1 && x < 0)
        return NAN;
    if (k < 2 && x > 1)
        return NAN;
    return x;
}

sp_status sp_store_rows_expand(int64_t last, long step_s, const sp_store_row *rows, size_t n,
                               sp_store_row **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return SP_OK;
    if (step_s < 1 || rows[0].t <= last)
        return SP_EINVAL;
    for (size_t i = 1; i < n; i++)
        if (rows[i].t <= rows[i - 1].t)
            return SP_EINVAL;
    int64_t hb = 2 * (int64_t)step_s;
    int64_t first = rows[0].t - last > hb ? rows[0].t : last + step_s;
    size_t cnt = (size_t)((rows[n - 1].t - first) / step_s) + 1;
    sp_store_row *s = malloc(cnt * sizeof *s);
    if (!s)
        return SP_ENOMEM;
    size_t k = 0;
    int64_t prev = last;
    for (size_t i = 0; i < cnt; i++) {
        int64_t end = first + (int64_t)i * step_s;
        while (k < n && rows[k].t < end)
            prev = rows[k++].t;
        if (k == n) /* rows not on step ends: cnt overshot; cannot happen for aligned rows */
            k = n - 1;
        double v[SP_STORE_N_DS];
        row_values(&rows[k], v);
        for (int d = 0; d < SP_STORE_N_DS; d++)
            v[d] = rows[k].t - prev > hb ? NAN : stored_value(d, v[d]);
        row_set(&s[i], v);
        s[i].t = end;
    }
    *out = s;
    *nout = cnt;
    return SP_OK;
}

void sp_store_rows_sha256(const sp_store_row *steps, size_t n, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned int mdlen = 0;
    char line[SP_STORE_ROW_TEXT + 1];
    hex[0] = '\0';
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t len = sp_store_row_format(&steps[i], line, sizeof line - 1);
        line[len++] = '\n';
        EVP_DigestUpdate(ctx, line, len);
    }
    if (!EVP_DigestFinal_ex(ctx, md, &mdlen))
        goto out;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
    EVP_MD_CTX_free(ctx);
}

/* --- Rows lines from a file --------------------------------------------- */

#define LINE_MAX_STEPS 86400

sp_status sp_store_rows_read(const char *daemon, const char *rrd, long step, int64_t after,
                             int64_t upto, sp_store_steps_emit emit, void *arg, char *err,
                             size_t errlen)
{
    sp_status st = SP_OK;
    sp_store_row *steps = NULL;
    while (st == SP_OK && after < upto) {
        int64_t hi = upto - after > (int64_t)LINE_MAX_STEPS * step
                         ? after + (int64_t)LINE_MAX_STEPS * step
                         : upto;
        sp_store_series ser;
        if ((st = sp_store_rrd_fetch(daemon, rrd, "AVERAGE", (time_t)after, (time_t)hi, step, &ser,
                                     err, errlen)) != SP_OK)
            break;
        int idx[SP_STORE_N_DS];
        for (int k = 0; k < SP_STORE_N_DS; k++)
            idx[k] = sp_store_series_ds(&ser, sp_store_ds_names[k]);
        size_t n = (size_t)((hi - after) / step);
        free(steps);
        if ((long)ser.step != step || !(steps = malloc(n * sizeof *steps))) {
            st = (long)ser.step != step ? SP_EPARSE : SP_ENOMEM;
            snprintf(err, errlen, "%s: cannot read the one-step archive", rrd);
            sp_store_series_free(&ser);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            int64_t end = after + (int64_t)(i + 1) * step;
            int64_t r = (end - (int64_t)ser.start) / step - 1;
            double v[SP_STORE_N_DS];
            for (int k = 0; k < SP_STORE_N_DS; k++)
                v[k] = idx[k] >= 0 && r >= 0 && (size_t)r < ser.rows
                           ? ser.data[(size_t)r * ser.n_ds + (size_t)idx[k]]
                           : NAN;
            row_set(&steps[i], v);
            steps[i].t = end;
        }
        sp_store_series_free(&ser);
        st = emit(arg, steps, n);
        after = hi;
    }
    free(steps);
    return st;
}

typedef struct lines_emit {
    long step;
    bool recovered;
    sp_store_rows_emit emit;
    void *arg;
} lines_emit;

/* One rows line per chunk read. */
static sp_status emit_line(void *arg, const sp_store_row *steps, size_t n)
{
    const lines_emit *le = arg;
    char hex[65];
    sp_store_rows_sha256(steps, n, hex);
    sp_journal_line l = {.type = SP_JOURNAL_ROWS,
                         .rows = {.from = steps[0].t,
                                  .to = steps[n - 1].t,
                                  .step_s = le->step,
                                  .count = (int64_t)n,
                                  .sha256 = hex,
                                  .recovered = le->recovered}};
    json_t *ev = sp_journal_line_to_json(&l);
    if (!ev)
        return SP_ENOMEM;
    le->emit(le->arg, ev);
    return SP_OK;
}

sp_status sp_store_rows_lines_from_file(const char *daemon, const char *rrd, int64_t after,
                                        int64_t upto, bool recovered, sp_store_rows_emit emit,
                                        void *arg, char *err, size_t errlen)
{
    long step = 0, full_rows = 0;
    time_t last = 0;
    sp_status st = sp_store_rrd_head(daemon, rrd, &step, &last, &full_rows, err, errlen);
    if (st != SP_OK)
        return st;
    int64_t newest = (int64_t)last - (int64_t)last % step;
    int64_t reach = newest - (int64_t)(full_rows - 1) * step;
    if (upto > newest)
        upto = newest;
    after -= after % step;
    if (after < reach - step)
        after = reach - step;
    lines_emit le = {.step = step, .recovered = recovered, .emit = emit, .arg = arg};
    return sp_store_rows_read(daemon, rrd, step, after, upto, emit_line, &le, err, errlen);
}

/* --- The check ------------------------------------------------------------ */

bool sp_store_rowcheck_failed(const sp_store_rowcheck *c)
{
    return c->mismatching > 0 || c->uncovered_steps > 0 || c->incident_steps > 0;
}

void sp_store_rowcheck_free(sp_store_rowcheck *c)
{
    free(c->p);
    c->p = NULL;
    c->n = c->cap = 0;
}

static void iso(int64_t unix_s, char *buf, size_t n)
{
    sp_time_iso_ms(unix_s * 1000, buf, n);
}

static sp_store_rowcheck_problem *add(sp_store_rowcheck *c, sp_store_rowcheck_kind kind,
                                      int64_t step)
{
    if (sp_grow((void **)&c->p, &c->cap, c->n + 1, sizeof *c->p) != SP_OK)
        return NULL;
    sp_store_rowcheck_problem *p = &c->p[c->n++];
    p->kind = kind;
    p->step = step;
    p->text[0] = '\0';
    return p;
}

/* "up=1 degraded=0 ..." of a stored step */
static void describe(const sp_store_row *r, char *buf, size_t n)
{
    double v[SP_STORE_N_DS];
    row_values(r, v);
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < SP_STORE_N_DS && len < n; k++) {
        int w = isnan(v[k])
                    ? snprintf(buf + len, n - len, "%s%s=U", k ? " " : "", sp_store_ds_names[k])
                    : snprintf(buf + len, n - len, "%s%s=%.6g", k ? " " : "", sp_store_ds_names[k],
                               v[k]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static bool known(const sp_store_row *r)
{
    double v[SP_STORE_N_DS];
    row_values(r, v);
    for (int k = 0; k < SP_STORE_N_DS; k++)
        if (!isnan(v[k]))
            return true;
    return false;
}

/* A rows line, and a state breakpoint, as the check keeps them. */
typedef struct rows_line {
    long seq;
    int64_t from, to, step_s, count;
    char sha[65];
    bool recovered;
} rows_line;

typedef struct breakpoint {
    int64_t at_ms;
    sp_state state; /* UNKNOWN: nothing known from here */
    size_t order;
} breakpoint;

typedef struct journal_view {
    rows_line *rows;
    size_t n_rows, cap_rows;
    breakpoint *bp;
    size_t n_bp, cap_bp;
} journal_view;

static int bp_cmp(const void *a, const void *b)
{
    const breakpoint *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static sp_status add_bp(journal_view *v, int64_t at_ms, sp_state st)
{
    if (at_ms == SP_JOURNAL_NO_MS)
        return SP_OK;
    if (sp_grow((void **)&v->bp, &v->cap_bp, v->n_bp + 1, sizeof *v->bp) != SP_OK)
        return SP_ENOMEM;
    v->bp[v->n_bp] = (breakpoint){at_ms, st, v->n_bp};
    v->n_bp++;
    return SP_OK;
}

/* The rows lines and the state timeline of a journal. A line that is not
 * JSON is skipped here: the chain check names it. */
static sp_status read_journal(const char *path, journal_view *v, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "re");
    if (!fp) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    sp_status st = SP_OK;
    while (st == SP_OK && (len = getline(&line, &cap, fp)) > 0) {
        json_t *o = json_loadb(line, (size_t)len, 0, NULL);
        if (!o)
            continue;
        sp_journal_line l;
        switch (sp_journal_read_line(o, &l)) {
        case SP_JOURNAL_ROWS: {
            if (l.rows.from == SP_JOURNAL_NO_MS || l.rows.to == SP_JOURNAL_NO_MS ||
                l.rows.step_s == SP_JOURNAL_NO_MS || l.rows.step_s < 1 || !l.rows.sha256 ||
                l.rows.to < l.rows.from)
                break; /* unusable: its steps show up as uncovered */
            if (sp_grow((void **)&v->rows, &v->cap_rows, v->n_rows + 1, sizeof *v->rows) != SP_OK) {
                st = SP_ENOMEM;
                break;
            }
            rows_line *r = &v->rows[v->n_rows++];
            r->seq = (long)json_integer_value(json_object_get(o, "seq"));
            r->from = l.rows.from;
            r->to = l.rows.to;
            r->step_s = l.rows.step_s;
            r->count = l.rows.count;
            snprintf(r->sha, sizeof r->sha, "%s", l.rows.sha256);
            r->recovered = l.rows.recovered;
            break;
        }
        case SP_JOURNAL_STATE:
            st = add_bp(v, l.state.since_ms, l.state.to);
            break;
        case SP_JOURNAL_START:
            st = add_bp(v, l.t_ms, SP_STATE_UNKNOWN);
            break;
        case SP_JOURNAL_STOP:
        case SP_JOURNAL_REMOVED:
            st = add_bp(v, l.stop.settled_ms > 0 ? l.stop.settled_ms : l.t_ms, SP_STATE_UNKNOWN);
            break;
        default:
            break;
        }
        json_decref(o);
    }
    free(line);
    fclose(fp);
    if (st == SP_OK && v->n_bp)
        qsort(v->bp, v->n_bp, sizeof *v->bp, bp_cmp);
    return st;
}

/* The fetched one-step archive, indexed by step end. */
typedef struct archive {
    long step;
    int64_t first, last; /* step ends held: first..last */
    sp_store_row *steps;
} archive;

static const sp_store_row *at(const archive *a, int64_t end)
{
    if (end < a->first || end > a->last || (end - a->first) % a->step)
        return NULL;
    return &a->steps[(end - a->first) / a->step];
}

/* The steps of r as stored now (unknown where the archive has none). */
static sp_status stored_steps(const archive *a, const rows_line *r, sp_store_row **out, size_t *n)
{
    *n = (size_t)((r->to - r->from) / r->step_s) + 1;
    *out = malloc(*n * sizeof **out);
    if (!*out)
        return SP_ENOMEM;
    for (size_t i = 0; i < *n; i++) {
        int64_t end = r->from + (int64_t)i * r->step_s;
        const sp_store_row *s = at(a, end);
        (*out)[i] = s ? *s : sp_store_row_unknown(end);
        (*out)[i].t = end;
    }
    return SP_OK;
}

/* A hash names no field: try the edits that matter (up or degraded set to
 * 0, 1 or unknown at one step) and see whether undoing one gives the
 * journaled hash. Lines of up to 64 steps (the daemon's are one or a few). */
static bool find_edit(sp_store_row *s, size_t n, const char *want, size_t *step, int *field,
                      double *was)
{
    static const double cand[] = {0, 1, NAN};
    char h[65];
    for (size_t i = 0; i < n && n <= 64; i++) {
        for (int f = 0; f < 2; f++) {
            double *p = f == 0 ? &s[i].up : &s[i].degraded, keep = *p;
            for (size_t c = 0; c < 3; c++) {
                if ((isnan(cand[c]) && isnan(keep)) || cand[c] == keep)
                    continue;
                *p = cand[c];
                sp_store_rows_sha256(s, n, h);
                *p = keep;
                if (strcmp(h, want) == 0) {
                    *step = i;
                    *field = f;
                    *was = cand[c];
                    return true;
                }
            }
        }
    }
    return false;
}

static void check_line(sp_store_rowcheck *c, const archive *a, const rows_line *r, char *cov,
                       int64_t cov_first)
{
    sp_store_row *s = NULL;
    size_t n = 0;
    char h[65], t1[SP_TIME_ISO_LEN], t2[SP_TIME_ISO_LEN], vals[320];
    if (r->step_s != a->step || (r->to - r->from) % r->step_s ||
        (r->count != SP_JOURNAL_NO_MS && r->count != (r->to - r->from) / r->step_s + 1)) {
        sp_store_rowcheck_problem *p = add(c, SP_ROWCHECK_MISMATCH, r->from);
        c->mismatching++;
        if (p)
            snprintf(p->text, sizeof p->text,
                     "rows line %ld (steps %lld..%lld): its step (%lld s) and count (%lld) do "
                     "not fit those steps and the file's step of %ld s",
                     r->seq, (long long)r->from, (long long)r->to, (long long)r->step_s,
                     (long long)r->count, a->step);
        return;
    }
    if (r->to > a->last) { /* never read past the file: a hostile "to" costs nothing */
        sp_store_rowcheck_problem *p = add(c, SP_ROWCHECK_MISMATCH, a->last + a->step);
        c->mismatching++;
        iso(r->to, t2, sizeof t2);
        iso(a->last, t1, sizeof t1);
        if (p)
            snprintf(p->text, sizeof p->text,
                     "rows line %ld covers steps up to %s (%lld), after the RRD's last step %s "
                     "(%lld): rows were cut from its end, or the file was replaced",
                     r->seq, t2, (long long)r->to, t1, (long long)a->last);
        return;
    }
    if (stored_steps(a, r, &s, &n) != SP_OK)
        return;
    for (size_t i = 0; i < n; i++) { /* covered, whatever the hash says */
        int64_t end = r->from + (int64_t)i * r->step_s;
        if (end >= cov_first && end <= a->last)
            cov[(end - cov_first) / a->step] = 1;
    }
    c->checked_steps += (int64_t)n;
    sp_store_rows_sha256(s, n, h);
    if (strcmp(h, r->sha) == 0) {
        c->checked++;
        free(s);
        return;
    }
    c->mismatching++;
    size_t i = 0;
    int f = 0;
    double was = 0;
    bool found = find_edit(s, n, r->sha, &i, &f, &was);
    size_t first = found ? i : 0;
    sp_store_rowcheck_problem *p = add(c, SP_ROWCHECK_MISMATCH, s[first].t);
    if (!p)
        goto out;
    iso(s[first].t, t1, sizeof t1);
    if (found) {
        double now = f == 0 ? s[i].up : s[i].degraded;
        char a1[32], a2[32];
        snprintf(a1, sizeof a1, isnan(was) ? "U" : "%.6g", was);
        snprintf(a2, sizeof a2, isnan(now) ? "U" : "%.6g", now);
        snprintf(p->text, sizeof p->text,
                 "step %s (%lld): %s was written as %s, the RRD holds %s (rows line %ld)", t1,
                 (long long)s[i].t, sp_store_ds_names[f], a1, a2, r->seq);
    } else if (n == 1) {
        describe(&s[0], vals, sizeof vals);
        snprintf(p->text, sizeof p->text,
                 "step %s (%lld): the RRD's values are not those written (rows line %ld); "
                 "stored now: %s%s",
                 t1, (long long)s[0].t, r->seq, vals, known(&s[0]) ? "" : " (the row was removed)");
    } else {
        iso(r->to, t2, sizeof t2);
        snprintf(p->text, sizeof p->text,
                 "steps %s..%s (%lld..%lld, %zu steps): the RRD's values are not those written "
                 "(rows line %ld); the hash cannot say which step",
                 t1, t2, (long long)r->from, (long long)r->to, n, r->seq);
    }
out:
    free(s);
}

/* Runs of consecutive rows lines beyond the archive's reach: one note. */
static void note_unreachable(sp_store_rowcheck *c, const rows_line *first, const rows_line *last,
                             long lines, int64_t reach)
{
    sp_store_rowcheck_problem *p = add(c, SP_ROWCHECK_UNCHECKABLE, first->from);
    char t1[SP_TIME_ISO_LEN], t2[SP_TIME_ISO_LEN], t3[SP_TIME_ISO_LEN];
    iso(first->from, t1, sizeof t1);
    iso(last->to, t2, sizeof t2);
    iso(reach, t3, sizeof t3);
    if (p)
        snprintf(p->text, sizeof p->text,
                 "%ld rows line%s (lines %ld..%ld, steps %s..%s) reach back before the "
                 "one-step archive's oldest step (%s): they can no longer be checked",
                 lines, lines == 1 ? "" : "s", first->seq, last->seq, t1, t2, t3);
}

/* The state the journal gives (a, b] in ms wholly, or UNKNOWN when it
 * changes inside or nothing is known; seg_from and seg_to get that period. */
static sp_state state_of(const journal_view *v, int64_t a, int64_t b, int64_t *seg_from,
                         int64_t *seg_to)
{
    /* the last breakpoint at or before a */
    size_t lo = 0, hi = v->n_bp;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->bp[mid].at_ms <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return SP_STATE_UNKNOWN;
    const breakpoint *cur = &v->bp[lo - 1];
    if (lo < v->n_bp && v->bp[lo].at_ms < b)
        return SP_STATE_UNKNOWN; /* a change inside the step */
    *seg_from = cur->at_ms;
    *seg_to = lo < v->n_bp ? v->bp[lo].at_ms : INT64_MAX;
    return cur->state;
}

static void note_incident_run(sp_store_rowcheck *c, sp_state st, int64_t seg_from, int64_t seg_to,
                              int64_t first, int64_t last, long steps, double up)
{
    sp_store_rowcheck_problem *p = add(c, SP_ROWCHECK_INCIDENT, first);
    if (!p)
        return;
    char t1[SP_TIME_ISO_LEN], t2[SP_TIME_ISO_LEN], s1[SP_TIME_ISO_LEN], s2[SP_TIME_ISO_LEN];
    iso(first, t1, sizeof t1);
    iso(last, t2, sizeof t2);
    sp_time_iso_ms(seg_from, s1, sizeof s1);
    if (seg_to == INT64_MAX)
        snprintf(s2, sizeof s2, "its last line");
    else
        sp_time_iso_ms(seg_to, s2, sizeof s2);
    if (st == SP_STATE_DOWN)
        snprintf(p->text, sizeof p->text,
                 "the journal has an incident (DOWN from %s to %s) but the RRD shows up=%.6g "
                 "at %ld step%s %s..%s (%lld..%lld)",
                 s1, s2, up, steps, steps == 1 ? "" : "s", t1, t2, (long long)first,
                 (long long)last);
    else
        snprintf(p->text, sizeof p->text,
                 "the RRD shows down time (up=%.6g) at %ld step%s %s..%s (%lld..%lld) where the "
                 "journal has no incident (UP from %s to %s)",
                 up, steps, steps == 1 ? "" : "s", t1, t2, (long long)first, (long long)last, s1,
                 s2);
}

static void cross_check(sp_store_rowcheck *c, const archive *a, const journal_view *v, int64_t lo,
                        int64_t hi)
{
    bool in_run = false;
    sp_state run_st = SP_STATE_UNKNOWN;
    int64_t run_first = 0, run_last = 0, run_from = 0, run_to = 0;
    long run_n = 0;
    double run_up = 0;
    for (int64_t end = lo; end <= hi + a->step; end += a->step) {
        const sp_store_row *r = end <= hi ? at(a, end) : NULL;
        int64_t sf = 0, stt = 0;
        sp_state st = SP_STATE_UNKNOWN;
        bool bad = false;
        if (r && !isnan(r->up)) {
            st = state_of(v, (end - a->step) * 1000, end * 1000, &sf, &stt);
            bad = (st == SP_STATE_DOWN && r->up > 0) || (st == SP_STATE_UP && r->up < 1);
        }
        if (in_run && (!bad || st != run_st || sf != run_from)) {
            note_incident_run(c, run_st, run_from, run_to, run_first, run_last, run_n, run_up);
            in_run = false;
        }
        if (bad) {
            c->incident_steps++;
            if (!in_run) {
                in_run = true;
                run_st = st;
                run_from = sf;
                run_to = stt;
                run_first = end;
                run_n = 0;
                run_up = r->up;
            }
            run_last = end;
            run_n++;
        }
    }
}

/* Whether a process holds the store of rrd (its pid in .slaprobe.lock,
 * sp_store_lock_dir's file, and alive). Read only: taking the lock, even
 * shared and briefly, could make a daemon starting then fail. */
static bool writer_running(const char *rrd)
{
    char path[4200];
    const char *slash = strrchr(rrd, '/');
    snprintf(path, sizeof path, "%.*s/.slaprobe.lock", slash ? (int)(slash - rrd) : 1,
             slash ? rrd : ".");
    FILE *fp = fopen(path, "re");
    long pid = 0;
    if (!fp)
        return false;
    if (fscanf(fp, "%ld", &pid) != 1)
        pid = 0;
    fclose(fp);
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

sp_status sp_store_rowcheck_run(const char *daemon, const char *rrd, const char *journal,
                                int64_t from, int64_t to, sp_store_rowcheck *out, char *err,
                                size_t errlen)
{
    memset(out, 0, sizeof *out);
    journal_view v = {0};
    archive a = {0};
    sp_store_series ser = {0};
    char *cov = NULL;
    long step = 0, full_rows = 0;
    time_t last = 0;
    sp_status st = sp_store_rrd_head(daemon, rrd, &step, &last, &full_rows, err, errlen);
    if (st != SP_OK)
        goto out;
    if ((st = read_journal(journal, &v, err, errlen)) != SP_OK)
        goto out;
    int64_t newest = (int64_t)last - (int64_t)last % step;
    int64_t reach = newest - (int64_t)(full_rows - 1) * step;
    out->reach_from = reach;
    /* the range judged: the archive's reach, narrowed to (from, to]; the
     * range read: that, widened to the whole of every rows line in it */
    int64_t lo = reach, hi = newest;
    if (to > 0 && to < hi)
        hi = to - to % step;
    if (from > 0 && from + step > lo)
        lo = from - from % step + step;
    int64_t flo = lo, fhi = hi, last_to = 0;
    for (size_t i = 0; i < v.n_rows; i++) {
        const rows_line *r = &v.rows[i];
        if (r->to > last_to)
            last_to = r->to;
        if ((from > 0 && r->to <= from) || (to > 0 && r->from > to) || r->from < reach)
            continue;
        if (r->from < flo)
            flo = r->from;
        if (r->to > fhi)
            fhi = r->to < newest ? r->to : newest;
    }
    /* A daemon writing now appends a step's rows line just after the step:
     * while one holds the store and the file is fresh, its newest steps are
     * not judged uncovered (a note says so). With no writer, they are. */
    int64_t judge_hi = hi;
    if (last_to && last_to < hi && (int64_t)time(NULL) - newest < 2 * step + 10 &&
        writer_running(rrd)) {
        judge_hi = last_to;
        sp_store_rowcheck_problem *p = add(out, SP_ROWCHECK_UNCHECKABLE, last_to + step);
        if (p)
            snprintf(p->text, sizeof p->text,
                     "the newest %lld step%s (after %lld) have no rows line yet: the daemon is "
                     "writing them now",
                     (long long)((hi - last_to) / step), hi - last_to == step ? "" : "s",
                     (long long)last_to);
    }
    if (flo > fhi) { /* nothing held there: only notes on the lines */
        a.step = step;
        a.first = flo;
        a.last = flo - step;
    } else {
        if ((st = sp_store_rrd_fetch(daemon, rrd, "AVERAGE", (time_t)(flo - step), (time_t)fhi,
                                     step, &ser, err, errlen)) != SP_OK)
            goto out;
        if ((long)ser.step != step) {
            snprintf(err, errlen, "%s: rrd fetch gave %lu s rows, not the one-step archive", rrd,
                     ser.step);
            st = SP_EPARSE;
            goto out;
        }
        int idx[SP_STORE_N_DS];
        for (int k = 0; k < SP_STORE_N_DS; k++)
            if ((idx[k] = sp_store_series_ds(&ser, sp_store_ds_names[k])) < 0) {
                snprintf(err, errlen, "%s: no data source %s", rrd, sp_store_ds_names[k]);
                st = SP_EPARSE;
                goto out;
            }
        a.step = step;
        a.first = (int64_t)ser.start + step;
        a.last = (int64_t)ser.start + (int64_t)ser.rows * step;
        if (!(a.steps = malloc((ser.rows ? ser.rows : 1) * sizeof *a.steps)) ||
            !(cov = calloc(ser.rows ? ser.rows : 1, 1))) {
            st = SP_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < ser.rows; i++) {
            double val[SP_STORE_N_DS];
            for (int k = 0; k < SP_STORE_N_DS; k++)
                val[k] = ser.data[i * ser.n_ds + (size_t)idx[k]];
            row_set(&a.steps[i], val);
            a.steps[i].t = a.first + (int64_t)i * step;
        }
    }
    /* each rows line in the range */
    const rows_line *un_first = NULL, *un_last = NULL;
    long un_n = 0;
    int64_t first_covered = INT64_MAX;
    for (size_t i = 0; i < v.n_rows; i++) {
        const rows_line *r = &v.rows[i];
        if ((from > 0 && r->to <= from) || (to > 0 && r->from > to))
            continue;
        out->lines++;
        if (r->from < first_covered)
            first_covered = r->from;
        if (r->recovered) {
            out->recovered++;
            sp_store_rowcheck_problem *p = add(out, SP_ROWCHECK_RECOVERED, r->from);
            char t1[SP_TIME_ISO_LEN], t2[SP_TIME_ISO_LEN];
            iso(r->from, t1, sizeof t1);
            iso(r->to, t2, sizeof t2);
            if (p)
                snprintf(p->text, sizeof p->text,
                         "rows line %ld (steps %s..%s): recovered at start: not covered when "
                         "written (the daemon stopped between the RRD write and its rows line)",
                         r->seq, t1, t2);
        }
        if (r->from < reach) {
            out->not_checkable++;
            if (un_n && un_last == r - 1) {
                un_last = r;
                un_n++;
            } else {
                if (un_n)
                    note_unreachable(out, un_first, un_last, un_n, reach);
                un_first = un_last = r;
                un_n = 1;
            }
            continue;
        }
        check_line(out, &a, r, cov, a.first);
    }
    if (un_n)
        note_unreachable(out, un_first, un_last, un_n, reach);
    /* known steps no line covers: after the first rows line, a finding;
     * before it, written before rows lines existed (or imported): a note */
    int64_t before_n = 0, before_first = 0;
    for (int64_t end = lo; end <= judge_hi; end += step) {
        const sp_store_row *r = at(&a, end);
        bool un = r && known(r) && !cov[(end - a.first) / step];
        if (un && end < first_covered) {
            if (!before_n++)
                before_first = end;
            continue;
        }
        if (!un)
            continue;
        int64_t run_first = end;
        long n = 0;
        char vals[320];
        describe(r, vals, sizeof vals);
        while (end <= judge_hi && (r = at(&a, end)) && known(r) && !cov[(end - a.first) / step]) {
            n++;
            end += step;
        }
        out->uncovered_steps += n;
        sp_store_rowcheck_problem *p = add(out, SP_ROWCHECK_UNCOVERED, run_first);
        char t1[SP_TIME_ISO_LEN], t2[SP_TIME_ISO_LEN];
        iso(run_first, t1, sizeof t1);
        iso(end - step, t2, sizeof t2);
        if (p)
            snprintf(p->text, sizeof p->text,
                     "step %s (%lld)%s%s%s: values in the RRD that no rows line covers (%s)", t1,
                     (long long)run_first, n > 1 ? " .. " : "", n > 1 ? t2 : "",
                     n > 1 ? " (a run)" : "", vals);
    }
    if (before_n) {
        sp_store_rowcheck_problem *p = add(out, SP_ROWCHECK_BEFORE, before_first);
        char t1[SP_TIME_ISO_LEN];
        iso(before_first, t1, sizeof t1);
        if (p)
            snprintf(p->text, sizeof p->text,
                     "%lld step%s from %s on, older than the first rows line, hold values no rows "
                     "line covers (written before rows lines existed, or imported)",
                     (long long)before_n, before_n == 1 ? "" : "s", t1);
    }
    if (hi >= lo && a.last >= a.first)
        cross_check(out, &a, &v, lo, hi);
out:
    free(cov);
    free(a.steps);
    sp_store_series_free(&ser);
    free(v.rows);
    free(v.bp);
    return st;
}
