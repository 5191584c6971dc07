/*
 * From what the file says (raw_cfg, filled by libcyaml) to the effective
 * configuration (sp_cfg): every default applied (built-in, then
 * `defaults:`, then the target's own), every duration in milliseconds,
 * secrets read, every target's probe spec built and compiled, the
 * guideline's pattern table with the file's overrides.
 *
 * Values are checked (check.c) as they are resolved, in file order, so
 * that the first mistake in the file is the one reported.
 */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blackbox/blackbox.h"
#include "calendar/calendar.h"
#include "evidence/evidence.h"
#include "replicator/repl.h"
#include "common/sp_value.h"

/* --- Timing: the keys a target and `defaults:` share -------------------- */

typedef struct timing {
    int64_t interval, timeout, retry;
    int64_t slow;
    int confirm;
    int cert_warn_days;
} timing;

/* What a target gets when neither it nor `defaults:` says (SPEC section 5). */
static const timing builtin_timing = {SP_CFG_DEFAULT_INTERVAL_MS, SP_CFG_DEFAULT_TIMEOUT_MS,
                                      SP_CFG_DEFAULT_RETRY_MS,    SP_CFG_DEFAULT_SLOW_MS,
                                      SP_CFG_DEFAULT_CONFIRM,     SP_CFG_DEFAULT_CERT_WARN_DAYS};

/* r's values under prefix ("defaults", "targets[3]"), def's where r has
 * none. The timeout-within-interval and confirm checks are a target's
 * (is_target): `defaults:` may set a timeout only some targets' intervals
 * fit, and each target is checked with the values it ends up with. */
static sp_status resolve_timing(sp_cfg_loader *ld, const char *prefix, const raw_timing *r,
                                const timing *def, bool is_target, timing *out)
{
    char key[128];
    sp_status st;
#define KEY(k) (snprintf(key, sizeof key, "%s.%s", prefix, k), key)
    if ((st = sp_cfg_duration(ld, KEY("interval"), r->interval, def->interval, 1000,
                              &out->interval)) ||
        (st = sp_cfg_duration(ld, KEY("timeout"), r->timeout, def->timeout, 1, &out->timeout)) ||
        (st = sp_cfg_duration(ld, KEY("retry_interval"), r->retry_interval, def->retry, 1000,
                              &out->retry)))
        return st;
    if (is_target && out->timeout > out->interval)
        return sp_cfg_fail(ld, KEY("timeout"),
                           "timeout (%lld ms) is longer than the interval (%lld ms)",
                           (long long)out->timeout, (long long)out->interval);
    out->slow = def->slow;
    if (r->slow_ms) {
        char *end;
        long v = strtol(r->slow_ms, &end, 10);
        if (*end || v < 0)
            return sp_cfg_fail(ld, KEY("slow_ms"), "'%s' is not a whole number of milliseconds",
                               r->slow_ms);
        out->slow = v;
    }
    out->confirm = r->confirm ? *r->confirm : def->confirm;
    out->cert_warn_days = r->cert_warn_days ? *r->cert_warn_days : def->cert_warn_days;
    if ((st = sp_cfg_range(ld, KEY("cert_warn_days"), out->cert_warn_days, 0, 3650, " days")))
        return st;
    if (is_target && (st = sp_cfg_range(ld, KEY("confirm"), out->confirm, 1, 100, "")))
        return st;
#undef KEY
    return SP_OK;
}

/* What every target starts from: the timing and tls_interval of
 * `defaults:` over the built-in ones, and the effective pattern table. */
typedef struct defaults {
    timing timing;
    int64_t tls_interval;
    const sp_pattern *patterns;
} defaults;

/* --- Targets ------------------------------------------------------------ */

/* Read a secret reference: env:NAME or file:/path. */
static sp_status read_secret(sp_cfg_loader *ld, const char *key, const char *ref, char **out)
{
    if (strncmp(ref, "env:", 4) == 0) {
        const char *v = getenv(ref + 4);
        if (!v || !*v)
            return sp_cfg_fail(ld, key, "environment variable %s is not set", ref + 4);
        *out = strdup(v);
    } else if (strncmp(ref, "file:", 5) == 0) {
        FILE *fp = fopen(ref + 5, "re");
        if (!fp)
            return sp_cfg_fail(ld, key, "cannot read %s: %s", ref + 5, strerror(errno));
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (!n)
            return sp_cfg_fail(ld, key, "%s is empty", ref + 5);
        *out = strdup(buf);
    } else {
        return sp_cfg_fail(ld, key,
                           "secrets are referenced as env:NAME or file:/path, not written inline");
    }
    return *out ? SP_OK : SP_ENOMEM;
}

/* A TLS client certificate or key: a file:/path reference, like a secret,
 * but only the path is kept: OpenSSL reads the file at each probe, and the
 * key's bytes never pass through slaprobe's own memory, logs or output. */
static sp_status file_ref(sp_cfg_loader *ld, const char *key, const char *ref, char **out)
{
    if (strncmp(ref, "file:", 5) != 0 || !ref[5])
        return sp_cfg_fail(ld, key, "is referenced as file:/path, not written inline");
    if (access(ref + 5, R_OK) != 0)
        return sp_cfg_fail(ld, key, "cannot read %s: %s", ref + 5, strerror(errno));
    *out = strdup(ref + 5);
    return *out ? SP_OK : SP_ENOMEM;
}

/* The posture check of an https target: the same URL (its path is asked
 * for HSTS), trust store, address family and timeout, as a tls probe. */
static sp_status build_tls_spec(const sp_probe_spec *s, sp_probe_spec *ts, char *err, size_t errlen)
{
    sp_status st;
    sp_probe_spec_init(ts);
    if ((st = sp_probe_spec_set_target(ts, s->target, err, errlen)) != SP_OK ||
        (st = sp_probe_spec_set_tls(ts, err, errlen)) != SP_OK)
        return st;
    ts->timeout_ms = s->timeout_ms;
    ts->ip = s->ip;
    ts->insecure = s->insecure;
    ts->tls_cn_fallback = s->tls_cn_fallback;
    if (s->ca_file && !(ts->ca_file = strdup(s->ca_file)))
        return SP_ENOMEM;
    if (s->client_cert &&
        (!(ts->client_cert = strdup(s->client_cert)) || !(ts->client_key = strdup(s->client_key))))
        return SP_ENOMEM;
    return sp_probe_spec_finish(ts, err, errlen);
}

