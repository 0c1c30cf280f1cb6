/* The watermark rule of LANGUAGE.md §2 (engine/watermark.c), alone and
 * on a reader with an injected wall clock: the minimum over active partitions, idle ones excluded, and
 * when every partition is idle the largest event time seen advanced by the
 * silence since the last record, never the wall clock itself; across a
 * checkpoint and restart the silence counts from the restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "front_end_fixture.h"
#include "engine/watermark.h"
#include "runtime/kit/reader.h"

#define SECOND 1000
/* Wall-clock "now" of the test runs, far ahead of the event times. */
#define NOW 1767225600000

static void no_destroy(sq_reader_t *r) { (void)r; }
static const sq_reader_class_t test_class = {.destroy = no_destroy};

typedef struct setup {
  fixture_t f;
  sq_reader_t r;
} setup_t;

/* A reader of a source with `options` (after the timestamp column's),
 * partitions 0..n-1 assigned at `now`. */
static void open_reader(setup_t *s, const char *options, uint32_t n, int64_t now) {
  char text[512];
  snprintf(text, sizeof text, "CREATE SOURCE s (ts TIMESTAMP) WITH (connector = 'file', path = 'x', timestamp = 'ts'%s);",
           options);
  s->f = fixture_load(text, 1);
  assert_int_equal(sq_diag_count(s->f.diag), 0);
  memset(&s->r, 0, sizeof s->r);
  char err[256];
  assert_true(sq_reader_init(&s->r, &test_class, sq_catalog_find(s->f.prog->catalog, "s"), NULL, err, sizeof err));
  for (uint32_t p = 0; p < n; p++) assert_true(sq_reader_assign(&s->r, p, true, now));
}

static void close_reader(setup_t *s) {
  sq_reader_destroy(&s->r);
  fixture_free(&s->f);
}

static void minimum_over_active_partitions(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", watermark_delay = '2 seconds'", 2, NOW);
  assert_true(sq_reader_observe(&s.r, 0, 50 * SECOND, NOW) == INT64_MIN); /* partition 1 has said nothing yet */
  assert_int_equal(sq_reader_observe(&s.r, 1, 30 * SECOND, NOW), 28 * SECOND);
  assert_int_equal(sq_reader_observe(&s.r, 1, 40 * SECOND, NOW), 38 * SECOND);
  assert_int_equal(sq_reader_observe(&s.r, 1, 10 * SECOND, NOW), 38 * SECOND); /* never back */
  assert_int_equal(sq_reader_observe(&s.r, 1, 60 * SECOND, NOW), 48 * SECOND);
  /* without idle_timeout nothing is ever idle: an hour later, the same */
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 3600 * SECOND), 48 * SECOND);
  close_reader(&s);
}

static void an_idle_partition_stops_holding_back(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", idle_timeout = '3 seconds'", 2, NOW);
  sq_reader_observe(&s.r, 0, 10 * SECOND, NOW);
  assert_true(sq_reader_observe(&s.r, 1, 50 * SECOND, NOW + 2 * SECOND) == 10 * SECOND);
  /* partition 0 silent for 3 s: partition 1 alone decides */
  assert_int_equal(sq_reader_observe(&s.r, 1, 55 * SECOND, NOW + 3 * SECOND), 55 * SECOND);
  close_reader(&s);
}

static void all_idle_advances_by_the_silence_not_to_the_wall_clock(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", watermark_delay = '1 second', idle_timeout = '3 seconds'", 4, NOW);
  /* data from long ago (a replay, a backlog), event times far behind NOW */
  for (uint32_t p = 0; p < 4; p++) sq_reader_observe(&s.r, p, (100 + p) * SECOND, NOW);
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 2 * SECOND), 99 * SECOND);
  /* every partition idle: the largest event time (103 s) + the silence - the delay */
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 3 * SECOND), 105 * SECOND);
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 10 * SECOND), 112 * SECOND);
  /* the data resumes where it stopped: it is not behind the watermark by
   * the distance to the wall clock, only by the pause */
  assert_int_equal(sq_reader_observe(&s.r, 0, 104 * SECOND, NOW + 10 * SECOND), 112 * SECOND);
  /* a new silence counts from that record; partitions 1-3 stay idle */
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 14 * SECOND), 112 * SECOND);
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 20 * SECOND), 113 * SECOND);
  close_reader(&s);
}

static void nothing_moves_before_the_first_record(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", idle_timeout = '1 second'", 2, NOW);
  assert_true(sq_reader_watermark(&s.r, NOW + 60 * SECOND) == INT64_MIN);
  close_reader(&s);
}

static void a_restart_counts_the_silence_from_the_restart(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", idle_timeout = '1 second'", 2, NOW);
  sq_reader_observe(&s.r, 0, 100 * SECOND, NOW);
  sq_reader_observe(&s.r, 1, 200 * SECOND, NOW);
  assert_int_equal(sq_reader_watermark(&s.r, NOW + 5 * SECOND), 205 * SECOND);
  sq_buf_t saved = {0};
  sq_reader_save(&s.r, &saved);
  close_reader(&s);

  /* a day later: the old run's last record is no measure of silence */
  int64_t later = NOW + 86400 * SECOND;
  open_reader(&s, ", idle_timeout = '1 second'", 0, later);
  sq_cursor_t in = sq_cursor(saved.data, saved.len);
  char err[256];
  assert_true(sq_reader_load(&s.r, &in, err, sizeof err));
  assert_true(sq_reader_assign(&s.r, 0, true, later));
  assert_true(sq_reader_assign(&s.r, 1, true, later));
  assert_int_equal(sq_reader_watermark(&s.r, later), 205 * SECOND);
  assert_int_equal(sq_reader_watermark(&s.r, later + 8 * SECOND), 208 * SECOND);
  sq_buf_free(&saved);
  close_reader(&s);
}

