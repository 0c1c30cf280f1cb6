/* The delivery thread. Why a thread of its own rather than the engine's
 * loop: the engine thread can be busy for long stretches (a window closing
 * a million groups, a checkpoint's synced write) and naps between idle
 * rounds, while requests need their responses read, their timeouts and
 * backoff timers kept, and their bodies compressed and signed; on a
 * thread, curl_multi_poll sleeps exactly until a socket or timer needs it
 * (curl_multi_wakeup when the engine hands over a batch), and the engine
 * only encodes rows. The thread and the engine share the queue, under
 * `lock`; a batch's rows never change once queued, so a checkpoint copies
 * them while the thread sends them.
 *
 * Order: batches are sent in queue order. With max_in_flight = 1 a batch
 * is sent only when the one before it is settled (strict order); with
 * more, a batch waiting to be retried does not hold back the ones after
 * it. */
#include "runtime/connectors/http/delivery.h"

#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "engine/codec.h"
#include "engine/value_text.h"
#include "runtime/connectors/http/body.h"
#include "runtime/connectors/http/retry.h"
#include "runtime/connectors/http/signing.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/log.h"

#define RESPONSE_KEEP 1024  /* bytes of a response kept for the dead-letter file and messages */
#define LOG_EVERY_S 10.0    /* at most one "endpoint down" or "rejected" line per sink this often */
#define MAX_CODES 16        /* distinct status codes with a series of their own */

/* One easy handle and the request it carries. */
typedef struct slot {
  CURL *easy;
  sq_http_batch_t *batch; /* NULL: free */
  struct curl_slist *headers;
  char response[RESPONSE_KEEP];
  size_t response_len;
  char retry_after[64];
  double started;
  char error[CURL_ERROR_SIZE];
} slot_t;

struct sq_http_delivery {
  const sq_http_config_t *cfg;
  CURLM *multi;
  slot_t *slots;
  int n_slots, busy;
  pthread_t thread;
  bool running;
  pthread_mutex_t lock; /* guards the fields down to `failure` */
  sq_http_batch_t *head, *tail;
  uint64_t rows, bytes;
  bool stop;
  char failure[768];
  _Atomic uint64_t retries, rejected_rows;
  /* the thread's own */
  uint64_t random;
  bool down;
  double down_since, last_down_log, last_reject_log;
  bool down_logged;
  uint64_t failed_attempts, rejects_unlogged;
  sq_histogram_t *duration;
  sq_metrics_t *metrics;
  struct { char code[16]; sq_metric_t *series; } codes[MAX_CODES];
  int n_codes;
};

static uint64_t next_random(sq_http_delivery_t *d) {
  uint64_t x = d->random; /* xorshift64 */
  x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  return d->random = x;
}

/* ---- libcurl callbacks ------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t n, void *user) {
  slot_t *s = user;
  size_t len = size * n, room = RESPONSE_KEEP - s->response_len;
  memcpy(s->response + s->response_len, data, len < room ? len : room);
  s->response_len += len < room ? len : room;
  return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *user) {
  slot_t *s = user;
  size_t len = size * n;
  static const char name[] = "retry-after:";
  if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
    size_t value = len - (sizeof name - 1);
    if (value >= sizeof s->retry_after) value = sizeof s->retry_after - 1;
    memcpy(s->retry_after, data + sizeof name - 1, value);
    s->retry_after[value] = '\0';
    s->retry_after[strcspn(s->retry_after, "\r\n")] = '\0';
  }
  return len;
}

static bool setup_slot(sq_http_delivery_t *d, slot_t *s) {
  const sq_http_config_t *c = d->cfg;
  if (!(s->easy = curl_easy_init())) return false;
  CURL *e = s->easy;
  curl_easy_setopt(e, CURLOPT_URL, c->url);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
  if (c->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, s);
  return true;
}

/* ---- the queue (callers hold the lock) ------------------------------------------ */

static void unlink_batch(sq_http_delivery_t *d, sq_http_batch_t *b) {
  if (b->prev) b->prev->next = b->next;
  else d->head = b->next;
  if (b->next) b->next->prev = b->prev;
  else d->tail = b->prev;
  d->rows -= b->n;
  d->bytes -= b->rows.len + b->body.len;
}

