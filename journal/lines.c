/*
 * The journal's lines: see lines.h. Each writer below lists its fields in
 * the order the line has always had them; the readers below them take the
 * same names back.
 */
#include "journal/lines.h"

#include <string.h>

#include "common/sp_time.h"
#include "probe/result_json.h"

static const char *const type_names[] = {
    [SP_JOURNAL_OTHER] = NULL,
    [SP_JOURNAL_START] = "start",
    [SP_JOURNAL_STOP] = "stop",
    [SP_JOURNAL_RELOAD] = "reload",
    [SP_JOURNAL_REMOVED] = "removed",
    [SP_JOURNAL_STATE] = "state",
    [SP_JOURNAL_ALERT] = "alert",
    [SP_JOURNAL_CLOCK] = "clock",
    [SP_JOURNAL_CLOCK_JUMP] = "clock_jump",
    [SP_JOURNAL_TLS_POSTURE] = "tls_posture",
    [SP_JOURNAL_STORE_ERROR] = "store_error",
    [SP_JOURNAL_JOURNAL_LOST] = "journal_lost",
    [SP_JOURNAL_IMPORT] = "import",
    [SP_JOURNAL_ROWS] = "rows",
    [SP_JOURNAL_CENTRAL_REFUSED] = "central_refused",
};
#define N_TYPES (sizeof type_names / sizeof type_names[0])

const char *sp_journal_type_name(sp_journal_type t)
{
    return (size_t)t < N_TYPES ? type_names[t] : NULL;
}

/* --- Writing ------------------------------------------------------------- */

static int64_t stamp_ms(int64_t t_ms)
{
    return t_ms ? t_ms : sp_time_wall_ms();
}

