/* Constructors of the operators (one file each, engine/op_<name>.c). Each
 * returns NULL when memory runs out; the plan owns what they return and
 * frees it with op->cls->destroy. Expressions passed in are owned by the
 * new operator from then on. */
#ifndef SQ_OPS_H
#define SQ_OPS_H

#include "engine/expr.h"
#include "engine/op.h"
#include "engine/row_layout.h"
#include "engine/sink.h"
#include "engine/state.h"
#include "grammar/ast.h"

/* WHERE then SELECT list: `items` computed into rows of `out_width`
 * values; a stream's metadata columns (after the items) get ROWTIME set to
 * the row's event time and NULL otherwise. `where` may be NULL. Input
 * rows are laid out as `layout` says (joined rows hold several inputs). */
sq_op_t *sq_op_project_new(sq_exec_t *exec, const sq_row_layout_t *layout, sq_expr_t *where, sq_expr_t **items, uint32_t n_items, uint32_t out_width);
/* Passes each distinct row once (keeps every row seen in `state` under
 * operator id `id`). */
sq_op_t *sq_op_distinct_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, uint32_t width);
/* Passes the first `limit` rows. */
sq_op_t *sq_op_limit_new(sq_exec_t *exec, int64_t limit);
/* Writes rows of `schema` (borrowed) to `sink` (borrowed). */
sq_op_t *sq_op_sink_new(sq_exec_t *exec, sq_sink_t *sink, const sq_relation_t *schema);

#endif
