/*
 * `slaprobe store migrate`: a target's rows file of the layout before this
 * one (one <id>.rrd with five archives: AVERAGE at one step, AVERAGE and
 * MAX at 5 minutes and at 1 hour) into the two files of this layout
 * (layout.h): the rows file with its one-step archive only, and the hours
 * file beside it.
 *
 *  - Every step of the old one-step archive is copied exactly: read back
 *    from the new file, each step's canonical text (rowcheck.h) is the old
 *    one's, so the journal's rows lines still verify. The copy is checked
 *    before it is put in place.
 *  - Hours the steps still cover are rolled up from them (rollup.h) with
 *    the journal's stops, as the daemon would have; older hours come from
 *    the finest old AVERAGE archive that reaches them (5 minutes, else 1
 *    hour), each row with a value read as wholly known, as the report of
 *    the layout before read it: its up times its length is UP, the rest
 *    DOWN. Every hour from the first one with a known second is written
 *    (unknown: 0, 0, 0, U, 0), so the hours file has no gap.
 *  - The new files are built under SP_STORE_TMP_PREFIX names and put in
 *    place hours first, then the old rows file linked to <id>.rrd.v1 and
 *    the new one renamed over <id>.rrd: a kill at any point leaves either
 *    the old rows file under <id>.rrd (the daemon refuses it; a rerun
 *    starts over) or the new one. A rerun also starts from <id>.rrd.v1
 *    when <id>.rrd is missing. <id>.rrd.v1 is kept for the user to remove.
 *
 * Blocking. The caller holds the store's lock (sp_store_lock_dir) and has
 * removed stale temporary files, except for a dry run, which writes
 * nothing.
 */
#ifndef SP_STORE_MIGRATE_H
#define SP_STORE_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/rollup.h"

/* The old file's name once migrated: <id>.rrd + this. */
#define SP_MIGRATE_KEPT_SUFFIX ".v1"

typedef enum sp_migrate_outcome {
    SP_MIGRATE_MIGRATED, /* converted (with dry_run: would be) */
    SP_MIGRATE_CURRENT,  /* already of this layout: nothing done */
    SP_MIGRATE_NO_FILE,  /* no rows file yet: nothing to do */
    SP_MIGRATE_FAILED,   /* err says why; the target's files are usable as they were */
} sp_migrate_outcome;

/* Where the hours older than the steps came from: an old archive's row
 * length and how many hours it gave. */
typedef struct sp_migrate_source {
    long row_s;
    int64_t hours;
} sp_migrate_source;

#define SP_MIGRATE_MAX_SOURCES 4

typedef struct sp_migrate_result {
    sp_migrate_outcome outcome;
    bool resumed;        /* started from <id>.rrd.v1: an earlier run was interrupted */
    bool kept_exists;    /* <id>.rrd.v1 is there (CURRENT: from an earlier run) */
    long step_s;         /* the file's step */
    int64_t steps;       /* one-step rows copied, unknown ones included */
    int64_t known;       /* ... of them with a value */
    int64_t as_text;     /* ... read back as the same canonical text, not the same
                      * double (a step rrdtool had filled from a longer
                      * interval); the others bit for bit */
    int64_t steps_to;    /* end of the last step (Unix s); the first ends at
                        * steps_to - (steps - 1) * step_s */
    int64_t hours;       /* rows of the hours file */
    int64_t hours_from;  /* start of its first (Unix s) */
    int64_t hours_steps; /* ... rolled up from the steps */
    sp_migrate_source sources[SP_MIGRATE_MAX_SOURCES]; /* ... from old archives */
    int n_sources;
    size_t stops;    /* journal stops the rollup applied */
    char kept[4200]; /* the old rows file's name after migration */
    char err[1024];
} sp_migrate_result;

/*
 * Pure. The hours ending in (from, to] (multiples of 3600; out has
 * (to - from) / 3600 entries) from n rows of a consolidated AVERAGE archive
 * of the layout before: row i covers [first_start + i * row_s, + row_s)
 * and holds the means up, degraded and total of its known steps of step_s
 * seconds (NaN: none was known). A row with a value is read as wholly
 * known, as the report of that layout read it: up x its seconds in the
 * hour are UP, the rest DOWN, degraded x them degraded; summed per hour and
 * rounded to whole seconds (DOWN is the known rest after the rounded UP,
 * degraded at most UP). total_ms is the mean of the rows' totals, each
 * counted once for each step it spans, total_n those steps, rounded
 * (NaN and 0: none). An hour with no row with a value is 0, 0, 0, NaN, 0.
 */
sp_status sp_store_migrate_hours(const double *up, const double *degraded, const double *total,
                                 size_t n, int64_t first_start, long row_s, long step_s,
                                 int64_t from, int64_t to, sp_store_hour *out);

/*
 * Migrate target id's files in dir (whose step must be step_s, the
 * target's interval) to the layout for ret. daemon: rrdcached (NULL:
 * none), flushed before the old file is read and told to forget both
 * files after. dry_run: read and count only. SP_OK whatever the outcome
 * (r->outcome); an error status only with SP_MIGRATE_FAILED, r->err
 * saying why.
 */
sp_status sp_store_migrate_target(const char *dir, const char *id, long step_s,
                                  const sp_store_retention *ret, const char *daemon, bool dry_run,
                                  sp_migrate_result *r);

#endif
