/* The session keeps its definitions as text (the prelude) and analyzes
 * each statement after them: one source of truth, checked by the same
 * analysis as a pipeline file, and RUN SCRIPT or a saved transcript are
 * just more text. A statement is parsed alone first, so syntax errors
 * point into what was typed; then the prelude, the CREATE SOURCE of any
 * topic it reads undeclared, and the statement are analyzed together, and
 * errors in the statement are moved back onto what was typed. EXPLAIN is
 * analyzed as the statement it explains, so the program has its query. */
#include "runtime/app/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar/parse.h"
#include "runtime/app/cli.h"
#include "runtime/app/pipeline_file.h"
#include "runtime/app/sql_text.h"
#include "runtime/app/statement.h"
#include "runtime/connectors/kafka/broker.h"
#include "runtime/connectors/kafka/topics.h"
#include "runtime/connectors/registry.h"

#define MAX_SCRIPT_DEPTH 16

struct sq_session {
  sq_session_options_t opt;
  volatile sig_atomic_t *stop;
  sq_buf_t prelude;            /* CREATE, SET and UNSET statements so far, each ending in ";\n" */
  sq_kafka_broker_t *broker;   /* --embedded-broker */
  sq_kafka_settings_t kafka;
  int depth;                   /* RUN SCRIPT nesting */
};

sq_session_t *sq_session_new(const sq_session_options_t *options, volatile sig_atomic_t *stop, char *err, size_t err_size) {
  sq_session_t *s = calloc(1, sizeof *s);
  if (!s) return snprintf(err, err_size, "out of memory"), NULL;
  s->opt = *options;
  s->stop = stop;
  if (options->embedded_broker) {
    if (!(s->broker = sq_kafka_broker_start(1, 0, err, err_size))) return free(s), NULL;
    s->opt.brokers = sq_kafka_broker_bootstrap(s->broker);
  }
  return s;
}

void sq_session_destroy(sq_session_t *s) {
  if (!s) return;
  sq_buf_free(&s->prelude);
  sq_kafka_settings_free(&s->kafka);
  sq_kafka_broker_stop(s->broker);
  free(s);
}

/* One analyzed text: its source, diagnostics, script and program. */
typedef struct analyzed {
  sq_sql_t *src;
  sq_diag_t *diag;
  sq_ast_t *script;
  sq_program_t *prog;
} analyzed_t;

static bool analyze_text(analyzed_t *a, const char *name, const char *text, size_t len) {
  *a = (analyzed_t){0};
  if (!(a->src = sq_sql_new(name, text, len)) || !(a->diag = sq_diag_new(a->src))) return false;
  a->script = sq_parse(a->src, a->diag);
  if (sq_diag_count(a->diag) == 0) a->prog = sq_analyze(a->script, sq_connectors(), a->diag);
  return a->script != NULL;
}

static void analyzed_free(analyzed_t *a) {
  sq_program_destroy(a->prog);
  sq_ast_destroy(a->script);
  sq_diag_destroy(a->diag);
  sq_sql_destroy(a->src);
}

const sq_kafka_settings_t *sq_session_kafka(sq_session_t *s, char *err, size_t err_size) {
  analyzed_t a;
  bool ok = analyze_text(&a, "session", s->prelude.data ? s->prelude.data : "", s->prelude.len) && a.prog;
  sq_kafka_settings_free(&s->kafka);
  ok = ok && sq_kafka_settings_load(&s->kafka, a.prog, s->opt.brokers, err, err_size);
  analyzed_free(&a);
  if (ok && !s->kafka.bootstrap) {
    snprintf(err, err_size, "no Kafka brokers: use --brokers, SET 'kafka.bootstrap.servers', STREAMQ_BROKERS or --embedded-broker");
    ok = false;
  }
  return ok ? &s->kafka : NULL;
}

