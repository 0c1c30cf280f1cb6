/* State changelogs (runtime/connectors/kafka/changelog.c) against an
 * in-process mock cluster and fresh LevelDB databases: a restore gives
 * exactly the state of the last marker, an abandoned tail is repaired so
 * that a second restore, and a restore of the topic as compaction would
 * leave it, give the same; restores that skip to the local state's
 * marker; range deletions; history gone, a missing skip marker, a corrupt
 * record and a topic of the wrong shape are errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/connectors/kafka/broker.h"
#include "runtime/connectors/kafka/changelog.h"
#include "runtime/connectors/kafka/topics.h"
#include "runtime/kit/state_leveldb.h"

static sq_kafka_broker_t *broker;
static sq_kafka_settings_t settings;
static char err[1024];

static int start_broker(void **state) {
  (void)state;
  if (!(broker = sq_kafka_broker_start(1, 0, err, sizeof err))) return fprintf(stderr, "%s\n", err), -1;
  settings.bootstrap = strdup(sq_kafka_broker_bootstrap(broker));
  return 0;
}

static int stop_broker(void **state) {
  (void)state;
  sq_kafka_settings_free(&settings);
  sq_kafka_broker_stop(broker);
  return 0;
}

static sq_changelog_t *open_topic(const char *topic, uint32_t partitions) {
  assert_true(sq_kafka_broker_create_topic(broker, topic, (int)partitions, err, sizeof err));
  sq_changelog_t *cl = sq_changelog_open(&settings, topic, partitions, err, sizeof err);
  if (!cl) fail_msg("%s", err);
  return cl;
}

static void put(sq_changelog_t *cl, uint32_t p, const char *key, const char *value) {
  if (!sq_changelog_put(cl, p, key, strlen(key), value, value ? strlen(value) : 0, err, sizeof err)) fail_msg("%s", err);
}

static void mark(sq_changelog_t *cl, uint32_t p, uint64_t writer, uint64_t seq, const char *blob) {
  if (!sq_changelog_mark(cl, p, writer, seq, blob, strlen(blob), err, sizeof err)) fail_msg("%s", err);
}

static void delete_range(sq_changelog_t *cl, uint32_t p, const char *prefix) {
  if (!sq_changelog_delete_range(cl, p, prefix, strlen(prefix), err, sizeof err)) fail_msg("%s", err);
}

static void flush(sq_changelog_t *cl, int64_t *offsets) {
  if (!sq_changelog_flush(cl, offsets, err, sizeof err)) fail_msg("%s", err);
}

/* A database in a new temporary directory. */
typedef struct db {
  char dir[64];
  sq_storage_t *s;
} db_t;

static void db_open(db_t *db) {
  snprintf(db->dir, sizeof db->dir, "/tmp/sq-changelog-XXXXXX");
  assert_non_null(mkdtemp(db->dir));
  if (!(db->s = sq_leveldb_open(db->dir, err, sizeof err))) fail_msg("%s", err);
}

static void db_close(db_t *db) {
  sq_storage_close(db->s);
  assert_true(sq_leveldb_remove(db->dir, err, sizeof err));
  rmdir(db->dir);
}

static void db_put(db_t *db, const char *key, const char *value) {
  sq_storage_batch_t *b = sq_storage_batch_new(db->s);
  sq_storage_batch_put(db->s, b, key, strlen(key), value, strlen(value));
  assert_true(sq_storage_write(db->s, b, false, err, sizeof err));
  sq_storage_batch_free(db->s, b);
}

typedef struct dumper {
  sq_storage_t *s;
  sq_buf_t out, value;
} dumper_t;

static bool dump_key(void *ctx, const char *key, size_t len) {
  dumper_t *d = ctx;
  assert_int_equal(sq_storage_get(d->s, key, len, &d->value, err, sizeof err), 1);
  if (d->out.len) sq_buf_putc(&d->out, ';');
  sq_buf_append(&d->out, key, len);
  sq_buf_putc(&d->out, '=');
  sq_buf_append(&d->out, d->value.data, d->value.len);
  return true;
}

