/*
 * The report as a self-contained directory: index.html (no scripts, no
 * external resources, well-formed so that XML tools can check it) and two
 * PNG graphs per target drawn by librrd from the target's own RRD:
 * response time with its slow_ms line, and availability with outages and
 * unknown time shaded. Every text that comes from configuration or files
 * is HTML-escaped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sp_reason.h"
#include "reports/labels.h"
#include "reports/report.h"
#include "storage/rrd.h"

static void pct(FILE *fp, double v)
{
    if (isnan(v))
        fputs("&#8211;", fp);
    else
        fprintf(fp, "%.3f %%", v);
}

/* rrd_graph draws its time axis in the process's local time: the report's
 * timezone for the length of the drawing. */
static char *tz_push(const char *tz)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    return saved;
}

static void tz_pop(char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

static sp_status graph(const sp_report *r, const sp_report_target *t, const char *dir,
                       bool response, char *name, size_t namelen, char *err, size_t errlen)
{
    char png[4096], s[32], e[32], def1[4200], def2[4200], def3[4200], title[256], hrule[128];
    /* a vantage's view draws its own file: "<id>@<vantage>-..." ('@' is
     * in neither an id nor a vantage name, so no two names meet) */
    if (t->vantage)
        snprintf(name, namelen, "%s@%s-%s.png", t->cfg->id, t->vantage,
                 response ? "response" : "availability");
    else
        snprintf(name, namelen, "%s-%s.png", t->cfg->id, response ? "response" : "availability");
    snprintf(png, sizeof png, "%s/%s", dir, name);
    snprintf(s, sizeof s, "%lld", (long long)r->start);
    snprintf(e, sizeof e, "%lld", (long long)r->until);
    const char *argv[40];
    int n = 0;
    argv[n++] = png;
    argv[n++] = "--imgformat";
    argv[n++] = "PNG";
    argv[n++] = "--start";
    argv[n++] = s;
    argv[n++] = "--end";
    argv[n++] = e;
    argv[n++] = "--width";
    argv[n++] = "760";
    argv[n++] = "--height";
    argv[n++] = "160";
    argv[n++] = "--lower-limit";
    argv[n++] = "0";
    if (response) {
        snprintf(title, sizeof title, "%s%s%s: response time (ms), %04d-%02d", t->cfg->id,
                 t->vantage ? " @ " : "", t->vantage ? t->vantage : "", r->year, r->month);
        snprintf(def1, sizeof def1, "DEF:t=%s:total_ms:AVERAGE", t->rrd_path);
        snprintf(hrule, sizeof hrule, "HRULE:%g#d62728:slow threshold %g ms", t->cfg->slow_ms,
                 t->cfg->slow_ms);
        argv[n++] = "--title";
        argv[n++] = title;
        argv[n++] = "--vertical-label";
        argv[n++] = "ms";
        argv[n++] = def1;
        argv[n++] = "LINE1:t#1f77b4:response time (avg per step)";
        argv[n++] = hrule;
    } else {
        snprintf(title, sizeof title, "%s%s%s: availability (%%), %04d-%02d", t->cfg->id,
                 t->vantage ? " @ " : "", t->vantage ? t->vantage : "", r->year, r->month);
        snprintf(def2, sizeof def2, "DEF:up=%s:up:AVERAGE", t->rrd_path);
        argv[n++] = "--title";
        argv[n++] = title;
        argv[n++] = "--vertical-label";
        argv[n++] = "%";
        argv[n++] = "--upper-limit";
        argv[n++] = "100";
        argv[n++] = "--rigid";
        /* A pixel spans about an hour of a month: the worst step in it
         * (reduce=MIN) decides the shading, so a one-minute outage shows. */
        long res = t->resolution_s > 0 ? t->resolution_s : 60;
        long px = (long)((r->until - r->start) / 760); /* seconds per pixel */
        long pstep = (px + res - 1) / res * res;
        snprintf(def3, sizeof def3, "DEF:worst=%s:up:AVERAGE:step=%ld:reduce=MIN", t->rrd_path,
                 pstep > res ? pstep : res);
        argv[n++] = def2;
        argv[n++] = def3;
        argv[n++] = "CDEF:pct=up,100,*";
        /* shade a whole column where anything was down, grey where unknown */
        argv[n++] = "CDEF:down=worst,UN,0,worst,1,LT,100,0,IF,IF";
        argv[n++] = "CDEF:unk=up,UN,100,0,IF";
        argv[n++] = "AREA:unk#bbbbbb:no data";
        argv[n++] = "AREA:down#e06666:outage";
        argv[n++] = "LINE1:pct#2ca02c:availability";
    }
    char *saved = tz_push(r->cfg->timezone);
    sp_status st = sp_store_rrd_graph(n, argv, err, errlen);
    tz_pop(saved);
    return st;
}

static void verdict(FILE *fp, const sp_report_target *t, const sp_report_labels *L)
{
    const sp_sla_result *s = &t->sla;
    const char *cls = s->no_data ? "nodata" : s->met ? "met" : "missed";
    fprintf(fp, "<td class=\"%s\">", cls);
    sp_report_html_esc(fp, s->no_data ? L->no_data : s->met ? L->met : L->missed);
    fputs("</td>", fp);
}

static void dur(FILE *fp, double v, sp_report_lang lang)
{
    char b[64];
    sp_report_fmt_duration(v, lang, b, sizeof b);
    sp_report_html_esc(fp, b);
}

static void local(FILE *fp, const sp_report *r, int64_t t)
{
    char b[64];
    sp_report_fmt_local(r, t, b, sizeof b);
    sp_report_html_esc(fp, b);
}

/* What every section needs: where to write, the report, and its words. */
typedef struct page {
    FILE *fp;
    const sp_report *r;
    const sp_report_labels *L;
    sp_report_lang lang;
} page;

/* --- Page head and header --------------------------------------------------- */

/* Everything up to <body>: language, title, and the one inline style sheet
 * (the page loads nothing from elsewhere). */
static void page_head(const page *p)
{
    FILE *fp = p->fp;
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\"/>\n",
            p->lang == SP_LANG_JA ? "ja" : "en");
    fprintf(fp, "<title>");
    sp_report_html_attr(fp, p->L->title);
    fprintf(fp, " %04d-%02d</title>\n", p->r->year, p->r->month);
    fputs("<style>\nbody{font-family:sans-serif;margin:2em;max-width:60em}"
          "table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
          "th{background:#f3f3f3}td.l,th.l{text-align:left}"
          ".met{background:#dff0d8}.missed{background:#f2dede;font-weight:bold}"
          ".nodata{background:#eee;font-style:italic}img{max-width:100%}\n</style>\n"
          "</head>\n<body>\n",
          fp);
}

