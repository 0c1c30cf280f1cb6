/* What an expression can see while it is analyzed: the query's inputs
 * (FROM and JOIN relations with their aliases), whether the query is
 * windowed, and whether aggregates are allowed where it stands. Shared by
 * analyze.c (clauses) and analyze_expr.c (expressions). */
#ifndef SQ_ANALYZE_SCOPE_H
#define SQ_ANALYZE_SCOPE_H

#include "engine/catalog.h"
#include "engine/row_layout.h"
#include "grammar/diag.h"


/* Column references to WINDOW_START / WINDOW_END resolve to input -1. */
#define SQ_REF_WINDOW -1
enum { SQ_WINDOW_START_COLUMN, SQ_WINDOW_END_COLUMN };

typedef struct sq_input {
  const char *alias; /* the alias, or the relation's name */
  const sq_relation_t *rel;
} sq_input_t;

typedef struct sq_scope {
  sq_diag_t *diag;
  sq_input_t inputs[SQ_MAX_INPUTS];
  size_t n_inputs;
  bool windowed;
  const char *no_aggregates;       /* clause forbidding aggregates ("WHERE"), or NULL */
  bool in_aggregate;               /* inside an aggregate's arguments */
  const sq_ast_t *first_aggregate; /* the first aggregate call seen */
} sq_scope_t;

/* Resolves names and infers types in `e` and below, filling each node's
 * `type` (and `ref`/`ref2` of columns and calls); reports every error.
 * Returns e's type, SQ_TYPE_ERROR when it is wrong. */
sq_type_t sq_analyze_expr(sq_scope_t *scope, sq_ast_t *e);
/* Analyzes a condition (WHERE, HAVING, ON): its type must be BOOLEAN. */
void sq_analyze_condition(sq_scope_t *scope, sq_ast_t *e, const char *clause);
/* Whether two analyzed expressions are the same computation. */
bool sq_ast_equal(const sq_ast_t *a, const sq_ast_t *b);
/* Whether an analyzed call node is an aggregate. */
bool sq_ast_is_aggregate(const sq_ast_t *e);
/* Whether an analyzed node is WINDOW_START or WINDOW_END. In GROUP BY it
 * names the window the rows are grouped by anyway (as Flink users write
 * `GROUP BY window_start, window_end, k`): it is not part of the key. */
bool sq_ast_is_window_column(const sq_ast_t *e);

#endif
