/*
 * sp_evidence_tsa_verify (evidence/tsa.c), the part of the time-stamping
 * client that needs no network: tokens are made here, in process, by
 * OpenSSL's own TSA code (TS_RESP_CTX) with a throwaway self-signed TSA
 * certificate (EKU critical,timeStamping), then checked: the right digest
 * verifies; another digest, another CA and a SHA-1 imprint do not, each
 * with its reason; every truncation of a token is refused as not a token,
 * and every one-byte change gives a reason or OK, never a crash (the ASan
 * build runs this too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "evidence/tsa.h"

typedef struct tsa {
    EVP_PKEY *key;
    X509 *cert;
    char ca_file[64];
} tsa;

/* A self-signed certificate; with_eku: extendedKeyUsage critical,
 * timeStamping, as RFC 3161 wants of a TSA. */
static void make_tsa(tsa *t, bool with_eku)
{
    t->key = EVP_EC_gen("P-256");
    assert_non_null(t->key);
    X509 *c = X509_new();
    assert_non_null(c);
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit TSA", -1, -1, 0);
    X509_set_issuer_name(c, n);
    X509_set_pubkey(c, t->key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, c, c, NULL, NULL, 0);
    X509_EXTENSION *ext;
    if (with_eku) {
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, "critical,timeStamping");
        assert_non_null(ext);
        X509_add_ext(c, ext, -1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(c, t->key, EVP_sha256()) > 0);
    t->cert = c;
    snprintf(t->ca_file, sizeof t->ca_file, "/tmp/test_tsa_ca.XXXXXX");
    int fd = mkstemp(t->ca_file);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, c) == 1);
    fclose(f);
}

static void free_tsa(tsa *t)
{
    unlink(t->ca_file);
    X509_free(t->cert);
    EVP_PKEY_free(t->key);
}

/* A token over digest (32 bytes for SHA-256, 20 for SHA-1), DER. */
static unsigned char *make_token(tsa *t, const EVP_MD *md, const unsigned char *digest, int *len)
{
    TS_REQ *rq = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL);
    TS_MSG_IMPRINT_set_algo(mi, alg);
    TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, EVP_MD_get_size(md));
    TS_REQ_set_version(rq, 1);
    TS_REQ_set_msg_imprint(rq, mi);
    TS_REQ_set_cert_req(rq, 1);
    unsigned char *der = NULL;
    int der_len = i2d_TS_REQ(rq, &der);
    assert_true(der_len > 0);
    BIO *b = BIO_new_mem_buf(der, der_len);

    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, t->cert), 1);
    assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, t->key), 1);
    ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4", 1);
    assert_int_equal(TS_RESP_CTX_set_def_policy(ctx, policy), 1); /* copies it */
    ASN1_OBJECT_free(policy);
    TS_RESP_CTX_add_md(ctx, md);
    TS_RESP *resp = TS_RESP_create_response(ctx, b);
    assert_non_null(resp);
    assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))),
                     0);
    unsigned char *tok = NULL;
    *len = i2d_PKCS7(TS_RESP_get_token(resp), &tok);
    assert_true(*len > 0);
    TS_RESP_free(resp);
    TS_RESP_CTX_free(ctx);
    BIO_free(b);
    OPENSSL_free(der);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(rq);
    return tok;
}

static const unsigned char D1[32] = "0123456789abcdef0123456789abcde";
static const unsigned char D2[32] = "0123456789abcdef0123456789abcdX";

static void test_verify_good_and_other_digest(void **state)
{
    (void)state;
    tsa t;
    make_tsa(&t, true);
    int len;
    unsigned char *tok = make_token(&t, EVP_sha256(), D1, &len);
    char err[256] = "";
    assert_int_equal(sp_evidence_tsa_verify(tok, (size_t)len, D1, t.ca_file, err, sizeof err),
                     SP_OK);
    assert_int_equal(sp_evidence_tsa_verify(tok, (size_t)len, D2, t.ca_file, err, sizeof err),
                     SP_ETLS);
    assert_string_equal(err, "bad imprint: the token is for another digest");
    OPENSSL_free(tok);
    free_tsa(&t);
}

