/* Expressions end to end: parsed, analyzed, compiled and evaluated on a
 * row. Every scalar function and operator, with its NULL behaviour and the
 * edge cases SQL users trip over (integer division, overflow, LIKE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/number.h"
#include "engine/expr.h"
#include "engine/functions.h"
#include "engine/scalar.h"
#include "engine/value_text.h"
#include "front_end_fixture.h"

/* Evaluates `expr` over the row (i=7, d=2.5, s='héllo', ts=2026-01-01
 * 10:11:12.345, b=TRUE, n=NULL) and returns it as a JSON literal. */
static char *eval(const char *expr, uint64_t *div_by_zero) {
  char sql[4096];
  snprintf(sql, sizeof sql,
           "CREATE SOURCE t (i BIGINT, d DOUBLE, s STRING, ts TIMESTAMP, b BOOLEAN, n BIGINT)"
           " WITH (connector = 'file', path = 'x'); SELECT %s FROM t", expr);
  fixture_t f = fixture_load(sql, 1);
  if (sq_diag_count(f.diag)) {
    char *e = fixture_errors(&f);
    fail_msg("%s: %s", expr, e);
  }
  sq_expr_t *x = sq_expr_compile(f.prog->queries[0].select->select->items->list[0]->a, NULL);
  assert_non_null(x);
  sq_value_t row[] = {sq_int(7), sq_double(2.5), sq_str("h\xc3\xa9llo", 6), sq_ts(INT64_C(1767262272345)), sq_bool(true), sq_null()};
  const sq_value_t *rows[] = {row};
  sq_arena_t arena = {0};
  sq_eval_ctx_t ctx = {.inputs = rows, .arena = &arena, .now_ms = 42, .div_by_zero = div_by_zero};
  sq_buf_t out = {0};
  sq_encode_value(&out, sq_expr_eval(x, &ctx), true);
  sq_buf_putc(&out, '\0');
  sq_expr_destroy(x);
  sq_arena_free(&arena);
  fixture_free(&f);
  return out.data;
}

static void check(const char *expr, const char *expected) {
  uint64_t dz = 0;
  char *got = eval(expr, &dz);
  if (strcmp(got, expected) != 0) fail_msg("%s: expected %s, got %s", expr, expected, got);
  free(got);
}

static void arithmetic_and_integer_edge_cases(void **state) {
  (void)state;
  check("i + 1", "8");
  check("i * d", "17.5");
  check("i / 2", "3");
  check("-i / 2", "-3");
  check("i % -3", "1");
  check("-i % 3", "-1");
  check("d / 2", "1.25");
  check("i - n", "null");
  check("9223372036854775807 + i", "null"); /* overflow is NULL, not wrapped */
  check("-i", "-7");
  check("ts + 1000", "1767262273345");
  check("ts - TIMESTAMP '2026-01-01 00:00:00'", "36672345");
  check("0.1 + 0.2", "0.30000000000000004");
}

static void division_by_zero_is_null_and_counted(void **state) {
  (void)state;
  uint64_t dz = 0;
  char *got = eval("i / (i - 7)", &dz);
  assert_string_equal(got, "null");
  assert_int_equal(dz, 1);
  free(got);
  got = eval("d % 0", &dz);
  assert_string_equal(got, "null");
  assert_int_equal(dz, 2);
  free(got);
}

static void three_valued_logic(void **state) {
  (void)state;
  check("n > 1 AND FALSE", "false");
  check("n > 1 AND TRUE", "null");
  check("n > 1 OR TRUE", "true");
  check("n > 1 OR FALSE", "null");
  check("NOT (n > 1)", "null");
  check("n IS NULL", "true");
  check("i IS NOT NULL", "true");
  check("7 IN (1, n)", "null");
  check("7 IN (7, n)", "true");
  check("7 NOT IN (1, 2)", "true");
  check("i BETWEEN 1 AND 7", "true");
  check("i NOT BETWEEN 1 AND n", "null");
  check("i = 7.0", "true");
  check("s < 'z'", "true");
}

static void like_patterns(void **state) {
  (void)state;
  check("'abc' LIKE 'a%c'", "true");
  check("'abc' LIKE 'a_'", "false");
  check("'abc' LIKE '%'", "true");
  check("'' LIKE '%'", "true");
  check("'abcabc' LIKE '%abc'", "true");
  check("'ABC' LIKE 'abc'", "false");
  check("'abc' NOT LIKE 'b%'", "true");
  check("CAST(n AS STRING) LIKE 'a'", "null");
}

