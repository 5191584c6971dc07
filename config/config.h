/*
 * sp_cfg: the YAML configuration (SPEC section 5), loaded, checked and
 * resolved into effective values: every default applied, every duration in
 * milliseconds, every target's probe spec built and compiled.
 *
 * Key names are a contract: keys may be added, never renamed. Any error
 * names the file, the line and the key ("slaprobe.yaml:12: targets[1].interval:
 * ..."), and the caller exits 2 without starting anything.
 *
 * Secrets (auth header values, SMTP passwords) are referenced as env:NAME or file:/path,
 * read at load time, and never printed: sp_cfg_print() masks them.
 *
 * Ownership: sp_cfg_load() returns an object the caller destroys with
 * sp_cfg_destroy(); every pointer inside belongs to it and is read-only.
 */
#ifndef SP_CFG_H
#define SP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/sp_pattern.h"
#include "common/sp_status.h"
#include "probe/sp_probe.h"
#include "sla/sla.h"
#include "storage/layout.h"

typedef struct sp_cfg_window {
    int64_t start_ms, end_ms; /* Unix ms, start < end */
    char *reason;
} sp_cfg_window;

typedef struct sp_cfg_target {
    char *id;   /* [a-z0-9_-]+, names the files */
    char *name; /* display name; defaults to id */
    sp_probe_spec spec;
    int64_t interval_ms, retry_ms;
    int confirm;
    double slow_ms;
    int pattern;         /* 1-6, or 0 when sla_target was given */
    double sla_target;   /* percent */
    char *service_hours; /* NULL: 24x7; checked against calendar.h's grammar */
    char **holidays;     /* local dates "YYYY-MM-DD" without service hours */
    size_t n_holidays;
    sp_sla_tier *credits; /* the contract's credit tiers (may be none) */
    size_t n_credits;
    sp_cfg_window *maintenance;
    size_t n_maintenance;
    bool is_control;
    char *auth_ref; /* "env:NAME" / "file:/path" as written, for printing */
    /* TLS posture (https targets): checked every tls_interval_ms on a grid
     * of its own; 0: never. tls_spec is the tls-kind spec it runs. */
    int64_t tls_interval_ms;
    sp_probe_spec tls_spec;
    /* An alert when the certificate has this many days left or fewer
     * (once per day of left); 0: never. */
    int cert_warn_days;
    /* The vantages whose measurements count for this target (SPEC section
     * 10): its own list, or the configuration's when it has none (then
     * n_vantages is the configuration's count and vantages points into it:
     * own_vantages says which); quorum resolved (a majority by default;
     * 0 when there are no vantages). */
    char **vantages;
    size_t n_vantages;
    bool own_vantages;
    int quorum;
    /* On the public status page (SPEC section 13): `public:`, by default
     * every target but the control targets, which are measurement aids. */
    bool is_public;
    /* `group:`: the heading the status page lists the target under (its
     * services grouped in the order the groups first appear); NULL: none. */
    char *group;
} sp_cfg_target;

/* --- Alerts (SPEC section 7) --- */

typedef enum sp_cfg_alert_type {
    SP_CFG_ALERT_WEBHOOK, /* JSON POST */
    SP_CFG_ALERT_SMTP,    /* mail through libcurl, STARTTLS */
    SP_CFG_ALERT_EXEC,    /* a program, no shell, the event in its environment */
} sp_cfg_alert_type;

/* The body a webhook posts: slaprobe's own JSON, or the message a chat
 * service's incoming webhook expects (SPEC section 12). */
typedef enum sp_cfg_alert_format {
    SP_CFG_FORMAT_GENERIC, /* slaprobe's event JSON, with a `text` line */
    SP_CFG_FORMAT_SLACK,   /* {"text": mrkdwn} */
    SP_CFG_FORMAT_TEAMS,   /* a Workflows message with an Adaptive Card */
    SP_CFG_FORMAT_DISCORD, /* {"content": ..., no mentions} */
    SP_CFG_FORMATS
} sp_cfg_alert_format;

/* "generic", "slack", "teams", "discord" */
extern const char *const sp_cfg_alert_format_names[SP_CFG_FORMATS];

/* Which events a channel takes (bit set of `events:`). */
#define SP_CFG_ALERT_ON_DOWN 0x1u
#define SP_CFG_ALERT_ON_UP 0x2u
#define SP_CFG_ALERT_ON_CERT 0x4u
#define SP_CFG_ALERT_ON_GRADE 0x8u
#define SP_CFG_ALERT_ON_ALL 0xfu

