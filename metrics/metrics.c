/*
 * The loop side of /metrics (contract in metrics.h, sharing in
 * metrics_int.h): every target's figures, kept as results come, and the
 * snapshots built from them.
 *
 * Publishing copies the figures into one new block (10,000 targets are
 * about 3 MB: a millisecond of memcpy, at most once a second), then swaps
 * a pointer under a mutex held for nothing else. The HTTP thread takes a
 * reference under the same mutex and renders outside it, so the loop
 * never waits for a scrape.
 *
 * The month figures come from a child (`slaprobe metrics-month`, month.c)
 * started every month_every_ms (60 s) and soon after a state change (but
 * never sooner than month_min_gap_ms, 10 s, after the last one, never two
 * at once, and never more than a twentieth of the time: month_period).
 * Building the live view reads every RRD file's month: that is the status
 * page's build without its HTML, in its own process, so its reads and its
 * TZ stay off the loop and out of its threads; its output is a line per
 * target, parsed here in a few milliseconds for 10,000.
 */
#include "metrics/metrics_int.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blackbox/blackbox.h"
#include "common/sp_fd.h"
#include "common/sp_grow.h"
#include "common/sp_time.h"
#include "common/sp_value.h"
#include "probe/sp_probe.h"

#define PUBLISH_MIN_GAP_MS 1000
#define REFRESH_MS 5000
#define MONTH_OUT_MAX (64u << 20)          /* a child's output past this is not ours */
#define MONTH_DEADLINE_MS (15 * 60 * 1000) /* a child still running then is stuck */
#define MONTH_TOOK_MAX_MS (3 * 60 * 1000)  /* so the period stays within an hour */

struct sp_metrics {
    uv_loop_t *loop;
    sp_sched *sched;
    sp_store *store;
    sp_alerter *alerter;
    sp_repl *repl;
    char *vantage, *cfg_path, *exe;
    double start_time_s;
    /* every target's figures, sorted by id (bsearch per result); ids owned */
    sp_metrics_target *t;
    size_t n;
    /* publishing */
    uv_timer_t pub_timer;     /* one-shot: the next publish after results */
    uv_timer_t refresh_timer; /* every REFRESH_MS: counters move without results */
    int64_t last_pub_ms;
    uv_mutex_t mu; /* guards cur (and the refs of the snapshot it holds) */
    sp_metrics_snap *cur;
    sp_metrics_http *http;
    sp_bb_runner *bb; /* /probe: blackbox-style probes on the loop */
    /* the month figures' child */
    int64_t month_every_ms, month_min_gap_ms, month_last_ms;
    int64_t month_took_ms; /* the last run's wall time: the next waits 19 times that */
    uv_timer_t month_timer;
    uv_process_t month_proc;
    uv_pipe_t month_out;
    bool month_running, month_again;
    int month_waiting; /* exit and end of output still to come */
    char *month_buf;
    size_t month_len, month_cap;
    bool month_overflow;
    int open_handles; /* freed when the last one has closed */
    bool destroying;
};

/* --- Snapshots ------------------------------------------------------------ */

sp_bb_runner *sp_metrics__runner(sp_metrics *m)
{
    return m->bb;
}

sp_metrics_snap *sp_metrics__snap_get(sp_metrics *m)
{
    uv_mutex_lock(&m->mu);
    sp_metrics_snap *s = m->cur;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    uv_mutex_unlock(&m->mu);
    return s;
}

void sp_metrics__snap_put(sp_metrics_snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        free(s);
}

static int cmp_target(const void *a, const void *b)
{
    return strcmp(((const sp_metrics_target *)a)->id, ((const sp_metrics_target *)b)->id);
}

static sp_metrics_target *find(sp_metrics *m, const char *id)
{
    sp_metrics_target key = {.id = id};
    if (!m->n)
        return NULL;
    return bsearch(&key, m->t, m->n, sizeof *m->t, cmp_target);
}

