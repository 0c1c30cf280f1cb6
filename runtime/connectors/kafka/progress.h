/* The progress records of transactional Kafka sinks (docs/ARCHITECTURE.md §4):
 * each transaction a sink commits also writes (id, checkpoint sequence) to
 * the sink's progress topic, so that after a crash the sink can tell
 * whether the transaction of its last checkpoint committed. */
#ifndef SQ_KAFKA_PROGRESS_H
#define SQ_KAFKA_PROGRESS_H

#include <stdint.h>

#include "engine/sink.h"
#include "runtime/connectors/kafka/client.h"

/* The progress topic of a sink topic: "<topic>.streamq-progress". */
void sq_kafka_progress_topic(const char *topic, char *out, size_t size);
/* A progress record's value: "<state id in hex>:<sequence>"; its length. */
int sq_kafka_progress_format(sq_checkpoint_id_t id, char *out, size_t size);
/* The highest sequence committed under transactional id `id` by state
 * directory `state` (0 if none) into *seq, read with isolation.level =
 * read_committed. False with `err`. */
bool sq_kafka_progress_read(const sq_kafka_settings_t *ks, const char *topic, const char *id, uint64_t state, uint64_t *seq,
                            char *err, size_t err_size);

#endif
