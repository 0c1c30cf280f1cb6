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
/* Whether the Kafka cluster answers: -1 before any client exists, then
 * 1 (assumed) until the liveness probe (kafka_liveness.h) says otherwise. */
int sq_kafka_broker_up(void);
/* The probe's verdict; a change is logged ("broker down: `why`" or
 * "broker up"). */
void sq_kafka_broker_reached(bool up, const char *why);

/* A librdkafka configuration with the settings applied, plus `extra`
 * key/value pairs (NULL-terminated, may be NULL) set first so the
 * pipeline's own settings can override them. NULL with `err`. */
rd_kafka_conf_t *sq_kafka_conf(const sq_kafka_settings_t *k, const char *const *extra, char *err, size_t err_size);

#endif
