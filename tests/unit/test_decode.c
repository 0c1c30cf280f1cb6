/* The record decoders. JSON: the one-pass path for flat objects must accept
 * exactly what the tokenizer path accepts, with the same values, and
 * neither may accept what is not JSON (RFC 8259, checked by the tests' own
 * strict checker). A relation with a PATH column always takes the
 * tokenizer path, so the same line is decoded both ways and compared, over
 * seed records and every single-byte mutation of them (quotes, escapes,
 * brackets, delimiters, control bytes, bytes that are not UTF-8,
 * deletions); then records that are not JSON, one kind each. CSV: fields
 * must be UTF-8. Output: JSON strings are always UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../fuzz/json_strict.h"
#include "front_end_fixture.h"
#include "engine/format.h"
#include "engine/value_text.h"

#define COLUMNS "k STRING, v BIGINT, d DOUBLE, b BOOLEAN, ts TIMESTAMP"

static const char *const seeds[] = {
    "{\"k\":\"a\",\"v\":1,\"d\":2.5,\"b\":true,\"ts\":1767225600000}",
    " { \"ts\" : 5 , \"k\" : \"x y\" , \"v\" : -12 , \"extra\" : null } ",
    "{\"v\":null,\"d\":1e3,\"b\":false,\"k\":\"\",\"other\":\"z\"}",
    "{\"k\":\"q\\\"x\",\"v\":7,\"n\":{\"a\":[1,2]},\"d\":-0.5}",
    "{}",
    "{\"k\":\"dup\",\"k\":\"last\",\"v\":3}",
    "{\"v\":123456789012345678,\"ts\":-9223372036854775808,\"k\":\"m\"}",
    "{\"v\":9223372036854775807,\"ts\":9223372036854775808}",
    "{\"v\":-0,\"ts\":00012,\"d\":7}",
    "{\"k\":\"\xc3\xa9\\u00e9\\ud83d\\ude00\",\"v\":0,\"d\":1E-2}",
    "{\"skip\":\"\\\"\\u0041\",\"v\":2,\"x\":[true,{\"y\":-1.5e+3}]}",
};

/* Decodes `line` with `d` into `row`; the verdict, and the message in
 * `err` when it is false. */
static bool decode(sq_decoder_t *d, const char *line, size_t len, sq_value_t *row, sq_arena_t *arena, char *err) {
  for (int c = 0; c < 5; c++) row[c] = sq_null();
  err[0] = '\0';
  return sq_decode(d, line, len, row, arena, err, 256);
}

/* The same columns twice: `fast` may take the one-pass path, `slow` (a
 * PATH column read) never does. */
typedef struct both {
  fixture_t f;
  sq_decoder_t *fast, *slow;
} both_t;

static both_t both_open(const bool *read) {
  both_t b = {.f = fixture_load("CREATE SOURCE fast (" COLUMNS ") WITH (connector = 'file', path = 'x');"
                                "CREATE SOURCE slow (" COLUMNS ", never STRING PATH '$.never') WITH (connector = 'file', path = 'x');", 1)};
  assert_int_equal(sq_diag_count(b.f.diag), 0);
  b.fast = sq_decoder_new(sq_catalog_find(b.f.prog->catalog, "fast"), SQ_FORMAT_JSON, SQ_TS_EPOCH_MS, read);
  b.slow = sq_decoder_new(sq_catalog_find(b.f.prog->catalog, "slow"), SQ_FORMAT_JSON, SQ_TS_EPOCH_MS, read);
  assert_non_null(b.fast);
  assert_non_null(b.slow);
  return b;
}

static void both_close(both_t *b) {
  sq_decoder_destroy(b->fast);
  sq_decoder_destroy(b->slow);
  fixture_free(&b->f);
}

