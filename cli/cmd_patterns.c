/*
 * `slaprobe patterns [--lang en|ja] [-c FILE]`: the guideline's pattern
 * table (common/sp_pattern.c), or the effective one of a configuration
 * when -c is given. And the conformance section that config-check prints:
 * can each target's monitoring meet its pattern's reference values?
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/sp_pattern.h"
#include "common/sp_text.h"
#include "config/config.h"

static void fmt_dur(int64_t ms, char *buf, size_t n)
{
    int64_t s = ms / 1000;
    if (s % 3600 == 0)
        snprintf(buf, n, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(buf, n, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, n, "%llds", (long long)s);
}

/* The same in Japanese words ("10分", "1時間"). */
static void fmt_dur_ja(int64_t ms, char *buf, size_t n)
{
    int64_t s = ms / 1000;
    if (s % 3600 == 0)
        snprintf(buf, n, "%lld時間", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(buf, n, "%lld分", (long long)(s / 60));
    else
        snprintf(buf, n, "%lld秒", (long long)s);
}

/* The Japanese table, padded by terminal columns (a kanji takes two): a
 * printf width counts bytes, three a kanji, and the columns went astray. */
static void print_table_ja(const sp_pattern *rows, FILE *fp)
{
    enum { NC = 10 };
    static const char *const head[NC] = {"パターン",   "機密性",          "完全性", "可用性",
                                         "稼働率目標", "死活監視",        "通知",   "障害監視",
                                         "性能監視",   "代表的なサービス"};
    char cell[SP_PATTERN_COUNT][NC][64];
    int w[NC];
    for (int k = 0; k < NC; k++)
        w[k] = sp_text_cols(head[k]);
    for (int i = 0; i < SP_PATTERN_COUNT; i++) {
        const sp_pattern *p = &rows[i];
        snprintf(cell[i][0], 64, "%d", p->id);
        snprintf(cell[i][1], 64, "%s", sp_level_name(p->c, true));
        snprintf(cell[i][2], 64, "%s", sp_level_name(p->i, true));
        snprintf(cell[i][3], 64, "%s", sp_level_name(p->a, true));
        snprintf(cell[i][4], 64, "%.1f %%", p->availability_pct);
        fmt_dur_ja(p->alive_interval_ms, cell[i][5], 64);
        fmt_dur_ja(p->notify_within_ms, cell[i][6], 64);
        fmt_dur_ja(p->fault_interval_ms, cell[i][7], 64);
        fmt_dur_ja(p->perf_interval_ms, cell[i][8], 64);
        cell[i][9][0] = '\0'; /* the examples: last, not padded */
        for (int k = 0; k < NC - 1; k++)
            if (sp_text_cols(cell[i][k]) > w[k])
                w[k] = sp_text_cols(cell[i][k]);
    }
    fputs("ASP・SaaS 情報セキュリティ対策ガイドライン（総務省、2008年）のサービスパターン\n", fp);
    for (int i = -1; i < SP_PATTERN_COUNT; i++) {
        for (int k = 0; k < NC; k++) {
            const char *v = i < 0 ? head[k] : k == NC - 1 ? rows[i].examples_ja : cell[i][k];
            fputs(v, fp);
            if (k == NC - 1)
                break;
            for (int pad = w[k] - sp_text_cols(v) + 2; pad > 0; pad--)
                fputc(' ', fp);
        }
        fputc('\n', fp);
    }
}

static void print_table(const sp_pattern *rows, bool ja, FILE *fp)
{
    if (ja) {
        print_table_ja(rows, fp);
        fputs("監視の参考値: 死活監視（応答確認）は10分に1回以上、停止検知から60分以内に"
              "利用者へ通知、障害監視・性能監視は30分に1回（性能監視は推奨）。\n",
              fp);
        return;
    }
    fputs("Service patterns of the MIC ASP/SaaS guideline (2008)\n"
          "pattern  C       I       A       target  alive  notify  fault  perf  "
          "typical services\n",
          fp);
    for (int i = 0; i < SP_PATTERN_COUNT; i++) {
        const sp_pattern *p = &rows[i];
        char a[32], nt[32], f[32], pf[32];
        fmt_dur(p->alive_interval_ms, a, sizeof a);
        fmt_dur(p->notify_within_ms, nt, sizeof nt);
        fmt_dur(p->fault_interval_ms, f, sizeof f);
        fmt_dur(p->perf_interval_ms, pf, sizeof pf);
        fprintf(fp, "%-8d %-7s %-7s %-7s %5.1f %%  %-5s  %-6s  %-5s  %-4s  %s\n", p->id,
                sp_level_name(p->c, false), sp_level_name(p->i, false), sp_level_name(p->a, false),
                p->availability_pct, a, nt, f, pf, p->examples_en);
    }
    fputs("Monitoring reference values: alive check at least every 10 minutes, users "
          "told within 60 minutes of a detected stop, fault and performance monitoring "
          "every 30 minutes (performance: recommended).\n",
          fp);
}

int sp_cmd_patterns(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe patterns [--lang en|ja] [-c FILE]\n"
        "Print the service patterns of the MIC ASP/SaaS guideline: availability\n"
        "target and monitoring reference values. With -c, the table as FILE's\n"
        "`patterns:` overrides leave it.\n";
    static const struct option opts[] = {
        {"lang", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *lang = "en", *path = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        if (c == 'l') {
            lang = optarg;
        } else if (c == 'c') {
            path = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        } else {
            fprintf(stderr, "slaprobe patterns: bad option '%s' (try --help)\n", argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0) {
        fprintf(stderr, "slaprobe patterns: --lang must be en or ja, not '%s'\n", lang);
        return SP_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "slaprobe patterns: unexpected argument '%s'\n", argv[optind]);
        return SP_EXIT_USAGE;
    }
    sp_pattern rows[SP_PATTERN_COUNT];
    for (int i = 0; i < SP_PATTERN_COUNT; i++)
        rows[i] = *sp_pattern_get(i + 1);
    if (path) {
        char err[1024];
        sp_cfg *cfg;
        if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
            fprintf(stderr, "slaprobe: %s\n", err);
            return SP_EXIT_USAGE;
        }
        memcpy(rows, cfg->patterns, sizeof rows);
        sp_cfg_destroy(cfg);
    }
    print_table(rows, strcmp(lang, "ja") == 0, stdout);
    return SP_EXIT_OK;
}

int sp_cli_print_conformance(const sp_cfg *cfg, FILE *fp)
{
    static const char *const item[SP_CONFORM_N] = {"alive check", "fault check",
                                                   "performance check", "notification"};
    int misses = 0;
    fputs("\n# conformance with the ASP/SaaS guideline's monitoring reference values\n", fp);
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        if (!t->pattern) {
            fprintf(fp, "# %-16s no pattern (sla_target %g %%): nothing to check\n", t->id,
                    t->sla_target);
            continue;
        }
        const sp_pattern *p = &cfg->patterns[t->pattern - 1];
        sp_conform_input in = {t->interval_ms, t->retry_ms, t->spec.timeout_ms, t->confirm,
                               cfg->has_alert_path};
        sp_conform_result r;
        sp_pattern_conformance(p, &in, &r);
        int64_t limit[SP_CONFORM_N] = {p->alive_interval_ms, p->fault_interval_ms,
                                       p->perf_interval_ms, p->notify_within_ms};
        int64_t have[SP_CONFORM_N] = {t->interval_ms, t->interval_ms, t->interval_ms,
                                      r.detect_worst_ms};
        bool all = true;
        for (int k = 0; k < SP_CONFORM_N; k++)
            all = all && r.ok[k];
        fprintf(fp, "# %-16s pattern %d: %s\n", t->id, t->pattern,
                all ? "meets every monitoring value" : "DOES NOT MEET the guideline");
        for (int k = 0; k < SP_CONFORM_N; k++) {
            char h[32], l[32];
            fmt_dur(have[k], h, sizeof h);
            fmt_dur(limit[k], l, sizeof l);
            if (k == SP_CONFORM_NOTIFY)
                fprintf(fp,
                        "#   %-4s %-18s worst-case detection %s (interval + %d retries + "
                        "timeout), limit %s%s\n",
                        r.ok[k] ? "ok" : "MISS", item[k], h, t->confirm - 1, l,
                        cfg->has_alert_path ? "" : "; no alert path is configured");
            else
                fprintf(fp, "#   %-4s %-18s every %s, at least every %s\n", r.ok[k] ? "ok" : "MISS",
                        item[k], h, l);
        }
        /* SPEC section 10: whose measurements count, and what the
         * notification is (the first DOWN alert of any vantage, so the
         * worst case above holds per vantage) */
        if (t->n_vantages) {
            fprintf(fp, "#   quorum %d of %zu vantages (", t->quorum, t->n_vantages);
            for (size_t v = 0; v < t->n_vantages; v++)
                fprintf(fp, "%s%s", v ? ", " : "", t->vantages[v]);
            fprintf(fp,
                    "): DOWN when %d see it, UNKNOWN while fewer than %d measure; any "
                    "vantage's DOWN alert notifies\n",
                    t->quorum, t->quorum);
        }
        misses += !all;
    }
    return misses;
}
