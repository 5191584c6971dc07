/*
 * JSON rendering of probe results (probe/result_json.c): the field names
 * are a contract with scripts and reports, so each is asserted by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "probe/result_json.h"

static sp_probe_spec spec_for(const char *target)
{
    sp_probe_spec s;
    char err[128];
    sp_probe_spec_init(&s);
    assert_int_equal(sp_probe_spec_set_target(&s, target, err, sizeof err), SP_OK);
    return s;
}

static sp_probe_result base_result(void)
{
    sp_probe_result r;
    memset(&r, 0, sizeof r);
    r.dns_ms = r.connect_ms = r.tls_ms = r.ttfb_ms = r.total_ms = SP_MS_ABSENT;
    r.started_ms = 1795000000123; /* date -u -d @1795000000: 2026-11-18T11:06:40 */
    return r;
}

static void test_https_ok(void **state)
{
    (void)state;
    sp_probe_spec s = spec_for("https://localhost:8443/health");
    sp_probe_result r = base_result();
    r.ok = true;
    r.reason = SP_REASON_OK;
    snprintf(r.detail, sizeof r.detail, "HTTP 200, 15 bytes");
    snprintf(r.address, sizeof r.address, "127.0.0.1");
    r.http_status = 200;
    r.bytes = 15;
    r.dns_ms = 0.25;
    r.connect_ms = 0.1234567;
    r.tls_ms = 3.5;
    r.ttfb_ms = 1;
    r.total_ms = 5;
    r.tls.present = r.tls.has_cert = true;
    snprintf(r.tls.version, sizeof r.tls.version, "TLSv1.3");
    snprintf(r.tls.cipher, sizeof r.tls.cipher, "TLS_AES_256_GCM_SHA384");
    r.tls.days_left = 29;
    snprintf(r.tls.not_after, sizeof r.tls.not_after, "2026-12-21T00:00:00Z");
    r.tls.chain_valid = true;
    r.tls.hostname_match = true;

    char *line = sp_probe_result_json_line(&s, &r);
    assert_non_null(line);
    assert_null(strchr(line, '\n')); /* JSON Lines: one object, one line */
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    assert_non_null(o);
    assert_true(json_is_true(json_object_get(o, "ok")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "ok");
    assert_string_equal(json_string_value(json_object_get(o, "target")),
                        "https://localhost:8443/health");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "https");
    assert_string_equal(json_string_value(json_object_get(o, "time")), "2026-11-18T11:06:40.123Z");
    assert_string_equal(json_string_value(json_object_get(o, "address")), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(o, "http_status")), 200);
    assert_int_equal(json_integer_value(json_object_get(o, "bytes")), 15);
    json_t *t = json_object_get(o, "timings_ms");
    assert_true(json_real_value(json_object_get(t, "dns")) == 0.25);
    assert_true(json_real_value(json_object_get(t, "connect")) == 0.123); /* rounded to us */
    assert_true(json_real_value(json_object_get(t, "tls")) == 3.5);
    assert_true(json_real_value(json_object_get(t, "ttfb")) == 1.0);
    assert_true(json_real_value(json_object_get(t, "total")) == 5.0);
    json_t *tls = json_object_get(o, "tls");
    assert_string_equal(json_string_value(json_object_get(tls, "version")), "TLSv1.3");
    assert_string_equal(json_string_value(json_object_get(tls, "cipher")),
                        "TLS_AES_256_GCM_SHA384");
    json_t *cert = json_object_get(tls, "cert");
    assert_int_equal(json_integer_value(json_object_get(cert, "days_left")), 29);
    assert_true(json_is_true(json_object_get(cert, "chain_valid")));
    assert_true(json_is_true(json_object_get(cert, "hostname_match")));
    assert_string_equal(json_string_value(json_object_get(cert, "not_after")),
                        "2026-12-21T00:00:00Z");
    json_decref(o);
    free(line);
    sp_probe_spec_free(&s);
}