static void case_cast_and_concat(void **state) {
  (void)state;
  check("CASE WHEN n > 1 THEN 1 WHEN i > 1 THEN 2 END", "2");
  check("CASE WHEN n > 1 THEN 1 END", "null");
  check("CASE i WHEN 7 THEN 'seven' ELSE 'other' END", "\"seven\"");
  check("CASE WHEN b THEN 1 ELSE 2.5 END", "1");
  check("CAST('12' AS BIGINT)", "12");
  check("CAST(' 12 ' AS BIGINT)", "12");
  check("CAST('12x' AS BIGINT)", "null");
  check("CAST(1.9 AS BIGINT)", "1");
  check("CAST(TRUE AS BIGINT)", "1");
  check("CAST('true' AS BOOLEAN)", "true");
  check("CAST(0.1 AS STRING)", "\"0.1\"");
  check("CAST(ts AS STRING)", "\"2026-01-01 10:11:12.345\"");
  check("CAST('2026-01-01T00:00:00Z' AS TIMESTAMP)", "1767225600000");
  check("CAST(i AS DOUBLE)", "7");
  check("s || i", "\"héllo7\"");
  check("s || n", "null");
}

static void numeric_functions(void **state) {
  (void)state;
  check("ABS(-3)", "3");
  check("ABS(-2.5)", "2.5");
  check("ABS(n)", "null");
  check("ROUND(2.5)", "3");
  check("ROUND(-2.5)", "-3");
  check("ROUND(2.567, 2)", "2.57");
  check("ROUND(i)", "7");
  check("FLOOR(-1.5)", "-2");
  check("CEIL(1.2)", "2");
  check("SQRT(16)", "4");
  check("SQRT(-1)", "null");
  check("POWER(2, 10)", "1024");
  check("LN(1)", "0");
  check("LN(0)", "null");
  check("EXP(0)", "1");
}

static void string_functions(void **state) {
  (void)state;
  check("LOWER('AbC')", "\"abc\"");
  check("UPPER('AbC')", "\"ABC\"");
  check("TRIM('  a b  ')", "\"a b\"");
  check("LENGTH(s)", "5");
  check("SUBSTRING('hello', 2, 3)", "\"ell\"");
  check("SUBSTRING('hello', 2)", "\"ello\"");
  check("SUBSTRING('hello', 0, 2)", "\"h\"");
  check("SUBSTRING('hello', 9)", "\"\"");
  check("SUBSTRING(s, 2, 1)", "\"é\"");
  check("REPLACE('aXbX', 'X', 'yy')", "\"ayybyy\"");
  check("CONCAT('a', n, 1, TRUE)", "\"a1true\"");
  check("SPLIT_PART('a,b,c', ',', 2)", "\"b\"");
  check("SPLIT_PART('a,b', ',', 5)", "\"\"");
  check("JSON_VALUE('{\"a\":{\"b\":[1,\"x\"]}}', '$.a.b[1]')", "\"x\"");
  check("JSON_VALUE('{\"a\":{\"b\":[1,\"x\"]}}', '$.a.b[0]')", "\"1\"");
  check("JSON_VALUE('{\"a\":{\"b\":1}}', '$.a')", "null");
  check("JSON_VALUE('not json', '$.a')", "null");
}

static void conditional_functions(void **state) {
  (void)state;
  check("COALESCE(n, n, 3)", "3");
  check("COALESCE(n, d)", "2.5");
  check("NULLIF(i, 7)", "null");
  check("NULLIF(i, 8)", "7");
  check("GREATEST(1, i, 3)", "7");
  check("LEAST('b', 'a')", "\"a\"");
  check("GREATEST(1, n)", "null");
}

