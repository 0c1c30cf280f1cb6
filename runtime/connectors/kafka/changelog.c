/* The changelog topic (docs/ARCHITECTURE.md §8). What a record is lies in
 * its Kafka key, whose first byte is its kind (integers as 8 bytes in
 * engine/key_codec.h's encoding):
 *   'S' <state key>         value: the state value; a tombstone deletes
 *   'D' <id 8> <counter 8>  value: the prefix whose keys are deleted
 *   'M' <writer 8> <seq 8>  value: the marker's blob
 * A put and a deletion of one key share their Kafka key, so compaction
 * keeps the newest; range deletions and markers never reuse a key, so
 * compaction keeps every one of them and with them the boundaries of
 * every checkpoint. Restores hold one checkpoint's records at a time. */
#include "runtime/connectors/kafka/changelog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/codec.h"
#include "engine/key_codec.h"
#include "runtime/connectors/kafka/topic_ensure.h"
#include "runtime/connectors/kafka/topics.h"

#define WAIT_MS 60000          /* the longest a flush, or a record waiting for room in the queue, waits */
#define ADMIN_TIMEOUT_MS 10000 /* metadata, topic creation, offsets */
#define STEP_WAIT_MS 10        /* the longest a restore step waits for records: the engine
                                * thread runs the other tasks between steps */
/* An abandoned tail's records are the newest of their keys until a
 * restore repairs it; a record younger than this is never compacted, so
 * the vouched records they shadow stay readable until then. */
#define COMPACTION_LAG_MS "3600000"

enum { KIND_STATE = 'S', KIND_RANGE = 'D', KIND_MARKER = 'M' };
enum { HELD_PUT, HELD_DELETE, HELD_RANGE }; /* a held record: kind, key or prefix, value of a put */

/* One idempotent producer and what its delivery reports said. */
typedef struct producer {
  rd_kafka_t *rk;
  const char *topic; /* the changelog's */
  uint32_t partitions;
  uint64_t outstanding;    /* produced, not yet reported */
  int64_t *marker_offsets; /* the last acknowledged marker of each partition, -1 none */
  char error[256];         /* the first failure since the last flush */
  sq_buf_t key;            /* the Kafka key being built */
} producer_t;

struct sq_changelog {
  const sq_kafka_settings_t *kafka;
  char *topic;
  uint32_t partitions;
  uint64_t id;     /* random: range deletion keys and repair markers */
  uint64_t ranges; /* range deletions written */
  producer_t writer;
};

struct sq_changelog_restore {
  sq_changelog_t *cl;
  rd_kafka_t *rk; /* the consumer; NULL once done */
  uint32_t partition;
  int64_t from;
  int64_t next, end; /* the next offset to read and the end */
  bool skipping;     /* still before the marker the database is as of */
  uint64_t skip_writer, skip_seq;
  sq_buf_t held;     /* the records after the last marker */
  int64_t held_from; /* the offset of the first of them, -1 none */
  uint64_t held_count;
  bool has_marker, done;
  uint64_t writer, seq; /* the last marker applied */
  int64_t marker_offset;
  sq_buf_t blob, value; /* its blob; a value read for a repair */
  uint64_t applied;
};

/* A marker's delivery report carries this address. */
static const char marker_tag;

static bool random_id(uint64_t *id, char *err, size_t err_size) {
  FILE *f = fopen("/dev/urandom", "rb");
  bool ok = f && fread(id, sizeof *id, 1, f) == 1;
  if (f) fclose(f);
  if (!ok) snprintf(err, err_size, "cannot read /dev/urandom for the changelog's writer id");
  return ok;
}

/* A client configuration with the pipeline's settings, then `forced`
 * (key/value pairs, NULL-terminated): what the changelog's guarantees rest
 * on is not the pipeline's to change. */
