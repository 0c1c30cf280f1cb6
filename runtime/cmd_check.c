/* `streamq check FILE.sql`: parse and analyze a pipeline, print every
 * diagnostic (LANGUAGE.md §6) or a one-line summary, and exit 1 if the
 * pipeline is invalid. `--ast` also dumps the syntax tree. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze.h"
#include "grammar/parse.h"
#include "runtime/cli.h"
#include "runtime/source_file.h"

static int check_main(int argc, char **argv) {
  const char *path = NULL;
  bool dump_ast = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--ast") == 0) dump_ast = true;
    else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(&sq_cmd_check, "unknown option '%s'", argv[i]);
    else if (path) return sq_cli_bad_argument(&sq_cmd_check, "unexpected argument '%s'", argv[i]);
    else path = argv[i];
  }
  if (!path) return sq_cli_bad_argument(&sq_cmd_check, "missing the pipeline file");

  sq_source_file_t file;
  if (!sq_source_file_read(path, &file)) {
    fprintf(stderr, "streamq check: cannot read '%s': %s\n", path, strerror(errno));
    return SQ_EXIT_INVALID;
  }
  sq_diag_t *diag = sq_diag_new(file.source);
  sq_ast_t *script = diag ? sq_parse(file.source, diag) : NULL;
  sq_program_t *prog = NULL;
  int status = SQ_EXIT_OK;
  if (!diag) {
    fprintf(stderr, "streamq check: out of memory\n");
    status = SQ_EXIT_RUNTIME;
  } else {
    /* Analysis of a file with syntax errors would only add confusing
     * follow-on errors (a source that did not parse is "unknown"). */
    if (sq_diag_count(diag) == 0) prog = sq_analyze(script, diag);
    if (dump_ast && script) sq_ast_dump(script, file.source, stdout);
    if (sq_diag_count(diag) > 0) {
      sq_diag_print(diag, stderr);
      status = SQ_EXIT_INVALID;
    } else if (!prog) {
      fprintf(stderr, "streamq check: out of memory\n");
      status = SQ_EXIT_RUNTIME;
    } else {
      const sq_catalog_t *cat = prog->catalog;
      printf("%s: ok: %zu sources, %zu tables, %zu streams, %zu sinks, %zu queries\n", path,
             sq_catalog_count_kind(cat, SQ_REL_SOURCE), sq_catalog_count_kind(cat, SQ_REL_TABLE),
             sq_catalog_count_kind(cat, SQ_REL_STREAM), sq_catalog_count_kind(cat, SQ_REL_SINK), prog->n_queries);
    }
  }
  sq_program_destroy(prog);
  sq_ast_destroy(script);
  sq_diag_destroy(diag);
  sq_source_file_free(&file);
  return status;
}

const sq_command_t sq_cmd_check = {
    "check", "parse and analyze a pipeline; report every error",
    "usage: streamq check FILE.sql [--ast]\n"
    "\n"
    "Parses and analyzes FILE.sql without running it. A valid pipeline prints\n"
    "a one-line summary and exits 0; otherwise every error is printed as\n"
    "FILE:LINE:COL: error: MESSAGE with the line and a caret, and the exit\n"
    "status is 1.\n"
    "\n"
    "options:\n"
    "  --ast      also print the syntax tree\n"
    "  --help     show this help\n",
    check_main,
};
