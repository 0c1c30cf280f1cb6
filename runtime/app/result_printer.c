/* The ad-hoc result printer. A table cannot know its column widths before
 * it has rows, and must not wait for the end of a query that may never
 * end: rows are held until the engine finishes a round (poll) or
 * WIDTH_ROWS have come, the widths are taken from those, and every later
 * row is printed the moment it arrives, cut to those widths. */
#include "runtime/app/result_printer.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/format.h"
#include "engine/scalar.h"
#include "engine/sketches.h"
#include "engine/value_text.h"

#define WIDTH_ROWS 50 /* rows the column widths are taken from */
#define MAX_CELL 40   /* display width a cell is cut to (the last column may run on) */

typedef struct printer {
  sq_sink_t base;
  FILE *out;
  sq_print_options_t opt;
  bool *key;                 /* changelog key columns, or NULL */
  sq_hash_set_t seen;        /* hashes of the changelog keys seen */
  size_t n_cells;            /* columns, with `op` */
  char **held;               /* cells of the rows held for the widths, row-major */
  size_t n_held;
  int *widths;
  bool *right;               /* numbers are right-aligned */
  bool started;              /* table header or CSV header printed */
  uint64_t rows, printed, omitted;
  sq_buf_t line, cell;
  sq_json_keys_t keys;
  const sq_relation_t *schema; /* of the rows written (borrowed from the plan) */
} printer_t;

bool sq_output_format_parse(const char *text, sq_output_format_t *out) {
  static const char *const names[] = {"table", "json", "csv"};
  for (int i = 0; i < 3; i++)
    if (strcmp(text, names[i]) == 0) return *out = (sq_output_format_t)i, true;
  return false;
}

/* Display width of UTF-8 text: its code points. */
static int text_width(const char *s, size_t len) {
  int w = 0;
  for (size_t i = 0; i < len; i++) w += ((unsigned char)s[i] & 0xC0) != 0x80;
  return w;
}

/* The text of a value in a table cell. */
static void cell_text(sq_buf_t *b, sq_value_t v) {
  sq_buf_clear(b);
  if (sq_is_null(v)) {
    sq_buf_puts(b, "NULL");
  } else if (v.type == SQ_TYPE_TIMESTAMP) {
    char ts[40];
    sq_buf_append(b, ts, (size_t)sq_format_timestamp(v.u.i, ts, sizeof ts));
  } else {
    sq_encode_value(b, v, false);
  }
  sq_buf_putc(b, '\0');
}

/* +I for a key not seen before, +U for one that was. */
static const char *changelog_op(printer_t *p, const sq_relation_t *schema, const sq_value_t *row) {
  sq_buf_clear(&p->cell);
  for (size_t i = 0; i < schema->n_columns; i++) {
    if (!p->key[i]) continue;
    sq_encode_value(&p->cell, row[i], true);
    sq_buf_putc(&p->cell, '\x1f');
  }
  uint64_t h = XXH3_64bits(p->cell.data ? p->cell.data : "", p->cell.len);
  return sq_hash_set_add(&p->seen, h) == 0 ? "+U" : "+I";
}

/* Appends `text` to the line padded (or cut with …) to `width`. */
static void put_cell(sq_buf_t *line, const char *text, int width, bool right, bool cut) {
  size_t len = strlen(text);
  int w = text_width(text, len);
  if (cut && w > width) {
    size_t i = 0;
    for (int kept = 0; i < len; i++)
      if (((unsigned char)text[i] & 0xC0) != 0x80 && kept++ == width - 1) break;
    sq_buf_append(line, text, i);
    sq_buf_puts(line, "…");
    return;
  }
  int pad = width > w ? width - w : 0;
  if (right) for (int i = 0; i < pad; i++) sq_buf_putc(line, ' ');
  sq_buf_append(line, text, len);
  if (!right) for (int i = 0; i < pad; i++) sq_buf_putc(line, ' ');
}

static bool emit_line(printer_t *p) {
  sq_buf_putc(&p->line, '\n');
  return !p->line.failed && fwrite(p->line.data, 1, p->line.len, p->out) == p->line.len;
}

static bool print_cells(printer_t *p, char *const *cells) {
  sq_buf_clear(&p->line);
  for (size_t i = 0; i < p->n_cells; i++) {
    if (i) sq_buf_puts(&p->line, " | ");
    bool last = i + 1 == p->n_cells;
    put_cell(&p->line, cells[i], last && !p->right[i] ? 0 : p->widths[i], p->right[i], !last || p->right[i]);
  }
  p->printed++;
  return emit_line(p);
}

