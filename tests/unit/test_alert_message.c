/*
 * What an alert says (alerts/message.c): the webhook JSON's fields, the
 * mail's headers and body in both languages (and that a hostile detail
 * cannot add a header), the exec environment, and the report link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alerts/sp_alert.h"

/* 2026-11-23T08:00:00Z */
#define T0 1795420800000LL

static sp_alert_event down_event(void)
{
    return (sp_alert_event){.kind = SP_ALERT_DOWN,
                            .target = "erp",
                            .name = "ERP (production)",
                            .url = "https://erp.example.com/health",
                            .state = "DOWN",
                            .reason = "http_status",
                            .detail = "HTTP 503",
                            .since_ms = T0,
                            .detected_ms = T0 + 10000};
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(sp_alert_kind_name(SP_ALERT_DOWN), "down");
    assert_string_equal(sp_alert_kind_name(SP_ALERT_UP), "up");
    assert_string_equal(sp_alert_kind_name(SP_ALERT_CERT_EXPIRING), "cert_expiring");
    assert_string_equal(sp_alert_kind_name(SP_ALERT_TLS_GRADE_DROP), "tls_grade_drop");
    assert_int_equal(sp_alert_kind_bit(SP_ALERT_DOWN), SP_CFG_ALERT_ON_DOWN);
    assert_int_equal(sp_alert_kind_bit(SP_ALERT_UP), SP_CFG_ALERT_ON_UP);
    assert_int_equal(sp_alert_kind_bit(SP_ALERT_CERT_EXPIRING), SP_CFG_ALERT_ON_CERT);
    assert_int_equal(sp_alert_kind_bit(SP_ALERT_TLS_GRADE_DROP), SP_CFG_ALERT_ON_GRADE);
}

static void test_report_link(void **state)
{
    (void)state;
    assert_null(sp_alert_report_link(NULL, "erp"));
    char *l = sp_alert_report_link("https://r.example/{target}/index.html", "erp");
    assert_string_equal(l, "https://r.example/erp/index.html");
    free(l);
    l = sp_alert_report_link("https://r.example/", "erp");
    assert_string_equal(l, "https://r.example/");
    free(l);
}

static void test_payload(void **state)
{
    (void)state;
    sp_alert_event ev = down_event();
    json_t *j = sp_alert_payload(&ev, "https://r.example/erp");
    assert_string_equal(json_string_value(json_object_get(j, "event")), "down");
    assert_string_equal(json_string_value(json_object_get(j, "target")), "erp");
    assert_string_equal(json_string_value(json_object_get(j, "state")), "DOWN");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "http_status");
    assert_string_equal(json_string_value(json_object_get(j, "detail")), "HTTP 503");
    assert_string_equal(json_string_value(json_object_get(j, "since")), "2026-11-23T08:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(j, "since_ms")), T0);
    assert_int_equal(json_integer_value(json_object_get(j, "detected_ms")), T0 + 10000);
    assert_string_equal(json_string_value(json_object_get(j, "report")), "https://r.example/erp");
    assert_null(json_object_get(j, "duration_s"));
    json_decref(j);

    ev.kind = SP_ALERT_UP;
    ev.state = "UP";
    ev.down_since_ms = T0 - 90000;
    ev.duration_s = 90;
    j = sp_alert_payload(&ev, NULL);
    assert_true(json_real_value(json_object_get(j, "duration_s")) == 90.0);
    assert_int_equal(json_integer_value(json_object_get(j, "down_since_ms")), T0 - 90000);
    assert_true(json_is_null(json_object_get(j, "report")));
    json_decref(j);
}

static void test_mail_en(void **state)
{
    (void)state;
    char *to[] = {"ops@example.com", "b@example.com", NULL};
    sp_cfg_alert ch = {
        .type = SP_CFG_ALERT_SMTP, .from = "probe@example.com", .to = to, .n_to = 2, .lang = "en"};
    sp_alert_event ev = down_event();
    ev.detail = "evil\r\nBcc: victim@example.com\r\n.\r\nQUIT";
    char *m = sp_alert_mail(&ev, &ch, "https://r.example/erp", T0 + 11000);
    assert_non_null(m);
    assert_non_null(strstr(m, "Date: Mon, 23 Nov 2026 08:00:11 +0000\r\n"));
    assert_non_null(strstr(m, "From: <probe@example.com>\r\n"));
    assert_non_null(strstr(m, "To: <ops@example.com>, <b@example.com>\r\n"));
    assert_non_null(strstr(m, "Subject: [slaprobe] DOWN: ERP (production) (http_status)\r\n"));
    assert_non_null(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(m, "Reason:     http_status\r\n"));
    assert_non_null(strstr(m, "Since:      2026-11-23T08:00:00.000Z\r\n"));
    assert_non_null(strstr(m, "Report:     https://r.example/erp\r\n"));
    /* the detail's line breaks are flattened: no header, no end of DATA */
    assert_null(strstr(m, "\r\nBcc:"));
    assert_null(strstr(m, "\r\n.\r\n"));
    free(m);
}

