/* Scalar function and CAST implementations, used by the evaluator. */
#ifndef SQ_SCALAR_H
#define SQ_SCALAR_H

#include "engine/expr.h"

/* Calls function `id` (engine/functions.c) on evaluated arguments. */
sq_value_t sq_scalar_call(int id, const sq_value_t *args, uint32_t n, sq_eval_ctx_t *ctx);
sq_value_t sq_cast(sq_value_t v, sq_type_t to, sq_arena_t *arena);
/* SQL LIKE with % and _ wildcards. */
bool sq_like(const char *s, uint32_t slen, const char *p, uint32_t plen);
/* EXTRACT(field FROM ts); NULL for an unknown field. */
sq_value_t sq_extract(const char *field, int64_t ms);
/* 'YYYY-MM-DD HH:MM:SS.fff' in UTC; returns its length (23). */
int sq_format_timestamp(int64_t ms, char *buf, size_t size);

#endif
