/*
 * Sub-commands of the slaprobe command line. cli/ is the only place that
 * knows every module; each command returns the process exit code
 * (0 success, 1 a check or SLA failed, 2 bad usage or configuration).
 */
#ifndef SP_CLI_H
#define SP_CLI_H

enum { SP_EXIT_OK = 0, SP_EXIT_FAIL = 1, SP_EXIT_USAGE = 2 };

int sp_cmd_check(int argc, char **argv);
int sp_cmd_run(int argc, char **argv);
int sp_cmd_config_check(int argc, char **argv);
int sp_cmd_journal(int argc, char **argv);

/* Raise the soft open-files limit to the hard one: a probe holds a socket
 * or two, and thousands may be in flight. */
void sp_cli_raise_nofile(void);

#endif
