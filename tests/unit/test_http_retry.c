/* The http sink's retry rules (runtime/connectors/http/retry.c): which
 * statuses are tried again, the capped exponential backoff with full
 * jitter (uniform over [0, ceiling], not just near it), and Retry-After
 * in delta-seconds and the three HTTP-date forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <cmocka.h>

#include "runtime/connectors/http/retry.h"

static void statuses_map_to_outcomes(void **state) {
  (void)state;
  static const long delivered[] = {200, 201, 202, 204, 299};
  static const long retried[] = {0, 408, 429, 500, 502, 503, 504, 599};
  static const long rejected[] = {100, 301, 302, 304, 400, 401, 403, 404, 409, 413, 422, 501};
  for (size_t i = 0; i < sizeof delivered / sizeof *delivered; i++) assert_int_equal(sq_http_outcome(delivered[i]), SQ_HTTP_DELIVERED);
  for (size_t i = 0; i < sizeof retried / sizeof *retried; i++) assert_int_equal(sq_http_outcome(retried[i]), SQ_HTTP_RETRY);
  for (size_t i = 0; i < sizeof rejected / sizeof *rejected; i++) assert_int_equal(sq_http_outcome(rejected[i]), SQ_HTTP_REJECTED);
}

/* The ceiling of attempt `attempt`'s wait, written out independently of retry.c. */
static int64_t ceiling_ms(int attempt) {
  static const int64_t doubling[] = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600};
  return attempt <= 9 ? doubling[attempt - 1] : SQ_HTTP_BACKOFF_CAP_MS;
}

static uint64_t xorshift(uint64_t *x) {
  *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
  return *x;
}

static void backoff_doubles_up_to_the_cap_with_full_jitter(void **state) {
  (void)state;
  assert_int_equal(SQ_HTTP_BACKOFF_FIRST_MS, 100);
  assert_int_equal(SQ_HTTP_BACKOFF_CAP_MS, 30000);
  static const int attempts[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 64, 100, 1000, INT_MAX};
  for (size_t a = 0; a < sizeof attempts / sizeof *attempts; a++) {
    int attempt = attempts[a];
    int64_t ceiling = ceiling_ms(attempt), least = INT64_MAX, most = -1;
    double sum = 0;
    uint64_t x = 0x9e3779b97f4a7c15u;
    enum { SAMPLES = 4000 };
    for (int i = 0; i < SAMPLES; i++) {
      int64_t w = sq_http_backoff_ms(attempt, xorshift(&x));
      assert_in_range(w, 0, ceiling);
      if (w < least) least = w;
      if (w > most) most = w;
      sum += (double)w;
    }
    /* uniform over the whole range: both ends reached, the mean in the middle */
    assert_true(least <= ceiling / 20);
    assert_true(most >= ceiling - ceiling / 20);
    double mean = sum / SAMPLES;
    assert_true(mean > (double)ceiling * 0.45 && mean < (double)ceiling * 0.55);
    /* the extremes of the random number stay in range too */
    assert_in_range(sq_http_backoff_ms(attempt, 0), 0, ceiling);
    assert_in_range(sq_http_backoff_ms(attempt, UINT64_MAX), 0, ceiling);
  }
}

static void retry_after_in_seconds(void **state) {
  (void)state;
  int64_t ms = -1;
  assert_true(sq_http_retry_after_ms("0", 1000, &ms));
  assert_int_equal(ms, 0);
  assert_true(sq_http_retry_after_ms("1", 1000, &ms));
  assert_int_equal(ms, 1000);
  assert_true(sq_http_retry_after_ms("120", 1000, &ms));
  assert_int_equal(ms, 120000);
  /* as the header callback hands it over: the space after the colon */
  assert_true(sq_http_retry_after_ms(" 7 ", 1000, &ms));
  assert_int_equal(ms, 7000);
  /* longer than the backoff cap: the endpoint's word holds */
  assert_true(sq_http_retry_after_ms("3600", 1000, &ms));
  assert_int_equal(ms, 3600000);
  static const char *const bad[] = {"", "   ", "abc", "-1", "+5", "1.5", "5 s", "5s", "99999999999999999999", "9223372036854776"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ms = -1;
    assert_false(sq_http_retry_after_ms(bad[i], 1000, &ms));
  }
}

static void retry_after_as_an_http_date(void **state) {
  (void)state;
  /* 2015-10-21 07:28:00 UTC (date -u -d '2015-10-21 07:28:00' +%s) in
   * the IMF-fixdate, obsolete RFC 850 and asctime forms HTTP accepts */
  const int64_t at = 1445412480;
  static const char *const forms[] = {"Wed, 21 Oct 2015 07:28:00 GMT", "Wednesday, 21-Oct-15 07:28:00 GMT", "Wed Oct 21 07:28:00 2015"};
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
    int64_t ms = -1;
    assert_true(sq_http_retry_after_ms(forms[i], at - 30, &ms));
    assert_int_equal(ms, 30000);
    assert_true(sq_http_retry_after_ms(forms[i], at, &ms));
    assert_int_equal(ms, 0);
    ms = -1;
    assert_true(sq_http_retry_after_ms(forms[i], at + 3600, &ms)); /* in the past: at once */
    assert_int_equal(ms, 0);
  }
  int64_t ms;
  assert_false(sq_http_retry_after_ms("Wed, 32 Foo 2015 07:28:00 GMT", at, &ms));
  assert_false(sq_http_retry_after_ms("tomorrow", at, &ms));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(statuses_map_to_outcomes),
      cmocka_unit_test(backoff_doubles_up_to_the_cap_with_full_jitter),
      cmocka_unit_test(retry_after_in_seconds),
      cmocka_unit_test(retry_after_as_an_http_date),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
