/*
 * The TLS posture grade (probe/tls_grade.c): every rule of
 * docs/TLS_GRADING.md, each cap on its own and in combination, starting
 * from a posture that earns A+ and breaking one fact at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe/sp_tls.h"

/* A posture that earns A+: TLS 1.2 + 1.3, ECDHE, a valid P-256 chain,
 * stapled good OCSP, HSTS for a year. */
static sp_tls_posture perfect(void)
{
    sp_tls_posture p;
    memset(&p, 0, sizeof p);
    p.present = p.handshake_ok = true;
    snprintf(p.version, sizeof p.version, "TLSv1.3");
    snprintf(p.cipher, sizeof p.cipher, "TLS_AES_256_GCM_SHA384");
    p.forward_secrecy = true;
    for (int i = 0; i < SP_TLS_PROTO_COUNT; i++)
        p.proto_tested[i] = true;
    p.proto_accepted[SP_TLS_V12] = p.proto_accepted[SP_TLS_V13] = true;
    p.weak_tested = true;
    sp_tls_cert_facts *c = &p.cert;
    c->present = c->chain_valid = c->hostname_match = true;
    snprintf(c->subject, sizeof c->subject, "CN=localhost");
    snprintf(c->not_after, sizeof c->not_after, "2026-12-22T00:00:00Z");
    c->days_left = 29;
    snprintf(c->key_type, sizeof c->key_type, "EC");
    c->key_bits = 256;
    snprintf(c->sig_alg, sizeof c->sig_alg, "ecdsa-with-SHA256");
    p.ocsp = SP_OCSP_GOOD;
    p.hsts.checked = p.hsts.present = true;
    p.hsts.http_status = 200;
    p.hsts.max_age = 31536000;
    return p;
}

static const char *grade_of(sp_tls_posture *p)
{
    sp_probe_tls_grade(p);
    return sp_probe_tls_grade_name(p->grade);
}

/* The findings' codes, comma-separated, in the order they were added. */
static const char *codes(const sp_tls_posture *p)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_findings; i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, sp_probe_tls_finding_name(p->findings[i].code));
    }
    return buf;
}

static void test_perfect_is_a_plus(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    assert_string_equal(grade_of(&p), "A+");
    assert_int_equal(p.n_findings, 0);
}

static void test_not_present_is_ungraded(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.present = false;
    assert_string_equal(grade_of(&p), "");
    assert_int_equal(p.grade, SP_GRADE_NONE);
    assert_int_equal(p.n_findings, 0);
}

static void test_handshake_failed_is_f_alone(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.handshake_ok = false;
    p.cert.present = false; /* would add findings of its own if looked at */
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "handshake_failed");
    assert_int_equal(sp_probe_tls_finding_severity(p.findings[0].code), SP_SEV_CRITICAL);
}

static void test_certificate_failures_are_f(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.cert.chain_valid = false;
    p.cert.expired = true;
    p.cert.days_left = -3;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_expired");
    assert_non_null(strstr(p.findings[0].detail, "3 days ago"));

    p = perfect();
    p.cert.chain_valid = false;
    p.cert.not_yet_valid = true;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_not_yet_valid");

    p = perfect();
    p.cert.chain_valid = false;
    p.cert.untrusted = true;
    p.cert.verify_error = 18;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_untrusted");

    p = perfect();
    p.cert.hostname_match = false;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_hostname");

    p = perfect();
    p.cert.present = false;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_untrusted");
}

static void test_sha1(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.cert.sha1_leaf = true;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_sha1");
    assert_string_equal(p.findings[0].detail, "leaf signed with SHA-1");
    p = perfect();
    p.cert.sha1_intermediate = true;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(p.findings[0].detail, "intermediate signed with SHA-1");
}

