/*
 * Outside text made safe to show (common/sp_text.c) and the HTML writer
 * built on it (sp_report_html_esc/_attr in reports/labels.c): controls and
 * bidi controls never reach a reader raw, bytes that are not UTF-8 never
 * reach a UTF-8 document, and plain text is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/sp_text.h"
#include "reports/labels.h"

static void test_decode(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(sp_text_utf8_next("a", &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(sp_text_utf8_next("\xC3\xA9", &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(sp_text_utf8_next("\xE2\x80\xAE", &cp), 3);
    assert_int_equal(cp, 0x202E);
    assert_int_equal(sp_text_utf8_next("\xF0\x9F\x98\x80", &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* invalid: lone continuation, overlong, surrogate, above U+10FFFF, cut short */
    const char *bad[] = {"\x80",     "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                         "\xE2\x80", "\xFF"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sp_text_utf8_next(bad[i], &cp), 1);
        assert_true(cp == SP_TEXT_INVALID);
    }
}

static void test_classes(void **state)
{
    (void)state;
    const uint32_t bidi[] = {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C,
                             0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069};
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++)
        assert_true(sp_text_is_bidi_control(bidi[i]));
    const uint32_t ctl[] = {0x00, 0x09, 0x0A, 0x0D, 0x1B,   0x1F,  0x7F,
                            0x80, 0x85, 0x9B, 0x9F, 0x2028, 0x2029};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
        assert_true(sp_text_is_control(ctl[i]));
    const uint32_t plain[] = {' ', 'a', '~', 0xA0, 0xE9, 0x05D0 /* Hebrew alef */, 0x3042, 0x200D};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_false(sp_text_is_control(plain[i]) || sp_text_is_bidi_control(plain[i]));
}

static void test_safe(void **state)
{
    (void)state;
    char b[128];
    assert_string_equal(sp_text_safe("Web shop", b, sizeof b), "Web shop");
    assert_string_equal(sp_text_safe("稼働 é", b, sizeof b), "稼働 é");
    assert_string_equal(sp_text_safe("abc\u202Eevil", b, sizeof b), "abc<U+202E>evil");
    assert_string_equal(sp_text_safe("a\x1b[2Jb\nc\td", b, sizeof b),
                        "a<U+001B>[2Jb<U+000A>c<U+0009>d");
    assert_string_equal(sp_text_safe("x\xC2\x85y\xE2\x81\xA6z", b, sizeof b),
                        "x<U+0085>y<U+2066>z");
    assert_string_equal(sp_text_safe("bad\xFF\xE2\x80", b, sizeof b), "bad<0xFF><0xE2><0x80>");
    assert_string_equal(sp_text_safe(NULL, b, sizeof b), "");
    /* cut whole: never half an escape or half a character */
    assert_string_equal(sp_text_safe("ab\u202E", b, 8), "ab");
    assert_string_equal(sp_text_safe("a稼", b, 4), "a");
    assert_string_equal(sp_text_safe("a稼", b, 5), "a稼");
}

static void test_fputs(void **state)
{
    (void)state;
    char *out = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&out, &n);
    sp_text_fputs(fp, "abc\u202Eevil\r");
    fclose(fp);
    assert_string_equal(out, "abc<U+202E>evil<U+000D>");
    free(out);
}

static void test_repair(void **state)
{
    (void)state;
    char s[] = "ok \xC3\xA9 \xFF\xC3 \xE2\x80\xAE\t end\xE2\x80";
    sp_text_utf8_repair(s);
    /* controls stay (they are data); only the bytes that are not UTF-8 go */
    assert_string_equal(s, "ok \xC3\xA9 ?? \xE2\x80\xAE\t end??");
}

static char *html(void (*fn)(FILE *, const char *), const char *s)
{
    char *out = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&out, &n);
    fn(fp, s);
    fclose(fp);
    return out;
}

/* Terminal columns (UAX #11): a Japanese text table lines up only when
 * wide characters count two and the narrow ones around them one. */
