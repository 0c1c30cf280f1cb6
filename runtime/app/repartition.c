/* The cut into stages (repartition.h). A query qualifies when it is a
 * GROUP BY of plain columns over one Kafka source without partitioned_by,
 * or a join of two such sources whose ON equates columns of both (each
 * side is cut by its columns of those equalities, in order, so the two
 * topics are co-partitioned), and reads no Kafka metadata column (those
 * would name the repartition topic's records, not the source's). For
 * each (source, keys), once:
 *
 *   CREATE SINK s__by_k__out WITH (connector = 'kafka', topic = T, key = 'k', repartition_of = <source topic>, ...);
 *   CREATE SOURCE s__by_k (<s's columns>, __origin_partition BIGINT, __origin_offset BIGINT, __rowtime TIMESTAMP)
 *     WITH (connector = 'kafka', topic = T, partitioned_by = 'k', timestamp = '__rowtime', repartitioned = 'on', ...);
 *   INSERT INTO s__by_k__out SELECT <s's columns>, _partition, _offset, ROWTIME FROM s;
 *
 * with T = "<group>.<s>_by_<k>.repartition", and the query's FROM s
 * becomes FROM s__by_k AS s, so its columns resolve as before. The text
 * is generated, parsed on its own, and its statements are spliced into
 * the script right after s's CREATE SOURCE; the user's spans stay right.
 * The stage-1 INSERT is stateless; the stage-2 query is a partitioned_by
 * query, which the task machinery already runs. */
#include "runtime/app/repartition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agg_query.h"
#include "engine/catalog.h"
#include "engine/types.h"
#include "engine/window_spec.h"
#include "grammar/parse.h"
#include "runtime/app/sql_text.h"
#include "runtime/kit/options.h"

#define MAX_KEYS 16

typedef struct cut {
  const sq_relation_t *src;
  int cols[MAX_KEYS];   /* the key columns of src */
  uint32_t n_cols;
  char name[256];       /* the stage-2 source */
  char sink[264];       /* the stage-1 sink */
  uint32_t n_queries;   /* reading its stage-2 source */
  bool foldable;        /* its every query could be pre-aggregated */
  bool preaggregate;    /* stage 1 folds hot keys (engine/preaggregate.h) */
  bool drop_keyed;      /* src is partitioned_by, but joined with an unkeyed `other`: read as unkeyed */
  const sq_relation_t *other;
} cut_t;

/* A FROM of a query that reads a cut's stage-2 source instead. */
typedef struct swap {
  sq_ast_t *from; /* a TABLE_REF */
  int cut;
} swap_t;

/* Whether `e` reads a Kafka metadata column of its input (ins[ref])
 * other than ROWTIME, which stage 2 has as its event time (and ROWTIME
 * too with `rowtime`: a partial aggregate's row has none of its rows'). */
static bool reads_metadata(const sq_ast_t *e, const sq_relation_t *const ins[2], bool rowtime) {
  if (!e) return false;
  const sq_relation_t *rel = e->kind == SQ_AST_COLUMN && (e->ref == 0 || e->ref == 1) ? ins[e->ref] : NULL;
  if (rel && e->ref2 >= 0 && (size_t)e->ref2 < rel->n_columns && rel->columns[e->ref2].metadata &&
      (rowtime || strcmp(rel->columns[e->ref2].name, "rowtime") != 0))
    return true;
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    if (reads_metadata(kids[i], ins, rowtime)) return true;
  for (uint32_t i = 0; i < e->n; i++)
    if (reads_metadata(e->list[i], ins, rowtime)) return true;
  const sq_ast_select_t *s = e->select;
  return s && (reads_metadata(s->items, ins, rowtime) || reads_metadata(s->where, ins, rowtime) ||
               reads_metadata(s->group_by, ins, rowtime) || reads_metadata(s->having, ins, rowtime));
}

/* Whether an aggregate's partial results merge into exactly what its rows
 * give in any order: not a floating-point sum (rounding follows the
 * order), nor EARLIEST or LATEST (ties go by arrival). */
static bool merges_exactly(const sq_agg_spec_t *spec) {
  switch (spec->fn) {
  case SQ_FN_COUNT:
  case SQ_FN_MIN:
  case SQ_FN_MAX:
  case SQ_FN_APPROX_COUNT_DISTINCT:
  case SQ_FN_APPROX_PERCENTILE:
  case SQ_FN_TOPK: return true;
  case SQ_FN_SUM:
  case SQ_FN_AVG: return spec->arg_type == SQ_TYPE_BIGINT;
  default: return false;
  }
}

