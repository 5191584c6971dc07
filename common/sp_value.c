/*
 * Durations, timestamps and true/false (contract in sp_value.h). Written by
 * hand because strptime() cannot take an offset like "+09:00" portably and
 * mktime() would apply the machine's zone; timegm-style arithmetic here
 * keeps the result independent of TZ.
 */
#include "common/sp_value.h"

#include "common/sp_civil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

bool sp_value_duration_ms(const char *s, int64_t *out_ms)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno)
        return false;
    int64_t mul;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mul = 1000;
    else if (strcmp(end, "ms") == 0)
        mul = 1;
    else if (strcmp(end, "m") == 0)
        mul = 60 * 1000;
    else if (strcmp(end, "h") == 0)
        mul = 3600 * 1000;
    else if (strcmp(end, "d") == 0)
        mul = 86400 * 1000;
    else
        return false;
    if (v > INT64_MAX / mul)
        return false;
    *out_ms = (int64_t)v * mul;
    return true;
}


bool sp_value_timestamp_ms(const char *s, int64_t *out_ms)
{
    int y, mo, d, h, mi, se, ms = 0;
    if (!s || strlen(s) < 20)
        return false;
    if (!sp_civil_digits(s, 4, &y) || s[4] != '-' || !sp_civil_digits(s + 5, 2, &mo) ||
        s[7] != '-' || !sp_civil_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
        !sp_civil_digits(s + 11, 2, &h) || s[13] != ':' || !sp_civil_digits(s + 14, 2, &mi) ||
        s[16] != ':' || !sp_civil_digits(s + 17, 2, &se))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0, scale = 100;
        for (p++; isdigit((unsigned char)*p); p++, n++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
        if (n == 0)
            return false;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || se > 60)
        return false;
    int off_min;
    if (strcmp(p, "Z") == 0 || strcmp(p, "z") == 0) {
        off_min = 0;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        const char *q = p + 1;
        if (!sp_civil_digits(q, 2, &oh))
            return false;
        q += 2;
        if (*q == ':')
            q++;
        if (!sp_civil_digits(q, 2, &om) || q[2] != '\0' || oh > 23 || om > 59)
            return false;
        off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    } else {
        return false;
    }
    int64_t days = sp_civil_days(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + (se == 60 ? 59 : se) - off_min * 60;
    *out_ms = secs * 1000 + ms;
    return true;
}

bool sp_value_bool(const char *s, bool *out)
{
    static const char *const words[][2] = {
        {"false", "true"}, {"no", "yes"}, {"off", "on"}, {"0", "1"}};
    for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++) {
        for (int v = 0; v < 2; v++) {
            if (strcasecmp(s, words[i][v]) == 0) {
                *out = v;
                return true;
            }
        }
    }
    return false;
}

bool sp_value_listen(const char *s, struct sockaddr_storage *out)
{
    if (!s)
        return false;
    const char *colon = strrchr(s, ':');
    if (!colon || !isdigit((unsigned char)colon[1]))
        return false;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || port < 1 || port > 65535)
        return false;
    char host[64];
    size_t hl = (size_t)(colon - s);
    bool v6 = hl >= 2 && s[0] == '[' && s[hl - 1] == ']';
    if (v6) {
        s++;
        hl -= 2;
    }
    if (hl == 0 || hl >= sizeof host)
        return false;
    memcpy(host, s, hl);
    host[hl] = '\0';
    memset(out, 0, sizeof *out);
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host, &a->sin6_addr) == 1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a->sin_addr) == 1;
}
