/* End-to-end latency through a Kafka→Kafka pipeline: produces
 * {"id":n,"sent":<epoch µs>} to IN at RATE records/s for SECONDS, reads
 * OUT (joined before producing starts) and reports the p50, p99 and max of
 * arrival time minus "sent", in milliseconds, leaving out the first
 * second's records (connections and metadata are set up then).
 * Prints: RECORDS_MEASURED P50 P99 MAX
 * Usage: kafka_latency BOOTSTRAP IN OUT RATE SECONDS */
#define _GNU_SOURCE /* memmem */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *bootstrap, *in_topic;
static long rate, seconds;
static volatile int assigned;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
    assigned = 1;
  } else {
    rd_kafka_assign(rk, NULL);
  }
}

static void *produce(void *arg) {
  (void)arg;
  char err[256], value[64];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  int64_t start = now_us();
  for (long n = 0; n < rate * seconds; n++) {
    int64_t due = start + n * 1000000 / rate, wait = due - now_us();
    if (wait > 0) nanosleep(&(struct timespec){wait / 1000000, (wait % 1000000) * 1000}, NULL); /* never spin: 2 cores */
    rd_kafka_poll(rk, 0);
    int len = snprintf(value, sizeof value, "{\"id\":%ld,\"sent\":%lld}", n, (long long)now_us());
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(in_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_VALUE(value, (size_t)len), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 1);
  }
  rd_kafka_flush(rk, 10000);
  rd_kafka_destroy(rk);
  return NULL;
}

static int compare(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: kafka_latency BOOTSTRAP IN OUT RATE SECONDS\n");
    return 1;
  }
  bootstrap = argv[1], in_topic = argv[2], rate = atol(argv[4]), seconds = atol(argv[5]);
  long want = rate * seconds, got = 0, n = 0;
  int64_t *measured = malloc((size_t)want * sizeof *measured);
  char err[256], group[64];
  snprintf(group, sizeof group, "latency-%ld", (long)now_us());
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
  /* only what this run produces: the topic may hold earlier runs' records */
  rd_kafka_conf_set(conf, "auto.offset.reset", "latest", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "1", err, sizeof err);
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, argv[3], RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  while (!assigned) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m) rd_kafka_message_destroy(m);
  }
  pthread_t producer;
  pthread_create(&producer, NULL, produce, NULL);
  int64_t deadline = now_us() + (seconds + 30) * 1000000;
  while (got < want && now_us() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    int64_t arrived = now_us();
    const char *sent = m->err ? NULL : memmem(m->payload, m->len, "\"sent\":", 7);
    const char *id = m->err ? NULL : memmem(m->payload, m->len, "\"id\":", 5);
    if (sent) {
      got++;
      bool warm_up = id && strtol(id + 5, NULL, 10) < rate; /* sent in the first second */
      if (!warm_up) measured[n++] = arrived - strtoll(sent + 7, NULL, 10);
    }
    rd_kafka_message_destroy(m);
  }
  pthread_join(producer, NULL);
  if (n <= 0) return 1;
  qsort(measured, (size_t)n, sizeof *measured, compare);
  printf("%ld %.2f %.2f %.2f\n", n, measured[n / 2] / 1000.0, measured[(long)(n * 0.99)] / 1000.0, measured[n - 1] / 1000.0);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  free(measured);
  return got == want ? 0 : 2;
}
