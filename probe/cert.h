/*
 * Certificate facts from OpenSSL objects (probe/cert.c): the one place that
 * turns an X509 into what slaprobe reports about it, shared by the https
 * kind (kind_http.c: expiry and host match of every probe) and the tls kind
 * (kind_tls.c: the whole leaf, the chain, the stapled OCSP answer).
 *
 * No I/O of its own; the clock is read only for days_left (ASN1_TIME_diff
 * against now). Not installed, not used outside probe/. Loop thread, like
 * every probe. The verify callback of a handshake in progress may call the
 * first two: they leave OpenSSL's error queue as OpenSSL leaves it.
 */
#ifndef SP_PROBE_CERT_H
#define SP_PROBE_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sp_tls.h"

/* Whole days from now until the leaf's notAfter into *days_left, floored
 * (an hour past expiry is -1, an hour before it 0), and notAfter as
 * "YYYY-MM-DDTHH:MM:SSZ" into not_after[0..n). A date OpenSSL cannot read
 * leaves its output as it was: an https probe that follows redirects keeps
 * the last hop's it could read. */
void sp_probe__cert_validity(const X509 *leaf, int *days_left, char *not_after, size_t n);

/* Whether the leaf is valid for host: an IP literal (no brackets) against
 * its IP addresses, anything else against its DNS names (wildcards as
 * X509_check_host allows them). */
bool sp_probe__cert_host_match(X509 *leaf, const char *host);

/*
 * Every fact of c the certificates give, for a posture check: the leaf
 * (subject, issuer, validity, key, signature, SHA-256 fingerprint, host
 * match against host), the chain the server sent (peer, may be NULL) and
 * its verification against store at security level 1, every error
 * collected (expired, not yet valid, untrusted, first verify_error).
 * c must be zeroed before. Returns the leaf's issuer from the verified
 * chain for OCSP, a new reference (X509_free it), or NULL.
 */
X509 *sp_probe__cert_facts(sp_tls_cert_facts *c, X509 *leaf, STACK_OF(X509) * peer,
                           X509_STORE *store, const char *host);

/* The state of a stapled OCSP response (der[0..len), as
 * SSL_get_tlsext_status_ocsp_resp gives it; len <= 0 or der NULL: nothing
 * stapled) for leaf, signed by issuer (may be NULL: then INVALID), verified
 * against store with the server's chain peer; 5 minutes of clock skew. */
sp_ocsp_state sp_probe__cert_ocsp(const unsigned char *der, long len, X509_STORE *store, X509 *leaf,
                                  X509 *issuer, STACK_OF(X509) * peer);

/* Set ctx (new from SSL_CTX_new, its cipher list untouched) up for the
 * handshake both kinds judge by the one availability
 * policy: TLS 1.0 and up, OpenSSL's DEFAULT suites at security level 0
 * (everything is judged after, from facts), a certificate list of up to
 * SP_TLS_MAX_CERT_LIST bytes, an OCSP status request. False when this
 * OpenSSL refuses the settings (the error queue is cleared). */
bool sp_probe__browser_ctx(SSL_CTX *ctx);

/* The key exchange of a completed handshake (the server's ephemeral key). */
void sp_probe__kex_facts(SSL *ssl, sp_tls_kex *k);

/* Every fact of a completed handshake into ps: handshake_ok, version,
 * cipher, forward secrecy, kex, the certificate facts (verified against
 * store, host matched against host) and the stapled OCSP state. ps->cert
 * must be zeroed before. */
/* The negotiated version as slaprobe names versions everywhere (the
 * protocols list, docs/REASONS.md): OpenSSL's "TLSv1" is "TLSv1.0". */
const char *sp_probe__tls_version_name(const SSL *ssl);
void sp_probe__handshake_facts(sp_tls_posture *ps, SSL *ssl, X509_STORE *store, const char *host);

/* A failed handshake into ps: handshake_ok false, fail and fail_detail
 * from OpenSSL's error err (ERR_peek_last_error(); 0 when none), the
 * client-certificate facts already in ps, or fallback words. */
void sp_probe__handshake_fail(sp_tls_posture *ps, unsigned long err, const char *fallback);

#endif
