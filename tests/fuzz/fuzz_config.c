/*
 * Fuzz the YAML configuration through the real loader (config/config.c,
 * sp_cfg_load): libyaml's line index (lines.c), libcyaml's schema, and
 * every check and resolution after it (durations, targets, service hours,
 * alerts, patterns, credits). It takes a path, so the input is written to
 * a file in /dev/shm. A loaded configuration is also printed (the
 * masking code of config-check) and looked up.
 *
 * Secret references (env:NAME, file:/path) are read by the loader; the
 * fuzzer may name any file, so scripts/fuzz.sh runs with stdin from
 * /dev/null (file:/dev/stdin must not wait for a terminal).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    /* the loader refuses more than SP_CFG_MAX_BYTES; a fuzzer's inputs
     * are far smaller (-max_len) */
    const char *path = fuzz_write_file("config", data, size);
    char err[1024];
    err[0] = '\0';
    sp_cfg *cfg = NULL;
    sp_status st = sp_cfg_load(path, &cfg, err, sizeof err);
    if (st == SP_OK) {
        if (!cfg)
            abort();
        sp_cfg_print(cfg, devnull);
        for (size_t i = 0; i < cfg->n_targets; i++)
            if (sp_cfg_find_target(cfg, cfg->targets[i].id) == NULL)
                abort();
        for (size_t i = 0; i < cfg->n_alerts; i++)
            sp_cfg_alert_wants(&cfg->alerts[i], SP_CFG_ALERT_ON_DOWN, "x");
        sp_cfg_destroy(cfg);
    } else if (cfg != NULL || err[0] == '\0') {
        abort(); /* an error leaves *out NULL and says why */
    }
    unlink(path);
    return 0;
}
