/* Framing and compression of request bodies. */
#include "runtime/connectors/http/body.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

sq_http_batch_t *sq_http_batch_new(uint64_t first) {
  sq_http_batch_t *b = calloc(1, sizeof *b);
  if (b) b->first = first;
  return b;
}

void sq_http_batch_free(sq_http_batch_t *b) {
  if (!b) return;
  sq_buf_free(&b->rows);
  sq_buf_free(&b->body);
  free(b);
}

void sq_http_frame(sq_http_format_t format, const sq_http_batch_t *b, sq_buf_t *out) {
  const char *rows = b->rows.data;
  size_t len = b->rows.len;
  if (format == SQ_HTTP_NDJSON) return sq_buf_append(out, rows, len);
  if (format == SQ_HTTP_OBJECT) return sq_buf_append(out, rows, len ? len - 1 : 0);
  sq_buf_putc(out, '[');
  size_t at = out->len;
  sq_buf_append(out, rows, len ? len - 1 : 0);
  /* JSON text never holds a raw newline: each one ends a row. memchr
   * skips a row at a time where a byte loop cost 400 instructions a row. */
  for (char *p = out->data + at, *end = out->data + out->len; !out->failed && (p = memchr(p, '\n', (size_t)(end - p))); p++) *p = ',';
  sq_buf_putc(out, ']');
}

/* gzip of `in` (zlib's default level, a gzip header without a name or
 * time, so the bytes depend on the input alone). */
static bool gzip(const sq_buf_t *in, sq_buf_t *out) {
  z_stream z = {0};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  size_t bound = deflateBound(&z, in->len);
  bool ok = sq_buf_reserve(out, bound);
  if (ok) {
    z.next_in = (unsigned char *)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = (unsigned char *)out->data + out->len;
    z.avail_out = (uInt)bound;
    ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
    out->len += bound - z.avail_out;
  }
  deflateEnd(&z);
  return ok;
}

bool sq_http_body(const sq_http_config_t *c, const sq_http_batch_t *b, sq_buf_t *out) {
  sq_buf_clear(out);
  if (!c->gzip) {
    sq_http_frame(c->format, b, out);
    return !out->failed;
  }
  sq_buf_t plain = {0};
  sq_http_frame(c->format, b, &plain);
  bool ok = !plain.failed && gzip(&plain, out);
  sq_buf_free(&plain);
  return ok;
}