static void test_absent_phases_left_out(void **state)
{
    (void)state;
    sp_probe_spec s = spec_for("127.0.0.1:9");
    sp_probe_result r = base_result();
    r.reason = SP_REASON_TCP_REFUSED;
    r.connect_ms = 0.5;
    r.total_ms = 0.6;
    snprintf(r.detail, sizeof r.detail, "quote \" and newline \n inside");
    json_t *o = sp_probe_result_to_json(&s, &r);
    assert_true(json_is_false(json_object_get(o, "ok")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "tcp_refused");
    assert_string_equal(json_string_value(json_object_get(o, "detail")),
                        "quote \" and newline \n inside");
    json_t *t = json_object_get(o, "timings_ms");
    assert_null(json_object_get(t, "dns"));
    assert_null(json_object_get(t, "tls"));
    assert_null(json_object_get(t, "ttfb"));
    assert_non_null(json_object_get(t, "connect"));
    assert_null(json_object_get(o, "http_status")); /* no HTTP happened */
    assert_null(json_object_get(o, "tls"));
    assert_null(json_object_get(o, "address"));
    assert_null(json_object_get(o, "bytes")); /* not an HTTP probe */
    json_decref(o);
    sp_probe_spec_free(&s);
}

static void test_failed_handshake_keeps_cert_facts(void **state)
{
    (void)state;
    sp_probe_spec s = spec_for("https://localhost:1/");
    sp_probe_result r = base_result();
    r.reason = SP_REASON_TLS_CERT_EXPIRED;
    r.tls.present = r.tls.has_cert = true; /* seen in the verify callback */
    r.tls.days_left = -2000;
    json_t *o = sp_probe_result_to_json(&s, &r);
    json_t *tls = json_object_get(o, "tls");
    assert_null(json_object_get(tls, "version")); /* no finished handshake */
    json_t *cert = json_object_get(tls, "cert");
    assert_int_equal(json_integer_value(json_object_get(cert, "days_left")), -2000);
    assert_true(json_is_false(json_object_get(cert, "chain_valid")));
    json_decref(o);
    sp_probe_spec_free(&s);
}

static void test_tls_posture(void **state)
{
    (void)state;
    sp_probe_spec s = spec_for("tls://localhost:8443");
    sp_probe_result r = base_result();
    r.ok = true;
    r.tls.present = r.tls.has_cert = r.tls.chain_valid = r.tls.hostname_match = true;
    snprintf(r.tls.version, sizeof r.tls.version, "TLSv1.2");
    sp_tls_posture *p = &r.posture;
    p->present = p->handshake_ok = p->forward_secrecy = true;
    p->proto_tested[SP_TLS_V10] = p->proto_tested[SP_TLS_V12] = true;
    p->proto_accepted[SP_TLS_V10] = p->proto_accepted[SP_TLS_V12] = true;
    /* 1.1 refused? not tested: 1.1 and 1.3 stay null */
    p->weak_tested = true;
    p->cert.present = p->cert.chain_valid = p->cert.hostname_match = true;
    snprintf(p->cert.subject, sizeof p->cert.subject, "CN=localhost");
    snprintf(p->cert.issuer, sizeof p->cert.issuer, "CN=CA");
    snprintf(p->cert.key_type, sizeof p->cert.key_type, "RSA");
    p->cert.key_bits = 2048;
    snprintf(p->cert.sig_alg, sizeof p->cert.sig_alg, "sha256WithRSAEncryption");
    p->cert.n_intermediates = 1;
    snprintf(p->cert.intermediates[0].subject, sizeof p->cert.intermediates[0].subject, "CN=I");
    snprintf(p->cert.intermediates[0].sig_alg, sizeof p->cert.intermediates[0].sig_alg,
             "sha1WithRSAEncryption");
    p->ocsp = SP_OCSP_GOOD;
    p->hsts.checked = p->hsts.present = true;
    p->hsts.max_age = 600;
    snprintf(p->kex.type, sizeof p->kex.type, "ECDHE");
    snprintf(p->kex.group, sizeof p->kex.group, "prime256v1");
    p->kex.bits = 256;
    p->dhe_tested = true; /* refused: null */
    sp_probe_tls_grade(p);

    json_t *o = sp_probe_result_to_json(&s, &r);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "tls");
    json_t *tls = json_object_get(o, "tls");
    json_t *pr = json_object_get(tls, "protocols");
    assert_int_equal(json_object_size(pr), 4);
    assert_true(json_is_true(json_object_get(pr, "TLSv1.0")));
    assert_true(json_is_null(json_object_get(pr, "TLSv1.1")));
    assert_true(json_is_true(json_object_get(pr, "TLSv1.2")));
    assert_true(json_is_null(json_object_get(pr, "TLSv1.3")));
    assert_true(json_is_null(json_object_get(tls, "weak_cipher")));
    assert_true(json_is_true(json_object_get(tls, "forward_secrecy")));
    assert_string_equal(json_string_value(json_object_get(tls, "grade")), "B");
    json_t *fs = json_object_get(tls, "findings");
    assert_int_equal(json_array_size(fs), 2);
    json_t *f0 = json_array_get(fs, 0);
    assert_string_equal(json_string_value(json_object_get(f0, "code")), "tls10_accepted");
    assert_string_equal(json_string_value(json_object_get(f0, "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(f0, "detail")), "TLS 1.0 accepted");
    assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 1), "code")),
                        "hsts_short");
    json_t *h = json_object_get(tls, "hsts");
    assert_true(json_is_true(json_object_get(h, "present")));
    assert_int_equal(json_integer_value(json_object_get(h, "max_age")), 600);
    assert_true(json_is_false(json_object_get(h, "preload")));
    json_t *cert = json_object_get(tls, "cert");
    assert_string_equal(json_string_value(json_object_get(cert, "subject")), "CN=localhost");
    assert_string_equal(json_string_value(json_object_get(cert, "issuer")), "CN=CA");
    assert_string_equal(json_string_value(json_object_get(cert, "key_type")), "RSA");
    assert_int_equal(json_integer_value(json_object_get(cert, "key_bits")), 2048);
    assert_string_equal(json_string_value(json_object_get(cert, "sig_alg")),
                        "sha256WithRSAEncryption");
    json_t *im = json_object_get(cert, "intermediates");
    assert_int_equal(json_array_size(im), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(im, 0), "subject")),
                        "CN=I");
    assert_string_equal(json_string_value(json_object_get(json_array_get(im, 0), "sig_alg")),
                        "sha1WithRSAEncryption");
    assert_true(json_is_true(json_object_get(cert, "ocsp_stapled")));
    assert_string_equal(json_string_value(json_object_get(cert, "ocsp_status")), "good");
    assert_true(json_is_true(json_object_get(cert, "chain_valid"))); /* existing names kept */
    assert_true(json_is_null(json_object_get(cert, "weak_digest")));
    assert_true(json_is_true(json_object_get(cert, "san")));
    assert_null(json_object_get(cert, "missing_issuer"));
    /* tls.kex (issue 15): the default handshake's, and the DHE-only one's */
    json_t *kex = json_object_get(tls, "kex");
    assert_string_equal(json_string_value(json_object_get(kex, "type")), "ECDHE");
    assert_string_equal(json_string_value(json_object_get(kex, "group")), "prime256v1");
    assert_int_equal(json_integer_value(json_object_get(kex, "bits")), 256);
    assert_true(json_is_null(json_object_get(kex, "dhe_bits")));
    json_decref(o);
    p->dhe_accepted = true;
    p->dhe_bits = 1024;
    p->cert.chain_incomplete = true;
    snprintf(p->cert.missing_issuer, sizeof p->cert.missing_issuer, "CN=Gone");
    p->cert.weak_digest_leaf = true;
    snprintf(p->cert.weak_digest, sizeof p->cert.weak_digest, "MD5");
    o = sp_probe_result_to_json(&s, &r);
    tls = json_object_get(o, "tls");
    cert = json_object_get(tls, "cert");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(tls, "kex"), "dhe_bits")),
                     1024);
    assert_string_equal(json_string_value(json_object_get(cert, "missing_issuer")), "CN=Gone");
    assert_string_equal(json_string_value(json_object_get(cert, "weak_digest")), "MD5");
    json_decref(o);

    /* no handshake: graded F, no hsts object, no cert facts */
    memset(p, 0, sizeof *p);
    memset(&r.tls, 0, sizeof r.tls);
    p->present = true;
    sp_probe_tls_grade(p);
    o = sp_probe_result_to_json(&s, &r);
    tls = json_object_get(o, "tls");
    assert_string_equal(json_string_value(json_object_get(tls, "grade")), "F");
    assert_null(json_object_get(tls, "hsts"));
    assert_null(json_object_get(tls, "weak_cipher"));
    assert_int_equal(json_object_size(json_object_get(tls, "cert")), 0);
    assert_int_equal(json_object_size(json_object_get(tls, "kex")), 0); /* nothing measured */
    json_decref(o);
    sp_probe_spec_free(&s);
}

