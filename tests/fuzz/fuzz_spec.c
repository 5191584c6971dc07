/*
 * Fuzz the probe target grammar (probe/spec.c): http(s) URLs, tcp://,
 * host:port, [v6]:port, dns://name?type=..&expect=.., tls://. Targets come
 * from the configuration and the command line. Each parsed target is also
 * turned into a TLS posture spec where that applies, and finished.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "probe/sp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *target = fuzz_strndup(data, size);
    char err[256];
    sp_probe_spec s;
    sp_probe_spec_init(&s);
    if (sp_probe_spec_set_target(&s, target, err, sizeof err) == SP_OK) {
        if (!s.host || !s.target)
            abort(); /* every parsed target names a host */
        sp_probe_spec t;
        sp_probe_spec_init(&t);
        if (sp_probe_spec_set_target(&t, target, err, sizeof err) == SP_OK &&
            sp_probe_spec_set_tls(&t, err, sizeof err) == SP_OK)
            sp_probe_spec_finish(&t, err, sizeof err);
        sp_probe_spec_free(&t);
        sp_probe_spec_finish(&s, err, sizeof err);
    }
    sp_probe_spec_free(&s);
    free(target);
    return 0;
}
