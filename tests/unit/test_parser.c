/* The parser: precedence, names and literals, spans, recovery after
 * errors, and limits that keep hostile input from crashing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "front_end_fixture.h"

/* The first select item's expression of a one-statement script. */
static const sq_ast_t *first_item(const fixture_t *f) {
  assert_int_equal(sq_diag_count(f->diag), 0);
  assert_int_equal(f->script->n, 1);
  const sq_ast_t *select = f->script->list[0]->a;
  return select->select->items->list[0]->a;
}

/* A dump on one line, without positions (" @L:C-L:C") or indentation. */
static char *strip_positions(char *dump) {
  char *out = malloc(strlen(dump) + 1), *o = out;
  for (char *p = dump; *p; p++) {
    if (*p == ' ' && p[1] == '@') {
      while (*p && *p != '\n') p++;
      if (!*p) break;
    }
    if (*p == '\n') { *o++ = '|'; while (p[1] == ' ') p++; continue; }
    *o++ = *p;
  }
  *o = '\0';
  free(dump);
  return out;
}

/* Dumps the first item's expression, without positions. */
static char *shape(const char *sql) {
  fixture_t f = fixture_load(sql, 0);
  char *dump = fixture_dump(first_item(&f), &f);
  fixture_free(&f);
  return strip_positions(dump);
}

/* Dumps the whole first statement, without positions. */
static char *statement_shape(const char *sql) {
  fixture_t f = fixture_load(sql, 0);
  assert_int_equal(sq_diag_count(f.diag), 0);
  char *dump = fixture_dump(f.script->list[0], &f);
  fixture_free(&f);
  return strip_positions(dump);
}

static void assert_shape(const char *sql, const char *expected) {
  char *got = shape(sql);
  assert_string_equal(got, expected);
  free(got);
}

static void and_binds_tighter_than_or(void **state) {
  (void)state;
  assert_shape("SELECT a OR b AND c FROM t", "binary OR|column a|binary AND|column b|column c|");
}

static void not_binds_looser_than_comparison(void **state) {
  (void)state;
  assert_shape("SELECT NOT a = b FROM t", "unary NOT|binary =|column a|column b|");
}

static void multiplication_binds_tighter_than_addition_and_concat_loosest(void **state) {
  (void)state;
  assert_shape("SELECT a || b + c * d FROM t",
               "binary |||column a|binary +|column b|binary *|column c|column d|");
}

static void arithmetic_is_left_associative(void **state) {
  (void)state;
  assert_shape("SELECT a - b - c FROM t", "binary -|binary -|column a|column b|column c|");
}

static void unary_minus_binds_tightest(void **state) {
  (void)state;
  assert_shape("SELECT -a * b FROM t", "binary *|unary -|column a|column b|");
}

static void between_and_does_not_swallow_boolean_and(void **state) {
  (void)state;
  assert_shape("SELECT a BETWEEN 1 AND 2 AND b FROM t",
               "binary AND|between|column a|literal 1|literal 2|column b|");
  assert_shape("SELECT a NOT BETWEEN 1 AND 2 FROM t", "between not|column a|literal 1|literal 2|");
}

static void unquoted_names_fold_to_lower_case_and_quoted_keep_theirs(void **state) {
  (void)state;
  assert_shape("SELECT Price, \"Price\" FROM t", "column price|");
  fixture_t f = fixture_load("SELECT \"Pr\"\"ice\" FROM t", 0);
  assert_string_equal(first_item(&f)->name.text, "Pr\"ice");
  fixture_free(&f);
}

static void string_literals_unescape_doubled_quotes(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT 'it''s' FROM t", 0);
  assert_string_equal(first_item(&f)->text, "it's");
  fixture_free(&f);
}

static void unreserved_keywords_can_name_columns(void **state) {
  (void)state;
  assert_shape("SELECT key FROM t", "column key|");
  assert_shape("SELECT timestamp FROM t", "column timestamp|");
  assert_shape("SELECT t.size FROM t", "column t.size|");
}

static void durations_are_milliseconds(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT COUNT(*) FROM t WINDOW HOPPING (SIZE 2 HOURS, ADVANCE BY 500 MILLISECONDS, GRACE PERIOD 1 DAY)", 0);
  const sq_ast_t *w = f.script->list[0]->a->select->window;
  assert_int_equal(w->a->ival, 7200000);
  assert_int_equal(w->b->ival, 500);
  assert_int_equal(w->c->ival, 86400000);
  fixture_free(&f);
}