/* Every key=value of the database, in key order, joined with ';'. */
static void assert_db(db_t *db, const char *expected) {
  dumper_t d = {db->s, {0}, {0}};
  assert_true(sq_storage_keys(db->s, "", 0, NULL, 0, dump_key, &d, err, sizeof err));
  sq_buf_putc(&d.out, '\0');
  assert_string_equal(d.out.data, expected);
  sq_buf_free(&d.out);
  sq_buf_free(&d.value);
}

/* Runs a restore to its end in small steps; the restore's result. */
static int restore(sq_changelog_restore_t *r, db_t *db) {
  int rc = 1;
  for (int steps = 0; rc == 1 && steps < 2000; steps++) rc = sq_changelog_restore_step(r, db->s, 2, err, sizeof err);
  return rc;
}

/* Restores `partition` in full into `db`, which must then hold
 * `expected`, as of the marker with blob `blob`. The restore, to free. */
static sq_changelog_restore_t *restore_full(sq_changelog_t *cl, uint32_t partition, db_t *db, const char *expected, const char *blob) {
  sq_changelog_restore_t *r = sq_changelog_restore_start(cl, partition, -1, NULL, NULL, err, sizeof err);
  if (!r) fail_msg("%s", err);
  if (restore(r, db) != 0) fail_msg("%s", err);
  assert_db(db, expected);
  size_t len;
  const char *b = sq_changelog_restore_blob(r, &len);
  assert_int_equal(len, strlen(blob));
  assert_memory_equal(b, blob, len);
  assert_int_equal(sq_changelog_restore_remaining(r), 0);
  return r;
}

/* ---- a raw client, to copy a partition as compaction would leave it and to
 * write records no changelog writes ------------------------------------- */

static rd_kafka_t *raw_producer(void) {
  const char *extra[] = {"enable.idempotence", "true", NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(&settings, extra, err, sizeof err);
  assert_non_null(conf);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  assert_non_null(rk);
  return rk;
}

static void raw_produce(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *value, size_t vlen) {
  assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)value, vlen), RD_KAFKA_V_END),
                   RD_KAFKA_RESP_ERR_NO_ERROR);
}

typedef struct record {
  char *key, *value; /* value NULL: a tombstone */
  size_t klen, vlen;
} record_t;

typedef struct records {
  record_t r[256];
  int n;
} records_t;

static bool collect(void *ctx, const sq_kafka_record_t *rec) {
  records_t *all = ctx;
  assert_true(all->n < 256);
  record_t *r = &all->r[all->n++];
  r->klen = rec->key_len;
  r->vlen = rec->value_len;
  r->key = malloc(r->klen + 1);
  memcpy(r->key, rec->key, r->klen);
  r->value = rec->value ? malloc(r->vlen + 1) : NULL;
  if (rec->value) memcpy(r->value, rec->value, r->vlen);
  return true;
}

/* Copies partition 0 of `from` to partition 0 of `to` keeping only the
 * newest record of each key, in their order: the log once compaction has
 * run over all of it (tombstones still there). */
