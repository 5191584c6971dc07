/*
 * The text report: an aligned table a person can paste into an e-mail,
 * then one block per target with its incidents and evidence. English or
 * Japanese (labels.c). Rounding happens here and only here. Text from
 * configuration and files (names, maintenance reasons, journal problems)
 * goes through sp_text_fputs: a control or a U+202E in it is shown as
 * "<U+202E>", never sent to the terminal.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/sp_reason.h"
#include "common/sp_text.h"
#include "reports/labels.h"
#include "reports/report.h"

static void pct(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.3f %%", v);
}

/* Padded to width terminal columns (a kanji takes two, sp_text_cols). */
static void cell(FILE *fp, const char *s, int width, bool right)
{
    int pad = width < 0 ? 0 : width - sp_text_cols(s); /* width < 0: last column, no padding */
    if (right)
        for (int i = 0; i < pad; i++)
            fputc(' ', fp);
    fputs(s, fp);
    if (!right)
        for (int i = 0; i < pad; i++)
            fputc(' ', fp);
}

static const char *verdict(const sp_report_target *t, const sp_report_labels *L)
{
    return t->sla.no_data ? L->no_data : t->sla.met ? L->met : L->missed;
}

/* Whether the figures can be trusted, of one host's files or one
 * vantage's: the journal's chain, the clock, imports, storage, the rows
 * check. The caller has written the line's start. */
static void evidence_text(FILE *fp, const sp_report *r, const sp_report_target *t,
                          sp_report_lang lang, const sp_report_labels *L, const char *in)
{
    fprintf(fp, "%s: ", L->journal);
    if (!t->journal_present) {
        fprintf(fp, "%s", L->no_journal);
    } else if (t->journal_bad_line) {
        fprintf(fp, "%s %ld (", L->broken_at, t->journal_bad_line);
        sp_text_fputs(fp, t->journal_problem);
        fputc(')', fp);
    } else {
        fprintf(fp, "%s (%ld)", L->intact, t->journal_lines);
    }
    fprintf(fp, "%s%s: %s", L->semi, L->clock,
            t->clock_synced == 1   ? L->synced
            : t->clock_synced == 0 ? L->not_synced
                                   : L->clock_unknown);
    if (t->n_imports)
        fprintf(fp, "%s%s: %zu", L->semi, L->imported, t->n_imports);
    fputc('\n', fp);
    if (t->journal_present) { /* the journal is where storage problems are told */
        char line[1024];
        sp_report_fmt_storage(t, lang, line, sizeof line);
        fprintf(fp, "%s  %s: %s\n", in, L->storage, line);
        for (size_t k = 0; k < t->n_not_stored; k++) {
            sp_report_fmt_not_stored(r, &t->not_stored[k], lang, line, sizeof line);
            fprintf(fp, "%s    %s: %s\n", in, L->not_stored, line);
        }
        if (!t->n_clock_jumps)
            fprintf(fp, "%s  %s: %s\n", in, L->clock_jumps, L->none);
        else
            fprintf(fp, "%s  %s: %zu\n", in, L->clock_jumps, t->n_clock_jumps);
        for (size_t k = 0; k < t->n_clock_jumps; k++) {
            sp_report_fmt_jump(r, &t->clock_jumps[k], lang, line, sizeof line);
            fprintf(fp, "%s    %s\n", in, line);
        }
    }
    /* RRD against journal (storage/rowcheck.h), after storage: what was
     * not stored is no disagreement */
    if (t->rows_checked) {
        char line[1024];
        sp_report_fmt_rows(r, t, lang, line, sizeof line);
        fprintf(fp, "%s  %s: ", in, L->rows);
        sp_text_fputs(fp, line);
        fputc('\n', fp);
        for (size_t k = 0; k < t->n_rows_problems; k++) {
            fprintf(fp, "%s    %s", in, t->rows_problems[k].note ? L->note : "");
            sp_text_fputs(fp, t->rows_problems[k].text);
            fputc('\n', fp);
        }
    }
}

/* Several vantages: the rule and q, each vantage's own figures, evidence
 * and replication lag. */