/* The column names, `op` first for a changelog. */
static const char *column_name(const printer_t *p, const sq_relation_t *schema, size_t i) {
  if (p->key) return i == 0 ? "op" : schema->columns[i - 1].name;
  return schema->columns[i].name;
}

/* Fixes the widths from the held rows, prints the header and them. */
static bool start_table(printer_t *p, const sq_relation_t *schema) {
  p->widths = calloc(p->n_cells + 1, sizeof *p->widths);
  p->right = calloc(p->n_cells + 1, sizeof *p->right);
  if (!p->widths || !p->right) return false;
  for (size_t i = 0; i < p->n_cells; i++) {
    const char *name = column_name(p, schema, i);
    int w = text_width(name, strlen(name));
    for (size_t r = 0; r < p->n_held; r++) {
      const char *c = p->held[r * p->n_cells + i];
      int cw = text_width(c, strlen(c));
      if (cw > w) w = cw;
    }
    p->widths[i] = w > MAX_CELL ? MAX_CELL : w;
    sq_type_t t = p->key && i == 0 ? SQ_TYPE_STRING : schema->columns[i - (p->key != NULL)].type;
    p->right[i] = t == SQ_TYPE_BIGINT || t == SQ_TYPE_DOUBLE;
  }
  sq_buf_clear(&p->line);
  for (size_t i = 0; i < p->n_cells; i++) {
    if (i) sq_buf_puts(&p->line, " | ");
    put_cell(&p->line, column_name(p, schema, i), i + 1 == p->n_cells ? 0 : p->widths[i], false, false);
  }
  bool ok = emit_line(p);
  sq_buf_clear(&p->line);
  for (size_t i = 0; i < p->n_cells; i++) {
    if (i) sq_buf_puts(&p->line, "-+-");
    for (int k = 0; k < p->widths[i]; k++) sq_buf_putc(&p->line, '-');
  }
  ok = ok && emit_line(p);
  p->started = true;
  for (size_t r = 0; r < p->n_held; r++) ok = ok && print_cells(p, p->held + r * p->n_cells);
  for (size_t i = 0; i < p->n_held * p->n_cells; i++) free(p->held[i]), p->held[i] = NULL;
  p->n_held = 0;
  return ok;
}

static bool write_table(printer_t *p, const sq_relation_t *schema, const sq_value_t *row, const char *op) {
  if (p->opt.max_rows && p->printed + p->n_held >= (uint64_t)p->opt.max_rows) {
    p->omitted++;
    return true;
  }
  if (!p->held && !(p->held = calloc(WIDTH_ROWS * p->n_cells, sizeof *p->held))) return false;
  char **cells = p->started ? p->held : p->held + p->n_held * p->n_cells;
  bool ok = true;
  for (size_t i = 0; i < p->n_cells; i++) {
    if (op && i == 0) {
      cells[i] = strdup(op);
    } else {
      cell_text(&p->cell, row[i - (op != NULL)]);
      cells[i] = p->cell.failed ? NULL : strdup(p->cell.data);
    }
    ok = ok && cells[i];
  }
  if (!ok) return false;
  if (p->started) {
    ok = print_cells(p, cells);
    for (size_t i = 0; i < p->n_cells; i++) free(cells[i]), cells[i] = NULL;
    return ok;
  }
  return ++p->n_held < WIDTH_ROWS || start_table(p, schema);
}

static bool printer_write(sq_sink_t *sink, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  printer_t *p = (printer_t *)sink;
  const char *op = p->key ? changelog_op(p, schema, row) : NULL;
  bool ok = true;
  p->schema = schema;
  p->rows++;
  if (p->opt.format == SQ_OUTPUT_TABLE) {
    ok = write_table(p, schema, row, op);
  } else {
    sq_buf_clear(&p->line);
    if (p->opt.format == SQ_OUTPUT_JSON) {
      sq_buf_clear(&p->cell);
      sq_encode_json(&p->cell, &p->keys, schema, row);
      if (op) sq_buf_puts(&p->line, op[1] == 'I' ? "{\"op\":\"+I\"," : "{\"op\":\"+U\",");
      sq_buf_append(&p->line, p->cell.data + (op ? 1 : 0), p->cell.len - (op ? 1 : 0));
    } else {
      if (!p->started) {
        sq_buf_puts(&p->line, op ? "op," : "");
        sq_encode_csv_header(&p->line, schema);
        sq_buf_putc(&p->line, '\n');
        p->started = true;
      }
      if (op) sq_buf_puts(&p->line, op), sq_buf_putc(&p->line, ',');
      sq_encode_csv(&p->line, schema, row);
    }
    ok = emit_line(p);
    p->printed++;
  }
  if (p->opt.limit && p->rows >= (uint64_t)p->opt.limit && p->opt.stop && !*p->opt.stop) *p->opt.stop = SQ_STOP_LIMIT;
  if (!ok) snprintf(err, err_size, "cannot write to standard output");
  return ok;
}

