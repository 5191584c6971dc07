/*
 * The scheduler's grid; see sp_sched.h for what it promises and
 * sched_int.h for how its three files share the work.
 *
 * Each target has one uv_timer_t armed for its next due time: the next
 * point of its grid, or an earlier retry. Due times are absolute wall-clock
 * milliseconds and the next grid point is always the previous one plus the
 * interval, never "now plus the interval", so the schedule cannot drift.
 * A target whose previous probe is still running when its time comes is
 * counted as skipped rather than probed twice at once.
 *
 * What a result leads to (journal lines, alerts) is effects.c's; the TLS
 * posture's second grid is posture.c's.
 */
#include "sched_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_time.h"
#include "journal/lines.h"

static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000);
}

/* The scheduler's clock: the wall clock as it was at start, advanced by
 * the monotonic clock. Grids and timers run on it, so a step of the wall
 * clock (NTP, an operator) neither stops probing nor makes it skip:
 * probing keeps its pace and the jump is journaled (clock_tick). */
int64_t sp_sched__now_ms(const sp_sched *s)
{
    return mono_ms() + s->mono_base_ms;
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

void sp_sched__holder_unref(sp_sched_holder *h)
{
    if (h && --h->refs == 0) {
        sp_cfg_destroy(h->cfg);
        free(h);
    }
}

void sp_sched__rt_unref(sp_sched_rt *r)
{
    if (--r->refs == 0) {
        free(r->id);
        free(r);
    }
}

static void rt_timer_closed(uv_handle_t *h)
{
    sp_sched__rt_unref(h->data);
}

/* --- Running probes ------------------------------------------------------- */

static void arm(sp_sched_rt *r);
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
    for (const sp_sched_rt *r = s->targets; r; r = r->next) {
        if (r->removed || !r->t->is_control)
            continue;
        s->n_controls++;
        if (r->has_result && !r->last_ok)
            s->n_controls_down++;
    }
}

static void on_result(const sp_probe_result *res, void *arg)
{
    sp_sched_rt *r = arg;
    sp_sched *s = r->s;
    sp_sched_holder *h = r->probe_holder;
    r->inflight = false;
    r->probe = NULL;
    r->probe_holder = NULL;
    s->inflight--;
    s->stats.probes++;
    if (!r->removed && !(s->stopping && res->reason == SP_REASON_PROBE_ERROR && res->canceled)) {
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
        sp_sched__effects(r, &st, res);
        if (s->on_result)
            s->on_result(s->on_result_arg, r->id, res, false, st.state);
        if (retry && !s->stopping) {
            int64_t at = sp_sched__now_ms(s) + r->t->retry_ms;
            if (at < r->next_grid_ms) {
                r->due_ms = at;
                r->due_is_retry = true;
                arm(r);
            }
        }
    }
    sp_sched__holder_unref(h);
    sp_sched__rt_unref(r);
    sp_sched__stop_done_maybe(s);
}

/* After a probe ended: tell sp_sched_stop's caller when the last one is
 * done, or start waiting ones. */
void sp_sched__stop_done_maybe(sp_sched *s)
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

static void start_probe(sp_sched_rt *r, int64_t due_ms, bool is_retry)
{
    sp_sched *s = r->s;
    int64_t late = sp_sched__now_ms(s) - due_ms;
    s->stats.late_ms[s->stats.late_n++ % 8192] = late > 0 ? (double)late : 0.0;
    sp_hist_add(&s->stats.late, late > 0 ? (double)late / 1000.0 : 0.0);
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
        sp_sched_rt *r = s->qhead;
        s->qhead = r->qnext;
        if (!s->qhead)
            s->qtail = &s->qhead;
        r->queued = false;
        if (!r->removed && !r->inflight)
            start_probe(r, r->queued_due_ms, r->queued_retry);
    }
}

static void request(sp_sched_rt *r, int64_t due_ms, bool is_retry)
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
    sp_sched_rt *r = t->data;
    int64_t now = sp_sched__now_ms(r->s);
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