/* Removes settled batch `b` and frees it. */
static void settle(sq_http_delivery_t *d, sq_http_batch_t *b) {
  pthread_mutex_lock(&d->lock);
  unlink_batch(d, b);
  pthread_mutex_unlock(&d->lock);
  sq_http_batch_free(b);
}

void sq_http_delivery_push(sq_http_delivery_t *d, sq_http_batch_t *b) {
  pthread_mutex_lock(&d->lock);
  b->prev = d->tail;
  b->next = NULL;
  if (d->tail) d->tail->next = b;
  else d->head = b;
  d->tail = b;
  d->rows += b->n;
  d->bytes += b->rows.len;
  pthread_mutex_unlock(&d->lock);
  curl_multi_wakeup(d->multi);
}

void sq_http_delivery_progress(sq_http_delivery_t *d, sq_http_progress_t *p) {
  pthread_mutex_lock(&d->lock);
  p->rows = d->rows;
  p->bytes = d->bytes;
  pthread_mutex_unlock(&d->lock);
  p->retries = atomic_load_explicit(&d->retries, memory_order_relaxed);
  p->rejected_rows = atomic_load_explicit(&d->rejected_rows, memory_order_relaxed);
}

bool sq_http_delivery_failed(sq_http_delivery_t *d, char *err, size_t err_size) {
  pthread_mutex_lock(&d->lock);
  bool failed = d->failure[0] != '\0';
  if (failed) snprintf(err, err_size, "%s", d->failure);
  pthread_mutex_unlock(&d->lock);
  return failed;
}

void sq_http_delivery_save(sq_http_delivery_t *d, sq_buf_t *out) {
  pthread_mutex_lock(&d->lock);
  uint64_t n = 0;
  for (const sq_http_batch_t *b = d->head; b; b = b->next) n++;
  sq_put_u64(out, n);
  for (const sq_http_batch_t *b = d->head; b; b = b->next) {
    sq_put_u64(out, b->first);
    sq_put_u64(out, b->n);
    sq_put_bytes(out, b->rows.data, b->rows.len);
  }
  pthread_mutex_unlock(&d->lock);
}

/* ---- sending ---------------------------------------------------------------- */

static bool add_header(struct curl_slist **list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool add_header(struct curl_slist **list, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  struct curl_slist *more = curl_slist_append(*list, line);
  if (more) *list = more;
  return more != NULL;
}

/* The request's headers: the sink's, then its sequence, key and signature. */
static bool request_headers(sq_http_delivery_t *d, slot_t *s) {
  const sq_http_config_t *c = d->cfg;
  const sq_http_batch_t *b = s->batch;
  struct curl_slist *list = NULL;
  bool ok = true;
  for (const struct curl_slist *h = c->headers; ok && h; h = h->next) ok = add_header(&list, "%s", h->data);
  char id[400];
  snprintf(id, sizeof id, "%s%llu-%llu", c->id_prefix, (unsigned long long)b->first, (unsigned long long)(b->first + b->n - 1));
  ok = ok && add_header(&list, "Streamq-Sequence: %llu-%llu", (unsigned long long)b->first, (unsigned long long)(b->first + b->n - 1)) &&
       add_header(&list, "Idempotency-Key: %s", id) && (!c->gzip || add_header(&list, "Content-Encoding: gzip"));
  if (ok && c->key) {
    int64_t now = (int64_t)time(NULL);
    char signature[SQ_HTTP_SIGNATURE_SIZE];
    sq_http_sign(c->key, c->key_len, id, now, b->body.data, b->body.len, signature);
    ok = add_header(&list, "webhook-id: %s", id) && add_header(&list, "webhook-timestamp: %lld", (long long)now) &&
         add_header(&list, "webhook-signature: %s", signature);
  }
  curl_slist_free_all(s->headers);
  s->headers = list;
  return ok;
}

/* Starts batch `b` on a free slot; false when memory runs out. */
static bool start(sq_http_delivery_t *d, sq_http_batch_t *b) {
  slot_t *s = d->slots;
  while (s->batch) s++;
  s->batch = b;
  if (!b->body.len) {
    if (!sq_http_body(d->cfg, b, &b->body)) return false;
    pthread_mutex_lock(&d->lock);
    d->bytes += b->body.len;
    pthread_mutex_unlock(&d->lock);
  }
  if (!request_headers(d, s)) return false;
  s->response_len = 0;
  s->retry_after[0] = s->error[0] = '\0';
  s->started = sq_clock_seconds();
  if (!b->attempts) b->first_try = s->started;
  curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
  curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, b->body.data);
  curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->body.len);
  d->busy++;
  return curl_multi_add_handle(d->multi, s->easy) == CURLM_OK;
}

