/*
 * `slaprobe evidence export`: one target's month as a signed tar.gz a third
 * party checks without the store (docs/EVIDENCE.md, "The evidence
 * archive"). Every member is built in memory first (the report, the
 * journal run, the rows, the checkpoints, the masked configuration,
 * VERIFY.md), then SHA256SUMS over them and its signature, then the tar is
 * written beside out_path and renamed into place, so a failure leaves no
 * partial archive.
 */
#include "archive/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "archive/archive_int.h"
#include "calendar/calendar.h"
#include "common/sp_grow.h"
#include "common/sp_time.h"
#include "evidence/evidence.h"
#include "journal/journal.h"
#include "journal/lines.h"
#include "reports/report.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* --- Members ------------------------------------------------------------ */

typedef struct member {
    char *name; /* relative to the top directory */
    char *data;
    size_t len;
} member;

typedef struct members {
    member *v;
    size_t n, cap;
} members;

/* Add a member taking data (malloc'ed) over; data is freed on failure. */
static sp_status add_take(members *m, const char *name, char *data, size_t len)
{
    char *nm = strdup(name);
    if (!nm || sp_grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v) != SP_OK) {
        free(nm);
        free(data);
        return SP_ENOMEM;
    }
    m->v[m->n++] = (member){.name = nm, .data = data, .len = len};
    return SP_OK;
}

static sp_status add_copy(members *m, const char *name, const void *data, size_t len)
{
    char *d = malloc(len ? len : 1);
    if (!d)
        return SP_ENOMEM;
    memcpy(d, data, len);
    return add_take(m, name, d, len);
}

static void members_free(members *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].data);
    }
    free(m->v);
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const member *)a)->name, ((const member *)b)->name);
}

/* A growing text (open_memstream), for the members printed piece by piece. */
typedef struct text {
    char *buf;
    size_t len;
    FILE *fp;
} text;

static sp_status text_open(text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->fp = open_memstream(&t->buf, &t->len);
    return t->fp ? SP_OK : SP_ENOMEM;
}

/* Close t and add it as member name (t's buffer is taken over). */
static sp_status text_add(members *m, const char *name, text *t)
{
    bool bad = ferror(t->fp) != 0;
    if (fclose(t->fp) != 0 || bad) {
        free(t->buf);
        return SP_ENOMEM;
    }
    t->fp = NULL;
    return add_take(m, name, t->buf, t->len);
}

/* --- One target's part ---------------------------------------------------- */

/* A line of a journal-like file: where it is and what export needs of it. */
typedef struct jline {
    size_t off, len; /* without the newline */
    long long seq;
    int64_t t_ms;
    bool is_state, is_rows;
    int64_t rows_from, rows_to; /* rows: its steps; import: the first step (rows_from) */
    char rows_sha[65];
} jline;

typedef struct part {
    const sp_cfg_target *t;
    bool control;
    long step;
    long long first_seq, last_seq, anchor_seq;
    char prev_sha[65];
    int64_t rows_from, rows_to;
    size_t n_rows_lines; /* rows lines in the run the rows reach */
    int64_t ex_from, ex_to;
    char ex_sha[65];
    bool anchor_has_token;
    char anchor_line_sha[65];
    long long uncovered;
} part;

/* What export needs of one journal line. */
static sp_status journal_fields(const char *line, size_t len, jline *l, const char *path,
                                size_t lineno, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    if (!o) {
        snprintf(err, errlen, "%s: line %zu is not JSON: %s", path, lineno, je.text);
        return SP_EPARSE;
    }
    const char *type = json_string_value(json_object_get(o, "type"));
    l->seq = json_integer_value(json_object_get(o, "seq"));
    json_t *tm = json_object_get(o, "t_ms");
    if (json_is_integer(tm))
        l->t_ms = json_integer_value(tm);
    l->is_state = type && strcmp(type, "state") == 0;
    if (type && strcmp(type, "rows") == 0) {
        l->is_rows = true;
        l->rows_from = json_integer_value(json_object_get(o, "from"));
        l->rows_to = json_integer_value(json_object_get(o, "to"));
        const char *h = json_string_value(json_object_get(o, "sha256"));
        snprintf(l->rows_sha, sizeof l->rows_sha, "%s", h ? h : "");
    }
    if (type && strcmp(type, "import") == 0) {
        /* "from": the first imported step, ISO UTC */
        const char *f = json_string_value(json_object_get(o, "from"));
        struct tm t = {0};
        if (f && sscanf(f, "%d-%d-%dT%d:%d:%d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                        &t.tm_min, &t.tm_sec) == 6) {
            t.tm_year -= 1900;
            t.tm_mon -= 1;
            l->rows_from = (int64_t)timegm(&t);
        }
    }
    json_decref(o);
    return SP_OK;
}

/* Split a journal-like file into its whole lines (a torn tail is left
 * out: it is not part of the chain yet); journal: with their fields. */
static sp_status parse_lines(const char *buf, size_t len, jline **out, size_t *n, bool journal,
                             const char *path, char *err, size_t errlen)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    size_t pos = 0;
    sp_status st;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) /* a torn tail is not part of the chain yet */
            break;
        size_t ll = (size_t)(nl - (buf + pos));
        jline l = {.off = pos, .len = ll, .t_ms = SP_JOURNAL_NO_MS};
        if (journal && (st = journal_fields(buf + pos, ll, &l, path, *n + 1, err, errlen)) != SP_OK)
            return st;
        if (sp_grow((void **)out, &cap, *n + 1, sizeof **out) != SP_OK)
            return SP_ENOMEM;
        (*out)[(*n)++] = l;
        pos += ll + 1;
    }
    return SP_OK;
}

