/*
 * Calendar time for SLA reports (calendar/calendar.c): month bounds, local
 * dates and service hours in real zones from the system's tzdata, and the
 * SLA figures they lead to. Every expected number is worked out by hand in
 * the comment beside it (days since 1970-01-01, weekday counts from the
 * month's first weekday, DST dates from the zone rules), then checked once
 * against `TZ=... date -d ... +%s` and `zdump -v`; none was copied from
 * the code's output.
 *
 * Day counts used below (1970-01-01 = day 0, a Thursday):
 *   1970..2025 = 56 years, 14 of them leap (1972..2024) -> 20,454 days
 *   2026-03-01 = 20,454 + 31 + 28                       = 20,513
 *   2026-11-01 = 20,454 + 304 (Jan..Oct 2026)           = 20,758, a Sunday
 *                (20,758 mod 7 = 3, Thursday + 3)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "calendar/calendar.h"
#include "sla/sla.h"

#define H 3600
#define DAY 86400
#define NOV INT64_C(1793458800) /* 2026-11-01T00:00+09:00 = 20,758 x 86,400 - 32,400 */
#define DEC INT64_C(1796050800) /* NOV + 30 x 86,400 */

static const char *const TOKYO = "Asia/Tokyo";
static const char *const NYC = "America/New_York";

static sp_cal_hours *hours(const char *text, const char *const *hol, size_t n)
{
    sp_cal_hours *h = NULL;
    char err[256];
    sp_status st = sp_cal_hours_parse(text, hol, n, &h, err, sizeof err);
    if (st != SP_OK)
        print_error("parse '%s': %s\n", text ? text : "(null)", err);
    assert_int_equal(st, SP_OK);
    assert_non_null(h);
    return h;
}

static int64_t total(const sp_sla_span *v, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].start < v[i].end);
        if (i > 0) /* sorted, disjoint, and merged where they touch */
            assert_true(v[i].start > v[i - 1].end);
        t += v[i].end - v[i].start;
    }
    return t;
}

/* --- Timezones, months and dates ----------------------------------------- */

static void test_tz_valid(void **state)
{
    (void)state;
    assert_true(sp_cal_tz_valid("Asia/Tokyo"));
    assert_true(sp_cal_tz_valid("America/New_York"));
    assert_true(sp_cal_tz_valid("UTC"));
    assert_false(sp_cal_tz_valid(NULL));
    assert_false(sp_cal_tz_valid(""));
    assert_false(sp_cal_tz_valid("Mars/Olympus_Mons")); /* glibc would say UTC */
    assert_false(sp_cal_tz_valid("Asia"));              /* a directory */
    assert_false(sp_cal_tz_valid("zone.tab"));          /* a text file of the database */
    assert_false(sp_cal_tz_valid("../../../etc/passwd"));
    assert_false(sp_cal_tz_valid("Asia/../Asia/Tokyo"));
    assert_false(sp_cal_tz_valid("/usr/share/zoneinfo/Asia/Tokyo"));
    assert_false(sp_cal_tz_valid("JST-9")); /* a POSIX rule, not a zone name */
}

static void test_parse_month(void **state)
{
    (void)state;
    int y = 0, m = 0;
    assert_true(sp_cal_parse_month("2026-11", &y, &m));
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    assert_true(sp_cal_parse_month("2028-02", &y, &m));
    assert_int_equal(m, 2);
    assert_false(sp_cal_parse_month("2026-13", &y, &m));
    assert_false(sp_cal_parse_month("2026-00", &y, &m));
    assert_false(sp_cal_parse_month("2026-1", &y, &m));
    assert_false(sp_cal_parse_month("26-11", &y, &m));
    assert_false(sp_cal_parse_month("2026/11", &y, &m));
    assert_false(sp_cal_parse_month("2026-11-01", &y, &m));
    assert_false(sp_cal_parse_month(" 2026-11", &y, &m));
    assert_false(sp_cal_parse_month("", &y, &m));
    assert_false(sp_cal_parse_month(NULL, &y, &m));
}

