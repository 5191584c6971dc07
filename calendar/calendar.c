/*
 * Calendar time for SLA reports (contract in calendar.h): report months and
 * service hours in a named timezone, turned into spans of Unix seconds.
 *
 * Local wall-clock times are converted with mktime() under a temporarily
 * set TZ, one day at a time, so DST is right by construction: 09:00-18:00
 * is 9 h on the day the clocks change, and a whole day is 23 or 25 h. The
 * date arithmetic itself (days between dates, weekdays) is done on civil
 * day numbers, never on the C library's clock, so it is the same in every
 * zone. glibc silently treats an unknown TZ as UTC, so zones are checked
 * against the zone files before they are ever set.
 */
#include "calendar/calendar.h"
#include "common/sp_civil.h"
#include "sla/spans.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* --- Civil dates --------------------------------------------------------- */

/* Monday = 0 .. Sunday = 6; 1970-01-01 was a Thursday (3). */
static int weekday(int64_t days)
{
    return (int)(((days % 7) + 7 + 3) % 7);
}

bool sp_cal_parse_month(const char *text, int *year, int *month)
{
    int y, m;
    if (text == NULL || year == NULL || month == NULL || strlen(text) != 7 ||
        !sp_civil_digits(text, 4, &y) || text[4] != '-' || !sp_civil_digits(text + 5, 2, &m))
        return false;
    if (y < 1 || m < 1 || m > 12)
        return false;
    *year = y;
    *month = m;
    return true;
}

/* --- Timezones ----------------------------------------------------------- */

bool sp_cal_tz_valid(const char *tz)
{
    char path[512];
    unsigned char magic[4];
    bool ok = false;
    FILE *f = NULL;

    /* A zone name is a relative path of the tz database: letters, digits
     * and "/_+-", no "..", no leading "/" that could point anywhere on
     * the disk. POSIX TZ strings ("JST-9") are not names and are refused:
     * the configuration speaks in zone names. */
    if (tz == NULL || tz[0] == '\0' || tz[0] == '/' || strlen(tz) > 255 || strstr(tz, ".."))
        goto out;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            goto out;
    /* glibc reads zones from TZDIR when it is set, so check the same place. */
    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/usr/share/zoneinfo";
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, tz) >= sizeof path)
        goto out;
    /* Opening a directory ("Asia") succeeds on Linux; the read fails. The
     * magic also rules out the database's text files (zone.tab). */
    f = fopen(path, "rbe");
    if (f == NULL)
        goto out;
    ok = fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
out:
    if (f != NULL)
        fclose(f);
    return ok;
}

/* TZ as it was before a call set it, to be put back afterwards. */
typedef struct tz_saved {
    char *old; /* NULL when TZ was unset */
} tz_saved;

static sp_status tz_push(const char *tz, tz_saved *s)
{
    const char *cur = getenv("TZ");
    s->old = NULL;
    if (cur != NULL && (s->old = strdup(cur)) == NULL)
        return SP_ENOMEM;
    if (setenv("TZ", tz, 1) != 0) {
        free(s->old);
        s->old = NULL;
        return errno == ENOMEM ? SP_ENOMEM : SP_EINVAL;
    }
    tzset();
    return SP_OK;
}

static void tz_pop(tz_saved *s)
{
    if (s->old != NULL)
        setenv("TZ", s->old, 1);
    else
        unsetenv("TZ");
    free(s->old);
    s->old = NULL;
    tzset();
}

/* Local wall-clock seconds (as if the zone were UTC) at Unix time t. */
static int64_t wall_of(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm lt;
    if (localtime_r(&tt, &lt) == NULL)
        return INT64_MIN;
    return sp_civil_days((int64_t)lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday) * 86400 +
           lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec;
}

/* Unix time of local wall-clock minute `minute` (0..1439) of local day
 * `day` in the zone currently set. mktime() with tm_isdst = -1 gives the
 * answer for every time that exists. A time skipped by a transition
 * (02:30 on a spring-forward night, or midnight in zones that change at
 * 00:00) has none; then the first instant at or after it is used, which
 * is when that local time "arrives": a day starting at a skipped midnight
 * starts at the transition. */
