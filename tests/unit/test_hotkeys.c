/* Hot keys: the fixed-memory heavy-hitter sketch (engine/sketch_hotkeys.c)
 * on known streams, and a reader naming the heaviest keys of a hot
 * partition at a skew sample (runtime/kit/reader.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "front_end_fixture.h"
#include "engine/sketches.h"
#include "runtime/kit/reader.h"

static sq_value_t text(const char *s) { return sq_str(s, (uint32_t)strlen(s)); }

static void add_text(sq_hotkeys_t *s, const char *key) {
  sq_value_t v = text(key);
  sq_hotkeys_add(s, &v, 1, 1);
}

/* The key's text into `out` (NUL-terminated). */
static const char *key_text(const sq_hotkey_t *k, char *out, size_t size) {
  sq_buf_t b = {0};
  sq_hotkeys_text(k, &b);
  assert_false(b.failed);
  assert_true(b.len < size);
  if (b.len) memcpy(out, b.data, b.len);
  out[b.len] = '\0';
  sq_buf_free(&b);
  return out;
}

static void exact_while_the_keys_fit(void **state) {
  (void)state;
  static sq_hotkeys_t s; /* zero: empty */
  uint32_t top[5];
  assert_int_equal(sq_hotkeys_top(&s, top, 5), 0);
  /* key i appears i + 1 times, 20 keys, interleaved */
  for (int round = 0; round < 20; round++)
    for (int i = round; i < 20; i++) {
      char key[16];
      snprintf(key, sizeof key, "k%d", i);
      add_text(&s, key);
    }
  assert_int_equal(s.total, 210);
  assert_int_equal(sq_hotkeys_top(&s, top, 5), 5);
  char buf[64];
  for (int i = 0; i < 5; i++) {
    char want[16];
    snprintf(want, sizeof want, "k%d", 19 - i);
    assert_string_equal(key_text(&s.keys[top[i]], buf, sizeof buf), want);
    assert_int_equal(s.counts[top[i]], 20 - i);
    assert_int_equal(s.keys[top[i]].error, 0);
  }
  sq_hotkeys_reset(&s);
  assert_int_equal(sq_hotkeys_top(&s, top, 5), 0);
  assert_int_equal(s.total, 0);
}

static void heavy_hitters_within_the_error_bound(void **state) {
  (void)state;
  static sq_hotkeys_t s;
  /* 100,000 records: "hot" 30%, "warm" 10%, the rest over 5,000 keys */
  uint64_t hot = 0, warm = 0;
  uint32_t x = 12345;
  for (int i = 0; i < 100000; i++) {
    x = x * 1103515245u + 12345u;
    uint32_t r = (x >> 8) % 100;
    char key[16];
    if (r < 30) hot++, strcpy(key, "hot");
    else if (r < 40) warm++, strcpy(key, "warm");
    else snprintf(key, sizeof key, "c%u", (x >> 4) % 5000);
    add_text(&s, key);
  }
  uint32_t top[5];
  assert_int_equal(sq_hotkeys_top(&s, top, 5), 5);
  char buf[64];
  assert_string_equal(key_text(&s.keys[top[0]], buf, sizeof buf), "hot");
  assert_string_equal(key_text(&s.keys[top[1]], buf, sizeof buf), "warm");
  uint64_t bound = s.total / SQ_HOTKEYS_COUNTERS;
  assert_true(s.counts[top[0]] >= hot && s.counts[top[0]] <= hot + bound);
  assert_true(s.counts[top[1]] >= warm && s.counts[top[1]] <= warm + bound);
  for (int i = 0; i < 5; i++) assert_true(s.keys[top[i]].error <= bound && s.keys[top[i]].error <= s.counts[top[i]]);
  /* fixed memory: the counters never grow */
  assert_int_equal(s.n, SQ_HOTKEYS_COUNTERS);
  assert_true(sizeof s < 4096);
}