static void time_functions(void **state) {
  (void)state;
  check("DATE_TRUNC('minute', ts)", "1767262260000");
  check("DATE_TRUNC('day', ts)", "1767225600000");
  check("DATE_TRUNC('month', TIMESTAMP '2026-03-15 12:00:00')", "1772323200000");
  check("DATE_TRUNC('week', TIMESTAMP '2026-01-01 12:00:00')", "1766966400000"); /* Monday 2025-12-29 */
  check("EXTRACT(HOUR FROM ts)", "10");
  check("EXTRACT(MILLISECOND FROM ts)", "345");
  check("EXTRACT(DOW FROM ts)", "4"); /* Thursday */
  check("EXTRACT(YEAR FROM ts)", "2026");
  check("EXTRACT(EPOCH FROM ts)", "1767262272");
  check("FORMAT_TIMESTAMP(ts, '%Y-%m-%d %H:%M')", "\"2026-01-01 10:11\"");
  check("TO_TIMESTAMP('2026-01-01T00:00:00Z')", "1767225600000");
  check("TO_TIMESTAMP(5)", "5");
  check("TO_TIMESTAMP('garbage')", "null");
  check("NOW()", "42");
  check("EXTRACT(HOUR FROM TIMESTAMP '1969-12-31 23:00:00')", "23");
}

/* ROUND of a BIGINT to tens, hundreds, ...: exact, half away from zero,
 * NULL when the result does not fit. */
static void round_bigint(void **state) {
  (void)state;
  check("ROUND(123456789, -2)", "123456800");
  check("ROUND(123456749, -2)", "123456700");
  check("ROUND(-123456750, -2)", "-123456800");
  check("ROUND(i, -1)", "10");
  check("ROUND(-5, -1)", "-10");
  check("ROUND(4, -1)", "0");
  check("ROUND(i, 3)", "7");
  check("ROUND(9223372036854775807, -18)", "9000000000000000000");
  check("ROUND(9223372036854775807, -1)", "null"); /* 9223372036854775810 */
  check("ROUND(9223372036854775807, -19)", "0");
  check("ROUND(-9223372036854775807 - 1, -2)", "-9223372036854775800");
  check("ROUND(-9223372036854775807 - 1, -18)", "-9000000000000000000");
  check("ROUND(-9223372036854775807 - 1, -1000)", "0");
  check("ROUND(123456789.0, -2)", "123456800");
}

/* The earliest and latest TIMESTAMPs (-292275055-05-16 16:47:04.192 and
 * 292278994-08-17 07:12:55.807 UTC): EXTRACT reads them, and DATE_TRUNC
 * gives NULL where the start of the unit is before the earliest. */
#define TS_MIN "CAST(-9223372036854775807 - 1 AS TIMESTAMP)"
#define TS_MAX "CAST(9223372036854775807 AS TIMESTAMP)"
static void timestamp_extremes(void **state) {
  (void)state;
  static const char *const fields[] = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "DOW"};
  static const char *const at_min[] = {"-292275055", "5", "16", "16", "47", "4", "192", "0"};
  static const char *const at_max[] = {"292278994", "8", "17", "7", "12", "55", "807", "0"};
  char expr[256];
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    snprintf(expr, sizeof expr, "EXTRACT(%s FROM " TS_MIN ")", fields[i]);
    check(expr, at_min[i]);
    snprintf(expr, sizeof expr, "EXTRACT(%s FROM " TS_MAX ")", fields[i]);
    check(expr, at_max[i]);
  }
  check("EXTRACT(EPOCH FROM " TS_MIN ")", "-9223372036854776");
  check("DATE_TRUNC('millisecond', " TS_MIN ")", "-9223372036854775808");
  static const char *const units[] = {"second", "minute", "hour", "day", "week", "month", "year"};
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    snprintf(expr, sizeof expr, "DATE_TRUNC('%s', " TS_MIN ")", units[i]);
    check(expr, "null");
    snprintf(expr, sizeof expr, "DATE_TRUNC('%s', " TS_MAX ") <= " TS_MAX, units[i]);
    check(expr, "true");
  }
  check("DATE_TRUNC('second', " TS_MAX ")", "9223372036854775000");
  check("EXTRACT(YEAR FROM DATE_TRUNC('year', " TS_MAX ")) * 10000 + EXTRACT(MONTH FROM DATE_TRUNC('year', " TS_MAX ")) * 100"
        " + EXTRACT(DAY FROM DATE_TRUNC('year', " TS_MAX "))", "2922789940101");
  check("EXTRACT(DOW FROM DATE_TRUNC('week', " TS_MAX "))", "1");
  check("EXTRACT(DAY FROM DATE_TRUNC('month', " TS_MAX "))", "1");
  check("DATE_TRUNC('second', CAST(-9223372036854775807 + 807 AS TIMESTAMP))", "-9223372036854775000");
}

