/*
 * Library errors to reason codes (probe/reason_map.c), and the reason table
 * itself (common/sp_reason.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>
#include <ares.h>
#include <curl/curl.h>
#include <openssl/x509_vfy.h>
#include <uv.h>

#include "common/sp_reason.h"
#include "common/sp_status.h"
#include "probe/reason_map.h"

#define EXPECT(reason, expr) assert_string_equal(sp_reason_name(expr), reason)

static sp_curl_facts facts(int code)
{
    sp_curl_facts f = {.curl_code = code, .connected = true, .tls_done = true};
    return f;
}

static void test_curl_connect(void **state)
{
    (void)state;
    sp_curl_facts f = facts(CURLE_COULDNT_CONNECT);
    f.connected = false;
    f.os_errno = ECONNREFUSED;
    EXPECT("tcp_refused", sp_probe_reason_from_curl(&f));
    f.os_errno = EHOSTUNREACH;
    EXPECT("tcp_unreachable", sp_probe_reason_from_curl(&f));
    f.os_errno = ENETUNREACH;
    EXPECT("tcp_unreachable", sp_probe_reason_from_curl(&f));
    f.os_errno = ETIMEDOUT;
    EXPECT("tcp_timeout", sp_probe_reason_from_curl(&f));
    f.os_errno = EMFILE; /* our own limit: not the vendor's fault */
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
}

static void test_curl_timeouts(void **state)
{
    (void)state;
    sp_curl_facts f = facts(CURLE_OPERATION_TIMEDOUT);
    f.is_tls = true;
    f.connected = false;
    f.tls_done = false;
    EXPECT("tcp_timeout", sp_probe_reason_from_curl(&f));
    f.connected = true;
    EXPECT("tls_handshake", sp_probe_reason_from_curl(&f));
    f.tls_done = true;
    EXPECT("http_timeout", sp_probe_reason_from_curl(&f));
    f.is_tls = false;
    f.tls_done = false;
    EXPECT("http_timeout", sp_probe_reason_from_curl(&f));
    EXPECT("tcp_timeout", sp_probe_reason_timeout(false, false, false));
    EXPECT("tls_handshake", sp_probe_reason_timeout(true, true, false));
    EXPECT("http_timeout", sp_probe_reason_timeout(true, true, true));
}

static void test_curl_certificates(void **state)
{
    (void)state;
    sp_curl_facts f = facts(CURLE_PEER_FAILED_VERIFICATION);
    f.is_tls = true;
    f.tls_done = false;
    f.cert_seen = true;
    f.verify_error = X509_V_ERR_CERT_HAS_EXPIRED;
    EXPECT("tls_cert_expired", sp_probe_reason_from_curl(&f));
    f.verify_error = X509_V_ERR_CERT_NOT_YET_VALID;
    EXPECT("tls_cert_expired", sp_probe_reason_from_curl(&f));
    f.verify_error = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    EXPECT("tls_cert_untrusted", sp_probe_reason_from_curl(&f));
    f.verify_error = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    EXPECT("tls_cert_untrusted", sp_probe_reason_from_curl(&f));
    /* chain fine, libcurl's host check refused it */
    f.verify_error = X509_V_OK;
    f.hostname_match = false;
    EXPECT("tls_cert_hostname", sp_probe_reason_from_curl(&f));
    /* self-signed and wrong host: the chain error wins */
    f.verify_error = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    EXPECT("tls_cert_untrusted", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_SSL_CONNECT_ERROR);
    f.is_tls = true;
    f.tls_done = false;
    EXPECT("tls_handshake", sp_probe_reason_from_curl(&f));
    f.verify_error = X509_V_ERR_CERT_HAS_EXPIRED;
    EXPECT("tls_cert_expired", sp_probe_reason_from_curl(&f));
    EXPECT("tls_cert_hostname", sp_probe_reason_from_x509(X509_V_ERR_HOSTNAME_MISMATCH));
    EXPECT("ok", sp_probe_reason_from_x509(X509_V_OK));
}