typedef struct sp_cfg_alert {
    sp_cfg_alert_type type;
    char *name;         /* `name`, or "alerts[i]": names the channel in the journal */
    char *url;          /* webhook: http(s)://; smtp: smtp(s)://host:port */
    char *url_ref;      /* webhook: the env:/file: reference the URL came from
                           (a chat service's URL is a secret), for printing */
    char *auth_header;  /* webhook: "Header: secret", or NULL */
    char *auth_ref;     /* its env:/file: reference as written, for printing */
    char *ca_file;      /* NULL: the system's trust store */
    bool insecure;      /* do not verify the receiver's certificate */
    int64_t timeout_ms; /* one attempt */
    int retries;        /* attempts after the first */
    int64_t backoff_ms; /* wait before the first retry; doubles each time */
    int64_t backoff_max_ms;
    bool starttls; /* smtp:// must upgrade with STARTTLS */
    char *from;    /* smtp */
    char **to;
    size_t n_to;
    char *username, *password; /* smtp; the password is a secret */
    char *password_ref;
    char *lang;                 /* "en" or "ja": the words of a mail or a chat message */
    sp_cfg_alert_format format; /* webhook: what its body is */
    char **argv;                /* exec: NULL-terminated */
    size_t n_argv;
    char **pass_env; /* exec: names of the daemon's environment the program
                            gets besides PATH, LANG, TZ; NULL-terminated */
    size_t n_pass_env;
    char **targets; /* ids; none: every target */
    size_t n_targets;
    unsigned events; /* SP_CFG_ALERT_ON_* */
} sp_cfg_alert;

#define SP_CFG_DEFAULT_CERT_WARN_DAYS 21
#define SP_CFG_DEFAULT_ALERT_TIMEOUT_MS 10000
#define SP_CFG_DEFAULT_ALERT_RETRIES 5
#define SP_CFG_DEFAULT_ALERT_BACKOFF_MS 5000
#define SP_CFG_DEFAULT_ALERT_BACKOFF_MAX_MS 300000

/* An incident post of the provider's (SPEC section 13). */
#define SP_CFG_POST_STATUSES 4 /* investigating, identified, monitoring, resolved */
extern const char *const sp_cfg_post_status_names[SP_CFG_POST_STATUSES];
#define SP_CFG_POST_RESOLVED 3

typedef struct sp_cfg_post_update {
    int64_t at_ms;
    int status; /* index into sp_cfg_post_status_names */
    char *text;
} sp_cfg_post_update;

typedef struct sp_cfg_post {
    char *file, *title;
    char **services; /* target ids */
    size_t n_services;
    sp_cfg_post_update *updates; /* oldest first; at least one */
    size_t n_updates;
} sp_cfg_post;

typedef struct sp_cfg {
    char *path;
    char config_sha256[65]; /* of the file's bytes as read: start lines name it */
    char *timezone;
    char *storage_dir;
    char *rrdcached; /* NULL: write RRD files directly */
    sp_store_retention retention;
    char *dns_servers; /* comma-separated, NULL: the system's */
    sp_cfg_target *targets;
    size_t n_targets;
    char *status_dir; /* NULL: no status page */
    int64_t status_every_ms;
    char *status_lang;
    /* The provider's page (SPEC section 13): its title (NULL: the words'
     * "Service status"), a link to the provider's site, a logo URL and a
     * footer line; each NULL when not given. */
    char *status_title, *status_url, *status_logo, *status_footer;
    /* The provider's incident posts (status_page.posts, config/posts.c),
     * in file-name order, each's updates by time. */
    struct sp_cfg_post *posts;
    size_t n_posts, cap_posts;
    /* The guideline's pattern table with this file's `patterns:` overrides
     * applied; index id - 1. */
    sp_pattern patterns[SP_PATTERN_COUNT];
    bool has_alert_path; /* some alert channel takes `down` events */
    sp_cfg_alert *alerts;
    size_t n_alerts;
    char *report_url; /* base link put in alerts, or NULL */
    /* evidence: (docs/EVIDENCE.md): checkpoints signed with an Ed25519 key */
    char *evidence_key_pem;    /* the private key's PEM (a secret), NULL: no checkpoints */
    char *evidence_key_ref;    /* its env:/file: reference as written, for printing */
    int64_t evidence_every_ms; /* checkpoint_every */
    char *evidence_tsa_url;    /* NULL: no time-stamp tokens */
    char *evidence_tsa_ca;     /* the TSA's CA (PEM file); set when tsa_url is */
    /* Vantage points (SPEC section 10, docs/VANTAGES.md). vantage: this
     * host's name (`vantage:`, overridden by SLAPROBE_VANTAGE, which
     * `run --vantage` sets), NULL in single-host mode; then storage_dir is
     * <storage_root>/<vantage> and storage_root the configured dir (always
     * set). vantages: the report side's list (may be empty), quorum its
     * default quorum (0: a majority of a target's vantages). */
    char *vantage;
    char *storage_root;
    char **vantages;
    size_t n_vantages;
    int quorum;
    /* storage.central: rows replicated to a central rrdcached (NULL: none) */
    char *central_rrdcached;
    int64_t central_every_ms, central_timeout_ms;
    /* metrics.listen: where the daemon serves /metrics (SPEC section 12,
     * docs/METRICS.md), "127.0.0.1:9464" or "[::1]:9464"; NULL: nowhere
     * (run --metrics overrides it) */
    char *metrics_listen;
    /* metrics.modules: a blackbox_exporter modules file for /probe
     * (blackbox/blackbox.h; checked while loading); NULL: blackbox's
     * example modules (http_2xx, http_post_2xx, tcp_connect, icmp) */
    char *metrics_modules;
} sp_cfg;

