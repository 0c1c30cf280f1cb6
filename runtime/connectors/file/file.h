/* The file connector: JSON lines or CSV files as sources, tables (read to
 * the end, or followed with `follow = true`) and sinks (one record a line,
 * cut back to the checkpointed length on restart). */
#ifndef SQ_FILE_CONNECTOR_H
#define SQ_FILE_CONNECTOR_H

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_file;

sq_reader_t *sq_file_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size);
sq_sink_t *sq_file_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err, size_t err_size);

#endif
