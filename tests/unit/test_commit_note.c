/* The commit note (runtime/connectors/kafka/commit_note.c): what a
 * process writes reads back the same, and anything else another tool
 * may have committed (or a damaged note) is refused without harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/connectors/kafka/commit_note.h"

static void round_trip(void **state) {
  (void)state;
  sq_commit_note_t n, back;
  sq_commit_note_self(&n, 1767225600, 20);
  n.at = 1767225712;
  n.restoring = true;
  char text[SQ_COMMIT_NOTE_MAX];
  size_t len = sq_commit_note_format(&n, text, sizeof text);
  assert_int_equal(len, strlen(text));
  assert_true(strncmp(text, "streamq/1 host=", 15) == 0);
  assert_true(sq_commit_note_parse(text, len, &back));
  assert_string_equal(back.host, n.host);
  assert_int_equal(back.pid, n.pid);
  assert_int_equal(back.started, 1767225600);
  assert_int_equal(back.at, 1767225712);
  assert_int_equal(back.every, 20);
  assert_true(back.restoring);
  n.restoring = false;
  assert_true(sq_commit_note_parse(text, sq_commit_note_format(&n, text, sizeof text), &back));
  assert_false(back.restoring);
  assert_non_null(strstr(text, " state=running "));
}

static void resume_fields_round_trip(void **state) {
  (void)state;
  sq_commit_note_t n, back;
  sq_commit_note_self(&n, 1, 20);
  char text[SQ_COMMIT_NOTE_MAX];
  assert_true(sq_commit_note_parse(text, sq_commit_note_format(&n, text, sizeof text), &back));
  assert_null(strstr(text, "from_ts")); /* only a pre-aggregating stage 1 writes them */
  assert_false(back.resumes);
  assert_int_equal(back.from_ts, INT64_MIN);
  assert_int_equal(back.cut, -1);
  assert_int_equal(back.read, -1);
  n.resumes = true;
  assert_true(sq_commit_note_parse(text, sq_commit_note_format(&n, text, sizeof text), &back));
  assert_non_null(strstr(text, " from_ts=-"));
  assert_true(back.resumes);
  assert_int_equal(back.from_ts, INT64_MIN);
  n.from_ts = -1767225600123, n.cut = 65535, n.read = 70000;
  assert_true(sq_commit_note_parse(text, sq_commit_note_format(&n, text, sizeof text), &back));
  assert_int_equal(back.from_ts, -1767225600123);
  assert_int_equal(back.cut, 65535);
  assert_int_equal(back.read, 70000);
  const char bad[] = "streamq/1 host=a pid=7 started=1 state=running at=2 every=3 from_ts=1x";
  assert_false(sq_commit_note_parse(bad, strlen(bad), &back));
}

static void longest_host_fits(void **state) {
  (void)state;
  sq_commit_note_t n = {.pid = 4194304, .started = 999999999999, .at = 999999999999, .every = 86400,
                        .resumes = true, .from_ts = -999999999999999999, .cut = 999999999999999999,
                        .read = 999999999999999999}, back;
  memset(n.host, 'h', 64);
  char text[SQ_COMMIT_NOTE_MAX];
  size_t len = sq_commit_note_format(&n, text, sizeof text);
  assert_true(len < SQ_COMMIT_NOTE_MAX - 1);
  assert_true(sq_commit_note_parse(text, len, &back));
  assert_int_equal(strlen(back.host), 64);
}

static void reads_only_the_bytes_given(void **state) {
  (void)state;
  const char text[] = "streamq/1 host=a pid=7 started=1 state=running at=2 every=3 trailing=garbage";
  sq_commit_note_t n;
  size_t len = strlen("streamq/1 host=a pid=7 started=1 state=running at=2 every=3");
  assert_true(sq_commit_note_parse(text, len, &n));
  assert_int_equal(n.pid, 7);
  assert_false(sq_commit_note_parse(text, strlen(text), &n)); /* an unknown field: not a streamq/1 note */
  char *copy = malloc(len); /* no NUL after it: AddressSanitizer sees a read past the end */
  memcpy(copy, text, len);
  assert_true(sq_commit_note_parse(copy, len, &n));
  free(copy);
}

static void refuses_other_metadata(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "streamq/1",
      "streamq/1 ",
      "hello world",
      "{\"consumer\":\"kafka-python\",\"v\":2}",
      "streamq/2 host=a pid=7 started=1 state=running at=2 every=3",
      "streamq/1 host=a pid=7 started=1 state=running at=2",                 /* every missing */
      "streamq/1 host=a pid=7 pid=8 started=1 state=running at=2 every=3",   /* repeated */
      "streamq/1 host= pid=7 started=1 state=running at=2 every=3",          /* empty host */
      "streamq/1 host=a pid=-7 started=1 state=running at=2 every=3",        /* negative */
      "streamq/1 host=a pid=7x started=1 state=running at=2 every=3",
      "streamq/1 host=a pid=99999999999999999999 started=1 state=running at=2 every=3",
      "streamq/1 host=a pid=7 started=1 state=sleeping at=2 every=3",
      "streamq/1 host=a pid=7 started=1 state=running at=2 every=3 host=b",
      "streamq/1 host=a  pid=7 started=1 state=running at=2 every=3",
      "streamq/1 host=a=b pid=7 started=1 state=running at=2 every=3",
      "streamq/1 host=a pid started=1 state=running at=2 every=3",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    sq_commit_note_t n;
    memset(&n, 0x5a, sizeof n);
    assert_false(sq_commit_note_parse(bad[i], strlen(bad[i]), &n));
    assert_int_equal(n.pid, 0); /* cleared, never half-filled */
  }
  sq_commit_note_t n;
  assert_false(sq_commit_note_parse(NULL, 0, &n));
  char nul[] = "streamq/1 host=a\0b pid=7 started=1 state=running at=2 every=3";
  assert_false(sq_commit_note_parse(nul, sizeof nul - 1, &n));
  char big[4096]; /* Kafka's limit, all of it used */
  memset(big, 'x', sizeof big);
  memcpy(big, "streamq/1 host=", 15);
  assert_false(sq_commit_note_parse(big, sizeof big, &n));
  for (unsigned seed = 1; seed < 2000; seed++) { /* random bytes after the prefix never crash it */
    char junk[120];
    memcpy(junk, "streamq/1 ", 10);
    srand(seed);
    size_t len = 10 + (size_t)rand() % 110;
    for (size_t i = 10; i < len; i++) junk[i] = (char)(seed % 3 ? " =hpa01x"[rand() % 8] : rand());
    sq_commit_note_parse(junk, len, &n);
  }
}

static void stale_after_three_gaps(void **state) {
  (void)state;
  sq_commit_note_t n = {.at = 1000, .every = 20};
  assert_false(sq_commit_note_stale(&n, 1000));
  assert_false(sq_commit_note_stale(&n, 1060));
  assert_true(sq_commit_note_stale(&n, 1061));
  n.every = 0; /* never divides nor makes everything stale */
  assert_false(sq_commit_note_stale(&n, 1003));
  assert_true(sq_commit_note_stale(&n, 1004));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip),
      cmocka_unit_test(resume_fields_round_trip),
      cmocka_unit_test(longest_host_fits),
      cmocka_unit_test(reads_only_the_bytes_given),
      cmocka_unit_test(refuses_other_metadata),
      cmocka_unit_test(stale_after_three_gaps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
