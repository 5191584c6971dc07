/*
 * The http and https probe kinds.
 *
 * One fresh connection per probe (no reuse, no TLS session resumption):
 * an SLA probe measures what a new user gets. c-ares resolves the name,
 * then libcurl is told to connect to that address (CURLOPT_CONNECT_TO)
 * while keeping the name for Host and SNI. Redirects are followed here, not
 * by libcurl, so that each new host is also resolved by c-ares, and a loop
 * is recognised as soon as a URL comes back.
 *
 * TLS is judged as the tls kind judges it, by construction: libcurl's
 * SSL_CTX gets the same client settings (sp_probe__browser_ctx: the
 * handshake completes with whatever the server offers, nothing is refused
 * inside OpenSSL), and once the handshake is done, before the request is
 * sent (CURLOPT_PREREQFUNCTION), the same facts (cert.c) go through the
 * same sp_probe_tls_availability(). A connection that fails the policy is
 * aborted there, so no request (and no credential) reaches a server a
 * browser would not talk to. The chain is verified once, there (cert.c);
 * OpenSSL's own verification inside the handshake, whose verdict nobody
 * used (peer verification is off), is replaced by a callback that only
 * takes the leaf's expiry and host match, which it sees even when the
 * handshake fails later.
 */
#include "cert.h"
#include "engine_int.h"
#include "reason_map.h"
#include "spec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "common/sp_grow.h"

typedef struct http_state {
    CURL *easy;
    struct curl_slist *connect_to;
    struct curl_slist *headers;
    char *url;  /* URL of the current hop */
    char *host; /* host of the current hop (no brackets) */
    uint16_t port;
    bool is_tls;
    char addr[64]; /* address the current hop connects to */
    int hops;
    char *visited[SP_PROBE_MAX_REDIRECTS_LIMIT + 1];
    /* the request of the current hop: the configured one, until a 301, 302
     * or 303 turns it into a GET without the body */
    const char *method;
    bool send_body;
    /* facts of the current hop */
    long verify_error;
    bool cert_seen;
    bool chain_checked; /* prereq_cb verified the chain: verify_error is its verdict */
    bool hostname_match;
    bool body_capped;
    bool header_matched;
    bool tls_captured;
    bool ca_failed;          /* our trust store could not be loaded */
    X509_STORE *store;       /* the engine's cached trust store, for the hop's facts */
    sp_tls_posture ps;       /* the current hop's handshake facts, judged by the policy */
    sp_reason policy_reason; /* set when the policy aborted the hop */
    char policy_detail[256];
    char *body;
    size_t body_len, body_cap;
    char errbuf[CURL_ERROR_SIZE];
} http_state;

static bool is_ip_literal(const char *h)
{
    return sp_probe__ip_literal(h, NULL);
}

/* --- TLS facts ----------------------------------------------------------- */

static void record_leaf(sp_probe *p, http_state *hs, X509 *leaf)
{
    sp_tls_info *t = &p->res.tls;
    hs->cert_seen = true;
    t->present = t->has_cert = true;
    sp_probe__cert_validity(leaf, &t->days_left, t->not_after, sizeof t->not_after);
    hs->hostname_match = sp_probe__cert_host_match(leaf, hs->host);
}

/*
 * OpenSSL's certificate verification step of the handshake, replaced
 * (SSL_CTX_set_cert_verify_callback): it would run X509_verify_cert, whose
 * verdict nothing reads (SSL_VERIFY_NONE: the handshake goes on either
 * way), before prereq_cb verifies the chain again at level 1 with every
 * error collected; one ECDSA/RSA chain verification per probe is spared.
 * Only the leaf is noted here, for a handshake that fails later; returning
 * 1 never changes libcurl's course, as SSL_VERIFY_NONE did not.
 */
static int cert_seen_cb(X509_STORE_CTX *x, void *parm)
{
    sp_probe *p = parm;
    http_state *hs = p->kstate;
    X509 *leaf = X509_STORE_CTX_get0_cert(x);
    if (hs && leaf && !hs->cert_seen)
        record_leaf(p, hs, leaf);
    return 1;
}

