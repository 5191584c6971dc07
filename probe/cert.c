/*
 * Certificate facts: what slaprobe reports about a server's certificate,
 * computed in one place for both kinds that see one (cert.h). The https
 * kind takes expiry and host match in OpenSSL's verify callback, during
 * curl's handshake; the tls kind takes everything after its default
 * handshake, and verifies the chain itself (at security level 1, every
 * error collected: kind_tls.c says why).
 */
#include "cert.h"
#include "engine_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "common/sp_time.h"

/* --- The leaf ------------------------------------------------------------- */

/* An ASN1 time as ISO text; buf untouched when OpenSSL cannot read it. */
static void iso_time(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    if (t && ASN1_TIME_to_tm(t, &tm))
        sp_time_iso_tm(&tm, buf, n);
}

void sp_probe__cert_validity(const X509 *leaf, int *days_left, char *not_after, size_t n)
{
    const ASN1_TIME *na = X509_get0_notAfter(leaf);
    int days = 0, secs = 0;
    if (na && ASN1_TIME_diff(&days, &secs, NULL, na)) {
        /* days and secs share a sign; floor, so that an hour past expiry
         * is -1 and an hour before it is 0 */
        *days_left = secs < 0 ? days - 1 : days;
    }
    iso_time(na, not_after, n);
}

bool sp_probe__cert_host_match(X509 *leaf, const char *host)
{
    if (sp_probe__ip_literal(host, NULL))
        return X509_check_ip_asc(leaf, host, 0) == 1;
    return X509_check_host(leaf, host, 0, 0, NULL) == 1;
}

static void name_str(const X509_NAME *nm, char *buf, size_t n)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int len = BIO_read(b, buf, (int)n - 1);
        buf[len > 0 ? len : 0] = '\0';
    }
    BIO_free(b);
}

static bool signed_with_sha1(const X509 *x)
{
    int mdnid = NID_undef;
    return X509_get_signature_info((X509 *)x, &mdnid, NULL, NULL, NULL) && mdnid == NID_sha1;
}

/* "MD5", "MD4", "MD2" for a signature with one of those digests, else
 * NULL. Read from the signature algorithm's OID, so that it works even
 * where this OpenSSL could not compute such a digest any more. */
static const char *weak_digest_of(const X509 *x)
{
    int mdnid = NID_undef, pknid = NID_undef;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &mdnid, &pknid))
        return NULL;
    switch (mdnid) {
    case NID_md5:
    case NID_md5_sha1:
        return "MD5";
    case NID_md4:
        return "MD4";
    case NID_md2:
        return "MD2";
    default:
        return NULL;
    }
}

/* Weakest first, so that the name kept is the worst one seen. */
static void note_weak_digest(sp_tls_cert_facts *c, const char *dg)
{
    static const char *const order[] = {"MD2", "MD4", "MD5"};
    int rank_new = 3, rank_old = 3;
    for (int i = 0; i < 3; i++) {
        if (strcmp(dg, order[i]) == 0)
            rank_new = i;
        if (strcmp(c->weak_digest, order[i]) == 0)
            rank_old = i;
    }
    if (rank_new < rank_old)
        snprintf(c->weak_digest, sizeof c->weak_digest, "%s", dg);
}

/* Whether the certificate names anything in subjectAltName a client can
 * match (DNS or IP): without, only the CN is left, which browsers ignore. */
static bool has_san(const X509 *x)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS || g->type == GEN_IPADD)
            found = true;
    }
    GENERAL_NAMES_free(gens);
    return found;
}

static const char *key_type(const EVP_PKEY *pk)
{
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    case EVP_PKEY_DSA:
        return "DSA";
    default:
        return "other";
    }
}

static void leaf_facts(sp_tls_cert_facts *c, X509 *leaf, const char *host)
{
    c->present = true;
    name_str(X509_get_subject_name(leaf), c->subject, sizeof c->subject);
    name_str(X509_get_issuer_name(leaf), c->issuer, sizeof c->issuer);
    iso_time(X509_get0_notBefore(leaf), c->not_before, sizeof c->not_before);
    sp_probe__cert_validity(leaf, &c->days_left, c->not_after, sizeof c->not_after);
    EVP_PKEY *pk = X509_get0_pubkey(leaf);
    if (pk) {
        snprintf(c->key_type, sizeof c->key_type, "%s", key_type(pk));
        c->key_bits = EVP_PKEY_get_bits(pk);
    }
    snprintf(c->sig_alg, sizeof c->sig_alg, "%s", OBJ_nid2ln(X509_get_signature_nid(leaf)));
    c->sha1_leaf = signed_with_sha1(leaf);
    const char *dg = weak_digest_of(leaf);
    if (dg) {
        c->weak_digest_leaf = true;
        note_weak_digest(c, dg);
    }
    c->no_san = !has_san(leaf);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (X509_digest(leaf, EVP_sha256(), md, &mdlen))
        for (unsigned int i = 0; i < mdlen && 2 * i + 2 < sizeof c->fingerprint_sha256; i++)
            snprintf(c->fingerprint_sha256 + 2 * i, 3, "%02x", md[i]);
    c->hostname_match = sp_probe__cert_host_match(leaf, host);
}

