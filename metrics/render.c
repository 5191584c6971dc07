/*
 * A snapshot as Prometheus text (docs/METRICS.md lists every family).
 * Each family is written whole, all its targets together, as the format
 * requires; a sample whose value is not known (NaN in the snapshot) is
 * left out rather than written as NaN, so a query for it finds nothing
 * instead of a number that is not one.
 */
#include "metrics/metrics_int.h"

#include <math.h>
#include <stdio.h>

const char *const sp_metrics_phase_names[SP_METRICS_PHASES] = {"dns", "connect", "tls", "ttfb",
                                                               "total"};

typedef struct family {
    const char *name, *type, *help;
} family;

/* A per-target gauge from one field: every target with a known value. */
static void per_target(sp_expo *e, const sp_metrics_snap *s, const family *f,
                       double (*get)(const sp_metrics_target *t))
{
    bool any = false;
    for (size_t i = 0; i < s->n; i++) {
        double v = get(&s->t[i]);
        if (isnan(v))
            continue;
        if (!any)
            sp_expo_family(e, f->name, f->type, f->help);
        any = true;
        const char *l[] = {"target", s->t[i].id};
        sp_expo_sample(e, f->name, l, 1, v);
    }
}

static double get_up(const sp_metrics_target *t)
{
    return t->state == SP_STATE_UP ? 1 : t->state == SP_STATE_DOWN ? 0 : NAN;
}
static double get_success(const sp_metrics_target *t)
{
    return t->has_result ? (t->last_ok ? 1 : 0) : NAN;
}
static double get_ratio(const sp_metrics_target *t)
{
    return t->month_ratio;
}
static double get_budget(const sp_metrics_target *t)
{
    return t->budget_left_s;
}
static double get_cert(const sp_metrics_target *t)
{
    return t->cert_expiry_s;
}

static void targets(sp_expo *e, const sp_metrics_snap *s)
{
    static const family up = {"slaprobe_target_up", "gauge",
                              "1 when the target's state is UP, 0 when DOWN (confirmed); no "
                              "sample while UNKNOWN"};
    per_target(e, s, &up, get_up);

    const char *state_names[] = {"unknown", "up", "down"};
    const sp_state states[] = {SP_STATE_UNKNOWN, SP_STATE_UP, SP_STATE_DOWN};
    sp_expo_family(e, "slaprobe_target_state", "gauge",
                   "The target's state: 1 for the one it is in, 0 for the others");
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++) {
            const char *l[] = {"target", s->t[i].id, "state", state_names[k]};
            sp_expo_sample(e, "slaprobe_target_state", l, 2, s->t[i].state == states[k] ? 1 : 0);
        }

    static const family ok = {"slaprobe_probe_success", "gauge",
                              "1 when the target's last availability probe succeeded, else 0"};
    per_target(e, s, &ok, get_success);

    bool any = false;
    for (size_t i = 0; i < s->n; i++)
        for (int p = 0; p < SP_METRICS_PHASES; p++) {
            if (isnan(s->t[i].phase_s[p]))
                continue;
            if (!any)
                sp_expo_family(e, "slaprobe_probe_duration_seconds", "gauge",
                               "Phases of the target's last availability probe: dns, "
                               "connect, tls, ttfb (first byte after the request), "
                               "total (the whole probe, DNS included)");
            any = true;
            const char *l[] = {"target", s->t[i].id, "phase", sp_metrics_phase_names[p]};
            sp_expo_sample(e, "slaprobe_probe_duration_seconds", l, 2, s->t[i].phase_s[p]);
        }

    sp_expo_family(e, "slaprobe_probes_total", "counter",
                   "Availability probes ended since the daemon started, by reason "
                   "(ok, or the failure's reason code)");
    for (size_t i = 0; i < s->n; i++)
        for (int r = 0; r < SP_REASON_COUNT; r++) {
            if (!s->t[i].probes[r])
                continue;
            const char *l[] = {"target", s->t[i].id, "reason", sp_reason_name((sp_reason)r)};
            sp_expo_sample(e, "slaprobe_probes_total", l, 2, (double)s->t[i].probes[r]);
        }

    static const family ratio = {
        "slaprobe_month_availability_ratio", "gauge",
        "Availability this calendar month so far (0-1), as the monthly report computes it; "
        "refreshed every minute and after state changes"};
    per_target(e, s, &ratio, get_ratio);
    static const family budget = {"slaprobe_error_budget_remaining_seconds", "gauge",
                                  "Downtime the SLA target still allows this month "
                                  "(negative: exceeded), month to date"};
    per_target(e, s, &budget, get_budget);
    static const family cert = {"slaprobe_cert_expiry_timestamp_seconds", "gauge",
                                "When the certificate last seen on the target expires "
                                "(notAfter, Unix seconds)"};
    per_target(e, s, &cert, get_cert);

    any = false;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->t[i].grade[0])
            continue;
        if (!any)
            sp_expo_family(e, "slaprobe_tls_grade_info", "gauge",
                           "The target's last TLS posture grade (docs/TLS_GRADING.md), "
                           "as the grade label; the value is always 1");
        any = true;
        const char *l[] = {"target", s->t[i].id, "grade", s->t[i].grade};
        sp_expo_sample(e, "slaprobe_tls_grade_info", l, 2, 1);
    }
}