static void interval_durations_are_milliseconds(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT COUNT(*) FROM t WINDOW HOPPING (SIZE INTERVAL '2' HOURS,"
                             " ADVANCE BY INTERVAL ' 500 milliseconds ', GRACE PERIOD INTERVAL '1 DAY')", 0);
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_ast_t *w = f.script->list[0]->a->select->window;
  assert_int_equal(w->a->ival, 7200000);
  assert_int_equal(w->b->ival, 500);
  assert_int_equal(w->c->ival, 86400000);
  fixture_free(&f);
  f = fixture_load("SELECT COUNT(*) FROM t WINDOW SESSION (INTERVAL '30' SECOND)", 0);
  assert_int_equal(sq_diag_count(f.diag), 0);
  assert_int_equal(f.script->list[0]->a->select->window->a->ival, 30000);
  fixture_free(&f);
}

static void window_before_where_is_the_same_query(void **state) {
  (void)state;
  char *streamq = statement_shape("SELECT k, COUNT(*) FROM t WHERE x > 1 WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k");
  char *ksqldb = statement_shape("SELECT k, COUNT(*) FROM t WINDOW TUMBLING (SIZE 1 MINUTE) WHERE x > 1 GROUP BY k");
  assert_non_null(strstr(streamq, "where: binary >"));
  assert_non_null(strstr(streamq, "window: window tumbling"));
  assert_string_equal(ksqldb, streamq);
  free(streamq);
  free(ksqldb);
  char *gap = statement_shape("SELECT COUNT(*) FROM t WINDOW SESSION (GAP 5 SECONDS, GRACE PERIOD 1 SECOND)");
  char *bare = statement_shape("SELECT COUNT(*) FROM t WINDOW SESSION (5 SECONDS, GRACE PERIOD 1 SECOND)");
  assert_string_equal(bare, gap);
  free(gap);
  free(bare);
}

static void a_second_window_is_an_error_at_the_second(void **state) {
  (void)state;
  const char *sql = "SELECT COUNT(*) FROM t WINDOW TUMBLING (SIZE 1 MINUTE) WHERE x > 1 WINDOW SESSION (GAP 1 SECOND)";
  fixture_t f = fixture_load(sql, 0);
  assert_int_equal(sq_diag_count(f.diag), 1);
  assert_string_equal(sq_diag_message(f.diag, 0), "a query has only one WINDOW clause");
  assert_int_equal(sq_diag_span(f.diag, 0).start, strstr(sql, "WINDOW SESSION") - sql);
  fixture_free(&f);
}

static void quoted_option_names_are_option_names(void **state) {
  (void)state;
  char *quoted = statement_shape("CREATE SINK s WITH ('connector' = 'stdout', 'format' = 'json')");
  char *bare = statement_shape("CREATE SINK s WITH (connector = 'stdout', format = 'json')");
  assert_string_equal(quoted, bare);
  free(quoted);
  free(bare);
}

static void every_node_spans_its_text(void **state) {
  (void)state;
  const char *sql = "SELECT price * 2 AS doubled FROM bids";
  fixture_t f = fixture_load(sql, 0);
  const sq_ast_t *item = f.script->list[0]->a->select->items->list[0];
  assert_int_equal(item->span.start, 7);
  assert_int_equal(item->span.end, 27);
  assert_int_equal(item->a->span.start, 7);
  assert_int_equal(item->a->span.end, 16);
  assert_int_equal(item->name2.span.start, 20);
  fixture_free(&f);
}

static void every_bad_statement_is_reported(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT FROM a;\nSELECT 1 FROM b;\nSELECT a b c FROM d;\nSHOW NOTHING;\nSELECT 2 FROM e", 0);
  assert_int_equal(sq_diag_count(f.diag), 3);
  assert_int_equal(f.script->n, 2); /* the two good statements */
  fixture_free(&f);
}

static void ten_thousand_nested_parentheses_give_an_error(void **state) {
  (void)state;
  size_t n = 10000;
  char *sql = malloc(2 * n + 32);
  char *p = sql + sprintf(sql, "SELECT ");
  for (size_t i = 0; i < n; i++) *p++ = '(';
  *p++ = '1';
  for (size_t i = 0; i < n; i++) *p++ = ')';
  strcpy(p, " FROM t");
  fixture_t f = fixture_load(sql, 0);
  assert_int_equal(sq_diag_count(f.diag), 1);
  assert_string_equal(sq_diag_message(f.diag, 0), "parentheses nested too deeply (more than 1000 levels)");
  fixture_free(&f);
  free(sql);
}

