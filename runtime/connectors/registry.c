/* The registry: the one list of connectors. Adding a connector means a
 * folder of its own under runtime/connectors/ and one line here. */
#include "runtime/connectors/registry.h"

#include <stdio.h>
#include <stdlib.h>

#include "runtime/connectors/datagen/datagen.h"
#include "runtime/connectors/file/file.h"
#include "runtime/connectors/http/http.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/connectors/stdout/stdout.h"

static const sq_connector_spec_t *const specs[] = {
    &sq_connector_kafka.spec, &sq_connector_file.spec, &sq_connector_datagen.spec, &sq_connector_http.spec, &sq_connector_stdout.spec,
};
static const sq_connector_registry_t registry = {specs, sizeof specs / sizeof *specs};

const sq_connector_registry_t *sq_connectors(void) { return &registry; }

/* The runtime side of a relation's connector (the spec is its first member). */
static const sq_connector_t *connector_of(const sq_relation_t *rel) { return (const sq_connector_t *)rel->connector; }

sq_reader_t *sq_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size) {
  const sq_connector_t *c = connector_of(rel);
  if (!c->open_reader) {
    snprintf(err, err_size, "%s '%s': the %s connector cannot be read", sq_rel_kind_name(rel->kind), rel->name, c->spec.name);
    return NULL;
  }
  return c->open_reader(rel, read, rt, err, err_size);
}

sq_sink_t *sq_sink_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  if (!sink_rel) {
    sq_sink_t *s = sq_sink_stdout_open("stdout", true, stdout);
    if (!s) snprintf(err, err_size, "out of memory");
    return s;
  }
  const sq_connector_t *c = connector_of(sink_rel);
  if (!c->open_sink) {
    snprintf(err, err_size, "sink '%s': the %s connector needs a runtime this build does not have yet", sink_rel->name, c->spec.name);
    return NULL;
  }
  return c->open_sink(sink_rel, schema, ctx, err, err_size);
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
static const sq_sink_class_t none_class = {none_write, none_flush, none_destroy, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

sq_sink_t *sq_sink_describe_only(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size) {
  (void)ctx, (void)schema;
  sq_sink_t *s = calloc(1, sizeof *s);
  if (!s) return snprintf(err, err_size, "out of memory"), NULL;
  s->cls = &none_class;
  s->name = sink_rel ? sink_rel->name : "stdout";
  return s;
}
