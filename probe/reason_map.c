/*
 * Library errors to reason codes. No I/O: the inputs are plain facts, so
 * tests/unit/test_reason_map.c covers every branch.
 *
 * The order of the checks matters where one failure has several symptoms:
 * a certificate that is both self-signed and for the wrong host is
 * "untrusted", because that is the error the handshake stopped at.
 */
#include "reason_map.h"

#include <errno.h>

#include <ares.h>
#include <curl/curl.h>
#include <openssl/x509_vfy.h>
#include <uv.h>

sp_reason sp_probe_reason_from_x509(long e)
{
    switch (e) {
    case X509_V_OK:
        return SP_REASON_OK;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        return SP_REASON_TLS_CERT_EXPIRED;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return SP_REASON_TLS_CERT_HOSTNAME;
    default:
        /* self-signed, unknown issuer, bad signature, revoked, ... */
        return SP_REASON_TLS_CERT_UNTRUSTED;
    }
}

sp_reason sp_probe_reason_timeout(bool is_tls, bool connected, bool tls_done)
{
    if (!connected)
        return SP_REASON_TCP_TIMEOUT;
    if (is_tls && !tls_done)
        return SP_REASON_TLS_HANDSHAKE;
    return SP_REASON_HTTP_TIMEOUT;
}

static sp_reason from_errno(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return SP_REASON_TCP_REFUSED;
    case ETIMEDOUT:
        return SP_REASON_TCP_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
        return SP_REASON_TCP_UNREACHABLE;
    case EADDRNOTAVAIL:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
        return SP_REASON_PROBE_ERROR; /* our side ran out of something */
    default:
        return SP_REASON_TCP_UNREACHABLE;
    }
}

sp_reason sp_probe_reason_from_uv(int uv_err)
{
    /* libuv errors on Unix are negated errno values */
    return from_errno(-uv_err);
}

sp_reason sp_probe_reason_from_curl(const sp_curl_facts *f)
{
    switch ((CURLcode)f->curl_code) {
    case CURLE_OK:
        return SP_REASON_OK;
    case CURLE_COULDNT_CONNECT:
        return from_errno(f->os_errno);
    case CURLE_OPERATION_TIMEDOUT:
        return sp_probe_reason_timeout(f->is_tls, f->connected, f->tls_done);
    case CURLE_PEER_FAILED_VERIFICATION:
        if (f->verify_error != X509_V_OK)
            return sp_probe_reason_from_x509(f->verify_error);
        /* The chain verified, so libcurl's own host check refused it. */
        if (f->cert_seen && !f->hostname_match)
            return SP_REASON_TLS_CERT_HOSTNAME;
        return SP_REASON_TLS_CERT_UNTRUSTED;
    case CURLE_SSL_CONNECT_ERROR:
        /* A verify failure can surface as a connect error in some paths. */
        if (f->verify_error != X509_V_OK)
            return sp_probe_reason_from_x509(f->verify_error);
        return SP_REASON_TLS_HANDSHAKE;
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CLIENTCERT: /* the server demands a client certificate */
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return SP_REASON_TLS_HANDSHAKE;
    case CURLE_WRITE_ERROR:
        return f->body_capped ? SP_REASON_HTTP_TOO_LARGE : SP_REASON_PROBE_ERROR;
    case CURLE_FILESIZE_EXCEEDED:
        return SP_REASON_HTTP_TOO_LARGE;
    case CURLE_TOO_MANY_REDIRECTS:
        return SP_REASON_REDIRECT_LOOP;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: /* e.g. an HTTP/0.9 answer */
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP_RETURNED_ERROR:
        if (f->is_tls && !f->tls_done)
            return SP_REASON_TLS_HANDSHAKE;
        if (!f->connected)
            return from_errno(f->os_errno);
        return SP_REASON_HTTP_PROTOCOL;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl 7.88 keeps a header line in a buffer capped at 100 KiB
         * (CURL_MAX_HTTP_HEADER) and reports a longer one as out of
         * memory. Once the answer has begun, that is what it is: the
         * server's doing, and it is deterministic, where a real allocation
         * failure just then is not. */
        if (f->connected && f->answering)
            return SP_REASON_HTTP_PROTOCOL;
        return SP_REASON_PROBE_ERROR;
    case CURLE_COULDNT_RESOLVE_HOST:
        /* libcurl must never resolve: an address was handed to it. */
    default:
        /* out of memory, bad option, CA file unreadable, ...: our fault */
        return SP_REASON_PROBE_ERROR;
    }
}

sp_reason sp_probe_reason_from_ares_answer(int st)
{
    switch (st) {
    case ARES_EBADNAME: /* a name in the answer is malformed (e.g. a bad pointer) */
    case ARES_EBADSTR:
    case ARES_EBADRESP:
    case ARES_EFORMERR:
        return SP_REASON_DNS_SERVFAIL;
    default:
        return sp_probe_reason_from_ares(st);
    }
}

sp_reason sp_probe_reason_from_ares(int st)
{
    switch (st) {
    case ARES_SUCCESS:
        return SP_REASON_OK;
    case ARES_ENOTFOUND:
        return SP_REASON_DNS_NXDOMAIN;
    case ARES_ENODATA:
        return SP_REASON_DNS_NODATA;
    case ARES_ESERVFAIL:
    case ARES_EFORMERR:
    case ARES_EBADRESP:
    case ARES_ENOTIMP:
        return SP_REASON_DNS_SERVFAIL;
    case ARES_EREFUSED:
        return SP_REASON_DNS_REFUSED;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED: /* resolver port closed: no answer to be had */
        return SP_REASON_DNS_TIMEOUT;
    default:
        /* ENOMEM, EBADNAME, ECANCELLED, EDESTRUCTION ...: our side */
        return SP_REASON_PROBE_ERROR;
    }
}
