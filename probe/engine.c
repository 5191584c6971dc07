/*
 * The probe engine: one libuv loop driving libcurl's multi-socket API and
 * c-ares together, single-threaded.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and
 * when to call it back (CURLMOPT_TIMERFUNCTION); that glue is
 * common/sp_curluv.c, shared with the alerter. c-ares does the same through
 * its sock_state callback and ares_timeout(), handled here. Each watched
 * socket gets a uv_poll_t; each library gets one uv_timer_t. This is the
 * shape of curl's multi-uv example and of Node.js's c-ares binding.
 *
 * The engine also owns the life of every probe (see engine_int.h).
 */
#include "engine_int.h"
#include "dns_answer.h"
#include "reason_map.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "common/sp_curluv.h"


/* --- Process-wide init ------------------------------------------------- */

sp_status sp_probe_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return SP_ECURL;
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        curl_global_cleanup();
        return SP_EDNS;
    }
    return SP_OK;
}

void sp_probe_global_cleanup(void)
{
    ares_library_cleanup();
    curl_global_cleanup();
}

/* --- Engine handle bookkeeping ----------------------------------------- */

static void engine_maybe_free(sp_probe_engine *e)
{
    if (e->destroying && e->handles_open == 0)
        free(e);
}

static void engine_handle_closed(uv_handle_t *h)
{
    sp_probe_engine *e = h->data;
    e->handles_open--;
    engine_maybe_free(e);
}

/* --- libcurl on libuv (common/sp_curluv.c) ----------------------------- */

static void curl_done(CURL *easy, CURLcode code, void *arg)
{
    (void)arg;
    sp_probe *p = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&p);
    p->ops->done(p, easy, code); /* only a kind with a done slot adds transfers */
}

sp_status sp_probe__curl_add(sp_probe *p, CURL *easy)
{
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)p);
    return sp_curluv_add(p->eng->curl, easy);
}

void sp_probe__curl_remove(sp_probe *p, CURL *easy)
{
    sp_curluv_remove(p->eng->curl, easy);
}

/* --- c-ares on libuv --------------------------------------------------- */

struct ares_sock {
    uv_poll_t poll;
    ares_socket_t fd;
    sp_probe_engine *eng;
    struct ares_sock *next;
};

static void ares_timer_cb(uv_timer_t *t);

/* c-ares has no timer callback: ask it after every step when it next needs
 * to run, and arm one timer for that. */
static void ares_reschedule(sp_probe_engine *e)
{
    struct timeval tv;
    if (e->destroying)
        return;
    if (ares_timeout(e->ares, NULL, &tv)) {
        uint64_t ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)(tv.tv_usec + 999) / 1000;
        uv_timer_start(&e->ares_timer, ares_timer_cb, ms, 0);
    } else {
        uv_timer_stop(&e->ares_timer);
    }
}

static void ares_timer_cb(uv_timer_t *t)
{
    sp_probe_engine *e = t->data;
    ares_process_fd(e->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    ares_reschedule(e);
}

static void ares_poll_cb(uv_poll_t *h, int status, int events)
{
    struct ares_sock *as = h->data;
    sp_probe_engine *e = as->eng;
    /* On a poll error let c-ares read the socket: it sees the error itself. */
    ares_socket_t rfd = (status < 0 || (events & UV_READABLE)) ? as->fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = (events & UV_WRITABLE) ? as->fd : ARES_SOCKET_BAD;
    ares_process_fd(e->ares, rfd, wfd);
    ares_reschedule(e);
}

static void ares_sock_closed(uv_handle_t *h)
{
    struct ares_sock *as = h->data;
    sp_probe_engine *e = as->eng;
    free(as);
    e->handles_open--;
    engine_maybe_free(e);
}

static void on_ares_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    sp_probe_engine *e = data;
    struct ares_sock **pp = &e->ares_socks, *as;
    for (as = *pp; as && as->fd != fd; pp = &as->next, as = *pp)
        ;
    if (!readable && !writable) {
        if (as) {
            *pp = as->next;
            uv_close((uv_handle_t *)&as->poll, ares_sock_closed);
        }
        return;
    }
    if (!as) {
        as = calloc(1, sizeof *as);
        if (!as)
            return; /* the query will time out; nothing better to do */
        if (uv_poll_init_socket(e->loop, &as->poll, fd) != 0) {
            free(as);
            return;
        }
        as->fd = fd;
        as->eng = e;
        as->poll.data = as;
        as->next = e->ares_socks;
        e->ares_socks = as;
        e->handles_open++;
    }
    uv_poll_start(&as->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                  ares_poll_cb);
}

