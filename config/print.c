/*
 * `slaprobe config-check`'s dump: the effective configuration as YAML,
 * every default applied and every secret masked (its env:/file: reference
 * is shown instead).
 */
#include "config_int.h"

#include <stdio.h>

#include "common/sp_time.h"

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

/* "<head>" then the quoted value and a newline: head carries the indent
 * and the key ("    url: "). */
static void print_str(FILE *fp, const char *head, const char *s)
{
    fputs(head, fp);
    yq(fp, s);
    fputc('\n', fp);
}

/* How a list's items are written: as they are (ids, names), in quotes as
 * they are (dates), or quoted and escaped (any text). */
typedef enum { AS_IS, IN_QUOTES, QUOTED } item_style;

/* "<head>[a, b, c]" and a newline, or nothing for an empty list. */
static void print_list(FILE *fp, const char *head, char *const *v, size_t n, item_style style)
{
    for (size_t k = 0; k < n; k++) {
        fputs(k ? ", " : head, fp);
        if (style == QUOTED)
            yq(fp, v[k]);
        else
            fprintf(fp, style == IN_QUOTES ? "\"%s\"" : "%s", v[k]);
        if (k + 1 == n)
            fputs("]\n", fp);
    }
}

/* One target's entry. loadable: as sp_cfg_load reads it back (control
 * targets listed at the top, no secret reference), else config-check's
 * dump. */
static void print_target(FILE *fp, const sp_cfg_target *t, bool loadable)
{
    const sp_probe_spec *s = &t->spec;
    fprintf(fp, "  - id: %s\n", t->id);
    print_str(fp, "    name: ", t->name);
    print_str(fp, "    url: ", s->target);
    fprintf(fp, "    %skind: %s\n", loadable ? "# " : "", sp_probe_kind_name(s->kind));
    fprintf(fp, "    interval: %llds\n    timeout: %ums\n    retry_interval: %llds\n",
            (long long)(t->interval_ms / 1000), s->timeout_ms, (long long)(t->retry_ms / 1000));
    fprintf(fp, "    confirm: %d\n    slow_ms: %.0f\n", t->confirm, t->slow_ms);
    if (s->kind == SP_PROBE_HTTPS) {
        if (t->tls_interval_ms)
            fprintf(fp, "    tls_interval: %llds\n", (long long)(t->tls_interval_ms / 1000));
        else
            fprintf(fp, "    tls_interval: off\n");
    }
    /* what a probe asks and what its answer must say */
    if (s->method)
        fprintf(fp, "    method: %s\n", s->method);
    if (s->body)
        print_str(fp, "    body: ", s->body);
    print_list(fp, "    headers: [", s->headers, s->n_headers, QUOTED);
    for (size_t k = 0; k < s->n_expect_status; k++)
        fprintf(fp, k ? ", %d%s" : "    expect_status: [%d%s", s->expect_status[k],
                k + 1 == s->n_expect_status ? "]\n" : "");
    if (s->expect_body)
        print_str(fp, "    expect_body: ", s->expect_body);
    if (s->expect_regex)
        print_str(fp, "    expect_regex: ", s->expect_regex);
    if (s->reject_regex)
        print_str(fp, "    reject_regex: ", s->reject_regex);
    if (s->expect_header)
        print_str(fp, "    expect_header: ", s->expect_header);
    if (t->pattern)
        fprintf(fp, "    pattern: %d   # availability target %.1f %%\n", t->pattern, t->sla_target);
    else
        fprintf(fp, "    sla_target: %g\n", t->sla_target);
    /* loadable: the secret's reference may not resolve where the file is
     * read (a verifier's machine), so the key is left out */
    if (s->auth_header && loadable)
        fprintf(fp, "    # auth: masked (%s)\n", t->auth_ref);
    else if (s->auth_header)
        fprintf(fp, "    auth: {value: \"%s\"}   # ******** (masked)\n", t->auth_ref);
    if (s->insecure)
        fprintf(fp, "    insecure: true\n");
    if (s->tls_cn_fallback)
        fprintf(fp, "    tls_cn_fallback: true\n");
    /* the certificate is public; the key's path is printed masked like a
     * secret's reference, its contents never (slaprobe never reads them) */
    if (s->client_cert && loadable) {
        /* as auth: the files may not exist where this is read */
        fprintf(fp, "    # client_cert, client_key: masked\n");
    } else if (s->client_cert) {
        char ref[4096];
        snprintf(ref, sizeof ref, "file:%s", s->client_cert);
        print_str(fp, "    client_cert: ", ref);
        fprintf(fp, "    client_key: \"file:********\"   # (masked)\n");
    }
    if (t->is_control && !loadable) /* loadable: control_targets says it */
        fprintf(fp, "    control: true\n");
    if (!loadable)
        fprintf(fp, "    public: %s\n", t->is_public ? "true" : "false");
    if (!loadable && t->group)
        print_str(fp, "    group: ", t->group);
    /* loadable: one vantage's view of the target, without `vantages` */
    if (!loadable && t->own_vantages)
        print_list(fp, "    vantages: [", t->vantages, t->n_vantages, AS_IS);
    if (!loadable && t->n_vantages)
        fprintf(fp, "    quorum: %d\n", t->quorum);
    if (s->kind == SP_PROBE_HTTPS || s->kind == SP_PROBE_TLS)
        fprintf(fp, "    cert_warn_days: %d\n", t->cert_warn_days);
    if (t->service_hours)
        print_str(fp, "    service_hours: ", t->service_hours);
    print_list(fp, "    holidays: [", t->holidays, t->n_holidays, IN_QUOTES);
    for (size_t k = 0; k < t->n_credits; k++)
        fprintf(fp, "%s{below: %g, credit: %g}%s", k ? ", " : "    credits: [",
                t->credits[k].below_pct, t->credits[k].credit_pct,
                k + 1 == t->n_credits ? "]\n" : "");
    if (t->n_maintenance)
        fprintf(fp, "    maintenance:\n");
    for (size_t k = 0; k < t->n_maintenance; k++) {
        char a[40], b[40];
        sp_time_iso_ms(t->maintenance[k].start_ms, a, sizeof a);
        sp_time_iso_ms(t->maintenance[k].end_ms, b, sizeof b);
        fprintf(fp, "      - {start: \"%s\", end: \"%s\", reason: ", a, b);
        yq(fp, t->maintenance[k].reason);
        fprintf(fp, "}\n");
    }
}