static rd_kafka_conf_t *client_conf(const sq_kafka_settings_t *k, const char *const *forced, char *err, size_t err_size) {
  rd_kafka_conf_t *conf = sq_kafka_conf(k, NULL, err, err_size);
  char rd_err[256];
  for (size_t i = 0; conf && forced[i]; i += 2) {
    if (rd_kafka_conf_set(conf, forced[i], forced[i + 1], rd_err, sizeof rd_err) == RD_KAFKA_CONF_OK) continue;
    snprintf(err, err_size, "changelog client: %s", rd_err);
    rd_kafka_conf_destroy(conf);
    conf = NULL;
  }
  return conf;
}

/* ---- producing ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  producer_t *p = opaque;
  p->outstanding--;
  if (m->err) {
    if (!p->error[0])
      snprintf(p->error, sizeof p->error, "a record to changelog %s partition %d failed: %s", p->topic, (int)m->partition,
               rd_kafka_err2str(m->err));
  } else if (m->_private == &marker_tag && m->offset > p->marker_offsets[m->partition]) {
    p->marker_offsets[m->partition] = m->offset;
  }
}

static bool producer_open(producer_t *p, const sq_changelog_t *cl, char *err, size_t err_size) {
  *p = (producer_t){.topic = cl->topic, .partitions = cl->partitions};
  if (!(p->marker_offsets = malloc(cl->partitions * sizeof *p->marker_offsets))) return snprintf(err, err_size, "out of memory"), false;
  for (uint32_t i = 0; i < cl->partitions; i++) p->marker_offsets[i] = -1;
  /* No message timeout: a record is retried until it lands, and with the
   * gapless guarantee one that cannot land stops the producer, so a marker
   * never lands after a hole among its checkpoint's records. */
  static const char *const forced[] = {"enable.idempotence", "true", "acks", "all", "message.timeout.ms", "0",
                                       "enable.gapless.guarantee", "true", "allow.auto.create.topics", "false", NULL};
  rd_kafka_conf_t *conf = client_conf(cl->kafka, forced, err, err_size);
  if (!conf) return false;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, p);
  char rd_err[256];
  if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof rd_err))) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, err_size, "cannot create the changelog producer: %s", rd_err);
  }
  return p->rk != NULL;
}

static void producer_close(producer_t *p) {
  if (p->rk) rd_kafka_destroy(p->rk);
  free(p->marker_offsets);
  sq_buf_free(&p->key);
  *p = (producer_t){0};
}

/* Why the producer stopped for good into `err`; false if it did not. */
static bool producer_fatal(producer_t *p, char *err, size_t err_size) {
  char reason[256];
  if (!rd_kafka_fatal_error(p->rk, reason, sizeof reason)) return false;
  snprintf(err, err_size, "the producer of changelog %s stopped: %s", p->topic, reason);
  return true;
}

/* Queues the record keyed by p->key, waiting for room in the queue. */
static bool produce(producer_t *p, uint32_t partition, const void *value, size_t len, bool marker, char *err, size_t err_size) {
  if (partition >= p->partitions)
    return snprintf(err, err_size, "changelog %s has no partition %u (it has %u)", p->topic, partition, p->partitions), false;
  if (p->key.failed) return snprintf(err, err_size, "out of memory"), false;
  for (int waited = 0;; waited += 100) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_PARTITION((int32_t)partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(p->key.data, p->key.len), RD_KAFKA_V_VALUE((void *)value, len),
        RD_KAFKA_V_OPAQUE(marker ? (void *)&marker_tag : NULL), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (producer_fatal(p, err, err_size)) return false;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || waited >= WAIT_MS)
      return snprintf(err, err_size, "cannot write to changelog %s: %s", p->topic, rd_kafka_err2str(e)), false;
    rd_kafka_poll(p->rk, 100); /* wait for deliveries to make room */
  }
  p->outstanding++;
  rd_kafka_poll(p->rk, 0);
  return true;
}

