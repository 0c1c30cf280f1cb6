/* The operator interface (docs/ARCHITECTURE.md §3). Operators form a DAG; a
 * source batch is pushed into the first operator of each query reading
 * it, and each operator pushes its own output batches to its outputs.
 * Watermarks travel the same way after the rows they follow. One operator
 * a file: engine/op_<name>.c. */
#ifndef SQ_OP_H
#define SQ_OP_H

#include <stdbool.h>

#include "engine/batch.h"
#include "engine/buf.h"
#include "engine/codec.h"
#include "engine/exec.h"

typedef struct sq_op sq_op_t;
struct sq_state;

typedef struct sq_op_class {
  const char *name;
  /* Consumes a batch; false after sq_exec_fail on a fatal error. */
  bool (*push)(sq_op_t *op, const sq_batch_t *in);
  /* The input's watermark moved to `wm` (SQ_WATERMARK_END at the end):
   * emit what it completes, then forward it. */
  bool (*advance)(sq_op_t *op, int64_t wm);
  /* EXPLAIN: keys, window, state kept; appended after the name. */
  void (*describe)(const sq_op_t *op, sq_buf_t *out);
  void (*destroy)(sq_op_t *op);
  /* Checkpoints: appends what the operator keeps outside the state store
   * (open windows, a row count) / reads it back when a pipeline restarts
   * from a checkpoint (false if it is corrupt). NULL: nothing to keep. */
  void (*save)(const sq_op_t *op, sq_buf_t *out);
  bool (*load)(sq_op_t *op, sq_cursor_t *in);
  /* It keeps state (here or in the store): a restart may only reuse it
   * for the same query. */
  bool keeps_state;
} sq_op_class_t;

struct sq_op {
  const sq_op_class_t *cls;
  int id;
  sq_exec_t *exec;
  sq_op_t **outputs;
  uint32_t n_outputs;
  const char *input_name; /* for EXPLAIN: what feeds this operator */
  const struct sq_ast *query; /* the SELECT it was planned from */
  uint64_t late;          /* rows it dropped as late */
  int64_t watermark;      /* the last watermark it passed on */
  uint64_t records;       /* rows pushed into it */
  double busy;            /* seconds spent in it, excluding its outputs */
  uint32_t state_partitions; /* its state namespaces are partitions 0 to this - 1 (0: just 0) */
};

/* Pushes a batch / a watermark into `op`, counting its rows and the time
 * spent in it (what its outputs take is theirs). Every push goes through
 * these. */
bool sq_op_push(sq_op_t *op, const sq_batch_t *b);
bool sq_op_advance(sq_op_t *op, int64_t wm);

/* Connects `op`'s output to `to`; false when memory runs out. */
bool sq_op_connect(sq_op_t *op, sq_op_t *to);
/* Pushes a batch / a watermark to every output. */
bool sq_op_emit(sq_op_t *op, const sq_batch_t *b);
bool sq_op_emit_watermark(sq_op_t *op, int64_t wm);
/* The state keys and bytes `op` holds in `state` (metrics, EXPLAIN). */
void sq_op_state_usage(const sq_op_t *op, const struct sq_state *state, size_t *keys, size_t *bytes);
/* Frees the output list; for use by each class's destroy. */
void sq_op_release(sq_op_t *op);

#endif
