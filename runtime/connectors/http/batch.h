/* One request's worth of rows: the unit the http sink numbers, sends,
 * retries, checkpoints and acknowledges as a whole. The engine thread
 * fills a batch and hands it to the delivery thread (delivery.h); from
 * then on its rows never change. */
#ifndef SQ_HTTP_BATCH_H
#define SQ_HTTP_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/buf.h"

typedef struct sq_http_batch {
  uint64_t first, n;   /* rows first .. first + n - 1 of the sink's numbering */
  sq_buf_t rows;       /* each row's JSON object followed by '\n' (never inside one) */
  struct sq_http_batch *prev, *next; /* the delivery queue */
  /* the delivery thread's */
  sq_buf_t body;       /* the request body as sent, built at the first attempt */
  bool in_flight;
  int attempts;        /* failed ones so far */
  double first_try;    /* monotonic seconds of the first attempt */
  double retry_at;     /* not before this (monotonic seconds) */
} sq_http_batch_t;

/* A batch for rows from `first` on; NULL when memory runs out. */
sq_http_batch_t *sq_http_batch_new(uint64_t first);
void sq_http_batch_free(sq_http_batch_t *b);
/* Bytes the batch holds (what http.buffer.bytes bounds). */
static inline size_t sq_http_batch_bytes(const sq_http_batch_t *b) { return b->rows.cap + b->body.cap + sizeof *b; }

#endif