static void test_curl_http(void **state)
{
    (void)state;
    sp_curl_facts f = facts(CURLE_WRITE_ERROR);
    f.body_capped = true;
    EXPECT("http_too_large", sp_probe_reason_from_curl(&f));
    f.body_capped = false;
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_FILESIZE_EXCEEDED);
    EXPECT("http_too_large", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_TOO_MANY_REDIRECTS);
    EXPECT("redirect_loop", sp_probe_reason_from_curl(&f));
    static const int protocol[] = {CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE,
                                   CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL};
    for (size_t i = 0; i < sizeof protocol / sizeof protocol[0]; i++) {
        f = facts(protocol[i]);
        EXPECT("http_protocol", sp_probe_reason_from_curl(&f));
    }
    /* a plain-HTTP answer to a TLS hello shows up as a receive problem */
    f = facts(CURLE_RECV_ERROR);
    f.is_tls = true;
    f.tls_done = false;
    EXPECT("tls_handshake", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_COULDNT_RESOLVE_HOST); /* libcurl must never resolve */
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_OUT_OF_MEMORY); /* before any answer: our own */
    f.answering = false;
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
    f.connected = false;
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
    f = facts(CURLE_SSL_CACERT_BADFILE);
    EXPECT("probe_error", sp_probe_reason_from_curl(&f));
}

/* What a hostile or broken server can provoke is never probe_error. */
static void test_curl_hostile(void **state)
{
    (void)state;
    /* libcurl 7.88 reports a header line over 100 KiB as out of memory */
    sp_curl_facts f = facts(CURLE_OUT_OF_MEMORY);
    f.answering = true;
    EXPECT("http_protocol", sp_probe_reason_from_curl(&f));
    f.is_tls = true;
    EXPECT("http_protocol", sp_probe_reason_from_curl(&f));
    static const int protocol[] = {
        CURLE_BAD_CONTENT_ENCODING, CURLE_RECV_ERROR, CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2,
        CURLE_HTTP2_STREAM,         CURLE_SEND_ERROR, CURLE_GOT_NOTHING,        CURLE_PARTIAL_FILE};
    for (size_t i = 0; i < sizeof protocol / sizeof protocol[0]; i++) {
        f = facts(protocol[i]);
        f.answering = true;
        EXPECT("http_protocol", sp_probe_reason_from_curl(&f));
    }
    f = facts(CURLE_FILESIZE_EXCEEDED); /* a Content-Length over the cap */
    EXPECT("http_too_large", sp_probe_reason_from_curl(&f));
    static const int handshake[] = {CURLE_SSL_CLIENTCERT, CURLE_SSL_CIPHER, CURLE_SSL_CONNECT_ERROR,
                                    CURLE_SSL_SHUTDOWN_FAILED};
    for (size_t i = 0; i < sizeof handshake / sizeof handshake[0]; i++) {
        f = facts(handshake[i]);
        f.is_tls = true;
        f.tls_done = false;
        EXPECT("tls_handshake", sp_probe_reason_from_curl(&f));
    }
    /* an answer the DNS server sent that cannot be parsed */
    EXPECT("dns_servfail", sp_probe_reason_from_ares_answer(ARES_EBADNAME));
    EXPECT("dns_servfail", sp_probe_reason_from_ares_answer(ARES_EBADSTR));
    EXPECT("dns_servfail", sp_probe_reason_from_ares_answer(ARES_EBADRESP));
    EXPECT("dns_servfail", sp_probe_reason_from_ares_answer(ARES_EFORMERR));
    EXPECT("dns_nodata", sp_probe_reason_from_ares_answer(ARES_ENODATA));
    EXPECT("probe_error", sp_probe_reason_from_ares_answer(ARES_ENOMEM));
    EXPECT("dns_servfail", sp_probe_reason_from_ares(ARES_EFORMERR));
    EXPECT("dns_servfail", sp_probe_reason_from_ares(ARES_ENOTIMP));
    /* a name we could not even ask about is ours */
    EXPECT("probe_error", sp_probe_reason_from_ares(ARES_EBADNAME));
}

static void test_ares(void **state)
{
    (void)state;
    EXPECT("ok", sp_probe_reason_from_ares(ARES_SUCCESS));
    EXPECT("dns_nxdomain", sp_probe_reason_from_ares(ARES_ENOTFOUND));
    EXPECT("dns_nodata", sp_probe_reason_from_ares(ARES_ENODATA));
    EXPECT("dns_servfail", sp_probe_reason_from_ares(ARES_ESERVFAIL));
    EXPECT("dns_servfail", sp_probe_reason_from_ares(ARES_EBADRESP));
    EXPECT("dns_refused", sp_probe_reason_from_ares(ARES_EREFUSED));
    EXPECT("dns_timeout", sp_probe_reason_from_ares(ARES_ETIMEOUT));
    EXPECT("dns_timeout", sp_probe_reason_from_ares(ARES_ECONNREFUSED));
    EXPECT("probe_error", sp_probe_reason_from_ares(ARES_ENOMEM));
    EXPECT("probe_error", sp_probe_reason_from_ares(ARES_EDESTRUCTION));
}

