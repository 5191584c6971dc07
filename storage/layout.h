/*
 * The RRD layout of SPEC section 3, as data: one file per target, step =
 * the target's interval, heartbeat = 2 x step, eight GAUGE data sources,
 * and three archive sets (1 step for 70 days; 5 minutes AVERAGE/MAX for
 * 400 days; 1 hour AVERAGE/MAX for 5 years). Pure: builds the rrdcreate
 * arguments and checks what rrd_info says about an existing file.
 */
#ifndef SP_STORE_LAYOUT_H
#define SP_STORE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_STORE_N_DS 8
#define SP_STORE_N_RRA 5

/* Data source names, in file order. */
extern const char *const sp_store_ds_names[SP_STORE_N_DS];

typedef struct sp_store_rra {
    const char *cf;   /* "AVERAGE" or "MAX" */
    long pdp_per_row; /* steps per row */
    long rows;
} sp_store_rra;

/* How long each archive keeps data. SPEC's values are the defaults; tests
 * and benchmarks shorten them, because at a 1-second step 70 days at full
 * resolution is 6 million rows (390 MB a file). */
typedef struct sp_store_retention {
    long full_days;     /* 1 step, AVERAGE (SPEC: 70) */
    long five_min_days; /* 5 min, AVERAGE and MAX (SPEC: 400) */
    long hourly_days;   /* 1 h, AVERAGE and MAX (SPEC: 5 years = 1830) */
} sp_store_retention;

#define SP_STORE_RETENTION_DEFAULT ((sp_store_retention){70, 400, 1830})

typedef struct sp_store_layout {
    long step_s;
    long heartbeat_s;
    sp_store_rra rra[SP_STORE_N_RRA];
} sp_store_layout;

/* The layout for a step (seconds, >= 1) and retention. */
void sp_store_layout_for(long step_s, const sp_store_retention *ret, sp_store_layout *out);

/* How far back the layout's longest archive reaches, in seconds (rows x
 * steps per row x step; INT64_MAX if that does not fit). An RRD whose
 * last update is now holds nothing older than now minus this. */
int64_t sp_store_layout_span_s(const sp_store_layout *l);

/* rrdcreate argument strings ("DS:up:GAUGE:120:0:1", "RRA:AVERAGE:0.5:1:100800",
 * ...) into argv (SP_STORE_N_DS + SP_STORE_N_RRA entries, each buf-backed).
 * Returns the count. */
int sp_store_layout_args(const sp_store_layout *l, char bufs[][64], const char **argv);

#endif
