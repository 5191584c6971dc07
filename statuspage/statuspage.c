/*
 * The status page: rendering (HTML and JSON) and atomic publishing. See
 * statuspage.h. Every text from configuration or files is escaped: a
 * service called "<script>" is shown as text.
 */
#include "statuspage.h"
#include "statuspage_int.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include <jansson.h>

#include "common/sp_grow.h"
#include "common/sp_state.h"
#include "common/sp_time.h"
#include "evidence/evidence.h"
#include "probe/result_json.h"
#include "reports/labels.h"

/* The page is public (a web server serves it): readable by all whatever
 * the umask (the unit sets 0027 for the daemon's own files). */
#define PAGE_DIR_MODE 0755
#define PAGE_FILE_MODE 0644

/* --- Words ---------------------------------------------------------------- */

typedef struct words {
    const char *lang, *title, *generated, *current, *service, *state, *since, *this_month, *target,
        *days, *date, *checks, *avg_rt, *legend, *incidents, *none, *start, *end, *duration,
        *reason, *ongoing, *other_lang, *other_href, *met, *at_risk, *no_data_yet, *tz,
        *jst; /* after "Asia/Tokyo" (ja only) */
    const char *partial, *of, *vantages_down;
    const char *upcoming, *none_planned, *maint_what; /* the maintenance table's last column */
    const char *posts, *post_status[SP_CFG_POST_STATUSES];
    const char *state_name[SP_PAGE_N];
    const char *banner[SP_PAGE_N]; /* the page's one line, from the overall state */
} words;

static const words en = {
    .lang = "en",
    .title = "Service status",
    .generated = "Updated",
    .current = "Current status",
    .service = "Service",
    .state = "Status",
    .since = "since",
    .this_month = "Availability this month",
    .target = "target",
    .days = "Last days",
    .date = "Date",
    .checks = "Checks run",
    .avg_rt = "Average response",
    .legend = "Legend",
    .incidents = "Recent incidents",
    .upcoming = "Upcoming maintenance",
    .posts = "Incident reports",
    .post_status = {"Investigating", "Identified", "Monitoring", "Resolved"},
    .none_planned = "No maintenance planned in the next 14 days.",
    .maint_what = "Cause",
    .none = "No incidents.",
    .start = "Start",
    .end = "End",
    .duration = "Duration",
    .reason = "Cause",
    .ongoing = "ongoing",
    .other_lang = "日本語",
    .other_href = "index.ja.html",
    .met = "on target",
    .at_risk = "below target",
    .no_data_yet = "no data",
    .tz = "Times are in",
    .partial = "partial",
    .of = "of",
    .vantages_down = "vantages see it down",
    .state_name = {"Available", "Performance issues", "Service disruption", "Maintenance",
                   "No data"},
    .banner = {"All systems operational", "Some services have performance issues",
               "Some services are disrupted", "Maintenance in progress", "No measurements yet"},
};

static const words ja = {
    .lang = "ja",
    .title = "サービス稼働状況",
    .generated = "最終更新",
    .current = "現在の状況",
    .service = "サービス",
    .state = "状況",
    .since = "から",
    .this_month = "今月の稼働率",
    .target = "目標",
    .days = "日別の状況",
    .date = "日付",
    .checks = "監視回数",
    .avg_rt = "平均応答時間",
    .legend = "凡例",
    .incidents = "最近の障害",
    .upcoming = "予定されているメンテナンス", /* the page's word, as in its states */
    .posts = "障害情報",
    .post_status = {"調査中", "原因特定済み", "経過観察中", "解決済み"},
    .none_planned = "今後14日間に予定されているメンテナンスはありません。",
    .maint_what = "内容", /* a maintenance has a purpose, not a cause */
    .none = "この期間の障害はありません。",
    .start = "開始",
    .end = "終了",
    .duration = "継続時間",
    .reason = "原因",
    .ongoing = "継続中",
    .other_lang = "English",
    .other_href = "index.html",
    .met = "達成", /* after "目標 99.5 %" */
    .at_risk = "未達",
    .no_data_yet = "データなし",
    .tz = "時刻は",
    .jst = "日本時間",
    .partial = "一部",
    .of = "/",
    .vantages_down = "拠点で停止を観測",
    .state_name = {"正常稼働", "性能低下", "サービス障害", "メンテナンス", "データなし"},
    .banner = {"すべてのサービスが正常に稼働しています", "一部のサービスで性能が低下しています",
               "一部のサービスで障害が発生しています", "メンテナンスを実施しています",
               "まだ測定データがありません"},
};

const char *sp_statuspage__state_word(sp_page_state s, sp_report_lang lang)
{
    return (lang == SP_LANG_JA ? &ja : &en)->state_name[s];
}

const char *sp_statuspage__post_status_word(int status, sp_report_lang lang)
{
    return (lang == SP_LANG_JA ? &ja : &en)->post_status[status];
}

