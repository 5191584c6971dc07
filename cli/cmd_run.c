/*
 * `slaprobe run -c FILE`: the daemon, in the foreground (systemd-friendly:
 * logs go to stderr). Wires configuration, probe engine, scheduler and
 * store on one loop, and handles signals:
 *   SIGHUP          reload; a bad new file is rejected and the old one runs on
 *   SIGTERM/SIGINT  finish in-flight probes (bounded wait), then alert
 *                   deliveries in flight (bounded wait; waiting retries are
 *                   journaled as failed), flush, write the stop markers,
 *                   exit 0
 * It also journals whether the system clock is synchronised, at start and
 * whenever that changes: evidence taken with an unsynchronised clock is
 * weaker, and a reader should be able to tell.
 *
 * With storage.central set, rows are replicated to the central rrdcached
 * (replicator/repl.h) on the same loop; the replicator is stopped first at
 * a stop, without a last round: the next start catches up.
 *
 * With status_page.dir set, the status page is rebuilt every
 * status_page.every by a child process (`slaprobe status-page -c FILE`):
 * building it reads every RRD file and sets TZ, neither of which belongs on
 * the probing loop or in a thread beside it.
 *
 * With metrics.listen (or --metrics ADDR), /metrics is served for
 * Prometheus (metrics/metrics.h): created before the stop signals are
 * unblocked, destroyed first at a stop.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>

#include "alerts/sp_alert.h"
#include "common/sp_fd.h"
#include "common/sp_stats.h"
#include "common/sp_value.h"
#include "config/config.h"
#include "evidence/checkpointer.h"
#include "journal/lines.h"
#include "metrics/metrics.h"
#include "replicator/repl.h"
#include "scheduler/sp_sched.h"
#include "statuspage/statuspage.h"
#include "storage/sp_store.h"

typedef struct run_state {
    uv_loop_t loop;
    const char *cfg_path;
    sp_probe_engine *eng;
    sp_store *store;
    sp_sched *sched;
    sp_alerter *alerter;
    sp_evidence_ckpt *ckpt; /* NULL: no evidence.key */
    sp_repl *repl;          /* NULL: no storage.central */
    sp_metrics *metrics;    /* NULL: no metrics.listen nor --metrics */
    uv_signal_t sighup, sigterm, sigint;
    uv_timer_t clock_timer;
    int clock_state; /* -1 unknown, 0 unsynchronised, 1 synchronised */
    uv_timer_t page_timer;
    /* the live state for the status page (statuspage.h): written at most
     * once a second after a change, then a page build (again after the one
     * running, if one is) */
    uv_timer_t live_timer;
    int64_t live_last_ms;
    int64_t live_every_ms; /* at most one write per this (live_every) */
    bool page_again;
    char live_dir[4096];           /* the store's directory, fixed for the daemon's life */
    uv_work_t live_work;           /* the file is written off the loop (10,000 targets: ~1 MB) */
    sp_sched_live_snap *live_snap; /* what live_work writes; NULL: no write in flight */
    sp_status live_st;
    char live_err[512];
    bool live_again; /* a change came while a write was in flight */
    uv_process_t page_proc;
    bool page_running;
    int64_t page_every_ms; /* 0: no status page */
    bool stopping;
} run_state;

static const char run_usage[] =
    "usage: slaprobe run -c FILE [--vantage NAME] [--max-inflight N] [--metrics ADDR]\n"
    "\n"
    "Run the probe daemon in the foreground: probe every target of FILE on its\n"
    "interval, keep RRD files and incident journals in storage.dir.\n"
    "SIGHUP reloads FILE; SIGTERM or SIGINT stops cleanly.\n"
    "\n"
    "  -c, --config FILE     configuration (YAML)\n"
    "  --vantage NAME        this host is vantage NAME (docs/VANTAGES.md): files\n"
    "                        in <storage.dir>/NAME; over the file's `vantage:` and\n"
    "                        SLAPROBE_VANTAGE (which it sets, so reloads keep it)\n"
    "  --max-inflight N      probes running at once at most (default 1000)\n"
    "  --metrics ADDR        serve Prometheus metrics on http://ADDR/metrics\n"
    "                        (127.0.0.1:9464 or [::1]:9464; over metrics.listen)\n"
    "  -h, --help            this text\n";

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "slaprobe: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The replicator's targets: the configuration's, with their steps. */
static sp_status repl_targets(sp_repl *r, const sp_cfg *cfg)
{
    if (!r)
        return SP_OK;
    sp_repl_target *v = calloc(cfg->n_targets ? cfg->n_targets : 1, sizeof *v);
    if (!v)
        return SP_ENOMEM;
    for (size_t i = 0; i < cfg->n_targets; i++)
        v[i] = (sp_repl_target){.id = cfg->targets[i].id,
                                .step_s = (long)(cfg->targets[i].interval_ms / 1000)};
    sp_status st = sp_repl_set_targets(r, v, cfg->n_targets);
    free(v);
    return st;
}

