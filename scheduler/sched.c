/*
 * The scheduler; see sp_sched.h for what it promises.
 *
 * Each target has one uv_timer_t armed for its next due time: the next
 * point of its grid, or an earlier retry. Due times are absolute wall-clock
 * milliseconds and the next grid point is always the previous one plus the
 * interval, never "now plus the interval", so the schedule cannot drift.
 * A target whose previous probe is still running when its time comes is
 * counted as skipped rather than probed twice at once.
 *
 * An https target with a tls_interval also has its TLS posture checked on a
 * second grid of that interval (its own timer, its own probe in flight).
 * The posture is kept in memory and a "tls_posture" journal line is written
 * on the first check after start and whenever the grade, the set of
 * accepted versions, the leaf's SHA-256 fingerprint or the stapling status
 * changes: the TLS history of the endpoint.
 */
#include "sp_sched.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "alerts/sp_alert.h"
#include "common/sp_text.h"
#include "probe/result_json.h"
#include "scheduler/fsm.h"
#include "storage/steps.h"

/* A configuration and the number of things still using it. */
typedef struct holder {
    sp_cfg *cfg;
    int refs; /* 1 while current + probes in flight with its specs */
} holder;

typedef struct rt {
    sp_sched *s;
    char *id;
    const sp_cfg_target *t; /* in cur->cfg */
    holder *cur;
    sp_store_target *st; /* its files, looked up once */
    uv_timer_t timer;
    int64_t phase_ms, next_grid_ms, due_ms;
    bool due_is_retry;
    sp_fsm fsm;
    sp_steps steps;
    bool inflight, queued, removed, seen;
    bool unarmed; /* new: its first due time is set on the loop's next tick */
    holder *probe_holder; /* the cfg of the probe in flight */
    sp_probe *probe;
    int64_t queued_due_ms;
    bool queued_retry;
    bool has_result, last_ok; /* for control targets */
    /* TLS posture: its own grid, probe, and the last posture seen */
    uv_timer_t tls_timer;
    int64_t tls_phase_ms, tls_next_ms, tls_interval_ms;
    sp_probe *tls_probe;
    holder *tls_holder;
    bool tls_inflight, tls_known;
    char tls_grade[4];
    unsigned tls_protos; /* bit v: version v accepted; bit 8+v: tested */
    char tls_fp[65];
    sp_ocsp_state tls_ocsp;
    sp_tls_grade tls_grade_v;
    int cert_warned; /* days left at the last expiry alert; INT_MIN: none */
    /* The outage a DOWN alert went out for (0: none open), so that its
     * recovery is announced even when UNKNOWN came between. */
    int64_t alerted_down_ms;
    sp_reason alerted_reason;
    int refs;                 /* two timers open + probes in flight */
    struct rt *next, *qnext;
} rt;

struct sp_sched {
    uv_loop_t *loop;
    sp_probe_engine *eng;
    sp_store *store;
    size_t max_inflight, inflight;
    int n_controls, n_controls_down; /* kept current so a result costs O(1) */
    holder *cur;
    rt *targets;
    rt *qhead, **qtail;
    bool stopping;
    uv_timer_t arm_timer; /* arms new targets once setup is over */
    int closing;          /* own timers still closing in destroy */
    uv_timer_t stop_timer;
    void (*stop_done)(void *);
    void *stop_arg;
    sp_sched_stats stats;
    sp_alerter *alerter; /* NULL: no alerts */
    int64_t mono_base_ms; /* now_ms() = monotonic + this */
    int64_t clock_off_ms; /* wall - monotonic at the last clock tick */
    uv_timer_t clock_timer;
    int64_t stop_wall_ms; /* when sp_sched_stop was called (wall); 0: running */
};

/* The wall clock: what journal lines and RRD rows are stamped with. */
static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000);
}

