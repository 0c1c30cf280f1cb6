/* `streamq query "STATEMENTS"`: ad-hoc statements from the command line,
 * results on standard output (LANGUAGE.md §1). Ctrl-C ends the running
 * statement; the exit status is 1 for an invalid statement, 2 for a
 * runtime failure. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runtime/app/cli.h"
#include "runtime/app/session.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = SQ_STOP_CANCEL;
}

static int query_main(int argc, char **argv) {
  sq_session_options_t o = {.command = "query"};
  const char *text = NULL;
  for (int i = 1; i < argc; i++) {
    bool has_value = i + 1 < argc;
    if (strcmp(argv[i], "--brokers") == 0 && has_value) o.brokers = argv[++i];
    else if (strcmp(argv[i], "--embedded-broker") == 0) o.embedded_broker = true;
    else if (strcmp(argv[i], "--format") == 0 && has_value) {
      if (!sq_output_format_parse(argv[++i], &o.format)) return sq_cli_bad_argument(&sq_cmd_query, "--format is table, json or csv");
    } else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(&sq_cmd_query, "unknown option '%s'", argv[i]);
    else if (text) return sq_cli_bad_argument(&sq_cmd_query, "unexpected argument '%s' (put every statement in one argument)", argv[i]);
    else text = argv[i];
  }
  if (!text) return sq_cli_bad_argument(&sq_cmd_query, "missing the statements");
  if (o.embedded_broker && o.brokers) return sq_cli_bad_argument(&sq_cmd_query, "--brokers and --embedded-broker exclude each other");
  char err[512];
  sq_session_t *s = sq_session_new(&o, &stop_requested, err, sizeof err);
  if (!s) {
    fprintf(stderr, "streamq query: %s\n", err);
    return SQ_EXIT_RUNTIME;
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int status = sq_session_run(s, "<query>", text, strlen(text));
  sq_session_destroy(s);
  return status;
}

const sq_command_t sq_cmd_query = {
    "query", "run ad-hoc statements against live topics",
    "usage: streamq query \"STATEMENTS\" [--brokers HOST:PORT,...] [--embedded-broker]\n"
    "                     [--format table|json|csv]\n"
    "\n"
    "Runs one or more ';'-separated statements and prints their results:\n"
    "SHOW TOPICS, DESCRIBE TOPIC 'name', PRINT 'topic', SELECT, EXPLAIN [ANALYZE],\n"
    "CREATE, SET, RUN SCRIPT 'file.sql' (see 'streamq repl --help' for all).\n"
    "A SELECT reads each partition up to where it ended when the query started,\n"
    "prints the result and ends; with EMIT CHANGES it runs until its LIMIT or\n"
    "Ctrl-C. A topic may be queried without CREATE SOURCE: its schema is\n"
    "inferred from a sample of its records. Queries read outside any consumer\n"
    "group and commit no offsets.\n"
    "\n"
    "Exit status: 0 done, 1 an invalid statement (with its diagnostics), 2 a\n"
    "runtime failure (with the reason).\n"
    "\n"
    "options:\n"
    "  --brokers LIST      Kafka bootstrap servers (overrides SET 'kafka.bootstrap.servers';\n"
    "                      the environment variable STREAMQ_BROKERS is the fallback)\n"
    "  --embedded-broker   run a development Kafka broker inside this process\n"
    "  --format F          results as an aligned table (default), JSON lines or CSV\n"
    "                      (SET 'output.format' overrides it)\n"
    "  --help              show this help\n",
    query_main,
};
