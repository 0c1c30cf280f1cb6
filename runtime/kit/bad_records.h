/* What happens to a record that cannot be decoded (docs/ARCHITECTURE.md §5):
 * `fail` stops the pipeline naming the record's place, `skip` drops and
 * counts it, `dlq` writes it with its error to the dead-letter file or
 * topic and goes on. Every bad record is counted. */
#ifndef SQ_BAD_RECORDS_H
#define SQ_BAD_RECORDS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/catalog.h"
#include "engine/exec.h"

typedef enum sq_on_error { SQ_ON_ERROR_FAIL, SQ_ON_ERROR_SKIP, SQ_ON_ERROR_DLQ } sq_on_error_t;

typedef struct sq_bad_records {
  sq_on_error_t action;
  const char *source;
  FILE *dlq;           /* dlq_path */
  rd_kafka_t *dlq_kafka; /* dlq_topic (borrowed producer) */
  char *dlq_topic;
  uint64_t count;
} sq_bad_records_t;

/* Where a record came from: a file line, or a Kafka topic/partition/offset. */
typedef struct sq_record_origin {
  const char *place;   /* "file.jsonl:12" or "topic/3@42" */
  const char *topic;   /* Kafka only, else NULL */
  int32_t partition;
  int64_t offset;
} sq_record_origin_t;

/* From the relation's on_error / dlq_path / dlq_topic options; a topic DLQ
 * writes through `producer` (may be NULL when the relation has none).
 * False with `err`. */
bool sq_bad_records_open(sq_bad_records_t *b, const sq_relation_t *rel, rd_kafka_t *producer, char *err, size_t err_size);
void sq_bad_records_close(sq_bad_records_t *b);
/* Handles one bad record; false (after sq_exec_fail) when the pipeline
 * must stop. */
bool sq_bad_record(sq_bad_records_t *b, const char *raw, size_t len, const char *error, const sq_record_origin_t *origin,
                   sq_exec_t *exec);

#endif
