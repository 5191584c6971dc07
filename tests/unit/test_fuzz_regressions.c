/*
 * Inputs the fuzzers (tests/fuzz/) found, each fed to the parser it broke,
 * so the fix stays fixed in the ordinary suites (also under ASan, where
 * the old behaviour would fail the run). One test per finding, named by
 * its harness; the bytes are the finding's, unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "probe/sp_probe.h"

/* The text as a configuration file, loaded. */
static sp_status load_text(const char *text, char *err, size_t errlen)
{
    char path[] = "/tmp/sp-test-fuzz-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    sp_cfg *cfg = NULL;
    sp_status st = sp_cfg_load(path, &cfg, err, errlen);
    sp_cfg_destroy(cfg);
    unlink(path);
    return st;
}

/* fuzz_config, out-of-memory: an expect_regex of an atom and ~100 chained
 * '+' made glibc's regcomp take over 2 GB (it copies the atom for each
 * '+'); the same for "a{0,32767}". Now refused by sp_probe_spec_finish()
 * before regcomp (for its ~100 operators over one atom), with the line of
 * the target. */
static void test_config_regex_blowup(void **state)
{
    (void)state;
    static const char text[] =
        "timezone: America/New_York\n"
        "storage: {dir: /tmp/sp}\n"
        "targets:\n"
        "  - id: a-2\n"
        "    url: \"https://[::1]:8443/x\"\n"
        "    insecure: yes\n"
        "    ip: ipv6\n"
        "    max_body: 1024\n"
        "    expect_regex: \"^ok( S0-WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"
        "YYYYYYYYYYYYYYYYYYYY++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
        "+++++++++9++++++++++++++++++++++++++++2+YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY"
        "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYSat-Sun 22:00-06:00, Mon 00:00-x24:00\"\n"
        "    holidays: [\"2026-03-08\"]\n"
        "    tls_interval: off\n"
        "    pattern: 5\n"
        "  - id: b_2\n"
        "    url: \"dns://exUnexpected key: XT&expect=v=spf1\"\n"
        "    interval: 10m\n"
        "    confirm: 2\n"
        "    sla_target: 99.95\n";
    char err[512] = "";
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    assert_int_equal(load_text(text, err, sizeof err), SP_EPARSE);
    getrusage(RUSAGE_SELF, &after);
    if (!strstr(err, "regex '^ok( S0-") || !strstr(err, "times over"))
        fail_msg("error is '%s'", err);
    /* ru_maxrss is in kB: the refusal costs nothing like the 2 GB */
    assert_true(after.ru_maxrss - before.ru_maxrss < 100 * 1024);
}

/* fuzz_regex, timeouts: expect_header rules whose regex chains '?' and
 * '+' ("\t+?????++++++++]++++++"), the second after an anchor
 * ("...+^\t+??++++..."), kept glibc's regcomp computing epsilon closures
 * for minutes; the first estimate put them at 577 and 143 atoms. More
 * than two repetitions over one atom are now refused at once. */
static void test_regex_chain_timeout(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "X: \xd4\t+?????++++++++]++++++",
        "X: \xd4\xab+^\t+??++++`]\xab+++.+",
        /* three deep with an unbounded interval: over 10 s each */
        "X: ((a?){1,14}){5,}",
        "X: 111{,}1{,1}{1,61}{13,}",
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char err[256] = "";
        sp_probe_spec s;
        sp_probe_spec_init(&s);
        assert_int_equal(sp_probe_spec_set_target(&s, "http://127.0.0.1/", err, sizeof err), SP_OK);
        s.expect_header = strdup(rules[i]);
        assert_int_equal(sp_probe_spec_finish(&s, err, sizeof err), SP_EINVAL);
        if (!strstr(err, "header regex") || !strstr(err, "times over"))
            fail_msg("error is '%s'", err);
        sp_probe_spec_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_regex_blowup),
        cmocka_unit_test(test_regex_chain_timeout),
    };
    return cmocka_run_group_tests_name("fuzz_regressions", tests, NULL, NULL);
}
