/*
 * The quorum of SPEC section 10 (sla/quorum.c). The rule is checked for
 * every combination of d DOWN, u UP and k unmeasured vantages with
 * d + u + k = N, N = 1..5, every quorum q = 1..N, against two oracles
 * written differently from the code: a table for N = 3 worked out by hand,
 * and a "possible worlds" enumeration (every way the unmeasured vantages
 * could have been). Timelines, incidents, reasons and partial periods are
 * checked against figures worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sla/quorum.h"

#define U SP_STATE_UP
#define D SP_STATE_DOWN
#define K SP_STATE_UNKNOWN

/* --- Helpers ------------------------------------------------------------- */

static sp_sla_seg seg(int64_t s, int64_t e, sp_state st)
{
    return (sp_sla_seg){.start = s, .end = e, .state = st, .reason = SP_REASON_OK};
}

static sp_sla_seg down(int64_t s, int64_t e, sp_reason r)
{
    return (sp_sla_seg){.start = s, .end = e, .state = SP_STATE_DOWN, .reason = r};
}

static sp_quorum_vantage vt(const sp_sla_seg *tl, size_t n)
{
    return (sp_quorum_vantage){.timeline = tl, .n_timeline = n};
}

static void seg_is(const sp_sla_seg *g, int64_t a, int64_t b, sp_state st)
{
    assert_int_equal(g->start, a);
    assert_int_equal(g->end, b);
    assert_int_equal(g->state, st);
}

static sp_quorum_result combine(const sp_quorum_vantage *v, size_t n, unsigned q, int64_t back_s)
{
    sp_quorum_input in = {.vantages = v, .n_vantages = n, .quorum = q, .back_s = back_s};
    sp_quorum_result r;
    assert_int_equal(sp_quorum_combine(&in, &r), SP_OK);
    return r;
}

/* --- The rule, every combination ----------------------------------------- */

/* Oracle 1: the possible worlds. Lay the vantages out one by one ('D', 'U'
 * or '?'), then try every way the '?' could have turned out. DOWN when
 * the measured vantages alone reach q; otherwise a decision needs q
 * measured vantages and no world in which q would be DOWN. */
static sp_state worlds(unsigned d, unsigned u, unsigned k, unsigned q)
{
    char v[8];
    unsigned n = 0, measured = 0, seen_down = 0;
    for (unsigned i = 0; i < d; i++)
        v[n++] = 'D';
    for (unsigned i = 0; i < u; i++)
        v[n++] = 'U';
    for (unsigned i = 0; i < k; i++)
        v[n++] = '?';
    for (unsigned i = 0; i < n; i++) {
        measured += v[i] != '?';
        seen_down += v[i] == 'D';
    }
    if (seen_down >= q)
        return D;
    if (measured < q)
        return K;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        unsigned downs = 0;
        for (unsigned i = 0; i < n; i++)
            downs += v[i] == 'D' || (v[i] == '?' && (mask >> i & 1));
        if (downs >= q)
            return K; /* some world says DOWN: undecided */
    }
    return U;
}

/* Oracle 2: N = 3 by hand. Rows (d, u, k), columns q = 1, 2, 3. */
static const struct {
    unsigned d, u, k;
    sp_state q[3];
} three[] = {
    {3, 0, 0, {D, D, D}}, {2, 1, 0, {D, D, U}}, /* q=3: 2 DOWN, nobody unmeasured: UP */
    {2, 0, 1, {D, D, K}},                       /* q=3: d + k = 3 could be DOWN */
    {1, 2, 0, {D, U, U}}, {1, 1, 1, {D, K, K}}, /* q=2: d + k = 2; q=3: u + d = 2 < 3 */
    {1, 0, 2, {D, K, K}}, {0, 3, 0, {U, U, U}},
    {0, 2, 1, {K, U, K}}, /* q=1: k alone could be DOWN; q=2: UP with one
                           * unmeasured; q=3: u + d = 2 < 3 though d + k = 1 */
    {0, 1, 2, {K, K, K}}, {0, 0, 3, {K, K, K}},
};

static void test_decide_n3_by_hand(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof three / sizeof three[0]; i++)
        for (unsigned q = 1; q <= 3; q++)
            assert_int_equal(sp_quorum_decide(three[i].d, three[i].u, three[i].k, q),
                             three[i].q[q - 1]);
}

