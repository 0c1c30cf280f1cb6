/* Output encoding (LANGUAGE.md §5): JSON objects with keys in SELECT
 * order, TIMESTAMP as epoch milliseconds, BIGINT as integers, DOUBLE in
 * the shortest form that reads back exactly; CSV with a header line. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/scalar.h"
#include "runtime/format.h"

void sq_encode_json_string(sq_buf_t *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  sq_buf_putc(out, '"');
  size_t run = 0; /* copy unescaped runs in one go */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    sq_buf_append(out, s + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': sq_buf_puts(out, "\\\""); break;
    case '\\': sq_buf_puts(out, "\\\\"); break;
    case '\n': sq_buf_puts(out, "\\n"); break;
    case '\r': sq_buf_puts(out, "\\r"); break;
    case '\t': sq_buf_puts(out, "\\t"); break;
    default: {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      sq_buf_append(out, esc, 6);
    }
    }
  }
  sq_buf_append(out, s + run, len - run);
  sq_buf_putc(out, '"');
}

void sq_encode_value(sq_buf_t *out, sq_value_t v, bool json) {
  char num[64];
  int n;
  switch (v.type) {
  case SQ_TYPE_BOOLEAN: sq_buf_puts(out, v.u.b ? "true" : "false"); return;
  case SQ_TYPE_BIGINT:
  case SQ_TYPE_TIMESTAMP:
    n = snprintf(num, sizeof num, "%" PRId64, v.u.i);
    sq_buf_append(out, num, (size_t)n);
    return;
  case SQ_TYPE_DOUBLE:
    if (json && !isfinite(v.u.d)) {
      sq_buf_puts(out, "null"); /* JSON has no NaN or Infinity */
      return;
    }
    n = sq_format_double(v.u.d, num, sizeof num);
    sq_buf_append(out, num, (size_t)n);
    return;
  case SQ_TYPE_STRING:
    if (json) sq_encode_json_string(out, v.u.s.p, v.u.s.len);
    else sq_buf_append(out, v.u.s.p, v.u.s.len);
    return;
  default:
    if (json) sq_buf_puts(out, "null");
    return;
  }
}

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
