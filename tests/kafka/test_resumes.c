/* Resuming a paused partition at an offset (runtime/connectors/kafka/
 * resumes.c) against an in-process mock cluster. While an offset commit
 * is in flight librdkafka does not start a newly assigned partition's
 * fetcher and drops a seek made meanwhile: the partition must still
 * resume at the offset asked for, never at the one given at assignment.
 * A partition assigned at an absolute offset and sought while an answer
 * about offsets is slow must never move back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/connectors/kafka/broker.h"
#include "runtime/connectors/kafka/resumes.h"
#include "runtime/kit/clock.h"

#define TOPIC "resumed"
#define RECORDS 10
#define OFFSET_COMMIT 8 /* Kafka API keys */
#define LIST_OFFSETS 2

static sq_kafka_broker_t *broker;
static char err[1024];

static int start_broker(void **state) {
  (void)state;
  if (!(broker = sq_kafka_broker_start(1, 0, err, sizeof err))) return fprintf(stderr, "%s\n", err), -1;
  return sq_kafka_broker_create_topic(broker, TOPIC, 1, err, sizeof err) ? 0 : (fprintf(stderr, "%s\n", err), -1);
}

static int stop_broker(void **state) {
  (void)state;
  sq_kafka_broker_stop(broker);
  return 0;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *group) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", sq_kafka_broker_bootstrap(broker), err, sizeof err), RD_KAFKA_CONF_OK);
  if (group) {
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", group, err, sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err), RD_KAFKA_CONF_OK);
  }
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) fail_msg("%s", err);
  return rk;
}

static void produce_records(void) {
  rd_kafka_t *p = client(RD_KAFKA_PRODUCER, NULL);
  for (int i = 0; i < RECORDS; i++) {
    char value[16];
    snprintf(value, sizeof value, "r%d", i);
    assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(p);
}

static rd_kafka_topic_partition_list_t *at(int64_t offset) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, TOPIC, 0)->offset = offset;
  return list;
}

/* Assigns partition 0 at `offset`, paused: as a task's partition waits
 * for its restore. */
static void assign_paused(rd_kafka_t *c, int64_t offset) {
  rd_kafka_topic_partition_list_t *list = at(offset);
  assert_int_equal(rd_kafka_assign(c, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  assert_int_equal(rd_kafka_pause_partitions(c, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
}

static void close_consumer(rd_kafka_t *c, sq_kafka_resumes_t *r) {
  sq_kafka_resumes_free(r);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
}

/* The offsets read in `ms` milliseconds, serving the resumes meanwhile,
 * into `got` (at most `max`); how many. */
static int read_for(rd_kafka_t *c, sq_kafka_resumes_t *r, int ms, int64_t *got, int max) {
  int n = 0;
  for (int waited = 0; waited < ms; waited += 100) {
    sq_kafka_resumes_serve(r, sq_clock_ms());
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
    if (m && !m->err && n < max) got[n++] = m->offset;
    if (m) rd_kafka_message_destroy(m);
  }
  return n;
}

static void resumes_where_asked_though_the_fetcher_starts_late(void **state) {
  (void)state;
  produce_records();
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, "resumes");
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t *list = at(1);
  assert_int_equal(rd_kafka_commit(c, list, 0), RD_KAFKA_RESP_ERR_NO_ERROR); /* the coordinator is known */
  sq_kafka_broker_delay_requests(broker, 1, OFFSET_COMMIT, 2000, 1);
  assert_int_equal(rd_kafka_commit(c, list, 1), RD_KAFKA_RESP_ERR_NO_ERROR); /* in flight for 2 s */
  rd_kafka_topic_partition_list_destroy(list);

  assign_paused(c, RD_KAFKA_OFFSET_BEGINNING);
  /* the hazard: a seek now is not taken */
  list = at(5);
  rd_kafka_error_t *e = rd_kafka_seek_partitions(c, list, 1000);
  assert_null(e);
  assert_int_not_equal(list->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);

  sq_kafka_resumes_t r = {.consumer = c, .topic = TOPIC};
  assert_true(sq_kafka_resume_at(&r, 0, 5, sq_clock_ms()));
  sq_kafka_resumes_serve(&r, sq_clock_ms());
  assert_int_equal(r.pending, 1); /* still waiting for the fetcher */
  int64_t got[4 * RECORDS];
  int n = read_for(c, &r, 4000, got, 4 * RECORDS);
  assert_int_equal(r.pending, 0);
  assert_int_equal(n, RECORDS - 5);
  assert_int_equal(got[0], 5);
  close_consumer(c, &r);
}

static void sought_partition_never_moves_back(void **state) {
  (void)state;
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, "absolute");
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_t *handle = rd_kafka_topic_new(c, TOPIC, NULL); /* the leader is known: offset answers are asked for at once */
  int64_t start = sq_kafka_absolute_offset(c, TOPIC, 0, RD_KAFKA_OFFSET_BEGINNING);
  assert_int_equal(start, 0);
  assert_int_equal(sq_kafka_absolute_offset(c, TOPIC, 0, RD_KAFKA_OFFSET_END), RECORDS);
  assert_int_equal(sq_kafka_absolute_offset(c, TOPIC, 0, 3), 3);
  sq_kafka_broker_delay_requests(broker, 1, LIST_OFFSETS, 1000, 1);
  assign_paused(c, start);
  sq_kafka_resumes_t r = {.consumer = c, .topic = TOPIC};
  assert_true(sq_kafka_resume_at(&r, 0, 5, sq_clock_ms()));
  int64_t got[4 * RECORDS];
  int n = read_for(c, &r, 3000, got, 4 * RECORDS); /* a late answer moved the partition back within 2 s */
  assert_int_equal(n, RECORDS - 5);
  for (int i = 0; i < n; i++) assert_int_equal(got[i], 5 + i);
  rd_kafka_topic_destroy(handle);
  close_consumer(c, &r);
}

/* A resume cancelled (the partition paused again or given up) never
 * resumes it. */
static void cancelled_resume_stays_paused(void **state) {
  (void)state;
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, "cancelled");
  rd_kafka_poll_set_consumer(c);
  assign_paused(c, RD_KAFKA_OFFSET_BEGINNING);
  sq_kafka_resumes_t r = {.consumer = c, .topic = TOPIC};
  assert_true(sq_kafka_resume_at(&r, 0, 2, sq_clock_ms()));
  sq_kafka_resume_cancel(&r, 0);
  assert_int_equal(r.pending, 0);
  int64_t got[RECORDS];
  assert_int_equal(read_for(c, &r, 1000, got, RECORDS), 0);
  close_consumer(c, &r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(resumes_where_asked_though_the_fetcher_starts_late),
      cmocka_unit_test(sought_partition_never_moves_back),
      cmocka_unit_test(cancelled_resume_stays_paused),
  };
  return cmocka_run_group_tests(tests, start_broker, stop_broker);
}
