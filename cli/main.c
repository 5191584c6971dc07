/*
 * slaprobe's entry point: dispatch to a sub-command.
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const char usage[] =
    "usage: slaprobe COMMAND [OPTIONS]\n"
    "\n"
    "Availability and SLA probe for HTTP(S), TCP and DNS endpoints.\n"
    "\n"
    "commands:\n"
    "  check [OPTIONS] TARGET...   probe now and print timings (see 'slaprobe check --help')\n"
    "  run -c FILE                 the daemon: probe every target, keep RRD files and journals\n"
    "  config-check -c FILE        check a configuration, print its effective values\n"
    "  journal verify -c FILE      check the hash chains of the incident journals\n"
    "  report -c FILE --month YYYY-MM  the monthly SLA report (text, csv, json, html)\n"
    "  status-page -c FILE [-o DIR]  the public status page (HTML + status.json)\n"
    "  patterns [--lang ja]        the ASP/SaaS guideline's patterns and targets\n"
    "  import -c FILE --target ID --csv CSV   history from another monitor into the RRD\n"
    "\n"
    "  -h, --help                  this text\n"
    "  -V, --version               print the version\n";

void sp_cli_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    /* A peer that resets a connection while OpenSSL writes to it (the TLS
     * posture check writes to its socket itself) must give an error, not
     * end the process by SIGPIPE without its stop markers. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fputs("slaprobe: no command given (try 'slaprobe --help')\n", stderr);
        return SP_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return SP_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("slaprobe %s\n", SP_VERSION);
        return SP_EXIT_OK;
    }
    if (strcmp(cmd, "check") == 0)
        return sp_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return sp_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "config-check") == 0)
        return sp_cmd_config_check(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return sp_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "status-page") == 0)
        return sp_cmd_status_page(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return sp_cmd_import(argc - 1, argv + 1);
    if (strcmp(cmd, "patterns") == 0)
        return sp_cmd_patterns(argc - 1, argv + 1);
    if (strcmp(cmd, "journal") == 0)
        return sp_cmd_journal(argc - 1, argv + 1);
    fprintf(stderr, "slaprobe: unknown command '%s' (try 'slaprobe --help')\n", cmd);
    return SP_EXIT_USAGE;
}
