/* The end of an INSERT: rows go to a sink, which is flushed when the input
 * ends (and, with checkpoints, at each checkpoint). Several queries may
 * write to one sink; it is flushed once, when the input of all of them has
 * ended. */
#include <stdlib.h>

#include "engine/ops.h"

typedef struct sq_op_sink {
  sq_op_t base;
  sq_sink_t *sink;
  const sq_relation_t *schema;
} sq_op_sink_t;

static bool sink_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_sink_t *s = (sq_op_sink_t *)op;
  char err[256];
  for (uint32_t r = 0; r < in->n; r++) {
    if (!s->sink->cls->write(s->sink, s->schema, sq_batch_row(in, r), err, sizeof err))
      return sq_exec_fail(op->exec, "sink '%s': %s", s->sink->name, err);
    s->sink->records_out++;
  }
  return true;
}

static bool sink_advance(sq_op_t *op, int64_t wm) {
  sq_op_sink_t *s = (sq_op_sink_t *)op;
  op->watermark = wm;
  char err[256];
  if (wm == SQ_WATERMARK_END && ++s->sink->ended >= s->sink->writers && !s->sink->cls->flush(s->sink, err, sizeof err))
    return sq_exec_fail(op->exec, "sink '%s': %s", s->sink->name, err);
  return true;
}

static void sink_describe(const sq_op_t *op, sq_buf_t *out) {
  sq_buf_puts(out, "to sink ");
  sq_buf_puts(out, ((const sq_op_sink_t *)op)->sink->name);
  sq_buf_puts(out, "; state: none");
}

static void sink_destroy(sq_op_t *op) {
  sq_op_release(op);
  free(op);
}

static const sq_op_class_t sink_class = {"Sink", sink_push, sink_advance, sink_describe, sink_destroy, NULL, NULL, false};

sq_op_t *sq_op_sink_new(sq_exec_t *exec, sq_sink_t *sink, const sq_relation_t *schema) {
  sq_op_sink_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base.cls = &sink_class;
  s->base.exec = exec;
  s->sink = sink;
  s->sink->writers++;
  s->schema = schema;
  return &s->base;
}
