/*
 * evidence/tsa: an RFC 3161 time-stamping client. A checkpoint's signed
 * message is hashed (SHA-256) and a time-stamping authority (TSA) signs
 * that digest with its own clock: the token proves the message existed at
 * the TSA's time, which our own signature (made with our own clock) cannot.
 *
 * The request is a TimeStampReq built with OpenSSL's TS API (SHA-256
 * imprint, a random 64-bit nonce, certReq true so the token carries the
 * TSA's certificate), POSTed as application/timestamp-query with libcurl on
 * the caller's libuv loop (common/sp_curluv.h, a multi handle of our own).
 * The reply is refused beyond 64 KiB or 10 s, and is verified before the
 * caller sees it: status granted, the imprint and nonce ours, the signature
 * by a certificate that chains to ca_file and carries the (critical)
 * timeStamping extended key usage. docs/EVIDENCE.md, "Time-stamp tokens",
 * says what a token proves and how a third party checks one with openssl.
 *
 * Each request is one attempt: a TSA that is down gets a reason in the
 * callback, never a retry here (the caller decides when to try again).
 *
 * Threads: the loop thread only, except sp_evidence_tsa_verify (any
 * thread, no loop).
 */
#ifndef SP_EVIDENCE_TSA_H
#define SP_EVIDENCE_TSA_H

#include <stddef.h>

#include <uv.h>

#include "common/sp_status.h"

typedef struct sp_evidence_tsa sp_evidence_tsa;

/* Called on the loop thread once per request: st SP_OK with the DER
 * TimeStampToken (valid only during the call), or an error and a reason. */
typedef void (*sp_evidence_tsa_cb)(void *arg, sp_status st, const unsigned char *token, size_t len,
                                   const char *err);

/* A client of the TSA at url (http:// or https://) whose tokens must chain
 * to a certificate of ca_file (PEM). Both strings are copied. SP_EINVAL
 * (and a reason in err) for another URL scheme or a ca_file that holds no
 * certificate; SP_ENOMEM, SP_ECURL otherwise. */
sp_status sp_evidence_tsa_create(uv_loop_t *loop, const char *url, const char *ca_file,
                                 sp_evidence_tsa **out, char *err, size_t errlen);

/* Ask for a token over a SHA-256 digest (32 bytes); the reply is verified
 * (imprint, nonce, signature chain to ca_file, timeStamping EKU) before cb.
 * The digest is copied. Returns SP_OK and calls cb later, exactly once,
 * from the loop (never from inside this call); or returns an error
 * (SP_ENOMEM, SP_ETLS, SP_ECURL, SP_ECANCELED during destroy) and never
 * calls cb. The reasons cb gets, by status:
 *   SP_ECURL   the transfer: "cannot connect: ...", "timeout: no complete
 *              reply within 10 s", "connection closed without a reply",
 *              "HTTP status 500", ...
 *   SP_EPARSE  the reply: "reply larger than 65536 bytes", "reply is not
 *              a TimeStampResp ..."
 *   SP_EIO     "not granted: rejection: <the TSA's text> (<failure info>)"
 *   SP_ETLS    verification: "bad imprint: ...", "nonce mismatch ...",
 *              "untrusted signer: ...", "bad signature ..."
 *   SP_ECANCELED  sp_evidence_tsa_destroy ran first. */
sp_status sp_evidence_tsa_request(sp_evidence_tsa *t, const unsigned char digest[32],
                                  sp_evidence_tsa_cb cb, void *arg);

/* Pending requests get cb(SP_ECANCELED) before this returns. A callback
 * may call this (t is gone once it returns: the callback must not use t
 * after). NULL is a no-op. */
void sp_evidence_tsa_destroy(sp_evidence_tsa *t);

/* Verify a stored token against a digest and CA file, without a loop.
 * The signer's chain is checked at the token's own time (genTime), so a
 * token stays verifiable after the TSA's certificate has expired, as long
 * as it was valid when the token was made; the imprint must be SHA-256 and
 * equal to digest. SP_OK, or SP_EPARSE (not a token), SP_EINVAL (ca_file
 * unusable), SP_ETLS (does not verify) with a reason in err. */
sp_status sp_evidence_tsa_verify(const unsigned char *token, size_t len,
                                 const unsigned char digest[32], const char *ca_file, char *err,
                                 size_t errlen);

#endif
