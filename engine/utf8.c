/* UTF-8 checks: a sequence is decoded and its code point range-checked,
 * which rules out overlong forms and surrogates alike. ASCII, the common
 * case, is skipped eight bytes at a time. */
#include "engine/utf8.h"

#include <stdint.h>
#include <string.h>

size_t sq_utf8_seq(const char *s, const char *end) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n;
  uint32_t cp, min;
  if (p[0] >= 0xC2 && p[0] <= 0xDF) n = 2, cp = p[0] & 0x1Fu, min = 0x80;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF) n = 3, cp = p[0] & 0x0Fu, min = 0x800;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4) n = 4, cp = p[0] & 0x07u, min = 0x10000;
  else return 0;
  if ((size_t)(end - s) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3Fu);
  }
  return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : n;
}

size_t sq_utf8_check(const char *s, size_t len) {
  const char *p = s, *end = s + len;
  while (p < end) {
    for (; end - p >= 8; p += 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080u) break;
    }
    if (p == end) break;
    if ((unsigned char)*p < 0x80) {
      p++;
      continue;
    }
    size_t n = sq_utf8_seq(p, end);
    if (n == 0) return (size_t)(p - s);
    p += n;
  }
  return len;
}
