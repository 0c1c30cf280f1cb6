/* Blocks kept for reuse by size (recycler.h). */
#include "engine/recycler.h"

#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SQ_ASAN)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

void *sq_recycle_take(sq_recycler_t *r, size_t size) {
  size_t class = size / 16 - 1;
  void *p = class < SQ_RECYCLE_CLASSES ? r->kept[class] : NULL;
  if (!p) return NULL;
  ASAN_UNPOISON_MEMORY_REGION(p, size);
  r->kept[class] = *(void **)p;
  r->bytes -= size;
  return p;
}

void sq_recycle_give(sq_recycler_t *r, void *p, size_t size) {
  size_t class = size / 16 - 1;
  if (class >= SQ_RECYCLE_CLASSES || r->bytes + size > SQ_RECYCLE_BYTES) {
    free(p);
    return;
  }
  *(void **)p = r->kept[class];
  r->kept[class] = p;
  r->bytes += size;
  ASAN_POISON_MEMORY_REGION(p, size);
}

void sq_recycler_free(sq_recycler_t *r) {
  for (size_t c = 0; c < SQ_RECYCLE_CLASSES; c++)
    while (r->kept[c]) free(sq_recycle_take(r, (c + 1) * 16));
}
