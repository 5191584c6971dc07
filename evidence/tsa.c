/*
 * evidence/tsa: the RFC 3161 client of tsa.h. One request is one libcurl
 * transfer on a multi handle of our own (common/sp_curluv.c drives it on
 * the caller's loop, beside the probes' and the alerter's): a slow or dead
 * TSA holds one socket and a 10 s timer, never the loop.
 *
 * What is trusted and why: the reply comes from the network, so nothing in
 * it is believed before OpenSSL's TS_RESP_verify_response has checked it
 * against the request we kept (TS_REQ_to_TS_VERIFY_CTX: version, the
 * SHA-256 imprint, our nonce) and against ca_file (the signature, the
 * signer's chain, the timeStamping purpose, which for OpenSSL means an
 * extendedKeyUsage that is critical and names timeStamping alone). Only
 * then is the token (the PKCS#7 SignedData inside the reply, not the reply)
 * handed to the caller, who stores it; sp_evidence_tsa_verify checks such
 * a stored token again later, without the request.
 */
#include "tsa.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "common/sp_curluv.h"
#include "common/sp_grow.h"

/* A TimeStampResp is a status and one SignedData with the TSA's
 * certificate (and its chain, if the TSA adds it): a few KiB. Anything past
 * this limit is not a reply we want to hold. */
#define MAX_REPLY 65536
#define TIMEOUT_MS 10000

typedef struct req {
    sp_evidence_tsa *t;
    struct req *prev, *next;
    CURL *easy;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    TS_REQ *ts_req; /* kept: the reply is verified against it */
    unsigned char *query;
    int query_len;
    unsigned char *reply;
    size_t reply_len, reply_cap;
    bool too_big;
    sp_evidence_tsa_cb cb;
    void *arg;
} req;

struct sp_evidence_tsa {
    uv_loop_t *loop;
    char *url, *ca_file;
    sp_curluv *curl;
    req *reqs; /* the transfers in flight */
    bool destroying;
};

/* --- Helpers --------------------------------------------------------------- */

/* A CA file as an X509_STORE, checking at `when` (0: now). NULL and a
 * reason when it cannot be read or holds no certificate. */
static X509_STORE *load_store(const char *ca_file, time_t when, char *err, size_t errlen)
{
    X509_STORE *store = X509_STORE_new();
    if (!store) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (X509_STORE_load_file(store, ca_file) != 1) {
        snprintf(err, errlen, "cannot load CA certificates from %s", ca_file);
        X509_STORE_free(store);
        ERR_clear_error();
        return NULL;
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    if (sk_X509_OBJECT_num(objs) == 0) {
        snprintf(err, errlen, "no certificate in %s", ca_file);
        X509_STORE_free(store);
        return NULL;
    }
    if (when)
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), when);
    return store;
}

/* Copy text from the network into out, printable ASCII only: a TSA's
 * status text ends up in logs and journals. */
static void clean_text(char *out, size_t outlen, const unsigned char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < outlen; i++)
        out[j++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    if (outlen)
        out[j] = '\0';
}

/* The reason OpenSSL's TS verification left on the error queue, in words
 * (the queue is emptied). */
static void verify_reason(char *err, size_t errlen)
{
    unsigned long e, ts_e = 0, last = 0;
    const char *data = NULL, *ts_data = "";
    int flags = 0;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        last = e;
        if (ERR_GET_LIB(e) == ERR_LIB_TS && !ts_e) {
            ts_e = e;
            ts_data = (flags & ERR_TXT_STRING) && data ? data : "";
        }
    }
    char detail[160];
    clean_text(detail, sizeof detail, (const unsigned char *)ts_data, strlen(ts_data));
    switch (ts_e ? ERR_GET_REASON(ts_e) : 0) {
    case TS_R_MESSAGE_IMPRINT_MISMATCH:
        snprintf(err, errlen, "bad imprint: the token is for another digest");
        break;
    case TS_R_NONCE_MISMATCH:
        snprintf(err, errlen, "nonce mismatch: the reply answers another request (a replay?)");
        break;
    case TS_R_NONCE_NOT_RETURNED:
        snprintf(err, errlen, "nonce mismatch: the reply carries no nonce");
        break;
    case TS_R_CERTIFICATE_VERIFY_ERROR:
        snprintf(err, errlen, "untrusted signer: %s", detail[0] ? detail : "chain not verified");
        break;
    case TS_R_ESS_SIGNING_CERTIFICATE_ERROR:
        snprintf(err, errlen,
                 "untrusted signer: the signing-certificate attribute does not "
                 "name the signer");
        break;
    case TS_R_SIGNATURE_FAILURE:
        snprintf(err, errlen, "bad signature");
        break;
    case TS_R_UNSUPPORTED_VERSION:
        snprintf(err, errlen, "unsupported token version");
        break;
    default: {
        const char *r = last ? ERR_reason_error_string(last) : NULL;
        snprintf(err, errlen, "does not verify: %s", r ? r : "unknown reason");
        break;
    }
    }
}

