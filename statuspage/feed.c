/*
 * Beside the page, for those who do not open it (SPEC section 13):
 * feed.atom (RFC 4287) with the public services' incidents of the days
 * shown and the maintenance announced for the next 14 days, and per public
 * service badge/<id>.svg (its state now and its availability this month)
 * with the same as a shields.io endpoint (badge/<id>.json). Every text from
 * the configuration is escaped (a service called <script> stays text).
 */
#include "statuspage_int.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/sp_text.h"
#include "common/sp_time.h"
#include "reports/labels.h"

#define FEED_FILE_MODE 0644
#define FEED_DIR_MODE 0755

/* English badges keep their lower-case words; Japanese ones take the
 * page's (sp_statuspage__state_word). */
static const char *const state_words[SP_PAGE_N] = {"available", "performance issues",
                                                   "service disruption", "maintenance", "no data"};
/* shields.io's colours: brightgreen, yellow, red, blue, lightgrey */
static const char *const state_colour[SP_PAGE_N] = {"4c1", "dfb317", "e05d44", "1a73e8", "9f9f9f"};

static FILE *open_out(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "we");
    if (!fp)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    else
        fchmod(fileno(fp), FEED_FILE_MODE);
    return fp;
}

static sp_status close_out(FILE *fp, const char *path, char *err, size_t errlen)
{
    if (fclose(fp) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    return SP_OK;
}

/* XML text: the HTML attribute escaper writes only XML's own references. */
static void x(FILE *fp, const char *s)
{
    sp_report_html_attr(fp, s);
}

static void when(FILE *fp, const char *tag, int64_t unix_s)
{
    char iso[SP_TIME_ISO_LEN];
    sp_time_iso_ms(unix_s * 1000, iso, sizeof iso);
    fprintf(fp, "<%s>%s</%s>", tag, iso, tag);
}

/* A stable entry id: the same incident keeps it across rebuilds. */
static void entry_id(FILE *fp, const char *id, const char *kind, int64_t start)
{
    fputs("<id>tag:slaprobe.status,2026:", fp);
    x(fp, id);
    fprintf(fp, "/%s/%lld</id>", kind, (long long)start);
}

/* An entry's title for an incident: English "ERP: service disruption
 * (tcp_refused)", Japanese "ERP: サービス障害、原因: 接続拒否 (tcp_refused)". */
static void incident_title(FILE *fp, const sp_report_target *t, const sp_sla_incident *in,
                           sp_report_lang lang)
{
    x(fp, t->cfg->name);
    if (lang == SP_LANG_JA) {
        char why[128];
        fprintf(fp, ": %s、原因: ",
                in->open_end ? sp_statuspage__state_word(SP_PAGE_DISRUPTION, lang) : "復旧済み");
        x(fp, sp_report_reason_label(in->reason, lang, why, sizeof why));
    } else {
        const char *why = sp_report_reason_name(in->reason);
        fprintf(fp, ": %s (%s)", in->open_end ? "service disruption" : "resolved",
                why ? why : "unknown cause");
    }
}

/* Its summary: English ISO times, "From A to B."; Japanese local times
 * and the zone, "A から B まで（時刻は Asia/Tokyo、日本時間）". */
static void incident_summary(FILE *fp, const sp_report *r, const sp_sla_incident *in,
                             sp_report_lang lang)
{
    char a[64], b[64], tzw[160];
    if (lang == SP_LANG_JA) {
        sp_report_fmt_local(r, in->start, a, sizeof a);
        sp_report_fmt_local(r, in->end, b, sizeof b);
        fprintf(fp, in->open_end ? "%s から継続中、%s 現在" : "%s から %s まで", a, b);
        fputs("（", fp);
        x(fp, sp_statuspage__tz_words(r, lang, tzw, sizeof tzw));
        fputs("）", fp);
        return;
    }
    sp_time_iso_ms(in->start * 1000, a, sizeof a);
    sp_time_iso_ms(in->end * 1000, b, sizeof b);
    fprintf(fp, "From %s %s %s.", a, in->open_end ? "and still at" : "to", b);
}

sp_status sp_statuspage__write_feed(const sp_report *r, sp_report_lang lang, const char *dir,
                                    char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/feed.atom", dir);
    FILE *fp = open_out(path, err, errlen);
    if (!fp)
        return SP_EIO;
    const sp_cfg *cfg = r->cfg;
    bool ja = lang == SP_LANG_JA;
    const char *title = cfg->status_title ? cfg->status_title
                        : ja              ? "サービス稼働状況"
                                          : "Service status";
    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%s\">\n<title>",
            ja ? "ja" : "en");
    x(fp, title);
    fputs("</title>\n", fp);
    if (cfg->status_url) {
        fputs("<id>", fp);
        x(fp, cfg->status_url);
        fputs("</id>\n<link rel=\"alternate\" href=\"", fp);
        x(fp, cfg->status_url);
        fputs("\"/>\n", fp);
    } else {
        fputs("<id>tag:slaprobe.status,2026:feed</id>\n", fp);
    }
    when(fp, "updated", r->generated);
    fputs("\n<author><name>", fp);
    x(fp, title);
    fputs("</name></author>\n", fp);
    for (size_t i = 0; i < r->n_targets; i++) {
        const sp_report_target *t = &r->targets[i];
        if (!sp_statuspage__shown(t))
            continue;
        for (size_t m = t->window.n_incidents; m-- > 0;) {
            const sp_sla_incident *in = &t->window.incidents[m];
            fputs("<entry>", fp);
            entry_id(fp, t->cfg->id, "incident", in->start);
            fputs("<title>", fp);
            incident_title(fp, t, in, lang);
            fputs("</title>", fp);
            when(fp, "published", in->start);
            when(fp, "updated", in->open_end ? r->generated : in->end);
            fputs("<summary>", fp);
            incident_summary(fp, r, in, lang);
            fputs("</summary></entry>\n", fp);
        }
    }
    for (size_t k = 0; k < cfg->n_posts; k++) {
        const sp_cfg_post *p = &cfg->posts[k];
        const sp_cfg_post_update *last = &p->updates[p->n_updates - 1];
        const char *base = strrchr(p->file, '/');
        fputs("<entry>", fp);
        entry_id(fp, base ? base + 1 : p->file, "post", p->updates[0].at_ms / 1000);
        fputs("<title>", fp);
        x(fp, p->title);
        if (ja)
            fprintf(fp, "（%s）</title>", sp_statuspage__post_status_word(last->status, lang));
        else
            fprintf(fp, " (%s)</title>", sp_cfg_post_status_names[last->status]);
        when(fp, "published", p->updates[0].at_ms / 1000);
        when(fp, "updated", last->at_ms / 1000);
        fputs("<summary>", fp);
        x(fp, last->text);
        fputs("</summary></entry>\n", fp);
    }
    sp_page_planned *pl;
    size_t n_pl;
    if (!sp_statuspage__upcoming(r, &pl, &n_pl)) {
        fclose(fp);
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    for (size_t k = 0; k < n_pl; k++) {
        int64_t s = pl[k].w->start_ms / 1000, e = pl[k].w->end_ms / 1000;
        char a[64], b[64];
        fputs("<entry>", fp);
        entry_id(fp, pl[k].t->id, "maintenance", s);
        fputs("<title>", fp);
        x(fp, pl[k].t->name);
        if (ja) { /* local times, as on the page */
            sp_report_fmt_local(r, s, a, sizeof a);
            sp_report_fmt_local(r, e, b, sizeof b);
            fprintf(fp, ": %s %s 〜 %s</title>",
                    sp_statuspage__state_word(SP_PAGE_MAINTENANCE, lang), a, b);
        } else {
            sp_time_iso_ms(s * 1000, a, sizeof a);
            sp_time_iso_ms(e * 1000, b, sizeof b);
            fprintf(fp, ": maintenance %s to %s</title>", a, b);
        }
        when(fp, "updated", r->generated);
        fputs("<summary>", fp);
        x(fp, pl[k].w->reason ? pl[k].w->reason
              : ja            ? "予定されているメンテナンス"
                              : "planned maintenance");
        fputs("</summary></entry>\n", fp);
    }
    free(pl);
    fputs("</feed>\n", fp);
    return close_out(fp, path, err, errlen);
}

/* Roughly what Verdana at 11 px takes: badges need no exact width, only
 * one that does not cut the text (a wide character counts double). */
static int text_px(const char *s)
{
    int px = 0;
    while (*s) {
        uint32_t cp;
        s += sp_text_utf8_next(s, &cp);
        px += cp < 0x80 ? 7 : 13;
    }
    return px + 10;
}

static sp_status one_badge(const sp_report *r, const sp_report_target *t, sp_report_lang lang,
                           const char *bdir, char *err, size_t errlen)
{
    sp_page_state s = sp_statuspage__current(r, t);
    char msg[96], path[4200];
    const char *word = lang == SP_LANG_JA ? sp_statuspage__state_word(s, lang) : state_words[s];
    if (isnan(t->sla.availability_pct))
        snprintf(msg, sizeof msg, "%s", word);
    else
        snprintf(msg, sizeof msg, "%s | %.2f %%", word, t->sla.availability_pct);
    const char *label = t->cfg->name;
    int lw = text_px(label), mw = text_px(msg);
    snprintf(path, sizeof path, "%s/%s.svg", bdir, t->cfg->id);
    FILE *fp = open_out(path, err, errlen);
    if (!fp)
        return SP_EIO;
    fprintf(fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" role=\"img\" "
            "aria-label=\"",
            lw + mw);
    x(fp, label);
    fputs(": ", fp);
    x(fp, msg);
    fputs("\"><title>", fp);
    x(fp, label);
    fputs(": ", fp);
    x(fp, msg);
    fprintf(fp,
            "</title><rect width=\"%d\" height=\"20\" fill=\"#555\"/><rect x=\"%d\" width=\"%d\" "
            "height=\"20\" fill=\"#%s\"/><g fill=\"#fff\" text-anchor=\"middle\" "
            "font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\"><text x=\"%d\" "
            "y=\"14\">",
            lw, lw, mw, state_colour[s], lw / 2);
    x(fp, label);
    fprintf(fp, "</text><text x=\"%d\" y=\"14\">", lw + mw / 2);
    x(fp, msg);
    fputs("</text></g></svg>\n", fp);
    sp_status st = close_out(fp, path, err, errlen);
    if (st != SP_OK)
        return st;
    /* https://shields.io/badges/endpoint-badge */
    snprintf(path, sizeof path, "%s/%s.json", bdir, t->cfg->id);
    json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "schemaVersion", 1, "label", label, "message",
                          msg, "color", state_colour[s]);
    int rc = o ? json_dump_file(o, path, JSON_COMPACT) : -1;
    json_decref(o);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return SP_EIO;
    }
    chmod(path, FEED_FILE_MODE);
    return SP_OK;
}

sp_status sp_statuspage__write_badges(const sp_report *r, sp_report_lang lang, const char *dir,
                                      char *err, size_t errlen)
{
    char bdir[4096];
    snprintf(bdir, sizeof bdir, "%s/badge", dir);
    if ((mkdir(bdir, FEED_DIR_MODE) != 0 && errno != EEXIST) || chmod(bdir, FEED_DIR_MODE) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", bdir, strerror(errno));
        return SP_EIO;
    }
    for (size_t i = 0; i < r->n_targets; i++) {
        if (!sp_statuspage__shown(&r->targets[i]))
            continue;
        sp_status st = one_badge(r, &r->targets[i], lang, bdir, err, errlen);
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}
