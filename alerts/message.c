/*
 * What an alert says, built without a clock or I/O so it is tested on its
 * own: the webhook's JSON, the mail (headers and a plain-text body in
 * English or Japanese) and the environment of an exec channel. The same
 * facts go everywhere, under the same names.
 */
#include "sp_alert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sp_grow.h"
#include "common/sp_time.h"

static const char *const kind_names[] = {"down", "up", "cert_expiring", "tls_grade_drop"};

const char *sp_alert_kind_name(sp_alert_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

unsigned sp_alert_kind_bit(sp_alert_kind k)
{
    return 1u << (unsigned)k; /* the order of SP_CFG_ALERT_ON_* */
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

char *sp_alert_report_link(const char *report_url, const char *target)
{
    if (!report_url)
        return NULL;
    const char *at = strstr(report_url, "{target}");
    if (!at)
        return strdup(report_url);
    size_t n = strlen(report_url) - 8 + strlen(target) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s%s%s", (int)(at - report_url), report_url, target, at + 8);
    return out;
}

/* --- JSON ----------------------------------------------------------------- */

json_t *sp_alert_payload(const sp_alert_event *ev, const char *link)
{
    char since[40], detected[40];
    sp_time_iso_ms(ev->since_ms, since, sizeof since);
    sp_time_iso_ms(ev->detected_ms, detected, sizeof detected);
    json_t *j = json_object();
    json_object_set_new(j, "source", json_string("slaprobe"));
    json_object_set_new(j, "event", json_string(sp_alert_kind_name(ev->kind)));
    json_object_set_new(j, "target", json_string(nz(ev->target)));
    json_object_set_new(j, "name", json_string(nz(ev->name)));
    json_object_set_new(j, "url", json_string(nz(ev->url)));
    json_object_set_new(j, "state", json_string(nz(ev->state)));
    json_object_set_new(j, "reason", json_string(nz(ev->reason)));
    json_object_set_new(j, "detail", json_string(nz(ev->detail)));
    json_object_set_new(j, "since", json_string(since));
    json_object_set_new(j, "since_ms", json_integer(ev->since_ms));
    json_object_set_new(j, "detected", json_string(detected));
    json_object_set_new(j, "detected_ms", json_integer(ev->detected_ms));
    if (ev->kind == SP_ALERT_UP) {
        char down[40];
        sp_time_iso_ms(ev->down_since_ms, down, sizeof down);
        json_object_set_new(j, "down_since", json_string(down));
        json_object_set_new(j, "down_since_ms", json_integer(ev->down_since_ms));
        json_object_set_new(j, "duration_s", json_real(ev->duration_s));
    }
    if (ev->kind == SP_ALERT_CERT_EXPIRING)
        json_object_set_new(j, "cert_days_left", json_integer(ev->days_left));
    if (ev->kind == SP_ALERT_TLS_GRADE_DROP) {
        json_object_set_new(j, "grade", json_string(nz(ev->grade)));
        json_object_set_new(j, "previous_grade", json_string(nz(ev->previous_grade)));
    }
    json_object_set_new(j, "report", link ? json_string(link) : json_null());
    json_t *cp = ev->checkpoint ? sp_evidence_checkpoint_json(ev->checkpoint) : NULL;
    json_object_set_new(j, "checkpoint", cp ? cp : json_null());
    return j;
}

/* --- Mail ----------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

/* Append printf-style; the first attempt measures when the piece does not
 * fit, the second writes it after sp_grow has made room. Once out of
 * memory, every later put is a no-op and the mail is dropped. */
static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (int pass = 0; pass < 2 && !b->oom; pass++) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (sp_grow((void **)&b->p, &b->cap, b->len + (size_t)n + 1, 1) != SP_OK)
            b->oom = true;
    }
}

/* Header values must stay on one line whatever a server put in a detail. */
static void put_oneline(buf *b, const char *s)
{
    for (; *s; s++)
        put(b, "%c", (*s == '\r' || *s == '\n') ? ' ' : *s);
}

