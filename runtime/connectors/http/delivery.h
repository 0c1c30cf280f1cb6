/* The delivery thread of an http sink: takes finished batches from the
 * engine thread, sends them with libcurl's multi interface (up to
 * max_in_flight at once over kept-alive HTTP/1.1 connections), retries
 * what may succeed later and settles what the endpoint rejects per
 * on_error. A batch leaves the queue only when it is settled, so the
 * queue is exactly what a checkpoint must keep. */
#ifndef SQ_HTTP_DELIVERY_H
#define SQ_HTTP_DELIVERY_H

#include "runtime/connectors/http/batch.h"
#include "runtime/connectors/http/config.h"
#include "runtime/kit/metrics.h"

typedef struct sq_http_delivery sq_http_delivery_t;

/* What the engine thread reads once a round. */
typedef struct sq_http_progress {
  uint64_t rows, bytes;    /* queued: handed over, not yet settled */
  uint64_t retries;        /* attempts that will be tried again */
  uint64_t rejected_rows;  /* rows skipped or written to the dead-letter file */
} sq_http_progress_t;

/* Starts the thread for `c` (borrowed; outlives the delivery), with its
 * series in `metrics`. NULL with `err`. */
sq_http_delivery_t *sq_http_delivery_start(const sq_http_config_t *c, sq_metrics_t *metrics, char *err, size_t err_size);
/* Stops the thread, abandoning what is queued (a checkpoint holds it). */
void sq_http_delivery_stop(sq_http_delivery_t *d);
/* Appends `b` (taken) to the queue, behind every batch handed over before. */
void sq_http_delivery_push(sq_http_delivery_t *d, sq_http_batch_t *b);
void sq_http_delivery_progress(sq_http_delivery_t *d, sq_http_progress_t *p);
/* The failure that stops the pipeline (on_error = 'fail', or a dead-letter
 * write that failed) into `err`; false while there is none. */
bool sq_http_delivery_failed(sq_http_delivery_t *d, char *err, size_t err_size);
/* Writes every queued batch as (first, n, rows), preceded by their count. */
void sq_http_delivery_save(sq_http_delivery_t *d, sq_buf_t *out);

#endif
