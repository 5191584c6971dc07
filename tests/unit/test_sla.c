/*
 * The SLA arithmetic (sla/sla.c) against figures worked out by hand
 * from the definitions in SPEC section 4 and sla/sla.h. Every expected
 * number carries its arithmetic in a comment; none was produced by running
 * the code. Months are given as the Unix bounds of Asia/Tokyo months
 * (checked with `TZ=Asia/Tokyo date -d 2026-11-01 +%s`); the calendar side
 * of those bounds is tested in test_calendar.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "sla/sla.h"

#define H 3600
#define DAY 86400
/* 2026-11-01T00:00+09:00, 2026-12-01T00:00+09:00, 2027-01-01T00:00+09:00 */
#define NOV INT64_C(1793458800)
#define DEC INT64_C(1796050800)
#define JAN INT64_C(1798729200)
#define NOV_S (30 * DAY) /* 2,592,000 */
#define DEC_S (31 * DAY) /* 2,678,400 */

#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

/* --- Helpers ------------------------------------------------------------- */

static sp_sla_seg up(int64_t s, int64_t e)
{
    return (sp_sla_seg){.start = s, .end = e, .state = SP_STATE_UP, .reason = SP_REASON_OK};
}

static sp_sla_seg down(int64_t s, int64_t e, sp_reason r)
{
    return (sp_sla_seg){.start = s, .end = e, .state = SP_STATE_DOWN, .reason = r};
}

static sp_sla_seg unknown(int64_t s, int64_t e)
{
    return (sp_sla_seg){.start = s, .end = e, .state = SP_STATE_UNKNOWN, .reason = SP_REASON_OK};
}

/* The month of November 2026, 24x7, target 99.5, no tiers. */
static sp_sla_input nov(const sp_sla_seg *tl, size_t n)
{
    return (sp_sla_input){
        .month_start = NOV, .month_end = DEC, .timeline = tl, .n_timeline = n, .target_pct = 99.5};
}

/* UP over the whole of November except one DOWN span [s, e). */
static size_t month_with_outage(sp_sla_seg *tl, int64_t ms, int64_t me, int64_t s, int64_t e,
                                sp_reason r)
{
    size_t n = 0;
    if (s > ms)
        tl[n++] = up(ms, s);
    tl[n++] = down(s, e, r);
    if (e < me)
        tl[n++] = up(e, me);
    return n;
}

static void check_sums(const sp_sla_result *r)
{
    /* Invariants of the definitions: E - U - D = uptime, and the incidents'
     * counted seconds are exactly the downtime. */
    assert_int_equal(r->eligible_s - r->unknown_s - r->downtime_s, r->uptime_s);
    int64_t counted = 0, by_class = 0;
    for (size_t i = 0; i < r->n_incidents; i++)
        counted += r->incidents[i].counted_s;
    for (size_t c = 0; c < SP_SLA_N_CLASSES; c++)
        by_class += r->downtime_by_class[c];
    assert_int_equal(counted, r->downtime_s);
    assert_int_equal(by_class, r->downtime_s);
}

/* --- Whole months -------------------------------------------------------- */

