/*
 * Loading the YAML configuration. Two passes over the file:
 *  1. libcyaml loads it against the schema below (structure, types,
 *     unknown or repeated keys); its log is captured to build the message;
 *  2. a libyaml event walk (lines.c) maps key paths to lines, so that the
 *     checks done here afterwards (durations, ids, URLs, references) can
 *     name the line too.
 * Then the raw values are resolved into an sp_cfg with every default
 * applied.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>

#include "common/sp_civil.h"
#include "lines.h"
#include "calendar/calendar.h"
#include "probe/result_json.h"
#include "common/sp_value.h"

/* --- Raw schema (what the file says) ------------------------------------ */

typedef struct raw_window {
    char *start, *end, *reason;
} raw_window;

typedef struct raw_tier {
    double below, credit;
} raw_tier;

typedef struct raw_pattern {
    int pattern;
    double *availability;
    char *alive_interval, *notify_within, *fault_interval, *perf_interval;
} raw_pattern;

typedef struct raw_auth {
    char *header, *value;
} raw_auth;

typedef struct raw_target {
    char *id, *name, *url, *ca_file;
    int *expect_status;
    unsigned expect_status_count;
    char *expect_body, *expect_regex, *expect_header;
    char *max_body;
    int *max_redirects;
    char *insecure; /* true/false, read by flag(): see there */
    raw_auth *auth;
    char *ip, *dns_type, *dns_expect;
    int *pattern;
    double *sla_target;
    char *service_hours;
    char **holidays;
    unsigned holidays_count;
    raw_tier *credits;
    unsigned credits_count;
    raw_window *maintenance;
    unsigned maintenance_count;
    char *interval, *timeout, *retry_interval, *slow_ms;
    int *confirm;
    char *tls_interval;
    int *cert_warn_days;
} raw_target;

typedef struct raw_defaults {
    char *interval, *timeout, *retry_interval, *slow_ms;
    int *confirm;
    char *tls_interval;
    int *cert_warn_days;
} raw_defaults;

typedef struct raw_alert {
    char *type, *name, *url;
    raw_auth *auth;
    char *ca_file;
    char *insecure;
    char *timeout;
    int *retries;
    char *retry_backoff, *retry_backoff_max;
    char *starttls;
    char *from;
    char **to;
    unsigned to_count;
    char *username, *password, *lang;
    char **argv;
    unsigned argv_count;
    char **pass_env;
    unsigned pass_env_count;
    char **targets;
    unsigned targets_count;
    char **events;
    unsigned events_count;
} raw_alert;

typedef struct raw_retention {
    int *full_days, *five_min_days, *hourly_days;
} raw_retention;

typedef struct raw_storage {
    char *dir, *rrdcached;
    raw_retention *retention;
} raw_storage;

typedef struct raw_status {
    char *dir, *every, *lang;
} raw_status;

typedef struct raw_cfg {
    char *timezone;
    raw_storage *storage;
    char **dns_servers;
    unsigned dns_servers_count;
    char **control_targets;
    unsigned control_targets_count;
    raw_defaults *defaults;
    raw_target *targets;
    unsigned targets_count;
    raw_status *status_page;
    raw_pattern *patterns;
    unsigned patterns_count;
    raw_alert *alerts;
    unsigned alerts_count;
    char *report_url;
} raw_cfg;

#define OPT (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)
#define STR(key, st, m) CYAML_FIELD_STRING_PTR(key, OPT, st, m, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t int_value = {CYAML_VALUE_INT(CYAML_FLAG_DEFAULT, int)};
static const cyaml_schema_value_t str_value = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};

static const cyaml_schema_field_t window_fields[] = {
    CYAML_FIELD_STRING_PTR("start", CYAML_FLAG_POINTER, raw_window, start, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("end", CYAML_FLAG_POINTER, raw_window, end, 0, CYAML_UNLIMITED),
    STR("reason", raw_window, reason),
    CYAML_FIELD_END};
static const cyaml_schema_value_t window_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_window, window_fields)};

static const cyaml_schema_field_t tier_fields[] = {
    CYAML_FIELD_FLOAT("below", CYAML_FLAG_DEFAULT, raw_tier, below),
    CYAML_FIELD_FLOAT("credit", CYAML_FLAG_DEFAULT, raw_tier, credit),
    CYAML_FIELD_END};
static const cyaml_schema_value_t tier_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_tier, tier_fields)};

static const cyaml_schema_field_t pattern_fields[] = {
    CYAML_FIELD_INT("pattern", CYAML_FLAG_DEFAULT, raw_pattern, pattern),
    CYAML_FIELD_FLOAT_PTR("availability", OPT, raw_pattern, availability),
    STR("alive_interval", raw_pattern, alive_interval),
    STR("notify_within", raw_pattern, notify_within),
    STR("fault_interval", raw_pattern, fault_interval),
    STR("perf_interval", raw_pattern, perf_interval),
    CYAML_FIELD_END};
static const cyaml_schema_value_t pattern_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_pattern, pattern_fields)};

static const cyaml_schema_field_t auth_fields[] = {
    CYAML_FIELD_STRING_PTR("header", CYAML_FLAG_POINTER, raw_auth, header, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("value", CYAML_FLAG_POINTER, raw_auth, value, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};

static const cyaml_schema_field_t target_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, raw_target, id, 1, 64),
    STR("name", raw_target, name),
    CYAML_FIELD_STRING_PTR("url", CYAML_FLAG_POINTER, raw_target, url, 1, CYAML_UNLIMITED),
    STR("ca_file", raw_target, ca_file),
    CYAML_FIELD_SEQUENCE("expect_status", OPT, raw_target, expect_status, &int_value, 1,
                         SP_PROBE_MAX_STATUS),
    STR("expect_body", raw_target, expect_body),
    STR("expect_regex", raw_target, expect_regex),
    STR("expect_header", raw_target, expect_header),
    STR("max_body", raw_target, max_body),
    CYAML_FIELD_INT_PTR("max_redirects", OPT, raw_target, max_redirects),
    STR("insecure", raw_target, insecure),
    CYAML_FIELD_MAPPING_PTR("auth", OPT, raw_target, auth, auth_fields),
    STR("ip", raw_target, ip),
    STR("dns_type", raw_target, dns_type),
    STR("dns_expect", raw_target, dns_expect),
    CYAML_FIELD_INT_PTR("pattern", OPT, raw_target, pattern),
    CYAML_FIELD_FLOAT_PTR("sla_target", OPT, raw_target, sla_target),
    STR("service_hours", raw_target, service_hours),
    CYAML_FIELD_SEQUENCE("holidays", OPT, raw_target, holidays, &str_value, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("credits", OPT, raw_target, credits, &tier_value, 0, 16),
    CYAML_FIELD_SEQUENCE("maintenance", OPT, raw_target, maintenance, &window_value, 0,
                         CYAML_UNLIMITED),
    STR("interval", raw_target, interval),
    STR("timeout", raw_target, timeout),
    STR("retry_interval", raw_target, retry_interval),
    STR("slow_ms", raw_target, slow_ms),
    CYAML_FIELD_INT_PTR("confirm", OPT, raw_target, confirm),
    STR("tls_interval", raw_target, tls_interval),
    CYAML_FIELD_INT_PTR("cert_warn_days", OPT, raw_target, cert_warn_days),
    CYAML_FIELD_END};
static const cyaml_schema_value_t target_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_target, target_fields)};

