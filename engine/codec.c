/* Varints are LEB128: seven bits a byte, low bits first. */
#include "engine/codec.h"

#include <string.h>

void sq_put_f64(sq_buf_t *b, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  char out[8];
  for (int i = 0; i < 8; i++) out[i] = (char)(bits >> (8 * i));
  sq_buf_append(b, out, sizeof out);
}

void sq_put_bytes(sq_buf_t *b, const void *p, size_t len) {
  sq_put_u64(b, len);
  sq_buf_append(b, p, len);
}

void sq_put_value(sq_buf_t *b, sq_value_t v) {
  sq_put_u64(b, (uint64_t)v.type);
  switch (v.type) {
  case SQ_TYPE_BOOLEAN: sq_put_u64(b, v.u.b); break;
  case SQ_TYPE_BIGINT:
  case SQ_TYPE_TIMESTAMP: sq_put_i64(b, v.u.i); break;
  case SQ_TYPE_DOUBLE: sq_put_f64(b, v.u.d); break;
  case SQ_TYPE_STRING: sq_put_bytes(b, v.u.s.p, v.u.s.len); break;
  default: break;
  }
}

uint64_t sq_get_u64(sq_cursor_t *c) {
  uint64_t v = 0;
  for (int shift = 0; !c->failed && shift < 64; shift += 7) {
    if (c->p == c->end) break;
    unsigned char byte = (unsigned char)*c->p++;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  c->failed = true;
  return 0;
}

int64_t sq_get_i64(sq_cursor_t *c) {
  uint64_t z = sq_get_u64(c);
  return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

double sq_get_f64(sq_cursor_t *c) {
  if (c->failed || c->end - c->p < 8) {
    c->failed = true;
    return 0;
  }
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++) bits |= (uint64_t)(unsigned char)c->p[i] << (8 * i);
  c->p += 8;
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

const char *sq_get_bytes(sq_cursor_t *c, size_t *len) {
  uint64_t n = sq_get_u64(c);
  *len = 0;
  if (c->failed || n > (uint64_t)(c->end - c->p)) {
    c->failed = true;
    return NULL;
  }
  const char *p = c->p;
  c->p += n;
  *len = (size_t)n;
  return p;
}

sq_value_t sq_get_value(sq_cursor_t *c) {
  sq_value_t v = {.type = (sq_type_t)sq_get_u64(c)};
  switch (v.type) {
  case SQ_TYPE_BOOLEAN: v.u.b = sq_get_u64(c) != 0; break;
  case SQ_TYPE_BIGINT:
  case SQ_TYPE_TIMESTAMP: v.u.i = sq_get_i64(c); break;
  case SQ_TYPE_DOUBLE: v.u.d = sq_get_f64(c); break;
  case SQ_TYPE_STRING: {
    size_t len;
    v.u.s.p = sq_get_bytes(c, &len);
    v.u.s.len = (uint32_t)len;
    break;
  }
  case SQ_TYPE_NULL: break;
  default: c->failed = true; break;
  }
  return c->failed ? sq_null() : v;
}

void sq_hex_encode(char *out, const void *p, size_t len) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *b = p;
  for (size_t i = 0; i < len; i++) out[2 * i] = digits[b[i] >> 4], out[2 * i + 1] = digits[b[i] & 15];
}

/* A hex digit's value, -1 for anything else. */
static int hex_digit(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

bool sq_hex_decode(sq_buf_t *out, const char *text, size_t len) {
  if (len % 2) return false;
  for (size_t i = 0; i < len; i += 2) {
    int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    sq_buf_putc(out, (char)(hi * 16 + lo));
  }
  return !out->failed;
}