static void long_left_nested_chains_give_an_error(void **state) {
  (void)state;
  size_t n = 200000;
  char *sql = malloc(4 * n + 32);
  char *p = sql + sprintf(sql, "SELECT 1");
  for (size_t i = 0; i < n; i++) p += sprintf(p, "+1");
  strcpy(p, " FROM t");
  fixture_t f = fixture_load(sql, 0);
  assert_int_equal(sq_diag_count(f.diag), 1);
  assert_string_equal(sq_diag_message(f.diag, 0), "expression nested too deeply (more than 1000 levels)");
  fixture_free(&f);
  free(sql);
}

static void empty_and_comment_only_files_are_empty_scripts(void **state) {
  (void)state;
  const char *texts[] = {"", "   \n", "-- nothing\n/* at all */", ";;;"};
  for (size_t i = 0; i < 4; i++) {
    fixture_t f = fixture_load(texts[i], 0);
    assert_int_equal(sq_diag_count(f.diag), 0);
    assert_non_null(f.script);
    assert_int_equal(f.script->n, 0);
    fixture_free(&f);
  }
}

static void integer_literals_cover_int64(void **state) {
  (void)state;
  fixture_t f = fixture_load("SELECT 9223372036854775807 FROM t", 0);
  assert_true(first_item(&f)->ival == INT64_MAX);
  fixture_free(&f);
  f = fixture_load("SELECT 9223372036854775808 FROM t", 0);
  assert_string_equal(sq_diag_message(f.diag, 0), "integer literal out of range");
  fixture_free(&f);
}

/* The grammar's `ident` rule and grammar/keywords.h agree: every
 * unreserved keyword (and time unit) names a column, no reserved one does. */
static void unreserved_keywords_are_exactly_the_ones_that_name_columns(void **state) {
  (void)state;
  static const struct {
    const char *text;
    bool reserved;
  } words[] = {
#define RESERVED true
#define UNRESERVED false
#define SQ_KEYWORD(text, token, category) {text, category},
#include "grammar/keywords.h"
#undef SQ_KEYWORD
#undef UNRESERVED
#undef RESERVED
      {"seconds", false}, {"minute", false},
  };
  for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE SOURCE s (%s BIGINT) WITH (connector = 'file', path = 'x');", words[i].text);
    fixture_t f = fixture_load(sql, 0);
    if ((sq_diag_count(f.diag) > 0) != words[i].reserved) fail_msg("'%s' should %sname a column", words[i].text, words[i].reserved ? "not " : "");
    fixture_free(&f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(and_binds_tighter_than_or),
      cmocka_unit_test(not_binds_looser_than_comparison),
      cmocka_unit_test(multiplication_binds_tighter_than_addition_and_concat_loosest),
      cmocka_unit_test(arithmetic_is_left_associative),
      cmocka_unit_test(unary_minus_binds_tightest),
      cmocka_unit_test(between_and_does_not_swallow_boolean_and),
      cmocka_unit_test(unquoted_names_fold_to_lower_case_and_quoted_keep_theirs),
      cmocka_unit_test(string_literals_unescape_doubled_quotes),
      cmocka_unit_test(unreserved_keywords_can_name_columns),
      cmocka_unit_test(durations_are_milliseconds),
      cmocka_unit_test(interval_durations_are_milliseconds),
      cmocka_unit_test(window_before_where_is_the_same_query),
      cmocka_unit_test(a_second_window_is_an_error_at_the_second),
      cmocka_unit_test(quoted_option_names_are_option_names),
      cmocka_unit_test(every_node_spans_its_text),
      cmocka_unit_test(every_bad_statement_is_reported),
      cmocka_unit_test(ten_thousand_nested_parentheses_give_an_error),
      cmocka_unit_test(long_left_nested_chains_give_an_error),
      cmocka_unit_test(empty_and_comment_only_files_are_empty_scripts),
      cmocka_unit_test(integer_literals_cover_int64),
      cmocka_unit_test(unreserved_keywords_are_exactly_the_ones_that_name_columns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
