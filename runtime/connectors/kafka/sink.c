/* The Kafka sink: an idempotent producer (acks=all, no duplicates from its
 * own retries), values in JSON or CSV, keys from the `key` column or else
 * the GROUP BY key (one column: its value as text; several: a JSON array).
 * Transient errors are retried by librdkafka without a time limit; a
 * delivery that fails for good follows the sink's on_error. flush() waits
 * until every record is acknowledged, so nothing is lost on shutdown. A
 * checkpoint waits for the acknowledgements on its writer thread instead
 * (barrier, durable): records carry the parity of the checkpoint period
 * they were written in, and what is outstanding is counted per parity,
 * so the wait covers what came before the checkpoint and nothing after.
 * Delivery reports are served on both threads then.
 *
 * delivery = 'exactly_once' (docs/ARCHITECTURE.md §4): records are kept, not
 * sent, until a checkpoint. The checkpoint stores them (with the state
 * that produced them) before anything is sent; once it is durable they go
 * out in one transaction (transactional.id "streamq-<pipeline>-<sink>")
 * together with a progress record carrying the checkpoint's sequence
 * number. After a crash the sink reads its progress topic back
 * (read_committed): if the restored checkpoint's transaction committed,
 * its records are done; otherwise they are sent again in a new
 * transaction. A transaction that fails stays pending and goes out with
 * the next checkpoint's. Readers see each record once with
 * isolation.level = read_committed, at checkpoint pace. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "runtime/kit/crash_point.h"
#include "runtime/kit/bad_records.h"
#include "engine/format.h"
#include "runtime/connectors/kafka/progress.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"
#include "runtime/kit/runtime.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/connectors/kafka/topic_ensure.h"
#include "runtime/connectors/kafka/topics.h"
#include "runtime/kit/origins.h"

#define FLUSH_WAIT_MS 60000

typedef struct sq_sink_kafka {
  sq_sink_t base;
  rd_kafka_t *rk;
  char *topic;
  bool csv;
  int *key_cols;
  int n_key_cols;
  sq_buf_t value, key;
  sq_json_keys_t keys;
  atomic_uint_fast64_t outstanding[2]; /* produced, not yet reported: by period parity */
  unsigned period;       /* the parity of what is produced now */
  unsigned barrier;      /* the parity a checkpoint's wait covers */
  bool wait_failed;      /* that wait gave up: the next barrier waits for everything itself */
  sq_on_error_t on_error;
  pthread_mutex_t lock;  /* error: delivery reports run on the engine and the checkpoint writer */
  char error[256];       /* the first failure, for on_error = fail */
  /* exactly_once */
  bool transactional;
  char txn_id[300], progress_topic[300];
  sq_buf_t outbox;       /* records not yet committed: (has key, key, value) each */
  uint64_t outbox_records;
  size_t saved_len;      /* the outbox's first bytes and records the checkpoint being written holds; */
  uint64_t saved_records; /* what comes after belongs to the next one */
  bool abort_pending;    /* an abort failed: the next delivery retries it first */
  const sq_kafka_settings_t *kafka;
  int32_t partitions;    /* a repartition topic's (marks go to each) */
} sq_sink_kafka_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
  (void)rk;
  sq_sink_kafka_t *k = opaque;
  atomic_fetch_sub(&k->outstanding[(uintptr_t)msg->_private & 1], 1);
  if (!msg->err) return;
  __atomic_fetch_add(&k->base.errors, 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&k->lock);
  if (!k->error[0]) snprintf(k->error, sizeof k->error, "delivery to %s failed: %s", k->topic, rd_kafka_err2str(msg->err));
  pthread_mutex_unlock(&k->lock);
  sq_log("sink error", "sink '%s': %s", k->base.name, rd_kafka_err2str(msg->err));
}

static uint64_t outstanding(sq_sink_kafka_t *k) { return atomic_load(&k->outstanding[0]) + atomic_load(&k->outstanding[1]); }

/* A failure reported for good, under on_error = fail, stops the pipeline. */
static bool check_failures(sq_sink_kafka_t *k, char *err, size_t err_size) {
  if (k->on_error != SQ_ON_ERROR_FAIL) return true;
  pthread_mutex_lock(&k->lock);
  bool failed = k->error[0] != '\0';
  if (failed) snprintf(err, err_size, "%s", k->error);
  pthread_mutex_unlock(&k->lock);
  return !failed;
}

