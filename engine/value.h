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

static inline sq_value_t sq_null(void) { return (sq_value_t){.type = SQ_TYPE_NULL}; }
static inline sq_value_t sq_bool(bool b) { return (sq_value_t){.type = SQ_TYPE_BOOLEAN, .u.b = b}; }
static inline sq_value_t sq_int(int64_t i) { return (sq_value_t){.type = SQ_TYPE_BIGINT, .u.i = i}; }
static inline sq_value_t sq_double(double d) { return (sq_value_t){.type = SQ_TYPE_DOUBLE, .u.d = d}; }
static inline sq_value_t sq_ts(int64_t ms) { return (sq_value_t){.type = SQ_TYPE_TIMESTAMP, .u.i = ms}; }
static inline sq_value_t sq_str(const char *p, uint32_t len) {
  return (sq_value_t){.type = SQ_TYPE_STRING, .u.s = {p, len}};
}
static inline bool sq_is_null(sq_value_t v) { return v.type == SQ_TYPE_NULL; }

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
