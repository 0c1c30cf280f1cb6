/* The sink factory: which runtime sink a CREATE SINK becomes. */
#include "runtime/connectors/registry.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/kit/options.h"

sq_sink_t *sq_sink_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  sq_sink_t *s = NULL;
  if (!sink_rel) s = sq_sink_stdout_open("stdout", true, stdout); /* an ad hoc SELECT */
  else if (strcmp(sink_rel->connector, "stdout") == 0) s = sq_sink_stdout_open(sink_rel->name, !sq_option_is(sink_rel, "format", "json"), stdout);
  else if (strcmp(sink_rel->connector, "file") == 0) return sq_sink_file_open(sink_rel, schema, err, err_size);
  else if (strcmp(sink_rel->connector, "kafka") == 0) return sq_sink_kafka_open(sink_rel, schema, ctx, err, err_size);
  else {
    snprintf(err, err_size, "sink '%s': the %s connector needs a runtime this build does not have yet", sink_rel->name, sink_rel->connector);
    return NULL;
  }
  if (!s) snprintf(err, err_size, "out of memory");
  return s;
}

/* A sink that accepts rows and writes nothing (for EXPLAIN). */
static bool none_write(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  (void)s, (void)schema, (void)row, (void)err, (void)err_size;
  return true;
}
static bool none_flush(sq_sink_t *s, char *err, size_t err_size) {
  (void)s, (void)err, (void)err_size;
  return true;
}
static void none_destroy(sq_sink_t *s) { free(s); }
static const sq_sink_class_t none_class = {none_write, none_flush, none_destroy, NULL, NULL, NULL, NULL};

sq_sink_t *sq_sink_describe_only(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  (void)ctx, (void)schema;
  sq_sink_t *s = calloc(1, sizeof *s);
  if (!s) return snprintf(err, err_size, "out of memory"), NULL;
  s->cls = &none_class;
  s->name = sink_rel ? sink_rel->name : "stdout";
  return s;
}
