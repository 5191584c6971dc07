/*
 * sp_probe: one probe of one endpoint, on a shared libuv loop.
 *
 * A probe spec says what to probe (an HTTP(S) URL, a TCP host:port, a DNS
 * name) and what counts as up. The engine runs any number of probes at once
 * on the caller's libuv loop: libcurl's multi-socket API and c-ares are both
 * driven from that loop, single-threaded. c-ares resolves every name, so the
 * DNS phase is measured on its own; libcurl is handed the address and never
 * resolves by itself.
 *
 * Every probe ends in exactly one callback with an sp_probe_result: ok, a
 * stable reason code (common/sp_reason.h), a detail, the probed address,
 * and the time of each phase alone (not cumulative).
 *
 * Thread rules: every function here must be called on the loop's thread.
 */
#ifndef SP_PROBE_H
#define SP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/sp_reason.h"
#include "common/sp_status.h"
#include "sp_tls.h"

/* --- What to probe ------------------------------------------------------ */

typedef enum sp_probe_kind {
    SP_PROBE_HTTP,
    SP_PROBE_HTTPS,
    SP_PROBE_TCP,
    SP_PROBE_DNS,
    SP_PROBE_TLS,  /* TLS posture of an endpoint (sp_tls.h) */
    SP_PROBE_ICMP, /* one echo request (kind_icmp.c) */
    SP_PROBE_KIND_COUNT
} sp_probe_kind;

/* Which resolved address a probe connects to. The default prefers IPv4 so
 * that "localhost" and dual-stack names give the same answer every time. */
typedef enum sp_ip_pref {
    SP_IP_PREFER_V4 = 0,
    SP_IP_PREFER_V6,
    SP_IP_V4_ONLY,
    SP_IP_V6_ONLY
} sp_ip_pref;

/* DNS record types a dns probe can ask for. */
typedef enum sp_dns_type { SP_DNS_A, SP_DNS_AAAA, SP_DNS_CNAME, SP_DNS_MX, SP_DNS_TXT } sp_dns_type;

#define SP_PROBE_MAX_STATUS 16
#define SP_PROBE_DEFAULT_TIMEOUT_MS 10000u
#define SP_PROBE_DEFAULT_MAX_BODY (1024u * 1024u)
#define SP_PROBE_DEFAULT_MAX_REDIRECTS 5

struct sp_probe_compiled; /* private: compiled regexes */

/*
 * A probe spec. Plain struct: the caller embeds it, fills it with
 * sp_probe_spec_init() + sp_probe_spec_set_target() + field assignments,
 * then calls sp_probe_spec_finish() once. Every char * field is owned by the
 * spec (heap, freed by sp_probe_spec_free()). A finished spec is read-only
 * and may be shared by any number of concurrent probes; it must outlive
 * them.
 */
typedef struct sp_probe_spec {
    sp_probe_kind kind;
    char *target; /* as the user wrote it */
    char *url;    /* http(s): the URL handed to libcurl */
    char *host;   /* name to resolve, or an IP literal (no brackets) */
    uint16_t port;

    /* HTTP(S) assertions. With no expect_status, any 2xx/3xx after
     * following redirects is up. */
    int expect_status[SP_PROBE_MAX_STATUS];
    size_t n_expect_status;
    bool only_2xx;       /* with no expect_status: 2xx only (blackbox's default) */
    char *expect_body;   /* literal keyword that must appear in the body */
    char *expect_regex;  /* POSIX extended regex the body must match */
    char *expect_header; /* "Name: regex": a header Name whose value matches */
    char *reject_regex;  /* POSIX extended regex the body must NOT match */
    /* The request: method (NULL: GET; HEAD asks for no body), a body sent
     * with it (NULL: none), and extra "Name: value" header lines sent on
     * every hop (never credentials: those go in auth_header, to the origin
     * only). A 301/302/303 answer turns a POST into a GET without the body,
     * as browsers and libcurl do; 307 and 308 keep method and body. */
    char *method;
    char *body;
    char **headers;
    size_t n_headers;
    size_t max_body;   /* bytes; a larger body is http_too_large */
    int max_redirects; /* 0: do not follow, a 3xx is the answer */
    char *ca_file;     /* PEM bundle; NULL: the system trust store */
    bool insecure;     /* do not fail on certificate problems (still reported) */
    char *auth_header; /* "Name: value", sent as is, never printed */
    /* TLS client certificate (PEM chain file) and its key (PEM file): both
     * or neither; the key's path is not secret, its contents never read
     * by anything but OpenSSL */
    char *client_cert;
    char *client_key;
    bool tls_cn_fallback; /* a certificate with no subjectAltName may match by CN */

    /* DNS */
    sp_dns_type dns_type;
    char *dns_expect; /* an answer that must be among those returned */

    unsigned timeout_ms; /* whole probe, DNS included */
    sp_ip_pref ip;

    struct sp_probe_compiled *compiled; /* set by sp_probe_spec_finish() */
} sp_probe_spec;