/* A copy of a list of strings, NULL-terminated (exec's argv needs it). */
static char **dup_list(char *const *v, unsigned n)
{
    char **out = calloc(n + 1, sizeof *out); /* NULL-terminated (argv) */
    for (unsigned k = 0; out && k < n; k++)
        if (!(out[k] = strdup(v[k])))
            return out; /* freed by the caller's destroy; reported as ENOMEM there */
    return out;
}

static sp_status resolve_target(sp_cfg_loader *ld, const raw_target *rt, size_t i,
                                const defaults *d, sp_cfg_target *t)
{
    char key[128], err[256];
    sp_status st;
#define KEY(k) (snprintf(key, sizeof key, "targets[%zu].%s", i, k), key)
    if (!sp_cfg_valid_id(rt->id))
        return sp_cfg_fail(ld, KEY("id"), "'%s' must be made of a-z, 0-9, '_' and '-'", rt->id);
    t->id = strdup(rt->id);
    t->name = strdup(rt->name ? rt->name : rt->id);
    if (rt->group) {
        /* a heading people read: one line, short enough for a phone */
        size_t gl = strlen(rt->group);
        if (gl == 0 || gl > 64)
            return sp_cfg_fail(ld, KEY("group"), "must be 1 to 64 bytes long");
        for (size_t k = 0; k < gl; k++)
            if ((unsigned char)rt->group[k] < 0x20 || rt->group[k] == 0x7f)
                return sp_cfg_fail(ld, KEY("group"), "must not contain control characters");
        t->group = strdup(rt->group);
    }
    sp_probe_spec *s = &t->spec;
    sp_probe_spec_init(s);
    if (sp_probe_spec_set_target(s, rt->url, err, sizeof err) != SP_OK)
        return sp_cfg_fail(ld, KEY("url"), "%s", err);
    char prefix[48];
    snprintf(prefix, sizeof prefix, "targets[%zu]", i);
    timing tm;
    if ((st = resolve_timing(ld, prefix, &rt->timing, &d->timing, true, &tm)) != SP_OK)
        return st;
    t->interval_ms = tm.interval;
    t->retry_ms = tm.retry;
    s->timeout_ms = (unsigned)tm.timeout;
    t->slow_ms = (double)tm.slow;
    t->cert_warn_days = tm.cert_warn_days;
    t->confirm = tm.confirm;

    for (unsigned k = 0; k < rt->expect_status_count; k++)
        s->expect_status[s->n_expect_status++] = rt->expect_status[k];
    if ((st = sp_cfg_nonempty(ld, KEY("ca_file"), rt->ca_file)) != SP_OK)
        return st;
    if (rt->ca_file)
        s->ca_file = strdup(rt->ca_file);
    if (rt->expect_body)
        s->expect_body = strdup(rt->expect_body);
    if (rt->expect_regex)
        s->expect_regex = strdup(rt->expect_regex);
    if (rt->expect_header)
        s->expect_header = strdup(rt->expect_header);
    if (rt->reject_regex)
        s->reject_regex = strdup(rt->reject_regex);
    if (rt->method)
        s->method = strdup(rt->method);
    if (rt->body)
        s->body = strdup(rt->body);
    if (rt->headers_count) {
        if (!(s->headers = dup_list(rt->headers, rt->headers_count)))
            return SP_ENOMEM;
        s->n_headers = rt->headers_count;
    }
    if (rt->max_body) {
        char *end;
        long long v = strtoll(rt->max_body, &end, 10);
        if (*end || v < 1)
            return sp_cfg_fail(ld, KEY("max_body"), "'%s' is not a positive byte count",
                               rt->max_body);
        s->max_body = (size_t)v;
    }
    if (rt->max_redirects)
        s->max_redirects = *rt->max_redirects;
    if (rt->insecure &&
        (st = sp_cfg_flag(ld, KEY("insecure"), rt->insecure, &s->insecure)) != SP_OK)
        return st;
    if (rt->tls_cn_fallback && (st = sp_cfg_flag(ld, KEY("tls_cn_fallback"), rt->tls_cn_fallback,
                                                 &s->tls_cn_fallback)) != SP_OK)
        return st;
    if (!rt->client_cert != !rt->client_key)
        return sp_cfg_fail(ld, KEY(rt->client_cert ? "client_cert" : "client_key"),
                           "client_cert and client_key go together: give both or neither");
    if (rt->client_cert) {
        if ((st = file_ref(ld, KEY("client_cert"), rt->client_cert, &s->client_cert)) != SP_OK ||
            (st = file_ref(ld, KEY("client_key"), rt->client_key, &s->client_key)) != SP_OK)
            return st;
    }
    if (rt->ip) {
        static const char *const names[] = {"prefer_ipv4", "prefer_ipv6", "ipv4", "ipv6"};
        size_t k = sp_cfg_word(rt->ip, names, 4);
        if (k == 4)
            return sp_cfg_fail(ld, KEY("ip"), "'%s' is not prefer_ipv4, prefer_ipv6, ipv4 or ipv6",
                               rt->ip);
        s->ip = (sp_ip_pref)k;
    }
    if (rt->dns_type || rt->dns_expect) {
        if (s->kind != SP_PROBE_DNS)
            return sp_cfg_fail(ld, KEY(rt->dns_type ? "dns_type" : "dns_expect"),
                               "only for dns:// targets");
        if (rt->dns_type && !sp_dns_type_parse(rt->dns_type, &s->dns_type))
            return sp_cfg_fail(ld, KEY("dns_type"), "'%s' is not A, AAAA, CNAME, MX or TXT",
                               rt->dns_type);
        if (rt->dns_expect) {
            free(s->dns_expect);
            s->dns_expect = strdup(rt->dns_expect);
        }
    }
    if (rt->auth) {
        char *secret = NULL;
        if ((st = read_secret(ld, KEY("auth.value"), rt->auth->value, &secret)) != SP_OK)
            return st;
        size_t n = strlen(rt->auth->header) + strlen(secret) + 3;
        s->auth_header = malloc(n);
        if (s->auth_header)
            snprintf(s->auth_header, n, "%s: %s", rt->auth->header, secret);
        free(secret);
        t->auth_ref = strdup(rt->auth->value);
    }
    const char *bad = NULL;
    if (!sp_probe_spec_check_request(s, &bad, err, sizeof err))
        return sp_cfg_fail(ld, KEY(bad), "%s", err);
    if (sp_probe_spec_finish(s, err, sizeof err) != SP_OK)
        return sp_cfg_fail(
            ld, KEY(s->reject_regex && strstr(err, "reject regex") ? "reject_regex" : "url"), "%s",
            err);
    if (rt->timing.tls_interval && s->kind != SP_PROBE_HTTPS)
        return sp_cfg_fail(ld, KEY("tls_interval"), "only for https:// targets");
    if (s->kind == SP_PROBE_HTTPS) {
        if ((st = sp_cfg_tls_duration(ld, KEY("tls_interval"), rt->timing.tls_interval,
                                      d->tls_interval, &t->tls_interval_ms)) != SP_OK)
            return st;
        if (t->tls_interval_ms > 0 && build_tls_spec(s, &t->tls_spec, err, sizeof err) != SP_OK)
            return sp_cfg_fail(ld, KEY("url"), "%s", err);
        if (t->tls_interval_ms > 0 && (int64_t)s->timeout_ms > t->tls_interval_ms)
            return sp_cfg_fail(ld, KEY("tls_interval"), "shorter than the timeout (%u ms)",
                               s->timeout_ms);
    }

    if (rt->pattern && rt->sla_target)
        return sp_cfg_fail(ld, KEY("sla_target"), "give either pattern or sla_target, not both");
    if (rt->pattern) {
        if (*rt->pattern < 1 || *rt->pattern > 6)
            return sp_cfg_fail(ld, KEY("pattern"), "%d is not a pattern of the guideline (1-6)",
                               *rt->pattern);
        t->pattern = *rt->pattern;
        t->sla_target = d->patterns[t->pattern - 1].availability_pct;
    } else if (rt->sla_target) {
        if ((st = sp_cfg_percent(ld, KEY("sla_target"), *rt->sla_target, "a")) != SP_OK)
            return st;
        t->sla_target = *rt->sla_target;
    } else {
        return sp_cfg_fail(ld, KEY("id"), "target '%s' needs a pattern (1-6) or an sla_target",
                           rt->id);
    }
    if (rt->service_hours)
        t->service_hours = strdup(rt->service_hours);
    if (rt->holidays_count) {
        t->holidays = calloc(rt->holidays_count, sizeof *t->holidays);
        if (!t->holidays)
            return SP_ENOMEM;
    }
    for (unsigned k = 0; k < rt->holidays_count; k++) {
        char hk[160];
        snprintf(hk, sizeof hk, "targets[%zu].holidays[%u]", i, k);
        if (!sp_cfg_valid_date(rt->holidays[k]))
            return sp_cfg_fail(ld, hk, "'%s' is not a date YYYY-MM-DD", rt->holidays[k]);
        t->holidays[t->n_holidays++] = strdup(rt->holidays[k]);
    }
    {
        /* Checked now, so a typo fails config-check instead of the month's report. */
        sp_cal_hours *h = NULL;
        if (sp_cal_hours_parse(t->service_hours, (const char *const *)t->holidays, t->n_holidays,
                               &h, err, sizeof err) != SP_OK)
            return sp_cfg_fail(ld, KEY(t->service_hours ? "service_hours" : "holidays"), "%s", err);
        sp_cal_hours_destroy(h);
    }
    if (rt->credits_count) {
        t->credits = calloc(rt->credits_count, sizeof *t->credits);
        if (!t->credits)
            return SP_ENOMEM;
    }
    for (unsigned k = 0; k < rt->credits_count; k++) {
        char ck[160];
        const raw_tier *rk = &rt->credits[k];
        snprintf(ck, sizeof ck, "targets[%zu].credits[%u].below", i, k);
        if ((st = sp_cfg_percent(ld, ck, rk->below, "an availability")) != SP_OK)
            return st;
        snprintf(ck, sizeof ck, "targets[%zu].credits[%u].credit", i, k);
        if ((st = sp_cfg_percent(ld, ck, rk->credit, "a credit")) != SP_OK)
            return st;
        t->credits[t->n_credits++] = (sp_sla_tier){rk->below, rk->credit};
    }
    if (rt->maintenance_count) {
        t->maintenance = calloc(rt->maintenance_count, sizeof *t->maintenance);
        if (!t->maintenance)
            return SP_ENOMEM;
    }
    for (unsigned k = 0; k < rt->maintenance_count; k++) {
        const raw_window *w = &rt->maintenance[k];
        sp_cfg_window *o = &t->maintenance[t->n_maintenance++];
        char mk[160];
        snprintf(mk, sizeof mk, "targets[%zu].maintenance[%u].start", i, k);
        if (!sp_value_timestamp_ms(w->start, &o->start_ms))
            return sp_cfg_fail(ld, mk, "'%s' is not an ISO-8601 time with offset", w->start);
        snprintf(mk, sizeof mk, "targets[%zu].maintenance[%u].end", i, k);
        if (!sp_value_timestamp_ms(w->end, &o->end_ms))
            return sp_cfg_fail(ld, mk, "'%s' is not an ISO-8601 time with offset", w->end);
        if (o->end_ms <= o->start_ms)
            return sp_cfg_fail(ld, mk, "the window ends before it starts");
        o->reason = strdup(w->reason ? w->reason : "");
    }
#undef KEY
    return SP_OK;
}

