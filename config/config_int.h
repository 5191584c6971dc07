/*
 * What the files of config/ share, and nothing outside config/ sees (the
 * public contract is config.h): the raw structs libcyaml fills from the
 * file (schema.c), the loader's state with its one error line, the checks
 * that name a key's line when a value is refused (check.c), and the
 * resolution of raw values into an sp_cfg (resolve.c). config.c reads the
 * file, runs libcyaml and calls the resolution; print.c prints the result.
 *
 * Threads: none; the loader lives on the stack of one sp_cfg_load().
 */
#ifndef SP_CFG_INT_H
#define SP_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>

#include "config.h"
#include "lines.h"

/* --- Raw schema (what the file says; schema.c) --------------------------- */

/* Every pointer is NULL where the file leaves the key out. */

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

/* The keys a target and `defaults:` both take (a target's own win). */
typedef struct raw_timing {
    char *interval, *timeout, *retry_interval, *slow_ms;
    int *confirm;
    char *tls_interval;
    int *cert_warn_days;
} raw_timing;

typedef struct raw_target {
    char *id, *name, *url, *ca_file;
    int *expect_status;
    unsigned expect_status_count;
    char *expect_body, *expect_regex, *expect_header;
    char *reject_regex, *method, *body;
    char **headers;
    unsigned headers_count;
    char *max_body;
    int *max_redirects;
    char *insecure; /* true/false, read by sp_cfg_flag(): see there */
    raw_auth *auth;
    char *client_cert, *client_key; /* file:/path references */
    char *tls_cn_fallback;          /* true/false, sp_cfg_flag() */
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
    raw_timing timing;
    char **vantages; /* SPEC section 10: a subset of the top-level vantages */
    unsigned vantages_count;
    int *quorum;
    char *public_; /* status page (SPEC section 13): true/false, sp_cfg_flag() */
    char *group;   /* status page heading the target is listed under */
} raw_target;

typedef struct raw_defaults {
    raw_timing timing;
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
    char *format;
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

typedef struct raw_central {
    char *rrdcached, *every, *timeout;
} raw_central;

typedef struct raw_storage {
    char *dir, *rrdcached;
    raw_retention *retention;
    raw_central *central;
} raw_storage;

typedef struct raw_status {
    char *dir, *every, *lang, *posts;
    char *title, *url, *logo, *footer; /* SPEC section 13: the provider's page */
} raw_status;

typedef struct raw_evidence {
    char *key, *checkpoint_every, *tsa_url, *tsa_ca;
} raw_evidence;

typedef struct raw_metrics {
    char *listen;
    char *modules; /* a blackbox_exporter modules file, for /probe */
} raw_metrics;

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
    raw_evidence *evidence;
    char *vantage; /* SPEC section 10 */
    char **vantages;
    unsigned vantages_count;
    int *quorum;
    raw_metrics *metrics; /* SPEC section 12 */
} raw_cfg;

/* The document's schema: a raw_cfg (schema.c). */
extern const cyaml_schema_value_t sp_cfg_schema;

/* The words of an alert's `type:` (index sp_cfg_alert_type) and `events:`
 * (bit k is SP_CFG_ALERT_ON_* 1 << k): read by resolve.c, printed by
 * print.c. */
#define SP_CFG_ALERT_TYPES 3
#define SP_CFG_ALERT_EVENTS 4
extern const char *const sp_cfg_alert_type_names[SP_CFG_ALERT_TYPES];
extern const char *const sp_cfg_alert_event_names[SP_CFG_ALERT_EVENTS];

/* --- The loader and its error (check.c) ---------------------------------- */

typedef struct sp_cfg_loader {
    const char *path;
    sp_cfg_lines *lines; /* key path -> line, for every message */
    char log[4096];      /* libcyaml's messages */
    size_t log_len;
    char *err; /* the caller's buffer for the one error line */
    size_t errlen;
} sp_cfg_loader;

/* Write "FILE:LINE: KEY: message" (or "FILE: KEY: message" when the key is
 * not in the file) to ld->err; returns SP_EPARSE. */
sp_status sp_cfg_fail(sp_cfg_loader *ld, const char *keypath, const char *fmt, ...);

/* Load another YAML file against schema with parent's error buffer (config.c)
 * and hand its raw data to use(ld, raw, arg), whose errors name that file;
 * raw is freed after. For the status page's posts (posts.c). */
sp_status sp_cfg__load_file(const sp_cfg_loader *parent, const char *file,
                            const cyaml_schema_value_t *schema, void **raw,
                            sp_status (*use)(sp_cfg_loader *ld, void *raw, void *arg), void *arg);
/* posts.c: every post file of dir into c->posts; and their freeing. */
sp_status sp_cfg__resolve_posts(sp_cfg_loader *ld, const char *dir, sp_cfg *c);
void sp_cfg__free_posts(sp_cfg *c);

/* --- Checks of one value (check.c) --------------------------------------- */

/* Each takes the raw value at `key` and either gives its value or fails
 * with sp_cfg_fail() naming the key. */

/* A duration of at least min_ms; def when raw is NULL. */
sp_status sp_cfg_duration(sp_cfg_loader *ld, const char *key, const char *raw, int64_t def,
                          int64_t min_ms, int64_t *out);

/* tls_interval: a duration of at least a second, or 0 / "off" for none. */
sp_status sp_cfg_tls_duration(sp_cfg_loader *ld, const char *key, const char *raw, int64_t def,
                              int64_t *out);

/* A path given as "" (raw NULL passes: the key was left out). */
sp_status sp_cfg_nonempty(sp_cfg_loader *ld, const char *key, const char *raw);

/* true/false (raw not NULL). */
sp_status sp_cfg_flag(sp_cfg_loader *ld, const char *key, const char *raw, bool *out);

/* v in lo..hi, else "V is not LO-HI<unit>". */
sp_status sp_cfg_range(sp_cfg_loader *ld, const char *key, int v, int lo, int hi, const char *unit);

/* v in (0, 100], else "V is not <what> percentage in (0, 100]" (what: "a",
 * "an availability", ...). */
sp_status sp_cfg_percent(sp_cfg_loader *ld, const char *key, double v, const char *what);

/* Index of s in words[0..n), n when it is none of them. */
size_t sp_cfg_word(const char *s, const char *const *words, size_t n);

/* id is a target id: [a-z0-9_-]+. */
bool sp_cfg_valid_id(const char *id);

/* s is a date YYYY-MM-DD. */
bool sp_cfg_valid_date(const char *s);

/* --- Checks across values (check.c) -------------------------------------- */

/* The first target (in file order) whose id an earlier one has. */
sp_status sp_cfg_check_unique_ids(sp_cfg_loader *ld, const sp_cfg *c);

/* Every ids[k] names a target of c; list_key ("control_targets",
 * "alerts[2].targets") names the first that does not as list_key[k]. */
sp_status sp_cfg_check_target_ids(sp_cfg_loader *ld, const sp_cfg *c, const char *list_key,
                                  char *const *ids, unsigned n);

/* --- Resolution (resolve.c) ---------------------------------------------- */

/* Fill c (zeroed, c->path set) from r: every default applied, every value
 * checked in file order, so the first mistake is the one reported. On
 * error c holds what was resolved so far, for sp_cfg_destroy(). */
sp_status sp_cfg_resolve(sp_cfg_loader *ld, const raw_cfg *r, sp_cfg *c);

#endif
