/*
 * English and Japanese words of the reports (see labels.h). Japanese terms
 * follow the guideline's own vocabulary where it has one (稼働率, 計画停止).
 */
#include "labels.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_text.h"
#include "common/sp_time.h"
#include "calendar/calendar.h"

static const sp_report_labels en = {
    .title = "Monthly SLA report",
    .period = "Period",
    .timezone = "Time zone",
    .generated = "Generated",
    .partial = "month not over: figures up to",
    .resolution = "Resolution",
    .target = "Target",
    .name = "Name",
    .pattern = "Pattern",
    .sla_target = "SLA target",
    .availability = "Availability",
    .strict = "Strict availability",
    .coverage = "Coverage",
    .eligible = "Eligible time",
    .downtime = "Downtime",
    .unknown = "Unknown",
    .maintenance = "Maintenance",
    .budget = "Error budget",
    .budget_left = "Budget left",
    .met = "MET",
    .missed = "MISSED",
    .no_data = "NO DATA",
    .no_data_long = "No measurement in this period: availability cannot be stated.",
    .incidents = "Incidents",
    .none = "none",
    .start = "Start",
    .end = "End",
    .duration = "Duration",
    .counted = "Counted",
    .reason = "Reason",
    .notified = "Notified",
    .not_notified = "not notified",
    .after = "after",
    .mttr = "MTTR",
    .mtbf = "MTBF",
    .response = "Response time",
    .avg = "avg",
    .p95 = "p95",
    .by_class = "Downtime by cause",
    .credit = "SLA credit",
    .no_credit = "no credit tier reached",
    .evidence = "Evidence",
    .journal = "Journal",
    .intact = "hash chain intact",
    .broken_at = "hash chain BROKEN at line",
    .no_journal = "no journal",
    .clock = "Clock",
    .synced = "synchronised",
    .not_synced = "NOT synchronised at some point",
    .clock_unknown = "no record",
    .imported = "imported history records",
    .storage = "Storage",
    .all_stored = "every measured step stored",
    .range_not_stored = "range not stored",
    .ranges_not_stored = "ranges not stored",
    .not_stored = "Not stored",
    .clock_jumps = "Clock jumps",
    .jumped = "clock jumped",
    .rows = "RRD rows",
    .rows_agree = "RRD and journal agree",
    .rows_disagree = "RRD and journal DISAGREE",
    .rows_coarse = "cannot be checked against the journal: read from the hours file, rows of",
    .rows_not_checked = "not checked",
    .maint_windows = "Maintenance windows",
    .graphs_rt = "Response time",
    .graphs_av = "Availability",
    .summary = "Summary",
    .seconds = "s",
    .hours_unit = "h",
    .slow_line = "slow threshold",
    .outage = "outage",
    .unknown_area = "no data",
    .no_rrd = "no RRD file",
    /* --- Japanese everywhere (issue 16) --- */
    .down_for = "DOWN",
    .note = "note: ",
    .samples = "n=",
    .unknown_reason = "?",
    .tz_local = NULL,
    .comma = ", ",
    .semi = "; ",
    .lp = " (",
    .rp = ")",
    /* --- */
    .quorum = "Quorum",
    .of = "of",
    .vantages = "vantages",
    .quorum_rule = "DOWN when at least q vantages saw it down; unknown when fewer than q "
                   "measured or the unmeasured could still make it DOWN",
    .vantage = "vantage",
    .lag = "lag",
    .no_file = "no file",
    .since = "since",
    .partial_periods = "Partial (a DOWN minority)",
    .partial_note = "listed, never counted",
    .at_most_down = "vantages DOWN at most",
    .details = "Details",
    .graphs = "Graphs",
    .target_short = "target",
    .band_up = "Up",
    .band_down = "Counted downtime",
    .band_unknown = "No data",
    .band_maintenance = "Maintenance",
    .band_outside = "Outside service hours",
    .band_control = "Control targets down (not counted)",
    .line_availability = "Availability",
    .line_response = "Response time (average)",
    .above_scale = "above scale: max",
    .axis_pct = "%",
    .axis_ms = "ms",
    .rows_lines_checked = "rows lines checked",
    .verdict = "Result",
    .reason_unknown = "unknown cause",
    .state_down = "DOWN",
};

