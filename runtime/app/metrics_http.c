/* The metrics and health endpoint. libmicrohttpd runs it on an internal
 * thread; handlers only read atomics and render the registry under its
 * lock, so a slow scraper never blocks the engine. */
#include "runtime/app/metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "runtime/kit/clock.h"

struct sq_metrics_http {
  struct MHD_Daemon *daemon;
  sq_metrics_t *metrics;
  sq_health_t *health;
};

void sq_health_init(sq_health_t *h) { pthread_mutex_init(&h->lock, NULL); }

void sq_health_free(sq_health_t *h) {
  free(h->sources);
  free(h->blocked_sinks);
  pthread_mutex_destroy(&h->lock);
}

/* Replaces *slot with a copy of `json` (the caller holds the lock). */
static void replace(char **slot, const char *json, size_t len) {
  char *copy = malloc(len + 1);
  if (!copy) return;
  memcpy(copy, json, len);
  copy[len] = '\0';
  free(*slot);
  *slot = copy;
}

void sq_health_set_sources(sq_health_t *h, const char *json, size_t len, double lag) {
  pthread_mutex_lock(&h->lock);
  replace(&h->sources, json, len);
  h->lag = lag;
  pthread_mutex_unlock(&h->lock);
}

void sq_health_set_blocked_sinks(sq_health_t *h, const char *json, size_t len) {
  pthread_mutex_lock(&h->lock);
  replace(&h->blocked_sinks, json, len);
  pthread_mutex_unlock(&h->lock);
}

static void render_health(sq_health_t *h, sq_buf_t *out) {
  int broker = atomic_load(&h->broker_up), failing = atomic_load(&h->failing);
  const char *status = failing ? "failing" : broker == 0 || atomic_load(&h->checkpoint_failing) ? "degraded" : "ok";
  union { uint64_t u; double d; } last = {.u = atomic_load(&h->checkpoint_bits)};
  char since[32] = "null";
  if (last.u) snprintf(since, sizeof since, "%.3f", sq_clock_seconds() - last.d);
  char text[512];
  pthread_mutex_lock(&h->lock);
  bool blocked = h->blocked_sinks && strcmp(h->blocked_sinks, "[]") != 0;
  if (!failing && blocked) status = "degraded";
  snprintf(text, sizeof text,
           "{\"status\":\"%s\",\"broker_connected\":%s,\"uptime_seconds\":%.3f,\"records_in\":%llu,\"records_out\":%llu,"
           "\"seconds_since_checkpoint\":%s,\"lag\":%.0f,\"sources\":",
           status, broker < 0 ? "null" : broker ? "true" : "false", sq_clock_seconds() - h->started,
           (unsigned long long)atomic_load(&h->records_in), (unsigned long long)atomic_load(&h->records_out), since, h->lag);
  sq_buf_puts(out, text);
  sq_buf_puts(out, h->sources ? h->sources : "[]");
  sq_buf_puts(out, ",\"blocked_sinks\":");
  sq_buf_puts(out, h->blocked_sinks ? h->blocked_sinks : "[]");
  pthread_mutex_unlock(&h->lock);
  sq_buf_puts(out, "}\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state) {
  (void)version, (void)upload, (void)upload_size, (void)state;
  sq_metrics_http_t *s = cls;
  sq_buf_t body = {0};
  const char *type = "text/plain; charset=utf-8";
  unsigned code = MHD_HTTP_OK;
  if (strcmp(method, "GET") != 0) {
    code = MHD_HTTP_METHOD_NOT_ALLOWED;
    sq_buf_puts(&body, "only GET\n");
  } else if (strcmp(url, "/metrics") == 0) {
    type = "text/plain; version=0.0.4; charset=utf-8";
    sq_metrics_render(s->metrics, &body);
  } else if (strcmp(url, "/health") == 0) {
    type = "application/json";
    render_health(s->health, &body);
  } else {
    code = MHD_HTTP_NOT_FOUND;
    sq_buf_puts(&body, "not found: try /metrics or /health\n");
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_COPY);
  sq_buf_free(&body);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  enum MHD_Result ret = MHD_queue_response(conn, code, r);
  MHD_destroy_response(r);
  return ret;
}

bool sq_metrics_addr_parse(const char *addr, struct sockaddr_in *out, char *err, size_t err_size) {
  char host[64] = "127.0.0.1";
  const char *colon = strrchr(addr, ':'), *port = colon ? colon + 1 : addr;
  bool ok = !colon || ((size_t)(colon - addr) < sizeof host && colon > addr);
  if (ok && colon) {
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
  }
  size_t digits = strspn(port, "0123456789");
  long number = digits && digits <= 5 && !port[digits] ? strtol(port, NULL, 10) : 0;
  *out = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)number)};
  if (ok && number >= 1 && number <= 65535 && inet_pton(AF_INET, host, &out->sin_addr) == 1) return true;
  snprintf(err, err_size, "--metrics-addr needs [HOST:]PORT with an IPv4 host and a port from 1 to 65535, not '%s'", addr);
  return false;
}

sq_metrics_http_t *sq_metrics_http_start(const struct sockaddr_in *addr, sq_metrics_t *m, sq_health_t *h, char *err, size_t err_size) {
  sq_metrics_http_t *s = calloc(1, sizeof *s);
  if (!s) return snprintf(err, err_size, "out of memory"), NULL;
  s->metrics = m;
  s->health = h;
  s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, ntohs(addr->sin_port), NULL, NULL, handle, s,
                               MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr, MHD_OPTION_END);
  if (!s->daemon) {
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr->sin_addr, host, sizeof host);
    snprintf(err, err_size, "cannot serve metrics on %s:%u (address in use?)", host, ntohs(addr->sin_port));
    free(s);
    return NULL;
  }
  return s;
}

void sq_metrics_http_stop(sq_metrics_http_t *s) {
  if (!s) return;
  MHD_stop_daemon(s->daemon);
  free(s);
}
