/* Topic inspection for ad-hoc statements. A metadata request to a cluster
 * whose brokers are all down would wait its whole timeout; asked in short
 * slices, with librdkafka's "all brokers down" error served in between,
 * it fails within a second with a reason the analyst can act on. */
#include "runtime/connectors/kafka/topics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLICE_MS 500

/* Set by an inspector's error callback when librdkafka finds every broker
 * down; cleared before each metadata request. Shared by the inspectors of
 * a process: a stale value only makes one request give up a slice early. */
static _Atomic bool all_brokers_down;

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk, (void)reason, (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) all_brokers_down = true;
}

rd_kafka_t *sq_kafka_inspector_new(const sq_kafka_settings_t *settings, char *err, size_t err_size) {
  char group[64];
  snprintf(group, sizeof group, "streamq-adhoc-%ld", (long)getpid());
  return sq_kafka_group_inspector_new(settings, group, err, err_size);
}

rd_kafka_t *sq_kafka_group_inspector_new(const sq_kafka_settings_t *settings, const char *group, char *err, size_t err_size) {
  const char *extra[] = {"group.id", group, "enable.auto.commit", "false", "enable.partition.eof", "false",
                         "fetch.wait.max.ms", "10", "log_level", "0", NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(settings, extra, err, err_size);
  if (!conf) return NULL;
  rd_kafka_conf_set_error_cb(conf, on_error);
  char rd_err[256];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rd_err, sizeof rd_err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, err_size, "cannot create a Kafka client: %s", rd_err);
  }
  return rk;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const sq_kafka_topic_info_t *)a)->name, ((const sq_kafka_topic_info_t *)b)->name);
}

/* The cluster's metadata (of one topic, or all), asked in slices. */
static const rd_kafka_metadata_t *metadata(rd_kafka_t *rk, const char *only, int timeout_ms, char *err, size_t err_size) {
  rd_kafka_topic_t *handle = only ? rd_kafka_topic_new(rk, only, NULL) : NULL;
  const rd_kafka_metadata_t *md = NULL;
  all_brokers_down = false;
  rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
  for (int waited = 0; waited < timeout_ms; waited += SLICE_MS) {
    e = rd_kafka_metadata(rk, only == NULL, handle, &md, SLICE_MS);
    if (e != RD_KAFKA_RESP_ERR__TIMED_OUT && e != RD_KAFKA_RESP_ERR__TRANSPORT) break;
    rd_kafka_poll(rk, 0); /* serves the error callback that notices every broker down */
    if (all_brokers_down) break;
  }
  if (handle) rd_kafka_topic_destroy(handle);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return md;
  char bootstrap[512];
  size_t size = sizeof bootstrap;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", bootstrap, &size) != RD_KAFKA_CONF_OK) snprintf(bootstrap, sizeof bootstrap, "?");
  snprintf(err, err_size, "cannot reach the Kafka brokers at %s (%s)", bootstrap,
           all_brokers_down ? "all brokers are down" : rd_kafka_err2str(e));
  return NULL;
}

bool sq_kafka_topics(rd_kafka_t *rk, const char *only, bool offsets, int timeout_ms, sq_kafka_topic_list_t *out, char *err,
                     size_t err_size) {
  *out = (sq_kafka_topic_list_t){0};
  const rd_kafka_metadata_t *md = metadata(rk, only, timeout_ms, err, err_size);
  if (!md) return false;
  bool ok = (out->topics = calloc((size_t)md->topic_cnt + 1, sizeof *out->topics)) != NULL;
  if (!ok) snprintf(err, err_size, "out of memory");
  for (int t = 0; ok && t < md->topic_cnt; t++) {
    const rd_kafka_metadata_topic_t *mt = &md->topics[t];
    if (only && (mt->err || mt->partition_cnt == 0)) {
      snprintf(err, err_size, "no topic '%s'%s", only,
               mt->err && mt->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? rd_kafka_err2str(mt->err) : "");
      ok = false;
      break;
    }
    if (mt->err || mt->topic[0] == '_') continue; /* __consumer_offsets and the like */
    sq_kafka_topic_info_t *info = &out->topics[out->n];
    info->name = strdup(mt->topic);
    info->parts = calloc((size_t)mt->partition_cnt + 1, sizeof *info->parts);
    if (!info->name || !info->parts) {
      free(info->name);
      free(info->parts);
      snprintf(err, err_size, "out of memory");
      ok = false;
      break;
    }
    info->n_parts = mt->partition_cnt;
    out->n++;
    for (int32_t p = 0; p < info->n_parts; p++) {
      info->parts[p] = (sq_kafka_partition_info_t){-1, -1};
      if (!offsets) continue;
      rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, info->name, p, &info->parts[p].low, &info->parts[p].high, 5000);
      if (e) {
        snprintf(err, err_size, "cannot read the offsets of %s partition %d: %s", info->name, (int)p, rd_kafka_err2str(e));
        ok = false;
        break;
      }
    }
  }
  rd_kafka_metadata_destroy(md);
  if (ok) qsort(out->topics, out->n, sizeof *out->topics, by_name);
  return ok;
}

