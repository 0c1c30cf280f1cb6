/* Comparison and hashing of values, shared by predicates, grouping,
 * joins and aggregates. */
#include "engine/value.h"

#include <string.h>
#include <xxhash.h>

int sq_value_compare(sq_value_t a, sq_value_t b) {
  if (a.type == SQ_TYPE_STRING) {
    uint32_t n = a.u.s.len < b.u.s.len ? a.u.s.len : b.u.s.len;
    int c = n ? memcmp(a.u.s.p, b.u.s.p, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return a.u.s.len < b.u.s.len ? -1 : a.u.s.len > b.u.s.len;
  }
  if (a.type == SQ_TYPE_DOUBLE || b.type == SQ_TYPE_DOUBLE) {
    double x = sq_as_double(a), y = sq_as_double(b);
    return x < y ? -1 : x > y;
  }
  if (a.type == SQ_TYPE_BOOLEAN) return (int)a.u.b - (int)b.u.b;
  return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
}

bool sq_value_same(sq_value_t a, sq_value_t b) {
  if (sq_is_null(a) || sq_is_null(b)) return sq_is_null(a) && sq_is_null(b);
  return sq_value_compare(a, b) == 0;
}

uint64_t sq_value_hash(sq_value_t v, uint64_t seed) {
  switch (v.type) {
  case SQ_TYPE_STRING: return XXH3_64bits_withSeed(v.u.s.p, v.u.s.len, seed);
  case SQ_TYPE_DOUBLE: {
    /* integral doubles hash like the BIGINT they equal */
    double d = v.u.d;
    if (d == (double)(int64_t)d) {
      int64_t i = (int64_t)d;
      return XXH3_64bits_withSeed(&i, sizeof i, seed);
    }
    return XXH3_64bits_withSeed(&d, sizeof d, seed);
  }
  case SQ_TYPE_BIGINT:
  case SQ_TYPE_TIMESTAMP: return XXH3_64bits_withSeed(&v.u.i, sizeof v.u.i, seed);
  case SQ_TYPE_BOOLEAN: return XXH3_64bits_withSeed(&v.u.b, 1, seed);
  default: return seed ^ 0x9e3779b97f4a7c15ull;
  }
}