static void test_cols(void **state)
{
    (void)state;
    assert_int_equal(sp_text_cols(NULL), 0);
    assert_int_equal(sp_text_cols("abc 1%"), 6);
    assert_int_equal(sp_text_cols("稼働率"), 6);
    assert_int_equal(sp_text_cols("（総務省、2026年）"), 2 * 6 + 4 + 2);
    assert_int_equal(sp_text_cols("HTTP・アプリケーション"), 4 + 2 * 9);
    assert_int_equal(sp_text_cols("\xef\xbd\xb1"), 1);     /* U+FF71 half-width katakana: narrow */
    assert_int_equal(sp_text_cols("\xe2\x80\xa6"), 1);     /* U+2026 ellipsis: ambiguous, narrow */
    assert_int_equal(sp_text_cols("\xe2\x80\x94"), 1);     /* U+2014 em dash: narrow, 3 bytes */
    assert_int_equal(sp_text_cols("\xf0\x9f\x98\x80"), 2); /* U+1F600 emoji: wide */
    assert_int_equal(sp_text_cols("\xe3\x89\x88"), 1);     /* U+3248 among wide: ambiguous */
    assert_int_equal(sp_text_cols("\xf0\x90\x8d\x88"), 1); /* U+10348 Gothic: narrow, 4 bytes */
    assert_int_equal(sp_text_cols("\xff\xfe"), 2);         /* not UTF-8: one column a byte */
}

/* Every reason has a Japanese name (a new code without one fails here),
 * no two share one, and people see the code after it; English keeps the
 * bare code. */
static void test_reason_labels(void **state)
{
    (void)state;
    char buf[128];
    for (int i = 1; i < SP_REASON_COUNT; i++) {
        const char *ja = sp_report_reason_ja((sp_reason)i);
        assert_non_null(ja);
        for (int k = 1; k < i; k++)
            assert_string_not_equal(ja, sp_report_reason_ja((sp_reason)k));
    }
    assert_null(sp_report_reason_ja(SP_REASON_OK));
    assert_string_equal(sp_report_reason_label(SP_REASON_TCP_REFUSED, SP_LANG_JA, buf, sizeof buf),
                        "接続拒否 (tcp_refused)");
    assert_string_equal(sp_report_reason_label(SP_REASON_TCP_REFUSED, SP_LANG_EN, buf, sizeof buf),
                        "tcp_refused");
    assert_string_equal(sp_report_reason_label(SP_REASON_OK, SP_LANG_JA, buf, sizeof buf), "不明");
    assert_string_equal(sp_report_reason_label(SP_REASON_OK, SP_LANG_EN, buf, sizeof buf), "?");
    assert_string_equal(sp_report_class_label(SP_RCLASS_HTTP, SP_LANG_JA),
                        "HTTP・アプリケーション");
    assert_string_equal(sp_report_class_label(SP_RCLASS_NONE, SP_LANG_JA), "原因不明");
    assert_string_equal(sp_report_class_label(SP_RCLASS_NONE, SP_LANG_EN), "unknown");
    assert_string_equal(sp_report_class_label(SP_RCLASS_NETWORK, SP_LANG_EN), "network");
}

static void test_html(void **state)
{
    (void)state;
    struct {
        const char *in, *esc, *attr;
    } c[] = {
        {"Web shop", "Web shop", "Web shop"},
        {"<script>'&\"", "&lt;script&gt;&#39;&amp;&quot;", "&lt;script&gt;&#39;&amp;&quot;"},
        /* not ASCII: isolated, the override stays inside the isolate */
        {"abc\u202Eevil", "<bdi>abc\u202Eevil</bdi>", "abc&lt;U+202E&gt;evil"},
        {"שלום 1", "<bdi>שלום 1</bdi>", "שלום 1"},
        {"稼働", "<bdi>稼働</bdi>", "稼働"},
        /* controls are not allowed in XML: shown; bytes that are not UTF-8: U+FFFD */
        {"a\x01\nb", "a&lt;U+0001&gt;&lt;U+000A&gt;b", "a&lt;U+0001&gt;&lt;U+000A&gt;b"},
        {"x\xFFy", "<bdi>x&#xFFFD;y</bdi>", "x&#xFFFD;y"},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *e = html(sp_report_html_esc, c[i].in), *a = html(sp_report_html_attr, c[i].in);
        assert_string_equal(e, c[i].esc);
        assert_string_equal(a, c[i].attr);
        free(e);
        free(a);
    }
    char *e = html(sp_report_html_esc, NULL);
    assert_string_equal(e, "");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode), cmocka_unit_test(test_classes),
        cmocka_unit_test(test_safe),   cmocka_unit_test(test_fputs),
        cmocka_unit_test(test_repair), cmocka_unit_test(test_html),
        cmocka_unit_test(test_cols),   cmocka_unit_test(test_reason_labels),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
