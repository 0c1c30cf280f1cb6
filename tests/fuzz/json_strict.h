/* An independent strict RFC 8259 checker, the tests' oracle for the record
 * decoder: plain recursive descent, UTF-8 checked against the table of
 * well-formed byte sequences (Unicode §3.9, table 3-7), written apart from
 * engine/json.c so that the two can be compared. Recursion depth is the
 * nesting depth, so callers keep inputs to a few thousand bytes. */
#ifndef SQ_TEST_JSON_STRICT_H
#define SQ_TEST_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct jstrict {
  const unsigned char *p, *end;
} jstrict_t;

static bool jstrict_value(jstrict_t *c);

static inline void jstrict_ws(jstrict_t *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static inline bool jstrict_byte(jstrict_t *c, unsigned char lo, unsigned char hi) {
  if (c->p == c->end || *c->p < lo || *c->p > hi) return false;
  c->p++;
  return true;
}

/* One well-formed UTF-8 sequence of two or more bytes (table 3-7). */
static inline bool jstrict_utf8(jstrict_t *c) {
  unsigned char b = *c->p++;
  if (b >= 0xC2 && b <= 0xDF) return jstrict_byte(c, 0x80, 0xBF);
  if (b == 0xE0) return jstrict_byte(c, 0xA0, 0xBF) && jstrict_byte(c, 0x80, 0xBF);
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return jstrict_byte(c, 0x80, 0xBF) && jstrict_byte(c, 0x80, 0xBF);
  if (b == 0xED) return jstrict_byte(c, 0x80, 0x9F) && jstrict_byte(c, 0x80, 0xBF);
  if (b == 0xF0) return jstrict_byte(c, 0x90, 0xBF) && jstrict_byte(c, 0x80, 0xBF) && jstrict_byte(c, 0x80, 0xBF);
  if (b >= 0xF1 && b <= 0xF3)
    return jstrict_byte(c, 0x80, 0xBF) && jstrict_byte(c, 0x80, 0xBF) && jstrict_byte(c, 0x80, 0xBF);
  if (b == 0xF4) return jstrict_byte(c, 0x80, 0x8F) && jstrict_byte(c, 0x80, 0xBF) && jstrict_byte(c, 0x80, 0xBF);
  return false;
}

/* \uXXXX after the backslash and 'u': the code unit, or -1. */
static inline long jstrict_hex4(jstrict_t *c) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    if (c->p == c->end) return -1;
    unsigned char h = *c->p++;
    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static inline bool jstrict_string(jstrict_t *c) {
  if (!jstrict_byte(c, '"', '"')) return false;
  for (;;) {
    if (c->p == c->end) return false;
    unsigned char b = *c->p;
    if (b == '"') {
      c->p++;
      return true;
    }
    if (b < 0x20) return false;
    if (b >= 0x80) {
      if (!jstrict_utf8(c)) return false;
      continue;
    }
    c->p++;
    if (b != '\\') continue;
    if (c->p == c->end) return false;
    unsigned char e = *c->p++;
    if (e == 'u') {
      long u = jstrict_hex4(c);
      if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) return false; /* a low surrogate first */
      if (u >= 0xD800 && u <= 0xDBFF) {                          /* a high one needs its low one */
        if (!jstrict_byte(c, '\\', '\\') || !jstrict_byte(c, 'u', 'u')) return false;
        long low = jstrict_hex4(c);
        if (low < 0xDC00 || low > 0xDFFF) return false;
      }
    } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
      return false;
    }
  }
}

static inline bool jstrict_digits(jstrict_t *c) {
  if (!jstrict_byte(c, '0', '9')) return false;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  return true;
}

static inline bool jstrict_number(jstrict_t *c) {
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p < c->end && *c->p == '0') c->p++;
  else if (!jstrict_digits(c)) return false;
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!jstrict_digits(c)) return false;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (!jstrict_digits(c)) return false;
  }
  return true;
}

static inline bool jstrict_word(jstrict_t *c, const char *w) {
  for (; *w; w++)
    if (!jstrict_byte(c, (unsigned char)*w, (unsigned char)*w)) return false;
  return true;
}

/* An object or array after its opening bracket. */
static inline bool jstrict_members(jstrict_t *c, bool object) {
  unsigned char close = object ? '}' : ']';
  jstrict_ws(c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    return true;
  }
  for (;;) {
    jstrict_ws(c);
    if (object) {
      if (!jstrict_string(c)) return false;
      jstrict_ws(c);
      if (!jstrict_byte(c, ':', ':')) return false;
    }
    if (!jstrict_value(c)) return false;
    jstrict_ws(c);
    if (c->p < c->end && *c->p == close) {
      c->p++;
      return true;
    }
    if (!jstrict_byte(c, ',', ',')) return false;
  }
}

static bool jstrict_value(jstrict_t *c) {
  jstrict_ws(c);
  if (c->p == c->end) return false;
  switch (*c->p) {
  case '{': c->p++; return jstrict_members(c, true);
  case '[': c->p++; return jstrict_members(c, false);
  case '"': return jstrict_string(c);
  case 't': return jstrict_word(c, "true");
  case 'f': return jstrict_word(c, "false");
  case 'n': return jstrict_word(c, "null");
  default: return jstrict_number(c);
  }
}

/* Whether `len` bytes at `text` are one JSON text (RFC 8259 §2). */
static inline bool json_strict_valid(const char *text, size_t len) {
  jstrict_t c = {(const unsigned char *)text, (const unsigned char *)text + len};
  if (!jstrict_value(&c)) return false;
  jstrict_ws(&c);
  return c.p == c.end;
}

/* Whether `len` bytes are well-formed UTF-8. */
static inline bool utf8_strict_valid(const char *text, size_t len) {
  jstrict_t c = {(const unsigned char *)text, (const unsigned char *)text + len};
  while (c.p < c.end)
    if (*c.p < 0x80) c.p++;
    else if (!jstrict_utf8(&c)) return false;
  return true;
}

#endif