struct sp_dns_req {
    sp_probe_engine *eng;
    sp_probe *p; /* NULL once the probe no longer waits for it */
    sp_dns_cb cb;
    sp_query_cb qcb;
    char *host;      /* sp_probe__resolve's name, for explain_nodata */
    bool explaining; /* explain_nodata's query is under way */
    uint64_t t0_ns;
};

/*
 * A probe that finishes while its lookup is under way (its deadline, a
 * cancel) can only detach from it: c-ares 1.18 cannot cancel one query.
 * Left alone, the orphan lives through c-ares' retries (2 s, 4 s, 8 s with
 * our options) and keeps its socket polled and the loop alive: `check -t
 * 1000` against a DNS server answering garbage printed after 1 s and exited
 * after 14 s. So once no probe waits for any lookup, ares_cancel() ends
 * them all. Not from here directly: this runs inside c-ares callbacks, and
 * ares_cancel() there would call back the query being ended a second time;
 * a zero timer runs it from the loop instead.
 */
static void dns_reap_cb(uv_timer_t *t)
{
    sp_probe_engine *e = t->data;
    if (e->destroying || e->dns_waiting > 0 || e->dns_pending == 0)
        return;
    ares_cancel(e->ares); /* calls back each one with ARES_ECANCELLED */
    ares_reschedule(e);
}

static void dns_maybe_reap(sp_probe_engine *e)
{
    if (e->dns_waiting == 0 && e->dns_pending > 0 && !e->destroying)
        uv_timer_start(&e->dns_reap, dns_reap_cb, 0, 0);
}

static void dns_detach(sp_probe *p)
{
    if (!p->dns)
        return;
    p->dns->p = NULL;
    p->dns = NULL;
    p->eng->dns_waiting--;
    dns_maybe_reap(p->eng);
}

static void dns_req_free(sp_dns_req *req)
{
    req->eng->dns_pending--;
    dns_maybe_reap(req->eng);
    free(req->host);
    free(req);
}

/* Detach the request from its probe and add the DNS phase time; returns
 * the probe still waiting, or NULL. */
static sp_probe *dns_req_complete(sp_dns_req *req)
{
    sp_probe *p = req->p;
    if (p) {
        p->eng->dns_waiting--;
        p->dns = NULL;
        double ms = (double)(uv_hrtime() - req->t0_ns) / 1e6;
        p->res.dns_ms = (p->res.dns_ms < 0 ? 0 : p->res.dns_ms) + ms;
    }
    return p;
}

/* The raw answer asked for by explain_nodata: a truncated answer or a CNAME
 * loop is said as such (dns_servfail); anything else stays "no data". */
static void nodata_explained(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)status, (void)timeouts;
    sp_dns_req *req = arg;
    sp_probe *p = dns_req_complete(req);
    char chain[256];
    if (p && sp_probe__dns_truncated(abuf, alen))
        sp_probe__finish(p, SP_REASON_DNS_SERVFAIL,
                         "cannot resolve %s: answer truncated over UDP and TCP", req->host);
    else if (p && sp_probe__dns_cname_loop(abuf, alen, chain, sizeof chain))
        sp_probe__finish(p, SP_REASON_DNS_SERVFAIL, "cannot resolve %s: CNAME loop: %s", req->host,
                         chain);
    else if (p)
        req->cb(p, ARES_ENODATA, NULL);
    dns_req_free(req);
}

/* ares_getaddrinfo says ARES_ENODATA, and hides the answer, both for a name
 * without addresses and for an answer truncated over UDP and TCP or caught
 * in a CNAME loop. Ask once more with a raw query to tell them apart; it
 * costs one round trip, on failure only. True when the query is under way
 * (req stays pending, its probe still waiting). */
static bool explain_nodata(sp_dns_req *req)
{
    sp_probe *p = req->p;
    if (!p || !req->host || req->explaining)
        return false;
    req->explaining = true;
    ares_query(req->eng->ares, req->host, 1 /* C_IN */,
               p->spec->ip == SP_IP_V6_ONLY ? 28 /* AAAA */ : 1 /* A */, nodata_explained, req);
    return true;
}

static void dns_done(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    sp_dns_req *req = arg;
    if (status == ARES_ENODATA && explain_nodata(req)) {
        if (ai)
            ares_freeaddrinfo(ai);
        return;
    }
    sp_probe *p = dns_req_complete(req);
    if (p)
        req->cb(p, status, ai);
    if (ai)
        ares_freeaddrinfo(ai);
    dns_req_free(req);
}

