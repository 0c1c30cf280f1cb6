/* A batch of rows flowing between operators: up to SQ_BATCH_ROWS rows of
 * `width` values each, plus each row's event time. Batches are owned by
 * whoever filled them and only lent to the next operator during a push. */
#ifndef SQ_BATCH_H
#define SQ_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/value.h"

#define SQ_BATCH_ROWS 1024
/* Where an operator's output batch starts: it grows with its output, so a
 * pipeline of thousands of queries over little data stays small. */
#define SQ_BATCH_FIRST_ROWS 16

typedef struct sq_batch {
  uint32_t n, width, cap;
  sq_value_t *rows; /* n * width values */
  int64_t *times;   /* event time of each row, epoch ms */
  int64_t *wms;     /* the source's watermark when the row arrived: lateness
                     * is judged per row, so results do not depend on where
                     * batches happen to split */
} sq_batch_t;

static inline sq_value_t *sq_batch_row(const sq_batch_t *b, uint32_t i) { return b->rows + (size_t)i * b->width; }

/* Allocates room for `cap` rows of `width` values; false when out of memory. */
bool sq_batch_init(sq_batch_t *b, uint32_t width, uint32_t cap);
/* Makes room for at least `rows` rows, keeping those there; false when out
 * of memory. A batch may start empty (cap 0) and grow to what its input
 * needs, so that thousands of queries over small inputs cost little. */
bool sq_batch_reserve(sq_batch_t *b, uint32_t rows);
/* Whether the batch has room for one more row, growing it (up to
 * SQ_BATCH_ROWS) if it started smaller; false: it is full, flush it. */
static inline bool sq_batch_has_room(sq_batch_t *b) {
  return b->n < b->cap || (b->cap < SQ_BATCH_ROWS && sq_batch_reserve(b, b->n + 1));
}
void sq_batch_free(sq_batch_t *b);

#endif