static const cyaml_schema_field_t defaults_fields[] = {
    STR("interval", raw_defaults, interval),
    STR("timeout", raw_defaults, timeout),
    STR("retry_interval", raw_defaults, retry_interval),
    STR("slow_ms", raw_defaults, slow_ms),
    CYAML_FIELD_INT_PTR("confirm", OPT, raw_defaults, confirm),
    STR("tls_interval", raw_defaults, tls_interval),
    CYAML_FIELD_INT_PTR("cert_warn_days", OPT, raw_defaults, cert_warn_days),
    CYAML_FIELD_END};

static const cyaml_schema_field_t alert_fields[] = {
    CYAML_FIELD_STRING_PTR("type", CYAML_FLAG_POINTER, raw_alert, type, 1, CYAML_UNLIMITED),
    STR("name", raw_alert, name),
    STR("url", raw_alert, url),
    CYAML_FIELD_MAPPING_PTR("auth", OPT, raw_alert, auth, auth_fields),
    STR("ca_file", raw_alert, ca_file),
    STR("insecure", raw_alert, insecure),
    STR("timeout", raw_alert, timeout),
    CYAML_FIELD_INT_PTR("retries", OPT, raw_alert, retries),
    STR("retry_backoff", raw_alert, retry_backoff),
    STR("retry_backoff_max", raw_alert, retry_backoff_max),
    STR("starttls", raw_alert, starttls),
    STR("from", raw_alert, from),
    CYAML_FIELD_SEQUENCE("to", OPT, raw_alert, to, &str_value, 1, 100),
    STR("username", raw_alert, username),
    STR("password", raw_alert, password),
    STR("lang", raw_alert, lang),
    CYAML_FIELD_SEQUENCE("argv", OPT, raw_alert, argv, &str_value, 1, 256),
    CYAML_FIELD_SEQUENCE("pass_env", OPT, raw_alert, pass_env, &str_value, 0, 256),
    CYAML_FIELD_SEQUENCE("targets", OPT, raw_alert, targets, &str_value, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("events", OPT, raw_alert, events, &str_value, 1, 4),
    CYAML_FIELD_END};
static const cyaml_schema_value_t alert_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_alert, alert_fields)};

static const cyaml_schema_field_t retention_fields[] = {
    CYAML_FIELD_INT_PTR("full_days", OPT, raw_retention, full_days),
    CYAML_FIELD_INT_PTR("five_min_days", OPT, raw_retention, five_min_days),
    CYAML_FIELD_INT_PTR("hourly_days", OPT, raw_retention, hourly_days),
    CYAML_FIELD_END};

