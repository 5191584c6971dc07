/*
 * blackbox_exporter's modules file, read with libyaml's document API: the
 * keys users write most (docs/PROMETHEUS.md), each checked where it is read
 * so an error names its line; anything else is refused by name rather
 * than ignored, since a module that silently drops a rule reports a
 * target UP that the rule would have failed.
 */
#include "blackbox/blackbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/sp_grow.h"

struct sp_bb_modules {
    sp_bb_module *v;
    size_t n, cap;
};

/* What a reader needs while it walks the tree. */
typedef struct rd {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} rd;

static sp_status fail(const rd *r, const yaml_node_t *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sp_status fail(const rd *r, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s:%lu: %s: %s", r->path,
             at ? (unsigned long)at->start_mark.line + 1 : 0UL, key, msg);
    return SP_EINVAL;
}

static yaml_node_t *node(const rd *r, int i)
{
    return yaml_document_get_node(r->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar value or an error naming key. */
static sp_status want_scalar(const rd *r, yaml_node_t *v, const char *key, const char **out)
{
    if (!(*out = scalar(v)))
        return fail(r, v, key, "must be a single value");
    return SP_OK;
}

static sp_status want_bool(const rd *r, yaml_node_t *v, const char *key, bool *out)
{
    const char *s;
    sp_status st = want_scalar(r, v, key, &s);
    if (st != SP_OK)
        return st;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes"))
        *out = true;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no"))
        *out = false;
    else
        return fail(r, v, key, "'%s' is not true or false", s);
    return SP_OK;
}

/* Go's durations as blackbox writes them: "5s", "500ms", "1m", "1.5s". */
static sp_status want_duration(const rd *r, yaml_node_t *v, const char *key, unsigned *ms)
{
    const char *s;
    sp_status st = want_scalar(r, v, key, &s);
    if (st != SP_OK)
        return st;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    double unit = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") ? 1000 : !strcmp(end, "m") ? 60000 : 0;
    if (errno || end == s || unit == 0 || !(x > 0) || x * unit > 600000 || x * unit < 1)
        return fail(r, v, key, "'%s' is not a duration of 1ms to 10m (e.g. 5s, 500ms)", s);
    *ms = (unsigned)lround(x * unit);
    return SP_OK;
}

static sp_status want_ip(const rd *r, yaml_node_t *v, const char *key, sp_ip_pref *out)
{
    const char *s;
    sp_status st = want_scalar(r, v, key, &s);
    if (st != SP_OK)
        return st;
    if (!strcmp(s, "ip4") || !strcmp(s, "ipv4"))
        *out = SP_IP_PREFER_V4;
    else if (!strcmp(s, "ip6") || !strcmp(s, "ipv6"))
        *out = SP_IP_PREFER_V6;
    else
        return fail(r, v, key, "'%s' is not ip4 or ip6", s);
    return SP_OK;
}

/* The one regex slaprobe takes where blackbox takes a list. */
static sp_status want_one_regex(const rd *r, yaml_node_t *v, const char *key, char **out)
{
    if (!v || v->type != YAML_SEQUENCE_NODE)
        return fail(r, v, key, "must be a list of regular expressions");
    yaml_node_item_t *it = v->data.sequence.items.start, *top = v->data.sequence.items.top;
    if (top - it == 0)
        return SP_OK;
    if (top - it > 1)
        return fail(r, v, key,
                    "slaprobe takes one regular expression here, not %ld (join them with |, "
                    "or use two modules)",
                    (long)(top - it));
    const char *s = scalar(node(r, *it));
    if (!s)
        return fail(r, v, key, "must be a list of regular expressions");
    return (*out = strdup(s)) ? SP_OK : SP_ENOMEM;
}

/* Mapping iteration: every key must be a scalar. */
#define EACH_PAIR(r, map, k, v, ks)                                                                \
    for (yaml_node_pair_t *p_ = (map)->data.mapping.pairs.start;                                   \
         p_ < (map)->data.mapping.pairs.top &&                                                     \
         ((k) = node(r, p_->key), (v) = node(r, p_->value), (ks) = scalar(k), 1);                  \
         p_++)

/* A mapping, each key once (as blackbox's YAML reader wants: a second
 * value would silently replace the first). */
static sp_status want_map(const rd *r, yaml_node_t *v, const char *key)
{
    if (!v || v->type != YAML_MAPPING_NODE)
        return fail(r, v, key, "must be a mapping of keys to values");
    for (yaml_node_pair_t *a = v->data.mapping.pairs.start; a < v->data.mapping.pairs.top; a++)
        for (yaml_node_pair_t *b = v->data.mapping.pairs.start; b < a; b++) {
            const char *ka = scalar(node(r, a->key)), *kb = scalar(node(r, b->key));
            if (ka && kb && strcmp(ka, kb) == 0) {
                char k[300];
                snprintf(k, sizeof k, "%.200s.%.90s", key, ka);
                return fail(r, node(r, a->key), k, "given twice");
            }
        }
    return SP_OK;
}

/* The address family keys every prober's section has. */
static bool ip_key(const char *ks)
{
    return !strcmp(ks, "preferred_ip_protocol") || !strcmp(ks, "ip_protocol_fallback");
}

static sp_status read_ip_key(const rd *r, const char *ks, yaml_node_t *v, const char *key,
                             sp_bb_module *m)
{
    if (!strcmp(ks, "preferred_ip_protocol"))
        return want_ip(r, v, key, &m->ip);
    bool fallback; /* slaprobe always falls back to the other family */
    return want_bool(r, v, key, &fallback);
}

static sp_status read_tls_config(const rd *r, yaml_node_t *map, const char *pre, sp_bb_module *m)
{
    char key[256];
    yaml_node_t *k, *v;
    const char *ks, *s;
    sp_status st = want_map(r, map, pre);
    if (st != SP_OK)
        return st;
    EACH_PAIR(r, map, k, v, ks)
    {
        snprintf(key, sizeof key, "%.150s.%.90s", pre, ks ? ks : "?");
        if (ks && !strcmp(ks, "ca_file")) {
            if ((st = want_scalar(r, v, key, &s)) != SP_OK)
                return st;
            free(m->ca_file);
            if (!(m->ca_file = strdup(s)))
                return SP_ENOMEM;
        } else if (ks && !strcmp(ks, "insecure_skip_verify")) {
            if ((st = want_bool(r, v, key, &m->insecure)) != SP_OK)
                return st;
        } else {
            return fail(r, k, key, "not a key slaprobe takes (ca_file, insecure_skip_verify)");
        }
    }
    return SP_OK;
}

static sp_status read_headers(const rd *r, yaml_node_t *map, const char *pre, sp_bb_module *m)
{
    sp_status st = want_map(r, map, pre);
    yaml_node_t *k, *v;
    const char *ks;
    size_t cap = 0;
    if (st != SP_OK)
        return st;
    EACH_PAIR(r, map, k, v, ks)
    {
        const char *vs = scalar(v);
        if (!ks || !vs)
            return fail(r, v, pre, "must map header names to values");
        if ((st = sp_grow((void **)&m->headers, &cap, m->n_headers + 1, sizeof *m->headers)) !=
            SP_OK)
            return st;
        size_t n = strlen(ks) + strlen(vs) + 3;
        if (!(m->headers[m->n_headers] = malloc(n)))
            return SP_ENOMEM;
        snprintf(m->headers[m->n_headers++], n, "%s: %s", ks, vs);
    }
    return SP_OK;
}

static sp_status read_http(const rd *r, yaml_node_t *map, const char *pre, sp_bb_module *m)
{
    char key[256];
    yaml_node_t *k, *v;
    const char *ks, *s;
    bool b;
    sp_status st = want_map(r, map, pre);
    if (st != SP_OK)
        return st;
    EACH_PAIR(r, map, k, v, ks)
    {
        snprintf(key, sizeof key, "%.150s.%.90s", pre, ks ? ks : "?");
        if (!ks)
            return fail(r, k, pre, "keys must be names");
        if (!strcmp(ks, "valid_status_codes")) {
            if (!v || v->type != YAML_SEQUENCE_NODE)
                return fail(r, v, key, "must be a list of status codes");
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                const char *c = scalar(node(r, *it));
                char *end;
                long code = c ? strtol(c, &end, 10) : 0;
                if (!c || *end || code < 100 || code > 599)
                    return fail(r, v, key, "'%s' is not an HTTP status 100-599", c ? c : "?");
                if (m->n_valid_status == SP_PROBE_MAX_STATUS)
                    return fail(r, v, key, "at most %d codes", SP_PROBE_MAX_STATUS);
                m->valid_status[m->n_valid_status++] = (int)code;
            }
        } else if (!strcmp(ks, "method") || !strcmp(ks, "body")) {
            if ((st = want_scalar(r, v, key, &s)) != SP_OK)
                return st;
            char **dst = ks[0] == 'm' ? &m->method : &m->body;
            free(*dst);
            if (!(*dst = strdup(s)))
                return SP_ENOMEM;
        } else if (!strcmp(ks, "headers")) {
            if ((st = read_headers(r, v, key, m)) != SP_OK)
                return st;
        } else if (!strcmp(ks, "fail_if_body_matches_regexp")) {
            if ((st = want_one_regex(r, v, key, &m->must_not_match)) != SP_OK)
                return st;
        } else if (!strcmp(ks, "fail_if_body_not_matches_regexp")) {
            if ((st = want_one_regex(r, v, key, &m->must_match)) != SP_OK)
                return st;
        } else if (!strcmp(ks, "tls_config")) {
            if ((st = read_tls_config(r, v, key, m)) != SP_OK)
                return st;
        } else if (ip_key(ks)) {
            if ((st = read_ip_key(r, ks, v, key, m)) != SP_OK)
                return st;
        } else if (!strcmp(ks, "no_follow_redirects")) {
            if ((st = want_bool(r, v, key, &m->no_follow)) != SP_OK)
                return st;
        } else if (!strcmp(ks, "follow_redirects")) {
            if ((st = want_bool(r, v, key, &b)) != SP_OK)
                return st;
            m->no_follow = !b;
        } else {
            return fail(r, k, key,
                        "not a key slaprobe takes (valid_status_codes, method, headers, body, "
                        "fail_if_body_matches_regexp, fail_if_body_not_matches_regexp, "
                        "tls_config, preferred_ip_protocol, ip_protocol_fallback, "
                        "no_follow_redirects, follow_redirects)");
        }
    }
    return SP_OK;
}

/* tcp:, icmp: and dns: take the address family; dns: also the question. */
static sp_status read_other(const rd *r, yaml_node_t *map, const char *pre, sp_bb_module *m)
{
    char key[256];
    yaml_node_t *k, *v;
    const char *ks, *s;
    sp_status st = want_map(r, map, pre);
    if (st != SP_OK)
        return st;
    EACH_PAIR(r, map, k, v, ks)
    {
        snprintf(key, sizeof key, "%.150s.%.90s", pre, ks ? ks : "?");
        if (!ks)
            return fail(r, k, pre, "keys must be names");
        if (ip_key(ks)) {
            if ((st = read_ip_key(r, ks, v, key, m)) != SP_OK)
                return st;
        } else if (m->prober == SP_BB_DNS && !strcmp(ks, "query_name")) {
            if ((st = want_scalar(r, v, key, &s)) != SP_OK)
                return st;
            free(m->query_name);
            if (!(m->query_name = strdup(s)))
                return SP_ENOMEM;
        } else if (m->prober == SP_BB_DNS && !strcmp(ks, "query_type")) {
            if ((st = want_scalar(r, v, key, &s)) != SP_OK)
                return st;
            if (!sp_dns_type_parse(s, &m->query_type))
                return fail(r, v, key, "'%s' is not A, AAAA, CNAME, MX or TXT", s);
        } else if (m->prober == SP_BB_DNS && !strcmp(ks, "transport_protocol")) {
            if ((st = want_scalar(r, v, key, &s)) != SP_OK)
                return st;
            if (strcmp(s, "udp") != 0)
                return fail(r, v, key, "slaprobe asks over udp (and tcp when truncated) only");
        } else {
            return fail(r, k, key,
                        "not a key slaprobe takes (preferred_ip_protocol, "
                        "ip_protocol_fallback%s)",
                        m->prober == SP_BB_DNS ? ", query_name, query_type, transport_protocol"
                                               : "");
        }
    }
    return SP_OK;
}

static void module_free(sp_bb_module *m)
{
    free(m->name);
    free(m->method);
    free(m->body);
    for (size_t i = 0; i < m->n_headers; i++)
        free(m->headers[i]);
    free(m->headers);
    free(m->must_match);
    free(m->must_not_match);
    free(m->ca_file);
    free(m->query_name);
    memset(m, 0, sizeof *m);
}

/* What the module asks of a probe must be something a probe can do: the
 * request's and the regexes' checks, on a stand-in target. */
static sp_status check_module(const rd *r, const yaml_node_t *at, const char *pre,
                              const sp_bb_module *m)
{
    char e[300], key[256];
    sp_probe_spec s;
    const char *t = m->prober == SP_BB_HTTP   ? "http://127.0.0.1/"
                    : m->prober == SP_BB_TCP  ? "127.0.0.1:1"
                    : m->prober == SP_BB_ICMP ? "127.0.0.1"
                                              : "127.0.0.1:53";
    char *srv = NULL;
    sp_status st = sp_bb_spec(m, t, 1000, &s, &srv, e, sizeof e);
    free(srv);
    sp_probe_spec_free(&s);
    if (st == SP_ENOMEM)
        return st;
    if (st != SP_OK) {
        snprintf(key, sizeof key, "%s", pre);
        return fail(r, at, key, "%s", e);
    }
    return SP_OK;
}

static sp_status read_module(const rd *r, yaml_node_t *name, yaml_node_t *map, sp_bb_module *m)
{
    char pre[200], key[256];
    yaml_node_t *k, *v;
    const char *ks, *s;
    const char *nm = scalar(name);
    if (!nm || !*nm)
        return fail(r, name, "modules", "a module's name must be a word");
    snprintf(pre, sizeof pre, "modules.%s", nm);
    if (!(m->name = strdup(nm)))
        return SP_ENOMEM;
    sp_status st = want_map(r, map, pre);
    if (st != SP_OK)
        return st;
    /* the prober first: which section is allowed depends on it */
    yaml_node_t *prober = NULL;
    EACH_PAIR(r, map, k, v, ks)
    if (ks && !strcmp(ks, "prober"))
        prober = v;
    snprintf(key, sizeof key, "%s.prober", pre);
    if (!prober)
        return fail(r, map, key, "missing (http, tcp, icmp or dns)");
    if ((st = want_scalar(r, prober, key, &s)) != SP_OK)
        return st;
    static const char *const names[] = {"http", "tcp", "icmp", "dns"};
    size_t i = 0;
    while (i < 4 && strcmp(s, names[i]))
        i++;
    if (i == 4)
        return fail(r, prober, key, "'%s' is not a prober slaprobe has (http, tcp, icmp, dns)", s);
    m->prober = (sp_bb_prober)i;
    EACH_PAIR(r, map, k, v, ks)
    {
        snprintf(key, sizeof key, "%.150s.%.90s", pre, ks ? ks : "?");
        if (!ks)
            return fail(r, k, pre, "keys must be names");
        if (!strcmp(ks, "prober"))
            continue;
        if (!strcmp(ks, "timeout")) {
            if ((st = want_duration(r, v, key, &m->timeout_ms)) != SP_OK)
                return st;
        } else if (!strcmp(ks, names[m->prober])) {
            st = m->prober == SP_BB_HTTP ? read_http(r, v, key, m) : read_other(r, v, key, m);
            if (st != SP_OK)
                return st;
        } else if (!strcmp(ks, "http") || !strcmp(ks, "tcp") || !strcmp(ks, "icmp") ||
                   !strcmp(ks, "dns")) {
            return fail(r, k, key, "is for the %s prober, this module's is %s", ks,
                        names[m->prober]);
        } else {
            return fail(r, k, key, "not a key slaprobe takes (prober, timeout, %s)",
                        names[m->prober]);
        }
    }
    if (m->prober == SP_BB_DNS && !m->query_name) {
        snprintf(key, sizeof key, "%s.dns.query_name", pre);
        return fail(r, map, key, "missing: the name to ask the target server about");
    }
    return check_module(r, name, pre, m);
}

sp_status sp_bb_modules_load(const char *path, sp_bb_modules **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return SP_EIO;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return SP_ENOMEM;
    }
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%lu: not YAML: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "parse error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return SP_EINVAL;
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    rd r = {.path = path, .doc = &doc, .err = err, .errlen = errlen};
    sp_bb_modules *ms = calloc(1, sizeof *ms);
    sp_status st = ms ? SP_OK : SP_ENOMEM;
    yaml_node_t *root = yaml_document_get_root_node(&doc), *k, *v, *mods = NULL;
    const char *ks;
    if (st == SP_OK && (!root || root->type != YAML_MAPPING_NODE))
        st = fail(&r, root, "modules", "the file must be a mapping with a modules: key");
    if (st == SP_OK) {
        EACH_PAIR(&r, root, k, v, ks)
        {
            if (ks && !strcmp(ks, "modules"))
                mods = v;
            else if (st == SP_OK)
                st = fail(&r, k, ks ? ks : "?", "not a key of a modules file (modules)");
        }
    }
    if (st == SP_OK && !mods)
        st = fail(&r, root, "modules", "missing");
    if (st == SP_OK)
        st = want_map(&r, mods, "modules");
    if (st == SP_OK) {
        EACH_PAIR(&r, mods, k, v, ks)
        {
            if ((st = sp_grow((void **)&ms->v, &ms->cap, ms->n + 1, sizeof *ms->v)) != SP_OK)
                break;
            memset(&ms->v[ms->n], 0, sizeof ms->v[ms->n]);
            st = read_module(&r, k, v, &ms->v[ms->n]);
            ms->n++; /* freed with the set, also half read */
            if (st == SP_OK && sp_bb_module_find(ms, ms->v[ms->n - 1].name) != &ms->v[ms->n - 1])
                st = fail(&r, k, "modules", "'%s' is defined twice", ms->v[ms->n - 1].name);
            if (st != SP_OK)
                break;
        }
    }
    yaml_document_delete(&doc);
    if (st != SP_OK) {
        if (st == SP_ENOMEM)
            snprintf(err, errlen, "%s: out of memory", path);
        sp_bb_modules_destroy(ms);
        return st;
    }
    *out = ms;
    return SP_OK;
}

