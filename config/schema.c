/*
 * The libcyaml schema of the configuration file (SPEC section 5): which
 * keys exist, their types, which are required and how many entries a list
 * may have. libcyaml refuses an unknown or repeated key, a wrong type or a
 * missing required key against these tables; what a value means is checked
 * afterwards (resolve.c). Key names are a contract: add keys, never rename
 * them. The raw structs the tables fill are in config_int.h.
 */
#include "config_int.h"

#define OPT (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)
#define STR(key, st, m) CYAML_FIELD_STRING_PTR(key, OPT, st, m, 0, CYAML_UNLIMITED)

/* The keys of a raw_timing, in a target (st raw_target) or in `defaults:`
 * (st raw_defaults): one list, so the two cannot drift apart. */
#define TIMING_FIELDS(st)                                                                          \
    STR("interval", st, timing.interval), STR("timeout", st, timing.timeout),                      \
        STR("retry_interval", st, timing.retry_interval), STR("slow_ms", st, timing.slow_ms),      \
        CYAML_FIELD_INT_PTR("confirm", OPT, st, timing.confirm),                                   \
        STR("tls_interval", st, timing.tls_interval),                                              \
        CYAML_FIELD_INT_PTR("cert_warn_days", OPT, st, timing.cert_warn_days)

static const cyaml_schema_value_t int_value = {CYAML_VALUE_INT(CYAML_FLAG_DEFAULT, int)};
static const cyaml_schema_value_t str_value = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};

static const cyaml_schema_field_t window_fields[] = {
    CYAML_FIELD_STRING_PTR("start", CYAML_FLAG_POINTER, raw_window, start, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("end", CYAML_FLAG_POINTER, raw_window, end, 0, CYAML_UNLIMITED),
    STR("reason", raw_window, reason), CYAML_FIELD_END};
static const cyaml_schema_value_t window_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_window, window_fields)};

static const cyaml_schema_field_t tier_fields[] = {
    CYAML_FIELD_FLOAT("below", CYAML_FLAG_DEFAULT, raw_tier, below),
    CYAML_FIELD_FLOAT("credit", CYAML_FLAG_DEFAULT, raw_tier, credit), CYAML_FIELD_END};
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
    STR("reject_regex", raw_target, reject_regex),
    STR("method", raw_target, method),
    STR("body", raw_target, body),
    CYAML_FIELD_SEQUENCE("headers", OPT, raw_target, headers, &str_value, 1, 32),
    STR("max_body", raw_target, max_body),
    CYAML_FIELD_INT_PTR("max_redirects", OPT, raw_target, max_redirects),
    STR("insecure", raw_target, insecure),
    CYAML_FIELD_MAPPING_PTR("auth", OPT, raw_target, auth, auth_fields),
    STR("client_cert", raw_target, client_cert),
    STR("client_key", raw_target, client_key),
    STR("tls_cn_fallback", raw_target, tls_cn_fallback),
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
    TIMING_FIELDS(raw_target),
    CYAML_FIELD_SEQUENCE("vantages", OPT, raw_target, vantages, &str_value, 1, CYAML_UNLIMITED),
    CYAML_FIELD_INT_PTR("quorum", OPT, raw_target, quorum),
    STR("public", raw_target, public_),
    STR("group", raw_target, group),
    CYAML_FIELD_END};
static const cyaml_schema_value_t target_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_target, target_fields)};

static const cyaml_schema_field_t defaults_fields[] = {TIMING_FIELDS(raw_defaults),
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
    STR("format", raw_alert, format),
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
    CYAML_FIELD_INT_PTR("hourly_days", OPT, raw_retention, hourly_days), CYAML_FIELD_END};

static const cyaml_schema_field_t central_fields[] = {
    STR("rrdcached", raw_central, rrdcached), STR("every", raw_central, every),
    STR("timeout", raw_central, timeout), CYAML_FIELD_END};

static const cyaml_schema_field_t storage_fields[] = {
    STR("dir", raw_storage, dir), STR("rrdcached", raw_storage, rrdcached),
    CYAML_FIELD_MAPPING_PTR("retention", OPT, raw_storage, retention, retention_fields),
    CYAML_FIELD_MAPPING_PTR("central", OPT, raw_storage, central, central_fields), CYAML_FIELD_END};

static const cyaml_schema_field_t status_fields[] = {STR("dir", raw_status, dir),
                                                     STR("every", raw_status, every),
                                                     STR("lang", raw_status, lang),
                                                     STR("title", raw_status, title),
                                                     STR("url", raw_status, url),
                                                     STR("logo", raw_status, logo),
                                                     STR("footer", raw_status, footer),
                                                     STR("posts", raw_status, posts),
                                                     CYAML_FIELD_END};

static const cyaml_schema_field_t evidence_fields[] = {
    STR("key", raw_evidence, key), STR("checkpoint_every", raw_evidence, checkpoint_every),
    STR("tsa_url", raw_evidence, tsa_url), STR("tsa_ca", raw_evidence, tsa_ca), CYAML_FIELD_END};

static const cyaml_schema_field_t metrics_fields[] = {
    STR("listen", raw_metrics, listen), STR("modules", raw_metrics, modules), CYAML_FIELD_END};

static const cyaml_schema_field_t top_fields[] = {
    STR("timezone", raw_cfg, timezone),
    CYAML_FIELD_MAPPING_PTR("storage", OPT, raw_cfg, storage, storage_fields),
    CYAML_FIELD_SEQUENCE("dns_servers", OPT, raw_cfg, dns_servers, &str_value, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("control_targets", OPT, raw_cfg, control_targets, &str_value, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("defaults", OPT, raw_cfg, defaults, defaults_fields),
    CYAML_FIELD_SEQUENCE("targets", CYAML_FLAG_POINTER, raw_cfg, targets, &target_value, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("status_page", OPT, raw_cfg, status_page, status_fields),
    CYAML_FIELD_SEQUENCE("patterns", OPT, raw_cfg, patterns, &pattern_value, 0, SP_PATTERN_COUNT),
    CYAML_FIELD_SEQUENCE("alerts", OPT, raw_cfg, alerts, &alert_value, 0, 64),
    STR("report_url", raw_cfg, report_url),
    CYAML_FIELD_MAPPING_PTR("evidence", OPT, raw_cfg, evidence, evidence_fields),
    STR("vantage", raw_cfg, vantage),
    CYAML_FIELD_SEQUENCE("vantages", OPT, raw_cfg, vantages, &str_value, 1, 64),
    CYAML_FIELD_INT_PTR("quorum", OPT, raw_cfg, quorum),
    CYAML_FIELD_MAPPING_PTR("metrics", OPT, raw_cfg, metrics, metrics_fields),
    CYAML_FIELD_END};
const cyaml_schema_value_t sp_cfg_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, raw_cfg, top_fields)};

/* Words of values the schema reads as strings (see config_int.h). */
const char *const sp_cfg_alert_type_names[SP_CFG_ALERT_TYPES] = {"webhook", "smtp", "exec"};
const char *const sp_cfg_alert_format_names[SP_CFG_FORMATS] = {"generic", "slack", "teams",
                                                               "discord"};
const char *const sp_cfg_alert_event_names[SP_CFG_ALERT_EVENTS] = {"down", "up", "cert_expiring",
                                                                   "tls_grade_drop"};