static bool producer_flush(producer_t *p, char *err, size_t err_size) {
  for (int waited = 0; p->outstanding > 0 && waited < WAIT_MS; waited += 100) rd_kafka_flush(p->rk, 100);
  if (producer_fatal(p, err, err_size)) return false;
  if (p->error[0]) {
    snprintf(err, err_size, "%s", p->error);
    p->error[0] = '\0';
    return false;
  }
  if (p->outstanding == 0) return true;
  snprintf(err, err_size, "%llu records to changelog %s not acknowledged after %d s", (unsigned long long)p->outstanding, p->topic,
           WAIT_MS / 1000);
  return false;
}

static void state_key(producer_t *p, const void *key, size_t len) {
  sq_buf_clear(&p->key);
  sq_buf_putc(&p->key, KIND_STATE);
  sq_buf_append(&p->key, key, len);
}

/* A marker; its blob is never a tombstone, even when empty. */
static bool produce_marker(producer_t *p, uint32_t partition, uint64_t writer_id, uint64_t seq, const void *blob, size_t len,
                           char *err, size_t err_size) {
  sq_buf_clear(&p->key);
  sq_buf_putc(&p->key, KIND_MARKER);
  sq_key_put_int(&p->key, (int64_t)writer_id);
  sq_key_put_int(&p->key, (int64_t)seq);
  return produce(p, partition, len ? blob : "", len, true, err, err_size);
}

/* ---- the topic ------------------------------------------------------------ */

/* Checks the topic's partition count, creating it (compacted) if it is
 * missing. */
static bool topic_ready(sq_changelog_t *cl, char *err, size_t err_size) {
  static const char *const config[] = {"cleanup.policy", "compact", "min.compaction.lag.ms", COMPACTION_LAG_MS, NULL};
  int32_t found = 0;
  char why[512];
  if (sq_kafka_topic_ensure(cl->writer.rk, cl->topic, (int32_t)cl->partitions, config, &found, why, sizeof why)) return true;
  if (!found)
    snprintf(err, err_size, "changelog topic %s: %s", cl->topic, why);
  else /* the embedded broker cannot create topics on request and makes one when asked for it */
    snprintf(err, err_size,
             "changelog topic %s has %d partitions, but this application has %u tasks (one partition each): create it with %u "
             "partitions and cleanup.policy=compact (streamq's embedded broker makes a topic first asked for with 4: start it "
             "with --topic %s --partitions %u)",
             cl->topic, (int)found, cl->partitions, cl->partitions, cl->topic, cl->partitions);
  return false;
}

sq_changelog_t *sq_changelog_open(const sq_kafka_settings_t *kafka, const char *topic, uint32_t partitions, char *err,
                                  size_t err_size) {
  if (partitions == 0 || partitions > INT32_MAX) return snprintf(err, err_size, "a changelog needs 1 or more partitions"), NULL;
  sq_changelog_t *cl = calloc(1, sizeof *cl);
  if (!cl || !(cl->topic = strdup(topic))) {
    free(cl);
    return snprintf(err, err_size, "out of memory"), NULL;
  }
  cl->kafka = kafka;
  cl->partitions = partitions;
  if (!random_id(&cl->id, err, err_size) || !producer_open(&cl->writer, cl, err, err_size) || !topic_ready(cl, err, err_size)) {
    sq_changelog_close(cl);
    return NULL;
  }
  return cl;
}

void sq_changelog_close(sq_changelog_t *cl) {
  if (!cl) return;
  producer_close(&cl->writer);
  free(cl->topic);
  free(cl);
}

/* ---- writing -------------------------------------------------------------- */

bool sq_changelog_put(sq_changelog_t *cl, uint32_t partition, const void *key, size_t klen, const void *value, size_t vlen,
                      char *err, size_t err_size) {
  state_key(&cl->writer, key, klen);
  return produce(&cl->writer, partition, value, value ? vlen : 0, false, err, err_size);
}

bool sq_changelog_delete_range(sq_changelog_t *cl, uint32_t partition, const void *prefix, size_t len, char *err,
                               size_t err_size) {
  if (len == 0) return snprintf(err, err_size, "a changelog range deletion needs a prefix"), false;
  producer_t *p = &cl->writer;
  sq_buf_clear(&p->key);
  sq_buf_putc(&p->key, KIND_RANGE);
  sq_key_put_int(&p->key, (int64_t)cl->id);
  sq_key_put_int(&p->key, (int64_t)++cl->ranges);
  return produce(p, partition, prefix, len, false, err, err_size);
}

