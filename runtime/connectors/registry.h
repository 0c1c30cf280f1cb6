/* The connector registry: every connector this build has, for analysis
 * (check, explain, run) and for opening readers and sinks at run time. */
#ifndef SQ_REGISTRY_H
#define SQ_REGISTRY_H

#include "runtime/kit/connector.h"

/* Every connector, as analysis sees them; static, never freed. */
const sq_connector_registry_t *sq_connectors(void);

/* Opens the reader of source or table `rel` with its connector. */
sq_reader_t *sq_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size);
/* sq_sink_factory_t for `streamq run`; `ctx` is the sq_runtime_t. A NULL
 * `sink_rel` (an ad hoc SELECT) writes a table to standard output. */
sq_sink_t *sq_sink_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size);
/* sq_sink_factory_t for `streamq explain`: sinks that write nothing. */
sq_sink_t *sq_sink_describe_only(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size);

#endif
