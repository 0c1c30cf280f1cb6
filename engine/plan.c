/* Planning: from the analyzed program to operators. A query is
 *   [joins] -> [Project | WindowAggregate | SessionAggregate] -> [Distinct] -> [Limit] -> Sink
 * and a CREATE STREAM's chain is the input of the queries that read the
 * stream. Joins chain left-deep: each joins the rows so far (port 0) with
 * one more relation (port 1), an IntervalJoin for a stream and a
 * LookupJoin for a table; the rows after them hold every input's columns
 * side by side (engine/row_layout.h). */
#include "engine/plan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/duration.h"
#include "engine/join.h"
#include "engine/ops.h"
#include "engine/preaggregate.h"
#include "engine/window_agg.h"

static bool add_op(sq_plan_t *p, sq_op_t *op, const char *input_name, const sq_query_t *q) {
  if (!op) return false;
  sq_op_t **v = sq_array_room(p->ops, p->n_ops, sizeof *v);
  if (!v) {
    op->cls->destroy(op);
    return false;
  }
  p->ops = v;
  op->id = (int)p->n_ops + 1;
  if (input_name) op->input_name = input_name;
  op->query = q->select;
  p->ops[p->n_ops++] = op;
  return true;
}

/* Marks in `used` the columns of input `input` that `e` reads. */
static void mark_columns(const sq_ast_t *e, int input, bool *used) {
  if (!e) return;
  if (e->kind == SQ_AST_COLUMN && e->ref == input) used[e->ref2] = true;
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e};
  for (size_t i = 0; i < 5; i++) mark_columns(kids[i], input, used);
  for (uint32_t i = 0; i < e->n; i++) mark_columns(e->list[i], input, used);
}

/* The columns of input `input` that a query reads anywhere (select list,
 * * included, WHERE, GROUP BY, HAVING, every ON), into `used`. */
static void input_columns_used(const sq_ast_select_t *s, int input, const sq_relation_t *rel, const char *alias, bool *used) {
  for (uint32_t i = 0; i < s->items->n; i++) {
    const sq_ast_t *item = s->items->list[i];
    if (item->kind != SQ_AST_STAR) mark_columns(item->a, input, used);
    else if (!item->name2.text || strcmp(item->name2.text, alias) == 0)
      for (size_t c = 0; c < rel->n_columns; c++) used[c] |= !rel->columns[c].metadata;
  }
  mark_columns(s->where, input, used);
  mark_columns(s->group_by, input, used);
  mark_columns(s->having, input, used);
  for (const sq_ast_t *from = s->from; from->kind == SQ_AST_JOIN; from = from->a) mark_columns(from->e, input, used);
}

/* Makes `op` read `rel`: a source's consumer, or a stream's producer's
 * output. `rel` is input `input` of query `s` under `alias`: a source
 * notes the columns it reads. */
static bool attach(sq_plan_t *p, const sq_relation_t *rel, sq_op_t *op, const sq_ast_select_t *s, int input, const char *alias) {
  if (p->producers[rel->id]) return sq_op_connect(p->producers[rel->id], op);
  sq_plan_source_t *src = p->slots[rel->id] ? &p->sources[p->slots[rel->id] - 1] : NULL;
  if (!src) {
    sq_plan_source_t *v = sq_array_room(p->sources, p->n_sources, sizeof *v);
    if (!v) return false;
    p->sources = v;
    src = &p->sources[p->n_sources++];
    p->slots[rel->id] = p->n_sources;
    *src = (sq_plan_source_t){.rel = rel, .read = calloc(rel->n_columns + 1, sizeof *src->read)};
    if (!src->read) return false;
  }
  input_columns_used(s, input, rel, alias, src->read);
  sq_op_t **c = sq_array_room(src->consumers, src->n_consumers, sizeof *c);
  if (!c) return false;
  src->consumers = c;
  src->consumers[src->n_consumers++] = op;
  return true;
}

