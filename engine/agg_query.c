/* Compiling an aggregating SELECT: aggregate calls are collected from the
 * select list and HAVING (each distinct call once), and those expressions
 * are compiled against slots so that `SUM(x) / COUNT(*)` reads two
 * finished results and `UPPER(k)` reads the grouped value. */
#include "engine/agg_query.h"

#include <stdlib.h>
#include <string.h>

#include "engine/analyze_scope.h"

/* Appends the distinct aggregate calls under `e` to `calls`. */
static bool collect_aggregates(const sq_ast_t *e, const sq_ast_t ***calls, uint32_t *n) {
  if (!e) return true;
  if (e->kind != SQ_AST_LIST && sq_ast_is_aggregate(e)) {
    for (uint32_t i = 0; i < *n; i++)
      if (sq_ast_equal((*calls)[i], e)) return true;
    const sq_ast_t **v = realloc(*calls, (*n + 1) * sizeof *v);
    if (!v) return false;
    v[(*n)++] = e;
    *calls = v;
    return true;
  }
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e};
  for (size_t i = 0; i < 5; i++)
    if (!collect_aggregates(kids[i], calls, n)) return false;
  for (uint32_t i = 0; i < e->n; i++)
    if (!collect_aggregates(e->list[i], calls, n)) return false;
  return true;
}

bool sq_agg_query_compile(sq_agg_query_t *q, const sq_ast_t *select, const sq_row_layout_t *layout) {
  const sq_ast_select_t *s = select->select;
  *q = (sq_agg_query_t){.layout = *layout};
  const sq_ast_t **calls = NULL;
  uint32_t n_calls = 0;
  bool ok = collect_aggregates(s->items, &calls, &n_calls) && collect_aggregates(s->having, &calls, &n_calls);
  for (uint32_t i = 0; s->group_by && i < s->group_by->n; i++) q->n_keys += !sq_ast_is_window_column(s->group_by->list[i]);
  q->n_aggs = n_calls;
  q->n_items = s->items->n;
  uint32_t n_slots = q->n_keys + q->n_aggs;
  const sq_ast_t **slot_exprs = calloc(n_slots ? n_slots : 1, sizeof *slot_exprs);
  q->keys = calloc(q->n_keys ? q->n_keys : 1, sizeof *q->keys);
  q->args = calloc(n_calls ? n_calls : 1, sizeof *q->args);
  q->specs = calloc(n_calls ? n_calls : 1, sizeof *q->specs);
  q->offsets = calloc(n_calls ? n_calls : 1, sizeof *q->offsets);
  q->items = calloc(q->n_items, sizeof *q->items);
  q->slots = calloc(n_slots ? n_slots : 1, sizeof *q->slots);
  ok = ok && slot_exprs && q->keys && q->args && q->specs && q->offsets && q->items && q->slots;
  if (ok && s->where) ok = (q->where = sq_expr_compile(s->where, NULL)) != NULL;
  /* the window's own columns are read from the window when a row is emitted */
  for (uint32_t i = 0, k = 0; ok && s->group_by && i < s->group_by->n; i++) {
    if (sq_ast_is_window_column(s->group_by->list[i])) continue;
    slot_exprs[k] = s->group_by->list[i];
    ok = (q->keys[k++] = sq_expr_compile(s->group_by->list[i], NULL)) != NULL;
  }
  for (uint32_t i = 0; ok && i < n_calls; i++) {
    slot_exprs[q->n_keys + i] = calls[i];
    q->specs[i] = sq_agg_spec(calls[i]);
    q->offsets[i] = q->payload_size;
    q->payload_size += (sq_agg_state_size(&q->specs[i]) + 7) & ~(size_t)7;
    if (!q->specs[i].star) ok = (q->args[i] = sq_expr_compile(calls[i]->b->list[0], NULL)) != NULL;
  }
  sq_slot_map_t map = {slot_exprs, (int)n_slots};
  if (ok && s->having) ok = (q->having = sq_expr_compile(s->having, &map)) != NULL;
  for (uint32_t i = 0; ok && i < q->n_items; i++) ok = (q->items[i] = sq_expr_compile(s->items->list[i]->a, &map)) != NULL;
  free(slot_exprs);
  free(calls);
  if (!ok) sq_agg_query_free(q);
  return ok;
}

