/* Values as state keys: a tuple of values encoded so that comparing the
 * bytes compares the tuples (NULL first, then by value), and no encoding
 * is a prefix of another. Window state keys put the window start first, so
 * one window's groups are one key range. */
#ifndef SQ_KEY_CODEC_H
#define SQ_KEY_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/buf.h"
#include "engine/value.h"

/* Appends the encoding of `v`. */
void sq_key_put_value(sq_buf_t *out, sq_value_t v);
/* Appends a signed 64-bit integer so that byte order is numeric order. */
void sq_key_put_int(sq_buf_t *out, int64_t v);
/* Reads back an integer written by sq_key_put_int at *p (8 bytes). */
int64_t sq_key_get_int(const char *p);
/* Decodes `n` values from [p, end) into `out`; strings point into the key
 * unless they held escaped bytes (then into `arena`). Returns the position
 * after them, or NULL for malformed bytes. */
const char *sq_key_get_values(const char *p, const char *end, sq_value_t *out, uint32_t n, sq_arena_t *arena);

#endif
