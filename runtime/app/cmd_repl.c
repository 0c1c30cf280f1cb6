/* `streamq repl [FILE.sql]`: the interactive shell (LANGUAGE.md §1). On a
 * terminal it reads with libedit: multi-line statements end at ';',
 * history in ~/.streamq_history, Tab completion, \help, \format, \q.
 * Ctrl-C ends the running statement (or clears the line being typed),
 * never the shell; Ctrl-D leaves. When standard input is not a terminal
 * the input is a script, read without prompts or line editing (as
 * sqlite3 does), so `streamq repl < script.sql` works. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <editline/readline.h>

#include "engine/buf.h"
#include "runtime/app/cli.h"
#include "runtime/app/repl_complete.h"
#include "runtime/app/session.h"
#include "runtime/app/pipeline_file.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = SQ_STOP_CANCEL;
}

static const char help_text[] =
    "Statements end with ';' and may span lines. Among them:\n"
    "  SHOW TOPICS | SOURCES | SINKS | STREAMS | TABLES\n"
    "  DESCRIBE name                     DESCRIBE TOPIC 'name' [SAMPLE n]\n"
    "  PRINT 'topic' [FROM BEGINNING | FROM OFFSET n | FROM TIMESTAMP 'ts'] [LIMIT n] [INTERVAL n]\n"
    "  SELECT ... [LIMIT n]              bounded: up to where the topics end now\n"
    "  SELECT ... EMIT CHANGES           live, until LIMIT or Ctrl-C (SET 'start' = 'earliest')\n"
    "  EXPLAIN [ANALYZE] SELECT ...      INSERT INTO sink SELECT ... (until Ctrl-C)\n"
    "  CREATE SOURCE | TABLE | SINK | STREAM ...    RUN SCRIPT 'file.sql'\n"
    "  SET 'key' = 'value' / UNSET 'key'  (kafka.*, output.format, start)\n"
    "A topic may be queried without CREATE SOURCE: its schema is inferred.\n"
    "Commands: \\help  \\format table|json|csv  \\q   (Ctrl-C cancels, Ctrl-D quits)\n";

/* Whether `text` ends with a ';' outside strings, quoted names and
 * comments: a statement is complete. */
