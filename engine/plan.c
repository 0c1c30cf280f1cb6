/* Planning: from the analyzed program to operators. A query is
 *   [Project | WindowAggregate | SessionAggregate] -> [Distinct] -> [Limit] -> Sink
 * and a CREATE STREAM's chain is the input of the queries that read the
 * stream. Joins need the join operators, which this engine does not have
 * yet: a query with one is refused here with a clear message. */
#include "engine/plan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops.h"
#include "engine/window_agg.h"

typedef struct sq_plan_stream {
  const sq_relation_t *rel;
  sq_op_t *producer;
} sq_plan_stream_t;

static bool add_op(sq_plan_t *p, sq_op_t *op, const char *input_name, const sq_query_t *q) {
  if (!op) return false;
  sq_op_t **v = realloc(p->ops, (p->n_ops + 1) * sizeof *v);
  if (!v) {
    op->cls->destroy(op);
    return false;
  }
  p->ops = v;
  op->id = (int)p->n_ops + 1;
  op->input_name = input_name;
  op->query = q->select;
  p->ops[p->n_ops++] = op;
  return true;
}

/* Makes `op` read `rel`: a source's consumer, or a stream's producer's output. */
static bool attach(sq_plan_t *p, const sq_relation_t *rel, sq_op_t *op) {
  for (uint32_t i = 0; i < p->n_streams; i++)
    if (p->streams[i].rel == rel) return sq_op_connect(p->streams[i].producer, op);
  sq_plan_source_t *src = NULL;
  for (uint32_t i = 0; i < p->n_sources; i++)
    if (p->sources[i].rel == rel) src = &p->sources[i];
  if (!src) {
    sq_plan_source_t *v = realloc(p->sources, (p->n_sources + 1) * sizeof *v);
    if (!v) return false;
    p->sources = v;
    src = &p->sources[p->n_sources++];
    *src = (sq_plan_source_t){.rel = rel};
  }
  sq_op_t **c = realloc(src->consumers, (src->n_consumers + 1) * sizeof *c);
  if (!c) return false;
  src->consumers = c;
  src->consumers[src->n_consumers++] = op;
  return true;
}

static sq_sink_t *sink_for(sq_plan_t *p, const sq_relation_t *rel, const sq_relation_t *schema, sq_sink_factory_t make,
                           void *ctx, char *err, size_t err_size) {
  for (uint32_t i = 0; rel && i < p->n_sinks; i++)
    if (p->sink_rels[i] == rel) return p->sinks[i];
  sq_sink_t **v = realloc(p->sinks, (p->n_sinks + 1) * sizeof *v);
  if (v) p->sinks = v;
  const sq_relation_t **r = v ? realloc(p->sink_rels, (p->n_sinks + 1) * sizeof *r) : NULL;
  if (r) p->sink_rels = r;
  if (!v || !r) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  sq_sink_t *sink = make(ctx, rel, schema, err, err_size);
  if (!sink) return NULL;
  p->sinks[p->n_sinks] = sink;
  p->sink_rels[p->n_sinks++] = rel;
  return sink;
}

/* The expressions of a non-aggregating select list, * expanded into the
 * declared columns of the input. */
static sq_expr_t **project_items(const sq_ast_select_t *s, const sq_relation_t *input, uint32_t width, uint32_t *n) {
  sq_expr_t **items = calloc(width ? width : 1, sizeof *items);
  bool ok = items != NULL;
  uint32_t k = 0;
  for (uint32_t i = 0; ok && i < s->items->n; i++) {
    const sq_ast_t *item = s->items->list[i];
    if (item->kind != SQ_AST_STAR) {
      ok = (items[k++] = sq_expr_compile(item->a, NULL)) != NULL;
      continue;
    }
    for (size_t c = 0; ok && c < input->n_columns && k < width; c++)
      if (!input->columns[c].metadata) ok = (items[k++] = sq_expr_column(0, (int)c, input->columns[c].type)) != NULL;
  }
  if (!ok && items) {
    for (uint32_t i = 0; i < k; i++) sq_expr_destroy(items[i]);
    free(items);
    items = NULL;
  }
  *n = k;
  return items;
}

/* The first operator of a query: projection or aggregation. */
static sq_op_t *query_head(sq_plan_t *p, const sq_query_t *q, const sq_relation_t *input) {
  const sq_ast_select_t *s = q->select->select;
  uint32_t width = (uint32_t)q->output->n_columns;
  if (q->aggregate) {
    sq_window_spec_t win = sq_window_spec(s);
    uint32_t id = p->n_ops + 1; /* the id add_op will give it */
    return win.kind == SQ_WINDOW_SESSIONS ? sq_op_session_agg_new(&p->exec, p->state, id, &win, q->select, width)
                                          : sq_op_window_agg_new(&p->exec, p->state, id, &win, q->select, width);
  }
  sq_expr_t *where = NULL;
  if (s->where && !(where = sq_expr_compile(s->where, NULL))) return NULL;
  uint32_t n;
  sq_expr_t **items = project_items(s, input, width, &n);
  if (!items) {
    sq_expr_destroy(where);
    return NULL;
  }
  return sq_op_project_new(&p->exec, where, items, n, width);
}