/* Marks the batches due now in flight (in queue order, at most the free
 * slots) into `due`; returns how many. Sets *wait_s to the time until the
 * next one is due. */
static int take_due(sq_http_delivery_t *d, sq_http_batch_t **due, double now, double *wait_s) {
  int n = 0, room = d->n_slots - d->busy;
  bool strict = d->n_slots == 1;
  pthread_mutex_lock(&d->lock);
  bool halted = d->stop || d->failure[0];
  for (sq_http_batch_t *b = d->head; !halted && b && n < room; b = strict ? NULL : b->next) {
    if (b->in_flight) continue;
    if (b->retry_at > now) {
      if (b->retry_at - now < *wait_s) *wait_s = b->retry_at - now;
      continue;
    }
    b->in_flight = true;
    due[n++] = b;
  }
  pthread_mutex_unlock(&d->lock);
  return n;
}

/* ---- outcomes ----------------------------------------------------------------- */

static sq_metric_t *code_series(sq_http_delivery_t *d, const char *code) {
  for (int i = 0; i < d->n_codes; i++)
    if (strcmp(d->codes[i].code, code) == 0) return d->codes[i].series;
  const char *labels[] = {"sink", d->cfg->sink, "code", code, NULL};
  sq_metric_t *series = sq_metrics_counter(d->metrics, "streamq_http_requests_total",
                                           "HTTP sink requests by response status (error: no response; timeout).", labels);
  if (d->n_codes < MAX_CODES) {
    snprintf(d->codes[d->n_codes].code, sizeof d->codes[d->n_codes].code, "%s", code);
    d->codes[d->n_codes++].series = series;
  }
  return series;
}

/* "HTTP 503" or libcurl's reason (which never holds the URL's path). */
static void describe(long status, CURLcode result, char *out, size_t size) {
  if (status) snprintf(out, size, "HTTP %ld", status);
  else snprintf(out, size, "%s", curl_easy_strerror(result));
}

static void endpoint_failed(sq_http_delivery_t *d, const char *why, double now) {
  d->failed_attempts++;
  if (d->down) return;
  d->down = true;
  d->down_since = now;
  d->down_logged = now - d->last_down_log >= LOG_EVERY_S || d->last_down_log == 0;
  if (!d->down_logged) return;
  d->last_down_log = now;
  sq_log_warn("http endpoint down", "sink '%s': %s; retrying with backoff", d->cfg->sink, why);
}

static void endpoint_ok(sq_http_delivery_t *d, double now) {
  if (!d->down) return;
  d->down = false;
  if (d->down_logged)
    sq_log("http endpoint up", "sink '%s': delivering again after %.1f s and %llu failed attempts", d->cfg->sink,
           now - d->down_since, (unsigned long long)d->failed_attempts);
  d->failed_attempts = 0;
}

/* A first row of `b` fit for a message: at most 200 bytes of it. */
static int first_row_len(const sq_http_batch_t *b) {
  const char *nl = memchr(b->rows.data, '\n', b->rows.len);
  size_t len = nl ? (size_t)(nl - b->rows.data) : b->rows.len;
  return (int)(len < 200 ? len : 200);
}