static bool complete_statement(const char *text) {
  bool ends = false;
  for (const char *p = text; *p; p++) {
    if (*p == '\'' || *p == '"') {
      char q = *p;
      while (*++p && *p != q) {}
      if (!*p) return false;
      ends = false;
    } else if (p[0] == '-' && p[1] == '-') {
      while (p[1] && p[1] != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *close = strstr(p + 2, "*/");
      if (!close) return false;
      p = close + 1;
    } else if (*p == ';') {
      ends = true;
    } else if (!strchr(" \t\r\n", *p)) {
      ends = false;
    }
  }
  return ends;
}

/* The history entry for a statement: a SET of a credential is kept
 * without its value. */
static char *history_entry(const char *text) {
  static const char *const secret[] = {"sasl", "ssl", "password", "secret", "token", "credential"};
  const char *p = text + strspn(text, " \t\r\n");
  bool set = strncasecmp(p, "set", 3) == 0 && strchr(" \t\n'", p[3]);
  const char *eq = set ? strchr(p, '=') : NULL;
  for (size_t i = 0; eq && i < sizeof secret / sizeof *secret; i++) {
    char *found = strstr(p, secret[i]);
    if (found && found < eq) {
      size_t len = (size_t)(eq - p);
      char *entry = malloc(len + 16);
      if (entry) snprintf(entry, len + 16, "%.*s= '****';", (int)len, p);
      return entry;
    }
  }
  char *entry = strdup(p);
  for (size_t n = entry ? strlen(entry) : 0; n && strchr(" \t\r\n", entry[n - 1]); n--) entry[n - 1] = '\0';
  return entry;
}

typedef struct shell {
  sq_session_t *session;
  bool terminal;
  char history[4200];
  int status; /* the worst so far, for scripts */
} shell_t;

static void run(shell_t *sh, const char *text) {
  int status = sq_session_run(sh->session, "<repl>", text, strlen(text));
  if (status > sh->status) sh->status = status;
  char err[256];
  if (sh->terminal) sq_repl_complete_brokers(sq_session_kafka(sh->session, err, sizeof err));
}

/* A backslash command; false for \q. */
static bool command(shell_t *sh, const char *line) {
  char word[32] = "", arg[32] = "";
  sscanf(line, "\\%31s %31s", word, arg);
  if (strcmp(word, "q") == 0 || strcmp(word, "quit") == 0) return false;
  if (strcmp(word, "help") == 0 || strcmp(word, "h") == 0 || strcmp(word, "?") == 0) {
    fputs(help_text, stdout);
  } else if (strcmp(word, "format") == 0) {
    sq_output_format_t f;
    if (!sq_output_format_parse(arg, &f)) {
      fprintf(stderr, "\\format is table, json or csv\n");
    } else {
      char set[64];
      snprintf(set, sizeof set, "SET 'output.format' = '%s';", arg);
      run(sh, set);
    }
  } else {
    fprintf(stderr, "unknown command \\%s (\\help lists them)\n", word);
  }
  return true;
}

/* Reads statements until the end of input or \q. */
static void loop(shell_t *sh) {
  sq_buf_t pending = {0};
  for (;;) {
    char *line = NULL;
    if (sh->terminal) {
      stop_requested = 0;
      line = readline(pending.len ? "     ...> " : "streamq> ");
      if (!line && stop_requested) { /* Ctrl-C while typing: start over */
        fputc('\n', stdout);
        sq_buf_clear(&pending);
        continue;
      }
    } else {
      size_t cap = 0;
      if (getline(&line, &cap, stdin) < 0) {
        free(line);
        line = NULL;
      }
    }
    if (!line) break;
    const char *p = line + strspn(line, " \t");
    if (pending.len == 0 && *p == '\\') {
      bool more = command(sh, p);
      free(line);
      if (!more) break;
      continue;
    }
    if (pending.len == 0 && !*p) {
      free(line);
      continue;
    }
    sq_buf_puts(&pending, line);
    if (sh->terminal) sq_buf_putc(&pending, '\n');
    free(line);
    sq_buf_putc(&pending, '\0');
    pending.len--;
    if (pending.failed || !complete_statement(pending.data)) continue;
    if (sh->terminal) {
      char *entry = history_entry(pending.data);
      if (entry) add_history(entry), write_history(sh->history);
      free(entry);
    }
    run(sh, pending.data);
    sq_buf_clear(&pending);
  }
  if (pending.len && !pending.failed) run(sh, pending.data); /* a script's last statement may lack its ';' */
  sq_buf_free(&pending);
}

static int repl_main(int argc, char **argv) {
  sq_session_options_t o = {.command = "repl"};
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    bool has_value = i + 1 < argc;
    if (strcmp(argv[i], "--brokers") == 0 && has_value) o.brokers = argv[++i];
    else if (strcmp(argv[i], "--embedded-broker") == 0) o.embedded_broker = true;
    else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(&sq_cmd_repl, "unknown option '%s'", argv[i]);
    else if (file) return sq_cli_bad_argument(&sq_cmd_repl, "unexpected argument '%s'", argv[i]);
    else file = argv[i];
  }
  if (o.embedded_broker && o.brokers) return sq_cli_bad_argument(&sq_cmd_repl, "--brokers and --embedded-broker exclude each other");
  shell_t sh = {.terminal = isatty(STDIN_FILENO)};
  o.chatty = sh.terminal;
  char err[512];
  if (!(sh.session = sq_session_new(&o, &stop_requested, err, sizeof err))) {
    fprintf(stderr, "streamq repl: %s\n", err);
    return SQ_EXIT_RUNTIME;
  }
  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a Ctrl-C interrupts the line being read */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (sh.terminal) {
    const char *home = getenv("HOME");
    snprintf(sh.history, sizeof sh.history, "%s/.streamq_history", home ? home : ".");
    using_history();
    stifle_history(1000);
    read_history(sh.history);
    sq_repl_complete_start(sh.session);
    sq_repl_complete_brokers(sq_session_kafka(sh.session, err, sizeof err));
    printf("streamq %s: SQL over live topics. \\help for help, Ctrl-D to leave.\n", SQ_VERSION);
  }
  sq_pipeline_file_t script;
  if (file && !sq_pipeline_file_read(file, &script)) {
    fprintf(stderr, "streamq repl: cannot read '%s'\n", file);
    sh.status = SQ_EXIT_INVALID;
  } else if (file) {
    int status = sq_session_run(sh.session, file, script.text, sq_sql_len(script.sql));
    if (status > sh.status) sh.status = status;
    sq_pipeline_file_free(&script);
  }
  if (!file || sh.status == SQ_EXIT_OK || sh.terminal) loop(&sh);
  if (sh.terminal) {
    sq_repl_complete_stop();
    fputc('\n', stdout);
  }
  sq_session_destroy(sh.session);
  return sh.terminal ? SQ_EXIT_OK : sh.status;
}

const sq_command_t sq_cmd_repl = {
    "repl", "an interactive SQL shell over live topics",
    "usage: streamq repl [--brokers HOST:PORT,...] [--embedded-broker] [FILE.sql]\n"
    "\n"
    "An interactive shell for ad-hoc statements (FILE.sql, if given, runs first).\n"
    "Statements end with ';' and may span lines; Tab completes keywords, names,\n"
    "columns and topics; history is kept in ~/.streamq_history (a SET of a\n"
    "credential without its value). Ctrl-C cancels the running statement or\n"
    "clears the line; Ctrl-D or \\q leaves. \\help lists the statements,\n"
    "\\format table|json|csv changes the output.\n"
    "\n"
    "When standard input is not a terminal it is read as a script, without\n"
    "prompts: streamq repl < script.sql. The exit status is then that of the\n"
    "worst statement (1 invalid, 2 a runtime failure).\n"
    "\n"
    "options:\n"
    "  --brokers LIST      Kafka bootstrap servers (overrides SET 'kafka.bootstrap.servers';\n"
    "                      the environment variable STREAMQ_BROKERS is the fallback)\n"
    "  --embedded-broker   run a development Kafka broker inside this process\n"
    "  --help              show this help\n",
    repl_main,
};
