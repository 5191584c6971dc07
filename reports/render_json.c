/*
 * The report as JSON, with the field names of SPEC sections 4 and 5
 * (availability_pct, eligible_s, ...). Figures are not rounded: seconds
 * are integers, percentages full doubles; a figure that does not exist
 * (no data, no incidents) is null, never 0 or 100.
 */
#include <math.h>
#include <stdio.h>

#include <jansson.h>

#include "common/sp_reason.h"
#include "common/sp_time.h"
#include "reports/labels.h"
#include "reports/report.h"

static json_t *num(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *iso_ms(int64_t ms)
{
    char buf[40];
    sp_time_iso_ms(ms, buf, sizeof buf);
    return json_string(buf);
}

/* Whether the figures can be trusted: the journal's chain, the clock, the
 * rows check, what was not stored. Of one host's files, or one vantage's. */
static json_t *evidence_json(const sp_report *r, const sp_report_target *t)
{
    json_t *ev = json_object();
    json_object_set_new(ev, "rrd", json_boolean(t->has_rrd));
    json_object_set_new(ev, "journal_present", json_boolean(t->journal_present));
    json_object_set_new(ev, "journal_intact",
                        json_boolean(t->journal_present && t->journal_bad_line == 0));
    if (t->journal_bad_line)
        json_object_set_new(ev, "journal_first_bad_line", json_integer(t->journal_bad_line));
    json_object_set_new(ev, "journal_lines", json_integer(t->journal_lines));
    json_object_set_new(ev, "clock_synchronised",
                        t->clock_synced < 0 ? json_null() : json_boolean(t->clock_synced));
    json_object_set_new(ev, "imports", json_integer((json_int_t)t->n_imports));
    /* SPEC section 11: the RRD against the journal's rows and state lines */
    if (t->rows_checked) {
        json_t *probs = json_array(), *notes = json_array();
        for (size_t k = 0; k < t->n_rows_problems; k++)
            json_array_append_new(t->rows_problems[k].note ? notes : probs,
                                  json_string(t->rows_problems[k].text));
        json_t *rows =
            json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "agree",
                      !t->rows_disagree, "lines", (json_int_t)t->rows_lines, "checked",
                      (json_int_t)t->rows_ok, "differ", (json_int_t)t->rows_differ, "not_checkable",
                      (json_int_t)t->rows_not_checkable, "recovered", (json_int_t)t->rows_recovered,
                      "uncovered_steps", (json_int_t)t->rows_uncovered_steps, "contradicting_steps",
                      (json_int_t)t->rows_contradicting_steps, "problems", probs, "notes", notes);
        if (rows && t->rows_error[0])
            json_object_set_new(rows, "error", json_string(t->rows_error));
        /* what came from the hours file cannot be checked */
        if (rows && t->coarse_s > 0 && t->fine_from > r->start)
            json_object_set_new(rows, "unchecked_consolidated",
                                json_pack("{s:o, s:o, s:I}", "start", sp_report_json_time(r->start),
                                          "end", sp_report_json_time(t->fine_from), "step_s",
                                          (json_int_t)t->coarse_s));
        json_object_set_new(ev, "rows", rows ? rows : json_null());
    } else {
        json_object_set_new(ev, "rows", json_null());
    }
    /* SPEC section 9: what was measured but not stored is listed, with its
     * cause; those seconds are in unknown_s */
    json_t *ns = json_array();
    for (size_t k = 0; k < t->n_not_stored; k++) {
        const sp_report_not_stored *x = &t->not_stored[k];
        json_array_append_new(
            ns, json_pack("{s:o, s:o, s:I, s:I, s:I, s:s, s:o}", "start",
                          sp_report_json_time(x->start), "end", sp_report_json_time(x->end),
                          "start_unix", (json_int_t)x->start, "end_unix", (json_int_t)x->end,
                          "seconds", (json_int_t)(x->end - x->start), "cause", x->cause, "detail",
                          x->detail ? json_string(x->detail) : json_null()));
    }
    json_object_set_new(ev, "not_stored", ns);
    json_object_set_new(ev, "not_stored_s", json_integer(t->not_stored_s));
    json_t *jumps = json_array();
    for (size_t k = 0; k < t->n_clock_jumps; k++)
        json_array_append_new(jumps,
                              json_pack("{s:o, s:f}", "time", iso_ms(t->clock_jumps[k].at_ms),
                                        "jump_s", (double)t->clock_jumps[k].jump_ms / 1000.0));
    json_object_set_new(ev, "clock_jumps", jumps);
    return ev;
}

