/*
 * `slaprobe check`: probe one or more targets now, print each result and,
 * with --count, a min/median/p95/max summary of every phase (like httping).
 *
 * Probes run on one libuv loop through the probe engine, up to
 * --concurrency at a time; the targets' probes are queued target by target.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_stats.h"
#include "common/sp_text.h"
#include "probe/result_json.h"
#include "probe/sp_probe.h"

static const char check_usage[] =
    "usage: slaprobe check [OPTIONS] TARGET...\n"
    "\n"
    "Probe each TARGET now and print the result; exit 0 when every probe was up,\n"
    "1 when any was down, 2 on bad usage.\n"
    "\n"
    "TARGET is one of:\n"
    "  http://HOST[:PORT]/PATH, https://...    an HTTP(S) request on a fresh connection\n"
    "  HOST:PORT, tcp://HOST:PORT, [V6]:PORT   a TCP connect\n"
    "  dns://NAME[?type=A|AAAA|CNAME|MX|TXT&expect=VALUE]   a DNS query\n"
    "  tls://HOST:PORT                        TLS posture (as --tls)\n"
    "\n"
    "options:\n"
    "  --json                 one JSON object per probe, one per line\n"
    "  --tls                  TLS posture of https:// and HOST:PORT targets: protocol\n"
    "                         versions accepted, weak ciphers, certificate chain, OCSP\n"
    "                         stapling, HSTS, and a grade A+..F (docs/TLS_GRADING.md);\n"
    "                         up or down as for https:// (one TLS policy, docs/REASONS.md)\n"
    "  -n, --count N          probes per target (default 1); prints a summary\n"
    "  -c, --concurrency C    probes in flight at once (default 1)\n"
    "  -t, --timeout MS       per-probe timeout in milliseconds (default 10000)\n"
    "  --dns-server ADDR      resolver to use, e.g. 127.0.0.1:5353 (repeatable;\n"
    "                         default: the system's; /etc/hosts is read first)\n"
    "  -4, --ipv4 / -6, --ipv6  use only IPv4 / IPv6 addresses (default: prefer IPv4)\n"
    "  --cacert FILE          trust the CAs in FILE instead of the system store\n"
    "  -k, --insecure         do not fail on certificate problems (still reported)\n"
    "  --cert FILE --key FILE  TLS client certificate (PEM chain) and its key\n"
    "  --cn-fallback          accept a certificate without subjectAltName by its CN\n"
    "                         (browsers stopped doing so in 2017: down without it)\n"
    "  --expect-status LIST   comma-separated statuses that count as up\n"
    "                         (default: any 2xx or 3xx after redirects)\n"
    "  --expect-body TEXT     the body must contain TEXT\n"
    "  --expect-regex RE      the body must match the POSIX extended regex RE\n"
    "  --expect-header 'NAME: RE'  a header NAME whose value matches RE\n"
    "  --reject-regex RE      the body must NOT match RE (an error page served with 200)\n"
    "  -X, --request METHOD   GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS\n"
    "  -d, --data BODY        send BODY (then the method is POST unless -X says)\n"
    "  -H, --header 'NAME: VALUE'  send this header too (repeatable; no credentials)\n"
    "  --max-body BYTES       body size cap (default 1048576); larger is down\n"
    "  --max-redirects N      redirects to follow (default 5; 0: a 3xx is the answer)\n"
    "  --dns-type TYPE        record type of dns:// targets (A AAAA CNAME MX TXT)\n"
    "  --dns-expect VALUE     an answer dns:// targets must return\n"
    "  -h, --help             this text\n";

typedef struct check_run check_run;

typedef struct check_target {
    sp_probe_spec spec;
    check_run *run;
    int sent, done, up;
    double *ms[5]; /* dns, connect, tls, ttfb, total samples */
    size_t nms[5];
    int reasons[SP_REASON_COUNT];
} check_target;

