/* Diagnostics: offsets to LINE:COL, the caret excerpt, ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "front_end_fixture.h"

static void offsets_map_to_one_based_lines_and_columns(void **state) {
  (void)state;
  const char *text = "ab\ncd\n\nef";
  sq_sql_t *src = sq_sql_new("f.sql", text, strlen(text));
  uint32_t line, col;
  sq_sql_position(src, 0, &line, &col);
  assert_int_equal(line, 1); assert_int_equal(col, 1);
  sq_sql_position(src, 4, &line, &col);
  assert_int_equal(line, 2); assert_int_equal(col, 2);
  sq_sql_position(src, 6, &line, &col);
  assert_int_equal(line, 3); assert_int_equal(col, 1);
  sq_sql_position(src, 9, &line, &col); /* end of text */
  assert_int_equal(line, 4); assert_int_equal(col, 3);
  sq_sql_destroy(src);
}

static void error_prints_location_line_and_caret_under_token(void **state) {
  (void)state;
  const char *text = "SELECT a\nFROM bidz;";
  sq_sql_t *src = sq_sql_new("p.sql", text, strlen(text));
  sq_diag_t *d = sq_diag_new(src);
  sq_diag_error(d, (sq_span_t){14, 18}, "unknown source '%s'", "bidz");
  char *out = diag_text(d);
  assert_string_equal(out, "p.sql:2:6: error: unknown source 'bidz'\nFROM bidz;\n     ^~~~\n");
  free(out);
  sq_diag_destroy(d);
  sq_sql_destroy(src);
}

static void caret_keeps_tabs_so_it_lines_up(void **state) {
  (void)state;
  const char *text = "\tSELECT\tx";
  sq_sql_t *src = sq_sql_new("t.sql", text, strlen(text));
  sq_diag_t *d = sq_diag_new(src);
  sq_diag_error(d, (sq_span_t){8, 9}, "bad");
  char *out = diag_text(d);
  assert_string_equal(out, "t.sql:1:9: error: bad\n\tSELECT\tx\n\t      \t^\n");
  free(out);
  sq_diag_destroy(d);
  sq_sql_destroy(src);
}

static void span_over_several_lines_is_underlined_to_end_of_first(void **state) {
  (void)state;
  const char *text = "a = 'x\ny'";
  sq_sql_t *src = sq_sql_new("m.sql", text, strlen(text));
  sq_diag_t *d = sq_diag_new(src);
  sq_diag_error(d, (sq_span_t){4, 9}, "multi");
  char *out = diag_text(d);
  assert_string_equal(out, "m.sql:1:5: error: multi\na = 'x\n    ^~\n");
  free(out);
  sq_diag_destroy(d);
  sq_sql_destroy(src);
}

static void errors_are_printed_in_source_order(void **state) {
  (void)state;
  const char *text = "one two three";
  sq_sql_t *src = sq_sql_new("o.sql", text, strlen(text));
  sq_diag_t *d = sq_diag_new(src);
  sq_diag_error(d, (sq_span_t){8, 13}, "third");
  sq_diag_error(d, (sq_span_t){0, 3}, "first");
  sq_diag_error(d, (sq_span_t){8, 13}, "fourth");
  sq_diag_error(d, (sq_span_t){4, 7}, "second");
  assert_int_equal(sq_diag_count(d), 4);
  char *out = diag_text(d);
  const char *p1 = strstr(out, "first"), *p2 = strstr(out, "second"), *p3 = strstr(out, "third"), *p4 = strstr(out, "fourth");
  assert_non_null(p1);
  assert_true(p1 < p2 && p2 < p3 && p3 < p4);
  free(out);
  sq_diag_destroy(d);
  sq_sql_destroy(src);
}

static void error_at_end_of_input_points_past_last_character(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT a FROM", 0);
  char *out = fixture_errors(&f);
  assert_string_equal(out, "test.sql:1:14: error: syntax error at end of input; expected identifier\n"
                           "SELECT a FROM\n             ^\n");
  free(out);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(offsets_map_to_one_based_lines_and_columns),
      cmocka_unit_test(error_prints_location_line_and_caret_under_token),
      cmocka_unit_test(caret_keeps_tabs_so_it_lines_up),
      cmocka_unit_test(span_over_several_lines_is_underlined_to_end_of_first),
      cmocka_unit_test(errors_are_printed_in_source_order),
      cmocka_unit_test(error_at_end_of_input_points_past_last_character),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
