/* Resuming a paused partition at an offset, for a task whose state was
 * just restored. librdkafka drops a seek made before the partition's
 * fetcher has started (an assignment waits for offset commits in flight
 * and for revoked partitions to stop) and then fetches from the offset
 * given at assignment, so a task would read records twice or miss them.
 * Here a partition stays paused until a seek of it is confirmed; one that
 * is not is tried again at each read.
 *
 * A partition to be sought is also assigned at an absolute offset: from a
 * logical one (the beginning, the end) librdkafka asks the broker, and an
 * answer that arrives after a seek starts the query over, which moves the
 * partition back there later while it is read. */
#ifndef SQ_KAFKA_RESUMES_H
#define SQ_KAFKA_RESUMES_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sq_kafka_resumes {
  rd_kafka_t *consumer; /* borrowed */
  const char *topic;    /* borrowed */
  const char *source;   /* for the log; NULL: quiet */
  int64_t *offset;      /* by partition: where it resumes, INT64_MIN none */
  int64_t *since;       /* when it was asked for */
  uint32_t n, pending;
} sq_kafka_resumes_t;

/* `offset` of partition p as an absolute one when it is logical (asking
 * the broker); as it is if the broker cannot say. */
int64_t sq_kafka_absolute_offset(rd_kafka_t *consumer, const char *topic, uint32_t p, int64_t offset);
/* Partition p resumes at `offset` (absolute, or librdkafka's logical
 * BEGINNING/END) once a seek to it is confirmed. False: out of memory. */
bool sq_kafka_resume_at(sq_kafka_resumes_t *r, uint32_t p, int64_t offset, int64_t now);
/* Partition p is paused again or given up: no resume is pending for it. */
void sq_kafka_resume_cancel(sq_kafka_resumes_t *r, uint32_t p);
/* Tries the pending seeks (waiting at most a moment for librdkafka's
 * answer) and resumes the partitions whose seek is confirmed. One pending
 * for over 30 s is logged once a minute. */
void sq_kafka_resumes_serve(sq_kafka_resumes_t *r, int64_t now);
void sq_kafka_resumes_free(sq_kafka_resumes_t *r);

#endif
