/*
 * The per-target state machine (SPEC section 3). Pure: results and times in,
 * state and events out; no clock, no I/O, so it is tested exhaustively.
 *
 * States: UP, DOWN, UNKNOWN. A failure moves UP -> DOWN only after
 * `confirm` consecutive failures; meanwhile the scheduler retries after
 * retry_interval (sp_sched_fsm_wants_retry). An incident's downtime runs
 * from the first failed probe of the streak to the first successful probe.
 * A failure while every control target fails too is UNKNOWN (our side
 * could not measure), and probe_error is never held against the vendor:
 * it is UNKNOWN as well.
 */
#ifndef SP_SCHED_FSM_H
#define SP_SCHED_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sp_reason.h"
#include "common/sp_state.h"

typedef struct sp_fsm_config {
    int confirm;    /* consecutive failures before DOWN, >= 1 */
    double slow_ms; /* an up result slower than this is degraded; <= 0: never */
} sp_fsm_config;

/* Plain value, embedded by the owner; sp_sched_fsm_init() before use. */
typedef struct sp_fsm {
    sp_fsm_config cfg;
    sp_state state;
    int fails;             /* consecutive vendor failures so far */
    int64_t first_fail_ms; /* time of the first failure of the streak */
    sp_reason fail_reason; /* reason of the first failure of the streak */
    int64_t since_ms;      /* when the current state began (0: never set) */
    bool degraded;         /* last result was up but slow */
} sp_fsm;

/* What one result did. */
typedef struct sp_fsm_step {
    sp_state state; /* the state that now holds */
    bool degraded;
    bool changed;        /* a transition happened */
    sp_state from;       /* previous state when changed */
    int64_t at_ms;       /* when the new state began (for DOWN: first failure) */
    sp_reason reason;    /* cause of DOWN/UNKNOWN, or ok */
    int64_t downtime_ms; /* on DOWN -> UP: length of the incident */
} sp_fsm_step;

void sp_sched_fsm_init(sp_fsm *f, const sp_fsm_config *cfg);

/*
 * Feed one result taken at t_ms. controls_down: every control target is
 * failing now (false when there are none). Returns what changed.
 */
sp_fsm_step sp_sched_fsm_feed(sp_fsm *f, int64_t t_ms, bool ok, sp_reason reason, double total_ms,
                              bool controls_down);

/* The wall clock jumped: a streak of unconfirmed failures is forgotten, so
 * that a DOWN is never dated back across a jump (the time between could
 * not be placed). A DOWN that holds stays. */
void sp_sched_fsm_forget_streak(sp_fsm *f);

/* True while a failure is unconfirmed: probe again after retry_interval. */
bool sp_sched_fsm_wants_retry(const sp_fsm *f);

#endif
