/*
 * The alerter: one delivery ("job") per event and channel, on the daemon's
 * loop. See sp_alert.h for the contract.
 *
 * Webhook and SMTP go through libcurl on the same libuv loop as the probes,
 * but on a multi handle of their own (common/sp_curluv.c drives both): the
 * probe engine's multi keeps no connections and is bounded by probe
 * concurrency, and an alert stuck on a slow receiver must not count
 * against either. libcurl resolves the receiver's name itself (its
 * threaded resolver), off the loop; alerts are not measurements, so the
 * probes' c-ares path is not needed. exec uses uv_spawn: argv as written,
 * no shell, the event in SLAPROBE_* environment variables; exit status 0
 * means delivered. The program gets an environment of its own (PATH, LANG,
 * TZ, the channel's pass_env, the event: never the secrets env: names) and
 * no descriptor of the daemon but stdin (/dev/null), stdout and stderr.
 *
 * A job owns one uv_timer_t (back-off, then exec's deadline) and, during an
 * exec attempt, a uv_process_t; its memory goes when both have closed.
 * Retries wait backoff, 2 x backoff, 4 x ... up to backoff_max, for at
 * most 1 + retries attempts. Only the outcome is journaled: "sent" with
 * the attempt that succeeded, or "failed" after the last one.
 */
#include "sp_alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <curl/curl.h>

#include "common/sp_curluv.h"
#include "common/sp_fd.h"
#include "journal/lines.h"

extern char **environ;

/* More queued deliveries than this means every receiver is down for long;
 * later events are journaled as failed at once rather than eat memory. */
#define MAX_JOBS 10000

static const char *const type_names[] = {"webhook", "smtp", "exec"};

struct sp_alerter {
    uv_loop_t *loop;
    sp_store *store;
    sp_curluv *curl;
    const sp_evidence_ckpt *ckpt; /* the latest checkpoints, or NULL */
    struct job *jobs;             /* every delivery not finished */
    size_t n_jobs, n_running;
    bool stopping;
    uv_timer_t stop_timer;
    void (*stop_done)(void *);
    void *stop_arg;
    sp_alert_stats stats;
};

typedef struct job {
    sp_alerter *a;
    struct job *prev, *next;
    sp_cfg_alert_type type;
    char *channel; /* the channel's name */
    char *target;
    sp_alert_kind kind;
    int64_t since_ms, detected_ms;
    int attempts, max_attempts;
    int64_t backoff_ms, backoff_max_ms, timeout_ms;
    bool running; /* an attempt in flight */
    bool dropped; /* the alerter was destroyed: only free */
    char error[256];
    int handles; /* open libuv handles: the timer, the process */
    uv_timer_t timer;
    /* webhook, smtp */
    CURL *easy;
    char curl_err[CURL_ERROR_SIZE];
    char *url, *ca_file, *username, *password, *from;
    bool insecure, starttls;
    struct curl_slist *headers, *rcpt;
    char *body;
    size_t body_len, body_off;
    /* exec */
    char **argv, **env;
    uv_process_t proc;
    bool spawn_failed, timed_out;
    int64_t exit_status;
    int term_signal;
} job;

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* --- Job life ------------------------------------------------------------ */

static void job_free(job *j)
{
    free(j->channel);
    free(j->target);
    free(j->url);
    free(j->ca_file);
    free(j->username);
    if (j->password) { /* a secret: do not leave it in freed memory */
        memset(j->password, 0, strlen(j->password));
        free(j->password);
    }
    free(j->from);
    curl_slist_free_all(j->headers); /* may hold the auth secret */
    curl_slist_free_all(j->rcpt);
    free(j->body);
    sp_alert_free_strv(j->argv);
    sp_alert_free_strv(j->env);
    free(j);
}

static void job_handle_closed(uv_handle_t *h)
{
    job *j = h->data;
    if (--j->handles == 0)
        job_free(j);
}

static void unlink_job(job *j)
{
    sp_alerter *a = j->a;
    if (j->prev)
        j->prev->next = j->next;
    else
        a->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    a->n_jobs--;
}

static void stop_done_maybe(sp_alerter *a)
{
    if (a->stopping && !a->jobs && a->stop_done) {
        void (*done)(void *) = a->stop_done;
        a->stop_done = NULL;
        uv_timer_stop(&a->stop_timer);
        done(a->stop_arg);
    }
}

