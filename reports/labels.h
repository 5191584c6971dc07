/*
 * The words of the human-readable reports, in English and Japanese, in one
 * table so the text and HTML renderers cannot drift apart. Machine formats
 * (JSON, CSV) use SPEC's field names and are never translated.
 */
#ifndef SP_REPORT_LABELS_H
#define SP_REPORT_LABELS_H

#include <stdio.h>

#include <jansson.h>

#include "reports/report.h"

typedef struct sp_report_labels {
    const char *title, *period, *timezone, *generated, *partial, *resolution;
    const char *target, *name, *pattern, *sla_target, *availability, *strict, *coverage;
    const char *eligible, *downtime, *unknown, *maintenance, *budget, *budget_left;
    const char *met, *missed, *no_data, *no_data_long;
    const char *incidents, *none, *start, *end, *duration, *counted, *reason;
    const char *notified, *not_notified, *after;
    const char *mttr, *mtbf, *response, *avg, *p95, *by_class, *credit, *no_credit;
    const char *evidence, *journal, *intact, *broken_at, *no_journal;
    const char *clock, *synced, *not_synced, *clock_unknown, *imported;
    const char *storage, *all_stored, *range_not_stored, *ranges_not_stored, *not_stored;
    const char *clock_jumps, *jumped;
    const char *rows, *rows_agree, *rows_disagree, *rows_coarse, *rows_not_checked;
    const char *maint_windows, *graphs_rt, *graphs_av, *summary, *seconds, *hours_unit;
    const char *slow_line, *outage, *unknown_area, *no_rrd;
    /* --- Japanese everywhere (issue 16): words the text report and the
     * status page had in English in both languages --- */
    const char *down_for, *note, *samples, *unknown_reason, *tz_local;
    const char *comma, *semi; /* ", " "; " in English, "、" in Japanese text */
    const char *lp, *rp;      /* " (" ")" in English, "（" "）" around Japanese words */
    /* several vantages (SPEC section 10) */
    const char *quorum, *of, *vantages, *quorum_rule, *vantage, *lag, *no_file, *since;
    const char *partial_periods, *partial_note, *at_most_down;
    /* the one-file HTML report: headline, details, graphs and their legends */
    const char *details, *graphs, *target_short;
    const char *band_up, *band_down, *band_unknown, *band_maintenance, *band_outside, *band_control;
    const char *line_availability, *line_response, *above_scale, *axis_pct, *axis_ms;
    const char *rows_lines_checked, *verdict, *reason_unknown, *state_down;
} sp_report_labels;

const sp_report_labels *sp_report_labels_for(sp_report_lang lang);

/* The stable code of an incident's reason, or NULL when no reason is
 * known (imported history, or no journal): never shown as "ok". For JSON;
 * people read sp_report_reason_label. */
const char *sp_report_reason_name(sp_reason r);
/* The name of a downtime class; "unknown" for downtime of unknown cause.
 * For JSON; people read sp_report_class_label. */
const char *sp_report_class_name(int cls);

/* A reason for people, into buf (returned): English, its stable code
 * ("tcp_refused", as before); Japanese, a short name with the code after
 * it, so the code can still be looked up ("接続拒否 (tcp_refused)").
 * No reason known (SP_REASON_OK, see sp_report_reason_name): "?" / "不明". */
const char *sp_report_reason_label(sp_reason r, sp_report_lang lang, char *buf, size_t n);
/* The Japanese name of a reason without its code ("接続拒否"); NULL for
 * SP_REASON_OK and out-of-range values. Static storage. */
const char *sp_report_reason_ja(sp_reason r);
/* A downtime class for people: English the JSON name ("network",
 * "unknown"), Japanese "ネットワーク", "原因不明". Static storage. */
const char *sp_report_class_label(int cls, sp_report_lang lang);

/* "3h 05m 07s" / "3時間05分07秒" style duration for people. */
void sp_report_fmt_duration(double s, sp_report_lang lang, char *buf, size_t n);
/* The same in at most two units, for tables and legends where width
 * counts: "2d 03h", "4h 45m", "12m 30s", "45s" / "2日03時間", "4時間45分",
 * "12分30秒", "45秒" (the exact seconds are given elsewhere). */
void sp_report_fmt_duration_short(double s, sp_report_lang lang, char *buf, size_t n);

/* Local time "2026-11-07 01:00" of Unix time t in the report's timezone. */
void sp_report_fmt_local(const sp_report *r, int64_t t, char *buf, size_t n);

/* The evidence on storage, for people (text and HTML say the same):
 * "every measured step stored" or "2 ranges not stored (5m 00s)"; one
 * range not stored: "2026-11-03 10:00:00 .. 2026-11-03 10:05:00  5m 00s
 * ENOSPC (No space left on device: ...)"; one clock jump:
 * "2026-11-03 11:00:00  clock jumped +1h 00m 00s". Truncated to n. */
void sp_report_fmt_storage(const sp_report_target *t, sp_report_lang lang, char *buf, size_t n);
/* The rows check for people (text and HTML say the same): "RRD and
 * journal agree (12 rows lines checked)" or "RRD and journal DISAGREE: 1
 * rows line differs, 0 steps uncovered, 1 step contradicts the journal",
 * with what could not be checked (lines beyond the one-step archive; the
 * part read from a consolidated archive). Truncated to n. */
void sp_report_fmt_rows(const sp_report *r, const sp_report_target *t, sp_report_lang lang,
                        char *buf, size_t n);
void sp_report_fmt_not_stored(const sp_report *r, const sp_report_not_stored *ns,
                              sp_report_lang lang, char *buf, size_t n);
void sp_report_fmt_jump(const sp_report *r, const sp_report_clock_jump *j, sp_report_lang lang,
                        char *buf, size_t n);

/* The one HTML writer of every text slaprobe puts in a page (reports and
 * the status page), so no call site can forget a rule:
 *
 * sp_report_html_esc: element content. & < > " ' are escaped; controls
 * are shown as "<U+0001>" and bytes that are not UTF-8 as U+FFFD; and a
 * string that is not plain ASCII is wrapped in <bdi>, so a right-to-left
 * name or a U+202E (RIGHT-TO-LEFT OVERRIDE) in it cannot reorder the text
 * after it. NULL writes nothing.
 *
 * sp_report_html_attr: attribute values and <title>, where no element can
 * go: the same escaping, and bidi controls shown as "<U+202E>" too. */
void sp_report_html_esc(FILE *fp, const char *s);
void sp_report_html_attr(FILE *fp, const char *s);

/* <tag>text</tag> with text escaped; tag may carry attributes ("th class=\"l\""):
 * the closing tag is its first word. */
void sp_report_html_elem(FILE *fp, const char *tag, const char *text);

/* Unix seconds as the JSON timestamp of reports ("2026-11-01T00:00:00.000Z"). */
json_t *sp_report_json_time(int64_t t);

#endif