static void test_30_day_month_clean(void **state)
{
    (void)state;
    sp_sla_seg tl[] = {up(NOV, DEC)};
    sp_sla_input in = nov(tl, 1);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.period_s, 2592000); /* 30 d x 86,400 */
    assert_int_equal(r.service_s, 2592000);
    assert_int_equal(r.eligible_s, 2592000);
    assert_int_equal(r.unknown_s, 0);
    assert_int_equal(r.downtime_s, 0);
    assert_int_equal(r.uptime_s, 2592000);
    assert_false(r.no_data);
    assert_near(r.availability_pct, 100.0);
    assert_near(r.strict_availability_pct, 100.0);
    assert_near(r.coverage_pct, 100.0);
    assert_near(r.budget_s, 12960.0);      /* 2,592,000 x 0.005 */
    assert_near(r.budget_left_s, 12960.0); /* nothing spent */
    assert_true(r.met);
    assert_int_equal(r.n_incidents, 0);
    assert_true(isnan(r.mttr_s));
    assert_true(isnan(r.mtbf_s));
    assert_int_equal(r.credit_tier, -1);
    assert_near(r.credit_pct, 0.0);
    assert_int_equal(r.rt_n, 0);
    assert_true(isnan(r.rt_avg_ms));
    assert_true(isnan(r.rt_p95_ms));
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_30_day_month_one_hour_down(void **state)
{
    (void)state;
    /* Down 2026-11-11 00:00 .. 01:00 JST. */
    sp_sla_seg tl[3];
    size_t n =
        month_with_outage(tl, NOV, DEC, NOV + 10 * DAY, NOV + 10 * DAY + H, SP_REASON_TCP_REFUSED);
    sp_sla_input in = nov(tl, n);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.eligible_s, 2592000);
    assert_int_equal(r.downtime_s, 3600);
    assert_int_equal(r.uptime_s, 2588400); /* 2,592,000 - 3,600 */
    /* 2,588,400 / 2,592,000 = 0.99861111... */
    assert_near(r.availability_pct, 100.0 * 2588400.0 / 2592000.0);
    assert_true(r.availability_pct > 99.8611 && r.availability_pct < 99.8612);
    assert_near(r.strict_availability_pct, r.availability_pct); /* U = 0 */
    assert_near(r.budget_left_s, 9360.0);                       /* 12,960 - 3,600 */
    assert_true(r.met);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, NOV + 10 * DAY);
    assert_int_equal(r.incidents[0].end, NOV + 10 * DAY + H);
    assert_int_equal(r.incidents[0].duration_s, 3600);
    assert_int_equal(r.incidents[0].counted_s, 3600);
    assert_int_equal(r.incidents[0].reason, SP_REASON_TCP_REFUSED);
    assert_false(r.incidents[0].open_start);
    assert_false(r.incidents[0].open_end);
    assert_near(r.mttr_s, 3600.0);
    assert_near(r.mtbf_s, 2588400.0); /* uptime / 1 incident */
    assert_int_equal(r.downtime_by_class[SP_RCLASS_NETWORK], 3600);
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_31_day_month_two_hours_down(void **state)
{
    (void)state;
    /* December 2026: down 2026-12-24 12:00 .. 14:00 JST = DEC + 23 d + 12 h. */
    sp_sla_seg tl[3];
    int64_t s = DEC + 23 * DAY + 12 * H;
    size_t n = month_with_outage(tl, DEC, JAN, s, s + 2 * H, SP_REASON_HTTP_STATUS);
    sp_sla_input in = {
        .month_start = DEC, .month_end = JAN, .timeline = tl, .n_timeline = n, .target_pct = 99.5};
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.period_s, 2678400); /* 31 d x 86,400 */
    assert_int_equal(r.eligible_s, 2678400);
    assert_int_equal(r.downtime_s, 7200);
    /* (2,678,400 - 7,200) / 2,678,400 = 2,671,200 / 2,678,400 = 0.9973118... */
    assert_near(r.availability_pct, 100.0 * 2671200.0 / 2678400.0);
    assert_true(r.availability_pct > 99.7311 && r.availability_pct < 99.7312);
    assert_near(r.budget_s, 13392.0);     /* 2,678,400 x 0.005 */
    assert_near(r.budget_left_s, 6192.0); /* 13,392 - 7,200 */
    assert_true(r.met);
    assert_int_equal(r.downtime_by_class[SP_RCLASS_HTTP], 7200);
    check_sums(&r);
    sp_sla_result_free(&r);
}

/* --- Exact boundaries: met and credit tiers ------------------------------ */

/* Credit tiers deliberately out of order: index 0 is the 95 % tier. */
static const sp_sla_tier tiers[] = {{95.0, 100.0}, {99.5, 10.0}, {99.0, 25.0}};

static void outage_of(int64_t d, double target, sp_sla_result *r)
{
    sp_sla_seg tl[3];
    size_t n = month_with_outage(tl, NOV, DEC, NOV + DAY, NOV + DAY + d, SP_REASON_TCP_TIMEOUT);
    sp_sla_input in = nov(tl, n);
    in.target_pct = target;
    in.tiers = tiers;
    in.n_tiers = 3;
    assert_int_equal(sp_sla_compute(&in, r), SP_OK);
    assert_int_equal(r->downtime_s, d);
    check_sums(r);
}

static void test_boundary_99_5(void **state)
{
    (void)state;
    sp_sla_result r;
    /* 0.5 % of 2,592,000 = 12,960 s: exactly 99.5 % is met and not below. */
    outage_of(12960, 99.5, &r);
    assert_true(r.met);
    assert_near(r.budget_left_s, 0.0);
    assert_int_equal(r.credit_tier, -1);
    assert_near(r.credit_pct, 0.0);
    sp_sla_result_free(&r);
    /* One second more: 2,579,039 / 2,592,000 < 99.5 % -> missed, 10 %. */
    outage_of(12961, 99.5, &r);
    assert_false(r.met);
    assert_near(r.budget_left_s, -1.0);
    assert_int_equal(r.credit_tier, 1);
    assert_near(r.credit_pct, 10.0);
    sp_sla_result_free(&r);
    /* One second less: met, no credit. */
    outage_of(12959, 99.5, &r);
    assert_true(r.met);
    assert_int_equal(r.credit_tier, -1);
    sp_sla_result_free(&r);
}

static void test_boundary_99(void **state)
{
    (void)state;
    sp_sla_result r;
    /* 1 % of 2,592,000 = 25,920 s: exactly 99 % is below 99.5 only -> 10 %. */
    outage_of(25920, 99.0, &r);
    assert_true(r.met);
    assert_int_equal(r.credit_tier, 1);
    assert_near(r.credit_pct, 10.0);
    sp_sla_result_free(&r);
    /* 25,921 s: below 99 and 99.5 -> the larger credit, 25 %. */
    outage_of(25921, 99.0, &r);
    assert_false(r.met);
    assert_int_equal(r.credit_tier, 2);
    assert_near(r.credit_pct, 25.0);
    sp_sla_result_free(&r);
}

