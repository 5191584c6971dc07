/*
 * sp_evidence_ckpt: the daemon's checkpoints (docs/EVIDENCE.md,
 * "Checkpoints"). Every `every_ms` (the first round 10 s after the start
 * at the latest), and once more at stop, it asks the
 * store for every journal's head (in order with the lines queued before),
 * signs the heads that moved since the last checkpoint, and appends one
 * line per target to <dir>/<id>.checkpoints. Signing and appending run on
 * libuv's work queue, never on the loop: 10,000 targets are 10,000
 * signatures and as many fsyncs.
 *
 * With a time-stamping authority (evidence/tsa.h), each new checkpoint's
 * message digest is sent for a token; tokens that fail wait and are asked
 * again with a back-off, so a TSA that is down delays the tokens only.
 *
 * Ownership: the checkpointer keeps the key (parsed from key_pem, which it
 * does not keep) and a copy of the latest checkpoint per target. The store
 * must outlive it. Threads: loop thread only.
 */
#ifndef SP_EVIDENCE_CHECKPOINTER_H
#define SP_EVIDENCE_CHECKPOINTER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/sp_status.h"
#include "evidence/evidence.h"
#include "storage/sp_store.h"

typedef struct sp_evidence_ckpt sp_evidence_ckpt;

typedef struct sp_evidence_ckpt_opts {
    const char *dir;     /* storage.dir */
    const char *key_pem; /* the private key */
    int64_t every_ms;
    const char *tsa_url; /* NULL: no tokens */
    const char *tsa_ca;
} sp_evidence_ckpt_opts;

/* Starts the timer. SP_EPARSE: the key is not an Ed25519 private key. A
 * TSA that cannot be set up is logged and left out (no tokens), never a
 * reason not to checkpoint. */
sp_status sp_evidence_ckpt_create(uv_loop_t *loop, sp_store *store, const sp_evidence_ckpt_opts *o,
                                  sp_evidence_ckpt **out, char *err, size_t errlen);

/* The last round: call after the stop lines are queued. It runs on the
 * loop like the others (the loop must run on until it is done: its work
 * and timers keep the loop alive), then gives pending tokens a short grace
 * and logs how many are left without one. */
void sp_evidence_ckpt_stop(sp_evidence_ckpt *c);

/* The latest checkpoint signed for target id in this run, or NULL. Valid
 * until the next round's end: copy it. */
const sp_evidence_checkpoint *sp_evidence_ckpt_latest(const sp_evidence_ckpt *c, const char *id);

/* Frees; call once the loop has run out (after sp_evidence_ckpt_stop). */
void sp_evidence_ckpt_destroy(sp_evidence_ckpt *c);

#endif
