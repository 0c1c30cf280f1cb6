/* Space-Saving (Metwally et al. 2005): a fixed set of counters; a value
 * without a counter takes over the smallest one and inherits its count.
 * Counters are found by a linear scan: tables are small (10k) and TOPK's
 * k is small in practice. */
#include <stdlib.h>
#include <string.h>

#include "engine/sketches.h"
#include "engine/value_text.h"

typedef struct counter {
  sq_value_t v;
  char *buf; /* owned string bytes */
  int64_t count;
} counter_t;

struct sq_topk {
  int k, n, cap;
  counter_t *c;
};

sq_topk_t *sq_topk_new(int k) {
  sq_topk_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->k = k;
  t->cap = k * 10 > 64 ? k * 10 : 64;
  if (!(t->c = calloc((size_t)t->cap, sizeof *t->c))) {
    free(t);
    return NULL;
  }
  return t;
}

void sq_topk_free(sq_topk_t *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++) free(t->c[i].buf);
  free(t->c);
  free(t);
}

static bool set_value(counter_t *c, sq_value_t v) {
  free(c->buf);
  c->buf = NULL;
  if (v.type == SQ_TYPE_STRING) {
    if (!(c->buf = malloc(v.u.s.len ? v.u.s.len : 1))) return false;
    memcpy(c->buf, v.u.s.p, v.u.s.len);
    v.u.s.p = c->buf;
  }
  c->v = v;
  return true;
}

bool sq_topk_add(sq_topk_t *t, sq_value_t v, int64_t count) {
  for (int i = 0; i < t->n; i++) {
    if (sq_value_same(t->c[i].v, v)) {
      t->c[i].count += count;
      return true;
    }
  }
  if (t->n < t->cap) {
    counter_t *c = &t->c[t->n];
    c->count = count;
    if (!set_value(c, v)) return false;
    t->n++;
    return true;
  }
  int min = 0;
  for (int i = 1; i < t->n; i++)
    if (t->c[i].count < t->c[min].count) min = i;
  t->c[min].count += count;
  return set_value(&t->c[min], v);
}

bool sq_topk_merge(sq_topk_t *dst, const sq_topk_t *src) {
  for (int i = 0; i < src->n; i++)
    if (!sq_topk_add(dst, src->c[i].v, src->c[i].count)) return false;
  return true;
}

static int by_count_then_value(const void *a, const void *b) {
  const counter_t *x = *(counter_t *const *)a, *y = *(counter_t *const *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return sq_value_compare(x->v, y->v);
}

sq_value_t sq_topk_json(const sq_topk_t *t, sq_arena_t *arena) {
  const counter_t **order = malloc((size_t)(t->n ? t->n : 1) * sizeof *order);
  if (!order) return sq_null();
  for (int i = 0; i < t->n; i++) order[i] = &t->c[i];
  qsort(order, (size_t)t->n, sizeof *order, by_count_then_value);
  sq_buf_t out = {0};
  sq_buf_putc(&out, '[');
  for (int i = 0; i < t->n && i < t->k; i++) {
    if (i) sq_buf_putc(&out, ',');
    sq_encode_value(&out, order[i]->v, true);
  }
  sq_buf_putc(&out, ']');
  free(order);
  sq_value_t result = sq_null();
  char *p = out.failed ? NULL : sq_arena_alloc(arena, out.len);
  if (p) {
    memcpy(p, out.data, out.len);
    result = sq_str(p, (uint32_t)out.len);
  }
  sq_buf_free(&out);
  return result;
}

/* Counters keep their order: which one a new value takes over depends on it. */
void sq_topk_encode(const sq_topk_t *t, sq_buf_t *out) {
  sq_put_u64(out, (uint64_t)t->k);
  sq_put_u64(out, (uint64_t)t->n);
  for (int i = 0; i < t->n; i++) {
    sq_put_value(out, t->c[i].v);
    sq_put_i64(out, t->c[i].count);
  }
}

sq_topk_t *sq_topk_decode(sq_cursor_t *in) {
  uint64_t k = sq_get_u64(in), n = sq_get_u64(in);
  sq_topk_t *t = k >= 1 && k <= 1000000 ? sq_topk_new((int)k) : NULL;
  bool ok = t && n <= (uint64_t)t->cap;
  for (uint64_t i = 0; ok && i < n; i++) {
    counter_t *c = &t->c[t->n];
    sq_value_t v = sq_get_value(in);
    c->count = sq_get_i64(in);
    ok = !in->failed && set_value(c, v);
    if (ok) t->n++;
  }
  if (ok && !in->failed) return t;
  sq_topk_free(t);
  return NULL;
}
