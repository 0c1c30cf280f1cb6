/* LIMIT n: the first n rows pass, the rest are dropped. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/ops.h"

typedef struct sq_op_limit {
  sq_op_t base;
  int64_t limit, passed;
  sq_batch_t view; /* a prefix of the input batch, not a copy */
} sq_op_limit_t;

static bool limit_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_limit_t *l = (sq_op_limit_t *)op;
  if (l->passed >= l->limit) return true;
  sq_batch_t view = *in;
  if ((int64_t)view.n > l->limit - l->passed) view.n = (uint32_t)(l->limit - l->passed);
  l->passed += view.n;
  return sq_op_emit(op, &view);
}

static bool limit_advance(sq_op_t *op, int64_t wm) { return sq_op_emit_watermark(op, wm); }

static void limit_describe(const sq_op_t *op, sq_buf_t *out) {
  char text[64];
  snprintf(text, sizeof text, "first %" PRId64 " rows; state: a row count", ((const sq_op_limit_t *)op)->limit);
  sq_buf_puts(out, text);
}

static void limit_destroy(sq_op_t *op) {
  sq_op_release(op);
  free(op);
}

static void limit_save(const sq_op_t *op, sq_buf_t *out) { sq_put_i64(out, ((const sq_op_limit_t *)op)->passed); }

static bool limit_load(sq_op_t *op, sq_cursor_t *in) {
  ((sq_op_limit_t *)op)->passed = sq_get_i64(in);
  return !in->failed;
}

static const sq_op_class_t limit_class = {"Limit", limit_push, limit_advance, limit_describe, limit_destroy, limit_save, limit_load, true};

sq_op_t *sq_op_limit_new(sq_exec_t *exec, int64_t limit) {
  sq_op_limit_t *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->base.cls = &limit_class;
  l->base.exec = exec;
  l->limit = limit;
  return &l->base;
}