/* --- The chain ------------------------------------------------------------ */

/* Watches the verification, never changes its course (returns 1), so every
 * error of the chain is seen, not only the first. */
static int verify_collect(int ok, X509_STORE_CTX *x)
{
    sp_tls_cert_facts *c = X509_STORE_CTX_get_app_data(x);
    if (ok || !c)
        return 1;
    int err = X509_STORE_CTX_get_error(x);
    if (c->verify_error == 0) {
        c->verify_error = err;
        snprintf(c->verify_error_text, sizeof c->verify_error_text, "%s",
                 X509_verify_cert_error_string(err));
    }
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
        /* the chain stops here: name whom the server should have sent
         * (testssl.sh's "chain incomplete") */
        X509 *cur = X509_STORE_CTX_get_current_cert(x);
        c->chain_incomplete = true;
        if (cur && !c->missing_issuer[0])
            name_str(X509_get_issuer_name(cur), c->missing_issuer, sizeof c->missing_issuer);
        break;
    }
    case X509_V_ERR_CERT_HAS_EXPIRED:
        c->expired = true;
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        c->not_yet_valid = true;
        break;
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        /* what OpenSSL goes on to say about a leaf whose issuer is missing */
        if (!c->chain_incomplete)
            c->untrusted = true;
        break;
    case X509_V_ERR_CA_MD_TOO_WEAK:   /* SHA-1, MD5: their own findings */
    case X509_V_ERR_EE_KEY_TOO_SMALL: /* key size: its own finding */
    case X509_V_ERR_CA_KEY_TOO_SMALL:
        break;
    default:
        c->untrusted = true;
    }
    return 1;
}

/* Verify the chain the server sent; returns the issuer of the leaf (new
 * reference) for OCSP, or NULL. */
static X509 *verify_chain(sp_tls_cert_facts *c, X509_STORE *store, X509 *leaf,
                          STACK_OF(X509) * peer)
{
    X509 *issuer = NULL;
    X509_STORE_CTX *vx = X509_STORE_CTX_new();
    if (!vx || !X509_STORE_CTX_init(vx, store, leaf, peer)) {
        c->untrusted = true;
        c->verify_error = X509_V_ERR_UNSPECIFIED;
        goto out;
    }
    X509_STORE_CTX_set_default(vx, "ssl_server");
    /* Level 1 (80 bits): what still verifies in a browser (kind_tls.c). */
    X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(vx), 1);
    X509_STORE_CTX_set_app_data(vx, c);
    X509_STORE_CTX_set_verify_cb(vx, verify_collect);
    int rc = X509_verify_cert(vx);
    c->chain_valid = rc == 1 && c->verify_error == 0;
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(vx);
    if (built && sk_X509_num(built) > 1) {
        issuer = sk_X509_value(built, 1);
        X509_up_ref(issuer);
    }
out:
    X509_STORE_CTX_free(vx);
    ERR_clear_error();
    return issuer;
}

static void intermediates(sp_tls_cert_facts *c, STACK_OF(X509) * peer)
{
    /* peer[0] is the leaf on the client side; a self-signed root the server
     * sends along is never checked by its signature, so it does not count */
    for (int i = 1; i < sk_X509_num(peer); i++) {
        X509 *x = sk_X509_value(peer, i);
        if (!(X509_get_extension_flags(x) & EXFLAG_SS)) {
            if (signed_with_sha1(x))
                c->sha1_intermediate = true;
            const char *dg = weak_digest_of(x);
            if (dg) {
                c->weak_digest_intermediate = true;
                note_weak_digest(c, dg);
            }
        }
        if (c->n_intermediates < SP_TLS_MAX_INTERMEDIATES) {
            char subj[256];
            name_str(X509_get_subject_name(x), subj, sizeof subj);
            snprintf(c->intermediates[c->n_intermediates].subject,
                     sizeof c->intermediates[0].subject, "%.127s", subj);
            snprintf(c->intermediates[c->n_intermediates].sig_alg,
                     sizeof c->intermediates[0].sig_alg, "%s",
                     OBJ_nid2ln(X509_get_signature_nid(x)));
            c->n_intermediates++;
        }
    }
}