/* Several vantages (SPEC section 10): the rule and q, each vantage's own
 * figures and evidence with its replication lag, per incident the
 * vantages DOWN with their reasons, and the DOWN minorities ("partial":
 * listed, never counted). */
static void quorum_json(const sp_report *r, const sp_report_target *t, json_t *o)
{
    json_t *names = json_array();
    for (size_t k = 0; k < t->n_vantages; k++)
        json_array_append_new(names, json_string(t->vantages[k].vantage));
    json_object_set_new(o, "quorum",
                        json_pack("{s:i, s:I, s:o, s:s}", "q", (int)t->quorum, "n",
                                  (json_int_t)t->n_vantages, "vantages", names, "rule",
                                  "DOWN if d >= q; UNKNOWN if u + d < q or d + k >= q; UP "
                                  "otherwise (d DOWN, u UP, k unmeasured vantages)"));
    json_t *vs = json_array();
    for (size_t k = 0; k < t->n_vantages; k++) {
        const sp_report_target *v = &t->vantages[k];
        const sp_sla_result *s = &v->sla;
        json_t *x = json_object();
        json_object_set_new(x, "vantage", json_string(v->vantage));
        json_object_set_new(x, "resolution_s", json_integer(v->resolution_s));
        json_object_set_new(x, "no_data", json_boolean(s->no_data));
        json_object_set_new(x, "availability_pct", num(s->availability_pct));
        json_object_set_new(x, "strict_availability_pct", num(s->strict_availability_pct));
        json_object_set_new(x, "coverage_pct", num(s->coverage_pct));
        json_object_set_new(x, "eligible_s", json_integer(s->eligible_s));
        json_object_set_new(x, "downtime_s", json_integer(s->downtime_s));
        json_object_set_new(x, "unknown_s", json_integer(s->unknown_s));
        json_object_set_new(x, "incidents", json_integer((json_int_t)s->n_incidents));
        json_object_set_new(x, "journal_intact",
                            json_boolean(v->journal_present && v->journal_bad_line == 0));
        json_object_set_new(x, "journal_first_bad_line",
                            v->journal_bad_line ? json_integer(v->journal_bad_line) : json_null());
        json_object_set_new(x, "clock_synchronised",
                            v->clock_synced < 0 ? json_null() : json_boolean(v->clock_synced));
        /* null: no file at all (nothing replicated) */
        json_object_set_new(x, "last_update",
                            v->last_update < 0 ? json_null() : sp_report_json_time(v->last_update));
        json_object_set_new(x, "lag_s", v->lag_s < 0 ? json_null() : json_integer(v->lag_s));
        json_object_set_new(x, "evidence", evidence_json(r, v));
        json_array_append_new(vs, x);
    }
    json_object_set_new(o, "vantages", vs);
    json_t *inc = json_object_get(o, "incidents");
    for (size_t k = 0; t->qincidents && k < t->sla.n_incidents; k++) {
        const sp_report_qincident *q = &t->qincidents[k];
        json_t *in = json_array_get(inc, k), *downs = json_array();
        for (size_t i = 0; i < q->n_downs; i++) {
            const sp_quorum_down *d = &q->downs[i];
            const char *why = sp_report_reason_name(d->reason);
            json_array_append_new(downs, json_pack("{s:s, s:o, s:I, s:o, s:I}", "vantage",
                                                   t->vantages[d->vantage].vantage, "since",
                                                   sp_report_json_time(d->since), "since_unix",
                                                   (json_int_t)d->since, "reason",
                                                   why ? json_string(why) : json_null(), "down_s",
                                                   (json_int_t)d->down_s));
        }
        json_object_set_new(in, "quorum_vantage",
                            q->n_downs ? json_string(t->vantages[q->quorum_vantage].vantage)
                                       : json_null());
        json_object_set_new(in, "run_start_unix",
                            q->n_downs ? json_integer(q->run_start) : json_null());
        json_object_set_new(in, "vantages_down", downs);
    }
    json_t *part = json_array();
    int64_t part_s = 0;
    for (size_t k = 0; k < t->n_partial; k++) {
        const sp_quorum_partial *p = &t->partial[k];
        part_s += p->end - p->start;
        json_array_append_new(part, json_pack("{s:o, s:o, s:I, s:I, s:I, s:i}", "start",
                                              sp_report_json_time(p->start), "end",
                                              sp_report_json_time(p->end), "start_unix",
                                              (json_int_t)p->start, "end_unix", (json_int_t)p->end,
                                              "duration_s", (json_int_t)(p->end - p->start),
                                              "max_down", (int)p->max_down));
    }
    json_object_set_new(o, "partial", part);
    json_object_set_new(o, "partial_s", json_integer(part_s));
}

