/*
 * What a result leads to: the journal line of a state change, the alerts
 * (a confirmed DOWN, the recovery from an outage a DOWN alert went out
 * for, a certificate close to expiry) and what those need remembered per
 * target. The grid (sched.c) only feeds results to the state machine and
 * hands each step here.
 */
#include "sched_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_text.h"
#include "common/sp_time.h"
#include "journal/lines.h"

/* --- Journal ------------------------------------------------------------ */

void sp_sched_journal_all(sp_sched *s, json_t *ev, bool sync)
{
    sp_journal_stamp(ev, 0); /* every line says when */
    /* one event shared by every target's line, not a copy each (100,000
     * copies were ~100 MB at start): the writer only reads it, and
     * jansson's reference counts are atomic */
    for (sp_sched_rt *r = s->targets; r; r = r->next)
        if (!r->removed)
            sp_store_put_event(s->store, r->st, json_incref(ev), sync);
    json_decref(ev);
}

static void journal_change(sp_sched_rt *r, const sp_fsm_step *st, const sp_probe_result *res)
{
    char since[SP_TIME_ISO_LEN];
    sp_time_iso_ms(st->at_ms, since, sizeof since);
    sp_journal_line l = {.type = SP_JOURNAL_STATE,
                         .t_ms = res->started_ms,
                         .state = {.from = st->from,
                                   .to = st->state,
                                   .since_ms = st->at_ms,
                                   .reason = st->reason,
                                   .detail = res->detail,
                                   .address = res->address,
                                   .http_status = res->http_status,
                                   .downtime_s = (double)st->downtime_ms / 1000.0}};
    json_t *ev = sp_journal_line_to_json(&l);
    char safe[512]; /* the detail may quote a server: shown, never obeyed by a terminal */
    fprintf(stderr, "%s slaprobe: %s %s -> %s since %s (%s: %s)\n", since, r->id,
            sp_state_name(st->from), sp_state_name(st->state), since, sp_reason_name(st->reason),
            sp_text_safe(res->detail, safe, sizeof safe));
    if (ev)
        sp_store_put_event(r->s->store, r->st, ev, true);
}

/* --- Alerts ------------------------------------------------------------- */

/* See sched_int.h. */
void sp_sched__alert(sp_sched_rt *r, sp_alert_event *ev, const sp_probe_result *res)
{
    if (!r->s->alerter || !r->cur->cfg->n_alerts)
        return;
    ev->target = r->id;
    ev->name = r->t->name;
    ev->url = r->t->spec.target;
    ev->state = ev->state ? ev->state : sp_state_name(r->fsm.state);
    ev->detail = res->detail;
    ev->detected_ms = res->started_ms;
    if (!ev->since_ms)
        ev->since_ms = res->started_ms;
    sp_alert_post(r->s->alerter, r->cur->cfg, ev);
}

/* A confirmed DOWN, or the recovery from an outage a DOWN alert went out
 * for: also through UNKNOWN (DOWN, then every control target failed, then
 * UP), or whoever was told of the outage would never hear it ended. The
 * recovery carries the outage's reason and length. */
static void alert_change(sp_sched_rt *r, const sp_fsm_step *st, const sp_probe_result *res)
{
    if (st->state == SP_STATE_DOWN) {
        sp_alert_event ev = {.kind = SP_ALERT_DOWN,
                             .state = sp_state_name(st->state),
                             .reason = sp_reason_name(st->reason),
                             .since_ms = st->at_ms};
        r->alerted_down_ms = st->at_ms;
        r->alerted_reason = st->reason;
        sp_sched__alert(r, &ev, res);
    } else if (st->state == SP_STATE_UP && r->alerted_down_ms) {
        sp_alert_event ev = {.kind = SP_ALERT_UP,
                             .state = sp_state_name(st->state),
                             .reason = sp_reason_name(r->alerted_reason),
                             .since_ms = st->at_ms,
                             .down_since_ms = r->alerted_down_ms,
                             .duration_s = (double)(st->at_ms - r->alerted_down_ms) / 1000.0};
        r->alerted_down_ms = 0;
        sp_sched__alert(r, &ev, res);
    }
}

