/* Output encoding (LANGUAGE.md §5): JSON objects with keys in SELECT
 * order, TIMESTAMP as epoch milliseconds, BIGINT as integers, DOUBLE in
 * the shortest form that reads back exactly; CSV with a header line. */
#include <stdio.h>
#include <string.h>

#include "engine/value_text.h"
#include "runtime/format.h"

void sq_encode_json(sq_buf_t *out, const sq_relation_t *schema, const sq_value_t *row) {
  sq_buf_putc(out, '{');
  for (size_t i = 0; i < schema->n_columns; i++) {
    if (i) sq_buf_putc(out, ',');
    const char *name = schema->columns[i].name;
    sq_encode_json_string(out, name, strlen(name));
    sq_buf_putc(out, ':');
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
