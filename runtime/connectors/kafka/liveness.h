/* Whether the pipeline's Kafka cluster answers (streamq_broker_up and
 * /health): a thread of its own asks the cluster for metadata every second
 * with a short timeout, through a client of its own, so a broker that is
 * down, unreachable or hung (connections accepted, nothing answered) is
 * reported within seconds, and one that is back as soon as it answers,
 * whether or not records flow. The engine thread only reads the result. */
#ifndef SQ_KAFKA_LIVENESS_H
#define SQ_KAFKA_LIVENESS_H

#include <stddef.h>

#include "runtime/connectors/kafka/client.h"

typedef struct sq_kafka_liveness sq_kafka_liveness_t;

/* Starts watching the cluster named by `k` (its settings apply to the
 * watching client too); the result goes to sq_kafka_broker_up. NULL with
 * `err`. */
sq_kafka_liveness_t *sq_kafka_liveness_start(const sq_kafka_settings_t *k, char *err, size_t err_size);
/* Stops the thread (waiting out a request in flight, at most its timeout)
 * and frees everything; NULL is a no-op. */
void sq_kafka_liveness_stop(sq_kafka_liveness_t *l);

#endif