const char *sp_statuspage__tz_words(const sp_report *r, sp_report_lang lang, char *buf, size_t n)
{
    const words *w = lang == SP_LANG_JA ? &ja : &en;
    if (w->jst && strcmp(r->cfg->timezone, "Asia/Tokyo") == 0)
        snprintf(buf, n, "%s %s、%s", w->tz, r->cfg->timezone, w->jst);
    else
        snprintf(buf, n, "%s %s", w->tz, r->cfg->timezone);
    return buf;
}

/* The page shows only public targets: control targets (measurement aids)
 * and those with `public: false` stay off the page, status.json, and
 * every sum over services. */
bool sp_statuspage__shown(const sp_report_target *t)
{
    return t->cfg->is_public;
}

/* An icon beside each text label, so the state never rests on colour. */
static const char *const icon[SP_PAGE_N] = {"&#10004;", "&#9888;", "&#10006;", "&#9881;",
                                            "&#8212;"};

sp_page_state sp_statuspage_day_state(const sp_sla_result *d)
{
    if (d->downtime_s > 0)
        return SP_PAGE_DISRUPTION;
    if (d->maintenance_s > 0)
        return SP_PAGE_MAINTENANCE;
    if (d->no_data)
        return SP_PAGE_NO_DATA;
    if (d->degraded_s > 0)
        return SP_PAGE_PERFORMANCE;
    return SP_PAGE_AVAILABLE;
}

const char *sp_statuspage_state_code(sp_page_state s)
{
    static const char *const code[SP_PAGE_N] = {"available", "performance_issues",
                                                "service_disruption", "maintenance", "no_data"};
    return code[s];
}

/* The state shown as "current": the timeline's end, or maintenance when an
 * announced window covers now. */
sp_page_state sp_statuspage__current(const sp_report *r, const sp_report_target *t)
{
    for (size_t k = 0; k < t->cfg->n_maintenance; k++)
        if (t->cfg->maintenance[k].start_ms / 1000 <= r->until &&
            r->until < t->cfg->maintenance[k].end_ms / 1000)
            return SP_PAGE_MAINTENANCE;
    if (t->state == SP_STATE_DOWN)
        return SP_PAGE_DISRUPTION;
    if (t->state == SP_STATE_UNKNOWN)
        return SP_PAGE_NO_DATA;
    return SP_PAGE_AVAILABLE;
}

/* The page's overall state, from its public services' current states: the
 * worst of disruption, performance issues and maintenance; available when
 * every service that has data is; no data only when none has. */
static bool same_group(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The worst current state of the public targets that match: the worst of
 * disruption, performance issues and maintenance; available when every one
 * that has data is; no data only when none has. all: every public target,
 * whatever its group. */
static sp_page_state worst_state(const sp_report *r, bool all, const char *group)
{
    static const int rank[SP_PAGE_N] = {
        [SP_PAGE_NO_DATA] = 0,     [SP_PAGE_AVAILABLE] = 1,  [SP_PAGE_MAINTENANCE] = 2,
        [SP_PAGE_PERFORMANCE] = 3, [SP_PAGE_DISRUPTION] = 4,
    };
    sp_page_state worst = SP_PAGE_NO_DATA;
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        if (!sp_statuspage__shown(t) || (!all && !same_group(t->cfg->group, group)))
            continue;
        sp_page_state s = sp_statuspage__current(r, t);
        if (rank[s] > rank[worst])
            worst = s;
    }
    return worst;
}

sp_page_state sp_statuspage__overall(const sp_report *r)
{
    return worst_state(r, true, NULL);
}

sp_page_state sp_statuspage__group_state(const sp_report *r, const char *group)
{
    return worst_state(r, false, group);
}

size_t sp_statuspage__order(const sp_report *r, size_t *order)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        if (!sp_statuspage__shown(t))
            continue;
        bool placed = false; /* its group came earlier: it was gathered there */
        for (size_t k = 0; t->cfg->group && k < i && !placed; k++)
            placed = sp_statuspage__shown(&r->targets[k]) &&
                     same_group(r->targets[k].cfg->group, t->cfg->group);
        if (placed)
            continue;
        order[n++] = i;
        for (size_t j = i + 1; t->cfg->group && j < r->n_targets; j++)
            if (sp_statuspage__shown(&r->targets[j]) &&
                same_group(r->targets[j].cfg->group, t->cfg->group))
                order[n++] = j;
    }
    return n;
}

/* Maintenance announced in the configuration that is under way or starts
 * within the next 14 days, of the public services, by start. */
#define UPCOMING_S (14 * 86400)

static int cmp_planned(const void *a, const void *b)
{
    int64_t x = ((const sp_page_planned *)a)->w->start_ms,
            y = ((const sp_page_planned *)b)->w->start_ms;
    return (x > y) - (x < y);
}