static void query_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    sp_dns_req *req = arg;
    sp_probe *p = dns_req_complete(req);
    if (p)
        req->qcb(p, status, abuf, alen);
    dns_req_free(req);
}

static sp_dns_req *dns_req_new(sp_probe *p)
{
    sp_dns_req *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->eng = p->eng;
    req->p = p;
    req->t0_ns = uv_hrtime();
    p->dns = req;
    p->eng->dns_pending++;
    p->eng->dns_waiting++;
    return req;
}

sp_status sp_probe__query(sp_probe *p, const char *name, int type, sp_query_cb cb)
{
    sp_dns_req *req = dns_req_new(p);
    if (!req)
        return SP_ENOMEM;
    req->qcb = cb;
    ares_query(p->eng->ares, name, 1 /* C_IN */, type, query_done, req);
    ares_reschedule(p->eng);
    return SP_OK;
}

sp_status sp_probe__resolve(sp_probe *p, const char *host, sp_dns_cb cb)
{
    sp_dns_req *req = dns_req_new(p);
    if (!req)
        return SP_ENOMEM;
    req->cb = cb;
    req->host = strdup(host); /* only to explain a "no data"; optional */
    struct ares_addrinfo_hints hints = {0};
    switch (p->spec->ip) {
    case SP_IP_V4_ONLY:
        hints.ai_family = AF_INET;
        break;
    case SP_IP_V6_ONLY:
        hints.ai_family = AF_INET6;
        break;
    default:
        hints.ai_family = AF_UNSPEC;
    }
    hints.ai_flags = ARES_AI_NOSORT;
    /* May call dns_done before returning (e.g. from /etc/hosts); the probe
     * is already running from the loop, so that is safe. */
    ares_getaddrinfo(p->eng->ares, host, NULL, &hints, dns_done, req);
    ares_reschedule(p->eng);
    return SP_OK;
}

bool sp_probe__ip_literal(const char *h, struct sockaddr_storage *sa)
{
    struct sockaddr_storage tmp;
    if (!sa)
        sa = &tmp;
    memset(sa, 0, sizeof *sa);
    if (inet_pton(AF_INET, h, &((struct sockaddr_in *)sa)->sin_addr) == 1) {
        sa->ss_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, h, &((struct sockaddr_in6 *)sa)->sin6_addr) == 1) {
        sa->ss_family = AF_INET6;
        return true;
    }
    return false;
}

bool sp_probe__pick_address(const sp_probe *p, const struct ares_addrinfo *ai, char *buf, size_t n,
                            struct sockaddr_storage *sa)
{
    const struct ares_addrinfo_node *pick = NULL, *first = NULL;
    int want = (p->spec->ip == SP_IP_PREFER_V6 || p->spec->ip == SP_IP_V6_ONLY) ? AF_INET6
                                                                                : AF_INET;
    for (const struct ares_addrinfo_node *nd = ai ? ai->nodes : NULL; nd; nd = nd->ai_next) {
        if (nd->ai_family != AF_INET && nd->ai_family != AF_INET6)
            continue;
        if (!first)
            first = nd;
        if (nd->ai_family == want) {
            pick = nd;
            break;
        }
    }
    if (!pick && (p->spec->ip == SP_IP_PREFER_V4 || p->spec->ip == SP_IP_PREFER_V6))
        pick = first;
    if (!pick)
        return false;
    memset(sa, 0, sizeof *sa);
    memcpy(sa, pick->ai_addr, pick->ai_addrlen);
    const void *a = pick->ai_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)pick->ai_addr)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
    return ares_inet_ntop(pick->ai_family, a, buf, (ares_socklen_t)n) != NULL;
}

static void on_address(sp_probe *p, int status, const struct ares_addrinfo *ai)
{
    struct sockaddr_storage sa;
    if (status != ARES_SUCCESS) {
        sp_probe__finish(p, sp_probe_reason_from_ares(status), "cannot resolve %s: %s",
                         p->spec->host, ares_strerror(status));
        return;
    }
    if (!sp_probe__pick_address(p, ai, p->res.address, sizeof p->res.address, &sa)) {
        sp_probe__finish(p, SP_REASON_DNS_NODATA, "%s has no usable address", p->spec->host);
        return;
    }
    p->addr_go(p, &sa);
}