static const char *const status_names[] = {"granted",           "grantedWithMods",
                                           "rejection",         "waiting",
                                           "revocationWarning", "revocationNotification"};

static const struct {
    int bit;
    const char *name;
} failure_bits[] = {{0, "badAlg"},
                    {2, "badRequest"},
                    {5, "badDataFormat"},
                    {14, "timeNotAvailable"},
                    {15, "unacceptedPolicy"},
                    {16, "unacceptedExtension"},
                    {17, "addInfoNotAvailable"},
                    {25, "systemFailure"}};

/* True when the reply's status is granted (with or without
 * modifications); else the status, the TSA's text and failure bits. */
static bool status_granted(TS_RESP *resp, char *err, size_t errlen)
{
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    if (status == 0 || status == 1)
        return true;
    char text[160] = "";
    const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(si);
    if (texts && sk_ASN1_UTF8STRING_num(texts) > 0) {
        const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value(texts, 0);
        clean_text(text, sizeof text, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    }
    char fail[200] = "";
    const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
    for (size_t i = 0; fi && i < sizeof failure_bits / sizeof *failure_bits; i++) {
        if (ASN1_BIT_STRING_get_bit(fi, failure_bits[i].bit)) {
            size_t n = strlen(fail);
            snprintf(fail + n, sizeof fail - n, "%s%s", n ? ", " : "", failure_bits[i].name);
        }
    }
    char st[32];
    if (status >= 0 && status < (long)(sizeof status_names / sizeof *status_names))
        snprintf(st, sizeof st, "%s", status_names[status]);
    else
        snprintf(st, sizeof st, "status %ld", status);
    snprintf(err, errlen, "not granted: %s%s%s%s%s%s", st, text[0] ? ": " : "", text,
             fail[0] ? " (" : "", fail, fail[0] ? ")" : "");
    return false;
}

/* --- Request --------------------------------------------------------------- */

/* A TimeStampReq over digest: version 1, SHA-256, a random 64-bit nonce,
 * certReq true (the token then carries the TSA's certificate, which a
 * verifier needs). */
static TS_REQ *build_request(const unsigned char digest[32])
{
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = NULL;
    BIGNUM *bn = NULL;
    unsigned char rnd[8];
    bool ok = false;
    if (!r || !mi || !alg)
        goto out;
    if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
        !TS_MSG_IMPRINT_set_algo(mi, alg) ||
        !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, 32) || !TS_REQ_set_version(r, 1) ||
        !TS_REQ_set_msg_imprint(r, mi))
        goto out;
    /* A nonce of 0 would read as none to some TSAs: draw again. */
    do {
        if (RAND_bytes(rnd, sizeof rnd) != 1)
            goto out;
    } while (!memcmp(rnd, "\0\0\0\0\0\0\0\0", 8));
    if (!(bn = BN_bin2bn(rnd, sizeof rnd, NULL)) || !(nonce = BN_to_ASN1_INTEGER(bn, NULL)) ||
        !TS_REQ_set_nonce(r, nonce) || !TS_REQ_set_cert_req(r, 1))
        goto out;
    ok = true;
out:
    BN_free(bn);
    ASN1_INTEGER_free(nonce);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    if (!ok) {
        TS_REQ_free(r);
        r = NULL;
    }
    return r;
}

static void req_free(req *q)
{
    curl_slist_free_all(q->headers);
    TS_REQ_free(q->ts_req);
    OPENSSL_free(q->query);
    free(q->reply);
    free(q);
}

static void req_unlink(req *q)
{
    sp_evidence_tsa *t = q->t;
    if (q->prev)
        q->prev->next = q->next;
    else
        t->reqs = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    req *q = arg;
    size_t len = size * n;
    if (len > MAX_REPLY - q->reply_len) {
        q->too_big = true;
        return 0; /* libcurl ends the transfer: CURLE_WRITE_ERROR */
    }
    if (sp_grow((void **)&q->reply, &q->reply_cap, q->reply_len + len, 1) != SP_OK)
        return 0;
    memcpy(q->reply + q->reply_len, p, len);
    q->reply_len += len;
    return len;
}

/* The reply of a finished transfer, checked; SP_OK and the token's DER in
 * *tok (OPENSSL_free it), or an error and a reason. */
