/* Ad-hoc queries on the run machinery of `streamq run` (plan, readers,
 * executor), with state in memory and no checkpoints. A SELECT is
 * bounded: its Kafka sources read every partition up to the end offset it
 * had at the start, then the end of input closes every window; with EMIT
 * CHANGES it is live, and INSERT INTO runs live too, until Ctrl-C or the
 * LIMIT. Only the derived streams the query reads are planned with it.
 * EXPLAIN ANALYZE runs the query with its rows discarded, then prints the
 * plan with what each operator did. */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/analyze_scope.h"
#include "engine/plan.h"
#include "runtime/app/cli.h"
#include "runtime/app/executor.h"
#include "runtime/app/statement.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/runtime.h"
#include "runtime/connectors/registry.h"

#define TABLE_MAX_ROWS 1000 /* rows of a bounded result shown as a table */

/* Marks in `needed` the derived streams `select` reads, and theirs. */
static void mark_streams(const sq_program_t *prog, const sq_ast_t *from, bool *needed) {
  if (!from) return;
  if (from->kind != SQ_AST_TABLE_REF) {
    mark_streams(prog, from->a, needed);
    mark_streams(prog, from->b, needed);
    return;
  }
  for (size_t i = 0; i < prog->n_queries; i++) {
    const sq_query_t *q = &prog->queries[i];
    if (q->kind != SQ_QUERY_STREAM || needed[i] || strcmp(q->output->name, from->name.text) != 0) continue;
    needed[i] = true;
    mark_streams(prog, q->select->select->from, needed);
  }
}

/* The program with only `q` and the streams it reads (`queries` is the
 * caller's array of prog->n_queries entries). */
static sq_program_t program_of(const sq_program_t *prog, const sq_query_t *q, sq_query_t *queries, bool *needed) {
  sq_program_t view = *prog;
  view.queries = queries;
  view.n_queries = 0;
  mark_streams(prog, q->select->select->from, needed);
  for (size_t i = 0; i < prog->n_queries; i++)
    if (needed[i]) queries[view.n_queries++] = prog->queries[i];
  queries[view.n_queries++] = *q;
  return view;
}

/* The key columns of an EMIT CHANGES aggregate's rows (GROUP BY
 * expressions and window bounds), or NULL for other queries. */
static bool *changelog_key(const sq_query_t *q) {
  const sq_ast_select_t *s = q->select->select;
  if (!q->aggregate || s->emit != SQ_EMIT_CHANGES) return NULL;
  bool *key = calloc(q->output->n_columns + 1, sizeof *key);
  for (size_t i = 0; key && i < q->output->n_columns && i < s->items->n; i++) {
    const sq_ast_t *e = s->items->list[i]->a;
    key[i] = q->output->columns[i].group_key || (e && e->kind == SQ_AST_COLUMN && e->ref == SQ_REF_WINDOW);
  }
  return key;
}

typedef struct sink_factory {
  sq_runtime_t *rt;
  sq_print_options_t print;
  bool discard;          /* EXPLAIN ANALYZE */
  sq_sink_t *printer;    /* the one made, borrowed from the plan */
} sink_factory_t;

static sq_sink_t *make_sink(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  sink_factory_t *f = ctx;
  if (sink_rel) return sq_sink_open(f->rt, sink_rel, schema, err, err_size);
  if (f->discard) return sq_sink_describe_only(NULL, NULL, schema, err, err_size);
  if (!(f->printer = sq_result_printer_new(stdout, &f->print, schema->n_columns))) snprintf(err, err_size, "out of memory");
  return f->printer;
}

static const char *setting(const sq_program_t *prog, const char *key) {
  const char *v = NULL;
  for (size_t i = 0; i < prog->n_settings; i++)
    if (strcmp(prog->settings[i]->name.text, key) == 0) v = prog->settings[i]->text;
  return v;
}

