/*
 * A finished probe as blackbox_exporter words it: its metric names and
 * label values, in Prometheus' text format, so dashboards and alert rules
 * written for blackbox read slaprobe's answer unchanged. What slaprobe
 * cannot know the way blackbox does (an answer's Content-Length header, a
 * DNS answer's authority and additional sections, the chain beyond the
 * leaf) is said in docs/PROMETHEUS.md, never invented here.
 */
#include "blackbox/blackbox.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_expo.h"
#include "common/sp_value.h"

/* One gauge with its HELP and TYPE, as blackbox writes every metric. */
static void gauge(sp_expo *o, const char *name, const char *help, double v)
{
    sp_expo_family(o, name, "gauge", help);
    sp_expo_sample(o, name, NULL, 0, v);
}

/* An "_info" gauge: one label carries the fact, the value is 1. */
static void info(sp_expo *o, const char *name, const char *help, const char *label,
                 const char *value)
{
    const char *l[] = {label, value};
    sp_expo_family(o, name, "gauge", help);
    sp_expo_sample(o, name, l, 1, 1);
}

static double secs(double ms)
{
    return ms > 0 ? ms / 1000.0 : 0;
}

/* blackbox's probe_ip_addr_hash: FNV-1a (32 bit) over the address bytes. */
static double addr_hash(const char *addr)
{
    unsigned char b[16];
    size_t n = inet_pton(AF_INET, addr, b) == 1 ? 4 : inet_pton(AF_INET6, addr, b) == 1 ? 16 : 0;
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x01000193u;
    return n ? (double)h : 0;
}

static void phases(sp_expo *o, const char *name, const char *help, const char *const *ph,
                   const double *v, size_t n)
{
    sp_expo_family(o, name, "gauge", help);
    for (size_t i = 0; i < n; i++) {
        const char *l[] = {"phase", ph[i]};
        sp_expo_sample(o, name, l, 1, v[i] > 0 ? v[i] : 0);
    }
}

static void http_metrics(sp_expo *o, const sp_probe_result *r)
{
    double rest = r->total_ms;
    const double *parts[] = {&r->dns_ms, &r->connect_ms, &r->tls_ms, &r->ttfb_ms};
    for (size_t i = 0; i < 4; i++)
        rest -= *parts[i] > 0 ? *parts[i] : 0;
    static const char *const ph[] = {"resolve", "connect", "tls", "processing", "transfer"};
    double v[] = {secs(r->dns_ms), secs(r->connect_ms), secs(r->tls_ms), secs(r->ttfb_ms),
                  r->http_status && rest > 0 ? rest / 1000.0 : 0};
    gauge(o, "probe_failed_due_to_regex", "Indicates if probe failed due to regex",
          r->reason == SP_REASON_HTTP_BODY_MISMATCH);
    /* the body's length as received: slaprobe does not keep the header */
    gauge(o, "probe_http_content_length", "Length of http content response", (double)r->bytes);
    phases(o, "probe_http_duration_seconds",
           "Duration of http request by phase, summed over all redirects", ph, v, 5);
    gauge(o, "probe_http_redirects", "The number of redirects", r->redirects);
    bool tls = r->tls.present && r->tls.version[0];
    gauge(o, "probe_http_ssl", "Indicates if SSL was used for the final redirect", tls);
    gauge(o, "probe_http_status_code", "Response HTTP status code", r->http_status);
    gauge(o, "probe_http_uncompressed_body_length", "Length of uncompressed response body",
          (double)r->bytes);
    gauge(o, "probe_http_version", "Returns the version of HTTP of the probe response",
          r->http_version[0] ? atof(r->http_version) : 0);
    if (tls && r->tls.has_cert) {
        /* the leaf's notAfter: slaprobe keeps the leaf, not the chain */
        int64_t exp_ms = 0;
        sp_value_timestamp_ms(r->tls.not_after, &exp_ms);
        double exp = (double)(exp_ms / 1000);
        gauge(o, "probe_ssl_earliest_cert_expiry", "Returns earliest SSL cert expiry in unixtime",
              exp);
        gauge(o, "probe_ssl_last_chain_expiry_timestamp_seconds",
              "Returns last SSL chain expiry in timestamp", exp);
        const char *ver = r->tls.version;
        if (!strncmp(ver, "TLSv", 4))
            ver += 4;
        char vname[24];
        snprintf(vname, sizeof vname, "TLS %s", ver);
        info(o, "probe_tls_version_info", "Returns the TLS version used or NaN when unknown",
             "version", vname);
    }
}