static void bounds(const char *tz, int y, int m, int64_t *s, int64_t *e)
{
    assert_int_equal(sp_cal_month_bounds(tz, y, m, s, e), SP_OK);
}

static void test_tokyo_30_and_31_day_months(void **state)
{
    (void)state;
    int64_t s, e;
    bounds(TOKYO, 2026, 11, &s, &e);
    assert_int_equal(s, 1793458800); /* 20,758 x 86,400 - 9 h */
    assert_int_equal(e, 1796050800); /* + 30 x 86,400 */
    assert_int_equal(e - s, 2592000);
    bounds(TOKYO, 2026, 12, &s, &e);
    assert_int_equal(s, 1796050800);
    assert_int_equal(e, 1798729200); /* + 31 x 86,400 = 2,678,400; crosses the year */
}

static void test_february(void **state)
{
    (void)state;
    int64_t s, e;
    /* 2028-02-01: 1970..2027 = 58 years, 14 leap -> 21,184 days, + 31
     * (Jan) = 21,215; x 86,400 - 32,400 = 1,832,943,600. 2028 is leap:
     * 29 days = 2,505,600 s. */
    bounds(TOKYO, 2028, 2, &s, &e);
    assert_int_equal(s, 1832943600);
    assert_int_equal(e, 1835449200);
    assert_int_equal(e - s, 29 * DAY);
    /* 2027-02-01: 57 x 365 + 14 + 31 = 20,850 days -> 1,801,407,600; 28
     * days = 2,419,200 s. */
    bounds(TOKYO, 2027, 2, &s, &e);
    assert_int_equal(s, 1801407600);
    assert_int_equal(e, 1803826800);
    assert_int_equal(e - s, 28 * DAY);
    /* Century rules: 2000 is leap (divisible by 400), 2100 is not. */
    bounds("UTC", 2000, 2, &s, &e);
    assert_int_equal(e - s, 29 * DAY);
    bounds("UTC", 2100, 2, &s, &e);
    assert_int_equal(e - s, 28 * DAY);
}

static void test_new_york_dst_months(void **state)
{
    (void)state;
    int64_t s, e;
    /* March 2026: EST (-5) on the 1st, EDT from Sun 03-08. 2026-03-01 =
     * day 20,513 -> 1,772,323,200 + 5 h = 1,772,341,200. 31 d - 1 h =
     * 2,674,800 s = 743 h. */
    bounds(NYC, 2026, 3, &s, &e);
    assert_int_equal(s, 1772341200);
    assert_int_equal(e, 1775016000); /* 2026-04-01T04:00Z */
    assert_int_equal(e - s, 743 * H);
    /* November 2026: EDT (-4) on the 1st until 02:00, then EST. 20,758 x
     * 86,400 + 4 h = 1,793,505,600. 30 d + 1 h = 2,595,600 s = 721 h. */
    bounds(NYC, 2026, 11, &s, &e);
    assert_int_equal(s, 1793505600);
    assert_int_equal(e, 1796101200); /* 2026-12-01T05:00Z */
    assert_int_equal(e - s, 721 * H);
    /* A 31-day month that falls back has 745 h: London, October 2026
     * (BST until Sun 10-25): 2026-10-01 = day 20,727 -> 1,790,812,800 -
     * 1 h; ends 2026-11-01T00:00Z = 20,758 x 86,400. */
    bounds("Europe/London", 2026, 10, &s, &e);
    assert_int_equal(s, 1790809200);
    assert_int_equal(e, 1793491200);
    assert_int_equal(e - s, 745 * H);
}

