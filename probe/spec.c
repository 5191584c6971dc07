/*
 * Probe specs: parsing a target string and compiling its assertions.
 *
 * URLs are parsed by libcurl's URL API (curl_url), so slaprobe and libcurl
 * can never disagree on what host or port a URL names. Everything that can
 * be prepared once (regexes, the header rule) is compiled here and shared
 * by every probe of the spec, never redone per probe.
 */
#include "sp_probe.h"
#include "spec_int.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <curl/curl.h>

static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static const char *const kind_names[SP_PROBE_KIND_COUNT] = {"http", "https", "tcp",
                                                            "dns",  "tls",   "icmp"};
static const char *const dns_type_names[] = {"A", "AAAA", "CNAME", "MX", "TXT"};

const char *sp_probe_kind_name(sp_probe_kind k)
{
    return (unsigned)k < SP_PROBE_KIND_COUNT ? kind_names[k] : "?";
}

const char *sp_dns_type_name(sp_dns_type t)
{
    return (unsigned)t < sizeof dns_type_names / sizeof dns_type_names[0] ? dns_type_names[t] : "?";
}

bool sp_dns_type_parse(const char *name, sp_dns_type *out)
{
    for (size_t i = 0; i < sizeof dns_type_names / sizeof dns_type_names[0]; i++) {
        if (strcasecmp(name, dns_type_names[i]) == 0) {
            *out = (sp_dns_type)i;
            return true;
        }
    }
    return false;
}

void sp_probe_spec_init(sp_probe_spec *s)
{
    memset(s, 0, sizeof *s);
    s->timeout_ms = SP_PROBE_DEFAULT_TIMEOUT_MS;
    s->max_body = SP_PROBE_DEFAULT_MAX_BODY;
    s->max_redirects = SP_PROBE_DEFAULT_MAX_REDIRECTS;
    s->ip = SP_IP_PREFER_V4;
    s->dns_type = SP_DNS_A;
}

static void free_compiled(sp_probe_spec *s)
{
    struct sp_probe_compiled *c = s->compiled;
    if (!c)
        return;
    if (c->has_body_re)
        regfree(&c->body_re);
    if (c->has_header_re)
        regfree(&c->header_re);
    if (c->has_reject_re)
        regfree(&c->reject_re);
    free(c->header_name);
    free(c);
    s->compiled = NULL;
}

void sp_probe_spec_free(sp_probe_spec *s)
{
    free_compiled(s);
    free(s->target);
    free(s->url);
    free(s->host);
    free(s->expect_body);
    free(s->expect_regex);
    free(s->expect_header);
    free(s->reject_regex);
    free(s->method);
    free(s->body);
    for (size_t i = 0; i < s->n_headers; i++)
        free(s->headers[i]);
    free(s->headers);
    free(s->ca_file);
    free(s->auth_header);
    free(s->client_cert);
    free(s->client_key);
    free(s->dns_expect);
    sp_probe_spec_init(s);
}

bool sp_probe_spec_check_request(const sp_probe_spec *s, const char **key, char *err, size_t errlen)
{
    const char *k_ = NULL;
    if (!key)
        key = &k_;
    static const char *const methods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
    bool http = s->kind == SP_PROBE_HTTP || s->kind == SP_PROBE_HTTPS;
    if (!http && (s->method || s->body || s->n_headers || s->reject_regex)) {
        *key = s->method ? "method" : s->body ? "body" : s->n_headers ? "headers" : "reject_regex";
        seterr(err, errlen, "method, body, headers and reject_regex are for http(s) targets");
        return false;
    }
    if (s->method) {
        size_t k = 0;
        while (k < sizeof methods / sizeof methods[0] && strcmp(s->method, methods[k]))
            k++;
        if (k == sizeof methods / sizeof methods[0]) {
            *key = "method";
            seterr(err, errlen,
                   "method '%.40s' is not GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS",
                   s->method);
            return false;
        }
        bool head = strcmp(s->method, "HEAD") == 0;
        if (head && (s->body || s->expect_body || s->expect_regex || s->reject_regex)) {
            *key = "method";
            seterr(err, errlen,
                   "a HEAD request has no body: no body, expect_body, expect_regex "
                   "or reject_regex with it");
            return false;
        }
    }
    if (s->body && strlen(s->body) > SP_PROBE_MAX_REQUEST_BODY) {
        *key = "body";
        seterr(err, errlen, "the request body is over %d bytes", SP_PROBE_MAX_REQUEST_BODY);
        return false;
    }
    for (size_t i = 0; i < s->n_headers; i++) {
        const char *h = s->headers[i], *colon = strchr(h, ':');
        size_t n = colon ? (size_t)(colon - h) : 0;
        if (!colon || n == 0 || strcspn(h, " \t") < n || strpbrk(h, "\r\n")) {
            *key = "headers";
            seterr(err, errlen, "header '%.60s' is not one 'Name: value' line", h);
            return false;
        }
        static const char *const secret[] = {"Authorization", "Proxy-Authorization", "Cookie"};
        for (size_t k = 0; k < 3; k++)
            if (strlen(secret[k]) == n && strncasecmp(h, secret[k], n) == 0) {
                *key = "headers";
                seterr(err, errlen,
                       "%s is a credential: give it as auth (by env: or file: reference), "
                       "which goes to the target's origin only",
                       secret[k]);
                return false;
            }
    }
    return true;
}

