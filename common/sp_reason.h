/*
 * sp_reason: the stable reason code of a probe result (SPEC section 3).
 *
 * These names appear in JSON, journals, reports and alerts, so they are a
 * public contract: add codes, never rename one. The list beyond SPEC's is
 * documented in docs/REASONS.md (dns_nodata, dns_mismatch, tls_cert_revoked,
 * icmp_timeout).
 * New codes go at the end, so that the numbers of the old ones never move.
 *
 * The class tells reports where a failure came from (DNS, network, TLS,
 * HTTP/application) and whether it counts against the vendor at all
 * (probe_error never does).
 */
#ifndef SP_REASON_H
#define SP_REASON_H

#include <stdbool.h>

typedef enum sp_reason_class {
    SP_RCLASS_NONE,
    SP_RCLASS_DNS,
    SP_RCLASS_NETWORK,
    SP_RCLASS_TLS,
    SP_RCLASS_HTTP,
    SP_RCLASS_PROBE
} sp_reason_class;

#define SP_REASON_MAP(X)                                                                           \
    X(OK, "ok", NONE, "the endpoint answered as expected")                                         \
    X(DNS_NXDOMAIN, "dns_nxdomain", DNS, "the name does not exist")                                \
    X(DNS_SERVFAIL, "dns_servfail", DNS, "the resolver answered SERVFAIL")                         \
    X(DNS_REFUSED, "dns_refused", DNS, "the resolver refused the query")                           \
    X(DNS_TIMEOUT, "dns_timeout", DNS, "no DNS answer in time")                                    \
    X(DNS_NODATA, "dns_nodata", DNS, "the name exists but has no record of the asked type")        \
    X(DNS_MISMATCH, "dns_mismatch", DNS, "the DNS answer is not the expected one")                 \
    X(TCP_REFUSED, "tcp_refused", NETWORK, "the TCP connection was refused")                       \
    X(TCP_TIMEOUT, "tcp_timeout", NETWORK, "the TCP connection was not established in time")       \
    X(TCP_UNREACHABLE, "tcp_unreachable", NETWORK, "no route to the address")                      \
    X(TLS_HANDSHAKE, "tls_handshake", TLS, "the TLS handshake failed")                             \
    X(TLS_CERT_EXPIRED, "tls_cert_expired", TLS, "the certificate is expired or not yet valid")    \
    X(TLS_CERT_UNTRUSTED, "tls_cert_untrusted", TLS, "the certificate chain is not trusted")       \
    X(TLS_CERT_HOSTNAME, "tls_cert_hostname", TLS, "the certificate does not match the name")      \
    X(HTTP_TIMEOUT, "http_timeout", HTTP, "no complete HTTP response in time")                     \
    X(HTTP_STATUS, "http_status", HTTP, "unexpected HTTP status")                                  \
    X(HTTP_BODY_MISMATCH, "http_body_mismatch", HTTP, "the body or a header did not match")        \
    X(HTTP_TOO_LARGE, "http_too_large", HTTP, "the body is larger than the cap")                   \
    X(HTTP_PROTOCOL, "http_protocol", HTTP, "broken HTTP: malformed reply or reset")               \
    X(REDIRECT_LOOP, "redirect_loop", HTTP, "too many or circular redirects")                      \
    X(PROBE_ERROR, "probe_error", PROBE, "the probe itself failed (not the endpoint)")             \
    X(TLS_CERT_REVOKED, "tls_cert_revoked", TLS, "the certificate is revoked (stapled OCSP)")      \
    X(ICMP_TIMEOUT, "icmp_timeout", NETWORK, "no ICMP echo reply in time")

typedef enum sp_reason {
#define SP_REASON_ENUM(sym, name, cls, msg) SP_REASON_##sym,
    SP_REASON_MAP(SP_REASON_ENUM)
#undef SP_REASON_ENUM
        SP_REASON_COUNT
} sp_reason;

/* Stable code ("tcp_refused"); never NULL, static storage. */
const char *sp_reason_name(sp_reason r);
/* One-line explanation; never NULL, static storage. */
const char *sp_reason_message(sp_reason r);
sp_reason_class sp_reason_class_of(sp_reason r);
/* Name of a class ("dns", "network", "tls", "http", "probe", "none"). */
const char *sp_reason_class_name(sp_reason_class c);
/* Parse a stable code; returns false when the name is unknown. */
bool sp_reason_from_name(const char *name, sp_reason *out);

#endif