static void encode_key(sq_sink_kafka_t *k, const sq_value_t *row) {
  sq_buf_clear(&k->key);
  if (k->n_key_cols == 1) {
    sq_encode_value(&k->key, row[k->key_cols[0]], false);
    return;
  }
  sq_buf_putc(&k->key, '[');
  for (int i = 0; i < k->n_key_cols; i++) {
    if (i) sq_buf_putc(&k->key, ',');
    sq_encode_value(&k->key, row[k->key_cols[i]], true);
  }
  sq_buf_putc(&k->key, ']');
}

/* Hands one record to librdkafka, waiting while its queue is full. */
static bool produce(sq_sink_kafka_t *k, const char *topic, const void *key, size_t key_len, const void *value, size_t len,
                    char *err, size_t err_size) {
  atomic_fetch_add(&k->outstanding[k->period], 1); /* before its report can come */
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_KEY((key), (key ? key_len : 0)),
                                              RD_KAFKA_V_OPAQUE((void *)(uintptr_t)k->period), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      atomic_fetch_sub(&k->outstanding[k->period], 1);
      return snprintf(err, err_size, "cannot produce to %s: %s", topic, rd_kafka_err2str(e)), false;
    }
    rd_kafka_poll(k->rk, 100); /* the local queue is full: wait for deliveries, never drop */
  }
  rd_kafka_poll(k->rk, 0);
  return true;
}

/* A repartition sink's watermark mark (sink.h), to every partition of
 * its topic: no key, no value, the mark in a header. It is counted with
 * the rows, so a checkpoint waits for it like for them. */
static bool kafka_mark(sq_sink_t *s, uint32_t origin, uint32_t n_origins, int64_t watermark, bool idle, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  if (!check_failures(k, err, err_size)) return false;
  char mark[96];
  int len = sq_mark_format(&(sq_mark_t){origin, n_origins, watermark, idle}, mark, sizeof mark);
  for (int32_t p = 0; p < k->partitions; p++) {
    atomic_fetch_add(&k->outstanding[k->period], 1);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(k->topic), RD_KAFKA_V_PARTITION(p), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADER(SQ_MARK_HEADER, mark, len), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)k->period),
                                  RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(k->rk, 100);
    if (e) {
      atomic_fetch_sub(&k->outstanding[k->period], 1);
      return snprintf(err, err_size, "cannot produce to %s: %s", k->topic, rd_kafka_err2str(e)), false;
    }
  }
  rd_kafka_poll(k->rk, 0);
  return true;
}

/* The most partitions among the comma-separated topics `names`; 0 with
 * `why` when one cannot be read. */
static int32_t widest(rd_kafka_t *rk, const char *names, char *why, size_t why_size) {
  char name[256];
  int32_t most = 0;
  for (const char *p = names; (p = sq_column_list_next(p, name, sizeof name));) {
    sq_kafka_topic_list_t list;
    bool ok = sq_kafka_topics(rk, name, false, 10000, &list, why, why_size);
    if (ok && list.topics[0].n_parts > most) most = list.topics[0].n_parts;
    sq_kafka_topic_list_free(&list);
    if (!ok) return 0;
  }
  return most;
}

/* A repartition topic: `partitions`, else as many as the widest of the
 * inputs it is cut for (the topic it repartitions, and for a join the
 * other side's: the two repartition topics must have one count);
 * created when missing, refused when it has another count (the count is
 * the application's parallelism: changing it would move keys between
 * tasks). */
static bool repartition_topic_ready(sq_sink_kafka_t *k, const sq_relation_t *rel, char *err, size_t err_size) {
  const sq_ast_t *count = sq_relation_option(rel, "repartition_partitions"), *origin = sq_relation_option(rel, "repartition_of");
  const sq_ast_t *inputs = sq_relation_option(rel, "repartition_inputs");
  const char *sized_by = inputs && inputs->text ? inputs->text : origin->text;
  int32_t want = count ? (int32_t)count->ival : 0, found = 0; /* a positive integer (connector.c) */
  char why[1024];
  if (!want && !(want = widest(k->rk, sized_by, why, sizeof why)))
    return snprintf(err, err_size, "sink '%s': %s", rel->name, why), false;
  if (sq_kafka_topic_ensure(k->rk, k->topic, want, NULL, &found, why, sizeof why)) return k->partitions = want, true;
  if (!found) return snprintf(err, err_size, "repartition topic %s: %s", k->topic, why), false;
  return snprintf(err, err_size,
                  "repartition topic %s has %d partitions, but this application wants %d (SET 'scale.partitions', else the "
                  "most partitions of %s): the count is fixed once the application has run, since it decides which task holds which "
                  "key (streamq's embedded broker makes a topic first asked for with 4: start it with --topic %s --partitions %d)",
                  k->topic, (int)found, (int)want, sized_by, k->topic, (int)want), false;
}