typedef struct rows_sink {
    FILE *fp;
} rows_sink;

static sp_status rows_emit(void *arg, const sp_store_row *steps, size_t n)
{
    rows_sink *s = arg;
    char buf[SP_STORE_ROW_TEXT];
    for (size_t i = 0; i < n; i++) {
        size_t l = sp_store_row_format(&steps[i], buf, sizeof buf);
        buf[l] = '\n';
        if (fwrite(buf, 1, l + 1, s->fp) != l + 1)
            return SP_ENOMEM;
    }
    return SP_OK;
}

static void iso_s(int64_t unix_s, char *buf, size_t n)
{
    sp_time_iso_ms(unix_s * 1000, buf, n);
}

/* The journal run, the rows, the checkpoints and the anchor of one target
 * into m under targets/<id>/. */
static sp_status export_target(const sp_cfg *cfg, part *p, int64_t from, int64_t to, int64_t now,
                               members *m, FILE *log, char *err, size_t errlen)
{
    const char *id = p->t->id;
    char rrd[4096], jpath[4096], cpath[4096], name[512], dir[128];
    sp_store_paths(cfg->storage_dir, id, rrd, jpath, sizeof rrd);
    sp_evidence_path(cfg->storage_dir, id, cpath, sizeof cpath);
    snprintf(dir, sizeof dir, "%s%s/", SP_ARCHIVE_TARGETS_DIR, id);
    char *jbuf = NULL, *cbuf = NULL;
    jline *jl = NULL, *cl = NULL;
    size_t nj = 0, nc = 0, ncp = 0, jlen = 0, clen = 0;
    sp_evidence_line *cps = NULL;
    text rows = {0};
    sp_status st = SP_OK;
    int oserr = 0;

    if (!(jbuf = sp_journal_read_file(jpath, &jlen, &oserr))) {
        snprintf(err, errlen, "cannot read the journal %s: %s", jpath, strerror(oserr));
        st = oserr == ENOMEM ? SP_ENOMEM : SP_EIO;
        goto out;
    }
    if ((st = parse_lines(jbuf, jlen, &jl, &nj, true, jpath, err, errlen)) != SP_OK)
        goto out;
    if (!nj) {
        snprintf(err, errlen, "the journal %s has no line", jpath);
        st = SP_EIO;
        goto out;
    }
    /* the run's start: the earlier of the last state line before the
     * month and the first line of the day before it */
    size_t first = nj - 1, last_state = SIZE_MAX, month_last = SIZE_MAX;
    for (size_t i = 0; i < nj; i++) {
        if (jl[i].t_ms == SP_JOURNAL_NO_MS)
            continue;
        if (jl[i].is_state && jl[i].t_ms < from * 1000)
            last_state = i;
        if (jl[i].t_ms < to * 1000)
            month_last = i;
    }
    for (size_t i = 0; i < nj; i++)
        if (jl[i].t_ms != SP_JOURNAL_NO_MS && jl[i].t_ms >= (from - 86400) * 1000) {
            first = i;
            break;
        }
    if (last_state != SIZE_MAX && last_state < first)
        first = last_state;
    if (month_last == SIZE_MAX || month_last < first)
        month_last = first;

    /* the checkpoints: the first one covering the month's last line ends
     * the run */
    size_t last = nj - 1;
    long long anchor_seq = 0;
    if ((cbuf = sp_journal_read_file(cpath, &clen, &oserr))) {
        if ((st = parse_lines(cbuf, clen, &cl, &nc, false, cpath, err, errlen)) != SP_OK)
            goto out;
        if (nc && !(cps = calloc(nc, sizeof *cps))) {
            st = SP_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < nc; i++) {
            char perr[256];
            /* a line that is not a checkpoint or token is left out (seq 0
             * is in no run): journal verify names it; the rest still counts */
            if (sp_evidence_line_parse(cbuf + cl[i].off, cl[i].len, &cps[i], perr, sizeof perr) !=
                SP_OK) {
                memset(&cps[i], 0, sizeof cps[i]);
                fprintf(log, "warning: %s: line %zu left out: %s\n", cpath, i + 1, perr);
            }
            ncp = i + 1;
        }
        long long best = 0;
        for (size_t i = 0; i < nc; i++)
            if (cps[i].type == SP_EVIDENCE_LINE_CHECKPOINT && cps[i].cp.seq >= jl[month_last].seq &&
                (!best || cps[i].cp.seq < best))
                best = cps[i].cp.seq;
        for (size_t i = month_last; best && i < nj; i++)
            if (jl[i].seq == best) {
                last = i;
                break;
            }
    } else if (oserr != ENOENT) {
        snprintf(err, errlen, "cannot read %s: %s", cpath, strerror(oserr));
        st = oserr == ENOMEM ? SP_ENOMEM : SP_EIO;
        goto out;
    }
    p->first_seq = jl[first].seq;
    p->last_seq = jl[last].seq;
    if (first == 0)
        snprintf(p->prev_sha, sizeof p->prev_sha, "%s", ZERO_HASH);
    else
        sp_journal_sha256_hex(jbuf + jl[first - 1].off, jl[first - 1].len, p->prev_sha);

    /* journal.jsonl: the run's bytes as they are */
    snprintf(name, sizeof name, "%s%s", dir, SP_ARCHIVE_JOURNAL);
    size_t run_off = jl[first].off, run_len = jl[last].off + jl[last].len + 1 - run_off;
    if ((st = add_copy(m, name, jbuf + run_off, run_len)) != SP_OK)
        goto out;
    fprintf(log, "%s: lines %lld..%lld (%zu bytes)\n", name, p->first_seq, p->last_seq, run_len);

    /* checkpoints.jsonl, and the anchor: the last checkpoint of the run */
    text cpt = {0};
    if ((st = text_open(&cpt)) != SP_OK)
        goto out;
    const sp_evidence_checkpoint *anchor = NULL;
    for (size_t i = 0; i < ncp; i++) {
        long long s = cps[i].type == SP_EVIDENCE_LINE_CHECKPOINT ? cps[i].cp.seq : cps[i].tok_seq;
        if (s < p->first_seq || s > p->last_seq)
            continue;
        fwrite(cbuf + cl[i].off, 1, cl[i].len + 1, cpt.fp);
        if (cps[i].type == SP_EVIDENCE_LINE_CHECKPOINT && (!anchor || s >= anchor->seq))
            anchor = &cps[i].cp;
    }
    snprintf(name, sizeof name, "%s%s", dir, SP_ARCHIVE_CHECKPOINTS);
    if ((st = text_add(m, name, &cpt)) != SP_OK)
        goto out;
    fprintf(log, "%s: %zu bytes\n", name, m->v[m->n - 1].len);
    if (anchor) {
        anchor_seq = anchor->seq;
        snprintf(p->anchor_line_sha, sizeof p->anchor_line_sha, "%s", anchor->line_sha256);
        char msg[1024];
        size_t ml = sp_evidence_message(anchor, msg, sizeof msg);
        snprintf(name, sizeof name, "%s%s%lld.msg", dir, SP_ARCHIVE_ANCHOR_PREFIX, anchor_seq);
        if (ml >= sizeof msg || (st = add_copy(m, name, msg, ml)) != SP_OK) {
            st = st != SP_OK ? st : SP_ENOMEM;
            goto out;
        }
        fprintf(log, "%s\n", name);
        snprintf(name, sizeof name, "%s%s%lld.sig", dir, SP_ARCHIVE_ANCHOR_PREFIX, anchor_seq);
        if ((st = add_copy(m, name, anchor->sig, SP_EVIDENCE_SIG_LEN)) != SP_OK)
            goto out;
        fprintf(log, "%s\n", name);
        for (size_t i = ncp; i-- > 0;)
            if (cps[i].type == SP_EVIDENCE_LINE_TOKEN && cps[i].tok_seq == anchor_seq) {
                snprintf(name, sizeof name, "%s%s%lld.tsr", dir, SP_ARCHIVE_ANCHOR_PREFIX,
                         anchor_seq);
                if ((st = add_copy(m, name, cps[i].token, cps[i].token_len)) != SP_OK)
                    goto out;
                fprintf(log, "%s\n", name);
                p->anchor_has_token = true;
                break;
            }
    }
    p->anchor_seq = anchor_seq;
    p->uncovered = p->last_seq - (anchor_seq > p->first_seq ? anchor_seq : p->first_seq - 1);
    if (p->uncovered > 0)
        fprintf(log,
                "warning: %s: %lld line%s after the last checkpoint %s not covered (the last "
                "checkpoint included: seq %lld, 0 none): they can still be cut or rewritten "
                "unseen\n",
                id, p->uncovered, p->uncovered == 1 ? "" : "s", p->uncovered == 1 ? "is" : "are",
                anchor_seq);

    /* rows.txt: the month's steps and every step a rows line of the run
     * names, as far as the one-step archive reaches */
    long full_rows = 0;
    time_t lastup = 0;
    if ((st = sp_store_rrd_head(cfg->rrdcached, rrd, &p->step, &lastup, &full_rows, err, errlen)) !=
        SP_OK)
        goto out;
    int64_t step = p->step;
    int64_t newest = (int64_t)lastup - (int64_t)lastup % step;
    int64_t reach = newest - (int64_t)(full_rows - 1) * step;
    int64_t lo = from - from % step + step;
    int64_t until = to < now ? to : now;
    int64_t hi = until - until % step;
    if (hi > newest)
        hi = newest;
    /* Steps before reach are lost only if the store held any: the oldest
     * step it could have held is its journal's first line's, or an older
     * one rows or import lines name (imported history). */
    int64_t born = jl[0].t_ms != SP_JOURNAL_NO_MS ? jl[0].t_ms / 1000 : INT64_MIN;
    for (size_t i = 0; i < nj; i++)
        if ((jl[i].is_rows || jl[i].rows_from) && jl[i].rows_from < born)
            born = jl[i].rows_from;
    if (lo < reach && born >= reach) /* the store is younger than its reach: nothing lost, */
        lo = reach;                  /* and no step before its first line holds data */
    if (born != INT64_MIN && lo < born)
        lo = (born + step - 1) / step * step;
    if (lo < reach) {
        char a[SP_TIME_ISO_LEN], b[SP_TIME_ISO_LEN], c[SP_TIME_ISO_LEN];
        iso_s(lo, a, sizeof a);
        iso_s(reach, b, sizeof b);
        iso_s(lo + (int64_t)(full_rows - 1) * step, c, sizeof c);
        snprintf(err, errlen,
                 "%s: the one-step archive of %s no longer holds the month whole: its step "
                 "%s is gone (the file keeps steps from %s on, storage.retention.full_days "
                 "%ld); the month could have been exported until %s",
                 id, rrd, a, b, cfg->retention.full_days, c);
        st = SP_EINVAL;
        goto out;
    }
    for (size_t i = first; i <= last; i++) {
        if (!jl[i].is_rows || jl[i].rows_from < reach || jl[i].rows_from > newest)
            continue;
        if (jl[i].rows_from < lo)
            lo = jl[i].rows_from;
        if (jl[i].rows_to > hi)
            hi = jl[i].rows_to < newest ? jl[i].rows_to : newest;
    }
    p->rows_from = lo;
    p->rows_to = hi;
    if ((st = text_open(&rows)) != SP_OK)
        goto out;
    rows_sink sink = {.fp = rows.fp};
    if (hi >= lo && (st = sp_store_rows_read(cfg->rrdcached, rrd, p->step, lo - step, hi, rows_emit,
                                             &sink, err, errlen)) != SP_OK)
        goto out;
    snprintf(name, sizeof name, "%s%s", dir, SP_ARCHIVE_ROWS);
    st = text_add(m, name, &rows);
    rows.fp = NULL;
    if (st != SP_OK)
        goto out;
    fprintf(log, "%s: steps %lld..%lld (%lld)\n", name, (long long)lo, (long long)hi,
            hi >= lo ? (long long)((hi - lo) / step + 1) : 0LL);
    /* the example rows line for VERIFY.md: the run's last one held whole */
    for (size_t i = last + 1; i-- > first;)
        if (jl[i].is_rows && jl[i].rows_from >= lo && jl[i].rows_to <= hi) {
            if (!p->n_rows_lines) {
                p->ex_from = jl[i].rows_from;
                p->ex_to = jl[i].rows_to;
                snprintf(p->ex_sha, sizeof p->ex_sha, "%s", jl[i].rows_sha);
            }
            p->n_rows_lines++;
        }
out:
    if (rows.fp) {
        fclose(rows.fp);
        free(rows.buf);
    }
    for (size_t i = 0; i < ncp; i++)
        if (cps[i].type == SP_EVIDENCE_LINE_TOKEN)
            free(cps[i].token);
    free(cps);
    free(cl);
    free(cbuf);
    free(jl);
    free(jbuf);
    return st;
}

