/* Making sure a topic streamq writes its own records to (a changelog, a
 * repartition topic) exists with the partition count the application
 * needs: created with the Admin API when missing, never changed when
 * present. */
#include "runtime/connectors/kafka/topic_ensure.h"

#include <stdio.h>

#include "runtime/connectors/kafka/topics.h"

#define ADMIN_TIMEOUT_MS 10000

/* Asks the cluster to create the topic with the Admin API: the error
 * (none when it exists already) with its reason in `why`. */
static rd_kafka_resp_err_t create_topic(rd_kafka_t *rk, const char *name, int32_t partitions, const char *const *config, char *why,
                                        size_t why_size) {
  rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(name, (int)partitions, -1, why, why_size);
  if (!topic) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  for (size_t i = 0; config && config[i]; i += 2) rd_kafka_NewTopic_set_config(topic, config[i], config[i + 1]);
  rd_kafka_AdminOptions_t *options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, ADMIN_TIMEOUT_MS, why, why_size);
  rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(queue, 2 * ADMIN_TIMEOUT_MS);
  rd_kafka_resp_err_t e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
  const char *reason = ev && e ? rd_kafka_event_error_string(ev) : rd_kafka_err2str(e);
  if (!e) {
    size_t n = 0;
    const rd_kafka_topic_result_t **results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n == 1 && (e = rd_kafka_topic_result_error(results[0]))) {
      reason = rd_kafka_topic_result_error_string(results[0]);
      if (!reason) reason = rd_kafka_err2str(e);
    }
  }
  if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) e = RD_KAFKA_RESP_ERR_NO_ERROR; /* another process of the application, or earlier */
  snprintf(why, why_size, "%s", reason);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(topic);
  return e;
}

bool sq_kafka_topic_ensure(rd_kafka_t *rk, const char *topic, int32_t partitions, const char *const *config, int32_t *found,
                           char *why, size_t why_size) {
  sq_kafka_topic_list_t list;
  char look[512];
  bool there = sq_kafka_topics(rk, topic, false, ADMIN_TIMEOUT_MS, &list, look, sizeof look);
  rd_kafka_resp_err_t created = there ? RD_KAFKA_RESP_ERR_NO_ERROR : create_topic(rk, topic, partitions, config, why, why_size);
  for (int tries = 0; !there && !created && tries < 40; tries++) { /* a new topic can take a moment to show */
    sq_kafka_topic_list_free(&list);
    rd_kafka_poll(rk, 250);
    there = sq_kafka_topics(rk, topic, false, ADMIN_TIMEOUT_MS, &list, look, sizeof look);
  }
  *found = there ? list.topics[0].n_parts : 0;
  sq_kafka_topic_list_free(&list);
  if (!there) {
    char reason[512];
    snprintf(reason, sizeof reason, "%s", why);
    snprintf(why, why_size, "%s, and creating it with %d partitions failed: %s", look, (int)partitions, reason);
  }
  return there && *found == partitions;
}