static const sp_report_labels ja = {
    .title = "月次 SLA レポート",
    .period = "対象期間",
    .timezone = "時刻は",
    .generated = "作成日時",
    .partial = "月の途中までの集計、集計時点",
    .resolution = "分解能",
    .target = "対象",
    .name = "名称",
    .pattern = "パターン",
    .sla_target = "SLA 目標",
    .availability = "稼働率",
    .strict = "厳格稼働率",
    .coverage = "計測率",
    .eligible = "対象時間",
    .downtime = "停止時間",
    .unknown = "計測不能時間",
    .maintenance = "計画停止",
    .budget = "許容停止時間",
    .budget_left = "残り許容停止時間",
    .met = "達成",
    .missed = "未達",
    .no_data = "データなし",
    .no_data_long = "この期間の計測がありません。稼働率は算出できません。",
    .incidents = "障害",
    .none = "なし",
    .start = "開始",
    .end = "終了",
    .duration = "継続時間",
    .counted = "算入",
    .reason = "原因",
    .notified = "通知",
    .not_notified = "通知なし",
    .after = "検知から",
    .mttr = "平均復旧時間 (MTTR)",
    .mtbf = "平均故障間隔 (MTBF)",
    .response = "応答時間",
    .avg = "平均",
    .p95 = "95パーセンタイル",
    .by_class = "原因別停止時間",
    .credit = "SLA クレジット",
    .no_credit = "クレジット対象外",
    .evidence = "証跡",
    .journal = "ジャーナル",
    .intact = "ハッシュチェーン正常",
    .broken_at = "ハッシュチェーン破損: 行",
    .no_journal = "ジャーナルなし",
    .clock = "時刻同期",
    .synced = "同期済み",
    .not_synced = "未同期の期間あり",
    .clock_unknown = "記録なし",
    .imported = "インポートの記録",
    .storage = "保存",
    .all_stored = "計測した全ステップを保存済み",
    .range_not_stored = "区間が未保存",
    .ranges_not_stored = "区間が未保存",
    .not_stored = "未保存",
    .clock_jumps = "時刻の跳躍",
    .jumped = "時刻の跳躍",
    .rows = "RRD の行",
    .rows_agree = "RRD とジャーナルは一致",
    .rows_disagree = "RRD とジャーナルが不一致",
    /* sp_report_fmt_rows words the Japanese sentence itself (the step inside it) */
    .rows_coarse = "ジャーナルと照合できません（時間単位ファイルから読み込み）",
    .rows_not_checked = "未照合",
    .maint_windows = "計画停止", /* past windows too: not only "planned ahead" */
    .graphs_rt = "応答時間",
    .graphs_av = "稼働状況",
    .summary = "概要",
    .seconds = "秒",
    .hours_unit = "時間",
    .slow_line = "遅延しきい値",
    .outage = "停止",
    .unknown_area = "データなし",
    .no_rrd = "RRD ファイルなし",
    /* --- Japanese everywhere (issue 16) --- */
    .down_for = "停止",
    .note = "注: ",
    .samples = "計測数 ",
    .unknown_reason = "不明",
    .tz_local = "日本時間", /* after "Asia/Tokyo": the name a Japanese reader uses */
    .comma = "、",          /* Japanese text takes the ideographic comma, not ", " */
    .semi = "、",
    .lp = "（",
    .rp = "）",
    /* --- */
    .quorum = "クォーラム",
    .of = "/",
    .vantages = "計測拠点",
    .quorum_rule = "q 拠点以上が停止を観測したときに停止。計測できた拠点が q 未満のとき、"
                   "または未計測の拠点次第で停止になり得るときは不明",
    .vantage = "計測拠点",
    .lag = "複製の遅れ",
    .no_file = "ファイルなし",
    .since = "開始",
    .partial_periods = "少数の拠点のみの部分停止",
    .partial_note = "記載のみで、停止時間には算入しません",
    .at_most_down = "停止拠点数の最大",
    .details = "詳細",
    .graphs = "グラフ",
    .target_short = "目標",
    .band_up = "稼働",
    .band_down = "停止時間（算入）",
    .band_unknown = "データなし",
    .band_maintenance = "計画停止",
    .band_outside = "サービス時間外",
    .band_control = "基準監視先の停止（算入しない）",
    .line_availability = "稼働率",
    .line_response = "応答時間（平均）",
    .above_scale = "目盛り上限超え: 最大",
    .axis_pct = "%",
    .axis_ms = "ms",
    .rows_lines_checked = "行のジャーナル記録を照合",
    .verdict = "判定",
    .reason_unknown = "原因不明",
    .state_down = "停止",
};