void sq_session_names(sq_session_t *s, void (*fn)(void *ctx, const char *name), void *ctx) {
  analyzed_t a;
  if (analyze_text(&a, "session", s->prelude.data ? s->prelude.data : "", s->prelude.len) && a.prog) {
    for (size_t i = 0; i < sq_catalog_count(a.prog->catalog); i++) {
      const sq_relation_t *rel = sq_catalog_at(a.prog->catalog, i);
      fn(ctx, rel->name);
      for (size_t c = 0; c < rel->n_columns; c++) fn(ctx, rel->columns[c].name);
    }
  }
  analyzed_free(&a);
}

/* The relations a statement reads in FROM and JOIN. */
static void from_names(const sq_ast_t *from, const char **names, size_t *n, size_t max) {
  if (!from) return;
  if (from->kind == SQ_AST_TABLE_REF) {
    if (*n < max) names[(*n)++] = from->name.text;
    return;
  }
  from_names(from->a, names, n, max);
  from_names(from->b, names, n, max);
}

static const sq_ast_t *select_of(const sq_ast_t *stmt) {
  switch (stmt->kind) {
  case SQ_AST_QUERY: case SQ_AST_INSERT: case SQ_AST_CREATE_STREAM: return stmt->a;
  case SQ_AST_EXPLAIN: return stmt->a->a;
  default: return NULL;
  }
}

/* Appends to `out` the CREATE SOURCE of each topic `stmt` reads that
 * the prelude does not declare; says so in one line for each. False after
 * printing why inference failed for a topic that exists. */
static bool add_topic_sources(sq_session_t *s, const sq_ast_t *stmt, sq_buf_t *out) {
  const sq_ast_t *select = select_of(stmt);
  const char *names[8];
  size_t n = 0;
  if (!select) return true;
  from_names(select->select->from, names, &n, 8);
  analyzed_t pre;
  bool ok = analyze_text(&pre, "session", s->prelude.data ? s->prelude.data : "", s->prelude.len) && pre.prog;
  const sq_kafka_settings_t *kafka = NULL;
  rd_kafka_t *rk = NULL;
  sq_kafka_topic_list_t topics = {0};
  char err[512];
  for (size_t i = 0; ok && i < n; i++) {
    bool repeated = false;
    for (size_t j = 0; j < i; j++) repeated |= strcmp(names[i], names[j]) == 0;
    if (repeated || sq_catalog_find(pre.prog->catalog, names[i])) continue;
    if (!rk) { /* the topics, once: without brokers, analysis reports the unknown name */
      if (!(kafka = sq_session_kafka(s, err, sizeof err)) || !(rk = sq_kafka_inspector_new(kafka, err, sizeof err))) break;
      if (!sq_kafka_topics(rk, NULL, false, 5000, &topics, err, sizeof err)) {
        fprintf(stderr, "streamq %s: %s\n", s->opt.command, err);
        break;
      }
    }
    bool exists = false;
    for (size_t t = 0; t < topics.n; t++) exists |= strcmp(topics.topics[t].name, names[i]) == 0;
    if (!exists) continue;
    if (!sq_infer_topic_source(kafka, names[i], names[i], 1000, s->stop, out, err, sizeof err)) {
      fprintf(stderr, "streamq %s: %s\n", s->opt.command, err);
      ok = false;
      break;
    }
    sq_buf_putc(out, '\n');
    fprintf(stderr, "-- no source '%s': reading topic '%s' with the schema DESCRIBE TOPIC '%s' infers\n", names[i], names[i],
            names[i]);
  }
  sq_kafka_topic_list_free(&topics);
  if (rk) rd_kafka_destroy(rk);
  analyzed_free(&pre);
  return ok;
}

/* Prints the diagnostics of the combined text: those in the statement
 * (from offset `at`) moved onto `src` at `typed_at`; others (in an
 * inferred schema) as plain lines. */