bool sq_changelog_mark(sq_changelog_t *cl, uint32_t partition, uint64_t writer_id, uint64_t seq, const void *blob, size_t len,
                       char *err, size_t err_size) {
  return produce_marker(&cl->writer, partition, writer_id, seq, blob, len, err, err_size);
}

bool sq_changelog_flush(sq_changelog_t *cl, int64_t *marker_offsets, char *err, size_t err_size) {
  bool ok = producer_flush(&cl->writer, err, err_size);
  if (marker_offsets) memcpy(marker_offsets, cl->writer.marker_offsets, cl->partitions * sizeof *marker_offsets);
  return ok;
}

/* ---- restoring ------------------------------------------------------------ */

/* `err` = "changelog TOPIC partition P: " and the rest. */
static void restore_error(const sq_changelog_restore_t *r, char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void restore_error(const sq_changelog_restore_t *r, char *err, size_t err_size, const char *fmt, ...) {
  int n = snprintf(err, err_size, "changelog %s partition %u: ", r->cl->topic, r->partition);
  va_list ap;
  va_start(ap, fmt);
  if (n >= 0 && (size_t)n < err_size) vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
  va_end(ap);
}

/* The restore's consumer, outside any group, assigned the partition from
 * r->from to its end now. */
static bool restore_assign(sq_changelog_restore_t *r, char *err, size_t err_size) {
  int64_t from = r->from;
  /* out of range is an error, never a silent jump to either end */
  static const char *const forced[] = {"group.id", "streamq-changelog-restore", "enable.auto.commit", "false",
                                       "enable.auto.offset.store", "false", "enable.partition.eof", "false",
                                       "auto.offset.reset", "error", NULL};
  rd_kafka_conf_t *conf = client_conf(r->cl->kafka, forced, err, err_size);
  if (!conf) return false;
  char rd_err[256];
  if (!(r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rd_err, sizeof rd_err))) {
    rd_kafka_conf_destroy(conf);
    return snprintf(err, err_size, "cannot create the changelog consumer: %s", rd_err), false;
  }
  const char *topic = r->cl->topic;
  int64_t low, high;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(r->rk, topic, (int32_t)r->partition, &low, &high, ADMIN_TIMEOUT_MS);
  if (e) return restore_error(r, err, err_size, "cannot read its offsets: %s", rd_kafka_err2str(e)), false;
  if (from >= 0 && from < low) {
    restore_error(r, err, err_size,
                  "offset %lld is gone (the earliest is %lld): the history after the local state is lost, restore the task in full",
                  (long long)from, (long long)low);
    return false;
  }
  if (from > high) {
    restore_error(r, err, err_size,
                  "it ends at offset %lld, before offset %lld of the local state: it is not that state's history, restore the "
                  "task in full",
                  (long long)high, (long long)from);
    return false;
  }
  r->next = from < 0 ? low : from;
  r->end = high;
  if (r->next == r->end) return true;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, (int32_t)r->partition)->offset = r->next;
  e = rd_kafka_assign(r->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) restore_error(r, err, err_size, "cannot read it: %s", rd_kafka_err2str(e));
  return !e;
}

sq_changelog_restore_t *sq_changelog_restore_start(sq_changelog_t *cl, uint32_t partition, int64_t from, const uint64_t *writer_id,
                                                   const uint64_t *seq, char *err, size_t err_size) {
  if (partition >= cl->partitions)
    return snprintf(err, err_size, "changelog %s has no partition %u (it has %u)", cl->topic, partition, cl->partitions), NULL;
  if (!writer_id != !seq) return snprintf(err, err_size, "a changelog restore skips to a marker named by writer and sequence"), NULL;
  sq_changelog_restore_t *r = calloc(1, sizeof *r);
  if (!r) return snprintf(err, err_size, "out of memory"), NULL;
  *r = (sq_changelog_restore_t){.cl = cl, .partition = partition, .from = from, .held_from = -1, .marker_offset = -1};
  if (writer_id) {
    r->skipping = true;
    r->skip_writer = *writer_id;
    r->skip_seq = *seq;
  }
  if (!restore_assign(r, err, err_size)) {
    sq_changelog_restore_free(r);
    return NULL;
  }
  return r;
}

