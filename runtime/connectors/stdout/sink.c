/* The stdout sink. `json` prints one object per line. `table` prints a
 * header once and each row as aligned columns; widths are fixed by the
 * header and the column types (a longer value widens only its own row),
 * so rows can be printed the moment they arrive. TIMESTAMPs show as
 * 'YYYY-MM-DD HH:MM:SS.fff' UTC in tables, epoch ms in JSON. */
#include <stdlib.h>
#include <string.h>

#include "engine/number.h"
#include "engine/buf.h"
#include "engine/scalar.h"
#include "engine/format.h"
#include "runtime/connectors/stdout/stdout.h"

typedef struct sq_sink_stdout {
  sq_sink_t base;
  FILE *out;
  bool table, header_printed;
  int *widths;
  sq_buf_t line;
  sq_json_keys_t keys;
} sq_sink_stdout_t;

static int type_width(sq_type_t t) {
  switch (t) {
  case SQ_TYPE_BOOLEAN: return 5;
  case SQ_TYPE_BIGINT: return 10;
  case SQ_TYPE_DOUBLE: return 12;
  case SQ_TYPE_TIMESTAMP: return 23;
  default: return 16;
  }
}

static void cell(sq_buf_t *line, const char *text, size_t len, int width, bool right) {
  int pad = width > (int)len ? width - (int)len : 0;
  if (right) for (int i = 0; i < pad; i++) sq_buf_putc(line, ' ');
  sq_buf_append(line, text, len);
  if (!right) for (int i = 0; i < pad; i++) sq_buf_putc(line, ' ');
}

static bool print_header(sq_sink_stdout_t *s, const sq_relation_t *schema) {
  s->widths = calloc(schema->n_columns + 1, sizeof *s->widths);
  if (!s->widths) return false;
  sq_buf_clear(&s->line);
  for (size_t i = 0; i < schema->n_columns; i++) {
    const sq_column_t *c = &schema->columns[i];
    int w = type_width(c->type), name = (int)strlen(c->name);
    s->widths[i] = name > w ? name : w;
    if (i) sq_buf_puts(&s->line, " | ");
    cell(&s->line, c->name, strlen(c->name), s->widths[i], false);
  }
  sq_buf_putc(&s->line, '\n');
  for (size_t i = 0; i < schema->n_columns; i++) {
    if (i) sq_buf_puts(&s->line, "-+-");
    for (int k = 0; k < s->widths[i]; k++) sq_buf_putc(&s->line, '-');
  }
  sq_buf_putc(&s->line, '\n');
  s->header_printed = true;
  return fwrite(s->line.data, 1, s->line.len, s->out) == s->line.len;
}

static bool stdout_write(sq_sink_t *sink, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  sq_sink_stdout_t *s = (sq_sink_stdout_t *)sink;
  if (s->table && !s->header_printed && !print_header(s, schema)) return snprintf(err, err_size, "cannot write to standard output"), false;
  sq_buf_clear(&s->line);
  if (!s->table) {
    sq_encode_json(&s->line, &s->keys, schema, row);
  } else {
    sq_buf_t text = {0};
    for (size_t i = 0; i < schema->n_columns; i++) {
      if (i) sq_buf_puts(&s->line, " | ");
      sq_buf_clear(&text);
      if (row[i].type == SQ_TYPE_TIMESTAMP) {
        char ts[32];
        sq_buf_append(&text, ts, (size_t)sq_format_timestamp(row[i].u.i, ts, sizeof ts));
      } else if (sq_is_null(row[i])) {
        sq_buf_puts(&text, "NULL");
      } else {
        sq_encode_value(&text, row[i], false);
      }
      bool numeric = row[i].type == SQ_TYPE_BIGINT || row[i].type == SQ_TYPE_DOUBLE;
      cell(&s->line, text.data ? text.data : "", text.len, s->widths[i], numeric);
    }
    sq_buf_free(&text);
  }
  sq_buf_putc(&s->line, '\n');
  if (s->line.failed || fwrite(s->line.data, 1, s->line.len, s->out) != s->line.len)
    return snprintf(err, err_size, "cannot write to standard output"), false;
  return true;
}

static bool stdout_flush(sq_sink_t *sink, char *err, size_t err_size) {
  if (fflush(((sq_sink_stdout_t *)sink)->out) == 0) return true;
  snprintf(err, err_size, "cannot write to standard output");
  return false;
}

static void stdout_destroy(sq_sink_t *sink) {
  sq_sink_stdout_t *s = (sq_sink_stdout_t *)sink;
  free(s->widths);
  sq_buf_free(&s->line);
  sq_json_keys_free(&s->keys);
  free(s);
}

static const sq_sink_class_t stdout_class = {stdout_write, stdout_flush, stdout_destroy, stdout_flush, NULL, NULL, NULL, NULL, NULL, NULL};

sq_sink_t *sq_sink_stdout_open(const char *name, bool table, FILE *out) {
  sq_sink_stdout_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base.cls = &stdout_class;
  s->base.name = name;
  s->out = out;
  s->table = table;
  return &s->base;
}