/* RFC 2047 encoded-word (UTF-8, base64) for a non-ASCII subject. */
static void put_encoded_word(buf *b, const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    put(b, "=?UTF-8?B?");
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) |
                     (i + 2 < n ? u[i + 2] : 0);
        put(b, "%c%c%c%c", tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
            i + 2 < n ? tab[v & 63] : '=');
    }
    put(b, "?=");
}

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Every body line, CRLF-terminated; a bare LF in a detail becomes a space
 * so a line beginning with "." cannot end the DATA phase early (libcurl
 * escapes dots too, this keeps the body tidy). */
static void put_line(buf *b, const char *label, const char *value)
{
    put(b, "%s", label);
    put_oneline(b, value);
    put(b, "\r\n");
}

static void format_duration(double s, char *out, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%ldh %02ldm %02lds", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60)
        snprintf(out, n, "%ldm %02lds", t / 60, t % 60);
    else
        snprintf(out, n, "%.1f s", s);
}

static void rfc5322_date(int64_t ms, char *out, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The event in one line, as a mail's subject says it after "[slaprobe] ":
 * "DOWN: Web shop (tcp_refused)", "RECOVERED: Web shop after 4m 05s". */
static void headline(const sp_alert_event *ev, bool ja, char *out, size_t n)
{
    const char *name = ev->name && *ev->name ? ev->name : nz(ev->target);
    char dur[64];
    format_duration(ev->duration_s, dur, sizeof dur);
    switch (ev->kind) {
    case SP_ALERT_DOWN:
        snprintf(out, n, ja ? "停止: %s (%s)" : "DOWN: %s (%s)", name, nz(ev->reason));
        break;
    case SP_ALERT_UP:
        snprintf(out, n, ja ? "復旧: %s (停止時間 %s)" : "RECOVERED: %s after %s", name, dur);
        break;
    case SP_ALERT_CERT_EXPIRING:
        snprintf(out, n,
                 ja ? "証明書の有効期限まで残り %d 日: %s" : "Certificate expires in %d days: %s",
                 ev->days_left, name);
        break;
    default:
        snprintf(out, n, ja ? "TLS 評価の低下 %s → %s: %s" : "TLS grade dropped %s -> %s: %s",
                 nz(ev->previous_grade), nz(ev->grade), name);
    }
}

char *sp_alert_mail(const sp_alert_event *ev, const sp_cfg_alert *ch, const char *link,
                    int64_t now_ms)
{
    bool ja = ch->lang && strcmp(ch->lang, "ja") == 0;
    const char *name = ev->name && *ev->name ? ev->name : nz(ev->target);
    char subject[512], head[500], dur[64], since[40], detected[40], date[64], n[32];
    sp_time_iso_ms(ev->since_ms, since, sizeof since);
    sp_time_iso_ms(ev->detected_ms, detected, sizeof detected);
    format_duration(ev->duration_s, dur, sizeof dur);
    headline(ev, ja, head, sizeof head);
    snprintf(subject, sizeof subject, "[slaprobe] %s", head);
    buf b = {0};
    rfc5322_date(now_ms, date, sizeof date);
    put(&b, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, ch->from);
    for (size_t i = 0; i < ch->n_to; i++)
        put(&b, "%s<%s>", i ? ", " : "", ch->to[i]);
    put(&b, "\r\nSubject: ");
    if (ascii(subject))
        put_oneline(&b, subject);
    else
        put_encoded_word(&b, subject);
    put(&b, "\r\nMessage-ID: <%lld.%s.%s@slaprobe>\r\n", (long long)now_ms, nz(ev->target),
        sp_alert_kind_name(ev->kind));
    put(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
    put_line(&b, "", head);
    put(&b, "\r\n");
    put_line(&b, ja ? "対象:       " : "Target:     ", nz(ev->target));
    put_line(&b, ja ? "名前:       " : "Name:       ", name);
    put_line(&b, "URL:        ", nz(ev->url));
    put_line(&b, ja ? "イベント:   " : "Event:      ", sp_alert_kind_name(ev->kind));
    put_line(&b, ja ? "状態:       " : "State:      ", nz(ev->state));
    if (ev->reason && *ev->reason)
        put_line(&b, ja ? "理由:       " : "Reason:     ", ev->reason);
    if (ev->detail && *ev->detail)
        put_line(&b, ja ? "詳細:       " : "Detail:     ", ev->detail);
    if (ev->kind == SP_ALERT_UP) {
        char down[40];
        sp_time_iso_ms(ev->down_since_ms, down, sizeof down);
        put_line(&b, ja ? "停止開始:   " : "Down since: ", down);
        put_line(&b, ja ? "復旧:       " : "Up since:   ", since);
        put_line(&b, ja ? "停止時間:   " : "Outage:     ", dur);
    } else {
        put_line(&b, ja ? "発生:       " : "Since:      ", since);
    }
    put_line(&b, ja ? "検知:       " : "Detected:   ", detected);
    if (ev->kind == SP_ALERT_CERT_EXPIRING) {
        snprintf(n, sizeof n, "%d", ev->days_left);
        put_line(&b, ja ? "残り日数:   " : "Days left:  ", n);
    }
    if (ev->kind == SP_ALERT_TLS_GRADE_DROP) {
        char g[64];
        snprintf(g, sizeof g, "%s -> %s", nz(ev->previous_grade), nz(ev->grade));
        put_line(&b, ja ? "TLS 評価:   " : "TLS grade:  ", g);
    }
    if (link)
        put_line(&b, ja ? "レポート:   " : "Report:     ", link);
    if (ev->checkpoint) { /* the journal's anchor: a copy outside the vendor's disk */
        char cp[256], t[40];
        sp_time_iso_ms(ev->checkpoint->t_ms, t, sizeof t);
        snprintf(cp, sizeof cp,
                 ja ? "行 %lld sha256 %s (%s, 鍵 %s)" : "line %lld sha256 %s (%s, key %s)",
                 ev->checkpoint->seq, ev->checkpoint->line_sha256, t, ev->checkpoint->key_id);
        put_line(&b, ja ? "署名済み記録: " : "Checkpoint: ", cp);
    }
    put(&b, "\r\n-- \r\n%s\r\n",
        ja ? "slaprobe (SLA 監視) からの自動送信です。" : "Sent by slaprobe (SLA probe).");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* --- Chat ------------------------------------------------------------------ */

typedef struct fact {
    const char *name, *value;
} fact;

/* What a chat message says below its headline, as name/value pairs; the
 * values that are built live in store. The same facts as the mail. */
static size_t chat_facts(const sp_alert_event *ev, bool ja, char store[6][320], fact *f)
{
    size_t n = 0;
    f[n++] = (fact){ja ? "対象" : "Target", nz(ev->target)};
    if (ev->reason && *ev->reason) {
        snprintf(store[0], sizeof store[0], "%s%s%.240s", ev->reason,
                 ev->detail && *ev->detail ? ": " : "", nz(ev->detail));
        f[n++] = (fact){ja ? "理由" : "Reason", store[0]};
    }
    sp_time_iso_ms(ev->kind == SP_ALERT_UP ? ev->down_since_ms : ev->since_ms, store[1],
                   sizeof store[1]);
    f[n++] =
        (fact){ev->kind == SP_ALERT_UP ? (ja ? "停止開始" : "Down since") : (ja ? "発生" : "Since"),
               store[1]};
    if (ev->kind == SP_ALERT_UP) {
        format_duration(ev->duration_s, store[2], sizeof store[2]);
        f[n++] = (fact){ja ? "停止時間" : "Outage", store[2]};
    }
    sp_time_iso_ms(ev->detected_ms, store[3], sizeof store[3]);
    f[n++] = (fact){ja ? "検知" : "Detected", store[3]};
    if (ev->kind == SP_ALERT_TLS_GRADE_DROP) {
        snprintf(store[4], sizeof store[4], "%s -> %s", nz(ev->previous_grade), nz(ev->grade));
        f[n++] = (fact){ja ? "TLS 評価" : "TLS grade", store[4]};
    }
    return n;
}

/* Slack's mrkdwn gives &, < and > meaning ("<!channel>" notifies a whole
 * channel): a name or a server's detail must not, so they are escaped as
 * Slack documents. */
static void put_slack(buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            put(b, "&amp;");
        else if (*s == '<')
            put(b, "&lt;");
        else if (*s == '>')
            put(b, "&gt;");
        else
            put(b, "%c", *s);
    }
}

/* The message as text: the headline, a line per fact, the report link. */
static char *chat_text(const sp_alert_event *ev, bool ja, bool slack, const char *link)
{
    char head[500], store[6][320];
    fact f[8];
    headline(ev, ja, head, sizeof head);
    size_t n = chat_facts(ev, ja, store, f);
    buf b = {0};
    put(&b, "%s", slack ? "*" : "");
    slack ? put_slack(&b, head) : put(&b, "%s", head);
    put(&b, "%s", slack ? "*" : "");
    for (size_t i = 0; i < n; i++) {
        put(&b, "\n%s: ", f[i].name);
        slack ? put_slack(&b, f[i].value) : put(&b, "%s", f[i].value);
    }
    if (link) {
        put(&b, "\n");
        if (slack) { /* <url|label>: the label is what people click */
            put(&b, "<");
            put_slack(&b, link);
            put(&b, "|%s>", ja ? "レポート" : "Report");
        } else {
            put(&b, "%s: %s", ja ? "レポート" : "Report", link);
        }
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* Discord refuses a content over 2,000 characters: cut at a character
 * boundary below that many bytes (a byte never undercounts characters). */
static void cut_utf8(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = '\0';
}

/* Teams (a Workflows incoming webhook): a message carrying one Adaptive
 * Card, the headline as its title, the facts as a FactSet, the report as
 * its action. Adaptive Cards show text as given: nothing to escape. */
static json_t *teams_card(const sp_alert_event *ev, bool ja, const char *link)
{
    char head[500], store[6][320];
    fact f[8];
    headline(ev, ja, head, sizeof head);
    size_t n = chat_facts(ev, ja, store, f);
    json_t *facts = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(facts,
                              json_pack("{s:s, s:s}", "title", f[i].name, "value", f[i].value));
    json_t *card = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:b}, {s:s, s:o}]}",
                             "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
                             "type", "AdaptiveCard", "version", "1.4", "body", "type", "TextBlock",
                             "text", head, "weight", "Bolder", "color",
                             ev->kind == SP_ALERT_UP ? "Good" : "Attention", "wrap", 1, "type",
                             "FactSet", "facts", facts);
    if (card && link)
        json_object_set_new(card, "actions",
                            json_pack("[{s:s, s:s, s:s}]", "type", "Action.OpenUrl", "title",
                                      ja ? "レポート" : "Report", "url", link));
    return card ? json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments",
                            "contentType", "application/vnd.microsoft.card.adaptive", "contentUrl",
                            "content", card)
                : NULL;
}

