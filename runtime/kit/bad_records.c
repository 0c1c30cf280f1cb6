/* Bad-record handling. A file dead-letter queue gets one JSON object per
 * line: {"source", "place", "error", "record"} with the raw bytes as a
 * string; JSON text is UTF-8, so a record that is not has each stray byte
 * written as U+FFFD there, and its exact bytes in "record_base64". A topic dead-letter queue gets the raw bytes as the value and
 * the error, source topic, partition and offset as headers. */
#include "runtime/kit/bad_records.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/utf8.h"
#include "engine/value_text.h"
#include "runtime/kit/options.h"

bool sq_bad_records_open(sq_bad_records_t *b, const sq_relation_t *rel, rd_kafka_t *producer, char *err, size_t err_size) {
  *b = (sq_bad_records_t){.action = SQ_ON_ERROR_FAIL, .source = rel->name};
  if (sq_option_is(rel, "on_error", "skip")) b->action = SQ_ON_ERROR_SKIP;
  if (!sq_option_is(rel, "on_error", "dlq")) return true;
  b->action = SQ_ON_ERROR_DLQ;
  if ((b->dlq_topic = sq_option_string(rel, "dlq_topic", err, err_size))) {
    b->dlq_kafka = producer;
    if (producer) return true;
    snprintf(err, err_size, "source '%s': a dlq_topic needs a Kafka source; use dlq_path", rel->name);
    return false;
  }
  if (err[0]) return false;
  char *path = sq_option_string(rel, "dlq_path", err, err_size);
  if (!path) return false;
  b->dlq = fopen(path, "a");
  if (!b->dlq) snprintf(err, err_size, "source '%s': cannot open dead-letter file '%s': %s", rel->name, path, strerror(errno));
  free(path);
  return b->dlq != NULL;
}

void sq_bad_records_close(sq_bad_records_t *b) {
  if (b->dlq) fclose(b->dlq);
  free(b->dlq_topic);
  *b = (sq_bad_records_t){0};
}

static void put_base64(sq_buf_t *out, const unsigned char *p, size_t len) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
    char quad[4] = {digits[v >> 18], digits[v >> 12 & 63], i + 1 < len ? digits[v >> 6 & 63] : '=', i + 2 < len ? digits[v & 63] : '='};
    sq_buf_append(out, quad, 4);
  }
}

static bool to_file(sq_bad_records_t *b, const char *raw, size_t len, const char *error, const sq_record_origin_t *o) {
  sq_buf_t line = {0};
  sq_buf_puts(&line, "{\"source\":");
  sq_encode_json_string(&line, b->source, strlen(b->source));
  sq_buf_puts(&line, ",\"place\":");
  sq_encode_json_string(&line, o->place, strlen(o->place));
  sq_buf_puts(&line, ",\"error\":");
  sq_encode_json_string(&line, error, strlen(error));
  sq_buf_puts(&line, ",\"record\":");
  sq_encode_json_string(&line, raw, len);
  if (sq_utf8_check(raw, len) < len) {
    sq_buf_puts(&line, ",\"record_base64\":\"");
    put_base64(&line, (const unsigned char *)raw, len);
    sq_buf_putc(&line, '"');
  }
  sq_buf_puts(&line, "}\n");
  bool ok = !line.failed && fwrite(line.data, 1, line.len, b->dlq) == line.len && fflush(b->dlq) == 0;
  sq_buf_free(&line);
  return ok;
}

static bool to_topic(sq_bad_records_t *b, const char *raw, size_t len, const char *error, const sq_record_origin_t *o) {
  char partition[16], offset[24];
  snprintf(partition, sizeof partition, "%" PRId32, o->partition);
  snprintf(offset, sizeof offset, "%" PRId64, o->offset);
  const char *topic = o->topic ? o->topic : "";
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        b->dlq_kafka, RD_KAFKA_V_TOPIC(b->dlq_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)raw, len), RD_KAFKA_V_HEADER("error", error, -1),
        RD_KAFKA_V_HEADER("source_topic", topic, -1), RD_KAFKA_V_HEADER("source_partition", partition, -1),
        RD_KAFKA_V_HEADER("source_offset", offset, -1), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return e == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_poll(b->dlq_kafka, 100); /* wait for room rather than drop */
  }
}

bool sq_bad_record(sq_bad_records_t *b, const char *raw, size_t len, const char *error, const sq_record_origin_t *origin,
                   sq_exec_t *exec) {
  b->count++;
  switch (b->action) {
  case SQ_ON_ERROR_FAIL:
    return sq_exec_fail(exec, "bad record in source '%s' at %s: %s (set on_error to 'skip' or 'dlq' to go on)", b->source,
                        origin->place, error);
  case SQ_ON_ERROR_SKIP: return true;
  case SQ_ON_ERROR_DLQ:
    if (b->dlq ? to_file(b, raw, len, error, origin) : to_topic(b, raw, len, error, origin)) return true;
    return sq_exec_fail(exec, "source '%s': cannot write the dead-letter queue", b->source);
  }
  return true;
}
