/* A connector as the runtime knows it: its description for analysis
 * (engine/connector.h) and how to open it as a reader (sources, tables)
 * and as a sink. One per folder under runtime/connectors/, listed in
 * runtime/connectors/registry.c — the only place that names them all. */
#ifndef SQ_KIT_CONNECTOR_H
#define SQ_KIT_CONNECTOR_H

#include "engine/connector.h"
#include "engine/sink.h"
#include "runtime/kit/reader.h"

struct sq_runtime;

typedef struct sq_connector {
  sq_connector_spec_t spec; /* first: the registry hands &spec to analysis */
  /* Opens `rel` (a source or table; `read` marks the columns its queries
   * read, NULL for all). NULL with `err`. NULL pointer: no such role. */
  sq_reader_t *(*open_reader)(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size);
  /* Opens sink `rel` for rows of `schema`. NULL with `err`. */
  sq_sink_t *(*open_sink)(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err, size_t err_size);
} sq_connector_t;

#endif
