/*
 * `slaprobe config-check -c FILE`: load and check the configuration, print
 * the effective values with secrets masked; exit 2 with file:line: key on
 * the first error.
 */
#include "cli.h"

#include <stdio.h>

#include "config/config.h"

int sp_cmd_config_check(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe config-check -c FILE\n"
        "Check FILE and print the effective configuration (defaults applied,\n"
        "secrets masked). Exit 0 when valid, 2 with FILE:LINE: KEY: message when not.\n";
    const char *path = NULL;
    int rc;
    char err[1024];
    if (sp_cli_parse_config_args("config-check", usage, argc, argv, &path, NULL, &rc) < 0)
        return rc;
    sp_cfg *cfg;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    sp_cfg_print(cfg, stdout);
    sp_cli_print_conformance(cfg, stdout);
    sp_cfg_destroy(cfg);
    return SP_EXIT_OK;
}