const sp_report_labels *sp_report_labels_for(sp_report_lang lang)
{
    return lang == SP_LANG_JA ? &ja : &en;
}

const char *sp_report_reason_name(sp_reason r)
{
    return r == SP_REASON_OK ? NULL : sp_reason_name(r);
}

const char *sp_report_class_name(int cls)
{
    return cls == SP_RCLASS_NONE ? "unknown" : sp_reason_class_name((sp_reason_class)cls);
}

/* --- Japanese names of reasons and classes ---------------------------------
 * Short nouns a support desk would write in a ticket; the stable code
 * follows them in every output (sp_report_reason_label), so the exact
 * meaning is one look-up away (docs/REASONS.md). DNS, TLS and HTTP stay
 * as they are: Japanese engineers write them so. A new reason without a
 * row here is caught by test_text's reason test. */
static const char *const reason_ja[SP_REASON_COUNT] = {
    [SP_REASON_DNS_NXDOMAIN] = "存在しないドメイン名",
    [SP_REASON_DNS_SERVFAIL] = "DNS サーバーのエラー",
    [SP_REASON_DNS_REFUSED] = "DNS 問い合わせの拒否",
    [SP_REASON_DNS_TIMEOUT] = "DNS 応答のタイムアウト",
    [SP_REASON_DNS_NODATA] = "DNS レコードなし",
    [SP_REASON_DNS_MISMATCH] = "DNS 応答の不一致",
    [SP_REASON_TCP_REFUSED] = "接続拒否",
    [SP_REASON_TCP_TIMEOUT] = "接続のタイムアウト",
    [SP_REASON_TCP_UNREACHABLE] = "宛先に到達不能",
    [SP_REASON_TLS_HANDSHAKE] = "TLS ハンドシェイクの失敗",
    [SP_REASON_TLS_CERT_EXPIRED] = "証明書の有効期間外", /* expired or not yet valid */
    [SP_REASON_TLS_CERT_UNTRUSTED] = "信頼されていない証明書",
    [SP_REASON_TLS_CERT_HOSTNAME] = "証明書のホスト名不一致",
    [SP_REASON_HTTP_TIMEOUT] = "HTTP 応答のタイムアウト",
    [SP_REASON_HTTP_STATUS] = "想定外の HTTP ステータス",
    [SP_REASON_HTTP_BODY_MISMATCH] = "応答内容の不一致",
    [SP_REASON_HTTP_TOO_LARGE] = "応答サイズの超過",
    [SP_REASON_HTTP_PROTOCOL] = "HTTP プロトコルのエラー",
    [SP_REASON_REDIRECT_LOOP] = "リダイレクトの繰り返し",
    [SP_REASON_PROBE_ERROR] = "監視側のエラー", /* not the endpoint: never counted */
    [SP_REASON_TLS_CERT_REVOKED] = "失効した証明書",
    [SP_REASON_ICMP_TIMEOUT] = "ICMP 応答のタイムアウト",
};

