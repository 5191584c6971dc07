/*
 * sp_metrics: the daemon's /metrics for Prometheus (SPEC section 12;
 * docs/METRICS.md lists every metric).
 *
 * The loop keeps each target's figures as its probes end (the
 * scheduler's result hook) and publishes them with the daemon's counters
 * as an immutable snapshot: at most once a second after results, and
 * every 5 s in any case. libmicrohttpd serves GET /metrics on its own
 * thread, rendering from a reference to the snapshot it took: the loop
 * never waits for a scrape (a slow or silent client included), and a
 * scrape never waits for the loop.
 *
 * The month's availability and error budget come from the report's own
 * arithmetic, built in a child process (`slaprobe metrics-month`, as the
 * status page is): it reads every RRD file and sets TZ, neither of which
 * belongs on the probing loop or in a thread beside it.
 *
 * Ownership and threads: create, set_targets and destroy on the loop
 * thread only. The metrics borrow the scheduler, store, alerter and
 * replicator, and must be destroyed before any of them.
 */
#ifndef SP_METRICS_H
#define SP_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "alerts/sp_alert.h"
#include "common/sp_status.h"
#include "config/config.h"
#include "replicator/repl.h"
#include "scheduler/sp_sched.h"
#include "storage/sp_store.h"

typedef struct sp_metrics sp_metrics;

typedef struct sp_metrics_opts {
    const char *listen;   /* "127.0.0.1:9464" or "[::1]:9464" (sp_value_listen) */
    const char *modules;  /* blackbox modules file for /probe; NULL: blackbox's examples */
    const char *cfg_path; /* given to the month figures' child */
    const char *exe;      /* this program, for that child; NULL: no month figures */
    sp_sched *sched;      /* all borrowed; see above */
    sp_store *store;
    sp_alerter *alerter;
    sp_repl *repl;       /* NULL: no replication */
    const char *vantage; /* this host's vantage (the replication lag's label), or NULL */
    /* How often the month figures are rebuilt without a state change, and
     * at least how long apart after one (ms; 0: 60 s and 10 s). */
    int64_t month_every_ms, month_min_gap_ms;
} sp_metrics_opts;

/* Start serving (binding o->listen now, so a port in use is an error
 * here, with err saying so) for the targets of cfg (borrowed for the call
 * only). Call while the daemon's stop signals are still blocked: the HTTP
 * thread inherits the mask, so they keep coming to the loop's thread. */
sp_status sp_metrics_create(uv_loop_t *loop, const sp_metrics_opts *o, const sp_cfg *cfg,
                            sp_metrics **out, char *err, size_t errlen);

/* After a reload: targets kept by id keep their figures and counters,
 * new ones start empty, removed ones go. cfg borrowed for the call. */
sp_status sp_metrics_set_targets(sp_metrics *m, const sp_cfg *cfg);

/* Stop serving (the HTTP thread is joined), stop the month child, and
 * free once the loop has closed the handles. NULL is a no-op. */
void sp_metrics_destroy(sp_metrics *m);

/* The child's side (`slaprobe metrics-month -c FILE`): one line per
 * target, "ID AVAILABILITY_RATIO BUDGET_LEFT_S", this month in cfg's time
 * zone up to now (nan when not known), from the report's live view.
 * Single-threaded (it builds a report). */
sp_status sp_metrics_month_write(const sp_cfg *cfg, int64_t now, FILE *fp, char *err,
                                 size_t errlen);

#endif
