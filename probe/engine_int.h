/*
 * Private contract between the engine (engine.c) and the probe kinds
 * (kind_*.c). Not installed, not used outside probe/.
 *
 * Life of a probe: sp_probe_start() allocates it and arms its timer with
 * 0 ms; the first tick calls the kind's start(); the kind drives DNS, curl
 * or libuv and ends with sp_probe__finish(), which calls the kind's
 * cancel() to release what the kind holds, runs the user's callback, and
 * closes the timer. The memory goes in the timer's close callback.
 */
#ifndef SP_PROBE_ENGINE_INT_H
#define SP_PROBE_ENGINE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <ares.h>
#include <curl/curl.h>
#include <uv.h>

#include "sp_probe.h"

typedef struct sp_probe_kind_ops {
    const char *name;
    /* Begin the work; must end, now or later, in sp_probe__finish(). */
    void (*start)(sp_probe *p);
    /* Release the kind's resources at once (curl handle, pending lookups,
     * sockets). Called once by sp_probe__finish(), before the callback. */
    void (*cancel)(sp_probe *p);
    /* The reason to report when the deadline passes in the kind's phase. */
    sp_reason (*on_deadline)(sp_probe *p);
    /* curl has finished a transfer of p (sp_probe__curl_add): code is its
     * result, easy is still in the multi handle. Required of a kind that
     * adds transfers, NULL for the others. */
    void (*done)(sp_probe *p, CURL *easy, CURLcode code);
} sp_probe_kind_ops;

extern const sp_probe_kind_ops sp_probe__http_ops;
extern const sp_probe_kind_ops sp_probe__tcp_ops;
extern const sp_probe_kind_ops sp_probe__dns_ops;
extern const sp_probe_kind_ops sp_probe__tls_ops;
extern const sp_probe_kind_ops sp_probe__icmp_ops;

/* One name lookup in flight. c-ares 1.18 cannot cancel a single query, so a
 * lookup outlives a finished probe: the probe detaches (p = NULL) and the
 * c-ares callback frees the request when it finally comes. */
typedef struct sp_dns_req sp_dns_req;
typedef void (*sp_dns_cb)(sp_probe *p, int ares_status, const struct ares_addrinfo *ai);
/* sp_probe__start_at_address's next step: the address picked (port 0). */
typedef void (*sp_addr_go)(sp_probe *p, struct sockaddr_storage *sa);

struct sp_probe {
    sp_probe_engine *eng;
    const sp_probe_spec *spec;
    const sp_probe_kind_ops *ops;
    sp_probe_cb cb;
    void *arg;
    sp_probe_result res;
    uint64_t t0_ns;   /* uv_hrtime() when the work began */
    uv_timer_t timer; /* first the kick, then the deadline */
    bool started, finished;
    sp_dns_req *dns;       /* pending lookup, or NULL */
    void *kstate;          /* the kind's own state */
    sp_addr_go addr_go;    /* sp_probe__start_at_address's next step */
    int handles_open;      /* libuv handles still to close before free */
    sp_probe *prev, *next; /* engine's in-flight list */
};

struct sp_probe_engine {
    uv_loop_t *loop;
    struct sp_curluv *curl; /* libcurl's multi handle on the loop */
    ares_channel ares;
    uv_timer_t ares_timer;
    struct ares_sock *ares_socks; /* c-ares sockets being polled */
    /* Lookups c-ares has not called back yet, and those of them a probe
     * still waits for. When none is waited for, the rest are cancelled
     * (dns_reap): c-ares' own retries must not outlive the probes. */
    size_t dns_pending, dns_waiting;
    uv_timer_t dns_reap;
    sp_probe *inflight;
    size_t n_inflight;
    int handles_open; /* engine handles still to close before free */
    bool destroying;
    struct ca_entry *cas; /* trust stores by CA file, loaded once */
};

/* The trust store for ca_file (NULL: the system's), loaded on first use and
 * kept for the engine's life: parsing a CA bundle per probe would cost more
 * than the handshake. Borrowed pointer; NULL with err set on failure. */
struct x509_store_st *sp_probe__ca_store(sp_probe_engine *e, const char *ca_file, char *err,
                                         size_t errlen);

/* End the probe with a reason and a printf-style detail. Idempotent. */
void sp_probe__finish(sp_probe *p, sp_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds since the probe's work began. */
double sp_probe__elapsed_ms(const sp_probe *p);

/* Milliseconds left before the deadline (never below 1). */
long sp_probe__remaining_ms(const sp_probe *p);

/* Resolve spec->host (or any name) with c-ares; cb runs once unless the
 * probe finishes first. The DNS phase time is added to res.dns_ms. */
sp_status sp_probe__resolve(sp_probe *p, const char *host, sp_dns_cb cb);

/* Send one raw query (the dns kind); same life rules as sp_probe__resolve. */
typedef void (*sp_query_cb)(sp_probe *p, int ares_status, const unsigned char *abuf, int alen);
sp_status sp_probe__query(sp_probe *p, const char *name, int type, sp_query_cb cb);

/* True when h is a numeric IPv4 or IPv6 address (no DNS needed); fills sa
 * (port 0) when it is not NULL. */
bool sp_probe__ip_literal(const char *h, struct sockaddr_storage *sa);

/* Pick the address to probe according to spec->ip; false when none fits.
 * Writes the numeric address into buf. */
bool sp_probe__pick_address(const sp_probe *p, const struct ares_addrinfo *ai, char *buf, size_t n,
                            struct sockaddr_storage *sa);

/* For kinds that talk to one address of the spec's host (tcp, icmp): take
 * the host's IP literal, or resolve it and pick by spec->ip, write the
 * address into p->res.address and call go with it (port 0); a lookup that
 * fails, or finds no address that fits, finishes the probe with its DNS
 * reason instead. go may run inside this call. */
void sp_probe__start_at_address(sp_probe *p, sp_addr_go go);

/* curl easy handles of this engine run through these two; when a transfer
 * ends, the engine calls the probe's kind's done(). */
sp_status sp_probe__curl_add(sp_probe *p, CURL *easy);
void sp_probe__curl_remove(sp_probe *p, CURL *easy);

/* True when one response header line as libcurl hands it (buf[0..len),
 * "Name: value\r\n", not NUL-terminated) is the header of c's expect_header
 * rule and its value matches the rule's regex; false when c has no such
 * rule. Values past 1023 bytes are cut. Pure (kind_http.c). */
bool sp_probe__header_matches(const struct sp_probe_compiled *c, const char *buf, size_t len);

/* The dns kind: parse a resolver's answer (abuf[0..alen), the raw
 * message) for p->spec's record type into p->res.answer; returns an ARES
 * status and sets *match when spec->dns_expect (if any) is among the
 * answers. Uses only p->spec and p->res (kind_dns.c). */
int sp_probe__dns_parse_answer(sp_probe *p, const unsigned char *abuf, int alen, bool *match);

/* Count a libuv handle the kind opened; release it with handle_closed from
 * its close callback. The probe is freed when the count reaches zero. */
void sp_probe__handle_opened(sp_probe *p);
void sp_probe__handle_closed(sp_probe *p);

#endif
