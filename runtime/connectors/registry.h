/* Runtime sinks: the file and stdout connectors, and the factory the
 * planner calls (engine/plan.h). One file per connector. */
#ifndef SQ_SINKS_H
#define SQ_SINKS_H

#include <stdio.h>

#include "engine/sink.h"

/* sq_sink_factory_t for `streamq run`; `ctx` is the sq_runtime_t. */
sq_sink_t *sq_sink_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size);
/* sq_sink_factory_t for `streamq explain`: sinks that write nothing. */
sq_sink_t *sq_sink_describe_only(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size);

sq_sink_t *sq_sink_file_open(const sq_relation_t *rel, const sq_relation_t *schema, char *err, size_t err_size);
struct sq_runtime;
sq_sink_t *sq_sink_kafka_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err,
                              size_t err_size);
/* Standard output as a table (aligned columns) or JSON lines. */
sq_sink_t *sq_sink_stdout_open(const char *name, bool table, FILE *out);

#endif