/* Strip the brackets of an IPv6 literal as curl_url returns it ("[::1]"). */
static char *dup_host(const char *h)
{
    size_t n = strlen(h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
        return strndup(h + 1, n - 2);
    return strdup(h);
}

static sp_status parse_url(sp_probe_spec *s, const char *target, char *err, size_t errlen)
{
    sp_status st = SP_EPARSE;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *full = NULL;
    if (!u)
        return SP_ENOMEM;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, target, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        seterr(err, errlen, "bad URL '%s': %s", target, curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        seterr(err, errlen, "bad URL '%s': no host", target);
        goto out;
    }
    if (strcmp(scheme, "http") == 0)
        s->kind = SP_PROBE_HTTP;
    else if (strcmp(scheme, "https") == 0)
        s->kind = SP_PROBE_HTTPS;
    else {
        seterr(err, errlen, "bad URL '%s': scheme '%s' is not http, https, tcp, dns or tls", target,
               scheme);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        seterr(err, errlen, "bad URL '%s': no port", target);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
        seterr(err, errlen, "bad URL '%s'", target);
        goto out;
    }
    s->port = (uint16_t)atoi(port);
    /* names are case-insensitive; one spelling keeps comparisons simple */
    for (char *c = host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    s->host = dup_host(host);
    s->url = strdup(full);
    st = (s->host && s->url) ? SP_OK : SP_ENOMEM;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(full);
    curl_url_cleanup(u);
    return st;
}

/* "host:port", "[v6]:port"; the port is required. */
static sp_status parse_hostport(sp_probe_spec *s, const char *hp, const char *target, char *err,
                                size_t errlen)
{
    const char *colon;
    char *host;
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':') {
            seterr(err, errlen, "bad target '%s': expected [IPv6]:port", target);
            return SP_EPARSE;
        }
        host = strndup(hp + 1, (size_t)(close - hp - 1));
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (!colon || colon == hp || strchr(hp, ':') != colon) {
            seterr(err, errlen, "bad target '%s': expected a URL or host:port", target);
            return SP_EPARSE;
        }
        host = strndup(hp, (size_t)(colon - hp));
    }
    if (!host)
        return SP_ENOMEM;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535 || end == colon + 1) {
        seterr(err, errlen, "bad target '%s': port must be 1-65535", target);
        free(host);
        return SP_EPARSE;
    }
    for (const char *c = host; *c; c++) {
        if (isspace((unsigned char)*c) || *c == '/' || *c == '@') {
            seterr(err, errlen, "bad target '%s': invalid host", target);
            free(host);
            return SP_EPARSE;
        }
    }
    s->kind = SP_PROBE_TCP;
    s->host = host;
    s->port = (uint16_t)port;
    return SP_OK;
}

/* "icmp://host": a name, an IPv4 literal or a bracketed IPv6 one; no port,
 * no path (an echo request has neither). */
static sp_status parse_icmp(sp_probe_spec *s, const char *rest, const char *target, char *err,
                            size_t errlen)
{
    size_t n = strlen(rest);
    if (n && rest[n - 1] == '/')
        n--;
    if (n >= 2 && rest[0] == '[' && rest[n - 1] == ']') {
        rest++;
        n -= 2;
    }
    if (n == 0 || n > 253 || strcspn(rest, " \t/@?#[]") < n) {
        seterr(err, errlen, "bad target '%s': icmp:// takes a host name or address only", target);
        return SP_EPARSE;
    }
    char *host = strndup(rest, n);
    if (!host)
        return SP_ENOMEM;
    /* "host:port" is no ICMP target: a colon is only for IPv6 literals */
    struct in6_addr a6;
    if (strchr(host, ':') && inet_pton(AF_INET6, host, &a6) != 1) {
        seterr(err, errlen, "bad target '%s': icmp:// has no port", target);
        free(host);
        return SP_EPARSE;
    }
    s->kind = SP_PROBE_ICMP;
    s->host = host;
    s->port = 0;
    return SP_OK;
}

