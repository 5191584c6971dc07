/*
 * Private contract of metrics/: the snapshot the loop publishes and the
 * HTTP thread renders, and how the files share the work.
 *
 *  - metrics.c: the loop side. Keeps every target's figures as results
 *    come (sp_sched_on_result), runs the month figures' child, and
 *    publishes snapshots: a new one is built, then swapped in under a
 *    mutex; readers hold a reference, so a publish never waits for a
 *    scrape and a scrape never sees a half-built snapshot.
 *  - render.c: a snapshot as exposition text (pure, unit-tested).
 *  - http.c: libmicrohttpd on its own thread, the routes.
 *  - month.c: the child's side of the month figures.
 *  - expo.c: the exposition format itself.
 *
 * A snapshot is immutable once published; its memory is one block (the
 * struct, the targets, their ids) freed when the last reference goes.
 */
#ifndef SP_METRICS_INT_H
#define SP_METRICS_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "alerts/sp_alert.h"
#include "blackbox/blackbox.h"
#include "common/sp_hist.h"
#include "common/sp_reason.h"
#include "common/sp_state.h"
#include "common/sp_expo.h"
#include "metrics/metrics.h"
#include "storage/sp_store.h"

/* Phases of slaprobe_probe_duration_seconds, in sp_probe_result's order. */
#define SP_METRICS_PHASES 5
extern const char *const sp_metrics_phase_names[SP_METRICS_PHASES];

/* One target's figures. NaN means "not known": its sample is left out. */
typedef struct sp_metrics_target {
    const char *id;
    sp_state state;
    bool has_result, last_ok; /* the last availability probe */
    double phase_s[SP_METRICS_PHASES];
    uint64_t probes[SP_REASON_COUNT];  /* availability probes ended, by reason */
    double month_ratio, budget_left_s; /* month to date (month.c's child) */
    double cert_expiry_s;              /* notAfter of the last certificate seen, Unix s */
    char grade[4];                     /* last TLS posture grade; "" none yet */
    double repl_lag_s;                 /* replication lag; NaN unknown or none */
} sp_metrics_target;

typedef struct sp_metrics_snap {
    atomic_int refs;
    const char *version;
    const char *vantage; /* the replication lag's label; NULL without replication */
    double start_time_s; /* the daemon's start, Unix s */
    /* the scheduler (sp_sched_stats) */
    sp_hist late;
    uint64_t probes, retries, skipped, clock_jumps;
    sp_store_stats store;
    sp_alert_stats alerts;
    bool has_repl;
    size_t n;
    sp_metrics_target *t; /* in this block */
} sp_metrics_snap;

/* The snapshot as exposition text (pure). */
void sp_metrics_render(const sp_metrics_snap *s, sp_expo *e);

/* The current snapshot, referenced (any thread); NULL before the first
 * publish. Give it back with sp_metrics__snap_put. */
sp_metrics_snap *sp_metrics__snap_get(sp_metrics *m);
void sp_metrics__snap_put(sp_metrics_snap *s);

/* The /probe runner (blackbox/blackbox.h): submit from the HTTP thread. */
sp_bb_runner *sp_metrics__runner(sp_metrics *m);

/* --- http.c ------------------------------------------------------------- */

typedef struct sp_metrics_http sp_metrics_http;

/* Listen on addr (sp_value_listen's forms) and serve from m's snapshots
 * on libmicrohttpd's own thread. SP_EIO with err (address in use, ...). */
sp_status sp_metrics__http_start(sp_metrics *m, const char *addr, sp_metrics_http **out, char *err,
                                 size_t errlen);
/* Stop the thread (joined: no request is being served after it) and free. */
void sp_metrics__http_stop(sp_metrics_http *h);

#endif
