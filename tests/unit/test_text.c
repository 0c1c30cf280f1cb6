/* Small text helpers: option durations, ISO-8601 timestamps, typo
 * suggestions, and the type conversion rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/duration.h"
#include "engine/suggest.h"
#include "engine/timestamp.h"
#include "engine/types.h"

static int64_t duration(const char *text) {
  int64_t ms = -1;
  return sq_duration_parse(text, &ms) ? ms : -1;
}

static void durations_accept_long_short_and_spaced_units(void **state) {
  (void)state;
  assert_int_equal(duration("500 ms"), 500);
  assert_int_equal(duration("2 seconds"), 2000);
  assert_int_equal(duration("2s"), 2000);
  assert_int_equal(duration("1m"), 60000);
  assert_int_equal(duration("1h"), 3600000);
  assert_int_equal(duration("1 DAY"), 86400000);
  assert_int_equal(duration(" 3 minutes "), 180000);
}

static void durations_reject_garbage_and_overflow(void **state) {
  (void)state;
  assert_int_equal(duration(""), -1);
  assert_int_equal(duration("seconds"), -1);
  assert_int_equal(duration("2"), -1);
  assert_int_equal(duration("2 fortnights"), -1);
  assert_int_equal(duration("-1s"), -1);
  assert_int_equal(duration("1.5s"), -1);
  assert_int_equal(duration("2s extra"), -1);
  assert_int_equal(duration("99999999999999999999 ms"), -1);
  assert_int_equal(duration("9999999999999999 days"), -1);
}

static int64_t ts(const char *text) {
  int64_t ms = INT64_MIN;
  return sq_timestamp_parse(text, strlen(text), &ms) ? ms : INT64_MIN;
}

static void timestamps_parse_dates_times_fractions_and_offsets(void **state) {
  (void)state;
  assert_true(ts("1970-01-01") == 0);
  assert_true(ts("2026-01-01 00:00:00") == 1767225600000);
  assert_true(ts("2026-01-01T00:00:00Z") == 1767225600000);
  assert_true(ts("2026-01-01T00:00:00.123Z") == 1767225600123);
  assert_true(ts("2026-01-01T00:00:00.1234") == 1767225600123);
  assert_true(ts("2026-01-01T02:00:00+02:00") == 1767225600000);
  assert_true(ts("2025-12-31T19:00-0500") == 1767225600000);
  assert_true(ts("2024-02-29 12:00") == 1709208000000);
  assert_true(ts("1969-12-31 23:59:59") == -1000);
}

static void timestamps_reject_impossible_dates_and_junk(void **state) {
  (void)state;
  const char *bad[] = {"", "2026", "2026-13-01", "2026-02-29", "2026-01-32", "2026-01-01 24:00",
                       "2026-01-01 10:60", "2026-01-01T", "2026-01-01 00:00:00.", "yesterday",
                       "2026-01-01 00:00:00 UTC"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (ts(bad[i]) != INT64_MIN) fail_msg("accepted '%s'", bad[i]);
  }
}

static const char *suggest(const char *word, const char *const *candidates) {
  sq_suggest_t s;
  sq_suggest_init(&s, word);
  for (; *candidates; candidates++) sq_suggest_offer(&s, *candidates);
  return sq_suggest_best(&s);
}

static void suggestions_find_typos_but_not_unrelated_words(void **state) {
  (void)state;
  const char *const columns[] = {"amount", "auction", "bidder", NULL};
  assert_string_equal(suggest("amout", columns), "amount");
  assert_string_equal(suggest("amuont", columns), "amount"); /* a transposition is one edit */
  assert_string_equal(suggest("BIDDER", columns), "bidder");
  assert_null(suggest("zzz", columns));
  assert_null(suggest("price", columns));
}

static void types_convert_as_sql_does(void **state) {
  (void)state;
  assert_int_equal(sq_type_common(SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE), SQ_TYPE_DOUBLE);
  assert_int_equal(sq_type_common(SQ_TYPE_NULL, SQ_TYPE_STRING), SQ_TYPE_STRING);
  assert_int_equal(sq_type_common(SQ_TYPE_STRING, SQ_TYPE_BIGINT), SQ_TYPE_ERROR);
  assert_int_equal(sq_type_from_name("integer"), SQ_TYPE_BIGINT);
  assert_int_equal(sq_type_from_name("VarChar"), SQ_TYPE_STRING);
  assert_int_equal(sq_type_from_name("float"), SQ_TYPE_ERROR);
  assert_true(sq_type_castable(SQ_TYPE_STRING, SQ_TYPE_TIMESTAMP));
  assert_true(sq_type_castable(SQ_TYPE_BOOLEAN, SQ_TYPE_BIGINT));
  assert_false(sq_type_castable(SQ_TYPE_BOOLEAN, SQ_TYPE_TIMESTAMP));
  assert_false(sq_type_castable(SQ_TYPE_DOUBLE, SQ_TYPE_BOOLEAN));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(durations_accept_long_short_and_spaced_units),
      cmocka_unit_test(durations_reject_garbage_and_overflow),
      cmocka_unit_test(timestamps_parse_dates_times_fractions_and_offsets),
      cmocka_unit_test(timestamps_reject_impossible_dates_and_junk),
      cmocka_unit_test(suggestions_find_typos_but_not_unrelated_words),
      cmocka_unit_test(types_convert_as_sql_does),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
