/* Pipeline loading. A file with syntax errors is not analyzed: follow-on
 * errors from statements that did not parse would only mislead. */
#include "runtime/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grammar/parse.h"
#include "runtime/cli.h"

int sq_pipeline_load(const char *path, const char *command, sq_pipeline_t *p) {
  memset(p, 0, sizeof *p);
  if (!sq_source_file_read(path, &p->file)) {
    fprintf(stderr, "streamq %s: cannot read '%s': %s\n", command, path, strerror(errno));
    return SQ_EXIT_INVALID;
  }
  if (!(p->diag = sq_diag_new(p->file.source))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  p->script = sq_parse(p->file.source, p->diag);
  if (sq_diag_count(p->diag) == 0 && !(p->prog = sq_analyze(p->script, p->diag))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  if (sq_diag_count(p->diag) > 0) {
    sq_diag_print(p->diag, stderr);
    return SQ_EXIT_INVALID;
  }
  return SQ_EXIT_OK;
}

void sq_pipeline_free(sq_pipeline_t *p) {
  sq_program_destroy(p->prog);
  sq_ast_destroy(p->script);
  sq_diag_destroy(p->diag);
  sq_source_file_free(&p->file);
}
