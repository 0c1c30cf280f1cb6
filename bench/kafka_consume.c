/* The Kafka input limit: a raw librdkafka consume loop, with the same
 * batch queue API streamq uses, reading N records of a topic from the
 * beginning in a fresh consumer group and touching every payload byte.
 * Prints the seconds from partition assignment to the last record (the
 * group join, slow on the mock broker, is not consumption).
 * Usage: kafka_consume BOOTSTRAP TOPIC N */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double assigned_at;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (!assigned_at) assigned_at = now();
    rd_kafka_assign(rk, parts);
  } else {
    rd_kafka_assign(rk, NULL);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kafka_consume BOOTSTRAP TOPIC N\n");
    return 1;
  }
  long want = atol(argv[3]), got = 0;
  unsigned long sum = 0;
  char err[256], group[64];
  snprintf(group, sizeof group, "raw-%ld", (long)time(NULL) ^ (long)clock());
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) return 1;
  rd_kafka_poll_set_consumer(rk);
  /* Leaders looked up before assignment, as streamq does (else partitions
   * assigned first wait 500 ms for an offset-query retry). */
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[2], NULL);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  rd_kafka_message_t *msgs[1024];
  while (got < want) {
    /* As streamq reads: what is queued at once, else wait for one record
     * (a batch call waits its whole timeout for a full batch). */
    ssize_t n = rd_kafka_consume_batch_queue(queue, 0, msgs, 1024);
    if (n == 0 && (n = rd_kafka_consume_batch_queue(queue, 10, msgs, 1)) == 1) {
      ssize_t more = rd_kafka_consume_batch_queue(queue, 0, msgs + 1, 1023);
      n += more > 0 ? more : 0;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (!msgs[i]->err) {
        const unsigned char *p = msgs[i]->payload;
        for (size_t b = 0; b < msgs[i]->len; b++) sum += p[b];
        got++;
      }
      rd_kafka_message_destroy(msgs[i]);
    }
  }
  printf("%.3f\n", now() - assigned_at);
  fprintf(stderr, "%ld records, checksum %lu\n", got, sum);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(topic);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}
