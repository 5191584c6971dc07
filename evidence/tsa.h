/*
 * sp_evidence_tsa: RFC 3161 time-stamp tokens for checkpoints (docs/
 * EVIDENCE.md, "Time-stamp tokens"): a request over a SHA-256 digest, sent
 * with libcurl on the loop, the reply verified before it is handed on.
 * A shared API: the checkpoints code calls it, evidence/tsa.c implements it.
 *
 * Threads: create, request and destroy on the loop thread; verify anywhere.
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
sp_status sp_evidence_tsa_create(uv_loop_t *loop, const char *url, const char *ca_file,
                                 sp_evidence_tsa **out, char *err, size_t errlen);
/* Ask for a token over a SHA-256 digest (32 bytes); the reply is verified
 * (imprint, nonce, signature chain to ca_file, timeStamping EKU) before cb. */
sp_status sp_evidence_tsa_request(sp_evidence_tsa *t, const unsigned char digest[32],
                                  sp_evidence_tsa_cb cb, void *arg);
/* Pending requests get cb(SP_ECANCELED) before this returns. */
void sp_evidence_tsa_destroy(sp_evidence_tsa *t);
/* Verify a stored token against a digest and CA file, without a loop. */
sp_status sp_evidence_tsa_verify(const unsigned char *token, size_t len,
                                 const unsigned char digest[32], const char *ca_file, char *err,
                                 size_t errlen);

#endif
