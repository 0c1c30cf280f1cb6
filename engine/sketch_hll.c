/* HyperLogLog (Flajolet et al. 2007) over 64-bit hashes, with linear
 * counting for small cardinalities; 64-bit hashes need no large-range
 * correction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sketches.h"

#define HLL_P 14
#define HLL_M (1u << HLL_P)

struct sq_hll {
  uint8_t reg[HLL_M];
};

sq_hll_t *sq_hll_new(void) { return calloc(1, sizeof(sq_hll_t)); }

void sq_hll_add(sq_hll_t *h, uint64_t hash) {
  uint32_t idx = (uint32_t)(hash >> (64 - HLL_P));
  uint64_t rest = (hash << HLL_P) | (1ull << (HLL_P - 1)); /* guard bit bounds the rank */
  uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
  if (rank > h->reg[idx]) h->reg[idx] = rank;
}

void sq_hll_merge(sq_hll_t *dst, const sq_hll_t *src) {
  for (uint32_t i = 0; i < HLL_M; i++)
    if (src->reg[i] > dst->reg[i]) dst->reg[i] = src->reg[i];
}

int64_t sq_hll_estimate(const sq_hll_t *h) {
  double sum = 0;
  uint32_t zeros = 0;
  for (uint32_t i = 0; i < HLL_M; i++) {
    sum += ldexp(1.0, -h->reg[i]);
    zeros += h->reg[i] == 0;
  }
  double m = HLL_M, alpha = 0.7213 / (1.0 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  if (estimate <= 2.5 * m && zeros) estimate = m * log(m / zeros);
  return (int64_t)llround(estimate);
}

void sq_hll_encode(const sq_hll_t *h, sq_buf_t *out) { sq_put_bytes(out, h->reg, HLL_M); }

sq_hll_t *sq_hll_decode(sq_cursor_t *in) {
  size_t len;
  const char *reg = sq_get_bytes(in, &len);
  sq_hll_t *h = reg && len == HLL_M ? sq_hll_new() : NULL;
  if (h) memcpy(h->reg, reg, HLL_M);
  return h;
}