/* Defaults: timeout 10 s, body cap 1 MiB, 5 redirects, prefer IPv4. */
void sp_probe_spec_init(sp_probe_spec *s);

/*
 * Parse a target: "http://..." / "https://..." URL, "tcp://host:port",
 * "host:port" (TCP), "[v6]:port", "dns://name[?type=MX&expect=VALUE]", or
 * "tls://host:port" (TLS posture). sp_probe_spec_set_tls() turns an https
 * URL or a host:port into a TLS posture spec.
 * On error returns SP_EPARSE and writes a one-line message to err.
 */
sp_status sp_probe_spec_set_target(sp_probe_spec *s, const char *target, char *err, size_t errlen);

/* Make the spec a TLS posture check of the same endpoint: an https URL
 * (its path is the one asked for HSTS), a host:port or a tls:// target.
 * SP_EINVAL with a message for http://, dns:// targets. */
sp_status sp_probe_spec_set_tls(sp_probe_spec *s, char *err, size_t errlen);

/* A regex whose repetitions expand to more atoms than this is refused:
 * glibc compiles "a{0,32767}" or "a++++++++++++++++++++++" by copying the
 * atom, which takes gigabytes. "+", "?" and "*" count double, "{m,n}" n
 * times, nested or chained ones multiply (spec.c); real rules
 * ("^ok( [0-9]{1,5})?$": 13) need tens. */
#define SP_PROBE_REGEX_MAX_ATOMS 1000
/* Whether the request a target asks for can be sent: a method HTTP knows
 * that a probe may send (CONNECT and TRACE are no availability checks),
 * header lines that are one line each and carry no credentials (those are
 * secrets: auth_header, by reference, to the origin only), no body and no
 * body rule with HEAD (there is no body to judge), all only for http(s).
 * false with a message in err and, when key is not NULL, the name of the
 * configuration key at fault ("method", "body", "headers",
 * "reject_regex"). sp_probe_spec_finish checks it too. */
bool sp_probe_spec_check_request(const sp_probe_spec *s, const char **key, char *err,
                                 size_t errlen);

/* A request body is a health check's payload, not an upload. */
#define SP_PROBE_MAX_REQUEST_BODY 65536
/* So is one with more repetition operators than this over one atom,
 * directly or through groups ("(a+)?" is 2): mixed "+" and "?" seven deep
 * ("b+^a+??++++") take glibc seconds to minutes, and three deep with an
 * unbounded interval ("((a?){1,14}){5,}", "1{,1}{1,61}{13,}") over 10 s
 * (fuzz_regex). ERE has no lazy quantifiers, so "a*?" is already two. */
#define SP_PROBE_REGEX_MAX_NESTING 2

/* Validate and compile (regexes, header rule). Call once after filling.
 * SP_EINVAL with a message for a bad or too large regex. */
sp_status sp_probe_spec_finish(sp_probe_spec *s, char *err, size_t errlen);

/* Free everything the spec owns; the struct itself is the caller's. */
void sp_probe_spec_free(sp_probe_spec *s);

