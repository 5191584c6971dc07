/*
 * `slaprobe store migrate -c FILE [--dry-run]`: every configured target's
 * rows file of the layout before this one into this layout's two files
 * (storage/migrate.h does the work; this parses, locks and prints).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sp_time.h"
#include "config/config.h"
#include "storage/migrate.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

static const char usage[] =
    "usage: slaprobe store migrate -c FILE [--vantage V] [--dry-run]\n"
    "Convert the RRD files of an earlier slaprobe (one <id>.rrd with five archives) to\n"
    "this version's layout: <id>.rrd keeps the steps (every step of the old\n"
    "full-resolution archive copied exactly, so the journal's rows lines still\n"
    "verify) and <id>.hist.rrd beside it every hour's seconds UP, DOWN and degraded:\n"
    "rolled up from the steps where they reach, older hours from the old 5-minute\n"
    "archive, else the hourly one. The old file is kept as <id>.rrd.v1: remove it\n"
    "when satisfied. Targets already converted are skipped; an interrupted run is\n"
    "resumed by running it again. Stop the daemon first (the store's lock is taken).\n"
    "--vantage V: vantage V's store, <storage.dir>/V/, as `run --vantage V` writes it.\n"
    "--dry-run: say what would be done, write nothing.\n"
    "Exit 0 every target converted or nothing to do, 1 a target could not be\n"
    "converted (the others are), 2 bad usage or configuration.\n";

static void iso(int64_t t, char *buf, size_t n)
{
    sp_time_iso_ms(t * 1000, buf, n);
}

static const char *archive_name(long row_s, char *buf, size_t n)
{
    if (row_s == 300)
        return "5-minute";
    if (row_s == 3600)
        return "hourly";
    snprintf(buf, n, "%ld-second", row_s);
    return buf;
}

static void print_migrated(const char *id, const sp_migrate_result *r, bool dry_run)
{
    char a[40], b[40], c[40];
    int64_t from = r->steps_to - (r->steps - 1) * r->step_s;
    iso(from - r->step_s, a, sizeof a);
    iso(r->steps_to, b, sizeof b);
    iso(r->hours_from, c, sizeof c);
    printf("%s: %s: %lld steps of %ld s %s (%lld with a value), %s to %s; %lld hours %s "
           "from %s (%lld rolled up from the steps",
           id, dry_run ? "would migrate" : "migrated", (long long)r->steps, r->step_s,
           dry_run ? "to copy" : "copied", (long long)r->known, a, b, (long long)r->hours,
           dry_run ? "to write" : "written", c, (long long)r->hours_steps);
    if (!dry_run)
        printf(" with %zu stop%s", r->stops, r->stops == 1 ? "" : "s");
    for (int i = 0; i < r->n_sources; i++) {
        char nb[32];
        printf(", %lld from the old %s archive", (long long)r->sources[i].hours,
               archive_name(r->sources[i].row_s, nb, sizeof nb));
    }
    printf(")");
    if (!dry_run && r->as_text)
        printf("; %lld steps the same as text, not bit for bit", (long long)r->as_text);
    if (r->resumed)
        printf("; resumed from %s", r->kept);
    if (!dry_run)
        printf("; the old file is kept as %s: remove it when satisfied", r->kept);
    printf("\n");
}

int sp_cmd_store(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "migrate") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        }
        fprintf(stderr, "slaprobe store: expected 'migrate' (try 'slaprobe store --help')\n");
        return SP_EXIT_USAGE;
    }
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"dry-run", no_argument, NULL, 'n'},
        {"vantage", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool dry_run = false;
    int c;
    argc--;
    argv++;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 'n') {
            dry_run = true;
        } else if (c == 'V') {
            /* as `run --vantage`: sp_cfg_load then checks the name and
             * puts storage_dir in <root>/V */
            if (setenv("SLAPROBE_VANTAGE", optarg, 1) != 0) {
                fprintf(stderr, "slaprobe store migrate: --vantage: %s\n", strerror(errno));
                return SP_EXIT_FAIL;
            }
        } else if (c == 'h') {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        } else {
            fprintf(stderr, "slaprobe store migrate: bad option '%s' (try --help)\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!path || optind < argc) {
        fprintf(stderr, "slaprobe store migrate: -c FILE is required, and nothing else "
                        "(try --help)\n");
        return SP_EXIT_USAGE;
    }
    char err[1024];
    sp_cfg *cfg;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    int rc = SP_EXIT_OK, lock_fd = -1;
    struct stat sb;
    if (stat(cfg->storage_dir, &sb) != 0) {
        printf("%s does not exist: nothing to migrate\n", cfg->storage_dir);
        goto out;
    }
    if (!dry_run) {
        /* Not while the daemon or an import writes the store; held to the
         * end, so neither can start halfway. */
        if (sp_store_lock_dir(cfg->storage_dir, &lock_fd, err, sizeof err) != SP_OK) {
            fprintf(stderr, "slaprobe store migrate: %s; nothing migrated\n", err);
            rc = SP_EXIT_FAIL;
            goto out;
        }
        /* an interrupted migration's (or creation's, or import's) files */
        if (sp_store_clean_stale(cfg->storage_dir, err, sizeof err) != SP_OK)
            fprintf(stderr, "slaprobe store migrate: %s\n", err);
    }
    size_t n_done = 0, n_current = 0, n_none = 0, n_failed = 0;
    sp_migrate_result *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "slaprobe store migrate: out of memory\n");
        rc = SP_EXIT_FAIL;
        goto out;
    }
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        long step = (long)(t->interval_ms / 1000);
        sp_store_migrate_target(cfg->storage_dir, t->id, step, &cfg->retention, cfg->rrdcached,
                                dry_run, r);
        switch (r->outcome) {
        case SP_MIGRATE_MIGRATED:
            n_done++;
            print_migrated(t->id, r, dry_run);
            break;
        case SP_MIGRATE_CURRENT:
            n_current++;
            printf("%s: already migrated%s%s%s\n", t->id,
                   r->kept_exists ? "; the old file is still kept as " : "",
                   r->kept_exists ? r->kept : "",
                   r->kept_exists ? ": remove it when satisfied" : "");
            break;
        case SP_MIGRATE_NO_FILE:
            n_none++;
            printf("%s: no RRD file: nothing to migrate\n", t->id);
            break;
        case SP_MIGRATE_FAILED:
            n_failed++;
            fprintf(stderr, "slaprobe store migrate: %s: NOT MIGRATED: %s\n", t->id, r->err);
            break;
        }
        fflush(stdout);
    }
    free(r);
    if (n_done == 0 && n_failed == 0)
        printf("nothing to migrate: %zu target%s already migrated, %zu without a file\n", n_current,
               n_current == 1 ? "" : "s", n_none);
    else
        printf("%zu target%s %s, %zu already migrated, %zu without a file, %zu failed\n", n_done,
               n_done == 1 ? "" : "s", dry_run ? "to migrate" : "migrated", n_current, n_none,
               n_failed);
    if (n_failed)
        rc = SP_EXIT_FAIL;
out:
    if (lock_fd >= 0)
        close(lock_fd);
    sp_cfg_destroy(cfg);
    return rc;
}
