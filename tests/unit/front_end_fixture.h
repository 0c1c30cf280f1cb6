/* Test fixture: parse and analyze a pipeline held in a string, keeping
 * everything alive until fixture_free. Shared by the front-end tests. */
#ifndef SQ_TEST_FRONT_END_FIXTURE_H
#define SQ_TEST_FRONT_END_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze.h"
#include "grammar/parse.h"
#include "runtime/connectors/registry.h"

typedef struct fixture {
  char *text; /* a copy: the source borrows it */
  sq_sql_t *src;
  sq_diag_t *diag;
  sq_ast_t *script;
  sq_program_t *prog;
} fixture_t;

/* Parses `text`; analyzes it too when `analyze` and parsing succeeded. */
static inline fixture_t fixture_load(const char *text, int analyze) {
  fixture_t f = {0};
  f.text = strdup(text);
  f.src = sq_sql_new("test.sql", f.text, strlen(f.text));
  f.diag = sq_diag_new(f.src);
  f.script = sq_parse(f.src, f.diag);
  if (analyze && sq_diag_count(f.diag) == 0) f.prog = sq_analyze(f.script, sq_connectors(), f.diag);
  return f;
}

static inline void fixture_free(fixture_t *f) {
  sq_program_destroy(f->prog);
  sq_ast_destroy(f->script);
  sq_diag_destroy(f->diag);
  sq_sql_destroy(f->src);
  free(f->text);
}

/* Everything written to `tmp` (a tmpfile), malloc'd; closes `tmp`. */
static inline char *drain(FILE *tmp) {
  long len = ftell(tmp);
  char *buf = malloc((size_t)len + 1);
  rewind(tmp);
  size_t n = fread(buf, 1, (size_t)len, tmp);
  buf[n] = '\0';
  fclose(tmp);
  return buf;
}

/* The rendered diagnostics, malloc'd. */
static inline char *diag_text(const sq_diag_t *d) {
  FILE *tmp = tmpfile();
  sq_diag_print(d, tmp);
  return drain(tmp);
}

static inline char *fixture_errors(const fixture_t *f) { return diag_text(f->diag); }

/* The AST dump, malloc'd. */
static inline char *fixture_dump(const sq_ast_t *node, const fixture_t *f) {
  FILE *tmp = tmpfile();
  sq_ast_dump(node, f->src, tmp);
  return drain(tmp);
}

#endif