#define SP_CFG_DEFAULT_CENTRAL_EVERY_MS 30000
#define SP_CFG_DEFAULT_CENTRAL_TIMEOUT_MS 5000

#define SP_CFG_DEFAULT_CHECKPOINT_EVERY_MS 3600000

/* Defaults of SPEC section 5 (and of the ASP/SaaS guideline's monitoring). */
#define SP_CFG_DEFAULT_INTERVAL_MS 60000
#define SP_CFG_DEFAULT_TIMEOUT_MS 10000
#define SP_CFG_DEFAULT_CONFIRM 2
#define SP_CFG_DEFAULT_RETRY_MS 10000
#define SP_CFG_DEFAULT_SLOW_MS 2000
#define SP_CFG_DEFAULT_TLS_INTERVAL_MS 3600000 /* SPEC section 2: hourly */
#define SP_CFG_DEFAULT_TIMEZONE "Asia/Tokyo"
#define SP_CFG_DEFAULT_STORAGE "/var/lib/slaprobe"

/* A configuration file is read whole, and refused when larger than this:
 * 10,000 targets of one line each take under 1 MiB. */
#define SP_CFG_MAX_BYTES (8 * 1024 * 1024)

/* Load and check path. On error: SP_EIO (unreadable), SP_EPARSE (not a
 * valid configuration: empty, not YAML, too large, a bad key or value) or
 * SP_ENOMEM, *out is NULL, and err holds one line "FILE:LINE: KEY: message"
 * (LINE and KEY left out where there is none). Never starts or writes
 * anything, so a daemon can call it on SIGHUP and keep running on error. */
sp_status sp_cfg_load(const char *path, sp_cfg **out, char *err, size_t errlen);

void sp_cfg_destroy(sp_cfg *cfg);

/* The effective configuration, YAML, secrets masked. */
void sp_cfg_print(const sp_cfg *cfg, FILE *fp);
/* The same reduced to what a report of the targets ids[0..n) reads
 * (timezone, storage dir and retention, the pattern table, those targets;
 * no rrdcached, alerts, status page, evidence or report_url), and loadable
 * by sp_cfg_load anywhere: a secret is a YAML comment naming its
 * reference, never a key. Unknown ids are skipped. */
void sp_cfg_print_subset(const sp_cfg *cfg, const char *const *ids, size_t n, FILE *fp);

/* True when channel a takes events of kind (SP_CFG_ALERT_ON_*) for
 * target id. */
bool sp_cfg_alert_wants(const sp_cfg_alert *a, unsigned kind, const char *id);

/* The storage directory of vantage v on the report side:
 * <storage_root>/<v>. Returns snprintf's length. */
int sp_cfg_vantage_dir(const sp_cfg *cfg, const char *v, char *buf, size_t n);

/* Point a loaded configuration at another store: storage.dir becomes dir
 * (copied) and rrdcached is cleared, so the RRDs are read directly.
 * For a configuration read from elsewhere whose store is rebuilt in a
 * temporary directory (archive/verify.c). SP_ENOMEM, cfg unchanged. */
sp_status sp_cfg_set_storage(sp_cfg *cfg, const char *dir);

/* The target with this id, or NULL. */
const sp_cfg_target *sp_cfg_find_target(const sp_cfg *cfg, const char *id);

#endif