/* FORMAT_TIMESTAMP results and patterns of any length. */
static void long_formats(void **state) {
  (void)state;
  char expr[2048] = "FORMAT_TIMESTAMP(ts, '", want[2048] = "\"";
  for (int i = 0; i < 300; i++) {
    strcat(expr, "%Y-");
    strcat(want, "2026-");
  }
  strcat(expr, "')");
  strcat(want, "\"");
  check(expr, want); /* a 900-byte pattern, 1500 bytes out */
  check("FORMAT_TIMESTAMP(ts, '')", "\"\"");
  check("LENGTH(FORMAT_TIMESTAMP(ts, '%c'))", "24");
}

/* UPPER and LOWER change the case of every letter UTF-8 can write, not
 * only ASCII's; 'ß' has no one-letter capital and stays. */
static void unicode_case(void **state) {
  (void)state;
  check("UPPER(s)", "\"H\xc3\x89LLO\"");
  check("UPPER('stra\xc3\x9f\x65 \xc3\xa0\xc3\xa9\xc3\xb8 \xce\xb1\xce\xb2\xcf\x89 \xd0\xb6\xd1\x91 \xc3\xbf')",
        "\"STRA\xc3\x9f\x45 \xc3\x80\xc3\x89\xc3\x98 \xce\x91\xce\x92\xce\xa9 \xd0\x96\xd0\x81 \xc5\xb8\"");
  check("LOWER('\xc3\x80\xc3\x89 \xce\xa3\xce\xa9 \xd0\x96\xd0\x81 ABC')",
        "\"\xc3\xa0\xc3\xa9 \xcf\x83\xcf\x89 \xd0\xb6\xd1\x91 abc\"");
  check("LENGTH(UPPER('\xc8\xbf'))", "1"); /* U+023F: its capital U+2C7E is a byte longer */
  check("UPPER('\xc8\xbf')", "\"\xe2\xb1\xbe\"");
  check("UPPER('\xe2\x82\xac 1')", "\"\xe2\x82\xac 1\""); /* no case: as it is */
  sq_arena_t arena = {0};
  sq_eval_ctx_t ctx = {.arena = &arena};
  sq_value_t bad = sq_str("a\xff\xc3(b", 6); /* not UTF-8: those bytes stay */
  sq_value_t up = sq_scalar_call(SQ_FN_UPPER, &bad, 1, &ctx);
  assert_int_equal(up.u.s.len, 6);
  assert_memory_equal(up.u.s.p, "A\xff\xc3(B", 6);
  sq_arena_free(&arena);
}

/* Integers are written without printf: every digit count, both signs and
 * the extremes must read as printf would write them. */
static void integer_output(void **state) {
  (void)state;
  int64_t values[64] = {0, INT64_MIN, INT64_MAX, INT64_MIN + 1};
  size_t n = 4;
  for (int64_t p = 1; n + 3 < 64 && p <= INT64_MAX / 10; p *= 10) {
    values[n++] = p - 1;
    values[n++] = -p;
    values[n++] = p * 7 + 3;
  }
  for (size_t i = 0; i < n; i++) {
    char want[32], got[32];
    snprintf(want, sizeof want, "%" PRId64, values[i]);
    int len = sq_format_int(values[i], got);
    got[len] = '\0';
    if (strcmp(got, want) != 0) fail_msg("expected %s, got %s", want, got);
  }
  check("CAST(-1234567 AS STRING)", "\"-1234567\"");
}

/* DOUBLE as text (CAST and output): the shortest digits that read back
 * exactly, laid out as printf's %g at 15, 16 or 17 digits would. printf
 * at the first of those precisions that reads back is the reference, on
 * every kind of double where it is the shortest: all but subnormals and
 * some powers of two, where it pads digits the shortest form does not
 * need. */
static const char *double_text(double d, sq_arena_t *arena) {
  sq_value_t s = sq_cast(sq_double(d), SQ_TYPE_STRING, arena);
  char *z = sq_arena_alloc(arena, s.u.s.len + 1);
  memcpy(z, s.u.s.p, s.u.s.len);
  z[s.u.s.len] = '\0';
  return z;
}