void sp_cfg_print(const sp_cfg *c, FILE *fp)
{
    fprintf(fp, "# effective configuration of %s (defaults applied, secrets masked)\n", c->path);
    print_str(fp, "timezone: ", c->timezone);
    if (c->vantage) /* the file's, or SLAPROBE_VANTAGE / run --vantage */
        fprintf(fp, "vantage: %s   # files in %s\n", c->vantage, c->storage_dir);
    print_list(fp, "vantages: [", c->vantages, c->n_vantages, AS_IS);
    if (c->quorum)
        fprintf(fp, "quorum: %d\n", c->quorum);
    fprintf(fp, "storage:\n");
    print_str(fp, "  dir: ", c->storage_root);
    if (c->rrdcached)
        print_str(fp, "  rrdcached: ", c->rrdcached);
    fprintf(fp, "  retention: {full_days: %ld, five_min_days: %ld, hourly_days: %ld}\n",
            c->retention.full_days, c->retention.five_min_days, c->retention.hourly_days);
    if (c->central_rrdcached) {
        fprintf(fp, "  central:\n");
        print_str(fp, "    rrdcached: ", c->central_rrdcached);
        fprintf(fp, "    every: %lldms\n    timeout: %lldms\n", (long long)c->central_every_ms,
                (long long)c->central_timeout_ms);
    }
    fprintf(fp, "dns_servers: ");
    if (c->dns_servers)
        yq(fp, c->dns_servers);
    else
        fprintf(fp, "system");
    fprintf(fp, "\ntargets:\n");
    for (size_t i = 0; i < c->n_targets; i++)
        print_target(fp, &c->targets[i], false);
    if (c->report_url)
        print_str(fp, "report_url: ", c->report_url);
    if (c->evidence_key_pem || c->evidence_tsa_url) {
        fprintf(fp, "evidence:\n");
        if (c->evidence_key_ref)
            fprintf(fp, "  key: \"%s\"   # ******** (masked)\n", c->evidence_key_ref);
        fprintf(fp, "  checkpoint_every: %llds\n", (long long)(c->evidence_every_ms / 1000));
        if (c->evidence_tsa_url)
            print_str(fp, "  tsa_url: ", c->evidence_tsa_url);
        if (c->evidence_tsa_ca)
            print_str(fp, "  tsa_ca: ", c->evidence_tsa_ca);
    }
    if (c->metrics_listen) {
        fprintf(fp, "metrics:\n");
        print_str(fp, "  listen: ", c->metrics_listen);
        if (c->metrics_modules)
            print_str(fp, "  modules: ", c->metrics_modules);
    }
    if (c->n_alerts)
        fprintf(fp, "alerts:\n");
    for (size_t i = 0; i < c->n_alerts; i++) {
        const sp_cfg_alert *a = &c->alerts[i];
        fprintf(fp, "  - type: %s\n", sp_cfg_alert_type_names[a->type]);
        print_str(fp, "    name: ", a->name);
        if (a->url_ref)
            fprintf(fp, "    url: \"%s\"   # ******** (masked)\n", a->url_ref);
        else if (a->url)
            print_str(fp, "    url: ", a->url);
        if (a->auth_header)
            fprintf(fp, "    auth: {value: \"%s\"}   # ******** (masked)\n", a->auth_ref);
        if (a->type == SP_CFG_ALERT_WEBHOOK)
            fprintf(fp, "    format: %s\n", sp_cfg_alert_format_names[a->format]);
        if (a->lang)
            fprintf(fp, "    lang: %s\n", a->lang);
        if (a->type == SP_CFG_ALERT_SMTP) {
            fprintf(fp, "    starttls: %s\n", a->starttls ? "true" : "false");
            print_str(fp, "    from: ", a->from);
            print_list(fp, "    to: [", a->to, a->n_to, QUOTED); /* never empty: resolve.c */
            if (a->username)
                print_str(fp, "    username: ", a->username);
            if (a->password)
                fprintf(fp, "    password: \"%s\"   # ******** (masked)\n", a->password_ref);
        }
        print_list(fp, "    argv: [", a->argv, a->n_argv, QUOTED);
        print_list(fp, "    pass_env: [", a->pass_env, a->n_pass_env, AS_IS);
        if (a->ca_file)
            print_str(fp, "    ca_file: ", a->ca_file);
        if (a->insecure)
            fprintf(fp, "    insecure: true\n");
        fprintf(fp, "    timeout: %lldms\n    retries: %d\n", (long long)a->timeout_ms, a->retries);
        fprintf(fp, "    retry_backoff: %lldms\n    retry_backoff_max: %lldms\n",
                (long long)a->backoff_ms, (long long)a->backoff_max_ms);
        print_list(fp, "    targets: [", a->targets, a->n_targets, AS_IS);
        fprintf(fp, "    events: [");
        for (unsigned e = 0, n = 0; e < SP_CFG_ALERT_EVENTS; e++)
            if (a->events & (1u << e))
                fprintf(fp, "%s%s", n++ ? ", " : "", sp_cfg_alert_event_names[e]);
        fprintf(fp, "]\n");
    }
}