static bool kafka_write(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  if (!check_failures(k, err, err_size)) return false;
  sq_buf_clear(&k->value);
  if (k->csv) sq_encode_csv(&k->value, schema, row);
  else sq_encode_json(&k->value, &k->keys, schema, row);
  if (k->n_key_cols) encode_key(k, row);
  if (k->value.failed || k->key.failed) return snprintf(err, err_size, "out of memory"), false;
  if (k->transactional) {
    sq_put_u64(&k->outbox, k->n_key_cols > 0);
    if (k->n_key_cols) sq_put_bytes(&k->outbox, k->key.data, k->key.len);
    sq_put_bytes(&k->outbox, k->value.data, k->value.len);
    k->outbox_records++;
    k->base.held_bytes = k->outbox.len;
    return !k->outbox.failed || (snprintf(err, err_size, "out of memory"), false);
  }
  return produce(k, k->topic, k->n_key_cols ? k->key.data : NULL, k->key.len, k->value.data, k->value.len, err, err_size);
}

/* Waits (serving delivery reports) until nothing is outstanding, of
 * either parity or of parity `only`. */
static bool acknowledged(sq_sink_kafka_t *k, int only, char *err, size_t err_size) {
  uint64_t left = only < 0 ? outstanding(k) : atomic_load(&k->outstanding[only]);
  for (int waited = 0; left > 0 && waited < FLUSH_WAIT_MS; waited += 10) {
    if (only < 0) rd_kafka_flush(k->rk, 10);
    else rd_kafka_poll(k->rk, 10);
    left = only < 0 ? outstanding(k) : atomic_load(&k->outstanding[only]);
  }
  if (!check_failures(k, err, err_size)) return false;
  if (left == 0) return true;
  snprintf(err, err_size, "%llu records to %s not acknowledged after %d s", (unsigned long long)left, k->topic, FLUSH_WAIT_MS / 1000);
  return false;
}

static bool kafka_flush(sq_sink_t *s, char *err, size_t err_size) { return acknowledged((sq_sink_kafka_t *)s, -1, err, err_size); }

/* A new period starts: the checkpoint's wait covers the one before. If
 * the last wait gave up, some of its records may still be out, under
 * the parity about to be reused: they are waited for here. */
static bool kafka_barrier(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  if (k->wait_failed && !acknowledged(k, -1, err, err_size)) return false;
  k->wait_failed = false;
  k->barrier = k->period;
  k->period ^= 1;
  return check_failures(k, err, err_size);
}

static bool kafka_durable(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  k->wait_failed = !acknowledged(k, (int)k->barrier, err, err_size);
  return !k->wait_failed;
}

static bool kafka_poll(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  rd_kafka_poll(k->rk, 0);
  return check_failures(k, err, err_size);
}

/* ---- exactly_once ---------------------------------------------------------- */

/* A transaction API failure into `err`; frees it. */
static bool txn_failed(rd_kafka_error_t *e, const char *what, char *err, size_t err_size) {
  snprintf(err, err_size, "%s: %s", what, rd_kafka_error_string(e));
  rd_kafka_error_destroy(e);
  return false;
}

/* Aborts the current transaction; false (and an abort pending) if that
 * failed too. */
static bool abort_transaction(sq_sink_kafka_t *k, char *err, size_t err_size) {
  rd_kafka_error_t *e;
  while ((e = rd_kafka_abort_transaction(k->rk, FLUSH_WAIT_MS)) && rd_kafka_error_is_retriable(e)) rd_kafka_error_destroy(e);
  k->abort_pending = e != NULL;
  return !e || txn_failed(e, "cannot abort the failed transaction", err, err_size);
}

/* Sends the outbox's saved part (what checkpoint `id` recorded) and the
 * progress record for `id` in one transaction. On failure the
 * transaction is aborted and the outbox kept. */
