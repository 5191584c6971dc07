/*
 * blackbox/: the modules file (keys taken, refused with file, line and
 * key), a module and a target made into a spec as blackbox reads targets,
 * and a probe's result in blackbox's metric names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blackbox/blackbox.h"

static char path[64];

/* Write text to a temporary file, load it; err gets the loader's message. */
static sp_status load(const char *text, sp_bb_modules **m, char *err, size_t errlen)
{
    snprintf(path, sizeof path, "/tmp/sp-bb-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    err[0] = '\0';
    sp_status st = sp_bb_modules_load(path, m, err, errlen);
    unlink(path);
    return st;
}

static void test_load_good(void **state)
{
    (void)state;
    char err[512];
    sp_bb_modules *m;
    assert_int_equal(load("modules:\n"
                          "  http_post:\n"
                          "    prober: http\n"
                          "    timeout: 2.5s\n"
                          "    http:\n"
                          "      method: POST\n"
                          "      body: '{\"a\": 1}'\n"
                          "      headers: {Content-Type: application/json, X-A: b}\n"
                          "      valid_status_codes: [200, 201]\n"
                          "      fail_if_body_matches_regexp: [\"ERROR\"]\n"
                          "      fail_if_body_not_matches_regexp: [\"ok\"]\n"
                          "      tls_config: {insecure_skip_verify: true}\n"
                          "      preferred_ip_protocol: ip6\n"
                          "      follow_redirects: false\n"
                          "  dns_mx:\n"
                          "    prober: dns\n"
                          "    dns: {query_name: example.com, query_type: MX}\n"
                          "  ping: {prober: icmp}\n",
                          &m, err, sizeof err),
                     SP_OK);
    assert_int_equal(sp_bb_modules_count(m), 3);
    const sp_bb_module *h = sp_bb_module_find(m, "http_post");
    assert_non_null(h);
    assert_int_equal(h->timeout_ms, 2500);
    assert_string_equal(h->method, "POST");
    assert_int_equal(h->n_headers, 2);
    assert_string_equal(h->headers[0], "Content-Type: application/json");
    assert_int_equal(h->n_valid_status, 2);
    assert_string_equal(h->must_not_match, "ERROR");
    assert_string_equal(h->must_match, "ok");
    assert_true(h->insecure);
    assert_true(h->no_follow);
    assert_int_equal(h->ip, SP_IP_PREFER_V6);
    const sp_bb_module *d = sp_bb_module_find(m, "dns_mx");
    assert_string_equal(d->query_name, "example.com");
    assert_int_equal(d->query_type, SP_DNS_MX);
    assert_null(sp_bb_module_find(m, "nosuch"));
    sp_bb_modules_destroy(m);
}

/* Each bad file: its message names the line and the key. */
static void test_load_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"modules:\n  a:\n    prober: grpc\n", ":3: modules.a.prober: 'grpc' is not a prober"},
        {"modules:\n  a:\n    prober: http\n    http:\n      method: BREW\n",
         ":2: modules.a: method 'BREW' is not"},
        {"modules:\n  a:\n    prober: http\n    http:\n      fail_if_ssl: true\n",
         ":5: modules.a.http.fail_if_ssl: not a key slaprobe takes"},
        {"modules:\n  a:\n    prober: http\n    http:\n"
         "      fail_if_body_matches_regexp: [a, b]\n",
         ":5: modules.a.http.fail_if_body_matches_regexp: slaprobe takes one regular expression"},
        {"modules:\n  a:\n    prober: tcp\n    http: {method: GET}\n",
         ":4: modules.a.http: is for the http prober, this module's is tcp"},
        {"modules:\n  a:\n    prober: http\n    timeout: forever\n",
         ":4: modules.a.timeout: 'forever' is not a duration"},
        {"modules:\n  a:\n    prober: dns\n", ":3: modules.a.dns.query_name: missing"},
        {"modules:\n  a:\n    prober: http\n    http:\n      headers: {Cookie: x}\n",
         ":2: modules.a: Cookie is a credential"},
        {"modules:\n  a: {prober: icmp}\n  a: {prober: tcp}\n", ":3: modules.a: given twice"},
        /* found by fuzz_bb_modules: the second regex leaked the first */
        {"modules:\n  a:\n    prober: http\n    http:\n"
         "      fail_if_body_matches_regexp: [x]\n      fail_if_body_matches_regexp: [y]\n",
         ":6: modules.a.http.fail_if_body_matches_regexp: given twice"},
        {"modules:\n  a:\n    prober: http\n    prober: tcp\n",
         ":4: modules.a.prober: given twice"},
        {"modules: [\n", ": not YAML"},
        {"mods: {}\n", ":1: mods: not a key of a modules file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512];
        sp_bb_modules *m = (sp_bb_modules *)0x1;
        sp_status st = load(cases[i].text, &m, err, sizeof err);
        if (st == SP_OK || !strstr(err, cases[i].want))
            fail_msg("case %zu: status %d, message '%s', wanted '%s'", i, st, err, cases[i].want);
        assert_null(m);
        assert_int_equal(strncmp(err, path, strlen(path)), 0); /* the file first */
    }
}