static void test_month_bounds_rejects(void **state)
{
    (void)state;
    int64_t s = 7, e = 7;
    assert_int_equal(sp_cal_month_bounds("Mars/Olympus_Mons", 2026, 11, &s, &e), SP_EINVAL);
    assert_int_equal(sp_cal_month_bounds(TOKYO, 2026, 13, &s, &e), SP_EINVAL);
    assert_int_equal(sp_cal_month_bounds(TOKYO, 2026, 0, &s, &e), SP_EINVAL);
    assert_int_equal(sp_cal_month_bounds(NULL, 2026, 11, &s, &e), SP_EINVAL);
    assert_int_equal(s, 7); /* untouched on error */
}

static void test_tz_restored(void **state)
{
    (void)state;
    int64_t s, e;
    char buf[16];
    setenv("TZ", "Europe/Paris", 1);
    bounds(TOKYO, 2026, 11, &s, &e);
    assert_string_equal(getenv("TZ"), "Europe/Paris");
    unsetenv("TZ");
    assert_int_equal(sp_cal_local_date(NYC, NOV, buf, sizeof buf), SP_OK);
    assert_null(getenv("TZ"));
}

static void test_local_date(void **state)
{
    (void)state;
    char buf[11];
    assert_int_equal(sp_cal_local_date(TOKYO, NOV, buf, sizeof buf), SP_OK);
    assert_string_equal(buf, "2026-11-01");
    assert_int_equal(sp_cal_local_date(TOKYO, NOV - 1, buf, sizeof buf), SP_OK);
    assert_string_equal(buf, "2026-10-31");
    /* The same instant is 2026-10-31 13:00 EDT (-4) in New York, and
     * 2026-10-31 15:00 UTC. */
    assert_int_equal(sp_cal_local_date(NYC, NOV, buf, sizeof buf), SP_OK);
    assert_string_equal(buf, "2026-10-31");
    assert_int_equal(sp_cal_local_date("UTC", NOV, buf, sizeof buf), SP_OK);
    assert_string_equal(buf, "2026-10-31");
    assert_int_equal(sp_cal_local_date(TOKYO, NOV, buf, 10), SP_EINVAL); /* too small */
    assert_int_equal(sp_cal_local_date("Nowhere/Else", NOV, buf, sizeof buf), SP_EINVAL);
}

/* --- Service-hours grammar ----------------------------------------------- */

static void expect_parse_error(const char *text, const char *const *hol, size_t n,
                               const char *want1, const char *want2)
{
    sp_cal_hours *h = (sp_cal_hours *)1;
    char err[256] = "";
    assert_int_equal(sp_cal_hours_parse(text, hol, n, &h, err, sizeof err), SP_EPARSE);
    assert_null(h);
    if (strstr(err, want1) == NULL || (want2 && strstr(err, want2) == NULL))
        print_error("for '%s' got error \"%s\"\n", text ? text : "(null)", err);
    assert_non_null(strstr(err, want1));
    if (want2)
        assert_non_null(strstr(err, want2));
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("Mon-Fro 09:00-18:00", NULL, 0, "unknown day 'Fro'",
                       "'Mon-Fro 09:00-18:00'");
    expect_parse_error("Mun 09:00-18:00", NULL, 0, "unknown day 'Mun'", NULL);
    expect_parse_error("Mon-Fri 25:00-26:00", NULL, 0, "bad time '25:00'", "00:00 .. 24:00");
    expect_parse_error("Mon-Fri 09:00-24:30", NULL, 0, "bad time '24:30'", NULL);
    expect_parse_error("Mon-Fri 09:60-10:00", NULL, 0, "bad time '09:60'", NULL);
    expect_parse_error("Mon-Fri 9:0-18:00", NULL, 0, "bad time '9:0'", NULL);
    expect_parse_error("Mon-Fri 0900-1800", NULL, 0, "bad time '0900'", NULL);
    expect_parse_error("Mon-Fri 24:00-06:00", NULL, 0, "cannot start at '24:00'", NULL);
    expect_parse_error("Mon-Fri", NULL, 0, "'Mon-Fri': missing hours", NULL);
    expect_parse_error("Mon-Fri 09:00", NULL, 0, "missing '-'", NULL);
    expect_parse_error("Mon-Fri 09:00-", NULL, 0, "missing end time", NULL);
    expect_parse_error("09:00-18:00", NULL, 0, "expected a day", NULL);
    expect_parse_error("Mon-Fri 09:00-18:00 JST", NULL, 0, "unexpected 'JST'", NULL);
    /* Ranges are separated by commas, so "Mon,Wed" is a range "Mon"
     * without hours. */
    expect_parse_error("Mon,Wed 09:00-18:00", NULL, 0, "'Mon': missing hours", NULL);
    expect_parse_error("Mon-Fri 09:00-18:00,", NULL, 0, "empty range", NULL);
    expect_parse_error("Mon-Fri 09:00-18:00, , Sat 10:00-12:00", NULL, 0, "empty range", NULL);
    expect_parse_error("", NULL, 0, "empty service hours", NULL);
    expect_parse_error("   ", NULL, 0, "empty service hours", NULL);
    expect_parse_error("Mon- 09:00-18:00", NULL, 0, "expected a day after '-'", NULL);
    const char *bad_hol[] = {"2026-11-03", "2026-02-30"};
    expect_parse_error("Mon-Fri 09:00-18:00", bad_hol, 2, "holiday '2026-02-30'", NULL);
    const char *bad_hol2[] = {"2026-11-3"};
    expect_parse_error(NULL, bad_hol2, 1, "holiday '2026-11-3'", NULL);
}