static bool deliver(sq_sink_kafka_t *k, sq_checkpoint_id_t id, char *err, size_t err_size) {
  rd_kafka_error_t *e;
  if (k->abort_pending && !abort_transaction(k, err, err_size)) return false;
  e = rd_kafka_begin_transaction(k->rk);
  if (e) return txn_failed(e, "cannot begin a transaction", err, err_size);
  sq_cursor_t in = sq_cursor(k->outbox.data, k->outbox.len);
  bool ok = true;
  for (uint64_t i = 0; ok && i < k->saved_records; i++) {
    size_t key_len = 0, len;
    const char *key = sq_get_u64(&in) ? sq_get_bytes(&in, &key_len) : NULL;
    const char *value = sq_get_bytes(&in, &len);
    ok = !in.failed && produce(k, k->topic, key, key_len, value, len, err, err_size);
  }
  char progress[48];
  int n = sq_kafka_progress_format(id, progress, sizeof progress);
  ok = ok && produce(k, k->progress_topic, k->txn_id, strlen(k->txn_id), progress, (size_t)n, err, err_size);
  sq_crash_point("transaction-produced");
  if (ok) {
    while ((e = rd_kafka_commit_transaction(k->rk, FLUSH_WAIT_MS)) && rd_kafka_error_is_retriable(e) && !rd_kafka_error_txn_requires_abort(e)) {
      rd_kafka_error_destroy(e); /* librdkafka resumes the commit where it stopped */
      k->base.retries++;
    }
    if (!e) {
      /* records written after the checkpoint started stay for the next */
      memmove(k->outbox.data, k->outbox.data + k->saved_len, k->outbox.len - k->saved_len);
      k->outbox.len -= k->saved_len;
      k->outbox_records -= k->saved_records;
      k->saved_len = k->saved_records = 0;
      k->base.held_bytes = k->outbox.len;
      return true;
    }
    ok = txn_failed(e, "the transaction did not commit", err, err_size);
  }
  /* abort, so that the next checkpoint can send these records again */
  char why[256];
  abort_transaction(k, why, sizeof why);
  k->base.retries++;
  return false;
}

/* The checkpoint holds the whole outbox: what a failed transaction left
 * and what was written since; the engine goes on writing while the
 * checkpoint is written, so what it holds is remembered. */
static void kafka_save(sq_sink_t *s, sq_buf_t *out) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  sq_put_u64(out, k->outbox_records);
  sq_put_bytes(out, k->outbox.data, k->outbox.len);
  k->saved_len = k->outbox.len;
  k->saved_records = k->outbox_records;
}

static bool kafka_resume(sq_sink_t *s, sq_cursor_t *in, sq_checkpoint_id_t id, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  if (!in) return true;
  k->outbox_records = sq_get_u64(in);
  size_t len;
  const char *records = sq_get_bytes(in, &len);
  if (in->failed) return snprintf(err, err_size, "corrupt checkpoint record"), false;
  sq_buf_append(&k->outbox, records, len);
  k->saved_len = k->outbox.len;
  k->saved_records = k->outbox_records;
  if (!k->outbox_records) return true;
  uint64_t committed;
  if (!sq_kafka_progress_read(k->kafka, k->progress_topic, k->txn_id, id.state, &committed, err, err_size)) return false;
  if (committed >= id.seq) { /* that checkpoint's transaction committed before the stop */
    sq_buf_clear(&k->outbox);
    k->outbox_records = k->saved_records = k->saved_len = 0;
    return true;
  }
  k->base.held_bytes = k->outbox.len;
  return deliver(k, id, err, err_size);
}

static bool kafka_checkpointed(sq_sink_t *s, sq_checkpoint_id_t id, char *err, size_t err_size) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  return k->saved_records == 0 || deliver(k, id, err, err_size);
}

static void kafka_destroy(sq_sink_t *s) {
  sq_sink_kafka_t *k = (sq_sink_kafka_t *)s;
  if (k->rk) rd_kafka_destroy(k->rk);
  pthread_mutex_destroy(&k->lock);
  sq_buf_free(&k->outbox);
  sq_buf_free(&k->value);
  sq_json_keys_free(&k->keys);
  sq_buf_free(&k->key);
  free(k->key_cols);
  free(k->topic);
  free(k);
}

static const sq_sink_class_t kafka_class = {.write = kafka_write, .flush = kafka_flush, .destroy = kafka_destroy, .poll = kafka_poll,
                                            .barrier = kafka_barrier, .durable = kafka_durable};
static const sq_sink_class_t kafka_repartition_class = {.write = kafka_write, .flush = kafka_flush, .destroy = kafka_destroy,
                                                        .poll = kafka_poll, .barrier = kafka_barrier, .durable = kafka_durable,
                                                        .mark = kafka_mark};
/* records wait in the outbox, sent once the checkpoint is durable: nothing to wait for before it */
static const sq_sink_class_t kafka_txn_class = {kafka_write, kafka_flush, kafka_destroy, kafka_poll,
                                                kafka_save, kafka_resume, kafka_checkpointed, NULL, NULL, NULL};