static sp_status local_to_unix(int64_t day, int minute, int64_t *out)
{
    int64_t y;
    int m, d;
    sp_civil_from_days(day, &y, &m, &d);
    if (y - 1900 < -2000000000 || y - 1900 > 2000000000)
        return SP_EINVAL;
    struct tm tm = {.tm_year = (int)(y - 1900),
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = minute / 60,
                    .tm_min = minute % 60,
                    .tm_isdst = -1};
    int64_t w = day * 86400 + (int64_t)minute * 60;
    time_t t = mktime(&tm);
    if (t != (time_t)-1 && wall_of(t) == w) {
        *out = t;
        return SP_OK;
    }
    /* Skipped (or mktime failed): smallest t with wall(t) >= w. UTC offsets
     * stay within -16 h .. +16 h, so the answer lies in (w - 16h, w + 16h];
     * wall time only jumps forward near a gap, so the search is monotone. */
    int64_t lo = w - 16 * 3600, hi = w + 16 * 3600;
    if (wall_of(lo) >= w || wall_of(hi) < w)
        return SP_EINVAL;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (wall_of(mid) >= w)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    return SP_OK;
}

/* Local day number of Unix time t in the zone currently set. */
static int64_t local_day(int64_t t)
{
    int64_t w = wall_of(t);
    return w >= 0 ? w / 86400 : -((-w + 86399) / 86400);
}

sp_status sp_cal_month_bounds(const char *tz, int year, int month, int64_t *start, int64_t *end)
{
    sp_status st = SP_OK;
    tz_saved saved = {0};
    bool pushed = false;
    int64_t s, e;

    if (start == NULL || end == NULL || month < 1 || month > 12 || year < 1 || year > 9999 ||
        !sp_cal_tz_valid(tz))
        return SP_EINVAL;
    if ((st = tz_push(tz, &saved)) != SP_OK)
        goto out;
    pushed = true;
    int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
    if ((st = local_to_unix(sp_civil_days(year, month, 1), 0, &s)) != SP_OK)
        goto out;
    if ((st = local_to_unix(sp_civil_days(ny, nm, 1), 0, &e)) != SP_OK)
        goto out;
    *start = s;
    *end = e;
out:
    if (pushed)
        tz_pop(&saved);
    return st;
}

sp_status sp_cal_day_bounds(const char *tz, int64_t t, int back, int64_t *start, int64_t *end)
{
    tz_saved saved = {0};
    sp_status st;
    if (!sp_cal_tz_valid(tz) || back < 0)
        return SP_EINVAL;
    if ((st = tz_push(tz, &saved)) != SP_OK)
        return st;
    if (wall_of(t) == INT64_MIN) {
        st = SP_EINVAL;
    } else {
        int64_t day = local_day(t) - back;
        if ((st = local_to_unix(day, 0, start)) == SP_OK)
            st = local_to_unix(day + 1, 0, end);
    }
    tz_pop(&saved);
    return st;
}

/* Local wall-clock seconds of t in tz, split into a date and the seconds
 * of that day; the two public formatters share it. */
static sp_status local_wall(const char *tz, int64_t t, int64_t *y, int *m, int *d, int *sod)
{
    tz_saved saved = {0};
    sp_status st;
    if (!sp_cal_tz_valid(tz))
        return SP_EINVAL;
    if ((st = tz_push(tz, &saved)) != SP_OK)
        return st;
    int64_t w = wall_of(t);
    tz_pop(&saved);
    if (w == INT64_MIN)
        return SP_EINVAL;
    int64_t days = w >= 0 ? w / 86400 : -((-w + 86399) / 86400);
    sp_civil_from_days(days, y, m, d);
    *sod = (int)(w - days * 86400);
    return *y < 0 || *y > 9999 ? SP_EINVAL : SP_OK;
}

sp_status sp_cal_local_date(const char *tz, int64_t t, char *buf, size_t n)
{
    int64_t y;
    int m, d, sod;
    if (buf == NULL || n < 11)
        return SP_EINVAL;
    sp_status st = local_wall(tz, t, &y, &m, &d, &sod);
    if (st == SP_OK)
        snprintf(buf, n, "%04d-%02d-%02d", (int)y, m, d);
    return st;
}