static void arm(sp_sched_rt *r)
{
    int64_t delay = r->due_ms - sp_sched__now_ms(r->s);
    uv_timer_start(&r->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* --- Settling and the wall clock ------------------------------------------- */

/* A target stops being probed (daemon stop, removed by a reload): the state
 * of its last probe holds until min(stop, last probe + interval), or only
 * until the first failure of an unconfirmed streak (neither UP nor DOWN can
 * be claimed after it). Writes those rows and returns the time they
 * describe up to (0: nothing was measured). */
static int64_t settle(sp_sched_rt *r, int64_t stop_ms)
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

/* A stop marker (STOP, REMOVED) with what settle() wrote. */
static json_t *end_event(sp_journal_type type, int64_t now, int64_t settled)
{
    sp_journal_line l = {.type = type, .t_ms = now, .stop = {.settled_ms = settled}};
    return sp_journal_line_to_json(&l);
}

static void clock_jumped(sp_sched *s, int64_t before, int64_t after)
{
    int64_t d = after - before;
    s->stats.clock_jumps++;
    char a[SP_TIME_ISO_LEN], b[SP_TIME_ISO_LEN];
    sp_time_iso_ms(before, b, sizeof b);
    sp_time_iso_ms(after, a, sizeof a);
    fprintf(stderr,
            "slaprobe: the system clock jumped %s%lld.%03lld s (%s -> %s); probing "
            "goes on at its pace, the jump is journaled\n",
            d > 0 ? "+" : "-", (long long)(llabs(d) / 1000), (long long)(llabs(d) % 1000), b, a);
    sp_journal_line jl = {.type = SP_JOURNAL_CLOCK_JUMP,
                          .t_ms = after,
                          .clock_jump = {.jump_ms = d, .before_ms = before, .after_ms = after}};
    json_t *ev = sp_journal_line_to_json(&jl);
    for (sp_sched_rt *r = s->targets; r; r = r->next) {
        if (r->removed)
            continue;
        if (ev)
            sp_store_put_event(s->store, r->st, json_incref(ev), true);
        sp_sched_fsm_forget_streak(&r->fsm);
        if (d > 0) {
            sp_store_steps_clock_gap(&r->steps, before);
        } else if (r->steps.started && r->steps.written_ms > after) {
            /* What is measured until the clock is back where the rows
             * already written end cannot be stored: say which range. */
            int64_t from = after - after % r->t->interval_ms;
            int64_t to = r->steps.written_ms;
            char detail[160];
            snprintf(detail, sizeof detail,
                     "the system clock stepped back %lld s; these steps were already written",
                     (long long)(-d / 1000));
            sp_journal_line se = {.type = SP_JOURNAL_STORE_ERROR,
                                  .t_ms = after,
                                  .store_error = {.from_ms = from,
                                                  .to_ms = to,
                                                  .step_s = r->t->interval_ms / 1000,
                                                  .rows = (to - from) / r->t->interval_ms,
                                                  .cause = "clock_back",
                                                  .detail = detail}};
            json_t *line = sp_journal_line_to_json(&se);
            if (line)
                sp_store_put_event(s->store, r->st, line, true);
        }
    }
    json_decref(ev);
}

/* Every second: has the wall clock moved against the monotonic one? */
static void on_clock_tick(uv_timer_t *t)
{
    sp_sched *s = t->data;
    int64_t mono = mono_ms(), wall = sp_time_wall_ms();
    int64_t off = wall - mono;
    if (llabs(off - s->clock_off_ms) > 1000)
        clock_jumped(s, mono + s->clock_off_ms, wall);
    s->clock_off_ms = off; /* slow slewing never adds up to a jump */
}

/* --- Configuration -------------------------------------------------------- */

static int by_due(const void *a, const void *b)
{
    int64_t x = (*(sp_sched_rt *const *)a)->due_ms, y = (*(sp_sched_rt *const *)b)->due_ms;
    return (x > y) - (x < y);
}

static void arm_new_targets(uv_timer_t *t)
{
    sp_sched *s = t->data;
    if (s->stopping)
        return;
    int64_t now = sp_sched__now_ms(s);
    size_t n = 0;
    for (sp_sched_rt *r = s->targets; r; r = r->next) {
        if (!r->unarmed || r->removed)
            continue;
        r->unarmed = false;
        int64_t iv = r->t->interval_ms;
        r->next_grid_ms = r->phase_ms + ((now - r->phase_ms) / iv + 1) * iv;
        r->due_ms = r->next_grid_ms;
        arm(r);
        sp_sched__grid_tls(r, now);
        n++;
    }
    /* Their RRD files, off the loop, in the order they are probed: the
     * target probed first gets its file first (its rows wait in the
     * writer's queue if they come before it). No memory for the order:
     * each file is created before its first rows instead. */
    sp_sched_rt **order = n ? malloc(n * sizeof *order) : NULL;
    if (!order)
        return;
    size_t k = 0;
    for (sp_sched_rt *r = s->targets; r && k < n; r = r->next)
        if (!r->removed && !r->unarmed && !r->files_asked) {
            r->files_asked = true;
            order[k++] = r;
        }
    qsort(order, k, sizeof *order, by_due);
    for (size_t i = 0; i < k; i++)
        sp_store_create_soon(s->store, order[i]->st);
    free(order);
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
    static const double late_le[] = SP_SCHED_LATE_BOUNDS;
    sp_hist_init(&s->stats.late, late_le, sizeof late_le / sizeof late_le[0]);
    uv_timer_init(loop, &s->stop_timer);
    s->stop_timer.data = s;
    uv_timer_init(loop, &s->arm_timer);
    s->arm_timer.data = s;
    s->clock_off_ms = sp_time_wall_ms() - mono_ms();
    s->mono_base_ms = s->clock_off_ms;
    uv_timer_init(loop, &s->clock_timer);
    s->clock_timer.data = s;
    uv_timer_start(&s->clock_timer, on_clock_tick, 1000, 1000);
    *out = s;
    return SP_OK;
}

static void remove_target(sp_sched_rt *r)
{
    r->removed = true;
    sp_strmap_del(&r->s->by_id, r->id);
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, rt_timer_closed);
    uv_close((uv_handle_t *)&r->tls_timer, rt_timer_closed);
}

sp_status sp_sched_apply(sp_sched *s, sp_cfg *cfg)
{
    sp_sched_holder *h = calloc(1, sizeof *h);
    if (!h)
        return SP_ENOMEM;
    h->cfg = cfg;
    h->refs = 1;
    for (sp_sched_rt *r = s->targets; r; r = r->next)
        r->seen = false;
    int64_t now = sp_sched__now_ms(s);
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        sp_sched_rt *r = sp_strmap_get(&s->by_id, t->id);
        if (r) { /* kept: state and schedule stay, the new spec applies from now */
            r->seen = true;
            bool regrid = r->t->interval_ms != t->interval_ms;
            r->t = t;
            r->cur = h;
            r->fsm.cfg.confirm = t->confirm;
            r->fsm.cfg.slow_ms = t->slow_ms;
            if (regrid) {
                r->phase_ms = sp_sched_phase_ms(t->id, t->interval_ms);
                r->next_grid_ms =
                    r->phase_ms + ((now - r->phase_ms) / t->interval_ms + 1) * t->interval_ms;
                r->due_ms = r->next_grid_ms;
                arm(r);
            }
            if (!r->unarmed && r->tls_interval_ms != t->tls_interval_ms)
                sp_sched__grid_tls(r, now);
            continue;
        }
        r = calloc(1, sizeof *r);
        if (!r || !(r->id = strdup(t->id)) || sp_strmap_put(&s->by_id, r->id, r) != SP_OK) {
            if (r)
                free(r->id);
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
    for (sp_sched_rt **pp = &s->targets; *pp;) {
        sp_sched_rt *r = *pp;
        if (!r->seen && !r->removed) {
            int64_t wall = sp_time_wall_ms();
            int64_t settled = settle(r, wall);
            sp_store_put_event(s->store, r->st, end_event(SP_JOURNAL_REMOVED, wall, settled), true);
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
    sp_sched_holder *old = s->cur;
    s->cur = h;
    sp_sched__holder_unref(old);
    return SP_OK;
}

/* --- Stopping --------------------------------------------------------------- */

static void stop_timeout(uv_timer_t *t)
{
    sp_sched *s = t->data;
    for (sp_sched_rt *r = s->targets; r; r = r->next) {
        if (r->inflight && r->probe)
            sp_probe_cancel(r->probe); /* on_result calls done when the last one ends */
        if (r->tls_inflight && r->tls_probe)
            sp_probe_cancel(r->tls_probe);
    }
}

void sp_sched_stop(sp_sched *s, unsigned wait_ms, void (*done)(void *arg), void *arg)
{
    s->stopping = true;
    /* what is settled ends here, not when the last probe came */
    s->stop_wall_ms = sp_time_wall_ms();
    for (sp_sched_rt *r = s->targets; r; r = r->next) {
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
    int64_t now = sp_time_wall_ms();
    int64_t stop = s->stop_wall_ms ? s->stop_wall_ms : now;
    for (sp_sched_rt *r = s->targets, *next; r; r = next) {
        next = r->next;
        /* SPEC 9: between two probes a target is in the state of the last
         * one, and so up to the stop (or one interval after the last probe,
         * if that is earlier). An unconfirmed failure is not settled: from
         * its first failed probe on, the time reads as unknown, never as
         * downtime or uptime. */
        int64_t settled = settle(r, stop);
        sp_store_put_event(s->store, r->st, end_event(SP_JOURNAL_STOP, now, settled), true);
        remove_target(r);
    }
    s->targets = NULL;
    sp_strmap_free(&s->by_id);
    sp_sched__holder_unref(s->cur);
    s->closing = 3;
    uv_close((uv_handle_t *)&s->clock_timer, own_timer_closed);
    uv_close((uv_handle_t *)&s->arm_timer, own_timer_closed);
    uv_close((uv_handle_t *)&s->stop_timer, own_timer_closed);
}

const sp_sched_stats *sp_sched_get_stats(const sp_sched *s)
{
    return &s->stats;
}