static void test_boundary_95(void **state)
{
    (void)state;
    sp_sla_result r;
    /* 5 % of 2,592,000 = 129,600 s: exactly 95 % -> 25 %, target 95 met. */
    outage_of(129600, 95.0, &r);
    assert_true(r.met);
    assert_int_equal(r.credit_tier, 2);
    assert_near(r.credit_pct, 25.0);
    assert_near(r.budget_left_s, 0.0); /* 2,592,000 x 0.05 - 129,600 */
    sp_sla_result_free(&r);
    /* 129,601 s: below 95 -> 100 %. */
    outage_of(129601, 95.0, &r);
    assert_false(r.met);
    assert_int_equal(r.credit_tier, 0);
    assert_near(r.credit_pct, 100.0);
    sp_sla_result_free(&r);
}

static void test_boundary_99_9_not_binary(void **state)
{
    (void)state;
    sp_sla_result r;
    /* 99.9 has no exact double; 0.1 % of 2,592,000 = 2,592 s is still met. */
    outage_of(2592, 99.9, &r);
    assert_true(r.met);
    sp_sla_result_free(&r);
    outage_of(2593, 99.9, &r);
    assert_false(r.met);
    sp_sla_result_free(&r);
}

static void test_boundary_with_unknown(void **state)
{
    (void)state;
    /* With 7,200 s unknown, E - U = 2,584,800; 0.5 % of it = 12,924 s. The
     * boundary follows E - U, not E. */
    sp_sla_seg tl[] = {up(NOV, NOV + DAY), down(NOV + DAY, NOV + DAY + 12924, SP_REASON_OK),
                       up(NOV + DAY + 12924, NOV + 5 * DAY), up(NOV + 5 * DAY + 2 * H, DEC)};
    sp_sla_input in = nov(tl, 4);
    in.tiers = tiers;
    in.n_tiers = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.unknown_s, 7200);
    assert_int_equal(r.downtime_s, 12924);
    assert_true(r.met);
    assert_int_equal(r.credit_tier, -1);
    /* A DOWN segment with reason OK counts under class NONE. */
    assert_int_equal(r.downtime_by_class[SP_RCLASS_NONE], 12924);
    check_sums(&r);
    sp_sla_result_free(&r);

    tl[1].end = tl[2].start = NOV + DAY + 12925;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_false(r.met);
    assert_int_equal(r.credit_tier, 1);
    sp_sla_result_free(&r);
}

/* --- Maintenance --------------------------------------------------------- */

static void test_maintenance_across_month_boundary(void **state)
{
    (void)state;
    /* 2026-10-31T22:00+09:00 .. 2026-11-01T03:00+09:00: 3 h fall in November. */
    sp_sla_seg tl[] = {up(NOV, DEC)};
    sp_sla_window mw[] = {{NOV - 2 * H, NOV + 3 * H, "planned"}};
    sp_sla_input in = nov(tl, 1);
    in.maintenance = mw;
    in.n_maintenance = 1;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.period_s, 2592000);
    assert_int_equal(r.service_s, 2592000);
    assert_int_equal(r.maintenance_s, 10800); /* 00:00 .. 03:00 */
    assert_int_equal(r.eligible_s, 2581200);  /* 2,592,000 - 10,800 */
    assert_int_equal(r.uptime_s, 2581200);    /* UP during maintenance isn't counted */
    assert_near(r.budget_s, 12906.0);         /* 2,581,200 x 0.005 */
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_maintenance_unsorted_overlapping(void **state)
{
    (void)state;
    /* Windows on 11-07: [01:00, 03:00), [02:00, 04:00), [00:30, 01:30): the
     * union is [00:30, 04:00) = 3.5 h = 12,600 s, each second once. */
    int64_t d = NOV + 6 * DAY;
    sp_sla_seg tl[] = {up(NOV, DEC)};
    sp_sla_window mw[] = {{d + H, d + 3 * H, NULL},
                          {d + 2 * H, d + 4 * H, "overrun"},
                          {d + H / 2, d + H + H / 2, NULL}};
    sp_sla_input in = nov(tl, 1);
    in.maintenance = mw;
    in.n_maintenance = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.maintenance_s, 12600);
    assert_int_equal(r.eligible_s, 2579400); /* 2,592,000 - 12,600 */
    sp_sla_result_free(&r);
}