static json_t *target_json(const sp_report *r, const sp_report_target *t)
{
    const sp_sla_result *s = &t->sla;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(t->cfg->id));
    json_object_set_new(o, "name", json_string(t->cfg->name));
    json_object_set_new(o, "pattern",
                        t->cfg->pattern ? json_integer(t->cfg->pattern) : json_null());
    json_object_set_new(o, "target_pct", json_real(s->target_pct));
    json_object_set_new(o, "resolution_s", json_integer(t->resolution_s));
    json_t *parts = json_array();
    if (t->coarse_s)
        json_array_append_new(parts, json_pack("{s:I, s:i}", "to_unix", (json_int_t)t->fine_from,
                                               "step_s", (int)t->coarse_s));
    if (t->fine_s)
        json_array_append_new(parts, json_pack("{s:I, s:i}", "from_unix", (json_int_t)t->fine_from,
                                               "step_s", (int)t->fine_s));
    json_object_set_new(o, "resolution_parts", parts);
    json_object_set_new(o, "no_data", json_boolean(s->no_data));
    json_object_set_new(o, "availability_pct", num(s->availability_pct));
    json_object_set_new(o, "strict_availability_pct", num(s->strict_availability_pct));
    json_object_set_new(o, "coverage_pct", num(s->coverage_pct));
    json_object_set_new(o, "period_s", json_integer(s->period_s));
    json_object_set_new(o, "service_s", json_integer(s->service_s));
    json_object_set_new(o, "eligible_s", json_integer(s->eligible_s));
    json_object_set_new(o, "downtime_s", json_integer(s->downtime_s));
    json_object_set_new(o, "unknown_s", json_integer(s->unknown_s));
    json_object_set_new(o, "maintenance_s", json_integer(s->maintenance_s));
    json_object_set_new(o, "uptime_s", json_integer(s->uptime_s));
    json_object_set_new(o, "degraded_s", json_integer(s->degraded_s));
    json_object_set_new(o, "budget_s", json_real(s->budget_s));
    json_object_set_new(o, "budget_left_s", json_real(s->budget_left_s));
    json_object_set_new(o, "met", json_boolean(s->met));
    json_t *cls = json_object();
    for (int k = 0; k < SP_SLA_N_CLASSES; k++)
        if (k != SP_RCLASS_NONE || s->downtime_by_class[k])
            json_object_set_new(cls, sp_report_class_name(k),
                                json_integer(s->downtime_by_class[k]));
    json_object_set_new(o, "downtime_by_class_s", cls);
    json_t *inc = json_array();
    for (size_t k = 0; k < s->n_incidents; k++) {
        const sp_sla_incident *in = &s->incidents[k];
        const char *why = sp_report_reason_name(in->reason);
        json_array_append_new(
            inc,
            json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:s, s:b, s:b}", "start",
                      sp_report_json_time(in->start), "end", sp_report_json_time(in->end),
                      "start_unix", (json_int_t)in->start, "end_unix", (json_int_t)in->end,
                      "duration_s", (json_int_t)in->duration_s, "counted_s",
                      (json_int_t)in->counted_s, "reason", why ? json_string(why) : json_null(),
                      "reason_class", sp_report_class_name(sp_reason_class_of(in->reason)),
                      "open_start", in->open_start, "open_end", in->open_end));
        /* when the first DOWN alert went out; null: none was delivered */
        json_t *last = json_array_get(inc, json_array_size(inc) - 1);
        bool told = t->notified_ms && t->notified_ms[k];
        json_object_set_new(last, "notified", told ? iso_ms(t->notified_ms[k]) : json_null());
        json_object_set_new(last, "notification_delay_s",
                            told ? json_real(t->notify_delay_s[k]) : json_null());
    }
    json_object_set_new(o, "incidents", inc);
    json_object_set_new(o, "mttr_s", num(s->mttr_s));
    json_object_set_new(o, "mtbf_s", num(s->mtbf_s));
    json_t *credit = json_null();
    if (s->credit_tier >= 0)
        credit = json_pack("{s:f, s:f}", "below_pct", t->cfg->credits[s->credit_tier].below_pct,
                           "credit_pct", s->credit_pct);
    json_object_set_new(o, "credit", credit);
    json_object_set_new(o, "response_ms",
                        json_pack("{s:o, s:o, s:I}", "avg", num(s->rt_avg_ms), "p95",
                                  num(s->rt_p95_ms), "samples", (json_int_t)s->rt_n));
    json_t *maint = json_array();
    for (size_t k = 0; k < t->cfg->n_maintenance; k++) {
        const sp_cfg_window *w = &t->cfg->maintenance[k];
        json_array_append_new(maint, json_pack("{s:o, s:o, s:s}", "start",
                                               sp_report_json_time(w->start_ms / 1000), "end",
                                               sp_report_json_time(w->end_ms / 1000), "reason",
                                               w->reason ? w->reason : ""));
    }
    json_object_set_new(o, "maintenance", maint);
    json_object_set_new(o, "evidence", evidence_json(r, t));
    if (t->n_vantages)
        quorum_json(r, t, o);
    return o;
}

sp_status sp_report_render_json(const sp_report *r, FILE *fp)
{
    char month[16];
    snprintf(month, sizeof month, "%04d-%02d", r->year, r->month);
    json_t *root = json_object();
    json_object_set_new(root, "month", json_string(month));
    json_object_set_new(root, "timezone", json_string(r->cfg->timezone));
    json_object_set_new(root, "start", sp_report_json_time(r->start));
    json_object_set_new(root, "end", sp_report_json_time(r->end));
    json_object_set_new(root, "until", sp_report_json_time(r->until));
    json_object_set_new(root, "complete", json_boolean(r->until == r->end));
    json_object_set_new(root, "generated", sp_report_json_time(r->generated));
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_targets; i++)
        json_array_append_new(arr, target_json(r, &r->targets[i]));
    json_object_set_new(root, "targets", arr);
    json_object_set_new(root, "all_met", json_boolean(sp_report_all_met(r)));
    json_object_set_new(root, "rows_disagree", json_boolean(sp_report_rows_disagree(r)));
    int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', fp);
    json_decref(root);
    return rc == 0 && !ferror(fp) ? SP_OK : SP_EIO;
}