/* A record held until its checkpoint's marker, as `held` stores it. */
typedef struct held_record {
  uint64_t kind;
  const char *key, *value; /* value: a put's */
  size_t klen, vlen;
} held_record_t;

static bool hold(sq_changelog_restore_t *r, uint64_t kind, const void *key, size_t klen, const void *value, size_t vlen,
                 int64_t offset, char *err, size_t err_size) {
  if (r->held_from < 0) r->held_from = offset;
  sq_put_u64(&r->held, kind);
  sq_put_bytes(&r->held, key, klen);
  if (kind == HELD_PUT) sq_put_bytes(&r->held, value, vlen);
  r->held_count++;
  if (r->held.failed)
    restore_error(r, err, err_size, "out of memory holding a checkpoint's %llu records", (unsigned long long)r->held_count);
  return !r->held.failed;
}

static bool next_held(sq_cursor_t *c, held_record_t *h) {
  if (c->p >= c->end) return false;
  h->kind = sq_get_u64(c);
  h->key = sq_get_bytes(c, &h->klen);
  h->value = NULL;
  h->vlen = 0;
  if (h->kind == HELD_PUT) h->value = sq_get_bytes(c, &h->vlen);
  return true;
}

static bool has_prefix(const char *key, size_t klen, const char *prefix, size_t plen) {
  return klen >= plen && memcmp(key, prefix, plen) == 0;
}

/* Deletes every key under `prefix` in the batch: the database's, and those
 * of the puts held before it (from `held` to `at`), not in the database yet. */
static bool delete_range(sq_storage_t *db, sq_storage_batch_t *b, const char *held, const char *at, const char *prefix, size_t plen,
                         char *err, size_t err_size) {
  held_record_t h;
  for (sq_cursor_t c = sq_cursor(held, (size_t)(at - held)); next_held(&c, &h);)
    if (h.kind == HELD_PUT && has_prefix(h.key, h.klen, prefix, plen)) sq_storage_batch_delete(db, b, h.key, h.klen);
  return sq_storage_batch_delete_prefix(db, b, prefix, plen, err, err_size);
}

static void drop_held(sq_changelog_restore_t *r) {
  sq_buf_clear(&r->held);
  r->held_from = -1;
  r->held_count = 0;
}

/* Writes the held checkpoint to the database: one unsynced batch. */
static bool apply_held(sq_changelog_restore_t *r, sq_storage_t *db, char *err, size_t err_size) {
  if (!r->held_count) return true;
  sq_storage_batch_t *batch = sq_storage_batch_new(db);
  if (!batch) return snprintf(err, err_size, "out of memory"), false;
  bool ok = true;
  held_record_t h;
  for (sq_cursor_t c = sq_cursor(r->held.data, r->held.len); ok;) {
    const char *at = c.p;
    if (!next_held(&c, &h)) break;
    if (h.kind == HELD_PUT) sq_storage_batch_put(db, batch, h.key, h.klen, h.value, h.vlen);
    else if (h.kind == HELD_DELETE) sq_storage_batch_delete(db, batch, h.key, h.klen);
    else ok = delete_range(db, batch, r->held.data, at, h.key, h.klen, err, err_size);
  }
  ok = ok && sq_storage_write(db, batch, false, err, err_size);
  sq_storage_batch_free(db, batch);
  if (ok) r->applied += r->held_count;
  drop_held(r);
  return ok;
}

/* A marker: the held checkpoint is complete (or, while skipping, the
 * marker the database is as of must be the first one). */