static void test_outage_overlapping_maintenance(void **state)
{
    (void)state;
    /* Maintenance 2026-11-07 01:00..03:00 JST; DOWN 02:00..04:00: only
     * 03:00..04:00 (3,600 s) counts, the incident still lasts 2 h. */
    int64_t d = NOV + 6 * DAY;
    sp_sla_seg tl[3];
    size_t n = month_with_outage(tl, NOV, DEC, d + 2 * H, d + 4 * H, SP_REASON_HTTP_TIMEOUT);
    sp_sla_window mw[] = {{d + H, d + 3 * H, "planned"}};
    sp_sla_input in = nov(tl, n);
    in.maintenance = mw;
    in.n_maintenance = 1;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.maintenance_s, 7200);
    assert_int_equal(r.eligible_s, 2584800); /* 2,592,000 - 7,200 */
    assert_int_equal(r.downtime_s, 3600);
    assert_int_equal(r.unknown_s, 0);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].duration_s, 7200);
    assert_int_equal(r.incidents[0].counted_s, 3600);
    /* (2,584,800 - 3,600) / 2,584,800 */
    assert_near(r.availability_pct, 100.0 * 2581200.0 / 2584800.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_outage_inside_maintenance(void **state)
{
    (void)state;
    /* DOWN 01:30..02:30 inside maintenance 01:00..03:00: listed, counts 0. */
    int64_t d = NOV + 6 * DAY;
    sp_sla_seg tl[3];
    size_t n =
        month_with_outage(tl, NOV, DEC, d + H + H / 2, d + 2 * H + H / 2, SP_REASON_TCP_REFUSED);
    sp_sla_window mw[] = {{d + H, d + 3 * H, "planned"}};
    sp_sla_input in = nov(tl, n);
    in.maintenance = mw;
    in.n_maintenance = 1;
    in.tiers = tiers;
    in.n_tiers = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, 0);
    assert_near(r.availability_pct, 100.0);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].duration_s, 3600);
    assert_int_equal(r.incidents[0].counted_s, 0);
    assert_int_equal(r.credit_tier, -1);
    check_sums(&r);
    sp_sla_result_free(&r);
}

/* --- Control-target outages ---------------------------------------------- */

static void test_outage_during_control_outage(void **state)
{
    (void)state;
    /* DOWN 11-10 12:00..13:00 while every control target was down from
     * 11:50 to 14:00: our side could not measure -> 3,600 s unknown. */
    int64_t d = NOV + 9 * DAY + 12 * H;
    sp_sla_seg tl[3];
    size_t n = month_with_outage(tl, NOV, DEC, d, d + H, SP_REASON_DNS_TIMEOUT);
    sp_sla_span cd[] = {{d - 600, d + 2 * H}};
    sp_sla_input in = nov(tl, n);
    in.control_down = cd;
    in.n_control_down = 1;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, 0);
    assert_int_equal(r.unknown_s, 3600);
    /* UP while the controls were down is still a measurement. */
    assert_int_equal(r.uptime_s, 2588400); /* 2,592,000 - 3,600 */
    assert_int_equal(r.n_incidents, 0);
    assert_near(r.availability_pct, 100.0);
    assert_near(r.coverage_pct, 100.0 * 2588400.0 / 2592000.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_outage_split_by_control_outage(void **state)
{
    (void)state;
    /* DOWN 12:00..14:00; controls down 12:30..13:00 and (unsorted, and
     * overlapping each other) 12:40..12:50: 1,800 s unknown, 5,400 s down,
     * in two incidents 12:00..12:30 and 13:00..14:00. */
    int64_t d = NOV + 9 * DAY + 12 * H;
    sp_sla_seg tl[3];
    size_t n = month_with_outage(tl, NOV, DEC, d, d + 2 * H, SP_REASON_TCP_TIMEOUT);
    sp_sla_span cd[] = {{d + 40 * 60, d + 50 * 60}, {d + 30 * 60, d + H}};
    sp_sla_input in = nov(tl, n);
    in.control_down = cd;
    in.n_control_down = 2;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.unknown_s, 1800);
    assert_int_equal(r.downtime_s, 5400);
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].start, d);
    assert_int_equal(r.incidents[0].end, d + 1800);
    assert_int_equal(r.incidents[0].duration_s, 1800);
    assert_int_equal(r.incidents[1].start, d + H);
    assert_int_equal(r.incidents[1].end, d + 2 * H);
    assert_int_equal(r.incidents[1].duration_s, 3600);
    assert_int_equal(r.incidents[1].reason, SP_REASON_TCP_TIMEOUT);
    assert_near(r.mttr_s, 2700.0); /* (1,800 + 3,600) / 2 */
    /* (2,592,000 - 1,800 - 5,400) / 2 = 2,584,800 / 2 */
    assert_near(r.mtbf_s, 1292400.0);
    /* availability = 2,584,800 / 2,590,200; strict = 2,584,800 / 2,592,000 */
    assert_near(r.availability_pct, 100.0 * 2584800.0 / 2590200.0);
    assert_near(r.strict_availability_pct, 100.0 * 2584800.0 / 2592000.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

/* --- No data, gaps ------------------------------------------------------- */

static void test_no_data(void **state)
{
    (void)state;
    sp_sla_input in = nov(NULL, 0);
    in.tiers = tiers;
    in.n_tiers = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.eligible_s, 2592000);
    assert_int_equal(r.unknown_s, 2592000);
    assert_int_equal(r.downtime_s, 0);
    assert_int_equal(r.uptime_s, 0);
    assert_true(r.no_data);
    assert_true(isnan(r.availability_pct));
    /* SPEC section 4: measured / eligible and up / eligible: 0 %, not none */
    assert_near(r.strict_availability_pct, 0.0);
    assert_false(isnan(r.strict_availability_pct));
    assert_near(r.coverage_pct, 0.0);
    assert_false(isnan(r.coverage_pct));
    assert_false(r.met);
    assert_int_equal(r.credit_tier, -1);
    assert_near(r.credit_pct, 0.0);
    assert_near(r.budget_s, 12960.0); /* the budget is E x 0.5 %, data or not */
    sp_sla_result_free(&r);

    /* A timeline that says UNKNOWN all month is the same. */
    sp_sla_seg tl[] = {unknown(NOV - DAY, DEC + DAY)};
    in = nov(tl, 1);
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_true(r.no_data);
    assert_int_equal(r.unknown_s, 2592000);
    assert_false(r.met);
    sp_sla_result_free(&r);
}

