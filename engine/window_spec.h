/* A query's window, as the operators need it: its kind, sizes in
 * milliseconds, grace and EMIT mode, taken from the analyzed SELECT. */
#ifndef SQ_WINDOW_SPEC_H
#define SQ_WINDOW_SPEC_H

#include <stddef.h>
#include <stdint.h>

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

#endif
