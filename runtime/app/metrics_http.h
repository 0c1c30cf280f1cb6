/* `--metrics-addr`: GET /metrics (Prometheus text format) and GET /health
 * (JSON) served by libmicrohttpd on its own thread. */
#ifndef SQ_METRICS_HTTP_H
#define SQ_METRICS_HTTP_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime/kit/metrics.h"

/* What /health reports; the engine thread updates it. */
typedef struct sq_health {
  _Atomic int broker_up;        /* sq_kafka_broker_up: 1 while the cluster answers; -1 without Kafka */
  _Atomic int failing;          /* the pipeline is stopping on an error */
  _Atomic uint64_t records_in, records_out;
  _Atomic uint64_t checkpoint_bits; /* monotonic seconds of the last checkpoint, as a double's bits; 0 before one */
  _Atomic int checkpoint_failing;   /* the last checkpoint attempt failed */
  double started;               /* monotonic seconds */
  pthread_mutex_t lock;         /* guards the two below */
  char *sources;                /* JSON array of per-source state, or NULL */
  double lag;                   /* total consumer lag */
  char *blocked_sinks;          /* JSON array of the sinks that pause the sources, or NULL */
} sq_health_t;

/* Initializes / frees the locked part. */
void sq_health_init(sq_health_t *h);
void sq_health_free(sq_health_t *h);
/* Publishes per-source state (a JSON array of `len` bytes) and the total lag. */
void sq_health_set_sources(sq_health_t *h, const char *json, size_t len, double lag);
/* Publishes the names of the sinks whose full buffer pauses the sources (a JSON array). */
void sq_health_set_blocked_sinks(sq_health_t *h, const char *json, size_t len);

typedef struct sq_metrics_http sq_metrics_http_t;

/* Parses ADDR = [HOST:]PORT: an IPv4 host (default 127.0.0.1) and a port
 * in 1..65535. False with `err` (a bad argument, found before anything
 * starts). */
bool sq_metrics_addr_parse(const char *addr, struct sockaddr_in *out, char *err, size_t err_size);
/* Serves `m` and `h` (borrowed) at `addr`. NULL with `err` (e.g. the port
 * is taken). */
sq_metrics_http_t *sq_metrics_http_start(const struct sockaddr_in *addr, sq_metrics_t *m, sq_health_t *h, char *err, size_t err_size);
void sq_metrics_http_stop(sq_metrics_http_t *s);

#endif
