/*
 * `slaprobe journal verify -c FILE [--target ID]`: check the hash chain of
 * each target's journal and say where it breaks.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "journal/journal.h"
#include "storage/sp_store.h"

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
    if (sp_cli_parse_config_args("journal verify", usage, argc - 1, argv + 1, &path, &only, &rc) <
        0)
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