/* On the client, OpenSSL calls this when the server sends a
 * CertificateRequest: a server that then refuses to go on wants one. */
static int cert_requested_cb(SSL *ssl, void *parm)
{
    (void)ssl;
    sp_probe *p = parm;
    http_state *hs = p->kstate;
    if (hs) {
        hs->ps.client_cert_requested = true;
        hs->ps.client_cert_sent = p->spec->client_cert != NULL;
    }
    return 1;
}

/*
 * Called by libcurl for each connection's SSL_CTX (libcurl 7.88 makes a
 * new one per connection). libcurl's own peer and host verification are
 * off: prereq_cb judges both by the shared policy (and libcurl would parse
 * the CA file again for every connection: its 7.88 CA cache does not hit
 * here). This sets up what prereq_cb needs: the engine's cached trust
 * store, the browser-class client settings, and callbacks that watch the
 * handshake without ever refusing it.
 */
static CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *parm)
{
    (void)easy;
    sp_probe *p = parm;
    SSL_CTX *ctx = sslctx;
    http_state *hs = p->kstate;
    X509_STORE *store = sp_probe__ca_store(p->eng, p->spec->ca_file, hs->errbuf, sizeof hs->errbuf);
    if (!store) {
        hs->ca_failed = true;
        return CURLE_SSL_CACERT_BADFILE;
    }
    if (!sp_probe__browser_ctx(ctx))
        return CURLE_SSL_CIPHER;
    hs->store = store;
    /* the store also builds a client certificate's chain, as before */
    SSL_CTX_set1_cert_store(ctx, store);
    /* never refuse inside the handshake: prereq_cb judges the facts */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_cert_verify_callback(ctx, cert_seen_cb, parm);
    SSL_CTX_set_cert_cb(ctx, cert_requested_cb, parm);
    return CURLE_OK;
}

