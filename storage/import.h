/*
 * History from another monitor, as CSV, into a target's RRD (SPEC section
 * 5, `slaprobe import`). Also how tests and demos build an exact month.
 *
 * Rows are "timestamp,up[,total_ms]": timestamp in Unix seconds or ISO-8601
 * with an offset, up 0..1 (or true/false), total_ms optional. A row at t,
 * rounded down to the step, is the observation for [t, t + step); a step
 * with no row is unknown. Blank lines, '#' comments and a header line
 * ("timestamp,...") are skipped.
 *
 * Pure except sp_store_import_parse, which reads the stream it is given.
 */
#ifndef SP_STORE_IMPORT_H
#define SP_STORE_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/sp_status.h"
#include "storage/steps.h"

typedef struct sp_import_row {
    int64_t t;       /* Unix seconds */
    double up;       /* 0..1 */
    double total_ms; /* NaN when not given */
    long line;       /* where it came from, for messages */
} sp_import_row;

/* Read every row of fp (name is used in messages). On a bad row:
 * SP_EPARSE and err = "NAME:LINE: what is wrong"; nothing is returned.
 * *rows is malloc'ed (caller frees), in file order. */
sp_status sp_store_import_parse(FILE *fp, const char *name, sp_import_row **rows, size_t *n,
                                char *err, size_t errlen);

/* One RRD row per step from the first row's step to the last's, ascending:
 * a step's row is written at its end (step start + step), rows falling in
 * the same step are averaged, steps without a row are all-unknown, so the
 * RRD's heartbeat can never stretch a value over a hole. degraded is up
 * when total_ms > slow_ms, else 0. *out malloc'ed; n == 0 gives 0 rows. */
sp_status sp_store_import_steps(const sp_import_row *rows, size_t n, long step_s, double slow_ms,
                                sp_store_row **out, size_t *nout);

#endif
