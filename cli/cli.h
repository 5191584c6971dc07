/*
 * Sub-commands of the slaprobe command line. cli/ is the only place that
 * knows every module; each command returns the process exit code
 * (0 success, 1 a check or SLA failed, 2 bad usage or configuration).
 * main.c's command table dispatches to them and lists them in the usage.
 */
#ifndef SP_CLI_H
#define SP_CLI_H

#include <stdio.h>

enum { SP_EXIT_OK = 0, SP_EXIT_FAIL = 1, SP_EXIT_USAGE = 2 };

/* argv[0] is the command's name (main passes argv + 1). */
int sp_cmd_check(int argc, char **argv);         /* cmd_check.c */
int sp_cmd_run(int argc, char **argv);           /* cmd_run.c */
int sp_cmd_config_check(int argc, char **argv);  /* cmd_config.c */
int sp_cmd_journal(int argc, char **argv);       /* cmd_journal.c */
int sp_cmd_patterns(int argc, char **argv);      /* cmd_patterns.c */
int sp_cmd_import(int argc, char **argv);        /* cmd_import.c */
int sp_cmd_report(int argc, char **argv);        /* cmd_report.c */
int sp_cmd_status_page(int argc, char **argv);   /* cmd_statuspage.c */
int sp_cmd_evidence(int argc, char **argv);      /* cmd_evidence.c */
int sp_cmd_metrics_month(int argc, char **argv); /* cmd_metrics.c */
int sp_cmd_store(int argc, char **argv);         /* cmd_store.c */

struct sp_cfg;
/* config-check's section on the guideline's monitoring values; returns
 * the number of targets that miss one (cmd_patterns.c). */
int sp_cli_print_conformance(const struct sp_cfg *cfg, FILE *fp);

/* Parse "-c FILE [--target ID]" (args.c): *cfg gets FILE, *target ID (pass
 * target NULL where --target is not an option); both point into argv.
 * Returns 0 to go on, -1 when the caller should exit with *rc: --help
 * printed `usage` (0), or a bad or missing option was named on stderr
 * with `cmd` (2). */
int sp_cli_parse_config_args(const char *cmd, const char *usage, int argc, char **argv,
                             const char **cfg, const char **target, int *rc);

/* Raise the soft open-files limit to the hard one: a probe holds a socket
 * or two, and thousands may be in flight (rlimit.c). */
void sp_cli_raise_nofile(void);

#endif