/* --- The report ------------------------------------------------------------ */

static sp_status read_whole(const char *path, char **data, size_t *len)
{
    int oserr = 0;
    *data = sp_journal_read_file(path, len, &oserr);
    return *data ? SP_OK : oserr == ENOMEM ? SP_ENOMEM : SP_EIO;
}

/* report.json, report.txt and the HTML report (one file, its graphs
 * inline), each rendered in memory. */
static sp_status export_report(const sp_report *r, members *m, FILE *log, char *err, size_t errlen)
{
    text t;
    sp_status st;
    if ((st = text_open(&t)) != SP_OK)
        return st;
    if ((st = sp_report_render_json(r, t.fp)) != SP_OK) {
        fclose(t.fp);
        free(t.buf);
        snprintf(err, errlen, "cannot render the report as JSON");
        return st;
    }
    if ((st = text_add(m, SP_ARCHIVE_REPORT_JSON, &t)) != SP_OK)
        return st;
    fprintf(log, "%s\n", SP_ARCHIVE_REPORT_JSON);
    if ((st = text_open(&t)) != SP_OK)
        return st;
    if ((st = sp_report_render_text(r, SP_LANG_EN, t.fp)) != SP_OK) {
        fclose(t.fp);
        free(t.buf);
        snprintf(err, errlen, "cannot render the report as text");
        return st;
    }
    if ((st = text_add(m, SP_ARCHIVE_REPORT_TEXT, &t)) != SP_OK)
        return st;
    fprintf(log, "%s\n", SP_ARCHIVE_REPORT_TEXT);

    if ((st = text_open(&t)) != SP_OK)
        return st;
    if ((st = sp_report_render_html_fp(r, SP_LANG_EN, t.fp, err, errlen)) != SP_OK) {
        fclose(t.fp);
        free(t.buf);
        return st;
    }
    if ((st = text_add(m, SP_ARCHIVE_REPORT_HTML, &t)) != SP_OK)
        return st;
    fprintf(log, "%s\n", SP_ARCHIVE_REPORT_HTML);
    return st;
}

