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

/* East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth.txt, W
 * and F, merged where unassigned code points lie between): a terminal
 * gives these two columns. */
static const struct {
    uint32_t lo, hi;
} wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x3247},   {0x3250, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x17000, 0x18D08}, {0x1AFF0, 0x1AFFE},
    {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248},
    {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
    {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440},
    {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567},
    {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F},
    {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7},
    {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB},
    {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF},
    {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

int sp_text_cols(const char *s)
{
    int w = 0;
    while (s && *s) {
        uint32_t cp;
        s += sp_text_utf8_next(s, &cp);
        int c = 1;
        for (size_t lo = 0, hi = sizeof wide / sizeof wide[0]; cp != SP_TEXT_INVALID && lo < hi;) {
            size_t mid = (lo + hi) / 2;
            if (cp < wide[mid].lo)
                hi = mid;
            else if (cp > wide[mid].hi)
                lo = mid + 1;
            else {
                c = 2;
                break;
            }
        }
        w += c;
    }
    return w;
}
