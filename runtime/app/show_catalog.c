/* SHOW SOURCES / TABLES / SINKS / STREAMS and DESCRIBE name: the
 * session's objects from its catalog. Option values are shown as written,
 * never with ${NAME} replaced, and options that hold credentials are
 * masked whatever they hold. */
#include <stdlib.h>
#include <string.h>

#include "engine/value_text.h"
#include "runtime/app/cli.h"
#include "runtime/app/statement.h"

static bool secret_option(const char *key) {
  static const char *const words[] = {"password", "secret", "token", "sasl", "ssl", "headers", "signing", "credential"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strstr(key, words[i])) return true;
  return false;
}

/* An option's value as written (a literal node), or **** for a secret. */
static void option_text(const sq_ast_t *opt, sq_buf_t *out) {
  const sq_ast_t *v = opt->a;
  if (secret_option(opt->name.text)) sq_buf_puts(out, "****");
  else if (v->text) sq_buf_puts(out, v->text);
  else if (v->sub == SQ_LIT_BOOL) sq_buf_puts(out, v->flag ? "true" : "false");
  else if (v->sub == SQ_LIT_INT) sq_encode_value(out, sq_int(v->ival), false);
  else sq_encode_value(out, sq_double(v->dval), false);
}

static const sq_ast_t *options_of(const sq_relation_t *rel) { return rel->decl && rel->kind != SQ_REL_STREAM ? rel->decl->b : NULL; }

static sq_value_t text_value(const sq_buf_t *b) { return sq_str(b->data ? b->data : "", (uint32_t)b->len); }

static sq_rel_kind_t kind_shown(int show) {
  switch (show) {
  case SQ_SHOW_TABLES: return SQ_REL_TABLE;
  case SQ_SHOW_SINKS: return SQ_REL_SINK;
  case SQ_SHOW_STREAMS: return SQ_REL_STREAM;
  default: return SQ_REL_SOURCE;
  }
}

static bool show(const sq_statement_ctx_t *c, sq_result_t *r) {
  static const char *const names[] = {"name", "connector", "options"};
  static const sq_type_t types[] = {SQ_TYPE_STRING, SQ_TYPE_STRING, SQ_TYPE_STRING};
  sq_print_options_t po = {.format = c->format};
  if (!sq_result_begin(r, c->out, &po, names, types, 3)) return false;
  sq_rel_kind_t kind = kind_shown(c->stmt->sub);
  bool ok = true;
  sq_buf_t opts = {0};
  for (size_t i = 0; ok && i < sq_catalog_count(c->prog->catalog); i++) {
    const sq_relation_t *rel = sq_catalog_at(c->prog->catalog, i);
    if (rel->kind != kind) continue;
    sq_buf_clear(&opts);
    const sq_ast_t *list = options_of(rel);
    for (uint32_t o = 0; list && o < list->n; o++) {
      if (strcmp(list->list[o]->name.text, "connector") == 0) continue;
      if (opts.len) sq_buf_puts(&opts, ", ");
      sq_buf_puts(&opts, list->list[o]->name.text);
      sq_buf_puts(&opts, "=");
      option_text(list->list[o], &opts);
    }
    const char *connector = rel->connector ? rel->connector->name : "(query)";
    sq_value_t row[] = {sq_str(rel->name, (uint32_t)strlen(rel->name)), sq_str(connector, (uint32_t)strlen(connector)), text_value(&opts)};
    ok = sq_result_row(r, row);
  }
  sq_buf_free(&opts);
  return ok;
}

static bool describe(const sq_statement_ctx_t *c, sq_result_t *r) {
  const sq_relation_t *rel = sq_catalog_find(c->prog->catalog, c->stmt->name.text);
  static const char *const names[] = {"column", "type", "details"};
  static const sq_type_t types[] = {SQ_TYPE_STRING, SQ_TYPE_STRING, SQ_TYPE_STRING};
  sq_print_options_t po = {.format = c->format};
  if (!sq_result_begin(r, c->out, &po, names, types, 3)) return false;
  const sq_ast_t *ts = sq_relation_option(rel, "timestamp");
  sq_buf_t details = {0};
  bool ok = true;
  for (size_t i = 0; ok && i < rel->n_columns; i++) {
    const sq_column_t *col = &rel->columns[i];
    if (col->metadata) continue;
    sq_buf_clear(&details);
    if (col->primary_key) sq_buf_puts(&details, "PRIMARY KEY");
    if (col->path) sq_buf_puts(&details, "PATH "), sq_buf_puts(&details, col->path);
    if (ts && ts->text && strcmp(ts->text, col->name) == 0) sq_buf_puts(&details, details.len ? ", event time" : "event time");
    const char *type = sq_type_name(col->type);
    sq_value_t row[] = {sq_str(col->name, (uint32_t)strlen(col->name)), sq_str(type, (uint32_t)strlen(type)), text_value(&details)};
    ok = sq_result_row(r, row);
  }
  sq_buf_free(&details);
  if (!ok) return false;
  sq_result_end(r);
  fprintf(c->out, "%s '%s'", sq_rel_kind_name(rel->kind), rel->name);
  const sq_ast_t *list = options_of(rel);
  if (!list) fprintf(c->out, ": derived by a query\n");
  sq_buf_t text = {0};
  for (uint32_t o = 0; list && o < list->n; o++) {
    sq_buf_clear(&text);
    option_text(list->list[o], &text);
    fprintf(c->out, "%s %s = '%.*s'", o ? "," : " WITH", list->list[o]->name.text, (int)text.len, text.data ? text.data : "");
  }
  if (list) fprintf(c->out, "\n");
  sq_buf_free(&text);
  return true;
}

int sq_run_show_catalog(const sq_statement_ctx_t *c) {
  sq_result_t r = {0};
  bool ok = c->stmt->kind == SQ_AST_SHOW ? show(c, &r) : describe(c, &r);
  if (!ok) fprintf(stderr, "streamq %s: %s\n", c->command, r.err);
  sq_result_end(&r);
  return ok ? SQ_EXIT_OK : SQ_EXIT_RUNTIME;
}
