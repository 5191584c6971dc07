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

/* Issue 15, item 1: every weak digest, not only SHA-1. */
static void test_weak_digests(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.cert.weak_digest_leaf = true;
    snprintf(p.cert.weak_digest, sizeof p.cert.weak_digest, "MD5");
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_weak_digest");
    assert_string_equal(p.findings[0].detail, "leaf signed with MD5");
    p = perfect();
    p.cert.weak_digest_intermediate = true;
    snprintf(p.cert.weak_digest, sizeof p.cert.weak_digest, "MD2");
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(p.findings[0].detail, "intermediate signed with MD2");
    /* SHA-1 keeps its own code (a contract), MD5 beside it */
    p.cert.sha1_leaf = true;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_sha1,cert_weak_digest");
}

/* Items 6 and 7: a finding for each, F (browsers refuse both). */
static void test_chain_incomplete_and_no_san(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.cert.chain_valid = false;
    p.cert.chain_incomplete = true;
    snprintf(p.cert.missing_issuer, sizeof p.cert.missing_issuer, "CN=Example Intermediate");
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "chain_incomplete");
    assert_string_equal(
        p.findings[0].detail,
        "chain incomplete: the server did not send the certificate of its issuer CN=Example "
        "Intermediate");
    p = perfect();
    p.cert.no_san = true;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "cert_no_san");
    /* a name mismatch says it all: no second finding */
    p.cert.hostname_match = false;
    grade_of(&p);
    assert_string_equal(codes(&p), "cert_hostname");
}

/* Item 3: SSL Labs' Logjam rules, DH under 1024 bits (which OpenSSL 3.0
 * cannot serve, so only here) F, under 2048 B; a small ECDHE curve B. */
static void test_key_exchange(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    snprintf(p.kex.type, sizeof p.kex.type, "ECDHE");
    snprintf(p.kex.group, sizeof p.kex.group, "X25519");
    p.kex.bits = 253;
    assert_string_equal(grade_of(&p), "A+");
    p.dhe_tested = p.dhe_accepted = true;
    p.dhe_bits = 2048;
    assert_string_equal(grade_of(&p), "A+");
    p.dhe_bits = 1024; /* the default handshake got ECDHE; DHE-only still finds it */
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "dh_weak");
    assert_string_equal(p.findings[0].detail, "DH group of 1024 bits (under 2048, Logjam)");
    p.dhe_bits = 768;
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "dh_insecure");
    assert_string_equal(p.findings[0].detail, "DH group of 768 bits (under 1024)");
    p.dhe_accepted = false; /* refused: nothing measured */
    assert_string_equal(grade_of(&p), "A+");
    p = perfect();
    snprintf(p.kex.type, sizeof p.kex.type, "DHE");
    p.kex.bits = 1536; /* the default handshake's own group counts too */
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "dh_weak");
    p = perfect();
    snprintf(p.kex.type, sizeof p.kex.type, "ECDHE");
    snprintf(p.kex.group, sizeof p.kex.group, "secp192r1");
    p.kex.bits = 192;
    assert_string_equal(grade_of(&p), "B");
    assert_string_equal(codes(&p), "ecdh_weak");
    assert_string_equal(p.findings[0].detail, "ECDHE curve secp192r1 of 192 bits (under 224)");
}

/* Item 2: a failed default handshake still reports what the other
 * handshakes found the server accepts. */
static void test_handshake_failed_goes_on(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.handshake_ok = false;
    snprintf(p.fail_detail, sizeof p.fail_detail, "sslv3 alert handshake failure");
    p.weak_accepted = true;
    snprintf(p.weak_cipher, sizeof p.weak_cipher, "ECDHE-RSA-NULL-SHA");
    p.proto_accepted[SP_TLS_V13] = false; /* no TLS 1.3: beside F, noise */
    assert_string_equal(grade_of(&p), "F");
    assert_string_equal(codes(&p), "handshake_failed,cipher_insecure");
    assert_string_equal(p.findings[0].detail,
                        "the default handshake failed: sslv3 alert handshake failure");
    p.proto_accepted[SP_TLS_V10] = true;
    grade_of(&p);
    assert_string_equal(codes(&p), "handshake_failed,tls10_accepted,cipher_insecure");
}