static void test_decide_every_combination(void **state)
{
    (void)state;
    unsigned cases = 0, undecided = 0, too_few = 0;
    for (unsigned n = 1; n <= 5; n++)
        for (unsigned q = 1; q <= n; q++)
            for (unsigned d = 0; d <= n; d++)
                for (unsigned u = 0; d + u <= n; u++) {
                    unsigned k = n - d - u;
                    sp_state want = worlds(d, u, k, q);
                    assert_int_equal(sp_quorum_decide(d, u, k, q), want);
                    cases++;
                    /* the two UNKNOWN clauses are each met alone somewhere */
                    undecided += d < q && d + k >= q && u + d >= q;
                    too_few += u + d < q && d + k < q;
                }
    /* sum over N of N * C(N + 2, 2) = 3 + 12 + 30 + 60 + 105 */
    assert_int_equal(cases, 210);
    assert_true(undecided > 0);
    assert_true(too_few > 0);
}

/* Every combination again through sp_quorum_combine: one piece [0, 60),
 * the unmeasured vantages alternately UNKNOWN segments and gaps. */
static void test_combine_every_combination(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= 5; n++)
        for (unsigned q = 1; q <= n; q++)
            for (unsigned d = 0; d <= n; d++)
                for (unsigned u = 0; d + u <= n; u++) {
                    unsigned k = n - d - u;
                    sp_sla_seg segs[5];
                    sp_quorum_vantage v[5];
                    for (unsigned i = 0; i < n; i++) {
                        sp_state st = i < d ? D : i < d + u ? U : K;
                        segs[i] = st == D ? down(0, 60, SP_REASON_TCP_TIMEOUT) : seg(0, 60, st);
                        bool gap = st == K && (i - d - u) % 2 == 1;
                        v[i] = vt(&segs[i], gap ? 0 : 1);
                    }
                    sp_quorum_result r = combine(v, n, q, 0);
                    sp_state want = worlds(d, u, k, q);
                    /* the first unmeasured one has a segment: never all gaps */
                    assert_int_equal(r.n_timeline, 1);
                    seg_is(&r.timeline[0], 0, 60, want);
                    assert_int_equal(r.n_incidents, want == D);
                    if (want == D) {
                        assert_int_equal(r.incidents[0].n_down, d);
                        assert_int_equal(r.incidents[0].start, 0);
                        assert_int_equal(r.timeline[0].reason, SP_REASON_TCP_TIMEOUT);
                    }
                    assert_int_equal(r.n_partial, d > 0 && d < q);
                    if (r.n_partial) {
                        assert_int_equal(r.partial[0].start, 0);
                        assert_int_equal(r.partial[0].end, 60);
                        assert_int_equal(r.partial[0].max_down, d);
                    }
                    sp_quorum_result_free(&r);
                }
}

static void test_default_and_check(void **state)
{
    (void)state;
    const unsigned want[] = {0, 1, 2, 2, 3, 3, 4, 4}; /* n / 2 + 1, none for 0 */
    for (size_t n = 0; n < 8; n++) {
        assert_int_equal(sp_quorum_default(n), want[n]);
        if (n > 0)
            assert_int_equal(sp_quorum_check(sp_quorum_default(n), n), SP_OK);
    }
    assert_int_equal(sp_quorum_check(0, 0), SP_EINVAL);
    assert_int_equal(sp_quorum_check(1, 0), SP_EINVAL);
    for (size_t n = 1; n <= 5; n++) {
        assert_int_equal(sp_quorum_check(0, n), SP_EINVAL);
        assert_int_equal(sp_quorum_check(1, n), SP_OK);
        assert_int_equal(sp_quorum_check((unsigned)n, n), SP_OK);
        assert_int_equal(sp_quorum_check((unsigned)n + 1, n), SP_EINVAL);
    }
}

/* --- Timelines ------------------------------------------------------------ */

/* A DOWN 100..200, B DOWN 150..250, C UP throughout, q = 2: only 150..200
 * has two DOWN. 100..150 and 200..250 are partial (one DOWN). The UP
 * pieces 0..100 and 100..150 (different vantages DOWN, same decision)
 * merge into one segment. */
