/*
 * The tls probe kind: the TLS posture of one endpoint, measured with
 * OpenSSL directly on the engine's loop.
 *
 * c-ares resolves the name once; then a sequence of non-blocking TLS
 * handshakes, each on its own socket watched by its own uv_poll_t (no
 * threads, nothing blocks):
 *
 *   1. default  - every version from TLS 1.0 up, the default cipher list:
 *                 negotiated version and cipher, the certificate chain, a
 *                 stapled OCSP response, then "GET / HTTP/1.1" on the same
 *                 connection for the Strict-Transport-Security header;
 *   2-5. one handshake pinned to each of TLS 1.0, 1.1, 1.2, 1.3 (min = max);
 *   6. weak     - TLS 1.0-1.2 offering only NULL, anonymous, export, RC4,
 *                 DES and 3DES suites (those this OpenSSL still has);
 *   7. dhe      - TLS 1.0-1.2 offering only DHE suites: the size of the
 *                 server's DH group (Logjam), which the default handshake
 *                 does not show when the server prefers ECDHE.
 *
 * A failed default handshake does not stop the sweep: a server that only
 * takes NULL suites is down for a browser, and the pinned and weak
 * handshakes still say what it does accept.
 *
 * This file drives the handshakes and records what each proved; what the
 * certificates say is cert.c's (shared with the https kind), what the
 * HSTS header says is hsts.c's.
 *
 * Every handshake runs at @SECLEVEL=0: we measure what the server accepts,
 * and a client at the system's default level would refuse to even try TLS
 * 1.0 or an RSA-1024 certificate. Judging is done apart: the chain is
 * verified after the handshake (cert.c) against the engine's cached trust
 * store at security level 1 (RSA-1024 passes and is graded; SHA-1 fails, as
 * in browsers), and the grade comes from tls_grade.c.
 *
 * Sequential, not parallel: one connection at a time is what a polite
 * scanner does, and the six handshakes take milliseconds each. Each
 * attempt after the first gets a share of the remaining time, so one
 * server that never answers a TLS 1.0 hello costs that attempt ("not
 * tested"), not the probe.
 *
 * Up or down is sp_probe_tls_availability()'s, from the default
 * handshake's facts: the same function the https kind uses, so check and
 * check --tls never disagree; the grade is information, not up/down.
 */
#include "cert.h"
#include "engine_int.h"
#include "hsts.h"
#include "reason_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

typedef enum attempt_kind {
    ATT_DEFAULT,
    ATT_V10,
    ATT_V11,
    ATT_V12,
    ATT_V13,
    ATT_WEAK,
    ATT_DHE,
    ATT_COUNT
} attempt_kind;

typedef enum attempt_phase { PH_CONNECT, PH_HANDSHAKE, PH_WRITE, PH_READ } attempt_phase;

typedef struct tls_state tls_state;

/* One connection. Freed in its poll's close callback, after the fd. */
typedef struct attempt {
    uv_poll_t poll;
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    attempt_kind kind;
    attempt_phase phase;
    sp_probe *owner; /* for the handle count, even after the probe finished */
    uint64_t t0_ns;
    char req[600];
    size_t req_len, req_off;
    char hdr[8192]; /* response head, NUL-terminated */
    size_t hdr_len;
} attempt;

struct tls_state {
    sp_probe *p;      /* NULL once the probe has finished */
    uv_timer_t timer; /* per-attempt budget; the state is freed when it closes */
    struct sockaddr_storage sa;
    socklen_t salen;
    X509_STORE *store; /* borrowed from the engine */
    char *path;        /* request path for HSTS */
    attempt *cur;
    attempt_kind next;
};

/* --- Facts of the default handshake --------------------------------------- */