static void test_ocsp(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.ocsp = SP_OCSP_REVOKED;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_revoked");
    p = perfect();
    p.ocsp = SP_OCSP_INVALID;
    assert_string_equal(grade_of(&p), "A-");
    assert_string_equal(codes(&p), "ocsp_invalid");
    /* not stapling, or an "unknown" answer, costs nothing */
    p = perfect();
    p.ocsp = SP_OCSP_NONE;
    assert_string_equal(grade_of(&p), "A+");
    p.ocsp = SP_OCSP_UNKNOWN;
    assert_string_equal(grade_of(&p), "A+");
}

static void test_key_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        int bits;
        const char *grade, *codes;
    } cases[] = {
        {"RSA", 4096, "A+", ""},
        {"RSA", 2048, "A+", ""},
        {"RSA", 2047, "B", "key_weak"},
        {"RSA", 1024, "B", "key_weak"},
        {"RSA", 1023, "F", "key_insecure"},
        {"RSA", 512, "F", "key_insecure"},
        {"DSA", 1024, "B", "key_weak"},
        {"EC", 256, "A+", ""},
        {"EC", 224, "A+", ""},
        {"EC", 192, "B", "key_weak"},
        {"EC", 159, "F", "key_insecure"},
        {"Ed25519", 253, "A+", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sp_tls_posture p = perfect();
        snprintf(p.cert.key_type, sizeof p.cert.key_type, "%s", cases[i].type);
        p.cert.key_bits = cases[i].bits;
        assert_string_equal(grade_of(&p), cases[i].grade);
        assert_string_equal(codes(&p), cases[i].codes);
    }
}

static void test_legacy_protocols_cap_b(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.proto_accepted[SP_TLS_V10] = true;
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "tls10_accepted");
    p = perfect();
    p.proto_accepted[SP_TLS_V11] = true;
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "tls11_accepted");
    p.proto_accepted[SP_TLS_V10] = true;
    p.proto_accepted[SP_TLS_V13] = false;
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "tls10_accepted,tls11_accepted,no_tls13");
    /* an untested version proves nothing either way */
    p = perfect();
    p.proto_tested[SP_TLS_V10] = false;
    p.proto_accepted[SP_TLS_V10] = true;
    p.proto_tested[SP_TLS_V13] = false;
    p.proto_accepted[SP_TLS_V13] = false;
    assert_string_equal(grade_of(&p), "A+");
}

static void test_no_tls13_caps_a_minus(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.proto_accepted[SP_TLS_V13] = false;
    assert_string_equal(grade_of(&p), "A-");
    assert_string_equal(codes(&p), "no_tls13");
    assert_int_equal(sp_probe_tls_finding_severity(p.findings[0].code), SP_SEV_INFO);
}