static void test_staggered_edges(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 100, U), down(100, 200, SP_REASON_TCP_REFUSED), seg(200, 300, U)};
    sp_sla_seg b[] = {seg(0, 150, U), down(150, 250, SP_REASON_HTTP_STATUS), seg(250, 300, U)};
    sp_sla_seg c[] = {seg(0, 300, U)};
    sp_quorum_vantage v[] = {vt(a, 3), vt(b, 3), vt(c, 1)};
    sp_quorum_result r = combine(v, 3, 2, 0);
    assert_int_equal(r.n_timeline, 3);
    seg_is(&r.timeline[0], 0, 150, U);
    seg_is(&r.timeline[1], 150, 200, D);
    /* A's outage began first (100 < 150): its reason */
    assert_int_equal(r.timeline[1].reason, SP_REASON_TCP_REFUSED);
    seg_is(&r.timeline[2], 200, 300, U);

    assert_int_equal(r.n_incidents, 1);
    const sp_quorum_incident *in = &r.incidents[0];
    assert_int_equal(in->run_start, 150);
    assert_int_equal(in->end, 200);
    assert_int_equal(in->start, 150); /* the 2nd of starts 100 (A), 150 (B) */
    assert_int_equal(in->quorum_vantage, 1);
    assert_int_equal(in->n_down, 2);
    const sp_quorum_down *dn = &r.downs[in->first_down];
    assert_int_equal(dn[0].vantage, 0);
    assert_int_equal(dn[0].since, 100);
    assert_int_equal(dn[0].reason, SP_REASON_TCP_REFUSED);
    assert_int_equal(dn[0].down_s, 50);
    assert_int_equal(dn[1].vantage, 1);
    assert_int_equal(dn[1].since, 150);
    assert_int_equal(dn[1].reason, SP_REASON_HTTP_STATUS);
    assert_int_equal(dn[1].down_s, 50);

    assert_int_equal(r.n_partial, 2);
    assert_int_equal(r.partial[0].start, 100);
    assert_int_equal(r.partial[0].end, 150);
    assert_int_equal(r.partial[0].max_down, 1);
    assert_int_equal(r.partial[1].start, 200);
    assert_int_equal(r.partial[1].end, 250);
    sp_quorum_result_free(&r);

    /* q = 3: never three DOWN; the DOWN minority is 100..250 with two
     * DOWN inside, all of it UP (nobody unmeasured) */
    r = combine(v, 3, 3, 0);
    assert_int_equal(r.n_timeline, 1);
    seg_is(&r.timeline[0], 0, 300, U);
    assert_int_equal(r.n_incidents, 0);
    assert_int_equal(r.n_partial, 1);
    assert_int_equal(r.partial[0].start, 100);
    assert_int_equal(r.partial[0].end, 250);
    assert_int_equal(r.partial[0].max_down, 2);
    sp_quorum_result_free(&r);

    /* q = 1: DOWN from the first DOWN second to the last, one incident
     * started by A; no partial (d >= q whenever d > 0) */
    r = combine(v, 3, 1, 0);
    assert_int_equal(r.n_timeline, 4); /* U, D(A's reason) 100..250, U */
    seg_is(&r.timeline[0], 0, 100, U);
    seg_is(&r.timeline[1], 100, 200, D);
    assert_int_equal(r.timeline[1].reason, SP_REASON_TCP_REFUSED);
    /* 200..250 only B is DOWN: its reason, so a second piece */
    seg_is(&r.timeline[2], 200, 250, D);
    assert_int_equal(r.timeline[2].reason, SP_REASON_HTTP_STATUS);
    seg_is(&r.timeline[3], 250, 300, U);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 100);
    assert_int_equal(r.incidents[0].run_start, 100);
    assert_int_equal(r.incidents[0].end, 250);
    assert_int_equal(r.incidents[0].quorum_vantage, 0);
    assert_int_equal(r.n_partial, 0);
    sp_quorum_result_free(&r);
}

/* Two vantages turning DOWN and back at the same instant: DOWN from the
 * first second exactly, no partial before or after it. */
