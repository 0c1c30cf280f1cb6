/* Serialized state: what the state store writes to disk and checkpoints
 * carry. Integers are varints (signed ones zigzag), doubles their 8 bytes
 * little-endian, byte strings length-prefixed. A cursor reads them back;
 * running off the end (a corrupt or truncated value) sets `failed` and
 * makes every later read return zero, so callers check once at the end. */
#ifndef SQ_CODEC_H
#define SQ_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/value.h"

/* Inline: rows are encoded a value at a time into join and session state. */
static inline void sq_put_u64(sq_buf_t *b, uint64_t v) {
  if ((b->len + 10 > b->cap || b->failed) && !sq_buf_reserve(b, 10)) return;
  do {
    b->data[b->len++] = (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
}
static inline void sq_put_i64(sq_buf_t *b, int64_t v) { sq_put_u64(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
void sq_put_f64(sq_buf_t *b, double v);
void sq_put_bytes(sq_buf_t *b, const void *p, size_t len);
static inline void sq_put_str(sq_buf_t *b, const char *s) { sq_put_bytes(b, s, __builtin_strlen(s)); }
/* A value: its type, then its payload. */
void sq_put_value(sq_buf_t *b, sq_value_t v);

typedef struct sq_cursor {
  const char *p, *end;
  bool failed;
} sq_cursor_t;

static inline sq_cursor_t sq_cursor(const void *p, size_t len) {
  return (sq_cursor_t){(const char *)p, len ? (const char *)p + len : (const char *)p, false};
}
uint64_t sq_get_u64(sq_cursor_t *c);
int64_t sq_get_i64(sq_cursor_t *c);
double sq_get_f64(sq_cursor_t *c);
/* The bytes point into the cursor's buffer; NULL (and *len 0) on failure. */
const char *sq_get_bytes(sq_cursor_t *c, size_t *len);
/* A string value points into the cursor's buffer. */
sq_value_t sq_get_value(sq_cursor_t *c);
/* True when everything was read and nothing failed. */
static inline bool sq_cursor_done(const sq_cursor_t *c) { return !c->failed && c->p == c->end; }

/* Serialized bytes as text (a partial aggregate in a JSON row): 2 * len
 * lowercase hex digits into `out` / back into `out` (appended), false if
 * `text` is not hex. */
void sq_hex_encode(char *out, const void *p, size_t len);
bool sq_hex_decode(sq_buf_t *out, const char *text, size_t len);

#endif
