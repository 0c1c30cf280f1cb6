/* Looking at topics from outside any pipeline, for the ad-hoc statements
 * (SHOW TOPICS, DESCRIBE TOPIC, PRINT): the topics with their partitions
 * and offsets, offsets for a time, and a consumer assigned to a topic's
 * partitions that never joins its group nor commits. */
#ifndef SQ_KAFKA_TOPICS_H
#define SQ_KAFKA_TOPICS_H

#include <signal.h>

#include "runtime/connectors/kafka/client.h"

typedef struct sq_kafka_partition_info {
  int64_t low, high; /* the first offset and the one after the last */
} sq_kafka_partition_info_t;

typedef struct sq_kafka_topic_info {
  char *name;                       /* owned */
  sq_kafka_partition_info_t *parts; /* owned; offsets are -1 unless asked for */
  int32_t n_parts;
} sq_kafka_topic_info_t;

typedef struct sq_kafka_topic_list {
  sq_kafka_topic_info_t *topics; /* sorted by name */
  size_t n;
} sq_kafka_topic_list_t;

/* A client for the calls below: a consumer whose group is never joined.
 * NULL with `err`. Free with rd_kafka_destroy. */
rd_kafka_t *sq_kafka_inspector_new(const sq_kafka_settings_t *settings, char *err, size_t err_size);
/* The same with group.id `group`, whose committed offsets it can read
 * (rd_kafka_committed) without joining the group. */
rd_kafka_t *sq_kafka_group_inspector_new(const sq_kafka_settings_t *settings, const char *group, char *err, size_t err_size);
/* Every topic (`only` NULL; internal ones left out) or topic `only` (an
 * error when it does not exist), with their offsets when `offsets`. Gives
 * up after `timeout_ms`, or sooner when every broker is down. False with
 * `err`; free *out with sq_kafka_topic_list_free in every case. */
bool sq_kafka_topics(rd_kafka_t *rk, const char *only, bool offsets, int timeout_ms, sq_kafka_topic_list_t *out, char *err,
                     size_t err_size);
void sq_kafka_topic_list_free(sq_kafka_topic_list_t *list);

/* A record as sq_kafka_read_records hands it out (borrowed for the call). */
typedef struct sq_kafka_record {
  int32_t partition;
  int64_t offset, timestamp; /* timestamp -1 when it has none */
  const void *key, *value;   /* NULL when absent */
  size_t key_len, value_len;
} sq_kafka_record_t;

/* Returns false to stop reading. */
typedef bool (*sq_kafka_record_fn)(void *ctx, const sq_kafka_record_t *record);

/* Reads `topic` outside any group, partition p from offset start[p]
 * (RD_KAFKA_OFFSET_BEGINNING/END allowed) and, when `end` is not NULL, up
 * to end[p] exclusive (then it returns once all are there). Calls `fn`
 * for each record until it returns false or *stop is set. False with
 * `err` when the consumer cannot be made. */
bool sq_kafka_read_records(const sq_kafka_settings_t *settings, const char *topic, const int64_t *start, const int64_t *end,
                           int32_t n_parts, sq_kafka_record_fn fn, void *ctx, volatile sig_atomic_t *stop, char *err,
                           size_t err_size);
/* The first offset of each partition at or after `ms` (the end where there
 * is none) into offsets[0 .. n_parts). False with `err`. */
bool sq_kafka_offsets_for_time(rd_kafka_t *rk, const char *topic, int32_t n_parts, int64_t ms, int64_t *offsets, char *err,
                               size_t err_size);

#endif
