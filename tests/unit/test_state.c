/* The state interface: key encoding (byte order is value order, round
 * trips, no key a prefix of another), the memory store (create, find,
 * remove, ordered key collection, namespaces, releasing values) and the
 * store over LevelDB (checkpoints, eviction, corruption). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/key_codec.h"
#include "engine/state.h"
#include "runtime/kit/state_leveldb.h"

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

/* The keys of `ns` under `prefix` after `after` (NULL: all), at most
 * `max`, joined with commas. */
static char *keys_after(sq_state_t *s, const sq_state_ns_t *ns, const char *prefix, const char *after, size_t max) {
  static char out[4096];
  sq_buf_t keys = {0};
  assert_true(sq_state_collect_keys(s, ns, prefix, strlen(prefix), after, after ? strlen(after) : 0, max, &keys));
  size_t at = 0, n = 0;
  const char *k;
  uint32_t len;
  out[0] = '\0';
  while (sq_state_next_key(&keys, &at, &k, &len)) n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", n ? "," : "", (int)len, k);
  sq_buf_free(&keys);
  return out;
}
static char *keys_of(sq_state_t *s, const sq_state_ns_t *ns, const char *prefix) { return keys_after(s, ns, prefix, NULL, SIZE_MAX); }

static void memory_store_finds_removes_and_collects_in_key_order(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t), .release = count_release};
  sq_state_ns_t a = {1, 0, &type}, b = {2, 0, &type};
  char err[256];
  sq_state_t *s = sq_state_new(NULL, 0, err, sizeof err);
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
  assert_string_equal(keys_of(s, &a, "w1"), "w1k1,w1k2");
  size_t n_keys, bytes;
  sq_state_usage(s, &a, &n_keys, &bytes);
  assert_int_equal(n_keys, 4);
  assert_true(bytes > 4 * sizeof(int64_t));
  released = 0;
  assert_true(sq_state_remove(s, &a, "w1k1", 4));
  assert_false(sq_state_remove(s, &a, "w1k1", 4));
  assert_int_equal(released, 1);
  assert_int_equal(*(int64_t *)sq_state_get(s, &b, "w1k1", 4, false, &created), 99);
  sq_state_commit_stats_t stats;
  assert_true(sq_state_commit(s, "m", 1, &stats, err, sizeof err)); /* nothing to write without a disk */
  assert_false(sq_state_wants_checkpoint(s));
  sq_state_destroy(s);
  assert_int_equal(released, 1 + 3 + 1); /* the rest on destroy */
}

