/*
 * The HTTP side of /metrics: libmicrohttpd with its internal polling
 * thread (one thread, every connection non-blocking on it), so a client
 * that connects and sends nothing, or reads its answer slowly, holds
 * nothing but its own connection, and the loop is not involved at all.
 * At most CONNECTION_LIMIT connections, each closed after
 * CONNECTION_TIMEOUT_S idle.
 *
 * The listening socket is ours (bound here, close-on-exec, its error in
 * words at start), handed to libmicrohttpd, which closes it at stop.
 *
 * Routes: GET (and HEAD) /metrics, and /probe?target=...&module=...
 * (blackbox_exporter's, blackbox/blackbox.h); anything else is 404,
 * another method 405. A /probe request runs a probe on the daemon's loop:
 * its connection is suspended (the thread serves the others meanwhile)
 * and resumed when the loop answers, so a scrape of many blackbox-style
 * targets runs its probes side by side.
 */
#include "metrics/metrics_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/sp_value.h"

#define CONNECTION_LIMIT 128 /* blackbox-style jobs scrape many /probe targets at once */
#define CONNECTION_TIMEOUT_S 10
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sp_metrics_http {
    struct MHD_Daemon *d;
    sp_metrics *m;
};

/* One request's state, from its headers to its completion (freed in
 * completed()). A /probe's answer is written by the loop's thread while
 * the connection is suspended, then read here after it is resumed. */
typedef struct request {
    sp_metrics_http *h;
    struct MHD_Connection *c;
    bool probing; /* submitted; answered once status is set */
    uv_mutex_t mu;
    unsigned status; /* 0 while the probe runs */
    char *body;
} request;

/* blackbox's margin: the probe ends half a second before the scrape's
 * own timeout, so Prometheus gets an answer rather than a timeout. */
#define SCRAPE_OFFSET_MS 500

/* --- Routes ------------------------------------------------------------------ */

/* Answer one request: fill *body (malloc'ed, taken by the caller) and its
 * length, return the status. */
typedef unsigned (*route_fn)(sp_metrics_http *h, struct MHD_Connection *c, char **body,
                             size_t *len);

static unsigned serve_metrics(sp_metrics_http *h, struct MHD_Connection *c, char **body,
                              size_t *len)
{
    (void)c;
    sp_metrics_snap *s = sp_metrics__snap_get(h->m);
    sp_expo e = {0};
    if (s)
        sp_metrics_render(s, &e);
    sp_metrics__snap_put(s);
    if (e.oom || !s) {
        sp_expo_free(&e);
        *body = strdup(s ? "out of memory\n" : "no snapshot yet\n");
        *len = *body ? strlen(*body) : 0;
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    *body = e.buf;
    *len = e.len;
    return MHD_HTTP_OK;
}

/* The loop's answer to a /probe: kept for the handler, the connection
 * resumed (any thread may resume; it may even be the handler's own, when
 * the runner is stopping). */
static void probe_done(void *arg, int status, char *body)
{
    request *q = arg;
    uv_mutex_lock(&q->mu);
    q->status = status > 0 ? (unsigned)status : MHD_HTTP_INTERNAL_SERVER_ERROR;
    q->body = body;
    uv_mutex_unlock(&q->mu);
    MHD_resume_connection(q->c);
}

/* /probe?target=...&module=...: suspend, hand the probe to the loop. The
 * handler is called again once probe_done has resumed the connection. */
static enum MHD_Result start_probe(request *q, struct MHD_Connection *c)
{
    const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
    const char *module = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "module");
    const char *scrape =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
    unsigned timeout_ms = 0;
    if (scrape) {
        double s = strtod(scrape, NULL);
        if (s > 0 && s < 3600)
            timeout_ms = (unsigned)(s * 1000) > SCRAPE_OFFSET_MS + 100
                             ? (unsigned)(s * 1000) - SCRAPE_OFFSET_MS
                             : 100;
    }
    q->probing = true;
    MHD_suspend_connection(c);
    sp_bb_runner_submit(sp_metrics__runner(q->h->m), module ? module : "http_2xx",
                        target ? target : "", timeout_ms, probe_done, q);
    return MHD_YES;
}

static const struct route {
    const char *path;
    route_fn fn; /* NULL: /probe, answered by start_probe and the loop */
} routes[] = {
    {"/metrics", serve_metrics},
    {"/probe", NULL},
};

/* --- libmicrohttpd ------------------------------------------------------------- */

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, char *body, size_t len,
                            const char *ctype)
{
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return text(c, status, strdup(msg), strlen(msg), "text/plain; charset=utf-8");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    (void)version;
    (void)upload;
    sp_metrics_http *h = cls;
    if (!*req) { /* the headers only: answer once the request is complete */
        request *q = calloc(1, sizeof *q);
        if (!q || uv_mutex_init(&q->mu) != 0) {
            free(q);
            return MHD_NO;
        }
        q->h = h;
        q->c = c;
        *req = q;
        return MHD_YES;
    }
    request *q = *req;
    if (q->probing) { /* resumed: the loop has answered */
        uv_mutex_lock(&q->mu);
        unsigned status = q->status;
        char *body = q->body;
        q->body = NULL;
        uv_mutex_unlock(&q->mu);
        size_t blen = body ? strlen(body) : 0;
        return text(c, status, body, blen,
                    status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
    }
    if (*upload_size) { /* a body we do not want: read past it */
        *upload_size = 0;
        return MHD_YES;
    }
    const struct route *rt = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0)
            rt = &routes[i];
    if (!rt)
        return plain(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /probe\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n");
    if (!rt->fn) {
        if (!MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target"))
            return plain(c, MHD_HTTP_BAD_REQUEST, "Target parameter is missing\n");
        return start_probe(q, c);
    }
    char *body = NULL;
    size_t len = 0;
    unsigned status = rt->fn(h, c, &body, &len);
    return text(c, status, body, len,
                status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
}

/* A request is over (answered, or its connection gone): its state goes. */
static void completed(void *cls, struct MHD_Connection *c, void **req,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    request *q = *req;
    if (!q)
        return;
    free(q->body);
    uv_mutex_destroy(&q->mu);
    free(q);
    *req = NULL;
}

sp_status sp_metrics__http_start(sp_metrics *m, const char *addr, sp_metrics_http **out, char *err,
                                 size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage ss;
    if (!sp_value_listen(addr, &ss)) {
        snprintf(err, errlen, "metrics: '%s' is not IPv4:port or [IPv6]:port", addr);
        return SP_EINVAL;
    }
    bool v6 = ss.ss_family == AF_INET6;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (struct sockaddr *)&ss,
             v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) != 0 ||
        listen(fd, 64) != 0) {
        snprintf(err, errlen, "metrics: cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return SP_EIO;
    }
    sp_metrics_http *h = calloc(1, sizeof *h);
    if (!h) {
        close(fd);
        return SP_ENOMEM;
    }
    h->m = m;
    h->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            (v6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "metrics: libmicrohttpd would not start on %s", addr);
        close(fd);
        free(h);
        return SP_EIO;
    }
    *out = h;
    return SP_OK;
}

void sp_metrics__http_stop(sp_metrics_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
