/*
 * Target parsing and spec validation (probe/spec.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "probe/sp_probe.h"

static sp_probe_spec parse_ok(const char *target)
{
    sp_probe_spec s;
    char err[256] = "";
    sp_probe_spec_init(&s);
    sp_status st = sp_probe_spec_set_target(&s, target, err, sizeof err);
    if (st != SP_OK)
        fail_msg("'%s' did not parse: %s", target, err);
    return s;
}

static void parse_bad(const char *target, const char *needle)
{
    sp_probe_spec s;
    char err[256] = "";
    sp_probe_spec_init(&s);
    assert_int_equal(sp_probe_spec_set_target(&s, target, err, sizeof err), SP_EPARSE);
    if (!strstr(err, needle))
        fail_msg("error for '%s' is '%s', expected it to mention '%s'", target, err, needle);
    sp_probe_spec_free(&s);
}

static void test_https_url(void **state)
{
    (void)state;
    sp_probe_spec s = parse_ok("https://Example.COM/health?x=1");
    assert_int_equal(s.kind, SP_PROBE_HTTPS);
    assert_string_equal(s.host, "example.com");
    assert_int_equal(s.port, 443);
    assert_string_equal(s.url, "https://Example.COM/health?x=1"); /* as curl keeps it */
    sp_probe_spec_free(&s);
}

static void test_http_url_port_and_ipv6(void **state)
{
    (void)state;
    sp_probe_spec s = parse_ok("http://127.0.0.1:8080/");
    assert_int_equal(s.kind, SP_PROBE_HTTP);
    assert_string_equal(s.host, "127.0.0.1");
    assert_int_equal(s.port, 8080);
    sp_probe_spec_free(&s);
    s = parse_ok("http://[::1]:81/x");
    assert_string_equal(s.host, "::1"); /* brackets stripped */
    assert_int_equal(s.port, 81);
    sp_probe_spec_free(&s);
    s = parse_ok("http://example.com");
    assert_int_equal(s.port, 80);
    sp_probe_spec_free(&s);
}

static void test_tcp_forms(void **state)
{
    (void)state;
    sp_probe_spec s = parse_ok("db.example.com:5432");
    assert_int_equal(s.kind, SP_PROBE_TCP);
    assert_string_equal(s.host, "db.example.com");
    assert_int_equal(s.port, 5432);
    sp_probe_spec_free(&s);
    s = parse_ok("tcp://10.0.0.1:22");
    assert_int_equal(s.kind, SP_PROBE_TCP);
    assert_string_equal(s.host, "10.0.0.1");
    assert_int_equal(s.port, 22);
    sp_probe_spec_free(&s);
    s = parse_ok("[2001:db8::1]:443");
    assert_int_equal(s.kind, SP_PROBE_TCP);
    assert_string_equal(s.host, "2001:db8::1");
    assert_int_equal(s.port, 443);
    sp_probe_spec_free(&s);
}

static void test_dns_forms(void **state)
{
    (void)state;
    sp_probe_spec s = parse_ok("dns://mail.test?type=MX&expect=mx1.test");
    assert_int_equal(s.kind, SP_PROBE_DNS);
    assert_string_equal(s.host, "mail.test");
    assert_int_equal(s.dns_type, SP_DNS_MX);
    assert_string_equal(s.dns_expect, "mx1.test");
    sp_probe_spec_free(&s);
    s = parse_ok("dns:ok.test");
    assert_int_equal(s.dns_type, SP_DNS_A); /* default */
    assert_null(s.dns_expect);
    sp_probe_spec_free(&s);
    s = parse_ok("dns://txt.test/?type=txt&expect=v%3Dslaprobe1");
    assert_int_equal(s.dns_type, SP_DNS_TXT);
    assert_string_equal(s.dns_expect, "v=slaprobe1"); /* %-decoded */
    sp_probe_spec_free(&s);
}