/* The scheduler's clock: the wall clock as it was at start, advanced by
 * the monotonic clock. Grids and timers run on it, so a step of the wall
 * clock (NTP, an operator) neither stops probing nor makes it skip:
 * probing keeps its pace and the jump is journaled (clock_tick). */
static int64_t now_ms(const sp_sched *s)
{
    return mono_ms() + s->mono_base_ms;
}

static void iso(int64_t ms, char *buf, size_t n)
{
    sp_probe_format_time(ms, buf, n);
}

int64_t sp_sched_phase_ms(const char *id, int64_t interval_ms)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
        h ^= *c;
        h *= 1099511628211ULL;
    }
    return interval_ms > 0 ? (int64_t)(h % (uint64_t)interval_ms) : 0;
}

static void holder_unref(holder *h)
{
    if (h && --h->refs == 0) {
        sp_cfg_destroy(h->cfg);
        free(h);
    }
}

static void rt_unref(rt *r)
{
    if (--r->refs == 0) {
        free(r->id);
        free(r);
    }
}

static void rt_timer_closed(uv_handle_t *h)
{
    rt_unref(h->data);
}

/* --- Journal ------------------------------------------------------------ */

static json_t *event(const char *type, int64_t t)
{
    char when[40];
    iso(t, when, sizeof when);
    return json_pack("{s:s, s:s, s:I}", "type", type, "time", when, "t_ms", (json_int_t)t);
}

void sp_sched_journal_all(sp_sched *s, json_t *ev, bool sync)
{
    if (!json_object_get(ev, "time")) { /* every line says when */
        json_t *stamp = event("x", wall_ms());
        json_object_set(ev, "time", json_object_get(stamp, "time"));
        json_object_set(ev, "t_ms", json_object_get(stamp, "t_ms"));
        json_decref(stamp);
    }
    for (rt *r = s->targets; r; r = r->next)
        if (!r->removed)
            sp_store_put_event(s->store, r->st, json_deep_copy(ev), sync);
    json_decref(ev);
}

static void journal_change(rt *r, const sp_fsm_step *st, const sp_probe_result *res)
{
    char since[40];
    json_t *ev = event("state", res->started_ms);
    iso(st->at_ms, since, sizeof since);
    json_object_set_new(ev, "from", json_string(sp_state_name(st->from)));
    json_object_set_new(ev, "to", json_string(sp_state_name(st->state)));
    json_object_set_new(ev, "since", json_string(since));
    json_object_set_new(ev, "since_ms", json_integer(st->at_ms));
    json_object_set_new(ev, "reason", json_string(sp_reason_name(st->reason)));
    json_object_set_new(ev, "detail", sp_probe_json_text(res->detail));
    if (res->address[0])
        json_object_set_new(ev, "address", sp_probe_json_text(res->address));
    if (res->http_status)
        json_object_set_new(ev, "http_status", json_integer(res->http_status));
    if (st->from == SP_STATE_DOWN && st->state == SP_STATE_UP)
        json_object_set_new(ev, "downtime_s", json_real((double)st->downtime_ms / 1000.0));
    char safe[512]; /* the detail may quote a server: shown, never obeyed by a terminal */
    fprintf(stderr, "%s slaprobe: %s %s -> %s since %s (%s: %s)\n", since, r->id,
            sp_state_name(st->from), sp_state_name(st->state), since, sp_reason_name(st->reason),
            sp_text_safe(res->detail, safe, sizeof safe));
    sp_store_put_event(r->s->store, r->st, ev, true);
}

/* --- Alerts ------------------------------------------------------------- */

/* Hand one event to the alerter (which only queues it). The fields not
 * set here are taken from the result and the target. */
