/* A growable byte buffer for building output records. Appends never fail
 * silently: a failed growth sets `failed` and later appends do nothing. */
#ifndef SQ_BUF_H
#define SQ_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct sq_buf {
  char *data;
  size_t len, cap;
  bool failed;
} sq_buf_t;

/* Grows the buffer for `extra` more bytes; false (and `failed`) when it
 * cannot. */
bool sq_buf_reserve(sq_buf_t *b, size_t extra);

/* Appends are inline: output encoding calls them several times per column. */
static inline void sq_buf_append(sq_buf_t *b, const void *p, size_t n) {
  if (n == 0 || ((b->len + n > b->cap || b->failed) && !sq_buf_reserve(b, n))) return; /* no arithmetic on a NULL buffer */
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static inline void sq_buf_putc(sq_buf_t *b, char c) {
  if ((b->len + 1 > b->cap || b->failed) && !sq_buf_reserve(b, 1)) return;
  b->data[b->len++] = c;
}
static inline void sq_buf_puts(sq_buf_t *b, const char *s) { sq_buf_append(b, s, strlen(s)); }
static inline void sq_buf_clear(sq_buf_t *b) { b->len = 0; }
void sq_buf_free(sq_buf_t *b);

/* Room for one more element in array `v` of `n` elements of `size` bytes,
 * for arrays that only ever grow by one at a time (their capacity is n
 * rounded up to a power of two, so n appends cost O(n)): returns the
 * array, moved if it had to grow, or NULL when memory runs out (`v` is
 * then unchanged). */
void *sq_array_room(void *v, size_t n, size_t size);

#endif