static void test_mail_ja(void **state)
{
    (void)state;
    char *to[] = {"ops@example.com", NULL};
    sp_cfg_alert ch = {
        .type = SP_CFG_ALERT_SMTP, .from = "probe@example.com", .to = to, .n_to = 1, .lang = "ja"};
    sp_alert_event ev = down_event();
    ev.kind = SP_ALERT_UP;
    ev.state = "UP";
    ev.duration_s = 3725;
    char *m = sp_alert_mail(&ev, &ch, NULL, T0);
    /* a non-ASCII subject is an RFC 2047 encoded word */
    assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(m, "復旧: ERP (production) (停止時間 1h 02m 05s)\r\n"));
    assert_non_null(strstr(m, "停止時間:   1h 02m 05s\r\n"));
    assert_null(strstr(m, "Report"));
    free(m);
}

static void test_env(void **state)
{
    (void)state;
    char *base[] = {"PATH=/usr/bin",    "SLAPROBE_TARGET=spoofed",
                    "HOME=/root",       "API_TOKEN=s3cret",
                    "LANG=ja_JP.UTF-8", "TZ=Asia/Tokyo",
                    "PAGER_ID=42",      "PAGER_IDX=no",
                    "LANGUAGE=no",      NULL};
    char *pass[] = {"PAGER_ID", "SLAPROBE_TARGET", NULL};
    sp_alert_event ev = down_event();
    ev.detail = "a;b $(x) 'q'";
    char **env = sp_alert_env(&ev, NULL, base, pass);
    int targets = 0, from_base = 0;
    bool path = false, detail = false, json = false, report = false;
    for (char **e = env; *e; e++) {
        /* only PATH, LANG, TZ and pass_env's names of the daemon's own */
        if (strncmp(*e, "SLAPROBE_", 9) != 0) {
            from_base++;
            assert_true(strcmp(*e, "PATH=/usr/bin") == 0 || strcmp(*e, "LANG=ja_JP.UTF-8") == 0 ||
                        strcmp(*e, "TZ=Asia/Tokyo") == 0 || strcmp(*e, "PAGER_ID=42") == 0);
        }
        if (strncmp(*e, "SLAPROBE_TARGET=", 16) == 0) {
            targets++;
            assert_string_equal(*e, "SLAPROBE_TARGET=erp");
        }
        path |= strcmp(*e, "PATH=/usr/bin") == 0;
        detail |= strcmp(*e, "SLAPROBE_DETAIL=a;b $(x) 'q'") == 0;
        json |= strncmp(*e, "SLAPROBE_JSON={", 15) == 0;
        report |= strncmp(*e, "SLAPROBE_REPORT_URL=", 20) == 0;
    }
    assert_int_equal(targets, 1);
    assert_int_equal(from_base, 4);
    assert_true(path && detail && json && !report);
    sp_alert_free_strv(env);
    /* no list, no base: the event only */
    env = sp_alert_env(&ev, NULL, NULL, NULL);
    for (char **e = env; *e; e++)
        assert_true(strncmp(*e, "SLAPROBE_", 9) == 0);
    sp_alert_free_strv(env);
}

/* The latest checkpoint rides along: webhook field, a mail line in both
 * languages, four exec variables; none of it without one. */