const char *sp_report_reason_ja(sp_reason r)
{
    return (unsigned)r < SP_REASON_COUNT ? reason_ja[r] : NULL;
}

const char *sp_report_reason_label(sp_reason r, sp_report_lang lang, char *buf, size_t n)
{
    const char *code = sp_report_reason_name(r);
    const char *name = lang == SP_LANG_JA ? sp_report_reason_ja(r) : NULL;
    if (!code)
        snprintf(buf, n, "%s", sp_report_labels_for(lang)->unknown_reason);
    else if (name)
        snprintf(buf, n, "%s (%s)", name, code);
    else
        snprintf(buf, n, "%s", code);
    return buf;
}

const char *sp_report_class_label(int cls, sp_report_lang lang)
{
    /* "unknown" here is downtime whose cause no journal told (imported
     * history): its cause is unknown, the time itself was measured */
    static const char *const names[] = {
        [SP_RCLASS_NONE] = "原因不明",
        [SP_RCLASS_DNS] = "DNS",
        [SP_RCLASS_NETWORK] = "ネットワーク",
        [SP_RCLASS_TLS] = "TLS",
        [SP_RCLASS_HTTP] = "HTTP・アプリケーション",
        [SP_RCLASS_PROBE] = "監視側",
    };
    if (lang == SP_LANG_JA && cls >= 0 && (size_t)cls < sizeof names / sizeof names[0])
        return names[cls];
    return sp_report_class_name(cls);
}

void sp_report_fmt_duration(double s, sp_report_lang lang, char *buf, size_t n)
{
    if (isnan(s)) {
        snprintf(buf, n, "-");
        return;
    }
    const char *sign = s < 0 ? "-" : "";
    long long v = llround(fabs(s));
    long long d = v / 86400, h = v % 86400 / 3600, m = v % 3600 / 60, sec = v % 60;
    if (lang == SP_LANG_JA) {
        if (d)
            snprintf(buf, n, "%s%lld日%02lld時間%02lld分%02lld秒", sign, d, h, m, sec);
        else if (h)
            snprintf(buf, n, "%s%lld時間%02lld分%02lld秒", sign, h, m, sec);
        else
            snprintf(buf, n, "%s%lld分%02lld秒", sign, m, sec);
    } else {
        if (d)
            snprintf(buf, n, "%s%lldd %02lldh %02lldm %02llds", sign, d, h, m, sec);
        else if (h)
            snprintf(buf, n, "%s%lldh %02lldm %02llds", sign, h, m, sec);
        else
            snprintf(buf, n, "%s%lldm %02llds", sign, m, sec);
    }
}

void sp_report_fmt_duration_short(double s, sp_report_lang lang, char *buf, size_t n)
{
    if (isnan(s)) {
        snprintf(buf, n, "-");
        return;
    }
    const char *sign = s < 0 ? "-" : "";
    long long v = llround(fabs(s));
    long long d = v / 86400, h = v % 86400 / 3600, m = v % 3600 / 60, sec = v % 60;
    bool jp = lang == SP_LANG_JA;
    if (d)
        snprintf(buf, n, jp ? "%s%lld日%02lld時間" : "%s%lldd %02lldh", sign, d, h);
    else if (h)
        snprintf(buf, n, jp ? "%s%lld時間%02lld分" : "%s%lldh %02lldm", sign, h, m);
    else if (m)
        snprintf(buf, n, jp ? "%s%lld分%02lld秒" : "%s%lldm %02llds", sign, m, sec);
    else
        snprintf(buf, n, jp ? "%s%lld秒" : "%s%llds", sign, sec);
}

