/* A repartition topic's partition, as stage 2 reads it (docs/ARCHITECTURE.md
 * §8): for each partition of the input stage 1 repartitions (an origin),
 * the highest origin offset applied (a row again at or below it is a
 * repeat, written again by a stage-1 process that restarted from an older
 * committed offset) and the latest watermark mark. The partition's
 * watermark is the minimum of the marks of the origins that are not idle
 * (the largest of the idle ones when all are), and nothing before every
 * origin has marked once. */
#ifndef SQ_ORIGINS_H
#define SQ_ORIGINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/codec.h"
#include "engine/preaggregate.h"

/* The most origins a repartition topic's partition keeps (a source's
 * partitions): a mark naming more is not one, and a row from an origin
 * beyond is not judged, so a damaged record cannot make it allocate
 * without bound. */
#define SQ_ORIGINS_MAX (1u << 20)
/* The Kafka header of a mark: a record with no key and no value. */
#define SQ_MARK_HEADER "streamq.mark"

typedef struct sq_origin {
  int64_t applied;   /* the highest offset applied, -1 before any */
  uint32_t applied_index; /* and at it, the highest index (a partial aggregate's, preaggregate.h) */
  int64_t watermark; /* of its latest mark, INT64_MIN before any */
  bool idle;         /* its latest mark said so */
} sq_origin_t;

typedef struct sq_origins {
  sq_origin_t *at; /* owned */
  uint32_t n;      /* the origins known so far (the count the marks give) */
} sq_origins_t;

typedef struct sq_mark {
  uint32_t origin, n_origins;
  int64_t watermark;
  bool idle;
} sq_mark_t;

/* A mark's header value into `out` (at least 96 bytes); its length. */
int sq_mark_format(const sq_mark_t *m, char *out, size_t size);
/* False when `text` is not a mark. */
bool sq_mark_parse(const char *text, size_t len, sq_mark_t *out);

/* Takes a mark in; false when memory runs out. */
bool sq_origins_mark(sq_origins_t *o, const sq_mark_t *m);
/* Whether the row at (`offset`, `index`) of `origin` is new (then it is
 * applied); false for a repeat (an origin at or beyond SQ_ORIGINS_MAX is never one). *oom when memory runs out (a row is never dropped
 * for it: the caller stops). */
bool sq_origins_admit(sq_origins_t *o, uint32_t origin, int64_t offset, uint32_t index, bool *oom);
int64_t sq_origins_watermark(const sq_origins_t *o);
void sq_origins_save(const sq_origins_t *o, sq_buf_t *out);
bool sq_origins_load(sq_origins_t *o, sq_cursor_t *in);
void sq_origins_clear(sq_origins_t *o);

#endif