/* The dead-letter line of a rejected batch; false if it could not be written. */
static bool write_dlq(sq_http_delivery_t *d, const slot_t *s, long status) {
  const sq_http_batch_t *b = s->batch;
  sq_buf_t line = {0};
  char head[128];
  sq_buf_puts(&line, "{\"sink\":");
  sq_encode_json_string(&line, d->cfg->sink, strlen(d->cfg->sink));
  snprintf(head, sizeof head, ",\"status\":%ld,\"response\":", status);
  sq_buf_puts(&line, head);
  sq_encode_json_string(&line, s->response, s->response_len);
  snprintf(head, sizeof head, ",\"sequence\":\"%llu-%llu\",\"rows\":", (unsigned long long)b->first,
           (unsigned long long)(b->first + b->n - 1));
  sq_buf_puts(&line, head);
  sq_http_frame(SQ_HTTP_JSON, b, &line);
  sq_buf_puts(&line, "}\n");
  bool ok = !line.failed && fwrite(line.data, 1, line.len, d->cfg->dlq) == line.len && fflush(d->cfg->dlq) == 0;
  sq_buf_free(&line);
  return ok;
}

/* A request the endpoint will not take (or that ran out of retry time). */
static void reject(sq_http_delivery_t *d, slot_t *s, long status, const char *why, bool gave_up, double now) {
  sq_http_batch_t *b = s->batch;
  const sq_http_config_t *c = d->cfg;
  unsigned long long first = b->first, last = b->first + b->n - 1;
  char what[160];
  snprintf(what, sizeof what, gave_up ? "rows %llu-%llu not delivered within max_retry_time (last: %s)" : "the endpoint rejected rows %llu-%llu with %s",
           first, last, why);
  if (c->on_error == SQ_ON_ERROR_FAIL || (c->on_error == SQ_ON_ERROR_DLQ && !write_dlq(d, s, status))) {
    pthread_mutex_lock(&d->lock);
    snprintf(d->failure, sizeof d->failure, c->on_error == SQ_ON_ERROR_FAIL ? "%s: %.*s; first row: %.*s" : "%s and the dead-letter file cannot be written",
             what, (int)(s->response_len < 160 ? s->response_len : 160), s->response, first_row_len(b), b->rows.data);
    b->in_flight = false;
    pthread_mutex_unlock(&d->lock);
    return;
  }
  atomic_fetch_add_explicit(&d->rejected_rows, b->n, memory_order_relaxed);
  d->rejects_unlogged++;
  if (now - d->last_reject_log >= LOG_EVERY_S || d->last_reject_log == 0) {
    sq_log_warn("http rejected", "sink '%s': %s; %s (%llu rejected requests since the last line)", c->sink, what,
                c->on_error == SQ_ON_ERROR_DLQ ? "written to the dead-letter file" : "skipped", (unsigned long long)d->rejects_unlogged);
    d->last_reject_log = now;
    d->rejects_unlogged = 0;
  }
  settle(d, b);
}

/* Schedules another attempt of the batch on `s`, or gives up on it. */
static void retry(sq_http_delivery_t *d, slot_t *s, long status, const char *why, double now) {
  sq_http_batch_t *b = s->batch;
  endpoint_failed(d, why, now);
  if (d->cfg->max_retry_ms && (now - b->first_try) * 1000 >= (double)d->cfg->max_retry_ms)
    return reject(d, s, status, why, true, now);
  int64_t wait_ms;
  if (!s->retry_after[0] || !sq_http_retry_after_ms(s->retry_after, (int64_t)time(NULL), &wait_ms))
    wait_ms = sq_http_backoff_ms(b->attempts + 1, next_random(d));
  atomic_fetch_add_explicit(&d->retries, 1, memory_order_relaxed);
  pthread_mutex_lock(&d->lock);
  b->attempts++;
  b->retry_at = now + (double)wait_ms / 1000;
  b->in_flight = false;
  pthread_mutex_unlock(&d->lock);
}

static void finished(sq_http_delivery_t *d, slot_t *s, CURLcode result) {
  long status = 0;
  double now = sq_clock_seconds();
  if (result == CURLE_OK) curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_multi_remove_handle(d->multi, s->easy);
  d->busy--;
  sq_histogram_observe(d->duration, now - s->started);
  char code[16];
  if (status) snprintf(code, sizeof code, "%ld", status);
  else snprintf(code, sizeof code, "%s", result == CURLE_OPERATION_TIMEDOUT ? "timeout" : "error");
  sq_metric_add(code_series(d, code), 1);
  char why[160];
  describe(status, result, why, sizeof why);
  switch (sq_http_outcome(status)) {
  case SQ_HTTP_DELIVERED:
    endpoint_ok(d, now);
    settle(d, s->batch);
    break;
  case SQ_HTTP_RETRY:
    retry(d, s, status, why, now);
    break;
  case SQ_HTTP_REJECTED:
    endpoint_ok(d, now);
    reject(d, s, status, why, false, now);
    break;
  }
  s->batch = NULL;
}