/* Whether stage 1 may fold query `q`'s rows into partial aggregates: a
 * tumbling or hopping window that emits final results (a change per row
 * could not be told apart), over aggregates that merge exactly, not
 * reading ROWTIME. */
static bool foldable(const sq_query_t *q, const sq_relation_t *src) {
  const sq_ast_select_t *s = q->select->select;
  sq_window_spec_t win = sq_window_spec(s);
  const sq_relation_t *ins[2] = {src, NULL};
  if ((win.kind != SQ_WINDOW_TUMBLING && win.kind != SQ_WINDOW_HOPPING) || win.emit != SQ_EMIT_FINAL ||
      reads_metadata(q->select, ins, true))
    return false;
  sq_agg_query_t aq;
  sq_row_layout_t layout = sq_row_layout_single();
  if (!sq_agg_query_compile(&aq, q->select, &layout)) return false;
  bool ok = true;
  for (uint32_t i = 0; i < aq.n_aggs; i++) ok = ok && merges_exactly(&aq.specs[i]);
  sq_agg_query_free(&aq);
  return ok;
}

/* A Kafka stream source named by `ref`; or NULL. */
static const sq_relation_t *kafka_source(const sq_program_t *prog, const sq_ast_t *ref) {
  const sq_relation_t *rel = ref && ref->kind == SQ_AST_TABLE_REF ? sq_catalog_find(prog->catalog, ref->name.text) : NULL;
  return rel && rel->kind == SQ_REL_SOURCE && sq_option_is(rel, "connector", "kafka") ? rel : NULL;
}

/* A Kafka stream source without partitioned_by, named by `ref`; or NULL. */
static const sq_relation_t *unkeyed_source(const sq_program_t *prog, const sq_ast_t *ref) {
  const sq_relation_t *rel = kafka_source(prog, ref);
  return rel && !sq_relation_option(rel, "partitioned_by") ? rel : NULL;
}

/* Whether `from` reads relation `name` (a table or either side of a join). */
static bool reads(const sq_ast_t *from, const char *name) {
  if (from->kind == SQ_AST_JOIN) return reads(from->a, name) || reads(from->b, name);
  return from->kind == SQ_AST_TABLE_REF && strcmp(from->name.text, name) == 0;
}

/* How many queries read `rel`. */
static size_t readers_of(const sq_program_t *prog, const sq_relation_t *rel) {
  size_t n = 0;
  for (size_t i = 0; i < prog->n_queries; i++) n += reads(prog->queries[i].select->select->from, rel->name);
  return n;
}

/* The pairs (left column, right column) that `on` equates among its
 * ANDed terms, in order; their count (0 when there are none, or too many). */
static uint32_t join_keys(const sq_ast_t *on, int left[MAX_KEYS], int right[MAX_KEYS], uint32_t n) {
  if (!on || on->kind != SQ_AST_BINARY || n == UINT32_MAX) return n;
  if (on->sub == SQ_EXPR_AND) return join_keys(on->b, left, right, join_keys(on->a, left, right, n));
  if (on->sub != SQ_EXPR_EQ || on->a->kind != SQ_AST_COLUMN || on->b->kind != SQ_AST_COLUMN || on->a->ref == on->b->ref) return n;
  if (n == MAX_KEYS) return UINT32_MAX;
  const sq_ast_t *l = on->a->ref == 0 ? on->a : on->b, *r = on->a->ref == 0 ? on->b : on->a;
  left[n] = l->ref2, right[n] = r->ref2;
  return n + 1;
}

/* The index of the cut of (src, cols), added if new; -1 when full. */
static int cut_of(cut_t *cuts, int *n_cuts, int cap, const sq_relation_t *src, const int *cols, uint32_t n) {
  for (int c = 0; c < *n_cuts; c++)
    if (cuts[c].src == src && cuts[c].n_cols == n && memcmp(cuts[c].cols, cols, n * sizeof *cols) == 0) return c;
  if (*n_cuts == cap) return -1;
  cut_t *c = &cuts[(*n_cuts)++];
  *c = (cut_t){.src = src, .n_cols = n};
  memcpy(c->cols, cols, n * sizeof *cols);
  snprintf(c->name, sizeof c->name, "%s__by_", src->name);
  for (uint32_t i = 0; i < n; i++)
    snprintf(c->name + strlen(c->name), sizeof c->name - strlen(c->name) - 8, "%s%s", i ? "_" : "", src->columns[cols[i]].name);
  snprintf(c->sink, sizeof c->sink, "%s__out", c->name);
  return (int)(c - cuts);
}

