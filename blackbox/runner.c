/*
 * /probe requests run as probes on the daemon's loop: the HTTP server's
 * thread queues a request and wakes the loop (uv_async); the loop starts
 * the probe on the runner's own engines (so these probes never count in
 * the scheduled targets' figures) and answers through the request's
 * callback. A dns module asks the target server, so each distinct server
 * gets an engine of its own, created on first use and kept (at most
 * MAX_DNS_ENGINES: a scrape configuration names a handful of resolvers,
 * not thousands).
 */
#include "blackbox/blackbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DNS_ENGINES 16

typedef struct req req;

struct sp_bb_runner {
    uv_loop_t *loop;
    sp_bb_modules *mods;
    uv_async_t wake;
    uv_mutex_t mu;
    req *head, **tail; /* queued by submit, under mu */
    bool stopping;     /* under mu */
    sp_probe_engine *eng;
    struct {
        char *server;
        sp_probe_engine *eng;
    } dns[MAX_DNS_ENGINES];
    size_t n_dns;
};

struct req {
    req *next;
    char *module, *target;
    unsigned timeout_ms;
    sp_bb_done done;
    void *arg;
    const sp_bb_module *mod;
    sp_probe_spec spec;
    bool has_spec;
    char *dns_server; /* a dns module's server ("ip:port"), else NULL */
};

static void req_free(req *q)
{
    if (q->has_spec)
        sp_probe_spec_free(&q->spec);
    free(q->module);
    free(q->target);
    free(q->dns_server);
    free(q);
}

static void answer(req *q, int status, char *body)
{
    q->done(q->arg, status, body);
    req_free(q);
}

static void answer_text(req *q, int status, const char *text)
{
    answer(q, status, strdup(text));
}

static void on_result(const sp_probe_result *res, void *arg)
{
    req *q = arg;
    if (res->canceled) {
        answer_text(q, 503, "slaprobe is stopping\n");
        return;
    }
    char *body = sp_bb_render(q->mod, res, q->dns_server);
    if (body)
        answer(q, 200, body);
    else
        answer_text(q, 500, "out of memory\n");
}

/* The engine that asks server (NULL: the system's resolvers). */
static sp_probe_engine *engine_for(sp_bb_runner *r, const char *server, char *err, size_t errlen)
{
    if (!server)
        return r->eng;
    for (size_t i = 0; i < r->n_dns; i++)
        if (strcmp(r->dns[i].server, server) == 0)
            return r->dns[i].eng;
    if (r->n_dns == MAX_DNS_ENGINES) {
        snprintf(err, errlen, "more than %d DNS servers asked", MAX_DNS_ENGINES);
        return NULL;
    }
    sp_probe_engine_opts o = {.dns_servers = server};
    sp_probe_engine *e;
    char *copy = strdup(server);
    if (!copy || sp_probe_engine_create(r->loop, &o, &e, err, errlen) != SP_OK) {
        free(copy);
        return NULL;
    }
    r->dns[r->n_dns].server = copy;
    r->dns[r->n_dns++].eng = e;
    return e;
}

static void start(sp_bb_runner *r, req *q)
{
    char err[300], msg[600];
    if (!(q->mod = sp_bb_module_find(r->mods, q->module))) {
        snprintf(msg, sizeof msg, "Unknown module \"%s\"\n", q->module);
        answer_text(q, 400, msg);
        return;
    }
    q->has_spec = true;
    sp_status st =
        sp_bb_spec(q->mod, q->target, q->timeout_ms, &q->spec, &q->dns_server, err, sizeof err);
    sp_probe_engine *e = st == SP_OK ? engine_for(r, q->dns_server, err, sizeof err) : NULL;
    if (!e) {
        snprintf(msg, sizeof msg, "target \"%.200s\": %s\n", q->target, err);
        answer_text(q, 400, msg);
        return;
    }
    if (sp_probe_start(e, &q->spec, on_result, q, NULL) != SP_OK)
        answer_text(q, 500, "out of memory\n");
}

/* What submit has queued, taken whole; with stop, no more is queued. */
static req *take_queue(sp_bb_runner *r, bool stop)
{
    uv_mutex_lock(&r->mu);
    r->stopping |= stop;
    req *q = r->head;
    r->head = NULL;
    r->tail = &r->head;
    uv_mutex_unlock(&r->mu);
    return q;
}

static void on_wake(uv_async_t *h)
{
    sp_bb_runner *r = h->data;
    req *q = take_queue(r, false);
    while (q) {
        req *next = q->next;
        start(r, q);
        q = next;
    }
}

sp_status sp_bb_runner_create(uv_loop_t *loop, sp_bb_modules *mods, sp_bb_runner **out, char *err,
                              size_t errlen)
{
    sp_bb_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    r->loop = loop;
    r->tail = &r->head;
    sp_status st = sp_probe_engine_create(loop, NULL, &r->eng, err, errlen);
    if (st != SP_OK) {
        free(r);
        return st;
    }
    if (uv_mutex_init(&r->mu) != 0) {
        sp_probe_engine_destroy(r->eng);
        free(r);
        snprintf(err, errlen, "cannot create a mutex");
        return SP_ENOMEM;
    }
    uv_async_init(loop, &r->wake, on_wake);
    r->wake.data = r;
    r->mods = mods;
    *out = r;
    return SP_OK;
}

void sp_bb_runner_submit(sp_bb_runner *r, const char *module, const char *target,
                         unsigned timeout_ms, sp_bb_done done, void *arg)
{
    req *q = calloc(1, sizeof *q);
    if (q) {
        q->module = strdup(module ? module : "");
        q->target = strdup(target ? target : "");
    }
    if (!q || !q->module || !q->target) {
        if (q)
            req_free(q);
        done(arg, 500, strdup("out of memory\n"));
        return;
    }
    q->timeout_ms = timeout_ms;
    q->done = done;
    q->arg = arg;
    /* under the lock: stop closes the handle only after setting stopping */
    uv_mutex_lock(&r->mu);
    bool stopping = r->stopping;
    if (!stopping) {
        *r->tail = q;
        r->tail = &q->next;
        uv_async_send(&r->wake);
    }
    uv_mutex_unlock(&r->mu);
    if (stopping) /* on the caller's thread: the loop takes no more work */
        answer_text(q, 503, "slaprobe is stopping\n");
}

static void runner_closed(uv_handle_t *h)
{
    sp_bb_runner *r = h->data;
    for (size_t i = 0; i < r->n_dns; i++)
        free(r->dns[i].server);
    uv_mutex_destroy(&r->mu);
    sp_bb_modules_destroy(r->mods);
    free(r);
}

void sp_bb_runner_close(sp_bb_runner *r)
{
    if (!r)
        return;
    req *q = take_queue(r, true);
    while (q) {
        req *next = q->next;
        answer_text(q, 503, "slaprobe is stopping\n");
        q = next;
    }
    /* probes in flight are canceled at once: on_result answers them 503 */
    sp_probe_engine_destroy(r->eng);
    for (size_t i = 0; i < r->n_dns; i++)
        sp_probe_engine_destroy(r->dns[i].eng);
    uv_close((uv_handle_t *)&r->wake, runner_closed);
}
