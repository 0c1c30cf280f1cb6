/* SELECT DISTINCT on a stream: a row passes the first time it is seen.
 * State: one (empty) entry per distinct row, keyed by the encoded row, for
 * the life of the query. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/key_codec.h"
#include "engine/ops.h"

typedef struct sq_op_distinct {
  sq_op_t base;
  sq_state_t *state;
  sq_state_type_t type;
  sq_state_ns_t ns;
  sq_buf_t key;
  sq_batch_t out;
} sq_op_distinct_t;

static bool distinct_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_distinct_t *d = (sq_op_distinct_t *)op;
  d->out.n = 0;
  if (!sq_batch_reserve(&d->out, in->n)) return sq_exec_fail(op->exec, "out of memory in DISTINCT");
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *row = sq_batch_row(in, r);
    sq_buf_clear(&d->key);
    for (uint32_t i = 0; i < in->width; i++) sq_key_put_value(&d->key, row[i]);
    bool created;
    if (d->key.failed || !sq_state_get(d->state, &d->ns, d->key.data, d->key.len, true, &created))
      return sq_exec_fail(op->exec, "out of memory in DISTINCT");
    if (!created) continue;
    sq_value_t *o = sq_batch_row(&d->out, d->out.n);
    for (uint32_t i = 0; i < in->width; i++) o[i] = row[i];
    d->out.times[d->out.n] = in->times[r];
    d->out.wms[d->out.n++] = in->wms[r];
  }
  return sq_op_emit(op, &d->out);
}

static bool distinct_advance(sq_op_t *op, int64_t wm) { return sq_op_emit_watermark(op, wm); }

static void distinct_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_distinct_t *d = (const sq_op_distinct_t *)op;
  size_t keys, bytes;
  sq_state_usage(d->state, &d->ns, &keys, &bytes);
  char text[96];
  snprintf(text, sizeof text, "state: every distinct row: %zu keys, %zu bytes", keys, bytes);
  sq_buf_puts(out, text);
}

static void distinct_destroy(sq_op_t *op) {
  sq_op_distinct_t *d = (sq_op_distinct_t *)op;
  sq_buf_free(&d->key);
  sq_batch_free(&d->out);
  sq_op_release(op);
  free(d);
}

static const sq_op_class_t distinct_class = {"Distinct", distinct_push, distinct_advance, distinct_describe, distinct_destroy, NULL, NULL, true};

sq_op_t *sq_op_distinct_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, uint32_t width) {
  sq_op_distinct_t *d = calloc(1, sizeof *d);
  if (!d || !sq_batch_init(&d->out, width, 0)) {
    free(d);
    return NULL;
  }
  d->base.cls = &distinct_class;
  d->base.exec = exec;
  d->state = state;
  d->type = (sq_state_type_t){.size = 1};
  d->ns = (sq_state_ns_t){id, exec->state_base, &d->type};
  return &d->base;
}
