/* Connector descriptions: the option groups shared by every source and
 * the lookups analysis and the runtime make in a registry. */
#include "engine/connector.h"

#include <string.h>

const sq_option_spec_t sq_options_event_time[] = {
    {"timestamp", SQ_OPTION_COLUMN, NULL, false, NULL},
    {"timestamp_format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("epoch_ms", "epoch_s", "iso8601"), false, "epoch_ms"},
    {"watermark_delay", SQ_OPTION_DURATION, NULL, false, "0 ms"},
    {"idle_timeout", SQ_OPTION_DURATION, NULL, false, "0 ms"},
    SQ_OPTIONS_END};
const sq_option_spec_t sq_options_bad_records[] = {
    {"on_error", SQ_OPTION_ENUM, SQ_OPTION_VALUES("fail", "skip", "dlq"), false, "fail"},
    {"dlq_topic", SQ_OPTION_STRING, NULL, false, NULL},
    {"dlq_path", SQ_OPTION_STRING, NULL, false, NULL},
    SQ_OPTIONS_END};

const sq_connector_spec_t *sq_connector_find(const sq_connector_registry_t *reg, const char *name) {
  for (size_t i = 0; reg && name && i < reg->n; i++)
    if (strcmp(reg->specs[i]->name, name) == 0) return reg->specs[i];
  return NULL;
}

const sq_option_spec_t *const *sq_connector_options(const sq_connector_spec_t *c, unsigned role) {
  return role == SQ_ROLE_SINK ? c->sink_options : c->source_options;
}

const sq_option_spec_t *sq_connector_option(const sq_connector_spec_t *c, unsigned role, const char *name) {
  const sq_option_spec_t *const *groups = sq_connector_options(c, role);
  for (size_t g = 0; groups && groups[g]; g++)
    for (const sq_option_spec_t *o = groups[g]; o->name; o++)
      if (strcmp(o->name, name) == 0) return o;
  return NULL;
}
