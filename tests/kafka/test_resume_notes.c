/* A stage-1 Kafka source taking partitions over at their committed
 * offsets and notes (runtime/connectors/kafka/source.c, resume_from_notes)
 * while the group coordinator refuses to say what they are, against an
 * in-process mock cluster. The source must not guess where the previous
 * holder cut its partials, nor stop: the partitions wait, paused, until
 * the notes are read, then read from the committed offsets with the
 * notes' event times. A position left from an earlier hold of a partition
 * is never committed over the group's offset and note: partition 1 has
 * no records after its committed offset, so whatever this reader commits
 * for it stays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "front_end_fixture.h"
#include "engine/batch.h"
#include "runtime/connectors/kafka/broker.h"
#include "runtime/connectors/kafka/client.h"
#include "runtime/connectors/kafka/commit_note.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

#define OFFSET_FETCH 9 /* Kafka API key */
#define GROUP_AUTHORIZATION_FAILED 30
#define REFUSALS 4
#define RECORDS 10

/* Two sources, so that `raw` is a stage-1 source: it reads from group
 * app.stage1's committed offsets. */
static const char pipeline[] =
    "CREATE SOURCE raw (v BIGINT) WITH (connector = 'kafka', topic = 'raw', group_id = 'app', format = 'json');\n"
    "CREATE SOURCE tasks (v BIGINT) WITH (connector = 'kafka', topic = 'tasks', group_id = 'app', format = 'json');\n";

static const int64_t committed[2] = {4, RECORDS}, from_ts[2] = {12345, 777}, stale = 2;

static rd_kafka_t *client(const char *bootstrap, rd_kafka_type_t type, const char *group) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err), RD_KAFKA_CONF_OK);
  if (group) assert_int_equal(rd_kafka_conf_set(conf, "group.id", group, err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) fail_msg("%s", err);
  return rk;
}

/* RECORDS records in each of raw's two partitions, and the offsets and
 * notes a previous holder committed. */
static void previous_holder(const char *bootstrap) {
  rd_kafka_t *p = client(bootstrap, RD_KAFKA_PRODUCER, NULL);
  for (int32_t part = 0; part < 2; part++)
    for (int i = 0; i < RECORDS; i++) {
      char value[32];
      snprintf(value, sizeof value, "{\"v\":%d}", i);
      assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("raw"), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_END),
                       RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(p);
  rd_kafka_t *c = client(bootstrap, RD_KAFKA_CONSUMER, "app.stage1");
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(2);
  char text[2][SQ_COMMIT_NOTE_MAX];
  for (int32_t part = 0; part < 2; part++) {
    sq_commit_note_t note;
    sq_commit_note_self(&note, 1, 20);
    note.resumes = true, note.from_ts = from_ts[part];
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(list, "raw", part);
    tp->offset = committed[part];
    tp->metadata = text[part];
    tp->metadata_size = sq_commit_note_format(&note, text[part], sizeof text[part]);
  }
  assert_int_equal(rd_kafka_commit(c, list, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < list->cnt; i++) list->elems[i].metadata = NULL; /* ours, on the stack */
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(c);
}

static void notes_refused_for_a_while(void **state) {
  (void)state;
  char err[1024];
  sq_kafka_broker_t *broker = sq_kafka_broker_start(1, 0, err, sizeof err);
  if (!broker || !sq_kafka_broker_create_topic(broker, "raw", 2, err, sizeof err) ||
      !sq_kafka_broker_create_topic(broker, "tasks", 2, err, sizeof err))
    fail_msg("%s", err);
  const char *bootstrap = sq_kafka_broker_bootstrap(broker);
  previous_holder(bootstrap);

  fixture_t f = fixture_load(pipeline, 1);
  assert_int_equal(sq_diag_count(f.diag), 0);
  sq_runtime_t rt = {.quiet = true, .read_mode = SQ_READ_PIPELINE, .task_leader = sq_catalog_find(f.prog->catalog, "tasks")};
  if (!sq_kafka_settings_load(&rt.kafka, f.prog, bootstrap, err, sizeof err)) fail_msg("%s", err);
  sq_reader_t *r = sq_kafka_reader_open(sq_catalog_find(f.prog->catalog, "raw"), NULL, &rt, err, sizeof err);
  if (!r) fail_msg("%s", err);
  r->preaggregated = true;
  /* held before (as a checkpoint or an earlier assignment leaves them): positions behind the group's */
  assert_true(sq_reader_assign(r, 1, true, 0));
  for (uint32_t p = 0; p < 2; p++) r->parts[p].assigned = false, r->parts[p].next_offset = stale;
  sq_kafka_broker_fail_requests(broker, OFFSET_FETCH, GROUP_AUTHORIZATION_FAILED, REFUSALS);

  /* Read (checkpointing every 100 ms, as the run loop does) until both
   * partitions have been read to their ends. */
  sq_batch_t batch;
  assert_true(sq_batch_init(&batch, r->rel->n_columns, 64));
  sq_exec_t exec = {0};
  int rows[2] = {0, 0};
  int64_t start = sq_clock_ms(), checkpointed = 0, first_row_ms = 0;
  int64_t done_ms = 0; /* when every row was read and both notes taken: then a second of checkpoints */
  while (sq_clock_ms() - start < 30000 && (!done_ms || sq_clock_ms() - done_ms < 1000)) {
    batch.n = 0;
    assert_int_not_equal(r->cls->read(r, &batch, &exec), SQ_READ_ERROR);
    for (uint32_t i = 0; i < batch.n; i++) {
      int64_t part = sq_batch_row(&batch, i)[sq_relation_find_column(r->rel, "_partition")].u.i;
      assert_in_range(part, 0, 1);
      rows[part]++;
      if (!first_row_ms) first_row_ms = sq_clock_ms();
    }
    if (sq_clock_ms() - checkpointed >= 100) {
      for (uint32_t p = 0; p < r->n_parts; p++) r->parts[p].saved_offset = r->parts[p].next_offset;
      r->cls->checkpointed(r);
      checkpointed = sq_clock_ms();
    }
    if (!done_ms && rows[0] + rows[1] == 2 * RECORDS - committed[0] - committed[1] && r->n_parts == 2 &&
        r->parts[0].preagg.resume_max_ts == from_ts[0] && r->parts[1].preagg.resume_max_ts == from_ts[1])
      done_ms = sq_clock_ms();
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  assert_false(exec.failed);
  /* from the committed offsets, not the beginning; the notes taken */
  assert_int_equal(rows[0], RECORDS - committed[0]);
  assert_int_equal(rows[1], RECORDS - committed[1]);
  for (uint32_t p = 0; p < 2; p++) assert_int_equal(r->parts[p].preagg.resume_max_ts, from_ts[p]);
  /* the refusals made it wait: the first answer arrives after a second's retry at least */
  assert_true(first_row_ms - start >= 1000);
  sq_reader_destroy(r);
  /* partition 1: the previous holder's offset and note, not the stale position */
  rd_kafka_t *c = client(bootstrap, RD_KAFKA_CONSUMER, "app.stage1");
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, "raw", 1);
  assert_int_equal(rd_kafka_committed(c, list, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  assert_int_equal(list->elems[0].offset, committed[1]);
  sq_commit_note_t note;
  assert_true(sq_commit_note_parse(list->elems[0].metadata, list->elems[0].metadata_size, &note));
  assert_int_equal(note.from_ts, from_ts[1]);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(c);

  sq_batch_free(&batch);
  sq_kafka_settings_free(&rt.kafka);
  fixture_free(&f);
  sq_kafka_broker_stop(broker);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(notes_refused_for_a_while)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
