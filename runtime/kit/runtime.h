/* What the connectors and the run loop of one pipeline share: its name
 * (the default Kafka consumer group), its Kafka client settings, the
 * settings that tune the run, the metrics registry and the health state. */
#ifndef SQ_RUNTIME_H
#define SQ_RUNTIME_H

#include "runtime/connectors/kafka/client.h"
#include "runtime/app/metrics_http.h"

/* How sources read (LANGUAGE.md §1): a pipeline reads in its consumer
 * group from its checkpoints; an ad-hoc query reads every partition
 * outside any group, commits nothing, and either stops at the end offsets
 * the partitions had when it started or follows them live. */
typedef enum sq_read_mode {
  SQ_READ_PIPELINE,
  SQ_READ_BOUNDED, /* from the beginning to the end offsets at start, then END */
  SQ_READ_LIVE,    /* from `live_from_earliest` ? the beginning : the end, never ending */
} sq_read_mode_t;

typedef struct sq_runtime {
  const char *pipeline;  /* the pipeline file's stem */
  sq_kafka_settings_t kafka;
  bool quiet;            /* no informational log lines */
  sq_metrics_t *metrics; /* always kept; served with --metrics-addr */
  double skew_warn_ratio; /* SET 'partition.skew.warn_ratio' (default 4) */
  int64_t checkpoint_interval_ms; /* --checkpoint-interval, SET 'checkpoint.interval' (default 10 s) */
  double checkpoint_warn_share;   /* SET 'checkpoint.warn_share': warn when a checkpoint takes this share of the interval */
  size_t http_buffer_bytes;       /* SET 'http.buffer.bytes': rows an http sink holds before sources pause */
  bool changelog;                 /* SET 'scale.changelog' (default 'on'): tasks' state goes to a changelog topic */
  int64_t watermark_interval_ms;  /* SET 'watermark.interval' (default 200 ms): how often stage 1 marks watermarks */
  const struct sq_relation *task_leader; /* the partitioned_by source in the consumer group; the other
                                          * partitioned sources follow its assignment (NULL: none) */
  sq_health_t health;
  /* Opens a source's reader in place of its connector (NULL: the
   * connector's own): `streamq test` feeds fixtures this way. */
  struct sq_reader *(*open_reader)(const struct sq_runtime *rt, const struct sq_relation *rel, const bool *read, char *err,
                                   size_t err_size);
  void *open_reader_ctx;
  const char *command;             /* what errors are prefixed with ("streamq run: "); NULL: "run" */
  sq_read_mode_t read_mode;
  bool live_from_earliest;        /* SQ_READ_LIVE: SET 'start' = 'earliest' */
} sq_runtime_t;

#endif
