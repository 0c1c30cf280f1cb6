/* What every Kafka client of a pipeline shares: the bootstrap servers
 * (--brokers, else SET 'kafka.bootstrap.servers', else STREAMQ_BROKERS)
 * and every SET 'kafka.<property>' passed to librdkafka as is. Values
 * may use ${NAME}; they are never printed. */
#ifndef SQ_KAFKA_CLIENT_H
#define SQ_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

#include "engine/analyze.h"

typedef struct sq_kafka_property {
  char *key, *value;
} sq_kafka_property_t;

typedef struct sq_kafka_settings {
  char *bootstrap;              /* NULL: none configured */
  sq_kafka_property_t *props;   /* without the "kafka." prefix; bootstrap excluded */
  size_t n_props;
} sq_kafka_settings_t;

/* Collects the settings of `prog`; `brokers` (may be NULL) overrides.
 * False with `err` (an unset ${NAME}, out of memory). */
bool sq_kafka_settings_load(sq_kafka_settings_t *k, const sq_program_t *prog, const char *brokers, char *err, size_t err_size);
void sq_kafka_settings_free(sq_kafka_settings_t *k);
/* Broker connectivity as the pipeline's Kafka clients see it: -1 before
 * any client exists, 0 after librdkafka reports every broker down, 1 once
 * a record is read or delivered again. */
int sq_kafka_broker_up(void);
void sq_kafka_broker_seen(void);

/* A librdkafka configuration with the settings applied, plus `extra`
 * key/value pairs (NULL-terminated, may be NULL) set first so the
 * pipeline's own settings can override them. NULL with `err`. */
rd_kafka_conf_t *sq_kafka_conf(const sq_kafka_settings_t *k, const char *const *extra, char *err, size_t err_size);

#endif