/* "dns://name[?type=T&expect=V]" or "dns:name". Values are not URL-encoded
 * in practice (names, MX hosts, TXT words); '%' escapes are decoded by curl
 * when present. */
static sp_status parse_dns(sp_probe_spec *s, const char *rest, const char *target, char *err,
                           size_t errlen)
{
    const char *q = strchr(rest, '?');
    size_t nlen = q ? (size_t)(q - rest) : strlen(rest);
    while (nlen && rest[nlen - 1] == '/')
        nlen--;
    if (nlen == 0) {
        seterr(err, errlen, "bad target '%s': no DNS name", target);
        return SP_EPARSE;
    }
    s->kind = SP_PROBE_DNS;
    s->host = strndup(rest, nlen);
    if (!s->host)
        return SP_ENOMEM;
    if (!q)
        return SP_OK;
    char *query = strdup(q + 1), *save = NULL;
    if (!query)
        return SP_ENOMEM;
    sp_status st = SP_OK;
    for (char *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            seterr(err, errlen, "bad target '%s': '%s' is not key=value", target, kv);
            st = SP_EPARSE;
            break;
        }
        *eq = '\0';
        int outlen = 0;
        char *val = curl_easy_unescape(NULL, eq + 1, 0, &outlen);
        if (!val) {
            st = SP_ENOMEM;
            break;
        }
        if (strcmp(kv, "type") == 0) {
            if (!sp_dns_type_parse(val, &s->dns_type)) {
                seterr(err, errlen,
                       "bad target '%s': DNS type '%s' is not A, AAAA, CNAME, MX or TXT", target,
                       val);
                st = SP_EPARSE;
            }
        } else if (strcmp(kv, "expect") == 0) {
            free(s->dns_expect);
            s->dns_expect = strdup(val);
        } else {
            seterr(err, errlen, "bad target '%s': unknown DNS option '%s'", target, kv);
            st = SP_EPARSE;
        }
        curl_free(val);
        if (st != SP_OK)
            break;
    }
    free(query);
    return st;
}

sp_status sp_probe_spec_set_target(sp_probe_spec *s, const char *target, char *err, size_t errlen)
{
    sp_status st;
    if (!target || !*target) {
        seterr(err, errlen, "empty target");
        return SP_EPARSE;
    }
    free(s->target);
    free(s->url);
    free(s->host);
    s->url = s->host = NULL;
    s->target = strdup(target);
    if (!s->target)
        return SP_ENOMEM;
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0)
        st = parse_url(s, target, err, errlen);
    else if (strncasecmp(target, "tcp://", 6) == 0)
        st = parse_hostport(s, target + 6, target, err, errlen);
    else if (strncasecmp(target, "tls://", 6) == 0) {
        st = parse_hostport(s, target + 6, target, err, errlen);
        if (st == SP_OK)
            s->kind = SP_PROBE_TLS;
    } else if (strncasecmp(target, "icmp://", 7) == 0)
        st = parse_icmp(s, target + 7, target, err, errlen);
    else if (strncasecmp(target, "dns://", 6) == 0)
        st = parse_dns(s, target + 6, target, err, errlen);
    else if (strncasecmp(target, "dns:", 4) == 0)
        st = parse_dns(s, target + 4, target, err, errlen);
    else if (strstr(target, "://")) {
        seterr(err, errlen, "bad target '%s': scheme is not http, https, tcp, dns, tls or icmp",
               target);
        st = SP_EPARSE;
    } else
        st = parse_hostport(s, target, target, err, errlen);
    return st;
}

sp_status sp_probe_spec_set_tls(sp_probe_spec *s, char *err, size_t errlen)
{
    switch (s->kind) {
    case SP_PROBE_HTTPS: /* keeps url: its path is asked for the HSTS header */
    case SP_PROBE_TCP:
    case SP_PROBE_TLS:
        s->kind = SP_PROBE_TLS;
        return SP_OK;
    default:
        seterr(err, errlen, "'%s' has no TLS to check (use https://... or host:port)",
               s->target ? s->target : "");
        return SP_EINVAL;
    }
}