static void publish(sp_metrics *m)
{
    m->last_pub_ms = (int64_t)uv_now(m->loop);
    size_t ids = 0;
    for (size_t i = 0; i < m->n; i++)
        ids += strlen(m->t[i].id) + 1;
    size_t head = sizeof(sp_metrics_snap), body = m->n * sizeof(sp_metrics_target);
    head = (head + 15) & ~(size_t)15;
    sp_metrics_snap *s = malloc(head + body + ids);
    if (!s) {
        fprintf(stderr, "slaprobe: metrics: out of memory; /metrics shows older figures\n");
        return;
    }
    memset(s, 0, sizeof *s);
    atomic_init(&s->refs, 1);
    s->version = SP_VERSION;
    s->vantage = m->vantage;
    s->start_time_s = m->start_time_s;
    const sp_sched_stats *ss = sp_sched_get_stats(m->sched);
    s->late = ss->late;
    s->probes = ss->probes;
    s->retries = ss->retries;
    s->skipped = ss->skipped;
    s->clock_jumps = ss->clock_jumps;
    sp_store_get_stats(m->store, &s->store);
    if (m->alerter)
        sp_alert_get_stats(m->alerter, &s->alerts);
    s->n = m->n;
    s->t = (sp_metrics_target *)((char *)s + head);
    char *arena = (char *)s + head + body;
    for (size_t i = 0; i < m->n; i++) {
        s->t[i] = m->t[i];
        size_t l = strlen(m->t[i].id) + 1;
        memcpy(arena, m->t[i].id, l);
        s->t[i].id = arena;
        arena += l;
    }
    if (m->repl) {
        s->has_repl = true;
        sp_repl_stats *rs = calloc(m->n ? m->n : 1, sizeof *rs);
        size_t k = rs ? sp_repl_get_stats(m->repl, rs, m->n) : 0;
        for (size_t i = 0; i < k; i++) {
            sp_metrics_target *t = find(m, rs[i].id);
            if (t && rs[i].lag_s >= 0)
                s->t[t - m->t].repl_lag_s = (double)rs[i].lag_s;
        }
        free(rs);
    }
    uv_mutex_lock(&m->mu);
    sp_metrics_snap *old = m->cur;
    m->cur = s;
    uv_mutex_unlock(&m->mu);
    sp_metrics__snap_put(old);
}

static void on_pub_timer(uv_timer_t *h)
{
    publish(h->data);
}

