/*
 * sp_store: where results go. One RRD file and one journal per target in
 * storage.dir (<id>.rrd, <id>.journal).
 *
 * Writes never run on the loop thread: sp_store_put_* only queue; one job
 * on libuv's work queue drains the queue at a time, so writes to a file
 * stay in order and librrd's rrdcached client is never used from two
 * threads. Opening a target (creating or checking its RRD, reading its
 * journal's tail) is blocking and happens at start or reload.
 *
 * Thread rules: every function here is called on the loop thread.
 */
#ifndef SP_STORE_H
#define SP_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/steps.h"

typedef struct sp_store sp_store;
/* One target's files inside a store; owned by the store, valid until
 * sp_store_destroy(). Writers hold it so a write costs no lookup. */
typedef struct sp_store_target sp_store_target;

/* dir must exist or be creatable; rrdcached NULL to write files directly. */
sp_status sp_store_create(uv_loop_t *loop, const char *dir, const char *rrdcached,
                          const sp_store_retention *ret, sp_store **out, char *err,
                          size_t errlen);

/* Prepare a target (idempotent): its RRD with step_s (an existing file of
 * another layout is an error, never overwritten) and its journal. *out (may
 * be NULL) gets the target's handle. */
sp_status sp_store_open_target(sp_store *s, const char *id, long step_s, sp_store_target **out,
                               char *err, size_t errlen);

/* The handle of a target opened before, or NULL. A list scan: call it when
 * targets are (re)configured, not per write. */
sp_store_target *sp_store_find_target(sp_store *s, const char *id);

/* Queue rows for the target's RRD (copied). */
void sp_store_put_rows(sp_store *s, sp_store_target *t, const sp_store_row *rows, size_t n);

/* Queue a journal event; steals the reference to ev. sync: fsync after it. */
void sp_store_put_event(sp_store *s, sp_store_target *t, json_t *ev, bool sync);

/* Rows and events queued and not yet written. */
size_t sp_store_pending(const sp_store *s);

/* Write everything queued, now, on the calling thread (shutdown), then
 * free. The loop must not be running a job of ours: call after uv_run
 * returned or from a state where the writer is idle (sp_store_pending == 0
 * and no job in flight); sp_store_destroy waits for the job itself. */
void sp_store_destroy(sp_store *s);

/* Paths of a target's files (static buffer of the caller). */
void sp_store_paths(const char *dir, const char *id, char *rrd, char *journal, size_t n);

#endif