sp_status sp_bb_modules_default(sp_bb_modules **out)
{
    sp_bb_modules *ms = calloc(1, sizeof *ms);
    if (!ms || !(ms->v = calloc(4, sizeof *ms->v))) {
        free(ms);
        return SP_ENOMEM;
    }
    ms->n = ms->cap = 4;
    static const struct {
        const char *name;
        sp_bb_prober prober;
        const char *method;
    } defs[] = {{"http_2xx", SP_BB_HTTP, NULL},
                {"http_post_2xx", SP_BB_HTTP, "POST"},
                {"tcp_connect", SP_BB_TCP, NULL},
                {"icmp", SP_BB_ICMP, NULL}};
    for (size_t i = 0; i < 4; i++) {
        ms->v[i].name = strdup(defs[i].name);
        ms->v[i].prober = defs[i].prober;
        ms->v[i].method = defs[i].method ? strdup(defs[i].method) : NULL;
        if (!ms->v[i].name || (defs[i].method && !ms->v[i].method)) {
            sp_bb_modules_destroy(ms);
            return SP_ENOMEM;
        }
    }
    *out = ms;
    return SP_OK;
}

const sp_bb_module *sp_bb_module_find(const sp_bb_modules *m, const char *name)
{
    for (size_t i = 0; m && name && i < m->n; i++)
        if (m->v[i].name && strcmp(m->v[i].name, name) == 0)
            return &m->v[i];
    return NULL;
}

