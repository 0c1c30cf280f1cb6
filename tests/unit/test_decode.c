/* The JSON record decoder: its one-pass path for flat objects must accept
 * exactly what the tokenizer path accepts, with the same values. A
 * relation with a PATH column always takes the tokenizer path, so the
 * same line is decoded both ways and compared, over seed records and
 * every single-byte mutation of them (quotes, escapes, brackets,
 * delimiters, control bytes, deletions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "front_end_fixture.h"
#include "engine/format.h"

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
};

/* Decodes `line` with `d` into `row`; the verdict. */
static bool decode(sq_decoder_t *d, const char *line, size_t len, sq_value_t *row, sq_arena_t *arena) {
  char err[256];
  for (int c = 0; c < 5; c++) row[c] = sq_null();
  return sq_decode(d, line, len, row, arena, err, sizeof err);
}

static void same_both_ways(sq_decoder_t *fast, sq_decoder_t *slow, const bool *read, const char *line, size_t len,
                           sq_arena_t *arena) {
  sq_value_t a[16], b[16];
  bool ok_fast = decode(fast, line, len, a, arena), ok_slow = decode(slow, line, len, b, arena);
  if (ok_fast != ok_slow) fail_msg("accepted by one path only (fast %d, tokenizer %d): %.*s", ok_fast, ok_slow, (int)len, line);
  for (int c = 0; ok_fast && c < 5; c++) {
    bool same = a[c].type == b[c].type && (sq_is_null(a[c]) || sq_value_same(a[c], b[c]));
    if (!same) fail_msg("column %d differs: %.*s", c, (int)len, line);
    if (read && !read[c] && !sq_is_null(a[c])) fail_msg("column %d decoded though not read: %.*s", c, (int)len, line);
  }
}

/* Both paths over every seed and its single-byte mutations; `read` (NULL:
 * all) says which columns are decoded. */
static void paths_agree_on_mutations(const bool *read) {
  fixture_t f = fixture_load("CREATE SOURCE fast (" COLUMNS ") WITH (connector = 'file', path = 'x');"
                             "CREATE SOURCE slow (" COLUMNS ", never STRING PATH '$.never') WITH (connector = 'file', path = 'x');", 1);
  assert_int_equal(sq_diag_count(f.diag), 0);
  sq_decoder_t *fast = sq_decoder_new(sq_catalog_find(f.prog->catalog, "fast"), SQ_FORMAT_JSON, SQ_TS_EPOCH_MS, read);
  sq_decoder_t *slow = sq_decoder_new(sq_catalog_find(f.prog->catalog, "slow"), SQ_FORMAT_JSON, SQ_TS_EPOCH_MS, read);
  assert_non_null(fast);
  assert_non_null(slow);
  static const char bytes[] = "\"\\{}[],: n1-e.tx\x01\t";
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
  sq_decoder_destroy(fast);
  sq_decoder_destroy(slow);
  fixture_free(&f);
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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_paths_agree_on_mutations),
                                     cmocka_unit_test(test_paths_agree_reading_some_columns)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