/* *out malloc'ed (NULL when none), *n its length; false: no memory. */
bool sp_statuspage__upcoming(const sp_report *r, sp_page_planned **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int64_t now_ms = r->until * 1000, horizon_ms = (r->until + UPCOMING_S) * 1000;
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        if (!sp_statuspage__shown(t))
            continue;
        for (size_t k = 0; k < t->cfg->n_maintenance; k++) {
            const sp_cfg_window *w = &t->cfg->maintenance[k];
            if (w->end_ms <= now_ms || w->start_ms >= horizon_ms)
                continue;
            if (sp_grow((void **)out, &cap, *n + 1, sizeof **out) != SP_OK) {
                free(*out);
                *out = NULL;
                *n = 0;
                return false;
            }
            (*out)[(*n)++] = (sp_page_planned){t->cfg, w};
        }
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_planned);
    return true;
}

/* --- HTML ----------------------------------------------------------------- */

static void local(FILE *fp, const sp_report *r, int64_t t)
{
    char b[64];
    sp_report_fmt_local(r, t, b, sizeof b);
    sp_report_html_esc(fp, b);
}

static void badge(FILE *fp, const words *w, sp_page_state s)
{
    fprintf(fp, "<span class=\"st %s\"><span class=\"icon\" aria-hidden=\"true\">%s</span> ",
            sp_statuspage_state_code(s), icon[s]);
    sp_report_html_esc(fp, w->state_name[s]);
    fputs("</span>", fp);
}

/* A header row: <tr><th>..</th>...; the row is left open when more
 * headers follow. */
static void heads(FILE *fp, const char *const *labels, size_t n, bool close)
{
    fputs("<tr>", fp);
    for (size_t i = 0; i < n; i++)
        sp_report_html_elem(fp, "th", labels[i]);
    if (close)
        fputs("</tr>\n", fp);
}

/* Per day over all services: checks run and the mean of the averages. */
static void day_totals(const sp_report *r, size_t k, long *checks, double *avg)
{
    double sum = 0;
    int n = 0;
    *checks = 0;
    for (size_t i = 0; i < r->n_targets; i++) {
        if (!sp_statuspage__shown(&r->targets[i]))
            continue;
        const sp_report_day *d = &r->targets[i].days[k];
        *checks += d->checks;
        if (d->sla.rt_n) {
            sum += d->sla.rt_avg_ms;
            n++;
        }
    }
    *avg = n ? sum / n : NAN;
}