static void memory_store_grows_past_many_keys(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {7, 3, &type};
  char err[256];
  sq_state_t *s = sq_state_new(NULL, 0, err, sizeof err);
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

/* ---- the store over LevelDB ---------------------------------------------- */

static char dir[64];

static int make_dir(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/streamq-state-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static sq_state_t *open_store(size_t cache_bytes) {
  char err[512];
  sq_storage_t *db = sq_leveldb_open(dir, err, sizeof err);
  if (!db) fail_msg("%s", err);
  sq_state_t *s = sq_state_new(db, cache_bytes, err, sizeof err);
  if (!s) fail_msg("%s", err);
  return s;
}

static void commit(sq_state_t *s, const char *meta) {
  char err[512];
  sq_state_commit_stats_t stats;
  if (!sq_state_commit(s, meta, strlen(meta), &stats, err, sizeof err)) fail_msg("%s", err);
}

static char *meta_of(void) {
  static char out[64];
  char err[512];
  sq_storage_t *db = sq_leveldb_open(dir, err, sizeof err);
  assert_non_null(db);
  sq_buf_t b = {0};
  int r = sq_state_storage_meta(db, &b, err, sizeof err);
  snprintf(out, sizeof out, "%.*s", r > 0 ? (int)b.len : 4, r > 0 ? b.data : "none");
  sq_buf_free(&b);
  sq_storage_close(db);
  return out;
}

/* What a checkpoint commits survives; what came after it does not. */
static void disk_store_holds_exactly_the_last_checkpoint(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {3, 0, &type};
  bool created;
  sq_state_t *s = open_store(1 << 20);
  for (int i = 0; i < 5; i++) {
    char k[8];
    snprintf(k, sizeof k, "k%d", i);
    *(int64_t *)sq_state_get(s, &ns, k, 2, true, &created) = i * 10;
  }
  commit(s, "one");
  *(int64_t *)sq_state_get(s, &ns, "k1", 2, false, &created) = 111;
  assert_true(sq_state_remove(s, &ns, "k2", 2));
  *(int64_t *)sq_state_get(s, &ns, "k9", 2, true, &created) = 9;
  sq_state_destroy(s); /* a crash: the changes since "one" are lost */
  assert_string_equal(meta_of(), "one");

  s = open_store(1 << 20);
  assert_string_equal(keys_of(s, &ns, "k"), "k0,k1,k2,k3,k4");
  assert_int_equal(*(int64_t *)sq_state_get(s, &ns, "k1", 2, false, &created), 10);
  assert_true(sq_state_remove(s, &ns, "k2", 2));
  assert_null(sq_state_get(s, &ns, "k2", 2, false, &created));
  *(int64_t *)sq_state_get(s, &ns, "k7", 2, true, &created) = 7;
  assert_true(created);
  assert_string_equal(keys_of(s, &ns, "k"), "k0,k1,k3,k4,k7"); /* disk and memory merged */
  assert_string_equal(keys_after(s, &ns, "k", "k1", 2), "k3,k4"); /* a chunk */
  assert_string_equal(keys_after(s, &ns, "k", "k4", 2), "k7");
  size_t keys, bytes;
  sq_state_usage(s, &ns, &keys, &bytes);
  assert_int_equal(keys, 5);
  commit(s, "two");
  sq_state_destroy(s);

  s = open_store(1 << 20);
  assert_string_equal(keys_of(s, &ns, ""), "k0,k1,k3,k4,k7");
  assert_int_equal(*(int64_t *)sq_state_get(s, &ns, "k7", 2, false, &created), 7);
  sq_state_usage(s, &ns, &keys, &bytes);
  assert_int_equal(keys, 5); /* key counts come back with the checkpoint */
  sq_state_destroy(s);
  assert_string_equal(meta_of(), "two");
}

/* Far more keys than the cache holds: clean entries are evicted and read
 * back, memory stays near the limit, values stay right. */
static void disk_store_evicts_past_its_cache(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {1, 0, &type};
  sq_state_t *s = open_store(256 << 10);
  sq_buf_t k = {0};
  bool created;
  for (int round = 0; round < 2; round++) {
    for (int64_t i = 0; i < 50000; i++) {
      sq_buf_clear(&k);
      sq_key_put_int(&k, i);
      int64_t *v = sq_state_get(s, &ns, k.data, k.len, true, &created);
      assert_non_null(v);
      assert_int_equal(created, round == 0);
      *v += i;
      if (sq_state_wants_checkpoint(s)) commit(s, "mid");
      size_t keys, bytes;
      sq_state_usage(s, &ns, &keys, &bytes);
      assert_true(bytes < 512 << 10);
    }
  }
  commit(s, "end");
  sq_state_destroy(s);
  s = open_store(256 << 10);
  for (int64_t i = 0; i < 50000; i += 7) {
    sq_buf_clear(&k);
    sq_key_put_int(&k, i);
    int64_t *v = sq_state_get(s, &ns, k.data, k.len, false, &created);
    assert_non_null(v);
    assert_int_equal(*v, 2 * i);
  }
  sq_buf_free(&k);
  sq_state_destroy(s);
}

/* A small group (an 8-byte key and value) costs its bytes and a 48-byte
 * header, so millions fit a cache; and a checkpoint is due before such
 * entries alone fill half the cache, as writing each costs LevelDB
 * memory of its own. */
static void small_entries_are_small_and_checkpoint_early(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {2, 0, &type};
  const size_t cache = 1 << 20, full_key = 8 + 8;
  sq_state_t *s = open_store(cache);
  sq_buf_t k = {0};
  bool created;
  size_t keys = 0, bytes = 0;
  for (int64_t i = 0; i < 100000 && !sq_state_wants_checkpoint(s); i++) {
    sq_buf_clear(&k);
    sq_key_put_int(&k, i);
    assert_non_null(sq_state_get(s, &ns, k.data, k.len, true, &created));
    sq_state_usage(s, &ns, &keys, &bytes);
  }
  assert_true(sq_state_wants_checkpoint(s));
  assert_true(bytes <= keys * (48 + full_key + sizeof(int64_t)));
  assert_true(bytes < cache / 2);
  sq_buf_free(&k);
  sq_state_destroy(s);
}

/* A range removed whole: absent at once, gone from disk after the next
 * checkpoint, and reading it costs no dirty memory. */
static void disk_store_removes_ranges(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {4, 0, &type};
  bool created;
  sq_state_t *s = open_store(1 << 20);
  const char *keys[] = {"a1", "a2", "b1", "b2"};
  for (int i = 0; i < 4; i++) *(int64_t *)sq_state_get(s, &ns, keys[i], 2, true, &created) = i + 1;
  commit(s, "one");
  sq_state_destroy(s);
  s = open_store(1 << 20);
  const int64_t *v = sq_state_peek(s, &ns, "a2", 2);
  assert_non_null(v);
  assert_int_equal(*v, 2);
  assert_false(sq_state_wants_checkpoint(s));
  *(int64_t *)sq_state_get(s, &ns, "a3", 2, true, &created) = 3; /* in memory only */
  assert_true(sq_state_remove_range(s, &ns, "a", 1));
  assert_null(sq_state_peek(s, &ns, "a1", 2));
  assert_null(sq_state_peek(s, &ns, "a3", 2));
  assert_string_equal(keys_of(s, &ns, ""), "b1,b2");
  sq_state_destroy(s); /* a crash before the checkpoint: the range comes back */
  s = open_store(1 << 20);
  assert_string_equal(keys_of(s, &ns, ""), "a1,a2,b1,b2");
  assert_true(sq_state_remove_range(s, &ns, "a", 1));
  commit(s, "two");
  sq_state_destroy(s);
  s = open_store(1 << 20);
  assert_string_equal(keys_of(s, &ns, ""), "b1,b2");
  size_t n, bytes;
  sq_state_usage(s, &ns, &n, &bytes);
  assert_int_equal(n, 2);
  sq_state_destroy(s);
}

static void disk_store_reports_a_corrupt_value(void **state) {
  (void)state;
  sq_state_type_t wide = {.size = 16}, narrow = {.size = 8};
  sq_state_ns_t a = {1, 0, &wide}, b = {1, 0, &narrow};
  bool created;
  sq_state_t *s = open_store(1 << 20);
  assert_non_null(sq_state_get(s, &a, "x", 1, true, &created));
  commit(s, "c");
  sq_state_destroy(s);
  s = open_store(1 << 20);
  assert_null(sq_state_get(s, &b, "x", 1, true, &created)); /* 16 bytes where 8 belong */
  assert_non_null(sq_state_error(s));
  assert_non_null(strstr(sq_state_error(s), "corrupt state"));
  sq_state_destroy(s);
}

static void a_foreign_directory_is_refused(void **state) {
  (void)state;
  char path[128], err[512];
  snprintf(path, sizeof path, "%s/notes.txt", dir);
  FILE *f = fopen(path, "w");
  fputs("not state\n", f);
  fclose(f);
  assert_null(sq_leveldb_open(dir, err, sizeof err));
  assert_non_null(strstr(err, "is not a streamq state directory"));
}

/* A snapshot is what the state was when it was taken: changes made while
 * it is out (a value changed, a key removed, a key created, a window
 * removed) go to the next one, and keys collected meanwhile are exact. */
static void snapshot_is_immutable_while_out(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t)};
  sq_state_ns_t ns = {5, 0, &type};
  bool created;
  char err[512];
  sq_state_t *s = open_store(1 << 20);
  for (int64_t i = 0; i < 100; i++) *(int64_t *)sq_state_get(s, &ns, &i, sizeof i, true, &created) = i;
  sq_state_snapshot_t *snap = sq_state_snapshot(s, "one", 3, true, err, sizeof err);
  assert_non_null(snap);
  assert_null(sq_state_snapshot(s, "two", 3, true, err, sizeof err)); /* one out at a time */
  int64_t k = 7, fresh = 1000;
  *(int64_t *)sq_state_get(s, &ns, &k, sizeof k, false, &created) = -7;
  k = 8;
  assert_true(sq_state_remove(s, &ns, &k, sizeof k));
  *(int64_t *)sq_state_get(s, &ns, &fresh, sizeof fresh, true, &created) = 1;
  sq_buf_t keys = {0};
  assert_true(sq_state_collect_keys(s, &ns, "", 0, NULL, 0, 1000, &keys));
  size_t at = 0, n = 0;
  const char *key;
  uint32_t len;
  while (sq_state_next_key(&keys, &at, &key, &len)) n++;
  assert_int_equal(n, 100); /* 99 old ones and the fresh one */
  sq_buf_free(&keys);
  assert_true(sq_state_snapshot_write(snap)); /* what another thread does */
  sq_state_commit_stats_t stats;
  assert_true(sq_state_snapshot_finish(s, snap, &stats, err, sizeof err));
  assert_int_equal(stats.written, 100);
  sq_state_destroy(s); /* the later changes were never committed */
  assert_string_equal(meta_of(), "one");
  s = open_store(1 << 20);
  k = 7;
  assert_int_equal(*(const int64_t *)sq_state_peek(s, &ns, &k, sizeof k), 7);
  k = 8;
  assert_non_null(sq_state_peek(s, &ns, &k, sizeof k));
  assert_null(sq_state_peek(s, &ns, &fresh, sizeof fresh));
  sq_state_destroy(s);
}

