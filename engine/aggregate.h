/* Aggregate functions (LANGUAGE.md §3) as accumulators: a fixed-size
 * state in the group's payload, updated per row, merged when session
 * windows merge, and read as a value when the group is emitted. */
#ifndef SQ_AGGREGATE_H
#define SQ_AGGREGATE_H

#include <stddef.h>

#include "engine/arena.h"
#include "engine/codec.h"
#include "engine/functions.h"
#include "engine/value.h"
#include "grammar/ast.h"

typedef struct sq_agg_spec {
  sq_fn_t fn;
  sq_type_t arg_type;  /* of the first argument (COUNT(*): SQ_TYPE_NULL) */
  bool star, distinct;
  double fraction;     /* APPROX_PERCENTILE */
  int k;               /* TOPK */
} sq_agg_spec_t;

/* The spec of an analyzed aggregate call. */
sq_agg_spec_t sq_agg_spec(const sq_ast_t *call);
/* Bytes of state in the payload. */
size_t sq_agg_state_size(const sq_agg_spec_t *spec);
/* Adds a row's argument (ignored for COUNT(*)) at event time `ts`. False
 * when memory runs out. */
bool sq_agg_update(const sq_agg_spec_t *spec, void *state, sq_value_t arg, int64_t ts);
/* Folds `src` into `dst`; `src` must still be released by the caller. */
bool sq_agg_merge(const sq_agg_spec_t *spec, void *dst, const void *src);
/* The result; strings it makes live in `arena`. */
sq_value_t sq_agg_result(const sq_agg_spec_t *spec, const void *state, sq_arena_t *arena);
/* Appends the state to `out` / reads it into a zeroed state (which the
 * caller releases even on failure); false when the input is corrupt or
 * memory runs out. */
void sq_agg_encode(const sq_agg_spec_t *spec, const void *state, sq_buf_t *out);
bool sq_agg_decode(const sq_agg_spec_t *spec, void *state, sq_cursor_t *in);
/* Frees what the state holds outside the payload. */
void sq_agg_release(const sq_agg_spec_t *spec, void *state);

#endif