/* Once per day of left, not on every probe. */
static void alert_cert(sp_sched_rt *r, const sp_probe_result *res)
{
    int warn = r->t->cert_warn_days;
    if (!res->tls.has_cert || warn <= 0 || res->tls.days_left > warn ||
        res->tls.days_left == r->cert_warned)
        return;
    r->cert_warned = res->tls.days_left;
    sp_alert_event ev = {.kind = SP_ALERT_CERT_EXPIRING,
                         .days_left = res->tls.days_left,
                         .reason = sp_reason_name(res->reason)};
    sp_sched__alert(r, &ev, res);
}

void sp_sched__effects(sp_sched_rt *r, const sp_fsm_step *st, const sp_probe_result *res)
{
    if (st->changed) {
        journal_change(r, st, res);
        alert_change(r, st, res);
        if (r->s->on_change)
            r->s->on_change(r->s->on_change_arg);
    }
    alert_cert(r, res);
}

void sp_sched_set_alerter(sp_sched *s, sp_alerter *a)
{
    s->alerter = a;
}

void sp_sched_on_change(sp_sched *s, void (*cb)(void *arg), void *arg)
{
    s->on_change = cb;
    s->on_change_arg = arg;
}

void sp_sched_on_result(sp_sched *s, sp_sched_result_cb cb, void *arg)
{
    s->on_result = cb;
    s->on_result_arg = arg;
}

typedef struct live_entry {
    const char *id; /* in the snapshot's own memory */
    int64_t since_ms;
    sp_state state;
    sp_reason reason;
    bool degraded;
} live_entry;

struct sp_sched_live_snap {
    size_t n;
    live_entry e[];
};

sp_sched_live_snap *sp_sched_live_take(const sp_sched *s)
{
    size_t n = 0, ids = 0;
    for (const sp_sched_rt *r = s->targets; r; r = r->next)
        if (!r->removed) {
            n++;
            ids += strlen(r->id) + 1;
        }
    sp_sched_live_snap *snap = malloc(sizeof *snap + n * sizeof(live_entry) + ids);
    if (!snap)
        return NULL;
    char *arena = (char *)&snap->e[n];
    snap->n = 0;
    for (const sp_sched_rt *r = s->targets; r; r = r->next) {
        if (r->removed)
            continue;
        size_t l = strlen(r->id) + 1;
        memcpy(arena, r->id, l);
        snap->e[snap->n++] = (live_entry){.id = arena,
                                          .since_ms = r->fsm.since_ms,
                                          .state = r->fsm.state,
                                          .reason = r->fsm.fail_reason,
                                          .degraded = r->fsm.degraded};
        arena += l;
    }
    return snap;
}

json_t *sp_sched_live_json(const sp_sched_live_snap *snap)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < snap->n; i++) {
        const live_entry *e = &snap->e[i];
        json_t *t = json_pack("{s:s, s:I}", "state", sp_state_name(e->state), "since_ms",
                              (json_int_t)e->since_ms);
        if (t && e->state != SP_STATE_UP)
            json_object_set_new(t, "reason", json_string(sp_reason_name(e->reason)));
        if (t && e->state == SP_STATE_UP && e->degraded)
            json_object_set_new(t, "degraded", json_true());
        json_object_set_new(o, e->id, t);
    }
    return o;
}

void sp_sched_live_free(sp_sched_live_snap *snap)
{
    free(snap);
}

json_t *sp_sched_live(const sp_sched *s)
{
    sp_sched_live_snap *snap = sp_sched_live_take(s);
    json_t *o = snap ? sp_sched_live_json(snap) : NULL;
    sp_sched_live_free(snap);
    return o;
}