/* The cuts query `q` needs, as swaps of its FROM tables: a GROUP BY of
 * plain columns over an unkeyed source (one), or a join of two unkeyed
 * sources on column equalities (one per side, co-partitioned: keyed by
 * the columns they equate, in the same order, with as many partitions).
 * Returns the swaps added, -1 when out of room. */
static int plan_query(const sq_program_t *prog, const sq_query_t *q, cut_t *cuts, int *n_cuts, int cap, swap_t *swaps) {
  const sq_ast_select_t *s = q->select->select;
  sq_ast_t *from = s->from;
  if (from->kind == SQ_AST_JOIN) {
    /* two unkeyed sources; or one unkeyed and one partitioned_by, that no
     * other query reads: its producer's partitioner need not be streamq's,
     * so both sides are cut, and it is read as unkeyed (drop_keyed) */
    const sq_relation_t *ins[2] = {kafka_source(prog, from->a), kafka_source(prog, from->b)};
    bool keyed[2] = {ins[0] && !unkeyed_source(prog, from->a), ins[1] && !unkeyed_source(prog, from->b)};
    int left[MAX_KEYS], right[MAX_KEYS];
    uint32_t n = join_keys(from->e, left, right, 0);
    if (!ins[0] || !ins[1] || (keyed[0] && keyed[1]) || n == 0 || n == UINT32_MAX || reads_metadata(q->select, ins, false)) return 0;
    for (int i = 0; i < 2; i++)
      if (keyed[i] && readers_of(prog, ins[i]) != 1) return 0;
    for (uint32_t i = 0; i < n; i++)
      if (ins[0]->columns[left[i]].metadata || ins[1]->columns[right[i]].metadata) return 0;
    int l = cut_of(cuts, n_cuts, cap, ins[0], left, n), r = cut_of(cuts, n_cuts, cap, ins[1], right, n);
    if (l < 0 || r < 0) return -1;
    cuts[l].n_queries++, cuts[r].n_queries++;
    cuts[l].foldable = cuts[r].foldable = false;
    cuts[l].drop_keyed = keyed[0], cuts[r].drop_keyed = keyed[1];
    cuts[l].other = cuts[r].src, cuts[r].other = cuts[l].src;
    swaps[0] = (swap_t){from->a, l}, swaps[1] = (swap_t){from->b, r};
    return 2;
  }
  const sq_relation_t *ins[2] = {unkeyed_source(prog, from), NULL};
  if (!q->aggregate || !s->group_by || !s->group_by->n || s->group_by->n > MAX_KEYS || !ins[0] || reads_metadata(q->select, ins, false))
    return 0;
  int cols[MAX_KEYS];
  for (uint32_t i = 0; i < s->group_by->n; i++) {
    const sq_ast_t *k = s->group_by->list[i];
    if (k->kind != SQ_AST_COLUMN || k->ref != 0 || ins[0]->columns[k->ref2].metadata) return 0;
    cols[i] = k->ref2;
  }
  int c = cut_of(cuts, n_cuts, cap, ins[0], cols, s->group_by->n);
  if (c < 0) return -1;
  cuts[c].foldable = cuts[c].n_queries++ == 0 && foldable(q, ins[0]);
  swaps[0] = (swap_t){from, c};
  return 1;
}

static void put_option(sq_buf_t *out, const char *key, const char *value) {
  sq_buf_puts(out, ", ");
  sq_buf_puts(out, key);
  sq_buf_puts(out, " = ");
  sq_put_string_literal(out, value, strlen(value));
}

static void copy_option(sq_buf_t *out, const sq_relation_t *rel, const char *key) {
  const sq_ast_t *o = sq_relation_option(rel, key);
  if (o && o->text) put_option(out, key, o->text);
}

/* The key columns' names joined by `sep` into `out` (truncated). */
static void key_list(char *out, size_t size, const cut_t *c, const char *sep) {
  size_t n = strlen(out);
  for (uint32_t i = 0; i < c->n_cols && n < size; i++)
    n += (size_t)snprintf(out + n, size - n, "%s%s", i ? sep : "", c->src->columns[c->cols[i]].name);
}

/* The declared columns of `rel`, as a SELECT list or with their types. */
static void columns(sq_buf_t *out, const sq_relation_t *rel, bool typed) {
  bool first = true;
  for (size_t i = 0; i < rel->n_columns; i++) {
    if (rel->columns[i].metadata) continue;
    if (!first) sq_buf_puts(out, ", ");
    first = false;
    sq_put_ident(out, rel->columns[i].name);
    if (typed) {
      sq_buf_putc(out, ' ');
      sq_buf_puts(out, sq_type_name(rel->columns[i].type));
    }
  }
}

