/*
 * Placeholder of the RFC 3161 client: this branch (checkpoints) codes
 * against tsa.h only; the time-stamping helper's tsa.c replaces this file
 * at merge. Every entry point says plainly that it is not here.
 */
#include "tsa.h"

#include <stdio.h>

#define NOT_BUILT "time-stamping not built in this branch"

sp_status sp_evidence_tsa_create(uv_loop_t *loop, const char *url, const char *ca_file,
                                 sp_evidence_tsa **out, char *err, size_t errlen)
{
    (void)loop, (void)url, (void)ca_file;
    *out = NULL;
    snprintf(err, errlen, NOT_BUILT);
    return SP_EINVAL;
}

sp_status sp_evidence_tsa_request(sp_evidence_tsa *t, const unsigned char digest[32],
                                  sp_evidence_tsa_cb cb, void *arg)
{
    (void)t, (void)digest, (void)cb, (void)arg;
    return SP_EINVAL;
}

void sp_evidence_tsa_destroy(sp_evidence_tsa *t)
{
    (void)t;
}

sp_status sp_evidence_tsa_verify(const unsigned char *token, size_t len,
                                 const unsigned char digest[32], const char *ca_file, char *err,
                                 size_t errlen)
{
    (void)token, (void)len, (void)digest, (void)ca_file;
    snprintf(err, errlen, NOT_BUILT);
    return SP_EINVAL;
}
