/* The origins of a repartition topic's partition (runtime/kit/origins.c):
 * marks read back as written; the watermark is the single process's rule
 * folded over the marks; a row at or below the highest offset applied of
 * its origin is a repeat; and all of it survives a checkpoint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/kit/origins.h"

static void marks_read_back(void **state) {
  (void)state;
  sq_mark_t m = {3, 8, 1767225600123, true}, back;
  char text[96];
  int len = sq_mark_format(&m, text, sizeof text);
  assert_true(sq_mark_parse(text, (size_t)len, &back));
  assert_int_equal(back.origin, 3);
  assert_int_equal(back.n_origins, 8);
  assert_int_equal(back.watermark, 1767225600123);
  assert_true(back.idle);
  m = (sq_mark_t){0, 1, INT64_MIN, false};
  len = sq_mark_format(&m, text, sizeof text);
  assert_true(sq_mark_parse(text, (size_t)len, &back));
  assert_int_equal(back.watermark, INT64_MIN);
  assert_false(sq_mark_parse("8 8 0 0", 7, &back));      /* origin beyond the count */
  assert_false(sq_mark_parse("1 2 3", 5, &back));        /* short */
  assert_false(sq_mark_parse("1 2 3 0 junk", 12, &back)); /* trailing bytes */
  assert_false(sq_mark_parse(NULL, 0, &back));
  assert_false(sq_mark_parse("0 4294967295 0 0", 16, &back)); /* a count no source has: not allocated for */
}

static void watermark_is_the_fold_over_marks(void **state) {
  (void)state;
  sq_origins_t o = {0};
  assert_int_equal(sq_origins_watermark(&o), INT64_MIN);
  assert_true(sq_origins_mark(&o, &(sq_mark_t){0, 3, 5000, false}));
  assert_true(sq_origins_mark(&o, &(sq_mark_t){2, 3, 9000, false}));
  assert_int_equal(sq_origins_watermark(&o), INT64_MIN); /* origin 1 not heard from */
  assert_true(sq_origins_mark(&o, &(sq_mark_t){1, 3, 7000, false}));
  assert_int_equal(sq_origins_watermark(&o), 5000);
  assert_true(sq_origins_mark(&o, &(sq_mark_t){0, 3, 4000, false})); /* a mark never lowers its origin */
  assert_int_equal(sq_origins_watermark(&o), 5000);
  assert_true(sq_origins_mark(&o, &(sq_mark_t){0, 3, 5000, true})); /* idle: no longer holds the others */
  assert_int_equal(sq_origins_watermark(&o), 7000);
  assert_true(sq_origins_mark(&o, &(sq_mark_t){1, 3, 7000, true}));
  assert_true(sq_origins_mark(&o, &(sq_mark_t){2, 3, 9500, true}));
  assert_int_equal(sq_origins_watermark(&o), 9500); /* all idle: the largest */
  sq_origins_clear(&o);
}

static void repeats_are_refused(void **state) {
  (void)state;
  sq_origins_t o = {0};
  bool oom;
  assert_true(sq_origins_admit(&o, 2, 10, 0, &oom));
  assert_true(sq_origins_admit(&o, 2, 11, 0, &oom));
  assert_false(sq_origins_admit(&o, 2, 11, 0, &oom));
  assert_false(oom);
  assert_false(sq_origins_admit(&o, 2, 7, 0, &oom)); /* written again from an older committed offset */
  assert_true(sq_origins_admit(&o, 0, 7, 0, &oom));  /* another origin's offsets are its own */
  assert_true(sq_origins_admit(&o, 2, 12, 0, &oom));
  assert_true(sq_origins_admit(&o, 2, 12, 1, &oom)); /* partial aggregates written at offset 12 */
  assert_true(sq_origins_admit(&o, 2, 12, 2, &oom));
  assert_false(sq_origins_admit(&o, 2, 12, 1, &oom)); /* written again */
  assert_false(sq_origins_admit(&o, 2, 12, 0, &oom));
  assert_true(sq_origins_admit(&o, 2, 13, 0, &oom));
  assert_int_equal(sq_origins_watermark(&o), INT64_MIN); /* rows are not marks */
  assert_true(sq_origins_admit(&o, SQ_ORIGINS_MAX, 1, 0, &oom)); /* a damaged origin: not judged, nothing allocated */
  assert_true(sq_origins_admit(&o, SQ_ORIGINS_MAX, 1, 0, &oom));
  assert_false(oom);
  assert_int_equal(o.n, 3);
  sq_origins_clear(&o);
}

static void checkpoint_round_trip(void **state) {
  (void)state;
  sq_origins_t o = {0}, back = {0};
  bool oom;
  assert_true(sq_origins_mark(&o, &(sq_mark_t){0, 2, 100, false}));
  assert_true(sq_origins_mark(&o, &(sq_mark_t){1, 2, 300, true}));
  assert_true(sq_origins_admit(&o, 1, 42, 3, &oom));
  sq_buf_t buf = {0};
  sq_origins_save(&o, &buf);
  sq_cursor_t in = sq_cursor(buf.data, buf.len);
  assert_true(sq_origins_load(&back, &in));
  assert_true(sq_cursor_done(&in));
  assert_int_equal(sq_origins_watermark(&back), 100);
  assert_false(sq_origins_admit(&back, 1, 42, 3, &oom)); /* the index survives the checkpoint */
  assert_false(sq_origins_mark(&back, &(sq_mark_t){1, 2, 300, true}) && !back.at[1].idle);
  assert_true(sq_origins_admit(&back, 1, 42, 4, &oom));
  assert_true(sq_origins_admit(&back, 1, 43, 0, &oom));
  sq_cursor_t cut = sq_cursor(buf.data, buf.len - 3); /* a damaged record is refused */
  assert_false(sq_origins_load(&back, &cut));
  sq_buf_free(&buf);
  sq_origins_clear(&o);
  sq_origins_clear(&back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(marks_read_back),
      cmocka_unit_test(watermark_is_the_fold_over_marks),
      cmocka_unit_test(repeats_are_refused),
      cmocka_unit_test(checkpoint_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