static sq_sink_t *sink_for(sq_plan_t *p, const sq_relation_t *rel, const sq_relation_t *schema, sq_sink_factory_t make,
                           void *ctx, char *err, size_t err_size) {
  if (rel && p->slots[rel->id]) return p->sinks[p->slots[rel->id] - 1];
  sq_sink_t **v = sq_array_room(p->sinks, p->n_sinks, sizeof *v);
  if (v) p->sinks = v;
  const sq_relation_t **r = v ? sq_array_room(p->sink_rels, p->n_sinks, sizeof *r) : NULL;
  if (r) p->sink_rels = r;
  if (!v || !r) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  sq_sink_t *sink = make(ctx, rel, schema, err, err_size);
  if (!sink) return NULL;
  p->sinks[p->n_sinks] = sink;
  p->sink_rels[p->n_sinks++] = rel;
  if (rel) p->slots[rel->id] = p->n_sinks;
  return sink;
}

/* What a query reads: its FROM relations in order, and how their columns
 * sit in the rows its first operator gets. */
typedef struct query_input {
  const sq_relation_t *rels[SQ_MAX_INPUTS];
  const char *aliases[SQ_MAX_INPUTS];
  sq_row_layout_t layout;
  uint32_t width;
  sq_op_t *producer; /* the last join, or NULL: rows come from rels[0] */
} query_input_t;

/* The expressions of a non-aggregating select list, * expanded into the
 * declared columns of every input (or the one it names). */
