/* Command dispatch and help. Each command lives in its own cmd_<name>.c
 * and registers here; global help lists them in this order. */
#include "runtime/app/cli.h"

#include <stdarg.h>
#include <string.h>

static const sq_command_t *const commands[] = {&sq_cmd_run,   &sq_cmd_test,   &sq_cmd_check,  &sq_cmd_explain,
                                               &sq_cmd_query, &sq_cmd_repl,   &sq_cmd_broker, &sq_cmd_status,
                                               &sq_cmd_version};
static const size_t n_commands = sizeof commands / sizeof *commands;

static void global_usage(FILE *out) {
  fprintf(out,
          "streamq - streaming SQL over Kafka topics, files and generated data\n"
          "\n"
          "usage: streamq COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "commands:\n");
  for (size_t i = 0; i < n_commands; i++) fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(out, "\nRun 'streamq COMMAND --help' for a command's options.\n");
}

void sq_cli_usage(const sq_command_t *cmd, FILE *out) { fputs(cmd->usage, out); }

int sq_cli_bad_argument(const sq_command_t *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "streamq %s: ", cmd->name);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n\n");
  va_end(ap);
  sq_cli_usage(cmd, stderr);
  return SQ_EXIT_INVALID;
}

int sq_cli_file_arguments(const sq_command_t *cmd, int argc, char **argv, const char *flag, bool *flag_set,
                          const char **path) {
  *path = NULL;
  if (flag_set) *flag_set = false;
  for (int i = 1; i < argc; i++) {
    if (flag && strcmp(argv[i], flag) == 0) *flag_set = true;
    else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(cmd, "unknown option '%s'", argv[i]);
    else if (*path) return sq_cli_bad_argument(cmd, "unexpected argument '%s'", argv[i]);
    else *path = argv[i];
  }
  return *path ? SQ_EXIT_OK : sq_cli_bad_argument(cmd, "missing the pipeline file");
}

int sq_cli_main(int argc, char **argv) {
  if (argc < 2) {
    global_usage(stderr);
    return SQ_EXIT_INVALID;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    global_usage(stdout);
    return SQ_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0) name = "version";
  for (size_t i = 0; i < n_commands; i++) {
    if (strcmp(name, commands[i]->name) != 0) continue;
    for (int a = 2; a < argc; a++) {
      if (strcmp(argv[a], "--") == 0) break;
      if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
        sq_cli_usage(commands[i], stdout);
        return SQ_EXIT_OK;
      }
    }
    return commands[i]->main(argc - 1, argv + 1);
  }
  fprintf(stderr, "streamq: unknown command '%s'\n\n", name);
  global_usage(stderr);
  return SQ_EXIT_INVALID;
}