static void test_parse_forms(void **state)
{
    (void)state;
    sp_cal_hours *h = hours(NULL, NULL, 0);
    assert_true(sp_cal_hours_always(h));
    sp_cal_hours_destroy(h);
    h = hours("  24X7 ", NULL, 0);
    assert_true(sp_cal_hours_always(h));
    sp_cal_hours_destroy(h);
    const char *hol[] = {"2026-11-03"};
    h = hours("24x7", hol, 1); /* all hours, but not every day */
    assert_false(sp_cal_hours_always(h));
    sp_cal_hours_destroy(h);
    h = hours("mon-FRI 09:00-18:00", NULL, 0);
    assert_false(sp_cal_hours_always(h));
    sp_cal_hours_destroy(h);
    h = hours(" Mon - Fri  9:00 - 18:00 ,Sat + Sun 10:00-12:00 ", NULL, 0);
    sp_cal_hours_destroy(h);
    sp_cal_hours_destroy(NULL);
}

/* --- Service spans --------------------------------------------------------- */

static void spans_of(const char *text, const char *const *hol, size_t nh, const char *tz,
                     int64_t from, int64_t to, sp_sla_span **v, size_t *n)
{
    sp_cal_hours *h = hours(text, hol, nh);
    assert_int_equal(sp_cal_hours_spans(h, tz, from, to, v, n), SP_OK);
    sp_cal_hours_destroy(h);
}