void sp_probe__start_at_address(sp_probe *p, sp_addr_go go)
{
    struct sockaddr_storage sa;
    const char *h = p->spec->host;
    p->addr_go = go;
    if (!sp_probe__ip_literal(h, &sa)) {
        if (sp_probe__resolve(p, h, on_address) != SP_OK)
            sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    snprintf(p->res.address, sizeof p->res.address, "%s", h);
    go(p, &sa);
}

/* --- Trust stores ------------------------------------------------------ */

struct ca_entry {
    char *path; /* NULL: the system's default locations */
    X509_STORE *store;
    struct ca_entry *next;
};

X509_STORE *sp_probe__ca_store(sp_probe_engine *e, const char *ca_file, char *err, size_t errlen)
{
    for (struct ca_entry *c = e->cas; c; c = c->next)
        if ((!c->path && !ca_file) || (c->path && ca_file && strcmp(c->path, ca_file) == 0))
            return c->store;
    struct ca_entry *c = calloc(1, sizeof *c);
    X509_STORE *st = X509_STORE_new();
    int ok = st && (ca_file ? X509_STORE_load_file(st, ca_file) : X509_STORE_set_default_paths(st));
    if (!c || !ok || (ca_file && !(c->path = strdup(ca_file)))) {
        unsigned long ossl = ERR_get_error();
        char why[160];
        ERR_error_string_n(ossl, why, sizeof why);
        snprintf(err, errlen, "cannot load CA file %s: %s", ca_file ? ca_file : "(system)",
                 ossl ? why : "out of memory");
        ERR_clear_error();
        X509_STORE_free(st);
        free(c);
        return NULL;
    }
    c->store = st;
    c->next = e->cas;
    e->cas = c;
    return st;
}

static void free_cas(sp_probe_engine *e)
{
    for (struct ca_entry *c = e->cas, *n; c; c = n) {
        n = c->next;
        X509_STORE_free(c->store); /* SSL_CTXs still alive hold their own reference */
        free(c->path);
        free(c);
    }
    e->cas = NULL;
}

/* --- Engine life ------------------------------------------------------- */

sp_status sp_probe_engine_create(uv_loop_t *loop, const sp_probe_engine_opts *opts,
                                 sp_probe_engine **out, char *err, size_t errlen)
{
    sp_status st = SP_ENOMEM;
    sp_probe_engine *e = calloc(1, sizeof *e);
    if (!e)
        return SP_ENOMEM;
    e->loop = loop;

    struct ares_options ao = {0};
    ao.sock_state_cb = on_ares_sock_state;
    ao.sock_state_cb_data = e;
    /* Short tries so a lost UDP answer is retried well inside a probe's
     * timeout; the probe's own deadline decides when DNS has failed. */
    ao.timeout = 2000;
    ao.tries = 3;
    /* A probe reports what the resolver said: without NOCHECKRESP c-ares
     * treats SERVFAIL and REFUSED as "try elsewhere" and ends in a timeout. */
    ao.flags = ARES_FLAG_NOCHECKRESP;
    int rc = ares_init_options(&e->ares, &ao,
                               ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                                   ARES_OPT_FLAGS);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares init: %s", ares_strerror(rc));
        st = SP_EDNS;
        goto fail;
    }
    if (opts && opts->dns_servers && *opts->dns_servers) {
        rc = ares_set_servers_ports_csv(e->ares, opts->dns_servers);
        if (rc != ARES_SUCCESS) {
            snprintf(err, errlen, "bad DNS server list '%s': %s", opts->dns_servers,
                     ares_strerror(rc));
            st = SP_EINVAL;
            goto fail;
        }
    }
    if ((st = sp_curluv_create(loop, curl_done, e, &e->curl)) != SP_OK) {
        snprintf(err, errlen, "curl_multi_init failed");
        goto fail;
    }
    /* Each probe measures a fresh connection: nothing to keep around. */
    curl_multi_setopt(sp_curluv_multi(e->curl), CURLMOPT_MAXCONNECTS, 1L);

    uv_timer_init(loop, &e->ares_timer);
    e->ares_timer.data = e;
    uv_timer_init(loop, &e->dns_reap);
    e->dns_reap.data = e;
    e->handles_open = 2;
    *out = e;
    return SP_OK;
fail:
    if (e->ares)
        ares_destroy(e->ares);
    free(e);
    return st;
}

void sp_probe_engine_destroy(sp_probe_engine *e)
{
    if (!e)
        return;
    while (e->inflight)
        sp_probe_cancel(e->inflight);
    e->destroying = true;
    /* ares_destroy runs pending callbacks (detached by now) and reports
     * every socket closed through sock_state_cb, which closes the polls. */
    ares_destroy(e->ares);
    sp_curluv_destroy(e->curl);
    free_cas(e);
    uv_close((uv_handle_t *)&e->ares_timer, engine_handle_closed);
    uv_close((uv_handle_t *)&e->dns_reap, engine_handle_closed);
}