X509 *sp_probe__cert_facts(sp_tls_cert_facts *c, X509 *leaf, STACK_OF(X509) * peer,
                           X509_STORE *store, const char *host)
{
    leaf_facts(c, leaf, host);
    X509 *issuer = verify_chain(c, store, leaf, peer);
    if (peer)
        intermediates(c, peer);
    return issuer;
}

/* --- Stapled OCSP ----------------------------------------------------------- */

sp_ocsp_state sp_probe__cert_ocsp(const unsigned char *der, long len, X509_STORE *store, X509 *leaf,
                                  X509 *issuer, STACK_OF(X509) * peer)
{
    sp_ocsp_state st = SP_OCSP_INVALID;
    OCSP_RESPONSE *resp = NULL;
    OCSP_BASICRESP *bs = NULL;
    OCSP_CERTID *id = NULL;
    if (len <= 0 || !der)
        return SP_OCSP_NONE;
    resp = d2i_OCSP_RESPONSE(NULL, &der, len);
    if (!resp || OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        goto out;
    if (!(bs = OCSP_response_get1_basic(resp)) || OCSP_basic_verify(bs, peer, store, 0) <= 0)
        goto out;
    if (!issuer || !(id = OCSP_cert_to_id(NULL, leaf, issuer)))
        goto out;
    int status = -1, reason = 0;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd))
        goto out;
    /* 5 minutes of clock skew either way, no age limit beyond nextUpdate */
    if (!OCSP_check_validity(thisupd, nextupd, 300, -1))
        goto out;
    st = status == V_OCSP_CERTSTATUS_GOOD      ? SP_OCSP_GOOD
         : status == V_OCSP_CERTSTATUS_REVOKED ? SP_OCSP_REVOKED
                                               : SP_OCSP_UNKNOWN;
out:
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    return st;
}

/* --- The handshake a browser-class client makes ---------------------------- */

#define BROWSER_CIPHERS "DEFAULT:@SECLEVEL=0"

static bool same_ciphers(const SSL_CTX *a, const SSL_CTX *b)
{
    STACK_OF(SSL_CIPHER) *x = SSL_CTX_get_ciphers(a), *y = SSL_CTX_get_ciphers(b);
    if (!x || !y || sk_SSL_CIPHER_num(x) != sk_SSL_CIPHER_num(y))
        return false;
    for (int i = 0; i < sk_SSL_CIPHER_num(x); i++)
        if (SSL_CIPHER_get_id(sk_SSL_CIPHER_value(x, i)) !=
            SSL_CIPHER_get_id(sk_SSL_CIPHER_value(y, i)))
            return false;
    return true;
}

/* Whether a new SSL_CTX already has BROWSER_CIPHERS' list, as it has
 * unless the system's OpenSSL configuration sets a CipherString: then
 * setting it again on every context (12 us, 2 % of an https probe, which
 * makes a context per connection) can be skipped. Asked once per process. */
static bool default_is_browser;
static void check_default_ciphers(void)
{
    SSL_CTX *a = SSL_CTX_new(TLS_client_method()), *b = SSL_CTX_new(TLS_client_method());
    default_is_browser = a && b && SSL_CTX_set_cipher_list(b, BROWSER_CIPHERS) &&
                         same_ciphers(a, b);
    SSL_CTX_free(a);
    SSL_CTX_free(b);
    ERR_clear_error();
}

bool sp_probe__browser_ctx(SSL_CTX *ctx)
{
    static uv_once_t once = UV_ONCE_INIT; /* whichever thread runs a loop */
    uv_once(&once, check_default_ciphers);
    /* Level 0 and TLS 1.0 on our side: the handshake must complete with
     * whatever the server offers so that the facts can be judged by
     * sp_probe_tls_availability(), the same for check and check --tls;
     * refusing here would leave only OpenSSL's words for what is wrong. */
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, 0) ||
        (!default_is_browser && !SSL_CTX_set_cipher_list(ctx, BROWSER_CIPHERS))) {
        ERR_clear_error();
        return false;
    }
    /* what BROWSER_CIPHERS' @SECLEVEL=0 sets, also when it was skipped */
    SSL_CTX_set_security_level(ctx, 0);
    /* OpenSSL's 100 KiB default is a library default, not a browser's
     * limit: a certificate with 10,000 names is 423 KB and loads in every
     * browser (issue 15). 1 MiB still bounds what a server can make us
     * buffer. */
    SSL_CTX_set_max_cert_list(ctx, SP_TLS_MAX_CERT_LIST);
    SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp);
    return true;
}

