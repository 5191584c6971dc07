/*
 * config/print.c's sp_cfg_print_subset, the evidence archive's config.yaml:
 * loaded back by sp_cfg_load where the secret's variable does not exist, it
 * gives the same effective values the report reads (every target setting
 * the subset keeps, the control flag, the pattern table as overridden); the
 * secret's value and reference never become a key, the other targets,
 * alerts and the evidence key are left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

#define SECRET "t0ken-value-never-printed"

static char dir[] = "/tmp/sp-cfg-subset.XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_round_trip(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    char src[256], out[256], yaml[4096];
    snprintf(src, sizeof src, "%s/src.yaml", dir);
    snprintf(out, sizeof out, "%s/out.yaml", dir);
    snprintf(yaml, sizeof yaml,
             "timezone: Asia/Tokyo\n"
             "storage: {dir: %s, retention: {full_days: 40, five_min_days: 50, hourly_days: "
             "400}}\n"
             "control_targets: [gw]\n"
             "patterns:\n"
             "  - {pattern: 2, availability: 99.95, alive_interval: 5m}\n"
             "defaults: {interval: 30s, timeout: 2500ms, retry_interval: 5s, confirm: 4}\n"
             "targets:\n"
             "  - id: erp\n"
             "    name: \"ERP \\\"prod\\\"\"\n"
             "    url: https://127.0.0.1:9/x\n"
             "    pattern: 2\n"
             "    slow_ms: 750\n"
             "    tls_interval: off\n"
             "    insecure: true\n"
             "    auth: {header: X-Token, value: \"env:SP_SUBSET_SECRET\"}\n"
             "    service_hours: \"Mon-Fri 09:00-18:00\"\n"
             "    holidays: [\"2026-11-03\", \"2026-11-23\"]\n"
             "    credits: [{below: 99.9, credit: 10}, {below: 99, credit: 25}]\n"
             "    maintenance:\n"
             "      - {start: \"2026-11-07T01:00:00Z\", end: \"2026-11-07T03:00:00Z\", reason: "
             "\"db \\\"upgrade\\\"\"}\n"
             "  - {id: other, url: \"http://127.0.0.1:9/\", sla_target: 90}\n"
             "  - {id: gw, url: \"tcp://127.0.0.1:9\", sla_target: 99.5, interval: 10s}\n"
             "alerts:\n"
             "  - {type: webhook, name: hook, url: \"http://127.0.0.1:9/a\"}\n",
             dir);
    write_file(src, yaml);
    setenv("SP_SUBSET_SECRET", SECRET, 1);
    char err[1024];
    sp_cfg *a = NULL, *b = NULL;
    if (sp_cfg_load(src, &a, err, sizeof err) != SP_OK)
        fail_msg("source: %s", err);

    const char *ids[] = {"erp", "gw"};
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    sp_cfg_print_subset(a, ids, 2, fp);
    fclose(fp);
    assert_null(strstr(text, SECRET));
    assert_null(strstr(text, "other"));
    assert_null(strstr(text, "alerts"));
    assert_null(strstr(text, "hook"));
    assert_non_null(strstr(text, "# auth: masked (env:SP_SUBSET_SECRET)"));
    write_file(out, text);
    free(text);

    unsetenv("SP_SUBSET_SECRET");
    if (sp_cfg_load(out, &b, err, sizeof err) != SP_OK)
        fail_msg("config.yaml does not load: %s", err);
    assert_string_equal(b->timezone, "Asia/Tokyo");
    assert_string_equal(b->storage_dir, a->storage_dir);
    assert_int_equal(b->retention.full_days, 40);
    assert_int_equal(b->retention.five_min_days, 50);
    assert_int_equal(b->retention.hourly_days, 400);
    assert_int_equal(b->n_alerts, 0);
    assert_int_equal(b->n_targets, 2);
    for (int k = 0; k < SP_PATTERN_COUNT; k++) {
        assert_true(b->patterns[k].availability_pct == a->patterns[k].availability_pct);
        assert_int_equal(b->patterns[k].alive_interval_ms, a->patterns[k].alive_interval_ms);
        assert_int_equal(b->patterns[k].notify_within_ms, a->patterns[k].notify_within_ms);
    }
    assert_true(b->patterns[1].availability_pct == 99.95);
    for (size_t i = 0; i < 2; i++) {
        const sp_cfg_target *x = sp_cfg_find_target(a, ids[i]), *y = sp_cfg_find_target(b, ids[i]);
        assert_non_null(y);
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->spec.target, y->spec.target);
        assert_int_equal(x->spec.kind, y->spec.kind);
        assert_int_equal(x->interval_ms, y->interval_ms);
        assert_int_equal(x->retry_ms, y->retry_ms);
        assert_int_equal(x->spec.timeout_ms, y->spec.timeout_ms);
        assert_int_equal(x->confirm, y->confirm);
        assert_true(x->slow_ms == y->slow_ms);
        assert_int_equal(x->pattern, y->pattern);
        assert_true(x->sla_target == y->sla_target);
        assert_int_equal(x->is_control, y->is_control);
        assert_int_equal(x->tls_interval_ms, y->tls_interval_ms);
        assert_int_equal(x->spec.insecure, y->spec.insecure);
        assert_int_equal(x->cert_warn_days, y->cert_warn_days);
        if (x->service_hours)
            assert_string_equal(x->service_hours, y->service_hours);
        else
            assert_null(y->service_hours);
        assert_int_equal(x->n_holidays, y->n_holidays);
        for (size_t k = 0; k < x->n_holidays; k++)
            assert_string_equal(x->holidays[k], y->holidays[k]);
        assert_int_equal(x->n_credits, y->n_credits);
        for (size_t k = 0; k < x->n_credits; k++) {
            assert_true(x->credits[k].below_pct == y->credits[k].below_pct);
            assert_true(x->credits[k].credit_pct == y->credits[k].credit_pct);
        }
        assert_int_equal(x->n_maintenance, y->n_maintenance);
        for (size_t k = 0; k < x->n_maintenance; k++) {
            assert_int_equal(x->maintenance[k].start_ms, y->maintenance[k].start_ms);
            assert_int_equal(x->maintenance[k].end_ms, y->maintenance[k].end_ms);
            assert_string_equal(x->maintenance[k].reason, y->maintenance[k].reason);
        }
    }
    assert_true(sp_cfg_find_target(b, "gw")->is_control);
    assert_false(sp_cfg_find_target(b, "erp")->is_control);
    /* the secret is gone, not replaced by something probed with */
    assert_null(sp_cfg_find_target(b, "erp")->spec.auth_header);
    sp_cfg_destroy(a);
    sp_cfg_destroy(b);
    unlink(src);
    unlink(out);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_round_trip)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
