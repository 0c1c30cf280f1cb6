/* Request bodies of the http sink (runtime/connectors/http/body.c): rows
 * encoded as the sink encodes them, with strings that need escapes (line
 * breaks, quotes, backslashes, control characters, UTF-8), framed as one
 * JSON array, NDJSON or a lone object byte for byte; gzip'd bodies inflate
 * to the plain ones and are the same bytes every time (no name or time in
 * the header), so a request sent again after a restart is identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "engine/catalog.h"
#include "engine/format.h"
#include "runtime/connectors/http/body.h"

/* Each row's JSON object, as sq_encode_json writes it with a key that needs an escape. */
static const char *const objects[] = {
    "{\"s\":\"plain\",\"n\\\"q\":1}",
    "{\"s\":\"two\\nlines\",\"n\\\"q\":2}",
    "{\"s\":\"say \\\"hi\\\" \\\\ back\",\"n\\\"q\":-3}",
    "{\"s\":\"\\u0001\\ttab\\r\",\"n\\\"q\":4}",
    "{\"s\":\"na\xc3\xafve \xe2\x98\x83\",\"n\\\"q\":5}",
    "{\"s\":null,\"n\\\"q\":null}",
};
#define N_ROWS (sizeof objects / sizeof *objects)

/* A batch of the rows above from row 7 on, encoded by the sink's encoder. */
static sq_http_batch_t *batch(size_t n) {
  sq_relation_t *schema = sq_relation_new(SQ_REL_STREAM, "out", NULL);
  assert_non_null(schema);
  assert_true(sq_relation_add_column(schema, "s", SQ_TYPE_STRING));
  assert_true(sq_relation_add_column(schema, "n\"q", SQ_TYPE_BIGINT));
  static const char *const strings[] = {"plain", "two\nlines", "say \"hi\" \\ back", "\x01\ttab\r", "na\xc3\xafve \xe2\x98\x83"};
  sq_json_keys_t keys = {0};
  sq_http_batch_t *b = sq_http_batch_new(7);
  assert_non_null(b);
  for (size_t i = 0; i < n; i++) {
    sq_value_t row[2] = {sq_null(), sq_null()};
    if (i < N_ROWS - 1) row[0] = sq_str(strings[i], (uint32_t)strlen(strings[i])), row[1] = sq_int(i == 2 ? -3 : (int64_t)i + 1);
    size_t before = b->rows.len;
    sq_encode_json(&b->rows, &keys, schema, row);
    assert_int_equal(b->rows.len - before, strlen(objects[i])); /* the encoder's output is what the test expects */
    assert_memory_equal(b->rows.data + before, objects[i], b->rows.len - before);
    sq_buf_putc(&b->rows, '\n');
    b->n++;
  }
  sq_json_keys_free(&keys);
  sq_relation_destroy(schema);
  return b;
}

/* `out` holds exactly `expected`. */
static void assert_bytes(const sq_buf_t *out, const char *expected) {
  assert_false(out->failed);
  assert_int_equal(out->len, strlen(expected));
  assert_memory_equal(out->data, expected, out->len);
}

/* The rows' objects joined: "[a,b]" (json) or "a\nb\n" (ndjson). */
static char *joined(bool array) {
  size_t len = 3;
  for (size_t i = 0; i < N_ROWS; i++) len += strlen(objects[i]) + 1;
  char *text = calloc(1, len);
  if (array) strcat(text, "[");
  for (size_t i = 0; i < N_ROWS; i++) {
    if (array && i) strcat(text, ",");
    strcat(text, objects[i]);
    if (!array) strcat(text, "\n");
  }
  if (array) strcat(text, "]");
  return text;
}