static bool take_marker(sq_changelog_restore_t *r, sq_storage_t *db, const char *key, const void *blob, size_t len, int64_t offset,
                        char *err, size_t err_size) {
  uint64_t writer = (uint64_t)sq_key_get_int(key + 1), seq = (uint64_t)sq_key_get_int(key + 9);
  if (r->skipping && (writer != r->skip_writer || seq != r->skip_seq)) {
    restore_error(r, err, err_size,
                  "the local state is as of marker %016llx:%llu, but the first marker from offset %lld is %016llx:%llu (offset "
                  "%lld): restore the task in full",
                  (unsigned long long)r->skip_writer, (unsigned long long)r->skip_seq, (long long)r->from,
                  (unsigned long long)writer, (unsigned long long)seq, (long long)offset);
    return false;
  }
  if (!r->skipping && !apply_held(r, db, err, err_size)) return false;
  r->skipping = false;
  r->has_marker = true;
  r->writer = writer;
  r->seq = seq;
  r->marker_offset = offset;
  sq_buf_clear(&r->blob);
  sq_buf_append(&r->blob, blob, len);
  if (r->blob.failed) snprintf(err, err_size, "out of memory");
  return !r->blob.failed;
}

/* One record read; false with `err`. */
static bool take(sq_changelog_restore_t *r, sq_storage_t *db, const rd_kafka_message_t *m, char *err, size_t err_size) {
  if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
    restore_error(r, err, err_size, "offset %lld is gone (%s): the history after the local state is lost, restore the task in full",
                  (long long)r->next, rd_kafka_message_errstr(m));
    return false;
  }
  if (m->err || m->partition != (int32_t)r->partition) return true; /* a passing fault: librdkafka retries */
  if (m->offset >= r->end) {
    r->next = r->end; /* written since the restore started */
    return true;
  }
  r->next = m->offset + 1;
  const char *key = m->key;
  const char kind = m->key_len ? key[0] : 0;
  bool ids = m->key_len == 17 && m->payload; /* a range deletion's or marker's key, and a value */
  if (kind == KIND_STATE)
    return r->skipping || hold(r, m->payload ? HELD_PUT : HELD_DELETE, key + 1, m->key_len - 1, m->payload, m->len, m->offset, err, err_size);
  if (kind == KIND_RANGE && ids && m->len) return r->skipping || hold(r, HELD_RANGE, m->payload, m->len, NULL, 0, m->offset, err, err_size);
  if (kind == KIND_MARKER && ids) return take_marker(r, db, key, m->payload, m->len, m->offset, err, err_size);
  restore_error(r, err, err_size, "the record at offset %lld is not a changelog record (a key of %zu bytes%s%c)", (long long)m->offset,
                m->key_len, m->key_len ? " starting with " : "", m->key_len ? kind : ' ');
  return false;
}

/* Whether the consumer passed the end though the last offsets never came
 * (compaction removed them). */
static bool read_past_end(sq_changelog_restore_t *r) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, r->cl->topic, (int32_t)r->partition);
  bool past = rd_kafka_position(r->rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= r->end;
  rd_kafka_topic_partition_list_destroy(list);
  return past;
}

typedef struct repairer {
  sq_changelog_restore_t *r;
  sq_storage_t *db;
  producer_t *producer;
  char *err;
  size_t err_size;
  bool ok;
} repairer_t;

/* Writes `key` again with its value in the database, or its deletion. */
static bool repair_key(void *ctx, const char *key, size_t len) {
  repairer_t *rp = ctx;
  sq_buf_t *value = &rp->r->value;
  int found = sq_storage_get(rp->db, key, len, value, rp->err, rp->err_size);
  state_key(rp->producer, key, len);
  rp->ok = found >= 0 && produce(rp->producer, rp->r->partition, found ? (value->data ? value->data : "") : NULL, found ? value->len : 0, false,
                                 rp->err, rp->err_size);
  return rp->ok;
}

/* The held records are an abandoned tail: every key they touch is
 * written again as the database has it and a marker vouches for them, so
 * the tail is closed and compaction keeps vouched records only. */