size_t sp_probe_engine_inflight(const sp_probe_engine *e)
{
    return e->n_inflight;
}

/* --- Probe life -------------------------------------------------------- */

static const sp_probe_kind_ops *const kinds[SP_PROBE_KIND_COUNT] = {
    [SP_PROBE_HTTP] = &sp_probe__http_ops, [SP_PROBE_HTTPS] = &sp_probe__http_ops,
    [SP_PROBE_TCP] = &sp_probe__tcp_ops,   [SP_PROBE_DNS] = &sp_probe__dns_ops,
    [SP_PROBE_ICMP] = &sp_probe__icmp_ops, [SP_PROBE_TLS] = &sp_probe__tls_ops,
};

void sp_probe__handle_opened(sp_probe *p)
{
    p->handles_open++;
}

void sp_probe__handle_closed(sp_probe *p)
{
    if (--p->handles_open == 0)
        free(p);
}

static void probe_timer_closed(uv_handle_t *h)
{
    sp_probe__handle_closed(h->data);
}

double sp_probe__elapsed_ms(const sp_probe *p)
{
    return (double)(uv_hrtime() - p->t0_ns) / 1e6;
}

long sp_probe__remaining_ms(const sp_probe *p)
{
    double left = (double)p->spec->timeout_ms - sp_probe__elapsed_ms(p);
    return left < 1 ? 1 : (long)left;
}

void sp_probe__finish(sp_probe *p, sp_reason reason, const char *fmt, ...)
{
    if (p->finished)
        return;
    p->finished = true;
    /* Format first: the arguments may point into the kind's state, which
     * cancel() frees. */
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->res.detail, sizeof p->res.detail, fmt, ap);
        va_end(ap);
    }
    if (p->started) {
        p->ops->cancel(p);
        p->res.total_ms = sp_probe__elapsed_ms(p);
    }
    dns_detach(p); /* the lookup may still call back */
    p->res.ok = reason == SP_REASON_OK;
    p->res.reason = reason;
    sp_probe_engine *e = p->eng;
    if (p->prev)
        p->prev->next = p->next;
    else
        e->inflight = p->next;
    if (p->next)
        p->next->prev = p->prev;
    e->n_inflight--;
    uv_timer_stop(&p->timer);
    p->cb(&p->res, p->arg);
    uv_close((uv_handle_t *)&p->timer, probe_timer_closed);
}

static void probe_deadline_cb(uv_timer_t *t)
{
    sp_probe *p = t->data;
    sp_reason r = p->dns ? SP_REASON_DNS_TIMEOUT : p->ops->on_deadline(p);
    sp_probe__finish(p, r, "no answer within %u ms%s", p->spec->timeout_ms, p->dns ? " (DNS)" : "");
}

static void probe_kick_cb(uv_timer_t *t)
{
    sp_probe *p = t->data;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    p->res.started_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    p->t0_ns = uv_hrtime();
    p->started = true;
    uv_timer_start(&p->timer, probe_deadline_cb, p->spec->timeout_ms, 0);
    p->ops->start(p);
}

sp_status sp_probe_start(sp_probe_engine *e, const sp_probe_spec *spec, sp_probe_cb cb, void *arg,
                         sp_probe **out)
{
    if (!spec->compiled || (unsigned)spec->kind >= SP_PROBE_KIND_COUNT || e->destroying)
        return SP_EINVAL;
    sp_probe *p = calloc(1, sizeof *p);
    if (!p)
        return SP_ENOMEM;
    p->eng = e;
    p->spec = spec;
    p->ops = kinds[spec->kind];
    p->cb = cb;
    p->arg = arg;
    sp_probe_result *r = &p->res;
    r->reason = SP_REASON_PROBE_ERROR;
    r->dns_ms = r->connect_ms = r->tls_ms = r->ttfb_ms = r->total_ms = SP_MS_ABSENT;
    uv_timer_init(e->loop, &p->timer);
    p->timer.data = p;
    p->handles_open = 1;
    p->next = e->inflight;
    if (e->inflight)
        e->inflight->prev = p;
    e->inflight = p;
    e->n_inflight++;
    uv_timer_start(&p->timer, probe_kick_cb, 0, 0);
    if (out)
        *out = p;
    return SP_OK;
}

void sp_probe_cancel(sp_probe *p)
{
    /* the flag, not the detail's words, is what callers test */
    if (!p->finished)
        p->res.canceled = true;
    sp_probe__finish(p, SP_REASON_PROBE_ERROR, "canceled");
}
