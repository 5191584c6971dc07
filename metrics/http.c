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
 * Routes: GET (and HEAD) /metrics; anything else is 404, another method
 * 405. A new route (the blackbox-style /probe, issue 17) is one row of
 * the routes table.
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

#define CONNECTION_LIMIT 16
#define CONNECTION_TIMEOUT_S 10
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sp_metrics_http {
    struct MHD_Daemon *d;
    sp_metrics *m;
};

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
    sp_metrics_expo e = {0};
    if (s)
        sp_metrics_render(s, &e);
    sp_metrics__snap_put(s);
    if (e.oom || !s) {
        sp_metrics_expo_free(&e);
        *body = strdup(s ? "out of memory\n" : "no snapshot yet\n");
        *len = *body ? strlen(*body) : 0;
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    *body = e.buf;
    *len = e.len;
    return MHD_HTTP_OK;
}

static const struct route {
    const char *path;
    route_fn fn;
} routes[] = {
    {"/metrics", serve_metrics},
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
        *req = h;
        return MHD_YES;
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
        return plain(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n");
    char *body = NULL;
    size_t len = 0;
    unsigned status = rt->fn(h, c, &body, &len);
    return text(c, status, body, len,
                status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
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
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
        handle, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_END);
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
