/* Pieces every operator shares: output wiring, timing, fatal errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/op.h"
#include "engine/state.h"

bool sq_exec_fail(sq_exec_t *x, const char *fmt, ...) {
  if (!x->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->error, sizeof x->error, fmt, ap);
    va_end(ap);
    x->failed = true;
  }
  return false;
}

bool sq_op_connect(sq_op_t *op, sq_op_t *to) {
  sq_op_t **v = sq_array_room(op->outputs, op->n_outputs, sizeof *v);
  if (!v) return false;
  op->outputs = v;
  op->outputs[op->n_outputs++] = to;
  return true;
}

/* Time spent in pushes nested inside the one being timed: the engine runs
 * on one thread, so one accumulator serves the whole call chain. */
static double nested_seconds;

/* Runs one push or advance of `op`, charging it only its own time. */
static bool timed(sq_op_t *op, const sq_batch_t *b, int64_t wm) {
  double (*clock)(void) = op->exec->clock_seconds;
  if (!clock) return b ? op->cls->push(op, b) : op->cls->advance(op, wm);
  double start = clock(), outer = nested_seconds;
  nested_seconds = 0;
  bool ok = b ? op->cls->push(op, b) : op->cls->advance(op, wm);
  double total = clock() - start;
  op->busy += total - nested_seconds;
  nested_seconds = outer + total;
  return ok;
}

bool sq_op_push(sq_op_t *op, const sq_batch_t *b) {
  op->records += b->n;
  return timed(op, b, 0);
}

bool sq_op_advance(sq_op_t *op, int64_t wm) { return timed(op, NULL, wm); }

bool sq_op_emit(sq_op_t *op, const sq_batch_t *b) {
  if (b->n == 0) return true;
  for (uint32_t i = 0; i < op->n_outputs; i++)
    if (!sq_op_push(op->outputs[i], b)) return false;
  return true;
}

bool sq_op_emit_watermark(sq_op_t *op, int64_t wm) {
  op->watermark = wm;
  for (uint32_t i = 0; i < op->n_outputs; i++)
    if (!sq_op_advance(op->outputs[i], wm)) return false;
  return true;
}

void sq_op_state_usage(const sq_op_t *op, const sq_state_t *state, size_t *keys, size_t *bytes) {
  *keys = *bytes = 0;
  for (uint32_t p = 0; p < (op->state_partitions ? op->state_partitions : 1); p++) {
    size_t k, b;
    sq_state_usage(state, &(sq_state_ns_t){(uint32_t)op->id, op->exec->state_base + p, NULL}, &k, &b);
    *keys += k, *bytes += b;
  }
}

void sq_op_release(sq_op_t *op) {
  free(op->outputs);
  op->outputs = NULL;
  op->n_outputs = 0;
}