static void same_both_ways(sq_decoder_t *fast, sq_decoder_t *slow, const bool *read, const char *line, size_t len,
                           sq_arena_t *arena) {
  sq_value_t a[16], b[16];
  char err_fast[256], err_slow[256];
  bool ok_fast = decode(fast, line, len, a, arena, err_fast), ok_slow = decode(slow, line, len, b, arena, err_slow);
  if (ok_fast != ok_slow) fail_msg("accepted by one path only (fast %d, tokenizer %d): %.*s", ok_fast, ok_slow, (int)len, line);
  if (!ok_fast && strcmp(err_fast, err_slow) != 0) fail_msg("messages differ (%s / %s): %.*s", err_fast, err_slow, (int)len, line);
  bool valid = json_strict_valid(line, len);
  if (ok_fast && !valid) fail_msg("not JSON, yet accepted: %.*s", (int)len, line);
  if (!valid && strncmp(err_fast, "invalid JSON", 12) != 0) fail_msg("not JSON, yet the message is '%s': %.*s", err_fast, (int)len, line);
  if (valid && strncmp(err_fast, "invalid JSON", 12) == 0) fail_msg("JSON, yet called invalid: %.*s", (int)len, line);
  for (int c = 0; ok_fast && c < 5; c++) {
    bool same = a[c].type == b[c].type && (sq_is_null(a[c]) || sq_value_same(a[c], b[c]));
    if (!same) fail_msg("column %d differs: %.*s", c, (int)len, line);
    if (read && !read[c] && !sq_is_null(a[c])) fail_msg("column %d decoded though not read: %.*s", c, (int)len, line);
  }
}

/* Both paths over every seed and its single-byte mutations; `read` (NULL:
 * all) says which columns are decoded. */
static void paths_agree_on_mutations(const bool *read) {
  both_t b = both_open(read);
  sq_decoder_t *fast = b.fast, *slow = b.slow;
  static const char bytes[] = "\"\\{}[],: n1-e.tx\x01\t" "\xff" "\xc3" "\xed" "\x80" "0u";
  sq_arena_t arena = {0};
  char line[256];
  size_t checked = 0;
  for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
    size_t len = strlen(seeds[s]);
    same_both_ways(fast, slow, read, seeds[s], len, &arena);
    for (size_t at = 0; at < len; at++) {
      for (size_t m = 0; m + 1 < sizeof bytes; m++) { /* replace the byte at `at` */
        memcpy(line, seeds[s], len);
        line[at] = bytes[m];
        same_both_ways(fast, slow, read, line, len, &arena);
        checked++;
      }
      memcpy(line, seeds[s], at); /* delete it */
      memcpy(line + at, seeds[s] + at + 1, len - at - 1);
      same_both_ways(fast, slow, read, line, len - 1, &arena);
      sq_arena_reset(&arena);
    }
  }
  assert_true(checked > 3000);
  sq_arena_free(&arena);
  both_close(&b);
}

static void test_paths_agree_on_mutations(void **state) {
  (void)state;
  paths_agree_on_mutations(NULL);
}

/* Columns no query reads (d, b) are skipped alike by both paths; the rest
 * still agree. The PATH column is read, so the slow decoder stays slow. */
static void test_paths_agree_reading_some_columns(void **state) {
  (void)state;
  static const bool read[] = {true, true, false, false, true, true};
  paths_agree_on_mutations(read);
}

/* One record of each kind RFC 8259 forbids, in read columns, skipped
 * columns, unknown members and nested values alike. */
static const char *const not_json[] = {
    "{\"k\":\"b\" \"v\":2}", /* a missing comma */
    "{\"k\":\"a\",,\"v\":2}",
    "{\"k\":\"a\",}",
    "{\"v\":1,\"n\":[1,]}",
    "[1,]",
    "{\"v\":010}",
    "{\"d\":00}",
    "{\"other\":010,\"v\":1}",
    "{\"n\":{\"a\":[01]},\"v\":1}",
    "{\"k\":\"a\x01\"}",
    "{\"other\":\"\x1f\",\"v\":1}",
    "{\"k\\n\x0a\":1}",
    "{\"k\":\"abc}",
    "{\"k\":\"abc",
    "{\"k\":\"\\x\"}",
    "{\"other\":\"\\x\",\"v\":1}",
    "{\"k\":\"\\u12\"}",
    "{\"k\":\"\\ud800\"}",
    "{\"k\":\"\\udc00\"}",
    "{\"k\":\"\\ud800\\u0041\"}",
    "{\"other\":\"\\ud800x\",\"v\":1}",
    "{\"v\":1} x",
    "{\"v\":1}{}",
    "{\"d\":NaN}",
    "{\"v\":+1}",
    "{\"d\":.5}",
    "{\"d\":1.}",
    "{\"d\":1.e5}",
    "{\"d\":1e}",
    "{\"d\":1e+}",
    "{\"d\":-}",
    "{\"v\":-01}",
    "{\"b\":tru}",
    "{\"b\":truex}",
    "{\"k\":nul}",
    "{\"other\":Infinity,\"v\":1}",
    "{\"k\":\"\x80\"}",
    "{\"k\":\"\xc0\xaf\"}",
    "{\"k\":\"\xed\xa0\x80\"}", /* a surrogate written as UTF-8 */
    "{\"k\":\"\xf4\x90\x80\x80\"}",
    "{\"k\":\"\xe2\x82\"}",
    "{\"other\":\"\xff\",\"v\":1}",
    "{\"\xff\":1,\"v\":1}",
    "{\"n\":{\"a\":[1,2}},\"v\":1}",
    "{\"n\":{\"a\" 1},\"v\":1}",
    "{'k':1}",
    "{k:1}",
    "",
    "   ",
    "{",
    "{\"k\"}",
    "{\"k\":}",
    "\"str",
};

