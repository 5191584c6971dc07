/*
 * `slaprobe status-page -c FILE [-o DIR] [--lang en|ja|both] [--days N]`:
 * build the public status page from storage and publish it at DIR
 * (statuspage/statuspage.c). The daemon runs this same command in a child
 * process every status_page.every, so the page is built off its loop.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "statuspage/statuspage.h"

int sp_cmd_status_page(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe status-page -c FILE [-o DIR] [--lang en|ja|both] [--days N]\n"
        "Build the public status page (index.html, status.json) from the RRD files and\n"
        "journals, and publish it at DIR (default: status_page.dir) by switching the\n"
        "symbolic link DIR to a new directory in one step: a web server serving DIR\n"
        "never sees half a page. --lang defaults to status_page.lang (en); --days to 30.\n"
        "Exit 0 published, 1 it could not be written, 2 bad usage or configuration.\n";
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'},
        {"lang", required_argument, NULL, 'l'},   {"days", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *dir = NULL, *lang = NULL;
    int c, days = 30, rc = SP_EXIT_USAGE;
    char err[1024], *end;
    sp_cfg *cfg = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'o':
            dir = optarg;
            break;
        case 'l':
            lang = optarg;
            break;
        case 'd':
            days = (int)strtol(optarg, &end, 10);
            if (*end || days < 1 || days > 366) {
                fprintf(stderr, "slaprobe status-page: --days '%s' is not 1-366\n", optarg);
                return SP_EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr, "slaprobe status-page: bad option '%s' (try --help)\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!path || optind < argc) {
        fprintf(stderr, "slaprobe status-page: -c FILE is required (try --help)\n");
        return SP_EXIT_USAGE;
    }
    if (lang && strcmp(lang, "en") && strcmp(lang, "ja") && strcmp(lang, "both")) {
        fprintf(stderr, "slaprobe status-page: --lang must be en, ja or both, not '%s'\n", lang);
        return SP_EXIT_USAGE;
    }
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        goto out;
    }
    if (!dir)
        dir = cfg->status_dir;
    if (!dir) {
        fprintf(stderr, "slaprobe status-page: give -o DIR or set status_page.dir in %s\n", path);
        goto out;
    }
    if (!lang)
        lang = cfg->status_lang ? cfg->status_lang : "en";
    sp_status st =
        sp_statuspage_publish(cfg, dir, lang, days, (int64_t)time(NULL), err, sizeof err);
    if (st != SP_OK) {
        fprintf(stderr, "slaprobe status-page: %s\n", err);
        rc = st == SP_EINVAL || st == SP_EEXIST ? SP_EXIT_USAGE : SP_EXIT_FAIL;
        goto out;
    }
    rc = SP_EXIT_OK;
out:
    sp_cfg_destroy(cfg);
    return rc;
}