/* The heading and the period: its bounds in the report's time zone, where
 * a month still running ends so far, and when the report was made. */
static void page_header(const page *p)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    fprintf(fp, "<h1>");
    sp_report_html_esc(fp, p->L->title);
    fprintf(fp, " %04d-%02d</h1>\n<p>", r->year, r->month);
    sp_report_html_esc(fp, p->L->period);
    fputs(": ", fp);
    local(fp, r, r->start);
    fputs(" &#8211; ", fp);
    local(fp, r, r->end);
    fputs(" (", fp);
    sp_report_html_esc(fp, r->cfg->timezone);
    fputs(")", fp);
    if (r->until < r->end) {
        fputs("<br/>", fp);
        sp_report_html_esc(fp, p->L->partial);
        fputs(" ", fp);
        local(fp, r, r->until);
    }
    fputs("<br/>", fp);
    sp_report_html_esc(fp, p->L->generated);
    fputs(": ", fp);
    local(fp, r, r->generated);
    fputs("</p>\n", fp);
    /* the month's figures are not evidence while RRD and journal disagree */
    for (size_t i = 0; i < r->n_targets; i++) {
        if (!r->targets[i].rows_disagree)
            continue;
        fputs("<p class=\"rows-disagree\"><strong>", fp);
        sp_report_html_esc(fp, r->targets[i].cfg->id);
        fputs(": ", fp);
        sp_report_html_esc(fp, p->L->rows_disagree);
        fputs("</strong></p>\n", fp);
    }
}