/* Set key to v (stolen); false when v is NULL (out of memory). */
static bool put(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

static bool put_stamp(json_t *o, int64_t t_ms)
{
    char when[SP_TIME_ISO_LEN];
    sp_time_iso_ms(t_ms, when, sizeof when);
    return put(o, "time", json_string(when)) && put(o, "t_ms", json_integer(t_ms));
}

void sp_journal_stamp(json_t *ev, int64_t t_ms)
{
    if (!json_object_get(ev, "time"))
        put_stamp(ev, stamp_ms(t_ms));
}

/* "type", then the stamp: the order of lines dated by their event. */
static json_t *head(const sp_journal_line *l, int64_t t)
{
    json_t *o = json_pack("{s:s}", "type", type_names[l->type]);
    if (o && !put_stamp(o, t)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *state_json(const sp_journal_line *l, int64_t t)
{
    const sp_journal_state *s = &l->state;
    char since[SP_TIME_ISO_LEN];
    sp_time_iso_ms(s->since_ms, since, sizeof since);
    json_t *o = head(l, t);
    bool ok = o && put(o, "from", json_string(sp_state_name(s->from))) &&
              put(o, "to", json_string(sp_state_name(s->to))) &&
              put(o, "since", json_string(since)) &&
              put(o, "since_ms", json_integer(s->since_ms)) &&
              put(o, "reason", json_string(sp_reason_name(s->reason))) &&
              put(o, "detail", sp_probe_json_text(s->detail)) &&
              (!s->address || !*s->address || put(o, "address", sp_probe_json_text(s->address))) &&
              (!s->http_status || put(o, "http_status", json_integer(s->http_status))) &&
              (!(s->from == SP_STATE_DOWN && s->to == SP_STATE_UP) ||
               put(o, "downtime_s", json_real(s->downtime_s)));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *tls_posture_json(const sp_journal_line *l, int64_t t)
{
    const sp_journal_tls_posture *tp = &l->tls_posture;
    const sp_tls_posture *p = tp->posture;
    if (!p)
        return NULL;
    static const struct {
        unsigned bit;
        const char *name;
    } changes[] = {{SP_JOURNAL_TLS_GRADE, "grade"},
                   {SP_JOURNAL_TLS_PROTOCOLS, "protocols"},
                   {SP_JOURNAL_TLS_FINGERPRINT, "fingerprint"},
                   {SP_JOURNAL_TLS_OCSP, "ocsp"}};
    json_t *changed = json_array(), *pr = json_object(), *fs = json_array();
    json_t *o = head(l, t);
    bool ok = o && changed && pr && fs;
    for (size_t i = 0; ok && i < sizeof changes / sizeof changes[0]; i++)
        if (tp->changed & changes[i].bit)
            ok = json_array_append_new(changed, json_string(changes[i].name)) == 0;
    /* a version not tested is null, never false: false is a measurement */
    for (int v = 0; ok && v < SP_TLS_PROTO_COUNT; v++)
        ok = put(pr, sp_probe_tls_proto_name((sp_tls_proto)v),
                 p->proto_tested[v] ? json_boolean(p->proto_accepted[v]) : json_null());
    for (size_t i = 0; ok && i < p->n_findings; i++) {
        const char *name = sp_probe_tls_finding_name(p->findings[i].code);
        ok = json_array_append_new(fs, json_string(name)) == 0;
    }
    ok = ok && put(o, "first", json_boolean(tp->first)) &&
         put(o, "changed", json_incref(changed)) &&
         (!tp->previous_grade || put(o, "previous_grade", json_string(tp->previous_grade))) &&
         put(o, "grade", json_string(sp_probe_tls_grade_name(p->grade))) &&
         put(o, "protocols", json_incref(pr)) &&
         put(o, "fingerprint_sha256", json_string(p->cert.fingerprint_sha256)) &&
         put(o, "ocsp_status", json_string(sp_probe_ocsp_name(p->ocsp))) &&
         (!p->cert.present || put(o, "cert_days", json_integer(p->cert.days_left))) &&
         put(o, "findings", json_incref(fs)) && put(o, "detail", sp_probe_json_text(tp->detail));
    json_decref(changed);
    json_decref(pr);
    json_decref(fs);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *import_json(const sp_journal_line *l, int64_t t)
{
    const sp_journal_import *im = &l->import;
    char when[SP_TIME_ISO_LEN], from[SP_TIME_ISO_LEN], to[SP_TIME_ISO_LEN];
    sp_time_iso_ms(t, when, sizeof when);
    sp_time_iso_ms(im->from_ms, from, sizeof from);
    sp_time_iso_ms(im->to_ms, to, sizeof to);
    json_t *list = json_array();
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:s}", "type", "import", "time",
                          when, "t_ms", (json_int_t)t, "from", from, "to", to, "rows",
                          (json_int_t)im->rows, "steps", (json_int_t)im->steps, "unknown_steps",
                          (json_int_t)im->unknown_steps, "source", im->source);
    bool ok = o && list;
    for (size_t i = 0; ok && i < im->n_incidents; i++) {
        const sp_journal_incident *x = &im->incidents[i];
        json_t *e = json_pack("{s:I, s:I, s:s}", "from", (json_int_t)x->from, "to",
                              (json_int_t)x->to, "reason", sp_reason_name(x->reason));
        ok = e && json_array_append_new(list, e) == 0;
    }
    if (!ok || json_object_set_new(o, "incidents", list) != 0) {
        if (ok) /* set_new took list even though it failed */
            list = NULL;
        json_decref(list);
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *sp_journal_line_to_json(const sp_journal_line *l)
{
    int64_t t = stamp_ms(l->t_ms);
    json_t *o = NULL;
    switch (l->type) {
    case SP_JOURNAL_START: /* daemon-wide lines: stamped after their fields */
        o = json_pack("{s:s, s:s, s:i, s:s}", "type", "start", "version", l->start.version, "pid",
                      l->start.pid, "config", l->start.config);
        if (o && l->start.host)
            json_object_set_new(o, "host", json_string(l->start.host));
        if (o && l->start.config_sha256)
            json_object_set_new(o, "config_sha256", json_string(l->start.config_sha256));
        if (o && l->start.vantage)
            json_object_set_new(o, "vantage", json_string(l->start.vantage));
        break;
    case SP_JOURNAL_RELOAD:
        o = json_pack("{s:s}", "type", "reload");
        break;
    case SP_JOURNAL_CLOCK:
        o = json_pack("{s:s, s:b, s:I}", "type", "clock", "synchronised", l->clock.synchronised,
                      "maxerror_us", (json_int_t)l->clock.maxerror_us);
        break;
    case SP_JOURNAL_ROWS: {
        const sp_journal_rows *r = &l->rows;
        if (!r->sha256)
            return NULL;
        o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "type", "rows", "from", (json_int_t)r->from,
                      "to", (json_int_t)r->to, "step_s", (json_int_t)r->step_s, "count",
                      (json_int_t)r->count, "sha256", r->sha256);
        if (o && r->recovered && !put(o, "recovered", json_true())) {
            json_decref(o);
            o = NULL;
        }
        break;
    }
    case SP_JOURNAL_CENTRAL_REFUSED: {
        const sp_journal_central_refused *c = &l->central_refused;
        if (!c->central || !c->detail)
            return NULL;
        /* the detail quotes the central host: made valid UTF-8 */
        o = json_pack("{s:s, s:s, s:o, s:I, s:I}", "type", "central_refused", "central", c->central,
                      "detail", sp_probe_json_text(c->detail), "from", (json_int_t)c->from, "to",
                      (json_int_t)c->to);
        break;
    }
    case SP_JOURNAL_JOURNAL_LOST:
        o = json_pack("{s:s, s:I, s:s}", "type", "journal_lost", "lines",
                      (json_int_t)l->journal_lost.lines, "cause", l->journal_lost.cause);
        break;
    case SP_JOURNAL_STORE_ERROR: {
        const sp_journal_store_error *e = &l->store_error;
        if (!l->stamp_last) {
            char when[SP_TIME_ISO_LEN];
            sp_time_iso_ms(t, when, sizeof when);
            return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "type", "store_error",
                             "time", when, "t_ms", (json_int_t)t, "from_ms", (json_int_t)e->from_ms,
                             "to_ms", (json_int_t)e->to_ms, "step_s", (json_int_t)e->step_s, "rows",
                             (json_int_t)e->rows, "cause", e->cause, "detail", e->detail);
        }
        o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "type", "store_error", "from_ms",
                      (json_int_t)e->from_ms, "to_ms", (json_int_t)e->to_ms, "step_s",
                      (json_int_t)e->step_s, "rows", (json_int_t)e->rows, "cause", e->cause,
                      "detail", e->detail);
        break;
    }
    case SP_JOURNAL_ALERT: { /* the stamp in the middle, as alerts always had it */
        const sp_journal_alert *a = &l->alert;
        char when[SP_TIME_ISO_LEN];
        sp_time_iso_ms(t, when, sizeof when);
        o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:i}", "type", "alert",
                      "event", a->event, "target", a->target, "channel", a->channel, "name",
                      a->name, "sent", a->sent, "time", when, "t_ms", (json_int_t)t, "since_ms",
                      (json_int_t)a->since_ms, "detected_ms", (json_int_t)a->detected_ms,
                      "attempts", a->attempts);
        if (o && !put(o, "error", a->error && *a->error ? json_string(a->error) : json_null())) {
            json_decref(o);
            o = NULL;
        }
        return o;
    }
    case SP_JOURNAL_STOP:
    case SP_JOURNAL_REMOVED:
        o = head(l, t);
        if (o && l->stop.settled_ms > 0 &&
            !put(o, "settled_ms", json_integer(l->stop.settled_ms))) {
            json_decref(o);
            o = NULL;
        }
        return o;
    case SP_JOURNAL_CLOCK_JUMP:
        o = head(l, t);
        if (o && !(put(o, "jump_ms", json_integer(l->clock_jump.jump_ms)) &&
                   put(o, "before_ms", json_integer(l->clock_jump.before_ms)) &&
                   put(o, "after_ms", json_integer(l->clock_jump.after_ms)))) {
            json_decref(o);
            o = NULL;
        }
        return o;
    case SP_JOURNAL_STATE:
        return state_json(l, t);
    case SP_JOURNAL_TLS_POSTURE:
        return tls_posture_json(l, t);
    case SP_JOURNAL_IMPORT:
        return import_json(l, t);
    case SP_JOURNAL_OTHER:
    default:
        return NULL;
    }
    if (o && !put_stamp(o, t)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* --- Reading ------------------------------------------------------------- */

static const char *str(const json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

static int64_t ms(const json_t *ev, const char *key)
{
    const json_t *v = json_object_get(ev, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : SP_JOURNAL_NO_MS;
}

static sp_reason reason(const json_t *ev, const char *key)
{
    sp_reason r = SP_REASON_OK;
    const char *why = str(ev, key);
    if (why)
        sp_reason_from_name(why, &r);
    return r;
}

static sp_state state(const json_t *ev, const char *key)
{
    sp_state s = SP_STATE_UNKNOWN;
    const char *name = str(ev, key);
    if (name)
        sp_state_parse(name, &s);
    return s;
}

sp_journal_type sp_journal_read_line(const json_t *ev, sp_journal_line *out)
{
    memset(out, 0, sizeof *out);
    const char *type = str(ev, "type");
    for (size_t i = 1; type && i < N_TYPES; i++)
        if (strcmp(type, type_names[i]) == 0)
            out->type = (sp_journal_type)i;
    out->t_ms = ms(ev, "t_ms");
    out->time = str(ev, "time");
    switch (out->type) {
    case SP_JOURNAL_START:
        out->start.version = str(ev, "version");
        out->start.pid = (int)json_integer_value(json_object_get(ev, "pid"));
        out->start.config = str(ev, "config");
        out->start.host = str(ev, "host");
        out->start.config_sha256 = str(ev, "config_sha256");
        out->start.vantage = str(ev, "vantage");
        break;
    case SP_JOURNAL_STOP:
    case SP_JOURNAL_REMOVED:
        out->stop.settled_ms = ms(ev, "settled_ms");
        break;
    case SP_JOURNAL_STATE:
        out->state.from = state(ev, "from");
        out->state.to = state(ev, "to");
        out->state.since_ms = ms(ev, "since_ms");
        out->state.since = str(ev, "since");
        out->state.reason = reason(ev, "reason");
        out->state.detail = str(ev, "detail");
        out->state.address = str(ev, "address");
        out->state.http_status = (long)json_integer_value(json_object_get(ev, "http_status"));
        out->state.downtime_s = json_number_value(json_object_get(ev, "downtime_s"));
        break;
    case SP_JOURNAL_ALERT:
        out->alert.event = str(ev, "event");
        out->alert.target = str(ev, "target");
        out->alert.channel = str(ev, "channel");
        out->alert.name = str(ev, "name");
        out->alert.sent = json_is_true(json_object_get(ev, "sent"));
        out->alert.since_ms = ms(ev, "since_ms");
        out->alert.detected_ms = ms(ev, "detected_ms");
        out->alert.attempts = (int)json_integer_value(json_object_get(ev, "attempts"));
        out->alert.error = str(ev, "error");
        break;
    case SP_JOURNAL_CLOCK:
        out->clock.synchronised = json_is_true(json_object_get(ev, "synchronised"));
        out->clock.maxerror_us = ms(ev, "maxerror_us");
        break;
    case SP_JOURNAL_CLOCK_JUMP:
        out->clock_jump.jump_ms = ms(ev, "jump_ms");
        out->clock_jump.before_ms = ms(ev, "before_ms");
        out->clock_jump.after_ms = ms(ev, "after_ms");
        break;
    case SP_JOURNAL_TLS_POSTURE:
        out->tls_posture.first = json_is_true(json_object_get(ev, "first"));
        out->tls_posture.previous_grade = str(ev, "previous_grade");
        out->tls_posture.grade = str(ev, "grade");
        out->tls_posture.detail = str(ev, "detail");
        break;
    case SP_JOURNAL_STORE_ERROR:
        out->store_error.from_ms = ms(ev, "from_ms");
        out->store_error.to_ms = ms(ev, "to_ms");
        out->store_error.step_s = ms(ev, "step_s");
        out->store_error.rows = ms(ev, "rows");
        out->store_error.cause = str(ev, "cause");
        out->store_error.detail = str(ev, "detail");
        break;
    case SP_JOURNAL_ROWS:
        out->rows.from = ms(ev, "from");
        out->rows.to = ms(ev, "to");
        out->rows.step_s = ms(ev, "step_s");
        out->rows.count = ms(ev, "count");
        out->rows.sha256 = str(ev, "sha256");
        out->rows.recovered = json_is_true(json_object_get(ev, "recovered"));
        break;
    case SP_JOURNAL_CENTRAL_REFUSED:
        out->central_refused.central = str(ev, "central");
        out->central_refused.detail = str(ev, "detail");
        out->central_refused.from = ms(ev, "from");
        out->central_refused.to = ms(ev, "to");
        break;
    case SP_JOURNAL_JOURNAL_LOST:
        out->journal_lost.lines = ms(ev, "lines");
        out->journal_lost.cause = str(ev, "cause");
        break;
    case SP_JOURNAL_IMPORT: {
        const json_t *inc = json_object_get(ev, "incidents");
        out->import.from = str(ev, "from");
        out->import.to = str(ev, "to");
        out->import.from_ms = out->import.to_ms = SP_JOURNAL_NO_MS;
        out->import.rows = ms(ev, "rows");
        out->import.steps = ms(ev, "steps");
        out->import.unknown_steps = ms(ev, "unknown_steps");
        out->import.source = str(ev, "source");
        out->import.incidents_json = json_is_array(inc) ? inc : NULL;
        out->import.n_incidents = json_array_size(out->import.incidents_json);
        break;
    }
    case SP_JOURNAL_OTHER:
    default:
        break;
    }
    return out->type;
}

void sp_journal_import_incident(const sp_journal_line *l, size_t i, sp_journal_incident *out)
{
    const json_t *x = json_array_get(l->import.incidents_json, i);
    out->from = ms(x, "from");
    out->to = ms(x, "to");
    out->reason = reason(x, "reason");
}
