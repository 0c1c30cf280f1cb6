/* The origins of a repartition topic's partition (origins.h). A mark's
 * watermark only ever raises an origin's: a stage-1 process that takes an
 * origin over starts from its committed offset, with less event time
 * seen than the process before it had. */
#include "runtime/kit/origins.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sq_mark_format(const sq_mark_t *m, char *out, size_t size) {
  return snprintf(out, size, "%" PRIu32 " %" PRIu32 " %" PRId64 " %d", m->origin, m->n_origins, m->watermark, m->idle);
}

bool sq_mark_parse(const char *text, size_t len, sq_mark_t *out) {
  char copy[96];
  int idle, used = 0;
  if (!text || len >= sizeof copy) return false;
  memcpy(copy, text, len);
  copy[len] = '\0';
  if (sscanf(copy, "%" SCNu32 " %" SCNu32 " %" SCNd64 " %d%n", &out->origin, &out->n_origins, &out->watermark, &idle, &used) != 4 ||
      (size_t)used != len || out->origin >= out->n_origins || out->n_origins > SQ_ORIGINS_MAX)
    return false;
  out->idle = idle != 0;
  return true;
}

/* Room for origins [0, n); false when memory runs out. */
static bool reach(sq_origins_t *o, uint32_t n) {
  if (n <= o->n) return true;
  sq_origin_t *v = realloc(o->at, n * sizeof *v);
  if (!v) return false;
  for (uint32_t i = o->n; i < n; i++) v[i] = (sq_origin_t){.applied = -1, .watermark = INT64_MIN};
  o->at = v;
  o->n = n;
  return true;
}

bool sq_origins_mark(sq_origins_t *o, const sq_mark_t *m) {
  if (!reach(o, m->n_origins)) return false;
  sq_origin_t *at = &o->at[m->origin];
  if (m->watermark > at->watermark) at->watermark = m->watermark;
  at->idle = m->idle;
  return true;
}

bool sq_origins_admit(sq_origins_t *o, uint32_t origin, int64_t offset, uint32_t index, bool *oom) {
  *oom = false;
  if (origin >= SQ_ORIGINS_MAX) return true;
  if (origin >= o->n && !reach(o, origin + 1)) return !(*oom = true);
  sq_origin_t *at = &o->at[origin];
  if (offset < at->applied || (offset == at->applied && index <= at->applied_index)) return false;
  at->applied = offset;
  at->applied_index = index;
  return true;
}

int64_t sq_origins_watermark(const sq_origins_t *o) {
  int64_t active = INT64_MAX, idle = INT64_MIN;
  if (o->n == 0) return INT64_MIN;
  for (uint32_t i = 0; i < o->n; i++) {
    const sq_origin_t *at = &o->at[i];
    if (at->watermark == INT64_MIN && !at->idle) return INT64_MIN; /* not heard from yet */
    if (at->idle) idle = at->watermark > idle ? at->watermark : idle;
    else active = at->watermark < active ? at->watermark : active;
  }
  return active != INT64_MAX ? active : idle;
}

void sq_origins_save(const sq_origins_t *o, sq_buf_t *out) {
  sq_put_u64(out, o->n);
  for (uint32_t i = 0; i < o->n; i++) {
    sq_put_i64(out, o->at[i].applied);
    sq_put_i64(out, o->at[i].watermark);
    sq_put_u64(out, o->at[i].idle | (uint64_t)o->at[i].applied_index << 1); /* an index in the bits idle left free */
  }
}

bool sq_origins_load(sq_origins_t *o, sq_cursor_t *in) {
  uint64_t n = sq_get_u64(in);
  sq_origins_clear(o);
  if (in->failed || n > SQ_ORIGINS_MAX || !reach(o, (uint32_t)n)) return false;
  for (uint32_t i = 0; i < o->n; i++) {
    o->at[i].applied = sq_get_i64(in);
    o->at[i].watermark = sq_get_i64(in);
    uint64_t idle_index = sq_get_u64(in);
    o->at[i].idle = idle_index & 1;
    o->at[i].applied_index = (uint32_t)(idle_index >> 1);
  }
  return !in->failed;
}

void sq_origins_clear(sq_origins_t *o) {
  free(o->at);
  o->at = NULL;
  o->n = 0;
}
