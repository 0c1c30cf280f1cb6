/* Where each input's columns sit in a row. A joined row holds its inputs'
 * rows side by side, in FROM order, so an expression over input i reads
 * its columns from offsets[i]; a row of one input has the one offset 0.
 * Operators bind a row's inputs once per row and evaluate over them. */
#ifndef SQ_ROW_LAYOUT_H
#define SQ_ROW_LAYOUT_H

#include <stdint.h>

#include "engine/value.h"

#define SQ_MAX_INPUTS 16

typedef struct sq_row_layout {
  uint32_t n;
  uint32_t offsets[SQ_MAX_INPUTS];
} sq_row_layout_t;

/* The layout of a row of one input. */
static inline sq_row_layout_t sq_row_layout_single(void) { return (sq_row_layout_t){.n = 1}; }

/* Points inputs[i] at input i's columns within `row`. */
static inline void sq_row_bind(const sq_row_layout_t *l, const sq_value_t *row, const sq_value_t **inputs) {
  for (uint32_t i = 0; i < l->n; i++) inputs[i] = row + l->offsets[i];
}

#endif
