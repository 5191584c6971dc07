/*
 * The icmp probe kind: resolve with c-ares, send one ICMP (or ICMPv6) echo
 * request, wait for its reply on the loop. Up means the reply came back
 * from the address asked; the round trip is the connect phase.
 *
 * The socket: an unprivileged ICMP datagram socket ("ping socket") where
 * the kernel allows it (net.ipv4.ping_group_range contains one of our
 * groups; the kernel then owns the identifier and the checksum), else a
 * raw socket, which needs CAP_NET_RAW. When neither can be opened the
 * probe is probe_error (our side, never the target's), naming both ways.
 *
 * Both sockets are connect()ed to the target: the kernel then hands us
 * only packets from it, and (with IP_RECVERR) an ICMP error about our
 * request, a router's "unreachable", comes back as the socket's error.
 */
#include "engine_int.h"
#include "reason_map.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ICMP_TOKEN 16 /* random payload that marks our reply among others */

typedef struct icmp_state {
    uv_poll_t poll;
    int fd;
    bool raw; /* a raw socket: our identifier, our checksum, IP header on v4 */
    bool v6;
    uint16_t id, seq;
    unsigned char token[ICMP_TOKEN];
    uint64_t t_send_ns;
    sp_probe *p; /* NULL once the probe has finished */
    sp_probe *owner;
} icmp_state;

static uint16_t checksum(const unsigned char *b, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void icmp_closed(uv_handle_t *h)
{
    icmp_state *st = h->data;
    sp_probe *owner = st->owner;
    close(st->fd);
    free(st);
    sp_probe__handle_closed(owner);
}

/* Is this datagram the reply to our request? buf: what recv gave (with
 * the IPv4 header on a raw v4 socket). */
static bool is_our_reply(const icmp_state *st, const unsigned char *buf, size_t n)
{
    if (st->raw && !st->v6) {
        if (n < 20)
            return false;
        size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
        if (ihl < 20 || n < ihl)
            return false;
        buf += ihl;
        n -= ihl;
    }
    if (n < 8 + ICMP_TOKEN)
        return false;
    unsigned want = st->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
    if (buf[0] != want || buf[1] != 0)
        return false;
    uint16_t id = (uint16_t)(buf[4] << 8 | buf[5]), seq = (uint16_t)(buf[6] << 8 | buf[7]);
    /* a ping socket's identifier is the kernel's, which it checks itself */
    if ((st->raw && id != st->id) || seq != st->seq)
        return false;
    return memcmp(buf + 8, st->token, ICMP_TOKEN) == 0;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    icmp_state *st = h->data;
    sp_probe *p = st->p;
    (void)events;
    if (!p)
        return;
    if (status < 0) {
        /* libuv reports POLLERR as an error of its own: the socket's error
         * (a hard ICMP error about our request) says what happened */
        int e = 0;
        socklen_t el = sizeof e;
        if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e != 0)
            sp_probe__finish(p, sp_probe_reason_from_uv(uv_translate_sys_error(e)),
                             "echo request to %s: %s", p->res.address, strerror(e));
        else
            sp_probe__finish(p, SP_REASON_PROBE_ERROR, "poll: %s", uv_strerror(status));
        return;
    }
    unsigned char buf[1500];
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int)) * 2];
    } ctl;
    for (;;) {
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
        ssize_t n = recvmsg(st->fd, &mh, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            /* a hard ICMP error about our request, set on the connected socket */
            int e = errno;
            sp_probe__finish(p, sp_probe_reason_from_uv(uv_translate_sys_error(e)),
                             "echo request to %s: %s", p->res.address, strerror(e));
            return;
        }
        if (is_our_reply(st, buf, (size_t)n)) {
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
                    memcpy(&p->res.hop_limit, CMSG_DATA(c), sizeof(int));
            p->res.connect_ms = (double)(uv_hrtime() - st->t_send_ns) / 1e6;
            sp_probe__finish(p, SP_REASON_OK, "echo reply from %s in %.3f ms (%s socket)",
                             p->res.address, p->res.connect_ms, st->raw ? "raw" : "ping");
            return;
        }
    }
}

