/* The embedded development broker (docs/ARCHITECTURE.md §6): librdkafka's mock
 * cluster, which speaks the real Kafka protocol on localhost sockets. It
 * keeps about 5 MiB per partition (older data is dropped) and nothing
 * survives the process: for development and tests, not production. */
#ifndef SQ_KAFKA_BROKER_H
#define SQ_KAFKA_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sq_kafka_broker sq_kafka_broker_t;

/* Starts a cluster of `brokers` brokers. With `port` > 0 the bootstrap
 * address is 127.0.0.1:port (forwarded to broker 1; clients then use the
 * addresses the brokers advertise). NULL with `err`. */
sq_kafka_broker_t *sq_kafka_broker_start(int brokers, int port, char *err, size_t err_size);
void sq_kafka_broker_stop(sq_kafka_broker_t *b);
/* The bootstrap servers string for clients. */
const char *sq_kafka_broker_bootstrap(const sq_kafka_broker_t *b);
/* Creates a topic (topics a client uses without creating them get 4
 * partitions). False with `err`. */
bool sq_kafka_broker_create_topic(sq_kafka_broker_t *b, const char *topic, int partitions, char *err, size_t err_size);
/* Fault injection: take broker `id` (1-based) down or bring it back. */
bool sq_kafka_broker_set_down(sq_kafka_broker_t *b, int id, bool down);
/* The next `count` requests of Kafka API `api_key` fail with `error`. */
void sq_kafka_broker_fail_requests(sq_kafka_broker_t *b, int16_t api_key, int error, int count);
/* The next `count` requests of Kafka API `api_key` to broker `id` are
 * answered `ms` late. */
void sq_kafka_broker_delay_requests(sq_kafka_broker_t *b, int id, int16_t api_key, int ms, int count);

#endif