static void report(const sq_diag_t *combined, uint32_t at, const sq_sql_t *src, uint32_t typed_at, const char *command) {
  sq_diag_t *d = sq_diag_new(src);
  for (size_t i = 0; d && i < sq_diag_count(combined); i++) {
    sq_span_t span = sq_diag_span(combined, i);
    if (span.start >= at) sq_diag_error(d, (sq_span_t){span.start - at + typed_at, span.end - at + typed_at}, "%s", sq_diag_message(combined, i));
    else fprintf(stderr, "streamq %s: in an inferred topic schema: %s\n", command, sq_diag_message(combined, i));
  }
  if (d) sq_diag_print(d, stderr);
  sq_diag_destroy(d);
}

/* The value of the last SET of `key` in force, or NULL. */
static const char *setting(const sq_program_t *prog, const char *key) {
  const char *v = NULL;
  for (size_t i = 0; i < prog->n_settings; i++)
    if (strcmp(prog->settings[i]->name.text, key) == 0) v = prog->settings[i]->text;
  return v;
}

static int run_script_file(sq_session_t *s, const sq_ast_t *stmt) {
  if (s->depth >= MAX_SCRIPT_DEPTH) {
    fprintf(stderr, "streamq %s: RUN SCRIPT '%s': scripts nested more than %d deep\n", s->opt.command, stmt->name.text, MAX_SCRIPT_DEPTH);
    return SQ_EXIT_RUNTIME;
  }
  sq_pipeline_file_t file;
  if (!sq_pipeline_file_read(stmt->name.text, &file)) {
    fprintf(stderr, "streamq %s: RUN SCRIPT: cannot read '%s': %s\n", s->opt.command, stmt->name.text, strerror(errno));
    return SQ_EXIT_RUNTIME;
  }
  s->depth++;
  int status = sq_session_run(s, stmt->name.text, file.text, sq_sql_len(file.sql));
  s->depth--;
  sq_pipeline_file_free(&file);
  return status;
}

static int dispatch(sq_session_t *s, const sq_program_t *prog, const sq_ast_t *typed) {
  char err[512];
  sq_statement_ctx_t c = {.prog = prog, .stmt = typed, .out = stdout, .stop = s->stop, .command = s->opt.command,
                          .format = s->opt.format};
  const char *format = setting(prog, "output.format");
  if (format) c.format = strcasecmp(format, "json") == 0 ? SQ_OUTPUT_JSON : strcasecmp(format, "csv") == 0 ? SQ_OUTPUT_CSV : SQ_OUTPUT_TABLE;
  switch (typed->kind) {
  case SQ_AST_QUERY:
  case SQ_AST_INSERT:
  case SQ_AST_EXPLAIN:
    c.query = &prog->queries[prog->n_queries - 1];
    c.kafka = sq_session_kafka(s, err, sizeof err); /* needed only by Kafka sources, which report it */
    return sq_run_adhoc_query(&c);
  case SQ_AST_SHOW:
    if (typed->sub != SQ_SHOW_TOPICS) return sq_run_show_catalog(&c);
    /* fall through */
  case SQ_AST_PRINT:
    if (!(c.kafka = sq_session_kafka(s, err, sizeof err))) {
      fprintf(stderr, "streamq %s: %s\n", s->opt.command, err);
      return SQ_EXIT_RUNTIME;
    }
    return sq_run_show_topics(&c);
  case SQ_AST_DESCRIBE:
    if (!typed->flag) return sq_run_show_catalog(&c);
    if (!(c.kafka = sq_session_kafka(s, err, sizeof err))) {
      fprintf(stderr, "streamq %s: %s\n", s->opt.command, err);
      return SQ_EXIT_RUNTIME;
    }
    return sq_run_show_topics(&c);
  case SQ_AST_RUN_SCRIPT: return run_script_file(s, typed);
  default: return SQ_EXIT_OK;
  }
}