/* The plan as EXPLAIN prints it, each operator followed by what it did. */
static void explain_analyzed(const sq_plan_t *plan, double seconds, FILE *out) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) return;
  sq_plan_explain(plan, mem);
  fclose(mem);
  for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
    end = strchr(line, '\n');
    fprintf(out, "%.*s\n", (int)(end ? end - line : (long)strlen(line)), line);
    int id;
    if (line[0] != '#' || sscanf(line + 1, "%d", &id) != 1) continue;
    for (uint32_t i = 0; i < plan->n_ops; i++) {
      const sq_op_t *op = plan->ops[i];
      if (op->id != id) continue;
      uint64_t rows_out = 0;
      for (uint32_t o = 0; o < op->n_outputs; o++) rows_out += op->outputs[o]->records;
      size_t keys, bytes;
      sq_op_state_usage(op, plan->state, &keys, &bytes);
      fprintf(out, "    rows in %llu", (unsigned long long)op->records);
      if (op->n_outputs) fprintf(out, ", out %llu", (unsigned long long)rows_out);
      fprintf(out, "; %.0f rows/s; busy %.3f ms; state %zu keys, %zu bytes\n", seconds > 0 ? (double)op->records / seconds : 0,
              op->busy * 1000, keys, bytes);
    }
  }
  free(text);
}

int sq_run_adhoc_query(const sq_statement_ctx_t *c) {
  bool explain = c->stmt->kind == SQ_AST_EXPLAIN, analyze = explain && c->stmt->flag;
  const sq_query_t *q = c->query;
  bool insert = q->kind == SQ_QUERY_INSERT, live = insert || q->select->select->emit == SQ_EMIT_CHANGES;
  sq_query_t *queries = calloc(c->prog->n_queries + 1, sizeof *queries);
  bool *needed = calloc(c->prog->n_queries + 1, sizeof *needed);
  bool *key = changelog_key(q);
  char err[1024] = "out of memory";
  sq_runtime_t rt = {.pipeline = "adhoc", .command = c->command, .quiet = !insert, .metrics = sq_metrics_new(),
                     .skew_warn_ratio = 1e18, .checkpoint_interval_ms = INT64_MAX / 2, .checkpoint_warn_share = 1,
                     .read_mode = live ? SQ_READ_LIVE : SQ_READ_BOUNDED};
  const char *start = setting(c->prog, "start");
  rt.live_from_earliest = start && strcasecmp(start, "earliest") == 0;
  if (c->kafka) rt.kafka = *c->kafka; /* borrowed: never freed here */
  sq_health_init(&rt.health);
  sink_factory_t factory = {&rt, {c->format, live ? 0 : TABLE_MAX_ROWS, 0, c->stop, key}, analyze, NULL};
  if (q->select->select->limit) factory.print.limit = q->select->select->limit->ival;
  sq_plan_t *plan = NULL;
  int status = SQ_EXIT_RUNTIME;
  if (queries && needed && rt.metrics && (key || !q->aggregate || q->select->select->emit != SQ_EMIT_CHANGES)) {
    sq_program_t view = program_of(c->prog, q, queries, needed);
    sq_state_t *state = sq_state_new(NULL, 0, err, sizeof err);
    plan = state ? sq_plan_build(&view, state, explain && !analyze ? sq_sink_describe_only : make_sink, &factory, err, sizeof err) : NULL;
  }
  if (!plan) {
    fprintf(stderr, "streamq %s: %s\n", c->command, err);
  } else if (explain && !analyze) {
    sq_plan_explain(plan, c->out);
    status = SQ_EXIT_OK;
  } else {
    sq_run_stats_t stats;
    double started = sq_clock_seconds();
    status = sq_execute(plan, &rt, NULL, c->stop, &stats);
    double seconds = sq_clock_seconds() - started;
    if (factory.printer) sq_result_printer_finish(factory.printer, q->output);
    if (analyze && status == SQ_EXIT_OK) {
      explain_analyzed(plan, seconds, c->out);
      fprintf(c->out, "%llu records read, %llu result rows, %.3f s\n", (unsigned long long)stats.records_in,
              (unsigned long long)(plan->n_sinks ? plan->sinks[0]->records_out : 0), seconds);
    }
    if (*c->stop == SQ_STOP_CANCEL) fprintf(stderr, "cancelled\n");
  }
  sq_plan_destroy(plan);
  sq_metrics_destroy(rt.metrics);
  sq_health_free(&rt.health);
  free(key);
  free(needed);
  free(queries);
  return status;
}