static void test_not_json_is_bad(void **state) {
  (void)state;
  static const bool only_v[] = {false, true, false, false, false, true};
  both_t all = both_open(NULL), some = both_open(only_v);
  sq_decoder_t *d[4] = {all.fast, all.slow, some.fast, some.slow};
  sq_arena_t arena = {0};
  sq_value_t row[16];
  char err[256];
  for (size_t i = 0; i < sizeof not_json / sizeof *not_json; i++) {
    size_t len = strlen(not_json[i]);
    assert_false(json_strict_valid(not_json[i], len));
    for (int k = 0; k < 4; k++) {
      if (decode(d[k], not_json[i], len, row, &arena, err)) fail_msg("accepted: %s", not_json[i]);
      if (strncmp(err, "invalid JSON at byte ", 21) != 0) fail_msg("message '%s' for %s", err, not_json[i]);
    }
  }
  /* the message says where and why */
  assert_false(decode(d[0], not_json[0], strlen(not_json[0]), row, &arena, err));
  assert_string_equal(err, "invalid JSON at byte 10: expected ',' or '}'");
  static const char surrogate[] = "{\"k\":\"\\ud800\"}", not_utf8[] = "{\"k\":\"a\xff\"}";
  assert_false(decode(d[0], surrogate, strlen(surrogate), row, &arena, err));
  assert_string_equal(err, "invalid JSON at byte 7: a lone surrogate in a \\u escape");
  assert_false(decode(d[0], not_utf8, strlen(not_utf8), row, &arena, err));
  assert_string_equal(err, "invalid JSON at byte 8: invalid UTF-8");
  sq_arena_free(&arena);
  both_close(&all);
  both_close(&some);
}

/* Strings, escapes, numbers and literals at the edges of the grammar, and
 * the values they give on both paths. */
