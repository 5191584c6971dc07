/*
 * Private contract between the scheduler's three files. Not used outside
 * scheduler/.
 *
 *  - sched.c: the grid. Due times, the scheduler's clock and its jumps,
 *    probes in flight and waiting, settling at a stop or removal, reloads.
 *  - posture.c: the TLS-posture grid, a second schedule per https target,
 *    and what a posture check found compared with the last one.
 *  - effects.c: what a result leads to: journal lines, alerts, and the
 *    memory alerts need (the outage a DOWN alert went out for, the
 *    certificate expiry last warned of).
 *
 * All of it runs on the loop thread. A target (sp_sched_rt) lives while
 * either of its timers is open or a probe of its is in flight (refs); a
 * configuration (sp_sched_holder) while it is current or a probe using
 * its specs is in flight.
 */
#ifndef SP_SCHED_INT_H
#define SP_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "alerts/sp_alert.h"
#include "common/sp_strmap.h"
#include "scheduler/fsm.h"
#include "scheduler/sp_sched.h"
#include "storage/steps.h"

/* A configuration and the number of things still using it. */
typedef struct sp_sched_holder {
    sp_cfg *cfg;
    int refs; /* 1 while current + probes in flight with its specs */
} sp_sched_holder;

typedef struct sp_sched_rt {
    sp_sched *s;
    char *id;
    const sp_cfg_target *t; /* in cur->cfg */
    sp_sched_holder *cur;
    sp_store_target *st; /* its files, looked up once */
    uv_timer_t timer;
    int64_t phase_ms, next_grid_ms, due_ms;
    bool due_is_retry;
    sp_fsm fsm;
    sp_steps steps;
    bool inflight, queued, removed, seen;
    bool unarmed;                  /* new: its first due time is set on the loop's next tick */
    bool files_asked;              /* its RRD file was asked for (sp_store_create_soon) */
    sp_sched_holder *probe_holder; /* the cfg of the probe in flight */
    sp_probe *probe;
    int64_t queued_due_ms;
    bool queued_retry;
    bool has_result, last_ok; /* for control targets */
    /* TLS posture: its own grid, probe, and the last posture seen */
    uv_timer_t tls_timer;
    int64_t tls_phase_ms, tls_next_ms, tls_interval_ms;
    sp_probe *tls_probe;
    sp_sched_holder *tls_holder;
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
    int refs; /* two timers open + probes in flight */
    struct sp_sched_rt *next, *qnext;
} sp_sched_rt;

struct sp_sched {
    uv_loop_t *loop;
    sp_probe_engine *eng;
    sp_store *store;
    size_t max_inflight, inflight;
    int n_controls, n_controls_down; /* kept current so a result costs O(1) */
    sp_sched_holder *cur;
    sp_sched_rt *targets;
    sp_strmap by_id; /* the targets not removed, by id */
    sp_sched_rt *qhead, **qtail;
    bool stopping;
    uv_timer_t arm_timer; /* arms new targets once setup is over */
    int closing;          /* own timers still closing in destroy */
    uv_timer_t stop_timer;
    void (*stop_done)(void *);
    void *stop_arg;
    sp_sched_stats stats;
    sp_alerter *alerter;          /* NULL: no alerts */
    void (*on_change)(void *arg); /* a target's state changed (NULL: nobody asks) */
    void *on_change_arg;
    sp_sched_result_cb on_result; /* every result (NULL: nobody asks) */
    void *on_result_arg;
    int64_t mono_base_ms; /* now_ms() = monotonic + this */
    int64_t clock_off_ms; /* wall - monotonic at the last clock tick */
    uv_timer_t clock_timer;
    int64_t stop_wall_ms; /* when sp_sched_stop was called (wall); 0: running */
};

/* --- sched.c ------------------------------------------------------------- */

/* The scheduler's clock (wall clock at start + monotonic), in ms. */
int64_t sp_sched__now_ms(const sp_sched *s);
void sp_sched__holder_unref(sp_sched_holder *h);
void sp_sched__rt_unref(sp_sched_rt *r);
/* After a probe ended: finish a stop, or start waiting probes. */
void sp_sched__stop_done_maybe(sp_sched *s);

/* --- posture.c ------------------------------------------------------------ */

/* (Re)start the posture grid after the target's tls_interval is set or
 * changed (0: stop it). */
void sp_sched__grid_tls(sp_sched_rt *r, int64_t now);

/* --- effects.c ------------------------------------------------------------ */

/* What a result of the availability probe leads to: st, the state
 * machine's step for it, journaled and alerted when it is a change; the
 * certificate's expiry alerted once per day left. */
void sp_sched__effects(sp_sched_rt *r, const sp_fsm_step *st, const sp_probe_result *res);

/* Hand one alert to the alerter (which only queues it); the fields not set
 * in ev are taken from the result and the target. */
void sp_sched__alert(sp_sched_rt *r, sp_alert_event *ev, const sp_probe_result *res);

#endif