sp_status sp_cal_local_time(const char *tz, int64_t t, char *buf, size_t n)
{
    int64_t y;
    int m, d, sod;
    if (buf == NULL || n < 20)
        return SP_EINVAL;
    sp_status st = local_wall(tz, t, &y, &m, &d, &sod);
    if (st == SP_OK)
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", (int)y, m, d, sod / 3600, sod / 60 % 60,
                 sod % 60);
    return st;
}

/* --- Service hours ------------------------------------------------------- */

typedef struct range {
    unsigned days;  /* bit 0 = Monday .. bit 6 = Sunday */
    int start, end; /* minutes 0..1440; end <= start runs into the next day */
} range;

struct sp_cal_hours {
    bool all; /* 24x7 */
    range *r;
    size_t n;
    int64_t *holidays; /* local day numbers */
    size_t n_holidays;
};

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    return p;
}

/* A day name at p (letters only); -1 when unknown. *next is past it. */
static int parse_day(const char *p, const char *end, const char **next)
{
    const char *q = p;
    while (q < end && isalpha((unsigned char)*q))
        q++;
    *next = q;
    if (q - p != 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (strncasecmp(p, day_names[i], 3) == 0)
            return i;
    return -1;
}

/* "HH:MM" (hours may be one digit) -> minutes; -1 when not a time, -2
 * when out of range. The token ends at a non [0-9:] character. */
static int parse_time(const char *p, const char *end, const char **next)
{
    const char *q = p;
    while (q < end && (isdigit((unsigned char)*q) || *q == ':'))
        q++;
    *next = q;
    size_t len = (size_t)(q - p);
    if ((len != 4 && len != 5) || p[len - 3] != ':')
        return -1;
    int h = 0, m;
    for (const char *c = p; c < p + len - 3; c++) {
        if (!isdigit((unsigned char)*c))
            return -1;
        h = h * 10 + (*c - '0');
    }
    if (!sp_civil_digits(p + len - 2, 2, &m))
        return -1;
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -2;
    return h * 60 + m;
}

/* err <- "'<range>': <what>" */
static void range_error(char *err, size_t errlen, const char *s, const char *e, const char *fmt,
                        const char *tok, size_t toklen)
{
    char what[160];
    if (err == NULL || errlen == 0)
        return;
    snprintf(what, sizeof what, fmt, (int)toklen, tok);
    snprintf(err, errlen, "'%.*s': %s", (int)(e - s), s, what);
}

/* One range "days HH:MM-HH:MM" in [s, e), already trimmed. */
static sp_status parse_range(const char *s, const char *e, range *out, char *err, size_t errlen)
{
    const char *p = s, *q;
    unsigned mask = 0;

    if (s == e) {
        range_error(err, errlen, s, e, "empty range (want e.g. 'Mon-Fri 09:00-18:00')%.*s", "", 0);
        return SP_EPARSE;
    }
    /* days := item ("+" item)*, item := day | day "-" day */
    for (;;) {
        int a = parse_day(p, e, &q), b;
        if (a < 0) {
            if (q == p)
                range_error(err, errlen, s, e, "expected a day (Mon..Sun) at '%.*s'", p,
                            (size_t)(e - p));
            else
                range_error(err, errlen, s, e, "unknown day '%.*s' (Mon Tue Wed Thu Fri Sat Sun)",
                            p, (size_t)(q - p));
            return SP_EPARSE;
        }
        p = skip_ws(q, e);
        b = a;
        if (p < e && *p == '-') {
            const char *r = skip_ws(p + 1, e);
            b = parse_day(r, e, &q);
            if (b < 0) {
                if (q == r)
                    range_error(err, errlen, s, e, "expected a day after '-' at '%.*s'", r,
                                (size_t)(e - r));
                else
                    range_error(err, errlen, s, e,
                                "unknown day '%.*s' (Mon Tue Wed Thu Fri Sat Sun)", r,
                                (size_t)(q - r));
                return SP_EPARSE;
            }
            p = skip_ws(q, e);
        }
        /* "Fri-Mon" wraps over the weekend, as a reader would take it. */
        for (int i = a;; i = (i + 1) % 7) {
            mask |= 1u << i;
            if (i == b)
                break;
        }
        if (p < e && *p == '+') {
            p = skip_ws(p + 1, e);
            continue;
        }
        break;
    }
    if (p == e) {
        range_error(err, errlen, s, e, "missing hours after the days (want HH:MM-HH:MM)%.*s", "",
                    0);
        return SP_EPARSE;
    }
    if (!isdigit((unsigned char)*p)) {
        range_error(err, errlen, s, e, "expected hours HH:MM-HH:MM at '%.*s'", p, (size_t)(e - p));
        return SP_EPARSE;
    }
    int t[2];
    for (int i = 0; i < 2; i++) {
        const char *tp = p;
        t[i] = parse_time(tp, e, &q);
        if (t[i] == -1) {
            range_error(err, errlen, s, e, "bad time '%.*s' (want HH:MM)", tp, (size_t)(q - tp));
            return SP_EPARSE;
        }
        if (t[i] == -2) {
            range_error(err, errlen, s, e, "bad time '%.*s' (00:00 .. 24:00)", tp,
                        (size_t)(q - tp));
            return SP_EPARSE;
        }
        p = skip_ws(q, e);
        if (i == 0) {
            if (t[0] == 1440) {
                range_error(err, errlen, s, e, "a range cannot start at '%.*s'", tp,
                            (size_t)(q - tp));
                return SP_EPARSE;
            }
            if (p == e || *p != '-') {
                range_error(err, errlen, s, e, "missing '-' and end time after '%.*s'", tp,
                            (size_t)(q - tp));
                return SP_EPARSE;
            }
            p = skip_ws(p + 1, e);
            if (p == e) {
                range_error(err, errlen, s, e, "missing end time after '%.*s-'", tp,
                            (size_t)(q - tp));
                return SP_EPARSE;
            }
        }
    }
    if (p != e) {
        range_error(err, errlen, s, e, "unexpected '%.*s' after the hours", p, (size_t)(e - p));
        return SP_EPARSE;
    }
    out->days = mask;
    out->start = t[0];
    out->end = t[1];
    return SP_OK;
}

sp_status sp_cal_hours_parse(const char *text, const char *const *holidays, size_t n_holidays,
                             sp_cal_hours **out, char *err, size_t errlen)
{
    sp_status st = SP_OK;
    sp_cal_hours *h = NULL;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL || (n_holidays > 0 && holidays == NULL)) {
        st = SP_EINVAL;
        goto out;
    }
    *out = NULL;
    h = calloc(1, sizeof *h);
    if (h == NULL) {
        st = SP_ENOMEM;
        goto out;
    }

    const char *s = text ? skip_ws(text, text + strlen(text)) : NULL;
    const char *e = text ? text + strlen(text) : NULL;
    while (e != NULL && e > s && isspace((unsigned char)e[-1]))
        e--;
    if (text == NULL || (e - s == 4 && strncasecmp(s, "24x7", 4) == 0)) {
        h->all = true;
    } else if (s == e) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "empty service hours (want e.g. 'Mon-Fri 09:00-18:00' or "
                     "'24x7')");
        st = SP_EPARSE;
        goto out;
    } else {
        size_t n = 1;
        for (const char *p = s; p < e; p++)
            n += *p == ',';
        h->r = calloc(n, sizeof *h->r);
        if (h->r == NULL) {
            st = SP_ENOMEM;
            goto out;
        }
        for (const char *p = s; p <= e;) {
            const char *c = memchr(p, ',', (size_t)(e - p));
            const char *re = c ? c : e;
            const char *rs = skip_ws(p, re), *rt = re;
            while (rt > rs && isspace((unsigned char)rt[-1]))
                rt--;
            if ((st = parse_range(rs, rt, &h->r[h->n], err, errlen)) != SP_OK)
                goto out;
            h->n++;
            if (c == NULL)
                break;
            p = c + 1;
        }
    }

    if (n_holidays > 0) {
        h->holidays = calloc(n_holidays, sizeof *h->holidays);
        if (h->holidays == NULL) {
            st = SP_ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n_holidays; i++) {
        if (holidays[i] == NULL || !sp_civil_parse_date(holidays[i], &h->holidays[i])) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "holiday '%s': not a date (want YYYY-MM-DD)",
                         holidays[i] ? holidays[i] : "(null)");
            st = SP_EPARSE;
            goto out;
        }
    }
    h->n_holidays = n_holidays;
    *out = h;
    h = NULL;