/* After the handshake, before the request: the one availability policy. */
static int prereq_cb(void *parm, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    sp_probe *p = parm;
    http_state *hs = p->kstate;
    struct curl_tlssessioninfo *ti = NULL;
    if (!hs || !hs->is_tls || !hs->store ||
        curl_easy_getinfo(hs->easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
        ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
        return CURL_PREREQFUNC_OK;
    sp_tls_posture *ps = &hs->ps;
    bool req = ps->client_cert_requested, sent = ps->client_cert_sent;
    memset(ps, 0, sizeof *ps);
    ps->client_cert_requested = req;
    ps->client_cert_sent = sent;
    sp_probe__handshake_facts(ps, ti->internals, hs->store, hs->host);

    sp_tls_info *t = &p->res.tls;
    const sp_tls_cert_facts *c = &ps->cert;
    t->present = true;
    snprintf(t->version, sizeof t->version, "%s", ps->version);
    snprintf(t->cipher, sizeof t->cipher, "%s", ps->cipher);
    hs->tls_captured = true;
    if (c->present) {
        hs->cert_seen = t->has_cert = true;
        t->days_left = c->days_left;
        snprintf(t->not_after, sizeof t->not_after, "%s", c->not_after);
    }
    hs->verify_error = c->verify_error;
    hs->chain_checked = true;
    hs->hostname_match = c->hostname_match;

    sp_tls_policy pol = {
        .host = hs->host, .insecure = p->spec->insecure, .cn_fallback = p->spec->tls_cn_fallback};
    hs->policy_reason =
        sp_probe_tls_availability(ps, &pol, hs->policy_detail, sizeof hs->policy_detail);
    return hs->policy_reason == SP_REASON_OK ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

/* Version and cipher are final once the response starts. */
static void capture_session(sp_probe *p, http_state *hs)
{
    struct curl_tlssessioninfo *ti = NULL;
    hs->tls_captured = true;
    if (curl_easy_getinfo(hs->easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
        ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
        return;
    SSL *ssl = ti->internals;
    sp_tls_info *t = &p->res.tls;
    t->present = true;
    snprintf(t->version, sizeof t->version, "%s", sp_probe__tls_version_name(ssl));
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    snprintf(t->cipher, sizeof t->cipher, "%s", c ? SSL_CIPHER_get_name(c) : "");
}

/* --- libcurl callbacks -------------------------------------------------- */

/* Whether re matches somewhere in the n bytes at buf. A body is bytes, not
 * a C string: REG_STARTEND (glibc, the BSDs, musl) bounds the match by
 * length, so a NUL byte does not hide what follows it. */
static bool regex_in(const regex_t *re, const char *buf, size_t n)
{
    regmatch_t m[1] = {{.rm_so = 0, .rm_eo = (regoff_t)n}};
    return regexec(re, buf, 1, m, REG_STARTEND) == 0;
}

/* Pure; declared in engine_int.h so that the fuzzer can reach it. */
bool sp_probe__header_matches(const struct sp_probe_compiled *c, const char *buf, size_t len)
{
    if (!c->has_header_re)
        return false;
    size_t nl = strlen(c->header_name);
    if (len > nl && buf[nl] == ':' && strncasecmp(buf, c->header_name, nl) == 0) {
        char val[1024];
        size_t i = nl + 1, vl = 0;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        while (i < len && buf[i] != '\r' && buf[i] != '\n' && vl < sizeof val - 1)
            val[vl++] = buf[i++];
        val[vl] = '\0';
        return regex_in(&c->header_re, val, vl);
    }
    return false;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *ud)
{
    sp_probe *p = ud;
    http_state *hs = p->kstate;
    size_t len = size * n;
    if (hs->is_tls && !hs->tls_captured)
        capture_session(p, hs);
    if (!hs->header_matched && sp_probe__header_matches(p->spec->compiled, buf, len))
        hs->header_matched = true;
    return len;
}

static bool wants_body(const sp_probe_spec *s)
{
    return s->expect_body || s->compiled->has_body_re || s->compiled->has_reject_re;
}

static size_t write_cb(char *data, size_t size, size_t n, void *ud)
{
    sp_probe *p = ud;
    http_state *hs = p->kstate;
    size_t len = size * n;
    if ((size_t)p->res.bytes + len > p->spec->max_body) {
        hs->body_capped = true;
        return 0; /* abort: CURLE_WRITE_ERROR, mapped to http_too_large */
    }
    p->res.bytes += (int64_t)len;
    if (wants_body(p->spec)) {
        /* + 1: a NUL after the bytes, so the body is a C string too */
        if (sp_grow((void **)&hs->body, &hs->body_cap, hs->body_len + len + 1, 1) != SP_OK)
            return 0;
        memcpy(hs->body + hs->body_len, data, len);
        hs->body_len += len;
        hs->body[hs->body_len] = '\0';
    }
    return len;
}

/* --- One hop ------------------------------------------------------------ */

static void release_easy(sp_probe *p, http_state *hs)
{
    if (hs->easy) {
        sp_probe__curl_remove(p, hs->easy);
        curl_easy_cleanup(hs->easy);
        hs->easy = NULL;
    }
    curl_slist_free_all(hs->connect_to);
    hs->connect_to = NULL;
    curl_slist_free_all(hs->headers);
    hs->headers = NULL;
}

/* Whether the current hop goes to the configured target's origin
 * (RFC 6454: scheme, host, port). */
static bool same_origin(const http_state *hs, const sp_probe_spec *s)
{
    return hs->is_tls == (s->kind == SP_PROBE_HTTPS) && hs->port == s->port &&
           strcasecmp(hs->host, s->host) == 0;
}

static void start_transfer(sp_probe *p)
{
    http_state *hs = p->kstate;
    const sp_probe_spec *s = p->spec;
    char line[512];

    hs->verify_error = X509_V_OK;
    hs->cert_seen = hs->chain_checked = hs->hostname_match = hs->body_capped = false;
    hs->header_matched = hs->tls_captured = false;
    hs->body_len = 0;
    memset(&hs->ps, 0, sizeof hs->ps);
    hs->policy_reason = SP_REASON_OK;
    hs->policy_detail[0] = '\0';
    p->res.bytes = 0;
    snprintf(p->res.address, sizeof p->res.address, "%s", hs->addr);

    CURL *easy = hs->easy = curl_easy_init();
    if (!easy) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "curl_easy_init failed");
        return;
    }
    if (!is_ip_literal(hs->host)) {
        bool v6 = strchr(hs->addr, ':') != NULL;
        snprintf(line, sizeof line, "%s:%u:%s%s%s:%u", hs->host, hs->port, v6 ? "[" : "", hs->addr,
                 v6 ? "]" : "", hs->port);
        hs->connect_to = curl_slist_append(NULL, line);
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, hs->connect_to);
    }
    /* Credentials go only to the origin they were configured for: the
     * same scheme, host and port. A host-only check would hand the secret
     * to a cleartext http:// port, or to another service, on that host. */
    bool oom = false;
    if (s->auth_header && same_origin(hs, s))
        oom |= !(hs->headers = curl_slist_append(hs->headers, s->auth_header));
    for (size_t i = 0; i < s->n_headers && !oom; i++) {
        struct curl_slist *l = curl_slist_append(hs->headers, s->headers[i]);
        oom |= !l;
        hs->headers = l ? l : hs->headers;
    }
    if (oom) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    if (hs->headers)
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hs->headers);
    if (strcmp(hs->method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (strcmp(hs->method, "GET") != 0) {
        /* the body, or an empty one, as POST does; then the method named */
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(hs->send_body ? strlen(s->body) : 0));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, hs->send_body ? s->body : "");
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, hs->method);
    }
    long left = sp_probe__remaining_ms(p);
    curl_easy_setopt(easy, CURLOPT_URL, hs->url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    /* Our own deadline timer decides; curl's is only a backstop. */
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, left + 1000);
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_body);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, hs->errbuf);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "slaprobe/" SP_VERSION);
    if (hs->is_tls) {
        /* peer and host are judged in prereq_cb, by the shared policy */
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, prereq_cb);
        curl_easy_setopt(easy, CURLOPT_PREREQDATA, p);
        if (s->client_cert) {
            curl_easy_setopt(easy, CURLOPT_SSLCERT, s->client_cert);
            curl_easy_setopt(easy, CURLOPT_SSLKEY, s->client_key);
        }
        curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, p);
    }
    hs->errbuf[0] = '\0';
    if (sp_probe__curl_add(p, easy) != SP_OK)
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "cannot add transfer to the multi handle");
}

