/* A topic of streamq's own, there with the right partition count. */
#ifndef SQ_KAFKA_TOPIC_ENSURE_H
#define SQ_KAFKA_TOPIC_ENSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/* Creates `topic` with `partitions` partitions and `config` (key, value,
 * ..., NULL) unless it exists. True when it exists with that many
 * partitions; else false with *found its partition count (0: it is not
 * there) and, when not there, the reason in `why`. */
bool sq_kafka_topic_ensure(rd_kafka_t *rk, const char *topic, int32_t partitions, const char *const *config, int32_t *found,
                           char *why, size_t why_size);

#endif