struct check_run {
    check_target *t;
    size_t nt;
    int count, concurrency;
    bool json;
    size_t next_target; /* the target whose probes are being queued */
    size_t inflight;
    bool interrupted;
    sp_probe_engine *eng;
    uv_signal_t sigint;
    int exit_code;
};

static const char *const phase_names[5] = {"dns", "connect", "tls", "ttfb", "total"};

/* A string from the command line or a server, for the terminal: an escape
 * sequence or a U+202E in it is shown ("<U+001B>"), never obeyed. Each use
 * has its own buffer (a compound literal lives to the end of the block). */
#define SAFE(s) sp_text_safe((s), (char[512]){0}, 512)

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "slaprobe check: ");
    fprintf(stderr, fmt, SAFE(arg));
    fprintf(stderr, " (try 'slaprobe check --help')\n");
    return SP_EXIT_USAGE;
}

/* A target that cannot be probed as asked: bad usage (exit 2). Under
 * --json a script reads stdout, so the error is also one JSON object
 * there, in the shape of a result ("ok": false) with "error" instead of a
 * reason: no probe ran. */
static int target_error(bool json, const char *target, const char *msg)
{
    if (json) {
        json_t *o = json_pack("{s:o, s:b, s:s, s:o}", "target", sp_probe_json_text(target), "ok", 0,
                              "error", "usage", "detail", sp_probe_json_text(msg));
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(o);
    }
    return usage_error("%s", msg);
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static void print_ms(const char *name, double ms)
{
    if (ms >= 0)
        printf(" %s %.2f", name, ms);
    else
        printf(" %s -", name);
}

static void print_posture(const sp_tls_posture *ps)
{
    printf("      protocols");
    for (int i = 0; i < SP_TLS_PROTO_COUNT; i++)
        printf(" %s %s", sp_probe_tls_proto_name((sp_tls_proto)i),
               !ps->proto_tested[i]    ? "untested"
               : ps->proto_accepted[i] ? "yes"
                                       : "no");
    printf("\n");
    if (ps->handshake_ok)
        printf("      default %s %s, forward secrecy %s, weak cipher %s\n", ps->version, ps->cipher,
               ps->forward_secrecy ? "yes" : "NO",
               !ps->weak_tested    ? "untested"
               : ps->weak_accepted ? ps->weak_cipher
                                   : "none");
    else if (ps->weak_tested) /* the sweep went on: what the server does take */
        printf("      default handshake failed, weak cipher %s\n",
               ps->weak_accepted ? ps->weak_cipher : "none");
    if (ps->handshake_ok || ps->dhe_tested) {
        printf("      key exchange");
        if (ps->handshake_ok && ps->kex.type[0])
            printf(" %s%s%s %d bits,", ps->kex.type, ps->kex.group[0] ? " " : "", ps->kex.group,
                   ps->kex.bits);
        if (!ps->dhe_tested)
            printf(" DHE-only untested\n");
        else if (ps->dhe_accepted && ps->dhe_bits > 0)
            printf(" DHE-only %d bits\n", ps->dhe_bits);
        else
            printf(" DHE-only refused\n");
    }
    const sp_tls_cert_facts *c = &ps->cert;
    if (c->present) {
        printf("      cert %s, issuer %s\n", SAFE(c->subject), SAFE(c->issuer));
        printf("           %s %d bits, %s, valid %s .. %s (%d days left)\n", c->key_type,
               c->key_bits, c->sig_alg, c->not_before, c->not_after, c->days_left);
        printf("           chain %s, host %s, OCSP stapled: %s, sha256 %s\n",
               c->chain_valid ? "valid" : "NOT valid",
               c->hostname_match ? "matches" : "does NOT match", sp_probe_ocsp_name(ps->ocsp),
               c->fingerprint_sha256);
    }
    if (ps->handshake_ok) {
        const sp_tls_hsts *h = &ps->hsts;
        if (h->present)
            printf("      hsts max-age=%lld%s%s\n", h->max_age,
                   h->include_subdomains ? "; includeSubDomains" : "",
                   h->preload ? "; preload" : "");
        else
            printf("      hsts none%s\n", h->checked ? "" : " (no HTTP response)");
    }
    printf("      grade %s\n", ps->grade ? sp_probe_tls_grade_name(ps->grade) : "-");
    for (size_t i = 0; i < ps->n_findings; i++)
        printf("        %-8s %-20s %s\n",
               sp_probe_tls_severity_name(sp_probe_tls_finding_severity(ps->findings[i].code)),
               sp_probe_tls_finding_name(ps->findings[i].code), SAFE(ps->findings[i].detail));
}

static void print_human(const check_target *ct, const sp_probe_result *r, int seq, bool verbose)
{
    printf("%-4s %s", r->ok ? "UP" : "DOWN", SAFE(ct->spec.target));
    if (seq > 0)
        printf(" #%d", seq);
    printf("  %s: %s\n     ", sp_reason_name(r->reason), SAFE(r->detail));
    if (r->address[0])
        printf(" address %s ", SAFE(r->address));
    print_ms("dns", r->dns_ms);
    print_ms("connect", r->connect_ms);
    print_ms("tls", r->tls_ms);
    print_ms("ttfb", r->ttfb_ms);
    print_ms("total", r->total_ms);
    printf(" ms\n");
    if (verbose && r->posture.present) {
        print_posture(&r->posture);
    } else if (verbose && r->tls.present) {
        if (r->tls.version[0])
            printf("      tls %s %s", r->tls.version, r->tls.cipher);
        else
            printf("      tls handshake not completed");
        if (r->tls.has_cert)
            printf(", chain %s, host %s, expires %s (%d days)",
                   r->tls.chain_valid ? "valid" : "NOT valid",
                   r->tls.hostname_match ? "matches" : "does NOT match", r->tls.not_after,
                   r->tls.days_left);
        printf("\n");
    }
}

static void record(check_target *ct, const sp_probe_result *r)
{
    const double v[5] = {r->dns_ms, r->connect_ms, r->tls_ms, r->ttfb_ms, r->total_ms};
    for (int i = 0; i < 5; i++)
        if (v[i] >= 0)
            ct->ms[i][ct->nms[i]++] = v[i];
    ct->reasons[r->reason]++;
    if (r->ok)
        ct->up++;
}

static void launch_more(check_run *run);

static void on_result(const sp_probe_result *r, void *arg)
{
    check_target *ct = arg;
    check_run *run = ct->run;
    ct->done++;
    run->inflight--;
    record(ct, r);
    if (!r->ok)
        run->exit_code = SP_EXIT_FAIL;
    if (run->json) {
        char *line = sp_probe_result_json_line(&ct->spec, r);
        if (line) {
            puts(line);
            free(line);
        }
    } else {
        print_human(ct, r, run->count > 1 ? ct->done : 0, run->count == 1);
    }
    fflush(stdout);
    launch_more(run);
}

static void launch_more(check_run *run)
{
    while (!run->interrupted && run->inflight < (size_t)run->concurrency &&
           run->next_target < run->nt) {
        check_target *ct = &run->t[run->next_target];
        if (ct->sent == run->count) {
            run->next_target++;
            continue;
        }
        if (sp_probe_start(run->eng, &ct->spec, on_result, ct, NULL) != SP_OK) {
            fprintf(stderr, "slaprobe check: cannot start a probe (out of memory)\n");
            run->exit_code = SP_EXIT_FAIL;
            run->interrupted = true;
            break;
        }
        ct->sent++;
        run->inflight++;
    }
    if ((run->interrupted || run->next_target >= run->nt) && run->inflight == 0 &&
        !uv_is_closing((uv_handle_t *)&run->sigint))
        uv_close((uv_handle_t *)&run->sigint, NULL);
}

static void on_sigint(uv_signal_t *s, int signum)
{
    (void)signum;
    check_run *run = s->data;
    run->interrupted = true;
    run->exit_code = SP_EXIT_FAIL;
    uv_signal_stop(s);
    /* Cancelling calls on_result for every probe in flight, so the summary
     * covers what was measured up to now. */
    sp_probe_engine_destroy(run->eng);
    run->eng = NULL;
}

static void print_summary(check_target *ct)
{
    if (ct->done == 0)
        return;
    printf("--- %s: %d probes, %d up, %d down (%.1f%% up)\n", SAFE(ct->spec.target), ct->done,
           ct->up, ct->done - ct->up, 100.0 * ct->up / ct->done);
    printf("%-8s %10s %10s %10s %10s %6s\n", "phase", "min", "median", "p95", "max", "n");
    for (int i = 0; i < 5; i++) {
        sp_summary s;
        sp_stats_summarize(ct->ms[i], ct->nms[i], &s);
        if (s.n == 0)
            printf("%-8s %10s %10s %10s %10s %6d\n", phase_names[i], "-", "-", "-", "-", 0);
        else
            printf("%-8s %10.2f %10.2f %10.2f %10.2f %6zu\n", phase_names[i], s.min, s.median,
                   s.p95, s.max, s.n);
    }
    printf("reasons:");
    for (int i = 0; i < SP_REASON_COUNT; i++)
        if (ct->reasons[i])
            printf(" %s=%d", sp_reason_name((sp_reason)i), ct->reasons[i]);
    printf("\n");
}

int sp_cmd_check(int argc, char **argv)
{
    enum {
        O_JSON = 256,
        O_DNS,
        O_CACERT,
        O_XSTATUS,
        O_XBODY,
        O_XREGEX,
        O_XHEADER,
        O_MAXBODY,
        O_MAXREDIR,
        O_DNSTYPE,
        O_DNSEXPECT,
        O_TLS,
        O_CERT,
        O_KEY,
        O_CNFALLBACK,
        O_REJECT
    };
    static const struct option opts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"tls", no_argument, NULL, O_TLS},
        {"count", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"dns-server", required_argument, NULL, O_DNS},
        {"ipv4", no_argument, NULL, '4'},
        {"ipv6", no_argument, NULL, '6'},
        {"cacert", required_argument, NULL, O_CACERT},
        {"insecure", no_argument, NULL, 'k'},
        {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY},
        {"cn-fallback", no_argument, NULL, O_CNFALLBACK},
        {"expect-status", required_argument, NULL, O_XSTATUS},
        {"expect-body", required_argument, NULL, O_XBODY},
        {"expect-regex", required_argument, NULL, O_XREGEX},
        {"expect-header", required_argument, NULL, O_XHEADER},
        {"reject-regex", required_argument, NULL, O_REJECT},
        {"request", required_argument, NULL, 'X'},
        {"data", required_argument, NULL, 'd'},
        {"header", required_argument, NULL, 'H'},
        {"max-body", required_argument, NULL, O_MAXBODY},
        {"max-redirects", required_argument, NULL, O_MAXREDIR},
        {"dns-type", required_argument, NULL, O_DNSTYPE},
        {"dns-expect", required_argument, NULL, O_DNSEXPECT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* Options apply to every target, so collect them first. */
    sp_probe_spec proto;
    sp_probe_spec_init(&proto);
    check_run run = {.count = 1, .concurrency = 1, .exit_code = SP_EXIT_OK};
    char dns_servers[1024] = "";
    const char *dns_type = NULL, *dns_expect = NULL, *xstatus = NULL;
    const char *cacert = NULL, *xbody = NULL, *xregex = NULL, *xheader = NULL;
    const char *ccert = NULL, *ckey = NULL, *reject = NULL, *method = NULL, *data = NULL;
    const char *headers[32];
    size_t n_headers = 0;
    long v;
    int c, rc = SP_EXIT_USAGE;
    char err[512];
    uv_loop_t loop;
    bool loop_ready = false, tls = false;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:c:t:46khX:d:H:", opts, NULL)) != -1) {
        switch (c) {
        case O_REJECT:
            reject = optarg;
            break;
        case 'X':
            method = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'H':
            if (n_headers == sizeof headers / sizeof headers[0])
                return usage_error("at most 32 --header options (%s is one more)", optarg);
            headers[n_headers++] = optarg;
            break;
        case O_JSON:
            run.json = true;
            break;
        case O_TLS:
            tls = true;
            break;
        case 'n':
            if (!parse_long(optarg, 1, 10000000, &v))
                return usage_error("--count must be 1-10000000, not '%s'", optarg);
            run.count = (int)v;
            break;
        case 'c':
            if (!parse_long(optarg, 1, 100000, &v))
                return usage_error("--concurrency must be 1-100000, not '%s'", optarg);
            run.concurrency = (int)v;
            break;
        case 't':
            if (!parse_long(optarg, 1, 3600000, &v))
                return usage_error("--timeout must be 1-3600000 ms, not '%s'", optarg);
            proto.timeout_ms = (unsigned)v;
            break;
        case O_DNS:
            if (strlen(dns_servers) + strlen(optarg) + 2 > sizeof dns_servers)
                return usage_error("too many --dns-server values (at '%s')", optarg);
            if (dns_servers[0])
                strcat(dns_servers, ",");
            strcat(dns_servers, optarg);
            break;
        case '4':
            proto.ip = SP_IP_V4_ONLY;
            break;
        case '6':
            proto.ip = SP_IP_V6_ONLY;
            break;
        case O_CACERT:
            cacert = optarg;
            break;
        case 'k':
            proto.insecure = true;
            break;
        case O_CERT:
            ccert = optarg;
            break;
        case O_KEY:
            ckey = optarg;
            break;
        case O_CNFALLBACK:
            proto.tls_cn_fallback = true;
            break;
        case O_XSTATUS:
            xstatus = optarg;
            break;
        case O_XBODY:
            xbody = optarg;
            break;
        case O_XREGEX:
            xregex = optarg;
            break;
        case O_XHEADER:
            xheader = optarg;
            break;
        case O_MAXBODY:
            if (!parse_long(optarg, 1, LONG_MAX, &v))
                return usage_error("--max-body must be a positive byte count, not '%s'", optarg);
            proto.max_body = (size_t)v;
            break;
        case O_MAXREDIR:
            if (!parse_long(optarg, 0, 20, &v))
                return usage_error("--max-redirects must be 0-20, not '%s'", optarg);
            proto.max_redirects = (int)v;
            break;
        case O_DNSTYPE:
            dns_type = optarg;
            break;
        case O_DNSEXPECT:
            dns_expect = optarg;
            break;
        case 'h':
            fputs(check_usage, stdout);
            return SP_EXIT_OK;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no target given");
    if (xstatus) {
        char *copy = strdup(xstatus), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (proto.n_expect_status == SP_PROBE_MAX_STATUS || !parse_long(tok, 100, 599, &v)) {
                free(copy);
                return usage_error("--expect-status takes up to 16 statuses 100-599, not '%s'",
                                   xstatus);
            }
            proto.expect_status[proto.n_expect_status++] = (int)v;
        }
        free(copy);
    }
    sp_dns_type dtype = SP_DNS_A;
    if (dns_type && !sp_dns_type_parse(dns_type, &dtype))
        return usage_error("--dns-type must be A, AAAA, CNAME, MX or TXT, not '%s'", dns_type);

    run.nt = (size_t)(argc - optind);
    run.t = calloc(run.nt, sizeof *run.t);
    if (!run.t)
        return SP_EXIT_FAIL;
    for (size_t i = 0; i < run.nt; i++) {
        check_target *ct = &run.t[i];
        sp_probe_spec *s = &ct->spec;
        sp_probe_spec_init(s);
        ct->run = &run;
        if (sp_probe_spec_set_target(s, argv[optind + (int)i], err, sizeof err) != SP_OK) {
            rc = target_error(run.json, argv[optind + (int)i], err);
            goto out;
        }
        if (tls && sp_probe_spec_set_tls(s, err, sizeof err) != SP_OK) {
            rc = target_error(run.json, argv[optind + (int)i], err);
            goto out;
        }
        s->timeout_ms = proto.timeout_ms;
        s->ip = proto.ip;
        s->insecure = proto.insecure;
        s->max_body = proto.max_body;
        s->max_redirects = proto.max_redirects;
        memcpy(s->expect_status, proto.expect_status, sizeof s->expect_status);
        s->n_expect_status = proto.n_expect_status;
        s->ca_file = cacert ? strdup(cacert) : NULL;
        s->client_cert = ccert ? strdup(ccert) : NULL;
        s->client_key = ckey ? strdup(ckey) : NULL;
        s->tls_cn_fallback = proto.tls_cn_fallback;
        s->expect_body = xbody ? strdup(xbody) : NULL;
        s->expect_regex = xregex ? strdup(xregex) : NULL;
        s->expect_header = xheader ? strdup(xheader) : NULL;
        s->reject_regex = reject ? strdup(reject) : NULL;
        /* curl's habit: a body without a method is a POST */
        s->method = method ? strdup(method) : data ? strdup("POST") : NULL;
        s->body = data ? strdup(data) : NULL;
        if (n_headers) {
            if (!(s->headers = calloc(n_headers, sizeof *s->headers))) {
                fprintf(stderr, "slaprobe check: out of memory\n");
                goto out;
            }
            for (size_t k = 0; k < n_headers; k++)
                s->headers[k] = strdup(headers[k]);
            s->n_headers = n_headers;
        }
        if (s->kind == SP_PROBE_DNS) {
            if (dns_type)
                s->dns_type = dtype;
            if (dns_expect) {
                free(s->dns_expect);
                s->dns_expect = strdup(dns_expect);
            }
        }
        if (sp_probe_spec_finish(s, err, sizeof err) != SP_OK) {
            rc = target_error(run.json, argv[optind + (int)i], err);
            goto out;
        }
        for (int k = 0; k < 5; k++) {
            ct->ms[k] = calloc((size_t)run.count, sizeof(double));
            if (!ct->ms[k]) {
                fprintf(stderr, "slaprobe check: out of memory\n");
                rc = SP_EXIT_FAIL;
                goto out;
            }
        }
    }

    sp_cli_raise_nofile();
    if (sp_probe_global_init() != SP_OK) {
        fprintf(stderr, "slaprobe check: cannot initialise libcurl/c-ares\n");
        rc = SP_EXIT_FAIL;
        goto out;
    }
    uv_loop_init(&loop);
    loop_ready = true;
    sp_probe_engine_opts eo = {.dns_servers = dns_servers[0] ? dns_servers : NULL};
    if (sp_probe_engine_create(&loop, &eo, &run.eng, err, sizeof err) != SP_OK) {
        rc = usage_error("%s", err);
        goto out;
    }
    uv_signal_init(&loop, &run.sigint);
    run.sigint.data = &run;
    uv_signal_start(&run.sigint, on_sigint, SIGINT);
    launch_more(&run);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (run.eng) {
        sp_probe_engine_destroy(run.eng);
        run.eng = NULL;
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (!run.json && run.count > 1)
        for (size_t i = 0; i < run.nt; i++)
            print_summary(&run.t[i]);
    rc = run.exit_code;
out:
    if (loop_ready) {
        uv_run(&loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&loop) != 0)
            fprintf(stderr, "slaprobe check: internal error: handles left open\n");
        sp_probe_global_cleanup();
    }
    for (size_t i = 0; i < run.nt; i++) {
        sp_probe_spec_free(&run.t[i].spec);
        for (int k = 0; k < 5; k++)
            free(run.t[i].ms[k]);
    }
    free(run.t);
    sp_probe_spec_free(&proto);
    return rc;
}
