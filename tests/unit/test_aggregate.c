/* Accumulators: results, NULL handling, merging (what session windows
 * rely on: merge(a, b) must equal feeding a's and b's rows to one
 * state), and the error bounds of the sketches. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/aggregate.h"
#include "engine/value_text.h"

typedef struct acc {
  sq_agg_spec_t spec;
  void *state;
} acc_t;

/* A state of exactly the size `spec` asks for (the sanitizer build
 * catches a function that writes past it). */
static acc_t acc_of(sq_agg_spec_t spec) {
  acc_t a = {.spec = spec};
  a.state = calloc(1, sq_agg_state_size(&a.spec));
  return a;
}

static acc_t acc_new(sq_fn_t fn, sq_type_t arg_type) { return acc_of((sq_agg_spec_t){.fn = fn, .arg_type = arg_type}); }

static void acc_free(acc_t *a) {
  sq_agg_release(&a->spec, a->state);
  free(a->state);
}

static char *result(const acc_t *a) {
  sq_arena_t arena = {0};
  sq_buf_t out = {0};
  sq_encode_value(&out, sq_agg_result(&a->spec, a->state, &arena), true);
  sq_buf_putc(&out, '\0');
  sq_arena_free(&arena);
  return out.data;
}

static void assert_result(const acc_t *a, const char *expected) {
  char *got = result(a);
  if (strcmp(got, expected) != 0) fail_msg("fn %d: expected %s, got %s", a->spec.fn, expected, got);
  free(got);
}

static void add(acc_t *a, sq_value_t v, int64_t ts) { assert_true(sq_agg_update(&a->spec, a->state, v, ts)); }

static void empty_groups_give_sql_results(void **state) {
  (void)state;
  sq_fn_t null_fns[] = {SQ_FN_SUM, SQ_FN_AVG, SQ_FN_MIN, SQ_FN_MAX, SQ_FN_STDDEV_POP, SQ_FN_STDDEV_SAMP,
                        SQ_FN_EARLIEST, SQ_FN_LATEST, SQ_FN_APPROX_PERCENTILE, SQ_FN_TOPK};
  for (size_t i = 0; i < sizeof null_fns / sizeof *null_fns; i++) {
    acc_t a = acc_new(null_fns[i], SQ_TYPE_BIGINT);
    a.spec.k = 3;
    add(&a, sq_null(), 1); /* NULLs are skipped */
    assert_result(&a, "null");
    acc_free(&a);
  }
  acc_t c = acc_new(SQ_FN_COUNT, SQ_TYPE_BIGINT);
  add(&c, sq_null(), 1);
  assert_result(&c, "0");
  acc_free(&c);
  c = acc_new(SQ_FN_COUNT, SQ_TYPE_NULL);
  c.spec.star = true;
  add(&c, sq_null(), 1); /* COUNT(*) counts rows */
  assert_result(&c, "1");
  acc_free(&c);
}