/* --- Alerts ------------------------------------------------------------- */

static sp_status resolve_alert(sp_cfg_loader *ld, const raw_alert *ra, unsigned i, const sp_cfg *c,
                               sp_cfg_alert *a)
{
    char key[128];
    sp_status st;
#define KEY(k) (snprintf(key, sizeof key, "alerts[%u].%s", i, k), key)
    const char *const *types = sp_cfg_alert_type_names;
    size_t ty = sp_cfg_word(ra->type, types, SP_CFG_ALERT_TYPES);
    if (ty == SP_CFG_ALERT_TYPES)
        return sp_cfg_fail(ld, KEY("type"), "'%s' is not webhook, smtp or exec", ra->type);
    a->type = (sp_cfg_alert_type)ty;
    if (ra->name) {
        a->name = strdup(ra->name);
    } else {
        char nm[32];
        snprintf(nm, sizeof nm, "alerts[%u]", i);
        a->name = strdup(nm);
    }
    /* Keys of one type are refused on another, so a misplaced key is not
     * silently ignored. */
    const struct {
        bool given;
        const char *key;
        unsigned types; /* bit per type allowed */
    } only[] = {
        {ra->url != NULL, "url", 3},
        {ra->auth != NULL, "auth", 1},
        {ra->ca_file != NULL, "ca_file", 3},
        {ra->insecure != NULL, "insecure", 3},
        {ra->starttls != NULL, "starttls", 2},
        {ra->from != NULL, "from", 2},
        {ra->to != NULL, "to", 2},
        {ra->username != NULL, "username", 2},
        {ra->password != NULL, "password", 2},
        {ra->lang != NULL, "lang", 3},
        {ra->format != NULL, "format", 1},
        {ra->argv != NULL, "argv", 4},
        {ra->pass_env != NULL, "pass_env", 4},
    };
    for (size_t k = 0; k < sizeof only / sizeof only[0]; k++)
        if (only[k].given && !(only[k].types & (1u << ty)))
            return sp_cfg_fail(ld, KEY(only[k].key), "not a key of %s alerts", types[ty]);
    if ((st = sp_cfg_duration(ld, KEY("timeout"), ra->timeout, SP_CFG_DEFAULT_ALERT_TIMEOUT_MS, 100,
                              &a->timeout_ms)) ||
        (st = sp_cfg_duration(ld, KEY("retry_backoff"), ra->retry_backoff,
                              SP_CFG_DEFAULT_ALERT_BACKOFF_MS, 100, &a->backoff_ms)) ||
        (st = sp_cfg_duration(ld, KEY("retry_backoff_max"), ra->retry_backoff_max,
                              a->backoff_ms > SP_CFG_DEFAULT_ALERT_BACKOFF_MAX_MS
                                  ? a->backoff_ms
                                  : SP_CFG_DEFAULT_ALERT_BACKOFF_MAX_MS,
                              100, &a->backoff_max_ms)))
        return st;
    if (a->backoff_max_ms < a->backoff_ms)
        return sp_cfg_fail(ld, KEY("retry_backoff_max"), "shorter than retry_backoff");
    a->retries = ra->retries ? *ra->retries : SP_CFG_DEFAULT_ALERT_RETRIES;
    if ((st = sp_cfg_range(ld, KEY("retries"), a->retries, 0, 20, "")) != SP_OK)
        return st;
    if (ra->insecure &&
        (st = sp_cfg_flag(ld, KEY("insecure"), ra->insecure, &a->insecure)) != SP_OK)
        return st;
    if ((st = sp_cfg_nonempty(ld, KEY("ca_file"), ra->ca_file)) != SP_OK)
        return st;
    if (ra->ca_file)
        a->ca_file = strdup(ra->ca_file);
    if (a->type != SP_CFG_ALERT_EXEC) {
        const char *want = a->type == SP_CFG_ALERT_WEBHOOK ? "http:// or https://"
                                                           : "smtp:// or smtps://";
        const char *u = ra->url;
        if (!u)
            return sp_cfg_fail(ld, KEY("type"), "a %s alert needs a url", types[ty]);
        /* A chat service's incoming webhook URL is its secret (whoever has
         * it can post): by reference, like every secret, and never shown. */
        char *secret = NULL;
        if (a->type == SP_CFG_ALERT_WEBHOOK &&
            (strncmp(u, "env:", 4) == 0 || strncmp(u, "file:", 5) == 0)) {
            if ((st = read_secret(ld, KEY("url"), u, &secret)) != SP_OK)
                return st;
            a->url_ref = strdup(u);
            u = secret;
        }
        bool ok = a->type == SP_CFG_ALERT_WEBHOOK
                      ? (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
                      : (strncmp(u, "smtp://", 7) == 0 || strncmp(u, "smtps://", 8) == 0);
        const char *host = strstr(u, "://");
        if (!ok || !host || !host[3] || host[3] == '/' || strpbrk(u, " \t\r\n")) {
            free(secret);
            return a->url_ref ? sp_cfg_fail(ld, KEY("url"), "what %s holds is not a %s URL",
                                            a->url_ref, want)
                              : sp_cfg_fail(ld, KEY("url"), "'%s' is not a %s URL", u, want);
        }
        a->url = secret ? secret : strdup(u);
    }
    if (ra->auth) {
        if ((st = read_secret(ld, KEY("auth.value"), ra->auth->value, &a->password)) != SP_OK)
            return st;
        size_t n = strlen(ra->auth->header) + strlen(a->password) + 3;
        if (strpbrk(ra->auth->header, ": \r\n"))
            return sp_cfg_fail(ld, KEY("auth.header"), "'%s' is not a header name",
                               ra->auth->header);
        if ((a->auth_header = malloc(n)))
            snprintf(a->auth_header, n, "%s: %s", ra->auth->header, a->password);
        free(a->password);
        a->password = NULL;
        a->auth_ref = strdup(ra->auth->value);
    }
    if (a->type == SP_CFG_ALERT_SMTP) {
        if (!ra->from || !strchr(ra->from, '@') || strpbrk(ra->from, "<>\r\n"))
            return sp_cfg_fail(ld, KEY("from"),
                               ra->from ? "'%s' is not a mail address"
                                        : "an smtp alert needs from: (a mail address)",
                               ra->from);
        a->from = strdup(ra->from);
        if (!ra->to_count)
            return sp_cfg_fail(ld, KEY("type"), "an smtp alert needs to: (a list of addresses)");
        for (unsigned k = 0; k < ra->to_count; k++) {
            char tk[48];
            snprintf(tk, sizeof tk, "to[%u]", k);
            if (!strchr(ra->to[k], '@') || strpbrk(ra->to[k], "<>,\r\n"))
                return sp_cfg_fail(ld, KEY(tk), "'%s' is not a mail address", ra->to[k]);
        }
        a->to = dup_list(ra->to, ra->to_count);
        a->n_to = ra->to_count;
        a->starttls = true;
        if (ra->starttls &&
            (st = sp_cfg_flag(ld, KEY("starttls"), ra->starttls, &a->starttls)) != SP_OK)
            return st;
        if (a->starttls && strncmp(a->url, "smtps://", 8) == 0)
            return sp_cfg_fail(ld, KEY("starttls"),
                               "smtps:// is TLS from the start; starttls is for smtp://");
        if (ra->password && !ra->username)
            return sp_cfg_fail(ld, KEY("password"), "a password needs a username");
        if (ra->username)
            a->username = strdup(ra->username);
        if (ra->password) {
            if ((st = read_secret(ld, KEY("password"), ra->password, &a->password)) != SP_OK)
                return st;
            a->password_ref = strdup(ra->password);
        }
    }
    if (a->type != SP_CFG_ALERT_EXEC) { /* the words of a mail or a chat message */
        if (ra->lang && strcmp(ra->lang, "en") && strcmp(ra->lang, "ja"))
            return sp_cfg_fail(ld, KEY("lang"), "'%s' is not en or ja", ra->lang);
        a->lang = strdup(ra->lang ? ra->lang : "en");
    }
    if (ra->format) {
        size_t f = 0;
        while (f < SP_CFG_FORMATS && strcmp(ra->format, sp_cfg_alert_format_names[f]))
            f++;
        if (f == SP_CFG_FORMATS)
            return sp_cfg_fail(ld, KEY("format"), "'%s' is not generic, slack, teams or discord",
                               ra->format);
        a->format = (sp_cfg_alert_format)f;
    }
    if (a->type == SP_CFG_ALERT_EXEC) {
        if (!ra->argv_count)
            return sp_cfg_fail(ld, KEY("type"), "an exec alert needs argv: [program, args...]");
        if (!ra->argv[0][0])
            return sp_cfg_fail(ld, KEY("argv[0]"), "the program is empty");
        a->argv = dup_list(ra->argv, ra->argv_count);
        a->n_argv = ra->argv_count;
        /* Names of the daemon's environment the program also gets (it
         * gets PATH, LANG, TZ and the event's SLAPROBE_* anyway; nothing
         * else, so a secret reaches it only when named here). */
        for (unsigned k = 0; k < ra->pass_env_count; k++) {
            char pk[48];
            const char *nm = ra->pass_env[k];
            snprintf(pk, sizeof pk, "pass_env[%u]", k);
            bool ok = *nm && !isdigit((unsigned char)*nm);
            for (const char *q = nm; ok && *q; q++)
                ok = isalnum((unsigned char)*q) || *q == '_';
            if (!ok)
                return sp_cfg_fail(ld, KEY(pk), "'%s' is not an environment variable name", nm);
            if (strncmp(nm, "SLAPROBE_", 9) == 0)
                return sp_cfg_fail(ld, KEY(pk),
                                   "SLAPROBE_* variables are the event's, set by slaprobe");
        }
        a->pass_env = dup_list(ra->pass_env, ra->pass_env_count);
        a->n_pass_env = ra->pass_env_count;
    }
    if ((st = sp_cfg_check_target_ids(ld, c, KEY("targets"), ra->targets, ra->targets_count)))
        return st;
    if (ra->targets_count) {
        a->targets = dup_list(ra->targets, ra->targets_count);
        a->n_targets = ra->targets_count;
    }
    a->events = ra->events_count ? 0 : SP_CFG_ALERT_ON_ALL;
    for (unsigned k = 0; k < ra->events_count; k++) {
        size_t e = sp_cfg_word(ra->events[k], sp_cfg_alert_event_names, SP_CFG_ALERT_EVENTS);
        char ek[48];
        snprintf(ek, sizeof ek, "events[%u]", k);
        if (e == SP_CFG_ALERT_EVENTS)
            return sp_cfg_fail(ld, KEY(ek), "'%s' is not down, up, cert_expiring or tls_grade_drop",
                               ra->events[k]);
        a->events |= 1u << e;
    }
#undef KEY
    if (!a->name || (ra->to_count && !a->to) || (ra->argv_count && !a->argv) ||
        (a->type == SP_CFG_ALERT_EXEC && !a->pass_env) || (ra->targets_count && !a->targets) ||
        (a->type != SP_CFG_ALERT_EXEC && !a->url))
        return SP_ENOMEM;
    return SP_OK;
}

/* --- The file ----------------------------------------------------------- */

/* `defaults:` over the built-in values. */
static sp_status resolve_defaults(sp_cfg_loader *ld, const raw_defaults *rd, defaults *d)
{
    sp_status st;
    d->timing = builtin_timing;
    d->tls_interval = SP_CFG_DEFAULT_TLS_INTERVAL_MS;
    if (!rd)
        return SP_OK;
    if ((st = resolve_timing(ld, "defaults", &rd->timing, &builtin_timing, false, &d->timing)))
        return st;
    return sp_cfg_tls_duration(ld, "defaults.tls_interval", rd->timing.tls_interval,
                               d->tls_interval, &d->tls_interval);
}

/* The guideline's pattern table with the file's `patterns:` over it. */
static sp_status resolve_patterns(sp_cfg_loader *ld, const raw_cfg *r, sp_cfg *c)
{
    sp_status st;
    for (int k = 0; k < SP_PATTERN_COUNT; k++)
        c->patterns[k] = *sp_pattern_get(k + 1);
    for (unsigned k = 0; k < r->patterns_count; k++) {
        const raw_pattern *rp = &r->patterns[k];
        char pk[96];
        snprintf(pk, sizeof pk, "patterns[%u].pattern", k);
        if (rp->pattern < 1 || rp->pattern > SP_PATTERN_COUNT)
            return sp_cfg_fail(ld, pk, "%d is not a pattern of the guideline (1-6)", rp->pattern);
        sp_pattern *p = &c->patterns[rp->pattern - 1];
        if (rp->availability) {
            snprintf(pk, sizeof pk, "patterns[%u].availability", k);
            if ((st = sp_cfg_percent(ld, pk, *rp->availability, "a")) != SP_OK)
                return st;
            p->availability_pct = *rp->availability;
        }
        const struct {
            const char *raw, *name;
            int64_t *out;
        } iv[] = {{rp->alive_interval, "alive_interval", &p->alive_interval_ms},
                  {rp->notify_within, "notify_within", &p->notify_within_ms},
                  {rp->fault_interval, "fault_interval", &p->fault_interval_ms},
                  {rp->perf_interval, "perf_interval", &p->perf_interval_ms}};
        for (size_t v = 0; v < sizeof iv / sizeof iv[0]; v++) {
            snprintf(pk, sizeof pk, "patterns[%u].%s", k, iv[v].name);
            if ((st = sp_cfg_duration(ld, pk, iv[v].raw, *iv[v].out, 1000, iv[v].out)))
                return st;
        }
    }
    return SP_OK;
}

/* storage: dir, retention, rrdcached. */
static sp_status resolve_storage(sp_cfg_loader *ld, const raw_storage *rs, sp_cfg *c)
{
    sp_status st;
    if (rs && (st = sp_cfg_nonempty(ld, "storage.dir", rs->dir)) != SP_OK)
        return st;
    c->storage_dir = strdup(rs && rs->dir ? rs->dir : SP_CFG_DEFAULT_STORAGE);
    c->retention = SP_STORE_RETENTION_DEFAULT;
    if (rs && rs->retention) {
        const raw_retention *rr = rs->retention;
        const struct {
            int *v;
            long *out;
            const char *key;
        } days[] = {
            {rr->full_days, &c->retention.full_days, "storage.retention.full_days"},
            {rr->five_min_days, &c->retention.five_min_days, "storage.retention.five_min_days"},
            {rr->hourly_days, &c->retention.hourly_days, "storage.retention.hourly_days"}};
        for (int i = 0; i < 3; i++) {
            if (!days[i].v)
                continue;
            if ((st = sp_cfg_range(ld, days[i].key, *days[i].v, 1, 36600, " days")) != SP_OK)
                return st;
            *days[i].out = *days[i].v;
        }
    }
    if (rs && rs->rrdcached) {
        const char *a = rs->rrdcached;
        if (strncmp(a, "unix:", 5) != 0 && !strchr(a, ':'))
            return sp_cfg_fail(ld, "storage.rrdcached", "'%s' is not unix:/path or host:port", a);
        /* librrd refuses absolute paths to a remote daemon and then quietly
         * writes the local file: nothing would reach the other host. */
        if (strncmp(a, "unix:", 5) != 0 && a[0] != '/')
            return sp_cfg_fail(ld, "storage.rrdcached",
                               "'%s' is rrdcached over TCP, which only a local cache may be "
                               "here (unix:/path); rows go to a central rrdcached through "
                               "storage.central.rrdcached",
                               a);
        c->rrdcached = strdup(a);
    }
    c->central_every_ms = SP_CFG_DEFAULT_CENTRAL_EVERY_MS;
    c->central_timeout_ms = SP_CFG_DEFAULT_CENTRAL_TIMEOUT_MS;
    const raw_central *rc = rs ? rs->central : NULL;
    if (rc) {
        if (!rc->rrdcached)
            return sp_cfg_fail(ld, "storage.central.rrdcached",
                               "missing: the central rrdcached's host:port (or unix:/path)");
        const char *a = rc->rrdcached;
        struct sockaddr_storage ss;
        bool is_unix;
        char why[256];
        if (sp_repl_parse_address(a, &ss, &is_unix, why, sizeof why) != SP_OK)
            return sp_cfg_fail(ld, "storage.central.rrdcached", "%s", why);
        if ((st = sp_cfg_duration(ld, "storage.central.every", rc->every, c->central_every_ms, 1000,
                                  &c->central_every_ms)) != SP_OK ||
            (st = sp_cfg_duration(ld, "storage.central.timeout", rc->timeout, c->central_timeout_ms,
                                  100, &c->central_timeout_ms)) != SP_OK)
            return st;
        if (!(c->central_rrdcached = strdup(a)))
            return SP_ENOMEM;
    }
    return SP_OK;
}

/* vantage, vantages, quorum (SPEC section 10). SLAPROBE_VANTAGE (which
 * `run --vantage` sets) names this host over the file's `vantage:`, so a
 * reload keeps it. In vantage mode the files live in <dir>/<vantage>. */
static sp_status resolve_vantages(sp_cfg_loader *ld, const raw_cfg *r, sp_cfg *c)
{
    for (unsigned i = 0; i < r->vantages_count; i++) {
        char key[48];
        snprintf(key, sizeof key, "vantages[%u]", i);
        if (!sp_cfg_valid_id(r->vantages[i]))
            return sp_cfg_fail(ld, key, "'%s' is not a vantage name ([a-z0-9_-], 1-64)",
                               r->vantages[i]);
        for (unsigned k = 0; k < i; k++)
            if (strcmp(r->vantages[k], r->vantages[i]) == 0)
                return sp_cfg_fail(ld, key, "'%s' is listed twice", r->vantages[i]);
    }
    if (r->vantages_count) {
        if (!(c->vantages = calloc(r->vantages_count, sizeof *c->vantages)))
            return SP_ENOMEM;
        for (unsigned i = 0; i < r->vantages_count; i++, c->n_vantages++)
            if (!(c->vantages[i] = strdup(r->vantages[i])))
                return SP_ENOMEM;
    }
    if (r->quorum) {
        if (!c->n_vantages)
            return sp_cfg_fail(ld, "quorum", "needs `vantages`: a quorum of which vantages?");
        if (*r->quorum < 1 || (size_t)*r->quorum > c->n_vantages)
            return sp_cfg_fail(ld, "quorum",
                               "%d: must be 1 to the number of vantages (%zu); a quorum "
                               "larger than the vantages could never be reached",
                               *r->quorum, c->n_vantages);
        c->quorum = *r->quorum;
    }
    const char *env = getenv("SLAPROBE_VANTAGE");
    const char *v = env && *env ? env : r->vantage;
    const char *vkey = env && *env ? "SLAPROBE_VANTAGE" : "vantage";
    if (v) {
        if (!sp_cfg_valid_id(v))
            return sp_cfg_fail(ld, vkey, "'%s' is not a vantage name ([a-z0-9_-], 1-64)", v);
        bool listed = !c->n_vantages;
        for (size_t i = 0; i < c->n_vantages; i++)
            listed = listed || strcmp(c->vantages[i], v) == 0;
        if (!listed)
            return sp_cfg_fail(ld, vkey, "'%s' is not one of `vantages`", v);
        if (!(c->vantage = strdup(v)))
            return SP_ENOMEM;
    }
    if (c->central_rrdcached && !c->vantage)
        return sp_cfg_fail(ld, "storage.central",
                           "needs a vantage name (`vantage:`, SLAPROBE_VANTAGE or "
                           "`run --vantage`): central files are <vantage>/<id>.rrd");
    c->storage_root = c->storage_dir;
    c->storage_dir = NULL;
    if (!c->vantage)
        c->storage_dir = strdup(c->storage_root);
    else if ((c->storage_dir = malloc(strlen(c->storage_root) + strlen(c->vantage) + 2)))
        sprintf(c->storage_dir, "%s/%s", c->storage_root, c->vantage);
    return c->storage_dir ? SP_OK : SP_ENOMEM;
}

/* A target's vantages (a subset of the configuration's) and quorum. */
static sp_status resolve_target_vantages(sp_cfg_loader *ld, const raw_target *rt, size_t idx,
                                         const sp_cfg *c, sp_cfg_target *t)
{
    char key[64];
    if (rt->vantages_count) {
        snprintf(key, sizeof key, "targets[%zu].vantages", idx);
        if (!c->n_vantages)
            return sp_cfg_fail(ld, key, "needs the top-level `vantages` list");
        if (!(t->vantages = calloc(rt->vantages_count, sizeof *t->vantages)))
            return SP_ENOMEM;
        t->own_vantages = true;
        for (unsigned i = 0; i < rt->vantages_count; i++) {
            const char *v = rt->vantages[i];
            bool listed = false;
            for (size_t k = 0; k < c->n_vantages; k++)
                listed = listed || strcmp(c->vantages[k], v) == 0;
            for (unsigned k = 0; k < i; k++)
                if (strcmp(rt->vantages[k], v) == 0)
                    return sp_cfg_fail(ld, key, "'%s' is listed twice", v);
            if (!listed)
                return sp_cfg_fail(ld, key, "'%s' is not one of `vantages`", v);
            if (!(t->vantages[i] = strdup(v)))
                return SP_ENOMEM;
            t->n_vantages++;
        }
    } else {
        t->vantages = c->vantages;
        t->n_vantages = c->n_vantages;
    }
    if (rt->quorum) {
        snprintf(key, sizeof key, "targets[%zu].quorum", idx);
        if (!t->n_vantages)
            return sp_cfg_fail(ld, key, "needs `vantages`: a quorum of which vantages?");
        if (*rt->quorum < 1 || (size_t)*rt->quorum > t->n_vantages)
            return sp_cfg_fail(ld, key,
                               "%d: must be 1 to the number of the target's vantages (%zu)",
                               *rt->quorum, t->n_vantages);
        t->quorum = *rt->quorum;
    } else if (c->quorum && (size_t)c->quorum <= t->n_vantages) {
        t->quorum = c->quorum;
    } else if (c->quorum) {
        snprintf(key, sizeof key, "targets[%zu].vantages", idx);
        return sp_cfg_fail(ld, key,
                           "%zu vantages, fewer than the quorum (%d): give the target its own "
                           "`quorum`",
                           t->n_vantages, c->quorum);
    } else {
        t->quorum = t->n_vantages ? (int)(t->n_vantages / 2 + 1) : 0;
    }
    return SP_OK;
}

/* dns_servers: one comma-separated string for c-ares. */
static sp_status resolve_dns_servers(sp_cfg_loader *ld, const raw_cfg *r, sp_cfg *c)
{
    for (unsigned i = 0; i < r->dns_servers_count; i++) {
        if (!r->dns_servers[i][0]) {
            char key[64];
            snprintf(key, sizeof key, "dns_servers[%u]", i);
            return sp_cfg_fail(ld, key, "empty (give host or host:port)");
        }
    }
    if (r->dns_servers_count) {
        size_t n = 1;
        for (unsigned i = 0; i < r->dns_servers_count; i++)
            n += strlen(r->dns_servers[i]) + 1;
        c->dns_servers = calloc(1, n);
        for (unsigned i = 0; c->dns_servers && i < r->dns_servers_count; i++) {
            if (i)
                strcat(c->dns_servers, ",");
            strcat(c->dns_servers, r->dns_servers[i]);
        }
    }
    return SP_OK;
}

/* evidence: the key must be an Ed25519 private key now, not at the first
 * checkpoint an hour later; a token needs a CA to be verified by, and a
 * checkpoint to stamp. */
static sp_status resolve_evidence(sp_cfg_loader *ld, const raw_evidence *r, sp_cfg *c)
{
    sp_status st;
    c->evidence_every_ms = SP_CFG_DEFAULT_CHECKPOINT_EVERY_MS;
    if (!r)
        return SP_OK;
    if ((st = sp_cfg_duration(ld, "evidence.checkpoint_every", r->checkpoint_every,
                              c->evidence_every_ms, 1000, &c->evidence_every_ms)) != SP_OK)
        return st;
    if (r->tsa_url && !r->key)
        return sp_cfg_fail(ld, "evidence.tsa_url",
                           "needs evidence.key: a token stamps a signed checkpoint");
    if (r->tsa_url && !r->tsa_ca)
        return sp_cfg_fail(ld, "evidence.tsa_url",
                           "needs evidence.tsa_ca: a token nobody can verify is not evidence");
    if (r->tsa_url && strncmp(r->tsa_url, "http://", 7) && strncmp(r->tsa_url, "https://", 8))
        return sp_cfg_fail(ld, "evidence.tsa_url", "'%s' is not an http:// or https:// URL",
                           r->tsa_url);
    if (r->tsa_ca) {
        if ((st = sp_cfg_nonempty(ld, "evidence.tsa_ca", r->tsa_ca)) != SP_OK)
            return st;
        if (access(r->tsa_ca, R_OK) != 0)
            return sp_cfg_fail(ld, "evidence.tsa_ca", "cannot read %s: %s", r->tsa_ca,
                               strerror(errno));
        if (!(c->evidence_tsa_ca = strdup(r->tsa_ca)))
            return SP_ENOMEM;
    }
    if (r->tsa_url && !(c->evidence_tsa_url = strdup(r->tsa_url)))
        return SP_ENOMEM;
    if (!r->key)
        return SP_OK;
    if ((st = read_secret(ld, "evidence.key", r->key, &c->evidence_key_pem)) != SP_OK)
        return st;
    if (!(c->evidence_key_ref = strdup(r->key)))
        return SP_ENOMEM;
    /* read_secret cut the last newline; PEM wants its lines whole */
    size_t n = strlen(c->evidence_key_pem);
    char *pem = realloc(c->evidence_key_pem, n + 2);
    if (!pem)
        return SP_ENOMEM;
    pem[n] = '\n';
    pem[n + 1] = '\0';
    c->evidence_key_pem = pem;
    sp_evidence_key *k = NULL;
    char why[256];
    if (sp_evidence_key_from_pem(pem, n + 1, &k, why, sizeof why) != SP_OK)
        return sp_cfg_fail(ld, "evidence.key", "%s", why);
    bool priv = sp_evidence_key_is_private(k);
    sp_evidence_key_free(k);
    if (!priv)
        return sp_cfg_fail(ld, "evidence.key",
                           "a public key; checkpoints are signed with the private key "
                           "(the file without .pub)");
    return SP_OK;
}

sp_status sp_cfg_resolve(sp_cfg_loader *ld, const raw_cfg *r, sp_cfg *c)
{
    sp_status st;
    defaults d;
    if ((st = resolve_defaults(ld, r->defaults, &d)) != SP_OK ||
        (st = resolve_patterns(ld, r, c)) != SP_OK)
        return st;
    d.patterns = c->patterns;
    c->timezone = strdup(r->timezone ? r->timezone : SP_CFG_DEFAULT_TIMEZONE);
    if (c->timezone && !sp_cal_tz_valid(c->timezone))
        return sp_cfg_fail(ld, "timezone",
                           "'%s' is not a time zone this system knows (e.g. Asia/Tokyo, UTC)",
                           c->timezone);
    if ((st = resolve_storage(ld, r->storage, c)) != SP_OK ||
        (st = resolve_vantages(ld, r, c)) != SP_OK || (st = resolve_dns_servers(ld, r, c)) != SP_OK)
        return st;
    c->targets = calloc(r->targets_count, sizeof *c->targets);
    if (!c->targets)
        return SP_ENOMEM;
    for (size_t i = 0; i < r->targets_count; i++) {
        c->n_targets++;
        if ((st = resolve_target(ld, &r->targets[i], i, &d, &c->targets[i])) != SP_OK ||
            (st = resolve_target_vantages(ld, &r->targets[i], i, c, &c->targets[i])) != SP_OK)
            return st;
    }
    if ((st = sp_cfg_check_unique_ids(ld, c)) != SP_OK ||
        (st = sp_cfg_check_target_ids(ld, c, "control_targets", r->control_targets,
                                      r->control_targets_count)) != SP_OK)
        return st;
    for (unsigned i = 0; i < r->control_targets_count; i++)
        ((sp_cfg_target *)sp_cfg_find_target(c, r->control_targets[i]))->is_control = true;
    for (size_t i = 0; i < c->n_targets; i++) {
        char key[48];
        snprintf(key, sizeof key, "targets[%zu].public", i);
        c->targets[i].is_public = !c->targets[i].is_control;
        if (r->targets[i].public_ &&
            (st = sp_cfg_flag(ld, key, r->targets[i].public_, &c->targets[i].is_public)) != SP_OK)
            return st;
    }
    c->status_every_ms = 5 * 60 * 1000;
    if (r->status_page) {
        const raw_status *s = r->status_page;
        if ((st = sp_cfg_duration(ld, "status_page.every", s->every, c->status_every_ms, 1000,
                                  &c->status_every_ms)))
            return st;
        if (s->lang && strcmp(s->lang, "en") && strcmp(s->lang, "ja") && strcmp(s->lang, "both"))
            return sp_cfg_fail(ld, "status_page.lang", "'%s' is not en, ja or both", s->lang);
        if ((st = sp_cfg_nonempty(ld, "status_page.dir", s->dir)) != SP_OK)
            return st;
        c->status_dir = s->dir ? strdup(s->dir) : NULL;
        c->status_lang = strdup(s->lang ? s->lang : "en");
        const struct {
            const char *raw, *key;
            char **out;
            bool link;
        } page[] = {{s->title, "status_page.title", &c->status_title, false},
                    {s->url, "status_page.url", &c->status_url, true},
                    {s->logo, "status_page.logo", &c->status_logo, true},
                    {s->footer, "status_page.footer", &c->status_footer, false}};
        if (s->posts && ((st = sp_cfg_nonempty(ld, "status_page.posts", s->posts)) != SP_OK ||
                         (st = sp_cfg__resolve_posts(ld, s->posts, c)) != SP_OK))
            return st;
        for (size_t k = 0; k < sizeof page / sizeof page[0]; k++) {
            if (!page[k].raw)
                continue;
            if ((st = sp_cfg_nonempty(ld, page[k].key, page[k].raw)) != SP_OK)
                return st;
            /* a link the page shows must not run script (javascript:) */
            if (page[k].link && strncmp(page[k].raw, "https://", 8) &&
                strncmp(page[k].raw, "http://", 7) && page[k].raw[0] != '/')
                return sp_cfg_fail(ld, page[k].key,
                                   "'%s' is not an http(s):// URL or a path on the site",
                                   page[k].raw);
            if (!(*page[k].out = strdup(page[k].raw)))
                return SP_ENOMEM;
        }
    }
    if (r->report_url) {
        if (strncmp(r->report_url, "http://", 7) && strncmp(r->report_url, "https://", 8))
            return sp_cfg_fail(ld, "report_url", "'%s' is not an http:// or https:// URL",
                               r->report_url);
        c->report_url = strdup(r->report_url);
    }
    if ((st = resolve_evidence(ld, r->evidence, c)) != SP_OK)
        return st;
    if (r->metrics) {
        struct sockaddr_storage ss;
        if (!r->metrics->listen || !*r->metrics->listen) /* at the line of metrics: */
            return sp_cfg_fail(ld, r->metrics->listen ? "metrics.listen" : "metrics",
                               "listen is missing: the address to serve /metrics on, e.g. "
                               "\"127.0.0.1:9464\" or \"[::1]:9464\"");
        if (!sp_value_listen(r->metrics->listen, &ss))
            return sp_cfg_fail(ld, "metrics.listen",
                               "'%s' is not IPv4:port or [IPv6]:port (a numeric address and a "
                               "port 1-65535; names are not resolved)",
                               r->metrics->listen);
        if (!(c->metrics_listen = strdup(r->metrics->listen)))
            return SP_ENOMEM;
        if (r->metrics->modules) {
            /* read now, so a bad module is refused with the configuration,
             * naming its own file, line and key */
            char e[700];
            sp_bb_modules *mods;
            st = sp_bb_modules_load(r->metrics->modules, &mods, e, sizeof e);
            if (st != SP_OK)
                return sp_cfg_fail(ld, "metrics.modules", "%s", e);
            sp_bb_modules_destroy(mods);
            if (!(c->metrics_modules = strdup(r->metrics->modules)))
                return SP_ENOMEM;
        }
    }
    if (r->alerts_count && !(c->alerts = calloc(r->alerts_count, sizeof *c->alerts)))
        return SP_ENOMEM;
    for (unsigned i = 0; i < r->alerts_count; i++) {
        c->n_alerts++;
        if ((st = resolve_alert(ld, &r->alerts[i], i, c, &c->alerts[i])) != SP_OK)
            return st;
        /* The guideline's "tell users within 60 minutes" needs a channel
         * that says when a target goes down. */
        if (c->alerts[i].events & SP_CFG_ALERT_ON_DOWN)
            c->has_alert_path = true;
    }
    return SP_OK;
}