/* --- manifest.json, VERIFY.md, SHA256SUMS -------------------------------- */

static sp_status manifest(const sp_cfg *cfg, const char *id, int year, int month, int64_t from,
                          int64_t to, int64_t now_ms, const char *key_id, const part *parts,
                          size_t np, members *m)
{
    char mon[8];
    snprintf(mon, sizeof mon, "%04d-%02d", year, month);
    json_t *ts = json_array();
    json_t *o = json_object();
    if (!ts || !o) {
        json_decref(ts);
        json_decref(o);
        return SP_ENOMEM;
    }
    json_object_set_new(o, "format", json_string(SP_ARCHIVE_FORMAT));
    json_object_set_new(o, "target", json_string(id));
    json_object_set_new(o, "month", json_string(mon));
    json_object_set_new(o, "from", json_integer(from));
    json_object_set_new(o, "to", json_integer(to));
    json_object_set_new(o, "timezone", json_string(cfg->timezone));
    json_object_set_new(o, "exported_ms", json_integer(now_ms));
    json_object_set_new(o, "key_id", key_id ? json_string(key_id) : json_null());
    for (size_t i = 0; i < np; i++) {
        const part *p = &parts[i];
        json_t *t = json_object();
        if (!t)
            break;
        json_object_set_new(t, "id", json_string(p->t->id));
        json_object_set_new(t, "role", json_string(p->control ? "control" : "target"));
        json_object_set_new(t, "step_s", json_integer(p->step));
        json_object_set_new(t, "first_seq", json_integer(p->first_seq));
        json_object_set_new(t, "last_seq", json_integer(p->last_seq));
        json_object_set_new(t, "prev_sha256", json_string(p->prev_sha));
        json_object_set_new(t, "rows_from", json_integer(p->rows_from));
        json_object_set_new(t, "rows_to", json_integer(p->rows_to));
        json_object_set_new(t, "anchor_seq", json_integer(p->anchor_seq));
        json_array_append_new(ts, t);
    }
    json_object_set_new(o, "targets", ts);
    char *s = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s)
        return SP_ENOMEM;
    size_t len = strlen(s);
    s[len] = '\0';
    char *d = realloc(s, len + 2);
    if (!d) {
        free(s);
        return SP_ENOMEM;
    }
    d[len] = '\n';
    return add_take(m, SP_ARCHIVE_MANIFEST, d, len + 1);
}