static void test_weekdays_tokyo_november(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    /* November 2026 starts on a Sunday: weekdays are 2-6, 9-13, 16-20,
     * 23-27 and Mon 30 = 21 days; x 9 h = 189 h = 680,400 s. */
    spans_of("Mon-Fri 09:00-18:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 21);
    assert_int_equal(total(v, n), 680400);
    assert_int_equal(v[0].start, NOV + DAY + 9 * H); /* Mon 11-02 09:00 JST = 1,793,577,600 */
    assert_int_equal(v[0].start, 1793577600);
    assert_int_equal(v[0].end, NOV + DAY + 18 * H);
    assert_int_equal(v[4].start, NOV + 5 * DAY + 9 * H);  /* Fri 11-06 */
    assert_int_equal(v[5].start, NOV + 8 * DAY + 9 * H);  /* then Mon 11-09 */
    assert_int_equal(v[20].end, NOV + 29 * DAY + 18 * H); /* Mon 11-30 18:00 */
    free(v);

    /* Holidays 11-03 (Tue) and 11-23 (Mon) take 2 x 9 h: 171 h = 615,600 s. */
    const char *hol[] = {"2026-11-23", "2026-11-03", "2026-12-25"};
    spans_of("Mon-Fri 09:00-18:00", hol, 3, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 19);
    assert_int_equal(total(v, n), 615600);
    assert_int_equal(v[1].start, NOV + 3 * DAY + 9 * H); /* Mon 11-02, then Wed 11-04 */
    free(v);

    /* A lunch break and Saturday mornings: three ranges. 21 weekdays x
     * (3 h + 5 h) + 4 Saturdays (7, 14, 21, 28) x 4 h = 168 + 16 = 184 h. */
    spans_of("Mon-Fri 09:00-12:00, Mon-Fri 13:00-18:00, Sat 10:00-14:00", NULL, 0, TOKYO, NOV, DEC,
             &v, &n);
    assert_int_equal(n, 21 * 2 + 4);
    assert_int_equal(total(v, n), 184 * H);
    free(v);

    /* Sat+Sun: Saturdays 7, 14, 21, 28 and Sundays 1, 8, 15, 22, 29 = 9
     * days x 2 h = 18 h. */
    spans_of("Sat+Sun 10:00-12:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 9);
    assert_int_equal(total(v, n), 18 * H);
    assert_int_equal(v[0].start, NOV + 10 * H); /* Sun 11-01 */
    free(v);
}

static void test_24x7_spans(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    spans_of(NULL, NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, NOV);
    assert_int_equal(v[0].end, DEC);
    free(v);
    /* 24x7 with a holiday on 11-03: 29 days in two spans. */
    const char *hol[] = {"2026-11-03"};
    spans_of("24x7", hol, 1, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].end, NOV + 2 * DAY);
    assert_int_equal(v[1].start, NOV + 3 * DAY);
    assert_int_equal(total(v, n), 29 * DAY);
    free(v);
    /* Mon-Sun 00:00-24:00 touches itself day after day: merged into one. */
    spans_of("Mon-Sun 00:00-24:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(total(v, n), 30 * DAY);
    free(v);
    /* An empty range of time is a valid answer: no spans. */
    spans_of("Mon-Fri 09:00-18:00", NULL, 0, TOKYO, NOV, NOV, &v, &n);
    assert_int_equal(n, 0);
    assert_null(v);
    spans_of("Mon-Fri 09:00-18:00", NULL, 0, TOKYO, NOV, NOV + DAY, &v, &n); /* a Sunday */
    assert_int_equal(n, 0);
    free(v);
}

static void test_range_across_midnight(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    /* Night shift starting Mon-Fri: 21 starts (as above); the one on Mon
     * 11-30 runs into December and keeps 22:00..24:00 = 2 h. 20 x 8 h +
     * 2 h = 162 h = 583,200 s. Saturday 10-31 has no shift. */
    spans_of("Mon-Fri 22:00-06:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 21);
    assert_int_equal(total(v, n), 162 * H);
    assert_int_equal(v[0].start, NOV + DAY + 22 * H);
    assert_int_equal(v[0].end, NOV + 2 * DAY + 6 * H);
    assert_int_equal(v[20].end, DEC);
    free(v);

    /* Saturday nights: the shift of Sat 10-31 reaches into November for
     * 6 h (from the day before the period), then 11-07, 14, 21 and 28
     * give 4 x 8 h: 38 h = 136,800 s. */
    spans_of("Sat 22:00-06:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 5);
    assert_int_equal(v[0].start, NOV);
    assert_int_equal(v[0].end, NOV + 6 * H);
    assert_int_equal(total(v, n), 38 * H);
    free(v);

    /* Holiday Tue 11-03 is a whole local date without service: Monday's
     * shift loses 00:00..06:00 of Tuesday, Tuesday's loses 22:00..24:00
     * and keeps Wednesday 00:00..06:00: 162 - 6 - 2 = 154 h. */
    const char *hol[] = {"2026-11-03"};
    spans_of("Mon-Fri 22:00-06:00", hol, 1, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 21);
    assert_int_equal(total(v, n), 154 * H);
    assert_int_equal(v[0].end, NOV + 2 * DAY);         /* Tue 00:00 */
    assert_int_equal(v[1].start, NOV + 3 * DAY);       /* Wed 00:00 */
    assert_int_equal(v[1].end, NOV + 3 * DAY + 6 * H); /* Wed 06:00 */
    free(v);

    /* Equal start and end is a full 24 h from the start. */
    spans_of("Wed 09:00-09:00", NULL, 0, TOKYO, NOV, DEC, &v, &n);
    assert_int_equal(n, 4); /* Wednesdays 4, 11, 18, 25 */
    assert_int_equal(total(v, n), 4 * DAY);
    free(v);
}

static void test_dst_days_new_york(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    /* Sun 2026-03-08 (day 20,520 -> 1,772,928,000 at 00:00Z): clocks go
     * from 02:00 EST to 03:00 EDT. 09:00 EDT = 13:00Z, 18:00 EDT = 22:00Z:
     * still 9 h. */
    int64_t d0 = INT64_C(1772928000);
    int64_t day_s = d0 + 5 * H, day_e = d0 + DAY + 4 * H; /* local 00:00 .. 24:00 */
    spans_of("Sun 09:00-18:00", NULL, 0, NYC, day_s, day_e, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, d0 + 13 * H); /* 1,772,974,800 */
    assert_int_equal(v[0].end, d0 + 22 * H);   /* 1,773,007,200 */
    free(v);
    /* The whole day is 23 h. */
    spans_of("Sun 00:00-24:00", NULL, 0, NYC, d0 - DAY, d0 + 2 * DAY, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, day_s);
    assert_int_equal(v[0].end, day_e);
    assert_int_equal(total(v, n), 23 * H);
    free(v);
    /* 02:30..03:30 starts in the skipped hour: service runs from when
     * 03:00 EDT arrives (07:00Z) to 03:30 EDT (07:30Z), 30 min. */
    spans_of("Sun 02:30-03:30", NULL, 0, NYC, day_s, day_e, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, d0 + 7 * H);
    assert_int_equal(v[0].end, d0 + 7 * H + 1800);
    free(v);

    /* A night range across the spring-forward: Sat 03-07 22:00 EST (03:00Z
     * on 03-08) .. Sun 06:00 EDT (10:00Z) is 7 h of wall clock 8 h. */
    spans_of("Sat 22:00-06:00", NULL, 0, NYC, d0 - DAY, d0 + DAY, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, d0 + 3 * H);
    assert_int_equal(v[0].end, d0 + 10 * H);
    free(v);

    /* Sun 2026-11-01 (day 20,758 -> 1,793,491,200 at 00:00Z): 02:00 EDT
     * falls back to 01:00 EST. The day runs 04:00Z .. next 05:00Z = 25 h;
     * 09:00-18:00 EST = 14:00Z .. 23:00Z, 9 h. */
    int64_t n0 = INT64_C(1793491200);
    spans_of("Sun 00:00-24:00", NULL, 0, NYC, n0 - DAY, n0 + 2 * DAY, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, n0 + 4 * H);
    assert_int_equal(v[0].end, n0 + DAY + 5 * H);
    assert_int_equal(total(v, n), 25 * H);
    free(v);
    spans_of("Sun 09:00-18:00", NULL, 0, NYC, n0 - DAY, n0 + 2 * DAY, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, n0 + 14 * H);
    assert_int_equal(v[0].end, n0 + 23 * H);
    free(v);

    /* Weekdays of March 2026 in New York (1st is a Sunday): 2-6, 9-13,
     * 16-20, 23-27, 30-31 = 22 days x 9 h = 198 h, DST or not. */
    int64_t s, e;
    bounds(NYC, 2026, 3, &s, &e);
    spans_of("Mon-Fri 09:00-18:00", NULL, 0, NYC, s, e, &v, &n);
    assert_int_equal(n, 22);
    assert_int_equal(total(v, n), 198 * H);
    free(v);
}

static void test_midnight_transition_havana(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    /* Cuba springs forward at midnight: on 2026-03-08 local 00:00 never
     * happens (23:59:59 CST is followed by 01:00 CDT at 05:00Z). The day
     * starts at the transition, 1,772,928,000 + 5 h, and ends at 03-09
     * 00:00 CDT = 04:00Z: 23 h. */
    int64_t d0 = INT64_C(1772928000);
    spans_of("Sun 00:00-24:00", NULL, 0, "America/Havana", d0 - DAY, d0 + 2 * DAY, &v, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, d0 + 5 * H);
    assert_int_equal(v[0].end, d0 + DAY + 4 * H);
    free(v);
}

static void test_spans_rejects(void **state)
{
    (void)state;
    sp_sla_span *v = (sp_sla_span *)1;
    size_t n = 9;
    sp_cal_hours *h = hours("Mon-Fri 09:00-18:00", NULL, 0);
    assert_int_equal(sp_cal_hours_spans(h, "Nowhere/Else", NOV, DEC, &v, &n), SP_EINVAL);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(sp_cal_hours_spans(h, TOKYO, DEC, NOV, &v, &n), SP_EINVAL);
    assert_int_equal(sp_cal_hours_spans(NULL, TOKYO, NOV, DEC, &v, &n), SP_EINVAL);
    assert_int_equal(sp_cal_hours_spans(h, TOKYO, 0, INT64_MAX, &v, &n), SP_EINVAL);
    assert_int_equal(sp_cal_hours_spans(h, TOKYO, NOV - 200 * 366 * INT64_C(86400), NOV, &v, &n),
                     SP_EINVAL);
    assert_null(v);
    sp_cal_hours_destroy(h);
}

/* --- Calendar and arithmetic together ------------------------------------ */

static void test_sla_with_office_hours(void **state)
{
    (void)state;
    sp_sla_span *v;
    size_t n;
    int64_t s, e;
    bounds(TOKYO, 2026, 11, &s, &e);
    spans_of("Mon-Fri 09:00-18:00", NULL, 0, TOKYO, s, e, &v, &n);
    /* DOWN Fri 11-06 17:00..20:00 JST: only 17:00..18:00 is service time.
     * DOWN Sat 11-07 10:00..11:00: none of it. */
    int64_t f = NOV + 5 * DAY, sa = NOV + 6 * DAY;
    sp_sla_seg tl[] = {
        {s, f + 17 * H, SP_STATE_UP, SP_REASON_OK, false},
        {f + 17 * H, f + 20 * H, SP_STATE_DOWN, SP_REASON_HTTP_STATUS, false},
        {f + 20 * H, sa + 10 * H, SP_STATE_UP, SP_REASON_OK, false},
        {sa + 10 * H, sa + 11 * H, SP_STATE_DOWN, SP_REASON_TCP_REFUSED, false},
        {sa + 11 * H, e, SP_STATE_UP, SP_REASON_OK, false},
    };
    static const sp_sla_tier tiers[] = {{99.5, 10.0}, {99.0, 25.0}, {95.0, 100.0}};
    sp_sla_input in = {.month_start = s,
                       .month_end = e,
                       .service = v,
                       .n_service = n,
                       .timeline = tl,
                       .n_timeline = 5,
                       .target_pct = 99.5,
                       .tiers = tiers,
                       .n_tiers = 3};
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.service_s, 680400); /* 21 x 9 h */
    assert_int_equal(r.eligible_s, 680400);
    assert_int_equal(r.downtime_s, 3600);
    /* budget 680,400 x 0.005 = 3,402 s < 3,600: missed, by 198 s.
     * availability = 676,800 / 680,400 = 99.4709 % -> below 99.5: 10 %. */
    assert_true(fabs(r.budget_left_s - -198.0) < 1e-6);
    assert_true(fabs(r.availability_pct - 100.0 * 676800.0 / 680400.0) < 1e-9);
    assert_false(r.met);
    assert_int_equal(r.credit_tier, 0);
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].duration_s, 3 * H);
    assert_int_equal(r.incidents[0].counted_s, H);
    assert_int_equal(r.incidents[1].duration_s, H);
    assert_int_equal(r.incidents[1].counted_s, 0);
    sp_sla_result_free(&r);

    /* With maintenance 2026-10-31T22:00 .. 11-01T03:00 JST on 24x7: 3 h of
     * November go, E = 2,592,000 - 10,800 = 2,581,200. */
    sp_sla_window mw[] = {{s - 2 * H, s + 3 * H, "planned"}};
    in.service = NULL;
    in.n_service = 0;
    in.maintenance = mw;
    in.n_maintenance = 1;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.eligible_s, 2581200);
    assert_int_equal(r.downtime_s, 4 * H); /* both outages count on 24x7 */
    sp_sla_result_free(&r);
    free(v);
}