/* Removing the value a get returned, without a second lookup: in memory,
 * on disk (deleted there by the next checkpoint), and while a snapshot
 * that holds the key is out (the snapshot keeps it). */
static void a_value_just_got_is_removed_without_a_lookup(void **state) {
  (void)state;
  sq_state_type_t type = {.size = sizeof(int64_t), .release = count_release};
  sq_state_ns_t ns = {4, 1, &type};
  bool created;
  char err[512];
  sq_state_t *s = open_store(1 << 20);
  for (int64_t i = 0; i < 50; i++) *(int64_t *)sq_state_get(s, &ns, &i, sizeof i, true, &created) = i;
  released = 0;
  int64_t k = 3;
  assert_true(sq_state_remove_value(s, sq_state_get(s, &ns, &k, sizeof k, false, &created), sizeof k));
  assert_int_equal(released, 1);
  assert_null(sq_state_get(s, &ns, &k, sizeof k, false, &created));
  k = 4;
  assert_int_equal(*(int64_t *)sq_state_get(s, &ns, &k, sizeof k, false, &created), 4);
  commit(s, "one");
  k = 5; /* on disk now */
  assert_true(sq_state_remove_value(s, sq_state_get(s, &ns, &k, sizeof k, false, &created), sizeof k));
  assert_null(sq_state_peek(s, &ns, &k, sizeof k));
  sq_state_snapshot_t *snap = sq_state_snapshot(s, "two", 3, true, err, sizeof err);
  assert_non_null(snap);
  k = 7; /* in the snapshot out */
  assert_true(sq_state_remove_value(s, sq_state_get(s, &ns, &k, sizeof k, false, &created), sizeof k));
  assert_null(sq_state_peek(s, &ns, &k, sizeof k));
  assert_true(sq_state_snapshot_write(snap));
  sq_state_commit_stats_t stats;
  assert_true(sq_state_snapshot_finish(s, snap, &stats, err, sizeof err));
  size_t keys, bytes;
  sq_state_usage(s, &ns, &keys, &bytes);
  assert_int_equal(keys, 47);
  sq_state_destroy(s); /* the removal of 7 was never committed */
  s = open_store(1 << 20);
  k = 5;
  assert_null(sq_state_peek(s, &ns, &k, sizeof k));
  k = 7;
  assert_int_equal(*(const int64_t *)sq_state_peek(s, &ns, &k, sizeof k), 7);
  sq_state_usage(s, &ns, &keys, &bytes);
  assert_int_equal(keys, 48);
  sq_state_destroy(s);
}

