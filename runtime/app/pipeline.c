/* Pipeline loading. A file with syntax errors is not analyzed: follow-on
 * errors from statements that did not parse would only mislead. */
#include "runtime/app/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "grammar/parse.h"
#include "runtime/app/cli.h"
#include "runtime/app/sql_text.h"
#include "runtime/connectors/registry.h"

/* Parses and analyzes p->file. */
static int load(sq_pipeline_t *p, const char *command) {
  if (!(p->diag = sq_diag_new(p->file.source))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  p->script = sq_parse(p->file.source, p->diag);
  if (sq_diag_count(p->diag) == 0 && !(p->prog = sq_analyze(p->script, sq_connectors(), p->diag))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  if (sq_diag_count(p->diag) > 0) {
    sq_diag_print(p->diag, stderr);
    return SQ_EXIT_INVALID;
  }
  return SQ_EXIT_OK;
}

int sq_pipeline_load(const char *path, const char *command, sq_pipeline_t *p) {
  memset(p, 0, sizeof *p);
  if (!sq_source_file_read(path, &p->file)) {
    fprintf(stderr, "streamq %s: cannot read '%s': %s\n", command, path, strerror(errno));
    return SQ_EXIT_INVALID;
  }
  return load(p, command);
}

int sq_pipeline_override(sq_pipeline_t *p, char *const *sets, size_t n, const char *command) {
  if (n == 0) return SQ_EXIT_OK;
  sq_buf_t text = {0};
  for (size_t i = 0; i < n; i++) { /* each KEY=VALUE has its '=' (checked with the arguments) */
    const char *eq = strchr(sets[i], '=');
    sq_buf_puts(&text, "SET ");
    sq_put_string_literal(&text, sets[i], (size_t)(eq - sets[i]));
    sq_buf_puts(&text, " = ");
    sq_put_string_literal(&text, eq + 1, strlen(eq + 1));
    sq_buf_puts(&text, ";\n");
  }
  sq_buf_putc(&text, '\0');
  sq_pipeline_t *o = calloc(1, sizeof *o);
  if (!o || text.failed || !(o->file.source = sq_source_new("--set", text.data, text.len - 1))) {
    sq_buf_free(&text);
    free(o);
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  o->file.text = text.data;
  p->overrides = o;
  int status = load(o, command);
  if (status != SQ_EXIT_OK) return status;
  const sq_ast_t **v = realloc(p->prog->settings, (p->prog->n_settings + o->prog->n_settings) * sizeof *v);
  if (!v) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  memcpy(v + p->prog->n_settings, o->prog->settings, o->prog->n_settings * sizeof *v);
  p->prog->settings = v;
  p->prog->n_settings += o->prog->n_settings;
  return SQ_EXIT_OK;
}

void sq_pipeline_free(sq_pipeline_t *p) {
  if (p->overrides) {
    sq_pipeline_free(p->overrides);
    free(p->overrides);
  }
  sq_program_destroy(p->prog);
  sq_ast_destroy(p->script);
  sq_diag_destroy(p->diag);
  sq_source_file_free(&p->file);
}
