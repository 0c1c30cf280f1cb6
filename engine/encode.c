/* Output encoding (LANGUAGE.md §5): JSON objects with keys in SELECT
 * order, TIMESTAMP as epoch milliseconds, BIGINT as integers, DOUBLE in
 * the shortest form that reads back exactly; CSV with a header line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/value_text.h"
#include "engine/format.h"

void sq_json_keys_free(sq_json_keys_t *keys) {
  sq_buf_free(&keys->text);
  free(keys->ends);
  memset(keys, 0, sizeof *keys);
}

/* Encodes the keys of `schema` (a sink fed by several queries may switch). */
static bool encode_keys(sq_json_keys_t *keys, const sq_relation_t *schema) {
  sq_json_keys_free(keys);
  if (!(keys->ends = malloc((schema->n_columns + 1) * sizeof *keys->ends))) return false;
  for (size_t i = 0; i < schema->n_columns; i++) {
    const char *name = schema->columns[i].name;
    sq_buf_putc(&keys->text, i ? ',' : '{');
    sq_encode_json_string(&keys->text, name, strlen(name));
    sq_buf_putc(&keys->text, ':');
    keys->ends[i] = keys->text.len;
  }
  keys->schema = schema;
  return !keys->text.failed;
}

void sq_encode_json(sq_buf_t *out, sq_json_keys_t *keys, const sq_relation_t *schema, const sq_value_t *row) {
  if (keys->schema != schema && !encode_keys(keys, schema)) {
    sq_json_keys_free(keys);
    out->failed = true;
    return;
  }
  if (schema->n_columns == 0) sq_buf_putc(out, '{');
  for (size_t i = 0, at = 0; i < schema->n_columns; at = keys->ends[i++]) {
    sq_buf_append(out, keys->text.data + at, keys->ends[i] - at);
    sq_encode_value(out, row[i], true);
  }
  sq_buf_putc(out, '}');
}

/* A CSV field, quoted when it holds a separator, quote or line break. */
static void csv_field(sq_buf_t *out, const char *s, size_t len) {
  bool quote = false;
  for (size_t i = 0; i < len && !quote; i++) quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    sq_buf_append(out, s, len);
    return;
  }
  sq_buf_putc(out, '"');
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') sq_buf_putc(out, '"');
    sq_buf_putc(out, s[i]);
  }
  sq_buf_putc(out, '"');
}

void sq_encode_csv_header(sq_buf_t *out, const sq_relation_t *schema) {
  for (size_t i = 0; i < schema->n_columns; i++) {
    if (i) sq_buf_putc(out, ',');
    csv_field(out, schema->columns[i].name, strlen(schema->columns[i].name));
  }
}

void sq_encode_csv(sq_buf_t *out, const sq_relation_t *schema, const sq_value_t *row) {
  for (size_t i = 0; i < schema->n_columns; i++) {
    if (i) sq_buf_putc(out, ',');
    if (row[i].type == SQ_TYPE_STRING) csv_field(out, row[i].u.s.p, row[i].u.s.len);
    else sq_encode_value(out, row[i], false); /* NULL is an empty field */
  }
}
