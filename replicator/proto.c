/*
 * rrdcached's replies, read incrementally and checked (proto.h). Every
 * byte counts against a limit before it is stored, so a hostile or broken
 * peer can make a reply fail, never make it grow or crash the reader.
 */
#include "replicator/proto.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void sp_repl_reply_init(sp_repl_reply *r)
{
    r->status = 0;
    r->text[0] = r->first[0] = '\0';
    r->lines = 0;
    r->cmd_lo = r->cmd_hi = -1;
    r->numbered = 0;
    r->have_status = false;
    r->len = 0;
}

/* Keep a peer's text printable in logs and journal lines. */
static void keep_text(char *dst, const char *src, size_t len)
{
    size_t k = len < SP_REPL_TEXT - 1 ? len : SP_REPL_TEXT - 1;
    for (size_t i = 0; i < k; i++)
        dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
    dst[k] = '\0';
}

/* A number at the start of s[0..len): optional '-', 1 to 9 digits, then the
 * end or a space. Returns the count of bytes used, 0 when there is none. */
static size_t leading_number(const char *s, size_t len, long *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    size_t d0 = i;
    long v = 0;
    while (i < len && i - d0 < 9 && isdigit((unsigned char)s[i]))
        v = v * 10 + (s[i++] - '0');
    if (i == d0 || (i < len && s[i] != ' '))
        return 0;
    *out = neg ? -v : v;
    return i;
}

static sp_status take_line(sp_repl_reply *r, const char *s, size_t len, bool *done, char *err,
                           size_t errlen)
{
    if (len && s[len - 1] == '\r')
        len--;
    if (memchr(s, '\0', len)) {
        snprintf(err, errlen, "a NUL byte in the reply");
        return SP_EPARSE;
    }
    long v;
    size_t k = leading_number(s, len, &v);
    if (!r->have_status) {
        if (!k) {
            char t[SP_REPL_TEXT];
            keep_text(t, s, len < 60 ? len : 60);
            snprintf(err, errlen, "a reply that does not start with a number: \"%s\"", t);
            return SP_EPARSE;
        }
        if (v > SP_REPL_LINES_MAX) {
            snprintf(err, errlen, "a reply announcing %ld lines (at most %ld)", v,
                     SP_REPL_LINES_MAX);
            return SP_EPARSE;
        }
        r->status = v;
        r->have_status = true;
        if (k < len)
            k++; /* the space */
        keep_text(r->text, s + k, len - k);
        *done = v <= 0;
        return SP_OK;
    }
    if (r->lines == 0)
        keep_text(r->first, s, len);
    r->lines++;
    if (k && v >= 0) {
        r->numbered++;
        if (r->cmd_lo < 0 || v < r->cmd_lo)
            r->cmd_lo = v;
        if (v > r->cmd_hi)
            r->cmd_hi = v;
    }
    *done = r->lines >= r->status;
    return SP_OK;
}

sp_status sp_repl_reply_feed(sp_repl_reply *r, const char *data, size_t n, size_t *used, bool *done,
                             char *err, size_t errlen)
{
    *used = 0;
    *done = false;
    while (*used < n && !*done) {
        const char *p = data + *used;
        size_t left = n - *used;
        const char *nl = memchr(p, '\n', left);
        size_t chunk = nl ? (size_t)(nl - p) : left;
        if (r->len + chunk > sizeof r->buf) {
            snprintf(err, errlen, "a reply line longer than %d bytes", SP_REPL_LINE_MAX);
            return SP_EPARSE;
        }
        memcpy(r->buf + r->len, p, chunk);
        r->len += chunk;
        *used += chunk;
        if (!nl)
            break;
        (*used)++; /* the newline */
        sp_status st = take_line(r, r->buf, r->len, done, err, errlen);
        r->len = 0;
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}

void sp_repl_error_key(const char *line, char *key, size_t n)
{
    if (!n)
        return;
    const char *s = line;
    while (isdigit((unsigned char)*s)) /* the command number */
        s++;
    while (*s == ' ')
        s++;
    size_t k = 0;
    while (*s && k + 1 < n) {
        if (isdigit((unsigned char)*s)) {
            key[k++] = '#';
            while (isdigit((unsigned char)*s))
                s++;
        } else {
            key[k++] = *s++;
        }
    }
    key[k] = '\0';
}