static void on_dns(sp_probe *p, int status, const struct ares_addrinfo *ai)
{
    http_state *hs = p->kstate;
    struct sockaddr_storage sa;
    if (status == ARES_EBADNAME && hs->hops > 0) {
        /* the name came from the server's Location, not from us */
        sp_probe__finish(p, SP_REASON_HTTP_PROTOCOL,
                         "redirect to a name that is no DNS name: %.100s", hs->host);
        return;
    }
    if (status != ARES_SUCCESS) {
        sp_probe__finish(p, sp_probe_reason_from_ares(status), "cannot resolve %s: %s", hs->host,
                         ares_strerror(status));
        return;
    }
    if (!sp_probe__pick_address(p, ai, hs->addr, sizeof hs->addr, &sa)) {
        sp_probe__finish(p, SP_REASON_DNS_NODATA, "%s has no %s address", hs->host,
                         p->spec->ip == SP_IP_V6_ONLY ? "IPv6" : "IPv4");
        return;
    }
    start_transfer(p);
}

static void begin_hop(sp_probe *p)
{
    http_state *hs = p->kstate;
    if (is_ip_literal(hs->host)) {
        snprintf(hs->addr, sizeof hs->addr, "%s", hs->host);
        start_transfer(p);
    } else if (sp_probe__resolve(p, hs->host, on_dns) != SP_OK) {
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
    }
}