static void test_no_eligible_time(void **state)
{
    (void)state;
    /* Maintenance all month: E = 0, so E - U = 0 -> no data, not 100 %. */
    sp_sla_seg tl[] = {up(NOV, DEC)};
    sp_sla_window mw[] = {{NOV - DAY, DEC + DAY, NULL}};
    sp_sla_input in = nov(tl, 1);
    in.maintenance = mw;
    in.n_maintenance = 1;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.eligible_s, 0);
    assert_int_equal(r.maintenance_s, 2592000);
    assert_true(r.no_data);
    assert_true(isnan(r.availability_pct));
    /* no eligible time at all: no share of it either */
    assert_true(isnan(r.strict_availability_pct));
    assert_true(isnan(r.coverage_pct));
    assert_false(r.met);
    sp_sla_result_free(&r);
}

static void test_data_gap(void **state)
{
    (void)state;
    /* No segment 11-11 00:00..02:00 and an UNKNOWN hour 11-20 00:00..01:00:
     * U = 7,200 + 3,600 = 10,800. */
    sp_sla_seg tl[] = {up(NOV, NOV + 10 * DAY), up(NOV + 10 * DAY + 2 * H, NOV + 19 * DAY),
                       unknown(NOV + 19 * DAY, NOV + 19 * DAY + H), up(NOV + 19 * DAY + H, DEC)};
    sp_sla_input in = nov(tl, 2);
    tl[1].end = DEC; /* first: only the two-hour hole */
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.unknown_s, 7200);
    assert_int_equal(r.downtime_s, 0);
    assert_near(r.availability_pct, 100.0);
    /* strict = coverage = 2,584,800 / 2,592,000 = 99.7222... % */
    assert_near(r.strict_availability_pct, 100.0 * 2584800.0 / 2592000.0);
    assert_near(r.coverage_pct, 100.0 * 2584800.0 / 2592000.0);
    assert_false(r.no_data);
    sp_sla_result_free(&r);

    tl[1].end = NOV + 19 * DAY;
    in.n_timeline = 4;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.unknown_s, 10800);
    assert_int_equal(r.uptime_s, 2581200); /* 2,592,000 - 10,800 */
    check_sums(&r);
    sp_sla_result_free(&r);
}

/* --- Incidents ----------------------------------------------------------- */

static void test_incidents_merge_and_classes(void **state)
{
    (void)state;
    /* 11-05 10:00: dns_timeout 10 min, then tcp_timeout 20 min, touching:
     * one incident of 1,800 s with the first reason. 11-15 08:00: 5 min
     * tls_cert_expired, after 1 min UP: a second incident. */
    int64_t a = NOV + 4 * DAY + 10 * H, b = NOV + 14 * DAY + 8 * H;
    sp_sla_seg tl[] = {up(NOV, a),
                       down(a, a + 600, SP_REASON_DNS_TIMEOUT),
                       down(a + 600, a + 1800, SP_REASON_TCP_TIMEOUT),
                       up(a + 1800, b - 60),
                       up(b - 60, b), /* touching UP segments change nothing */
                       down(b, b + 300, SP_REASON_TLS_CERT_EXPIRED),
                       up(b + 300, DEC)};
    sp_sla_input in = nov(tl, 7);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, 2100); /* 1,800 + 300 */
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].start, a);
    assert_int_equal(r.incidents[0].end, a + 1800);
    assert_int_equal(r.incidents[0].duration_s, 1800);
    assert_int_equal(r.incidents[0].reason, SP_REASON_DNS_TIMEOUT);
    assert_int_equal(r.incidents[1].start, b);
    assert_int_equal(r.incidents[1].duration_s, 300);
    assert_int_equal(r.incidents[1].reason, SP_REASON_TLS_CERT_EXPIRED);
    assert_int_equal(r.downtime_by_class[SP_RCLASS_DNS], 600);
    assert_int_equal(r.downtime_by_class[SP_RCLASS_NETWORK], 1200);
    assert_int_equal(r.downtime_by_class[SP_RCLASS_TLS], 300);
    assert_int_equal(r.downtime_by_class[SP_RCLASS_HTTP], 0);
    assert_near(r.mttr_s, 1050.0); /* (1,800 + 300) / 2 */
    /* uptime 2,592,000 - 2,100 = 2,589,900; / 2 */
    assert_near(r.mtbf_s, 1294950.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_incidents_open_start_and_end(void **state)
{
    (void)state;
    /* Down since 10-31 23:00 JST until 11-01 01:00, and again from 11-30
     * 23:30 until 12-01 01:00: both clipped to the period. */
    sp_sla_seg tl[] = {down(NOV - H, NOV + H, SP_REASON_HTTP_STATUS), up(NOV + H, DEC - 1800),
                       down(DEC - 1800, DEC + H, SP_REASON_TCP_REFUSED)};
    sp_sla_input in = nov(tl, 3);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].start, NOV);
    assert_int_equal(r.incidents[0].end, NOV + H);
    assert_int_equal(r.incidents[0].duration_s, 3600);
    assert_true(r.incidents[0].open_start);
    assert_false(r.incidents[0].open_end);
    assert_int_equal(r.incidents[1].start, DEC - 1800);
    assert_int_equal(r.incidents[1].end, DEC);
    assert_int_equal(r.incidents[1].duration_s, 1800);
    assert_false(r.incidents[1].open_start);
    assert_true(r.incidents[1].open_end);
    assert_int_equal(r.downtime_s, 5400); /* 3,600 + 1,800 */
    check_sums(&r);
    sp_sla_result_free(&r);

    /* The timeline stops mid-month while DOWN (report for the running
     * month): the incident has no known end. A DOWN run ending exactly at
     * the period end with more timeline after it is closed. */
    sp_sla_seg tl2[] = {up(NOV, NOV + 3 * DAY),
                        down(NOV + 3 * DAY, NOV + 3 * DAY + 600, SP_REASON_TCP_REFUSED)};
    in = nov(tl2, 2);
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 1);
    assert_false(r.incidents[0].open_start);
    assert_true(r.incidents[0].open_end);
    assert_int_equal(r.unknown_s, 2592000 - 3 * DAY - 600);
    sp_sla_result_free(&r);

    sp_sla_seg tl3[] = {up(NOV, DEC - 600), down(DEC - 600, DEC, SP_REASON_TCP_REFUSED),
                        up(DEC, DEC + H)};
    in = nov(tl3, 3);
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 1);
    assert_false(r.incidents[0].open_end);
    sp_sla_result_free(&r);
}