static void test_edges_at_the_same_instant(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 100, U), down(100, 200, SP_REASON_DNS_TIMEOUT), seg(200, 300, U)};
    sp_sla_seg b[] = {seg(0, 100, U), down(100, 200, SP_REASON_DNS_TIMEOUT), seg(200, 300, U)};
    sp_sla_seg c[] = {seg(0, 300, U)};
    sp_quorum_vantage v[] = {vt(a, 3), vt(b, 3), vt(c, 1)};
    sp_quorum_result r = combine(v, 3, 2, 0);
    assert_int_equal(r.n_timeline, 3);
    seg_is(&r.timeline[0], 0, 100, U);
    seg_is(&r.timeline[1], 100, 200, D);
    seg_is(&r.timeline[2], 200, 300, U);
    assert_int_equal(r.n_partial, 0);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 100);
    assert_int_equal(r.incidents[0].end, 200);
    /* a tie on since goes to the lower index: of (100, A), (100, B) the
     * 2nd is B */
    assert_int_equal(r.incidents[0].quorum_vantage, 1);
    sp_quorum_result_free(&r);
}

/* Gaps are unmeasured: A has none 100..200. With B and C UP, q = 2 is
 * still decided (u = 2 >= q, d + k = 1 < q); q = 3 is not (u + d = 2). */
static void test_gaps(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 100, U), seg(200, 300, U)};
    sp_sla_seg bc[] = {seg(0, 300, U)};
    sp_quorum_vantage v[] = {vt(a, 2), vt(bc, 1), vt(bc, 1)};
    sp_quorum_result r = combine(v, 3, 2, 0);
    assert_int_equal(r.n_timeline, 1);
    seg_is(&r.timeline[0], 0, 300, U);
    sp_quorum_result_free(&r);

    r = combine(v, 3, 3, 0);
    assert_int_equal(r.n_timeline, 3);
    seg_is(&r.timeline[0], 0, 100, U);
    seg_is(&r.timeline[1], 100, 200, K);
    seg_is(&r.timeline[2], 200, 300, U);
    sp_quorum_result_free(&r);

    /* Different extents, q = 1 of 2: where only one vantage has data it
     * could still be DOWN at the other (d + k = 1 >= q): UNKNOWN at both
     * ends; a gap shared by every vantage is UNKNOWN too, not left out. */
    sp_sla_seg x[] = {seg(0, 100, U), seg(400, 500, U)};
    sp_sla_seg y[] = {seg(50, 150, U), seg(400, 500, U)};
    sp_quorum_vantage w[] = {vt(x, 2), vt(y, 2)};
    r = combine(w, 2, 1, 0);
    assert_int_equal(r.n_timeline, 4);
    seg_is(&r.timeline[0], 0, 50, K);
    seg_is(&r.timeline[1], 50, 100, U);
    seg_is(&r.timeline[2], 100, 400, K);
    seg_is(&r.timeline[3], 400, 500, U);
    sp_quorum_result_free(&r);
}

/* The undecided case on a timeline: A DOWN, B UP, C UNKNOWN (its control
 * targets down), q = 2 of 3. Not DOWN (d = 1), not UP (d + k = 2 >= q):
 * UNKNOWN, and the DOWN minority is partial. When C comes back UP the
 * rest is UP. */
static void test_undecided(void **state)
{
    (void)state;
    sp_sla_seg a[] = {down(0, 200, SP_REASON_TCP_TIMEOUT)};
    sp_sla_seg b[] = {seg(0, 200, U)};
    sp_sla_seg c[] = {seg(0, 100, K), seg(100, 200, U)};
    sp_quorum_vantage v[] = {vt(a, 1), vt(b, 1), vt(c, 2)};
    sp_quorum_result r = combine(v, 3, 2, 0);
    assert_int_equal(r.n_timeline, 2);
    seg_is(&r.timeline[0], 0, 100, K);
    seg_is(&r.timeline[1], 100, 200, U);
    assert_int_equal(r.n_incidents, 0);
    assert_int_equal(r.n_partial, 1);
    assert_int_equal(r.partial[0].start, 0);
    assert_int_equal(r.partial[0].end, 200);
    sp_quorum_result_free(&r);
}

/* --- Incidents ------------------------------------------------------------ */

/* Five vantages, q = 3. Timeline edges and first failed probes disagree
 * (back_s = 60): A's DOWN run starts at 140 but its first failed probe was
 * at 90; B at 100 (probe 100), C at 120 (probe 110), D at 160 (probe 150),
 * E stays UP. Three are DOWN from 140 (A, B, C); by outage start they are
 * A 90, B 100, C 110, so the incident starts at 110 with C, not at 140
 * with A. C recovers at 200 (A, B, D still three), B at 250: two left,
 * the incident ends at 250. */