static void test_spec(void **state)
{
    (void)state;
    sp_bb_modules *m;
    assert_int_equal(sp_bb_modules_default(&m), SP_OK);
    char err[300], *srv;
    sp_probe_spec s;
    /* http: a bare target gets http://; blackbox's 2xx only; the scrape's
     * timeout */
    assert_int_equal(sp_bb_spec(sp_bb_module_find(m, "http_2xx"), "127.0.0.1:8080/health", 4500, &s,
                                &srv, err, sizeof err),
                     SP_OK);
    assert_string_equal(s.target, "http://127.0.0.1:8080/health");
    assert_true(s.only_2xx);
    assert_int_equal(s.timeout_ms, 4500);
    assert_null(srv);
    sp_probe_spec_free(&s);
    assert_int_equal(sp_bb_spec(sp_bb_module_find(m, "http_post_2xx"), "https://a.example/", 0, &s,
                                &srv, err, sizeof err),
                     SP_OK);
    assert_string_equal(s.method, "POST");
    assert_int_equal(s.timeout_ms, 10000);
    sp_probe_spec_free(&s);
    assert_int_equal(
        sp_bb_spec(sp_bb_module_find(m, "tcp_connect"), "db:5432", 0, &s, &srv, err, sizeof err),
        SP_OK);
    assert_int_equal(s.kind, SP_PROBE_TCP);
    assert_int_equal(s.port, 5432);
    sp_probe_spec_free(&s);
    assert_int_equal(sp_bb_spec(sp_bb_module_find(m, "icmp"), "::1", 0, &s, &srv, err, sizeof err),
                     SP_OK);
    assert_int_equal(s.kind, SP_PROBE_ICMP);
    assert_string_equal(s.host, "::1");
    sp_probe_spec_free(&s);
    assert_int_not_equal(
        sp_bb_spec(sp_bb_module_find(m, "tcp_connect"), "no-port", 0, &s, &srv, err, sizeof err),
        SP_OK);
    sp_probe_spec_free(&s);
    assert_int_not_equal(
        sp_bb_spec(sp_bb_module_find(m, "http_2xx"), "ftp://x/", 0, &s, &srv, err, sizeof err),
        SP_OK);
    sp_probe_spec_free(&s);
    sp_bb_modules_destroy(m);

    /* dns: the target is the server; the module's timeout when shorter */
    char e2[512];
    assert_int_equal(load("modules:\n  d:\n    prober: dns\n    timeout: 2s\n"
                          "    dns: {query_name: example.com, query_type: TXT}\n",
                          &m, e2, sizeof e2),
                     SP_OK);
    assert_int_equal(
        sp_bb_spec(sp_bb_module_find(m, "d"), "127.0.0.1:5353", 9000, &s, &srv, err, sizeof err),
        SP_OK);
    assert_string_equal(srv, "127.0.0.1:5353");
    assert_int_equal(s.kind, SP_PROBE_DNS);
    assert_int_equal(s.dns_type, SP_DNS_TXT);
    assert_int_equal(s.timeout_ms, 2000);
    free(srv);
    sp_probe_spec_free(&s);
    assert_int_equal(sp_bb_spec(sp_bb_module_find(m, "d"), "::1", 0, &s, &srv, err, sizeof err),
                     SP_OK);
    assert_string_equal(srv, "[::1]:53");
    free(srv);
    sp_probe_spec_free(&s);
    assert_int_not_equal(
        sp_bb_spec(sp_bb_module_find(m, "d"), "resolver.example", 0, &s, &srv, err, sizeof err),
        SP_OK);
    assert_non_null(strstr(err, "the server's address"));
    sp_probe_spec_free(&s);
    sp_bb_modules_destroy(m);
}

