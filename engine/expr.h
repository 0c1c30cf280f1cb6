/* Compiled expressions. An analyzed AST expression is compiled once per
 * query into a small tree of sq_expr_t whose evaluation allocates nothing
 * but arena bytes for computed strings. SQL three-valued logic throughout:
 * NULL in, NULL out, except where the operator says otherwise (AND, OR,
 * IS NULL, COALESCE, CASE). */
#ifndef SQ_EXPR_H
#define SQ_EXPR_H

#include <stdint.h>

#include "engine/arena.h"
#include "engine/value.h"
#include "grammar/ast.h"

typedef struct sq_expr sq_expr_t;

/* What an expression reads while it is evaluated. */
typedef struct sq_eval_ctx {
  const sq_value_t *const *inputs; /* row of each input, by the scope's input index */
  const sq_value_t *slots;         /* post-aggregation: group values then aggregate results */
  int64_t window_start, window_end;
  int64_t now_ms;                  /* NOW(), fixed for a batch */
  sq_arena_t *arena;               /* computed strings */
  uint64_t *div_by_zero;           /* counted, the result is NULL */
} sq_eval_ctx_t;

/* Expressions that become slots after aggregation: a GROUP BY expression
 * or an aggregate call matching `exprs[i]` compiles to slot i. */
typedef struct sq_slot_map {
  const sq_ast_t *const *exprs;
  int n;
} sq_slot_map_t;

/* Compiles an analyzed expression; `slots` may be NULL. Returns NULL when
 * memory runs out. Free with sq_expr_destroy. */
sq_expr_t *sq_expr_compile(const sq_ast_t *e, const sq_slot_map_t *slots);
/* A reference to column `column` of input `input` (for expanded *). */
sq_expr_t *sq_expr_column(int input, int column, sq_type_t type);
void sq_expr_destroy(sq_expr_t *x);
sq_value_t sq_expr_eval(const sq_expr_t *x, sq_eval_ctx_t *ctx);
sq_type_t sq_expr_type(const sq_expr_t *x);
/* A condition (WHERE, HAVING, ON) holds: TRUE, not FALSE or NULL. */
bool sq_expr_true(const sq_expr_t *x, sq_eval_ctx_t *ctx);

#endif
