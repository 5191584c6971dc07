/*
 * The hours file (layout.h) from the rows file: the rollup. An hour's row
 * holds the seconds UP, DOWN and degraded that the report reads from the
 * rows file for that hour, the same function turning rows into a timeline
 * (sla/timeline.h) with the same stops, so a month read from hours equals,
 * to the second, the month read from steps while both exist, wherever the
 * month's eligible time starts and ends on whole hours (docs/STORAGE.md).
 * An hour is rolled up once the rows file is written past its end, never
 * before (a row of it may still come) and never again (rrdtool does not
 * rewrite a row): hours whose steps are unknown are written as such
 * (0 up, 0 down), so the hours file has no gap for RRD to fill.
 *
 * sp_store_rollup_hours is pure. sp_store_rollup and
 * sp_store_journal_stops read and write files (blocking: the writer's
 * thread, an import, a migration).
 */
#ifndef SP_STORE_ROLLUP_H
#define SP_STORE_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "storage/layout.h"

typedef struct sp_store_hour {
    int64_t t;                       /* Unix seconds, end of the hour */
    double up_s, down_s, degraded_s; /* whole seconds */
    double total_ms;                 /* mean response of its steps with one; NaN: none */
    double total_n;                  /* how many steps that mean is of */
} sp_store_hour;

/*
 * The hours ending in (from, to] (both multiples of 3600; out has
 * (to - from) / 3600 entries) from rows up/degraded/total_ms[0..n), row i
 * covering [first_start + i * step, + step), rows cut short at stops (Unix
 * seconds, as the report rounds the journal's settled_ms) as
 * sp_sla_timeline_settled cuts them.
 */
sp_status sp_store_rollup_hours(const double *up, const double *degraded, const double *total,
                                size_t n, int64_t first_start, long step, const int64_t *stops,
                                size_t n_stops, int64_t from, int64_t to, sp_store_hour *out);

/*
 * Roll rrd's steps up into its hours file for every hour after *hist_last
 * (the hours file's last update, as the caller read it; 0 when it could
 * not: SP_EIO) that ends at or before upto
 * (the rows file is written up to there). daemon: rrdcached of the rows
 * file (flushed by the fetch), NULL for none; the hours file is written
 * directly. stops: the stop markers' times after *hist_last (any order).
 * On success *hist_last is the new last update.
 */
sp_status sp_store_rollup(const char *daemon, const char *rrd, long step, const int64_t *stops,
                          size_t n_stops, int64_t upto, int64_t *hist_last, char *err,
                          size_t errlen);

/* The times of the stop and removed markers of a journal settled after
 * `after` (Unix s), rounded to the nearest second as the report rounds
 * them, read from the end of the file back to the last rows line that
 * ends at or before `after`. *out malloc'ed (free it; NULL when none). */
sp_status sp_store_journal_stops(const char *journal, int64_t after, int64_t **out, size_t *n);

/* Lines of a journal from its end backwards, whole lines only: cb(arg,
 * line, len) until it returns false or the file's start. Blocking. */
typedef bool (*sp_store_tail_cb)(void *arg, const char *line, size_t len);
void sp_store_journal_tail(const char *path, sp_store_tail_cb cb, void *arg);

#endif