void sp_report_fmt_local(const sp_report *r, int64_t t, char *buf, size_t n)
{
    if (sp_cal_local_time(r->cfg->timezone, t, buf, n) != SP_OK)
        snprintf(buf, n, "@%lld", (long long)t);
}

void sp_report_fmt_storage(const sp_report_target *t, sp_report_lang lang, char *buf, size_t n)
{
    const sp_report_labels *L = sp_report_labels_for(lang);
    char d[64];
    if (!t->n_not_stored) {
        snprintf(buf, n, "%s", L->all_stored);
        return;
    }
    sp_report_fmt_duration((double)t->not_stored_s, lang, d, sizeof d);
    snprintf(buf, n, "%zu %s (%s)", t->n_not_stored,
             t->n_not_stored == 1 ? L->range_not_stored : L->ranges_not_stored, d);
}

void sp_report_fmt_rows(const sp_report *r, const sp_report_target *t, sp_report_lang lang,
                        char *buf, size_t n)
{
    const sp_report_labels *L = sp_report_labels_for(lang);
    size_t len = 0;
    int w;
    buf[0] = '\0';
    bool in_ja = lang == SP_LANG_JA;
    if (!t->rows_checked)
        w = snprintf(buf, n, "%s", L->rows_not_checked);
    else if (t->rows_error[0])
        w = snprintf(buf, n, "%s (%s)", L->rows_disagree, t->rows_error);
    else if (!t->rows_disagree)
        w = snprintf(buf, n, in_ja ? "%s (%ld/%ld 行を照合)" : "%s (%ld/%ld rows lines checked)",
                     L->rows_agree, t->rows_ok, t->rows_lines);
    else if (in_ja)
        w = snprintf(buf, n,
                     "%s: 相違する行 %ld、どの行にも含まれないステップ %ld、ジャーナルと矛盾する"
                     "ステップ %ld",
                     L->rows_disagree, t->rows_differ, t->rows_uncovered_steps,
                     t->rows_contradicting_steps);
    else
        w = snprintf(buf, n,
                     "%s: %ld rows line%s differ, %ld step%s uncovered, %ld step%s contradict "
                     "the journal",
                     L->rows_disagree, t->rows_differ, t->rows_differ == 1 ? "" : "s",
                     t->rows_uncovered_steps, t->rows_uncovered_steps == 1 ? "" : "s",
                     t->rows_contradicting_steps, t->rows_contradicting_steps == 1 ? "" : "s");
    if (w < 0 || (size_t)w >= n)
        return;
    len = (size_t)w;
    if (t->rows_not_checkable > 0) {
        if (in_ja)
            w = snprintf(buf + len, n - len, "%s照合できなくなった行 %ld", L->semi,
                         t->rows_not_checkable);
        else
            w = snprintf(buf + len, n - len, "; %ld rows line%s no longer checkable",
                         t->rows_not_checkable, t->rows_not_checkable == 1 ? "" : "s");
        if (w < 0 || (size_t)w >= n - len)
            return;
        len += (size_t)w;
    }
    if (t->coarse_s > 0 && t->fine_from > r->start) {
        char a[64], b[64];
        sp_report_fmt_local(r, r->start, a, sizeof a);
        sp_report_fmt_local(r, t->fine_from, b, sizeof b);
        if (in_ja)
            snprintf(buf + len, n - len,
                     "%s%s .. %s はジャーナルと照合できません（%ld 秒単位の時間単位ファイル"
                     "から読み込み）",
                     L->semi, a, b, t->coarse_s);
        else
            snprintf(buf + len, n - len, "%s%s .. %s %s %ld %s", L->semi, a, b, L->rows_coarse,
                     t->coarse_s, L->seconds);
    }
}

