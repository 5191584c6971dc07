/*
 * sp_repl: the replicator of SPEC section 10. Each round (every_ms) it
 * asks the central rrdcached, per target, `LAST <vantage>/<id>.rrd`,
 * creates the file with the local layout when it is missing (`CREATE ...
 * -O`, never overwriting), and sends the local one-step archive's rows
 * after that last update, in order, with `BATCH`: the central file becomes
 * identical to the local one, and an outage of the link or of the central
 * host heals by itself as long as the one-step archive reaches back.
 * docs/VANTAGES.md, "Replication", is the operator's side.
 *
 * It never blocks the loop and is never on the writer's path: it has its
 * own connection (uv_tcp, or uv_pipe for "unix:/path") with a connect
 * timeout and a reply timeout on every command (librrd's client has
 * neither), and it reads local rows with librrd on libuv's work queue (one
 * job at a time, through the local rrdcached when there is one: flushed
 * first). A timeout or a connection error closes the connection; the next
 * round connects again (at most one attempt a round).
 *
 * What the central refuses is journaled in that target's journal through
 * the store (a "central_refused" line), at most once an hour per target
 * and kind of refusal, and counted; so are rows older than the one-step
 * archive's reach, which cannot be sent any more.
 *
 * Thread rules: every function here is called on the loop thread.
 */
#ifndef SP_REPL_H
#define SP_REPL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/sp_store.h"

typedef struct sp_repl sp_repl;

typedef struct sp_repl_opts {
    /* "host:port" (an IPv4 or IPv6 address, "[v6]:port", or localhost:
     * the replicator does not resolve names, which could block) or
     * "unix:/path". */
    const char *central;
    const char *vantage;         /* the central files are <vantage>/<id>.rrd */
    const char *store_dir;       /* the local files: sp_store_paths(store_dir, id) */
    const char *local_rrdcached; /* NULL: read the local files directly */
    sp_store *store; /* refusals are journaled through it; must outlive the replicator */
    sp_store_retention retention; /* the local layout's, for CREATE */
    int64_t every_ms;             /* a round every this */
    int64_t timeout_ms;           /* connect, and each command's reply */
    /* Rows in one BATCH; a target further behind gets the next batch in
     * the same round, after a new LAST. 0: 10,000. */
    size_t batch_rows;
    /* Where the summary lines go (one per round when something changed or
     * failed); NULL: stderr with a "slaprobe: " prefix. */
    void (*log)(void *arg, const char *line);
    void *log_arg;
} sp_repl_opts;

/* The central address as the replicator takes it: "unix:/path", or an
 * IPv4/IPv6 literal (or localhost) with a port, "[v6]:port" too; names are
 * not resolved (a lookup could block the loop). Pure: config-check uses it
 * so that a bad address is refused with its file and line, not at start.
 * SP_EINVAL with err. */
sp_status sp_repl_parse_address(const char *a, struct sockaddr_storage *addr, bool *is_unix,
                                char *err, size_t errlen);

/* Strings are copied. The first round starts one round after this (the
 * targets are set by then). SP_EINVAL with err for an address it cannot
 * use. */
sp_status sp_repl_create(uv_loop_t *loop, const sp_repl_opts *o, sp_repl **out, char *err,
                         size_t errlen);

/* One target: its id and step (the RRD's, seconds). */
typedef struct sp_repl_target {
    const char *id;
    long step_s;
} sp_repl_target;

/* The targets to replicate, at start and at every reload (copied; a
 * target kept by id keeps its stats). While a round runs, the new list
 * takes effect when the round ends. SP_ENOMEM leaves the old list. */
sp_status sp_repl_set_targets(sp_repl *r, const sp_repl_target *t, size_t n);

/* Per target, for logs, metrics and the status page. */
typedef struct sp_repl_stats {
    const char *id;       /* valid until the next sp_repl_set_targets or destroy */
    int64_t central_last; /* Unix s of the central file's last update; 0 unknown or missing */
    int64_t local_last;   /* Unix s of the local one-step archive's last row; 0 unknown */
    int64_t lag_s;        /* local_last - central_last; -1 unknown */
    uint64_t rows_sent;   /* rows the central accepted */
    uint64_t refused;     /* rows the central refused, and rows that could not be sent */
    char last_error[256]; /* the last round's failure, "" when it went well */
} sp_repl_stats;

/* Copies up to max targets' stats into out; returns the number of targets. */
size_t sp_repl_get_stats(const sp_repl *r, sp_repl_stats *out, size_t max);

/* Rounds completed (with or without failures), for tests and metrics. */
uint64_t sp_repl_rounds(const sp_repl *r);

/* Stop now: close the connection (a command in flight is abandoned), stop
 * the timers; the memory goes when libuv has closed the handles and a
 * local read in flight (bounded: at most one batch) has come back. Journals
 * nothing after this call. NULL is ignored. */
void sp_repl_destroy(sp_repl *r);

#endif
