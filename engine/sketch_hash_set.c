/* An open-addressing set of 64-bit hashes for COUNT(DISTINCT). Zero is the
 * empty-slot marker, so a zero hash is remembered in a flag. */
#include <stdlib.h>

#include "engine/sketches.h"

static bool grow(sq_hash_set_t *s) {
  uint32_t cap = s->cap ? s->cap * 2 : 16;
  uint64_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return false;
  for (uint32_t i = 0; i < s->cap; i++) {
    uint64_t h = s->slots[i];
    if (!h) continue;
    uint32_t j = (uint32_t)h & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = h;
  }
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
  return true;
}

int sq_hash_set_add(sq_hash_set_t *s, uint64_t h) {
  if (h == 0) {
    if (s->has_zero) return 0;
    s->has_zero = true;
    s->n++;
    return 1;
  }
  if ((s->n + 1) * 4 > s->cap * 3 && !grow(s)) return -1;
  uint32_t j = (uint32_t)h & (s->cap - 1);
  for (; s->slots[j]; j = (j + 1) & (s->cap - 1))
    if (s->slots[j] == h) return 0;
  s->slots[j] = h;
  s->n++;
  return 1;
}

bool sq_hash_set_merge(sq_hash_set_t *dst, const sq_hash_set_t *src) {
  if (src->has_zero && sq_hash_set_add(dst, 0) < 0) return false;
  for (uint32_t i = 0; i < src->cap; i++)
    if (src->slots[i] && sq_hash_set_add(dst, src->slots[i]) < 0) return false;
  return true;
}

void sq_hash_set_free(sq_hash_set_t *s) {
  free(s->slots);
  *s = (sq_hash_set_t){0};
}

void sq_hash_set_encode(const sq_hash_set_t *s, sq_buf_t *out) {
  sq_put_u64(out, s->n);
  if (s->has_zero) sq_put_u64(out, 0);
  for (uint32_t i = 0; i < s->cap; i++)
    if (s->slots[i]) sq_put_u64(out, s->slots[i]);
}

bool sq_hash_set_decode(sq_hash_set_t *s, sq_cursor_t *in) {
  uint64_t n = sq_get_u64(in);
  for (uint64_t i = 0; i < n && !in->failed; i++)
    if (sq_hash_set_add(s, sq_get_u64(in)) != 1) return false; /* a repeat means corruption */
  return !in->failed;
}
