/*
 * Outside text made safe to show: UTF-8 decoding and the classes of
 * characters that must not reach a reader raw. See sp_text.h.
 */
#include "common/sp_text.h"

#include <string.h>

size_t sp_text_utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c = p[0], min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, c &= 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, c &= 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        *cp = SP_TEXT_INVALID; /* a continuation byte, C0/C1 (overlong) or F5-FF */
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* also stops at the NUL */
            *cp = SP_TEXT_INVALID;
            return 1;
        }
        c = c << 6 | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = SP_TEXT_INVALID;
        return 1;
    }
    *cp = c;
    return len;
}

bool sp_text_is_bidi_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

bool sp_text_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* The shown form of the character (or invalid byte) at s, into piece (at
 * least 12 bytes); *len: the bytes of s it stands for. */
static size_t shown(const char *s, size_t *len, char *piece)
{
    uint32_t cp;
    *len = sp_text_utf8_next(s, &cp);
    if (cp == SP_TEXT_INVALID)
        return (size_t)snprintf(piece, 12, "<0x%02X>", (unsigned char)*s);
    if (sp_text_is_control(cp) || sp_text_is_bidi_control(cp))
        return (size_t)snprintf(piece, 12, "<U+%04X>", (unsigned)cp);
    memcpy(piece, s, *len);
    return *len;
}

char *sp_text_safe(const char *s, char *buf, size_t n)
{
    size_t at = 0, len, k;
    char piece[12];
    if (!n)
        return buf;
    for (; s && *s; s += len) {
        k = shown(s, &len, piece);
        if (at + k >= n)
            break;
        memcpy(buf + at, piece, k);
        at += k;
    }
    buf[at] = '\0';
    return buf;
}

void sp_text_fputs(FILE *fp, const char *s)
{
    size_t len, k;
    char piece[12];
    for (; s && *s; s += len) {
        k = shown(s, &len, piece);
        fwrite(piece, 1, k, fp);
    }
}

void sp_text_utf8_repair(char *s)
{
    uint32_t cp;
    for (size_t len; s && *s; s += len) {
        len = sp_text_utf8_next(s, &cp);
        if (cp == SP_TEXT_INVALID)
            *s = '?';
    }
}
