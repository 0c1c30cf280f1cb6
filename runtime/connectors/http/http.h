/* The http connector: result rows delivered to a webhook (sink.c). */
#ifndef SQ_HTTP_CONNECTOR_H
#define SQ_HTTP_CONNECTOR_H

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_http;

/* Opens http sink `rel` for rows of `schema`; starts its delivery thread.
 * NULL with `err`. */
sq_sink_t *sq_http_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err,
                             size_t err_size);

#endif