/* --- Summary table ---------------------------------------------------------- */

/* One target's line: its name links to its own section below. */
static void summary_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_sla_result *s = &t->sla;
    fputs("<tr><td class=\"l\"><a href=\"#t-", fp);
    sp_report_html_attr(fp, t->cfg->id);
    fputs("\">", fp);
    sp_report_html_esc(fp, t->cfg->name);
    fprintf(fp, "</a></td><td>%g %%</td><td>", s->target_pct);
    pct(fp, s->availability_pct);
    fputs("</td><td>", fp);
    pct(fp, s->strict_availability_pct);
    fputs("</td><td>", fp);
    pct(fp, s->coverage_pct);
    fputs("</td><td>", fp);
    dur(fp, (double)s->downtime_s, p->lang);
    fputs("</td><td>", fp);
    dur(fp, (double)s->unknown_s, p->lang);
    fputs("</td><td>", fp);
    dur(fp, s->budget_left_s, p->lang);
    fputs("</td>", fp);
    verdict(fp, t, p->L);
    fputs("</tr>\n", fp);
}

/* Every target on one line each, with its verdict. */
static void summary_table(const page *p)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    fputs("<h2>", fp);
    sp_report_html_esc(fp, L->summary);
    fputs("</h2>\n<table>\n<tr>", fp);
    fputs("<th class=\"l\">", fp);
    sp_report_html_esc(fp, L->target);
    fputs("</th>", fp);
    sp_report_html_elem(fp, "th", L->sla_target);
    sp_report_html_elem(fp, "th", L->availability);
    sp_report_html_elem(fp, "th", L->strict);
    sp_report_html_elem(fp, "th", L->coverage);
    sp_report_html_elem(fp, "th", L->downtime);
    sp_report_html_elem(fp, "th", L->unknown);
    sp_report_html_elem(fp, "th", L->budget_left);
    sp_report_html_elem(fp, "th", "");
    fputs("</tr>\n", fp);
    for (size_t i = 0; i < p->r->n_targets; i++)
        summary_row(p, &p->r->targets[i]);
    fputs("</table>\n", fp);
}

/* --- A target's section: heading and figures -------------------------------- */

/* The anchor the summary links to, and a word when there is nothing to show. */
static void target_heading(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    fputs("<h2 id=\"t-", fp);
    sp_report_html_attr(fp, t->cfg->id);
    fputs("\">", fp);
    sp_report_html_esc(fp, t->cfg->name);
    fputs(" (", fp);
    sp_report_html_esc(fp, t->cfg->id);
    fputs(")</h2>\n", fp);
    if (t->sla.no_data) {
        fputs("<p class=\"nodata\">", fp);
        sp_report_html_esc(fp, p->L->no_data_long);
        fputs("</p>\n", fp);
    }
}

/* A row of the figures table is a label and one cell: these open and close
 * it around whatever the cell holds. */
static void row_open(FILE *fp, const char *label)
{
    fputs("<tr><th class=\"l\">", fp);
    sp_report_html_esc(fp, label);
    fputs("</th><td>", fp);
}

static void row_close(FILE *fp)
{
    fputs("</td></tr>\n", fp);
}

/* A duration, then the exact seconds it was computed from. */
static void row_seconds(const page *p, const char *label, int64_t v)
{
    row_open(p->fp, label);
    dur(p->fp, (double)v, p->lang);
    fprintf(p->fp, " (%lld %s)", (long long)v, p->L->seconds);
    row_close(p->fp);
}

/* SPEC section 4's figures in their order: what was promised, at which
 * resolution it was measured, and how the month came out against it. */
