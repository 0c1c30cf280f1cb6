/* The command line of docs/ARCHITECTURE.md §2: commands, their options, help
 * texts, and the exit status conventions (0 ok, 1 invalid pipeline or bad
 * arguments, 2 runtime failure). */
#ifndef SQ_CLI_H
#define SQ_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum { SQ_EXIT_OK = 0, SQ_EXIT_INVALID = 1, SQ_EXIT_RUNTIME = 2 };

typedef struct sq_command {
  const char *name;
  const char *summary;  /* one line for `streamq --help` */
  const char *usage;    /* the full `streamq COMMAND --help` text */
  int (*main)(int argc, char **argv); /* argv[0] is the command name */
} sq_command_t;

/* Dispatches `streamq ARGS...`; returns the process exit status. */
int sq_cli_main(int argc, char **argv);
/* Prints a command's usage to `out`. */
void sq_cli_usage(const sq_command_t *cmd, FILE *out);
/* Reports a bad argument, prints the command's usage to stderr, and
 * returns SQ_EXIT_INVALID. */
int sq_cli_bad_argument(const sq_command_t *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses `COMMAND FILE [--flag]`: stores the file in *path and whether
 * `flag` (may be NULL) was given; returns 0, or SQ_EXIT_INVALID after
 * printing usage. */
int sq_cli_file_arguments(const sq_command_t *cmd, int argc, char **argv, const char *flag, bool *flag_set,
                          const char **path);

extern const sq_command_t sq_cmd_run;
extern const sq_command_t sq_cmd_check;
extern const sq_command_t sq_cmd_explain;
extern const sq_command_t sq_cmd_test;
extern const sq_command_t sq_cmd_broker;
extern const sq_command_t sq_cmd_status;
extern const sq_command_t sq_cmd_query;
extern const sq_command_t sq_cmd_repl;
extern const sq_command_t sq_cmd_version;

#endif