static bool defines(const sq_ast_t *stmt) {
  return stmt->kind == SQ_AST_SET || stmt->kind == SQ_AST_UNSET || stmt->kind == SQ_AST_CREATE_SOURCE ||
         stmt->kind == SQ_AST_CREATE_SINK || stmt->kind == SQ_AST_CREATE_STREAM;
}

/* A short confirmation of a definition, for a person at a terminal. */
static void confirm(const sq_ast_t *stmt) {
  static const char *const kinds[] = {[SQ_AST_CREATE_SOURCE] = "source", [SQ_AST_CREATE_SINK] = "sink", [SQ_AST_CREATE_STREAM] = "stream"};
  if (stmt->kind == SQ_AST_SET) fprintf(stderr, "set '%s'\n", stmt->name.text);
  else if (stmt->kind == SQ_AST_UNSET) fprintf(stderr, "unset '%s'\n", stmt->name.text);
  else fprintf(stderr, "created %s '%s'\n", stmt->kind == SQ_AST_CREATE_SOURCE && stmt->flag ? "table" : kinds[stmt->kind], stmt->name.text);
}

/* Runs statement `typed` of `src`. */
static int run_statement(sq_session_t *s, const sq_sql_t *src, const sq_ast_t *typed) {
  const sq_ast_t *analyzed_stmt = typed->kind == SQ_AST_EXPLAIN ? typed->a : typed;
  sq_buf_t text = {0};
  sq_buf_append(&text, s->prelude.data ? s->prelude.data : "", s->prelude.len);
  if (!add_topic_sources(s, typed, &text)) {
    sq_buf_free(&text);
    return SQ_EXIT_RUNTIME;
  }
  uint32_t at = (uint32_t)text.len;
  sq_buf_append(&text, sq_sql_text(src) + analyzed_stmt->span.start, analyzed_stmt->span.end - analyzed_stmt->span.start);
  sq_buf_puts(&text, ";\n");
  if (text.failed) {
    sq_buf_free(&text);
    fprintf(stderr, "streamq %s: out of memory\n", s->opt.command);
    return SQ_EXIT_RUNTIME;
  }
  analyzed_t a;
  int status = SQ_EXIT_OK;
  if (!analyze_text(&a, sq_sql_name(src), text.data, text.len) || (sq_diag_count(a.diag) == 0 && !a.prog)) {
    fprintf(stderr, "streamq %s: out of memory\n", s->opt.command);
    status = SQ_EXIT_RUNTIME;
  } else if (sq_diag_count(a.diag) > 0) {
    report(a.diag, at, src, analyzed_stmt->span.start, s->opt.command);
    status = SQ_EXIT_INVALID;
  } else {
    status = dispatch(s, a.prog, typed);
    if (defines(typed)) { /* a derived stream over an undeclared topic keeps that topic's source too */
      sq_buf_free(&s->prelude);
      s->prelude = text;
      text = (sq_buf_t){0};
      if (s->opt.chatty) confirm(typed);
    }
  }
  analyzed_free(&a);
  sq_buf_free(&text);
  *s->stop = 0;
  return status;
}

int sq_session_run(sq_session_t *s, const char *name, const char *text, size_t len) {
  sq_sql_t *src = sq_sql_new(name, text, len);
  sq_diag_t *diag = src ? sq_diag_new(src) : NULL;
  sq_ast_t *script = diag ? sq_parse(src, diag) : NULL;
  int status = SQ_EXIT_OK;
  if (!script && (!diag || sq_diag_count(diag) == 0)) {
    fprintf(stderr, "streamq %s: out of memory\n", s->opt.command);
    status = SQ_EXIT_RUNTIME;
  } else if (sq_diag_count(diag) > 0) {
    sq_diag_print(diag, stderr);
    status = SQ_EXIT_INVALID;
  }
  for (uint32_t i = 0; status == SQ_EXIT_OK && script && i < script->n; i++) status = run_statement(s, src, script->list[i]);
  sq_ast_destroy(script);
  sq_diag_destroy(diag);
  sq_sql_destroy(src);
  return status;
}
