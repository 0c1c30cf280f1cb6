/* libFuzzer harness for the front end: any bytes are parsed, analyzed when
 * they parse, dumped and diagnosed. Crashes, leaks and sanitizer reports
 * are bugs; errors are the expected outcome for most inputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/analyze.h"
#include "grammar/parse.h"
#include "runtime/connectors/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  sq_sql_t *src = sq_sql_new("fuzz.sql", (const char *)data, size);
  sq_diag_t *diag = src ? sq_diag_new(src) : NULL;
  if (diag) {
    sq_ast_t *script = sq_parse(src, diag);
    sq_program_t *prog = sq_diag_count(diag) == 0 ? sq_analyze(script, sq_connectors(), diag) : NULL;
    if (script) sq_ast_dump(script, src, sink);
    sq_diag_print(diag, sink);
    sq_program_destroy(prog);
    sq_ast_destroy(script);
  }
  sq_diag_destroy(diag);
  sq_sql_destroy(src);
  return 0;
}
