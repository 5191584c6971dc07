/*
 * The client settings both TLS kinds handshake with (probe/cert.c,
 * sp_probe__browser_ctx): TLS 1.0 and up, OpenSSL's DEFAULT list at
 * security level 0. The list is only set when a new SSL_CTX does not
 * already have it; run a second time (tests/CMakeLists.txt) with an
 * OPENSSL_CONF whose system_default sets another CipherString, where
 * SP_TEST_SYSTEM_CIPHERS=1 says a new context must then differ, and the
 * settings must still be the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/ssl.h>

#include "probe/cert.h"

/* The context's cipher names joined with ':' into buf. */
static void cipher_names(const SSL_CTX *ctx, char *buf, size_t n)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
        int w =
            snprintf(buf + len, n - len, "%s:", SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)));
        assert_true(w > 0 && (size_t)w < n - len);
        len += (size_t)w;
    }
}

static void test_browser_settings(void **state)
{
    (void)state;
    static char want[16384], fresh[16384], got[16384];
    SSL_CTX *ref = SSL_CTX_new(TLS_client_method());
    assert_non_null(ref);
    assert_int_equal(SSL_CTX_set_cipher_list(ref, "DEFAULT:@SECLEVEL=0"), 1);
    cipher_names(ref, want, sizeof want);
    assert_non_null(strstr(want, "ECDHE-ECDSA-AES128-GCM-SHA256:"));

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    cipher_names(ctx, fresh, sizeof fresh);
    const char *sys = getenv("SP_TEST_SYSTEM_CIPHERS");
    if (sys && strcmp(sys, "1") == 0)
        assert_string_not_equal(fresh, want); /* the configuration took effect */
    else
        assert_string_equal(fresh, want);

    assert_true(sp_probe__browser_ctx(ctx));
    cipher_names(ctx, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(SSL_CTX_get_security_level(ctx), 0);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_VERSION);
    assert_int_equal(SSL_CTX_get_max_proto_version(ctx), 0);

    /* and again: the first call's finding is kept, not asked anew */
    SSL_CTX *again = SSL_CTX_new(TLS_client_method());
    assert_true(sp_probe__browser_ctx(again));
    cipher_names(again, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(SSL_CTX_get_security_level(again), 0);

    SSL_CTX_free(again);
    SSL_CTX_free(ctx);
    SSL_CTX_free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_browser_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