const char *sp_probe_kind_name(sp_probe_kind k);
const char *sp_dns_type_name(sp_dns_type t);
bool sp_dns_type_parse(const char *name, sp_dns_type *out);

/* --- What a probe yields ----------------------------------------------- */

/* A phase that did not run has this value (JSON leaves it out). */
#define SP_MS_ABSENT (-1.0)

typedef struct sp_tls_info {
    bool present;     /* a TLS handshake got far enough to see a certificate */
    char version[16]; /* "TLSv1.3"; empty when the handshake did not finish */
    char cipher[64];
    bool has_cert;
    int days_left;      /* whole days until notAfter (negative: expired) */
    char not_after[32]; /* ISO-8601 UTC */
    bool chain_valid;   /* against the configured CA file or system store */
    bool hostname_match;
    long verify_error; /* OpenSSL X509_V_ERR_*, 0 when valid */
} sp_tls_info;

typedef struct sp_probe_result {
    bool ok;
    sp_reason reason;
    /* sp_probe_cancel() (or the engine's destroy) ended it, not the probe:
     * reason probe_error, detail "canceled"; the result says nothing about
     * the target */
    bool canceled;
    char detail[256];
    char address[64];     /* the IP probed; empty when none was reached */
    int http_status;      /* last HTTP status seen; 0 when none */
    char http_version[4]; /* of that answer: "1.0", "1.1", "2", "3"; "" when none */
    int hop_limit;        /* icmp: the reply's TTL / hop limit; 0 when not known */
    int64_t bytes;        /* body bytes received */
    int redirects;        /* redirects followed */
    double dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms;
    int64_t started_ms; /* wall clock, Unix milliseconds */
    char answer[256];   /* dns probes: the answers, comma-separated */
    sp_tls_info tls;
    sp_tls_posture posture; /* tls probes only (posture.present) */
} sp_probe_result;

/* --- The engine -------------------------------------------------------- */

typedef struct sp_probe_engine sp_probe_engine;
typedef struct sp_probe sp_probe;

/* Called exactly once per started probe, on the loop thread. The result is
 * valid only during the call; copy what you keep. */
typedef void (*sp_probe_cb)(const sp_probe_result *res, void *arg);

typedef struct sp_probe_engine_opts {
    /* Comma-separated resolvers "127.0.0.1:5353,[::1]:53"; NULL: system's.
     * /etc/hosts is read first either way, so "localhost" resolves. */
    const char *dns_servers;
} sp_probe_engine_opts;

/*
 * Create an engine on loop. curl_global_init() and ares_library_init() must
 * have been called (sp_probe_global_init() does both). On error nothing is
 * left behind and err says why.
 */
sp_status sp_probe_engine_create(uv_loop_t *loop, const sp_probe_engine_opts *opts,
                                 sp_probe_engine **out, char *err, size_t errlen);

/*
 * Cancel every in-flight probe (each gets its callback, reason probe_error,
 * detail "canceled", canceled set) and start closing the engine's handles.
 * The memory is released from the loop's close callbacks: keep running the
 * loop until it has nothing left to do. Calling any other function
 * afterwards is a bug.
 */
void sp_probe_engine_destroy(sp_probe_engine *e);

/* Number of probes started and not yet called back. */
size_t sp_probe_engine_inflight(const sp_probe_engine *e);

/*
 * Start one probe of spec (finished, read-only, must outlive the probe).
 * The work begins on the next loop iteration, so cb never runs inside this
 * call. On error (SP_ENOMEM) cb is never called. *out (may be NULL) gets a
 * handle valid until cb has run.
 */
sp_status sp_probe_start(sp_probe_engine *e, const sp_probe_spec *spec, sp_probe_cb cb, void *arg,
                         sp_probe **out);

/* End a probe now: its callback runs at once with probe_error "canceled"
 * and res->canceled set. */
void sp_probe_cancel(sp_probe *p);

/* Process-wide init of libcurl, c-ares and OpenSSL; once, before any engine. */
sp_status sp_probe_global_init(void);
void sp_probe_global_cleanup(void);

#endif