/* A server's bytes that are not UTF-8 (a redirect's Location quoted in the
 * detail, cut at its end in the middle of a character): the field is kept,
 * each such byte as '?', and the line parses. jansson refused the string
 * and the field vanished before. */
static void test_not_utf8_kept_repaired(void **state)
{
    (void)state;
    sp_probe_spec s = spec_for("http://127.0.0.1:9/");
    sp_probe_result r = base_result();
    r.reason = SP_REASON_HTTP_PROTOCOL;
    snprintf(r.detail, sizeof r.detail, "unusable redirect to '/\xff\xfe\xc3\xa9\u202e\xe2\x80");
    snprintf(r.address, sizeof r.address, "127.0.0.1");
    char *line = sp_probe_result_json_line(&s, &r);
    assert_non_null(line);
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "detail")),
                        "unusable redirect to '/??\xc3\xa9\u202e??");
    json_decref(o);
    free(line);
    sp_probe_spec_free(&s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_ok),
        cmocka_unit_test(test_absent_phases_left_out),
        cmocka_unit_test(test_failed_handshake_keeps_cert_facts),
        cmocka_unit_test(test_tls_posture),
        cmocka_unit_test(test_not_utf8_kept_repaired),
    };
    int rc = cmocka_run_group_tests_name("result_json", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