static void weights_count_as_records(void **state) {
  (void)state;
  static sq_hotkeys_t s;
  sq_value_t a = text("a"), b = text("b");
  sq_hotkeys_add(&s, &a, 1, 16);
  sq_hotkeys_add(&s, &b, 1, 1);
  sq_hotkeys_add(&s, &b, 1, 1);
  uint32_t top[2];
  assert_int_equal(sq_hotkeys_top(&s, top, 2), 2);
  assert_int_equal(s.counts[top[0]], 16);
  assert_int_equal(s.total, 18);
}

static void empty_null_huge_and_compound_keys(void **state) {
  (void)state;
  static sq_hotkeys_t s;
  size_t huge_len = 1 << 20;
  char *huge = malloc(huge_len), *other = malloc(huge_len);
  assert_non_null(huge);
  assert_non_null(other);
  memset(huge, 'x', huge_len);
  memcpy(other, huge, huge_len);
  other[huge_len - 1] = 'y'; /* differs only past what is kept */
  sq_value_t h = sq_str(huge, (uint32_t)huge_len), o = sq_str(other, (uint32_t)huge_len);
  for (int i = 0; i < 3; i++) sq_hotkeys_add(&s, &h, 1, 1);
  sq_hotkeys_add(&s, &o, 1, 1);
  add_text(&s, "");
  sq_value_t null = sq_null();
  sq_hotkeys_add(&s, &null, 1, 1);
  sq_hotkeys_add(&s, NULL, 0, 1);
  sq_value_t pair[2] = {text("eu"), sq_int(77)};
  sq_hotkeys_add(&s, pair, 2, 1);
  sq_value_t cut_first[2] = {h, sq_int(1)};
  sq_hotkeys_add(&s, cut_first, 2, 1);
  /* a multi-byte character is never cut in two */
  char accents[199] = "a";
  for (int i = 0; i < 99; i++) memcpy(accents + 1 + 2 * i, "\xc3\xa9", 2);
  sq_value_t acc = sq_str(accents, sizeof accents);
  sq_hotkeys_add(&s, &acc, 1, 1);
  sq_value_t many[6] = {sq_int(1), sq_int(2), sq_int(3), sq_int(4), sq_int(5), sq_int(6)};
  sq_hotkeys_add(&s, many, 6, 1);

  uint32_t top[SQ_HOTKEYS_COUNTERS];
  uint32_t n = sq_hotkeys_top(&s, top, SQ_HOTKEYS_COUNTERS);
  assert_int_equal(n, 9);
  char buf[256], first[128];
  assert_int_equal(s.counts[top[0]], 3); /* the two huge keys are counted apart */
  key_text(&s.keys[top[0]], buf, sizeof buf);
  assert_true(strlen(buf) <= SQ_HOTKEYS_KEY_BYTES + 3);
  assert_string_equal(buf + strlen(buf) - 3, "...");
  assert_string_equal(key_text(&s.keys[top[1]], buf, sizeof buf), key_text(&s.keys[top[0]], first, sizeof first));
  assert_string_equal(key_text(&s.keys[top[2]], buf, sizeof buf), "");
  assert_string_equal(key_text(&s.keys[top[3]], buf, sizeof buf), "NULL");
  assert_string_equal(key_text(&s.keys[top[4]], buf, sizeof buf), "");
  assert_string_equal(key_text(&s.keys[top[5]], buf, sizeof buf), "(eu, 77)");
  key_text(&s.keys[top[6]], buf, sizeof buf);
  assert_true(buf[0] == '(' && strstr(buf, "...)") != NULL && strstr(buf, ", 1") == NULL);
  key_text(&s.keys[top[7]], buf, sizeof buf);
  /* "a", whole 2-byte characters, then "..." */
  assert_true(strlen(buf) % 2 == 0 && buf[strlen(buf) - 4] == '\xa9' && strcmp(buf + strlen(buf) - 3, "...") == 0);
  assert_string_equal(key_text(&s.keys[top[8]], buf, sizeof buf), "(1, 2, 3, 4)");
  free(huge);
  free(other);
}

static void no_destroy(sq_reader_t *r) { (void)r; }
static const sq_reader_class_t test_class = {.destroy = no_destroy};