static void test_verify_other_ca(void **state)
{
    (void)state;
    tsa t, other;
    make_tsa(&t, true);
    make_tsa(&other, true);
    int len;
    unsigned char *tok = make_token(&t, EVP_sha256(), D1, &len);
    char err[256] = "";
    assert_int_equal(sp_evidence_tsa_verify(tok, (size_t)len, D1, other.ca_file, err, sizeof err),
                     SP_ETLS);
    assert_non_null(strstr(err, "untrusted signer: "));
    OPENSSL_free(tok);
    free_tsa(&t);
    free_tsa(&other);
}

static void test_verify_sha1_imprint(void **state)
{
    (void)state;
    tsa t;
    make_tsa(&t, true);
    int len;
    /* The first 20 bytes of D1 as a SHA-1 "digest": the bytes alone would
     * match a digest starting so; the algorithm must be checked too. */
    unsigned char *tok = make_token(&t, EVP_sha1(), D1, &len);
    char err[256] = "";
    assert_int_equal(sp_evidence_tsa_verify(tok, (size_t)len, D1, t.ca_file, err, sizeof err),
                     SP_ETLS);
    assert_string_equal(err, "bad imprint: the token's digest is not SHA-256");
    OPENSSL_free(tok);
    free_tsa(&t);
}

static void test_verify_hostile_bytes(void **state)
{
    (void)state;
    tsa t;
    make_tsa(&t, true);
    int len;
    unsigned char *tok = make_token(&t, EVP_sha256(), D1, &len);
    char err[256];
    assert_int_equal(sp_evidence_tsa_verify(NULL, 0, D1, t.ca_file, err, sizeof err), SP_EPARSE);
    assert_int_equal(sp_evidence_tsa_verify(tok, 0, D1, t.ca_file, err, sizeof err), SP_EPARSE);
    assert_int_equal(sp_evidence_tsa_verify(tok, (size_t)len, D1, "/nonexistent", err, sizeof err),
                     SP_EINVAL);
    assert_non_null(strstr(err, "/nonexistent"));
    for (int cut = 1; cut < len; cut++) {
        sp_status st = sp_evidence_tsa_verify(tok, (size_t)cut, D1, t.ca_file, err, sizeof err);
        assert_int_equal(st, SP_EPARSE);
    }
    /* Where the TSTInfo (imprint, time, serial, nonce, policy) sits in the
     * token: the part the signature is about. */
    const unsigned char *p = tok;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, len);
    TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(p7);
    unsigned char *tst_der = NULL;
    int tst_len = i2d_TS_TST_INFO(tst, &tst_der);
    assert_true(tst_len > 0);
    const unsigned char *at = memmem(tok, (size_t)len, tst_der, (size_t)tst_len);
    assert_non_null(at);
    int tst_off = (int)(at - tok);
    OPENSSL_free(tst_der);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    /* One byte changed anywhere: an error with a reason, or OK only for a
     * byte nothing signs (CMS leaves some unsigned: SignedData's
     * digestAlgorithms, the algorithms' NULL parameters, the SignerInfo's
     * version and signatureAlgorithm OID, which OpenSSL takes from the
     * key); never inside the TSTInfo; never a crash. */
    unsigned char *bad = malloc((size_t)len);
    assert_non_null(bad);
    int ok = 0;
    for (int i = 0; i < len; i++) {
        memcpy(bad, tok, (size_t)len);
        bad[i] ^= 0x01;
        err[0] = '\0';
        sp_status st = sp_evidence_tsa_verify(bad, (size_t)len, D1, t.ca_file, err, sizeof err);
        if (st == SP_OK) {
            ok++;
            assert_false(i >= tst_off && i < tst_off + tst_len);
        } else {
            assert_true(err[0] != '\0');
        }
    }
    print_message("one-byte changes of a %d-byte token that still verify (unsigned fields): %d\n",
                  len, ok);
    free(bad);
    OPENSSL_free(tok);
    free_tsa(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_good_and_other_digest), cmocka_unit_test(test_verify_other_ca),
        cmocka_unit_test(test_verify_sha1_imprint), cmocka_unit_test(test_verify_hostile_bytes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
