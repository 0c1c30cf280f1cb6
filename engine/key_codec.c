/* Order-preserving key encoding. Each value is a tag byte, then:
 * BOOLEAN one byte; BIGINT and TIMESTAMP 8 bytes big-endian with the sign
 * bit flipped; DOUBLE 8 bytes of its IEEE bits, sign-flipped for positive
 * numbers and all-flipped for negative ones (-0.0 written as 0.0); STRING
 * its bytes with 0x00 written 0x00 0xFF and ended by 0x00 0x01. */
#include "engine/key_codec.h"

#include <string.h>

enum { TAG_NULL = 0x01, TAG_BOOL, TAG_INT, TAG_DOUBLE, TAG_STRING, TAG_TIMESTAMP };

static void put_u64(sq_buf_t *out, uint64_t u) {
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = (char)(u >> (56 - 8 * i));
  sq_buf_append(out, b, 8);
}

static uint64_t get_u64(const char *p) {
  uint64_t u = 0;
  for (int i = 0; i < 8; i++) u = u << 8 | (unsigned char)p[i];
  return u;
}

void sq_key_put_int(sq_buf_t *out, int64_t v) { put_u64(out, (uint64_t)v ^ (1ull << 63)); }
int64_t sq_key_get_int(const char *p) { return (int64_t)(get_u64(p) ^ (1ull << 63)); }

void sq_key_put_value(sq_buf_t *out, sq_value_t v) {
  switch (v.type) {
  case SQ_TYPE_BOOLEAN:
    sq_buf_putc(out, TAG_BOOL);
    sq_buf_putc(out, v.u.b ? 1 : 0);
    return;
  case SQ_TYPE_BIGINT:
  case SQ_TYPE_TIMESTAMP:
    sq_buf_putc(out, v.type == SQ_TYPE_BIGINT ? TAG_INT : TAG_TIMESTAMP);
    sq_key_put_int(out, v.u.i);
    return;
  case SQ_TYPE_DOUBLE: {
    double d = v.u.d == 0 ? 0.0 : v.u.d;
    uint64_t u;
    memcpy(&u, &d, 8);
    sq_buf_putc(out, TAG_DOUBLE);
    put_u64(out, u >> 63 ? ~u : u ^ (1ull << 63));
    return;
  }
  case SQ_TYPE_STRING: {
    sq_buf_putc(out, TAG_STRING);
    const char *s = v.u.s.p, *end = s + v.u.s.len;
    while (s < end) {
      const char *zero = memchr(s, 0, (size_t)(end - s));
      const char *stop = zero ? zero : end;
      sq_buf_append(out, s, (size_t)(stop - s));
      if (!zero) break;
      sq_buf_append(out, "\0\xff", 2);
      s = zero + 1;
    }
    sq_buf_append(out, "\0\x01", 2);
    return;
  }
  default:
    sq_buf_putc(out, TAG_NULL);
    return;
  }
}

/* A string value starting at p (after its tag); NULL if unterminated. */
static const char *get_string(const char *p, const char *end, sq_value_t *out, sq_arena_t *arena) {
  const char *s = p;
  bool escaped = false;
  for (;; p++) {
    if (p + 1 >= end) return NULL;
    if (p[0] != 0) continue;
    if ((unsigned char)p[1] == 0x01) break;
    escaped = true;
    p++;
  }
  size_t len = (size_t)(p - s);
  if (!escaped) {
    *out = sq_str(s, (uint32_t)len);
    return p + 2;
  }
  char *buf = sq_arena_alloc(arena, len + 1), *o = buf;
  if (!buf) return NULL;
  for (const char *q = s; q < p; q++) {
    *o++ = *q;
    if (*q == 0) q++; /* skip the 0xFF of an escaped zero */
  }
  *out = sq_str(buf, (uint32_t)(o - buf));
  return p + 2;
}

const char *sq_key_get_values(const char *p, const char *end, sq_value_t *out, uint32_t n, sq_arena_t *arena) {
  for (uint32_t i = 0; i < n; i++) {
    if (p >= end) return NULL;
    int tag = *p++;
    switch (tag) {
    case TAG_NULL: out[i] = sq_null(); break;
    case TAG_BOOL:
      if (p >= end) return NULL;
      out[i] = sq_bool(*p++ != 0);
      break;
    case TAG_INT:
    case TAG_TIMESTAMP:
      if (end - p < 8) return NULL;
      out[i] = tag == TAG_INT ? sq_int(sq_key_get_int(p)) : sq_ts(sq_key_get_int(p));
      p += 8;
      break;
    case TAG_DOUBLE: {
      if (end - p < 8) return NULL;
      uint64_t u = get_u64(p);
      u = u >> 63 ? u ^ (1ull << 63) : ~u;
      double d;
      memcpy(&d, &u, 8);
      out[i] = sq_double(d);
      p += 8;
      break;
    }
    case TAG_STRING:
      if (!(p = get_string(p, end, &out[i], arena))) return NULL;
      break;
    default: return NULL;
    }
  }
  return p;
}