/* A key removed before a snapshot and created and removed again while it
 * is out: absent until the snapshot lands, not the disk's older value
 * (a join's rows of one key, expired, came back and were emitted twice). */
static void key_deleted_by_a_snapshot_out_stays_deleted(void **state) {
  (void)state;
  static const sq_state_type_t type = {.size = sizeof(int64_t)};
  const sq_state_ns_t ns = {6, 0, &type};
  sq_state_t *s = open_store(1 << 20);
  bool created;
  *(int64_t *)sq_state_get(s, &ns, "k", 1, true, &created) = 1;
  commit(s, "one");
  sq_state_destroy(s);
  s = open_store(1 << 20); /* a restart: a miss reads the disk */
  assert_int_equal(*(const int64_t *)sq_state_peek(s, &ns, "k", 1), 1);
  assert_true(sq_state_remove(s, &ns, "k", 1));
  char err[512];
  sq_state_snapshot_t *snap = sq_state_snapshot(s, "two", 3, true, err, sizeof err);
  assert_non_null(snap);
  *(int64_t *)sq_state_get(s, &ns, "k", 1, true, &created) = 2;
  assert_true(created);
  assert_true(sq_state_remove(s, &ns, "k", 1));
  assert_null(sq_state_peek(s, &ns, "k", 1)); /* the snapshot deleting it is not written yet */
  assert_null(sq_state_get(s, &ns, "k", 1, false, &created));
  assert_true(sq_state_snapshot_write(snap));
  sq_state_commit_stats_t stats;
  assert_true(sq_state_snapshot_finish(s, snap, &stats, err, sizeof err));
  assert_null(sq_state_peek(s, &ns, "k", 1));
  commit(s, "three");
  sq_state_destroy(s);
  s = open_store(1 << 20);
  assert_null(sq_state_peek(s, &ns, "k", 1));
  sq_state_destroy(s);
}

