/* An http sink's settings, read from its WITH options once when the
 * pipeline starts. The url, the headers and the signing key may hold
 * ${ENV} secrets: they live only here and in libcurl's handles, and are
 * never logged, stored in a checkpoint or shown by EXPLAIN. */
#ifndef SQ_HTTP_CONFIG_H
#define SQ_HTTP_CONFIG_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/catalog.h"
#include "runtime/kit/bad_records.h"

typedef enum sq_http_format { SQ_HTTP_JSON, SQ_HTTP_NDJSON, SQ_HTTP_OBJECT } sq_http_format_t;

typedef struct sq_http_config {
  const char *sink;         /* the sink's name (borrowed) */
  char *url;
  sq_http_format_t format;
  uint64_t batch_size;      /* 1 for format = 'object' */
  size_t batch_bytes;
  int64_t batch_ms, timeout_ms, max_retry_ms; /* max_retry_ms 0: retry forever */
  int max_in_flight;
  struct curl_slist *headers; /* the user's, then Content-Type and Expect */
  unsigned char *key;         /* signing key; NULL without signing_secret */
  size_t key_len;
  bool gzip, tls_verify;
  char *ca_file;
  sq_on_error_t on_error;
  FILE *dlq;                  /* on_error = 'dlq' */
  char id_prefix[300];        /* "<pipeline>.<sink>." of every Idempotency-Key */
} sq_http_config_t;

/* Reads sink `rel`'s options for pipeline `pipeline`; false with `err`
 * (which never holds a secret). Free with sq_http_config_free either way. */
bool sq_http_config_read(sq_http_config_t *c, const sq_relation_t *rel, const char *pipeline, char *err, size_t err_size);
void sq_http_config_free(sq_http_config_t *c);

#endif