/* The outcome, on the target's journal (fsync'ed: it is evidence for the
 * report's notification delay) and in the log. */
static void journal(sp_alerter *a, const job *j, bool sent)
{
    int64_t t = now_ms();
    sp_journal_line l = {.type = SP_JOURNAL_ALERT,
                         .t_ms = t,
                         .alert = {.event = sp_alert_kind_name(j->kind),
                                   .target = j->target,
                                   .channel = type_names[j->type],
                                   .name = j->channel,
                                   .sent = sent,
                                   .since_ms = j->since_ms,
                                   .detected_ms = j->detected_ms,
                                   .attempts = j->attempts,
                                   .error = j->error}};
    json_t *ev = sp_journal_line_to_json(&l);
    if (sent)
        a->stats.sent++;
    else
        a->stats.failed++;
    fprintf(stderr,
            "slaprobe: %s: %s alert %s via %s %s after %d attempt%s, %.1f s after "
            "detection%s%s\n",
            j->target, sp_alert_kind_name(j->kind), sent ? "sent" : "FAILED", type_names[j->type],
            j->channel, j->attempts, j->attempts == 1 ? "" : "s",
            (double)(t - j->detected_ms) / 1000.0, j->error[0] ? ": " : "", j->error);
    sp_store_target *st = sp_store_find_target(a->store, j->target);
    if (ev && st)
        sp_store_put_event(a->store, st, ev, true);
    else
        json_decref(ev);
}

static void finish(job *j, bool sent)
{
    sp_alerter *a = j->a;
    if (sent && j->attempts == 1)
        j->error[0] = '\0';
    journal(a, j, sent);
    unlink_job(j);
    uv_timer_stop(&j->timer);
    uv_close((uv_handle_t *)&j->timer, job_handle_closed);
    stop_done_maybe(a);
}

static void on_timer(uv_timer_t *t);

/* One attempt ended; retry after the back-off or give up. */
static void attempt_done(job *j, bool ok, const char *err)
{
    sp_alerter *a = j->a;
    j->running = false;
    a->n_running--;
    if (ok) {
        finish(j, true);
        return;
    }
    snprintf(j->error, sizeof j->error, "%s", err);
    if (j->attempts >= j->max_attempts || a->stopping) {
        finish(j, false);
        return;
    }
    int64_t wait = j->backoff_ms;
    for (int k = 1; k < j->attempts && wait < j->backoff_max_ms; k++)
        wait *= 2;
    if (wait > j->backoff_max_ms)
        wait = j->backoff_max_ms;
    uv_timer_start(&j->timer, on_timer, (uint64_t)wait, 0);
}

/* --- libcurl: webhook and SMTP -------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static size_t read_body(char *out, size_t size, size_t n, void *arg)
{
    job *j = arg;
    size_t left = j->body_len - j->body_off, want = size * n;
    if (want > left)
        want = left;
    memcpy(out, j->body + j->body_off, want);
    j->body_off += want;
    return want;
}

static void curl_done(CURL *easy, CURLcode code, void *arg)
{
    sp_alerter *a = arg;
    job *j = NULL;
    char err[256];
    bool ok = code == CURLE_OK;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
    if (ok && j->type == SP_CFG_ALERT_WEBHOOK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        ok = status >= 200 && status < 300;
        snprintf(err, sizeof err, "HTTP status %ld", status);
    } else if (!ok) {
        snprintf(err, sizeof err, "%s", j->curl_err[0] ? j->curl_err : curl_easy_strerror(code));
    }
    sp_curluv_remove(a->curl, easy);
    curl_easy_cleanup(easy);
    j->easy = NULL;
    attempt_done(j, ok, err);
}

static bool start_curl(job *j, char *err, size_t errlen)
{
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(err, errlen, "curl_easy_init failed");
        return false;
    }
    j->curl_err[0] = '\0';
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)j);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->curl_err);
    curl_easy_setopt(e, CURLOPT_URL, j->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
    /* A handful of alerts an hour: a fresh connection each keeps no state
     * (and no socket) between them. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    if (j->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, j->ca_file);
    if (j->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (j->type == SP_CFG_ALERT_WEBHOOK) {
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_USERAGENT, "slaprobe/" SP_VERSION);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)j->body_len);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    } else {
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(e, CURLOPT_MAIL_FROM, j->from);
        curl_easy_setopt(e, CURLOPT_MAIL_RCPT, j->rcpt);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(e, CURLOPT_READDATA, j);
        j->body_off = 0;
        if (j->starttls) /* refuse to send in clear when STARTTLS is not offered */
            curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        if (j->username)
            curl_easy_setopt(e, CURLOPT_USERNAME, j->username);
        if (j->password)
            curl_easy_setopt(e, CURLOPT_PASSWORD, j->password);
    }
    if (sp_curluv_add(j->a->curl, e) != SP_OK) {
        curl_easy_cleanup(e);
        snprintf(err, errlen, "cannot add the transfer to libcurl");
        return false;
    }
    j->easy = e;
    return true;
}