/* Local days for the status page's grid: a Tokyo day is 86400 s; in New
 * York 2026-03-08 (DST starts) is 23 h, 2026-03-09 is 24 h (by `date`:
 * 1772946000, 1773028800, 1773115200 are their midnights). */
static void test_day_bounds(void **state)
{
    (void)state;
    int64_t s, e;
    assert_int_equal(sp_cal_day_bounds("Asia/Tokyo", 1793458800 + 100, 0, &s, &e), SP_OK);
    assert_int_equal(s, 1793458800);
    assert_int_equal(e, 1793458800 + 86400);
    /* one second before midnight, one day back: 2026-10-30 */
    assert_int_equal(sp_cal_day_bounds("Asia/Tokyo", 1793458799, 1, &s, &e), SP_OK);
    assert_int_equal(s, 1793458800 - 2 * 86400);
    assert_int_equal(e, 1793458800 - 86400);
    assert_int_equal(sp_cal_day_bounds("America/New_York", 1773028800 + 5, 1, &s, &e), SP_OK);
    assert_int_equal(s, 1772946000);
    assert_int_equal(e, 1773028800);
    assert_int_equal(e - s, 23 * 3600);
    assert_int_equal(sp_cal_day_bounds("America/New_York", 1773028800, 0, &s, &e), SP_OK);
    assert_int_equal(e - s, 24 * 3600);
    assert_int_equal(sp_cal_day_bounds("Nowhere/Land", 0, 0, &s, &e), SP_EINVAL);
    assert_int_equal(sp_cal_day_bounds("UTC", 0, -1, &s, &e), SP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_valid),
        cmocka_unit_test(test_parse_month),
        cmocka_unit_test(test_tokyo_30_and_31_day_months),
        cmocka_unit_test(test_february),
        cmocka_unit_test(test_new_york_dst_months),
        cmocka_unit_test(test_month_bounds_rejects),
        cmocka_unit_test(test_tz_restored),
        cmocka_unit_test(test_local_date),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_weekdays_tokyo_november),
        cmocka_unit_test(test_24x7_spans),
        cmocka_unit_test(test_range_across_midnight),
        cmocka_unit_test(test_dst_days_new_york),
        cmocka_unit_test(test_midnight_transition_havana),
        cmocka_unit_test(test_spans_rejects),
        cmocka_unit_test(test_sla_with_office_hours),
        cmocka_unit_test(test_day_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
