/*
 * Fuzz the text made safe to show (common/sp_text.c, reports/labels.c):
 * the UTF-8 decoder, the terminal/text form at every buffer size (its cut
 * must never split an escape or a character, nor overrun the buffer), the
 * repair for JSON, and the HTML writers. The text comes from servers, the
 * journal and the configuration. Checks, besides sanitizer reports: the
 * safe form holds no control byte, no bidi control and no invalid UTF-8;
 * a repaired string is valid UTF-8 of the same length; HTML output never
 * has a raw '&', '"' or a '<' that does not begin one of ours.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_text.h"
#include "fuzz_util.h"
#include "reports/labels.h"

/* Every character of s is valid UTF-8, not a control (but what ok allows)
 * and not a bidi control. */
static void check_clean(const char *s, bool controls_ok)
{
    for (size_t len; *s; s += len) {
        uint32_t cp;
        len = sp_text_utf8_next(s, &cp);
        if (len == 0 || cp == SP_TEXT_INVALID)
            abort();
        if (!controls_ok && (sp_text_is_control(cp) || sp_text_is_bidi_control(cp)))
            abort();
    }
}

/* out[0..n) as HTML text: no raw control byte, quote or apostrophe; '&'
 * only as one of the writer's entities, '<' only as its <bdi>. */
static void check_html(const char *out, size_t n)
{
    static const char *const ok_amp[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#xFFFD;"};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\'')
            abort();
        if (c == '&') {
            bool ok = false;
            for (size_t k = 0; k < sizeof ok_amp / sizeof ok_amp[0] && !ok; k++)
                ok = strncmp(out + i, ok_amp[k], strlen(ok_amp[k])) == 0;
            if (!ok)
                abort();
        }
        if (c == '<' && strncmp(out + i, "<bdi>", 5) != 0 && strncmp(out + i, "</bdi>", 6) != 0)
            abort();
    }
}

/* What writer w writes for s, NUL-terminated; the caller frees. */
static char *html(void (*w)(FILE *, const char *), const char *s, size_t *len)
{
    char *out = NULL;
    FILE *mem = open_memstream(&out, len);
    if (!mem)
        abort();
    w(mem, s);
    fclose(mem);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = data[0]; /* the buffer size of the safe form: 0..255 */
    char *s = fuzz_strndup(data + 1, size - 1);
    size_t slen = strlen(s);

    /* the safe form, in a buffer of exactly n bytes */
    char *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    sp_text_safe(s, buf, n);
    if (n) {
        if (!memchr(buf, '\0', n))
            abort();
        check_clean(buf, false);
    }
    free(buf);

    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    sp_text_fputs(devnull, s);
    fclose(devnull);

    char *r = strdup(s);
    if (!r)
        abort();
    sp_text_utf8_repair(r);
    if (strlen(r) != slen)
        abort();
    check_clean(r, true);
    free(r);

    /* element content: bidi controls stay, isolated in <bdi>; attributes:
     * shown as "<U+202E>" like other controls */
    size_t len;
    char *out = html(sp_report_html_esc, s, &len);
    check_html(out, len);
    check_clean(out, true);
    free(out);
    out = html(sp_report_html_attr, s, &len);
    check_html(out, len);
    check_clean(out, false);
    free(out);
    free(s);
    return 0;
}