static void alert(rt *r, sp_alert_event *ev, const sp_probe_result *res)
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
static void alert_change(rt *r, const sp_fsm_step *st, const sp_probe_result *res)
{
    if (st->state == SP_STATE_DOWN) {
        sp_alert_event ev = {.kind = SP_ALERT_DOWN,
                             .state = sp_state_name(st->state),
                             .reason = sp_reason_name(st->reason),
                             .since_ms = st->at_ms};
        r->alerted_down_ms = st->at_ms;
        r->alerted_reason = st->reason;
        alert(r, &ev, res);
    } else if (st->state == SP_STATE_UP && r->alerted_down_ms) {
        sp_alert_event ev = {.kind = SP_ALERT_UP,
                             .state = sp_state_name(st->state),
                             .reason = sp_reason_name(r->alerted_reason),
                             .since_ms = st->at_ms,
                             .down_since_ms = r->alerted_down_ms,
                             .duration_s = (double)(st->at_ms - r->alerted_down_ms) / 1000.0};
        r->alerted_down_ms = 0;
        alert(r, &ev, res);
    }
}

/* Once per day of left, not on every probe. */
static void alert_cert(rt *r, const sp_probe_result *res)
{
    int warn = r->t->cert_warn_days;
    if (!res->tls.has_cert || warn <= 0 || res->tls.days_left > warn ||
        res->tls.days_left == r->cert_warned)
        return;
    r->cert_warned = res->tls.days_left;
    sp_alert_event ev = {.kind = SP_ALERT_CERT_EXPIRING, .days_left = res->tls.days_left,
                         .reason = sp_reason_name(res->reason)};
    alert(r, &ev, res);
}

/* --- Running probes ------------------------------------------------------- */

static void arm(rt *r);
static void pump(sp_sched *s);

static bool controls_all_down(const sp_sched *s)
{
    return s->n_controls > 0 && s->n_controls_down == s->n_controls;
}

/* Recount after the set of targets changed (apply); results adjust the
 * counts incrementally. */
static void count_controls(sp_sched *s)
{
    s->n_controls = s->n_controls_down = 0;
    for (const rt *r = s->targets; r; r = r->next) {
        if (r->removed || !r->t->is_control)
            continue;
        s->n_controls++;
        if (r->has_result && !r->last_ok)
            s->n_controls_down++;
    }
}

static void stop_done_maybe(sp_sched *s);

static void on_result(const sp_probe_result *res, void *arg)
{
    rt *r = arg;
    sp_sched *s = r->s;
    holder *h = r->probe_holder;
    r->inflight = false;
    r->probe = NULL;
    r->probe_holder = NULL;
    s->inflight--;
    s->stats.probes++;
    if (!r->removed && !(s->stopping && res->reason == SP_REASON_PROBE_ERROR &&
                         res->canceled)) {
        bool controls_down = !r->t->is_control && controls_all_down(s);
        if (r->t->is_control) {
            bool was_down = r->has_result && !r->last_ok;
            r->has_result = true;
            r->last_ok = res->ok;
            s->n_controls_down += (int)!res->ok - (int)was_down;
        }
        sp_fsm_step st = sp_sched_fsm_feed(&r->fsm, res->started_ms, res->ok, res->reason,
                                           res->total_ms, controls_down);
        const double ms[5] = {res->dns_ms, res->connect_ms, res->tls_ms, res->ttfb_ms,
                              res->total_ms};
        double cert = res->tls.has_cert ? (double)res->tls.days_left : NAN;
        sp_store_steps_probe(&r->steps, res->started_ms, st.state, st.degraded,
                             st.changed ? st.at_ms : res->started_ms, ms, cert);
        bool retry = sp_sched_fsm_wants_retry(&r->fsm);
        int64_t horizon = retry ? r->fsm.first_fail_ms : res->started_ms;
        sp_store_row rows[32];
        size_t n;
        while ((n = sp_store_steps_take(&r->steps, horizon, rows, 32)) > 0)
            sp_store_put_rows(s->store, r->st, rows, n);
        if (st.changed) {
            journal_change(r, &st, res);
            alert_change(r, &st, res);
        }
        alert_cert(r, res);
        if (retry && !s->stopping) {
            int64_t at = now_ms(s) + r->t->retry_ms;
            if (at < r->next_grid_ms) {
                r->due_ms = at;
                r->due_is_retry = true;
                arm(r);
            }
        }
    }
    holder_unref(h);
    rt_unref(r);
    stop_done_maybe(s);
}

