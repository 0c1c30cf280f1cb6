/* Request bodies of the http sink: a batch's rows framed per `format`
 * (json: one array; ndjson: one object per line; object: the row alone),
 * gzip'd with compression = 'gzip'. Deterministic: the same rows make the
 * same bytes, so a request sent again after a restart is byte-identical. */
#ifndef SQ_HTTP_BODY_H
#define SQ_HTTP_BODY_H

#include "runtime/connectors/http/batch.h"
#include "runtime/connectors/http/config.h"

/* Appends the rows of `b` framed as `format`. */
void sq_http_frame(sq_http_format_t format, const sq_http_batch_t *b, sq_buf_t *out);
/* The body of `b` as `c` sends it, into `out` (cleared first); false when
 * memory runs out. */
bool sq_http_body(const sq_http_config_t *c, const sq_http_batch_t *b, sq_buf_t *out);

#endif