static void test_incident_outside_period_ignored(void **state)
{
    (void)state;
    /* An October outage in the timeline is not November's incident. */
    sp_sla_seg tl[] = {down(NOV - 2 * H, NOV - H, SP_REASON_TCP_REFUSED), up(NOV - H, DEC)};
    sp_sla_input in = nov(tl, 2);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 0);
    assert_int_equal(r.downtime_s, 0);
    assert_int_equal(r.uptime_s, 2592000);
    sp_sla_result_free(&r);
}

static void test_incidents_split_by_unknown_and_gap(void **state)
{
    (void)state;
    /* DOWN, UNKNOWN, DOWN and DOWN, gap, DOWN are two incidents each: a
     * run of DOWN is only merged across DOWN. 11-10 00:00: 600 s down,
     * 300 s unknown, 600 s down; 11-20 00:00: 600 s down, 300 s hole, 600 s
     * down. D = 4 x 600 = 2,400; U = 2 x 300 = 600. */
    int64_t a = NOV + 9 * DAY, b = NOV + 19 * DAY;
    sp_sla_seg tl[] = {up(NOV, a),
                       down(a, a + 600, SP_REASON_TCP_REFUSED),
                       unknown(a + 600, a + 900),
                       down(a + 900, a + 1500, SP_REASON_TCP_REFUSED),
                       up(a + 1500, b),
                       down(b, b + 600, SP_REASON_HTTP_STATUS),
                       down(b + 900, b + 1500, SP_REASON_HTTP_STATUS),
                       up(b + 1500, DEC)};
    sp_sla_input in = nov(tl, 8);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, 2400);
    assert_int_equal(r.unknown_s, 600);
    assert_int_equal(r.n_incidents, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r.incidents[i].duration_s, 600);
        assert_false(r.incidents[i].open_start);
        assert_false(r.incidents[i].open_end);
    }
    assert_int_equal(r.incidents[1].start, a + 900);
    assert_int_equal(r.incidents[3].start, b + 900);
    assert_near(r.mttr_s, 600.0);
    /* (2,592,000 - 600 - 2,400) / 4 = 2,589,000 / 4 */
    assert_near(r.mtbf_s, 647250.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

static void test_incident_open_at_timeline_start(void **state)
{
    (void)state;
    /* A timeline read for the month only, DOWN from its first second: no
     * earlier state shows when the outage began, so it is open at the
     * start. The same run starting after UP at the same second is not. */
    sp_sla_seg tl[] = {down(NOV, NOV + 600, SP_REASON_TCP_REFUSED), up(NOV + 600, DEC)};
    sp_sla_input in = nov(tl, 2);
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 1);
    assert_true(r.incidents[0].open_start);
    assert_false(r.incidents[0].open_end);
    sp_sla_result_free(&r);

    sp_sla_seg tl2[] = {up(NOV - H, NOV), down(NOV, NOV + 600, SP_REASON_TCP_REFUSED),
                        up(NOV + 600, DEC)};
    in = nov(tl2, 3);
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_false(r.incidents[0].open_start);
    sp_sla_result_free(&r);

    /* A control outage covering the start of the month removes the first
     * 60 s of the run: it then begins at NOV + 60, a measured start. */
    sp_sla_span cd[] = {{NOV - H, NOV + 60}};
    in = nov(tl, 2);
    in.control_down = cd;
    in.n_control_down = 1;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, NOV + 60);
    assert_int_equal(r.incidents[0].duration_s, 540);
    assert_false(r.incidents[0].open_start);
    assert_int_equal(r.unknown_s, 60);
    sp_sla_result_free(&r);
}