static void exact_aggregates(void **state) {
  (void)state;
  int64_t xs[] = {4, -2, 9, 4, 1};
  struct { sq_fn_t fn; const char *expected; } cases[] = {
      {SQ_FN_COUNT, "5"}, {SQ_FN_SUM, "16"}, {SQ_FN_AVG, "3.2"}, {SQ_FN_MIN, "-2"}, {SQ_FN_MAX, "9"},
      {SQ_FN_STDDEV_POP, "3.6551333764994136"}, {SQ_FN_EARLIEST, "4"}, {SQ_FN_LATEST, "1"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    acc_t a = acc_new(cases[c].fn, SQ_TYPE_BIGINT);
    for (size_t i = 0; i < 5; i++) add(&a, sq_int(xs[i]), (int64_t)i * 10);
    assert_result(&a, cases[c].expected);
    acc_free(&a);
  }
  acc_t d = acc_of((sq_agg_spec_t){.fn = SQ_FN_COUNT, .arg_type = SQ_TYPE_BIGINT, .distinct = true});
  for (size_t i = 0; i < 5; i++) add(&d, sq_int(xs[i]), 0);
  assert_result(&d, "4");
  acc_free(&d);
  acc_t s = acc_new(SQ_FN_STDDEV_SAMP, SQ_TYPE_BIGINT);
  add(&s, sq_int(2), 0);
  assert_result(&s, "null"); /* one value has no sample deviation */
  add(&s, sq_int(4), 0);
  assert_result(&s, "1.4142135623730951");
  acc_free(&s);
}

static void bigint_sum_overflow_is_null(void **state) {
  (void)state;
  acc_t a = acc_new(SQ_FN_SUM, SQ_TYPE_BIGINT);
  add(&a, sq_int(INT64_MAX), 0);
  add(&a, sq_int(1), 0);
  assert_result(&a, "null");
  acc_free(&a);
}

static void earliest_and_latest_follow_event_time_not_arrival(void **state) {
  (void)state;
  acc_t e = acc_new(SQ_FN_EARLIEST, SQ_TYPE_STRING), l = acc_new(SQ_FN_LATEST, SQ_TYPE_STRING);
  const char *names[] = {"middle", "last", "first"};
  int64_t times[] = {20, 30, 10};
  for (int i = 0; i < 3; i++) {
    add(&e, sq_str(names[i], (uint32_t)strlen(names[i])), times[i]);
    add(&l, sq_str(names[i], (uint32_t)strlen(names[i])), times[i]);
  }
  assert_result(&e, "\"first\"");
  assert_result(&l, "\"last\"");
  acc_free(&e);
  acc_free(&l);
}

static void min_of_strings_keeps_its_own_copy(void **state) {
  (void)state;
  acc_t a = acc_new(SQ_FN_MIN, SQ_TYPE_STRING);
  char buf[8];
  strcpy(buf, "m");
  add(&a, sq_str(buf, 1), 0);
  strcpy(buf, "z"); /* the input buffer is reused by the next batch */
  add(&a, sq_str(buf, 1), 0);
  assert_result(&a, "\"m\"");
  acc_free(&a);
}

/* merge(a, b) equals one state fed everything, for every aggregate. */
/* A group's state holds only what its functions need: a window with
 * millions of groups keeps them all in the state cache, and a COUNT next
 * to a MIN would otherwise take a MIN's room. */
static void counts_and_sums_take_little_state(void **state) {
  (void)state;
  sq_agg_spec_t count = {.fn = SQ_FN_COUNT, .star = true}, sum = {.fn = SQ_FN_SUM, .arg_type = SQ_TYPE_BIGINT};
  sq_agg_spec_t avg = {.fn = SQ_FN_AVG, .arg_type = SQ_TYPE_DOUBLE}, min = {.fn = SQ_FN_MIN, .arg_type = SQ_TYPE_STRING};
  assert_int_equal(sq_agg_state_size(&count), sizeof(int64_t));
  assert_true(sq_agg_state_size(&sum) <= 3 * sizeof(int64_t));
  assert_true(sq_agg_state_size(&avg) <= 2 * sizeof(int64_t));
  assert_true(sq_agg_state_size(&count) < sq_agg_state_size(&min));
}

static void merging_equals_feeding_one_state(void **state) {
  (void)state;
  sq_fn_t fns[] = {SQ_FN_COUNT, SQ_FN_SUM, SQ_FN_AVG, SQ_FN_MIN, SQ_FN_MAX, SQ_FN_STDDEV_POP, SQ_FN_STDDEV_SAMP,
                   SQ_FN_EARLIEST, SQ_FN_LATEST, SQ_FN_APPROX_COUNT_DISTINCT, SQ_FN_APPROX_PERCENTILE, SQ_FN_TOPK};
  for (size_t f = 0; f < sizeof fns / sizeof *fns; f++) {
    for (int distinct = 0; distinct <= (fns[f] == SQ_FN_COUNT); distinct++) {
      sq_agg_spec_t spec = {.fn = fns[f], .arg_type = SQ_TYPE_BIGINT, .distinct = distinct, .fraction = 0.5, .k = 3};
      acc_t whole = acc_of(spec), left = acc_of(spec), right = acc_of(spec);
      for (int64_t i = 0; i < 200; i++) {
        sq_value_t v = sq_int((i * 37) % 23);
        add(&whole, v, i);
        add(i % 3 ? &left : &right, v, i);
      }
      assert_true(sq_agg_merge(&left.spec, left.state, right.state));
      char *a = result(&whole), *b = result(&left);
      if (fns[f] == SQ_FN_STDDEV_POP || fns[f] == SQ_FN_STDDEV_SAMP || fns[f] == SQ_FN_AVG) {
        if (fabs(atof(a) - atof(b)) > 1e-9) fail_msg("fn %d: %s != %s", fns[f], a, b);
      } else if (strcmp(a, b) != 0) {
        fail_msg("fn %d distinct %d: merged %s, whole %s", fns[f], distinct, b, a);
      }
      free(a);
      free(b);
      acc_free(&whole);
      acc_free(&left);
      acc_free(&right);
    }
  }
}

static void hyperloglog_is_within_two_percent(void **state) {
  (void)state;
  acc_t a = acc_new(SQ_FN_APPROX_COUNT_DISTINCT, SQ_TYPE_BIGINT);
  for (int64_t i = 0; i < 200000; i++) add(&a, sq_int(i % 100000), 0);
  char *r = result(&a);
  double est = atof(r);
  if (fabs(est - 100000) > 2000) fail_msg("estimate %s for 100000", r);
  free(r);
  acc_free(&a);
}

static void percentile_sketch_is_within_one_percent_of_rank(void **state) {
  (void)state;
  double qs[] = {0.01, 0.5, 0.9, 0.99};
  for (size_t q = 0; q < 4; q++) {
    acc_t a = acc_new(SQ_FN_APPROX_PERCENTILE, SQ_TYPE_BIGINT);
    a.spec.fraction = qs[q];
    for (int64_t i = 0; i < 100000; i++) add(&a, sq_int((i * 7919) % 100000), 0); /* a permutation of 0..99999 */
    char *r = result(&a);
    double rank = atof(r) / 100000.0;
    if (fabs(rank - qs[q]) > 0.01) fail_msg("q=%.2f: got %s", qs[q], r);
    free(r);
    acc_free(&a);
  }
}

static void topk_orders_by_count_then_value(void **state) {
  (void)state;
  acc_t a = acc_new(SQ_FN_TOPK, SQ_TYPE_STRING);
  a.spec.k = 2;
  const char *words[] = {"b", "a", "c", "a", "b", "a", "c", "b"};
  for (size_t i = 0; i < 8; i++) add(&a, sq_str(words[i], 1), 0);
  assert_result(&a, "\"[\\\"a\\\",\\\"b\\\"]\"");
  acc_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(empty_groups_give_sql_results),
      cmocka_unit_test(exact_aggregates),
      cmocka_unit_test(bigint_sum_overflow_is_null),
      cmocka_unit_test(earliest_and_latest_follow_event_time_not_arrival),
      cmocka_unit_test(min_of_strings_keeps_its_own_copy),
      cmocka_unit_test(counts_and_sums_take_little_state),
      cmocka_unit_test(merging_equals_feeding_one_state),
      cmocka_unit_test(hyperloglog_is_within_two_percent),
      cmocka_unit_test(percentile_sketch_is_within_one_percent_of_rank),
      cmocka_unit_test(topk_orders_by_count_then_value),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
