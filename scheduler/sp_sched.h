/*
 * sp_sched: runs every target of a configuration on the loop.
 *
 * Each target is probed on a fixed grid of its interval, anchored to the
 * wall clock at start (so RRD steps line up) and kept by the monotonic
 * clock (so nothing drifts, and a step of the wall clock is journaled as
 * a "clock_jump" instead of stopping or bunching probes), with a phase taken
 * from a stable hash of its id so that a thousand targets never fire
 * together. While a failure is unconfirmed the target is retried after
 * retry_interval. At most max_inflight probes run at once; the others wait
 * in order, and how late each probe started is recorded.
 *
 * Results go through the state machine (fsm.h) to the store: RRD rows once
 * settled (steps.h), and a journal line, fsync'ed, on every state change.
 *
 * Ownership: sp_sched_apply() takes the configuration; an old one is freed
 * once none of its probes is in flight. Loop thread only.
 */
#ifndef SP_SCHED_H
#define SP_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/sp_hist.h"
#include "common/sp_state.h"
#include "config/config.h"
#include "probe/sp_probe.h"
#include "storage/sp_store.h"

typedef struct sp_sched sp_sched;

typedef struct sp_sched_stats {
    uint64_t probes;      /* probes completed */
    uint64_t retries;     /* of which retries */
    uint64_t skipped;     /* grid points missed (previous probe still running, or late) */
    uint64_t clock_jumps; /* wall-clock steps of more than a second seen */
    uint64_t late_n;      /* lateness samples below */
    double late_ms[8192]; /* a ring of the latest start delays */
    sp_hist late;         /* every start delay, seconds (SP_SCHED_LATE_BOUNDS) */
} sp_sched_stats;

/* The bounds of sp_sched_stats.late, seconds: from timer jitter to a
 * probe that waited most of a minute for a free slot. */
#define SP_SCHED_LATE_BOUNDS                                                                       \
    {                                                                                              \
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60                     \
    }

sp_status sp_sched_create(uv_loop_t *loop, sp_probe_engine *eng, sp_store *store,
                          size_t max_inflight, sp_sched **out);

/* Start (or, with a new cfg, reload): unchanged targets keep their state and
 * schedule, new ones start, removed ones stop. Takes ownership of cfg. Every
 * target of cfg must have been opened in the store (sp_store_open_target). */
sp_status sp_sched_apply(sp_sched *s, sp_cfg *cfg);

/* Send alerts through a (borrowed; outlives the scheduler's use of it):
 * confirmed DOWN, recovery, certificate expiry within cert_warn_days and
 * TLS grade drops, to the channels of the configuration in force. */
struct sp_alerter;
void sp_sched_set_alerter(sp_sched *s, struct sp_alerter *a);

/* cb(arg) after every state change of a target (on the loop), once its
 * journal line is queued: for the live state of the status page. */
void sp_sched_on_change(sp_sched *s, void (*cb)(void *arg), void *arg);
/* What a target's probe found, for the metrics (metrics/metrics.h): cb on
 * the loop after every result of an availability probe has gone through
 * the state machine (posture false, state the target's state after it;
 * not for probes canceled by a stop), and after every TLS posture check
 * that reached the server (posture true, res->posture.grade set; state
 * unchanged). res is valid during the call only. */
typedef void (*sp_sched_result_cb)(void *arg, const char *id, const sp_probe_result *res,
                                   bool posture, sp_state state);
void sp_sched_on_result(sp_sched *s, sp_sched_result_cb cb, void *arg);

/* Every target's current state as {id: {state, since_ms[, reason]
 * [, degraded]}}: a new reference, the caller's. */
json_t *sp_sched_live(const sp_sched *s);
/* The same in two halves, so that the JSON of 100,000 targets (a tenth of
 * a second and more) is built off the loop: the states copied (on the
 * loop; NULL when out of memory), then the object made from the copy (any
 * thread; a new reference), and the copy freed (any thread). */
typedef struct sp_sched_live_snap sp_sched_live_snap;
sp_sched_live_snap *sp_sched_live_take(const sp_sched *s);
json_t *sp_sched_live_json(const sp_sched_live_snap *snap);
void sp_sched_live_free(sp_sched_live_snap *snap);

/* Stop scheduling; in-flight probes may finish. Calls done (once) when none
 * is left, or after wait_ms, whichever comes first (the rest are canceled). */
void sp_sched_stop(sp_sched *s, unsigned wait_ms, void (*done)(void *arg), void *arg);

/* Settle each target (its last state holds up to min(stop, last probe +
 * interval); the step of the stop is written for its known part), journal
 * "stop" markers with "settled_ms", and free. After stop's
 * callback, before the store is destroyed. */
void sp_sched_destroy(sp_sched *s);

const sp_sched_stats *sp_sched_get_stats(const sp_sched *s);

/* Journal a daemon-wide event (start, clock change) for every target. */
void sp_sched_journal_all(sp_sched *s, json_t *ev, bool sync);

/* Stable phase (0 .. interval_ms-1) of an id: FNV-1a, so it survives
 * restarts and reloads. */
int64_t sp_sched_phase_ms(const char *id, int64_t interval_ms);

#endif