/* Point hs at a redirect target; false (and a finished probe) when the
 * redirect cannot be followed. */
static bool set_next_url(sp_probe *p, const char *next)
{
    http_state *hs = p->kstate;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = false;
    if (!u || curl_url_set(u, CURLUPART_URL, next, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        sp_probe__finish(p, SP_REASON_HTTP_PROTOCOL, "unusable redirect to '%.150s'", next);
        goto out;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        sp_probe__finish(p, SP_REASON_HTTP_PROTOCOL, "redirect to unsupported scheme '%s'", scheme);
        goto out;
    }
    size_t hl = strlen(host);
    char *h = (hl >= 2 && host[0] == '[') ? strndup(host + 1, hl - 2) : strdup(host);
    char *nu = strdup(next);
    if (!h || !nu) {
        free(h);
        free(nu);
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        goto out;
    }
    uint16_t np = (uint16_t)atoi(port);
    bool same_host = strcasecmp(h, hs->host) == 0;
    free(hs->host);
    hs->host = h;
    free(hs->url);
    hs->url = nu;
    hs->port = np;
    hs->is_tls = strcmp(scheme, "https") == 0;
    if (!same_host)
        hs->addr[0] = '\0';
    ok = true;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

static void add_phase(double *acc, double ms)
{
    *acc = (*acc < 0 ? 0 : *acc) + ms;
}

/* Add this hop's phase times (libcurl's marks are cumulative from the
 * start of the transfer; a phase is the difference between two marks). */
static void add_timings(sp_probe *p, CURL *easy)
{
    curl_off_t nl = 0, conn = 0, app = 0, st = 0;
    curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &nl);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &st);
    if (conn > 0)
        add_phase(&p->res.connect_ms, (double)(conn - nl) / 1000.0);
    if (app > 0 && conn > 0)
        add_phase(&p->res.tls_ms, (double)(app - conn) / 1000.0);
    if (st > 0) {
        curl_off_t from = app > 0 ? app : conn;
        add_phase(&p->res.ttfb_ms, (double)(st - from) / 1000.0);
    }
}

static void finish_tls_facts(sp_probe *p, http_state *hs)
{
    sp_tls_info *t = &p->res.tls;
    if (!hs->is_tls)
        return;
    t->verify_error = hs->verify_error;
    /* a handshake that failed after the certificate came (a client
     * certificate refused) never had its chain verified: not valid, since
     * nothing showed it was */
    t->chain_valid = hs->cert_seen && hs->chain_checked && hs->verify_error == X509_V_OK;
    t->hostname_match = hs->cert_seen && hs->hostname_match;
}

static bool status_expected(const sp_probe_spec *s, int code)
{
    if (s->n_expect_status == 0)
        return code >= 200 && code <= (s->only_2xx ? 299 : 399);
    for (size_t i = 0; i < s->n_expect_status; i++)
        if (s->expect_status[i] == code)
            return true;
    return false;
}

