/* Growable buffer; capacity doubles so a steady stream of records settles
 * on one allocation. */
#include "engine/buf.h"

#include <stdlib.h>
#include <string.h>

bool sq_buf_reserve(sq_buf_t *b, size_t extra) {
  if (b->failed) return false;
  if (b->len + extra <= b->cap) return true;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap < b->len + extra) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void sq_buf_free(sq_buf_t *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void *sq_array_room(void *v, size_t n, size_t size) {
  if (n & (n - 1)) return v; /* not a power of two: below the capacity */
  return realloc(v, (n ? 2 * n : 1) * size);
}
