/* Confirmed seeks before resuming (resumes.h). */
#include "runtime/connectors/kafka/resumes.h"

#include <inttypes.h>
#include <stdlib.h>

#include "runtime/kit/log.h"

#define SEEK_WAIT_MS 500       /* librdkafka answers a seek from its broker thread, normally at once */
#define REPORT_AFTER_MS 30000 /* a resume pending this long is logged */
#define NONE INT64_MIN
#define QUERY_WAIT_MS 5000    /* asking the broker for a partition's offsets */

int64_t sq_kafka_absolute_offset(rd_kafka_t *consumer, const char *topic, uint32_t p, int64_t offset) {
  int64_t low, high;
  if (offset != RD_KAFKA_OFFSET_BEGINNING && offset != RD_KAFKA_OFFSET_END) return offset;
  if (rd_kafka_query_watermark_offsets(consumer, topic, (int32_t)p, &low, &high, QUERY_WAIT_MS)) return offset;
  return offset == RD_KAFKA_OFFSET_BEGINNING ? low : high;
}

bool sq_kafka_resume_at(sq_kafka_resumes_t *r, uint32_t p, int64_t offset, int64_t now) {
  if (p >= r->n) {
    int64_t *o = realloc(r->offset, (p + 1) * sizeof *o);
    if (o) r->offset = o;
    int64_t *s = o ? realloc(r->since, (p + 1) * sizeof *s) : NULL;
    if (s) r->since = s;
    if (!o || !s) return false;
    for (uint32_t i = r->n; i <= p; i++) r->offset[i] = NONE;
    r->n = p + 1;
  }
  if (r->offset[p] == NONE) r->pending++;
  r->offset[p] = offset;
  r->since[p] = now;
  return true;
}

void sq_kafka_resume_cancel(sq_kafka_resumes_t *r, uint32_t p) {
  if (p >= r->n || r->offset[p] == NONE) return;
  r->offset[p] = NONE;
  r->pending--;
}

void sq_kafka_resumes_serve(sq_kafka_resumes_t *r, int64_t now) {
  if (!r->pending) return;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)r->pending);
  for (uint32_t p = 0; p < r->n; p++)
    if (r->offset[p] != NONE) rd_kafka_topic_partition_list_add(list, r->topic, (int32_t)p)->offset = r->offset[p];
  /* a timeout leaves the unanswered ones IN_PROGRESS: tried again */
  rd_kafka_error_t *e = rd_kafka_seek_partitions(r->consumer, list, SEEK_WAIT_MS);
  if (e) rd_kafka_error_destroy(e);
  rd_kafka_topic_partition_list_t *resume = rd_kafka_topic_partition_list_new(list->cnt);
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t *tp = &list->elems[i];
    uint32_t p = (uint32_t)tp->partition;
    if (tp->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_add(resume, r->topic, tp->partition);
      sq_kafka_resume_cancel(r, p);
    } else if (now - r->since[p] >= REPORT_AFTER_MS) {
      r->since[p] = now - REPORT_AFTER_MS + 60000; /* next report in a minute */
      if (r->source)
        sq_log_warn("consumer error", "source '%s': partition %u of %s cannot resume at offset %" PRId64 " yet: %s", r->source, p,
                    r->topic, tp->offset, rd_kafka_err2str(tp->err));
    }
  }
  if (resume->cnt) rd_kafka_resume_partitions(r->consumer, resume);
  rd_kafka_topic_partition_list_destroy(resume);
  rd_kafka_topic_partition_list_destroy(list);
}

void sq_kafka_resumes_free(sq_kafka_resumes_t *r) {
  free(r->offset);
  free(r->since);
  *r = (sq_kafka_resumes_t){0};
}