out:
    sp_cal_hours_destroy(h);
    return st;
}

void sp_cal_hours_destroy(sp_cal_hours *h)
{
    if (h == NULL)
        return;
    free(h->r);
    free(h->holidays);
    free(h);
}

bool sp_cal_hours_always(const sp_cal_hours *h)
{
    return h != NULL && h->all && h->n_holidays == 0;
}

sp_status sp_cal_hours_spans(const sp_cal_hours *h, const char *tz, int64_t from, int64_t to,
                             sp_sla_span **out, size_t *n)
{
    sp_status st = SP_OK;
    tz_saved saved = {0};
    bool pushed = false;
    sp_sla_spans l = {0}, hol = {0}, kept = {0};

    if (out != NULL)
        *out = NULL;
    if (n != NULL)
        *n = 0;
    if (h == NULL || out == NULL || n == NULL || from > to || !sp_cal_tz_valid(tz))
        return SP_EINVAL;
    if (from == to)
        return SP_OK;
    if ((st = tz_push(tz, &saved)) != SP_OK)
        goto out;
    pushed = true;

    /* Walk local days from the one before `from` (its ranges may run past
     * midnight into the period) to the day of the last second. */
    if (wall_of(from) == INT64_MIN || wall_of(to - 1) == INT64_MIN) {
        st = SP_EINVAL; /* beyond what the C library can convert */
        goto out;
    }
    int64_t first = local_day(from) - 1, last = local_day(to - 1);
    /* A report spans a month; a range of centuries is a caller's bug, and
     * walking it day by day would look like a hang. */
    if (last - first > 100 * 366) {
        st = SP_EINVAL;
        goto out;
    }
    if (h->all && (st = sp_sla_spans_push(&l, from, to)) != SP_OK)
        goto out;
    for (int64_t d = first; d <= last && !h->all; d++) {
        unsigned bit = 1u << weekday(d);
        for (size_t i = 0; i < h->n; i++) {
            const range *r = &h->r[i];
            if (!(r->days & bit))
                continue;
            int64_t s, e;
            /* 24:00 is the next day's 00:00, as is any end at or before the
             * start; both go through mktime on that day, so DST is right. */
            int64_t end_day = d + (r->end <= r->start || r->end == 1440);
            int end_min = r->end == 1440 ? 0 : r->end;
            if ((st = local_to_unix(d, r->start, &s)) != SP_OK ||
                (st = local_to_unix(end_day, end_min, &e)) != SP_OK)
                goto out;
            if ((st = sp_sla_spans_push(&l, s > from ? s : from, e < to ? e : to)) != SP_OK)
                goto out;
        }
    }
    sp_sla_spans_normalize(&l);

    /* A holiday is a local date with no service at all, so the whole local
     * day goes, including the part of a night range that began the evening
     * before. */
    for (size_t i = 0; i < h->n_holidays; i++) {
        int64_t d = h->holidays[i], s, e;
        if (d < first || d > last)
            continue;
        if ((st = local_to_unix(d, 0, &s)) != SP_OK || (st = local_to_unix(d + 1, 0, &e)) != SP_OK)
            goto out;
        if ((st = sp_sla_spans_push(&hol, s, e)) != SP_OK)
            goto out;
    }
    if (hol.n > 0) {
        sp_sla_spans_normalize(&hol);
        if ((st = sp_sla_spans_subtract(&l, &hol, &kept)) != SP_OK)
            goto out;
        free(l.v);
        l = kept;
        kept = (sp_sla_spans){0};
    }

    *out = l.v;
    *n = l.n;
    l.v = NULL;
    if (*n == 0) {
        free(*out);
        *out = NULL;
    }
out:
    if (pushed)
        tz_pop(&saved);
    free(l.v);
    free(hol.v);
    free(kept.v);
    return st;
}
