/* `streamq check FILE.sql`: parse and analyze a pipeline, print every
 * diagnostic (LANGUAGE.md §6) or a one-line summary, and exit 1 if the
 * pipeline is invalid. `--ast` also dumps the syntax tree. A pipeline cut
 * at repartition topics lists them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/app/cli.h"
#include "runtime/app/pipeline.h"

static int check_main(int argc, char **argv) {
  const char *path;
  bool dump_ast;
  int bad = sq_cli_file_arguments(&sq_cmd_check, argc, argv, "--ast", &dump_ast, &path);
  if (bad) return bad;
  sq_pipeline_t p;
  int status = sq_pipeline_load(path, "check", &p);
  if (status == SQ_EXIT_OK) status = sq_pipeline_cut_stages(&p, "check");
  if (dump_ast && p.script) sq_ast_dump(p.script, p.file.sql, stdout);
  if (status == SQ_EXIT_OK) {
    const sq_catalog_t *cat = p.prog->catalog;
    printf("%s: ok: %zu sources, %zu tables, %zu streams, %zu sinks, %zu queries\n", path,
           sq_catalog_count_kind(cat, SQ_REL_SOURCE), sq_catalog_count_kind(cat, SQ_REL_TABLE),
           sq_catalog_count_kind(cat, SQ_REL_STREAM), sq_catalog_count_kind(cat, SQ_REL_SINK), p.prog->n_queries);
    for (size_t i = 0; i < sq_catalog_count(cat); i++) { /* the stages a repartition added (repartition.h) */
      const sq_relation_t *rel = sq_catalog_at(cat, i);
      const sq_ast_t *of = rel->kind == SQ_REL_SINK ? sq_relation_option(rel, "repartition_of") : NULL;
      if (of)
        printf("  repartitioned: topic %s to %s, keyed by %s (stage 1: sink %s%s; stage 2: source %.*s)\n", of->text,
               sq_relation_option(rel, "topic")->text, sq_relation_option(rel, "key")->text, rel->name,
               sq_relation_option(rel, "preaggregate") ? ", hot keys pre-aggregated" : "",
               (int)(strlen(rel->name) - strlen("__out")), rel->name);
    }
    if (p.stages.notes.len) fwrite(p.stages.notes.data, 1, p.stages.notes.len, stdout);
  }
  sq_pipeline_free(&p);
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