static void test_minute_resolution_month(void **state)
{
    (void)state;
    /* 43,200 one-minute segments (30 d x 1,440), every 100th DOWN: 432
     * isolated incidents of 60 s, D = 25,920 s = exactly 1 % of
     * 2,592,000 -> 99 % exactly: met for 99, below 99.5 (10 %). */
    enum { N = 43200 };
    static sp_sla_seg tl[N];
    for (size_t i = 0; i < N; i++) {
        int64_t s = NOV + (int64_t)i * 60;
        tl[i] = i % 100 == 0 ? down(s, s + 60, SP_REASON_HTTP_TIMEOUT) : up(s, s + 60);
    }
    sp_sla_input in = nov(tl, N);
    in.target_pct = 99.0;
    in.tiers = tiers;
    in.n_tiers = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.downtime_s, 25920);
    assert_int_equal(r.unknown_s, 0);
    assert_int_equal(r.n_incidents, 432);
    assert_int_equal(r.incidents[431].start, NOV + 43100 * 60);
    assert_true(r.incidents[0].open_start); /* the timeline's first second */
    assert_true(r.met);
    assert_int_equal(r.credit_tier, 1);
    assert_near(r.mttr_s, 60.0);
    check_sums(&r);
    sp_sla_result_free(&r);
}

/* --- Service spans and degraded time ------------------------------------- */

static void test_service_spans_given(void **state)
{
    (void)state;
    /* Service 09:00..18:00 on 11-02 and 11-03 only (given out of order),
     * plus a span reaching back into October that is clipped away. DOWN
     * 11-02 17:00..20:00: only 17:00..18:00 counts. Degraded UP 11-03
     * 08:00..10:00: 1 h of it is in service. */
    int64_t d2 = NOV + DAY, d3 = NOV + 2 * DAY;
    sp_sla_span svc[] = {{d3 + 9 * H, d3 + 18 * H}, {NOV - 5 * H, NOV}, {d2 + 9 * H, d2 + 18 * H}};
    sp_sla_seg tl[] = {up(NOV, d2 + 17 * H), down(d2 + 17 * H, d2 + 20 * H, SP_REASON_HTTP_STATUS),
                       up(d2 + 20 * H, d3 + 8 * H), up(d3 + 8 * H, d3 + 10 * H),
                       up(d3 + 10 * H, DEC)};
    tl[3].degraded = true;
    sp_sla_input in = nov(tl, 5);
    in.service = svc;
    in.n_service = 3;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.period_s, 2592000);
    assert_int_equal(r.service_s, 64800); /* 2 x 9 h */
    assert_int_equal(r.eligible_s, 64800);
    assert_int_equal(r.downtime_s, 3600);
    assert_int_equal(r.degraded_s, 3600);
    assert_int_equal(r.incidents[0].duration_s, 10800);
    assert_int_equal(r.incidents[0].counted_s, 3600);
    /* (64,800 - 3,600) / 64,800 = 94.444... % */
    assert_near(r.availability_pct, 100.0 * 61200.0 / 64800.0);
    assert_near(r.budget_s, 324.0); /* 64,800 x 0.005 */
    check_sums(&r);
    sp_sla_result_free(&r);

    /* An empty service list (not NULL) means no service at all. */
    in.n_service = 0;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.eligible_s, 0);
    assert_true(r.no_data);
    sp_sla_result_free(&r);
}

static void test_degraded(void **state)
{
    (void)state;
    /* Degraded 11-20 00:00..06:00, with maintenance 05:00..07:00: 5 h. */
    int64_t d = NOV + 19 * DAY;
    sp_sla_seg tl[] = {up(NOV, d), up(d, d + 6 * H), up(d + 6 * H, DEC)};
    tl[1].degraded = true;
    sp_sla_window mw[] = {{d + 5 * H, d + 7 * H, NULL}};
    sp_sla_input in = nov(tl, 3);
    in.maintenance = mw;
    in.n_maintenance = 1;
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.degraded_s, 18000);
    assert_near(r.availability_pct, 100.0); /* degraded is UP */
    sp_sla_result_free(&r);
}

/* --- Response times ------------------------------------------------------ */