static const cyaml_schema_field_t storage_fields[] = {
    STR("dir", raw_storage, dir), STR("rrdcached", raw_storage, rrdcached),
    CYAML_FIELD_MAPPING_PTR("retention", OPT, raw_storage, retention, retention_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t status_fields[] = {
    STR("dir", raw_status, dir), STR("every", raw_status, every), STR("lang", raw_status, lang),
    CYAML_FIELD_END};

static const cyaml_schema_field_t top_fields[] = {
    STR("timezone", raw_cfg, timezone),
    CYAML_FIELD_MAPPING_PTR("storage", OPT, raw_cfg, storage, storage_fields),
    CYAML_FIELD_SEQUENCE("dns_servers", OPT, raw_cfg, dns_servers, &str_value, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("control_targets", OPT, raw_cfg, control_targets, &str_value, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("defaults", OPT, raw_cfg, defaults, defaults_fields),
    CYAML_FIELD_SEQUENCE("targets", CYAML_FLAG_POINTER, raw_cfg, targets, &target_value, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("status_page", OPT, raw_cfg, status_page, status_fields),
    CYAML_FIELD_SEQUENCE("patterns", OPT, raw_cfg, patterns, &pattern_value, 0,
                         SP_PATTERN_COUNT),
    CYAML_FIELD_SEQUENCE("alerts", OPT, raw_cfg, alerts, &alert_value, 0, 64),
    STR("report_url", raw_cfg, report_url),
    CYAML_FIELD_END};
static const cyaml_schema_value_t top_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, raw_cfg, top_fields)};

/* --- Errors ------------------------------------------------------------- */

typedef struct loader {
    const char *path;
    sp_cfg_lines *lines;
    char log[4096]; /* libcyaml's messages */
    size_t log_len;
    char *err;
    size_t errlen;
} loader;

static void log_to_buffer(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    loader *ld = ctx;
    (void)level;
    if (ld->log_len < sizeof ld->log - 1) {
        int n = vsnprintf(ld->log + ld->log_len, sizeof ld->log - ld->log_len, fmt, args);
        if (n > 0)
            ld->log_len += (size_t)n;
        if (ld->log_len >= sizeof ld->log)
            ld->log_len = sizeof ld->log - 1;
    }
}

/* "FILE:LINE: KEY: message" for a check of ours. */
static sp_status fail(loader *ld, const char *keypath, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = sp_cfg_lines_find(ld->lines, keypath);
    if (line > 0)
        snprintf(ld->err, ld->errlen, "%s:%d: %s: %s", ld->path, line, keypath, msg);
    else
        snprintf(ld->err, ld->errlen, "%s: %s: %s", ld->path, keypath, msg);
    return SP_EPARSE;
}

/* One step of libcyaml's backtrace. */
typedef struct trace_seg {
    char text[132]; /* ".key" or "[index]" */
    int line;
    bool field; /* a mapping field; else a sequence entry */
} trace_seg;

/* What a libcyaml "Expecting X, got event: Y" was about, in words. */
static const char *node_words(sp_cfg_node n, const char *event)
{
    switch (n) {
    case SP_CFG_NODE_NULL:
        return "nothing";
    case SP_CFG_NODE_SCALAR:
        return "a single value";
    case SP_CFG_NODE_SEQUENCE:
        return "a list";
    case SP_CFG_NODE_MAPPING:
        return "a mapping";
    default:
        return strncmp(event, "SEQ", 3) == 0   ? "a list"
               : strncmp(event, "MAP", 3) == 0 ? "a mapping"
                                               : "a single value";
    }
}

/* Turn libcyaml's log ("Load: <message>" then "Backtrace:" lines, innermost
 * first) into one line naming file, line and key path, in our words where
 * libcyaml's would puzzle a reader. */
static void describe_cyaml_error(loader *ld, cyaml_err_t e)
{
    char msg[256] = "", path[512] = "", words[320] = "";
    trace_seg segs[16];
    int nseg = 0, map_line = 0;
    char *save = NULL;
    for (char *l = strtok_r(ld->log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char name[128];
        int ln, col;
        if (strncmp(l, "Load: ", 6) == 0 && !msg[0] && strcmp(l + 6, "Backtrace:") != 0) {
            snprintf(msg, sizeof msg, "%s", l + 6);
        } else if (sscanf(l, " in mapping field '%127[^']' (line: %d, column: %d)", name, &ln,
                          &col) == 3) {
            if (nseg < 16) {
                segs[nseg] = (trace_seg){.line = ln, .field = true};
                snprintf(segs[nseg++].text, sizeof segs[0].text, ".%s", name);
            }
        } else if (sscanf(l, " in sequence entry '%127[^']' (line: %d, column: %d)", name, &ln,
                          &col) == 3) {
            if (nseg < 16) { /* libcyaml counts from 1; our paths from 0 */
                segs[nseg] = (trace_seg){.line = ln, .field = false};
                snprintf(segs[nseg++].text, sizeof segs[0].text, "[%d]", atoi(name) - 1);
            }
        } else if (sscanf(l, " in mapping (line: %d, column: %d)", &ln, &col) == 2) {
            if (!map_line)
                map_line = ln;
        }
    }
    /* Errors found at the end of a container carry a stale innermost step:
     * a missing field is reported "in" the field read last (or the first
     * of the schema), a short or long list "in" the entry after its last. */
    char missing[128] = "";
    unsigned have = 0, min = 0, max = 0;
    bool too_few = sscanf(msg, "Insufficient entries (%u of %u min)", &have, &min) == 2;
    bool too_many = sscanf(msg, "Excessive entries (%u max)", &max) == 1;
    int first = 0;
    if (sscanf(msg, "Missing required mapping field: %127s", missing) == 1 && nseg && segs[0].field)
        first = 1;
    if ((too_few || too_many) && nseg && !segs[0].field)
        first = 1;
    int line = first < nseg ? segs[first].line : map_line;
    size_t used = 0;
    for (int i = nseg - 1; i >= first && used < sizeof path; i--) {
        const char *s = segs[i].text;
        if (used == 0 && s[0] == '.')
            s++;
        used += (size_t)snprintf(path + used, sizeof path - used, "%s", s);
    }
    /* libcyaml places a step at the line of its value, which for a block
     * is the line after the key: the index knows the key's own. */
    int key_line = sp_cfg_lines_find(ld->lines, path);
    if (key_line && path[0])
        line = key_line;
    if (missing[0]) {
        size_t n = strlen(path);
        snprintf(path + n, sizeof path - n, "%s%s", n ? "." : "", missing);
        line = first < nseg ? line : 0; /* the key is nowhere in the file */
    }
    /* An unknown key is reported at its mapping; find the key's own line. */
    const char *unk = strstr(msg, "Unexpected key: ");
    if (unk) {
        char full[700];
        snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", unk + 16);
        int kl = sp_cfg_lines_find(ld->lines, full);
        snprintf(ld->err, ld->errlen, "%s:%d: %s: unknown key", ld->path, kl ? kl : line, full);
        return;
    }
    sp_cfg_node node = sp_cfg_lines_node(ld->lines, path);
    char want[16] = "", got[32] = "";
    bool expecting = sscanf(msg, "Expecting %15[A-Z], got event: %31s", want, got) == 2;
    const char *want_words = strcmp(want, "SEQUENCE") == 0 ? "a list (- entry lines, or [a, b])"
                                                           : "a mapping (key: value lines)";
    if (strcmp(path, "targets") == 0 &&
        (missing[0] || too_few || (expecting && node == SP_CFG_NODE_NULL))) {
        snprintf(words, sizeof words, "at least one target is required");
    } else if (expecting && !path[0]) {
        /* The document itself: a lone value, a list, or nothing (`---`, ~). */
        line = sp_cfg_lines_find(ld->lines, "");
        snprintf(words, sizeof words,
                 "the file must be a mapping of keys (targets:, storage:, ...), not %s",
                 node == SP_CFG_NODE_NULL ? "an empty document" : node_words(node, got));
    } else if (expecting && node == SP_CFG_NODE_NULL) {
        snprintf(words, sizeof words, "no value; expected %s", want_words);
    } else if (expecting) {
        snprintf(words, sizeof words, "expected %s, not %s", want_words, node_words(node, got));
    } else if (missing[0]) {
        snprintf(words, sizeof words, "required, but missing");
    } else if (too_few) {
        snprintf(words, sizeof words, "needs at least %u entr%s (has %u)", min,
                 min == 1 ? "y" : "ies", have);
    } else if (too_many) {
        snprintf(words, sizeof words, "has more than the %u entries allowed", max);
    } else if (node == SP_CFG_NODE_NULL) {
        snprintf(words, sizeof words, "no value");
    } else {
        snprintf(words, sizeof words, "%s", msg[0] ? msg : cyaml_strerror(e));
    }
    if (line)
        snprintf(ld->err, ld->errlen, "%s:%d: %s%s%s", ld->path, line, path, path[0] ? ": " : "",
                 words);
    else
        snprintf(ld->err, ld->errlen, "%s: %s%s%s", ld->path, path, path[0] ? ": " : "", words);
}

/* --- Resolving ---------------------------------------------------------- */

static sp_status duration(loader *ld, const char *key, const char *raw, int64_t def,
                          int64_t min_ms, int64_t *out)
{
    if (!raw) {
        *out = def;
        return SP_OK;
    }
    if (!sp_value_duration_ms(raw, out))
        return fail(ld, key, "'%s' is not a duration (e.g. 30, 30s, 5m, 1h)", raw);
    if (*out < min_ms)
        return fail(ld, key, "'%s' is too short (at least %lld ms)", raw, (long long)min_ms);
    return SP_OK;
}

/* A path written as "" is no path: config-check used to accept it, and
 * the command that needed it failed later ("cannot create storage
 * directory : No such file or directory"). */
static sp_status nonempty(loader *ld, const char *key, const char *raw)
{
    if (raw && !*raw)
        return fail(ld, key, "empty (give a path, or leave the key out)");
    return SP_OK;
}

/* true/false. Not a libcyaml bool: that reads every word but false, no,
 * disable and 0 as true, and so `insecure:` with no value, or `insecure:
 * off`, turned certificate checks off. */
static sp_status flag(loader *ld, const char *key, const char *raw, bool *out)
{
    if (sp_value_bool(raw, out))
        return SP_OK;
    if (!raw[0] || sp_cfg_lines_node(ld->lines, key) == SP_CFG_NODE_NULL)
        return fail(ld, key, "no value; expected true or false");
    return fail(ld, key, "'%s' is not true or false", raw);
}

static bool valid_id(const char *id)
{
    if (!*id)
        return false;
    for (const char *c = id; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' || *c == '-'))
            return false;
    return true;
}

/* Read a secret reference: env:NAME or file:/path. */
static sp_status read_secret(loader *ld, const char *key, const char *ref, char **out)
{
    if (strncmp(ref, "env:", 4) == 0) {
        const char *v = getenv(ref + 4);
        if (!v || !*v)
            return fail(ld, key, "environment variable %s is not set", ref + 4);
        *out = strdup(v);
    } else if (strncmp(ref, "file:", 5) == 0) {
        FILE *fp = fopen(ref + 5, "re");
        if (!fp)
            return fail(ld, key, "cannot read %s: %s", ref + 5, strerror(errno));
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (!n)
            return fail(ld, key, "%s is empty", ref + 5);
        *out = strdup(buf);
    } else {
        return fail(ld, key, "secrets are referenced as env:NAME or file:/path, not written inline");
    }
    return *out ? SP_OK : SP_ENOMEM;
}

typedef struct defaults {
    int64_t interval, timeout, retry;
    int64_t slow;
    int confirm;
    const sp_pattern *patterns; /* the effective table */
    int64_t tls_interval;
    int cert_warn_days;
} defaults;

/* tls_interval: a duration of at least a second, or 0 / "off" for none. */
static sp_status tls_duration(loader *ld, const char *key, const char *raw, int64_t def,
                              int64_t *out)
{
    if (raw && (strcmp(raw, "0") == 0 || strcmp(raw, "off") == 0)) {
        *out = 0;
        return SP_OK;
    }
    return duration(ld, key, raw, def, 1000, out);
}

/* The posture check of an https target: the same URL (its path is asked
 * for HSTS), trust store, address family and timeout, as a tls probe. */
static sp_status build_tls_spec(const sp_probe_spec *s, sp_probe_spec *ts, char *err,
                                size_t errlen)
{
    sp_status st;
    sp_probe_spec_init(ts);
    if ((st = sp_probe_spec_set_target(ts, s->target, err, errlen)) != SP_OK ||
        (st = sp_probe_spec_set_tls(ts, err, errlen)) != SP_OK)
        return st;
    ts->timeout_ms = s->timeout_ms;
    ts->ip = s->ip;
    ts->insecure = s->insecure;
    if (s->ca_file && !(ts->ca_file = strdup(s->ca_file)))
        return SP_ENOMEM;
    return sp_probe_spec_finish(ts, err, errlen);
}

static bool valid_date(const char *s)
{
    int64_t days;
    return sp_civil_parse_date(s, &days);
}

static sp_status resolve_target(loader *ld, const raw_target *rt, size_t i, const defaults *d,
                                sp_cfg_target *t)
{
    char key[128], err[256];
    sp_status st;
#define KEY(k) (snprintf(key, sizeof key, "targets[%zu].%s", i, k), key)
    if (!valid_id(rt->id))
        return fail(ld, KEY("id"), "'%s' must be made of a-z, 0-9, '_' and '-'", rt->id);
    t->id = strdup(rt->id);
    t->name = strdup(rt->name ? rt->name : rt->id);
    sp_probe_spec *s = &t->spec;
    sp_probe_spec_init(s);
    if (sp_probe_spec_set_target(s, rt->url, err, sizeof err) != SP_OK)
        return fail(ld, KEY("url"), "%s", err);
    int64_t ms;
    if ((st = duration(ld, KEY("interval"), rt->interval, d->interval, 1000, &t->interval_ms)) ||
        (st = duration(ld, KEY("timeout"), rt->timeout, d->timeout, 1, &ms)) ||
        (st = duration(ld, KEY("retry_interval"), rt->retry_interval, d->retry, 1000,
                       &t->retry_ms)))
        return st;
    if (ms > t->interval_ms)
        return fail(ld, KEY("timeout"), "timeout (%lld ms) is longer than the interval (%lld ms)",
                    (long long)ms, (long long)t->interval_ms);
    s->timeout_ms = (unsigned)ms;
    t->slow_ms = (double)d->slow;
    if (rt->slow_ms) {
        char *end;
        long v = strtol(rt->slow_ms, &end, 10);
        if (*end || v < 0)
            return fail(ld, KEY("slow_ms"), "'%s' is not a whole number of milliseconds",
                        rt->slow_ms);
        t->slow_ms = (double)v;
    }
    t->cert_warn_days = rt->cert_warn_days ? *rt->cert_warn_days : d->cert_warn_days;
    if (t->cert_warn_days < 0 || t->cert_warn_days > 3650)
        return fail(ld, KEY("cert_warn_days"), "%d is not 0-3650 days", t->cert_warn_days);
    t->confirm = rt->confirm ? *rt->confirm : d->confirm;
    if (t->confirm < 1 || t->confirm > 100)
        return fail(ld, KEY("confirm"), "%d is not 1-100", t->confirm);

    for (unsigned k = 0; k < rt->expect_status_count; k++)
        s->expect_status[s->n_expect_status++] = rt->expect_status[k];
    if ((st = nonempty(ld, KEY("ca_file"), rt->ca_file)) != SP_OK)
        return st;
    if (rt->ca_file)
        s->ca_file = strdup(rt->ca_file);
    if (rt->expect_body)
        s->expect_body = strdup(rt->expect_body);
    if (rt->expect_regex)
        s->expect_regex = strdup(rt->expect_regex);
    if (rt->expect_header)
        s->expect_header = strdup(rt->expect_header);
    if (rt->max_body) {
        char *end;
        long long v = strtoll(rt->max_body, &end, 10);
        if (*end || v < 1)
            return fail(ld, KEY("max_body"), "'%s' is not a positive byte count", rt->max_body);
        s->max_body = (size_t)v;
    }
    if (rt->max_redirects)
        s->max_redirects = *rt->max_redirects;
    if (rt->insecure && (st = flag(ld, KEY("insecure"), rt->insecure, &s->insecure)) != SP_OK)
        return st;
    if (rt->ip) {
        static const char *const names[] = {"prefer_ipv4", "prefer_ipv6", "ipv4", "ipv6"};
        size_t k;
        for (k = 0; k < 4 && strcmp(rt->ip, names[k]) != 0; k++)
            ;
        if (k == 4)
            return fail(ld, KEY("ip"), "'%s' is not prefer_ipv4, prefer_ipv6, ipv4 or ipv6",
                        rt->ip);
        s->ip = (sp_ip_pref)k;
    }
    if (rt->dns_type || rt->dns_expect) {
        if (s->kind != SP_PROBE_DNS)
            return fail(ld, KEY(rt->dns_type ? "dns_type" : "dns_expect"),
                        "only for dns:// targets");
        if (rt->dns_type && !sp_dns_type_parse(rt->dns_type, &s->dns_type))
            return fail(ld, KEY("dns_type"), "'%s' is not A, AAAA, CNAME, MX or TXT",
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
    if (sp_probe_spec_finish(s, err, sizeof err) != SP_OK)
        return fail(ld, KEY("url"), "%s", err);
    if (rt->tls_interval && s->kind != SP_PROBE_HTTPS)
        return fail(ld, KEY("tls_interval"), "only for https:// targets");
    if (s->kind == SP_PROBE_HTTPS) {
        if ((st = tls_duration(ld, KEY("tls_interval"), rt->tls_interval, d->tls_interval,
                               &t->tls_interval_ms)) != SP_OK)
            return st;
        if (t->tls_interval_ms > 0 && build_tls_spec(s, &t->tls_spec, err, sizeof err) != SP_OK)
            return fail(ld, KEY("url"), "%s", err);
        if (t->tls_interval_ms > 0 && (int64_t)s->timeout_ms > t->tls_interval_ms)
            return fail(ld, KEY("tls_interval"), "shorter than the timeout (%u ms)",
                        s->timeout_ms);
    }

    if (rt->pattern && rt->sla_target)
        return fail(ld, KEY("sla_target"), "give either pattern or sla_target, not both");
    if (rt->pattern) {
        if (*rt->pattern < 1 || *rt->pattern > 6)
            return fail(ld, KEY("pattern"), "%d is not a pattern of the guideline (1-6)",
                        *rt->pattern);
        t->pattern = *rt->pattern;
        t->sla_target = d->patterns[t->pattern - 1].availability_pct;
    } else if (rt->sla_target) {
        if (!(*rt->sla_target > 0 && *rt->sla_target <= 100))
            return fail(ld, KEY("sla_target"), "%g is not a percentage in (0, 100]",
                        *rt->sla_target);
        t->sla_target = *rt->sla_target;
    } else {
        return fail(ld, KEY("id"), "target '%s' needs a pattern (1-6) or an sla_target", rt->id);
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
        if (!valid_date(rt->holidays[k]))
            return fail(ld, hk, "'%s' is not a date YYYY-MM-DD", rt->holidays[k]);
        t->holidays[t->n_holidays++] = strdup(rt->holidays[k]);
    }
    {
        /* Checked now, so a typo fails config-check instead of the month's report. */
        sp_cal_hours *h = NULL;
        if (sp_cal_hours_parse(t->service_hours, (const char *const *)t->holidays,
                               t->n_holidays, &h, err, sizeof err) != SP_OK)
            return fail(ld, KEY(t->service_hours ? "service_hours" : "holidays"), "%s", err);
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
        if (!(rk->below > 0 && rk->below <= 100))
            return fail(ld, ck, "%g is not an availability percentage in (0, 100]", rk->below);
        snprintf(ck, sizeof ck, "targets[%zu].credits[%u].credit", i, k);
        if (!(rk->credit > 0 && rk->credit <= 100))
            return fail(ld, ck, "%g is not a credit percentage in (0, 100]", rk->credit);
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
            return fail(ld, mk, "'%s' is not an ISO-8601 time with offset", w->start);
        snprintf(mk, sizeof mk, "targets[%zu].maintenance[%u].end", i, k);
        if (!sp_value_timestamp_ms(w->end, &o->end_ms))
            return fail(ld, mk, "'%s' is not an ISO-8601 time with offset", w->end);
        if (o->end_ms <= o->start_ms)
            return fail(ld, mk, "the window ends before it starts");
        o->reason = strdup(w->reason ? w->reason : "");
    }
#undef KEY
    return SP_OK;
}

static char **dup_list(char *const *v, unsigned n)
{
    char **out = calloc(n + 1, sizeof *out); /* NULL-terminated (argv) */
    for (unsigned k = 0; out && k < n; k++)
        if (!(out[k] = strdup(v[k])))
            return out; /* freed by the caller's destroy; reported as ENOMEM there */
    return out;
}

static sp_status resolve_alert(loader *ld, const raw_alert *ra, unsigned i, const sp_cfg *c,
                               sp_cfg_alert *a)
{
    char key[128];
    sp_status st;
#define KEY(k) (snprintf(key, sizeof key, "alerts[%u].%s", i, k), key)
    static const char *const types[] = {"webhook", "smtp", "exec"};
    size_t ty;
    for (ty = 0; ty < 3 && strcmp(ra->type, types[ty]) != 0; ty++)
        ;
    if (ty == 3)
        return fail(ld, KEY("type"), "'%s' is not webhook, smtp or exec", ra->type);
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
        {ra->url != NULL, "url", 3},          {ra->auth != NULL, "auth", 1},
        {ra->ca_file != NULL, "ca_file", 3},  {ra->insecure != NULL, "insecure", 3},
        {ra->starttls != NULL, "starttls", 2}, {ra->from != NULL, "from", 2},
        {ra->to != NULL, "to", 2},            {ra->username != NULL, "username", 2},
        {ra->password != NULL, "password", 2}, {ra->lang != NULL, "lang", 2},
        {ra->argv != NULL, "argv", 4},
        {ra->pass_env != NULL, "pass_env", 4},
    };
    for (size_t k = 0; k < sizeof only / sizeof only[0]; k++)
        if (only[k].given && !(only[k].types & (1u << ty)))
            return fail(ld, KEY(only[k].key), "not a key of %s alerts", types[ty]);
    if ((st = duration(ld, KEY("timeout"), ra->timeout, SP_CFG_DEFAULT_ALERT_TIMEOUT_MS, 100,
                       &a->timeout_ms)) ||
        (st = duration(ld, KEY("retry_backoff"), ra->retry_backoff,
                       SP_CFG_DEFAULT_ALERT_BACKOFF_MS, 100, &a->backoff_ms)) ||
        (st = duration(ld, KEY("retry_backoff_max"), ra->retry_backoff_max,
                       a->backoff_ms > SP_CFG_DEFAULT_ALERT_BACKOFF_MAX_MS
                           ? a->backoff_ms
                           : SP_CFG_DEFAULT_ALERT_BACKOFF_MAX_MS,
                       100, &a->backoff_max_ms)))
        return st;
    if (a->backoff_max_ms < a->backoff_ms)
        return fail(ld, KEY("retry_backoff_max"), "shorter than retry_backoff");
    a->retries = ra->retries ? *ra->retries : SP_CFG_DEFAULT_ALERT_RETRIES;
    if (a->retries < 0 || a->retries > 20)
        return fail(ld, KEY("retries"), "%d is not 0-20", a->retries);
    if (ra->insecure && (st = flag(ld, KEY("insecure"), ra->insecure, &a->insecure)) != SP_OK)
        return st;
    if ((st = nonempty(ld, KEY("ca_file"), ra->ca_file)) != SP_OK)
        return st;
    if (ra->ca_file)
        a->ca_file = strdup(ra->ca_file);
    if (a->type != SP_CFG_ALERT_EXEC) {
        const char *want = a->type == SP_CFG_ALERT_WEBHOOK ? "http:// or https://"
                                                           : "smtp:// or smtps://";
        const char *u = ra->url;
        if (!u)
            return fail(ld, KEY("type"), "a %s alert needs a url", types[ty]);
        bool ok = a->type == SP_CFG_ALERT_WEBHOOK
                      ? (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
                      : (strncmp(u, "smtp://", 7) == 0 || strncmp(u, "smtps://", 8) == 0);
        const char *host = strstr(u, "://");
        if (!ok || !host || !host[3] || host[3] == '/' || strpbrk(u, " \t\r\n"))
            return fail(ld, KEY("url"), "'%s' is not a %s URL", u, want);
        a->url = strdup(u);
    }
    if (ra->auth) {
        if ((st = read_secret(ld, KEY("auth.value"), ra->auth->value, &a->password)) != SP_OK)
            return st;
        size_t n = strlen(ra->auth->header) + strlen(a->password) + 3;
        if (strpbrk(ra->auth->header, ": \r\n"))
            return fail(ld, KEY("auth.header"), "'%s' is not a header name", ra->auth->header);
        if ((a->auth_header = malloc(n)))
            snprintf(a->auth_header, n, "%s: %s", ra->auth->header, a->password);
        free(a->password);
        a->password = NULL;
        a->auth_ref = strdup(ra->auth->value);
    }
    if (a->type == SP_CFG_ALERT_SMTP) {
        if (!ra->from || !strchr(ra->from, '@') || strpbrk(ra->from, "<>\r\n"))
            return fail(ld, KEY("from"), ra->from ? "'%s' is not a mail address"
                                                  : "an smtp alert needs from: (a mail address)",
                        ra->from);
        a->from = strdup(ra->from);
        if (!ra->to_count)
            return fail(ld, KEY("type"), "an smtp alert needs to: (a list of addresses)");
        for (unsigned k = 0; k < ra->to_count; k++) {
            char tk[48];
            snprintf(tk, sizeof tk, "to[%u]", k);
            if (!strchr(ra->to[k], '@') || strpbrk(ra->to[k], "<>,\r\n"))
                return fail(ld, KEY(tk), "'%s' is not a mail address", ra->to[k]);
        }
        a->to = dup_list(ra->to, ra->to_count);
        a->n_to = ra->to_count;
        a->starttls = true;
        if (ra->starttls && (st = flag(ld, KEY("starttls"), ra->starttls, &a->starttls)) != SP_OK)
            return st;
        if (a->starttls && strncmp(a->url, "smtps://", 8) == 0)
            return fail(ld, KEY("starttls"), "smtps:// is TLS from the start; starttls is for smtp://");
        if (ra->password && !ra->username)
            return fail(ld, KEY("password"), "a password needs a username");
        if (ra->username)
            a->username = strdup(ra->username);
        if (ra->password) {
            if ((st = read_secret(ld, KEY("password"), ra->password, &a->password)) != SP_OK)
                return st;
            a->password_ref = strdup(ra->password);
        }
        if (ra->lang && strcmp(ra->lang, "en") && strcmp(ra->lang, "ja"))
            return fail(ld, KEY("lang"), "'%s' is not en or ja", ra->lang);
        a->lang = strdup(ra->lang ? ra->lang : "en");
    }
    if (a->type == SP_CFG_ALERT_EXEC) {
        if (!ra->argv_count)
            return fail(ld, KEY("type"), "an exec alert needs argv: [program, args...]");
        if (!ra->argv[0][0])
            return fail(ld, KEY("argv[0]"), "the program is empty");
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
                return fail(ld, KEY(pk), "'%s' is not an environment variable name", nm);
            if (strncmp(nm, "SLAPROBE_", 9) == 0)
                return fail(ld, KEY(pk), "SLAPROBE_* variables are the event's, set by slaprobe");
        }
        a->pass_env = dup_list(ra->pass_env, ra->pass_env_count);
        a->n_pass_env = ra->pass_env_count;
    }
    for (unsigned k = 0; k < ra->targets_count; k++) {
        char tk[48];
        snprintf(tk, sizeof tk, "targets[%u]", k);
        if (!sp_cfg_find_target(c, ra->targets[k]))
            return fail(ld, KEY(tk), "no target has the id '%s'", ra->targets[k]);
    }
    if (ra->targets_count) {
        a->targets = dup_list(ra->targets, ra->targets_count);
        a->n_targets = ra->targets_count;
    }
    a->events = ra->events_count ? 0 : SP_CFG_ALERT_ON_ALL;
    for (unsigned k = 0; k < ra->events_count; k++) {
        static const char *const evs[] = {"down", "up", "cert_expiring", "tls_grade_drop"};
        size_t e;
        for (e = 0; e < 4 && strcmp(ra->events[k], evs[e]) != 0; e++)
            ;
        char ek[48];
        snprintf(ek, sizeof ek, "events[%u]", k);
        if (e == 4)
            return fail(ld, KEY(ek), "'%s' is not down, up, cert_expiring or tls_grade_drop",
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

typedef struct id_at {
    const char *id;
    size_t i;
} id_at;

static int by_id_then_index(const void *a, const void *b)
{
    const id_at *x = a, *y = b;
    int d = strcmp(x->id, y->id);
    return d ? d : (x->i > y->i) - (x->i < y->i);
}

/* The first target (in file order) whose id an earlier one has. Sorted,
 * not pairwise: 10,000 targets were 50 million comparisons, and a reload
 * runs this on the daemon's loop. */
static sp_status check_unique_ids(loader *ld, const sp_cfg *c)
{
    if (c->n_targets < 2)
        return SP_OK;
    id_at *v = malloc(c->n_targets * sizeof *v);
    if (!v)
        return SP_ENOMEM;
    for (size_t i = 0; i < c->n_targets; i++)
        v[i] = (id_at){c->targets[i].id, i};
    qsort(v, c->n_targets, sizeof *v, by_id_then_index);
    size_t dup = SIZE_MAX, first = 0, group = 0;
    for (size_t k = 1; k < c->n_targets; k++) {
        if (strcmp(v[k].id, v[group].id) != 0)
            group = k;
        else if (v[k].i < dup)
            dup = v[k].i, first = v[group].i;
    }
    free(v);
    if (dup == SIZE_MAX)
        return SP_OK;
    char key[64];
    snprintf(key, sizeof key, "targets[%zu].id", dup);
    return fail(ld, key, "duplicate id '%s' (also targets[%zu])", c->targets[dup].id, first);
}

static sp_status resolve(loader *ld, const raw_cfg *r, sp_cfg *c)
{
    sp_status st;
    defaults d = {SP_CFG_DEFAULT_INTERVAL_MS, SP_CFG_DEFAULT_TIMEOUT_MS, SP_CFG_DEFAULT_RETRY_MS,
                  SP_CFG_DEFAULT_SLOW_MS, SP_CFG_DEFAULT_CONFIRM, NULL,
                  SP_CFG_DEFAULT_TLS_INTERVAL_MS, SP_CFG_DEFAULT_CERT_WARN_DAYS};
    if (r->defaults) {
        const raw_defaults *rd = r->defaults;
        if ((st = duration(ld, "defaults.interval", rd->interval, d.interval, 1000, &d.interval)) ||
            (st = duration(ld, "defaults.timeout", rd->timeout, d.timeout, 1, &d.timeout)) ||
            (st = duration(ld, "defaults.retry_interval", rd->retry_interval, d.retry, 1000,
                           &d.retry)))
            return st;
        if (rd->slow_ms) {
            char *end;
            long v = strtol(rd->slow_ms, &end, 10);
            if (*end || v < 0)
                return fail(ld, "defaults.slow_ms", "'%s' is not a whole number of milliseconds",
                            rd->slow_ms);
            d.slow = v;
        }
        if (rd->confirm)
            d.confirm = *rd->confirm;
        if (rd->cert_warn_days) {
            if (*rd->cert_warn_days < 0 || *rd->cert_warn_days > 3650)
                return fail(ld, "defaults.cert_warn_days", "%d is not 0-3650 days",
                            *rd->cert_warn_days);
            d.cert_warn_days = *rd->cert_warn_days;
        }
        if ((st = tls_duration(ld, "defaults.tls_interval", rd->tls_interval, d.tls_interval,
                               &d.tls_interval)))
            return st;
    }
    for (int k = 0; k < SP_PATTERN_COUNT; k++)
        c->patterns[k] = *sp_pattern_get(k + 1);
    for (unsigned k = 0; k < r->patterns_count; k++) {
        const raw_pattern *rp = &r->patterns[k];
        char pk[96];
        snprintf(pk, sizeof pk, "patterns[%u].pattern", k);
        if (rp->pattern < 1 || rp->pattern > SP_PATTERN_COUNT)
            return fail(ld, pk, "%d is not a pattern of the guideline (1-6)", rp->pattern);
        sp_pattern *p = &c->patterns[rp->pattern - 1];
        if (rp->availability) {
            snprintf(pk, sizeof pk, "patterns[%u].availability", k);
            if (!(*rp->availability > 0 && *rp->availability <= 100))
                return fail(ld, pk, "%g is not a percentage in (0, 100]", *rp->availability);
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
            if ((st = duration(ld, pk, iv[v].raw, *iv[v].out, 1000, iv[v].out)))
                return st;
        }
    }
    d.patterns = c->patterns;
    c->timezone = strdup(r->timezone ? r->timezone : SP_CFG_DEFAULT_TIMEZONE);
    if (c->timezone && !sp_cal_tz_valid(c->timezone))
        return fail(ld, "timezone", "'%s' is not a time zone this system knows (e.g. Asia/Tokyo, UTC)",
                    c->timezone);
    if (r->storage && (st = nonempty(ld, "storage.dir", r->storage->dir)) != SP_OK)
        return st;
    c->storage_dir = strdup(r->storage && r->storage->dir ? r->storage->dir : SP_CFG_DEFAULT_STORAGE);
    c->retention = SP_STORE_RETENTION_DEFAULT;
    if (r->storage && r->storage->retention) {
        const raw_retention *rr = r->storage->retention;
        const struct {
            int *v;
            long *out;
            const char *key;
        } days[] = {{rr->full_days, &c->retention.full_days, "storage.retention.full_days"},
                    {rr->five_min_days, &c->retention.five_min_days,
                     "storage.retention.five_min_days"},
                    {rr->hourly_days, &c->retention.hourly_days, "storage.retention.hourly_days"}};
        for (int i = 0; i < 3; i++) {
            if (!days[i].v)
                continue;
            if (*days[i].v < 1 || *days[i].v > 36600)
                return fail(ld, days[i].key, "%d is not 1-36600 days", *days[i].v);
            *days[i].out = *days[i].v;
        }
    }
    if (r->storage && r->storage->rrdcached) {
        const char *a = r->storage->rrdcached;
        if (strncmp(a, "unix:", 5) != 0 && !strchr(a, ':'))
            return fail(ld, "storage.rrdcached", "'%s' is not unix:/path or host:port", a);
        c->rrdcached = strdup(a);
    }
    for (unsigned i = 0; i < r->dns_servers_count; i++) {
        if (!r->dns_servers[i][0]) {
            char key[64];
            snprintf(key, sizeof key, "dns_servers[%u]", i);
            return fail(ld, key, "empty (give host or host:port)");
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
    c->targets = calloc(r->targets_count, sizeof *c->targets);
    if (!c->targets)
        return SP_ENOMEM;
    for (size_t i = 0; i < r->targets_count; i++) {
        c->n_targets++;
        if ((st = resolve_target(ld, &r->targets[i], i, &d, &c->targets[i])) != SP_OK)
            return st;
    }
    if ((st = check_unique_ids(ld, c)) != SP_OK)
        return st;
    for (unsigned i = 0; i < r->control_targets_count; i++) {
        sp_cfg_target *t = (sp_cfg_target *)sp_cfg_find_target(c, r->control_targets[i]);
        if (!t) {
            char key[64];
            snprintf(key, sizeof key, "control_targets[%u]", i);
            return fail(ld, key, "no target has the id '%s'", r->control_targets[i]);
        }
        t->is_control = true;
    }
    c->status_every_ms = 5 * 60 * 1000;
    if (r->status_page) {
        const raw_status *s = r->status_page;
        if ((st = duration(ld, "status_page.every", s->every, c->status_every_ms, 1000,
                           &c->status_every_ms)))
            return st;
        if (s->lang && strcmp(s->lang, "en") && strcmp(s->lang, "ja") && strcmp(s->lang, "both"))
            return fail(ld, "status_page.lang", "'%s' is not en, ja or both", s->lang);
        if ((st = nonempty(ld, "status_page.dir", s->dir)) != SP_OK)
            return st;
        c->status_dir = s->dir ? strdup(s->dir) : NULL;
        c->status_lang = strdup(s->lang ? s->lang : "en");
    }
    if (r->report_url) {
        if (strncmp(r->report_url, "http://", 7) && strncmp(r->report_url, "https://", 8))
            return fail(ld, "report_url", "'%s' is not an http:// or https:// URL", r->report_url);
        c->report_url = strdup(r->report_url);
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

/* --- Public ------------------------------------------------------------- */

/* The whole file, read once so that both passes see the same text (also
 * from a pipe), and at most SP_CFG_MAX_BYTES of it, so that a wrong file
 * (a log, a disk image, /dev/zero) is refused instead of parsed. */
static sp_status read_text(const char *path, unsigned char **out, size_t *outlen, char *err,
                           size_t errlen)
{
    sp_status st = SP_OK;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *fp = fopen(path, "rbe");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SP_EIO;
    }
    while (!feof(fp) && !ferror(fp)) {
        if (len == cap) {
            if (cap > SP_CFG_MAX_BYTES)
                break; /* one byte over is enough to know */
            size_t ncap = cap ? 2 * cap : 64 * 1024;
            if (ncap > SP_CFG_MAX_BYTES + 1)
                ncap = SP_CFG_MAX_BYTES + 1;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                st = SP_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        len += fread(buf + len, 1, cap - len, fp);
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        st = SP_EIO;
    } else if (len > SP_CFG_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %d MiB, too large for a configuration file", path,
                 SP_CFG_MAX_BYTES >> 20);
        st = SP_EPARSE;
    }
out:
    fclose(fp);
    if (st != SP_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *outlen = len;
    return SP_OK;
}

sp_status sp_cfg_load(const char *path, sp_cfg **out, char *err, size_t errlen)
{
    loader ld = {.path = path, .err = err, .errlen = errlen};
    raw_cfg *raw = NULL;
    sp_cfg *c = NULL;
    unsigned char *text = NULL;
    size_t len = 0;
    cyaml_config_t cc = {
        .log_fn = log_to_buffer,
        .log_ctx = &ld,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_WARNING,
    };
    *out = NULL;
    sp_status st = read_text(path, &text, &len, err, errlen);
    if (st != SP_OK)
        return st;
    ld.lines = sp_cfg_lines_create(text, len);
    /* Not YAML at all: libcyaml would say why but not where. */
    int line;
    const char *why = sp_cfg_lines_error(ld.lines, &line);
    if (why) {
        snprintf(err, errlen, "%s:%d: %s", path, line, why);
        st = SP_EPARSE;
        goto out;
    }
    if ((line = sp_cfg_lines_second_document(ld.lines)) > 0) {
        snprintf(err, errlen,
                 "%s:%d: a second YAML document (---); a configuration is one, and the rest "
                 "would be ignored",
                 path, line);
        st = SP_EPARSE;
        goto out;
    }
    cyaml_err_t e = cyaml_load_data(text, len, &cc, &top_value, (cyaml_data_t **)&raw, NULL);
    if (e != CYAML_OK) {
        describe_cyaml_error(&ld, e);
        st = SP_EPARSE;
        goto out;
    }
    /* A stream with no document at all (an empty file, blank lines,
     * comments) is not an error to libcyaml: it returns CYAML_OK and no
     * data. */
    if (!raw) {
        snprintf(err, errlen,
                 "%s: the file is empty (nothing but blank lines or comments); "
                 "targets: at least one target is required",
                 path);
        st = SP_EPARSE;
        goto out;
    }
    /* libcyaml has refused a null where a mapping, list or number belongs;
     * a string key with no value it reads as "", and so `name:`, `dir:` or
     * `ca_file:` left unfinished passed as an empty name or path. Nothing
     * in the schema takes null for a value. */
    const char *nul = sp_cfg_lines_first_null(ld.lines, &line);
    if (nul) {
        snprintf(err, errlen, "%s:%d: %s: no value (give one, or leave the key out)", path, line,
                 nul);
        st = SP_EPARSE;
        goto out;
    }
    if (!(c = calloc(1, sizeof *c)) || !(c->path = strdup(path)))
        st = SP_ENOMEM;
    else
        st = resolve(&ld, raw, c);
    if (st == SP_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", path);
    if (st != SP_OK) {
        sp_cfg_destroy(c);
        c = NULL;
    }
    *out = c;
out:
    cyaml_free(&cc, &top_value, raw, 0);
    sp_cfg_lines_destroy(ld.lines);
    free(text);
    return st;
}

void sp_cfg_destroy(sp_cfg *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_targets; i++) {
        sp_cfg_target *t = &c->targets[i];
        free(t->id);
        free(t->name);
        sp_probe_spec_free(&t->spec);
        sp_probe_spec_free(&t->tls_spec);
        free(t->service_hours);
        for (size_t k = 0; k < t->n_holidays; k++)
            free(t->holidays[k]);
        free(t->holidays);
        free(t->credits);
        for (size_t k = 0; k < t->n_maintenance; k++)
            free(t->maintenance[k].reason);
        free(t->maintenance);
        free(t->auth_ref);
    }
    free(c->targets);
    free(c->path);
    free(c->timezone);
    free(c->storage_dir);
    free(c->rrdcached);
    free(c->dns_servers);
    free(c->status_dir);
    free(c->status_lang);
    for (size_t i = 0; i < c->n_alerts; i++) {
        sp_cfg_alert *a = &c->alerts[i];
        char **lists[] = {a->to, a->argv, a->targets, a->pass_env};
        for (size_t l = 0; l < 4; l++) {
            for (char **v = lists[l]; v && *v; v++)
                free(*v);
            free(lists[l]);
        }
        free(a->name);
        free(a->url);
        free(a->auth_header);
        free(a->auth_ref);
        free(a->ca_file);
        free(a->from);
        free(a->username);
        free(a->password);
        free(a->password_ref);
        free(a->lang);
    }
    free(c->alerts);
    free(c->report_url);
    free(c);
}

bool sp_cfg_alert_wants(const sp_cfg_alert *a, unsigned kind, const char *id)
{
    if (!(a->events & kind))
        return false;
    if (!a->n_targets)
        return true;
    for (size_t k = 0; k < a->n_targets; k++)
        if (strcmp(a->targets[k], id) == 0)
            return true;
    return false;
}

const sp_cfg_target *sp_cfg_find_target(const sp_cfg *c, const char *id)
{
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i].id && strcmp(c->targets[i].id, id) == 0)
            return &c->targets[i];
    return NULL;
}

/* Quote for YAML output: JSON string syntax is valid YAML. */
static void yq(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(fp, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(fp, "\\u%04x", ch);
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

void sp_cfg_print(const sp_cfg *c, FILE *fp)
{
    fprintf(fp, "# effective configuration of %s (defaults applied, secrets masked)\n", c->path);
    fprintf(fp, "timezone: ");
    yq(fp, c->timezone);
    fprintf(fp, "\nstorage:\n  dir: ");
    yq(fp, c->storage_dir);
    if (c->rrdcached) {
        fprintf(fp, "\n  rrdcached: ");
        yq(fp, c->rrdcached);
    }
    fprintf(fp, "\n  retention: {full_days: %ld, five_min_days: %ld, hourly_days: %ld}",
            c->retention.full_days, c->retention.five_min_days, c->retention.hourly_days);
    fprintf(fp, "\ndns_servers: ");
    if (c->dns_servers)
        yq(fp, c->dns_servers);
    else
        fprintf(fp, "system");
    fprintf(fp, "\ntargets:\n");
    for (size_t i = 0; i < c->n_targets; i++) {
        const sp_cfg_target *t = &c->targets[i];
        const sp_probe_spec *s = &t->spec;
        fprintf(fp, "  - id: %s\n    name: ", t->id);
        yq(fp, t->name);
        fprintf(fp, "\n    url: ");
        yq(fp, s->target);
        fprintf(fp, "\n    kind: %s\n", sp_probe_kind_name(s->kind));
        fprintf(fp, "    interval: %llds\n    timeout: %ums\n    retry_interval: %llds\n",
                (long long)(t->interval_ms / 1000), s->timeout_ms,
                (long long)(t->retry_ms / 1000));
        fprintf(fp, "    confirm: %d\n    slow_ms: %.0f\n", t->confirm, t->slow_ms);
        if (s->kind == SP_PROBE_HTTPS) {
            if (t->tls_interval_ms)
                fprintf(fp, "    tls_interval: %llds\n", (long long)(t->tls_interval_ms / 1000));
            else
                fprintf(fp, "    tls_interval: off\n");
        }
        if (t->pattern)
            fprintf(fp, "    pattern: %d   # availability target %.1f %%\n", t->pattern,
                    t->sla_target);
        else
            fprintf(fp, "    sla_target: %g\n", t->sla_target);
        if (s->auth_header)
            fprintf(fp, "    auth: {value: \"%s\"}   # ******** (masked)\n", t->auth_ref);
        if (s->insecure)
            fprintf(fp, "    insecure: true\n");
        if (t->is_control)
            fprintf(fp, "    control: true\n");
        if (s->kind == SP_PROBE_HTTPS || s->kind == SP_PROBE_TLS)
            fprintf(fp, "    cert_warn_days: %d\n", t->cert_warn_days);
        if (t->service_hours) {
            fprintf(fp, "    service_hours: ");
            yq(fp, t->service_hours);
            fputc('\n', fp);
        }
        for (size_t k = 0; k < t->n_holidays; k++)
            fprintf(fp, "%s\"%s\"%s", k ? ", " : "    holidays: [", t->holidays[k],
                    k + 1 == t->n_holidays ? "]\n" : "");
        for (size_t k = 0; k < t->n_credits; k++)
            fprintf(fp, "%s{below: %g, credit: %g}%s", k ? ", " : "    credits: [",
                    t->credits[k].below_pct, t->credits[k].credit_pct,
                    k + 1 == t->n_credits ? "]\n" : "");
        if (t->n_maintenance)
            fprintf(fp, "    maintenance:\n");
        for (size_t k = 0; k < t->n_maintenance; k++) {
            char a[40], b[40];
            sp_probe_format_time(t->maintenance[k].start_ms, a, sizeof a);
            sp_probe_format_time(t->maintenance[k].end_ms, b, sizeof b);
            fprintf(fp, "      - {start: \"%s\", end: \"%s\", reason: ", a, b);
            yq(fp, t->maintenance[k].reason);
            fprintf(fp, "}\n");
        }
    }
    if (c->report_url) {
        fprintf(fp, "report_url: ");
        yq(fp, c->report_url);
        fputc('\n', fp);
    }
    if (c->n_alerts)
        fprintf(fp, "alerts:\n");
    static const char *const types[] = {"webhook", "smtp", "exec"};
    static const char *const evs[] = {"down", "up", "cert_expiring", "tls_grade_drop"};
    for (size_t i = 0; i < c->n_alerts; i++) {
        const sp_cfg_alert *a = &c->alerts[i];
        fprintf(fp, "  - type: %s\n    name: ", types[a->type]);
        yq(fp, a->name);
        fputc('\n', fp);
        if (a->url) {
            fprintf(fp, "    url: ");
            yq(fp, a->url);
            fputc('\n', fp);
        }
        if (a->auth_header)
            fprintf(fp, "    auth: {value: \"%s\"}   # ******** (masked)\n", a->auth_ref);
        if (a->type == SP_CFG_ALERT_SMTP) {
            fprintf(fp, "    starttls: %s\n    from: ", a->starttls ? "true" : "false");
            yq(fp, a->from);
            for (size_t k = 0; k < a->n_to; k++) {
                fprintf(fp, "%s", k ? ", " : "\n    to: [");
                yq(fp, a->to[k]);
            }
            fprintf(fp, "]\n    lang: %s\n", a->lang);
            if (a->username) {
                fprintf(fp, "    username: ");
                yq(fp, a->username);
                fputc('\n', fp);
            }
            if (a->password)
                fprintf(fp, "    password: \"%s\"   # ******** (masked)\n", a->password_ref);
        }
        for (size_t k = 0; k < a->n_argv; k++) {
            fprintf(fp, "%s", k ? ", " : "    argv: [");
            yq(fp, a->argv[k]);
            fprintf(fp, "%s", k + 1 == a->n_argv ? "]\n" : "");
        }
        for (size_t k = 0; k < a->n_pass_env; k++)
            fprintf(fp, "%s%s%s", k ? ", " : "    pass_env: [", a->pass_env[k],
                    k + 1 == a->n_pass_env ? "]\n" : "");
        if (a->ca_file) {
            fprintf(fp, "    ca_file: ");
            yq(fp, a->ca_file);
            fputc('\n', fp);
        }
        if (a->insecure)
            fprintf(fp, "    insecure: true\n");
        fprintf(fp, "    timeout: %lldms\n    retries: %d\n", (long long)a->timeout_ms,
                a->retries);
        fprintf(fp, "    retry_backoff: %lldms\n    retry_backoff_max: %lldms\n",
                (long long)a->backoff_ms, (long long)a->backoff_max_ms);
        for (size_t k = 0; k < a->n_targets; k++)
            fprintf(fp, "%s%s%s", k ? ", " : "    targets: [", a->targets[k],
                    k + 1 == a->n_targets ? "]\n" : "");
        fprintf(fp, "    events: [");
        for (unsigned e = 0, n = 0; e < 4; e++)
            if (a->events & (1u << e))
                fprintf(fp, "%s%s", n++ ? ", " : "", evs[e]);
        fprintf(fp, "]\n");
    }
}