/* Pre-aggregates the cuts read by one foldable query whose source no
 * other cut reads (the reader's partitions carry one operator's origins). */
static void choose_preaggregation(cut_t *cuts, int n_cuts) {
  for (int c = 0; c < n_cuts; c++) {
    bool alone = true;
    for (int d = 0; d < n_cuts; d++) alone = alone && (d == c || cuts[d].src != cuts[c].src);
    cuts[c].preaggregate = cuts[c].foldable && cuts[c].n_queries == 1 && alone;
  }
}

static void stage_text(sq_buf_t *out, const cut_t *c, const char *default_group, uint32_t partitions) {
  const sq_relation_t *src = c->src;
  const sq_ast_t *g = sq_relation_option(src, "group_id"), *origin_topic = sq_relation_option(src, "topic");
  const char *group = g && g->text ? g->text : default_group;
  char topic[600], keys[300] = "", count[32];
  snprintf(topic, sizeof topic, "%s.%s_by_", group, src->name);
  key_list(topic, sizeof topic - 16, c, "_");
  strcat(topic, ".repartition");
  key_list(keys, sizeof keys, c, ",");
  snprintf(count, sizeof count, "%u", partitions);
  sq_buf_puts(out, "CREATE SINK ");
  sq_put_ident(out, c->sink);
  sq_buf_puts(out, " WITH (connector = 'kafka', format = 'json'");
  put_option(out, "topic", topic);
  put_option(out, "key", keys);
  put_option(out, "repartition_of", origin_topic && origin_topic->text ? origin_topic->text : "");
  const sq_ast_t *other_topic = c->other ? sq_relation_option(c->other, "topic") : NULL;
  if (other_topic && other_topic->text && origin_topic && origin_topic->text) { /* a join's sides get one count, the wider */
    char both[600];
    snprintf(both, sizeof both, "%s,%s", origin_topic->text, other_topic->text);
    put_option(out, "repartition_inputs", both);
  }
  if (partitions) {
    sq_buf_puts(out, ", repartition_partitions = ");
    sq_buf_puts(out, count);
  }
  if (c->preaggregate) put_option(out, "preaggregate", c->name);
  sq_buf_puts(out, ");\nCREATE SOURCE ");
  sq_put_ident(out, c->name);
  sq_buf_puts(out, " (");
  columns(out, src, true);
  sq_buf_puts(out, ", " SQ_ORIGIN_PARTITION " BIGINT, " SQ_ORIGIN_OFFSET " BIGINT, " SQ_STAGE_ROWTIME " TIMESTAMP");
  if (c->preaggregate) sq_buf_puts(out, ", " SQ_ORIGIN_INDEX " BIGINT, " SQ_PARTIAL_WINDOW " TIMESTAMP, " SQ_PARTIAL_STATE " STRING");
  sq_buf_puts(out, ") WITH (connector = 'kafka', format = 'json', timestamp = '" SQ_STAGE_ROWTIME "', repartitioned = 'on'");
  put_option(out, "topic", topic);
  put_option(out, "partitioned_by", keys);
  put_option(out, "group_id", group);
  copy_option(out, src, "watermark_delay");
  copy_option(out, src, "idle_timeout");
  sq_buf_puts(out, ");\nINSERT INTO ");
  sq_put_ident(out, c->sink);
  sq_buf_puts(out, " SELECT ");
  columns(out, src, false);
  sq_buf_puts(out, ", _partition AS " SQ_ORIGIN_PARTITION ", _offset AS " SQ_ORIGIN_OFFSET ", ROWTIME AS " SQ_STAGE_ROWTIME);
  /* placeholders of the types stage 2 reads: the operator sets them */
  if (c->preaggregate) sq_buf_puts(out, ", 0 AS " SQ_ORIGIN_INDEX ", ROWTIME AS " SQ_PARTIAL_WINDOW ", '' AS " SQ_PARTIAL_STATE);
  sq_buf_puts(out, " FROM ");
  sq_put_ident(out, src->name);
  sq_buf_puts(out, ";\n");
}

/* Sets a cut source's partitioned_by aside (stage 1 reads it as any
 * unkeyed source), saying why in `notes`. */