void sp_sched_set_alerter(sp_sched *s, sp_alerter *a)
{
    s->alerter = a;
}

/* After a probe ended: tell sp_sched_stop's caller when the last one is
 * done, or start waiting ones. */
static void stop_done_maybe(sp_sched *s)
{
    if (s->stopping && s->inflight == 0 && s->stop_done) {
        void (*done)(void *) = s->stop_done;
        s->stop_done = NULL;
        uv_timer_stop(&s->stop_timer);
        done(s->stop_arg);
        return;
    }
    pump(s);
}

/* --- TLS posture ------------------------------------------------------------ */

static void arm_tls(rt *r);

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
static void posture_seen(rt *r, const sp_probe_result *res)
{
    const sp_tls_posture *p = &res->posture;
    const char *grade = sp_probe_tls_grade_name(p->grade);
    unsigned protos = proto_bits(p);
    json_t *changed = json_array();
    if (r->tls_known) {
        if (strcmp(r->tls_grade, grade) != 0)
            json_array_append_new(changed, json_string("grade"));
        if (r->tls_protos != protos)
            json_array_append_new(changed, json_string("protocols"));
        if (strcmp(r->tls_fp, p->cert.fingerprint_sha256) != 0)
            json_array_append_new(changed, json_string("fingerprint"));
        if (r->tls_ocsp != p->ocsp)
            json_array_append_new(changed, json_string("ocsp"));
        if (json_array_size(changed) == 0) {
            json_decref(changed);
            return;
        }
    }
    json_t *ev = event("tls_posture", res->started_ms);
    json_object_set_new(ev, "first", json_boolean(!r->tls_known));
    json_object_set_new(ev, "changed", changed);
    if (r->tls_known)
        json_object_set_new(ev, "previous_grade", json_string(r->tls_grade));
    json_object_set_new(ev, "grade", json_string(grade));
    json_t *pr = json_object();
    for (int v = 0; v < SP_TLS_PROTO_COUNT; v++)
        json_object_set_new(pr, sp_probe_tls_proto_name((sp_tls_proto)v),
                            p->proto_tested[v] ? json_boolean(p->proto_accepted[v])
                                               : json_null());
    json_object_set_new(ev, "protocols", pr);
    json_object_set_new(ev, "fingerprint_sha256", json_string(p->cert.fingerprint_sha256));
    json_object_set_new(ev, "ocsp_status", json_string(sp_probe_ocsp_name(p->ocsp)));
    if (p->cert.present)
        json_object_set_new(ev, "cert_days", json_integer(p->cert.days_left));
    json_t *fs = json_array();
    for (size_t i = 0; i < p->n_findings; i++)
        json_array_append_new(fs, json_string(sp_probe_tls_finding_name(p->findings[i].code)));
    json_object_set_new(ev, "findings", fs);
    json_object_set_new(ev, "detail", sp_probe_json_text(res->detail));
    char safe[512];
    fprintf(stderr, "slaprobe: %s TLS posture %s%s%s (%s)\n", r->id,
            r->tls_known ? r->tls_grade : "", r->tls_known ? " -> " : "", grade,
            sp_text_safe(res->detail, safe, sizeof safe));
    sp_store_put_event(r->s->store, r->st, ev, true);
    if (r->tls_known && r->tls_grade_v != SP_GRADE_NONE && p->grade < r->tls_grade_v) {
        sp_alert_event drop = {.kind = SP_ALERT_TLS_GRADE_DROP, .grade = grade,
                               .previous_grade = r->tls_grade};
        alert(r, &drop, res);
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
    rt *r = arg;
    sp_sched *s = r->s;
    holder *h = r->tls_holder;
    r->tls_inflight = false;
    r->tls_probe = NULL;
    r->tls_holder = NULL;
    s->inflight--;
    s->stats.probes++;
    /* No connection, no posture: being unreachable is the availability
     * probe's business, not a change of TLS posture. */
    if (!r->removed && res->posture.present && res->posture.grade != SP_GRADE_NONE)
        posture_seen(r, res);
    holder_unref(h);
    rt_unref(r);
    stop_done_maybe(s);
}

/* The grid point after now, at least half an interval away (so the first,
 * early check is not followed at once by a grid one). */
static int64_t next_tls_slot(const rt *r, int64_t now)
{
    int64_t iv = r->tls_interval_ms;
    int64_t next = r->tls_phase_ms + ((now - r->tls_phase_ms) / iv + 1) * iv;
    return next - now < iv / 2 ? next + iv : next;
}

static void on_tls_timer(uv_timer_t *t)
{
    rt *r = t->data;
    sp_sched *s = r->s;
    int64_t now = now_ms(s);
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
        fprintf(stderr, "slaprobe: %s: cannot start a TLS posture check (out of memory)\n",
                r->id);
        return;
    }
    r->tls_inflight = true;
    r->refs++;
    r->tls_holder = r->cur;
    r->cur->refs++;
    s->inflight++;
}