static void test_checkpoint(void **state)
{
    (void)state;
    sp_evidence_checkpoint cp = {.seq = 77, .t_ms = T0};
    snprintf(cp.target, sizeof cp.target, "erp");
    memset(cp.line_sha256, 'b', 64);
    snprintf(cp.key_id, sizeof cp.key_id, "0123456789abcdef");
    memset(cp.sig, 0xff, sizeof cp.sig);
    sp_alert_event ev = down_event();
    json_t *j = sp_alert_payload(&ev, NULL);
    assert_true(json_is_null(json_object_get(j, "checkpoint")));
    json_decref(j);
    ev.checkpoint = &cp;
    j = sp_alert_payload(&ev, NULL);
    json_t *c = json_object_get(j, "checkpoint");
    assert_int_equal(json_integer_value(json_object_get(c, "seq")), 77);
    assert_string_equal(json_string_value(json_object_get(c, "target")), "erp");
    assert_string_equal(json_string_value(json_object_get(c, "time")), "2026-11-23T08:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(c, "key_id")), "0123456789abcdef");
    assert_int_equal(strlen(json_string_value(json_object_get(c, "sig"))), 88);
    json_decref(j);
    char *to[] = {"ops@example.com"};
    sp_cfg_alert ch = {.from = "s@example.com", .to = to, .n_to = 1};
    char *m = sp_alert_mail(&ev, &ch, NULL, T0);
    assert_non_null(strstr(m, "Checkpoint: line 77 sha256 bbbb"));
    free(m);
    ch.lang = "ja";
    m = sp_alert_mail(&ev, &ch, NULL, T0);
    assert_non_null(strstr(m, "行 77 sha256 bbbb"));
    free(m);
    char **env = sp_alert_env(&ev, NULL, NULL, NULL);
    int n = 0;
    for (char **e = env; *e; e++) {
        n += strcmp(*e, "SLAPROBE_CHECKPOINT_SEQ=77") == 0;
        n += strncmp(*e, "SLAPROBE_CHECKPOINT_SHA256=bbbb", 31) == 0;
        n += strcmp(*e, "SLAPROBE_CHECKPOINT_TIME=2026-11-23T08:00:00.000Z") == 0;
        n += strncmp(*e, "SLAPROBE_CHECKPOINT_SIG=////", 28) == 0;
    }
    assert_int_equal(n, 4);
    sp_alert_free_strv(env);
}

/* Each chat format's body: the fields its service reads, the headline and
 * facts in the channel's language, and a hostile name or detail that
 * cannot notify a whole channel. */
static void test_chat_formats(void **state)
{
    (void)state;
    sp_alert_event ev = down_event();
    ev.name = "ERP <!channel> @everyone & co";
    ev.detail = "HTTP 503 <@U123>";
    const char *link = "https://r.example/erp.html?a=1&b=<2>";
    sp_cfg_alert ch = {.format = SP_CFG_FORMAT_SLACK};
    json_t *j = sp_alert_webhook_body(&ev, &ch, link);
    const char *t = json_string_value(json_object_get(j, "text"));
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(t, "*DOWN: ERP &lt;!channel&gt; @everyone &amp; co (http_status)*\n"
                           "Target: erp\nReason: http_status: HTTP 503 &lt;@U123&gt;\n"
                           "Since: 2026-11-23T08:00:00.000Z\nDetected: 2026-11-23T08:00:10.000Z\n"
                           "<https://r.example/erp.html?a=1&amp;b=&lt;2&gt;|Report>");
    json_decref(j);

    ch.format = SP_CFG_FORMAT_DISCORD;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big + 3000, "\xe6\x97\xa5", 3); /* a multi-byte character past the cut */
    ev.detail = big;
    j = sp_alert_webhook_body(&ev, &ch, NULL);
    t = json_string_value(json_object_get(j, "content"));
    assert_non_null(t);
    assert_non_null(strstr(t, "DOWN: ERP <!channel> @everyone & co (http_status)"));
    assert_true(strlen(t) <= 1990);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(j, "allowed_mentions"), "parse")), 0);
    json_decref(j);

    ev.detail = "HTTP 503";
    ev.kind = SP_ALERT_UP;
    ev.down_since_ms = T0 - 245000;
    ev.duration_s = 245;
    ch.format = SP_CFG_FORMAT_TEAMS;
    ch.lang = "ja";
    j = sp_alert_webhook_body(&ev, &ch, link);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "message");
    json_t *a = json_array_get(json_object_get(j, "attachments"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "contentType")),
                        "application/vnd.microsoft.card.adaptive");
    json_t *card = json_object_get(a, "content");
    assert_string_equal(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
    json_t *body = json_object_get(card, "body");
    assert_string_equal(json_string_value(json_object_get(json_array_get(body, 0), "text")),
                        "復旧: ERP <!channel> @everyone & co (停止時間 4m 05s)");
    json_t *facts = json_object_get(json_array_get(body, 1), "facts");
    assert_string_equal(json_string_value(json_object_get(json_array_get(facts, 3), "title")),
                        "停止時間");
    assert_string_equal(json_string_value(json_object_get(json_array_get(facts, 3), "value")),
                        "4m 05s");
    json_t *act = json_array_get(json_object_get(card, "actions"), 0);
    assert_string_equal(json_string_value(json_object_get(act, "url")), link);
    json_decref(j);

    ch.format = SP_CFG_FORMAT_GENERIC;
    ch.lang = "en";
    j = sp_alert_webhook_body(&ev, &ch, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "up");
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "RECOVERED: ERP <!channel> @everyone & co after 4m 05s\n"
                        "Target: erp\nReason: http_status: HTTP 503\n"
                        "Down since: 2026-11-23T07:55:55.000Z\nOutage: 4m 05s\n"
                        "Detected: 2026-11-23T08:00:10.000Z");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names), cmocka_unit_test(test_report_link),
        cmocka_unit_test(test_payload),    cmocka_unit_test(test_mail_en),
        cmocka_unit_test(test_mail_ja),    cmocka_unit_test(test_env),
        cmocka_unit_test(test_checkpoint), cmocka_unit_test(test_chat_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