json_t *sp_alert_webhook_body(const sp_alert_event *ev, const sp_cfg_alert *ch, const char *link)
{
    bool ja = ch->lang && strcmp(ch->lang, "ja") == 0;
    if (ch->format == SP_CFG_FORMAT_TEAMS)
        return teams_card(ev, ja, link);
    char *text = chat_text(ev, ja, ch->format == SP_CFG_FORMAT_SLACK, link);
    if (!text)
        return NULL;
    json_t *j = NULL;
    switch (ch->format) {
    case SP_CFG_FORMAT_SLACK:
        j = json_pack("{s:s}", "text", text);
        break;
    case SP_CFG_FORMAT_DISCORD:
        /* allowed_mentions: a name or detail saying @everyone pings no one */
        cut_utf8(text, 1990);
        j = json_pack("{s:s, s:s, s:{s:[]}}", "content", text, "username", "slaprobe",
                      "allowed_mentions", "parse");
        break;
    default: /* generic: the event, and a line a person can read */
        if ((j = sp_alert_payload(ev, link)))
            json_object_set_new(j, "text", json_string(text));
    }
    free(text);
    return j;
}

/* --- Environment ------------------------------------------------------------ */

void sp_alert_free_strv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* Taken from the daemon's environment for every exec channel: what a
 * program needs to find other programs and to speak and tell time like the
 * daemon. Nothing else: the daemon's environment holds the secrets that
 * env: references name. */