static sp_status write_html(const sp_report *r, const words *w, bool both, const char *path,
                            char *err, size_t errlen)
{
    size_t *ord = malloc(sizeof *ord * (r->n_targets ? r->n_targets : 1));
    if (!ord) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    size_t n_ord = sp_statuspage__order(r, ord);
    FILE *fp = fopen(path, "we");
    if (!fp) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(ord);
        return SP_EIO;
    }
    fchmod(fileno(fp), PAGE_FILE_MODE);
    sp_report_lang lg = w == &ja ? SP_LANG_JA : SP_LANG_EN;
    fprintf(fp,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
            "<title>",
            w->lang);
    sp_report_html_attr(fp, r->cfg->status_title ? r->cfg->status_title : w->title);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1.5em auto;max-width:70em;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0 1.5em}"
          "td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}"
          "th{background:#f4f4f4}td.n{text-align:right}"
          ".st{white-space:nowrap;padding:.1em .4em;border-radius:.3em}"
          ".available{background:#e3f4e1;color:#1d5c1a}"
          ".performance_issues{background:#fff3cd;color:#6b4e00}"
          ".service_disruption{background:#f8d7da;color:#7a1420}"
          ".maintenance{background:#dde9f8;color:#1a3d6b}"
          ".no_data{background:#eee;color:#555}"
          "nav{float:right}header img{vertical-align:middle;margin-right:.5em}"
          "header h1{display:inline;vertical-align:middle}"
          "#banner{display:block;font-size:1.25em;padding:.6em 1em;margin:1em 0}"
          "tr.group th{text-align:left;background:#fafafa}tr.member "
          "td:first-child{padding-left:1.5em}"
          "footer{margin-top:2em;color:#555;font-size:.9em}"
          /* a wide table scrolls inside its box, never the page: on a phone
           * the 30-day grid of many services stays readable sideways */
          ".wide{overflow-x:auto;max-width:100%}th{white-space:nowrap}"
          "@media (max-width:600px){body{margin:.5em auto;padding:0 .5em}"
          "td,th{padding:.2em .35em}#banner{font-size:1.05em}nav{float:none}}"
          "\n</style>\n</head>\n<body>\n",
          fp);
    if (both) {
        fprintf(fp, "<nav><a href=\"%s\" hreflang=\"%s\">", w->other_href, w == &ja ? "en" : "ja");
        sp_report_html_esc(fp, w->other_lang);
        fputs("</a></nav>\n", fp);
    }
    const sp_cfg *cfg = r->cfg;
    fputs("<header>", fp);
    if (cfg->status_url) {
        fputs("<a href=\"", fp);
        sp_report_html_attr(fp, cfg->status_url);
        fputs("\">", fp);
    }
    if (cfg->status_logo) {
        fputs("<img src=\"", fp);
        sp_report_html_attr(fp, cfg->status_logo);
        fputs("\" alt=\"\" height=\"40\"/>", fp);
    }
    if (cfg->status_url)
        fputs("</a>", fp);
    sp_report_html_elem(fp, "h1", cfg->status_title ? cfg->status_title : w->title);
    fputs("</header>\n", fp);
    sp_page_state all = sp_statuspage__overall(r);
    fprintf(fp,
            "<p id=\"banner\" data-state=\"%s\" class=\"st %s\"><span class=\"icon\" "
            "aria-hidden=\"true\">%s</span> ",
            sp_statuspage_state_code(all), sp_statuspage_state_code(all), icon[all]);
    sp_report_html_esc(fp, w->banner[all]);
    fputs("</p>", fp);
    fputs("\n<p>", fp);
    sp_report_html_esc(fp, w->generated);
    fputs(": ", fp);
    local(fp, r, r->generated);
    /* Japanese: "（時刻は Asia/Tokyo、日本時間）", full-width brackets
     * around Japanese words, and a Japanese reader's name for the zone */
    char tzw[160];
    fputs(lg == SP_LANG_JA ? "（" : " (", fp);
    sp_report_html_esc(fp, sp_statuspage__tz_words(r, lg, tzw, sizeof tzw));
    fputs(lg == SP_LANG_JA ? "）</p>\n" : ")</p>\n", fp);

    /* current status and the month so far */
    sp_report_html_elem(fp, "h2", w->current);
    fputs("\n<div class=\"wide\"><table id=\"current\">\n", fp);
    heads(fp, (const char *[]){w->service, w->state, w->this_month}, 3, true);
    for (size_t o = 0; o < n_ord; o++) {
        const sp_report_target *t = &r->targets[ord[o]];
        /* a group's heading row, with the worst state of its services */
        if (t->cfg->group &&
            (o == 0 || !same_group(r->targets[ord[o - 1]].cfg->group, t->cfg->group))) {
            sp_page_state gs = sp_statuspage__group_state(r, t->cfg->group);
            fputs("<tr class=\"group\" data-group=\"", fp);
            sp_report_html_attr(fp, t->cfg->group);
            fprintf(fp, "\" data-state=\"%s\"><th>", sp_statuspage_state_code(gs));
            sp_report_html_esc(fp, t->cfg->group);
            fputs("</th><td colspan=\"2\">", fp);
            badge(fp, w, gs);
            fputs("</td></tr>\n", fp);
        }
        sp_page_state s = sp_statuspage__current(r, t);
        fprintf(fp, "<tr%s data-service=\"", t->cfg->group ? " class=\"member\"" : "");
        sp_report_html_attr(fp, t->cfg->id);
        fprintf(fp, "\" data-state=\"%s\"><td>", sp_statuspage_state_code(s));
        sp_report_html_esc(fp, t->cfg->name);
        fputs("</td><td>", fp);
        badge(fp, w, s);
        /* several vantages: a DOWN minority is shown, never as the state */
        if (t->partial_down_now) {
            fputs(lg == SP_LANG_JA ? " <span class=\"partial\">（" : " <span class=\"partial\">(",
                  fp);
            sp_report_html_esc(fp, w->partial);
            fprintf(fp, ": %u ", t->partial_down_now);
            sp_report_html_esc(fp, w->of);
            fprintf(fp, " %zu ", t->n_vantages);
            sp_report_html_esc(fp, w->vantages_down);
            fputs(lg == SP_LANG_JA ? "）</span>" : ")</span>", fp);
        }
        if (s != SP_PAGE_NO_DATA && s != SP_PAGE_MAINTENANCE) {
            fputs(" ", fp);
            if (lg == SP_LANG_JA) {
                local(fp, r, t->state_since);
                fputs(" ", fp);
                sp_report_html_esc(fp, w->since);
            } else {
                sp_report_html_esc(fp, w->since);
                fputs(" ", fp);
                local(fp, r, t->state_since);
            }
        }
        fputs("</td><td>", fp);
        if (t->sla.no_data) {
            sp_report_html_esc(fp, w->no_data_yet);
        } else {
            /* Japanese: full-width brackets and comma around its words */
            bool j = lg == SP_LANG_JA;
            fprintf(fp, "%.3f %%%s", t->sla.availability_pct, j ? "（" : " (");
            sp_report_html_esc(fp, w->target);
            fprintf(fp, " %g %%%s", t->sla.target_pct, j ? "、" : ", ");
            sp_report_html_esc(fp, t->sla.met ? w->met : w->at_risk);
            fputs(j ? "）" : ")", fp);
        }
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div>\n", fp);

    /* the grid: one row a day, newest first */
    sp_report_html_elem(fp, "h2", w->days);
    fputs("\n<div class=\"wide\"><table id=\"days\">\n", fp);
    heads(fp, (const char *[]){w->date, w->checks, w->avg_rt}, 3, false);
    for (size_t o = 0; o < n_ord; o++)
        sp_report_html_elem(fp, "th", r->targets[ord[o]].cfg->name);
    fputs("</tr>\n", fp);
    size_t nd = r->n_targets ? r->targets[0].n_days : 0;
    for (size_t k = nd; k-- > 0;) {
        long checks;
        double avg;
        day_totals(r, k, &checks, &avg);
        const char *date = r->targets[0].days[k].date;
        fprintf(fp, "<tr data-day=\"%s\"><td>%s</td><td class=\"n\">%ld</td><td class=\"n\">", date,
                date, checks);
        if (isnan(avg))
            fputs("&#8211;", fp);
        else
            fprintf(fp, "%.0f ms", avg);
        fputs("</td>", fp);
        for (size_t o = 0; o < n_ord; o++) {
            const sp_report_target *t = &r->targets[ord[o]];
            sp_page_state s = sp_statuspage_day_state(&t->days[k].sla);
            fputs("<td data-service=\"", fp);
            sp_report_html_attr(fp, t->cfg->id);
            fprintf(fp, "\" data-day=\"%s\" data-state=\"%s\">", date, sp_statuspage_state_code(s));
            badge(fp, w, s);
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</table></div>\n", fp);
    sp_report_html_elem(fp, "h3", w->legend);
    fputs("\n<p id=\"legend\">", fp);
    for (int s = 0; s < SP_PAGE_N; s++) {
        badge(fp, w, (sp_page_state)s);
        fputs(" ", fp);
    }
    fputs("</p>\n", fp);

    /* the provider's posts: open ones first, then the resolved, newest
     * first within each */
    const sp_cfg *pc = r->cfg;
    if (pc->n_posts) {
        sp_report_html_elem(fp, "h2", w->posts);
        fputc('\n', fp);
        for (int pass = 0; pass < 2; pass++) {
            for (size_t k = pc->n_posts; k-- > 0;) {
                const sp_cfg_post *p = &pc->posts[k];
                bool open = p->updates[p->n_updates - 1].status != SP_CFG_POST_RESOLVED;
                if (open != (pass == 0))
                    continue;
                fprintf(fp, "<article class=\"post%s\">", open ? " open" : "");
                sp_report_html_elem(fp, "h3", p->title);
                fputs("<p class=\"services\">", fp);
                for (size_t i = 0; i < p->n_services; i++) {
                    const sp_cfg_target *t = sp_cfg_find_target(pc, p->services[i]);
                    if (i)
                        fputs(", ", fp);
                    sp_report_html_esc(fp, t ? t->name : p->services[i]);
                }
                fputs("</p>\n<ul>\n", fp);
                for (size_t u = p->n_updates; u-- > 0;) {
                    const sp_cfg_post_update *up = &p->updates[u];
                    fprintf(fp, "<li data-status=\"%s\"><strong>",
                            sp_cfg_post_status_names[up->status]);
                    sp_report_html_esc(fp, w->post_status[up->status]);
                    fputs("</strong> ", fp);
                    local(fp, r, up->at_ms / 1000);
                    fputs(": ", fp);
                    sp_report_html_esc(fp, up->text);
                    fputs("</li>\n", fp);
                }
                fputs("</ul></article>\n", fp);
            }
        }
    }

    /* maintenance under way or in the next 14 days */
    sp_report_html_elem(fp, "h2", w->upcoming);
    fputc('\n', fp);
    sp_page_planned *pl;
    size_t n_pl;
    if (!sp_statuspage__upcoming(r, &pl, &n_pl)) {
        fclose(fp);
        free(ord);
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    if (!n_pl) {
        sp_report_html_elem(fp, "p", w->none_planned);
        fputc('\n', fp);
    } else {
        fputs("<div class=\"wide\"><table id=\"maintenance\">\n", fp);
        heads(fp, (const char *[]){w->service, w->start, w->end, w->maint_what}, 4, true);
        for (size_t k = 0; k < n_pl; k++) {
            fputs("<tr data-service=\"", fp);
            sp_report_html_attr(fp, pl[k].t->id);
            fputs("\"><td>", fp);
            sp_report_html_esc(fp, pl[k].t->name);
            fputs("</td><td>", fp);
            local(fp, r, pl[k].w->start_ms / 1000);
            fputs("</td><td>", fp);
            local(fp, r, pl[k].w->end_ms / 1000);
            fputs("</td><td>", fp);
            sp_report_html_esc(fp, pl[k].w->reason ? pl[k].w->reason : "");
            fputs("</td></tr>\n", fp);
        }
        fputs("</table></div>\n", fp);
    }
    free(pl);

    /* incidents of the days shown, newest first */
    sp_report_html_elem(fp, "h2", w->incidents);
    fputc('\n', fp);
    /* newest first, from the arithmetic over the whole window, so an
     * incident over midnight is one row with its real start and end */
    int n_inc = 0;
    for (size_t i = 0; i < r->n_targets; i++)
        if (sp_statuspage__shown(&r->targets[i]))
            n_inc += (int)r->targets[i].window.n_incidents;
    if (!n_inc) {
        sp_report_html_elem(fp, "p", w->none);
        fputc('\n', fp);
    } else {
        fputs("<div class=\"wide\"><table id=\"incidents\">\n", fp);
        heads(fp, (const char *[]){w->service, w->start, w->end, w->duration, w->reason}, 5, true);
        for (size_t i = 0; i < r->n_targets; i++) {
            const sp_report_target *t = &r->targets[i];
            if (!sp_statuspage__shown(t))
                continue;
            for (size_t m = t->window.n_incidents; m-- > 0;) {
                const sp_sla_incident *in = &t->window.incidents[m];
                char dur[64];
                sp_report_fmt_duration((double)in->duration_s, lg, dur, sizeof dur);
                fputs("<tr data-service=\"", fp);
                sp_report_html_attr(fp, t->cfg->id);
                fputs("\"><td>", fp);
                sp_report_html_esc(fp, t->cfg->name);
                fputs("</td><td>", fp);
                local(fp, r, in->start);
                fputs("</td><td>", fp);
                if (in->open_end && t->state == SP_STATE_DOWN)
                    sp_report_html_esc(fp, w->ongoing);
                else
                    local(fp, r, in->end);
                fputs("</td><td>", fp);
                sp_report_html_esc(fp, dur);
                fputs("</td><td>", fp);
                char why[128];
                sp_report_html_esc(fp, sp_report_reason_label(in->reason, lg, why, sizeof why));
                fputs("</td></tr>\n", fp);
            }
        }
        fputs("</table></div>\n", fp);
    }
    if (cfg->status_footer) {
        fputs("<footer>", fp);
        sp_report_html_esc(fp, cfg->status_footer);
        fputs("</footer>\n", fp);
    }
    fputs("</body>\n</html>\n", fp);
    free(ord);
    if (fclose(fp) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    return SP_OK;
}

/* --- JSON ----------------------------------------------------------------- */

static json_t *num(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static sp_status write_json(const sp_report *r, const char *path, char *err, size_t errlen)
{
    size_t *ord = malloc(sizeof *ord * (r->n_targets ? r->n_targets : 1));
    if (!ord) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    size_t n_ord = sp_statuspage__order(r, ord);
    json_t *root = json_object(), *services = json_array(), *days = json_array();
    json_object_set_new(root, "generated", sp_report_json_time(r->generated));
    json_object_set_new(root, "timezone", json_string(r->cfg->timezone));
    if (r->cfg->status_title)
        json_object_set_new(root, "title", json_string(r->cfg->status_title));
    if (r->cfg->status_url)
        json_object_set_new(root, "url", json_string(r->cfg->status_url));
    json_object_set_new(
        root, "overall",
        json_pack("{s:s}", "state", sp_statuspage_state_code(sp_statuspage__overall(r))));
    size_t nd = r->n_targets ? r->targets[0].n_days : 0;
    for (size_t k = 0; k < nd; k++) {
        long checks;
        double avg;
        day_totals(r, k, &checks, &avg);
        json_array_append_new(days,
                              json_pack("{s:s, s:I, s:o}", "date", r->targets[0].days[k].date,
                                        "checks", (json_int_t)checks, "avg_response_ms", num(avg)));
    }
    for (size_t oi = 0; oi < n_ord; oi++) {
        const sp_report_target *t = &r->targets[ord[oi]];
        json_t *o = json_object(), *sd = json_array(), *inc = json_array();
        json_object_set_new(o, "id", json_string(t->cfg->id));
        json_object_set_new(o, "name", json_string(t->cfg->name));
        json_object_set_new(o, "group", t->cfg->group ? json_string(t->cfg->group) : json_null());
        sp_page_state s = sp_statuspage__current(r, t);
        json_object_set_new(o, "status", json_string(sp_statuspage_state_code(s)));
        /* several vantages: the status is the quorum's; partial_down is a
         * DOWN minority now (0: none) */
        if (t->n_vantages)
            json_object_set_new(o, "quorum",
                                json_pack("{s:i, s:I, s:i}", "q", (int)t->quorum, "vantages",
                                          (json_int_t)t->n_vantages, "partial_down",
                                          (int)t->partial_down_now));
        json_object_set_new(
            o, "since", s == SP_PAGE_NO_DATA ? json_null() : sp_report_json_time(t->state_since));
        json_object_set_new(
            o, "month",
            json_pack("{s:o, s:f, s:b, s:I, s:I}", "availability_pct", num(t->sla.availability_pct),
                      "target_pct", t->sla.target_pct, "met", t->sla.met, "downtime_s",
                      (json_int_t)t->sla.downtime_s, "unknown_s", (json_int_t)t->sla.unknown_s));
        for (size_t k = 0; k < t->n_days; k++) {
            const sp_report_day *d = &t->days[k];
            json_array_append_new(
                sd, json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:I}", "date", d->date, "status",
                              sp_statuspage_state_code(sp_statuspage_day_state(&d->sla)), "checks",
                              (json_int_t)d->checks, "avg_response_ms",
                              num(d->sla.rt_n ? d->sla.rt_avg_ms : NAN), "downtime_s",
                              (json_int_t)d->sla.downtime_s, "degraded_s",
                              (json_int_t)d->sla.degraded_s, "maintenance_s",
                              (json_int_t)d->sla.maintenance_s));
        }
        for (size_t m = 0; m < t->window.n_incidents; m++) {
            const sp_sla_incident *in = &t->window.incidents[m];
            const char *why = sp_report_reason_name(in->reason);
            json_array_append_new(inc, json_pack("{s:o, s:o, s:I, s:o, s:b}", "start",
                                                 sp_report_json_time(in->start), "end",
                                                 sp_report_json_time(in->end), "duration_s",
                                                 (json_int_t)in->duration_s, "reason",
                                                 why ? json_string(why) : json_null(), "ongoing",
                                                 in->open_end && t->state == SP_STATE_DOWN));
        }
        json_object_set_new(o, "days", sd);
        json_object_set_new(o, "incidents", inc);
        /* the journal's latest signed anchor, published so others hold a copy */
        sp_evidence_checkpoint cp;
        json_t *cj = sp_evidence_last_checkpoint(r->cfg->storage_dir, t->cfg->id, &cp) == SP_OK
                         ? sp_evidence_checkpoint_json(&cp)
                         : NULL;
        json_object_set_new(o, "checkpoint", cj ? cj : json_null());
        json_array_append_new(services, o);
    }
    free(ord);
    json_object_set_new(root, "days", days);
    sp_page_planned *pl;
    size_t n_pl;
    json_t *mt = json_array();
    if (sp_statuspage__upcoming(r, &pl, &n_pl)) {
        for (size_t k = 0; k < n_pl; k++)
            json_array_append_new(mt,
                                  json_pack("{s:s, s:o, s:o, s:s?}", "service", pl[k].t->id,
                                            "start", sp_report_json_time(pl[k].w->start_ms / 1000),
                                            "end", sp_report_json_time(pl[k].w->end_ms / 1000),
                                            "reason", pl[k].w->reason));
        free(pl);
    }
    json_object_set_new(root, "maintenance", mt);
    json_t *posts = json_array();
    for (size_t k = 0; k < r->cfg->n_posts; k++) {
        const sp_cfg_post *p = &r->cfg->posts[k];
        json_t *sv = json_array(), *ups = json_array();
        for (size_t i = 0; i < p->n_services; i++)
            json_array_append_new(sv, json_string(p->services[i]));
        for (size_t u = 0; u < p->n_updates; u++)
            json_array_append_new(ups, json_pack("{s:o, s:s, s:s}", "at",
                                                 sp_report_json_time(p->updates[u].at_ms / 1000),
                                                 "status",
                                                 sp_cfg_post_status_names[p->updates[u].status],
                                                 "text", p->updates[u].text));
        json_array_append_new(
            posts,
            json_pack("{s:s, s:o, s:b, s:o}", "title", p->title, "services", sv, "open",
                      p->updates[p->n_updates - 1].status != SP_CFG_POST_RESOLVED, "updates", ups));
    }
    json_object_set_new(root, "posts", posts);
    json_object_set_new(root, "services", services);
    int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc == 0)
        rc = chmod(path, PAGE_FILE_MODE);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return SP_EIO;
    }
    return SP_OK;
}

sp_status sp_statuspage_render(const sp_report *r, const char *lang, const char *dir, char *err,
                               size_t errlen)
{
    char path[4096];
    sp_status st;
    bool both = strcmp(lang, "both") == 0;
    snprintf(path, sizeof path, "%s/index.html", dir);
    if ((st = write_html(r, strcmp(lang, "ja") == 0 ? &ja : &en, both, path, err, errlen)) != SP_OK)
        return st;
    if (both) {
        snprintf(path, sizeof path, "%s/index.ja.html", dir);
        if ((st = write_html(r, &ja, true, path, err, errlen)) != SP_OK)
            return st;
    }
    snprintf(path, sizeof path, "%s/status.json", dir);
    if ((st = write_json(r, path, err, errlen)) != SP_OK)
        return st;
    /* one feed and one set of badges, in the language of index.html */
    sp_report_lang feed_lang = strcmp(lang, "ja") == 0 ? SP_LANG_JA : SP_LANG_EN;
    if ((st = sp_statuspage__write_feed(r, feed_lang, dir, err, errlen)) != SP_OK)
        return st;
    return sp_statuspage__write_badges(r, feed_lang, dir, err, errlen);
}

/* --- The daemon's live state ------------------------------------------------ */

/* The report's current state comes from settled rows, which trail the
 * probes by up to a step (and the page's rebuild by up to `every`): a
 * confirmed DOWN read "no data" for minutes after its alert had gone out.
 * The daemon therefore writes each target's state machine state to
 * <storage.dir>/status-live.json on every change; a page built while that
 * daemon runs (its pid alive) takes its current states from there. */
sp_status sp_statuspage_write_live(const char *dir, json_t *targets, char *err, size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, SP_STATUSPAGE_LIVE_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    json_t *o = json_pack("{s:i, s:I, s:O}", "pid", (int)getpid(), "t_ms",
                          (json_int_t)sp_time_wall_ms(), "targets", targets);
    if (!o)
        return SP_ENOMEM;
    int rc = json_dump_file(o, tmp, JSON_COMPACT);
    json_decref(o);
    if (rc != 0 || rename(tmp, path) != 0) { /* readers see the old file or the new one */
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return SP_EIO;
    }
    return SP_OK;
}

void sp_statuspage_remove_live(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, SP_STATUSPAGE_LIVE_FILE);
    unlink(path);
}