static bool cipher_has_fs(const SSL *ssl)
{
    if (SSL_version(ssl) >= TLS1_3_VERSION)
        return true; /* every TLS 1.3 key exchange is ephemeral */
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    int kx = c ? SSL_CIPHER_get_kx_nid(c) : NID_undef;
    return kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;
}

void sp_probe__kex_facts(SSL *ssl, sp_tls_kex *k)
{
    memset(k, 0, sizeof *k);
    EVP_PKEY *tmp = NULL;
    if (!SSL_get_peer_tmp_key(ssl, &tmp) || !tmp) {
        const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
        if (c && SSL_CIPHER_get_kx_nid(c) == NID_kx_rsa)
            snprintf(k->type, sizeof k->type, "RSA");
        ERR_clear_error();
        return;
    }
    int id = EVP_PKEY_get_base_id(tmp);
    k->bits = EVP_PKEY_get_bits(tmp);
    size_t len = 0;
    if (id == EVP_PKEY_DH || id == EVP_PKEY_DHX) {
        snprintf(k->type, sizeof k->type, "DHE");
        /* a named group (RFC 7919) has a name; a server's own prime none */
        if (!EVP_PKEY_get_group_name(tmp, k->group, sizeof k->group, &len))
            k->group[0] = '\0';
    } else {
        snprintf(k->type, sizeof k->type, "ECDHE");
        if (id == EVP_PKEY_X25519)
            snprintf(k->group, sizeof k->group, "X25519");
        else if (id == EVP_PKEY_X448)
            snprintf(k->group, sizeof k->group, "X448");
        else if (!EVP_PKEY_get_group_name(tmp, k->group, sizeof k->group, &len))
            k->group[0] = '\0';
    }
    EVP_PKEY_free(tmp);
    ERR_clear_error();
}

const char *sp_probe__tls_version_name(const SSL *ssl)
{
    const char *v = SSL_get_version(ssl);
    return strcmp(v, "TLSv1") == 0 ? "TLSv1.0" : v;
}

void sp_probe__handshake_facts(sp_tls_posture *ps, SSL *ssl, X509_STORE *store, const char *host)
{
    ps->handshake_ok = true;
    ps->fail = SP_TLS_FAIL_NONE;
    snprintf(ps->version, sizeof ps->version, "%s", sp_probe__tls_version_name(ssl));
    const SSL_CIPHER *ci = SSL_get_current_cipher(ssl);
    snprintf(ps->cipher, sizeof ps->cipher, "%s", ci ? SSL_CIPHER_get_name(ci) : "");
    ps->forward_secrecy = cipher_has_fs(ssl);
    sp_probe__kex_facts(ssl, &ps->kex);

    X509 *leaf = SSL_get0_peer_certificate(ssl);
    STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl);
    if (leaf) {
        X509 *issuer = sp_probe__cert_facts(&ps->cert, leaf, peer, store, host);
        const unsigned char *der = NULL;
        long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
        ps->ocsp = sp_probe__cert_ocsp(der, len, store, leaf, issuer, peer);
        X509_free(issuer);
    }
}

void sp_probe__handshake_fail(sp_tls_posture *ps, unsigned long err, const char *fallback)
{
    ps->handshake_ok = false;
    int lib = err ? ERR_GET_LIB(err) : 0, reason = err ? ERR_GET_REASON(err) : 0;
    if (lib == ERR_LIB_SSL && reason == SSL_R_EXCESSIVE_MESSAGE_SIZE)
        ps->fail = SP_TLS_FAIL_CERT_LIST_MAX;
    else if (ps->client_cert_requested && !ps->client_cert_sent)
        ps->fail = SP_TLS_FAIL_CLIENT_CERT;
    else
        ps->fail = SP_TLS_FAIL_HANDSHAKE;
    const char *why = err ? ERR_reason_error_string(err) : NULL;
    snprintf(ps->fail_detail, sizeof ps->fail_detail, "%s",
             why ? why : (fallback ? fallback : "connection closed"));
}