/* ---- the thread ------------------------------------------------------------------ */

static void fail_out_of_memory(sq_http_delivery_t *d) {
  pthread_mutex_lock(&d->lock);
  snprintf(d->failure, sizeof d->failure, "out of memory");
  pthread_mutex_unlock(&d->lock);
}

static void *run(void *arg) {
  sq_http_delivery_t *d = arg;
  sq_http_batch_t **due = calloc((size_t)d->n_slots, sizeof *due);
  if (!due) fail_out_of_memory(d);
  for (;;) {
    pthread_mutex_lock(&d->lock);
    bool stop = d->stop;
    pthread_mutex_unlock(&d->lock);
    if (stop || !due) break;
    double wait_s = 1.0, now = sq_clock_seconds();
    int n = take_due(d, due, now, &wait_s);
    for (int i = 0; i < n; i++)
      if (!start(d, due[i])) fail_out_of_memory(d);
    int running;
    curl_multi_perform(d->multi, &running);
    CURLMsg *msg;
    bool freed = false;
    while ((msg = curl_multi_info_read(d->multi, &running))) {
      slot_t *s;
      if (msg->msg != CURLMSG_DONE) continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
      finished(d, s, msg->data.result);
      freed = true;
    }
    /* a freed slot may take the next batch at once: no socket would wake the poll */
    if (!freed) curl_multi_poll(d->multi, NULL, 0, (int)(wait_s * 1000) + 1, NULL);
  }
  free(due);
  return NULL;
}

sq_http_delivery_t *sq_http_delivery_start(const sq_http_config_t *c, sq_metrics_t *metrics, char *err, size_t err_size) {
  sq_http_delivery_t *d = calloc(1, sizeof *d);
  if (!d) return snprintf(err, err_size, "out of memory"), NULL;
  pthread_mutex_init(&d->lock, NULL);
  d->cfg = c;
  d->metrics = metrics;
  d->n_slots = c->max_in_flight;
  d->random = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() << 20 ^ (uint64_t)(uintptr_t)d;
  static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  const char *labels[] = {"sink", c->sink, NULL};
  d->duration = sq_metrics_histogram_labelled(metrics, "streamq_http_request_duration_seconds",
                                              "Time from sending an HTTP sink request to its response or failure.", labels, bounds,
                                              sizeof bounds / sizeof *bounds);
  bool ok = (d->multi = curl_multi_init()) && (d->slots = calloc((size_t)d->n_slots, sizeof *d->slots));
  for (int i = 0; ok && i < d->n_slots; i++) ok = setup_slot(d, &d->slots[i]);
  if (ok) {
    curl_multi_setopt(d->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)d->n_slots);
    curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)d->n_slots);
    ok = pthread_create(&d->thread, NULL, run, d) == 0;
    d->running = ok;
  }
  if (!ok) {
    snprintf(err, err_size, "sink '%s': cannot start its HTTP client", c->sink);
    sq_http_delivery_stop(d);
    return NULL;
  }
  return d;
}

void sq_http_delivery_stop(sq_http_delivery_t *d) {
  if (!d) return;
  if (d->running) {
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_mutex_unlock(&d->lock);
    curl_multi_wakeup(d->multi);
    pthread_join(d->thread, NULL);
  }
  for (int i = 0; d->slots && i < d->n_slots; i++) {
    if (d->slots[i].batch) curl_multi_remove_handle(d->multi, d->slots[i].easy);
    curl_easy_cleanup(d->slots[i].easy);
    curl_slist_free_all(d->slots[i].headers);
  }
  for (sq_http_batch_t *b = d->head, *next; b; b = next) {
    next = b->next;
    sq_http_batch_free(b);
  }
  if (d->multi) curl_multi_cleanup(d->multi);
  free(d->slots);
  pthread_mutex_destroy(&d->lock);
  free(d);
}
