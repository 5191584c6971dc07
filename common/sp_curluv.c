/*
 * libcurl's multi-socket API on a libuv loop; see sp_curluv.h. One
 * uv_poll_t per socket libcurl asks us to watch (stored with
 * curl_multi_assign), one uv_timer_t for libcurl's timeout; readiness and
 * timeouts go back through curl_multi_socket_action, then
 * curl_multi_info_read collects the finished transfers.
 */
#include "sp_curluv.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "common/sp_fd.h"

struct sp_curluv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    sp_curluv_done_cb done;
    void *arg;
    int handles_open; /* the timer + socket polls, to close before free */
    bool destroying;
};

typedef struct curl_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    sp_curluv *c;
} curl_sock;

static void maybe_free(sp_curluv *c)
{
    if (c->destroying && c->handles_open == 0)
        free(c);
}

static void check_multi_info(sp_curluv *c)
{
    CURLMsg *msg;
    int left;
    while (!c->destroying && (msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* msg points into curl's memory, which the done handler may free */
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        c->done(easy, code, c->arg);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    curl_sock *cs = h->data;
    sp_curluv *c = cs->c;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(c->multi, cs->fd, flags, &running);
    check_multi_info(c);
}

static void sock_closed(uv_handle_t *h)
{
    curl_sock *cs = h->data;
    sp_curluv *c = cs->c;
    free(cs);
    c->handles_open--;
    maybe_free(c);
}

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    (void)easy;
    sp_curluv *c = userp;
    curl_sock *cs = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (cs) {
            curl_multi_assign(c->multi, s, NULL);
            /* uv_close stops the watcher at once, so curl may reuse the fd
             * number for a new socket before the close callback runs. */
            uv_close((uv_handle_t *)&cs->poll, sock_closed);
        }
        return 0;
    }
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        if (!cs)
            return -1;
        cs->fd = s;
        cs->c = c;
        if (uv_poll_init_socket(c->loop, &cs->poll, s) != 0) {
            free(cs);
            return -1;
        }
        cs->poll.data = cs;
        c->handles_open++;
        curl_multi_assign(c->multi, s, cs);
    }
    int events = 0;
    if (action == CURL_POLL_IN || action == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&cs->poll, events, poll_cb);
    return 0;
}

static void timeout_cb(uv_timer_t *t)
{
    sp_curluv *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    sp_curluv *c = userp;
    if (c->destroying)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else /* 0 means "as soon as possible", never from inside this callback */
        uv_timer_start(&c->timer, timeout_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

sp_status sp_curluv_create(uv_loop_t *loop, sp_curluv_done_cb done, void *arg, sp_curluv **out)
{
    sp_curluv *c = calloc(1, sizeof *c);
    if (!c)
        return SP_ENOMEM;
    c->loop = loop;
    c->done = done;
    c->arg = arg;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        return SP_ECURL;
    }
    /* libcurl 7.88 makes the multi handle's wakeup socketpair without
     * FD_CLOEXEC, and the API does not give its descriptors: mark what is
     * open now (on the loop thread, right after the pair was made). */
    sp_fd_cloexec_from(3);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->handles_open = 1;
    *out = c;
    return SP_OK;
}

CURLM *sp_curluv_multi(sp_curluv *c)
{
    return c->multi;
}

/* libcurl 7.88 opens its connections with socket() and no SOCK_CLOEXEC:
 * open them ourselves, so that a program the daemon runs at that moment
 * does not get a probe's or an alert's connection. */
static curl_socket_t open_cloexec(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)arg;
    (void)purpose;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

sp_status sp_curluv_add(sp_curluv *c, CURL *easy)
{
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_cloexec);
    return curl_multi_add_handle(c->multi, easy) == CURLM_OK ? SP_OK : SP_ECURL;
}

void sp_curluv_remove(sp_curluv *c, CURL *easy)
{
    curl_multi_remove_handle(c->multi, easy);
}

static void timer_closed(uv_handle_t *h)
{
    sp_curluv *c = h->data;
    c->handles_open--;
    maybe_free(c);
}

void sp_curluv_destroy(sp_curluv *c)
{
    if (!c)
        return;
    /* curl_multi_cleanup closes cached connections and reports each socket
     * removed through socket_cb, which closes its poll; only then may the
     * memory go. */
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    c->destroying = true;
    uv_close((uv_handle_t *)&c->timer, timer_closed);
}