static void default_handshake_facts(sp_probe *p, tls_state *ts, SSL *ssl)
{
    sp_tls_posture *ps = &p->res.posture;
    sp_probe__handshake_facts(ps, ssl, ts->store, p->spec->host);

    /* the fields every https probe reports, under the same names */
    sp_tls_info *t = &p->res.tls;
    t->present = true;
    snprintf(t->version, sizeof t->version, "%s", ps->version);
    snprintf(t->cipher, sizeof t->cipher, "%s", ps->cipher);
    t->has_cert = ps->cert.present;
    t->days_left = ps->cert.days_left;
    snprintf(t->not_after, sizeof t->not_after, "%s", ps->cert.not_after);
    t->chain_valid = ps->cert.chain_valid;
    t->hostname_match = ps->cert.hostname_match;
    t->verify_error = ps->cert.verify_error;
}

/* --- Attempts ------------------------------------------------------------- */

static void attempt_closed(uv_handle_t *h)
{
    attempt *a = h->data;
    sp_probe *owner = a->owner;
    if (a->fd >= 0)
        close(a->fd);
    free(a);
    sp_probe__handle_closed(owner);
}

static void attempt_free(attempt *a)
{
    SSL_free(a->ssl); /* the fd is not the SSL's to close (BIO_NOCLOSE) */
    SSL_CTX_free(a->ctx);
    a->ssl = NULL;
    a->ctx = NULL;
    ERR_clear_error();
    uv_close((uv_handle_t *)&a->poll, attempt_closed);
}

static void run_next(tls_state *ts);
static void finish_posture(sp_probe *p);

/* The attempt is over: record what it proved, release it, go on. */
static void attempt_end(tls_state *ts, bool accepted)
{
    sp_probe *p = ts->p;
    attempt *a = ts->cur;
    sp_tls_posture *ps = &p->res.posture;
    uv_timer_stop(&ts->timer);
    ts->cur = NULL;
    switch (a->kind) {
    case ATT_DEFAULT:
        break; /* its facts were taken when the handshake completed */
    case ATT_V10:
    case ATT_V11:
    case ATT_V12:
    case ATT_V13: {
        sp_tls_proto v = (sp_tls_proto)(a->kind - ATT_V10);
        ps->proto_tested[v] = true;
        ps->proto_accepted[v] = accepted;
        break;
    }
    case ATT_DHE:
        ps->dhe_tested = true;
        ps->dhe_accepted = accepted;
        if (accepted) {
            sp_tls_kex k;
            sp_probe__kex_facts(a->ssl, &k);
            ps->dhe_bits = strcmp(k.type, "DHE") == 0 ? k.bits : 0;
        }
        break;
    case ATT_WEAK:
        ps->weak_tested = true;
        ps->weak_accepted = accepted;
        if (accepted) {
            const SSL_CIPHER *c = SSL_get_current_cipher(a->ssl);
            snprintf(ps->weak_cipher, sizeof ps->weak_cipher, "%s",
                     c ? SSL_CIPHER_get_name(c) : "?");
        }
        break;
    default:
        break;
    }
    attempt_free(a);
    run_next(ts);
}

/* The attempt could not say anything (connection lost, out of time): the
 * version stays "not tested". A default attempt that cannot connect ends
 * the probe: with no TCP connection there is no posture to speak of. */
static void attempt_abandon(tls_state *ts, sp_reason reason, const char *why)
{
    attempt *a = ts->cur;
    sp_probe *p = ts->p;
    if (a->kind == ATT_DEFAULT) {
        sp_tls_posture *ps = &p->res.posture;
        ps->handshake_ok = false;
        if (a->phase == PH_CONNECT)
            ps->present = false;
        sp_probe_tls_grade(ps);
        sp_probe__finish(p, reason, "%s", why);
        return;
    }
    uv_timer_stop(&ts->timer);
    ts->cur = NULL;
    attempt_free(a);
    run_next(ts);
}

static void set_poll(attempt *a, int events);

/* SSL_ERROR_WANT_* → wait for the socket; true when the call must wait. */
static bool want_io(attempt *a, int rc)
{
    int e = SSL_get_error(a->ssl, rc);
    if (e == SSL_ERROR_WANT_READ) {
        set_poll(a, UV_READABLE);
        return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        set_poll(a, UV_WRITABLE);
        return true;
    }
    return false;
}

/* Share what is left of the probe's time fairly among the attempts still
 * to come (k and after). */