static bool repair(sq_changelog_restore_t *r, sq_storage_t *db, char *err, size_t err_size) {
  producer_t producer;
  repairer_t rp = {r, db, &producer, err, err_size, producer_open(&producer, r->cl, err, err_size)};
  held_record_t h;
  for (sq_cursor_t c = sq_cursor(r->held.data, r->held.len); rp.ok && next_held(&c, &h);) {
    if (h.kind != HELD_RANGE) repair_key(&rp, h.key, h.klen);
    else rp.ok = sq_storage_keys(db, h.key, h.klen, NULL, 0, repair_key, &rp, err, err_size) && rp.ok;
  }
  uint64_t seq = (uint64_t)r->held_from; /* with the writer's random id, names this repair alone */
  bool ok = rp.ok && produce_marker(&producer, r->partition, r->cl->id, seq, r->blob.data, r->blob.len, err, err_size) &&
            producer_flush(&producer, err, err_size);
  if (ok) {
    r->has_marker = true;
    r->writer = r->cl->id;
    r->seq = seq;
    r->marker_offset = producer.marker_offsets[r->partition];
    drop_held(r);
  }
  producer_close(&producer);
  return ok;
}

static void restore_consumer_close(sq_changelog_restore_t *r) {
  if (!r->rk) return;
  rd_kafka_consumer_close(r->rk);
  rd_kafka_destroy(r->rk);
  r->rk = NULL;
}

/* Everything read: the skip marker must have been found; the abandoned
 * tail is repaired; the database is synced. */
static bool finish(sq_changelog_restore_t *r, sq_storage_t *db, char *err, size_t err_size) {
  if (r->skipping) {
    restore_error(r, err, err_size, "the marker of the local state (%016llx:%llu) is not at or after offset %lld: restore the task in full",
                  (unsigned long long)r->skip_writer, (unsigned long long)r->skip_seq, (long long)r->from);
    return false;
  }
  restore_consumer_close(r);
  if (r->held_count && !repair(r, db, err, err_size)) return false;
  sq_storage_batch_t *b = sq_storage_batch_new(db);
  if (!b) return snprintf(err, err_size, "out of memory"), false;
  r->done = sq_storage_write(db, b, true, err, err_size);
  sq_storage_batch_free(db, b);
  return r->done;
}

int sq_changelog_restore_step(sq_changelog_restore_t *r, sq_storage_t *db, uint32_t max, char *err, size_t err_size) {
  if (r->done) return 0;
  for (uint32_t n = 0; n < max && r->next < r->end; n++) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, n == 0 ? STEP_WAIT_MS : 0);
    if (!m) {
      if (read_past_end(r)) r->next = r->end;
      break;
    }
    bool ok = take(r, db, m, err, err_size);
    rd_kafka_message_destroy(m);
    if (!ok) return -1;
  }
  if (r->next < r->end) return 1;
  return finish(r, db, err, err_size) ? 0 : -1;
}

const void *sq_changelog_restore_blob(const sq_changelog_restore_t *r, size_t *len) {
  *len = r->has_marker ? r->blob.len : 0;
  return *len ? r->blob.data : NULL;
}

bool sq_changelog_restore_marker(const sq_changelog_restore_t *r, uint64_t *writer_id, uint64_t *seq) {
  *writer_id = r->writer;
  *seq = r->seq;
  return r->has_marker;
}

int64_t sq_changelog_restore_marker_offset(const sq_changelog_restore_t *r) { return r->marker_offset; }

uint64_t sq_changelog_restore_applied(const sq_changelog_restore_t *r) { return r->applied; }

int64_t sq_changelog_restore_remaining(const sq_changelog_restore_t *r) { return r->end > r->next ? r->end - r->next : 0; }

void sq_changelog_restore_free(sq_changelog_restore_t *r) {
  if (!r) return;
  restore_consumer_close(r);
  sq_buf_free(&r->held);
  sq_buf_free(&r->blob);
  sq_buf_free(&r->value);
  free(r);
}