/* Open every target's files; on failure nothing is started. */
static sp_status open_targets(sp_store *store, const sp_cfg *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        sp_status st =
            sp_store_open_target(store, t->id, (long)(t->interval_ms / 1000), NULL, err, errlen);
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}

static json_t *clock_event(int synced, long maxerror_us)
{
    sp_journal_line l = {.type = SP_JOURNAL_CLOCK,
                         .clock = {.synchronised = synced, .maxerror_us = maxerror_us}};
    return sp_journal_line_to_json(&l);
}

static int read_clock(long *maxerror)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int st = ntp_adjtime(&tx);
    *maxerror = tx.maxerror;
    /* a call that fails (a sandbox that blocks adjtimex) says nothing of
     * the clock: never claim it synchronised */
    if (st < 0) {
        *maxerror = -1;
        return 0;
    }
    return (st != TIME_ERROR && !(tx.status & STA_UNSYNC)) ? 1 : 0;
}

static void on_clock_timer(uv_timer_t *t)
{
    run_state *d = t->data;
    long maxerr;
    int now = read_clock(&maxerr);
    if (now != d->clock_state) {
        d->clock_state = now;
        fprintf(stderr, "slaprobe: system clock is %s\n",
                now ? "synchronised" : "NOT synchronised");
        sp_sched_journal_all(d->sched, clock_event(now, maxerr), true);
    }
}

/* --- The status page ------------------------------------------------------ */

static void on_page_timer(uv_timer_t *t);

static void page_closed(uv_handle_t *h)
{
    run_state *d = h->data;
    d->page_running = false;
    if (d->page_again && !d->stopping) { /* a change came during that build */
        d->page_again = false;
        on_page_timer(&d->page_timer);
    }
}

static void on_page_exit(uv_process_t *p, int64_t status, int term_signal)
{
    if (status != 0 || term_signal != 0)
        logmsg("status page not updated (slaprobe status-page exited %lld%s)", (long long)status,
               term_signal ? ", killed" : "");
    uv_close((uv_handle_t *)p, page_closed);
}