static uint64_t attempt_budget_ms(const sp_probe *p, attempt_kind k)
{
    long share = (sp_probe__remaining_ms(p) - 50) / (long)(ATT_COUNT - k);
    return (uint64_t)(share > 100 ? share : 100);
}

static void budget_timer_cb(uv_timer_t *t)
{
    tls_state *ts = t->data;
    attempt *a = ts->cur;
    if (!ts->p || !a)
        return;
    if (a->kind == ATT_DEFAULT && a->phase >= PH_WRITE) {
        /* no complete HTTP answer in time: HSTS from what came, if anything */
        sp_probe__parse_hsts(a->hdr, &ts->p->res.posture.hsts);
        attempt_end(ts, true);
        return;
    }
    attempt_abandon(ts, SP_REASON_TLS_HANDSHAKE, "attempt out of time");
}

static void drive(tls_state *ts)
{
    attempt *a = ts->cur;
    sp_probe *p = ts->p;
    int rc;
    switch (a->phase) {
    case PH_CONNECT:
        return;
    case PH_HANDSHAKE:
        rc = SSL_connect(a->ssl);
        if (rc != 1) {
            if (want_io(a, rc))
                return;
            unsigned long err = ERR_peek_last_error();
            if (a->kind == ATT_DEFAULT) /* down for a browser; the sweep goes on */
                sp_probe__handshake_fail(&p->res.posture, err, NULL);
            /* the server refused this version / these suites; unless what
             * failed is this client's own certificate-list limit: the
             * server had agreed to them and sent its certificates */
            attempt_end(ts, ERR_GET_LIB(err) == ERR_LIB_SSL &&
                                ERR_GET_REASON(err) == SSL_R_EXCESSIVE_MESSAGE_SIZE);
            return;
        }
        if (a->kind != ATT_DEFAULT) {
            attempt_end(ts, true);
            return;
        }
        p->res.tls_ms = (double)(uv_hrtime() - a->t0_ns) / 1e6;
        default_handshake_facts(p, ts, a->ssl);
        a->phase = PH_WRITE;
        /* a server that does not speak HTTP must not cost the posture */
        uv_timer_start(&ts->timer, budget_timer_cb, attempt_budget_ms(p, ATT_DEFAULT), 0);
        /* fall through */
    case PH_WRITE:
        while (a->req_off < a->req_len) {
            rc = SSL_write(a->ssl, a->req + a->req_off, (int)(a->req_len - a->req_off));
            if (rc <= 0) {
                if (!want_io(a, rc))
                    attempt_end(ts, true); /* no HTTP: HSTS stays unchecked */
                return;
            }
            a->req_off += (size_t)rc;
        }
        a->phase = PH_READ;
        /* fall through */
    case PH_READ:
        for (;;) {
            if (a->hdr_len + 1 >= sizeof a->hdr || strstr(a->hdr, "\r\n\r\n"))
                break;
            rc = SSL_read(a->ssl, a->hdr + a->hdr_len, (int)(sizeof a->hdr - 1 - a->hdr_len));
            if (rc <= 0) {
                if (want_io(a, rc))
                    return;
                break; /* closed or broken: parse what came */
            }
            a->hdr_len += (size_t)rc;
            a->hdr[a->hdr_len] = '\0';
        }
        sp_probe__parse_hsts(a->hdr, &p->res.posture.hsts);
        if (p->res.posture.hsts.checked)
            p->res.http_status = p->res.posture.hsts.http_status;
        attempt_end(ts, true);
        return;
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)events;
    attempt *a = h->data;
    sp_probe *p = a->owner;
    tls_state *ts = p->kstate;
    if (!ts || ts->cur != a)
        return;
    if (a->phase == PH_CONNECT) {
        /* libuv reports a failed connect as a poll error (UV_EBADF on
         * POLLERR): the socket's own error says what happened */
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0 || status < 0) {
            char why[160];
            int uverr = err ? uv_translate_sys_error(err) : status;
            snprintf(why, sizeof why, "connect to %s port %u: %s", p->res.address, p->spec->port,
                     uv_strerror(uverr));
            attempt_abandon(ts, sp_probe_reason_from_uv(uverr), why);
            return;
        }
        if (a->kind == ATT_DEFAULT)
            p->res.connect_ms = (double)(uv_hrtime() - a->t0_ns) / 1e6;
        a->phase = PH_HANDSHAKE;
        a->t0_ns = uv_hrtime();
    }
    drive(ts);
}

