/* The capturing sink of `streamq test`: every sink of a pipeline under
 * test keeps its rows in memory, encoded as JSON objects whatever the
 * sink's declared format, to be compared as JSON values. */
#ifndef SQ_TEST_CAPTURE_H
#define SQ_TEST_CAPTURE_H

#include "engine/sink.h"

/* sq_sink_factory_t: a sink that keeps what it is given (`ctx` unused). */
sq_sink_t *sq_capture_open(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema, char *err, size_t err_size);
/* The rows sink `s` (opened by sq_capture_open) received, one JSON
 * object per line, in order; valid while the sink lives. */
const sq_buf_t *sq_capture_rows(const sq_sink_t *s);

#endif
