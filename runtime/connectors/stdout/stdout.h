/* The stdout connector: result rows on standard output, as an aligned
 * table or as JSON lines. */
#ifndef SQ_STDOUT_CONNECTOR_H
#define SQ_STDOUT_CONNECTOR_H

#include <stdio.h>

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_stdout;

/* A sink writing to `out` as a table (aligned columns) or JSON lines. */
sq_sink_t *sq_sink_stdout_open(const char *name, bool table, FILE *out);

#endif