/* Results came: publish within a second, at most once a second. */
static void publish_soon(sp_metrics *m)
{
    if (m->destroying || uv_is_active((uv_handle_t *)&m->pub_timer))
        return;
    int64_t wait = m->last_pub_ms + PUBLISH_MIN_GAP_MS - (int64_t)uv_now(m->loop);
    uv_timer_start(&m->pub_timer, on_pub_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

/* --- The month figures ------------------------------------------------------ */

static void month_start(sp_metrics *m);

/* The child never runs more than a twentieth of the time: a build that
 * took d is followed by at least 19 d without one, whatever the period
 * says. Late in a month of one-minute rows a build costs about 4 ms of CPU
 * a target (bench/reports.sh, metrics-month): 40 s for 10,000 targets,
 * then at most every 13 minutes, 5 % of one core; early in a month, or
 * with fewer targets, every minute. */
static uint64_t month_period(const sp_metrics *m)
{
    int64_t p = m->month_every_ms > 20 * m->month_took_ms ? m->month_every_ms
                                                          : 20 * m->month_took_ms;
    return (uint64_t)p;
}

static void on_month_timer(uv_timer_t *h)
{
    month_start(h->data);
}

/* Run the child soon: now if the last one is long enough ago, else when it
 * will be; after the running one if one runs. */
static void month_soon(sp_metrics *m)
{
    if (!m->exe || m->destroying)
        return;
    if (m->month_running) {
        m->month_again = true;
        return;
    }
    int64_t gap = m->month_min_gap_ms > 19 * m->month_took_ms ? m->month_min_gap_ms
                                                              : 19 * m->month_took_ms;
    int64_t wait = m->month_last_ms + m->month_took_ms + gap - (int64_t)uv_now(m->loop);
    if (wait < 0)
        wait = 0;
    /* the periodic timer doubles as this one: the earlier wins */
    uint64_t due = uv_timer_get_due_in(&m->month_timer);
    if (!uv_is_active((uv_handle_t *)&m->month_timer) || (uint64_t)wait < due)
        uv_timer_start(&m->month_timer, on_month_timer, (uint64_t)wait, month_period(m));
}

static void month_parse(sp_metrics *m)
{
    if (m->month_overflow || !m->month_buf)
        return;
    char *line = m->month_buf;
    for (;;) {
        char *nl = memchr(line, '\n', m->month_len - (size_t)(line - m->month_buf));
        if (!nl)
            break;
        *nl = '\0';
        char *sp = strchr(line, ' ');
        if (sp) {
            *sp = '\0';
            char *end;
            double ratio = strtod(sp + 1, &end);
            double budget = strtod(end, NULL);
            sp_metrics_target *t = find(m, line);
            if (t) {
                t->month_ratio = ratio;
                t->budget_left_s = budget;
            }
        }
        line = nl + 1;
    }
}

static void month_closed(uv_handle_t *h);

/* Both the exit and the end of the output are in: read the figures. */
static void month_done_maybe(sp_metrics *m)
{
    if (--m->month_waiting > 0)
        return;
    if (!m->destroying) {
        month_parse(m);
        publish_soon(m);
    }
    m->month_len = 0;
    m->month_overflow = false;
    uv_close((uv_handle_t *)&m->month_proc, month_closed);
    uv_close((uv_handle_t *)&m->month_out, month_closed);
}

static void on_month_exit(uv_process_t *p, int64_t status, int term_signal)
{
    sp_metrics *m = p->data;
    if ((status != 0 || term_signal != 0) && !m->destroying) {
        fprintf(stderr,
                "slaprobe: metrics: month figures not updated (slaprobe metrics-month exited "
                "%lld%s)\n",
                (long long)status, term_signal ? ", killed" : "");
        m->month_overflow = true; /* what it wrote is not to be trusted */
    }
    month_done_maybe(m);
}

static void month_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    sp_metrics *m = h->data;
    *buf = uv_buf_init(NULL, 0);
    if (m->month_len + suggested + 1 > MONTH_OUT_MAX ||
        sp_grow((void **)&m->month_buf, &m->month_cap, m->month_len + suggested + 1, 1) != SP_OK)
        return; /* libuv reports UV_ENOBUFS to month_read */
    *buf = uv_buf_init(m->month_buf + m->month_len, (unsigned)suggested);
}

static void month_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    sp_metrics *m = st->data;
    (void)buf;
    if (n > 0) {
        m->month_len += (size_t)n;
        return;
    }
    if (n == 0)
        return;
    if (n != UV_EOF) { /* too much, or unreadable: it would block writing the rest */
        m->month_overflow = true;
        uv_process_kill(&m->month_proc, SIGKILL);
    }
    uv_read_stop(st);
    month_done_maybe(m);
}

static void month_closed(uv_handle_t *h)
{
    sp_metrics *m = h->data;
    if (h == (uv_handle_t *)&m->month_proc) {
        m->month_running = false;
        m->month_took_ms = (int64_t)uv_now(m->loop) - m->month_last_ms;
        if (m->month_took_ms > MONTH_TOOK_MAX_MS) /* one stuck run must not stop them for hours */
            m->month_took_ms = MONTH_TOOK_MAX_MS;
        if (!m->destroying && month_period(m) != uv_timer_get_repeat(&m->month_timer)) {
            uint64_t p = month_period(m);
            uv_timer_start(&m->month_timer, on_month_timer, p, p);
        }
        if (m->month_again && !m->destroying) {
            m->month_again = false;
            month_soon(m);
        }
    }
    if (--m->open_handles == 0) {
        free(m->month_buf);
        free(m);
    }
}