static void figure_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    if (t->cfg->pattern) {
        row_open(fp, L->pattern);
        fprintf(fp, "%d", t->cfg->pattern);
        row_close(fp);
    }
    row_open(fp, L->sla_target);
    fprintf(fp, "%g %%", s->target_pct);
    row_close(fp);
    row_open(fp, L->resolution);
    if (t->has_rrd && t->coarse_s && t->fine_s) {
        fprintf(fp, "%ld %s (%ld %s &lt; ", t->fine_s, L->seconds, t->coarse_s, L->seconds);
        local(fp, p->r, t->fine_from);
        fputs(")", fp);
    } else if (t->has_rrd)
        fprintf(fp, "%ld %s", t->resolution_s, L->seconds);
    else
        sp_report_html_esc(fp, L->no_rrd);
    row_close(fp);
    row_seconds(p, L->eligible, s->eligible_s);
    row_open(fp, L->maintenance);
    dur(fp, (double)s->maintenance_s, p->lang);
    row_close(fp);
    row_seconds(p, L->downtime, s->downtime_s);
    row_seconds(p, L->unknown, s->unknown_s);
    row_open(fp, L->availability);
    pct(fp, s->availability_pct);
    row_close(fp);
    row_open(fp, L->strict);
    pct(fp, s->strict_availability_pct);
    row_close(fp);
    row_open(fp, L->coverage);
    pct(fp, s->coverage_pct);
    row_close(fp);
    row_open(fp, L->budget);
    dur(fp, s->budget_s, p->lang);
    row_close(fp);
    row_open(fp, L->budget_left);
    dur(fp, s->budget_left_s, p->lang);
    row_close(fp);
}

/* What follows from the figures: the credit owed, repair and failure
 * times, response times, and downtime by class of reason. */
static void outcome_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    if (t->cfg->n_credits) {
        row_open(fp, L->credit);
        if (s->credit_tier >= 0)
            fprintf(fp, "%g %% (&lt; %g %%)", s->credit_pct,
                    t->cfg->credits[s->credit_tier].below_pct);
        else
            sp_report_html_esc(fp, L->no_credit);
        row_close(fp);
    }
    row_open(fp, L->mttr);
    dur(fp, s->mttr_s, p->lang);
    row_close(fp);
    row_open(fp, L->mtbf);
    dur(fp, s->mtbf_s, p->lang);
    row_close(fp);
    if (s->rt_n) {
        row_open(fp, L->response);
        fprintf(fp, "%s %.1f ms, %s %.1f ms (n=%zu)", L->avg, s->rt_avg_ms, L->p95, s->rt_p95_ms,
                s->rt_n);
        row_close(fp);
    }
    if (s->downtime_s) {
        row_open(fp, L->by_class);
        for (int k = 0; k < SP_SLA_N_CLASSES; k++)
            if (s->downtime_by_class[k])
                fprintf(fp, "%s %lld %s ", sp_report_class_name(k),
                        (long long)s->downtime_by_class[k], L->seconds);
        row_close(fp);
    }
}

/* --- A target's section: evidence ------------------------------------------- */

/* Why the figures can be trusted: the journal's hash chain, whether the
 * clock was synchronised, and how many imports the history holds. */
static void evidence_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    row_open(fp, L->evidence);
    sp_report_html_esc(fp, L->journal);
    fputs(": ", fp);
    if (!t->journal_present) {
        sp_report_html_esc(fp, L->no_journal);
    } else if (t->journal_bad_line) {
        sp_report_html_esc(fp, L->broken_at);
        fprintf(fp, " %ld (", t->journal_bad_line);
        sp_report_html_esc(fp, t->journal_problem);
        fputs(")", fp);
    } else {
        sp_report_html_esc(fp, L->intact);
        fprintf(fp, " (%ld)", t->journal_lines);
    }
    fputs("<br/>", fp);
    sp_report_html_esc(fp, L->clock);
    fputs(": ", fp);
    sp_report_html_esc(fp, t->clock_synced == 1   ? L->synced
                           : t->clock_synced == 0 ? L->not_synced
                                                  : L->clock_unknown);
    if (t->n_imports) {
        fputs("<br/>", fp);
        sp_report_html_esc(fp, L->imported);
        fprintf(fp, ": %zu", t->n_imports);
    }
    row_close(fp);
}