/* VERIFY.md: the by-hand checks with this archive's names and numbers. Each
 * ```sh block exits non-zero when its check fails. */
static void verify_md(FILE *fp, const char *top, const char *key_id, bool tsa, const part *parts,
                      size_t np)
{
    fprintf(fp,
            "# Checking %s by hand\n"
            "\n"
            "This archive (format `%s`) holds one month of one monitored target:\n"
            "the report, the journal lines behind it, the measured rows, and the signed\n"
            "checkpoints that anchor the journal. `slaprobe evidence verify` checks all of\n"
            "it, including the figures. The steps below need only coreutils, sed, awk and\n"
            "OpenSSL 3: run each block from inside the extracted directory `%s/`.\n"
            "Each block ends with a non-zero exit status when its check fails.\n"
            "The concepts are described in slaprobe's docs/EVIDENCE.md (\"Rows\",\n"
            "\"Checkpoints\", \"The evidence archive\").\n"
            "\n"
            "## 1. Every file is the one that was exported\n"
            "\n"
            "```sh\n"
            "sha256sum -c SHA256SUMS\n"
            "```\n"
            "\n"
            "This proves the files match SHA256SUMS. On its own it proves nothing about\n"
            "who made them: anyone can write a SHA256SUMS. Step 2 does.\n"
            "\n",
            top, SP_ARCHIVE_FORMAT, top);
    if (key_id) {
        fprintf(fp,
                "## 2. SHA256SUMS is signed by the evidence key\n"
                "\n"
                "```sh\n"
                "openssl pkeyutl -verify -pubin -inkey evidence.pub -rawin -in SHA256SUMS "
                "-sigfile SHA256SUMS.sig\n"
                "```\n"
                "\n"
                "This proves the holder of the private key of `evidence.pub` (key_id\n"
                "`%s`) signed this list. It does not prove that key is the monitoring\n"
                "provider's: compare the key_id (the first 16 hex digits of the SHA-256 of\n"
                "the raw public key) with one you received from elsewhere (status.json, an\n"
                "alert, the contract).\n"
                "\n",
                key_id);
    } else {
        fprintf(fp, "## 2. (no signature)\n\n"
                    "The store had no evidence key: SHA256SUMS is not signed and no checkpoint\n"
                    "anchors the journal. The checks below still show the files agree with\n"
                    "each other, not who wrote them.\n\n");
    }
    fprintf(fp, "## 3. The journal's head is anchored by a signed checkpoint\n\n");
    for (size_t i = 0; i < np; i++) {
        const part *p = &parts[i];
        const char *id = p->t->id;
        if (!p->anchor_seq) {
            fprintf(fp,
                    "`%s`: no checkpoint covers its lines %lld..%lld: nothing anchors them (they\n"
                    "could be cut or rewritten unseen).\n\n",
                    id, p->first_seq, p->last_seq);
            continue;
        }
        long long k = p->anchor_seq - p->first_seq + 1;
        char pre[160];
        snprintf(pre, sizeof pre, "targets/%s/%s%lld", id, SP_ARCHIVE_ANCHOR_PREFIX, p->anchor_seq);
        fprintf(fp,
                "`%s` (%s): checkpoint %lld signs the SHA-256 of journal line %lld, which is\n"
                "line %lld of `targets/%s/journal.jsonl`.\n\n",
                id, p->control ? "control target" : "the target", p->anchor_seq, p->anchor_seq, k,
                id);
        /* without the key the signature is checked with a key from
         * elsewhere: not a block that would fail on a missing file */
        if (!key_id)
            fprintf(fp,
                    "This archive has no `evidence.pub`: check the signature with the public "
                    "key\nyou hold (KEY.pub):\n\n"
                    "    openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in %s.msg "
                    "-sigfile %s.sig\n\n",
                    pre, pre);
        fprintf(fp, "```sh\n");
        if (key_id)
            fprintf(fp,
                    "openssl pkeyutl -verify -pubin -inkey evidence.pub -rawin -in %s.msg "
                    "-sigfile %s.sig &&\n",
                    pre, pre);
        fprintf(fp,
                "grep -qx 'target=%s' %s.msg &&\n"
                "grep -qx 'seq=%lld' %s.msg &&\n"
                "test \"$(sed -n 's/^line_sha256=//p' %s.msg)\" = \\\n"
                "     \"$(sed -n '%lldp' targets/%s/journal.jsonl | tr -d '\\n' | sha256sum | cut "
                "-c1-64)\"",
                id, pre, p->anchor_seq, pre, pre, k, id);
        if (p->anchor_has_token && tsa)
            fprintf(fp,
                    " &&\n"
                    "openssl ts -verify -in targets/%s/%s%lld.tsr -token_in -data "
                    "targets/%s/%s%lld.msg -CAfile tsa-ca.pem",
                    id, SP_ARCHIVE_ANCHOR_PREFIX, p->anchor_seq, id, SP_ARCHIVE_ANCHOR_PREFIX,
                    p->anchor_seq);
        fprintf(fp, "\n```\n\n");
        fprintf(fp,
                "The line's hash is `%s`. The signature proves the key's holder\n"
                "saw this journal line at the checkpoint's time (t_ms in the message)%s.\n",
                p->anchor_line_sha,
                p->anchor_has_token && tsa
                    ? "; the time-stamp token proves the message existed at the time the TSA "
                      "states (trust `tsa-ca.pem` only if you trust that authority)"
                    : "");
        if (p->uncovered > 0)
            fprintf(fp,
                    "%lld line%s after the checkpoint %s not covered: they could be cut or "
                    "rewritten unseen.\n",
                    p->uncovered, p->uncovered == 1 ? "" : "s", p->uncovered == 1 ? "is" : "are");
        fprintf(fp, "\n");
    }
    fprintf(fp, "## 4. The journal lines chain\n\n"
                "Each line's `prev` is the SHA-256 of the line before it (without its\n"
                "newline); the first line's is the hash of the journal line before the\n"
                "run. With step 3 this proves no line of the run was edited, removed or\n"
                "reordered after the checkpoint was signed.\n\n");
    for (size_t i = 0; i < np; i++) {
        const part *p = &parts[i];
        const char *id = p->t->id;
        fprintf(fp,
                "`%s`: lines %lld..%lld, the first one's prev `%s`.\n\n"
                "```sh\n"
                "d=$(mktemp -d) && mkdir \"$d/l\" &&\n"
                "LC_ALL=C awk -v d=\"$d/l\" '{ f = sprintf(\"%%s/%%09d\", d, NR); printf \"%%s\", "
                "$0 > f; close(f) }' targets/%s/journal.jsonl &&\n"
                "(cd \"$d/l\" && sha256sum -- *) | cut -c1-64 > \"$d/h\" &&\n"
                "LC_ALL=C awk -v prev=%s -v seq=%lld '\n"
                "  NR == FNR { h[FNR] = $1; next }\n"
                "  { p = \"\"; if (match($0, /\"prev\":\"[0-9a-f]*\"/)) p = substr($0, RSTART + "
                "8, RLENGTH - 9)\n"
                "    s = \"\"; if (match($0, /^\\{\"seq\":[0-9]+/)) s = substr($0, 8, RLENGTH - "
                "7)\n"
                "    if (p != (FNR == 1 ? prev : h[FNR - 1])) { print \"line \" FNR \": prev is "
                "not the hash of the line before\"; bad = 1 }\n"
                "    if (s != seq + FNR - 1) { print \"line \" FNR \": seq \" s \" out of order\"; "
                "bad = 1 } }\n"
                "  END { if (!bad) print FNR \" lines chain\"; exit bad }' \"$d/h\" "
                "targets/%s/journal.jsonl; rc=$?; rm -rf \"$d\"; test $rc -eq 0\n"
                "```\n\n",
                id, p->first_seq, p->last_seq, p->prev_sha, id, p->prev_sha, p->first_seq, id);
    }
    fprintf(fp, "## 5. The rows are the ones the journal recorded\n\n"
                "`rows.txt` holds one line per step of the full-resolution archive\n"
                "(`<step end>:<up>:<degraded>:<total_ms>:<dns_ms>:<connect_ms>:<tls_ms>:"
                "<ttfb_ms>:<cert_days>`). Each `rows` journal line holds the SHA-256 of its\n"
                "steps' lines. This proves the rows are those written when the journal\n"
                "line was (and, with steps 3 and 4, that they were not changed since);\n"
                "it does not prove the measurements themselves were right, and rows no\n"
                "`rows` line covers are not proven at all.\n\n");
    for (size_t i = 0; i < np; i++) {
        const part *p = &parts[i];
        const char *id = p->t->id;
        fprintf(fp, "`%s`: steps %lld..%lld, %zu rows lines within them.\n\n", id,
                (long long)p->rows_from, (long long)p->rows_to, p->n_rows_lines);
        if (p->n_rows_lines)
            fprintf(fp,
                    "One line (steps %lld..%lld):\n\n"
                    "```sh\n"
                    "test \"$(awk -F: '$1>=%lld && $1<=%lld' targets/%s/rows.txt | sha256sum | "
                    "cut -c1-64)\" = %s\n"
                    "```\n\n",
                    (long long)p->ex_from, (long long)p->ex_to, (long long)p->ex_from,
                    (long long)p->ex_to, id, p->ex_sha);
        fprintf(fp,
                "All of them:\n\n"
                "```sh\n"
                "d=$(mktemp -d) &&\n"
                "LC_ALL=C awk -v d=\"$d\" -v lo=%lld -v hi=%lld '\n"
                "  function num(k) { return match($0, \"\\\"\" k \"\\\":[0-9]+\") ? "
                "substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) + 0 : -1 }\n"
                "  NR == FNR { split($0, a, \":\"); row[a[1]] = $0; next }\n"
                "  /\"type\":\"rows\"/ { f = num(\"from\"); t = num(\"to\"); st = num(\"step_s\")\n"
                "    if (f < lo || t > hi || st <= 0) next\n"
                "    if (!match($0, /\"sha256\":\"[0-9a-f]+\"/) || RLENGTH != 75) { print \"rows "
                "line \" f \"..\" t "
                "\": no sha256\"; bad = 1; next }\n"
                "    n++; out = d \"/\" f \"-\" t\n"
                "    for (s = f; s <= t; s += st) print row[s] > out\n"
                "    close(out); print substr($0, RSTART + 10, RLENGTH - 11) \"  \" f \"-\" t > "
                "(d \"/SUMS\") }\n"
                "  END { print n + 0 \" rows lines\"; exit bad }' targets/%s/rows.txt "
                "targets/%s/journal.jsonl &&\n"
                "{ test ! -e \"$d/SUMS\" || (cd \"$d\" && sha256sum -c --quiet SUMS); }; "
                "rc=$?; rm -rf \"$d\"; test $rc -eq 0\n"
                "```\n\n",
                (long long)p->rows_from, (long long)p->rows_to, id, id);
    }
    fprintf(fp, "## What this does not check\n\n"
                "The figures of `report/` are computed from these rows and lines; only\n"
                "`slaprobe evidence verify` recomputes them. Nothing here proves that the\n"
                "probes measured the service correctly, or that the clock was right (the\n"
                "journal's clock lines and the time-stamp tokens speak to that).\n");
}