/* --- exec ------------------------------------------------------------------ */

static void proc_closed(uv_handle_t *h)
{
    job *j = h->data;
    char err[256];
    j->handles--;
    if (j->dropped) {
        if (j->handles == 0)
            job_free(j);
        return;
    }
    bool ok = !j->spawn_failed && !j->timed_out && j->exit_status == 0 && j->term_signal == 0;
    if (j->spawn_failed)
        snprintf(err, sizeof err, "%s", j->error);
    else if (j->timed_out)
        snprintf(err, sizeof err, "%s: no exit within %lld ms (killed)", j->argv[0],
                 (long long)j->timeout_ms);
    else if (j->term_signal)
        snprintf(err, sizeof err, "%s: killed by signal %d", j->argv[0], j->term_signal);
    else
        snprintf(err, sizeof err, "%s: exit status %lld", j->argv[0], (long long)j->exit_status);
    attempt_done(j, ok, err);
}

static void on_proc_exit(uv_process_t *p, int64_t exit_status, int term_signal)
{
    job *j = p->data;
    j->exit_status = exit_status;
    j->term_signal = term_signal;
    uv_timer_stop(&j->timer);
    uv_close((uv_handle_t *)p, proc_closed);
}

static void start_exec(job *j)
{
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    /* Whatever the program says goes to the daemon's log. */
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = 2;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = j->argv[0];
    o.args = j->argv;
    o.env = j->env;
    o.exit_cb = on_proc_exit;
    o.stdio_count = 3;
    o.stdio = stdio;
    j->spawn_failed = j->timed_out = false;
    j->exit_status = 0;
    j->term_signal = 0;
    j->proc.data = j;
    j->handles++;
    /* libuv closes nothing in the child: what a library opened without
     * FD_CLOEXEC (libcurl's wakeup pair, librrd's rrdcached socket and
     * files) would be the program's. Loop thread, just before the fork. */
    sp_fd_cloexec_from(3);
    int rc = uv_spawn(j->a->loop, &j->proc, &o);
    if (rc != 0) {
        /* libuv: the handle is initialised even when the spawn fails and
         * must be closed; the outcome is reported from its close. */
        j->spawn_failed = true;
        snprintf(j->error, sizeof j->error, "cannot run %s: %s", j->argv[0], uv_strerror(rc));
        uv_close((uv_handle_t *)&j->proc, proc_closed);
        return;
    }
    uv_timer_start(&j->timer, on_timer, (uint64_t)j->timeout_ms, 0);
}

/* --- Attempts -------------------------------------------------------------- */

static void on_timer(uv_timer_t *t)
{
    job *j = t->data;
    if (j->running) { /* exec's deadline */
        if (j->type == SP_CFG_ALERT_EXEC && uv_is_active((uv_handle_t *)&j->proc)) {
            j->timed_out = true;
            uv_process_kill(&j->proc, SIGKILL);
        }
        return;
    }
    j->attempts++;
    j->running = true;
    j->a->n_running++;
    if (j->type == SP_CFG_ALERT_EXEC) {
        start_exec(j);
        return;
    }
    char err[256];
    if (!start_curl(j, err, sizeof err))
        attempt_done(j, false, err);
}