size_t sp_bb_modules_count(const sp_bb_modules *m)
{
    return m ? m->n : 0;
}

const sp_bb_module *sp_bb_module_at(const sp_bb_modules *m, size_t i)
{
    return m && i < m->n ? &m->v[i] : NULL;
}

void sp_bb_modules_destroy(sp_bb_modules *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        module_free(&m->v[i]);
    free(m->v);
    free(m);
}

/* --- A module and a target make a spec ------------------------------------ */

static char *dupn(const char *s)
{
    return s ? strdup(s) : NULL;
}

sp_status sp_bb_spec(const sp_bb_module *mod, const char *target, unsigned timeout_ms,
                     sp_probe_spec *spec, char **dns_server, char *err, size_t errlen)
{
    char buf[2100];
    sp_probe_spec_init(spec);
    *dns_server = NULL;
    if (!target || !*target || strlen(target) > 2000) {
        snprintf(err, errlen, "a target of 1 to 2000 bytes is needed");
        return SP_EINVAL;
    }
    bool v6_literal = strchr(target, ':') && !strchr(target, '.') && !strchr(target, '[') &&
                      !strstr(target, "://");
    switch (mod->prober) {
    case SP_BB_HTTP: /* blackbox prefixes a bare target with http:// */
        snprintf(buf, sizeof buf, "%s%s", strstr(target, "://") ? "" : "http://", target);
        break;
    case SP_BB_TCP:
        snprintf(buf, sizeof buf, "tcp://%s", target);
        break;
    case SP_BB_ICMP:
        snprintf(buf, sizeof buf, v6_literal ? "icmp://[%s]" : "icmp://%s", target);
        break;
    case SP_BB_DNS: {
        /* the target is the server asked; the question is the module's */
        sp_probe_spec srv;
        sp_probe_spec_init(&srv);
        size_t tl = strlen(target);
        if (v6_literal) /* "::1": the address alone */
            snprintf(buf, sizeof buf, "tcp://[%s]:53", target);
        else if (strchr(target, ':') && target[tl - 1] != ']') /* "a:5353", "[::1]:5353" */
            snprintf(buf, sizeof buf, "tcp://%s", target);
        else
            snprintf(buf, sizeof buf, "tcp://%s:53", target);
        sp_status st = sp_probe_spec_set_target(&srv, buf, err, errlen);
        unsigned char a[16];
        if (st == SP_OK && inet_pton(AF_INET, srv.host, a) != 1 &&
            inet_pton(AF_INET6, srv.host, a) != 1) {
            snprintf(err, errlen, "a dns target is the server's address (an IP, not '%s')",
                     srv.host);
            st = SP_EINVAL;
        }
        if (st == SP_OK) {
            bool six = strchr(srv.host, ':') != NULL;
            char addr[300];
            snprintf(addr, sizeof addr, six ? "[%s]:%u" : "%s:%u", srv.host, srv.port);
            if (!(*dns_server = strdup(addr)))
                st = SP_ENOMEM;
        }
        sp_probe_spec_free(&srv);
        if (st != SP_OK)
            return st == SP_EPARSE ? SP_EINVAL : st;
        snprintf(buf, sizeof buf, "dns://%s?type=%s", mod->query_name ? mod->query_name : "",
                 sp_dns_type_name(mod->query_type));
        break;
    }
    }
    sp_status st = sp_probe_spec_set_target(spec, buf, err, errlen);
    if (st != SP_OK)
        return st == SP_EPARSE ? SP_EINVAL : st;
    if (mod->prober == SP_BB_HTTP && spec->kind != SP_PROBE_HTTP && spec->kind != SP_PROBE_HTTPS) {
        snprintf(err, errlen, "'%s' is not an http:// or https:// URL", target);
        return SP_EINVAL;
    }
    unsigned t = timeout_ms ? timeout_ms : 10000;
    if (mod->timeout_ms && mod->timeout_ms < t)
        t = mod->timeout_ms;
    spec->timeout_ms = t;
    spec->ip = mod->ip;
    if (mod->prober == SP_BB_HTTP) {
        memcpy(spec->expect_status, mod->valid_status, sizeof spec->expect_status);
        spec->n_expect_status = mod->n_valid_status;
        spec->only_2xx = true; /* blackbox: any 2xx, a final 3xx is not */
        if ((mod->method && !(spec->method = strdup(mod->method))) ||
            (mod->body && !(spec->body = strdup(mod->body))))
            return SP_ENOMEM;
        if (mod->n_headers) {
            if (!(spec->headers = calloc(mod->n_headers, sizeof *spec->headers)))
                return SP_ENOMEM;
            for (size_t i = 0; i < mod->n_headers; i++)
                if (!(spec->headers[spec->n_headers++] = strdup(mod->headers[i])))
                    return SP_ENOMEM;
        }
        spec->expect_regex = dupn(mod->must_match);
        spec->reject_regex = dupn(mod->must_not_match);
        spec->ca_file = dupn(mod->ca_file);
        if ((mod->must_match && !spec->expect_regex) ||
            (mod->must_not_match && !spec->reject_regex) || (mod->ca_file && !spec->ca_file))
            return SP_ENOMEM;
        spec->insecure = mod->insecure;
        if (mod->no_follow)
            spec->max_redirects = 0;
    }
    return sp_probe_spec_finish(spec, err, errlen);
}
