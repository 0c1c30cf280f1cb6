/* A small sorted set of times: what an operator must visit in order as
 * its watermark moves (open window starts, expiry buckets). It holds a
 * handful of entries, lives outside the state store and is saved with
 * each checkpoint. */
#ifndef SQ_TIME_SET_H
#define SQ_TIME_SET_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/codec.h"

typedef struct sq_time_set {
  int64_t *v; /* ascending, no duplicates */
  uint32_t n, cap;
} sq_time_set_t;

/* Adds `t` (a no-op if present); false when memory runs out. */
bool sq_time_set_add(sq_time_set_t *s, int64_t t);
/* Removes the first `k` entries. */
void sq_time_set_drop_first(sq_time_set_t *s, uint32_t k);
/* The set to a checkpoint and back (added to what `s` holds). */
void sq_time_set_save(const sq_time_set_t *s, sq_buf_t *out);
bool sq_time_set_load(sq_time_set_t *s, sq_cursor_t *in);
void sq_time_set_free(sq_time_set_t *s);

#endif
