/*
 * Reading the HSTS facts from an HTTP response head (probe/hsts.c, pure):
 * RFC 6797 directive syntax, case, quoting, and the headers that
 * must be ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe/hsts.h"

static sp_tls_hsts parse(const char *head)
{
    sp_tls_hsts h;
    memset(&h, 0xa5, sizeof h); /* every field must be written */
    sp_probe__parse_hsts(head, &h);
    return h;
}

static void test_full_header(void **state)
{
    (void)state;
    sp_tls_hsts h =
        parse("HTTP/1.1 200 OK\r\nServer: x\r\n"
              "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload\r\n"
              "\r\n");
    assert_true(h.checked);
    assert_int_equal(h.http_status, 200);
    assert_true(h.present);
    assert_int_equal(h.max_age, 31536000);
    assert_true(h.include_subdomains);
    assert_true(h.preload);
}

static void test_case_quotes_and_spaces(void **state)
{
    (void)state;
    sp_tls_hsts h = parse("HTTP/1.0 301 Moved\r\n"
                          "strict-transport-security:max-age=\"600\" ;INCLUDESUBDOMAINS\r\n\r\n");
    assert_int_equal(h.http_status, 301);
    assert_true(h.present);
    assert_int_equal(h.max_age, 600);
    assert_true(h.include_subdomains);
    assert_false(h.preload);
}

static void test_absent_and_unusable(void **state)
{
    (void)state;
    sp_tls_hsts h = parse("HTTP/1.1 200 OK\r\nX-Strict-Transport-Security: max-age=5\r\n\r\n");
    assert_true(h.checked);
    assert_false(h.present);
    assert_false(h.include_subdomains);
    /* no max-age: ignored, flags too; a later usable header counts */
    h = parse("HTTP/1.1 200 OK\r\nStrict-Transport-Security: includeSubDomains; preload\r\n"
              "Strict-Transport-Security: max-age=0\r\n\r\n");
    assert_true(h.present);
    assert_int_equal(h.max_age, 0);
    assert_false(h.include_subdomains);
    assert_false(h.preload);
    h = parse("HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=abc\r\n\r\n");
    assert_false(h.present);
    /* not HTTP at all */
    h = parse("");
    assert_false(h.checked);
    assert_false(h.present);
    assert_int_equal(h.http_status, 0);
    h = parse("SSH-2.0-OpenSSH\r\n");
    assert_false(h.checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_header),
        cmocka_unit_test(test_case_quotes_and_spaces),
        cmocka_unit_test(test_absent_and_unusable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