static void apply_live(const sp_cfg *cfg, sp_report *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", cfg->storage_dir, SP_STATUSPAGE_LIVE_FILE);
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    json_t *pid = json_object_get(o, "pid"), *targets = json_object_get(o, "targets");
    /* a file a killed daemon left behind says nothing about now */
    if (!json_is_integer(pid) || !json_is_object(targets) || json_integer_value(pid) <= 0 ||
        (kill((pid_t)json_integer_value(pid), 0) != 0 && errno != EPERM)) {
        json_decref(o);
        return;
    }
    for (size_t i = 0; i < r->n_targets; i++) {
        sp_report_target *t = &r->targets[i];
        json_t *v = json_object_get(targets, t->cfg->id);
        sp_state s;
        if (!json_is_object(v) ||
            !sp_state_parse(json_string_value(json_object_get(v, "state")), &s))
            continue;
        json_t *since = json_object_get(v, "since_ms");
        t->state = s;
        if (json_is_integer(since) && json_integer_value(since) > 0)
            t->state_since = json_integer_value(since) / 1000;
    }
    json_decref(o);
}

/* --- Publishing ------------------------------------------------------------- */

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        /* files, and one level of directory (badge/); d_type may be
         * unknown on some file systems: a failed unlink is then tried as
         * a directory */
        if (unlink(p) != 0 && (errno == EISDIR || errno == EPERM))
            remove_tree(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Remove generations other than keep and the one DIR pointed at before
 * (a reader may still be fetching from it). */
static void prune(const char *parent, const char *prefix, const char *keep, const char *prev)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    char p[4096];
    size_t n = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, n) != 0 || strcmp(e->d_name, keep) == 0 ||
            (prev && strcmp(e->d_name, prev) == 0))
            continue;
        snprintf(p, sizeof p, "%s/%s", parent, e->d_name);
        remove_tree(p);
    }
    closedir(d);
}