/* --- The availability policy (docs/REASONS.md), rule by rule ------------- */

static char why[256];

static const char *avail(const sp_tls_posture *p, bool insecure, bool cn_fallback)
{
    sp_tls_policy pol = {.host = "example.test", .insecure = insecure, .cn_fallback = cn_fallback};
    return sp_reason_name(sp_probe_tls_availability(p, &pol, why, sizeof why));
}

static void test_availability_handshake_rules(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    assert_string_equal(avail(&p, false, false), "ok");
    assert_string_equal(why, "");
    /* rule 2 */
    p.handshake_ok = false;
    p.fail = SP_TLS_FAIL_HANDSHAKE;
    snprintf(p.fail_detail, sizeof p.fail_detail, "no shared cipher");
    assert_string_equal(avail(&p, false, false), "tls_handshake");
    assert_string_equal(why, "TLS handshake failed: no shared cipher");
    p.fail = SP_TLS_FAIL_CLIENT_CERT;
    assert_string_equal(avail(&p, true, false), "tls_handshake"); /* -k does not help */
    assert_string_equal(why, "server requires a client certificate");
    p.fail = SP_TLS_FAIL_CERT_LIST_MAX;
    assert_string_equal(avail(&p, false, false), "tls_handshake");
    assert_string_equal(why, "the server's certificate list is larger than this client's limit "
                             "of 1048576 bytes (a client-side limit)");
    /* rule 3: the best the server speaks is what the default handshake got */
    p = perfect();
    snprintf(p.version, sizeof p.version, "TLSv1.1");
    assert_string_equal(avail(&p, true, false), "tls_handshake");
    assert_string_equal(why, "server offers only TLSv1.1; browsers require TLS 1.2 or later");
    snprintf(p.version, sizeof p.version, "TLSv1");
    assert_string_equal(avail(&p, false, false), "tls_handshake");
    snprintf(p.version, sizeof p.version, "TLSv1.2");
    assert_string_equal(avail(&p, false, false), "ok");
    /* but a server that also takes TLS 1.0 is up: the grade says it */
    p.proto_accepted[SP_TLS_V10] = true;
    assert_string_equal(avail(&p, false, false), "ok");
    /* rule 4: only the group a browser-class client gets */
    p = perfect();
    snprintf(p.kex.type, sizeof p.kex.type, "DHE");
    p.kex.bits = 1024;
    assert_string_equal(avail(&p, true, false), "tls_handshake");
    assert_string_equal(why, "DH group of 1024 bits (Logjam); browsers require 2048");
    p.kex.bits = 2048;
    assert_string_equal(avail(&p, false, false), "ok");
    p = perfect();
    snprintf(p.kex.type, sizeof p.kex.type, "ECDHE");
    p.dhe_tested = p.dhe_accepted = true;
    p.dhe_bits = 1024;
    assert_string_equal(avail(&p, false, false), "ok");
}