/* What the journal says about storage (SPEC section 9): ranges not stored
 * with their cause, and clock jumps. Only with a journal, which is where
 * storage problems are told: without one there is nothing to say either way. */
static void storage_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    char line[1024];
    if (!t->journal_present)
        return;
    row_open(fp, L->storage);
    sp_report_fmt_storage(t, p->lang, line, sizeof line);
    sp_report_html_esc(fp, line);
    for (size_t k = 0; k < t->n_not_stored; k++) {
        sp_report_fmt_not_stored(p->r, &t->not_stored[k], p->lang, line, sizeof line);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, L->not_stored);
        fputs(": ", fp);
        sp_report_html_esc(fp, line);
    }
    row_close(fp);
    row_open(fp, L->clock_jumps);
    if (t->n_clock_jumps)
        fprintf(fp, "%zu", t->n_clock_jumps);
    else
        sp_report_html_esc(fp, L->none);
    for (size_t k = 0; k < t->n_clock_jumps; k++) {
        sp_report_fmt_jump(p->r, &t->clock_jumps[k], p->lang, line, sizeof line);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, line);
    }
    row_close(fp);
}

/* The RRD against the journal (SPEC section 11): the summary, then each
 * disagreement and note on a line of its own. */
static void rows_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    char line[1024];
    if (!t->rows_checked)
        return;
    row_open(fp, p->L->rows);
    sp_report_fmt_rows(p->r, t, p->lang, line, sizeof line);
    if (t->rows_disagree)
        fputs("<strong class=\"bad\">", fp);
    sp_report_html_esc(fp, line);
    if (t->rows_disagree)
        fputs("</strong>", fp);
    for (size_t k = 0; k < t->n_rows_problems; k++) {
        fputs("<br/>", fp);
        if (t->rows_problems[k].note)
            fputs("note: ", fp);
        sp_report_html_esc(fp, t->rows_problems[k].text);
    }
    row_close(fp);
}

/* The target's one table: figures, outcome, evidence, storage. */
/* Several vantages: the rule with q, the partial periods (listed, never
 * counted), then each vantage's own availability, lag and evidence. */
static void quorum_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    row_open(fp, L->quorum);
    fprintf(fp, "%u ", t->quorum);
    sp_report_html_esc(fp, L->of);
    fprintf(fp, " %zu ", t->n_vantages);
    sp_report_html_esc(fp, L->vantages);
    fputs(" (", fp);
    for (size_t k = 0; k < t->n_vantages; k++) {
        sp_report_html_esc(fp, t->vantages[k].vantage);
        fputs(k + 1 < t->n_vantages ? ", " : "", fp);
    }
    fputs("): ", fp);
    sp_report_html_esc(fp, L->quorum_rule);
    row_close(fp);
    row_open(fp, L->partial_periods);
    fprintf(fp, "%zu (", t->n_partial);
    sp_report_html_esc(fp, L->partial_note);
    fputs(")", fp);
    for (size_t k = 0; k < t->n_partial; k++) {
        fputs("<br/>", fp);
        local(fp, p->r, t->partial[k].start);
        fputs(" .. ", fp);
        local(fp, p->r, t->partial[k].end);
        fputs(" ", fp);
        dur(fp, (double)(t->partial[k].end - t->partial[k].start), p->lang);
        fputs(" ", fp);
        sp_report_html_esc(fp, L->at_most_down);
        fprintf(fp, " %u", t->partial[k].max_down);
    }
    row_close(fp);
    for (size_t k = 0; k < t->n_vantages; k++) {
        const sp_report_target *v = &t->vantages[k];
        char label[256];
        snprintf(label, sizeof label, "%s %s", L->vantage, v->vantage);
        row_open(fp, label);
        sp_report_html_esc(fp, L->availability);
        fputs(" ", fp);
        pct(fp, v->sla.availability_pct);
        fputs(" (", fp);
        sp_report_html_esc(fp, L->downtime);
        fprintf(fp, " %lld %s, ", (long long)v->sla.downtime_s, L->seconds);
        sp_report_html_esc(fp, L->unknown);
        fprintf(fp, " %lld %s); ", (long long)v->sla.unknown_s, L->seconds);
        sp_report_html_esc(fp, L->lag);
        fputs(" ", fp);
        if (v->lag_s < 0)
            sp_report_html_esc(fp, L->no_file);
        else
            fprintf(fp, "%lld %s", (long long)v->lag_s, L->seconds);
        row_close(fp);
        evidence_row(p, v);
        rows_row(p, v);
        storage_rows(p, v);
    }
}

