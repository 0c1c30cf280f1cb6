/* Capturing sinks: rows are encoded as they arrive (values may point into
 * the batch's arena, which is reset after it) with the JSON encoder every
 * JSON sink uses, so a test sees what a JSON sink would write. */
#include "runtime/app/test_capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/format.h"

typedef struct sq_capture {
  sq_sink_t base;
  sq_json_keys_t keys;
  sq_buf_t rows;
} sq_capture_t;

static bool capture_write(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  sq_capture_t *c = (sq_capture_t *)s;
  sq_encode_json(&c->rows, &c->keys, schema, row);
  sq_buf_putc(&c->rows, '\n');
  if (c->rows.failed) return snprintf(err, err_size, "out of memory"), false;
  return true;
}

static bool capture_flush(sq_sink_t *s, char *err, size_t err_size) {
  (void)s, (void)err, (void)err_size;
  return true;
}

static void capture_destroy(sq_sink_t *s) {
  sq_capture_t *c = (sq_capture_t *)s;
  sq_json_keys_free(&c->keys);
  sq_buf_free(&c->rows);
  free(c);
}

static const sq_sink_class_t capture_class = {capture_write, capture_flush, capture_destroy, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

sq_sink_t *sq_capture_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  (void)ctx, (void)schema;
  sq_capture_t *c = calloc(1, sizeof *c);
  if (!c) return snprintf(err, err_size, "out of memory"), NULL;
  c->base.cls = &capture_class;
  c->base.name = sink_rel ? sink_rel->name : "stdout";
  return &c->base;
}

const sq_buf_t *sq_capture_rows(const sq_sink_t *s) { return &((const sq_capture_t *)s)->rows; }
