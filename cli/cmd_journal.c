/*
 * `slaprobe journal verify -c FILE [--target ID]`: check the hash chain of
 * each target's journal and say where it breaks, then re-read each RRD's
 * one-step archive against the journal's rows and state lines
 * (storage/rowcheck.h) and name every disagreement.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "journal/journal.h"
#include "storage/rowcheck.h"
#include "storage/sp_store.h"

static const char *const kind_words[] = {
    [SP_ROWCHECK_MISMATCH] = "ROWS DIFFER",
    [SP_ROWCHECK_UNCOVERED] = "ROWS UNCOVERED",
    [SP_ROWCHECK_INCIDENT] = "ROWS CONTRADICT THE JOURNAL",
    [SP_ROWCHECK_UNCHECKABLE] = "note",
    [SP_ROWCHECK_RECOVERED] = "note",
    [SP_ROWCHECK_BEFORE] = "note",
};

/* The RRD against the journal's rows lines: 0 agree, 1 a disagreement or
 * the files cannot be read. No RRD yet: nothing to check. */
static int verify_rows(const sp_cfg *cfg, const char *id, const char *rrd, const char *jpath)
{
    if (access(rrd, F_OK) != 0) {
        printf("%s: no RRD file yet: no rows to check\n", id);
        return SP_EXIT_OK;
    }
    char err[1024];
    sp_store_rowcheck c;
    sp_status st = sp_store_rowcheck_run(cfg->rrdcached, rrd, jpath, 0, 0, &c, err, sizeof err);
    if (st != SP_OK) {
        printf("%s: cannot check the rows: %s\n", id, err);
        sp_store_rowcheck_free(&c);
        return SP_EXIT_FAIL;
    }
    for (size_t i = 0; i < c.n; i++)
        printf("%s: %s: %s\n", id, kind_words[c.p[i].kind], c.p[i].text);
    printf("%s: rows: %ld line%s, %ld checked, %ld differ, %ld no longer checkable, %ld "
           "recovered; %ld step%s uncovered, %ld step%s contradict the state lines: %s\n",
           id, c.lines, c.lines == 1 ? "" : "s", c.checked, c.mismatching, c.not_checkable,
           c.recovered, c.uncovered_steps, c.uncovered_steps == 1 ? "" : "s", c.incident_steps,
           c.incident_steps == 1 ? "" : "s",
           sp_store_rowcheck_failed(&c) ? "RRD AND JOURNAL DISAGREE" : "RRD and journal agree");
    int rc = sp_store_rowcheck_failed(&c) ? SP_EXIT_FAIL : SP_EXIT_OK;
    sp_store_rowcheck_free(&c);
    return rc;
}

int sp_cmd_journal(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe journal verify -c FILE [--target ID]\n"
        "Check the hash chain of each target's incident journal, then re-read the\n"
        "full-resolution archive of its RRD against the journal's rows lines (the\n"
        "SHA-256 of the values written) and state lines: a step whose stored values\n"
        "differ, a step holding values no rows line covers, and an incident the RRD\n"
        "contradicts are each named. Rows older than the archive's reach can no\n"
        "longer be checked (said, not an error). Exit 0 when every chain is intact\n"
        "and every RRD agrees with its journal, 1 when a chain is broken or an RRD\n"
        "disagrees (each problem named), 2 on bad usage.\n";
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
        if (verify_rows(cfg, id, rrd, jpath) != SP_EXIT_OK)
            rc = SP_EXIT_FAIL;
    }
    sp_cfg_destroy(cfg);
    return rc;
}
