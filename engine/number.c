/* Integers are parsed by hand: strtoll would need a terminated copy and
 * was the largest single cost of decoding. Doubles are read by fast_float
 * and written from dragonbox's shortest digits (engine/number_cxx.cc), in
 * the layout of printf's %g at the precision those digits need (at least
 * 15): correctly rounded both ways, without printf's and strtod's
 * arbitrary-precision arithmetic. Integers are written two digits per
 * division. */
#include "engine/number.h"

#include <math.h>
#include <string.h>

#include "engine/number_cxx.h"

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
  const char *end = p + len;
  /* strtod's grammar, which CSV and CAST have always accepted: a leading
   * '+' too (fast_float takes only '-'), but no "inf", "nan" or hex */
  if (len > 1 && p[0] == '+' && p[1] != '-') p++;
  const char *first = p + (p < end && *p == '-');
  if (first == end || !((unsigned)(*first - '0') <= 9 || *first == '.')) return false;
  return sq_double_read(p, end, out) == end && isfinite(*out);
}

int sq_format_int(int64_t v, char *buf) {
  static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";
  char digits[20];
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  int n = 20;
  for (; u >= 100; u /= 100) { /* two digits per division */
    memcpy(digits + n - 2, pairs + (u % 100) * 2, 2);
    n -= 2;
  }
  if (u >= 10) {
    memcpy(digits + n - 2, pairs + u * 2, 2);
    n -= 2;
  } else {
    digits[--n] = (char)('0' + u);
  }
  int len = 0;
  if (v < 0) buf[len++] = '-';
  memcpy(buf + len, digits + n, (size_t)(20 - n));
  return len + 20 - n;
}

static int put(char *buf, const char *text) {
  size_t n = strlen(text);
  memcpy(buf, text, n);
  return (int)n;
}

int sq_format_double(double d, char *buf) {
  if (isnan(d)) return put(buf, "NaN");
  if (isinf(d)) return put(buf, d > 0 ? "Infinity" : "-Infinity");
  int n = 0;
  if (d == 0) {
    if (signbit(d)) buf[n++] = '-';
    buf[n++] = '0';
    return n;
  }
  uint64_t significand;
  int exponent;
  if (sq_double_shortest(d, &significand, &exponent)) buf[n++] = '-';
  char digits[20];
  int k = sq_format_int((int64_t)significand, digits); /* at most 17 digits */
  int x = exponent + k - 1;                              /* the first digit's power of ten */
  if (x < -4 || x >= (k > 15 ? k : 15)) {                /* %g's rule at precision max(15, k) */
    buf[n++] = digits[0];
    if (k > 1) {
      buf[n++] = '.';
      memcpy(buf + n, digits + 1, (size_t)k - 1);
      n += k - 1;
    }
    buf[n++] = 'e';
    buf[n++] = x < 0 ? '-' : '+';
    int ax = x < 0 ? -x : x;
    if (ax >= 100) buf[n++] = (char)('0' + ax / 100);
    buf[n++] = (char)('0' + ax / 10 % 10);
    buf[n++] = (char)('0' + ax % 10);
  } else if (x < 0) {
    memcpy(buf + n, "0.0000", (size_t)(1 - x));
    n += 1 - x;
    memcpy(buf + n, digits, (size_t)k);
    n += k;
  } else if (x + 1 >= k) {
    memcpy(buf + n, digits, (size_t)k);
    memset(buf + n + k, '0', (size_t)(x + 1 - k));
    n += x + 1;
  } else {
    memcpy(buf + n, digits, (size_t)x + 1);
    buf[n + x + 1] = '.';
    memcpy(buf + n + x + 2, digits + x + 1, (size_t)(k - x - 1));
    n += k + 1;
  }
  return n;
}