static sp_status check_reply(req *q, CURL *easy, CURLcode code, unsigned char **tok, int *tok_len,
                             char *err, size_t errlen)
{
    sp_status st = SP_ECURL;
    TS_RESP *resp = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    if (q->too_big || code == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "reply larger than %d bytes", MAX_REPLY);
        return SP_EPARSE;
    }
    switch (code) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(err, errlen, "timeout: no complete reply within %d s", TIMEOUT_MS / 1000);
        return SP_ECURL;
    case CURLE_COULDNT_CONNECT:
        snprintf(err, errlen, "cannot connect: %.200s",
                 q->curl_err[0] ? q->curl_err : curl_easy_strerror(code));
        return SP_ECURL;
    case CURLE_GOT_NOTHING:
        snprintf(err, errlen, "connection closed without a reply");
        return SP_ECURL;
    default:
        snprintf(err, errlen, "%.200s", q->curl_err[0] ? q->curl_err : curl_easy_strerror(code));
        return SP_ECURL;
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        snprintf(err, errlen, "HTTP status %ld", status);
        return SP_ECURL;
    }
    const unsigned char *p = q->reply;
    if (!q->reply_len || !(resp = d2i_TS_RESP(NULL, &p, (long)q->reply_len)) ||
        p != q->reply + q->reply_len) {
        char *ctype = NULL;
        curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
        char ct[80] = "";
        if (ctype)
            clean_text(ct, sizeof ct, (const unsigned char *)ctype, strlen(ctype));
        snprintf(err, errlen, "reply is not a TimeStampResp (%zu bytes%s%s)", q->reply_len,
                 ct[0] ? ", Content-Type " : "", ct);
        st = SP_EPARSE;
        goto out;
    }
    if (!status_granted(resp, err, errlen)) {
        st = SP_EIO;
        goto out;
    }
    X509_STORE *store = load_store(q->t->ca_file, 0, err, errlen);
    if (!store) {
        st = SP_ETLS;
        goto out;
    }
    /* The request's imprint, algorithm and nonce; we add the signature. */
    if (!(ctx = TS_REQ_to_TS_VERIFY_CTX(q->ts_req, NULL))) {
        X509_STORE_free(store);
        snprintf(err, errlen, "out of memory");
        st = SP_ENOMEM;
        goto out;
    }
    TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
    TS_VERIFY_CTX_set_store(ctx, store); /* the context owns it now */
    ERR_clear_error();
    if (TS_RESP_verify_response(ctx, resp) != 1) {
        verify_reason(err, errlen);
        st = SP_ETLS;
        goto out;
    }
    *tok_len = i2d_PKCS7(TS_RESP_get_token(resp), tok);
    if (*tok_len <= 0) {
        snprintf(err, errlen, "cannot encode the token");
        st = SP_ETLS;
        goto out;
    }
    st = SP_OK;
out:
    ERR_clear_error();
    TS_VERIFY_CTX_free(ctx);
    TS_RESP_free(resp);
    return st;
}

static void curl_done(CURL *easy, CURLcode code, void *arg)
{
    sp_evidence_tsa *t = arg;
    req *q = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&q);
    char err[256] = "";
    unsigned char *tok = NULL;
    int tok_len = 0;
    sp_status st = check_reply(q, easy, code, &tok, &tok_len, err, sizeof err);
    sp_curluv_remove(t->curl, easy);
    curl_easy_cleanup(easy);
    q->easy = NULL;
    req_unlink(q);
    /* The callback may destroy t: nothing of t is touched after it. */
    q->cb(q->arg, st, st == SP_OK ? tok : NULL, st == SP_OK ? (size_t)tok_len : 0,
          st == SP_OK ? NULL : err);
    OPENSSL_free(tok);
    req_free(q);
}

/* --- Public ---------------------------------------------------------------- */

sp_status sp_evidence_tsa_create(uv_loop_t *loop, const char *url, const char *ca_file,
                                 sp_evidence_tsa **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        snprintf(err, errlen, "tsa_url must start with http:// or https://");
        return SP_EINVAL;
    }
    if (!ca_file) {
        snprintf(err, errlen, "a TSA needs its CA file");
        return SP_EINVAL;
    }
    /* Loaded now so a wrong path is said at start; each verification
     * reloads it (a renewed CA file is picked up without a restart). */
    X509_STORE *store = load_store(ca_file, 0, err, errlen);
    if (!store)
        return SP_EINVAL;
    X509_STORE_free(store);
    sp_evidence_tsa *t = calloc(1, sizeof *t);
    if (!t || !(t->url = strdup(url)) || !(t->ca_file = strdup(ca_file)))
        goto nomem;
    t->loop = loop;
    sp_status st = sp_curluv_create(loop, curl_done, t, &t->curl);
    if (st != SP_OK) {
        snprintf(err, errlen, "%s", sp_strerror(st));
        free(t->url);
        free(t->ca_file);
        free(t);
        return st;
    }
    *out = t;
    return SP_OK;