/*
 * What glibc's regcomp makes of an ERE, estimated before it runs, since
 * some short patterns take it gigabytes or minutes:
 *  - atoms: it copies the atom of "+" once and of "{m,n}" up to n (or
 *    m + 1) times, so nested and chained repetitions multiply. Here "+",
 *    "?" and "*" count double, "{m,n}" n times; brackets, escapes and
 *    characters are one atom each, a group the sum of what is in it
 *    (alternatives included). Saturates at limit + 1.
 *  - nesting: the most repetition operators applying to one atom, directly
 *    or through groups ("(a+)?" is 2). Mixed "+" and "?" seven deep after
 *    an anchor ("b+^((((((a+)?)?)+)+)+)+", "b+^a+??++++") take it seconds
 *    to minutes in its epsilon closures; six, milliseconds.
 * An ill-formed pattern gets some estimate and is then refused by regcomp.
 */
static size_t regex_atoms(const char *re, size_t limit, int *nesting)
{
    enum { DEPTH = 64 };
    size_t seq[DEPTH + 1] = {0};  /* atoms of each open group so far */
    size_t last[DEPTH + 1] = {0}; /* its last atom, which a repetition copies */
    int rep[DEPTH + 1] = {0};     /* repetitions over its last atom */
    int rep_max[DEPTH + 1] = {0}; /* the most over any atom in it */
    int d = 0;
    const size_t cap = limit + 1;
    *nesting = 0;
#define SAT(x) ((x) > cap ? cap : (x))
    for (const char *p = re; *p; p++) {
        size_t atom = 1, times = 1;
        int atom_rep = 0;
        bool repeat = false;
        switch (*p) {
        case '\\':
            if (p[1])
                p++;
            break;
        case '[': /* to the closing ']': "[]a]", "[^]a]", "[[:alpha:]]" */
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                p++;
            while (*p && *p != ']') {
                if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                    const char *e = strchr(p + 2, p[1]);
                    if (e && e[1] == ']')
                        p = e + 1;
                }
                p++;
            }
            if (!*p)
                p--; /* unterminated: regcomp refuses it */
            break;
        case '(':
            if (d == DEPTH) {
                *nesting = DEPTH;
                return cap;
            }
            d++;
            seq[d] = last[d] = 0;
            rep[d] = rep_max[d] = 0;
            continue;
        case ')':
            if (d == 0)
                break; /* a literal ')' in ERE */
            atom = seq[d] ? seq[d] : 1;
            atom_rep = rep_max[d];
            d--;
            break;
        case '|':
        case '^':
        case '$':
            continue;
        case '*':
        case '?':
        case '+':
            repeat = true;
            times = 2;
            break;
        case '{': { /* "{m}", "{m,}", "{m,n}", and glibc's "{,n}" */
            /* glibc reads more into an interval than POSIX does: it skips a
             * backslash there and joins the digits around it ("{1,300\\00}"
             * is 30000 copies to it, "{1,3000\\0}" 3000: gigabytes;
             * fuzz_regex). So every digit before the comma is the minimum,
             * every one after it the maximum, whatever stands between. */
            const char *close = strchr(p + 1, '}');
            bool numeric = false; /* "{\\0,31000}" too */
            for (const char *q = p + 1; close && q < close; q++)
                numeric = numeric || isdigit((unsigned char)*q) || *q == ',';
            if (!numeric)
                break; /* not an interval: a literal '{' */
            unsigned long num[2] = {0, 0};
            bool digits[2] = {false, false};
            int part = 0;
            for (const char *q = p + 1; q < close; q++) {
                if (*q == ',' && part == 0) {
                    part = 1;
                } else if (isdigit((unsigned char)*q)) {
                    num[part] = num[part] > cap ? cap + 1
                                                : num[part] * 10 + (unsigned long)(*q - '0');
                    digits[part] = true;
                }
            }
            bool open_end = part == 1 && !digits[1]; /* "{m,}": m copies and a star */
            unsigned long first = num[0];
            unsigned long most = num[0] > num[1] ? num[0] : num[1];
            repeat = true;
            times = open_end && most == first ? first + 1 : most;
            if (times < 1)
                times = 1;
            if (times > cap)
                times = cap;
            p = close;
            break;
        }
        default:
            break;
        }
        if (repeat) {
            /* the last atom now stands for `times` copies of itself */
            size_t before = last[d], after = SAT(before * times);
            seq[d] = SAT(seq[d] - before + after);
            last[d] = after;
            rep[d]++;
        } else {
            seq[d] = SAT(seq[d] + atom);
            last[d] = atom;
            rep[d] = atom_rep;
        }
        if (rep[d] > rep_max[d])
            rep_max[d] = rep[d];
        if (rep[d] > *nesting)
            *nesting = rep[d];
    }