static void evaluate_final(sp_probe *p, http_state *hs)
{
    const sp_probe_spec *s = p->spec;
    const struct sp_probe_compiled *c = s->compiled;
    int code = p->res.http_status;
    if (hs->is_tls && hs->ps.handshake_ok) {
        /* the last rule needs the answer: a server that asked for a client
         * certificate and refuses without one (nginx: 400) */
        sp_tls_policy pol = {
            .host = hs->host, .insecure = s->insecure, .cn_fallback = s->tls_cn_fallback};
        char why[256];
        hs->ps.hsts.http_status = code;
        sp_reason r = sp_probe_tls_availability(&hs->ps, &pol, why, sizeof why);
        if (r != SP_REASON_OK) {
            sp_probe__finish(p, r, "%s", why);
            return;
        }
    }
    if (!status_expected(s, code)) {
        sp_probe__finish(p, SP_REASON_HTTP_STATUS, "HTTP %d is not an expected status", code);
        return;
    }
    if (s->expect_body &&
        (!hs->body || !memmem(hs->body, hs->body_len, s->expect_body, strlen(s->expect_body)))) {
        sp_probe__finish(p, SP_REASON_HTTP_BODY_MISMATCH, "body does not contain '%.100s'",
                         s->expect_body);
        return;
    }
    if (c->has_body_re && !regex_in(&c->body_re, hs->body ? hs->body : "", hs->body_len)) {
        sp_probe__finish(p, SP_REASON_HTTP_BODY_MISMATCH, "body does not match /%.100s/",
                         s->expect_regex);
        return;
    }
    if (c->has_reject_re && regex_in(&c->reject_re, hs->body ? hs->body : "", hs->body_len)) {
        sp_probe__finish(p, SP_REASON_HTTP_BODY_MISMATCH, "body matches /%.100s/ (reject_regex)",
                         s->reject_regex);
        return;
    }
    if (c->has_header_re && !hs->header_matched) {
        sp_probe__finish(p, SP_REASON_HTTP_BODY_MISMATCH, "no header matching '%.100s'",
                         s->expect_header);
        return;
    }
    sp_probe__finish(p, SP_REASON_OK, "HTTP %d, %lld bytes", code, (long long)p->res.bytes);
}

/* libcurl puts OpenSSL's packed error code in its message
 * ("...: error:0A000098:SSL routines::excessive message size"); the queue
 * itself is empty by now. 0 when there is none. */
static unsigned long openssl_error_in(const char *msg)
{
    const char *e = msg ? strstr(msg, "error:") : NULL;
    return e ? strtoul(e + 6, NULL, 16) : 0;
}

