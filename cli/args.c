/*
 * The "-c FILE [--target ID]" command line that config-check and journal
 * verify share: one parser, so both take the same options and say the
 * same things about bad ones.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>

int sp_cli_parse_config_args(const char *cmd, const char *usage, int argc, char **argv,
                             const char **cfg, const char **target, int *rc)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"target", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        if (c == 'c') {
            *cfg = optarg;
        } else if (c == 't' && target) {
            *target = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            *rc = SP_EXIT_OK;
            return -1;
        } else {
            fprintf(stderr, "slaprobe %s: bad option '%s' (try --help)\n", cmd, argv[optind - 1]);
            *rc = SP_EXIT_USAGE;
            return -1;
        }
    }
    if (!*cfg || optind < argc) {
        fprintf(stderr, "slaprobe %s: -c FILE is required (try --help)\n", cmd);
        *rc = SP_EXIT_USAGE;
        return -1;
    }
    return 0;
}