static void set_poll(attempt *a, int events)
{
    uv_poll_start(&a->poll, events, on_poll);
}

/* On the client, OpenSSL calls this when the server sends a
 * CertificateRequest: a server that then refuses to go on wants one. */
static int cert_requested_cb(SSL *ssl, void *arg)
{
    (void)ssl;
    attempt *a = arg;
    if (a->kind == ATT_DEFAULT) {
        a->owner->res.posture.client_cert_requested = true;
        a->owner->res.posture.client_cert_sent = a->owner->spec->client_cert != NULL;
    }
    return 1;
}

/* The client settings of each attempt. NULL when this OpenSSL cannot make
 * such a hello at all (e.g. no weak suite compiled in), or the client
 * certificate cannot be loaded (err says why). */
static SSL_CTX *make_ctx(const sp_probe_spec *s, attempt_kind k, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    static const int pinned[] = {[ATT_V10] = TLS1_VERSION,
                                 [ATT_V11] = TLS1_1_VERSION,
                                 [ATT_V12] = TLS1_2_VERSION,
                                 [ATT_V13] = TLS1_3_VERSION};
    const char *ciphers = NULL;
    int min = TLS1_VERSION, max = 0;
    switch (k) {
    case ATT_V10:
    case ATT_V11:
    case ATT_V12:
    case ATT_V13:
        min = max = pinned[k];
        /* every suite, NULL ones too: only the version is on trial, and a
         * server that takes nothing but NULL suites does speak it */
        ciphers = "ALL:eNULL:@SECLEVEL=0";
        break;
    case ATT_WEAK:
        max = TLS1_2_VERSION; /* TLS 1.3 has no weak suites */
        ciphers = "eNULL:aNULL:EXP:RC4:DES:3DES:!PSK:!SRP:@SECLEVEL=0";
        break;
    case ATT_DHE:
        max = TLS1_2_VERSION; /* TLS 1.3 has no finite-field DHE in OpenSSL 3.0 */
        ciphers = "kDHE:!PSK:@SECLEVEL=0";
        break;
    default:
        break;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* judged after, see the top */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    bool ok = k == ATT_DEFAULT ? sp_probe__browser_ctx(ctx)
                               : SSL_CTX_set_min_proto_version(ctx, min) &&
                                     SSL_CTX_set_max_proto_version(ctx, max) &&
                                     SSL_CTX_set_cipher_list(ctx, ciphers);
    if (!ok) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    SSL_CTX_set_max_cert_list(ctx, SP_TLS_MAX_CERT_LIST);
    if (s->client_cert && (SSL_CTX_use_certificate_chain_file(ctx, s->client_cert) != 1 ||
                           SSL_CTX_use_PrivateKey_file(ctx, s->client_key, SSL_FILETYPE_PEM) != 1 ||
                           SSL_CTX_check_private_key(ctx) != 1)) {
        unsigned long e = ERR_peek_last_error();
        /* the key file's contents are never in the message: only its path */
        snprintf(err, errlen, "cannot load client certificate %s with key %s: %s", s->client_cert,
                 s->client_key, e ? ERR_reason_error_string(e) : "unknown error");
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

/* Start attempt k; false when it cannot be made (then it is skipped). */
static bool start_attempt(tls_state *ts, attempt_kind k)
{
    sp_probe *p = ts->p;
    const sp_probe_spec *s = p->spec;
    attempt *a = calloc(1, sizeof *a);
    if (!a)
        return false;
    a->fd = -1;
    a->kind = k;
    a->owner = p;
    char err[300] = "";
    a->ctx = make_ctx(s, k, err, sizeof err);
    if (!a->ctx && err[0] && k == ATT_DEFAULT) {
        free(a);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "%s", err);
        return true; /* finished: nothing more to start */
    }
    if (!a->ctx || !(a->ssl = SSL_new(a->ctx)))
        goto fail;
    SSL_set_cert_cb(a->ssl, cert_requested_cb, a);
    a->fd = socket(ts->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a->fd < 0 || !SSL_set_fd(a->ssl, a->fd))
        goto fail;
    SSL_set_connect_state(a->ssl);
    if (!sp_probe__ip_literal(s->host, NULL))
        SSL_set_tlsext_host_name(a->ssl, s->host);
    if (k == ATT_DEFAULT) {
        bool v6 = strchr(s->host, ':') != NULL;
        int n = snprintf(a->req, sizeof a->req,
                         "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: slaprobe/" SP_VERSION
                         "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                         ts->path, v6 ? "[" : "", s->host, v6 ? "]" : "", s->port);
        a->req_len = n > 0 && (size_t)n < sizeof a->req ? (size_t)n : 0;
    }
    if (uv_poll_init_socket(p->eng->loop, &a->poll, a->fd) != 0)
        goto fail;
    a->poll.data = a;
    sp_probe__handle_opened(p);
    ts->cur = a;
    a->t0_ns = uv_hrtime();
    if (connect(a->fd, (struct sockaddr *)&ts->sa, ts->salen) != 0 && errno != EINPROGRESS) {
        char why[160];
        int uverr = uv_translate_sys_error(errno);
        snprintf(why, sizeof why, "connect to %s port %u: %s", p->res.address, s->port,
                 uv_strerror(uverr));
        attempt_abandon(ts, sp_probe_reason_from_uv(uverr), why);
        return true;
    }
    a->phase = PH_CONNECT;
    set_poll(a, UV_WRITABLE);
    if (k != ATT_DEFAULT) /* the default attempt has the probe's deadline */
        uv_timer_start(&ts->timer, budget_timer_cb, attempt_budget_ms(p, k), 0);
    return true;
fail:
    SSL_free(a->ssl);
    SSL_CTX_free(a->ctx);
    if (a->fd >= 0)
        close(a->fd);
    free(a);
    ERR_clear_error();
    return false;
}

static void run_next(tls_state *ts)
{
    sp_probe *p = ts->p;
    while (ts->next < ATT_COUNT) {
        attempt_kind k = ts->next++;
        if (start_attempt(ts, k))
            return;
        if (k == ATT_DEFAULT) {
            sp_probe__finish(p, SP_REASON_PROBE_ERROR, "cannot set up a TLS connection");
            return;
        }
    }
    finish_posture(p);
}

/* Every attempt is done: grade, then decide up or down by the one policy
 * (docs/REASONS.md) the https kind uses too. */
static void finish_posture(sp_probe *p)
{
    sp_tls_posture *ps = &p->res.posture;
    sp_probe_tls_grade(ps);
    char summary[160], why[200];
    if (ps->handshake_ok)
        snprintf(summary, sizeof summary, "grade %s, %s %s, %zu finding%s",
                 sp_probe_tls_grade_name(ps->grade), ps->version, ps->cipher, ps->n_findings,
                 ps->n_findings == 1 ? "" : "s");
    else
        snprintf(summary, sizeof summary, "grade %s, %zu finding%s",
                 sp_probe_tls_grade_name(ps->grade), ps->n_findings,
                 ps->n_findings == 1 ? "" : "s");
    sp_tls_policy pol = {.host = p->spec->host,
                         .insecure = p->spec->insecure,
                         .cn_fallback = p->spec->tls_cn_fallback};
    sp_reason r = sp_probe_tls_availability(ps, &pol, why, sizeof why);
    if (r == SP_REASON_OK)
        sp_probe__finish(p, r, "%s", summary);
    else
        sp_probe__finish(p, r, "%s; %s", why, summary);
}

static void begin(sp_probe *p, tls_state *ts)
{
    if (ts->sa.ss_family == AF_INET) {
        ((struct sockaddr_in *)&ts->sa)->sin_port = htons(p->spec->port);
        ts->salen = sizeof(struct sockaddr_in);
    } else {
        ((struct sockaddr_in6 *)&ts->sa)->sin6_port = htons(p->spec->port);
        ts->salen = sizeof(struct sockaddr_in6);
    }
    p->res.posture.present = true;
    ts->next = ATT_DEFAULT;
    run_next(ts);
}

static void on_dns(sp_probe *p, int status, const struct ares_addrinfo *ai)
{
    tls_state *ts = p->kstate;
    if (status != ARES_SUCCESS) {
        sp_probe__finish(p, sp_probe_reason_from_ares(status), "cannot resolve %s: %s",
                         p->spec->host, ares_strerror(status));
        return;
    }
    if (!sp_probe__pick_address(p, ai, p->res.address, sizeof p->res.address, &ts->sa)) {
        sp_probe__finish(p, SP_REASON_DNS_NODATA, "%s has no usable address", p->spec->host);
        return;
    }
    begin(p, ts);
}

/* The path and query of an https URL, "/" for anything else. */
static char *request_path(const sp_probe_spec *s)
{
    char *out = NULL, *path = NULL, *query = NULL;
    CURLU *u = s->url ? curl_url() : NULL;
    if (u && curl_url_set(u, CURLUPART_URL, s->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_QUERY, &query, 0);
        if (asprintf(&out, "%s%s%s", path, query ? "?" : "", query ? query : "") < 0)
            out = NULL;
    } else {
        out = strdup("/");
    }
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return out;
}

/* --- Kind table entry ----------------------------------------------------- */

static void ts_closed(uv_handle_t *h)
{
    tls_state *ts = h->data;
    sp_probe *owner = ts->p;
    free(ts->path);
    free(ts);
    sp_probe__handle_closed(owner);
}

static void tls_start(sp_probe *p)
{
    char err[256];
    tls_state *ts = calloc(1, sizeof *ts);
    if (!ts || !(ts->path = request_path(p->spec))) {
        free(ts);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    ts->p = p;
    uv_timer_init(p->eng->loop, &ts->timer);
    ts->timer.data = ts;
    sp_probe__handle_opened(p);
    p->kstate = ts;
    ts->store = sp_probe__ca_store(p->eng, p->spec->ca_file, err, sizeof err);
    if (!ts->store) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "%s", err);
        return;
    }
    if (sp_probe__ip_literal(p->spec->host, &ts->sa)) {
        snprintf(p->res.address, sizeof p->res.address, "%s", p->spec->host);
        begin(p, ts);
    } else if (sp_probe__resolve(p, p->spec->host, on_dns) != SP_OK) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
    }
}

static void tls_cancel(sp_probe *p)
{
    tls_state *ts = p->kstate;
    if (!ts)
        return;
    p->kstate = NULL;
    if (ts->cur) {
        attempt_free(ts->cur);
        ts->cur = NULL;
    }
    uv_timer_stop(&ts->timer);
    /* ts->p stays set for ts_closed's handle count; nothing else reads it */
    uv_close((uv_handle_t *)&ts->timer, ts_closed);
}

static sp_reason tls_on_deadline(sp_probe *p)
{
    tls_state *ts = p->kstate;
    sp_tls_posture *ps = &p->res.posture;
    sp_reason r = SP_REASON_TLS_HANDSHAKE;
    if (!ts || !ts->cur) /* between attempts cannot happen; be safe */
        r = ps->handshake_ok ? SP_REASON_HTTP_TIMEOUT : SP_REASON_TLS_HANDSHAKE;
    else if (ts->cur->kind == ATT_DEFAULT && ts->cur->phase == PH_CONNECT) {
        ps->present = false; /* never connected: nothing to grade */
        r = SP_REASON_TCP_TIMEOUT;
    } else if (ps->handshake_ok)
        r = SP_REASON_HTTP_TIMEOUT; /* only the attempt budgets can fail this way */
    sp_probe_tls_grade(ps);
    return r;
}

const sp_probe_kind_ops sp_probe__tls_ops = {
    .name = "tls",
    .start = tls_start,
    .cancel = tls_cancel,
    .on_deadline = tls_on_deadline,
    .done = NULL, /* no curl transfers */
};