/* Feeds `n` rows (region, card) to partition p of a reader. */
static void feed(sq_reader_t *r, sq_batch_t *b, uint32_t p, const char *region, const char *card, int n) {
  for (int i = 0; i < n; i++) {
    b->n = 0;
    sq_value_t *row = sq_batch_row(b, 0);
    sq_set_null(row, b->width);
    row[0] = text(region);
    row[1] = text(card);
    row[2] = sq_ts(1000);
    assert_true(sq_reader_stamp(r, b, 0, p, 5000, 0));
  }
}

/* A reader of source s declared by `sql`. */
static const sq_relation_t *open_reader(fixture_t *f, sq_reader_t *r, const char *sql) {
  *f = fixture_load(sql, 1);
  assert_int_equal(sq_diag_count(f->diag), 0);
  const sq_relation_t *rel = sq_catalog_find(f->prog->catalog, "s");
  memset(r, 0, sizeof *r);
  char err[256];
  assert_true(sq_reader_init(r, &test_class, rel, NULL, err, sizeof err));
  return rel;
}

static void a_hot_partition_names_its_keys(void **state) {
  (void)state;
  fixture_t f;
  sq_reader_t r;
  const sq_relation_t *rel = open_reader(&f, &r, "CREATE SOURCE s (region STRING, card STRING, ts TIMESTAMP) WITH (connector = "
                                                 "'kafka', topic = 't', timestamp = 'ts', partitioned_by = 'region, card');");
  assert_int_equal(r.n_key_cols, 2);
  for (uint32_t p = 0; p < 4; p++) assert_true(sq_reader_assign(&r, p, true, 0));
  sq_batch_t b;
  assert_true(sq_batch_init(&b, (uint32_t)rel->n_columns, 1));
  for (uint32_t p = 0; p < 4; p++) feed(&r, &b, p, "us", "card-1", 100);
  /* partition 2: 5,000 rows more, card-\n77 half of them, in stretches
   * between rows of 100 other cards */
  for (int i = 0; i < 50; i++) {
    feed(&r, &b, 2, "eu", "card-\n77", 50);
    for (int c = 0; c < 50; c++) {
      char card[16];
      snprintf(card, sizeof card, "card-%d", 100 + (i * 50 + c) % 100);
      feed(&r, &b, 2, "eu", card, 1);
    }
  }
  sq_reader_sample_skew(&r, 2, 10);
  assert_int_equal(r.n_hot, 1);
  assert_int_equal(r.hot[0].partition, 2);
  assert_true(r.hot[0].ratio > 3.7 && r.hot[0].ratio < 3.8); /* 5100 of 5400 over 4 partitions */
  assert_true(r.hot[0].n_keys == SQ_READER_HOT_KEYS);
  assert_string_equal(r.hot[0].keys[0].text, "(eu, card-?77)"); /* a control character would break the log line */
  /* 2,500 of 5,100 rows; rows past the first 256 are sampled */
  assert_true(r.hot[0].keys[0].share > 0.4 && r.hot[0].keys[0].share < 0.6);
  assert_true(r.hot[0].keys[1].share < 0.1);
  /* the next period: no skew, no note, keys counted afresh */
  for (uint32_t p = 0; p < 4; p++) feed(&r, &b, p, "us", "card-2", 10);
  sq_reader_sample_skew(&r, 2, 11);
  assert_int_equal(r.n_hot, 0);
  assert_int_equal(r.parts[2].keys->total, 0);
  sq_batch_free(&b);
  sq_reader_destroy(&r);
  fixture_free(&f);
}

static void without_partitioned_by_the_record_key(void **state) {
  (void)state;
  fixture_t f;
  sq_reader_t r;
  const sq_relation_t *rel = open_reader(&f, &r, "CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 't');");
  assert_int_equal(r.n_key_cols, 1);
  assert_int_equal(r.key_cols[0], sq_relation_find_column(rel, "_key"));
  sq_reader_destroy(&r);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exact_while_the_keys_fit),
      cmocka_unit_test(heavy_hitters_within_the_error_bound),
      cmocka_unit_test(weights_count_as_records),
      cmocka_unit_test(empty_null_huge_and_compound_keys),
      cmocka_unit_test(a_hot_partition_names_its_keys),
      cmocka_unit_test(without_partitioned_by_the_record_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