static void test_bad_targets(void **state)
{
    (void)state;
    parse_bad("", "empty");
    parse_bad("ftp://example.com/", "scheme");
    parse_bad("example.com", "host:port");
    parse_bad("example.com:0", "port");
    parse_bad("example.com:70000", "port");
    parse_bad("example.com:http", "port");
    parse_bad("[::1]443", "IPv6");
    parse_bad("a b:80", "invalid host");
    parse_bad("dns://", "no DNS name");
    parse_bad("dns://x.test?type=SRV", "DNS type");
    parse_bad("dns://x.test?colour=red", "unknown DNS option");
    parse_bad("http://", "bad URL");
}

static void test_finish_validates(void **state)
{
    (void)state;
    char err[256];
    sp_probe_spec s = parse_ok("http://localhost/");
    s.expect_regex = strdup("([unclosed");
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL);
    assert_non_null(strstr(err, "bad regex"));
    free(s.expect_regex);
    s.expect_regex = strdup("ok$");
    s.expect_header = strdup("no colon here");
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL);
    assert_non_null(strstr(err, "Name: regex"));
    free(s.expect_header);
    s.expect_header = strdup("Content-Type: ^text/");
    s.expect_status[0] = 99;
    s.n_expect_status = 1;
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL);
    s.expect_status[0] = 204;
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_OK);
    assert_non_null(s.compiled);
    s.max_redirects = 21;
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL);
    sp_probe_spec_free(&s);
    sp_probe_spec_init(&s);
    assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL); /* no target */
}

static void finish_regex(const char *regex, const char *header, sp_status want, const char *needle)
{
    char err[256] = "";
    sp_probe_spec s = parse_ok("http://localhost/");
    s.expect_regex = regex ? strdup(regex) : NULL;
    s.expect_header = header ? strdup(header) : NULL;
    sp_status st = sp_probe_spec_finish(&s, err, sizeof err);
    if (st != want || (needle && !strstr(err, needle)))
        fail_msg("regex '%s' header '%s': status %d '%s', expected %d '%s'", regex ? regex : "",
                 header ? header : "", st, err, want, needle ? needle : "");
    sp_probe_spec_free(&s);
}

/* glibc's regcomp copies a repeated atom ("a{0,32767}": 3 GB, 22 chained
 * '+': 2.6 GB; fuzz_config), and '+' mixed with '?' seven deep take it
 * minutes (fuzz_regex). Such regexes are refused before regcomp sees
 * them; real ones are not. */
static void test_regex_size(void **state)
{
    (void)state;
    static const char *const big[] = {
        "a{0,32767}",      "a{,32767}",          "a{1001}",
        "x{3,}{400}",      "(a{1,1000}){1,100}", "((a{1,100}){1,100}){1,10}",
        "(ab){600}",       "[a-z]{2000}",        "([[:alpha:]]|x){501}",
        "(((a?)?)?){200}", "a{1,3000\\0}", /* glibc reads this as {1,3000}: 7 GB (fuzz_regex) */
        "a{1,300\\00}",                    /* and this as {1,30000} */
        "a{\\0,31000}",
    };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        finish_regex(big[i], NULL, SP_EINVAL, "too "); /* large, or slow when nested */
    finish_regex(NULL, "X-Health: a{0,32767}", SP_EINVAL, "header regex");
    static const char *const deep[] = {
        "a++++++++++++++++++++++",
        "^ok( S0-WWWWWWWWYYYYYYYY++++++++++++++++++++++++++++++++++++++++++++9+++++2+YYYY",
        "a+?????++++++++",
        "b+^a+??++++",
        "b+^((((((a+)?)?)+)+)+)+",
        "((((a*?)*?)*?)*?)*",
        "a+++++",
        "((a?){1,14}){5,}",
        "111{,}1{,1}{1,61}{13,}",
        "((a?){1,10}){5,}",
        "((a*?)*?)",
        "b+^((a+)?)+",
    };
    for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++)
        finish_regex(deep[i], NULL, SP_EINVAL, "times over");
    static const char *const fine[] = {
        "^ok( [0-9]{1,5})?$",
        "[[:alpha:]]{1,100}",
        "(a|b)+c*",
        "\\{5000\\}",
        "a{1000}",
        "[]{}]{2}x{,3}",
        ".*?x.*?y.*?z",
        "(a?){499}",
        "(\\d+)?",
        "((ab)+c)?",
        "\"status\":\"ok\"",
        "^(GET|POST) /[^ ]{0,200}$",
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        finish_regex(fine[i], NULL, SP_OK, NULL);
    finish_regex(NULL, "Content-Type: ^text/(html|plain)", SP_OK, NULL);
}