static bool prepare(job *j, const sp_cfg_alert *ch, const sp_cfg *cfg, const sp_alert_event *ev)
{
    char *link = sp_alert_report_link(cfg->report_url, ev->target);
    bool ok = false;
    if (cfg->report_url && !link)
        return false;
    switch (ch->type) {
    case SP_CFG_ALERT_WEBHOOK: {
        json_t *p = sp_alert_webhook_body(ev, ch, link);
        j->body = p ? json_dumps(p, JSON_COMPACT) : NULL;
        json_decref(p);
        if (!j->body)
            goto out;
        j->body_len = strlen(j->body);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        if (h && ch->auth_header) {
            struct curl_slist *h2 = curl_slist_append(h, ch->auth_header);
            if (!h2) {
                curl_slist_free_all(h);
                h = NULL;
            }
        }
        if (!(j->headers = h))
            goto out;
        break;
    }
    case SP_CFG_ALERT_SMTP:
        if (!(j->body = sp_alert_mail(ev, ch, link, now_ms())))
            goto out;
        j->body_len = strlen(j->body);
        for (size_t k = 0; k < ch->n_to; k++) {
            char rcpt[512];
            snprintf(rcpt, sizeof rcpt, "<%s>", ch->to[k]);
            struct curl_slist *r = curl_slist_append(j->rcpt, rcpt);
            if (!r)
                goto out;
            j->rcpt = r;
        }
        char from[512];
        snprintf(from, sizeof from, "<%s>", ch->from);
        if (!(j->from = strdup(from)) || (ch->username && !(j->username = strdup(ch->username))) ||
            (ch->password && !(j->password = strdup(ch->password))))
            goto out;
        j->starttls = ch->starttls;
        break;
    case SP_CFG_ALERT_EXEC: {
        j->argv = calloc(ch->n_argv + 1, sizeof *j->argv);
        for (size_t k = 0; j->argv && k < ch->n_argv; k++)
            if (!(j->argv[k] = strdup(ch->argv[k])))
                goto out;
        if (!j->argv || !(j->env = sp_alert_env(ev, link, environ, ch->pass_env)))
            goto out;
        break;
    }
    }
    if ((ch->url && !(j->url = strdup(ch->url))) ||
        (ch->ca_file && !(j->ca_file = strdup(ch->ca_file))))
        goto out;
    j->insecure = ch->insecure;
    ok = true;
out:
    free(link);
    return ok;
}

/* --- Public ---------------------------------------------------------------- */

sp_status sp_alert_create(uv_loop_t *loop, sp_store *store, sp_alerter **out)
{
    sp_alerter *a = calloc(1, sizeof *a);
    if (!a)
        return SP_ENOMEM;
    a->loop = loop;
    a->store = store;
    sp_status st = sp_curluv_create(loop, curl_done, a, &a->curl);
    if (st != SP_OK) {
        free(a);
        return st;
    }
    uv_timer_init(loop, &a->stop_timer);
    a->stop_timer.data = a;
    *out = a;
    return SP_OK;
}

void sp_alert_set_checkpoints(sp_alerter *a, const sp_evidence_ckpt *c)
{
    if (a)
        a->ckpt = c;
}

void sp_alert_post(sp_alerter *a, const sp_cfg *cfg, const sp_alert_event *orig)
{
    if (!a || a->stopping)
        return;
    sp_alert_event with_cp = *orig;
    if (!with_cp.checkpoint)
        with_cp.checkpoint = sp_evidence_ckpt_latest(a->ckpt, orig->target);
    const sp_alert_event *ev = &with_cp;
    for (size_t i = 0; i < cfg->n_alerts; i++) {
        const sp_cfg_alert *ch = &cfg->alerts[i];
        if (!sp_cfg_alert_wants(ch, sp_alert_kind_bit(ev->kind), ev->target))
            continue;
        job *j = calloc(1, sizeof *j);
        if (!j || !(j->channel = strdup(ch->name)) || !(j->target = strdup(ev->target)) ||
            !prepare(j, ch, cfg, ev)) {
            fprintf(stderr, "slaprobe: %s: %s alert via %s dropped: out of memory\n", ev->target,
                    sp_alert_kind_name(ev->kind), ch->name);
            if (j)
                job_free(j);
            continue;
        }
        j->a = a;
        j->type = ch->type;
        j->kind = ev->kind;
        j->since_ms = ev->since_ms;
        j->detected_ms = ev->detected_ms;
        j->max_attempts = 1 + ch->retries;
        j->backoff_ms = ch->backoff_ms;
        j->backoff_max_ms = ch->backoff_max_ms;
        j->timeout_ms = ch->timeout_ms;
        uv_timer_init(a->loop, &j->timer);
        j->timer.data = j;
        j->handles = 1;
        j->next = a->jobs;
        if (a->jobs)
            a->jobs->prev = j;
        a->jobs = j;
        a->n_jobs++;
        if (a->n_jobs > MAX_JOBS) {
            snprintf(j->error, sizeof j->error, "more than %d deliveries queued", MAX_JOBS);
            finish(j, false);
            continue;
        }
        /* The first attempt starts on the loop's next turn: the caller
         * (the scheduler, inside a probe's callback) returns first. */
        uv_timer_start(&j->timer, on_timer, 0, 0);
    }
}

