/* SELECT DISTINCT on a stream: a row passes the first time it is seen.
 * Every distinct row is remembered for the life of the query. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/group_table.h"
#include "engine/ops.h"

typedef struct sq_op_distinct {
  sq_op_t base;
  sq_group_table_t *seen;
  sq_batch_t out;
} sq_op_distinct_t;

static bool distinct_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_distinct_t *d = (sq_op_distinct_t *)op;
  d->out.n = 0;
  for (uint32_t r = 0; r < in->n; r++) {
    bool created;
    const sq_value_t *row = sq_batch_row(in, r);
    if (!sq_group_table_upsert(d->seen, row, &created)) return sq_exec_fail(op->exec, "out of memory in DISTINCT");
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
  char text[96];
  snprintf(text, sizeof text, "state: every distinct row (%zu so far)", sq_group_table_count(((const sq_op_distinct_t *)op)->seen));
  sq_buf_puts(out, text);
}

static void distinct_destroy(sq_op_t *op) {
  sq_op_distinct_t *d = (sq_op_distinct_t *)op;
  sq_group_table_destroy(d->seen);
  sq_batch_free(&d->out);
  sq_op_release(op);
  free(d);
}

static const sq_op_class_t distinct_class = {"Distinct", distinct_push, distinct_advance, distinct_describe, distinct_destroy};

sq_op_t *sq_op_distinct_new(sq_exec_t *exec, uint32_t width) {
  sq_op_distinct_t *d = calloc(1, sizeof *d);
  if (!d || !(d->seen = sq_group_table_new(width, 0)) || !sq_batch_init(&d->out, width, SQ_BATCH_ROWS)) {
    if (d) sq_group_table_destroy(d->seen);
    free(d);
    return NULL;
  }
  d->base.cls = &distinct_class;
  d->base.exec = exec;
  return &d->base;
}