/* A ping socket, else a raw one; -1 with why in err when neither opens. */
static int open_socket(int af, bool *raw, char *err, size_t errlen)
{
    int proto = af == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) {
        *raw = false;
        return fd;
    }
    int dgram_errno = errno;
    fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) {
        *raw = true;
        return fd;
    }
    snprintf(err, errlen,
             "cannot open an ICMP socket: a ping socket needs one of this process's groups "
             "in net.ipv4.ping_group_range (%s), a raw socket needs CAP_NET_RAW (%s)",
             strerror(dgram_errno), strerror(errno));
    return -1;
}

static void send_echo(sp_probe *p, struct sockaddr_storage *sa)
{
    char err[300];
    bool raw;
    bool v6 = sa->ss_family == AF_INET6;
    int fd = open_socket(sa->ss_family, &raw, err, sizeof err);
    if (fd < 0) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "%s", err);
        return;
    }
    icmp_state *st = calloc(1, sizeof *st);
    if (!st) {
        close(fd);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    st->fd = fd;
    st->raw = raw;
    st->v6 = v6;
    st->p = st->owner = p;
    unsigned char rnd[4];
    if (RAND_bytes(st->token, ICMP_TOKEN) != 1 || RAND_bytes(rnd, sizeof rnd) != 1) {
        close(fd);
        free(st);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "no random bytes for the echo request");
        return;
    }
    st->id = (uint16_t)(rnd[0] << 8 | rnd[1]);
    st->seq = (uint16_t)(rnd[2] << 8 | rnd[3]);
    if (uv_poll_init_socket(p->eng->loop, &st->poll, fd) != 0) {
        close(fd);
        free(st);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "cannot watch the ICMP socket");
        return;
    }
    st->poll.data = st;
    sp_probe__handle_opened(p);
    p->kstate = st;
    /* A router's "unreachable" is a soft error, which a socket reports only
     * when asked to: without this the probe would wait for its timeout. */
    int on = 1;
    if (v6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    } else {
        setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
        setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    }
    socklen_t salen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (connect(fd, (struct sockaddr *)sa, salen) != 0) {
        int e = errno;
        sp_probe__finish(p, sp_probe_reason_from_uv(uv_translate_sys_error(e)),
                         "echo request to %s: %s", p->res.address, strerror(e));
        return;
    }
    unsigned char pkt[8 + ICMP_TOKEN] = {0};
    pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
    pkt[4] = (unsigned char)(st->id >> 8);
    pkt[5] = (unsigned char)st->id;
    pkt[6] = (unsigned char)(st->seq >> 8);
    pkt[7] = (unsigned char)st->seq;
    memcpy(pkt + 8, st->token, ICMP_TOKEN);
    if (raw && !v6) { /* the kernel sums ICMPv6 and a ping socket's packets */
        uint16_t c = checksum(pkt, sizeof pkt);
        pkt[2] = (unsigned char)(c >> 8);
        pkt[3] = (unsigned char)c;
    }
    uv_poll_start(&st->poll, UV_READABLE, on_readable);
    st->t_send_ns = uv_hrtime();
    if (send(fd, pkt, sizeof pkt, 0) < 0) {
        int e = errno;
        sp_probe__finish(p, sp_probe_reason_from_uv(uv_translate_sys_error(e)),
                         "echo request to %s: %s", p->res.address, strerror(e));
    }
}

static void icmp_start(sp_probe *p)
{
    sp_probe__start_at_address(p, send_echo);
}

static void icmp_cancel(sp_probe *p)
{
    icmp_state *st = p->kstate;
    if (!st)
        return;
    st->p = NULL;
    p->kstate = NULL;
    uv_close((uv_handle_t *)&st->poll, icmp_closed);
}

static sp_reason icmp_on_deadline(sp_probe *p)
{
    (void)p;
    return SP_REASON_ICMP_TIMEOUT;
}

const sp_probe_kind_ops sp_probe__icmp_ops = {
    .name = "icmp",
    .start = icmp_start,
    .cancel = icmp_cancel,
    .on_deadline = icmp_on_deadline,
    .done = NULL,
};