static void test_response_times(void **state)
{
    (void)state;
    /* 20 values 1..20 (shuffled) and two NaN: mean 210 / 20 = 10.5; p95 by
     * nearest rank = value at rank ceil(0.95 x 20) = 19 -> 19. */
    double rt[] = {20, 3, NAN, 7, 1, 19, 4, 15, 2, 18, 6, 5, NAN, 9, 8, 17, 10, 14, 11, 16, 13, 12};
    double copy[sizeof rt / sizeof rt[0]];
    memcpy(copy, rt, sizeof rt);
    sp_sla_seg tl[] = {up(NOV, DEC)};
    sp_sla_input in = nov(tl, 1);
    in.rt_ms = rt;
    in.n_rt = sizeof rt / sizeof rt[0];
    sp_sla_result r;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.rt_n, 20);
    assert_near(r.rt_avg_ms, 10.5);
    assert_near(r.rt_p95_ms, 19.0);
    assert_memory_equal(rt, copy, sizeof rt); /* input untouched (NaN bits too) */
    sp_sla_result_free(&r);

    double none[] = {NAN, NAN};
    in.rt_ms = none;
    in.n_rt = 2;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.rt_n, 0);
    assert_true(isnan(r.rt_avg_ms));
    assert_true(isnan(r.rt_p95_ms));
    sp_sla_result_free(&r);

    /* One value: mean = p95 = that value (rank ceil(0.95) = 1). */
    double one[] = {250.0};
    in.rt_ms = one;
    in.n_rt = 1;
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    assert_int_equal(r.rt_n, 1);
    assert_near(r.rt_avg_ms, 250.0);
    assert_near(r.rt_p95_ms, 250.0);
    sp_sla_result_free(&r);
}

/* --- Invalid input ------------------------------------------------------- */

static void expect_einval(const sp_sla_input *in)
{
    sp_sla_result r;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(sp_sla_compute(in, &r), SP_EINVAL);
    assert_null(r.incidents); /* nothing to free */
    assert_int_equal(r.n_incidents, 0);
    sp_sla_result_free(&r);
}

static void test_invalid_input(void **state)
{
    (void)state;
    sp_sla_result r;
    sp_sla_seg ok[] = {up(NOV, DEC)};
    sp_sla_input in = nov(ok, 1);

    assert_int_equal(sp_sla_compute(NULL, &r), SP_EINVAL);
    assert_int_equal(sp_sla_compute(&in, NULL), SP_EINVAL);

    in.month_end = NOV; /* empty period */
    expect_einval(&in);
    in.month_end = NOV - 1; /* reversed period */
    expect_einval(&in);

    sp_sla_seg empty_seg[] = {up(NOV, NOV)};
    in = nov(empty_seg, 1);
    expect_einval(&in);

    sp_sla_seg overlap[] = {up(NOV, NOV + H), down(NOV + H - 1, DEC, SP_REASON_OK)};
    in = nov(overlap, 2);
    expect_einval(&in);

    sp_sla_seg unsorted[] = {up(NOV + H, DEC), up(NOV, NOV + H)};
    in = nov(unsorted, 2);
    expect_einval(&in);

    sp_sla_seg bad_state[] = {{NOV, DEC, (sp_state)7, SP_REASON_OK, false}};
    in = nov(bad_state, 1);
    expect_einval(&in);

    sp_sla_window bad_mw[] = {{NOV + H, NOV + H, NULL}};
    in = nov(ok, 1);
    in.maintenance = bad_mw;
    in.n_maintenance = 1;
    expect_einval(&in);

    sp_sla_span bad_cd[] = {{NOV + 2 * H, NOV + H}};
    in = nov(ok, 1);
    in.control_down = bad_cd;
    in.n_control_down = 1;
    expect_einval(&in);

    sp_sla_span bad_svc[] = {{NOV + 2 * H, NOV + H}};
    in = nov(ok, 1);
    in.service = bad_svc;
    in.n_service = 1;
    expect_einval(&in);

    in = nov(ok, 1);
    in.target_pct = NAN;
    expect_einval(&in);
    in.target_pct = 100.5;
    expect_einval(&in);

    in = nov(NULL, 3); /* a count without its array */
    expect_einval(&in);

    /* Touching segments are fine (not overlapping). */
    sp_sla_seg touching[] = {up(NOV, NOV + H), down(NOV + H, DEC, SP_REASON_OK)};
    in = nov(touching, 2);
    assert_int_equal(sp_sla_compute(&in, &r), SP_OK);
    sp_sla_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_30_day_month_clean),
        cmocka_unit_test(test_30_day_month_one_hour_down),
        cmocka_unit_test(test_31_day_month_two_hours_down),
        cmocka_unit_test(test_boundary_99_5),
        cmocka_unit_test(test_boundary_99),
        cmocka_unit_test(test_boundary_95),
        cmocka_unit_test(test_boundary_99_9_not_binary),
        cmocka_unit_test(test_boundary_with_unknown),
        cmocka_unit_test(test_maintenance_across_month_boundary),
        cmocka_unit_test(test_maintenance_unsorted_overlapping),
        cmocka_unit_test(test_outage_overlapping_maintenance),
        cmocka_unit_test(test_outage_inside_maintenance),
        cmocka_unit_test(test_outage_during_control_outage),
        cmocka_unit_test(test_outage_split_by_control_outage),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_no_eligible_time),
        cmocka_unit_test(test_data_gap),
        cmocka_unit_test(test_incidents_merge_and_classes),
        cmocka_unit_test(test_incidents_open_start_and_end),
        cmocka_unit_test(test_incident_outside_period_ignored),
        cmocka_unit_test(test_incidents_split_by_unknown_and_gap),
        cmocka_unit_test(test_incident_open_at_timeline_start),
        cmocka_unit_test(test_minute_resolution_month),
        cmocka_unit_test(test_service_spans_given),
        cmocka_unit_test(test_degraded),
        cmocka_unit_test(test_response_times),
        cmocka_unit_test(test_invalid_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
