/*
 * The tcp probe kind: resolve with c-ares, connect with libuv, close.
 * Up means the three-way handshake completed; nothing is sent.
 */
#include "engine_int.h"
#include "reason_map.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tcp_state {
    uv_tcp_t tcp;
    uv_connect_t req;
    uint64_t t_connect_ns;
    bool open;
    sp_probe *p; /* NULL once the probe has finished */
} tcp_state;

static void tcp_closed(uv_handle_t *h)
{
    tcp_state *ts = h->data;
    sp_probe *owner = ts->req.data; /* kept for the count even after finish */
    free(ts);
    sp_probe__handle_closed(owner);
}

static void on_connect(uv_connect_t *req, int status)
{
    tcp_state *ts = req->handle->data;
    sp_probe *p = ts->p;
    if (!p || status == UV_ECANCELED)
        return;
    p->res.connect_ms = (double)(uv_hrtime() - ts->t_connect_ns) / 1e6;
    if (status < 0)
        sp_probe__finish(p, sp_probe_reason_from_uv(status), "connect to %s port %u: %s",
                         p->res.address, p->spec->port, uv_strerror(status));
    else
        sp_probe__finish(p, SP_REASON_OK, "connected to %s port %u", p->res.address, p->spec->port);
}

static void do_connect(sp_probe *p, struct sockaddr_storage *sa)
{
    tcp_state *ts = calloc(1, sizeof *ts);
    if (!ts) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    if (sa->ss_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons(p->spec->port);
    else
        ((struct sockaddr_in6 *)sa)->sin6_port = htons(p->spec->port);
    uv_tcp_init(p->eng->loop, &ts->tcp);
    ts->tcp.data = ts;
    ts->req.data = p;
    ts->p = p;
    ts->open = true;
    sp_probe__handle_opened(p);
    p->kstate = ts;
    ts->t_connect_ns = uv_hrtime();
    int rc = uv_tcp_connect(&ts->req, &ts->tcp, (const struct sockaddr *)sa, on_connect);
    if (rc < 0)
        sp_probe__finish(p, sp_probe_reason_from_uv(rc), "connect to %s port %u: %s",
                         p->res.address, p->spec->port, uv_strerror(rc));
}

static void tcp_start(sp_probe *p)
{
    sp_probe__start_at_address(p, do_connect);
}

static void tcp_cancel(sp_probe *p)
{
    tcp_state *ts = p->kstate;
    if (!ts)
        return;
    ts->p = NULL;
    p->kstate = NULL;
    /* a pending connect completes with UV_ECANCELED before tcp_closed */
    uv_close((uv_handle_t *)&ts->tcp, tcp_closed);
}

static sp_reason tcp_on_deadline(sp_probe *p)
{
    (void)p;
    return SP_REASON_TCP_TIMEOUT;
}

const sp_probe_kind_ops sp_probe__tcp_ops = {
    .name = "tcp",
    .start = tcp_start,
    .cancel = tcp_cancel,
    .on_deadline = tcp_on_deadline,
    .done = NULL, /* no curl transfers */
};
