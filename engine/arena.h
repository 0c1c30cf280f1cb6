/* A bump allocator for short-lived bytes: strings computed while a batch
 * is processed. Reset once per batch, so the hot path never calls malloc
 * once the arena has grown to its working size. */
#ifndef SQ_ARENA_H
#define SQ_ARENA_H

#include <stddef.h>

typedef struct sq_arena_block sq_arena_block_t;

typedef struct sq_arena {
  sq_arena_block_t *blocks; /* newest first */
  char *cur, *end;
} sq_arena_t;

/* `len` bytes valid until the next reset; NULL when memory runs out. */
void *sq_arena_alloc(sq_arena_t *a, size_t len);
/* Forgets everything allocated, keeping the largest block for reuse. */
void sq_arena_reset(sq_arena_t *a);
void sq_arena_free(sq_arena_t *a);

#endif
