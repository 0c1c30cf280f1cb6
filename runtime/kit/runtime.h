/* What the runtime pieces of one `streamq run` share: the pipeline's name
 * (the default Kafka consumer group) and its Kafka client settings. */
#ifndef SQ_RUNTIME_H
#define SQ_RUNTIME_H

#include "runtime/connectors/kafka/client.h"
#include "runtime/app/metrics_http.h"

typedef struct sq_runtime {
  const char *pipeline;  /* the pipeline file's stem */
  sq_kafka_settings_t kafka;
  bool quiet;            /* no informational log lines */
  sq_metrics_t *metrics; /* always kept; served with --metrics-addr */
  double skew_warn_ratio; /* SET 'partition.skew.warn_ratio' (default 4) */
  int64_t checkpoint_interval_ms; /* --checkpoint-interval, SET 'checkpoint.interval' (default 10 s) */
  double checkpoint_warn_share;   /* SET 'checkpoint.warn_share': warn when a checkpoint takes this share of the interval */
  size_t http_buffer_bytes;       /* SET 'http.buffer.bytes': rows an http sink holds before sources pause */
  sq_health_t health;
} sq_runtime_t;

#endif
