/* Filter and projection: the stateless part of every non-aggregating
 * query. The WHERE condition and the select list are compiled once; per
 * row they are evaluated into the output batch, whose strings point into
 * the input or the batch arena (valid until the source's next batch). */
#include <stdlib.h>

#include "engine/ops.h"

typedef struct sq_op_project {
  sq_op_t base;
  sq_row_layout_t layout;
  sq_expr_t *where;
  sq_expr_t **items;
  uint32_t n_items;
  sq_batch_t out;
} sq_op_project_t;

static bool project_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_project_t *p = (sq_op_project_t *)op;
  sq_eval_ctx_t ctx = {.arena = &op->exec->arena, .now_ms = op->exec->now_ms, .div_by_zero = &op->exec->div_by_zero};
  p->out.n = 0;
  if (!sq_batch_reserve(&p->out, in->n)) return sq_exec_fail(op->exec, "out of memory");
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *inputs[SQ_MAX_INPUTS];
    sq_row_bind(&p->layout, sq_batch_row(in, r), inputs);
    ctx.inputs = inputs;
    if (p->where && !sq_expr_true(p->where, &ctx)) continue;
    sq_value_t *o = sq_batch_row(&p->out, p->out.n);
    for (uint32_t i = 0; i < p->n_items; i++) o[i] = sq_expr_eval(p->items[i], &ctx);
    /* a derived stream's metadata columns: only ROWTIME is known */
    sq_set_null(o + p->n_items, p->out.width - p->n_items);
    if (p->out.width >= p->n_items + 6) o[p->n_items + 5] = sq_ts(in->times[r]);
    p->out.times[p->out.n] = in->times[r];
    p->out.wms[p->out.n++] = in->wms[r];
  }
  return sq_op_emit(op, &p->out);
}

static bool project_advance(sq_op_t *op, int64_t wm) { return sq_op_emit_watermark(op, wm); }

static void project_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_project_t *p = (const sq_op_project_t *)op;
  sq_buf_puts(out, p->where ? "filter + " : "");
  sq_buf_puts(out, "project; state: none");
}

static void project_destroy(sq_op_t *op) {
  sq_op_project_t *p = (sq_op_project_t *)op;
  sq_expr_destroy(p->where);
  for (uint32_t i = 0; i < p->n_items; i++) sq_expr_destroy(p->items[i]);
  free(p->items);
  sq_batch_free(&p->out);
  sq_op_release(op);
  free(p);
}

static const sq_op_class_t project_class = {"Project", project_push, project_advance, project_describe, project_destroy, NULL, NULL, false};

sq_op_t *sq_op_project_new(sq_exec_t *exec, const sq_row_layout_t *layout, sq_expr_t *where, sq_expr_t **items, uint32_t n_items, uint32_t out_width) {
  sq_op_project_t *p = calloc(1, sizeof *p);
  if (!p || !sq_batch_init(&p->out, out_width, 0)) {
    free(p);
    sq_expr_destroy(where);
    for (uint32_t i = 0; i < n_items; i++) sq_expr_destroy(items[i]);
    free(items);
    return NULL;
  }
  p->base.cls = &project_class;
  p->base.exec = exec;
  p->layout = *layout;
  p->where = where;
  p->items = items;
  p->n_items = n_items;
  return &p->base;
}
