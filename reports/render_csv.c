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
 *
 * --lang ja is for people who open the file in (Japanese) Excel: Japanese
 * column headers with their unit ("稼働率 (%)", "停止時間 (秒)"), and the
 * cells that are words in Japanese (判定 達成/未達/データなし, はい/いいえ,
 * 一致/不一致). The machine names are not repeated in the headers: the
 * columns are the same and in the same order as in English, and a program
 * reads the English CSV or the JSON, whose names are the contract (SPEC
 * section 5). English is the default and unchanged. Numbers are written
 * the same in both.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/labels.h"
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

/* The columns: the field name (SPEC's JSON names) and the Japanese header. */
typedef struct column {
    const char *en, *ja;
} column;

static const column target_cols[] = {
    {"month", "対象月"},
    {"id", "ID"},
    {"name", "名称"},
    {"target_pct", "SLA 目標 (%)"},
    {"resolution_s", "分解能 (秒)"},
    {"no_data", "データなし"},
    {"availability_pct", "稼働率 (%)"},
    {"strict_availability_pct", "厳格稼働率 (%)"},
    {"coverage_pct", "計測率 (%)"},
    {"eligible_s", "対象時間 (秒)"},
    {"downtime_s", "停止時間 (秒)"},
    {"unknown_s", "計測不能時間 (秒)"},
    {"maintenance_s", "計画停止 (秒)"},
    {"budget_s", "許容停止時間 (秒)"},
    {"budget_left_s", "残り許容停止時間 (秒)"},
    {"met", "判定"},
    {"incidents", "障害件数"},
    {"mttr_s", "平均復旧時間 (秒)"},
    {"mtbf_s", "平均故障間隔 (秒)"},
    {"credit_pct", "SLA クレジット (%)"},
    {"response_avg_ms", "平均応答時間 (ms)"},
    {"response_p95_ms", "応答時間 95パーセンタイル (ms)"},
    {"not_stored_s", "未保存 (秒)"},
    {"clock_jumps", "時刻の跳躍 (回)"},
    {"rows_lines", "照合した行"},
    {"rows_differ", "相違する行"},
    {"rows_uncovered_steps", "どの行にも含まれないステップ"},
    {"rows_contradicting_steps", "ジャーナルと矛盾するステップ"},
    {"rows_disagree", "RRD とジャーナルの照合"},
};

static const column quorum_cols[] = {
    {"quorum", "クォーラム"},
    {"vantages", "計測拠点数"},
    {"partial", "部分停止 (件)"},
    {"partial_s", "部分停止 (秒)"},
};

static const column vantage_cols[] = {
    {"month", "対象月"},
    {"id", "ID"},
    {"vantage", "計測拠点"},
    {"availability_pct", "稼働率 (%)"},
    {"strict_availability_pct", "厳格稼働率 (%)"},
    {"coverage_pct", "計測率 (%)"},
    {"eligible_s", "対象時間 (秒)"},
    {"downtime_s", "停止時間 (秒)"},
    {"unknown_s", "計測不能時間 (秒)"},
    {"incidents", "障害件数"},
    {"journal_intact", "ハッシュチェーン"},
    {"journal_first_bad_line", "最初の破損行"},
    {"clock_synchronised", "時刻同期"},
    {"lag_s", "複製の遅れ (秒)"},
    {"rows_disagree", "RRD とジャーナルの照合"},
};

#define N_COLS(a) (sizeof(a) / sizeof(a)[0])

/* A header line's cells, after a comma unless first. */
static void header(FILE *fp, const column *c, size_t n, bool first, sp_report_lang lang)
{
    for (size_t i = 0; i < n; i++) {
        if (!first || i)
            fputc(',', fp);
        text(fp, lang == SP_LANG_JA ? c[i].ja : c[i].en);
    }
}

/* A cell that is a word: English true/false, Japanese the word that
 * answers the column's question. */
static const char *word(bool v, sp_report_lang lang, const char *ja_true, const char *ja_false)
{
    if (lang == SP_LANG_JA)
        return v ? ja_true : ja_false;
    return v ? "true" : "false";
}

sp_status sp_report_render_csv(const sp_report *r, sp_report_lang lang, FILE *fp)
{
    const sp_report_labels *L = sp_report_labels_for(lang);
    bool q = false; /* several vantages: the quorum's columns and a table per vantage */
    for (size_t i = 0; i < r->n_targets; i++)
        q = q || r->targets[i].n_vantages > 0;
    header(fp, target_cols, N_COLS(target_cols), true, lang);
    if (q)
        header(fp, quorum_cols, N_COLS(quorum_cols), false, lang);
    fputc('\n', fp);
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        const sp_sla_result *s = &t->sla;
        fprintf(fp, "%04d-%02d,", r->year, r->month);
        text(fp, t->cfg->id);
        fputc(',', fp);
        text(fp, t->cfg->name);
        fprintf(fp, ",%g,%ld,%s", s->target_pct, t->resolution_s,
                word(s->no_data, lang, "はい", "いいえ"));
        f(fp, s->availability_pct);
        f(fp, s->strict_availability_pct);
        f(fp, s->coverage_pct);
        fprintf(fp, ",%lld,%lld,%lld,%lld", (long long)s->eligible_s, (long long)s->downtime_s,
                (long long)s->unknown_s, (long long)s->maintenance_s);
        f(fp, s->budget_s);
        f(fp, s->budget_left_s);
        /* Japanese: the verdict of the text report, no data its own word */
        fprintf(fp, ",%s,%zu",
                lang == SP_LANG_JA && s->no_data ? L->no_data
                                                 : word(s->met, lang, L->met, L->missed),
                s->n_incidents);
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
                    word(t->rows_disagree, lang, "不一致", "一致"));
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
    fputc('\n', fp);
    header(fp, vantage_cols, N_COLS(vantage_cols), true, lang);
    fputc('\n', fp);
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
            /* Japanese says a missing journal apart from a broken one */
            fprintf(fp, ",%lld,%lld,%lld,%zu,%s,", (long long)s->eligible_s,
                    (long long)s->downtime_s, (long long)s->unknown_s, s->n_incidents,
                    lang == SP_LANG_JA && !v->journal_present
                        ? L->no_journal
                        : word(v->journal_present && !v->journal_bad_line, lang, "正常", "破損"));
            if (v->journal_bad_line)
                fprintf(fp, "%ld", v->journal_bad_line);
            fprintf(fp, ",%s,",
                    v->clock_synced < 0 ? "" : word(v->clock_synced, lang, L->synced, "未同期"));
            if (v->lag_s >= 0)
                fprintf(fp, "%lld", (long long)v->lag_s);
            fprintf(fp, ",%s\n", word(v->rows_disagree, lang, "不一致", "一致"));
        }
    }
    return ferror(fp) ? SP_EIO : SP_OK;
}

sp_status sp_report_render_csv_excel(const sp_report *r, sp_report_lang lang, FILE *fp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return SP_ENOMEM;
    sp_status st = sp_report_render_csv(r, lang, mem);
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