nomem:
    if (t) {
        free(t->url);
        free(t->ca_file);
    }
    free(t);
    snprintf(err, errlen, "out of memory");
    return SP_ENOMEM;
}

sp_status sp_evidence_tsa_request(sp_evidence_tsa *t, const unsigned char digest[32],
                                  sp_evidence_tsa_cb cb, void *arg)
{
    if (!t || !digest || !cb)
        return SP_EINVAL;
    if (t->destroying)
        return SP_ECANCELED;
    req *q = calloc(1, sizeof *q);
    if (!q)
        return SP_ENOMEM;
    q->t = t;
    q->cb = cb;
    q->arg = arg;
    sp_status st = SP_ETLS;
    if (!(q->ts_req = build_request(digest)) ||
        (q->query_len = i2d_TS_REQ(q->ts_req, &q->query)) <= 0)
        goto fail;
    st = SP_ENOMEM;
    if (!(q->headers = curl_slist_append(NULL, "Content-Type: application/timestamp-query")))
        goto fail;
    st = SP_ECURL;
    CURL *e = curl_easy_init();
    if (!e)
        goto fail;
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)q);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->curl_err);
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "slaprobe/" SP_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)q->query);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)q->query_len);
    /* A declared length past the limit is refused before the body comes;
     * on_data enforces it for a reply that does not declare one. */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_REPLY);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
    /* One token an hour per target: no connection is kept between them. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    if (sp_curluv_add(t->curl, e) != SP_OK) {
        curl_easy_cleanup(e);
        goto fail;
    }
    q->easy = e;
    q->next = t->reqs;
    if (t->reqs)
        t->reqs->prev = q;
    t->reqs = q;
    return SP_OK;
fail:
    ERR_clear_error();
    req_free(q);
    return st;
}

void sp_evidence_tsa_destroy(sp_evidence_tsa *t)
{
    if (!t)
        return;
    t->destroying = true;
    while (t->reqs) {
        req *q = t->reqs;
        sp_curluv_remove(t->curl, q->easy);
        curl_easy_cleanup(q->easy);
        q->easy = NULL;
        req_unlink(q);
        q->cb(q->arg, SP_ECANCELED, NULL, 0, "canceled");
        req_free(q);
    }
    sp_curluv_destroy(t->curl);
    free(t->url);
    free(t->ca_file);
    free(t);
}

sp_status sp_evidence_tsa_verify(const unsigned char *token, size_t len,
                                 const unsigned char digest[32], const char *ca_file, char *err,
                                 size_t errlen)
{
    sp_status st = SP_EPARSE;
    PKCS7 *p7 = NULL;
    TS_TST_INFO *tst = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    const unsigned char *p = token;
    ERR_clear_error();
    if (!token || !len || len > MAX_REPLY || !(p7 = d2i_PKCS7(NULL, &p, (long)len)) ||
        p != token + len || !(tst = PKCS7_to_TS_TST_INFO(p7))) {
        snprintf(err, errlen, "not a time-stamp token");
        goto out;
    }
    /* OpenSSL compares the imprint's bytes only when given them alone:
     * the algorithm is ours to check. */
    const X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
    const ASN1_OBJECT *oid = NULL;
    if (alg)
        X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (!oid || OBJ_obj2nid(oid) != NID_sha256) {
        snprintf(err, errlen, "bad imprint: the token's digest is not SHA-256");
        st = SP_ETLS;
        goto out;
    }
    /* The chain is checked at the token's time: a certificate that expired
     * since does not void what was stamped while it was valid. */
    struct tm tm;
    if (!ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm)) {
        snprintf(err, errlen, "the token's time cannot be read");
        goto out;
    }
    time_t gen = timegm(&tm);
    X509_STORE *store = load_store(ca_file, gen > 0 ? gen : 1, err, errlen);
    if (!store) {
        st = SP_EINVAL;
        goto out;
    }
    unsigned char *imp = OPENSSL_memdup(digest, 32);
    if (!imp || !(ctx = TS_VERIFY_CTX_new())) {
        OPENSSL_free(imp);
        X509_STORE_free(store);
        snprintf(err, errlen, "out of memory");
        st = SP_ENOMEM;
        goto out;
    }
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
    TS_VERIFY_CTX_set_imprint(ctx, imp, 32); /* the context owns both now */
    TS_VERIFY_CTX_set_store(ctx, store);
    ERR_clear_error();
    if (TS_RESP_verify_token(ctx, p7) != 1) {
        verify_reason(err, errlen);
        st = SP_ETLS;
        goto out;
    }
    st = SP_OK;
out:
    ERR_clear_error();
    TS_VERIFY_CTX_free(ctx);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    return st;
}