static void test_incident_start_is_qth_back_dated(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 140, U), down(140, 300, SP_REASON_TCP_REFUSED), seg(300, 500, U)};
    sp_sla_seg b[] = {seg(0, 100, U), down(100, 250, SP_REASON_HTTP_STATUS), seg(250, 500, U)};
    sp_sla_seg c[] = {seg(0, 120, U), down(120, 200, SP_REASON_TCP_TIMEOUT), seg(200, 500, U)};
    sp_sla_seg d[] = {seg(0, 160, U), down(160, 400, SP_REASON_TLS_HANDSHAKE), seg(400, 500, U)};
    sp_sla_seg e[] = {seg(0, 500, U)};
    const int64_t sa[] = {90}, sb[] = {100}, sc[] = {110}, sd[] = {150};
    sp_quorum_vantage v[] = {vt(a, 3), vt(b, 3), vt(c, 3), vt(d, 3), vt(e, 1)};
    v[0].down_since = sa;
    v[1].down_since = sb;
    v[2].down_since = sc;
    v[3].down_since = sd;
    v[0].n_down_since = v[1].n_down_since = v[2].n_down_since = v[3].n_down_since = 1;
    sp_quorum_result r = combine(v, 5, 3, 60);

    assert_int_equal(r.n_timeline, 3);
    seg_is(&r.timeline[0], 0, 140, U);
    seg_is(&r.timeline[1], 140, 250, D);
    assert_int_equal(r.timeline[1].reason, SP_REASON_TCP_REFUSED); /* A began first (90) */
    seg_is(&r.timeline[2], 250, 500, U);

    assert_int_equal(r.n_incidents, 1);
    const sp_quorum_incident *in = &r.incidents[0];
    assert_int_equal(in->start, 110);
    assert_int_equal(in->quorum_vantage, 2);
    assert_int_equal(in->run_start, 140);
    assert_int_equal(in->end, 250);
    assert_int_equal(in->n_down, 4);
    const sp_quorum_down *dn = &r.downs[in->first_down];
    /* by since: A 90, B 100, C 110, D 150 (D joined at 160) */
    const size_t vs[] = {0, 1, 2, 3};
    const int64_t since[] = {90, 100, 110, 150};
    const int64_t secs[] = {110, 110, 60, 90}; /* 140..250, 140..250, 140..200, 160..250 */
    const sp_reason why[] = {SP_REASON_TCP_REFUSED, SP_REASON_HTTP_STATUS, SP_REASON_TCP_TIMEOUT,
                             SP_REASON_TLS_HANDSHAKE};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(dn[i].vantage, vs[i]);
        assert_int_equal(dn[i].since, since[i]);
        assert_int_equal(dn[i].down_s, secs[i]);
        assert_int_equal(dn[i].reason, why[i]);
    }

    /* partial: 100..140 (B, then B and C) and 250..400 (A and D, then D) */
    assert_int_equal(r.n_partial, 2);
    assert_int_equal(r.partial[0].start, 100);
    assert_int_equal(r.partial[0].end, 140);
    assert_int_equal(r.partial[0].max_down, 2);
    assert_int_equal(r.partial[1].start, 250);
    assert_int_equal(r.partial[1].end, 400);
    assert_int_equal(r.partial[1].max_down, 2);
    sp_quorum_result_free(&r);

    /* With back_s = 0 the timelines' edges are trusted: starts A 90 is out
     * of [140, 140] (140), B 100, C 110 (out of [120, 120]: 120). By since
     * B 100, C 120, A 140: the third is A at 140. */
    r = combine(v, 5, 3, 0);
    assert_int_equal(r.incidents[0].start, 140);
    assert_int_equal(r.incidents[0].quorum_vantage, 0);
    sp_quorum_result_free(&r);
}

/* The window of a back-dated start, at its edges: one vantage, q = 1, a
 * DOWN run at 1000, back_s = 60. */
static int64_t start_with_since(int64_t since)
{
    sp_sla_seg a[] = {seg(0, 1000, U), down(1000, 1100, SP_REASON_TCP_REFUSED)};
    sp_quorum_vantage v = vt(a, 2);
    v.down_since = &since;
    v.n_down_since = 1;
    sp_quorum_result r = combine(&v, 1, 1, 60);
    assert_int_equal(r.n_incidents, 1);
    int64_t s = r.incidents[0].start;
    assert_int_equal(r.downs[0].since, s);
    sp_quorum_result_free(&r);
    return s;
}

