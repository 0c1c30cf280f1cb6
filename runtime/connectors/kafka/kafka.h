/* The kafka connector: topics as sources (in a consumer group), tables
 * (every partition, outside the group) and sinks (idempotent, or
 * transactional with `delivery = 'exactly_once'`), with librdkafka. */
#ifndef SQ_KAFKA_CONNECTOR_H
#define SQ_KAFKA_CONNECTOR_H

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_kafka;

sq_reader_t *sq_kafka_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size);
/* The consumer group of a source: its `group_id`, else "streamq-<pipeline>". */
void sq_kafka_group_of(const sq_relation_t *rel, const struct sq_runtime *rt, char *out, size_t size);
/* The changelog topic of a source running as tasks: "<group>.changelog". */
void sq_kafka_changelog_topic(const sq_relation_t *rel, const struct sq_runtime *rt, char *out, size_t size);
sq_sink_t *sq_kafka_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err, size_t err_size);

#endif
