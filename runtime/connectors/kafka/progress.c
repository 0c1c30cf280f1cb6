/* Reading progress back: the last records of partition 0 of the progress
 * topic, committed ones only. A sink writes one record per transaction,
 * so the tail holds the answer. */
#include "runtime/connectors/kafka/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAIL 64          /* records read back from the end */
#define READ_TIMEOUT_MS 15000

void sq_kafka_progress_topic(const char *topic, char *out, size_t size) { snprintf(out, size, "%s.streamq-progress", topic); }

int sq_kafka_progress_format(sq_checkpoint_id_t id, char *out, size_t size) {
  return snprintf(out, size, "%016llx:%llu", (unsigned long long)id.state, (unsigned long long)id.seq);
}

bool sq_kafka_progress_read(const sq_kafka_settings_t *ks, const char *topic, const char *id, uint64_t state, uint64_t *seq,
                            char *err, size_t err_size) {
  *seq = 0;
  const char *extra[] = {"group.id", id, "isolation.level", "read_committed", "enable.auto.commit", "false",
                         "enable.partition.eof", "true", NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(ks, extra, err, err_size);
  char rd_err[256];
  rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_CONSUMER, conf, rd_err, sizeof rd_err) : NULL;
  if (!rk) {
    if (conf) rd_kafka_conf_destroy(conf), snprintf(err, err_size, "cannot create a consumer: %s", rd_err);
    return false;
  }
  int64_t low, high;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, 0, &low, &high, READ_TIMEOUT_MS);
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) low = high = 0, e = 0; /* nothing yet */
  bool ok = e == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!ok) snprintf(err, err_size, "cannot read the progress topic %s: %s", topic, rd_kafka_err2str(e));
  if (ok && high > low) {
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = high - TAIL > low ? high - TAIL : low;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    for (int waited = 0; waited < READ_TIMEOUT_MS; waited += 200) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
      if (!m) continue;
      bool end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
      if (!m->err && m->key_len == strlen(id) && memcmp(m->key, id, m->key_len) == 0 && m->len < 48) {
        char text[48];
        memcpy(text, m->payload, m->len);
        text[m->len] = '\0';
        char *colon;
        uint64_t from = strtoull(text, &colon, 16);
        uint64_t v = *colon == ':' ? strtoull(colon + 1, NULL, 10) : 0;
        if (from == state && v > *seq) *seq = v; /* another state directory's records do not count */
      }
      rd_kafka_message_destroy(m);
      if (end) break;
    }
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return ok;
}
