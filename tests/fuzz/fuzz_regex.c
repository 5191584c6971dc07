/*
 * Fuzz the regex size check of probe specs (probe/spec.c, before regcomp):
 * an expect_regex or expect_header rule from a configuration. glibc's
 * regcomp copies repeated atoms, so a pattern the check lets through must
 * compile within the fuzzer's memory limit (-rss_limit_mb=2048) and time
 * (-timeout=10); a pattern that slips past it is found as an OOM or a
 * timeout here. The first byte picks body regex or header rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "probe/sp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a rule is one line of a configuration */
    if (size < 1 || size > 512)
        return 0;
    char *re = fuzz_strndup(data + 1, size - 1);
    char err[256];
    sp_probe_spec s;
    sp_probe_spec_init(&s);
    if (sp_probe_spec_set_target(&s, "http://127.0.0.1/", err, sizeof err) != SP_OK)
        abort();
    if (data[0] & 1) {
        size_t n = strlen(re);
        s.expect_header = malloc(n + 4);
        if (!s.expect_header)
            abort();
        memcpy(s.expect_header, "X: ", 3);
        memcpy(s.expect_header + 3, re, n + 1);
    } else {
        s.expect_regex = strdup(re);
    }
    sp_probe_spec_finish(&s, err, sizeof err);
    sp_probe_spec_free(&s);
    free(re);
    return 0;
}
