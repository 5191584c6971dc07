/*
 * `slaprobe report -c FILE --month YYYY-MM [--target ID] [--format
 * text|csv|json|html] [--lang en|ja] [-o PATH]`: the monthly SLA report,
 * from storage and configuration only (reports/report.c builds it, the
 * render_*.c files format it).
 *
 * Exit 0 when every reported target met its target, 1 when one missed it
 * or has no data for the month, 2 on bad usage or configuration, 3 when a
 * target's RRD and journal disagree (SPEC section 11): the figures are then
 * not evidence, which matters more than whether they say met.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config/config.h"
#include "calendar/calendar.h"
#include "reports/report.h"

/* report only: the codes of cli.h keep their meaning */
#define SP_EXIT_ROWS 3

/* The month before the one now is in, in tz: what "the monthly report"
 * means when no month is named. */
static bool last_complete_month(const char *tz, int64_t now, int *year, int *mon)
{
    char today[16];
    if (sp_cal_local_date(tz, now, today, sizeof today) != SP_OK || strlen(today) < 7)
        return false;
    today[7] = '\0'; /* YYYY-MM */
    if (!sp_cal_parse_month(today, year, mon))
        return false;
    if (--*mon == 0) {
        *mon = 12;
        --*year;
    }
    return true;
}

int sp_cmd_report(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe report -c FILE [--month YYYY-MM] [--target ID]\n"
        "                       [--format text|csv|json|html] [--excel] [--lang en|ja] [-o PATH]\n"
        "The monthly SLA report of every target (or one), from the RRD files and\n"
        "journals in storage.dir; the daemon need not run. The month is a calendar\n"
        "month in the configured timezone; without --month, the last complete one\n"
        "(on 2026-11-30, 2026-10). text (default), csv and json go to PATH or\n"
        "standard output; html writes one self-contained page (graphs inline, prints\n"
        "on A4): to PATH when it ends in .html, else to PATH/index.html (the\n"
        "directory PATH is made if needed).\n"
        "--excel (with csv): a UTF-8 byte order mark and CRLF line ends, so Excel\n"
        "(a Japanese one included) opens it as UTF-8. --lang ja: Japanese text and\n"
        "HTML; CSV with Japanese headers and words, the columns in the same order\n"
        "(programs read the English CSV or the JSON); JSON is never translated.\n"
        "Exit 0 every target met its target, 1 one missed it or has no data, 2 bad\n"
        "usage or configuration, 3 a target's RRD and journal disagree (an edited\n"
        "RRD value, values no journal rows line covers, or rows that contradict the\n"
        "journal's incidents: see the evidence section; 3 wins over 1).\n";
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"month", required_argument, NULL, 'm'},
        {"target", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"lang", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"excel", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *month = NULL, *only = NULL, *format = "text", *lang = "en",
               *outpath = NULL;
    int c, year, mon, rc = SP_EXIT_USAGE;
    bool excel = false;
    char err[1024];
    sp_cfg *cfg = NULL;
    sp_report *rep = NULL;
    FILE *fp = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'm':
            month = optarg;
            break;
        case 't':
            only = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'l':
            lang = optarg;
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'x':
            excel = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr, "slaprobe report: bad option '%s' (try --help)\n", argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!path || optind < argc) {
        fprintf(stderr, "slaprobe report: -c FILE is required (try --help)\n");
        return SP_EXIT_USAGE;
    }
    if (month && !sp_cal_parse_month(month, &year, &mon)) {
        fprintf(stderr, "slaprobe report: --month '%s' is not YYYY-MM\n", month);
        return SP_EXIT_USAGE;
    }
    bool html = strcmp(format, "html") == 0;
    if (!html && strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
        fprintf(stderr, "slaprobe report: --format must be text, csv, json or html, not '%s'\n",
                format);
        return SP_EXIT_USAGE;
    }
    if (excel && strcmp(format, "csv") != 0) {
        fprintf(stderr, "slaprobe report: --excel is for --format csv\n");
        return SP_EXIT_USAGE;
    }
    if (strcmp(lang, "en") && strcmp(lang, "ja")) {
        fprintf(stderr, "slaprobe report: --lang must be en or ja, not '%s'\n", lang);
        return SP_EXIT_USAGE;
    }
    if (html && !outpath) {
        fprintf(stderr, "slaprobe report: --format html writes a file: give -o FILE.html or -o "
                        "DIR\n");
        return SP_EXIT_USAGE;
    }
    sp_report_lang lg = strcmp(lang, "ja") == 0 ? SP_LANG_JA : SP_LANG_EN;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    if (!month && !last_complete_month(cfg->timezone, now, &year, &mon)) {
        fprintf(stderr, "slaprobe report: cannot tell today's date in %s\n", cfg->timezone);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    sp_status st = sp_report_build(cfg, year, mon, only, now, &rep, err, sizeof err);
    if (st != SP_OK) {
        fprintf(stderr, "slaprobe report: %s\n", err);
        rc = st == SP_EINVAL ? SP_EXIT_USAGE : SP_EXIT_FAIL;
        goto out;
    }
    if (html) {
        char file[4200];
        size_t ol = strlen(outpath);
        if (ol > 5 && strcmp(outpath + ol - 5, ".html") == 0) {
            snprintf(file, sizeof file, "%s", outpath);
        } else if (mkdir(outpath, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "slaprobe report: cannot create %s: %s\n", outpath, strerror(errno));
            rc = SP_EXIT_FAIL;
            goto out;
        } else {
            snprintf(file, sizeof file, "%s/index.html", outpath);
        }
        st = sp_report_render_html(rep, lg, file, err, sizeof err);
    } else {
        fp = outpath ? fopen(outpath, "we") : stdout;
        if (!fp) {
            fprintf(stderr, "slaprobe report: cannot write %s\n", outpath);
            rc = SP_EXIT_FAIL;
            goto out;
        }
        st = format[0] == 't'   ? sp_report_render_text(rep, lg, fp)
             : format[0] == 'c' ? (excel ? sp_report_render_csv_excel(rep, lg, fp)
                                         : sp_report_render_csv(rep, lg, fp))
                                : sp_report_render_json(rep, fp);
        snprintf(err, sizeof err, "write error");
    }
    if (st != SP_OK) {
        fprintf(stderr, "slaprobe report: %s\n", err);
        rc = SP_EXIT_FAIL;
        goto out;
    }
    rc = sp_report_rows_disagree(rep) ? SP_EXIT_ROWS
         : sp_report_all_met(rep)     ? SP_EXIT_OK
                                      : SP_EXIT_FAIL;
out:
    if (fp && fp != stdout)
        fclose(fp);
    sp_report_destroy(rep);
    sp_cfg_destroy(cfg);
    return rc;
}