static void arm_tls(rt *r)
{
    int64_t delay = r->tls_next_ms - now_ms(r->s);
    uv_timer_start(&r->tls_timer, on_tls_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* (Re)start the posture grid after the interval is set or changed. */
static void grid_tls(rt *r, int64_t now)
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

static void start_probe(rt *r, int64_t due_ms, bool is_retry)
{
    sp_sched *s = r->s;
    int64_t late = now_ms(s) - due_ms;
    s->stats.late_ms[s->stats.late_n++ % 8192] = late > 0 ? (double)late : 0.0;
    if (is_retry)
        s->stats.retries++;
    if (sp_probe_start(s->eng, &r->t->spec, on_result, r, &r->probe) != SP_OK) {
        fprintf(stderr, "slaprobe: %s: cannot start a probe (out of memory)\n", r->id);
        return;
    }
    r->inflight = true;
    r->refs++;
    r->probe_holder = r->cur;
    r->cur->refs++;
    s->inflight++;
}

/* Start waiting probes while there is room. */
static void pump(sp_sched *s)
{
    while (!s->stopping && s->qhead && s->inflight < s->max_inflight) {
        rt *r = s->qhead;
        s->qhead = r->qnext;
        if (!s->qhead)
            s->qtail = &s->qhead;
        r->queued = false;
        if (!r->removed && !r->inflight)
            start_probe(r, r->queued_due_ms, r->queued_retry);
    }
}

static void request(rt *r, int64_t due_ms, bool is_retry)
{
    sp_sched *s = r->s;
    if (r->inflight || r->queued) {
        s->stats.skipped++;
        return;
    }
    if (s->inflight < s->max_inflight) {
        start_probe(r, due_ms, is_retry);
        return;
    }
    r->queued = true;
    r->queued_due_ms = due_ms;
    r->queued_retry = is_retry;
    r->qnext = NULL;
    *s->qtail = r;
    s->qtail = &r->qnext;
}

static void on_timer(uv_timer_t *t)
{
    rt *r = t->data;
    int64_t now = now_ms(r->s);
    if (now < r->due_ms) { /* the timer fired a little early: wait the rest */
        arm(r);
        return;
    }
    int64_t due = r->due_ms;
    bool is_retry = r->due_is_retry;
    if (!is_retry)
        r->next_grid_ms += r->t->interval_ms;
    while (r->next_grid_ms <= now) { /* more than an interval late: skip, never bunch */
        r->next_grid_ms += r->t->interval_ms;
        r->s->stats.skipped++;
    }
    r->due_ms = r->next_grid_ms;
    r->due_is_retry = false;
    arm(r);
    request(r, due, is_retry);
}

static void arm(rt *r)
{
    int64_t delay = r->due_ms - now_ms(r->s);
    uv_timer_start(&r->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* --- Settling and the wall clock ------------------------------------------- */

/* A target stops being probed (daemon stop, removed by a reload): the state
 * of its last probe holds until min(stop, last probe + interval), or only
 * until the first failure of an unconfirmed streak (neither UP nor DOWN can
 * be claimed after it). Writes those rows and returns the time they
 * describe up to (0: nothing was measured). */
static int64_t settle(rt *r, int64_t stop_ms)
{
    if (!r->steps.started)
        return 0;
    int64_t until = r->steps.last_probe_ms + r->t->interval_ms;
    if (until > stop_ms)
        until = stop_ms;
    if (sp_sched_fsm_wants_retry(&r->fsm) && r->fsm.first_fail_ms < until)
        until = r->fsm.first_fail_ms;
    sp_store_row rows[32];
    size_t n;
    while ((n = sp_store_steps_settle(&r->steps, until, rows, 32)) > 0)
        sp_store_put_rows(r->s->store, r->st, rows, n);
    return until;
}

/* A stop marker ("stop", "removed") with what settle() wrote. */
static json_t *end_event(const char *type, int64_t now, int64_t settled)
{
    json_t *ev = event(type, now);
    if (settled > 0)
        json_object_set_new(ev, "settled_ms", json_integer(settled));
    return ev;
}

static void clock_jumped(sp_sched *s, int64_t before, int64_t after)
{
    int64_t d = after - before;
    s->stats.clock_jumps++;
    char a[40], b[40];
    iso(before, b, sizeof b);
    iso(after, a, sizeof a);
    fprintf(stderr, "slaprobe: the system clock jumped %s%lld.%03lld s (%s -> %s); probing "
            "goes on at its pace, the jump is journaled\n", d > 0 ? "+" : "-",
            (long long)(llabs(d) / 1000), (long long)(llabs(d) % 1000), b, a);
    json_t *ev = event("clock_jump", after);
    json_object_set_new(ev, "jump_ms", json_integer(d));
    json_object_set_new(ev, "before_ms", json_integer(before));
    json_object_set_new(ev, "after_ms", json_integer(after));
    for (rt *r = s->targets; r; r = r->next) {
        if (r->removed)
            continue;
        sp_store_put_event(s->store, r->st, json_deep_copy(ev), true);
        sp_sched_fsm_forget_streak(&r->fsm);
        if (d > 0) {
            sp_store_steps_clock_gap(&r->steps, before);
        } else if (r->steps.started && r->steps.written_ms > after) {
            /* What is measured until the clock is back where the rows
             * already written end cannot be stored: say which range. */
            int64_t from = after - after % r->t->interval_ms;
            int64_t to = r->steps.written_ms;
            json_t *se = event("store_error", after);
            json_object_set_new(se, "from_ms", json_integer(from));
            json_object_set_new(se, "to_ms", json_integer(to));
            json_object_set_new(se, "step_s", json_integer(r->t->interval_ms / 1000));
            json_object_set_new(se, "rows", json_integer((to - from) / r->t->interval_ms));
            json_object_set_new(se, "cause", json_string("clock_back"));
            char detail[160];
            snprintf(detail, sizeof detail,
                     "the system clock stepped back %lld s; these steps were already written",
                     (long long)(-d / 1000));
            json_object_set_new(se, "detail", json_string(detail));
            sp_store_put_event(s->store, r->st, se, true);
        }
    }
    json_decref(ev);
}

/* Every second: has the wall clock moved against the monotonic one? */
static void on_clock_tick(uv_timer_t *t)
{
    sp_sched *s = t->data;
    int64_t mono = mono_ms(), wall = wall_ms();
    int64_t off = wall - mono;
    if (llabs(off - s->clock_off_ms) > 1000)
        clock_jumped(s, mono + s->clock_off_ms, wall);
    s->clock_off_ms = off; /* slow slewing never adds up to a jump */
}

/* --- Configuration -------------------------------------------------------- */

static void arm_new_targets(uv_timer_t *t)
{
    sp_sched *s = t->data;
    if (s->stopping)
        return;
    int64_t now = now_ms(s);
    for (rt *r = s->targets; r; r = r->next) {
        if (!r->unarmed || r->removed)
            continue;
        r->unarmed = false;
        int64_t iv = r->t->interval_ms;
        r->next_grid_ms = r->phase_ms + ((now - r->phase_ms) / iv + 1) * iv;
        r->due_ms = r->next_grid_ms;
        arm(r);
        grid_tls(r, now);
    }
}

sp_status sp_sched_create(uv_loop_t *loop, sp_probe_engine *eng, sp_store *store,
                          size_t max_inflight, sp_sched **out)
{
    sp_sched *s = calloc(1, sizeof *s);
    if (!s)
        return SP_ENOMEM;
    s->loop = loop;
    s->eng = eng;
    s->store = store;
    s->max_inflight = max_inflight ? max_inflight : 1;
    s->qtail = &s->qhead;
    uv_timer_init(loop, &s->stop_timer);
    s->stop_timer.data = s;
    uv_timer_init(loop, &s->arm_timer);
    s->arm_timer.data = s;
    s->clock_off_ms = wall_ms() - mono_ms();
    s->mono_base_ms = s->clock_off_ms;
    uv_timer_init(loop, &s->clock_timer);
    s->clock_timer.data = s;
    uv_timer_start(&s->clock_timer, on_clock_tick, 1000, 1000);
    *out = s;
    return SP_OK;
}

static void remove_target(rt *r)
{
    r->removed = true;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, rt_timer_closed);
    uv_close((uv_handle_t *)&r->tls_timer, rt_timer_closed);
}

sp_status sp_sched_apply(sp_sched *s, sp_cfg *cfg)
{
    holder *h = calloc(1, sizeof *h);
    if (!h)
        return SP_ENOMEM;
    h->cfg = cfg;
    h->refs = 1;
    for (rt *r = s->targets; r; r = r->next)
        r->seen = false;
    int64_t now = now_ms(s);
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        rt *r;
        for (r = s->targets; r && (r->removed || strcmp(r->id, t->id) != 0); r = r->next)
            ;
        if (r) { /* kept: state and schedule stay, the new spec applies from now */
            r->seen = true;
            bool regrid = r->t->interval_ms != t->interval_ms;
            r->t = t;
            r->cur = h;
            r->fsm.cfg.confirm = t->confirm;
            r->fsm.cfg.slow_ms = t->slow_ms;
            if (regrid) {
                r->phase_ms = sp_sched_phase_ms(t->id, t->interval_ms);
                r->next_grid_ms = r->phase_ms + ((now - r->phase_ms) / t->interval_ms + 1) *
                                                    t->interval_ms;
                r->due_ms = r->next_grid_ms;
                arm(r);
            }
            if (!r->unarmed && r->tls_interval_ms != t->tls_interval_ms)
                grid_tls(r, now);
            continue;
        }
        r = calloc(1, sizeof *r);
        if (!r || !(r->id = strdup(t->id))) {
            free(r);
            return SP_ENOMEM;
        }
        r->s = s;
        r->t = t;
        r->cur = h;
        r->st = sp_store_find_target(s->store, t->id); /* opened by the caller */
        r->seen = true;
        r->refs = 2; /* the two timers */
        r->cert_warned = INT_MIN;
        sp_fsm_config fc = {.confirm = t->confirm, .slow_ms = t->slow_ms};
        sp_sched_fsm_init(&r->fsm, &fc);
        sp_store_steps_init(&r->steps, t->interval_ms);
        sp_store_steps_floor(&r->steps, sp_store_target_last(r->st) * 1000);
        r->phase_ms = sp_sched_phase_ms(t->id, t->interval_ms);
        r->unarmed = true;
        uv_timer_init(s->loop, &r->timer);
        r->timer.data = r;
        uv_timer_init(s->loop, &r->tls_timer);
        r->tls_timer.data = r;
        r->next = s->targets;
        s->targets = r;
    }
    /* drop removed targets from the list; their memory goes when the timer
     * has closed and no probe of theirs is in flight */
    for (rt **pp = &s->targets; *pp;) {
        rt *r = *pp;
        if (!r->seen && !r->removed) {
            int64_t wall = wall_ms();
            int64_t settled = settle(r, wall);
            sp_store_put_event(s->store, r->st, end_event("removed", wall, settled), true);
            remove_target(r);
        }
        if (r->removed) {
            *pp = r->next;
            continue;
        }
        pp = &r->next;
    }
    count_controls(s);
    /* Set up 10,000 targets (and journal their start) takes about a second
     * before the loop runs; grid points computed now would pass unarmed and
     * fire late all at once. So new targets get their first due time on the
     * loop's next tick, from the clock as it is then. */
    uv_timer_start(&s->arm_timer, arm_new_targets, 0, 0);
    holder *old = s->cur;
    s->cur = h;
    holder_unref(old);
    return SP_OK;
}

/* --- Stopping --------------------------------------------------------------- */

static void stop_timeout(uv_timer_t *t)
{
    sp_sched *s = t->data;
    for (rt *r = s->targets; r; r = r->next) {
        if (r->inflight && r->probe)
            sp_probe_cancel(r->probe); /* on_result calls done when the last one ends */
        if (r->tls_inflight && r->tls_probe)
            sp_probe_cancel(r->tls_probe);
    }
}

void sp_sched_stop(sp_sched *s, unsigned wait_ms, void (*done)(void *arg), void *arg)
{
    s->stopping = true;
    s->stop_wall_ms = wall_ms(); /* what is settled ends here, not when the last probe came */
    for (rt *r = s->targets; r; r = r->next) {
        uv_timer_stop(&r->timer);
        uv_timer_stop(&r->tls_timer);
    }
    while (s->qhead) {
        s->qhead->queued = false;
        s->qhead = s->qhead->qnext;
    }
    s->qtail = &s->qhead;
    if (s->inflight == 0) {
        done(arg);
        return;
    }
    s->stop_done = done;
    s->stop_arg = arg;
    uv_timer_start(&s->stop_timer, stop_timeout, wait_ms, 0);
}

/* The scheduler's own timers must all have closed before it is freed
 * (libuv runs close callbacks in no order we should rely on). */
static void own_timer_closed(uv_handle_t *h)
{
    sp_sched *s = h->data;
    if (--s->closing == 0)
        free(s);
}

void sp_sched_destroy(sp_sched *s)
{
    if (!s)
        return;
    int64_t now = wall_ms();
    int64_t stop = s->stop_wall_ms ? s->stop_wall_ms : now;
    for (rt *r = s->targets, *next; r; r = next) {
        next = r->next;
        /* SPEC 9: between two probes a target is in the state of the last
         * one, and so up to the stop (or one interval after the last probe,
         * if that is earlier). An unconfirmed failure is not settled: from
         * its first failed probe on, the time reads as unknown, never as
         * downtime or uptime. */
        int64_t settled = settle(r, stop);
        sp_store_put_event(s->store, r->st, end_event("stop", now, settled), true);
        remove_target(r);
    }
    s->targets = NULL;
    holder_unref(s->cur);
    s->closing = 3;
    uv_close((uv_handle_t *)&s->clock_timer, own_timer_closed);
    uv_close((uv_handle_t *)&s->arm_timer, own_timer_closed);
    uv_close((uv_handle_t *)&s->stop_timer, own_timer_closed);
}

const sp_sched_stats *sp_sched_get_stats(const sp_sched *s)
{
    return &s->stats;
}
