/*
 * A probe result as JSON (jansson), with the field names of SPEC section 3
 * and 5: these names are read by scripts, reports and alert receivers, so
 * they never change. A phase that did not run is left out rather than
 * written as 0, because 0 ms would be a measurement.
 */
#include "result_json.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static void put_ms(json_t *obj, const char *key, double ms)
{
    if (ms >= 0 && isfinite(ms))
        json_object_set_new(obj, key, json_real(round(ms * 1000.0) / 1000.0));
}

void sp_probe_format_time(int64_t unix_ms, char *buf, size_t n)
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", base, (int)(unix_ms % 1000));
}

json_t *sp_probe_result_to_json(const sp_probe_spec *spec, const sp_probe_result *r)
{
    json_t *o = json_object();
    char when[40];
    if (!o)
        return NULL;
    json_object_set_new(o, "target", json_string(spec->target ? spec->target : ""));
    json_object_set_new(o, "kind", json_string(sp_probe_kind_name(spec->kind)));
    sp_probe_format_time(r->started_ms, when, sizeof when);
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "ok", json_boolean(r->ok));
    json_object_set_new(o, "reason", json_string(sp_reason_name(r->reason)));
    json_object_set_new(o, "detail", json_string(r->detail));
    if (r->address[0])
        json_object_set_new(o, "address", json_string(r->address));
    if (r->http_status > 0)
        json_object_set_new(o, "http_status", json_integer(r->http_status));
    if (spec->kind == SP_PROBE_HTTP || spec->kind == SP_PROBE_HTTPS) {
        json_object_set_new(o, "bytes", json_integer(r->bytes));
        json_object_set_new(o, "redirects", json_integer(r->redirects));
    }
    if (spec->kind == SP_PROBE_DNS && r->answer[0])
        json_object_set_new(o, "answer", json_string(r->answer));

    json_t *t = json_object();
    put_ms(t, "dns", r->dns_ms);
    put_ms(t, "connect", r->connect_ms);
    put_ms(t, "tls", r->tls_ms);
    put_ms(t, "ttfb", r->ttfb_ms);
    put_ms(t, "total", r->total_ms);
    json_object_set_new(o, "timings_ms", t);

    if (r->tls.present) {
        json_t *tls = json_object(), *cert = json_object();
        if (r->tls.version[0])
            json_object_set_new(tls, "version", json_string(r->tls.version));
        if (r->tls.cipher[0])
            json_object_set_new(tls, "cipher", json_string(r->tls.cipher));
        if (r->tls.has_cert) {
            json_object_set_new(cert, "days_left", json_integer(r->tls.days_left));
            json_object_set_new(cert, "not_after", json_string(r->tls.not_after));
            json_object_set_new(cert, "chain_valid", json_boolean(r->tls.chain_valid));
            json_object_set_new(cert, "hostname_match", json_boolean(r->tls.hostname_match));
        }
        json_object_set_new(tls, "cert", cert);
        json_object_set_new(o, "tls", tls);
    }
    return o;
}

char *sp_probe_result_json_line(const sp_probe_spec *spec, const sp_probe_result *r)
{
    json_t *o = sp_probe_result_to_json(spec, r);
    if (!o)
        return NULL;
    /* 10 significant digits: values are rounded to microseconds already, and
     * the default 17 would print 0.41 as 0.40999999999999998 */
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return s;
}
