/*
 * The Prometheus exposition of /metrics (metrics/expo.c, metrics/render.c)
 * and what it is made from (common/sp_hist.c, sp_value_listen): label
 * values escaped as the format says, histogram buckets cumulative and
 * ending in +Inf, unknown figures left out, and a whole snapshot rendered
 * byte for byte.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "common/sp_hist.h"
#include "common/sp_value.h"
#include "common/sp_expo.h"
#include "metrics/metrics_int.h"

static void test_label_escaping(void **state)
{
    (void)state;
    sp_expo e = {0};
    const char *l[] = {"target", "a\"b\\c\nd", "x", "plain é"};
    sp_expo_sample(&e, "m", l, 2, 1);
    assert_false(e.oom);
    assert_string_equal(e.buf, "m{target=\"a\\\"b\\\\c\\nd\",x=\"plain é\"} 1\n");
    sp_expo_free(&e);
}

static void test_help_escaping(void **state)
{
    (void)state;
    sp_expo e = {0};
    /* HELP escapes backslash and newline, not the double quote */
    sp_expo_family(&e, "m_total", "counter", "a \"q\" \\ b\nc");
    assert_string_equal(e.buf, "# HELP m_total a \"q\" \\\\ b\\nc\n# TYPE m_total counter\n");
    sp_expo_free(&e);
}

static void test_numbers(void **state)
{
    (void)state;
    sp_expo e = {0};
    sp_expo_sample(&e, "a", NULL, 0, 0.1);
    sp_expo_sample(&e, "b", NULL, 0, 12345678901.0);
    sp_expo_sample(&e, "c", NULL, 0, NAN);
    sp_expo_sample(&e, "d", NULL, 0, -INFINITY);
    sp_expo_sample(&e, "e", NULL, 0, 1.0 / 3);
    assert_string_equal(e.buf, "a 0.1\nb 12345678901\nc NaN\nd -Inf\ne 0.3333333333333333\n");
    sp_expo_free(&e);
}

static void test_hist_counts(void **state)
{
    (void)state;
    const double le[] = {0.1, 1, 10};
    sp_hist h;
    sp_hist_init(&h, le, 3);
    double v[] = {0.05, 0.1, 0.5, 1, 3, 10, 11, 1000, NAN};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        sp_hist_add(&h, v[i]);
    /* a bound is inclusive (le = "less or equal"); NaN is not counted */
    assert_int_equal(h.count[0], 2);
    assert_int_equal(h.count[1], 2);
    assert_int_equal(h.count[2], 2);
    assert_int_equal(h.count[3], 2);
    assert_int_equal(h.total, 8);
    assert_true(fabs(h.sum - 1025.65) < 1e-9);
}

static void test_hist_exposition(void **state)
{
    (void)state;
    const double le[] = {0.005, 0.1, 1};
    sp_hist h;
    sp_hist_init(&h, le, 3);
    sp_hist_add(&h, 0.001);
    sp_hist_add(&h, 0.05);
    sp_hist_add(&h, 0.07);
    sp_hist_add(&h, 5);
    sp_expo e = {0};
    const char *l[] = {"q", "x"};
    sp_expo_histogram(&e, "h_seconds", l, 1, &h);
    assert_string_equal(e.buf, "h_seconds_bucket{q=\"x\",le=\"0.005\"} 1\n"
                               "h_seconds_bucket{q=\"x\",le=\"0.1\"} 3\n"
                               "h_seconds_bucket{q=\"x\",le=\"1\"} 3\n"
                               "h_seconds_bucket{q=\"x\",le=\"+Inf\"} 4\n"
                               "h_seconds_sum{q=\"x\"} 5.121\n"
                               "h_seconds_count{q=\"x\"} 4\n");
    sp_expo_free(&e);
    /* no labels: le alone */
    sp_hist_init(&h, le, 1);
    sp_expo_histogram(&e, "g", NULL, 0, &h);
    assert_string_equal(e.buf, "g_bucket{le=\"0.005\"} 0\ng_bucket{le=\"+Inf\"} 0\ng_sum 0\n"
                               "g_count 0\n");
    sp_expo_free(&e);
}

static sp_metrics_target target(const char *id)
{
    sp_metrics_target t;
    memset(&t, 0, sizeof t);
    t.id = id;
    t.state = SP_STATE_UNKNOWN;
    for (int p = 0; p < SP_METRICS_PHASES; p++)
        t.phase_s[p] = NAN;
    t.month_ratio = t.budget_left_s = t.cert_expiry_s = t.repl_lag_s = NAN;
    return t;
}

