/* Schema inference for a topic nobody declared (LANGUAGE.md §1): from
 * sampled JSON records, each field's type is the narrowest of BOOLEAN <
 * BIGINT < DOUBLE < STRING that holds every value seen (STRING when they
 * mix); integers or ISO-8601 strings in a field named like a time (ts,
 * timestamp, *_time, *_at) make a TIMESTAMP, the first of which every
 * sampled record has is the event time; nested objects become PATH columns. The result is written
 * as a ready CREATE SOURCE. */
#ifndef SQ_TOPIC_SCHEMA_H
#define SQ_TOPIC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/json.h"
#include "engine/types.h"

typedef struct sq_inferred_field sq_inferred_field_t;

typedef struct sq_topic_schema {
  sq_inferred_field_t *fields; /* in the order first seen */
  size_t n, cap;
  uint64_t records, not_json;  /* sampled; of which not a JSON object */
  bool failed;                 /* memory ran out */
  sq_json_t json;
} sq_topic_schema_t;

/* Zero-initialized is empty. Free with sq_topic_schema_free. */
void sq_topic_schema_free(sq_topic_schema_t *s);
/* Adds one sampled record (the text is not kept). */
void sq_topic_schema_add(sq_topic_schema_t *s, const char *text, size_t len);
/* Writes `CREATE SOURCE name (...) WITH (connector = 'kafka', topic =
 * 'topic', format = 'json'[, timestamp = 'col'][, on_error = 'skip']);`
 * for the records added (`skip_bad`: records that do not fit are skipped
 * and counted); false (nothing written) when none was a JSON object. */
bool sq_topic_schema_render(const sq_topic_schema_t *s, const char *name, const char *topic, bool skip_bad, sq_buf_t *out);

#endif