static void double_output(void **state) {
  (void)state;
  sq_arena_t arena = {0};
  uint64_t r = 88172645463325252u;
  for (int i = 0; i < 200000; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    double d;
    switch (i % 5) {
    case 0: memcpy(&d, &r, sizeof d); break;                           /* any bits */
    case 1: d = (double)(r % 100000000) / 100.0; break;                /* amounts */
    case 2: d = (double)(r % 10000) / 100.0 + (double)(r >> 40) / 100.0; break; /* sums of amounts */
    case 3: d = ldexp((double)(r >> 11), (int)(r % 120) - 100); break; /* integers and fractions */
    default: d = (double)(int64_t)r / (double)(1 + (r >> 50)); break;
    }
    int e;
    if (!isfinite(d) || fabs(d) < 0x1p-1022 || frexp(d, &e) == 0.5 || frexp(d, &e) == -0.5) continue;
    char want[32];
    for (int precision = 15; precision <= 17; precision++) {
      snprintf(want, sizeof want, "%.*g", precision, d);
      if (strtod(want, NULL) == d) break;
    }
    const char *got = double_text(d, &arena);
    if (strcmp(got, want) != 0) fail_msg("%a: expected %s, got %s", d, want, got);
    double back;
    if (!sq_parse_double(got, strlen(got), &back) || back != d) fail_msg("%s does not read back", got);
    sq_arena_reset(&arena);
  }
  static const struct { double d; const char *text; } fixed[] = {
      {0.0, "0"}, {-0.0, "-0"}, {0.1, "0.1"}, {0.0001, "0.0001"}, {0.00001, "1e-05"}, {1e15, "1e+15"},
      {123456789012345.0, "123456789012345"}, {1234567890123456.0, "1234567890123456"}, {1e16, "1e+16"},
      {12345678901234568.0, "12345678901234568"}, {1e100, "1e+100"}, {-2.5e-300, "-2.5e-300"},
      {1.7976931348623157e308, "1.7976931348623157e+308"}, {0.1 + 0.2, "0.30000000000000004"},
      {5e-324, "5e-324"}, {2.2250738585072009e-308, "2.225073858507201e-308"}, /* subnormals */
      {0x1p182, "6.129982163463556e+54"},                                      /* a power of two */
      {NAN, "NaN"}, {-INFINITY, "-Infinity"},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    const char *got = double_text(fixed[i].d, &arena);
    if (strcmp(got, fixed[i].text) != 0) fail_msg("expected %s, got %s", fixed[i].text, got);
  }
  sq_arena_free(&arena);
}

/* Text to DOUBLE (JSON, CSV, CAST) reads strtod's decimal grammar,
 * correctly rounded, and nothing else. */
static void double_input(void **state) {
  (void)state;
  static const char *const good[] = {"0", "-0", "+5", ".5", "5.", "-.5e-3", "1E+2", "123.456", "1e-400",
                                     "2.2250738585072011e-308", "0.30000000000000004", "9007199254740993",
                                     "17976931348623157e292"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    double got, want = strtod(good[i], NULL);
    if (!sq_parse_double(good[i], strlen(good[i]), &got) || memcmp(&got, &want, sizeof got) != 0)
      fail_msg("%s: expected %a", good[i], want);
  }
  static const char *const bad[] = {"", "+", "-", ".", "e5", "1e", "1e+", "inf", "-inf", "nan", "Infinity", "0x1p3",
                                    "+-5", "--5", " 5", "5 ", "1e400", "-1e400", "1.2.3", "5f"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double got;
    if (sq_parse_double(bad[i], strlen(bad[i]), &got)) fail_msg("'%s' read as %g", bad[i], got);
  }
  check("CAST('  ' AS DOUBLE)", "null");
  check("CAST('-12.5e1' AS DOUBLE)", "-125");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(integer_output),
      cmocka_unit_test(double_output),
      cmocka_unit_test(double_input),
      cmocka_unit_test(arithmetic_and_integer_edge_cases),
      cmocka_unit_test(division_by_zero_is_null_and_counted),
      cmocka_unit_test(three_valued_logic),
      cmocka_unit_test(like_patterns),
      cmocka_unit_test(case_cast_and_concat),
      cmocka_unit_test(numeric_functions),
      cmocka_unit_test(string_functions),
      cmocka_unit_test(conditional_functions),
      cmocka_unit_test(time_functions),
      cmocka_unit_test(round_bigint),
      cmocka_unit_test(timestamp_extremes),
      cmocka_unit_test(long_formats),
      cmocka_unit_test(unicode_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
