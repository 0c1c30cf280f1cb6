/* Pipeline loading. A file with syntax errors is not analyzed: follow-on
 * errors from statements that did not parse would only mislead. */
#include "runtime/app/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyze_tasks.h"
#include "engine/buf.h"
#include "grammar/parse.h"
#include "runtime/app/cli.h"
#include "runtime/app/run_settings.h"
#include "runtime/app/sql_text.h"
#include "runtime/connectors/registry.h"

/* The offset of the first byte of `text` that is not part of valid UTF-8
 * (a NUL byte counts as invalid: no pipeline has one), or `len`. */
static size_t first_non_text(const char *text, size_t len) {
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)text[i];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (c == 0 || n == 0 || i + n > len) return i;
    unsigned char c1 = n > 1 ? (unsigned char)text[i + 1] : 0x80;
    /* no overlong forms, surrogates or code points past U+10FFFF */
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return i;
    for (size_t k = 1; k < n; k++)
      if (((unsigned char)text[i + k] & 0xC0) != 0x80) return i;
    i += n;
  }
  return len;
}

/* Parses and analyzes p->file; prints its diagnostics (warnings too). */
static int load(sq_pipeline_t *p, const char *command) {
  if (!(p->diag = sq_diag_new(p->file.sql))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  size_t len = sq_sql_len(p->file.sql), bad = first_non_text(sq_sql_text(p->file.sql), len);
  if (bad < len) { /* a binary file: one error, not one per byte */
    unsigned char c = (unsigned char)sq_sql_text(p->file.sql)[bad];
    sq_diag_error(p->diag, (sq_span_t){(uint32_t)bad, (uint32_t)bad + 1},
                  c ? "byte 0x%02x is not UTF-8: a pipeline is UTF-8 text (is this a binary file?)"
                    : "a NUL byte (0x%02x): a pipeline is UTF-8 text (is this a binary file?)", c);
  } else {
    p->script = sq_parse(p->file.sql, p->diag);
    if (sq_diag_count(p->diag) == 0 && !(p->prog = sq_analyze(p->script, sq_connectors(), p->diag))) {
      fprintf(stderr, "streamq %s: out of memory\n", command);
      return SQ_EXIT_RUNTIME;
    }
  }
  sq_diag_print(p->diag, stderr);
  return sq_diag_count(p->diag) > 0 ? SQ_EXIT_INVALID : SQ_EXIT_OK;
}

int sq_pipeline_load(const char *path, const char *command, sq_pipeline_t *p) {
  memset(p, 0, sizeof *p);
  if (!sq_pipeline_file_read(path, &p->file)) {
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
  if (!o || text.failed || !(o->file.sql = sq_sql_new("--set", text.data, text.len - 1))) {
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

void sq_pipeline_drop_overrides(sq_pipeline_t *p) {
  if (!p->overrides) return;
  if (p->overrides->prog) p->prog->n_settings -= p->overrides->prog->n_settings;
  sq_pipeline_free(p->overrides);
  free(p->overrides);
  p->overrides = NULL;
}

/* The refusals of engine/analyze_tasks.h, printed on their own (the
 * pipeline's warnings were printed when it was loaded). */
static int check_tasks(sq_pipeline_t *p, const char *command) {
  sq_diag_t *diag = sq_diag_new(p->file.sql);
  if (!diag) return fprintf(stderr, "streamq %s: out of memory\n", command), SQ_EXIT_RUNTIME;
  sq_analyze_tasks(p->prog, diag);
  int status = sq_diag_count(diag) ? SQ_EXIT_INVALID : SQ_EXIT_OK;
  if (status != SQ_EXIT_OK) sq_diag_print(diag, stderr);
  sq_diag_destroy(diag);
  return status;
}

int sq_pipeline_cut_stages(sq_pipeline_t *p, const char *command) {
  const char *on = sq_run_setting_text(p->prog, "scale.repartition"), *count = sq_run_setting_text(p->prog, "scale.partitions");
  const char *pre = sq_run_setting_text(p->prog, "scale.preaggregate");
  if (!on || strcasecmp(on, "on") != 0) return check_tasks(p, command);
  const char *path = p->file.sql ? sq_sql_name(p->file.sql) : "pipeline";
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path, *dot = strrchr(base, '.');
  char group[300];
  snprintf(group, sizeof group, "streamq-%.*s", (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
  int n = sq_stages_cut(p->script, p->prog, group, count ? (uint32_t)strtoul(count, NULL, 10) : 0,
                        !pre || strcasecmp(pre, "off") != 0, &p->stages);
  if (n <= 0) {
    if (n < 0) fprintf(stderr, "streamq %s: out of memory\n", command);
    return n < 0 ? SQ_EXIT_RUNTIME : check_tasks(p, command);
  }
  /* analyzed again: the stages' relations join the catalog */
  const sq_ast_t **overrides = NULL;
  size_t n_overrides = p->overrides && p->overrides->prog ? p->overrides->prog->n_settings : 0;
  sq_program_destroy(p->prog);
  sq_diag_destroy(p->diag);
  p->prog = NULL;
  if (!(p->diag = sq_diag_new(p->file.sql)) || !(p->prog = sq_analyze(p->script, sq_connectors(), p->diag)) ||
      (n_overrides && !(overrides = realloc(p->prog->settings, (p->prog->n_settings + n_overrides) * sizeof *overrides)))) {
    fprintf(stderr, "streamq %s: out of memory\n", command);
    return SQ_EXIT_RUNTIME;
  }
  if (n_overrides) {
    memcpy(overrides + p->prog->n_settings, p->overrides->prog->settings, n_overrides * sizeof *overrides);
    p->prog->settings = overrides;
    p->prog->n_settings += n_overrides;
  }
  if (sq_diag_count(p->diag) == 0) return check_tasks(p, command); /* its warnings were printed by the first analysis */
  sq_diag_print(p->diag, stderr);
  return SQ_EXIT_INVALID;
}

void sq_pipeline_free(sq_pipeline_t *p) {
  if (p->overrides) {
    sq_pipeline_free(p->overrides);
    free(p->overrides);
  }
  sq_program_destroy(p->prog);
  sq_ast_destroy(p->script);
  sq_stages_free(&p->stages);
  sq_diag_destroy(p->diag);
  sq_pipeline_file_free(&p->file);
}
