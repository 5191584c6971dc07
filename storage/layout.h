/*
 * The RRD layout, as data (docs/STORAGE.md argues it). Two files per
 * target:
 *
 *  - <id>.rrd, the rows: step = the target's interval, heartbeat = 2 x
 *    step, the eight GAUGE data sources of SPEC section 3, and ONE archive:
 *    AVERAGE at one step for full_days (70). It is the evidence (journal
 *    rows lines hash its steps), the replicator's outbox and the source of
 *    every figure inside its reach.
 *  - <id>.hist.rrd, the hours: step 3600 s, one row per hour for
 *    hourly_days (5 years), holding the hour's seconds UP, DOWN and
 *    degraded as whole numbers (unknown = 3600 - up - down) and the mean
 *    and count of its response times. Written by the rollup (rollup.h) from
 *    the rows file, never by consolidation: RRD averages only the known
 *    part of a consolidated row, so unknown seconds would be lost.
 *
 * Pure: builds the rrdcreate arguments and checks what rrd_info says.
 */
#ifndef SP_STORE_LAYOUT_H
#define SP_STORE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_STORE_N_DS 8
/* Archives of a file of either kind. */
#define SP_STORE_N_RRA 1

/* Data source names of the rows file, in file order. */
extern const char *const sp_store_ds_names[SP_STORE_N_DS];

/* The hours file. */
#define SP_STORE_HIST_STEP 3600
#define SP_STORE_HIST_N_DS 5
/* "up_s", "down_s", "degraded_s", "total_ms", "total_n" */
extern const char *const sp_store_hist_ds_names[SP_STORE_HIST_N_DS];

/* Room for the rrdcreate arguments of either file. */
#define SP_STORE_MAX_ARGS (SP_STORE_N_DS + SP_STORE_N_RRA)

typedef struct sp_store_rra {
    const char *cf;   /* "AVERAGE" */
    long pdp_per_row; /* steps per row */
    long rows;
} sp_store_rra;

/* How long each file keeps data. SPEC's values are the defaults; tests and
 * benchmarks shorten them, because at a 1-second step 70 days at full
 * resolution is 6 million rows (390 MB a file). five_min_days is what
 * configurations written for the layout before it said; it is read and
 * has no effect. */
typedef struct sp_store_retention {
    long full_days;     /* the rows file (SPEC: 70) */
    long five_min_days; /* unused (the former 5-minute archives) */
    long hourly_days;   /* the hours file (SPEC: 5 years = 1830) */
} sp_store_retention;

#define SP_STORE_RETENTION_DEFAULT ((sp_store_retention){70, 400, 1830})

typedef struct sp_store_layout {
    bool hist; /* the hours file's data sources, else the rows file's */
    long step_s;
    long heartbeat_s;
    sp_store_rra rra[SP_STORE_N_RRA];
} sp_store_layout;

/* The rows file's layout for a step (seconds, >= 1) and retention. */
void sp_store_layout_for(long step_s, const sp_store_retention *ret, sp_store_layout *out);

/* The hours file's layout (the same for every target). */
void sp_store_layout_hist(const sp_store_retention *ret, sp_store_layout *out);

/* Its data sources: count and names. */
int sp_store_layout_n_ds(const sp_store_layout *l);
const char *const *sp_store_layout_ds(const sp_store_layout *l);

/* Bytes of its data (rows x sources x 8), without librrd's header. */
int64_t sp_store_layout_bytes(const sp_store_layout *l);

/* How far back the layout's archive reaches, in seconds (rows x steps per
 * row x step; INT64_MAX if that does not fit). An RRD whose last update is
 * now holds nothing older than now minus this. */
int64_t sp_store_layout_span_s(const sp_store_layout *l);

/* rrdcreate argument strings ("DS:up:GAUGE:120:0:1", "RRA:AVERAGE:0.5:1:100800",
 * ...) into argv (at most SP_STORE_MAX_ARGS entries, each buf-backed).
 * Returns the count. */
int sp_store_layout_args(const sp_store_layout *l, char bufs[][64], const char **argv);

/* The hours file's path beside a rows file's ("x/a.rrd" -> "x/a.hist.rrd";
 * a path not ending in ".rrd" gets ".hist.rrd" appended). False when it
 * does not fit in n. Target ids have no '.', so no target's rows file is
 * another's hours file. */
bool sp_store_hist_path(const char *rrd, char *buf, size_t n);

#endif
