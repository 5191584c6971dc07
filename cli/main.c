/*
 * slaprobe's entry point: one table of sub-commands, from which both the
 * dispatch and the top-level usage text are made, so a command cannot be
 * callable without being listed, or listed without being callable.
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;     /* argv[1]; an option's long form */
    const char *alias;    /* an option's short form, or NULL */
    const char *synopsis; /* what follows the name in the usage, or NULL */
    const char *summary;  /* one line of the usage; NULL: accepted, not listed */
    int (*run)(int argc, char **argv);
} command;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/* In the order of the usage text. Rows whose name starts with '-' are the
 * options, listed after the commands. */
static const command commands[] = {
    {"check", NULL, "[OPTIONS] TARGET...",
     "probe now and print timings (see 'slaprobe check --help')", sp_cmd_check},
    {"run", NULL, "-c FILE", "the daemon: probe every target, keep RRD files and journals",
     sp_cmd_run},
    {"config-check", NULL, "-c FILE", "check a configuration, print its effective values",
     sp_cmd_config_check},
    {"journal", NULL, "verify -c FILE", "check the hash chains of the incident journals",
     sp_cmd_journal},
    {"report", NULL, "-c FILE --month YYYY-MM", "the monthly SLA report (text, csv, json, html)",
     sp_cmd_report},
    {"status-page", NULL, "-c FILE [-o DIR]", "the public status page (HTML + status.json)",
     sp_cmd_status_page},
    {"patterns", NULL, "[--lang ja]", "the ASP/SaaS guideline's patterns and targets",
     sp_cmd_patterns},
    /* the trailing space keeps the usage text as it has always been printed */
    {"import", NULL, "-c FILE --target ID --csv CSV ", "history from another monitor into the RRD",
     sp_cmd_import},
    {"evidence", NULL, "keygen | export ...",
     "the checkpoint key; a target's month as a signed archive", sp_cmd_evidence},
    {"store", NULL, "migrate -c FILE", "convert RRD files made by an earlier version",
     sp_cmd_store},
    {"metrics-month", NULL, NULL, NULL, sp_cmd_metrics_month}, /* the daemon's child */
    {"help", NULL, NULL, NULL, cmd_help},
    {"--help", "-h", NULL, "this text", cmd_help},
    {"--version", "-V", NULL, "print the version", cmd_version},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Where the summaries start; a longer synopsis is followed by two spaces. */
#define SUMMARY_COLUMN 30

static void print_row(const command *c, FILE *fp)
{
    int w;
    if (c->alias)
        w = fprintf(fp, "  %s, %s", c->alias, c->name);
    else
        w = fprintf(fp, "  %s %s", c->name, c->synopsis);
    int pad = SUMMARY_COLUMN - w;
    fprintf(fp, "%*s%s\n", pad < 2 ? 2 : pad, "", c->summary);
}

static int cmd_help(int argc, char **argv)
{
    fputs("usage: slaprobe COMMAND [OPTIONS]\n"
          "\n"
          "Availability and SLA probe for HTTP(S), TCP and DNS endpoints.\n"
          "\n"
          "commands:\n",
          stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].summary && commands[i].name[0] != '-')
            print_row(&commands[i], stdout);
    fputc('\n', stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].summary && commands[i].name[0] == '-')
            print_row(&commands[i], stdout);
    return SP_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    printf("slaprobe %s\n", SP_VERSION);
    return SP_EXIT_OK;
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
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const command *c = &commands[i];
        if (strcmp(cmd, c->name) == 0 || (c->alias && strcmp(cmd, c->alias) == 0))
            return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "slaprobe: unknown command '%s' (try 'slaprobe --help')\n", cmd);
    return SP_EXIT_USAGE;
}
