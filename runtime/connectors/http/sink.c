/* The http sink, engine side (ARCHITECTURE.md §4-§5). Rows are numbered
 * 0, 1, 2, ... in the order the sink receives them and encoded as JSON
 * objects into the open batch; a batch is handed to the delivery thread
 * (delivery.c) when it holds batch_size rows, would pass batch_bytes, or
 * has waited batch_ms. Batches are cut on a grid of batch_size: a batch
 * never crosses a multiple of batch_size, so under load every request is
 * rows k*batch_size .. (k+1)*batch_size - 1 whatever the timing, and a
 * replay after a restart sends the same requests.
 *
 * Checkpoints never wait for the endpoint: save() stores the numbering
 * and every row not yet settled (queued batches with their boundaries,
 * and the open batch); resume() puts them back in the queue before any
 * new row. Rows after the checkpoint are produced again by the restarted
 * pipeline with the same numbers, so a receiver that remembers the
 * numbers it applied sees each row once.
 *
 * Backpressure: while the rows waiting for the endpoint hold more than
 * SET 'http.buffer.bytes', the sink is `blocked` and the executor stops
 * reading sources (it keeps polling sinks and taking checkpoints); it
 * reads again when they are down to half of that. */
#include <stdlib.h>
#include <string.h>

#include "engine/codec.h"
#include "engine/format.h"
#include "runtime/connectors/http/config.h"
#include "runtime/connectors/http/delivery.h"
#include "runtime/connectors/http/http.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/log.h"
#include "runtime/kit/runtime.h"

#define BLOCKED_LOG_EVERY_S 10.0

typedef struct sq_sink_http {
  sq_sink_t base;
  sq_http_config_t cfg;
  sq_http_delivery_t *delivery;
  sq_http_batch_t *open; /* rows not handed over yet; NULL or empty when none */
  double open_since;     /* monotonic seconds of its first row */
  uint64_t next;         /* the number of the next row */
  size_t last_len;       /* bytes of the batch handed over last: the next one's first reservation */
  sq_json_keys_t keys;
  size_t buffer_bytes;   /* SET 'http.buffer.bytes' */
  double blocked_logged;
  sq_metric_t *queue_rows;
  bool curl_ready;
} sq_sink_http_t;

static bool out_of_memory(char *err, size_t err_size) { return snprintf(err, err_size, "out of memory"), false; }

static void hand_over(sq_sink_http_t *h) {
  if (!h->open || !h->open->n) return;
  h->last_len = h->open->rows.len;
  sq_http_delivery_push(h->delivery, h->open);
  h->open = NULL;
}

/* Rows a batch starting at `first` may hold: up to the next multiple of batch_size. */
static uint64_t room(const sq_sink_http_t *h, uint64_t first) { return h->cfg.batch_size - first % h->cfg.batch_size; }

static bool http_write(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  /* a new batch reserves what the last one held: growing from empty
   * reallocated a 500-row batch seven times, 6% of the sink's work */
  if (!h->open && (!(h->open = sq_http_batch_new(h->next)) || !sq_buf_reserve(&h->open->rows, h->last_len)))
    return out_of_memory(err, err_size);
  sq_http_batch_t *b = h->open;
  if (!b->n) h->open_since = sq_clock_seconds();
  size_t before = b->rows.len;
  sq_encode_json(&b->rows, &h->keys, schema, row);
  sq_buf_putc(&b->rows, '\n');
  if (b->rows.failed) return out_of_memory(err, err_size);
  if (b->n && b->rows.len > h->cfg.batch_bytes) { /* this row starts the next batch */
    sq_http_batch_t *next = sq_http_batch_new(h->next);
    if (!next) return out_of_memory(err, err_size);
    sq_buf_append(&next->rows, b->rows.data + before, b->rows.len - before);
    if (next->rows.failed) {
      sq_http_batch_free(next);
      return out_of_memory(err, err_size);
    }
    b->rows.len = before;
    hand_over(h);
    h->open = b = next;
    h->open_since = sq_clock_seconds();
  }
  b->n++;
  h->next++;
  if (b->n >= room(h, b->first) || b->rows.len >= h->cfg.batch_bytes) hand_over(h);
  return true;
}

/* Nothing to wait for: a checkpoint stores what is not delivered yet. */
static bool http_flush(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  return !sq_http_delivery_failed(h->delivery, err, err_size);
}

