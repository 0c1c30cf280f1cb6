/* A consumer group member's join state read out of librdkafka's
 * statistics (runtime/connectors/kafka/group_state.c): "steady" and
 * nothing else is settled, with or without spaces around the colon; no
 * group state (a producer's statistics, a cut document) leaves the last
 * known state alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/connectors/kafka/group_state.h"

static bool read_state(const char *json, bool *steady) { return sq_kafka_group_steady(json, strlen(json), steady); }

static void steady_or_not(void **state) {
  (void)state;
  bool steady = false;
  assert_true(read_state("{\"name\": \"c\", \"cgrp\": { \"state\": \"up\", \"stateage\": 4003, \"join_state\": \"steady\", \"rebalance_age\": 4000 }}",
                         &steady));
  assert_true(steady);
  assert_true(read_state("{\"cgrp\":{\"state\":\"up\",\"join_state\":\"wait-sync\"}}", &steady));
  assert_false(steady);
  steady = true;
  assert_true(read_state("{\"cgrp\":{\"join_state\":\"steadyish\"}}", &steady));
  assert_false(steady);
  assert_true(read_state("{\"cgrp\":{\"join_state\" :  \"steady\"}}", &steady));
  assert_true(steady);
}

static void no_group_state(void **state) {
  (void)state;
  bool steady = false;
  assert_false(read_state("{\"name\": \"p\", \"type\": \"producer\"}", &steady));
  assert_false(read_state("{\"cgrp\":{\"join_state\": ", &steady));
  assert_false(read_state("{\"cgrp\":{\"join_state\": steady}}", &steady));
  assert_false(steady); /* left alone */
  assert_false(read_state("", &steady));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(steady_or_not), cmocka_unit_test(no_group_state)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