void sq_agg_query_free(sq_agg_query_t *q) {
  sq_expr_destroy(q->where);
  sq_expr_destroy(q->having);
  for (uint32_t i = 0; q->keys && i < q->n_keys; i++) sq_expr_destroy(q->keys[i]);
  for (uint32_t i = 0; q->args && i < q->n_aggs; i++) sq_expr_destroy(q->args[i]);
  for (uint32_t i = 0; q->items && i < q->n_items; i++) sq_expr_destroy(q->items[i]);
  free(q->keys);
  free(q->args);
  free(q->specs);
  free(q->offsets);
  free(q->items);
  free(q->slots);
  *q = (sq_agg_query_t){0};
}

void sq_agg_query_read_key(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, sq_value_t *key) {
  for (uint32_t i = 0; i < q->n_keys; i++) key[i] = sq_expr_eval(q->keys[i], ctx);
}

bool sq_agg_query_read(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, sq_value_t *key, sq_value_t *args) {
  if (q->where && !sq_expr_true(q->where, ctx)) return false;
  sq_agg_query_read_key(q, ctx, key);
  for (uint32_t i = 0; i < q->n_aggs; i++) args[i] = q->args[i] ? sq_expr_eval(q->args[i], ctx) : sq_null();
  return true;
}

bool sq_agg_query_update(const sq_agg_query_t *q, void *payload, const sq_value_t *args, int64_t ts) {
  for (uint32_t i = 0; i < q->n_aggs; i++)
    if (!sq_agg_update(&q->specs[i], (char *)payload + q->offsets[i], args[i], ts)) return false;
  return true;
}

bool sq_agg_query_merge(const sq_agg_query_t *q, void *dst, const void *src) {
  for (uint32_t i = 0; i < q->n_aggs; i++)
    if (!sq_agg_merge(&q->specs[i], (char *)dst + q->offsets[i], (const char *)src + q->offsets[i])) return false;
  return true;
}

void sq_agg_query_release(const sq_agg_query_t *q, void *payload) {
  for (uint32_t i = 0; i < q->n_aggs; i++) sq_agg_release(&q->specs[i], (char *)payload + q->offsets[i]);
}

void sq_agg_query_encode(const sq_agg_query_t *q, const void *payload, sq_buf_t *out) {
  for (uint32_t i = 0; i < q->n_aggs; i++) sq_agg_encode(&q->specs[i], (const char *)payload + q->offsets[i], out);
}

bool sq_agg_query_decode(const sq_agg_query_t *q, void *payload, sq_cursor_t *in) {
  for (uint32_t i = 0; i < q->n_aggs; i++)
    if (!sq_agg_decode(&q->specs[i], (char *)payload + q->offsets[i], in)) return false;
  return true;
}

bool sq_agg_query_output(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, const sq_value_t *key, const void *payload,
                         sq_value_t *out, uint32_t width) {
  for (uint32_t i = 0; i < q->n_keys; i++) q->slots[i] = key[i];
  for (uint32_t i = 0; i < q->n_aggs; i++) {
    sq_value_t v = sq_agg_result(&q->specs[i], (const char *)payload + q->offsets[i], ctx->arena);
    /* a string an accumulator holds (MIN, EARLIEST) may change or be freed
     * before this row is written: the row gets its own copy */
    if (v.type == SQ_TYPE_STRING && v.u.s.len) {
      char *copy = sq_arena_alloc(ctx->arena, v.u.s.len);
      if (!copy) return false;
      memcpy(copy, v.u.s.p, v.u.s.len);
      v.u.s.p = copy;
    }
    q->slots[q->n_keys + i] = v;
  }
  ctx->slots = q->slots;
  if (q->having && !sq_expr_true(q->having, ctx)) return false;
  for (uint32_t i = 0; i < q->n_items; i++) out[i] = sq_expr_eval(q->items[i], ctx);
  sq_set_null(out + q->n_items, width - q->n_items);
  return true;
}
