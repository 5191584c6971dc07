/*
 * sp_store: where results go. One RRD file and one journal per target in
 * storage.dir (<id>.rrd, <id>.journal).
 *
 * Writes never run on the loop thread: sp_store_put_* only queue. Rows
 * and journal lines have a queue each, drained by one job at a time on
 * libuv's work queue, so writes to a file stay in order, librrd's
 * rrdcached client is never used from two threads, and journal lines are
 * never held up by an RRD write. A refused write is retried; what still
 * cannot be stored is logged, counted and journaled (store_error): see
 * writer.c. Opening a target checks an existing RRD and reads its
 * journal's tail (blocking, at start or reload); a missing RRD is created
 * off the loop, by the rows job: in the order sp_store_create_soon asks
 * (the scheduler: due time), else before the target's first rows. Rows
 * queued before the file exists wait behind its creation in the queue.
 *
 * Thread rules: every function here is called on the loop thread.
 */
#ifndef SP_STORE_H
#define SP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "common/sp_hist.h"
#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/steps.h"

typedef struct sp_store sp_store;
/* One target's files inside a store; owned by the store, valid until
 * sp_store_destroy(). Writers hold it so a write costs no lookup. */
typedef struct sp_store_target sp_store_target;

/* dir must exist or be creatable; rrdcached NULL to write files directly. */
sp_status sp_store_create(uv_loop_t *loop, const char *dir, const char *rrdcached,
                          const sp_store_retention *ret, sp_store **out, char *err, size_t errlen);

/* Prepare a target (idempotent): its RRD with step_s (an existing file of
 * another layout is an error, never overwritten) and its journal. *out (may
 * be NULL) gets the target's handle. */
sp_status sp_store_open_target(sp_store *s, const char *id, long step_s, sp_store_target **out,
                               char *err, size_t errlen);

/* The handle of a target opened before, or NULL (a hash lookup). */
sp_store_target *sp_store_find_target(sp_store *s, const char *id);

/* Queue the creation of the target's RRD file if it has none (once): the
 * rows job creates it in the order of these calls, ahead of the rows
 * queued after the call. Not needed for correctness: a file still missing
 * at the first rows is created then. Files not created by the stop are
 * left to the next start. */
void sp_store_create_soon(sp_store *s, sp_store_target *t);

/* Queue rows for the target's RRD (copied). */
void sp_store_put_rows(sp_store *s, sp_store_target *t, const sp_store_row *rows, size_t n);

/* Queue a journal event; steals the reference to ev. sync: fsync after it. */
void sp_store_put_event(sp_store *s, sp_store_target *t, json_t *ev, bool sync);

/* The file's last update when the target was opened (Unix s), or the
 * start of a file still to be created: rows must come after it. */
int64_t sp_store_target_last(const sp_store_target *t);

/* A journal's head: the seq of its last line written (0: none) and the
 * SHA-256 (hex) of that line's bytes, as the chain hashes it. */
typedef struct sp_store_head {
    const char *id; /* the target's; valid until sp_store_destroy() */
    long seq;
    char sha256[65];
} sp_store_head;
/* heads[0..n) valid only during the call; n is 0 when out of memory. */
typedef void (*sp_store_heads_cb)(void *arg, const sp_store_head *heads, size_t n);

/* The head of every target's journal once every row and every line queued
 * before this call has been written (the op goes through the rows queue,
 * then the journal queue, so the rows lines of those rows are in): cb on
 * the loop thread. Lines held for a retry are not
 * in the file yet, so not in the head. Checkpoints sign these. */
sp_status sp_store_journal_heads(sp_store *s, sp_store_heads_cb cb, void *arg);

/* Take the storage directory's lock (<dir>/.slaprobe.lock, flock): one
 * process writes a store at a time, a daemon or an import, and the holder
 * may remove stale temporary files. SP_EBUSY when another process has it.
 * *fd is the lock; it goes with close() or the process. */
sp_status sp_store_lock_dir(const char *dir, int *fd, char *err, size_t errlen);

/* What the writer did, since the store was created: for logs and metrics. */
typedef struct sp_store_stats {
    uint64_t rows_written;     /* RRD rows stored */
    uint64_t rows_lost;        /* RRD rows that could not be stored (store_error) */
    uint64_t retries;          /* RRD writes tried again (lock held, ...) */
    uint64_t journal_failures; /* journal appends that failed (the lines were kept) */
    uint64_t journal_dropped;  /* held journal lines dropped (too many held) */
    size_t held_lines;         /* journal lines waiting for a retry now */
    /* Writes queued and not yet taken up by the writer's job now (RRD
     * updates; journal lines): how far the writer is behind the loop. */
    uint64_t queued_rows, queued_lines;
    sp_hist fsync; /* journal fsyncs (state changes, alerts), seconds */
} sp_store_stats;
/* The bounds of sp_store_stats.fsync, seconds: a local SSD's fsync takes
 * well under a millisecond, a loaded disk's or a network file system's
 * up to seconds. */
#define SP_STORE_FSYNC_BOUNDS                                                                      \
    {                                                                                              \
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5                    \
    }
void sp_store_get_stats(const sp_store *s, sp_store_stats *out);

/* Write everything queued, now, on the calling thread (shutdown), then
 * free. A job of ours still in flight is waited for (the loop is run until
 * its after-work callback has come). */
void sp_store_destroy(sp_store *s);

/* Hold off the writer's RRD updates while this process reads a file the
 * store writes (any thread; pair them; brief: one read). librrd maps the
 * file shared and moves its header (last update, current row) before the
 * row is written, so a fetch beside an update can read a step that is not
 * there yet (seen as the replicator sending an unknown for a known step).
 * Another process (rrdtool, the report) is not held off by this. */
void sp_store_read_begin(sp_store *s);
void sp_store_read_end(sp_store *s);

/* Paths of a target's files (static buffer of the caller). */
void sp_store_paths(const char *dir, const char *id, char *rrd, char *journal, size_t n);

#endif
