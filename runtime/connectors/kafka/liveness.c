/* The liveness probe of the Kafka cluster. Why a metadata request and
 * not librdkafka's own signals: its statistics keep a broker "UP" while
 * the connection stands, so a hung broker stays up until socket.timeout.ms
 * (a minute) ends the connection; its error events say when every broker
 * is down but never when one is back; and both arrive on the consumer's
 * queue, in the engine thread. A request answered or not within
 * TIMEOUT_MS is what "the cluster is reachable" means to a pipeline, and
 * a thread of its own waits for it. Its client reconnects within a second
 * of a broker's return (librdkafka backs off up to 10 s by default). */
#include "runtime/connectors/kafka/liveness.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INTERVAL_MS 1000
#define TIMEOUT_MS 2000

struct sq_kafka_liveness {
  rd_kafka_t *rk;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stopping; /* guarded by lock */
};

static void *probe_main(void *arg) {
  sq_kafka_liveness_t *l = arg;
  pthread_mutex_lock(&l->lock);
  while (!l->stopping) {
    pthread_mutex_unlock(&l->lock);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(l->rk, 0, NULL, &md, TIMEOUT_MS);
    if (md) rd_kafka_metadata_destroy(md);
    char why[160];
    snprintf(why, sizeof why, "no answer from the Kafka cluster within %d ms: %s", TIMEOUT_MS, rd_kafka_err2str(e));
    sq_kafka_broker_reached(!e, why);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += INTERVAL_MS / 1000;
    pthread_mutex_lock(&l->lock);
    while (!l->stopping && pthread_cond_timedwait(&l->wake, &l->lock, &until) != ETIMEDOUT) {}
  }
  pthread_mutex_unlock(&l->lock);
  return NULL;
}

sq_kafka_liveness_t *sq_kafka_liveness_start(const sq_kafka_settings_t *k, char *err, size_t err_size) {
  static const char *const extra[] = {"client.id", "streamq-liveness", "reconnect.backoff.max.ms", "1000",
                                      "log_level", "0", /* the pipeline's own clients log the same failures */
                                      NULL};
  sq_kafka_liveness_t *l = calloc(1, sizeof *l);
  if (!l) return snprintf(err, err_size, "out of memory"), NULL;
  rd_kafka_conf_t *conf = sq_kafka_conf(k, extra, err, err_size);
  char rd_err[256];
  if (!conf) return free(l), NULL;
  if (!(l->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof rd_err))) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, err_size, "cannot create the Kafka liveness client: %s", rd_err);
    free(l);
    return NULL;
  }
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->wake, NULL);
  if (pthread_create(&l->thread, NULL, probe_main, l) != 0) {
    snprintf(err, err_size, "cannot start the Kafka liveness thread");
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    rd_kafka_destroy(l->rk);
    free(l);
    return NULL;
  }
  return l;
}

void sq_kafka_liveness_stop(sq_kafka_liveness_t *l) {
  if (!l) return;
  pthread_mutex_lock(&l->lock);
  l->stopping = true;
  pthread_cond_signal(&l->wake);
  pthread_mutex_unlock(&l->lock);
  pthread_join(l->thread, NULL);
  pthread_cond_destroy(&l->wake);
  pthread_mutex_destroy(&l->lock);
  rd_kafka_destroy(l->rk);
  free(l);
}