void sq_kafka_topic_list_free(sq_kafka_topic_list_t *list) {
  for (size_t i = 0; i < list->n; i++) {
    free(list->topics[i].name);
    free(list->topics[i].parts);
  }
  free(list->topics);
  *list = (sq_kafka_topic_list_t){0};
}

bool sq_kafka_offsets_for_time(rd_kafka_t *rk, const char *topic, int32_t n_parts, int64_t ms, int64_t *offsets, char *err,
                               size_t err_size) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n_parts);
  for (int32_t p = 0; p < n_parts; p++) rd_kafka_topic_partition_list_add(list, topic, p)->offset = ms;
  rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, list, 10000);
  for (int i = 0; !e && i < list->cnt; i++) {
    if (list->elems[i].err) e = list->elems[i].err;
    else offsets[list->elems[i].partition] = list->elems[i].offset < 0 ? RD_KAFKA_OFFSET_END : list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (e) snprintf(err, err_size, "cannot find the offsets of %s for that time: %s", topic, rd_kafka_err2str(e));
  return !e;
}

/* Whether every partition with records left in [start, end) got there. */
static bool all_read(rd_kafka_t *rk, const char *topic, const int64_t *next, const int64_t *end, int32_t n_parts) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n_parts);
  for (int32_t p = 0; p < n_parts; p++) rd_kafka_topic_partition_list_add(list, topic, p);
  bool done = rd_kafka_position(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; done && i < list->cnt; i++) {
    int32_t p = list->elems[i].partition;
    /* the position passes transaction markers, which are never delivered */
    int64_t at = list->elems[i].offset > next[p] ? list->elems[i].offset : next[p];
    done = at >= end[p];
  }
  rd_kafka_topic_partition_list_destroy(list);
  return done;
}

bool sq_kafka_read_records(const sq_kafka_settings_t *settings, const char *topic, const int64_t *start, const int64_t *end,
                           int32_t n_parts, sq_kafka_record_fn fn, void *ctx, volatile sig_atomic_t *stop, char *err,
                           size_t err_size) {
  rd_kafka_t *rk = sq_kafka_inspector_new(settings, err, err_size);
  int64_t *next = rk ? calloc((size_t)n_parts + 1, sizeof *next) : NULL;
  if (!next) {
    if (rk) snprintf(err, err_size, "out of memory"), rd_kafka_destroy(rk);
    return false;
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n_parts);
  for (int32_t p = 0; p < n_parts; p++) {
    next[p] = start[p];
    if (!end || start[p] < end[p]) rd_kafka_topic_partition_list_add(list, topic, p)->offset = start[p];
  }
  rd_kafka_resp_err_t e = list->cnt ? rd_kafka_assign(rk, list) : RD_KAFKA_RESP_ERR_NO_ERROR;
  bool more = list->cnt > 0;
  rd_kafka_topic_partition_list_destroy(list);
  if (e) snprintf(err, err_size, "cannot read topic %s: %s", topic, rd_kafka_err2str(e));
  while (!e && more && !*stop) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
    if (!m) {
      more = !end || !all_read(rk, topic, next, end, n_parts);
      continue;
    }
    if (!m->err && m->partition < n_parts && (!end || m->offset < end[m->partition])) {
      rd_kafka_timestamp_type_t type;
      sq_kafka_record_t r = {m->partition, m->offset, rd_kafka_message_timestamp(m, &type), m->key, m->payload, m->key_len, m->len};
      next[m->partition] = m->offset + 1;
      more = fn(ctx, &r);
    }
    rd_kafka_message_destroy(m);
    if (more && end) {
      bool done = true;
      for (int32_t p = 0; done && p < n_parts; p++) done = next[p] >= end[p] || start[p] >= end[p];
      more = !done;
    }
  }
  free(next);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return !e;
}
