/*
 * The TLS posture of an https target with a tls_interval: checked on a
 * second grid of that interval (its own timer, its own probe in flight,
 * the same FNV-1a phase rule as the availability grid), kept in memory,
 * and journaled as a "tls_posture" line on the first check after start
 * and whenever the grade, the set of accepted versions, the leaf's SHA-256
 * fingerprint or the stapling status changes: the TLS history of the
 * endpoint. A drop of the grade is alerted.
 */
#include "sched_int.h"

#include <stdio.h>
#include <string.h>

#include "common/sp_text.h"
#include "journal/lines.h"

static void arm_tls(sp_sched_rt *r);

/* The first posture checks after a start are spread over this much. */
#define FIRST_TLS_SPREAD_MS (10 * 60 * 1000)

static unsigned proto_bits(const sp_tls_posture *p)
{
    unsigned b = 0;
    for (int v = 0; v < SP_TLS_PROTO_COUNT; v++)
        b |= (p->proto_accepted[v] ? 1u << v : 0u) | (p->proto_tested[v] ? 1u << (8 + v) : 0u);
    return b;
}

/* Compare with the last posture; journal the first one and every change. */
static void posture_seen(sp_sched_rt *r, const sp_probe_result *res)
{
    const sp_tls_posture *p = &res->posture;
    const char *grade = sp_probe_tls_grade_name(p->grade);
    unsigned protos = proto_bits(p);
    unsigned changed = 0;
    if (r->tls_known) {
        if (strcmp(r->tls_grade, grade) != 0)
            changed |= SP_JOURNAL_TLS_GRADE;
        if (r->tls_protos != protos)
            changed |= SP_JOURNAL_TLS_PROTOCOLS;
        if (strcmp(r->tls_fp, p->cert.fingerprint_sha256) != 0)
            changed |= SP_JOURNAL_TLS_FINGERPRINT;
        if (r->tls_ocsp != p->ocsp)
            changed |= SP_JOURNAL_TLS_OCSP;
        if (!changed)
            return;
    }
    sp_journal_line l = {.type = SP_JOURNAL_TLS_POSTURE,
                         .t_ms = res->started_ms,
                         .tls_posture = {.first = !r->tls_known,
                                         .changed = changed,
                                         .previous_grade = r->tls_known ? r->tls_grade : NULL,
                                         .posture = p,
                                         .detail = res->detail}};
    json_t *ev = sp_journal_line_to_json(&l);
    char safe[512];
    fprintf(stderr, "slaprobe: %s TLS posture %s%s%s (%s)\n", r->id,
            r->tls_known ? r->tls_grade : "", r->tls_known ? " -> " : "", grade,
            sp_text_safe(res->detail, safe, sizeof safe));
    if (ev)
        sp_store_put_event(r->s->store, r->st, ev, true);
    if (r->tls_known && r->tls_grade_v != SP_GRADE_NONE && p->grade < r->tls_grade_v) {
        sp_alert_event drop = {
            .kind = SP_ALERT_TLS_GRADE_DROP, .grade = grade, .previous_grade = r->tls_grade};
        sp_sched__alert(r, &drop, res);
    }
    r->tls_grade_v = p->grade;
    r->tls_known = true;
    snprintf(r->tls_grade, sizeof r->tls_grade, "%s", grade);
    r->tls_protos = protos;
    snprintf(r->tls_fp, sizeof r->tls_fp, "%s", p->cert.fingerprint_sha256);
    r->tls_ocsp = p->ocsp;
}

static void on_tls_result(const sp_probe_result *res, void *arg)
{
    sp_sched_rt *r = arg;
    sp_sched *s = r->s;
    sp_sched_holder *h = r->tls_holder;
    r->tls_inflight = false;
    r->tls_probe = NULL;
    r->tls_holder = NULL;
    s->inflight--;
    s->stats.probes++;
    /* No connection, no posture: being unreachable is the availability
     * probe's business, not a change of TLS posture. */
    if (!r->removed && res->posture.present && res->posture.grade != SP_GRADE_NONE) {
        posture_seen(r, res);
        if (s->on_result)
            s->on_result(s->on_result_arg, r->id, res, true, r->fsm.state);
    }
    sp_sched__holder_unref(h);
    sp_sched__rt_unref(r);
    sp_sched__stop_done_maybe(s);
}

/* The grid point after now, at least half an interval away (so the first,
 * early check is not followed at once by a grid one). */
static int64_t next_tls_slot(const sp_sched_rt *r, int64_t now)
{
    int64_t iv = r->tls_interval_ms;
    int64_t next = r->tls_phase_ms + ((now - r->tls_phase_ms) / iv + 1) * iv;
    return next - now < iv / 2 ? next + iv : next;
}

static void on_tls_timer(uv_timer_t *t)
{
    sp_sched_rt *r = t->data;
    sp_sched *s = r->s;
    int64_t now = sp_sched__now_ms(s);
    if (now < r->tls_next_ms) {
        arm_tls(r);
        return;
    }
    r->tls_next_ms = next_tls_slot(r, now);
    arm_tls(r);
    if (r->tls_inflight || s->stopping || !r->t->tls_interval_ms)
        return;
    /* Not queued behind max_inflight: one posture check an hour per target
     * is noise next to the availability probes, and must not be starved. */
    if (sp_probe_start(s->eng, &r->t->tls_spec, on_tls_result, r, &r->tls_probe) != SP_OK) {
        fprintf(stderr, "slaprobe: %s: cannot start a TLS posture check (out of memory)\n", r->id);
        return;
    }
    r->tls_inflight = true;
    r->refs++;
    r->tls_holder = r->cur;
    r->cur->refs++;
    s->inflight++;
}

static void arm_tls(sp_sched_rt *r)
{
    int64_t delay = r->tls_next_ms - sp_sched__now_ms(r->s);
    uv_timer_start(&r->tls_timer, on_tls_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* See sched_int.h. */
void sp_sched__grid_tls(sp_sched_rt *r, int64_t now)
{
    int64_t iv = r->t->tls_interval_ms;
    r->tls_interval_ms = iv;
    if (iv <= 0) {
        uv_timer_stop(&r->tls_timer);
        return;
    }
    r->tls_phase_ms = sp_sched_phase_ms(r->id, iv);
    /* The first check comes soon, not at the target's slot up to an hour
     * away (a posture history that starts an hour late misses what a
     * restart was for), spread over ten minutes so 10,000 targets do not
     * handshake at once; then the wall-clock grid. */
    int64_t spread = iv < FIRST_TLS_SPREAD_MS ? iv : FIRST_TLS_SPREAD_MS;
    r->tls_next_ms = now + sp_sched_phase_ms(r->id, spread);
    arm_tls(r);
}