static void test_availability_certificate_rules(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    /* rule 5 */
    p.cert.expired = true;
    p.ocsp = SP_OCSP_REVOKED; /* the first failing rule wins */
    assert_string_equal(avail(&p, false, false), "tls_cert_expired");
    assert_string_equal(why, "certificate expired on 2026-12-22T00:00:00Z");
    assert_string_equal(avail(&p, true, false), "ok"); /* -k */
    /* rule 6, each way */
    p = perfect();
    p.cert.chain_valid = false;
    p.cert.chain_incomplete = true;
    snprintf(p.cert.missing_issuer, sizeof p.cert.missing_issuer, "CN=Int");
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    assert_string_equal(why, "chain incomplete: the server did not send the certificate of its "
                             "issuer CN=Int, and it is not trusted");
    p = perfect();
    p.cert.weak_digest_leaf = true;
    snprintf(p.cert.weak_digest, sizeof p.cert.weak_digest, "MD5");
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    assert_string_equal(why, "certificate signed with MD5; browsers reject MD5, MD4, MD2 and SHA-1 "
                             "signatures");
    p = perfect();
    p.cert.sha1_intermediate = true;
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    assert_string_equal(why, "intermediate certificate signed with SHA-1; browsers reject MD5, "
                             "MD4, MD2 and SHA-1 signatures");
    p = perfect();
    snprintf(p.cert.key_type, sizeof p.cert.key_type, "RSA");
    p.cert.key_bits = 1024;
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    assert_string_equal(why, "RSA key of 1024 bits; browsers require 2048");
    p.cert.key_bits = 2048;
    assert_string_equal(avail(&p, false, false), "ok");
    snprintf(p.cert.key_type, sizeof p.cert.key_type, "EC");
    p.cert.key_bits = 192;
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    p = perfect();
    p.cert.chain_valid = false;
    p.cert.untrusted = true;
    snprintf(p.cert.verify_error_text, sizeof p.cert.verify_error_text, "self-signed certificate");
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    assert_string_equal(why, "self-signed certificate");
    p = perfect();
    p.cert.present = false;
    assert_string_equal(avail(&p, false, false), "tls_cert_untrusted");
    /* rule 7 */
    p = perfect();
    p.ocsp = SP_OCSP_REVOKED;
    assert_string_equal(avail(&p, false, false), "tls_cert_revoked");
    assert_string_equal(why, "certificate revoked (stapled OCSP response)");
    assert_string_equal(avail(&p, true, false), "ok");
    p.ocsp = SP_OCSP_INVALID; /* soft-fail, as browsers */
    assert_string_equal(avail(&p, false, false), "ok");
    /* rule 8 */
    p = perfect();
    p.cert.hostname_match = false;
    assert_string_equal(avail(&p, false, false), "tls_cert_hostname");
    assert_string_equal(why, "certificate does not match example.test");
    p = perfect();
    p.cert.no_san = true;
    assert_string_equal(avail(&p, false, false), "tls_cert_hostname");
    assert_string_equal(why,
                        "certificate has no subjectAltName; browsers stopped falling back to the "
                        "common name in 2017 (tls_cn_fallback: true accepts it)");
    assert_string_equal(avail(&p, false, true), "ok");
    assert_string_equal(avail(&p, true, false), "ok");
}

static void test_availability_client_certificate(void **state)
{
    (void)state;
    sp_tls_posture p = perfect();
    p.client_cert_requested = true;
    assert_string_equal(avail(&p, false, false), "ok"); /* optional: answered 200 */
    p.hsts.http_status = 400;
    assert_string_equal(avail(&p, false, false), "tls_handshake");
    assert_string_equal(why, "server requires a client certificate (HTTP 400)");
    p.hsts.http_status = 496;
    assert_string_equal(avail(&p, true, false), "tls_handshake");
    p.client_cert_sent = true; /* ours was refused: the status says so */
    assert_string_equal(avail(&p, false, false), "ok");
    p = perfect();
    p.hsts.http_status = 400; /* never asked for one: an HTTP matter */
    assert_string_equal(avail(&p, false, false), "ok");
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
        cmocka_unit_test(test_weak_digests),
        cmocka_unit_test(test_chain_incomplete_and_no_san),
        cmocka_unit_test(test_key_exchange),
        cmocka_unit_test(test_handshake_failed_goes_on),
        cmocka_unit_test(test_availability_handshake_rules),
        cmocka_unit_test(test_availability_certificate_rules),
        cmocka_unit_test(test_availability_client_certificate),
        cmocka_unit_test(test_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