static void test_back_dating_window(void **state)
{
    (void)state;
    assert_int_equal(start_with_since(940), 940);   /* s - back_s: inside */
    assert_int_equal(start_with_since(939), 1000);  /* one second further: not this run's */
    assert_int_equal(start_with_since(1000), 1000); /* at the edge */
    assert_int_equal(start_with_since(1001), 1000); /* later: never dated forward */
}

/* A first failed probe never belongs to two runs, and a quorum incident
 * never starts before the previous one ended. */
static void test_back_dating_bounds(void **state)
{
    (void)state;
    /* One vantage: DOWN 100..200, UP 200..210, DOWN 210..300; probes at
     * 90 and 199. 199 lies before the first run's end: the second run
     * starts at 210 (its window is [200, 210]). */
    sp_sla_seg a[] = {down(100, 200, SP_REASON_TCP_REFUSED), seg(200, 210, U),
                      down(210, 300, SP_REASON_TCP_REFUSED)};
    const int64_t sa[] = {90, 199};
    sp_quorum_vantage v = vt(a, 3);
    v.down_since = sa;
    v.n_down_since = 2;
    sp_quorum_result r = combine(&v, 1, 1, 60);
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].start, 90);
    assert_int_equal(r.incidents[1].start, 210);
    sp_quorum_result_free(&r);

    /* ... and 205 would be the second run's own */
    const int64_t sb[] = {90, 205};
    v.down_since = sb;
    r = combine(&v, 1, 1, 60);
    assert_int_equal(r.incidents[1].start, 205);
    sp_quorum_result_free(&r);

    /* q = 1 of 2: A DOWN 100..200, B DOWN 230..300 with its first failed
     * probe at 150 (back_s 100): B's outage began at 150, but the second
     * quorum incident starts no earlier than the first ended (200). */
    sp_sla_seg x[] = {seg(0, 100, U), down(100, 200, SP_REASON_TCP_REFUSED), seg(200, 300, U)};
    sp_sla_seg y[] = {seg(0, 230, U), down(230, 300, SP_REASON_HTTP_STATUS)};
    const int64_t sy[] = {150};
    sp_quorum_vantage w[] = {vt(x, 3), vt(y, 2)};
    w[1].down_since = sy;
    w[1].n_down_since = 1;
    r = combine(w, 2, 1, 100);
    assert_int_equal(r.n_incidents, 2);
    assert_int_equal(r.incidents[0].start, 100);
    assert_int_equal(r.incidents[0].end, 200);
    assert_int_equal(r.incidents[1].start, 200);
    assert_int_equal(r.incidents[1].run_start, 230);
    assert_int_equal(r.incidents[1].end, 300); /* still DOWN at the end */
    assert_int_equal(r.downs[r.incidents[1].first_down].since, 150);
    sp_quorum_result_free(&r);
}

/* Touching DOWN segments of one vantage are one outage: its reason is the
 * first segment's, its start the first's. A vantage that leaves and comes
 * back within one incident counts once, with its first run. */
static void test_reasons(void **state)
{
    (void)state;
    sp_sla_seg a[] = {down(0, 50, SP_REASON_DNS_SERVFAIL), down(50, 300, SP_REASON_HTTP_STATUS)};
    sp_sla_seg b[] = {down(0, 100, SP_REASON_TCP_UNREACHABLE), seg(100, 150, U),
                      down(150, 300, SP_REASON_TCP_TIMEOUT)};
    sp_sla_seg c[] = {seg(0, 50, U), down(50, 300, SP_REASON_TLS_CERT_EXPIRED)};
    sp_quorum_vantage v[] = {vt(a, 2), vt(b, 3), vt(c, 2)};
    sp_quorum_result r = combine(v, 3, 2, 0);
    /* d: 0..50 A,B = 2; 50..100 3; 100..150 A,C = 2; 150..300 3: one run */
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 0);
    assert_int_equal(r.incidents[0].end, 300);
    assert_int_equal(r.incidents[0].n_down, 3);
    const sp_quorum_down *dn = &r.downs[r.incidents[0].first_down];
    assert_int_equal(dn[0].vantage, 0);
    assert_int_equal(dn[0].reason, SP_REASON_DNS_SERVFAIL);
    assert_int_equal(dn[0].down_s, 300);
    assert_int_equal(dn[1].vantage, 1);
    assert_int_equal(dn[1].reason, SP_REASON_TCP_UNREACHABLE);
    assert_int_equal(dn[1].since, 0);
    assert_int_equal(dn[1].down_s, 250); /* 0..100 and 150..300 */
    assert_int_equal(dn[2].vantage, 2);
    assert_int_equal(dn[2].since, 50);
    assert_int_equal(dn[2].down_s, 250);
    /* the combined DOWN carries A's reason (A began first, index 0 wins
     * the tie with B) all along: one segment */
    assert_int_equal(r.n_timeline, 1);
    seg_is(&r.timeline[0], 0, 300, D);
    assert_int_equal(r.timeline[0].reason, SP_REASON_DNS_SERVFAIL);
    assert_int_equal(r.n_partial, 0);
    sp_quorum_result_free(&r);
}