sp_status sp_statuspage_publish(const sp_cfg *cfg, const char *dir, const char *lang, int n_days,
                                int64_t now, char *err, size_t errlen)
{
    sp_status st;
    sp_report *r = NULL;
    char *d1 = strdup(dir), *d2 = strdup(dir);
    char gen_name[512], gen[4096], link_tmp[4096], prev[512] = "";
    struct stat sb;
    if (!d1 || !d2) {
        st = SP_ENOMEM;
        goto out;
    }
    const char *parent = dirname(d1), *base = basename(d2);
    char prefix[300];
    snprintf(prefix, sizeof prefix, ".%s.", base);
    if (lstat(dir, &sb) == 0) {
        if (S_ISLNK(sb.st_mode)) {
            ssize_t n = readlink(dir, prev, sizeof prev - 1);
            prev[n > 0 ? n : 0] = '\0';
        } else if (S_ISDIR(sb.st_mode) && rmdir(dir) == 0) {
            /* an empty directory made by hand: replaced by the link */
        } else {
            snprintf(err, errlen,
                     "%s exists and is not a status page published by slaprobe (a symbolic "
                     "link); move it away or choose another directory",
                     dir);
            st = SP_EEXIST;
            goto out;
        }
    }
    if ((st = sp_report_build_live(cfg, now, n_days, &r, err, errlen)) != SP_OK)
        goto out;
    apply_live(cfg, r);
    snprintf(gen_name, sizeof gen_name, "%s%lld.%ld", prefix, (long long)now, (long)getpid());
    snprintf(gen, sizeof gen, "%s/%s", parent, gen_name);
    if (mkdir(gen, PAGE_DIR_MODE) != 0 || chmod(gen, PAGE_DIR_MODE) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", gen, strerror(errno));
        st = SP_EIO;
        goto out;
    }
    if ((st = sp_statuspage_render(r, lang, gen, err, errlen)) != SP_OK) {
        remove_tree(gen);
        goto out;
    }
    /* The switch: a new link under a temporary name, renamed over DIR. The
     * link is relative, so the tree can be moved or served from a chroot. */
    snprintf(link_tmp, sizeof link_tmp, "%s/%slink.%ld", parent, prefix, (long)getpid());
    unlink(link_tmp);
    if (symlink(gen_name, link_tmp) != 0 || rename(link_tmp, dir) != 0) {
        snprintf(err, errlen, "cannot switch %s to the new page: %s", dir, strerror(errno));
        unlink(link_tmp);
        remove_tree(gen);
        st = SP_EIO;
        goto out;
    }
    prune(parent, prefix, gen_name, prev[0] ? prev : NULL);
out:
    sp_report_destroy(r);
    free(d1);
    free(d2);
    return st;
}