void sp_cfg_print_subset(const sp_cfg *c, const char *const *ids, size_t n, FILE *fp)
{
    fprintf(fp,
            "# the configuration of %s reduced to what the report reads (defaults\n"
            "# applied, secrets left out)\n",
            c->path);
    print_str(fp, "timezone: ", c->timezone);
    fprintf(fp, "storage:\n");
    print_str(fp, "  dir: ", c->storage_dir);
    fprintf(fp, "  retention: {full_days: %ld, five_min_days: %ld, hourly_days: %ld}\n",
            c->retention.full_days, c->retention.five_min_days, c->retention.hourly_days);
    /* the pattern table as in effect (a target's target comes from it) */
    fprintf(fp, "patterns:\n");
    for (int k = 0; k < SP_PATTERN_COUNT; k++) {
        const sp_pattern *p = &c->patterns[k];
        fprintf(fp,
                "  - {pattern: %d, availability: %.17g, alive_interval: %llds, notify_within: "
                "%llds, fault_interval: %llds, perf_interval: %llds}\n",
                p->id, p->availability_pct, (long long)(p->alive_interval_ms / 1000),
                (long long)(p->notify_within_ms / 1000), (long long)(p->fault_interval_ms / 1000),
                (long long)(p->perf_interval_ms / 1000));
    }
    bool any_control = false;
    for (size_t i = 0; i < n; i++) {
        const sp_cfg_target *t = sp_cfg_find_target(c, ids[i]);
        if (t && t->is_control) {
            fputs(any_control ? ", " : "control_targets: [", fp);
            fputs(t->id, fp);
            any_control = true;
        }
    }
    if (any_control)
        fputs("]\n", fp);
    fprintf(fp, "targets:\n");
    for (size_t i = 0; i < n; i++) {
        const sp_cfg_target *t = sp_cfg_find_target(c, ids[i]);
        if (t)
            print_target(fp, t, true);
    }
}
