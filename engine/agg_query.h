/* The compiled parts of an aggregating SELECT, shared by the window and
 * session operators: WHERE, the GROUP BY key, each aggregate's argument
 * and accumulator, and the HAVING and select list evaluated over the
 * group's key and results (slots) when a row is emitted. */
#ifndef SQ_AGG_QUERY_H
#define SQ_AGG_QUERY_H

#include "engine/aggregate.h"
#include "engine/expr.h"
#include "engine/row_layout.h"

typedef struct sq_agg_query {
  sq_row_layout_t layout; /* of the input rows */
  sq_expr_t *where;
  uint32_t n_keys;
  sq_expr_t **keys;
  uint32_t n_aggs;
  sq_expr_t **args;      /* NULL entry for COUNT(*) */
  sq_agg_spec_t *specs;
  size_t *offsets;       /* of each accumulator in the payload */
  size_t payload_size;
  sq_expr_t *having;
  uint32_t n_items;
  sq_expr_t **items;
  sq_value_t *slots;     /* scratch: keys then results */
} sq_agg_query_t;

/* Compiles an analyzed aggregating SELECT over rows laid out as `layout`
 * says; false when memory runs out. */
bool sq_agg_query_compile(sq_agg_query_t *q, const sq_ast_t *select, const sq_row_layout_t *layout);
void sq_agg_query_free(sq_agg_query_t *q);
/* Evaluates WHERE, the key and the arguments for one input row; false if
 * WHERE rejects it. */
bool sq_agg_query_read(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, sq_value_t *key, sq_value_t *args);
/* Only the key (a stage-1 partial aggregate: WHERE was applied to its rows). */
void sq_agg_query_read_key(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, sq_value_t *key);
bool sq_agg_query_update(const sq_agg_query_t *q, void *payload, const sq_value_t *args, int64_t ts);
bool sq_agg_query_merge(const sq_agg_query_t *q, void *dst, const void *src);
void sq_agg_query_release(const sq_agg_query_t *q, void *payload);
/* A payload's accumulators to bytes and back (see sq_agg_encode). */
void sq_agg_query_encode(const sq_agg_query_t *q, const void *payload, sq_buf_t *out);
bool sq_agg_query_decode(const sq_agg_query_t *q, void *payload, sq_cursor_t *in);
/* The output row of a group into `out` (n_items values, then NULL up to
 * `width`); false if HAVING rejects it. */
bool sq_agg_query_output(const sq_agg_query_t *q, sq_eval_ctx_t *ctx, const sq_value_t *key, const void *payload,
                         sq_value_t *out, uint32_t width);

#endif