static void test_ciphers(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.weak_accepted = true;
    snprintf(p.weak_cipher, sizeof p.weak_cipher, "DES-CBC3-SHA");
    assert_string_equal(grade_of(&p), "C");
    assert_string_equal(codes(&p), "cipher_weak");
    assert_string_equal(p.findings[0].detail, "weak cipher DES-CBC3-SHA accepted");
    snprintf(p.weak_cipher, sizeof p.weak_cipher, "ECDHE-ECDSA-NULL-SHA");
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cipher_insecure");
    /* not tried: nothing to say */
    p.weak_tested = false;
    assert_string_equal(grade_of(&p), "A+");

    assert_true(sp_probe_tls_cipher_insecure("NULL-SHA256"));
    assert_true(sp_probe_tls_cipher_insecure("AECDH-AES128-SHA"));
    assert_true(sp_probe_tls_cipher_insecure("ADH-AES256-GCM-SHA384"));
    assert_true(sp_probe_tls_cipher_insecure("EXP-RC4-MD5"));
    assert_true(sp_probe_tls_cipher_insecure("TLS_DH_anon_WITH_AES_128_CBC_SHA"));
    assert_false(sp_probe_tls_cipher_insecure("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_false(sp_probe_tls_cipher_insecure("TLS_AES_256_GCM_SHA384"));
    assert_false(sp_probe_tls_cipher_insecure(""));
    assert_true(sp_probe_tls_cipher_weak("DES-CBC3-SHA"));
    assert_true(sp_probe_tls_cipher_weak("ECDHE-RSA-DES-CBC3-SHA"));
    assert_true(sp_probe_tls_cipher_weak("RC4-SHA"));
    assert_true(sp_probe_tls_cipher_weak("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
    assert_false(sp_probe_tls_cipher_weak("ECDHE-ECDSA-AES256-GCM-SHA384"));
}

static void test_forward_secrecy(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.forward_secrecy = false;
    snprintf(p.cipher, sizeof p.cipher, "AES256-GCM-SHA384");
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "no_forward_secrecy");
    assert_string_equal(p.findings[0].detail,
                        "default handshake (AES256-GCM-SHA384) has no forward secrecy");
}

static void test_hsts(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.hsts.present = false;
    assert_string_equal(grade_of(&p), "A");
    assert_string_equal(codes(&p), "hsts_missing");
    assert_string_equal(p.findings[0].detail, "no Strict-Transport-Security header");
    p.hsts.checked = false;
    assert_string_equal(grade_of(&p), "A");
    assert_string_equal(p.findings[0].detail, "no HTTP response to check HSTS");
    p = perfect();
    p.hsts.max_age = 15552000; /* exactly 180 days */
    assert_string_equal(grade_of(&p), "A+");
    p.hsts.max_age = 15551999;
    assert_string_equal(grade_of(&p), "A");
    assert_string_equal(codes(&p), "hsts_short");
    p.hsts.max_age = 0; /* max-age=0 tells browsers to forget: no A+ */
    assert_string_equal(grade_of(&p), "A");
}

static void test_lowest_cap_wins_and_all_listed(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.proto_accepted[SP_TLS_V10] = true; /* B */
    p.weak_accepted = true;              /* C */
    snprintf(p.weak_cipher, sizeof p.weak_cipher, "RC4-SHA");
    p.hsts.present = false; /* A */
    assert_string_equal(grade_of(&p), "C");
    assert_string_equal(codes(&p), "tls10_accepted,cipher_weak,hsts_missing");
    p.cert.hostname_match = false; /* F */
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_hostname,tls10_accepted,cipher_weak,hsts_missing");
    /* grading again replaces, never appends */
    assert_string_equal(grade_of(&p), "F");
    assert_int_equal(p.n_findings, 4);
}

static void test_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(sp_probe_tls_proto_name(SP_TLS_V10), "TLSv1.0");
    assert_string_equal(sp_probe_tls_proto_name(SP_TLS_V13), "TLSv1.3");
    assert_string_equal(sp_probe_tls_proto_name(SP_TLS_PROTO_COUNT), "?");
    assert_string_equal(sp_probe_ocsp_name(SP_OCSP_REVOKED), "revoked");
    assert_string_equal(sp_probe_tls_grade_name(SP_GRADE_A_MINUS), "A-");
    assert_string_equal(sp_probe_tls_severity_name(SP_SEV_WARNING), "warning");
    assert_string_equal(sp_probe_tls_finding_name(SP_TLSF_COUNT), "?");
    /* every code has a name, and no two share one */
    for (int i = 0; i < SP_TLSF_COUNT; i++) {
        assert_string_not_equal(sp_probe_tls_finding_name((sp_tls_finding_code)i), "?");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(sp_probe_tls_finding_name((sp_tls_finding_code)i),
                                    sp_probe_tls_finding_name((sp_tls_finding_code)j));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect_is_a_plus),
        cmocka_unit_test(test_not_present_is_ungraded),
        cmocka_unit_test(test_handshake_failed_is_f_alone),
        cmocka_unit_test(test_certificate_failures_are_f),
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_ocsp),
        cmocka_unit_test(test_key_sizes),
        cmocka_unit_test(test_legacy_protocols_cap_b),
        cmocka_unit_test(test_no_tls13_caps_a_minus),
        cmocka_unit_test(test_ciphers),
        cmocka_unit_test(test_forward_secrecy),
        cmocka_unit_test(test_hsts),
        cmocka_unit_test(test_lowest_cap_wins_and_all_listed),
        cmocka_unit_test(test_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