static void drop_keyed(const cut_t *c, sq_buf_t *notes) {
  sq_ast_t *options = c->src->decl ? c->src->decl->b : NULL;
  for (uint32_t i = 0; options && i < options->n; i++) {
    if (strcmp(options->list[i]->name.text, "partitioned_by") != 0) continue;
    char keys[300] = "";
    key_list(keys, sizeof keys, c, ", ");
    sq_buf_puts(notes, "  partitioned_by of ");
    sq_buf_puts(notes, c->src->name);
    sq_buf_puts(notes, " set aside: its join with ");
    sq_buf_puts(notes, c->other->name);
    sq_buf_puts(notes, " (not partitioned_by) is not co-partitioned, so both sides are repartitioned by ");
    sq_buf_puts(notes, keys);
    sq_buf_puts(notes, " (a topic keyed by another producer need not be partitioned as streamq partitions)\n");
    sq_ast_destroy(options->list[i]);
    memmove(&options->list[i], &options->list[i + 1], (options->n - i - 1) * sizeof *options->list);
    options->n--;
    return;
  }
}

/* Points FROM at the stage-2 source, keeping the name the query used. */
static bool swap_from(sq_ast_t *from, const char *name) {
  char *to = strdup(name);
  if (!to) return false;
  if (!from->name2.text) from->name2 = from->name; /* the old name becomes the alias (its span too) */
  else free(from->name.text);
  from->name.text = to;
  return true;
}

/* Moves statements [from, from + n) of `stmts` into `script` after
 * statement `at`. */
static bool splice(sq_ast_t *script, uint32_t at, sq_ast_t *stmts, uint32_t from, uint32_t n) {
  sq_span_t span = script->span;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t before = script->n;
    sq_ast_t *stmt = stmts->list[from + i];
    stmts->list[from + i] = NULL; /* the script owns it, or append freed it */
    if (sq_ast_append(script, stmt)->n != before + 1) return false;
    uint32_t to = at + 1 + i;
    memmove(&script->list[to + 1], &script->list[to], (before - to) * sizeof *script->list);
    script->list[to] = stmt;
  }
  script->span = span; /* the generated text is not the file's */
  return true;
}

int sq_stages_cut(sq_ast_t *script, const sq_program_t *prog, const char *default_group, uint32_t partitions,
                  bool preaggregate, sq_stages_t *stages) {
  memset(stages, 0, sizeof *stages);
  int cap = 2 * (int)prog->n_queries, n_cuts = 0, n_swaps = 0, n_queries = 0;
  cut_t *cuts = calloc((size_t)cap + 1, sizeof *cuts);
  swap_t *swaps = calloc((size_t)cap + 1, sizeof *swaps);
  bool ok = cuts && swaps;
  for (size_t i = 0; ok && i < prog->n_queries; i++) {
    int n = plan_query(prog, &prog->queries[i], cuts, &n_cuts, cap, swaps + n_swaps);
    ok = n >= 0;
    n_swaps += n > 0 ? n : 0;
    n_queries += n > 0;
  }
  if (preaggregate) choose_preaggregation(cuts, n_cuts);
  sq_buf_t text = {0};
  for (int c = 0; ok && c < n_cuts; c++) stage_text(&text, &cuts[c], default_group, partitions);
  sq_buf_putc(&text, '\0');
  ok = ok && !text.failed && (n_cuts == 0 || (stages->sql = sq_sql_new("<stages>", text.data, text.len - 1)));
  stages->text = text.data;
  sq_ast_t *stmts = NULL;
  if (ok && n_cuts) {
    ok = (stages->diag = sq_diag_new(stages->sql)) && (stmts = sq_parse(stages->sql, stages->diag)) &&
         sq_diag_count(stages->diag) == 0 && stmts->n == 3 * (uint32_t)n_cuts;
  }
  for (int c = 0; ok && c < n_cuts; c++) { /* each stage's statements after its source's CREATE */
    uint32_t at = 0;
    while (at < script->n && script->list[at] != cuts[c].src->decl) at++;
    ok = at < script->n && splice(script, at, stmts, 3 * (uint32_t)c, 3);
  }
  sq_ast_destroy(stmts);
  for (int i = 0; ok && i < n_swaps; i++) ok = swap_from(swaps[i].from, cuts[swaps[i].cut].name);
  for (int c = 0; ok && c < n_cuts; c++)
    if (cuts[c].drop_keyed) drop_keyed(&cuts[c], &stages->notes);
  ok = ok && !stages->notes.failed;
  free(cuts);
  free(swaps);
  return ok ? n_queries : -1;
}

void sq_stages_free(sq_stages_t *stages) {
  sq_buf_free(&stages->notes);
  sq_sql_destroy(stages->sql);
  sq_diag_destroy(stages->diag);
  free(stages->text);
  memset(stages, 0, sizeof *stages);
}
