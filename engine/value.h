/* Runtime values: one tagged union per SQL value. Strings are a pointer and
 * a length into memory owned elsewhere (the input buffer, an arena, or
 * operator state), so passing values around never allocates. */
#ifndef SQ_VALUE_H
#define SQ_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/types.h"

typedef struct sq_value {
  sq_type_t type; /* SQ_TYPE_NULL for NULL */
  union {
    bool b;
    int64_t i;    /* BIGINT and TIMESTAMP (epoch milliseconds) */
    double d;
    struct {
      const char *p;
      uint32_t len;
    } s;
  } u;
} sq_value_t;

/* Constructors set the tag and the one member they use. (Compound
 * literals zero the whole value through a stack temporary whose reload
 * stalled on every decoded column.) */
static inline sq_value_t sq_null(void) {
  sq_value_t v;
  v.type = SQ_TYPE_NULL;
  v.u.i = 0;
  return v;
}
static inline sq_value_t sq_bool(bool b) {
  sq_value_t v;
  v.type = SQ_TYPE_BOOLEAN;
  v.u.i = 0;
  v.u.b = b;
  return v;
}
static inline sq_value_t sq_int(int64_t i) {
  sq_value_t v;
  v.type = SQ_TYPE_BIGINT;
  v.u.i = i;
  return v;
}
static inline sq_value_t sq_double(double d) {
  sq_value_t v;
  v.type = SQ_TYPE_DOUBLE;
  v.u.d = d;
  return v;
}
static inline sq_value_t sq_ts(int64_t ms) {
  sq_value_t v = sq_int(ms);
  v.type = SQ_TYPE_TIMESTAMP;
  return v;
}
static inline sq_value_t sq_str(const char *p, uint32_t len) {
  sq_value_t v;
  v.type = SQ_TYPE_STRING;
  v.u.s.p = p;
  v.u.s.len = len;
  return v;
}
static inline bool sq_is_null(sq_value_t v) { return v.type == SQ_TYPE_NULL; }

/* Sets n values to NULL. */
static inline void sq_set_null(sq_value_t *v, size_t n) {
  for (size_t i = 0; i < n; i++) v[i] = sq_null();
}

/* A numeric value as a double (BIGINT converts). */
static inline double sq_as_double(sq_value_t v) { return v.type == SQ_TYPE_DOUBLE ? v.u.d : (double)v.u.i; }

/* Three-way comparison of two non-NULL values of comparable types
 * (numbers compare numerically across BIGINT and DOUBLE). */
int sq_value_compare(sq_value_t a, sq_value_t b);
/* Equality as in GROUP BY: NULL equals NULL, 1 equals 1.0. */
bool sq_value_same(sq_value_t a, sq_value_t b);
/* A hash consistent with sq_value_same. */
uint64_t sq_value_hash(sq_value_t v, uint64_t seed);

#endif