static void test_uv(void **state)
{
    (void)state;
    EXPECT("tcp_refused", sp_probe_reason_from_uv(UV_ECONNREFUSED));
    EXPECT("tcp_timeout", sp_probe_reason_from_uv(UV_ETIMEDOUT));
    EXPECT("tcp_unreachable", sp_probe_reason_from_uv(UV_EHOSTUNREACH));
    EXPECT("tcp_unreachable", sp_probe_reason_from_uv(UV_ENETUNREACH));
    EXPECT("probe_error", sp_probe_reason_from_uv(UV_EADDRNOTAVAIL));
}

static void test_reason_table(void **state)
{
    (void)state;
    /* every code round-trips through its name and has a class */
    for (int i = 0; i < SP_REASON_COUNT; i++) {
        sp_reason r;
        assert_true(sp_reason_from_name(sp_reason_name((sp_reason)i), &r));
        assert_int_equal(r, i);
        assert_true(strlen(sp_reason_message((sp_reason)i)) > 0);
    }
    sp_reason r;
    assert_false(sp_reason_from_name("no_such_reason", &r));
    assert_int_equal(sp_reason_class_of(SP_REASON_DNS_TIMEOUT), SP_RCLASS_DNS);
    assert_int_equal(sp_reason_class_of(SP_REASON_TCP_REFUSED), SP_RCLASS_NETWORK);
    assert_int_equal(sp_reason_class_of(SP_REASON_TLS_CERT_EXPIRED), SP_RCLASS_TLS);
    /* added for stapled revocation (issue 15), at the end of the list */
    assert_true(sp_reason_from_name("tls_cert_revoked", &r));
    assert_int_equal(r, SP_REASON_TLS_CERT_REVOKED);
    assert_int_equal(r, SP_REASON_COUNT - 2);
    assert_int_equal(sp_reason_class_of(SP_REASON_TLS_CERT_REVOKED), SP_RCLASS_TLS);
    /* added with the icmp kind (issue 17), after it: no old number moved */
    assert_true(sp_reason_from_name("icmp_timeout", &r));
    assert_int_equal(r, SP_REASON_COUNT - 1);
    assert_int_equal(sp_reason_class_of(SP_REASON_ICMP_TIMEOUT), SP_RCLASS_NETWORK);
    assert_int_equal(sp_reason_class_of(SP_REASON_REDIRECT_LOOP), SP_RCLASS_HTTP);
    assert_int_equal(sp_reason_class_of(SP_REASON_PROBE_ERROR), SP_RCLASS_PROBE);
    assert_string_equal(sp_reason_class_name(SP_RCLASS_TLS), "tls");
    /* the SPEC's codes are all present under their exact names */
    static const char *const spec_codes[] = {"ok",
                                             "dns_nxdomain",
                                             "dns_servfail",
                                             "dns_refused",
                                             "dns_timeout",
                                             "tcp_refused",
                                             "tcp_timeout",
                                             "tcp_unreachable",
                                             "tls_handshake",
                                             "tls_cert_expired",
                                             "tls_cert_untrusted",
                                             "tls_cert_hostname",
                                             "http_timeout",
                                             "http_status",
                                             "http_body_mismatch",
                                             "http_too_large",
                                             "http_protocol",
                                             "redirect_loop",
                                             "probe_error"};
    for (size_t i = 0; i < sizeof spec_codes / sizeof spec_codes[0]; i++)
        assert_true(sp_reason_from_name(spec_codes[i], &r));
    assert_string_equal(sp_strerror(SP_ENOMEM), "out of memory");
    assert_string_equal(sp_status_name(SP_EPARSE), "SP_EPARSE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curl_connect),
        cmocka_unit_test(test_curl_timeouts),
        cmocka_unit_test(test_curl_certificates),
        cmocka_unit_test(test_curl_http),
        cmocka_unit_test(test_curl_hostile),
        cmocka_unit_test(test_ares),
        cmocka_unit_test(test_uv),
        cmocka_unit_test(test_reason_table),
    };
    return cmocka_run_group_tests_name("reason_map", tests, NULL, NULL);
}