static void test_tls_forms(void **state)
{
    (void)state;
    sp_probe_spec s;
    char err[256];
    sp_probe_spec_init(&s);
    assert_int_equal(sp_probe_spec_set_target(&s, "tls://example.com:443", err, sizeof err), SP_OK);
    assert_int_equal(s.kind, SP_PROBE_TLS);
    assert_string_equal(s.host, "example.com");
    assert_int_equal(s.port, 443);
    assert_null(s.url);
    assert_int_equal(sp_probe_spec_set_target(&s, "tls://[::1]:8443", err, sizeof err), SP_OK);
    assert_string_equal(s.host, "::1");
    assert_int_equal(s.port, 8443);
    assert_int_equal(sp_probe_spec_set_target(&s, "tls://nohost", err, sizeof err), SP_EPARSE);
    /* --tls: https URLs keep their URL (the path asked for HSTS) */
    assert_int_equal(sp_probe_spec_set_target(&s, "https://Example.com/x?y=1", err, sizeof err),
                     SP_OK);
    assert_int_equal(sp_probe_spec_set_tls(&s, err, sizeof err), SP_OK);
    assert_int_equal(s.kind, SP_PROBE_TLS);
    assert_non_null(strstr(s.url, "/x?y=1"));
    assert_int_equal(s.port, 443);
    assert_int_equal(sp_probe_spec_set_target(&s, "example.com:993", err, sizeof err), SP_OK);
    assert_int_equal(sp_probe_spec_set_tls(&s, err, sizeof err), SP_OK);
    assert_int_equal(s.kind, SP_PROBE_TLS);
    assert_int_equal(sp_probe_spec_set_target(&s, "http://example.com/", err, sizeof err), SP_OK);
    assert_int_equal(sp_probe_spec_set_tls(&s, err, sizeof err), SP_EINVAL);
    assert_non_null(strstr(err, "no TLS to check"));
    assert_int_equal(sp_probe_spec_set_target(&s, "dns://example.com", err, sizeof err), SP_OK);
    assert_int_equal(sp_probe_spec_set_tls(&s, err, sizeof err), SP_EINVAL);
    sp_probe_spec_free(&s);
}

static void test_names(void **state)
{
    (void)state;
    sp_dns_type t;
    assert_true(sp_dns_type_parse("aaaa", &t));
    assert_int_equal(t, SP_DNS_AAAA);
    assert_false(sp_dns_type_parse("SRV", &t));
    assert_string_equal(sp_dns_type_name(SP_DNS_CNAME), "CNAME");
    assert_string_equal(sp_probe_kind_name(SP_PROBE_HTTPS), "https");
    assert_string_equal(sp_probe_kind_name(SP_PROBE_TLS), "tls");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_url),   cmocka_unit_test(test_http_url_port_and_ipv6),
        cmocka_unit_test(test_tcp_forms),   cmocka_unit_test(test_dns_forms),
        cmocka_unit_test(test_bad_targets), cmocka_unit_test(test_finish_validates),
        cmocka_unit_test(test_names),       cmocka_unit_test(test_tls_forms),
        cmocka_unit_test(test_regex_size),
    };
    int rc = cmocka_run_group_tests_name("spec", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
