/*
 * Pure translation of library errors into sp_reason codes.
 *
 * Kept apart from the I/O so every mapping is unit-tested without a server:
 * the kinds collect the facts (curl code, errno, how far the connection got,
 * the first certificate error OpenSSL reported) and these functions decide.
 */
#ifndef SP_PROBE_REASON_MAP_H
#define SP_PROBE_REASON_MAP_H

#include <stdbool.h>

#include "common/sp_reason.h"

/* Facts about a failed or timed-out curl transfer. */
typedef struct sp_curl_facts {
    int curl_code;       /* CURLcode */
    int os_errno;        /* CURLINFO_OS_ERRNO */
    bool is_tls;         /* https */
    bool connected;      /* TCP connect finished (CURLINFO_CONNECT_TIME_T > 0) */
    bool tls_done;       /* TLS handshake finished (CURLINFO_APPCONNECT_TIME_T > 0) */
    long verify_error;   /* first X509_V_ERR_* seen by our verify callback, 0 if none */
    bool cert_seen;      /* our verify callback saw the leaf */
    bool hostname_match; /* leaf matches the host (valid only when cert_seen) */
    bool body_capped;    /* we aborted the write because of the body cap */
    bool answering;      /* the server's response had begun to arrive
                          * (CURLINFO_STARTTRANSFER_TIME_T > 0) */
} sp_curl_facts;

/* Reason for a curl transfer that did not end with CURLE_OK. */
sp_reason sp_probe_reason_from_curl(const sp_curl_facts *f);

/* Reason for a probe whose deadline passed while curl was still working. */
sp_reason sp_probe_reason_timeout(bool is_tls, bool connected, bool tls_done);

/* Reason for a failed c-ares lookup (ARES_* status). */
sp_reason sp_probe_reason_from_ares(int ares_status);

/* Reason for a failure to parse an answer the DNS server did send (the
 * status of an ares_parse_*_reply): a malformed name or string in it is
 * the server's fault, not ours. */
sp_reason sp_probe_reason_from_ares_answer(int ares_status);

/* Reason for a certificate verification error (X509_V_ERR_*). */
sp_reason sp_probe_reason_from_x509(long verify_error);

/* Reason for a failed TCP connect (a negative libuv error, e.g. UV_ECONNREFUSED). */
sp_reason sp_probe_reason_from_uv(int uv_err);

#endif
