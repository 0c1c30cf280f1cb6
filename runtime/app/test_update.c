/* Rewriting expectations. The new text of each test's expect member is
 * spliced into the original text at the member's byte range (or added
 * before the test's closing brace), indented like the line it starts on;
 * the file is replaced through a temporary file and rename, so a failed
 * write leaves it as it was. */
#include "runtime/app/test_update.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/value_text.h"

static const sq_test_output_t *output_of(const sq_test_outputs_t *o, const char *sink) {
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->sinks[i].sink, sink) == 0) return &o->sinks[i];
  return NULL;
}

/* Writes `text` to `path` through `path`.tmp and a rename. */
static bool replace_file(const char *path, const char *text, size_t len, char *err, size_t err_size) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  bool ok = f && fwrite(text, 1, len, f) == len;
  ok = f && fclose(f) == 0 && ok && rename(tmp, path) == 0;
  if (!ok) {
    snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
    remove(tmp);
  }
  return ok;
}

static void indent(sq_buf_t *b, int n) {
  for (int i = 0; i < n; i++) sq_buf_putc(b, ' ');
}

/* One sink's rows as a JSON array, a row a line. */
static void rows_array(sq_buf_t *b, const sq_buf_t *rows, int at) {
  if (rows->len == 0) {
    sq_buf_puts(b, "[]");
    return;
  }
  sq_buf_puts(b, "[\n");
  for (size_t i = 0; i < rows->len;) {
    const char *nl = memchr(rows->data + i, '\n', rows->len - i);
    size_t end = (size_t)(nl - rows->data);
    indent(b, at + 2);
    sq_buf_append(b, rows->data + i, end - i);
    i = end + 1;
    sq_buf_puts(b, i < rows->len ? ",\n" : "\n");
  }
  indent(b, at);
  sq_buf_putc(b, ']');
}

/* One member "sink": rows (or its file, rewritten). */
static bool member(sq_buf_t *b, const char *sink, const char *path, const sq_test_output_t *out, int at, char *err, size_t err_size) {
  indent(b, at);
  sq_encode_json_string(b, sink, strlen(sink));
  sq_buf_puts(b, ": ");
  if (!path) {
    rows_array(b, out ? &out->rows : &(sq_buf_t){0}, at);
    return true;
  }
  const char *slash = strrchr(path, '/');
  sq_encode_json_string(b, slash ? slash + 1 : path, strlen(slash ? slash + 1 : path));
  return replace_file(path, out && out->rows.data ? out->rows.data : "", out ? out->rows.len : 0, err, err_size);
}

/* The new expect object of test `t`, indented for column `at`. */
static bool expect_text(sq_buf_t *b, const sq_test_case_t *t, const sq_test_outputs_t *o, int at, char *err, size_t err_size) {
  sq_buf_puts(b, "{\n");
  size_t n = t->expect_tok >= 0 ? t->n_expects : o->n;
  for (size_t i = 0; i < n; i++) {
    const char *sink = t->expect_tok >= 0 ? t->expects[i].sink : o->sinks[i].sink;
    if (!member(b, sink, t->expect_tok >= 0 ? t->expects[i].path : NULL, output_of(o, sink), at + 2, err, err_size)) return false;
    sq_buf_puts(b, i + 1 < n ? ",\n" : "\n");
  }
  indent(b, at);
  sq_buf_putc(b, '}');
  return true;
}

/* The indentation of the line holding byte `offset`. */
static int line_indent(const char *text, int offset) {
  int start = offset;
  while (start > 0 && text[start - 1] != '\n') start--;
  int n = 0;
  while (text[start + n] == ' ') n++;
  return n;
}

bool sq_test_update(const sq_test_file_t *f, const sq_test_outputs_t *outputs, char *err, size_t err_size) {
  const char *text = f->doc.file.text;
  const sq_json_t *j = &f->doc.json;
  sq_buf_t out = {0};
  int copied = 0;
  bool ok = true;
  for (size_t c = 0; ok && c < f->n_cases; c++) {
    const sq_test_case_t *t = &f->cases[c];
    if (!outputs[c].ran) continue;
    const sq_json_token_t *obj = &j->tokens[t->tok];
    int at = t->expect_tok >= 0 ? j->tokens[t->expect_tok].start : obj->end - 1;
    int until = t->expect_tok >= 0 ? j->tokens[t->expect_tok].end : at;
    if (t->expect_tok < 0) { /* a new last member, after the last one's text */
      while (at > obj->start + 1 && (text[at - 1] == ' ' || text[at - 1] == '\n' || text[at - 1] == '\r' || text[at - 1] == '\t')) at--;
      until = at;
    }
    sq_buf_append(&out, text + copied, (size_t)(at - copied));
    int col = line_indent(text, t->expect_tok >= 0 ? at : obj->start + 1) + (t->expect_tok >= 0 ? 0 : 2);
    if (t->expect_tok < 0) {
      sq_buf_puts(&out, obj->size ? ",\n" : "\n");
      indent(&out, col);
      sq_buf_puts(&out, "\"expect\": ");
    }
    ok = expect_text(&out, t, &outputs[c], col, err, err_size);
    copied = until;
  }
  sq_buf_append(&out, text + copied, sq_sql_len(f->doc.file.sql) - (size_t)copied);
  if (out.failed) snprintf(err, err_size, "out of memory"), ok = false;
  ok = ok && replace_file(f->path, out.data, out.len, err, err_size);
  sq_buf_free(&out);
  return ok;
}

void sq_test_outputs_free(sq_test_outputs_t *o) {
  for (size_t i = 0; i < o->n; i++) sq_buf_free(&o->sinks[i].rows);
  free(o->sinks);
  o->sinks = NULL;
  o->n = 0;
}
