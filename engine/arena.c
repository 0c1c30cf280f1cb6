/* Arena blocks double in size; reset keeps only the newest (largest) one,
 * so a steady workload settles on a single block. */
#include "engine/arena.h"

#include <stdlib.h>

struct sq_arena_block {
  sq_arena_block_t *next;
  size_t size;
  char data[];
};

void *sq_arena_alloc(sq_arena_t *a, size_t len) {
  len = (len + 7) & ~(size_t)7;
  if ((size_t)(a->end - a->cur) < len) {
    size_t size = a->blocks ? a->blocks->size * 2 : 4096;
    while (size < len) size *= 2;
    sq_arena_block_t *b = malloc(sizeof *b + size);
    if (!b) return NULL;
    b->next = a->blocks;
    b->size = size;
    a->blocks = b;
    a->cur = b->data;
    a->end = b->data + size;
  }
  void *p = a->cur;
  a->cur += len;
  return p;
}

void sq_arena_reset(sq_arena_t *a) {
  if (!a->blocks) return;
  sq_arena_block_t *keep = a->blocks, *b = keep->next;
  while (b) {
    sq_arena_block_t *next = b->next;
    free(b);
    b = next;
  }
  keep->next = NULL;
  a->cur = keep->data;
  a->end = keep->data + keep->size;
}

void sq_arena_free(sq_arena_t *a) {
  sq_arena_reset(a);
  free(a->blocks);
  a->blocks = NULL;
  a->cur = a->end = NULL;
}
