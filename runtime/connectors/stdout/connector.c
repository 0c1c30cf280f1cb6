/* The stdout connector's entry in the registry: its options and opener. */
#include "runtime/connectors/stdout/stdout.h"

#include "runtime/kit/options.h"

static const sq_option_spec_t sink_options[] = {
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("table", "json"), false, "table"},
    SQ_OPTIONS_END};

static sq_sink_t *open_sink(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err, size_t err_size) {
  (void)schema, (void)rt;
  sq_sink_t *s = sq_sink_stdout_open(rel->name, sq_option_is(rel, "format", "table"), stdout);
  if (!s) snprintf(err, err_size, "out of memory");
  return s;
}

const sq_connector_t sq_connector_stdout = {
    .spec = {.name = "stdout", .roles = SQ_ROLE_SINK, .sink_options = (const sq_option_spec_t *const[]){sink_options, NULL}},
    .open_sink = open_sink,
};
