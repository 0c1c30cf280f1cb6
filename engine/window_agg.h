/* Window specifications and the aggregation operators' constructors. */
#ifndef SQ_WINDOW_AGG_H
#define SQ_WINDOW_AGG_H

#include "engine/op.h"
#include "engine/row_layout.h"
#include "engine/state.h"
#include "grammar/ast.h"

typedef struct sq_window_spec {
  sq_window_kind_t kind;
  int64_t size, advance, gap, grace; /* milliseconds */
  sq_emit_t emit;                    /* FINAL or CHANGES (DEFAULT resolved) */
} sq_window_spec_t;

/* The window of an analyzed SELECT (kind NONE without a WINDOW clause),
 * with EMIT's default resolved: FINAL for windows, CHANGES otherwise. */
sq_window_spec_t sq_window_spec(const sq_ast_select_t *s);
/* EXPLAIN text: "tumbling 10s, grace 0s, emit final, 1 key, 2 aggregates". */
void sq_window_describe(const sq_window_spec_t *w, uint32_t n_keys, uint32_t n_aggs, char *buf, size_t size);

/* Tumbling, hopping or unwindowed GROUP BY over rows laid out as `layout`
 * says (one input, or a join's), keeping
 * its state in `state` (borrowed) under operator id `id`. */
sq_op_t *sq_op_window_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                              const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width);
/* Session windows, likewise. */
sq_op_t *sq_op_session_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                               const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width);

#endif
