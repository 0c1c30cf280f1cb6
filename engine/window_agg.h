/* The aggregation operators' constructors: windowed (tumbling, hopping)
 * or unwindowed GROUP BY, and session windows. */
#ifndef SQ_WINDOW_AGG_H
#define SQ_WINDOW_AGG_H

#include "engine/op.h"
#include "engine/row_layout.h"
#include "engine/state.h"
#include "engine/window_spec.h"

/* Tumbling, hopping or unwindowed GROUP BY over rows laid out as `layout`
 * says (one input, or a join's), keeping
 * its state in `state` (borrowed) under operator id `id`. */
sq_op_t *sq_op_window_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                              const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width);
/* Stage 2 of a pre-aggregated repartition (engine/preaggregate.h): a
 * row with a partial aggregate in column `partial_col` (hex accumulators)
 * is merged into the window starting at column `window_col`'s time. */
void sq_op_window_agg_partials(sq_op_t *op, int window_col, int partial_col);
/* Session windows, likewise. */
sq_op_t *sq_op_session_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                               const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width);

#endif
