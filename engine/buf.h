/* A growable byte buffer for building output records. Appends never fail
 * silently: a failed growth sets `failed` and later appends do nothing. */
#ifndef SQ_BUF_H
#define SQ_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sq_buf {
  char *data;
  size_t len, cap;
  bool failed;
} sq_buf_t;

void sq_buf_append(sq_buf_t *b, const void *p, size_t n);
void sq_buf_putc(sq_buf_t *b, char c);
void sq_buf_puts(sq_buf_t *b, const char *s);
static inline void sq_buf_clear(sq_buf_t *b) { b->len = 0; }
void sq_buf_free(sq_buf_t *b);

#endif
