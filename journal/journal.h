/*
 * The incident journal: append-only JSON Lines beside each RRD, keeping
 * what an RRD cannot (reasons, exact transition times, alerts, daemon
 * start/stop, clock state). Evidence for SLA claims, so it is tamper-
 * evident: each line carries "prev", the SHA-256 (hex) of the bytes of the
 * line before it (64 zeros for the first), and "seq", its 1-based number.
 * Editing, deleting or reordering a line breaks the chain at the next line.
 * (The last line has no successor to seal it: verify reports the hash of
 * the last line so it can be kept elsewhere as an anchor.)
 * What a line says is journal/lines.h's: this file only chains them.
 *
 * Blocking file I/O: call from the writer thread or before the loop runs.
 */
#ifndef SP_JOURNAL_JOURNAL_H
#define SP_JOURNAL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/sp_status.h"

typedef struct sp_journal sp_journal;

/* Open (create) path for appending. Reads the existing tail to continue the
 * chain; a torn last line (crash mid-write) is cut off first, so the chain
 * continues from the last complete line. */
sp_status sp_journal_open(const char *path, sp_journal **out, char *err, size_t errlen);
/* Write what was not fsync'ed yet to the disk (fsync), close, free. */
void sp_journal_close(sp_journal *j);

/* A bound on the descriptors many journals hold (a daemon with 100,000
 * targets would otherwise need one each): a pooled journal's descriptor is
 * closed when it is the least recently used of more than max_open, and
 * opened again by its next append. Its head (seq, hash, size) stays in
 * memory, so reopening reads nothing; a file whose size is no longer the
 * one left (another process wrote it) is read again and the chain goes on
 * from what it holds. Closing one without an fsync is what keeping it open
 * would have been: the lines are in the page cache; sp_journal_close
 * syncs them. Appends to one journal come from one thread at a time (the
 * caller's lock, as for any journal); different journals of one pool may
 * be appended to from different threads. */
typedef struct sp_journal_pool sp_journal_pool;
sp_status sp_journal_pool_create(size_t max_open, sp_journal_pool **out);
/* After every journal of the pool is closed. */
void sp_journal_pool_destroy(sp_journal_pool *p);
/* Descriptors the pool's journals hold now (any thread). */
size_t sp_journal_pool_open(sp_journal_pool *p);
/* sp_journal_open, in pool (which must outlive the journal). */
sp_status sp_journal_open_pooled(const char *path, sp_journal_pool *pool, sp_journal **out,
                                 char *err, size_t errlen);

/* Append one event. Takes the fields of ev (not its reference), adds seq,
 * prev, and writes one line; fsync when sync is true (state changes).
 * SP_EIO: the line was not written (nothing of it stays in the file, so a
 * later append continues the chain; a pooled journal that cannot be
 * opened again says so this way too); SP_EBUSY: written, but fsync failed. */
sp_status sp_journal_append(sp_journal *j, json_t *ev, bool sync, char *err, size_t errlen);

/* How long the last append's fsync took, seconds (monotonic clock); NaN
 * when the last append had none (sync false, or the write failed). For
 * the daemon's metrics. */
double sp_journal_last_fsync_s(const sp_journal *j);

/* The head: seq of the last line written (0: none) and the SHA-256 (hex)
 * of its bytes, as the next line's "prev" will say. */
void sp_journal_head(const sp_journal *j, long *seq, char hash[65]);

typedef struct sp_journal_report {
    long lines;        /* complete lines read */
    long first_bad;    /* 1-based line where the chain breaks, 0 if intact */
    bool torn_tail;    /* the file ends in an incomplete line */
    char problem[256]; /* what is wrong at first_bad */
    char last_hash[65];
} sp_journal_report;

/* Check the chain of path. SP_OK with first_bad == 0: intact. */
sp_status sp_journal_verify(const char *path, sp_journal_report *rep, char *err, size_t errlen);

/* The whole of a journal-like file (a journal, a .checkpoints file) in one
 * malloc'ed buffer (free it), *len bytes, not NUL-terminated; NULL with
 * *oserr set (ENOMEM included) when it cannot be read. */
char *sp_journal_read_file(const char *path, size_t *len, int *oserr);

/* SHA-256 of len bytes as 64 hex digits + NUL. */
void sp_journal_sha256_hex(const void *data, size_t len, char out[65]);

#endif