static void on_page_timer(uv_timer_t *t)
{
    run_state *d = t->data;
    if (d->stopping)
        return;
    if (d->page_running) { /* a build slower than the period: skip, never pile up */
        logmsg("status page: the previous build is still running; skipped");
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        logmsg("status page: cannot find our own executable");
        return;
    }
    exe[n] = '\0';
    char *args[] = {exe, "status-page", "-c", (char *)d->cfg_path, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                     {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {
        .exit_cb = on_page_exit, .file = exe, .args = args, .stdio_count = 3, .stdio = stdio};
    d->page_proc.data = d;
    sp_fd_cloexec_from(3); /* see alerts/alert.c's start_exec */
    int rc = uv_spawn(&d->loop, &d->page_proc, &o);
    if (rc != 0) {
        logmsg("status page: cannot start %s: %s", exe, uv_strerror(rc));
        uv_close((uv_handle_t *)&d->page_proc, NULL);
        return;
    }
    d->page_running = true;
}

/* The live state: every target's state now, for a page built meanwhile.
 * The snapshot is taken on the loop; the file is written in the thread
 * pool (no file I/O on the loop), then the page is rebuilt from it. */
static void live_write_work(uv_work_t *w)
{
    run_state *d = w->data;
    json_t *o = sp_sched_live_json(d->live_snap);
    if (!o) {
        snprintf(d->live_err, sizeof d->live_err, "out of memory");
        d->live_st = SP_ENOMEM;
        return;
    }
    d->live_st = sp_statuspage_write_live(d->live_dir, o, d->live_err, sizeof d->live_err);
    json_decref(o);
}

static void write_live(run_state *d);

static void live_written(uv_work_t *w, int status)
{
    run_state *d = w->data;
    sp_sched_live_free(d->live_snap);
    d->live_snap = NULL;
    if (d->stopping) { /* the stop removed the file before this write ended */
        sp_statuspage_remove_live(d->live_dir);
        return;
    }
    if (status != 0 || d->live_st != SP_OK)
        logmsg("status page: live state not written: %s",
               status != 0 ? uv_strerror(status) : d->live_err);
    if (d->live_again) { /* changes during the write: write again first */
        d->live_again = false;
        write_live(d);
        return;
    }
    if (d->page_every_ms <= 0)
        return;
    if (d->page_running)
        d->page_again = true;
    else
        on_page_timer(&d->page_timer);
}

static void write_live(run_state *d)
{
    d->live_last_ms = (int64_t)uv_now(&d->loop);
    if (d->live_snap) {
        d->live_again = true;
        return;
    }
    if (!(d->live_snap = sp_sched_live_take(d->sched))) {
        logmsg("status page: live state not written: out of memory");
        return;
    }
    d->live_work.data = d;
    int rc = uv_queue_work(&d->loop, &d->live_work, live_write_work, live_written);
    if (rc != 0) {
        logmsg("status page: live state not written: %s", uv_strerror(rc));
        sp_sched_live_free(d->live_snap);
        d->live_snap = NULL;
    }
}

static void on_live_timer(uv_timer_t *t)
{
    run_state *d = t->data;
    if (!d->stopping)
        write_live(d);
}

/* A state changed: write the live state and rebuild the page within a
 * second, at most once a second however many targets change. */
static void on_state_change(void *arg)
{
    run_state *d = arg;
    if (d->stopping || uv_is_active((uv_handle_t *)&d->live_timer))
        return;
    int64_t wait = d->live_last_ms + d->live_every_ms - (int64_t)uv_now(&d->loop);
    uv_timer_start(&d->live_timer, on_live_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

/* (Re)arm the page timer for cfg: first build soon, then every period. */
static void page_schedule(run_state *d, const sp_cfg *cfg)
{
    int64_t every = cfg->status_dir ? cfg->status_every_ms : 0;
    if (every == d->page_every_ms)
        return;
    d->page_every_ms = every;
    uv_timer_stop(&d->page_timer);
    if (every > 0)
        uv_timer_start(&d->page_timer, on_page_timer, 1000, (uint64_t)every);
}

/* The live state is every target's: at 100,000 targets a write builds and
 * frees 100,000 JSON objects, which once a second through the first
 * interval (every target changes state once) costs more CPU than the
 * probes. So a second per 10,000 targets between two writes, 1 s at
 * least: a change reaches the page within that. */
static int64_t live_every(size_t n_targets)
{
    int64_t ms = (int64_t)(n_targets / 10);
    return ms > 1000 ? ms : 1000;
}

static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    run_state *d = h->data;
    char err[1024];
    sp_cfg *cfg = NULL;
    if (sp_cfg_load(d->cfg_path, &cfg, err, sizeof err) != SP_OK) {
        logmsg("reload rejected, the running configuration stays: %s", err);
        return;
    }
    if (open_targets(d->store, cfg, err, sizeof err) != SP_OK) {
        logmsg("reload rejected, the running configuration stays: %s", err);
        sp_cfg_destroy(cfg);
        return;
    }
    size_t n = cfg->n_targets;
    d->live_every_ms = live_every(n);
    if (sp_sched_apply(d->sched, cfg) != SP_OK) {
        logmsg("reload failed: out of memory");
        return;
    }
    page_schedule(d, cfg); /* cfg now belongs to the scheduler, alive until the next apply */
    if (repl_targets(d->repl, cfg) != SP_OK)
        logmsg("reload: out of memory: the replicator keeps the old targets");
    if (d->metrics && sp_metrics_set_targets(d->metrics, cfg) != SP_OK)
        logmsg("reload: out of memory: /metrics keeps the old targets");
    fprintf(stderr, "slaprobe: reloaded %s: %zu targets\n", d->cfg_path, n);
    sp_journal_line reload = {.type = SP_JOURNAL_RELOAD};
    sp_sched_journal_all(d->sched, sp_journal_line_to_json(&reload), false);
}

static void print_stats(const sp_sched_stats *st)
{
    size_t n = st->late_n < 8192 ? st->late_n : 8192;
    double *v = malloc((n ? n : 1) * sizeof *v);
    sp_summary s = {0};
    double p99 = 0;
    if (v && n) {
        memcpy(v, st->late_ms, n * sizeof *v);
        sp_stats_summarize(v, n, &s);
        p99 = sp_stats_percentile_sorted(v, n, 99);
    }
    free(v);
    fprintf(stderr,
            "slaprobe: stopped: %llu probes (%llu retries), %llu skipped; start lateness "
            "p50 %.1f ms, p99 %.1f ms, max %.1f ms (last %zu probes)\n",
            (unsigned long long)st->probes, (unsigned long long)st->retries,
            (unsigned long long)st->skipped, s.median, p99, s.max, n);
}

static void stopped(void *arg)
{
    run_state *d = arg;
    sp_metrics_destroy(d->metrics); /* first: it reads what goes below */
    d->metrics = NULL;
    uv_close((uv_handle_t *)&d->sighup, NULL);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    uv_close((uv_handle_t *)&d->clock_timer, NULL);
    uv_close((uv_handle_t *)&d->page_timer, NULL); /* a running build finishes on its own */
    uv_close((uv_handle_t *)&d->live_timer, NULL);
    sp_statuspage_remove_live(d->live_dir); /* no daemon, no live state */
    /* no last round: stopping must not wait on the central host */
    sp_repl_destroy(d->repl);
    d->repl = NULL;
    print_stats(sp_sched_get_stats(d->sched));
    sp_sched_destroy(d->sched);
    d->sched = NULL;
    sp_probe_engine_destroy(d->eng);
    d->eng = NULL;
    sp_alert_destroy(d->alerter);
    d->alerter = NULL;
    /* the stop lines are queued now: the last checkpoint covers them */
    sp_evidence_ckpt_stop(d->ckpt);
}

/* Probes are done, so no new alert can come: let deliveries in flight end. */
static void sched_stopped(void *arg)
{
    run_state *d = arg;
    size_t n = sp_alert_pending(d->alerter);
    if (n)
        fprintf(stderr, "slaprobe: %zu alert deliver%s pending\n", n, n == 1 ? "y" : "ies");
    sp_alert_stop(d->alerter, 3000, stopped, d);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    run_state *d = h->data;
    if (d->stopping)
        return;
    d->stopping = true;
    fprintf(stderr, "slaprobe: %s: finishing probes in flight\n",
            signum == SIGTERM ? "SIGTERM" : "SIGINT");
    sp_sched_stop(d->sched, 5000, sched_stopped, d);
}

int sp_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"max-inflight", required_argument, NULL, 'm'},
        {"vantage", required_argument, NULL, 'V'}, {"metrics", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    run_state d = {.clock_state = -1};
    long max_inflight = 1000;
    const char *metrics_addr = NULL;
    char err[1024];
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            d.cfg_path = optarg;
            break;
        case 'V':
            /* through the environment, so that every reload sees it too
             * and sp_cfg_load checks it as it checks SLAPROBE_VANTAGE */
            if (setenv("SLAPROBE_VANTAGE", optarg, 1) != 0) {
                fprintf(stderr, "slaprobe run: --vantage: %s\n", strerror(errno));
                return SP_EXIT_FAIL;
            }
            break;
        case 'm': {
            char *end;
            max_inflight = strtol(optarg, &end, 10);
            if (*end || max_inflight < 1 || max_inflight > 1000000) {
                fprintf(stderr, "slaprobe run: --max-inflight must be 1-1000000\n");
                return SP_EXIT_USAGE;
            }
            break;
        }
        case 'M': {
            struct sockaddr_storage ss;
            if (!sp_value_listen(optarg, &ss)) {
                fprintf(stderr,
                        "slaprobe run: --metrics '%s' is not IPv4:port or [IPv6]:port "
                        "(e.g. 127.0.0.1:9464)\n",
                        optarg);
                return SP_EXIT_USAGE;
            }
            metrics_addr = optarg;
            break;
        }
        case 'h':
            fputs(run_usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr, "slaprobe run: bad option '%s' (try 'slaprobe run --help')\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!d.cfg_path || optind < argc) {
        fprintf(stderr, "slaprobe run: -c FILE is required (try 'slaprobe run --help')\n");
        return SP_EXIT_USAGE;
    }
    /* Until the loop's handlers are in place (after setup, which opens
     * every target's files and may take seconds), a stop or reload signal
     * is held, not acted on by its default action: SIGTERM then would end
     * the daemon with no stop line. Threads started meanwhile inherit the
     * mask, so the signal comes to this thread once it is unblocked. */
    sigset_t held;
    sigemptyset(&held);
    sigaddset(&held, SIGTERM);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &held, NULL);
    sp_cfg *cfg = NULL;
    if (sp_cfg_load(d.cfg_path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    sp_cli_raise_nofile();
    /* What we were started with beyond stdin, stdout and stderr (a shell's
     * or a supervisor's descriptors) is not for the programs we run. */
    sp_fd_cloexec_from(3);
    if (sp_probe_global_init() != SP_OK) {
        fprintf(stderr, "slaprobe: cannot initialise libcurl/c-ares\n");
        sp_cfg_destroy(cfg);
        return SP_EXIT_FAIL;
    }
    uv_loop_init(&d.loop);
    int rc = SP_EXIT_USAGE;
    /* vantage mode: <root>/<vantage>; the store makes only the last level */
    if (cfg->vantage && mkdir(cfg->storage_root, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "slaprobe: cannot create storage directory %s: %s\n", cfg->storage_root,
                strerror(errno));
        sp_cfg_destroy(cfg);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    sp_probe_engine_opts eo = {.dns_servers = cfg->dns_servers};
    if (sp_store_create(&d.loop, cfg->storage_dir, cfg->rrdcached, &cfg->retention, &d.store, err,
                        sizeof err) != SP_OK ||
        open_targets(d.store, cfg, err, sizeof err) != SP_OK ||
        sp_probe_engine_create(&d.loop, &eo, &d.eng, err, sizeof err) != SP_OK ||
        (sp_alert_create(&d.loop, d.store, &d.alerter) != SP_OK &&
         snprintf(err, sizeof err, "cannot set up alerts (libcurl)"))) {
        fprintf(stderr, "slaprobe: %s\n", err);
        sp_cfg_destroy(cfg);
        goto out;
    }
    if (cfg->evidence_key_pem) {
        sp_evidence_ckpt_opts co = {.dir = cfg->storage_dir,
                                    .key_pem = cfg->evidence_key_pem,
                                    .every_ms = cfg->evidence_every_ms,
                                    .tsa_url = cfg->evidence_tsa_url,
                                    .tsa_ca = cfg->evidence_tsa_ca};
        if (sp_evidence_ckpt_create(&d.loop, d.store, &co, &d.ckpt, err, sizeof err) != SP_OK) {
            fprintf(stderr, "slaprobe: evidence.key: %s\n", err);
            sp_cfg_destroy(cfg);
            goto out;
        }
    }
    if (cfg->central_rrdcached) {
        sp_repl_opts ro = {.central = cfg->central_rrdcached,
                           .vantage = cfg->vantage,
                           .store_dir = cfg->storage_dir,
                           .local_rrdcached = cfg->rrdcached,
                           .store = d.store,
                           .retention = cfg->retention,
                           .every_ms = cfg->central_every_ms,
                           .timeout_ms = cfg->central_timeout_ms};
        if (sp_repl_create(&d.loop, &ro, &d.repl, err, sizeof err) != SP_OK ||
            (repl_targets(d.repl, cfg) != SP_OK && snprintf(err, sizeof err, "out of memory"))) {
            fprintf(stderr, "slaprobe: storage.central: %s\n", err);
            sp_cfg_destroy(cfg);
            goto out;
        }
        fprintf(stderr, "slaprobe: replicating to %s every %g s\n", cfg->central_rrdcached,
                (double)cfg->central_every_ms / 1000.0);
    }
    sp_sched_create(&d.loop, d.eng, d.store, (size_t)max_inflight, &d.sched);
    sp_sched_set_alerter(d.sched, d.alerter);
    sp_alert_set_checkpoints(d.alerter, d.ckpt);
    size_t n = cfg->n_targets;
    sp_sched_apply(d.sched, cfg);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "unknown");
    sp_journal_line start = {.type = SP_JOURNAL_START,
                             .start = {.version = SP_VERSION,
                                       .pid = (int)getpid(),
                                       .config = d.cfg_path,
                                       .host = host,
                                       .config_sha256 = cfg->config_sha256,
                                       .vantage = cfg->vantage}};
    sp_sched_journal_all(d.sched, sp_journal_line_to_json(&start), true);
    if (!metrics_addr)
        metrics_addr = cfg->metrics_listen;
    if (metrics_addr) {
        char exe[PATH_MAX];
        ssize_t en = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[en > 0 ? en : 0] = '\0';
        sp_metrics_opts mo = {.listen = metrics_addr,
                              .modules = cfg->metrics_modules,
                              .cfg_path = d.cfg_path,
                              .exe = en > 0 ? exe : NULL,
                              .sched = d.sched,
                              .store = d.store,
                              .alerter = d.alerter,
                              .repl = d.repl,
                              .vantage = cfg->vantage};
        /* before the signals are unblocked: its thread inherits the mask */
        if (sp_metrics_create(&d.loop, &mo, cfg, &d.metrics, err, sizeof err) != SP_OK) {
            fprintf(stderr, "slaprobe: %s\n", err);
            rc = SP_EXIT_FAIL;
            goto out;
        }
        fprintf(stderr, "slaprobe: metrics on http://%s/metrics\n", metrics_addr);
    }
    fprintf(stderr, "slaprobe %s: running %zu targets from %s, storage %s%s%s\n", SP_VERSION, n,
            d.cfg_path, cfg->storage_dir, cfg->rrdcached ? " via rrdcached " : "",
            cfg->rrdcached ? cfg->rrdcached : "");

    uv_signal_init(&d.loop, &d.sighup);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    d.sighup.data = d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sighup, on_sighup, SIGHUP);
    uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &held, NULL); /* one held now is handled */
    uv_timer_init(&d.loop, &d.clock_timer);
    d.clock_timer.data = &d;
    uv_timer_start(&d.clock_timer, on_clock_timer, 0, 60000);
    uv_timer_init(&d.loop, &d.page_timer);
    d.page_timer.data = &d;
    uv_timer_init(&d.loop, &d.live_timer);
    d.live_timer.data = &d;
    snprintf(d.live_dir, sizeof d.live_dir, "%s", cfg->storage_dir);
    d.live_every_ms = live_every(n);
    sp_sched_on_change(d.sched, on_state_change, &d);
    write_live(&d); /* every target UNKNOWN until its first probe */
    page_schedule(&d, cfg);

    uv_run(&d.loop, UV_RUN_DEFAULT);
    rc = SP_EXIT_OK;
out:
    sp_metrics_destroy(d.metrics);
    sp_repl_destroy(d.repl);
    if (d.sched) { /* setup failed after the scheduler existed */
        sp_sched_destroy(d.sched);
        d.sched = NULL;
    }
    if (d.eng)
        sp_probe_engine_destroy(d.eng);
    sp_alert_destroy(d.alerter);
    sp_evidence_ckpt_destroy(d.ckpt);
    sp_store_destroy(d.store);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&d.loop) != 0)
        fprintf(stderr, "slaprobe: internal error: handles left open at exit\n");
    sp_probe_global_cleanup();
    return rc;
}