static void daemon_(sp_expo *e, const sp_metrics_snap *s)
{
    const char *v[] = {"version", s->version};
    sp_expo_family(e, "slaprobe_build_info", "gauge",
                   "The running slaprobe's version, as a label; always 1");
    sp_expo_sample(e, "slaprobe_build_info", v, 1, 1);
    sp_expo_family(e, "process_start_time_seconds", "gauge",
                   "When the daemon started, Unix seconds");
    sp_expo_sample(e, "process_start_time_seconds", NULL, 0, s->start_time_s);

    sp_expo_family(e, "slaprobe_start_lateness_seconds", "histogram",
                   "How late each probe started after its due time (timer jitter, "
                   "waiting for a free slot under max_inflight)");
    sp_expo_histogram(e, "slaprobe_start_lateness_seconds", NULL, 0, &s->late);
    sp_expo_family(e, "slaprobe_probe_retries_total", "counter",
                   "Probes that were retries of an unconfirmed failure");
    sp_expo_sample(e, "slaprobe_probe_retries_total", NULL, 0, (double)s->retries);
    sp_expo_family(e, "slaprobe_probes_skipped_total", "counter",
                   "Grid points not probed: the previous probe of the target was still "
                   "running, or the loop was more than an interval late");
    sp_expo_sample(e, "slaprobe_probes_skipped_total", NULL, 0, (double)s->skipped);
    sp_expo_family(e, "slaprobe_clock_jumps_total", "counter",
                   "Steps of the wall clock of more than a second the daemon saw");
    sp_expo_sample(e, "slaprobe_clock_jumps_total", NULL, 0, (double)s->clock_jumps);

    sp_expo_family(e, "slaprobe_store_errors_total", "counter",
                   "What could not be stored: RRD rows lost (journaled as store_error) "
                   "and journal appends that failed (the lines are held and retried)");
    const char *rows[] = {"kind", "rows_lost"}, *app[] = {"kind", "journal_append"};
    sp_expo_sample(e, "slaprobe_store_errors_total", rows, 1, (double)s->store.rows_lost);
    sp_expo_sample(e, "slaprobe_store_errors_total", app, 1, (double)s->store.journal_failures);
    sp_expo_family(e, "slaprobe_store_rows_written_total", "counter", "RRD rows the writer stored");
    sp_expo_sample(e, "slaprobe_store_rows_written_total", NULL, 0, (double)s->store.rows_written);
    sp_expo_family(e, "slaprobe_writer_queue_depth", "gauge",
                   "Writes queued for the writer's thread and not yet taken up, by "
                   "queue (RRD rows, journal lines)");
    const char *qr[] = {"queue", "rows"}, *ql[] = {"queue", "journal"};
    sp_expo_sample(e, "slaprobe_writer_queue_depth", qr, 1, (double)s->store.queued_rows);
    sp_expo_sample(e, "slaprobe_writer_queue_depth", ql, 1, (double)s->store.queued_lines);
    sp_expo_family(e, "slaprobe_journal_held_lines", "gauge",
                   "Journal lines kept in memory because their journal cannot be "
                   "written now");
    sp_expo_sample(e, "slaprobe_journal_held_lines", NULL, 0, (double)s->store.held_lines);
    sp_expo_family(e, "slaprobe_journal_fsync_seconds", "histogram",
                   "Time of each journal fsync (state changes, alert outcomes, daemon "
                   "events), measured on the writer's thread");
    sp_expo_histogram(e, "slaprobe_journal_fsync_seconds", NULL, 0, &s->store.fsync);

    sp_expo_family(e, "slaprobe_alert_deliveries_total", "counter",
                   "Alert deliveries ended, by outcome: sent, or failed after the last "
                   "attempt");
    const char *sent[] = {"outcome", "sent"}, *failed[] = {"outcome", "failed"};
    sp_expo_sample(e, "slaprobe_alert_deliveries_total", sent, 1, (double)s->alerts.sent);
    sp_expo_sample(e, "slaprobe_alert_deliveries_total", failed, 1, (double)s->alerts.failed);

    if (!s->has_repl)
        return;
    bool any = false;
    for (size_t i = 0; i < s->n; i++) {
        if (isnan(s->t[i].repl_lag_s))
            continue;
        if (!any)
            sp_expo_family(e, "slaprobe_replication_lag_seconds", "gauge",
                           "How far the central rrdcached's copy of the target is "
                           "behind this vantage's own rows");
        any = true;
        const char *l[] = {"target", s->t[i].id, "vantage", s->vantage ? s->vantage : ""};
        sp_expo_sample(e, "slaprobe_replication_lag_seconds", l, 2, s->t[i].repl_lag_s);
    }
}

void sp_metrics_render(const sp_metrics_snap *s, sp_expo *e)
{
    targets(e, s);
    daemon_(e, s);
}