static sq_expr_t **project_items(const sq_ast_select_t *s, const query_input_t *in, uint32_t width, uint32_t *n) {
  sq_expr_t **items = calloc(width ? width : 1, sizeof *items);
  bool ok = items != NULL;
  uint32_t k = 0;
  for (uint32_t i = 0; ok && i < s->items->n; i++) {
    const sq_ast_t *item = s->items->list[i];
    if (item->kind != SQ_AST_STAR) {
      ok = (items[k++] = sq_expr_compile(item->a, NULL)) != NULL;
      continue;
    }
    for (uint32_t r = 0; ok && r < in->layout.n; r++) {
      const sq_relation_t *rel = in->rels[r];
      if (item->name2.text && strcmp(item->name2.text, in->aliases[r]) != 0) continue;
      for (size_t c = 0; ok && c < rel->n_columns && k < width; c++)
        if (!rel->columns[c].metadata) ok = (items[k++] = sq_expr_column((int)r, (int)c, rel->columns[c].type)) != NULL;
    }
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
static sq_op_t *query_head(sq_plan_t *p, const sq_query_t *q, const query_input_t *in) {
  const sq_ast_select_t *s = q->select->select;
  uint32_t width = (uint32_t)q->output->n_columns;
  if (q->aggregate) {
    sq_window_spec_t win = sq_window_spec(s);
    uint32_t id = p->n_ops + 1; /* the id add_op will give it */
    if (win.kind == SQ_WINDOW_SESSION) return sq_op_session_agg_new(&p->exec, p->state, id, &win, q->select, &in->layout, width);
    sq_op_t *op = sq_op_window_agg_new(&p->exec, p->state, id, &win, q->select, &in->layout, width);
    int window = sq_relation_find_column(in->rels[0], SQ_PARTIAL_WINDOW), partial = sq_relation_find_column(in->rels[0], SQ_PARTIAL_STATE);
    if (op && in->layout.n == 1 && window >= 0 && partial >= 0 && sq_relation_option(in->rels[0], "repartitioned"))
      sq_op_window_agg_partials(op, window, partial);
    return op;
  }
  sq_expr_t *where = NULL;
  if (s->where && !(where = sq_expr_compile(s->where, NULL))) return NULL;
  uint32_t n;
  sq_expr_t **items = project_items(s, in, width, &n);
  if (!items) {
    sq_expr_destroy(where);
    return NULL;
  }
  return sq_op_project_new(&p->exec, &in->layout, where, items, n, width);
}

/* The types of a numeric comparison that needs a conversion. */
static bool mixed_numbers(const sq_ast_t *a, const sq_ast_t *b) {
  return a->type != b->type && (a->type == SQ_TYPE_BIGINT || a->type == SQ_TYPE_DOUBLE) &&
         (b->type == SQ_TYPE_BIGINT || b->type == SQ_TYPE_DOUBLE);
}

/* Whether `e` reads some input, and only inputs in `mask`. */
static bool over(const sq_ast_t *e, uint32_t mask) {
  uint32_t m = sq_ast_input_mask(e);
  return m && !(m & ~mask);
}

/* The top-level conjuncts of ON, left to right, appended to *terms. */
static bool conjuncts(const sq_ast_t *on, const sq_ast_t ***terms, uint32_t *n) {
  if (on->kind == SQ_AST_BINARY && on->sub == SQ_EXPR_AND) return conjuncts(on->a, terms, n) && conjuncts(on->b, terms, n);
  const sq_ast_t **v = realloc(*terms, (*n + 1) * sizeof *v);
  if (!v) return false;
  *terms = v;
  v[(*n)++] = on;
  return true;
}

/* Makes a conjunct of ON that is an equality between the left side (the
 * inputs so far) and the right side (the new input) a key of the join
 * (for a table, only one with its primary key column, once). *enforced
 * tells whether equal keys alone make it hold: both sides are columns,
 * whose values the key encodes one to one (an expression such as NOW()
 * could differ between the key and a later check). */
static bool add_join_key(sq_join_spec_t *spec, const sq_ast_t *on, int table_key, bool *enforced) {
  *enforced = false;
  if (on->kind != SQ_AST_BINARY || on->sub != SQ_EXPR_EQ) return true;
  uint32_t left = (1u << spec->right_input) - 1, right = 1u << spec->right_input;
  for (int flip = 0; flip < 2; flip++) {
    const sq_ast_t *l = flip ? on->b : on->a, *r = flip ? on->a : on->b;
    if (!over(l, left) || !over(r, right)) continue;
    if (table_key >= 0 && (r->kind != SQ_AST_COLUMN || r->ref2 != table_key || spec->n_keys)) return true;
    uint32_t n = spec->n_keys;
    sq_expr_t **lk = realloc(spec->left_keys, (n + 1) * sizeof *lk);
    if (lk) spec->left_keys = lk;
    sq_expr_t **rk = lk ? realloc(spec->right_keys, (n + 1) * sizeof *rk) : NULL;
    if (rk) spec->right_keys = rk;
    bool *d = rk ? realloc(spec->as_double, (n + 1) * sizeof *d) : NULL;
    if (!d) return false;
    spec->as_double = d;
    lk[n] = sq_expr_compile(l, NULL);
    rk[n] = sq_expr_compile(r, NULL);
    d[n] = mixed_numbers(l, r);
    spec->n_keys++;
    *enforced = l->kind == SQ_AST_COLUMN && r->kind == SQ_AST_COLUMN;
    return lk[n] && rk[n];
  }
  return true;
}

/* The join's keys from ON's equalities, and in spec->on what the operator
 * still checks for a pair of rows with equal keys: the other conjuncts,
 * chained by AND as written (NULL when there are none: every pair with
 * equal keys matches). False when memory runs out. */
static bool compile_on(sq_join_spec_t *spec, const sq_ast_t *on, int table_key) {
  const sq_ast_t **terms = NULL;
  uint32_t n = 0, kept = 0;
  bool ok = conjuncts(on, &terms, &n);
  for (uint32_t i = 0; ok && i < n; i++) {
    bool enforced;
    ok = add_join_key(spec, terms[i], table_key, &enforced);
    if (!enforced) terms[kept++] = terms[i];
  }
  /* the AND nodes chaining the kept conjuncts live only while compiling */
  sq_ast_t *chain = ok && kept > 1 ? calloc(kept - 1, sizeof *chain) : NULL;
  ok = ok && (kept < 2 || chain);
  const sq_ast_t *residual = kept ? terms[0] : NULL;
  for (uint32_t i = 1; ok && i < kept; i++) {
    chain[i - 1] = (sq_ast_t){.kind = SQ_AST_BINARY, .sub = SQ_EXPR_AND, .span = on->span, .type = SQ_TYPE_BOOLEAN,
                              .a = (sq_ast_t *)residual, .b = (sq_ast_t *)terms[i]};
    residual = &chain[i - 1];
  }
  ok = ok && (!residual || (spec->on = sq_expr_compile(residual, NULL)));
  free(chain);
  free(terms);
  return ok;
}

/* Plans FROM: its relations and layout into *in, with a join operator for
 * each JOIN, attached to its inputs. */
static bool plan_from(sq_plan_t *p, const sq_program_t *prog, const sq_query_t *q, const sq_ast_t *from, query_input_t *in) {
  if (from->kind == SQ_AST_TABLE_REF) {
    const sq_relation_t *rel = sq_catalog_find(prog->catalog, from->name.text);
    in->rels[0] = rel;
    in->aliases[0] = from->name2.text ? from->name2.text : from->name.text;
    in->layout = sq_row_layout_single();
    in->width = (uint32_t)rel->n_columns;
    return true;
  }
  if (!plan_from(p, prog, q, from->a, in)) return false;
  const sq_relation_t *rel = sq_catalog_find(prog->catalog, from->b->name.text);
  bool table = rel->kind == SQ_REL_TABLE;
  sq_join_spec_t spec = {.type = (sq_join_t)from->sub, .left_width = in->width, .right_width = (uint32_t)rel->n_columns,
                         .left_layout = in->layout, .right_input = in->layout.n,
                         .before = from->c ? from->c->ival : 0, .after = from->d ? from->d->ival : from->c ? from->c->ival : 0,
                         .table_columns = (uint32_t)rel->n_columns, .table_key = rel->primary_key};
  while (spec.table_columns && rel->columns[spec.table_columns - 1].metadata) spec.table_columns--;
  if (in->producer) snprintf(spec.text, sizeof spec.text, "#%d, %s", in->producer->id, rel->name);
  else snprintf(spec.text, sizeof spec.text, "%s, %s", in->rels[0]->name, rel->name);
  const sq_ast_select_t *s = q->select->select;
  const char *alias = from->b->name2.text ? from->b->name2.text : from->b->name.text;
  bool ok = (spec.left_used = calloc(spec.left_width, sizeof *spec.left_used)) &&
            (spec.right_used = calloc(spec.right_width, sizeof *spec.right_used));
  for (uint32_t i = 0; ok && i < in->layout.n; i++)
    input_columns_used(s, (int)i, in->rels[i], in->aliases[i], spec.left_used + in->layout.offsets[i]);
  if (ok) input_columns_used(s, (int)spec.right_input, rel, alias, spec.right_used);
  if (ok && table) spec.right_used[rel->primary_key] = true; /* deletions are told by the key and the columns */
  ok = ok && compile_on(&spec, from->e, table ? rel->primary_key : -1);
  if (!ok) {
    sq_join_spec_free(&spec);
    return false;
  }
  uint32_t id = p->n_ops + 1; /* the id add_op will give it */
  sq_op_t *join = table ? sq_op_lookup_join_new(&p->exec, p->state, id, &spec) : sq_op_interval_join_new(&p->exec, p->state, id, &spec);
  if (!add_op(p, join, NULL, q)) return false;
  if (!(in->producer ? sq_op_connect(in->producer, sq_join_port(join, 0)) : attach(p, in->rels[0], sq_join_port(join, 0), s, 0, in->aliases[0])) ||
      !attach(p, rel, sq_join_port(join, 1), s, (int)spec.right_input, alias))
    return false;
  uint32_t r = in->layout.n++;
  in->rels[r] = rel;
  in->aliases[r] = alias;
  in->layout.offsets[r] = in->width;
  in->width += (uint32_t)rel->n_columns;
  in->producer = join;
  return true;
}

/* The query reading stage-2 source `name`, or NULL. */
static const sq_query_t *query_reading(const sq_program_t *prog, const char *name) {
  for (size_t i = 0; i < prog->n_queries; i++) {
    const sq_ast_t *from = prog->queries[i].select->select->from;
    if (from->kind == SQ_AST_TABLE_REF && strcmp(from->name.text, name) == 0) return &prog->queries[i];
  }
  return NULL;
}

/* Stage 1 of a pre-aggregated repartition: the operator that folds hot
 * keys (preaggregate.h) before the sink, for the query reading the
 * stage-2 source the sink's `preaggregate` option names. NULL when out of
 * memory, or when the sink has none (*none). */
static sq_op_t *preaggregate_for(sq_plan_t *p, const sq_program_t *prog, const sq_query_t *q, const sq_relation_t *source,
                                 bool *none) {
  const sq_ast_t *of = q->kind == SQ_QUERY_INSERT ? sq_relation_option(q->target, "preaggregate") : NULL;
  const sq_query_t *reader = of && of->text ? query_reading(prog, of->text) : NULL;
  *none = !reader;
  if (!reader) return NULL;
  const sq_ast_t *delay_text = sq_relation_option(source, "watermark_delay");
  int64_t delay = 0;
  if (delay_text && delay_text->text) sq_duration_parse(delay_text->text, &delay);
  const sq_relation_t *out = q->output;
  sq_preagg_columns_t cols = {sq_relation_find_column(out, SQ_ORIGIN_PARTITION), sq_relation_find_column(out, SQ_ORIGIN_OFFSET),
                              sq_relation_find_column(out, SQ_ORIGIN_INDEX), sq_relation_find_column(out, SQ_STAGE_ROWTIME),
                              sq_relation_find_column(out, SQ_PARTIAL_WINDOW), sq_relation_find_column(out, SQ_PARTIAL_STATE)};
  if (cols.partition < 0 || cols.offset < 0 || cols.index < 0 || cols.rowtime < 0 || cols.window < 0 || cols.partial < 0)
    return *none = true, NULL;
  sq_window_spec_t win = sq_window_spec(reader->select->select);
  return sq_op_preaggregate_new(&p->exec, &win, reader->select, delay, &cols, (uint32_t)out->n_columns, q->target);
}

static bool plan_query(sq_plan_t *p, const sq_program_t *prog, const sq_query_t *q, sq_sink_factory_t make, void *ctx,
                       char *err, size_t err_size) {
  const sq_ast_select_t *s = q->select->select;
  query_input_t in = {0};
  if (!plan_from(p, prog, q, s->from, &in)) return snprintf(err, err_size, "out of memory"), false;
  sq_op_t *head = query_head(p, q, &in);
  if (!add_op(p, head, in.producer ? NULL : in.rels[0]->name, q) ||
      !(in.producer ? sq_op_connect(in.producer, head) : attach(p, in.rels[0], head, s, 0, in.aliases[0]))) {
    snprintf(err, err_size, "out of memory");
    return false;
  }
  sq_op_t *tail = head;
  uint32_t width = (uint32_t)q->output->n_columns;
  bool none;
  sq_op_t *pre = preaggregate_for(p, prog, q, in.rels[0], &none);
  if (!none) {
    if (!add_op(p, pre, NULL, q) || !sq_op_connect(tail, pre)) return snprintf(err, err_size, "out of memory"), false;
    tail = pre;
  }
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
    p->producers[q->output->id] = tail;
    return true;
  }
  sq_sink_t *sink = sink_for(p, q->kind == SQ_QUERY_INSERT ? q->target : NULL, q->output, make, ctx, err, err_size);
  if (!sink) return false;
  sq_op_t *w = sq_op_sink_new(&p->exec, sink, q->output);
  if (!add_op(p, w, NULL, q) || !sq_op_connect(tail, w)) return snprintf(err, err_size, "out of memory"), false;
  return true;
}

/* Notes on every join side that `op`'s rows reach which streams feed it
 * (`bit`): a join fed by one stream on both sides knows where its other
 * side stands at each row. */
static void mark_stream(sq_op_t *op, uint64_t bit) {
  int side;
  sq_join_base_t *j = sq_join_of_port(op, &side);
  if (j) {
    if (j->side_sources[side] & bit) return;
    j->side_sources[side] |= bit;
    op = &j->op;
  }
  for (uint32_t i = 0; i < op->n_outputs; i++) mark_stream(op->outputs[i], bit);
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
  p->prog = prog;
  size_t n_rels = sq_catalog_count(prog->catalog);
  p->producers = calloc(n_rels + 1, sizeof *p->producers);
  p->slots = calloc(n_rels + 1, sizeof *p->slots);
  if (!p->producers || !p->slots) {
    sq_plan_destroy(p);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < prog->n_queries; i++) {
    if (!plan_query(p, prog, &prog->queries[i], make_sink, ctx, err, err_size)) {
      sq_plan_destroy(p);
      return NULL;
    }
  }
  for (uint32_t i = 0; i < p->n_sources && i < 64; i++)
    for (uint32_t c = 0; p->sources[i].rel->kind != SQ_REL_TABLE && c < p->sources[i].n_consumers; c++)
      mark_stream(p->sources[i].consumers[c], UINT64_C(1) << i);
  return p;
}

sq_op_t *sq_plan_preaggregation(const sq_plan_t *p, const sq_relation_t *target) {
  for (uint32_t i = 0; i < p->n_ops; i++)
    if (sq_op_preaggregates_for(p->ops[i], target)) return p->ops[i];
  return NULL;
}

/* A task's sinks are its template's: the k-th sink it asks for is the
 * template's k-th (queries are planned in the same order). */
typedef struct borrowed_sinks {
  const sq_plan_t *template;
  uint32_t next;
} borrowed_sinks_t;

static sq_sink_t *borrow_sink(void *ctx, const sq_relation_t *rel, const sq_relation_t *schema, char *err, size_t err_size) {
  (void)schema;
  borrowed_sinks_t *b = ctx;
  while (b->next < b->template->n_sinks && b->template->sink_rels[b->next] != rel) b->next++;
  if (b->next < b->template->n_sinks) return b->template->sinks[b->next++];
  snprintf(err, err_size, "a task's plan differs from its template");
  return NULL;
}

sq_plan_t *sq_plan_build_task(sq_plan_t *template, uint32_t task, char *err, size_t err_size) {
  const sq_program_t *prog = template->prog;
  sq_plan_t *p = calloc(1, sizeof *p);
  size_t n_rels = sq_catalog_count(prog->catalog);
  sq_plan_t **v = sq_array_room(template->tasks, template->n_tasks, sizeof *v);
  if (v) template->tasks = v;
  if (!p || !v || !(p->producers = calloc(n_rels + 1, sizeof *p->producers)) || !(p->slots = calloc(n_rels + 1, sizeof *p->slots))) {
    sq_plan_destroy(p);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  p->prog = prog;
  p->state = template->state;
  p->borrowed = true;
  p->exec.state_base = task * SQ_STATE_TASK_PARTITIONS;
  p->exec.clock_seconds = template->exec.clock_seconds;
  p->exec.crash_point = template->exec.crash_point;
  borrowed_sinks_t sinks = {template, 0};
  for (size_t i = 0; i < prog->n_queries; i++) {
    if (!plan_query(p, prog, &prog->queries[i], borrow_sink, &sinks, err, err_size)) {
      sq_plan_destroy(p);
      return NULL;
    }
  }
  template->tasks[template->n_tasks++] = p;
  return p;
}

void sq_plan_destroy_task(sq_plan_t *template, sq_plan_t *task) {
  for (uint32_t i = 0; i < template->n_tasks; i++)
    if (template->tasks[i] == task) template->tasks[i] = template->tasks[--template->n_tasks];
  sq_plan_destroy(task);
}

void sq_plan_destroy(sq_plan_t *p) {
  if (!p) return;
  if (!p->borrowed) sq_state_destroy(p->state); /* first: releasing values uses their operators */
  for (uint32_t i = 0; i < p->n_tasks; i++) sq_plan_destroy(p->tasks[i]);
  free(p->tasks);
  for (uint32_t i = 0; i < p->n_ops; i++) p->ops[i]->cls->destroy(p->ops[i]);
  for (uint32_t i = 0; i < p->n_sinks && !p->borrowed; i++) p->sinks[i]->cls->destroy(p->sinks[i]);
  for (uint32_t i = 0; i < p->n_sources; i++) {
    free(p->sources[i].consumers);
    free(p->sources[i].read);
  }
  free(p->sources);
  free(p->ops);
  free(p->sinks);
  free(p->sink_rels);
  free(p->producers);
  free(p->slots);
  sq_arena_free(&p->exec.arena);
  free(p);
}

/* "#3" or a relation's name: what feeds `op`; `feeder` maps each
 * operator's id to the id of the operator feeding it (0: none). */
static void input_of(const sq_op_t *op, const int *feeder, char *buf, size_t size) {
  if (op->input_name) snprintf(buf, size, "%s", op->input_name);
  else if (feeder && feeder[op->id]) snprintf(buf, size, "#%d", feeder[op->id]);
  else snprintf(buf, size, "?");
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
    const char *keyed = option_text(rel, "partitioned_by");
    bool stage2 = option_text(rel, "repartitioned") && strcmp(option_text(rel, "repartitioned"), "on") == 0;
    fprintf(out, "%s %s: %s '%s'; event time: %s%s; watermark: %s%s%s%s%s\n", sq_rel_kind_name(rel->kind), rel->name,
            rel->connector ? rel->connector->name : "?", what ? what : "", ts ? "column " : "read time", ts ? ts : "",
            stage2 ? "stage 2 of a repartition: the minimum of stage 1's marks" : "max event time - ",
            stage2 ? "" : delay ? delay : "0 ms", keyed ? " per partition; one task per partition (partitioned_by " : "",
            keyed ? keyed : "", keyed ? ")" : "");
  }
  for (uint32_t i = 0; i < p->n_sinks; i++) {
    const sq_relation_t *rel = p->sink_rels[i];
    const char *of = rel ? option_text(rel, "repartition_of") : NULL;
    if (of)
      fprintf(out, "stage 1 of a repartition: sink %s writes the rows of topic '%s' to topic '%s' keyed by %s, and each "
              "partition's watermark marks\n", rel->name, of, option_text(rel, "topic"), option_text(rel, "key"));
  }
  int *feeder = calloc(p->n_ops + 1, sizeof *feeder); /* by id: ids run from 1 to n_ops */
  for (uint32_t i = 0; feeder && i < p->n_ops; i++)
    for (uint32_t j = 0; j < p->ops[i]->n_outputs; j++)
      if (!feeder[p->ops[i]->outputs[j]->id]) feeder[p->ops[i]->outputs[j]->id] = p->ops[i]->id;
  for (uint32_t i = 0; i < p->n_ops; i++) {
    const sq_op_t *op = p->ops[i];
    char input[64];
    input_of(op, feeder, input, sizeof input);
    sq_buf_t text = {0};
    op->cls->describe(op, &text);
    fprintf(out, "#%d %s <- %s: %.*s\n", op->id, op->cls->name, input, (int)text.len, text.data ? text.data : "");
    sq_buf_free(&text);
  }
  free(feeder);
}