static void month_start(sp_metrics *m)
{
    if (m->destroying)
        return;
    if (m->month_running) { /* a stuck child (an rrdcached that never answers) ends here */
        if (m->month_waiting > 0 &&
            (int64_t)uv_now(m->loop) - m->month_last_ms > MONTH_DEADLINE_MS) {
            fprintf(stderr, "slaprobe: metrics: metrics-month has run for %d minutes: killed\n",
                    MONTH_DEADLINE_MS / 60000);
            uv_process_kill(&m->month_proc, SIGKILL);
        }
        return;
    }
    m->month_last_ms = (int64_t)uv_now(m->loop);
    uv_pipe_init(m->loop, &m->month_out, 0);
    m->month_out.data = m;
    m->open_handles++;
    char *args[] = {m->exe, "metrics-month", "-c", m->cfg_path, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&m->month_out},
        {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {
        .exit_cb = on_month_exit, .file = m->exe, .args = args, .stdio_count = 3, .stdio = stdio};
    m->month_proc.data = m;
    sp_fd_cloexec_from(3); /* see alerts/alert.c's start_exec */
    int rc = uv_spawn(m->loop, &m->month_proc, &o);
    m->open_handles++;
    m->month_running = true;
    if (rc != 0) { /* both handles are initialised all the same: close them */
        fprintf(stderr, "slaprobe: metrics: cannot start %s metrics-month: %s\n", m->exe,
                uv_strerror(rc));
        m->month_waiting = 0;
        uv_close((uv_handle_t *)&m->month_out, month_closed);
        uv_close((uv_handle_t *)&m->month_proc, month_closed);
        return;
    }
    m->month_waiting = 2;
    uv_read_start((uv_stream_t *)&m->month_out, month_alloc, month_read);
}

/* --- Results ----------------------------------------------------------------- */

static double phase(double ms)
{
    return ms < 0 ? NAN : ms / 1000.0;
}

static void on_result(void *arg, const char *id, const sp_probe_result *res, bool posture,
                      sp_state state)
{
    sp_metrics *m = arg;
    sp_metrics_target *t = find(m, id);
    if (!t)
        return;
    if (res->posture.present && res->posture.grade != SP_GRADE_NONE)
        snprintf(t->grade, sizeof t->grade, "%s", sp_probe_tls_grade_name(res->posture.grade));
    if (!posture) {
        bool changed = t->state != state;
        t->state = state;
        t->has_result = true;
        t->last_ok = res->ok;
        const double ms[SP_METRICS_PHASES] = {res->dns_ms, res->connect_ms, res->tls_ms,
                                              res->ttfb_ms, res->total_ms};
        for (int p = 0; p < SP_METRICS_PHASES; p++)
            t->phase_s[p] = phase(ms[p]);
        if ((unsigned)res->reason < SP_REASON_COUNT)
            t->probes[res->reason]++;
        int64_t exp_ms;
        if (res->tls.has_cert && sp_value_timestamp_ms(res->tls.not_after, &exp_ms))
            t->cert_expiry_s = (double)exp_ms / 1000.0;
        if (changed)
            month_soon(m);
    }
    publish_soon(m);
}

/* --- Life cycle ---------------------------------------------------------------- */

static void empty_target(sp_metrics_target *t)
{
    memset(t, 0, sizeof *t);
    t->state = SP_STATE_UNKNOWN;
    for (int p = 0; p < SP_METRICS_PHASES; p++)
        t->phase_s[p] = NAN;
    t->month_ratio = t->budget_left_s = t->cert_expiry_s = t->repl_lag_s = NAN;
}

sp_status sp_metrics_set_targets(sp_metrics *m, const sp_cfg *cfg)
{
    sp_metrics_target *v = calloc(cfg->n_targets ? cfg->n_targets : 1, sizeof *v);
    if (!v)
        return SP_ENOMEM;
    size_t n = 0;
    for (; n < cfg->n_targets; n++) {
        const char *id = cfg->targets[n].id;
        const sp_metrics_target *old = find(m, id);
        if (old)
            v[n] = *old;
        else
            empty_target(&v[n]);
        if (!(v[n].id = strdup(id))) {
            for (size_t k = 0; k < n; k++)
                free((char *)v[k].id);
            free(v);
            return SP_ENOMEM;
        }
    }
    qsort(v, n, sizeof *v, cmp_target);
    for (size_t i = 0; i < m->n; i++)
        free((char *)m->t[i].id);
    free(m->t);
    m->t = v;
    m->n = n;
    publish_soon(m);
    return SP_OK;
}

static void timer_closed(uv_handle_t *h)
{
    month_closed(h); /* the same count; month_proc is never a timer */
}

sp_status sp_metrics_create(uv_loop_t *loop, const sp_metrics_opts *o, const sp_cfg *cfg,
                            sp_metrics **out, char *err, size_t errlen)
{
    *out = NULL;
    sp_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return SP_ENOMEM;
    m->loop = loop;
    m->sched = o->sched;
    m->store = o->store;
    m->alerter = o->alerter;
    m->repl = o->repl;
    m->start_time_s = (double)sp_time_wall_ms() / 1000.0;
    m->month_every_ms = o->month_every_ms > 0 ? o->month_every_ms : 60000;
    m->month_min_gap_ms = o->month_min_gap_ms > 0 ? o->month_min_gap_ms : 10000;
    m->month_last_ms = -m->month_min_gap_ms;
    uv_mutex_init(&m->mu);
    uv_timer_init(loop, &m->pub_timer);
    uv_timer_init(loop, &m->refresh_timer);
    uv_timer_init(loop, &m->month_timer);
    m->pub_timer.data = m->refresh_timer.data = m->month_timer.data = m;
    m->open_handles = 3;
    if ((o->vantage && !(m->vantage = strdup(o->vantage))) ||
        (o->exe && (!(m->exe = strdup(o->exe)) || !(m->cfg_path = strdup(o->cfg_path)))) ||
        sp_metrics_set_targets(m, cfg) != SP_OK) {
        snprintf(err, errlen, "out of memory");
        sp_metrics_destroy(m);
        return SP_ENOMEM;
    }
    publish(m); /* a scrape right after the start finds every target UNKNOWN */
    sp_bb_modules *mods;
    sp_status st = o->modules ? sp_bb_modules_load(o->modules, &mods, err, errlen)
                              : sp_bb_modules_default(&mods);
    if (st == SP_OK && (st = sp_bb_runner_create(loop, mods, &m->bb, err, errlen)) != SP_OK)
        sp_bb_modules_destroy(mods);
    if (st != SP_OK) {
        if (st == SP_ENOMEM)
            snprintf(err, errlen, "out of memory");
        sp_metrics_destroy(m);
        return st;
    }
    st = sp_metrics__http_start(m, o->listen, &m->http, err, errlen);
    if (st != SP_OK) {
        sp_metrics_destroy(m);
        return st;
    }
    uv_timer_start(&m->refresh_timer, on_pub_timer, REFRESH_MS, REFRESH_MS);
    if (m->exe) /* the first figures after the first probes have had a moment */
        uv_timer_start(&m->month_timer, on_month_timer, 2000, (uint64_t)m->month_every_ms);
    sp_sched_on_result(m->sched, on_result, m);
    *out = m;
    return SP_OK;
}

void sp_metrics_destroy(sp_metrics *m)
{
    if (!m)
        return;
    m->destroying = true;
    sp_sched_on_result(m->sched, NULL, NULL);
    /* first: /probe requests waiting on the loop are answered (and their
     * connections resumed) before the HTTP server stops */
    sp_bb_runner_close(m->bb);
    m->bb = NULL;
    sp_metrics__http_stop(m->http); /* joined: no scrape holds a snapshot now */
    m->http = NULL;
    sp_metrics__snap_put(m->cur);
    m->cur = NULL;
    uv_mutex_destroy(&m->mu);
    for (size_t i = 0; i < m->n; i++)
        free((char *)m->t[i].id);
    free(m->t);
    m->t = NULL;
    m->n = 0;
    free(m->vantage);
    free(m->exe);
    free(m->cfg_path);
    m->vantage = m->exe = m->cfg_path = NULL;
    if (m->month_running && m->month_waiting > 0)
        uv_process_kill(&m->month_proc, SIGKILL); /* its exit closes the handles */
    uv_close((uv_handle_t *)&m->pub_timer, timer_closed);
    uv_close((uv_handle_t *)&m->refresh_timer, timer_closed);
    uv_close((uv_handle_t *)&m->month_timer, timer_closed);
}