static bool plan_query(sq_plan_t *p, const sq_program_t *prog, const sq_query_t *q, sq_sink_factory_t make, void *ctx,
                       char *err, size_t err_size) {
  const sq_ast_select_t *s = q->select->select;
  if (s->from->kind != SQ_AST_TABLE_REF) {
    snprintf(err, err_size, "joins are not supported by this engine yet (query '%s')", q->output->name);
    return false;
  }
  const sq_relation_t *input = sq_catalog_find(prog->catalog, s->from->name.text);
  const char *input_name = input->name;
  sq_op_t *head = query_head(p, q, input);
  if (!add_op(p, head, input_name, q) || !attach(p, input, head)) {
    snprintf(err, err_size, "out of memory");
    return false;
  }
  sq_op_t *tail = head;
  uint32_t width = (uint32_t)q->output->n_columns;
  if (s->distinct) {
    sq_op_t *d = sq_op_distinct_new(&p->exec, p->state, p->n_ops + 1, width);
    if (!add_op(p, d, NULL, q) || !sq_op_connect(tail, d)) return snprintf(err, err_size, "out of memory"), false;
    tail = d;
  }
  if (s->limit) {
    sq_op_t *l = sq_op_limit_new(&p->exec, s->limit->ival);
    if (!add_op(p, l, NULL, q) || !sq_op_connect(tail, l)) return snprintf(err, err_size, "out of memory"), false;
    tail = l;
  }
  if (q->kind == SQ_QUERY_STREAM) {
    sq_plan_stream_t *v = realloc(p->streams, (p->n_streams + 1) * sizeof *v);
    if (!v) return snprintf(err, err_size, "out of memory"), false;
    p->streams = v;
    p->streams[p->n_streams++] = (sq_plan_stream_t){q->output, tail};
    return true;
  }
  sq_sink_t *sink = sink_for(p, q->kind == SQ_QUERY_INSERT ? q->target : NULL, q->output, make, ctx, err, err_size);
  if (!sink) return false;
  sq_op_t *w = sq_op_sink_new(&p->exec, sink, q->output);
  if (!add_op(p, w, NULL, q) || !sq_op_connect(tail, w)) return snprintf(err, err_size, "out of memory"), false;
  return true;
}

sq_plan_t *sq_plan_build(const sq_program_t *prog, sq_state_t *state, sq_sink_factory_t make_sink, void *ctx, char *err,
                         size_t err_size) {
  sq_plan_t *p = calloc(1, sizeof *p);
  if (!p) {
    sq_state_destroy(state);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  p->state = state;
  for (size_t i = 0; i < prog->n_queries; i++) {
    if (!plan_query(p, prog, &prog->queries[i], make_sink, ctx, err, err_size)) {
      sq_plan_destroy(p);
      return NULL;
    }
  }
  return p;
}

void sq_plan_destroy(sq_plan_t *p) {
  if (!p) return;
  sq_state_destroy(p->state); /* first: releasing values uses their operators */
  for (uint32_t i = 0; i < p->n_ops; i++) p->ops[i]->cls->destroy(p->ops[i]);
  for (uint32_t i = 0; i < p->n_sinks; i++) p->sinks[i]->cls->destroy(p->sinks[i]);
  for (uint32_t i = 0; i < p->n_sources; i++) free(p->sources[i].consumers);
  free(p->sources);
  free(p->ops);
  free(p->sinks);
  free(p->sink_rels);
  free(p->streams);
  sq_arena_free(&p->exec.arena);
  free(p);
}

/* "#3" or a relation's name: what feeds `op`. */
static void input_of(const sq_plan_t *p, const sq_op_t *op, char *buf, size_t size) {
  if (op->input_name) {
    snprintf(buf, size, "%s", op->input_name);
    return;
  }
  for (uint32_t i = 0; i < p->n_ops; i++)
    for (uint32_t j = 0; j < p->ops[i]->n_outputs; j++)
      if (p->ops[i]->outputs[j] == op) {
        snprintf(buf, size, "#%d", p->ops[i]->id);
        return;
      }
  snprintf(buf, size, "?");
}

static const char *option_text(const sq_relation_t *rel, const char *key) {
  const sq_ast_t *v = sq_relation_option(rel, key);
  return v && v->text ? v->text : NULL;
}

void sq_plan_explain(const sq_plan_t *p, FILE *out) {
  for (uint32_t i = 0; i < p->n_sources; i++) {
    const sq_relation_t *rel = p->sources[i].rel;
    const char *what = option_text(rel, "topic") ? option_text(rel, "topic") : option_text(rel, "path") ? option_text(rel, "path") : option_text(rel, "kind");
    const char *ts = option_text(rel, "timestamp"), *delay = option_text(rel, "watermark_delay");
    fprintf(out, "%s %s: %s '%s'; event time: %s%s; watermark: max event time - %s\n", sq_rel_kind_name(rel->kind),
            rel->name, rel->connector ? rel->connector : "?", what ? what : "", ts ? "column " : "read time",
            ts ? ts : "", delay ? delay : "0 ms");
  }
  for (uint32_t i = 0; i < p->n_ops; i++) {
    const sq_op_t *op = p->ops[i];
    char input[64];
    input_of(p, op, input, sizeof input);
    sq_buf_t text = {0};
    op->cls->describe(op, &text);
    fprintf(out, "#%d %s <- %s: %.*s\n", op->id, op->cls->name, input, (int)text.len, text.data ? text.data : "");
    sq_buf_free(&text);
  }
}