static void quorum_text(FILE *fp, const sp_report *r, const sp_report_target *t,
                        sp_report_lang lang, const sp_report_labels *L)
{
    char a[64], b[64];
    for (size_t k = 0; k < t->n_vantages; k++) {
        const sp_report_target *v = &t->vantages[k];
        fprintf(fp, "  %s ", L->vantage);
        sp_text_fputs(fp, v->vantage);
        pct(v->sla.availability_pct, a, sizeof a);
        fprintf(fp, ": %s %s%s%s %lld %s%s%s %lld %s%s%s%s ", L->availability, a, L->lp,
                L->downtime, (long long)v->sla.downtime_s, L->seconds, L->comma, L->unknown,
                (long long)v->sla.unknown_s, L->seconds, L->rp, L->semi, L->lag);
        if (v->lag_s < 0)
            fputs(L->no_file, fp);
        else {
            sp_report_fmt_duration((double)v->lag_s, lang, b, sizeof b);
            fputs(b, fp);
        }
        fputs(L->semi, fp);
        evidence_text(fp, r, v, lang, L, "  ");
    }
}

sp_status sp_report_render_text(const sp_report *r, sp_report_lang lang, FILE *fp)
{
    const sp_report_labels *L = sp_report_labels_for(lang);
    char a[64], b[64], c[64];
    fprintf(fp, "%s  %04d-%02d\n", L->title, r->year, r->month);
    sp_report_fmt_local(r, r->start, a, sizeof a);
    sp_report_fmt_local(r, r->end, b, sizeof b);
    /* Japanese: "（時刻は Asia/Tokyo、日本時間）", full-width brackets
     * around Japanese words, and the name a Japanese reader uses */
    fprintf(fp, "%s: %s .. %s%s%s %s", L->period, a, b, L->lp, L->timezone, r->cfg->timezone);
    if (L->tz_local && strcmp(r->cfg->timezone, "Asia/Tokyo") == 0)
        fprintf(fp, "%s%s", L->comma, L->tz_local);
    fprintf(fp, "%s\n", L->rp);
    if (r->until < r->end) {
        sp_report_fmt_local(r, r->until, c, sizeof c);
        fprintf(fp, "%s%s %s%s\n", lang == SP_LANG_JA ? "（" : "(", L->partial, c, L->rp);
    }
    sp_report_fmt_local(r, r->generated, c, sizeof c);
    fprintf(fp, "%s: %s\n", L->generated, c);
    /* the month's figures are not evidence while RRD and journal disagree */
    for (size_t i = 0; i < r->n_targets; i++)
        if (r->targets[i].rows_disagree)
            fprintf(fp, "%s: %s\n", r->targets[i].cfg->id, L->rows_disagree);
    fputc('\n', fp);

    /* --- summary table --- */
    const char *head[] = {L->target,   L->sla_target, L->availability, L->strict, L->coverage,
                          L->downtime, L->unknown,    L->budget_left,  ""};
    int w[] = {12, 8, 10, 10, 10, 12, 12, 14, 8};
    enum { NC = (int)(sizeof w / sizeof w[0]) };
    /* every cell is measured before any is written: a duration of days
     * ("1d 02h 03m 04s", "1日02時間03分04秒") is wider than the default */
    for (int k = 0; k < NC; k++)
        if (sp_text_cols(head[k]) > w[k])
            w[k] = sp_text_cols(head[k]);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            w[NC - 1] = -1;
            for (int k = 0; k < NC; k++) {
                cell(fp, head[k], w[k], k > 0 && k < NC - 1);
                fputs(k + 1 < NC ? "  " : "\n", fp);
            }
        }
        for (size_t i = 0; i < r->n_targets; i++) {
            const sp_report_target *t = &r->targets[i];
            const sp_sla_result *s = &t->sla;
            char v[NC][64];
            snprintf(v[0], sizeof v[0], "%s", t->cfg->id);
            snprintf(v[1], sizeof v[1], "%g %%", s->target_pct);
            pct(s->availability_pct, v[2], sizeof v[2]);
            pct(s->strict_availability_pct, v[3], sizeof v[3]);
            pct(s->coverage_pct, v[4], sizeof v[4]);
            sp_report_fmt_duration((double)s->downtime_s, lang, v[5], sizeof v[5]);
            sp_report_fmt_duration((double)s->unknown_s, lang, v[6], sizeof v[6]);
            sp_report_fmt_duration(s->budget_left_s, lang, v[7], sizeof v[7]);
            snprintf(v[8], sizeof v[8], "%s", verdict(t, L));
            for (int k = 0; k < NC; k++) {
                if (pass == 0) {
                    if (sp_text_cols(v[k]) > w[k])
                        w[k] = sp_text_cols(v[k]);
                    continue;
                }
                cell(fp, v[k], w[k], k > 0 && k < NC - 1);
                fputs(k + 1 < NC ? "  " : "\n", fp);
            }
        }
    }

    /* --- per target --- */
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        const sp_sla_result *s = &t->sla;
        fprintf(fp, "\n== %s (", t->cfg->id);
        sp_text_fputs(fp, t->cfg->name);
        fputs(")\n", fp);
        if (t->cfg->pattern)
            fprintf(fp, "%s: %d%s%s %g %%\n", L->pattern, t->cfg->pattern, L->comma, L->sla_target,
                    s->target_pct);
        else
            fprintf(fp, "%s: %g %%\n", L->sla_target, s->target_pct);
        if (!t->has_rrd)
            fprintf(fp, "%s: %s\n", L->resolution, L->no_rrd);
        else if (!t->coarse_s || !t->fine_s)
            fprintf(fp, "%s: %ld %s\n", L->resolution, t->resolution_s, L->seconds);
        else {
            sp_report_fmt_local(r, t->fine_from, a, sizeof a);
            fprintf(fp, "%s: %ld %s (%ld %s < %s)\n", L->resolution, t->fine_s, L->seconds,
                    t->coarse_s, L->seconds, a);
        }
        if (t->n_vantages) {
            fprintf(fp, "%s: %u %s %zu %s%s", L->quorum, t->quorum, L->of, t->n_vantages,
                    L->vantages, L->lp);
            for (size_t k = 0; k < t->n_vantages; k++) {
                sp_text_fputs(fp, t->vantages[k].vantage);
                fputs(k + 1 < t->n_vantages ? L->comma : "", fp);
            }
            fprintf(fp, "%s: %s\n", L->rp, L->quorum_rule);
        }
        if (s->no_data)
            fprintf(fp, "%s\n", L->no_data_long);
        sp_report_fmt_duration((double)s->eligible_s, lang, a, sizeof a);
        fprintf(fp, "%s: %s (%lld %s)\n", L->eligible, a, (long long)s->eligible_s, L->seconds);
        sp_report_fmt_duration((double)s->maintenance_s, lang, a, sizeof a);
        fprintf(fp, "%s: %s\n", L->maintenance, a);
        sp_report_fmt_duration((double)s->downtime_s, lang, a, sizeof a);
        sp_report_fmt_duration((double)s->unknown_s, lang, b, sizeof b);
        fprintf(fp, "%s: %s (%lld %s)   %s: %s (%lld %s)\n", L->downtime, a,
                (long long)s->downtime_s, L->seconds, L->unknown, b, (long long)s->unknown_s,
                L->seconds);
        pct(s->availability_pct, a, sizeof a);
        pct(s->strict_availability_pct, b, sizeof b);
        pct(s->coverage_pct, c, sizeof c);
        fprintf(fp, "%s: %s   %s: %s   %s: %s   -> %s\n", L->availability, a, L->strict, b,
                L->coverage, c, verdict(t, L));
        sp_report_fmt_duration(s->budget_s, lang, a, sizeof a);
        sp_report_fmt_duration(s->budget_left_s, lang, b, sizeof b);
        fprintf(fp, "%s: %s   %s: %s\n", L->budget, a, L->budget_left, b);
        if (t->cfg->n_credits) {
            if (s->credit_tier >= 0)
                fprintf(fp, "%s: %g %% (< %g %%)\n", L->credit, s->credit_pct,
                        t->cfg->credits[s->credit_tier].below_pct);
            else
                fprintf(fp, "%s: %s\n", L->credit, L->no_credit);
        }
        if (s->rt_n) {
            fprintf(fp, "%s: %s %.1f ms%s%s %.1f ms (%s%zu)\n", L->response, L->avg, s->rt_avg_ms,
                    L->comma, L->p95, s->rt_p95_ms, L->samples, s->rt_n);
        }
        sp_report_fmt_duration(s->mttr_s, lang, a, sizeof a);
        sp_report_fmt_duration(s->mtbf_s, lang, b, sizeof b);
        fprintf(fp, "%s: %s   %s: %s\n", L->mttr, a, L->mtbf, b);
        if (s->downtime_s) {
            fprintf(fp, "%s:", L->by_class);
            for (int k = 0; k < SP_SLA_N_CLASSES; k++)
                if (s->downtime_by_class[k])
                    fprintf(fp, " %s %lld %s", sp_report_class_label(k, lang),
                            (long long)s->downtime_by_class[k], L->seconds);
            fputc('\n', fp);
        }
        fprintf(fp, "%s (%zu):\n", L->incidents, s->n_incidents);
        if (!s->n_incidents)
            fprintf(fp, "  %s\n", L->none);
        for (size_t k = 0; k < s->n_incidents; k++) {
            const sp_sla_incident *in = &s->incidents[k];
            sp_report_fmt_local(r, in->start, a, sizeof a);
            sp_report_fmt_local(r, in->end, b, sizeof b);
            sp_report_fmt_duration((double)in->duration_s, lang, c, sizeof c);
            char why[128];
            fprintf(fp, "  %s%s .. %s%s  %s  %s %lld %s  %s", in->open_start ? "<" : "", a, b,
                    in->open_end ? ">" : "", c, L->counted, (long long)in->counted_s, L->seconds,
                    sp_report_reason_label(in->reason, lang, why, sizeof why));
            if (t->notified_ms && t->notified_ms[k]) {
                sp_report_fmt_local(r, t->notified_ms[k] / 1000, a, sizeof a);
                sp_report_fmt_duration(t->notify_delay_s[k], lang, c, sizeof c);
                fprintf(fp, "  %s %s%s%s %s%s\n", L->notified, a, L->lp, L->after, c, L->rp);
            } else {
                fprintf(fp, "  %s\n", L->not_notified);
            }
            /* the vantages DOWN in it, by their outage start */
            for (size_t x = 0; t->qincidents && x < t->qincidents[k].n_downs; x++) {
                const sp_quorum_down *d = &t->qincidents[k].downs[x];
                char vwhy[128];
                sp_report_reason_label(d->reason, lang, vwhy, sizeof vwhy);
                sp_report_fmt_local(r, d->since, a, sizeof a);
                fputs("    ", fp);
                sp_text_fputs(fp, t->vantages[d->vantage].vantage);
                fprintf(fp, ": %s %s %s%s%s %lld %s\n", vwhy, L->since, a, L->comma, L->down_for,
                        (long long)d->down_s, L->seconds);
            }
        }
        if (t->n_vantages) {
            int64_t ps = 0;
            for (size_t k = 0; k < t->n_partial; k++)
                ps += t->partial[k].end - t->partial[k].start;
            sp_report_fmt_duration((double)ps, lang, c, sizeof c);
            fprintf(fp, "%s%s%zu%s%s%s: %s\n", L->partial_periods, L->lp, t->n_partial, L->comma, c,
                    L->rp, L->partial_note);
            for (size_t k = 0; k < t->n_partial; k++) {
                const sp_quorum_partial *p = &t->partial[k];
                sp_report_fmt_local(r, p->start, a, sizeof a);
                sp_report_fmt_local(r, p->end, b, sizeof b);
                sp_report_fmt_duration((double)(p->end - p->start), lang, c, sizeof c);
                fprintf(fp, "  %s .. %s  %s  %s %u\n", a, b, c, L->at_most_down, p->max_down);
            }
        }
        if (t->cfg->n_maintenance) {
            fprintf(fp, "%s:\n", L->maint_windows);
            for (size_t k = 0; k < t->cfg->n_maintenance; k++) {
                const sp_cfg_window *mw = &t->cfg->maintenance[k];
                if (mw->end_ms / 1000 <= r->start || mw->start_ms / 1000 >= r->end)
                    continue;
                sp_report_fmt_local(r, mw->start_ms / 1000, a, sizeof a);
                sp_report_fmt_local(r, mw->end_ms / 1000, b, sizeof b);
                fprintf(fp, "  %s .. %s  ", a, b);
                sp_text_fputs(fp, mw->reason);
                fputc('\n', fp);
            }
        }
        if (t->n_vantages) {
            fprintf(fp, "%s:\n", L->evidence);
            quorum_text(fp, r, t, lang, L);
        } else {
            fprintf(fp, "%s: ", L->evidence);
            evidence_text(fp, r, t, lang, L, "");
        }
    }
    return ferror(fp) ? SP_EIO : SP_OK;
}