/* A removed entry's memory serves a later new key: its value starts
 * zeroed, and an entry a snapshot out still reads is not reused before
 * the snapshot is finished (its checkpoint holds the old values). */
static void removed_entries_are_reused_only_when_nothing_reads_them(void **state) {
  (void)state;
  typedef struct wide {
    int64_t v[12];
  } wide_t;
  sq_state_type_t type = {.size = sizeof(wide_t)};
  sq_state_ns_t ns = {8, 0, &type};
  bool created;
  char err[512];
  sq_state_t *s = open_store(1 << 20);
  for (int64_t i = 0; i < 200; i++) {
    wide_t *w = sq_state_get(s, &ns, &i, sizeof i, true, &created);
    for (int j = 0; j < 12; j++) w->v[j] = i + 1;
  }
  for (int64_t i = 0; i < 100; i++) assert_true(sq_state_remove(s, &ns, &i, sizeof i)); /* not on disk: freed */
  for (int64_t i = 1000; i < 1100; i++) {
    wide_t *w = sq_state_get(s, &ns, &i, sizeof i, true, &created);
    assert_true(created);
    for (int j = 0; j < 12; j++) assert_int_equal(w->v[j], 0);
  }
  sq_state_snapshot_t *snap = sq_state_snapshot(s, "one", 3, true, err, sizeof err);
  assert_non_null(snap);
  for (int64_t i = 100; i < 200; i++) assert_true(sq_state_remove(s, &ns, &i, sizeof i)); /* in flight: kept */
  for (int64_t i = 2000; i < 2100; i++) {
    wide_t *w = sq_state_get(s, &ns, &i, sizeof i, true, &created);
    for (int j = 0; j < 12; j++) w->v[j] = -1;
  }
  assert_true(sq_state_snapshot_write(snap));
  sq_state_commit_stats_t stats;
  assert_true(sq_state_snapshot_finish(s, snap, &stats, err, sizeof err));
  assert_int_equal(stats.written, 200);
  sq_state_destroy(s); /* the changes after the snapshot were never committed */
  s = open_store(1 << 20);
  for (int64_t i = 0; i < 200; i++) {
    const wide_t *w = sq_state_peek(s, &ns, &i, sizeof i);
    if (i < 100) {
      assert_null(w);
      continue;
    }
    assert_non_null(w);
    for (int j = 0; j < 12; j++) assert_int_equal(w->v[j], i + 1);
  }
  sq_state_destroy(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(byte_order_is_value_order),
      cmocka_unit_test(tuples_round_trip),
      cmocka_unit_test(memory_store_finds_removes_and_collects_in_key_order),
      cmocka_unit_test(memory_store_grows_past_many_keys),
      cmocka_unit_test_setup_teardown(disk_store_holds_exactly_the_last_checkpoint, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(disk_store_evicts_past_its_cache, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(small_entries_are_small_and_checkpoint_early, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(disk_store_removes_ranges, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(snapshot_is_immutable_while_out, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(a_value_just_got_is_removed_without_a_lookup, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(key_deleted_by_a_snapshot_out_stays_deleted, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(removed_entries_are_reused_only_when_nothing_reads_them, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(disk_store_reports_a_corrupt_value, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(a_foreign_directory_is_refused, make_dir, remove_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
