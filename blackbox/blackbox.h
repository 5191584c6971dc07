/*
 * blackbox: slaprobe in the place of Prometheus' blackbox_exporter (SPEC
 * section 12). A Prometheus job written for blackbox (`/probe?target=...
 * &module=...`, relabelling the target into the parameter) works against
 * slaprobe by changing the exporter's address: the modules come from a
 * file in blackbox's own format, the answer carries blackbox's metric
 * names, and slaprobe's reason code rides along as a label of
 * slaprobe_probe_reason_info. docs/PROMETHEUS.md lists the keys taken and
 * what differs.
 *
 * modules.c reads the modules file (libyaml: blackbox's file has maps with
 * free keys, which libcyaml's fixed schemas cannot take) and turns a module
 * and a target into a probe spec; render.c writes a finished probe's
 * metrics; runner.c runs probes on the daemon's loop for requests that
 * come from another thread (the HTTP server's).
 *
 * Ownership: a module set owns its modules; the runner owns the module set
 * it is given.
 */
#ifndef SP_BLACKBOX_H
#define SP_BLACKBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "common/sp_status.h"
#include "probe/sp_probe.h"

typedef enum sp_bb_prober { SP_BB_HTTP, SP_BB_TCP, SP_BB_ICMP, SP_BB_DNS } sp_bb_prober;

/* One module, as blackbox's keys say it; read-only for users. */
typedef struct sp_bb_module {
    char *name;
    sp_bb_prober prober;
    unsigned timeout_ms; /* `timeout`; 0: the scrape's (less half a second) */
    sp_ip_pref ip;       /* preferred_ip_protocol ip4 (default) / ip6 */
    /* http */
    int valid_status[SP_PROBE_MAX_STATUS]; /* none: 2xx, as blackbox */
    size_t n_valid_status;
    char *method;
    char *body;
    char **headers; /* "Name: value" */
    size_t n_headers;
    char *must_match;     /* fail_if_body_not_matches_regexp (one) */
    char *must_not_match; /* fail_if_body_matches_regexp (one) */
    char *ca_file;        /* tls_config.ca_file */
    bool insecure;        /* tls_config.insecure_skip_verify */
    bool no_follow;       /* no_follow_redirects, or follow_redirects: false */
    /* dns: the question; the target is the server asked */
    char *query_name;
    sp_dns_type query_type;
} sp_bb_module;

typedef struct sp_bb_modules sp_bb_modules;

/* Read a blackbox modules file. Errors name the file, the line and the key
 * ("blackbox.yml:7: modules.http_post.http.method: ..."); a key slaprobe
 * does not take is refused, never ignored. SP_EINVAL, SP_EIO, SP_ENOMEM. */
sp_status sp_bb_modules_load(const char *path, sp_bb_modules **out, char *err, size_t errlen);

/* The modules blackbox's example file ships, for when none is configured:
 * http_2xx, http_post_2xx, tcp_connect, icmp. */
sp_status sp_bb_modules_default(sp_bb_modules **out);

const sp_bb_module *sp_bb_module_find(const sp_bb_modules *m, const char *name);
size_t sp_bb_modules_count(const sp_bb_modules *m);
/* The i-th module in the file's order (i < count). */
const sp_bb_module *sp_bb_module_at(const sp_bb_modules *m, size_t i);
void sp_bb_modules_destroy(sp_bb_modules *m);

/* The spec of probing target with mod, as blackbox reads a target: http a
 * URL (http:// added when it has no scheme), tcp "host:port", icmp a host,
 * dns the server "host[:port]" (written to *dns_server, malloc'ed, "ip:port"
 * form for the engine; NULL for the other probers). timeout_ms: the whole
 * probe. SP_EINVAL with err for a target the prober cannot take. The spec
 * is finished (sp_probe_spec_finish) on success; free it either way. */
sp_status sp_bb_spec(const sp_bb_module *mod, const char *target, unsigned timeout_ms,
                     sp_probe_spec *spec, char **dns_server, char *err, size_t errlen);

/* blackbox's metrics for a finished probe of mod (probe_success,
 * probe_duration_seconds, the prober's own), and
 * slaprobe_probe_reason_info{reason}: Prometheus' text format. dns_server:
 * a dns module's server as sp_bb_spec gave it ("ip:port", "[v6]:port"),
 * whose address the ip metrics describe; NULL otherwise. malloc'ed; NULL
 * when out of memory. */
char *sp_bb_render(const sp_bb_module *mod, const sp_probe_result *res, const char *dns_server);

/* --- Runner (runner.c): probes for another thread ------------------------ */

typedef struct sp_bb_runner sp_bb_runner;

/* A request's answer, on the loop thread, exactly once: the HTTP status
 * (200 with the metrics; 400 unknown module or bad target, with the
 * reason as text; 503 while stopping) and the body (the callee owns it). */
typedef void (*sp_bb_done)(void *arg, int http_status, char *body);

/* On loop (its thread runs the probes); takes mods. */
sp_status sp_bb_runner_create(uv_loop_t *loop, sp_bb_modules *mods, sp_bb_runner **out, char *err,
                              size_t errlen);

/* Any thread: queue a probe of target with module; done follows on the
 * loop thread. timeout_ms: what the scrape allows (0: 10 s); the module's
 * own timeout applies when shorter. */
void sp_bb_runner_submit(sp_bb_runner *r, const char *module, const char *target,
                         unsigned timeout_ms, sp_bb_done done, void *arg);

/* Loop thread: answer what is queued or running with 503 before
 * returning (the probes are canceled), answer what comes after at once
 * with 503 on the caller's thread, and close the runner: its memory (and
 * the module set) goes once the loop has closed its handles. NULL is a
 * no-op. */
void sp_bb_runner_close(sp_bb_runner *r);

#endif
