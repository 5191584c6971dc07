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

typedef struct sp_store_layout {
    long step_s;
    long heartbeat_s;
    sp_store_rra rra[SP_STORE_N_RRA];
} sp_store_layout;

/* The layout for a step (seconds, >= 1). */
void sp_store_layout_for(long step_s, sp_store_layout *out);

/* rrdcreate argument strings ("DS:up:GAUGE:120:0:1", "RRA:AVERAGE:0.5:1:100800",
 * ...) into argv (SP_STORE_N_DS + SP_STORE_N_RRA entries, each buf-backed).
 * Returns the count. */
int sp_store_layout_args(const sp_store_layout *l, char bufs[][64], const char **argv);

#endif