static bool http_poll(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  double now = sq_clock_seconds();
  if (h->open && h->open->n && (now - h->open_since) * 1000 >= (double)h->cfg.batch_ms) hand_over(h);
  sq_http_progress_t p;
  sq_http_delivery_progress(h->delivery, &p);
  size_t open_bytes = h->open ? h->open->rows.len : 0;
  uint64_t open_rows = h->open ? h->open->n : 0;
  bool was_blocked = s->blocked;
  s->blocked = p.bytes + open_bytes >= (was_blocked ? h->buffer_bytes / 2 : h->buffer_bytes);
  if (s->blocked && !was_blocked && now - h->blocked_logged >= BLOCKED_LOG_EVERY_S) {
    h->blocked_logged = now;
    sq_log_warn("sink blocked", "sink '%s': %llu rows (%zu bytes) wait for the endpoint, over http.buffer.bytes; sources pause",
                s->name, (unsigned long long)(p.rows + open_rows), (size_t)p.bytes + open_bytes);
  }
  s->queued = p.rows + open_rows;
  s->retries = p.retries;
  s->errors = p.rejected_rows;
  sq_metric_set(h->queue_rows, (double)s->queued);
  return !sq_http_delivery_failed(h->delivery, err, err_size);
}

/* The record: the next row's number; the queued batches (delivery.h);
 * the open batch as (first, n, rows). */
static void http_save(sq_sink_t *s, sq_buf_t *out) {
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  sq_put_u64(out, h->next);
  sq_http_delivery_save(h->delivery, out);
  sq_put_u64(out, h->open ? h->open->first : h->next);
  sq_put_u64(out, h->open ? h->open->n : 0);
  sq_put_bytes(out, h->open ? h->open->rows.data : NULL, h->open ? h->open->rows.len : 0);
}

/* One (first, n, rows) of a checkpoint record as a batch; NULL with `err`. */
static sq_http_batch_t *load_batch(sq_cursor_t *in, char *err, size_t err_size) {
  uint64_t first = sq_get_u64(in), n = sq_get_u64(in);
  size_t len;
  const char *rows = sq_get_bytes(in, &len);
  sq_http_batch_t *b = in->failed ? NULL : sq_http_batch_new(first);
  if (b) {
    b->n = n;
    sq_buf_append(&b->rows, rows, len);
  }
  if (b && !b->rows.failed) return b;
  sq_http_batch_free(b);
  snprintf(err, err_size, in->failed ? "corrupt checkpoint record" : "out of memory");
  return NULL;
}

static bool http_resume(sq_sink_t *s, sq_cursor_t *in, sq_checkpoint_id_t id, char *err, size_t err_size) {
  (void)id;
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  if (!in) return true;
  h->next = sq_get_u64(in);
  uint64_t n = sq_get_u64(in);
  for (uint64_t i = 0; i < n && !in->failed; i++) {
    sq_http_batch_t *b = load_batch(in, err, err_size);
    if (!b) return false;
    sq_http_delivery_push(h->delivery, b);
  }
  if (!(h->open = load_batch(in, err, err_size))) return false;
  if (h->open->first + h->open->n != h->next) return snprintf(err, err_size, "corrupt checkpoint record"), false;
  h->open_since = sq_clock_seconds();
  return true;
}

static void http_destroy(sq_sink_t *s) {
  sq_sink_http_t *h = (sq_sink_http_t *)s;
  sq_http_delivery_stop(h->delivery);
  sq_http_batch_free(h->open);
  sq_http_config_free(&h->cfg);
  sq_json_keys_free(&h->keys);
  if (h->curl_ready) curl_global_cleanup();
  free(h);
}

static const sq_sink_class_t http_class = {http_write, http_flush, http_destroy, http_poll, http_save, http_resume, NULL, NULL, NULL, NULL};

sq_sink_t *sq_http_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err,
                             size_t err_size) {
  (void)schema;
  sq_sink_http_t *h = calloc(1, sizeof *h);
  if (!h) return out_of_memory(err, err_size), NULL;
  h->base.cls = &http_class;
  h->base.name = rel->name;
  h->buffer_bytes = rt->http_buffer_bytes;
  /* libcurl's global state is set up here, on the engine thread, before any delivery thread exists */
  h->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  const char *labels[] = {"sink", rel->name, NULL};
  h->queue_rows = sq_metrics_gauge(rt->metrics, "streamq_sink_queue_rows", "Rows a sink holds that its endpoint has not acknowledged.", labels);
  if (!h->curl_ready) snprintf(err, err_size, "sink '%s': cannot initialize libcurl", rel->name);
  if (!h->curl_ready || !sq_http_config_read(&h->cfg, rel, rt->pipeline, err, err_size) ||
      !(h->delivery = sq_http_delivery_start(&h->cfg, rt->metrics, err, err_size))) {
    http_destroy(&h->base);
    return NULL;
  }
  return &h->base;
}