/* The columns that make the record key: `key`, else the GROUP BY columns. */
static bool choose_key(sq_sink_kafka_t *k, const sq_relation_t *rel, const sq_relation_t *schema) {
  k->key_cols = calloc(schema->n_columns + 1, sizeof *k->key_cols);
  if (!k->key_cols) return false;
  const sq_ast_t *key = sq_relation_option(rel, "key");
  char name[128];
  for (const char *p = key ? key->text : NULL; (p = sq_column_list_next(p, name, sizeof name));) { /* 'a' or 'a, b' */
    int c = sq_relation_find_column(schema, name);
    if (c >= 0 && k->n_key_cols < (int)schema->n_columns) k->key_cols[k->n_key_cols++] = c;
  }
  if (key && key->text) return true;
  for (size_t c = 0; c < schema->n_columns; c++)
    if (schema->columns[c].group_key) k->key_cols[k->n_key_cols++] = (int)c;
  return true;
}

sq_sink_t *sq_kafka_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const sq_runtime_t *rt, char *err, size_t err_size) {
  err[0] = '\0';
  sq_sink_kafka_t *k = calloc(1, sizeof *k);
  if (!k) return snprintf(err, err_size, "out of memory"), NULL;
  k->base.cls = &kafka_class;
  k->base.name = rel->name;
  pthread_mutex_init(&k->lock, NULL);
  k->csv = sq_option_is(rel, "format", "csv");
  k->on_error = sq_option_is(rel, "on_error", "skip") ? SQ_ON_ERROR_SKIP : SQ_ON_ERROR_FAIL;
  if (sq_option_is(rel, "on_error", "dlq")) {
    snprintf(err, err_size, "sink '%s': on_error = 'dlq' is not supported for Kafka sinks yet; use 'fail' or 'skip'", rel->name);
    kafka_destroy(&k->base);
    return NULL;
  }
  if (!(k->topic = sq_option_string(rel, "topic", err, err_size)) || !choose_key(k, rel, schema)) {
    if (!err[0]) snprintf(err, err_size, "out of memory");
    kafka_destroy(&k->base);
    return NULL;
  }
  k->transactional = sq_option_is(rel, "delivery", "exactly_once");
  k->kafka = &rt->kafka;
  if (k->transactional) k->base.cls = &kafka_txn_class;
  snprintf(k->txn_id, sizeof k->txn_id, "streamq-%s-%s", rt->pipeline, rel->name);
  sq_kafka_progress_topic(k->topic, k->progress_topic, sizeof k->progress_topic);
  /* linger.ms: a record waits at most 1 ms for others to share its
   * request (librdkafka: 5), which is most of a stateless query's latency
   * at low rates; at high rates batches fill before that anyway. */
  static const char *const extra[] = {"enable.idempotence", "true", "acks", "all", "linger.ms", "1",
                                      "message.timeout.ms", "0" /* retry transient errors without a limit */, NULL};
  /* a repartition topic's partition of a key must not depend on chance: NULL keys too */
  static const char *const repartition_extra[] = {"enable.idempotence", "true", "acks", "all", "linger.ms", "1",
                                                  "message.timeout.ms", "0", "partitioner", "murmur2", NULL};
  bool repartition = sq_relation_option(rel, "repartition_of") != NULL;
  /* a transaction bounds its records' time: librdkafka wants message.timeout.ms within transaction.timeout.ms */
  const char *const txn_extra[] = {"enable.idempotence", "true", "acks", "all", "linger.ms", "5", "transactional.id", k->txn_id,
                                   "transaction.timeout.ms", "60000", "message.timeout.ms", "60000", NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(&rt->kafka, k->transactional ? txn_extra : repartition ? repartition_extra : extra, err, err_size);
  char rd_err[256];
  if (conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, k);
    if (!(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof rd_err))) {
      rd_kafka_conf_destroy(conf);
      snprintf(err, err_size, "sink '%s': cannot create the Kafka producer: %s", rel->name, rd_err);
    }
  }
  rd_kafka_error_t *e = k->rk && k->transactional ? rd_kafka_init_transactions(k->rk, FLUSH_WAIT_MS) : NULL;
  if (e) txn_failed(e, "cannot start transactions", rd_err, sizeof rd_err), snprintf(err, err_size, "sink '%s': %s", rel->name, rd_err);
  if (!k->rk || e || (repartition && !repartition_topic_ready(k, rel, err, err_size))) {
    kafka_destroy(&k->base);
    return NULL;
  }
  if (repartition) k->base.cls = &kafka_repartition_class;
  return &k->base;
}
