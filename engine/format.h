/* Record formats (LANGUAGE.md §3-§5): decoding JSON and CSV input into the
 * declared columns of a relation, and encoding result rows as JSON objects
 * or CSV lines. Decoding is schema-directed: only declared columns are
 * extracted, and strings point into the input unless they had escapes. */
#ifndef SQ_FORMAT_H
#define SQ_FORMAT_H

#include <stdbool.h>

#include "engine/arena.h"
#include "engine/buf.h"
#include "engine/catalog.h"
#include "engine/value.h"
#include "engine/value_text.h"

typedef enum sq_format { SQ_FORMAT_JSON, SQ_FORMAT_CSV } sq_format_t;
typedef enum sq_ts_format { SQ_TS_EPOCH_MS, SQ_TS_EPOCH_S, SQ_TS_ISO8601 } sq_ts_format_t;

typedef struct sq_decoder sq_decoder_t;

/* A decoder for `rel`'s declared columns (borrowed). With `read` (one
 * flag per column, copied), columns not read are skipped: left NULL, their
 * values neither converted nor checked. NULL when memory runs out. */
sq_decoder_t *sq_decoder_new(const sq_relation_t *rel, sq_format_t format, sq_ts_format_t ts_format, const bool *read);
void sq_decoder_destroy(sq_decoder_t *d);
/* CSV only: fields map to the declared columns in order (records without
 * a header line, as in Kafka messages). False when memory runs out. */
bool sq_decoder_positional(sq_decoder_t *d);
/* CSV only: reads the header line, which maps columns by name. */
bool sq_decoder_header(sq_decoder_t *d, const char *line, size_t len, char *err, size_t err_size);
/* Decodes one record into row[0 .. rel->n_columns) (metadata columns are
 * left NULL for the source to fill). Strings point into `text` or the
 * arena. False with a message in `err` for a bad record. */
bool sq_decode(sq_decoder_t *d, const char *text, size_t len, sq_value_t *row, sq_arena_t *arena, char *err, size_t err_size);

/* A sink's JSON member names of the schema it last wrote, encoded once
 * ({"a":  ,"b":  ...) rather than for every row. Zero-initialized. */
typedef struct sq_json_keys {
  const sq_relation_t *schema;
  sq_buf_t text;
  size_t *ends; /* where each column's key ends in text */
} sq_json_keys_t;
void sq_json_keys_free(sq_json_keys_t *keys);
/* Appends a JSON object {"name": value, ...} of the row, without newline. */
void sq_encode_json(sq_buf_t *out, sq_json_keys_t *keys, const sq_relation_t *schema, const sq_value_t *row);
/* Appends one CSV line (no newline); the header is the column names. */
void sq_encode_csv(sq_buf_t *out, const sq_relation_t *schema, const sq_value_t *row);
void sq_encode_csv_header(sq_buf_t *out, const sq_relation_t *schema);

#endif