static void extreme_event_times_do_not_overflow(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", idle_timeout = '1 second'", 1, NOW);
  sq_reader_observe(&s.r, 0, INT64_MAX - 5, NOW);
  assert_true(sq_reader_watermark(&s.r, NOW + 10 * SECOND) == INT64_MAX);
  close_reader(&s);
}

/* Rows read at one moment reuse the reader's last fold where they cannot
 * move the watermark; a partition revoked at that moment must not be
 * counted on to hold it back. */
static void a_partition_revoked_between_rows_of_one_moment(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", watermark_delay = '2 seconds'", 2, NOW);
  sq_reader_observe(&s.r, 0, 30 * SECOND, NOW);
  assert_int_equal(sq_reader_observe(&s.r, 1, 20 * SECOND, NOW), 18 * SECOND);
  assert_true(sq_reader_assign(&s.r, 1, false, NOW));
  assert_int_equal(sq_reader_observe(&s.r, 0, 50 * SECOND, NOW), 48 * SECOND);
  close_reader(&s);
}

/* Every row's watermark is the rule folded over all partitions as they
 * stand (engine/watermark.c, applied here directly): many rows per
 * moment over 4 partitions, some idle, partitions revoked and assigned
 * again, in a fixed pseudo-random order. */
static void every_row_sees_the_fold_of_all_partitions(void **state) {
  (void)state;
  setup_t s;
  open_reader(&s, ", watermark_delay = '1 second', idle_timeout = '3 seconds'", 4, NOW);
  sq_watermark_rule_t rule = {1 * SECOND, 3 * SECOND};
  static const int64_t steps[] = {0, 0, 0, 0, 1, 500, 1500, 4000};
  uint64_t seed = 42;
  int64_t now = NOW, base = 100 * SECOND, expected = INT64_MIN;
  for (int i = 0; i < 20000; i++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    uint32_t x = (uint32_t)(seed >> 33), p = x % 4;
    now += steps[(x >> 2) % 8];
    if ((x >> 5) % 50 == 0) {
      assert_true(sq_reader_assign(&s.r, p, (x >> 11) % 2 == 0, now));
      continue;
    }
    if (p == 3 && (x >> 12) % 4) continue; /* partition 3 mostly silent: idle */
    base += (x >> 14) % 40;
    int64_t got = sq_reader_observe(&s.r, p, base - (int64_t)((x >> 20) % 3000), now);
    sq_watermark_fold_t f = sq_watermark_fold_start(now);
    for (uint32_t q = 0; q < s.r.n_parts; q++)
      sq_watermark_fold_partition(&f, &rule, s.r.parts[q].max_event_time, s.r.parts[q].last_row_ms, s.r.parts[q].assigned);
    expected = sq_watermark_fold_end(&f, &rule, now, expected);
    assert_int_equal(got, expected);
  }
  assert_true(expected > 100 * SECOND); /* it moved */
  close_reader(&s);
}

/* The rule alone (engine/watermark.c), without a reader: two partitions,
 * one idle, then both. */
static void the_rule_without_a_reader(void **state) {
  (void)state;
  sq_watermark_rule_t rule = {2 * SECOND, 5 * SECOND};
  sq_watermark_fold_t f = sq_watermark_fold_start(NOW);
  sq_watermark_fold_partition(&f, &rule, 40 * SECOND, NOW, true);
  sq_watermark_fold_partition(&f, &rule, 10 * SECOND, NOW - 6 * SECOND, true); /* idle */
  sq_watermark_fold_partition(&f, &rule, 90 * SECOND, NOW, false);             /* not ours */
  assert_int_equal(sq_watermark_fold_end(&f, &rule, NOW, INT64_MIN), 38 * SECOND);
  assert_int_equal(sq_watermark_fold_end(&f, &rule, NOW, 39 * SECOND), 39 * SECOND); /* never back */
  f = sq_watermark_fold_start(NOW + 10 * SECOND);
  sq_watermark_fold_partition(&f, &rule, 40 * SECOND, NOW, true);
  sq_watermark_fold_partition(&f, &rule, 10 * SECOND, NOW - 6 * SECOND, true);
  sq_watermark_fold_partition(&f, &rule, 90 * SECOND, NOW, false);
  /* all idle: the largest event time seen (90 s, from a partition since
   * revoked) + 10 s of silence - 2 s */
  assert_int_equal(sq_watermark_fold_end(&f, &rule, NOW, INT64_MIN), 98 * SECOND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(minimum_over_active_partitions),
      cmocka_unit_test(an_idle_partition_stops_holding_back),
      cmocka_unit_test(all_idle_advances_by_the_silence_not_to_the_wall_clock),
      cmocka_unit_test(nothing_moves_before_the_first_record),
      cmocka_unit_test(a_restart_counts_the_silence_from_the_restart),
      cmocka_unit_test(extreme_event_times_do_not_overflow),
      cmocka_unit_test(the_rule_without_a_reader),
      cmocka_unit_test(a_partition_revoked_between_rows_of_one_moment),
      cmocka_unit_test(every_row_sees_the_fold_of_all_partitions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
