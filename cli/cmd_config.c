/*
 * `slaprobe config-check -c FILE`: load and check the configuration, print
 * the effective values with secrets masked; exit 2 with file:line: key on
 * the first error.
 *
 * `slaprobe journal verify -c FILE [--target ID]`: check the hash chain of
 * each target's journal and say where it breaks.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "journal/journal.h"
#include "storage/sp_store.h"

/* Parse "-c FILE [--target ID]"; returns -1 when the caller should exit
 * with *rc. */
static int parse_common(const char *cmd, const char *usage, int argc, char **argv,
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

int sp_cmd_config_check(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe config-check -c FILE\n"
        "Check FILE and print the effective configuration (defaults applied,\n"
        "secrets masked). Exit 0 when valid, 2 with FILE:LINE: KEY: message when not.\n";
    const char *path = NULL;
    int rc;
    char err[1024];
    if (parse_common("config-check", usage, argc, argv, &path, NULL, &rc) < 0)
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

int sp_cmd_journal(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe journal verify -c FILE [--target ID]\n"
        "Check the hash chain of each target's incident journal. Exit 0 when every\n"
        "chain is intact, 1 when one is broken (the line is named), 2 on bad usage.\n";
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        }
        fprintf(stderr, "slaprobe journal: expected 'verify' (try 'slaprobe journal --help')\n");
        return SP_EXIT_USAGE;
    }
    const char *path = NULL, *only = NULL;
    int rc = SP_EXIT_OK;
    char err[1024];
    if (parse_common("journal verify", usage, argc - 1, argv + 1, &path, &only, &rc) < 0)
        return rc;
    sp_cfg *cfg;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    if (only && !sp_cfg_find_target(cfg, only)) {
        fprintf(stderr, "slaprobe journal verify: no target '%s' in %s\n", only, path);
        sp_cfg_destroy(cfg);
        return SP_EXIT_USAGE;
    }
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const char *id = cfg->targets[i].id;
        if (only && strcmp(only, id) != 0)
            continue;
        char rrd[4096], jpath[4096];
        sp_store_paths(cfg->storage_dir, id, rrd, jpath, sizeof rrd);
        sp_journal_report rep;
        if (sp_journal_verify(jpath, &rep, err, sizeof err) != SP_OK) {
            printf("%s: %s\n", id, err);
            rc = SP_EXIT_FAIL;
            continue;
        }
        if (rep.first_bad) {
            printf("%s: BROKEN at line %ld of %s: %s\n", id, rep.first_bad, jpath, rep.problem);
            rc = SP_EXIT_FAIL;
        } else {
            printf("%s: intact, %ld lines, last line sha256 %s\n", id, rep.lines, rep.last_hash);
        }
        if (rep.torn_tail)
            printf("%s: the last line is incomplete (a crash mid-write); it is not part of the "
                   "chain and will be cut at the next start\n",
                   id);
    }
    sp_cfg_destroy(cfg);
    return rc;
}
