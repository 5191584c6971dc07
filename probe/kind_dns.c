/*
 * The dns probe kind: ask the configured resolvers for one record type and
 * check the answer. Up means a well-formed answer with at least one record
 * of the type (and, when an expected value is set, that value among them).
 * The hosts file is not consulted: this probes the DNS service itself.
 */
#include "dns_answer.h"
#include "engine_int.h"
#include "reason_map.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { T_A = 1, T_CNAME = 5, T_MX = 15, T_TXT = 16, T_AAAA = 28 };

static const int qtypes[] = {[SP_DNS_A] = T_A,
                             [SP_DNS_AAAA] = T_AAAA,
                             [SP_DNS_CNAME] = T_CNAME,
                             [SP_DNS_MX] = T_MX,
                             [SP_DNS_TXT] = T_TXT};

/* Append one answer to res.answer ("a, b, c"); drops what does not fit
 * (byte by byte, as snprintf would: written out so that a Release build's
 * -Wformat-truncation has nothing to object to). */
static void add_answer(sp_probe *p, const char *a)
{
    char *buf = p->res.answer;
    size_t cap = sizeof p->res.answer, used = strlen(buf);
    const char *parts[2] = {used ? ", " : "", a};
    for (int i = 0; i < 2; i++)
        for (const char *c = parts[i]; *c && used + 1 < cap; c++)
            buf[used++] = *c;
    buf[used] = '\0';
}

/* Declared in engine_int.h so that the fuzzer can reach it. */
int sp_probe__dns_parse_answer(sp_probe *p, const unsigned char *abuf, int alen, bool *match)
{
    const sp_probe_spec *s = p->spec;
    const char *want = s->dns_expect;
    char tmp[INET6_ADDRSTRLEN + 1];
    int st, n = 0;
    *match = want == NULL;

    switch (s->dns_type) {
    case SP_DNS_A:
    case SP_DNS_AAAA: {
        struct hostent *he = NULL;
        int af = s->dns_type == SP_DNS_A ? AF_INET : AF_INET6;
        st = af == AF_INET ? ares_parse_a_reply(abuf, alen, &he, NULL, NULL)
                           : ares_parse_aaaa_reply(abuf, alen, &he, NULL, NULL);
        if (st != ARES_SUCCESS)
            break;
        for (char **a = he->h_addr_list; a && *a; a++, n++) {
            ares_inet_ntop(af, *a, tmp, sizeof tmp);
            add_answer(p, tmp);
            if (want) {
                unsigned char w[16], g[16];
                if (inet_pton(af, want, w) == 1 && inet_pton(af, tmp, g) == 1 &&
                    memcmp(w, g, af == AF_INET ? 4 : 16) == 0)
                    *match = true;
            }
        }
        ares_free_hostent(he);
        break;
    }
    case SP_DNS_CNAME: {
        /* c-ares has no CNAME parser; the A parser follows the chain and
         * leaves the canonical name in h_name. */
        struct hostent *he = NULL;
        st = ares_parse_a_reply(abuf, alen, &he, NULL, NULL);
        if (st == ARES_ENODATA && he == NULL)
            break;
        if (st != ARES_SUCCESS && st != ARES_ENODATA)
            break;
        st = ARES_SUCCESS;
        if (he && he->h_name && !sp_probe__dns_same_name(he->h_name, s->host)) {
            add_answer(p, he->h_name);
            n++;
            if (want && sp_probe__dns_same_name(he->h_name, want))
                *match = true;
        }
        if (he)
            ares_free_hostent(he);
        break;
    }
    case SP_DNS_MX: {
        struct ares_mx_reply *mx = NULL;
        st = ares_parse_mx_reply(abuf, alen, &mx);
        if (st != ARES_SUCCESS)
            break;
        for (struct ares_mx_reply *m = mx; m; m = m->next, n++) {
            char line[300];
            snprintf(line, sizeof line, "%u %s", m->priority, m->host);
            add_answer(p, line);
            if (want && (sp_probe__dns_same_name(m->host, want) || strcasecmp(line, want) == 0))
                *match = true;
        }
        ares_free_data(mx);
        break;
    }
    case SP_DNS_TXT: {
        struct ares_txt_ext *txt = NULL;
        st = ares_parse_txt_reply_ext(abuf, alen, &txt);
        if (st != ARES_SUCCESS)
            break;
        for (struct ares_txt_ext *t = txt; t; t = t->next, n++) {
            char line[256];
            snprintf(line, sizeof line, "%.*s", (int)t->length, (const char *)t->txt);
            add_answer(p, line);
            if (want && strcmp(line, want) == 0)
                *match = true;
        }
        ares_free_data(txt);
        break;
    }
    default:
        st = ARES_ENOTIMP;
    }
    if (st == ARES_SUCCESS && n == 0)
        st = ARES_ENODATA;
    return st;
}

/* --- The probe ----------------------------------------------------------- */

static void on_answer(sp_probe *p, int status, const unsigned char *abuf, int alen)
{
    const sp_probe_spec *s = p->spec;
    const char *type = sp_dns_type_name(s->dns_type);
    bool match = false;
    char chain[256];
    /* Before the status: c-ares calls a truncated answer without records
     * "no data", and a CNAME loop too; neither is what the server meant. */
    if (sp_probe__dns_truncated(abuf, alen)) {
        sp_probe__finish(p, SP_REASON_DNS_SERVFAIL, "%s %s: answer truncated over UDP and TCP",
                         s->host, type);
        return;
    }
    if (sp_probe__dns_cname_loop(abuf, alen, chain, sizeof chain)) {
        sp_probe__finish(p, SP_REASON_DNS_SERVFAIL, "%s %s: CNAME loop: %s", s->host, type, chain);
        return;
    }
    if (status == ARES_SUCCESS) {
        /* the server did answer: what fails now is its answer */
        status = sp_probe__dns_parse_answer(p, abuf, alen, &match);
        if (status != ARES_SUCCESS) {
            sp_probe__finish(p, sp_probe_reason_from_ares_answer(status), "%s %s: %s", s->host,
                             type, ares_strerror(status));
            return;
        }
    }
    if (status != ARES_SUCCESS) {
        sp_probe__finish(p, sp_probe_reason_from_ares(status), "%s %s: %s", s->host, type,
                         ares_strerror(status));
        return;
    }
    if (!match) {
        sp_probe__finish(p, SP_REASON_DNS_MISMATCH, "%s %s is '%.100s', expected '%.80s'", s->host,
                         type, p->res.answer, s->dns_expect);
        return;
    }
    sp_probe__finish(p, SP_REASON_OK, "%s %s: %.200s", s->host, type, p->res.answer);
}

static void dns_start(sp_probe *p)
{
    if (sp_probe__query(p, p->spec->host, qtypes[p->spec->dns_type], on_answer) != SP_OK)
        sp_probe__finish(p, SP_REASON_PROBE_ERROR, "out of memory");
}

static void dns_cancel(sp_probe *p)
{
    (void)p; /* the pending query is detached by sp_probe__finish */
}

static sp_reason dns_on_deadline(sp_probe *p)
{
    (void)p;
    return SP_REASON_DNS_TIMEOUT;
}

const sp_probe_kind_ops sp_probe__dns_ops = {
    .name = "dns",
    .start = dns_start,
    .cancel = dns_cancel,
    .on_deadline = dns_on_deadline,
    .done = NULL, /* no curl transfers */
};