static void icmp_metrics(sp_expo *o, const sp_probe_result *r)
{
    static const char *const ph[] = {"resolve", "setup", "rtt"};
    double setup =
        r->total_ms - (r->dns_ms > 0 ? r->dns_ms : 0) - (r->connect_ms > 0 ? r->connect_ms : 0);
    double v[] = {secs(r->dns_ms), setup > 0 && r->ok ? setup / 1000.0 : 0, secs(r->connect_ms)};
    phases(o, "probe_icmp_duration_seconds", "Duration of icmp request by phase", ph, v, 3);
    if (r->hop_limit > 0)
        gauge(o, "probe_icmp_reply_hop_limit", "Replied packet hop limit (TTL for ipv4)",
              r->hop_limit);
}

static void dns_metrics(sp_expo *o, const sp_probe_result *r)
{
    size_t answers = 0;
    if (r->answer[0]) {
        answers = 1;
        for (const char *c = r->answer; *c; c++)
            answers += *c == ',';
    }
    gauge(o, "probe_dns_answer_rrs", "Returns number of entries in the answer resource record list",
          (double)answers);
    static const char *const ph[] = {"resolve", "connect", "request"};
    double v[] = {0, 0, secs(r->total_ms)}; /* the server is an address, asked over udp */
    phases(o, "probe_dns_duration_seconds", "Duration of DNS request by phase", ph, v, 3);
    bool answered = r->ok || r->reason == SP_REASON_DNS_NODATA ||
                    r->reason == SP_REASON_DNS_MISMATCH || r->reason == SP_REASON_DNS_NXDOMAIN;
    gauge(o, "probe_dns_query_succeeded",
          "Displays whether or not the query was executed successfully", answered);
}

char *sp_bb_render(const sp_bb_module *mod, const sp_probe_result *r, const char *dns_server)
{
    sp_expo o = {0};
    /* a dns module's address is the server's, an IP: no lookup */
    gauge(&o, "probe_dns_lookup_time_seconds",
          "Returns the time taken for probe dns lookup in seconds",
          mod->prober == SP_BB_DNS ? 0 : secs(r->dns_ms));
    gauge(&o, "probe_duration_seconds", "Returns how long the probe took to complete in seconds",
          secs(r->total_ms));
    if (mod->prober == SP_BB_TCP) /* blackbox's query_response rules, which slaprobe has not */
        gauge(&o, "probe_failed_due_to_regex", "Indicates if probe failed due to regex", 0);
    if (mod->prober == SP_BB_HTTP)
        http_metrics(&o, r);
    else if (mod->prober == SP_BB_ICMP)
        icmp_metrics(&o, r);
    else if (mod->prober == SP_BB_DNS)
        dns_metrics(&o, r);
    char addr[64] = "";
    if (mod->prober == SP_BB_DNS && dns_server) { /* "ip:port" or "[v6]:port" */
        const char *a = dns_server + (dns_server[0] == '[');
        size_t n = dns_server[0] == '[' ? strcspn(a, "]") : strcspn(a, ":");
        snprintf(addr, sizeof addr, "%.*s", (int)n, a);
    } else {
        snprintf(addr, sizeof addr, "%s", r->address);
    }
    if (addr[0]) {
        gauge(&o, "probe_ip_addr_hash",
              "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
              addr_hash(addr));
        gauge(&o, "probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6",
              strchr(addr, ':') ? 6 : 4);
    }
    gauge(&o, "probe_success", "Displays whether or not the probe was a success", r->ok);
    /* slaprobe's own word on the result: a reason code is never secret */
    info(&o, "slaprobe_probe_reason_info",
         "Why the probe succeeded or failed (slaprobe's reason code)", "reason",
         sp_reason_name(r->reason));
    if (o.oom) {
        sp_expo_free(&o);
        return NULL;
    }
    return o.buf;
}
