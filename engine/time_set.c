/* A sorted array: entries arrive mostly in order, and there are few. */
#include "engine/time_set.h"

#include <stdlib.h>
#include <string.h>

bool sq_time_set_add(sq_time_set_t *s, int64_t t) {
  uint32_t lo = 0, hi = s->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (s->v[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo < s->n && s->v[lo] == t) return true;
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 8;
    int64_t *v = realloc(s->v, cap * sizeof *v);
    if (!v) return false;
    s->v = v;
    s->cap = cap;
  }
  memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof *s->v);
  s->v[lo] = t;
  s->n++;
  return true;
}

void sq_time_set_drop_first(sq_time_set_t *s, uint32_t k) {
  if (k > s->n) k = s->n;
  if (k == 0) return; /* an empty set has no array to move within */
  memmove(s->v, s->v + k, (s->n - k) * sizeof *s->v);
  s->n -= k;
}

void sq_time_set_save(const sq_time_set_t *s, sq_buf_t *out) {
  sq_put_u64(out, s->n);
  for (uint32_t i = 0; i < s->n; i++) sq_put_i64(out, s->v[i]);
}

bool sq_time_set_load(sq_time_set_t *s, sq_cursor_t *in) {
  uint64_t n = sq_get_u64(in);
  for (uint64_t i = 0; i < n && !in->failed; i++)
    if (!sq_time_set_add(s, sq_get_i64(in))) return false;
  return !in->failed;
}

void sq_time_set_free(sq_time_set_t *s) {
  free(s->v);
  *s = (sq_time_set_t){0};
}