static void figures_table(const page *p, const sp_report_target *t)
{
    fputs("<table>\n", p->fp);
    figure_rows(p, t);
    outcome_rows(p, t);
    if (t->n_vantages) {
        quorum_rows(p, t);
    } else {
        evidence_row(p, t);
        rows_row(p, t);
        storage_rows(p, t);
    }
    fputs("</table>\n", p->fp);
}

/* --- A target's section: graphs, incidents, maintenance --------------------- */

/* Response time, then availability: drawn into dir beside index.html. A
 * graph that cannot be drawn fails the whole report. */
static sp_status graphs(const page *p, const sp_report_target *t, const char *dir, char *err,
                        size_t errlen)
{
    FILE *fp = p->fp;
    char name[512];
    for (size_t k = 0; k < t->n_vantages; k++) { /* the target's quorum has no file */
        sp_status st = graphs(p, &t->vantages[k], dir, err, errlen);
        if (st != SP_OK)
            return st;
    }
    if (!t->has_rrd || t->n_vantages)
        return SP_OK;
    for (int g = 0; g < 2; g++) {
        sp_status st = graph(p->r, t, dir, g == 0, name, sizeof name, err, errlen);
        if (st != SP_OK)
            return st;
        fputs("<p><img src=\"", fp);
        sp_report_html_attr(fp, name);
        fputs("\" alt=\"", fp);
        sp_report_html_attr(fp, g == 0 ? p->L->graphs_rt : p->L->graphs_av);
        fputs("\"/></p>\n", fp);
    }
    return SP_OK;
}

/* One outage: "<" / ">" mark one that began before the month or runs past
 * it; the last cell is when the first DOWN alert went out. */
static void incident_row(const page *p, const sp_report_target *t, size_t k)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    const sp_sla_incident *in = &t->sla.incidents[k];
    fputs("<tr><td>", fp);
    if (in->open_start)
        fputs("&lt; ", fp);
    local(fp, r, in->start);
    fputs("</td><td>", fp);
    local(fp, r, in->end);
    if (in->open_end)
        fputs(" &gt;", fp);
    fputs("</td><td>", fp);
    dur(fp, (double)in->duration_s, p->lang);
    fprintf(fp, "</td><td>%lld %s</td><td class=\"l\">", (long long)in->counted_s, p->L->seconds);
    sp_report_html_esc(fp,
                       sp_report_reason_name(in->reason) ? sp_report_reason_name(in->reason) : "?");
    /* the vantages DOWN in it, by their outage start */
    for (size_t i = 0; t->qincidents && i < t->qincidents[k].n_downs; i++) {
        const sp_quorum_down *d = &t->qincidents[k].downs[i];
        const char *why = sp_report_reason_name(d->reason);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, t->vantages[d->vantage].vantage);
        fputs(": ", fp);
        sp_report_html_esc(fp, why ? why : "?");
        fputs(" ", fp);
        sp_report_html_esc(fp, p->L->since);
        fputs(" ", fp);
        local(fp, r, d->since);
        fprintf(fp, ", DOWN %lld %s", (long long)d->down_s, p->L->seconds);
    }
    fputs("</td><td class=\"l\">", fp);
    if (t->notified_ms && t->notified_ms[k]) { /* detection -> first alert sent */
        local(fp, r, t->notified_ms[k] / 1000);
        fputs(" (", fp);
        sp_report_html_esc(fp, p->L->after);
        fputc(' ', fp);
        dur(fp, t->notify_delay_s[k], p->lang);
        fputc(')', fp);
    } else {
        sp_report_html_esc(fp, p->L->not_notified);
    }
    fputs("</td></tr>\n", fp);
}