void sp_report_fmt_not_stored(const sp_report *r, const sp_report_not_stored *ns,
                              sp_report_lang lang, char *buf, size_t n)
{
    char a[64], b[64], d[64];
    sp_report_fmt_local(r, ns->start, a, sizeof a);
    sp_report_fmt_local(r, ns->end, b, sizeof b);
    sp_report_fmt_duration((double)(ns->end - ns->start), lang, d, sizeof d);
    /* Both come from the journal, a file: the daemon's sentence may quote a
     * path or a server, and the file may have been edited. Shown safely. */
    char cause[64], detail[512];
    sp_text_safe(ns->cause, cause, sizeof cause);
    if (ns->detail)
        snprintf(buf, n, "%s .. %s  %s  %s (%s)", a, b, d, cause,
                 sp_text_safe(ns->detail, detail, sizeof detail));
    else
        snprintf(buf, n, "%s .. %s  %s  %s", a, b, d, cause);
}

void sp_report_fmt_jump(const sp_report *r, const sp_report_clock_jump *j, sp_report_lang lang,
                        char *buf, size_t n)
{
    char a[64], d[64];
    double s = (double)j->jump_ms / 1000.0;
    sp_report_fmt_local(r, j->at_ms / 1000, a, sizeof a);
    sp_report_fmt_duration(s, lang, d, sizeof d);
    if (llabs((long long)j->jump_ms) < 500) /* to the second it would read "0m 00s" */
        snprintf(buf, n, "%s  %s %+lld ms", a, sp_report_labels_for(lang)->jumped,
                 (long long)j->jump_ms);
    else
        snprintf(buf, n, "%s  %s %s%s", a, sp_report_labels_for(lang)->jumped, s > 0 ? "+" : "", d);
}

/* One character of s (or one byte that is not UTF-8) as HTML; returns the
 * bytes of s it took. Controls cannot be shown and C0 ones are not even
 * allowed in XML, so they are written as a visible "<U+0001>"; a byte that
 * is not UTF-8 as U+FFFD. Bidi controls are kept where the caller isolates
 * them (keep_bidi), shown like controls where it cannot (attributes). */
static size_t html_char(FILE *fp, const char *s, bool keep_bidi)
{
    uint32_t cp;
    size_t len = sp_text_utf8_next(s, &cp);
    if (cp == SP_TEXT_INVALID)
        fputs("&#xFFFD;", fp);
    else if (sp_text_is_control(cp) || (!keep_bidi && sp_text_is_bidi_control(cp)))
        fprintf(fp, "&lt;U+%04X&gt;", (unsigned)cp);
    else if (cp == '&')
        fputs("&amp;", fp);
    else if (cp == '<')
        fputs("&lt;", fp);
    else if (cp == '>')
        fputs("&gt;", fp);
    else if (cp == '"')
        fputs("&quot;", fp);
    else if (cp == '\'')
        fputs("&#39;", fp);
    else
        fwrite(s, 1, len, fp);
    return len;
}

void sp_report_html_esc(FILE *fp, const char *s)
{
    if (!s)
        return;
    /* Printable ASCII has no right-to-left letter and no bidi control, so
     * it cannot turn the text around it; anything else is isolated. */
    bool isolate = false;
    for (const unsigned char *p = (const unsigned char *)s; *p && !isolate; p++)
        isolate = *p >= 0x80;
    if (isolate)
        fputs("<bdi>", fp);
    while (*s)
        s += html_char(fp, s, isolate);
    if (isolate)
        fputs("</bdi>", fp);
}

void sp_report_html_attr(FILE *fp, const char *s)
{
    while (s && *s)
        s += html_char(fp, s, false);
}

void sp_report_html_elem(FILE *fp, const char *tag, const char *text)
{
    fprintf(fp, "<%s>", tag);
    sp_report_html_esc(fp, text);
    fprintf(fp, "</%.*s>", (int)strcspn(tag, " "), tag);
}

json_t *sp_report_json_time(int64_t t)
{
    char buf[40];
    sp_time_iso_ms(t * 1000, buf, sizeof buf);
    return json_string(buf);
}