/* A vantage's part is listed by outage start, not by index: A (index 0)
 * went DOWN at 100, B (index 1) at 50; q = 2 of 2 is reached at 100 with
 * A as the 2nd. */
static void test_downs_ordered_by_since(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 100, U), down(100, 200, SP_REASON_TCP_REFUSED)};
    sp_sla_seg b[] = {seg(0, 50, U), down(50, 200, SP_REASON_HTTP_STATUS)};
    sp_quorum_vantage v[] = {vt(a, 2), vt(b, 2)};
    sp_quorum_result r = combine(v, 2, 2, 0);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 100);
    assert_int_equal(r.incidents[0].quorum_vantage, 0);
    const sp_quorum_down *dn = &r.downs[r.incidents[0].first_down];
    assert_int_equal(dn[0].vantage, 1);
    assert_int_equal(dn[0].since, 50);
    assert_int_equal(dn[0].down_s, 100); /* inside the incident, 100..200 */
    assert_int_equal(dn[1].vantage, 0);
    assert_int_equal(dn[1].since, 100);
    /* the combined DOWN carries B's reason: B's outage began first */
    assert_int_equal(r.timeline[1].reason, SP_REASON_HTTP_STATUS);
    assert_int_equal(r.n_partial, 1); /* 50..100, B alone */
    assert_int_equal(r.partial[0].start, 50);
    assert_int_equal(r.partial[0].end, 100);
    sp_quorum_result_free(&r);

    /* A late joiner dated back before someone already DOWN: A from 100, B
     * from 140 (the 2nd: the incident starts at 140), C's run from 160
     * with its first failed probe at 130 (back_s 60). Order A, C, B. */
    sp_sla_seg x[] = {seg(0, 100, U), down(100, 300, SP_REASON_TCP_REFUSED)};
    sp_sla_seg y[] = {seg(0, 140, U), down(140, 300, SP_REASON_TCP_REFUSED)};
    sp_sla_seg z[] = {seg(0, 160, U), down(160, 300, SP_REASON_TCP_REFUSED)};
    const int64_t sz[] = {130};
    sp_quorum_vantage w[] = {vt(x, 2), vt(y, 2), vt(z, 2)};
    w[2].down_since = sz;
    w[2].n_down_since = 1;
    r = combine(w, 3, 2, 60);
    assert_int_equal(r.n_incidents, 1);
    assert_int_equal(r.incidents[0].start, 140);
    assert_int_equal(r.incidents[0].quorum_vantage, 1);
    assert_int_equal(r.incidents[0].n_down, 3);
    dn = &r.downs[r.incidents[0].first_down];
    assert_int_equal(dn[0].vantage, 0);
    assert_int_equal(dn[1].vantage, 2);
    assert_int_equal(dn[1].since, 130);
    assert_int_equal(dn[1].down_s, 140); /* 160..300 */
    assert_int_equal(dn[2].vantage, 1);
    sp_quorum_result_free(&r);
}

