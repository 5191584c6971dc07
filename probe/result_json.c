/*
 * A probe result as JSON (jansson), with the field names of SPEC section 3
 * and 5: these names are read by scripts, reports and alert receivers, so
 * they never change. A phase that did not run is left out rather than
 * written as 0, because 0 ms would be a measurement.
 */
#include "result_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_text.h"
#include "common/sp_time.h"

json_t *sp_probe_json_text(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j || !s)
        return j;
    char *copy = strdup(s); /* s that is not UTF-8 (or out of memory) */
    if (!copy)
        return NULL;
    sp_text_utf8_repair(copy);
    j = json_string(copy);
    free(copy);
    return j;
}

static void put_ms(json_t *obj, const char *key, double ms)
{
    if (ms >= 0 && isfinite(ms))
        json_object_set_new(obj, key, json_real(round(ms * 1000.0) / 1000.0));
}

/* The posture of a tls probe: added to the tls object beside the fields
 * every https probe has. A version not tested is null, never false: false
 * is a measurement. */
static void put_posture(json_t *tls, json_t *cert, const sp_tls_posture *ps)
{
    json_t *protos = json_object();
    for (int i = 0; i < SP_TLS_PROTO_COUNT; i++)
        json_object_set_new(protos, sp_probe_tls_proto_name((sp_tls_proto)i),
                            ps->proto_tested[i] ? json_boolean(ps->proto_accepted[i])
                                                : json_null());
    json_object_set_new(tls, "protocols", protos);
    if (ps->handshake_ok)
        json_object_set_new(tls, "forward_secrecy", json_boolean(ps->forward_secrecy));
    if (ps->weak_tested)
        json_object_set_new(tls, "weak_cipher",
                            ps->weak_accepted ? json_string(ps->weak_cipher) : json_null());
    /* the default handshake's key exchange (absent when it failed) and the
     * DH group a DHE-only handshake got (null: refused; absent: untried) */
    json_t *kex = json_object();
    if (ps->handshake_ok && ps->kex.type[0]) {
        json_object_set_new(kex, "type", json_string(ps->kex.type));
        if (ps->kex.group[0])
            json_object_set_new(kex, "group", json_string(ps->kex.group));
        json_object_set_new(kex, "bits", json_integer(ps->kex.bits));
    }
    if (ps->dhe_tested)
        json_object_set_new(kex, "dhe_bits",
                            ps->dhe_accepted && ps->dhe_bits > 0 ? json_integer(ps->dhe_bits)
                                                                 : json_null());
    json_object_set_new(tls, "kex", kex);

    const sp_tls_cert_facts *c = &ps->cert;
    if (c->present) {
        json_object_set_new(cert, "subject", sp_probe_json_text(c->subject));
        json_object_set_new(cert, "issuer", sp_probe_json_text(c->issuer));
        json_object_set_new(cert, "not_before", json_string(c->not_before));
        json_object_set_new(cert, "key_type", json_string(c->key_type));
        json_object_set_new(cert, "key_bits", json_integer(c->key_bits));
        json_object_set_new(cert, "sig_alg", json_string(c->sig_alg));
        json_object_set_new(cert, "sha1_in_chain",
                            json_boolean(c->sha1_leaf || c->sha1_intermediate));
        json_object_set_new(cert, "weak_digest",
                            c->weak_digest[0] ? json_string(c->weak_digest) : json_null());
        json_object_set_new(cert, "san", json_boolean(!c->no_san));
        if (c->chain_incomplete)
            json_object_set_new(cert, "missing_issuer", sp_probe_json_text(c->missing_issuer));
        json_t *im = json_array();
        for (size_t i = 0; i < c->n_intermediates; i++)
            json_array_append_new(im,
                                  json_pack("{s:s, s:s}", "subject", c->intermediates[i].subject,
                                            "sig_alg", c->intermediates[i].sig_alg));
        json_object_set_new(cert, "intermediates", im);
        json_object_set_new(cert, "fingerprint_sha256", json_string(c->fingerprint_sha256));
        json_object_set_new(cert, "ocsp_stapled", json_boolean(ps->ocsp != SP_OCSP_NONE));
        json_object_set_new(cert, "ocsp_status", json_string(sp_probe_ocsp_name(ps->ocsp)));
    }

    if (ps->handshake_ok) {
        const sp_tls_hsts *h = &ps->hsts;
        json_t *hsts = json_object();
        json_object_set_new(hsts, "present", json_boolean(h->present));
        if (h->present) {
            json_object_set_new(hsts, "max_age", json_integer(h->max_age));
            json_object_set_new(hsts, "include_subdomains", json_boolean(h->include_subdomains));
            json_object_set_new(hsts, "preload", json_boolean(h->preload));
        }
        json_object_set_new(tls, "hsts", hsts);
    }
    if (ps->grade != SP_GRADE_NONE)
        json_object_set_new(tls, "grade", json_string(sp_probe_tls_grade_name(ps->grade)));
    json_t *fs = json_array();
    for (size_t i = 0; i < ps->n_findings; i++) {
        const sp_tls_finding *f = &ps->findings[i];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(sp_probe_tls_finding_name(f->code)));
        json_object_set_new(
            o, "severity",
            json_string(sp_probe_tls_severity_name(sp_probe_tls_finding_severity(f->code))));
        json_object_set_new(o, "detail", sp_probe_json_text(f->detail));
        json_array_append_new(fs, o);
    }
    json_object_set_new(tls, "findings", fs);
}

json_t *sp_probe_result_to_json(const sp_probe_spec *spec, const sp_probe_result *r)
{
    json_t *o = json_object();
    char when[40];
    if (!o)
        return NULL;
    json_object_set_new(o, "target", sp_probe_json_text(spec->target ? spec->target : ""));
    json_object_set_new(o, "kind", json_string(sp_probe_kind_name(spec->kind)));
    sp_time_iso_ms(r->started_ms, when, sizeof when);
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "ok", json_boolean(r->ok));
    json_object_set_new(o, "reason", json_string(sp_reason_name(r->reason)));
    json_object_set_new(o, "detail", sp_probe_json_text(r->detail));
    if (r->address[0])
        json_object_set_new(o, "address", sp_probe_json_text(r->address));
    if (r->http_status > 0)
        json_object_set_new(o, "http_status", json_integer(r->http_status));
    if (spec->kind == SP_PROBE_HTTP || spec->kind == SP_PROBE_HTTPS) {
        json_object_set_new(o, "bytes", json_integer(r->bytes));
        json_object_set_new(o, "redirects", json_integer(r->redirects));
    }
    if (spec->kind == SP_PROBE_DNS && r->answer[0])
        json_object_set_new(o, "answer", sp_probe_json_text(r->answer));

    json_t *t = json_object();
    put_ms(t, "dns", r->dns_ms);
    put_ms(t, "connect", r->connect_ms);
    put_ms(t, "tls", r->tls_ms);
    put_ms(t, "ttfb", r->ttfb_ms);
    put_ms(t, "total", r->total_ms);
    json_object_set_new(o, "timings_ms", t);

    if (r->tls.present || r->posture.present) {
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
        if (r->posture.present)
            put_posture(tls, cert, &r->posture);
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
