/*
 * Every librrd call of slaprobe, behind a small blocking API. These run on
 * the writer's worker thread (writer.c) or before the loop starts, never on
 * the loop thread while probes run. rrd_get_error() is thread-local in
 * librrd, so each call turns it into a message at once.
 *
 * daemon: NULL to write the file directly, else an rrdcached address
 * ("unix:/path" or "host:port").
 */
#ifndef SP_STORE_RRD_H
#define SP_STORE_RRD_H

#include <stddef.h>
#include <time.h>

#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/steps.h"

/* Temporary files of slaprobe in a storage directory start with this; a
 * process that holds the directory's lock (sp_store_lock_dir) may remove
 * every one of them: they are what an interrupted creation or import left. */
#define SP_STORE_TMP_PREFIX ".sp-"

/* Check an existing rows file's layout (SP_EEXIST on a mismatch, SP_ESTALE
 * for a file of the layout before this one, which `slaprobe store migrate`
 * converts; SP_ENOTFOUND when there is no file); *last (may be NULL) gets
 * its last update. */
sp_status sp_store_rrd_check(const char *path, long step_s, const sp_store_retention *ret,
                             time_t *last, char *err, size_t errlen);

/* The same for the hours file beside rrd (layout.h). */
sp_status sp_store_rrd_check_hist(const char *hist, const sp_store_retention *ret, time_t *last,
                                  char *err, size_t errlen);

/* Create the hours file beside the rows file rrd unless it exists (then
 * check it), first updated at the start of start's hour. */
sp_status sp_store_rrd_ensure_hist(const char *rrd, const sp_store_retention *ret, time_t start,
                                   char *err, size_t errlen);

/* Create path (which must not exist) with the layout for step_s, first
 * updated at start, and its hours file unless that exists: built under a SP_STORE_TMP_PREFIX name, fsync'ed and
 * linked into place, so a crash never leaves a partial file under path.
 * If another process created path meanwhile, its file is checked instead. */
sp_status sp_store_rrd_create(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen);

/* fsync a file (flags 0) or a directory (O_DIRECTORY) by name; err says
 * which and why. For files put in place by rename or link. */
sp_status sp_store_fsync_path(const char *path, int flags, char *err, size_t errlen);

/* Remove every SP_STORE_TMP_PREFIX file in dir. Only under the lock. */
sp_status sp_store_clean_stale(const char *dir, char *err, size_t errlen);

/* A short token for the cause in an error message of this module: ENOSPC,
 * EACCES, EROFS, EIO, locked, refused, rrdcached, clock_back or other. For
 * store_error journal lines and counters. */
const char *sp_store_cause_of(const char *msg);

/* Create path with the layout for step_s unless it exists; when it exists,
 * check its layout and fail (SP_EEXIST, never overwriting) on a mismatch.
 * The hours file likewise. */
sp_status sp_store_rrd_ensure(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen);

/* Apply rows ("T:v1:v2:...", ascending T) in one call. When rrdcached is
 * unusable the rows are written to the file directly and SP_EBUSY says so
 * (err holds why); any other error means the rows were not written. */
sp_status sp_store_rrd_update(const char *daemon, const char *path, int n, const char **rows,
                              char *err, size_t errlen);

/* sp_store_rrd_update for rows in the layout's data-source order (NaN is
 * written as unknown). Same return values. */
sp_status sp_store_rrd_update_rows(const char *daemon, const char *path, const sp_store_row *rows,
                                   size_t n, char *err, size_t errlen);

/* What rrd_fetch returned: rows of ds values, row i covering
 * (start + i * step, start + (i + 1) * step]. NaN is unknown. */
typedef struct sp_store_series {
    time_t start, end;
    unsigned long step;
    unsigned long n_ds;
    char **ds_names;
    double *data; /* rows * n_ds values */
    size_t rows;
} sp_store_series;

/* Fetch cf ("AVERAGE", "MAX") over (start, end] at the finest archive
 * that covers it (resolution_s is the wish; out->step is what the file
 * had). Through rrdcached when daemon is set (it flushes first). */
sp_status sp_store_rrd_fetch(const char *daemon, const char *path, const char *cf, time_t start,
                             time_t end, long resolution_s, sp_store_series *out, char *err,
                             size_t errlen);
void sp_store_series_free(sp_store_series *s);

/* Index of a data source in a fetched series, or -1. */
int sp_store_series_ds(const sp_store_series *s, const char *name);

/* A graph drawn in memory: the image as librrd made it (NUL-terminated
 * after len bytes, so an SVG is a C string) and the value range of its
 * y axis as drawn. image is owned: sp_store_graph_free(). */
typedef struct sp_store_graph {
    unsigned char *image;
    size_t len;
    double value_min, value_max;
} sp_store_graph;

/* rrdtool graph with these arguments (rrdtool graph's options and
 * definitions, no file name: the image stays in memory; pick its format
 * with --imgformat). On error *out holds nothing to free. Not
 * thread-safe: librrd's graph code uses getopt; call from one thread. */
sp_status sp_store_rrd_graph_mem(int argc, const char **argv, sp_store_graph *out, char *err,
                                 size_t errlen);
void sp_store_graph_free(sp_store_graph *g);

/* Make rrdcached write what it holds for path (no-op without a daemon). */
sp_status sp_store_rrd_flush(const char *daemon, const char *path, char *err, size_t errlen);

/* Make rrdcached drop what it caches about path (its last update time
 * among it), after the file was replaced behind its back. Values it holds
 * unwritten are lost: flush first. No-op without a daemon; a file it does
 * not cache is not an error. */
sp_status sp_store_rrd_forget(const char *daemon, const char *path, char *err, size_t errlen);

/* What a check of the journal's rows lines needs of a file: its step, its
 * last update and the length of its first archive (which must be the
 * one-step AVERAGE one, SP_EPARSE otherwise). rrdcached is flushed first. */
sp_status sp_store_rrd_head(const char *daemon, const char *path, long *step_s, time_t *last,
                            long *full_rows, char *err, size_t errlen);

/* The archives of any RRD file as rrd_info gives them (a file of the
 * layout before this one, for `store migrate`): its step, last update
 * and up to max archives in file order into rra (cf points to a static
 * "AVERAGE", "MAX", "MIN", "LAST" or "?"); *n their count. */
sp_status sp_store_rrd_archives(const char *path, long *step_s, time_t *last, sp_store_rra *rra,
                                int max, int *n, char *err, size_t errlen);

/* Time of the last update, or 0 on error. */
time_t sp_store_rrd_last(const char *path);

#endif