/* UP is degraded when q vantages say so. */
static void test_degraded(void **state)
{
    (void)state;
    sp_sla_seg slow = {.start = 0, .end = 100, .state = U, .degraded = true};
    sp_sla_seg fast = seg(0, 100, U);
    sp_quorum_vantage one[] = {vt(&slow, 1), vt(&fast, 1), vt(&fast, 1)};
    sp_quorum_vantage two[] = {vt(&slow, 1), vt(&slow, 1), vt(&fast, 1)};
    sp_quorum_result r = combine(one, 3, 2, 0);
    assert_false(r.timeline[0].degraded);
    sp_quorum_result_free(&r);
    r = combine(two, 3, 2, 0);
    assert_true(r.timeline[0].degraded);
    sp_quorum_result_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    sp_sla_seg a[] = {seg(0, 100, U)};
    sp_sla_seg overlap[] = {seg(0, 100, U), seg(99, 200, U)};
    sp_sla_seg empty[] = {seg(100, 100, U)};
    sp_quorum_vantage v[] = {vt(a, 1), vt(a, 1)};
    sp_quorum_result r;
    sp_quorum_input in = {.vantages = v, .n_vantages = 2, .quorum = 0};
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    assert_null(r.timeline);
    in.quorum = 3;
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    in.quorum = 2;
    in.back_s = -1;
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    in.back_s = 0;
    v[1] = vt(overlap, 2);
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    v[1] = vt(empty, 1);
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    v[1] = vt(NULL, 1);
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    const int64_t unsorted[] = {50, 40};
    v[1] = vt(a, 1);
    v[1].down_since = unsorted;
    v[1].n_down_since = 2;
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
    v[1].n_down_since = 1; /* the same list, now valid */
    assert_int_equal(sp_quorum_combine(&in, &r), SP_OK);
    sp_quorum_result_free(&r);
    in.n_vantages = 0;
    in.quorum = 1;
    assert_int_equal(sp_quorum_combine(&in, &r), SP_EINVAL);
}

/* --- Control targets ------------------------------------------------------ */

static void test_mask_control(void **state)
{
    (void)state;
    sp_sla_seg tl[] = {seg(0, 10, K), down(10, 100, SP_REASON_TCP_TIMEOUT), seg(100, 200, U)};
    /* unsorted and overlapping: [5, 15), [50, 70) + [60, 80), [150, 160) */
    sp_sla_span cd[] = {{60, 80}, {5, 15}, {150, 160}, {50, 70}};
    sp_sla_seg *out;
    size_t n;
    assert_int_equal(sp_quorum_mask_control(tl, 3, cd, 4, &out, &n), SP_OK);
    /* UNKNOWN 0..15 (the given 0..10 and the masked 10..15 merged), DOWN
     * 15..50, UNKNOWN 50..80, DOWN 80..100, UP 100..200 (UP is kept) */
    assert_int_equal(n, 5);
    seg_is(&out[0], 0, 15, K);
    seg_is(&out[1], 15, 50, D);
    assert_int_equal(out[1].reason, SP_REASON_TCP_TIMEOUT);
    seg_is(&out[2], 50, 80, K);
    seg_is(&out[3], 80, 100, D);
    assert_int_equal(out[3].reason, SP_REASON_TCP_TIMEOUT);
    seg_is(&out[4], 100, 200, U);
    free(out);

    /* a span covering a DOWN segment exactly, edges at the same instant */
    sp_sla_span whole[] = {{10, 100}};
    assert_int_equal(sp_quorum_mask_control(tl, 3, whole, 1, &out, &n), SP_OK);
    assert_int_equal(n, 2);
    seg_is(&out[0], 0, 100, K);
    seg_is(&out[1], 100, 200, U);
    free(out);

    assert_int_equal(sp_quorum_mask_control(tl, 3, NULL, 0, &out, &n), SP_OK);
    assert_int_equal(n, 3);
    free(out);

    sp_sla_span bad[] = {{5, 15}, {20, 20}}; /* the bad one after a good one */
    assert_int_equal(sp_quorum_mask_control(tl, 3, bad, 2, &out, &n), SP_EINVAL);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(sp_quorum_mask_control(tl, 3, bad + 1, 1, &out, &n), SP_EINVAL);
    sp_sla_seg unsorted[] = {seg(100, 200, U), seg(0, 10, U)};
    assert_int_equal(sp_quorum_mask_control(unsorted, 2, NULL, 0, &out, &n), SP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_n3_by_hand),
        cmocka_unit_test(test_decide_every_combination),
        cmocka_unit_test(test_combine_every_combination),
        cmocka_unit_test(test_default_and_check),
        cmocka_unit_test(test_staggered_edges),
        cmocka_unit_test(test_edges_at_the_same_instant),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_undecided),
        cmocka_unit_test(test_incident_start_is_qth_back_dated),
        cmocka_unit_test(test_back_dating_window),
        cmocka_unit_test(test_back_dating_bounds),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_downs_ordered_by_since),
        cmocka_unit_test(test_degraded),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_mask_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