static void test_render(void **state)
{
    (void)state;
    sp_bb_modules *m;
    assert_int_equal(sp_bb_modules_default(&m), SP_OK);
    sp_probe_result r = {.ok = true,
                         .reason = SP_REASON_OK,
                         .address = "127.0.0.1",
                         .http_status = 200,
                         .http_version = "1.1",
                         .bytes = 42,
                         .dns_ms = 1,
                         .connect_ms = 2,
                         .tls_ms = 3,
                         .ttfb_ms = 4,
                         .total_ms = 15};
    r.tls.present = r.tls.has_cert = true;
    strcpy(r.tls.version, "TLSv1.3");
    strcpy(r.tls.not_after, "2027-01-01T00:00:00Z");
    char *t = sp_bb_render(sp_bb_module_find(m, "http_2xx"), &r, NULL);
    static const char *const want[] = {
        "\nprobe_success 1\n",
        "\nprobe_duration_seconds 0.015\n",
        "\nprobe_dns_lookup_time_seconds 0.001\n",
        "\nprobe_http_status_code 200\n",
        "\nprobe_http_version 1.1\n",
        "\nprobe_http_ssl 1\n",
        "\nprobe_http_content_length 42\n",
        "\nprobe_http_duration_seconds{phase=\"resolve\"} 0.001\n",
        "\nprobe_http_duration_seconds{phase=\"processing\"} 0.004\n",
        "\nprobe_http_duration_seconds{phase=\"transfer\"} 0.005\n",
        "\nprobe_ssl_earliest_cert_expiry 1798761600\n",
        "\nprobe_tls_version_info{version=\"TLS 1.3\"} 1\n",
        "\nprobe_ip_addr_hash 3668918509\n", /* blackbox's FNV-1a of 127.0.0.1 */
        "\nprobe_ip_protocol 4\n",
        "\nslaprobe_probe_reason_info{reason=\"ok\"} 1\n",
        "# TYPE probe_success gauge\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(t, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], t);
    free(t);
    /* a failure: its reason; an icmp module's own phases */
    sp_probe_result f = {.reason = SP_REASON_ICMP_TIMEOUT,
                         .address = "::1",
                         .dns_ms = SP_MS_ABSENT,
                         .connect_ms = SP_MS_ABSENT,
                         .total_ms = 1000};
    t = sp_bb_render(sp_bb_module_find(m, "icmp"), &f, NULL);
    assert_non_null(strstr(t, "\nprobe_success 0\n"));
    assert_non_null(strstr(t, "\nprobe_ip_protocol 6\n"));
    assert_non_null(strstr(t, "\nprobe_icmp_duration_seconds{phase=\"rtt\"} 0\n"));
    assert_non_null(strstr(t, "slaprobe_probe_reason_info{reason=\"icmp_timeout\"} 1"));
    assert_null(strstr(t, "probe_http_"));
    free(t);
    sp_bb_modules_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bad),
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
