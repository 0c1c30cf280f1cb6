/* A Kafka source closing while its group hands it partitions, against an
 * in-process mock cluster. When a process stops right after another
 * member left, the group's assignment of the leaver's partitions can
 * arrive while the consumer closes: it must be acknowledged to the
 * group and must not touch the reader's partition table, which is being
 * freed (it once grew the table under sq_reader_destroy, which then
 * freed the old one again: a double free at such a stop). The group
 * hands the partitions over about session.timeout.ms - 1 s after the
 * leave (the mock cluster's rebalance wait), so the member that stays
 * has them queued when it closes 8 s later. */
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
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

#define PARTITIONS 4

static const char pipeline[] =
    "SET 'kafka.session.timeout.ms' = '6000';\n"
    "SET 'kafka.heartbeat.interval.ms' = '200';\n"
    "CREATE SOURCE s (v BIGINT) WITH (connector = 'kafka', topic = 'handed', group_id = 'closing', format = 'json');\n";

static void nap_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

static uint32_t held(const sq_reader_t *r) {
  uint32_t n = 0;
  for (uint32_t p = 0; p < r->n_parts; p++) n += r->parts[p].assigned;
  return n;
}

static bool holds(const sq_reader_t *r, uint32_t p) { return p < r->n_parts && r->parts[p].assigned; }

static void handed_over_while_closing(void **state) {
  (void)state;
  char err[1024];
  sq_kafka_broker_t *broker = sq_kafka_broker_start(1, 0, err, sizeof err);
  if (!broker || !sq_kafka_broker_create_topic(broker, "handed", PARTITIONS, err, sizeof err)) fail_msg("%s", err);
  fixture_t f = fixture_load(pipeline, 1);
  assert_int_equal(sq_diag_count(f.diag), 0);
  sq_runtime_t rt = {.quiet = true, .read_mode = SQ_READ_PIPELINE};
  if (!sq_kafka_settings_load(&rt.kafka, f.prog, sq_kafka_broker_bootstrap(broker), err, sizeof err)) fail_msg("%s", err);
  const sq_relation_t *rel = sq_catalog_find(f.prog->catalog, "s");
  assert_non_null(rel);
  sq_reader_t *r[2];
  for (int i = 0; i < 2; i++)
    if (!(r[i] = sq_kafka_reader_open(rel, NULL, &rt, err, sizeof err))) fail_msg("%s", err);

  /* both members read until the group has given each a share */
  sq_batch_t batch;
  assert_true(sq_batch_init(&batch, rel->n_columns, 64));
  sq_exec_t exec = {0};
  for (int waited = 0; waited < 30000 && !(held(r[0]) && held(r[1]) && held(r[0]) + held(r[1]) == PARTITIONS); waited += 10) {
    for (int i = 0; i < 2; i++) {
      batch.n = 0;
      r[i]->cls->read(r[i], &batch, &exec);
    }
    nap_ms(10);
  }
  assert_int_equal(held(r[0]) + held(r[1]), PARTITIONS);

  /* The holder of the last partition leaves; the other, not reading, gets
   * the leaver's partitions queued for it: among them one beyond its
   * table. It closes before it reads them. */
  int last = holds(r[0], PARTITIONS - 1) ? 0 : 1, other = 1 - last;
  assert_true(r[other]->n_parts < PARTITIONS);
  sq_reader_destroy(r[last]);
  nap_ms(8000);
  sq_reader_destroy(r[other]);

  assert_false(exec.failed);
  sq_batch_free(&batch);
  sq_kafka_settings_free(&rt.kafka);
  fixture_free(&f);
  sq_kafka_broker_stop(broker);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(handed_over_while_closing)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