/* The kind's done slot: the engine calls it when curl has finished a hop. */
static void http_done(sp_probe *p, CURL *easy, CURLcode code)
{
    http_state *hs = p->kstate;
    long status = 0, oserr = 0;
    curl_off_t conn = 0, app = 0, st = 0;
    char *redirect = NULL;

    add_timings(p, easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &st);
    if (status > 0) {
        p->res.http_status = (int)status;
        long v = 0;
        curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
        snprintf(p->res.http_version, sizeof p->res.http_version, "%s",
                 v == CURL_HTTP_VERSION_1_0   ? "1.0"
                 : v == CURL_HTTP_VERSION_1_1 ? "1.1"
                 : v == CURL_HTTP_VERSION_2_0 ? "2"
                 : v == CURL_HTTP_VERSION_3   ? "3"
                                              : "");
    }
    finish_tls_facts(p, hs);

    if (code != CURLE_OK) {
        sp_curl_facts f = {
            .curl_code = code,
            .os_errno = (int)oserr,
            .is_tls = hs->is_tls,
            .connected = conn > 0,
            .tls_done = app > 0,
            .verify_error = hs->verify_error,
            .cert_seen = hs->cert_seen,
            .hostname_match = hs->hostname_match,
            .body_capped = hs->body_capped,
            .answering = st > 0,
        };
        if (hs->policy_reason != SP_REASON_OK) { /* prereq_cb refused the connection */
            sp_probe__finish(p, hs->policy_reason, "%s", hs->policy_detail);
            return;
        }
        sp_reason r = hs->ca_failed ? SP_REASON_PROBE_ERROR : sp_probe_reason_from_curl(&f);
        const char *why = hs->errbuf[0] ? hs->errbuf : curl_easy_strerror(code);
        if (r == SP_REASON_TLS_HANDSHAKE && hs->is_tls && app == 0) {
            /* the handshake failed: the policy's words, as the tls kind's */
            char d[256];
            sp_tls_policy pol = {.host = hs->host, .insecure = p->spec->insecure};
            sp_probe__handshake_fail(&hs->ps, openssl_error_in(why), why);
            sp_probe_tls_availability(&hs->ps, &pol, d, sizeof d);
            sp_probe__finish(p, r, "%s", d);
            return;
        }
        if (r == SP_REASON_HTTP_TOO_LARGE)
            sp_probe__finish(p, r, "body larger than %zu bytes", p->spec->max_body);
        else if (r == SP_REASON_HTTP_PROTOCOL && code == CURLE_OUT_OF_MEMORY)
            sp_probe__finish(p, r, "response header line longer than libcurl accepts (%d bytes)",
                             CURL_MAX_HTTP_HEADER);
        else if (hs->verify_error != X509_V_OK && sp_reason_class_of(r) == SP_RCLASS_TLS)
            sp_probe__finish(p, r, "%s", X509_verify_cert_error_string(hs->verify_error));
        else
            sp_probe__finish(p, r, "%s", why);
        return;
    }

    if (status >= 300 && status <= 399 && p->spec->max_redirects > 0) {
        curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &redirect);
        if (redirect) {
            if (hs->hops >= p->spec->max_redirects) {
                sp_probe__finish(p, SP_REASON_REDIRECT_LOOP, "more than %d redirects",
                                 p->spec->max_redirects);
                return;
            }
            for (int i = 0; i < hs->hops; i++) {
                if (strcmp(hs->visited[i], redirect) == 0) {
                    sp_probe__finish(p, SP_REASON_REDIRECT_LOOP, "redirect loop back to %.150s",
                                     redirect);
                    return;
                }
            }
            char *next = strdup(redirect); /* redirect dies with the handle */
            if (!next || !(hs->visited[hs->hops] = strdup(hs->url))) {
                free(next);
                sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
                return;
            }
            hs->hops++;
            p->res.redirects = hs->hops;
            /* 303 always, 301 and 302 by long practice: the next hop is a
             * GET without the body; 307 and 308 repeat the request as is */
            if ((status == 303 || status == 301 || status == 302) &&
                strcmp(hs->method, "HEAD") != 0) {
                hs->method = "GET";
                hs->send_body = false;
            }
            release_easy(p, hs);
            bool go = set_next_url(p, next);
            free(next);
            if (go)
                begin_hop(p);
            return;
        }
    }
    evaluate_final(p, hs);
}

/* --- Kind table entry ----------------------------------------------------- */

static void http_start(sp_probe *p)
{
    const sp_probe_spec *s = p->spec;
    http_state *hs = calloc(1, sizeof *hs);
    if (!hs || !(hs->url = strdup(s->url)) || !(hs->host = strdup(s->host))) {
        if (hs) {
            free(hs->url);
            free(hs);
        }
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
        return;
    }
    hs->port = s->port;
    hs->is_tls = s->kind == SP_PROBE_HTTPS;
    hs->method = s->method ? s->method : "GET";
    hs->send_body = s->body != NULL;
    p->kstate = hs;
    begin_hop(p);
}

static void http_cancel(sp_probe *p)
{
    http_state *hs = p->kstate;
    if (!hs)
        return;
    release_easy(p, hs);
    for (int i = 0; i < hs->hops; i++)
        free(hs->visited[i]);
    free(hs->url);
    free(hs->host);
    free(hs->body);
    free(hs);
    p->kstate = NULL;
}

static sp_reason http_on_deadline(sp_probe *p)
{
    http_state *hs = p->kstate;
    curl_off_t conn = 0, app = 0;
    if (!hs || !hs->easy)
        return SP_REASON_HTTP_TIMEOUT;
    add_timings(p, hs->easy);
    curl_easy_getinfo(hs->easy, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(hs->easy, CURLINFO_APPCONNECT_TIME_T, &app);
    finish_tls_facts(p, hs);
    return sp_probe_reason_timeout(hs->is_tls, conn > 0, app > 0);
}

const sp_probe_kind_ops sp_probe__http_ops = {
    .name = "http",
    .start = http_start,
    .cancel = http_cancel,
    .on_deadline = http_on_deadline,
    .done = http_done,
};