static void json_and_ndjson_frame_every_row(void **state) {
  (void)state;
  sq_http_batch_t *b = batch(N_ROWS);
  sq_buf_t out = {0};
  for (int array = 0; array < 2; array++) {
    sq_buf_clear(&out);
    sq_http_frame(array ? SQ_HTTP_JSON : SQ_HTTP_NDJSON, b, &out);
    char *expected = joined(array);
    assert_bytes(&out, expected);
    free(expected);
  }
  /* appended after what `out` holds (the dead-letter line frames rows so) */
  sq_buf_clear(&out);
  sq_buf_puts(&out, "{\"rows\":");
  sq_http_frame(SQ_HTTP_JSON, b, &out);
  assert_int_equal(memcmp(out.data, "{\"rows\":[{\"s\":\"plain\"", 21), 0);
  sq_buf_free(&out);
  sq_http_batch_free(b);
  b = batch(1);
  sq_http_frame(SQ_HTTP_JSON, b, &out);
  assert_bytes(&out, "[{\"s\":\"plain\",\"n\\\"q\":1}]");
  sq_buf_free(&out);
  sq_http_batch_free(b);
}

static void object_is_the_row_alone(void **state) {
  (void)state;
  sq_http_batch_t *b = batch(1); /* format = 'object' batches hold one row */
  sq_buf_t out = {0};
  sq_http_frame(SQ_HTTP_OBJECT, b, &out);
  assert_bytes(&out, objects[0]);
  sq_buf_free(&out);
  sq_http_batch_free(b);
}

static void an_empty_batch(void **state) {
  (void)state;
  sq_http_batch_t *b = batch(0);
  sq_buf_t out = {0};
  sq_http_frame(SQ_HTTP_JSON, b, &out);
  assert_bytes(&out, "[]");
  sq_buf_clear(&out);
  sq_http_frame(SQ_HTTP_NDJSON, b, &out);
  assert_int_equal(out.len, 0);
  sq_buf_free(&out);
  sq_http_batch_free(b);
}

/* `in` gunzip'd into a malloc'd string. */
static char *gunzip(const sq_buf_t *in) {
  size_t cap = 1 << 16;
  char *out = calloc(1, cap);
  z_stream z = {0};
  assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = (unsigned char *)in->data;
  z.avail_in = (uInt)in->len;
  z.next_out = (unsigned char *)out;
  z.avail_out = (uInt)cap - 1;
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  assert_int_equal(z.avail_in, 0);
  inflateEnd(&z);
  return out;
}

static void bodies_gzip_to_the_same_bytes_every_time(void **state) {
  (void)state;
  sq_http_batch_t *b = batch(N_ROWS);
  static const sq_http_format_t formats[] = {SQ_HTTP_JSON, SQ_HTTP_NDJSON};
  for (size_t f = 0; f < 2; f++) {
    sq_http_config_t plain = {.format = formats[f]}, gzipped = {.format = formats[f], .gzip = true};
    sq_buf_t body = {0}, again = {0}, framed = {0};
    assert_true(sq_http_body(&plain, b, &body));
    sq_http_frame(formats[f], b, &framed);
    assert_int_equal(body.len, framed.len);
    assert_memory_equal(body.data, framed.data, framed.len);
    assert_true(sq_http_body(&gzipped, b, &body)); /* the buffer is cleared first */
    assert_true(body.len > 18);
    static const unsigned char header[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0}; /* deflate, no name, no time */
    assert_memory_equal(body.data, header, sizeof header);
    char *inflated = gunzip(&body);
    assert_int_equal(strlen(inflated), framed.len);
    assert_memory_equal(inflated, framed.data, framed.len);
    free(inflated);
    assert_true(sq_http_body(&gzipped, b, &again));
    assert_int_equal(again.len, body.len);
    assert_memory_equal(again.data, body.data, body.len);
    sq_buf_free(&body);
    sq_buf_free(&again);
    sq_buf_free(&framed);
  }
  sq_http_batch_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(json_and_ndjson_frame_every_row),
      cmocka_unit_test(object_is_the_row_alone),
      cmocka_unit_test(an_empty_batch),
      cmocka_unit_test(bodies_gzip_to_the_same_bytes_every_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
