/*
 * The report as CSV: one row per target with the figures of SPEC section 4
 * under their JSON names, for spreadsheets. Incidents, ranges not stored
 * and clock jumps are lists and live in the JSON, text and HTML reports
 * (here their total seconds and count); the rows check is its counts and
 * rows_disagree (true: RRD and journal disagree, the figures are not
 * evidence as they stand). With several vantages (SPEC section 10) the
 * target's row adds the quorum, its vantages and the partial periods, and
 * a second table after a blank line gives each vantage's own figures,
 * chain, clock and lag. RFC 4180 quoting; text cells that
 * a spreadsheet would run as a formula start with a ' (see text()).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"

/* A text cell (RFC 4180 quoting). A spreadsheet runs a cell that starts
 * with = + - @ (or tab or CR, which some strip first) as a formula, so a
 * target called =HYPERLINK(...) would run in the reader's spreadsheet:
 * such a cell is written as '=HYPERLINK(...), quoted, as OWASP's "CSV
 * Injection" advises. The quote shows; the text stays readable. Numbers
 * never come here: a negative figure stays a number. */
static void text(FILE *fp, const char *s)
{
    bool formula = *s && strchr("=+-@\t\r", *s);
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    if (formula)
        fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void f(FILE *fp, double v)
{
    if (isnan(v))
        fputs(",", fp);
    else
        fprintf(fp, ",%.6f", v);
}

sp_status sp_report_render_csv(const sp_report *r, FILE *fp)
{
    bool q = false; /* several vantages: the quorum's columns and a table per vantage */
    for (size_t i = 0; i < r->n_targets; i++)
        q = q || r->targets[i].n_vantages > 0;
    fprintf(fp,
            "month,id,name,target_pct,resolution_s,no_data,availability_pct,"
            "strict_availability_pct,coverage_pct,eligible_s,downtime_s,unknown_s,"
            "maintenance_s,budget_s,budget_left_s,met,incidents,mttr_s,mtbf_s,credit_pct,"
            "response_avg_ms,response_p95_ms,not_stored_s,clock_jumps,rows_lines,rows_differ,"
            "rows_uncovered_steps,rows_contradicting_steps,rows_disagree%s\n",
            q ? ",quorum,vantages,partial,partial_s" : "");
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        const sp_sla_result *s = &t->sla;
        fprintf(fp, "%04d-%02d,", r->year, r->month);
        text(fp, t->cfg->id);
        fputc(',', fp);
        text(fp, t->cfg->name);
        fprintf(fp, ",%g,%ld,%s", s->target_pct, t->resolution_s, s->no_data ? "true" : "false");
        f(fp, s->availability_pct);
        f(fp, s->strict_availability_pct);
        f(fp, s->coverage_pct);
        fprintf(fp, ",%lld,%lld,%lld,%lld", (long long)s->eligible_s, (long long)s->downtime_s,
                (long long)s->unknown_s, (long long)s->maintenance_s);
        f(fp, s->budget_s);
        f(fp, s->budget_left_s);
        fprintf(fp, ",%s,%zu", s->met ? "true" : "false", s->n_incidents);
        f(fp, s->mttr_s);
        f(fp, s->mtbf_s);
        f(fp, s->credit_tier >= 0 ? s->credit_pct : 0);
        f(fp, s->rt_avg_ms);
        f(fp, s->rt_p95_ms);
        fprintf(fp, ",%lld,%zu", (long long)t->not_stored_s, t->n_clock_jumps);
        /* the rows check: empty when there was nothing to check */
        if (t->rows_checked)
            fprintf(fp, ",%ld,%ld,%ld,%ld,%s", t->rows_lines, t->rows_differ,
                    t->rows_uncovered_steps, t->rows_contradicting_steps,
                    t->rows_disagree ? "true" : "false");
        else
            fputs(",,,,,", fp);
        if (q) {
            int64_t ps = 0;
            for (size_t k = 0; k < t->n_partial; k++)
                ps += t->partial[k].end - t->partial[k].start;
            fprintf(fp, ",%u,%zu,%zu,%lld", t->quorum, t->n_vantages, t->n_partial, (long long)ps);
        }
        fputc('\n', fp);
    }
    if (!q)
        return ferror(fp) ? SP_EIO : SP_OK;
    /* each vantage's own figures, evidence and replication lag (empty:
     * no file), after a blank line as a table of its own */
    fputs("\nmonth,id,vantage,availability_pct,strict_availability_pct,coverage_pct,eligible_s,"
          "downtime_s,unknown_s,incidents,journal_intact,journal_first_bad_line,"
          "clock_synchronised,lag_s,rows_disagree\n",
          fp);
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        for (size_t k = 0; k < t->n_vantages; k++) {
            const sp_report_target *v = &t->vantages[k];
            const sp_sla_result *s = &v->sla;
            fprintf(fp, "%04d-%02d,", r->year, r->month);
            text(fp, t->cfg->id);
            fputc(',', fp);
            text(fp, v->vantage);
            f(fp, s->availability_pct);
            f(fp, s->strict_availability_pct);
            f(fp, s->coverage_pct);
            fprintf(fp, ",%lld,%lld,%lld,%zu,%s,", (long long)s->eligible_s,
                    (long long)s->downtime_s, (long long)s->unknown_s, s->n_incidents,
                    v->journal_present && !v->journal_bad_line ? "true" : "false");
            if (v->journal_bad_line)
                fprintf(fp, "%ld", v->journal_bad_line);
            fprintf(fp, ",%s,", v->clock_synced < 0 ? "" : v->clock_synced ? "true" : "false");
            if (v->lag_s >= 0)
                fprintf(fp, "%lld", (long long)v->lag_s);
            fprintf(fp, ",%s\n", v->rows_disagree ? "true" : "false");
        }
    }
    return ferror(fp) ? SP_EIO : SP_OK;
}

sp_status sp_report_render_csv_excel(const sp_report *r, FILE *fp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return SP_ENOMEM;
    sp_status st = sp_report_render_csv(r, mem);
    if (fclose(mem) != 0 && st == SP_OK)
        st = SP_ENOMEM;
    if (st == SP_OK) {
        fputs("\xef\xbb\xbf", fp);
        for (size_t i = 0; i < len; i++) {
            if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
                fputc('\r', fp);
            fputc(buf[i], fp);
        }
        if (ferror(fp))
            st = SP_EIO;
    }
    free(buf);
    return st;
}