static void test_json_values(void **state) {
  (void)state;
  both_t b = both_open(NULL);
  sq_decoder_t *d[2] = {b.fast, b.slow};
  sq_arena_t arena = {0};
  sq_value_t row[16];
  char err[256];
  static const struct {
    const char *line;
    size_t k_len;
    const char *k; /* the STRING column's bytes */
    long long v;
    double dbl;
  } cases[] = {
      {"{\"k\":\"\\u00e9\\ud83d\\ude00\",\"v\":0,\"d\":-0.0e+5}", 6, "\xc3\xa9\xf0\x9f\x98\x80", 0, -0.0},
      {"{\"k\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"v\":-0,\"d\":1E-2}", 12, "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, 0.01},
      {"{\"k\":\"a\\u0000b\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"v\":12,\"d\":5}", 11, "a\0b\"\\/\b\f\n\r\t", 12, 5},
      {"\t{ \"other\" : [[], {}, [{\"a\": null}], \"\\ud83d\\ude00\"] , \"v\" : 5, \"k\":\"\", \"d\": 0 }\r\n", 0, "", 5, 0},
      {"{\"k\":\"\xef\xbb\xbf\xf4\x8f\xbf\xbf\",\"v\":9,\"d\":1.5e300}", 7, "\xef\xbb\xbf\xf4\x8f\xbf\xbf", 9, 1.5e300},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    for (int k = 0; k < 2; k++) {
      if (!decode(d[k], cases[i].line, strlen(cases[i].line), row, &arena, err)) fail_msg("rejected (%s): %s", err, cases[i].line);
      assert_int_equal(row[0].u.s.len, cases[i].k_len);
      assert_memory_equal(row[0].u.s.p, cases[i].k, cases[i].k_len);
      assert_int_equal(row[1].u.i, cases[i].v);
      assert_true(row[2].u.d == cases[i].dbl);
    }
  }
  sq_arena_free(&arena);
  both_close(&b);
}

/* Epoch seconds beyond BIGINT milliseconds make the record bad (the
 * conversion would be undefined). */
static void test_epoch_seconds_range(void **state) {
  (void)state;
  fixture_t f = fixture_load("CREATE SOURCE s (" COLUMNS ") WITH (connector = 'file', path = 'x');", 1);
  sq_decoder_t *d = sq_decoder_new(sq_catalog_find(f.prog->catalog, "s"), SQ_FORMAT_JSON, SQ_TS_EPOCH_S, NULL);
  sq_arena_t arena = {0};
  sq_value_t row[16];
  char err[256];
  static const char good[] = "{\"ts\":1767225600.5}", lowest[] = "{\"ts\":-9223372036854775.808}";
  assert_true(decode(d, good, strlen(good), row, &arena, err));
  assert_int_equal(row[4].u.i, 1767225600500);
  assert_true(decode(d, lowest, strlen(lowest), row, &arena, err));
  static const char *const bad[] = {"{\"ts\":9223372036854775.808}", "{\"ts\":1e300}", "{\"ts\":-1e300}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (decode(d, bad[i], strlen(bad[i]), row, &arena, err)) fail_msg("accepted: %s", bad[i]);
    assert_string_equal(err, "column 'ts': expected epoch seconds (in BIGINT milliseconds' range)");
  }
  sq_arena_free(&arena);
  sq_decoder_destroy(d);
  fixture_free(&f);
}

/* CSV fields must be UTF-8 too, quoted or not. */
static void test_csv_utf8(void **state) {
  (void)state;
  fixture_t f = fixture_load("CREATE SOURCE s (" COLUMNS ") WITH (connector = 'file', path = 'x', format = 'csv');", 1);
  sq_decoder_t *d = sq_decoder_new(sq_catalog_find(f.prog->catalog, "s"), SQ_FORMAT_CSV, SQ_TS_EPOCH_MS, NULL);
  char err[256];
  assert_true(sq_decoder_header(d, "k,v", 3, err, sizeof err));
  sq_arena_t arena = {0};
  sq_value_t row[16];
  assert_true(decode(d, "h\xc3\xa9,1", 5, row, &arena, err));
  assert_int_equal(row[0].u.s.len, 3);
  static const char *const bad[] = {"\xff,1", "a\xed\xa0\x80,1", "\"x\xc3\",1", "a,1\x80"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (decode(d, bad[i], strlen(bad[i]), row, &arena, err)) fail_msg("accepted: %s", bad[i]);
    if (strncmp(err, "invalid UTF-8 at byte ", 22) != 0) fail_msg("message '%s' for %s", err, bad[i]);
  }
  sq_arena_free(&arena);
  sq_decoder_destroy(d);
  fixture_free(&f);
}

/* Every JSON string written is UTF-8: a byte that is not part of a valid
 * sequence becomes U+FFFD (one each), the rest passes unchanged. */
static void test_json_output_is_utf8(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"a\xff" "b", "\"a\xef\xbf\xbd" "b\""},
      {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
      {"\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
      {"\xc0\xaf\"\x01", "\"\xef\xbf\xbd\xef\xbf\xbd\\\"\\u0001\""},
      {"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"\xf4\x90\x80\x80z", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    sq_buf_t out = {0};
    sq_encode_json_string(&out, cases[i].in, strlen(cases[i].in));
    sq_buf_putc(&out, '\0');
    assert_string_equal(out.data, cases[i].out);
    assert_true(json_strict_valid(out.data, out.len - 1));
    sq_buf_free(&out);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_paths_agree_on_mutations),
                                     cmocka_unit_test(test_paths_agree_reading_some_columns),
                                     cmocka_unit_test(test_not_json_is_bad),
                                     cmocka_unit_test(test_json_values),
                                     cmocka_unit_test(test_epoch_seconds_range),
                                     cmocka_unit_test(test_csv_utf8),
                                     cmocka_unit_test(test_json_output_is_utf8)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
