/* Integers are parsed by hand: strtoll would need a terminated copy and
 * was the largest single cost of decoding. Doubles go through strtod on a
 * small stack copy, since correct rounding is not something to rewrite. */
#include "engine/number.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool sq_parse_int(const char *p, size_t len, int64_t *out) {
  bool negative = len > 0 && p[0] == '-';
  size_t i = len > 0 && (p[0] == '-' || p[0] == '+');
  if (i == len) return false;
  uint64_t v = 0;
  /* 19 digits cannot overflow 64 bits: only longer texts are checked per digit */
  bool checked = len - i > 19;
  for (; i < len; i++) {
    unsigned digit = (unsigned)(p[i] - '0');
    if (digit > 9 || (checked && v > (UINT64_MAX - digit) / 10)) return false;
    v = v * 10 + digit;
  }
  if (v > (uint64_t)INT64_MAX + negative) return false;
  *out = negative ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

bool sq_parse_double(const char *p, size_t len, double *out) {
  char buf[64];
  if (len == 0 || len >= sizeof buf) return false;
  memcpy(buf, p, len);
  buf[len] = '\0';
  /* strtod also reads "inf", "nan" and hex; none of those is a number here */
  for (size_t i = 0; i < len; i++)
    if (!strchr("0123456789+-.eE", buf[i])) return false;
  char *end;
  *out = strtod(buf, &end);
  return *end == '\0' && isfinite(*out);
}
