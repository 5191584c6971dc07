/*
 * Fuzz the http probe's own reading of response headers (probe/kind_http.c,
 * sp_probe__header_matches: the expect_header rule against each header
 * line libcurl hands over). The status line and header framing are
 * libcurl's; this is the part that is ours. The first input byte picks one
 * of a few rules (the regex engine is glibc's, not what is fuzzed here);
 * the rest is a response head, fed line by line as libcurl does, each line
 * in a buffer of its own size so that ASan sees any read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "probe/engine_int.h"

static const char *const rules[] = {
    "X-Health: ^ok$", "Content-Type: text/html",       "server: nginx.*",
    "A: .*",          "Set-Cookie: [a-z]+=[0-9]{1,5}", "x-long-name-header: ^$",
};
#define N_RULES (sizeof rules / sizeof rules[0])

static sp_probe_spec specs[N_RULES];

static void init_specs(void)
{
    char err[256];
    for (size_t i = 0; i < N_RULES; i++) {
        sp_probe_spec_init(&specs[i]);
        if (sp_probe_spec_set_target(&specs[i], "http://127.0.0.1/", err, sizeof err) != SP_OK ||
            !(specs[i].expect_header = strdup(rules[i])) ||
            sp_probe_spec_finish(&specs[i], err, sizeof err) != SP_OK)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        init_specs();
        ready = 1;
    }
    if (size < 1)
        return 0;
    const struct sp_probe_compiled *c = specs[data[0] % N_RULES].compiled;
    const uint8_t *p = data + 1, *end = data + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        char *line = malloc(len ? len : 1);
        if (!line)
            abort();
        memcpy(line, p, len);
        sp_probe__header_matches(c, line, len);
        free(line);
        p += len;
    }
    return 0;
}