/* After each round of the engine: what is held is shown now. */
static bool printer_poll(sq_sink_t *sink, char *err, size_t err_size) {
  printer_t *p = (printer_t *)sink;
  bool ok = p->started || !p->n_held || start_table(p, p->schema);
  if (ok && fflush(p->out) == 0) return true;
  snprintf(err, err_size, "cannot write to standard output");
  return false;
}

static bool printer_flush(sq_sink_t *sink, char *err, size_t err_size) { return printer_poll(sink, err, err_size); }

static void printer_destroy(sq_sink_t *sink) {
  printer_t *p = (printer_t *)sink;
  if (!p) return;
  for (size_t i = 0; p->held && i < WIDTH_ROWS * p->n_cells; i++) free(p->held[i]);
  free(p->held);
  free(p->widths);
  free(p->right);
  free(p->key);
  sq_hash_set_free(&p->seen);
  sq_buf_free(&p->line);
  sq_buf_free(&p->cell);
  sq_json_keys_free(&p->keys);
  free(p);
}

static const sq_sink_class_t printer_class = {printer_write, printer_flush, printer_destroy, printer_poll, NULL, NULL, NULL, NULL, NULL, NULL};

sq_sink_t *sq_result_printer_new(FILE *out, const sq_print_options_t *options, size_t n_columns) {
  printer_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->base.cls = &printer_class;
  p->base.name = "stdout";
  p->out = out;
  p->opt = *options;
  p->n_cells = n_columns + (options->changelog_key != NULL);
  if (options->changelog_key) {
    if (!(p->key = malloc(n_columns + 1))) return free(p), NULL;
    memcpy(p->key, options->changelog_key, n_columns);
  }
  return &p->base;
}

void sq_result_printer_finish(sq_sink_t *sink, const sq_relation_t *schema) {
  printer_t *p = (printer_t *)sink;
  if (p->opt.format == SQ_OUTPUT_TABLE) {
    if (!p->started) start_table(p, schema);
    if (p->omitted)
      fprintf(p->out, "… %llu more rows (at most %lld are shown as a table; json or csv output shows all)\n",
              (unsigned long long)p->omitted, (long long)p->opt.max_rows);
    fprintf(p->out, "(%llu row%s)\n", (unsigned long long)p->rows, p->rows == 1 ? "" : "s");
  }
  fflush(p->out);
}

uint64_t sq_result_printer_rows(const sq_sink_t *sink) { return ((const printer_t *)sink)->rows; }

bool sq_result_begin(sq_result_t *r, FILE *out, const sq_print_options_t *options, const char *const *names,
                     const sq_type_t *types, size_t n) {
  *r = (sq_result_t){.schema = sq_relation_new(SQ_REL_STREAM, "result", NULL)};
  bool ok = r->schema != NULL;
  for (size_t i = 0; ok && i < n; i++) ok = sq_relation_add_column(r->schema, names[i], types[i]);
  if (ok) ok = (r->printer = sq_result_printer_new(out, options, n)) != NULL;
  if (!ok) snprintf(r->err, sizeof r->err, "out of memory");
  return ok;
}

bool sq_result_row(sq_result_t *r, const sq_value_t *row) {
  return r->printer->cls->write(r->printer, r->schema, row, r->err, sizeof r->err);
}

bool sq_result_flush(sq_result_t *r) { return r->printer->cls->poll(r->printer, r->err, sizeof r->err); }

void sq_result_end(sq_result_t *r) {
  if (r->printer) {
    sq_result_printer_finish(r->printer, r->schema);
    r->printer->cls->destroy(r->printer);
  }
  sq_relation_destroy(r->schema);
  *r = (sq_result_t){0};
}
