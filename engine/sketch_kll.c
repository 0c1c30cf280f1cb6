/* A KLL-style quantile sketch (Karnin, Lang, Liberty 2016), simplified:
 * every level holds up to K items of weight 2^level; a full level is
 * sorted and every other item (alternating offset) moves up a level. The
 * alternation replaces the random coin so results are reproducible. */
#include <stdlib.h>
#include <string.h>

#include "engine/sketches.h"

#define KLL_K 256
#define KLL_MAX_LEVELS 48

struct sq_kll {
  double *level[KLL_MAX_LEVELS];
  uint32_t size[KLL_MAX_LEVELS];
  int n_levels;
  unsigned coin;
};

sq_kll_t *sq_kll_new(void) { return calloc(1, sizeof(sq_kll_t)); }

void sq_kll_free(sq_kll_t *s) {
  if (!s) return;
  for (int i = 0; i < s->n_levels; i++) free(s->level[i]);
  free(s);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static bool push_level(sq_kll_t *s, int lv, double x);

/* Halves a full level into the next one. */
static bool compact(sq_kll_t *s, int lv) {
  qsort(s->level[lv], s->size[lv], sizeof(double), compare_doubles);
  unsigned offset = s->coin++ & 1;
  uint32_t n = s->size[lv];
  s->size[lv] = 0;
  for (uint32_t i = offset; i < n; i += 2)
    if (!push_level(s, lv + 1, s->level[lv][i])) return false;
  return true;
}

static bool push_level(sq_kll_t *s, int lv, double x) {
  if (lv >= KLL_MAX_LEVELS) return true; /* beyond 2^48 * K items: drop */
  while (s->n_levels <= lv) {
    if (!(s->level[s->n_levels] = malloc(KLL_K * sizeof(double)))) return false;
    s->size[s->n_levels++] = 0;
  }
  s->level[lv][s->size[lv]++] = x;
  return s->size[lv] < KLL_K || compact(s, lv);
}

bool sq_kll_add(sq_kll_t *s, double x) { return push_level(s, 0, x); }

bool sq_kll_merge(sq_kll_t *dst, const sq_kll_t *src) {
  for (int lv = 0; lv < src->n_levels; lv++)
    for (uint32_t i = 0; i < src->size[lv]; i++)
      if (!push_level(dst, lv, src->level[lv][i])) return false;
  return true;
}

typedef struct weighted {
  double x;
  uint64_t w;
} weighted_t;

static int compare_weighted(const void *a, const void *b) {
  return compare_doubles(&((const weighted_t *)a)->x, &((const weighted_t *)b)->x);
}

sq_value_t sq_kll_quantile(const sq_kll_t *s, double q) {
  size_t n = 0;
  for (int lv = 0; lv < s->n_levels; lv++) n += s->size[lv];
  if (n == 0) return sq_null();
  weighted_t *items = malloc(n * sizeof *items);
  if (!items) return sq_null();
  size_t k = 0;
  uint64_t total = 0;
  for (int lv = 0; lv < s->n_levels; lv++)
    for (uint32_t i = 0; i < s->size[lv]; i++) {
      items[k++] = (weighted_t){s->level[lv][i], 1ull << lv};
      total += 1ull << lv;
    }
  qsort(items, n, sizeof *items, compare_weighted);
  /* the smallest value whose cumulative weight reaches q of the total */
  double target = q * (double)total;
  uint64_t seen = 0;
  double result = items[n - 1].x;
  for (size_t i = 0; i < n; i++) {
    seen += items[i].w;
    if ((double)seen >= target) {
      result = items[i].x;
      break;
    }
  }
  free(items);
  return sq_double(result);
}

void sq_kll_encode(const sq_kll_t *s, sq_buf_t *out) {
  sq_put_u64(out, s->coin);
  sq_put_u64(out, (uint64_t)s->n_levels);
  for (int lv = 0; lv < s->n_levels; lv++) {
    sq_put_u64(out, s->size[lv]);
    for (uint32_t i = 0; i < s->size[lv]; i++) sq_put_f64(out, s->level[lv][i]);
  }
}

sq_kll_t *sq_kll_decode(sq_cursor_t *in) {
  sq_kll_t *s = sq_kll_new();
  if (!s) return NULL;
  s->coin = (unsigned)sq_get_u64(in);
  uint64_t levels = sq_get_u64(in);
  bool ok = levels <= KLL_MAX_LEVELS;
  for (uint64_t lv = 0; ok && lv < levels; lv++) {
    uint64_t n = sq_get_u64(in);
    ok = n < KLL_K && (s->level[lv] = malloc(KLL_K * sizeof(double))) != NULL;
    if (!ok) break;
    s->n_levels++;
    s->size[lv] = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) s->level[lv][i] = sq_get_f64(in);
  }
  if (ok && !in->failed) return s;
  sq_kll_free(s);
  return NULL;
}