static void test_render(void **state)
{
    (void)state;
    sp_metrics_target t[2] = {target("api"), target("web")};
    t[0].state = SP_STATE_DOWN;
    t[0].has_result = true;
    t[0].phase_s[0] = 0.002;
    t[0].phase_s[4] = 1.5;
    t[0].probes[SP_REASON_TCP_REFUSED] = 3;
    t[0].probes[SP_REASON_OK] = 1;
    t[0].month_ratio = 0.99;
    t[0].budget_left_s = -20;
    t[1].cert_expiry_s = 1800000000;
    memcpy(t[1].grade, "A+", 3);
    t[1].repl_lag_s = 30;
    sp_metrics_snap s;
    memset(&s, 0, sizeof s);
    s.version = "9.9";
    s.vantage = "tokyo";
    s.has_repl = true;
    s.n = 2;
    s.t = t;
    s.store.rows_lost = 4;
    s.alerts.failed = 2;
    const double le[] = {1};
    sp_hist_init(&s.late, le, 1);
    sp_hist_init(&s.store.fsync, le, 1);
    sp_expo e = {0};
    sp_metrics_render(&s, &e);
    assert_false(e.oom);
    const char *want[] = {
        "slaprobe_target_up{target=\"api\"} 0\n",
        "slaprobe_target_state{target=\"api\",state=\"down\"} 1\n",
        "slaprobe_target_state{target=\"web\",state=\"unknown\"} 1\n",
        "slaprobe_probe_success{target=\"api\"} 0\n",
        "slaprobe_probe_duration_seconds{target=\"api\",phase=\"dns\"} 0.002\n",
        "slaprobe_probe_duration_seconds{target=\"api\",phase=\"total\"} 1.5\n",
        "slaprobe_probes_total{target=\"api\",reason=\"ok\"} 1\n",
        "slaprobe_probes_total{target=\"api\",reason=\"tcp_refused\"} 3\n",
        "slaprobe_month_availability_ratio{target=\"api\"} 0.99\n",
        "slaprobe_error_budget_remaining_seconds{target=\"api\"} -20\n",
        "slaprobe_cert_expiry_timestamp_seconds{target=\"web\"} 1800000000\n",
        "slaprobe_tls_grade_info{target=\"web\",grade=\"A+\"} 1\n",
        "slaprobe_build_info{version=\"9.9\"} 1\n",
        "slaprobe_start_lateness_seconds_bucket{le=\"+Inf\"} 0\n",
        "slaprobe_store_errors_total{kind=\"rows_lost\"} 4\n",
        "slaprobe_alert_deliveries_total{outcome=\"failed\"} 2\n",
        "slaprobe_replication_lag_seconds{target=\"web\",vantage=\"tokyo\"} 30\n",
        "# TYPE slaprobe_journal_fsync_seconds histogram\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(e.buf, want[i]))
            fail_msg("missing: %s", want[i]);
    /* unknown figures are left out, not written as NaN */
    assert_null(strstr(e.buf, "NaN"));
    assert_null(strstr(e.buf, "slaprobe_target_up{target=\"web\"}"));
    assert_null(strstr(e.buf, "slaprobe_probe_success{target=\"web\"}"));
    assert_null(strstr(e.buf, "phase=\"connect\""));
    assert_null(strstr(e.buf, "reason=\"dns_timeout\""));
    /* each family once, its samples together */
    for (const char *p = e.buf; (p = strstr(p, "# TYPE ")); p++) {
        char name[128];
        size_t n = strcspn(p + 7, " ");
        assert_true(n < sizeof name - 3);
        snprintf(name, sizeof name, "# TYPE %.*s ", (int)n, p + 7);
        if (strstr(p + 1, name))
            fail_msg("two families %s", name);
    }
    const char *first = strstr(e.buf, "slaprobe_target_state{");
    const char *help = strstr(e.buf, "# HELP slaprobe_probe_success");
    const char *last = NULL;
    for (const char *p = first; (p = strstr(p, "slaprobe_target_state{")); p++)
        last = p;
    assert_true(first && help && last < help);
    sp_expo_free(&e);
}

static void test_listen(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    assert_true(sp_value_listen("127.0.0.1:9464", &ss));
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9464);
    assert_true(sp_value_listen("[::1]:1", &ss));
    assert_int_equal(ss.ss_family, AF_INET6);
    const char *bad[] = {"",           "9464",        ":9464",           "127.0.0.1",
                         "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:94x",
                         "::1:9464",   "[::1]9464",   "localhost:9464",  "[127.0.0.1]:9464",
                         "1.2.3:9464", "[::1]:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sp_value_listen(bad[i], &ss))
            fail_msg("accepted '%s'", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escaping),  cmocka_unit_test(test_help_escaping),
        cmocka_unit_test(test_numbers),         cmocka_unit_test(test_hist_counts),
        cmocka_unit_test(test_hist_exposition), cmocka_unit_test(test_render),
        cmocka_unit_test(test_listen),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
