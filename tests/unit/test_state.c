/* The state interface: key encoding (byte order is value order, round
 * trips, no key a prefix of another) and the memory store (create, find,
 * remove, ordered prefix scans, namespaces, releasing values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/key_codec.h"
#include "engine/state.h"

static int compare_encoded(sq_value_t a, sq_value_t b) {
  sq_buf_t x = {0}, y = {0};
  sq_key_put_value(&x, a);
  sq_key_put_value(&y, b);
  size_t n = x.len < y.len ? x.len : y.len;
  int c = memcmp(x.data, y.data, n);
  if (!c) c = (x.len > y.len) - (x.len < y.len);
  sq_buf_free(&x);
  sq_buf_free(&y);
  return c < 0 ? -1 : c > 0;
}

static void byte_order_is_value_order(void **state) {
  (void)state;
  int64_t ints[] = {INT64_MIN, -1000, -1, 0, 1, 255, 256, INT64_MAX};
  for (size_t i = 0; i + 1 < sizeof ints / sizeof *ints; i++) assert_int_equal(compare_encoded(sq_int(ints[i]), sq_int(ints[i + 1])), -1);
  double ds[] = {-1e300, -2.5, -0.5, 0.0, 1e-300, 0.5, 2.5, 1e300};
  for (size_t i = 0; i + 1 < sizeof ds / sizeof *ds; i++) assert_int_equal(compare_encoded(sq_double(ds[i]), sq_double(ds[i + 1])), -1);
  assert_int_equal(compare_encoded(sq_double(-0.0), sq_double(0.0)), 0);
  const char *strs[] = {"", "\0", "a", "a\0", "a\0b", "ab", "b"};
  size_t lens[] = {0, 1, 1, 2, 3, 2, 1};
  for (size_t i = 0; i + 1 < 7; i++)
    assert_int_equal(compare_encoded(sq_str(strs[i], (uint32_t)lens[i]), sq_str(strs[i + 1], (uint32_t)lens[i + 1])), -1);
  assert_int_equal(compare_encoded(sq_null(), sq_int(INT64_MIN)), -1);
  assert_int_equal(compare_encoded(sq_bool(false), sq_bool(true)), -1);
}

static void tuples_round_trip(void **state) {
  (void)state;
  sq_value_t in[] = {sq_str("k\0ey", 4), sq_int(-42), sq_null(), sq_double(-3.25), sq_bool(true), sq_ts(1767225600000), sq_str("", 0)};
  sq_buf_t b = {0};
  for (size_t i = 0; i < 7; i++) sq_key_put_value(&b, in[i]);
  sq_value_t out[7];
  sq_arena_t arena = {0};
  const char *end = sq_key_get_values(b.data, b.data + b.len, out, 7, &arena);
  assert_ptr_equal(end, b.data + b.len);
  for (size_t i = 0; i < 7; i++) {
    assert_int_equal(out[i].type, in[i].type);
    if (!sq_is_null(in[i])) assert_true(sq_value_same(in[i], out[i]));
  }
  assert_null(sq_key_get_values(b.data, b.data + b.len - 1, out, 7, &arena)); /* truncated */
  sq_arena_free(&arena);
  sq_buf_free(&b);
}

static int released;
static void count_release(void *value, const void *ctx) {
  (void)value, (void)ctx;
  released++;
}

typedef struct seen {
  char keys[16][8];
  int n;
} seen_t;

static bool collect(void *ctx, const void *key, size_t len, void *value) {
  seen_t *s = ctx;
  (void)value;
  memcpy(s->keys[s->n], key, len);
  s->keys[s->n++][len] = '\0';
  return true;
}

static void memory_store_finds_removes_and_scans_in_key_order(void **state) {
  (void)state;
  sq_state_type_t type = {sizeof(int64_t), count_release, NULL};
  sq_state_ns_t a = {1, 0, &type}, b = {2, 0, &type};
  sq_state_t *s = sq_state_memory_new();
  const char *keys[] = {"w2k1", "w1k2", "w1k1", "w3k1"};
  bool created;
  for (int i = 0; i < 4; i++) {
    int64_t *v = sq_state_get(s, &a, keys[i], 4, true, &created);
    assert_true(created);
    assert_int_equal(*v, 0); /* new values start zeroed */
    *v = i + 1;
  }
  *(int64_t *)sq_state_get(s, &b, "w1k1", 4, true, &created) = 99; /* same key, other operator */
  int64_t *v = sq_state_get(s, &a, "w1k1", 4, false, &created);
  assert_false(created);
  assert_int_equal(*v, 3);
  assert_null(sq_state_get(s, &a, "nope", 4, false, &created));
  seen_t seen = {0};
  assert_true(sq_state_scan(s, &a, "w1", 2, collect, &seen));
  assert_int_equal(seen.n, 2);
  assert_string_equal(seen.keys[0], "w1k1");
  assert_string_equal(seen.keys[1], "w1k2");
  size_t n_keys, bytes;
  sq_state_usage(s, &a, &n_keys, &bytes);
  assert_int_equal(n_keys, 4);
  assert_true(bytes > 4 * sizeof(int64_t));
  released = 0;
  assert_true(sq_state_remove(s, &a, "w1k1", 4));
  assert_false(sq_state_remove(s, &a, "w1k1", 4));
  assert_int_equal(released, 1);
  assert_int_equal(*(int64_t *)sq_state_get(s, &b, "w1k1", 4, false, &created), 99);
  sq_state_destroy(s);
  assert_int_equal(released, 1 + 3 + 1); /* the rest on destroy */
}

static void memory_store_grows_past_many_keys(void **state) {
  (void)state;
  sq_state_type_t type = {sizeof(int64_t), NULL, NULL};
  sq_state_ns_t ns = {7, 3, &type};
  sq_state_t *s = sq_state_memory_new();
  sq_buf_t k = {0};
  bool created;
  for (int64_t i = 0; i < 100000; i++) {
    sq_buf_clear(&k);
    sq_key_put_int(&k, i);
    *(int64_t *)sq_state_get(s, &ns, k.data, k.len, true, &created) = i;
    if (i % 2) sq_state_remove(s, &ns, k.data, k.len);
  }
  for (int64_t i = 0; i < 100000; i += 2) {
    sq_buf_clear(&k);
    sq_key_put_int(&k, i);
    int64_t *v = sq_state_get(s, &ns, k.data, k.len, false, &created);
    assert_non_null(v);
    assert_int_equal(*v, i);
  }
  size_t keys, bytes;
  sq_state_usage(s, &ns, &keys, &bytes);
  assert_int_equal(keys, 50000);
  sq_buf_free(&k);
  sq_state_destroy(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(byte_order_is_value_order),
      cmocka_unit_test(tuples_round_trip),
      cmocka_unit_test(memory_store_finds_removes_and_scans_in_key_order),
      cmocka_unit_test(memory_store_grows_past_many_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