size_t sp_alert_pending(const sp_alerter *a)
{
    return a ? a->n_jobs : 0;
}

static void cancel_attempt(job *j)
{
    if (j->easy) {
        CURL *e = j->easy;
        sp_curluv_remove(j->a->curl, e);
        curl_easy_cleanup(e);
        j->easy = NULL;
        attempt_done(j, false, "canceled: the daemon stopped");
    } else if (j->type == SP_CFG_ALERT_EXEC && uv_is_active((uv_handle_t *)&j->proc)) {
        uv_process_kill(&j->proc, SIGKILL); /* on_proc_exit reports it */
    }
}

static void stop_timeout(uv_timer_t *t)
{
    sp_alerter *a = t->data;
    for (job *j = a->jobs, *next; j; j = next) {
        next = j->next;
        if (j->running) {
            cancel_attempt(j);
        } else { /* its first attempt never started (a slow loop) */
            snprintf(j->error, sizeof j->error, "the daemon stopped before attempt %d",
                     j->attempts + 1);
            finish(j, false);
        }
    }
}

void sp_alert_stop(sp_alerter *a, unsigned wait_ms, void (*done)(void *arg), void *arg)
{
    a->stopping = true;
    a->stop_done = done;
    a->stop_arg = arg;
    for (job *j = a->jobs, *next; j; j = next) {
        next = j->next;
        /* A delivery posted just now (a DOWN confirmed by one of the last
         * probes) still gets its first attempt; only retries are given up. */
        if (!j->running && j->attempts > 0) {
            char why[sizeof j->error + 64];
            snprintf(why, sizeof why, "the daemon stopped before attempt %d%s%s", j->attempts + 1,
                     j->error[0] ? "; last error: " : "", j->error);
            size_t n = strlen(why) < sizeof j->error ? strlen(why) : sizeof j->error - 1;
            memcpy(j->error, why, n);
            j->error[n] = '\0';
            a->stop_done = NULL; /* not from inside this call */
            finish(j, false);
            a->stop_done = done;
        }
    }
    if (!a->jobs) {
        a->stop_done = NULL;
        done(arg);
        return;
    }
    uv_timer_start(&a->stop_timer, stop_timeout, wait_ms, 0);
}

static void alerter_closed(uv_handle_t *h)
{
    free(h->data);
}

void sp_alert_destroy(sp_alerter *a)
{
    if (!a)
        return;
    for (job *j = a->jobs, *next; j; j = next) {
        next = j->next;
        j->dropped = true;
        if (j->easy) {
            sp_curluv_remove(a->curl, j->easy);
            curl_easy_cleanup(j->easy);
            j->easy = NULL;
        }
        if (j->type == SP_CFG_ALERT_EXEC && j->running && !uv_is_closing((uv_handle_t *)&j->proc)) {
            uv_process_kill(&j->proc, SIGKILL);
            uv_close((uv_handle_t *)&j->proc, proc_closed);
        }
        uv_timer_stop(&j->timer);
        uv_close((uv_handle_t *)&j->timer, job_handle_closed);
    }
    a->jobs = NULL;
    sp_curluv_destroy(a->curl);
    uv_close((uv_handle_t *)&a->stop_timer, alerter_closed);
}

void sp_alert_get_stats(const sp_alerter *a, sp_alert_stats *out)
{
    *out = a->stats;
}