/* Every outage of the month, with how much of it counted. */
static void incidents_table(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    fputs("<h3>", fp);
    sp_report_html_esc(fp, L->incidents);
    fprintf(fp, " (%zu)</h3>\n", s->n_incidents);
    if (!s->n_incidents) {
        sp_report_html_elem(fp, "p", L->none);
        fputc('\n', fp);
        return;
    }
    fputs("<table>\n<tr>", fp);
    sp_report_html_elem(fp, "th", L->start);
    sp_report_html_elem(fp, "th", L->end);
    sp_report_html_elem(fp, "th", L->duration);
    sp_report_html_elem(fp, "th", L->counted);
    sp_report_html_elem(fp, "th", L->reason);
    sp_report_html_elem(fp, "th", L->notified);
    fputs("</tr>\n", fp);
    for (size_t k = 0; k < s->n_incidents; k++)
        incident_row(p, t, k);
    fputs("</table>\n", fp);
}

/* The configured windows that touch the month (a target with windows but
 * none in this month gets an empty list). */
static void maintenance_list(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    if (!t->cfg->n_maintenance)
        return;
    fputs("<h3>", fp);
    sp_report_html_esc(fp, p->L->maint_windows);
    fputs("</h3>\n<ul>\n", fp);
    for (size_t k = 0; k < t->cfg->n_maintenance; k++) {
        const sp_cfg_window *w = &t->cfg->maintenance[k];
        if (w->end_ms / 1000 <= r->start || w->start_ms / 1000 >= r->end)
            continue;
        fputs("<li>", fp);
        local(fp, r, w->start_ms / 1000);
        fputs(" &#8211; ", fp);
        local(fp, r, w->end_ms / 1000);
        fputs(" ", fp);
        sp_report_html_esc(fp, w->reason);
        fputs("</li>\n", fp);
    }
    fputs("</ul>\n", fp);
}

/* One target, top to bottom. */
static sp_status target_section(const page *p, const sp_report_target *t, const char *dir,
                                char *err, size_t errlen)
{
    target_heading(p, t);
    figures_table(p, t);
    sp_status st = graphs(p, t, dir, err, errlen);
    if (st != SP_OK)
        return st;
    incidents_table(p, t);
    maintenance_list(p, t);
    return SP_OK;
}

/* --- The page --------------------------------------------------------------- */

static void page_footer(const page *p)
{
    fputs("</body>\n</html>\n", p->fp);
}

/* Written to index.html.tmp and renamed over index.html only when complete,
 * so a reader never sees half a report; a failed one leaves nothing. */
sp_status sp_report_render_html(const sp_report *r, sp_report_lang lang, const char *dir, char *err,
                                size_t errlen)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return SP_EIO;
    }
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/index.html", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "we");
    if (!fp) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return SP_EIO;
    }
    const page pg = {.fp = fp, .r = r, .L = sp_report_labels_for(lang), .lang = lang};
    sp_status st = SP_OK;
    page_head(&pg);
    page_header(&pg);
    summary_table(&pg);
    for (size_t i = 0; i < r->n_targets; i++)
        if ((st = target_section(&pg, &r->targets[i], dir, err, errlen)) != SP_OK)
            goto out;
    page_footer(&pg);
out:
    if (fclose(fp) != 0 && st == SP_OK) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        st = SP_EIO;
    }
    if (st == SP_OK && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        st = SP_EIO;
    }
    if (st != SP_OK)
        unlink(tmp);
    return st;
}
