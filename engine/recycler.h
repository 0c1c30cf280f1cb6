/* Memory blocks kept for reuse by size (a class per 16 bytes), so that
 * structures that create and delete a block per key (the state store's
 * entries under a join's expiry or a closing window) skip malloc and
 * free, which cost as much as the rest of such an operation. At most
 * SQ_RECYCLE_BYTES are kept; under AddressSanitizer a kept block is
 * poisoned, so a use after it was given back is still reported. */
#ifndef SQ_RECYCLER_H
#define SQ_RECYCLER_H

#include <stddef.h>

#define SQ_RECYCLE_CLASSES 64 /* blocks of up to 1 KiB */
#define SQ_RECYCLE_BYTES (1u << 20)

typedef struct sq_recycler {
  void *kept[SQ_RECYCLE_CLASSES]; /* by class, each block's first word links the next */
  size_t bytes;
} sq_recycler_t;

/* The size a block of `n` bytes is allocated with: a multiple of 16. */
static inline size_t sq_recycle_size(size_t n) { return (n + 15) & ~(size_t)15; }
/* A block of `size` bytes (from sq_recycle_size) kept earlier, its
 * contents undefined; NULL when none is kept. */
void *sq_recycle_take(sq_recycler_t *r, size_t size);
/* Keeps `p` (allocated with malloc, `size` from sq_recycle_size) for
 * reuse, or frees it when its class is too big or enough is kept. */
void sq_recycle_give(sq_recycler_t *r, void *p, size_t size);
/* Frees every kept block. */
void sq_recycler_free(sq_recycler_t *r);

#endif