static const char *const always_passed[] = {"PATH", "LANG", "TZ"};

static bool named(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static bool passed(const char *entry, char *const *pass)
{
    if (strncmp(entry, "SLAPROBE_", 9) == 0) /* ours, set below; never spoofed */
        return false;
    for (size_t k = 0; k < sizeof always_passed / sizeof always_passed[0]; k++)
        if (named(entry, always_passed[k]))
            return true;
    for (char *const *p = pass; p && *p; p++)
        if (named(entry, *p))
            return true;
    return false;
}

char **sp_alert_env(const sp_alert_event *ev, const char *link, char *const *base,
                    char *const *pass)
{
    size_t nb = 0;
    for (char *const *p = base; p && *p; p++)
        nb++;
    /* the daemon's entries, ours (the kv table below: at most 21), NULL */
    char **v = calloc(nb + 24, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    bool oom = false;
    for (char *const *p = base; p && *p; p++)
        if (passed(*p, pass)) {
            if ((v[n] = strdup(*p)))
                n++;
            else
                oom = true;
        }
    char since[40], detected[40], num[5][32], cp_time[40] = "";
    const sp_evidence_checkpoint *cp = ev->checkpoint;
    char *cp_sig = cp ? sp_evidence_base64(cp->sig, sizeof cp->sig) : NULL;
    if (cp) {
        sp_time_iso_ms(cp->t_ms, cp_time, sizeof cp_time);
        snprintf(num[4], sizeof num[4], "%lld", cp->seq);
    }
    sp_time_iso_ms(ev->since_ms, since, sizeof since);
    sp_time_iso_ms(ev->detected_ms, detected, sizeof detected);
    snprintf(num[0], sizeof num[0], "%lld", (long long)ev->since_ms);
    snprintf(num[1], sizeof num[1], "%lld", (long long)ev->detected_ms);
    snprintf(num[2], sizeof num[2], "%.3f", ev->duration_s);
    snprintf(num[3], sizeof num[3], "%d", ev->days_left);
    json_t *j = sp_alert_payload(ev, link);
    char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    bool up = ev->kind == SP_ALERT_UP, cert = ev->kind == SP_ALERT_CERT_EXPIRING,
         grade = ev->kind == SP_ALERT_TLS_GRADE_DROP;
    const struct {
        const char *k, *v;
        bool on;
    } kv[] = {
        {"EVENT", sp_alert_kind_name(ev->kind), true},
        {"TARGET", nz(ev->target), true},
        {"NAME", nz(ev->name), true},
        {"URL", nz(ev->url), true},
        {"STATE", nz(ev->state), true},
        {"REASON", nz(ev->reason), true},
        {"DETAIL", nz(ev->detail), true},
        {"SINCE", since, true},
        {"SINCE_MS", num[0], true},
        {"DETECTED", detected, true},
        {"DETECTED_MS", num[1], true},
        {"DURATION_S", num[2], up},
        {"DAYS_LEFT", num[3], cert},
        {"GRADE", nz(ev->grade), grade},
        {"PREVIOUS_GRADE", nz(ev->previous_grade), grade},
        {"REPORT_URL", nz(link), link != NULL},
        {"JSON", nz(js), js != NULL},
        {"CHECKPOINT_SEQ", num[4], cp != NULL},
        {"CHECKPOINT_SHA256", cp ? cp->line_sha256 : "", cp != NULL},
        {"CHECKPOINT_TIME", cp_time, cp != NULL},
        {"CHECKPOINT_SIG", nz(cp_sig), cp_sig != NULL},
    };
    for (size_t k = 0; k < sizeof kv / sizeof kv[0]; k++) {
        if (!kv[k].on)
            continue;
        size_t len = 9 + strlen(kv[k].k) + 1 + strlen(kv[k].v) + 1;
        if (!(v[n] = malloc(len))) {
            oom = true;
            continue;
        }
        snprintf(v[n++], len, "SLAPROBE_%s=%s", kv[k].k, kv[k].v);
    }
    free(js);
    free(cp_sig);
    if (oom) {
        sp_alert_free_strv(v);
        return NULL;
    }
    return v;
}
