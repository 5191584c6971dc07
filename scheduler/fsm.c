/*
 * Per-target state machine; see fsm.h for the rules. The subtle part is
 * what a failure means before it is confirmed: the state does not change
 * (an unconfirmed blip is not downtime), but if it is confirmed, the
 * incident is dated back to the first failure of the streak, so downtime
 * runs from the first failed probe to the first successful one.
 */
#include "fsm.h"

void sp_sched_fsm_init(sp_fsm *f, const sp_fsm_config *cfg)
{
    *f = (sp_fsm){0};
    f->cfg = *cfg;
    if (f->cfg.confirm < 1)
        f->cfg.confirm = 1;
    f->state = SP_STATE_UNKNOWN;
    f->fail_reason = SP_REASON_OK;
}

bool sp_sched_fsm_wants_retry(const sp_fsm *f)
{
    return f->state != SP_STATE_DOWN && f->fails > 0 && f->fails < f->cfg.confirm;
}

static void move(sp_fsm *f, sp_fsm_step *st, sp_state to, int64_t at, sp_reason why)
{
    if (f->state == to)
        return;
    st->changed = true;
    st->from = f->state;
    st->at_ms = at;
    st->reason = why;
    f->state = to;
    f->since_ms = at;
}

sp_fsm_step sp_sched_fsm_feed(sp_fsm *f, int64_t t_ms, bool ok, sp_reason reason, double total_ms,
                              bool controls_down)
{
    sp_fsm_step st = {.reason = reason};
    if (ok) {
        if (f->state == SP_STATE_DOWN)
            st.downtime_ms = t_ms - f->since_ms;
        move(f, &st, SP_STATE_UP, t_ms, SP_REASON_OK);
        f->fails = 0;
        f->degraded = f->cfg.slow_ms > 0 && total_ms > f->cfg.slow_ms;
    } else if (reason == SP_REASON_PROBE_ERROR || controls_down) {
        /* Not the vendor's failure: we could not measure. A streak of
         * vendor failures is broken too, since we cannot tell if it went on. */
        f->fails = 0;
        f->degraded = false;
        move(f, &st, SP_STATE_UNKNOWN, t_ms, reason);
    } else {
        f->degraded = false;
        if (f->fails == 0) {
            f->first_fail_ms = t_ms;
            f->fail_reason = reason;
        }
        f->fails++;
        if (f->state != SP_STATE_DOWN && f->fails >= f->cfg.confirm)
            move(f, &st, SP_STATE_DOWN, f->first_fail_ms, f->fail_reason);
    }
    st.state = f->state;
    st.degraded = f->degraded;
    return st;
}

void sp_sched_fsm_forget_streak(sp_fsm *f)
{
    if (f->state != SP_STATE_DOWN)
        f->fails = 0;
}
