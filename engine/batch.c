/* Batches: allocation up front, or grown as rows come. */
#include "engine/batch.h"

#include <stdlib.h>

bool sq_batch_init(sq_batch_t *b, uint32_t width, uint32_t cap) {
  b->n = 0;
  b->width = width;
  b->cap = cap;
  b->rows = NULL;
  b->times = b->wms = NULL;
  if (cap == 0) return true; /* grown by sq_batch_reserve */
  b->rows = calloc((size_t)cap * (width ? width : 1), sizeof *b->rows);
  b->times = calloc(cap, sizeof *b->times);
  b->wms = calloc(cap, sizeof *b->wms);
  if (b->rows && b->times && b->wms) return true;
  sq_batch_free(b);
  return false;
}

bool sq_batch_reserve(sq_batch_t *b, uint32_t rows) {
  if (rows <= b->cap) return true;
  uint32_t cap = b->cap * 2 > rows ? b->cap * 2 : rows;
  sq_value_t *v = realloc(b->rows, (size_t)cap * (b->width ? b->width : 1) * sizeof *v);
  if (v) b->rows = v;
  int64_t *t = v ? realloc(b->times, cap * sizeof *t) : NULL;
  if (t) b->times = t;
  int64_t *w = t ? realloc(b->wms, cap * sizeof *w) : NULL;
  if (!w) return false;
  b->wms = w;
  b->cap = cap;
  return true;
}

void sq_batch_free(sq_batch_t *b) {
  free(b->rows);
  free(b->times);
  free(b->wms);
  b->rows = NULL;
  b->times = NULL;
  b->wms = NULL;
  b->n = b->cap = 0;
}
