/*
 * `slaprobe metrics-month -c FILE`: the month figures the daemon's
 * /metrics exports (metrics/month.c), a line per target. Not listed in the
 * usage: the daemon runs it in a child process (metrics/metrics.c), so the
 * report it builds, which reads every RRD file and sets TZ, stays off the
 * probing loop.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "metrics/metrics.h"

int sp_cmd_metrics_month(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "-c") != 0) {
        fprintf(stderr, "usage: slaprobe metrics-month -c FILE (the daemon runs it for "
                        "/metrics)\n");
        return SP_EXIT_USAGE;
    }
    char err[1024];
    sp_cfg *cfg = NULL;
    if (sp_cfg_load(argv[2], &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe metrics-month: %s\n", err);
        return SP_EXIT_USAGE;
    }
    int rc = SP_EXIT_OK;
    if (sp_metrics_month_write(cfg, (int64_t)time(NULL), stdout, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe metrics-month: %s\n", err);
        rc = SP_EXIT_FAIL;
    }
    sp_cfg_destroy(cfg);
    return rc;
}
