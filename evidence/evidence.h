/*
 * sp_evidence: signed checkpoints of the journals' heads (docs/EVIDENCE.md,
 * "Checkpoints"). A journal's hash chain shows an edited line, but not a
 * cut tail; a checkpoint signs the head (seq and SHA-256 of the last line)
 * at a time, so a journal that later ends before that line, or differs
 * from it, is evident to anyone holding the public key.
 *
 * Keys are Ed25519 (OpenSSL EVP). The signed message and the JSON line are
 * a shared format: see the comments of sp_evidence_message() and
 * sp_evidence_checkpoint_line(); never change them, add a v2.
 *
 * Ownership: a key from a _create/_load function is freed with
 * sp_evidence_key_free(); strings returned by _line() functions are the
 * caller's (free()). Threads: no state is shared; a key may be used for
 * signing from one thread at a time.
 */
#ifndef SP_EVIDENCE_H
#define SP_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/sp_status.h"

typedef struct sp_evidence_key sp_evidence_key;

#define SP_EVIDENCE_SIG_LEN 64
#define SP_EVIDENCE_KEY_ID_LEN 16 /* hex digits */

/* A new private key. */
sp_status sp_evidence_key_generate(sp_evidence_key **out);
/* A private key from its 32-byte seed (RFC 8032's "secret key"). */
sp_status sp_evidence_key_from_seed(const unsigned char seed[32], sp_evidence_key **out);
/* A key from PEM text: a PKCS#8 private key or a SubjectPublicKeyInfo
 * public key; anything else (another algorithm) is refused with a reason. */
sp_status sp_evidence_key_from_pem(const char *pem, size_t len, sp_evidence_key **out, char *err,
                                   size_t errlen);
/* The same, read from a file. */
sp_status sp_evidence_key_load(const char *path, sp_evidence_key **out, char *err, size_t errlen);
void sp_evidence_key_free(sp_evidence_key *k);
bool sp_evidence_key_is_private(const sp_evidence_key *k);
/* First 16 hex digits of the SHA-256 of the raw 32-byte public key. */
void sp_evidence_key_id(const sp_evidence_key *k, char out[SP_EVIDENCE_KEY_ID_LEN + 1]);
/* Write path (PKCS#8 PEM, mode 0600, never over an existing file:
 * SP_EEXIST) and path.pub (SubjectPublicKeyInfo PEM, 0644). */
sp_status sp_evidence_key_write(const sp_evidence_key *k, const char *path, char *err,
                                size_t errlen);

/* The public key as SubjectPublicKeyInfo PEM (what key_write puts in
 * path.pub), malloc'ed (the caller frees), *len bytes, NUL-terminated; NULL
 * when OpenSSL cannot encode it or out of memory. */
char *sp_evidence_key_public_pem(const sp_evidence_key *k, size_t *len);

sp_status sp_evidence_sign(const sp_evidence_key *k, const void *msg, size_t len,
                           unsigned char sig[SP_EVIDENCE_SIG_LEN]);
/* SP_OK when sig is k's signature of msg, else SP_EINVAL. */
sp_status sp_evidence_verify(const sp_evidence_key *k, const void *msg, size_t len,
                             const unsigned char *sig, size_t siglen);

/* One checkpoint: a journal's head at a time. */
typedef struct sp_evidence_checkpoint {
    char target[65];
    long long seq; /* the journal's last line then */
    char line_sha256[65];
    int64_t t_ms;
    char key_id[SP_EVIDENCE_KEY_ID_LEN + 1];
    unsigned char sig[SP_EVIDENCE_SIG_LEN];
} sp_evidence_checkpoint;

/* The signed message, LF line ends, no NUL inside:
 *   slaprobe checkpoint v1\ntarget=<id>\nseq=<N>\nline_sha256=<hex>\nt_ms=<T>\n
 * Returns its length (snprintf's: >= n means buf was too small). */
size_t sp_evidence_message(const sp_evidence_checkpoint *c, char *buf, size_t n);

/* Fill c->key_id and c->sig with k's signature of c's message. */
sp_status sp_evidence_checkpoint_sign(const sp_evidence_key *k, sp_evidence_checkpoint *c);
/* SP_OK: c was signed by k; else SP_EINVAL with the reason (another key's
 * key_id, or a signature that does not verify). */
sp_status sp_evidence_checkpoint_verify(const sp_evidence_key *k, const sp_evidence_checkpoint *c,
                                        char *err, size_t errlen);

/* The JSON line, without newline, in this field order:
 * {"type":"checkpoint","target":..,"seq":..,"line_sha256":..,"t_ms":..,
 *  "time":"<sp_time_iso_ms(t_ms)>","key_id":..,"sig":"<base64>"}. */
char *sp_evidence_checkpoint_line(const sp_evidence_checkpoint *c);
/* The time-stamp token line:
 * {"type":"tsa_token","seq":..,"imprint_sha256":..,"token":"<base64 DER>",
 *  "t_ms":..,"time":..}. */
char *sp_evidence_token_line(long long seq, const char imprint_sha256[65],
                             const unsigned char *token, size_t len, int64_t t_ms);

/* One line of a .checkpoints file, parsed. */
typedef enum sp_evidence_line_type {
    SP_EVIDENCE_LINE_CHECKPOINT,
    SP_EVIDENCE_LINE_TOKEN,
} sp_evidence_line_type;

typedef struct sp_evidence_line {
    sp_evidence_line_type type;
    sp_evidence_checkpoint cp; /* CHECKPOINT */
    /* TOKEN: seq, imprint, the DER token (the caller frees token) */
    long long tok_seq;
    char imprint_sha256[65];
    unsigned char *token;
    size_t token_len;
    int64_t tok_t_ms;
} sp_evidence_line;

/* Parse one line (without newline). SP_EPARSE with a reason for anything
 * that is not one of the two lines above, well formed. */
sp_status sp_evidence_line_parse(const char *line, size_t len, sp_evidence_line *out, char *err,
                                 size_t errlen);

/* <dir>/<id>.checkpoints */
void sp_evidence_path(const char *dir, const char *id, char *buf, size_t n);
/* Append text (whole lines) to path (created 0640), one write, fsync. */
sp_status sp_evidence_append(const char *path, const char *text, size_t len, char *err,
                             size_t errlen);

/* The last checkpoint line of <dir>/<id>.checkpoints (its last 64 KiB are
 * read), unverified: for pages and alerts that pass a copy on.
 * SP_ENOTFOUND: no file, or no checkpoint in it. */
sp_status sp_evidence_last_checkpoint(const char *dir, const char *id, sp_evidence_checkpoint *out);
/* A checkpoint as a JSON object {target, seq, line_sha256, time, key_id,
 * sig} (status.json, alerts); NULL when out of memory. */
json_t *sp_evidence_checkpoint_json(const sp_evidence_checkpoint *c);

/* Base64 (no newlines) of len bytes; the caller frees it. */
char *sp_evidence_base64(const unsigned char *data, size_t len);
/* SHA-256 of len bytes, raw and hex. */
void sp_evidence_sha256(const void *data, size_t len, unsigned char md[32], char hex[65]);

#endif