static void copy_compacted(const char *from, const char *to) {
  rd_kafka_t *rk = raw_producer();
  int64_t start, end;
  assert_int_equal(rd_kafka_query_watermark_offsets(rk, from, 0, &start, &end, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  static records_t all;
  all.n = 0;
  volatile sig_atomic_t stop = 0;
  assert_true(sq_kafka_read_records(&settings, from, &start, &end, 1, collect, &all, &stop, err, sizeof err));
  assert_int_equal(all.n, end - start);
  for (int i = 0; i < all.n; i++) {
    bool newest = true;
    for (int j = i + 1; newest && j < all.n; j++)
      newest = !(all.r[j].klen == all.r[i].klen && memcmp(all.r[j].key, all.r[i].key, all.r[i].klen) == 0);
    if (newest) raw_produce(rk, to, all.r[i].key, all.r[i].klen, all.r[i].value, all.r[i].vlen);
  }
  for (int i = 0; i < all.n; i++) free(all.r[i].key), free(all.r[i].value);
  assert_int_equal(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

/* ---- the tests ------------------------------------------------------------ */

/* Two checkpoints, then a third whose marker never came (its writer
 * died): a restore gives the second checkpoint's state exactly, and
 * repairs the tail so that every later restore, also of the compacted
 * topic, gives it too. */
static void abandoned_tail_is_never_applied(void **state) {
  (void)state;
  sq_changelog_t *cl = open_topic("app.changelog", 2);
  put(cl, 0, "a", "1");
  put(cl, 0, "b", "2");
  put(cl, 0, "c", "3");
  put(cl, 0, "e", ""); /* an empty value is a value, not a deletion */
  mark(cl, 0, 7, 1, "cp1");
  put(cl, 1, "z", "9");
  mark(cl, 1, 7, 1, "p1");
  put(cl, 0, "a", "10");
  put(cl, 0, "b", NULL);
  put(cl, 0, "d", "4");
  mark(cl, 0, 7, 2, "cp2");
  int64_t offsets[2];
  flush(cl, offsets);
  assert_int_equal(offsets[0], 8);
  assert_int_equal(offsets[1], 1);
  put(cl, 0, "a", "100");
  put(cl, 0, "f", "5");
  put(cl, 0, "c", NULL);
  flush(cl, offsets);
  assert_int_equal(offsets[0], 8);
  sq_changelog_close(cl); /* the writer dies before its marker */

  cl = sq_changelog_open(&settings, "app.changelog", 2, err, sizeof err);
  assert_non_null(cl);
  db_t db;
  db_open(&db);
  sq_changelog_restore_t *r = restore_full(cl, 0, &db, "a=10;c=3;d=4;e=", "cp2");
  assert_int_equal(sq_changelog_restore_applied(r), 7);
  /* the repair: a, f and c again (offsets 12-14), then its marker */
  assert_int_equal(sq_changelog_restore_marker_offset(r), 15);
  uint64_t writer, seq;
  assert_true(sq_changelog_restore_marker(r, &writer, &seq));
  assert_int_equal(seq, 9);
  sq_changelog_restore_free(r);
  db_close(&db);

  db_open(&db);
  r = restore_full(cl, 0, &db, "a=10;c=3;d=4;e=", "cp2");
  assert_int_equal(sq_changelog_restore_marker_offset(r), 15); /* nothing left to repair */
  sq_changelog_restore_free(r);
  db_close(&db);

  db_open(&db);
  sq_changelog_restore_free(restore_full(cl, 1, &db, "z=9", "p1"));
  db_close(&db);
  sq_changelog_close(cl);

  /* compaction keeps the newest record of each key: the repaired ones */
  cl = open_topic("app.compacted", 1);
  copy_compacted("app.changelog", "app.compacted");
  db_open(&db);
  sq_changelog_restore_free(restore_full(cl, 0, &db, "a=10;c=3;d=4;e=", "cp2"));
  db_close(&db);
  sq_changelog_close(cl);
}

/* Local state as of a marker: only what came after it is applied. */
static void restore_skips_to_the_local_marker(void **state) {
  (void)state;
  sq_changelog_t *cl = open_topic("skip.changelog", 1);
  put(cl, 0, "k1", "cp1");
  put(cl, 0, "a", "1");
  mark(cl, 0, 5, 1, "cp1");
  int64_t first;
  flush(cl, &first);
  put(cl, 0, "a", "2");
  put(cl, 0, "c", "3");
  mark(cl, 0, 5, 2, "cp2");
  put(cl, 0, "a", NULL);
  mark(cl, 0, 5, 3, "cp3");
  int64_t last;
  flush(cl, &last);

  db_t db;
  db_open(&db);
  db_put(&db, "k1", "local"); /* as the local state has it: not applied again */
  db_put(&db, "a", "1");
  db_put(&db, "x", "local");
  uint64_t writer = 5, seq = 1;
  sq_changelog_restore_t *r = sq_changelog_restore_start(cl, 0, first, &writer, &seq, err, sizeof err);
  assert_non_null(r);
  assert_int_equal(restore(r, &db), 0);
  assert_db(&db, "c=3;k1=local;x=local");
  assert_int_equal(sq_changelog_restore_applied(r), 3);
  assert_int_equal(sq_changelog_restore_marker_offset(r), last);
  size_t len;
  assert_memory_equal(sq_changelog_restore_blob(r, &len), "cp3", 3);
  assert_true(sq_changelog_restore_marker(r, &writer, &seq));
  assert_int_equal(writer, 5);
  assert_int_equal(seq, 3);
  sq_changelog_restore_free(r);

  /* the local state up to date: nothing to apply, its own blob back */
  seq = 3;
  r = sq_changelog_restore_start(cl, 0, last, &writer, &seq, err, sizeof err);
  assert_non_null(r);
  assert_int_equal(restore(r, &db), 0);
  assert_int_equal(sq_changelog_restore_applied(r), 0);
  assert_memory_equal(sq_changelog_restore_blob(r, &len), "cp3", 3);
  sq_changelog_restore_free(r);

  /* a marker the changelog does not have where the local state says */
  struct {
    int64_t from;
    uint64_t seq;
  } wrong[] = {{first, 9}, {0, 2}, {last + 1, 3}};
  for (size_t i = 0; i < 3; i++) {
    seq = wrong[i].seq;
    r = sq_changelog_restore_start(cl, 0, wrong[i].from, &writer, &seq, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(restore(r, &db), -1);
    assert_non_null(strstr(err, "skip.changelog partition 0"));
    assert_non_null(strstr(err, "restore the task in full"));
    sq_changelog_restore_free(r);
  }
  assert_db(&db, "c=3;k1=local;x=local");
  db_close(&db);
  sq_changelog_close(cl);
}

/* A range deletion deletes the database's keys under its prefix and the
 * checkpoint's own earlier ones, not its later ones; abandoned, it is
 * repaired like any other change. */
static void range_deletions(void **state) {
  (void)state;
  sq_changelog_t *cl = open_topic("range.changelog", 1);
  put(cl, 0, "p/a", "1");
  put(cl, 0, "p/b", "2");
  put(cl, 0, "q/a", "3");
  put(cl, 0, "pa", "4");
  mark(cl, 0, 1, 1, "r1");
  int64_t first;
  flush(cl, &first);
  put(cl, 0, "p/c", "4");
  delete_range(cl, 0, "p/");
  put(cl, 0, "p/d", "5");
  mark(cl, 0, 1, 2, "r2");
  delete_range(cl, 0, "q/");
  put(cl, 0, "p/e", "6");
  flush(cl, NULL);
  sq_changelog_close(cl);

  cl = sq_changelog_open(&settings, "range.changelog", 1, err, sizeof err);
  assert_non_null(cl);
  for (int i = 0; i < 2; i++) { /* the second after the repair */
    db_t db;
    db_open(&db);
    sq_changelog_restore_free(restore_full(cl, 0, &db, "p/d=5;pa=4;q/a=3", "r2"));
    db_close(&db);
  }
  db_t db;
  db_open(&db);
  db_put(&db, "p/a", "1");
  db_put(&db, "p/b", "2");
  db_put(&db, "p/local", "x");
  db_put(&db, "pa", "4");
  db_put(&db, "q/a", "3");
  uint64_t writer = 1, seq = 1;
  sq_changelog_restore_t *r = sq_changelog_restore_start(cl, 0, first, &writer, &seq, err, sizeof err);
  assert_non_null(r);
  assert_int_equal(restore(r, &db), 0);
  assert_db(&db, "p/d=5;pa=4;q/a=3");
  sq_changelog_restore_free(r);
  db_close(&db);
  assert_false(sq_changelog_delete_range(cl, 0, "", 0, err, sizeof err));
  sq_changelog_close(cl);
}

/* The embedded broker keeps about 5 MiB per partition: a restore from an
 * offset it dropped says so, for the caller to restore in full. */
static void history_gone(void **state) {
  (void)state;
  sq_changelog_t *cl = open_topic("big.changelog", 1);
  size_t size = 600 * 1024;
  char *big = malloc(size);
  memset(big, 'v', size);
  for (int i = 0; i < 12; i++) {
    char key[16];
    snprintf(key, sizeof key, "k%d", i);
    assert_true(sq_changelog_put(cl, 0, key, strlen(key), big, size, err, sizeof err));
    mark(cl, 0, 3, (uint64_t)i, "b");
    int64_t offset;
    flush(cl, &offset);
  }
  free(big);
  uint64_t writer = 3, seq = 0;
  assert_null(sq_changelog_restore_start(cl, 0, 1, &writer, &seq, err, sizeof err));
  assert_non_null(strstr(err, "changelog big.changelog partition 0: offset 1 is gone (the earliest is "));
  assert_null(sq_changelog_restore_start(cl, 0, 1000, &writer, &seq, err, sizeof err));
  assert_non_null(strstr(err, "ends at offset 24, before offset 1000"));
  sq_changelog_close(cl);
}

/* A record no changelog writes stops the restore with its place. */
static void corrupt_record(void **state) {
  (void)state;
  sq_changelog_t *cl = open_topic("bad.changelog", 1);
  rd_kafka_t *rk = raw_producer();
  raw_produce(rk, "bad.changelog", "Xjunk", 5, "v", 1);
  raw_produce(rk, "bad.changelog", "M1234", 5, "v", 1); /* a marker's kind, not its shape */
  assert_int_equal(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  for (int64_t from = 0; from < 2; from++) {
    db_t db;
    db_open(&db);
    sq_changelog_restore_t *r = sq_changelog_restore_start(cl, 0, from, NULL, NULL, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(restore(r, &db), -1);
    char expected[128];
    snprintf(expected, sizeof expected, "bad.changelog partition 0: the record at offset %d is not a changelog record", (int)from);
    assert_non_null(strstr(err, expected));
    sq_changelog_restore_free(r);
    db_close(&db);
  }
  sq_changelog_close(cl);
}

/* A topic with another partition count is refused naming both; the
 * embedded broker cannot create topics on request (it makes a missing one
 * with 4 partitions when first asked for it), so the refusal says how. */
static void topic_of_the_wrong_shape(void **state) {
  (void)state;
  assert_true(sq_kafka_broker_create_topic(broker, "three.changelog", 3, err, sizeof err));
  assert_null(sq_changelog_open(&settings, "three.changelog", 2, err, sizeof err));
  assert_non_null(strstr(err, "three.changelog has 3 partitions, but this application has 2 tasks"));
  assert_null(sq_changelog_open(&settings, "missing.changelog", 2, err, sizeof err));
  assert_non_null(strstr(err, "missing.changelog has 4 partitions, but this application has 2 tasks"));
  assert_non_null(strstr(err, "--topic missing.changelog --partitions 2"));
  sq_changelog_t *cl = sq_changelog_open(&settings, "three.changelog", 3, err, sizeof err);
  assert_non_null(cl);
  assert_false(sq_changelog_put(cl, 3, "k", 1, "v", 1, err, sizeof err));
  assert_non_null(strstr(err, "no partition 3"));
  assert_null(sq_changelog_restore_start(cl, 3, -1, NULL, NULL, err, sizeof err));
  sq_changelog_close(cl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(abandoned_tail_is_never_applied),
      cmocka_unit_test(restore_skips_to_the_local_marker),
      cmocka_unit_test(range_deletions),
      cmocka_unit_test(history_gone),
      cmocka_unit_test(corrupt_record),
      cmocka_unit_test(topic_of_the_wrong_shape),
  };
  return cmocka_run_group_tests(tests, start_broker, stop_broker);
}