/* --- Writing the tar.gz -------------------------------------------------- */

static sp_status write_tar(int fd, const char *top, const members *m, int64_t now, const char *path,
                           char *err, size_t errlen)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    sp_status st = SP_OK;
    if (!a || !e) {
        st = SP_ENOMEM;
        goto out;
    }
    if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open_fd(a, fd) != ARCHIVE_OK)
        goto fail;
    for (size_t i = 0; i < m->n; i++) {
        char name[1024];
        snprintf(name, sizeof name, "%s/%s", top, m->v[i].name);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, (time_t)now, 0);
        archive_entry_set_size(e, (la_int64_t)m->v[i].len);
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (m->v[i].len &&
             archive_write_data(a, m->v[i].data, m->v[i].len) != (la_ssize_t)m->v[i].len))
            goto fail;
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        goto fail;
    goto out;
fail:
    snprintf(err, errlen, "cannot write %s: %s", path, archive_error_string(a));
    st = SP_EIO;
out:
    archive_entry_free(e);
    archive_write_free(a);
    return st;
}

/* --- The export ----------------------------------------------------------- */

sp_status sp_archive_export(const sp_cfg *cfg, const char *id, int year, int month, int64_t now,
                            const char *out_path, FILE *log, bool *rows_disagree, char *err,
                            size_t errlen)
{
    *rows_disagree = false;
    members m = {0};
    part *parts = NULL;
    size_t np = 0;
    sp_report *r = NULL;
    sp_evidence_key *key = NULL;
    char *tmp = NULL;
    int fd = -1;
    sp_status st = SP_OK;
    char key_id[SP_EVIDENCE_KEY_ID_LEN + 1] = "";
    struct stat sb;

    const sp_cfg_target *t = sp_cfg_find_target(cfg, id);
    if (!t || t->is_control) {
        snprintf(err, errlen,
                 t ? "'%s' is a control target: export the target it stands beside"
                   : "no target '%s' in %s",
                 id, cfg->path);
        return SP_EINVAL;
    }
    if (lstat(out_path, &sb) == 0) {
        snprintf(err, errlen, "%s exists: choose another file (an archive is never overwritten)",
                 out_path);
        return SP_EEXIST;
    }
    int64_t from, to;
    if (month < 1 || month > 12 || sp_cal_month_bounds(cfg->timezone, year, month, &from, &to)) {
        snprintf(err, errlen, "%04d-%02d is not a month", year, month);
        return SP_EINVAL;
    }
    if (from > now) {
        snprintf(err, errlen, "%04d-%02d has not begun", year, month);
        return SP_EINVAL;
    }
    if ((st = sp_report_build(cfg, year, month, id, now, &r, err, errlen)) != SP_OK)
        goto out;
    *rows_disagree = sp_report_rows_disagree(r);
    if ((st = export_report(r, &m, log, err, errlen)) != SP_OK)
        goto out;

    /* the target and every control target */
    if (!(parts = calloc(cfg->n_targets, sizeof *parts))) {
        st = SP_ENOMEM;
        goto out;
    }
    parts[np++] = (part){.t = t};
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (cfg->targets[i].is_control)
            parts[np++] = (part){.t = &cfg->targets[i], .control = true};
    for (size_t i = 0; i < np; i++)
        if ((st = export_target(cfg, &parts[i], from, to, now, &m, log, err, errlen)) != SP_OK)
            goto out;

    /* config.yaml */
    const char **ids = calloc(np, sizeof *ids);
    text cy;
    if (!ids || text_open(&cy) != SP_OK) {
        free(ids);
        st = SP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < np; i++)
        ids[i] = parts[i].t->id;
    sp_cfg_print_subset(cfg, ids, np, cy.fp);
    free(ids);
    if ((st = text_add(&m, SP_ARCHIVE_CONFIG, &cy)) != SP_OK)
        goto out;
    fprintf(log, "%s\n", SP_ARCHIVE_CONFIG);

    /* the key, and the TSA's CA */
    if (cfg->evidence_key_pem) {
        if ((st = sp_evidence_key_from_pem(cfg->evidence_key_pem, strlen(cfg->evidence_key_pem),
                                           &key, err, errlen)) != SP_OK)
            goto out;
        sp_evidence_key_id(key, key_id);
        size_t len;
        char *pem = sp_evidence_key_public_pem(key, &len);
        if (!pem || (st = add_take(&m, SP_ARCHIVE_PUBKEY, pem, len)) != SP_OK) {
            st = SP_ENOMEM;
            goto out;
        }
        fprintf(log, "%s (key_id %s)\n", SP_ARCHIVE_PUBKEY, key_id);
    } else {
        fprintf(log, "warning: no evidence.key: SHA256SUMS is not signed and no checkpoint "
                     "anchors the journal\n");
    }
    if (cfg->evidence_tsa_ca) {
        char *ca;
        size_t len;
        if (read_whole(cfg->evidence_tsa_ca, &ca, &len) != SP_OK) {
            snprintf(err, errlen, "cannot read evidence.tsa_ca %s", cfg->evidence_tsa_ca);
            st = SP_EIO;
            goto out;
        }
        if ((st = add_take(&m, SP_ARCHIVE_TSA_CA, ca, len)) != SP_OK)
            goto out;
        fprintf(log, "%s\n", SP_ARCHIVE_TSA_CA);
    }

    char top[128];
    snprintf(top, sizeof top, "%s-%04d-%02d", id, year, month);
    if ((st = manifest(cfg, id, year, month, from, to, now * 1000, key ? key_id : NULL, parts, np,
                       &m)) != SP_OK)
        goto out;
    fprintf(log, "%s\n", SP_ARCHIVE_MANIFEST);
    text vm;
    if ((st = text_open(&vm)) != SP_OK)
        goto out;
    verify_md(vm.fp, top, key ? key_id : NULL, cfg->evidence_tsa_ca != NULL, parts, np);
    if ((st = text_add(&m, SP_ARCHIVE_VERIFY_MD, &vm)) != SP_OK)
        goto out;
    fprintf(log, "%s\n", SP_ARCHIVE_VERIFY_MD);

    /* SHA256SUMS over every member so far, sorted by name */
    qsort(m.v, m.n, sizeof *m.v, member_cmp);
    text sums;
    if ((st = text_open(&sums)) != SP_OK)
        goto out;
    for (size_t i = 0; i < m.n; i++) {
        char hex[65];
        sp_journal_sha256_hex(m.v[i].data, m.v[i].len, hex);
        fprintf(sums.fp, "%s  %s\n", hex, m.v[i].name);
    }
    if ((st = text_add(&m, SP_ARCHIVE_SUMS, &sums)) != SP_OK)
        goto out;
    fprintf(log, "%s: %zu members\n", SP_ARCHIVE_SUMS, m.n - 1);
    if (key) {
        unsigned char sig[SP_EVIDENCE_SIG_LEN];
        const member *s = &m.v[m.n - 1];
        if ((st = sp_evidence_sign(key, s->data, s->len, sig)) != SP_OK) {
            snprintf(err, errlen, "cannot sign %s with the evidence key", SP_ARCHIVE_SUMS);
            goto out;
        }
        if ((st = add_copy(&m, SP_ARCHIVE_SUMS_SIG, sig, sizeof sig)) != SP_OK)
            goto out;
        fprintf(log, "%s\n", SP_ARCHIVE_SUMS_SIG);
    }
    qsort(m.v, m.n, sizeof *m.v, member_cmp);

    /* beside out_path, then into place: no partial archive at out_path */
    size_t tl = strlen(out_path) + sizeof ".tmp-XXXXXX";
    if (!(tmp = malloc(tl))) {
        st = SP_ENOMEM;
        goto out;
    }
    snprintf(tmp, tl, "%s.tmp-XXXXXX", out_path);
    if ((fd = mkstemp(tmp)) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        tmp = NULL;
        st = SP_EIO;
        goto out;
    }
    if (fchmod(fd, 0644) != 0 ||
        (st = write_tar(fd, top, &m, now, out_path, err, errlen)) != SP_OK || fsync(fd) != 0) {
        if (st == SP_OK)
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        st = st == SP_OK ? SP_EIO : st;
        goto out;
    }
    close(fd);
    fd = -1;
    /* link() refuses an out_path made meanwhile, where rename would replace
     * it; a file system without hard links gets the rename after a check */
    int e = link(tmp, out_path) == 0 ? 0 : errno;
    if ((e == EPERM || e == ENOTSUP) && lstat(out_path, &sb) != 0)
        e = rename(tmp, out_path) == 0 ? 0 : errno;
    if (e) {
        if (e == EEXIST)
            snprintf(err, errlen, "%s exists: choose another file", out_path);
        else
            snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(e));
        st = e == EEXIST ? SP_EEXIST : SP_EIO;
        goto out;
    }
    fprintf(log, "%s: written\n", out_path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    sp_evidence_key_free(key);
    sp_report_destroy(r);
    free(parts);
    members_free(&m);
    return st;
}