#undef SAT
    while (d > 0) { /* unbalanced: regcomp refuses it; count it anyway */
        size_t g = seq[d--];
        seq[d] = seq[d] + g > cap ? cap : seq[d] + g;
    }
    return seq[0];
}

static bool regex_too_large(const char *re, const char *what, char *err, size_t errlen)
{
    int nesting;
    size_t atoms = regex_atoms(re, SP_PROBE_REGEX_MAX_ATOMS, &nesting);
    if (nesting > SP_PROBE_REGEX_MAX_NESTING) {
        seterr(err, errlen,
               "%s '%.100s' repeats one part more than %d times over ('(a+)?' is twice): too "
               "slow to compile",
               what, re, SP_PROBE_REGEX_MAX_NESTING);
        return true;
    }
    if (atoms <= SP_PROBE_REGEX_MAX_ATOMS)
        return false;
    seterr(err, errlen,
           "%s '%.100s' is too large once its repetitions are expanded (more than %d atoms)", what,
           re, SP_PROBE_REGEX_MAX_ATOMS);
    return true;
}

sp_status sp_probe_spec_finish(sp_probe_spec *s, char *err, size_t errlen)
{
    sp_status st = SP_EINVAL;
    free_compiled(s);
    if (!s->host || !*s->host) {
        seterr(err, errlen, "no target set");
        return SP_EINVAL;
    }
    if (s->timeout_ms == 0) {
        seterr(err, errlen, "timeout must be positive");
        return SP_EINVAL;
    }
    if (s->max_redirects < 0 || s->max_redirects > SP_PROBE_MAX_REDIRECTS_LIMIT) {
        seterr(err, errlen, "max_redirects must be 0-%d", SP_PROBE_MAX_REDIRECTS_LIMIT);
        return SP_EINVAL;
    }
    for (size_t i = 0; i < s->n_expect_status; i++) {
        if (s->expect_status[i] < 100 || s->expect_status[i] > 599) {
            seterr(err, errlen, "expected status %d is not 100-599", s->expect_status[i]);
            return SP_EINVAL;
        }
    }
    struct sp_probe_compiled *c = calloc(1, sizeof *c);
    if (!c)
        return SP_ENOMEM;
    s->compiled = c;
    if (s->expect_regex) {
        if (regex_too_large(s->expect_regex, "regex", err, errlen))
            goto fail;
        /* REG_NEWLINE: ^ and $ match at line ends, as people expect in a body */
        int rc = regcomp(&c->body_re, s->expect_regex, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &c->body_re, msg, sizeof msg);
            seterr(err, errlen, "bad regex '%s': %s", s->expect_regex, msg);
            goto fail;
        }
        c->has_body_re = true;
    }
    if (s->expect_header) {
        const char *colon = strchr(s->expect_header, ':');
        if (!colon || colon == s->expect_header) {
            seterr(err, errlen, "bad header rule '%s': expected 'Name: regex'", s->expect_header);
            goto fail;
        }
        c->header_name = strndup(s->expect_header, (size_t)(colon - s->expect_header));
        if (!c->header_name) {
            st = SP_ENOMEM;
            goto fail;
        }
        const char *re = colon + 1;
        while (*re == ' ' || *re == '\t')
            re++;
        if (regex_too_large(re, "header regex", err, errlen))
            goto fail;
        int rc = regcomp(&c->header_re, re, REG_EXTENDED | REG_NOSUB | REG_ICASE);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &c->header_re, msg, sizeof msg);
            seterr(err, errlen, "bad header regex '%s': %s", re, msg);
            goto fail;
        }
        c->has_header_re = true;
    }
    if (s->reject_regex) {
        if (regex_too_large(s->reject_regex, "reject regex", err, errlen))
            goto fail;
        int rc = regcomp(&c->reject_re, s->reject_regex, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &c->reject_re, msg, sizeof msg);
            seterr(err, errlen, "bad reject regex '%s': %s", s->reject_regex, msg);
            goto fail;
        }
        c->has_reject_re = true;
    }
    if (!sp_probe_spec_check_request(s, NULL, err, errlen))
        goto fail;
    if (s->auth_header && !strchr(s->auth_header, ':')) {
        seterr(err, errlen, "auth header must be 'Name: value'");
        goto fail;
    }
    if (!s->client_cert != !s->client_key) {
        seterr(err, errlen, "client_cert and client_key go together: give both or neither");
        goto fail;
    }
    return SP_OK;
fail:
    free_compiled(s);
    return st;
}
