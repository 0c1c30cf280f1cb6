/* Reading an http sink's options. `headers` holds one `Name: value` per
 * line; the signing key is decoded here, once. Error messages name the
 * option, never its value. */
#include "runtime/connectors/http/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/connectors/http/signing.h"
#include "runtime/kit/options.h"

/* Adds each `Name: value` line of `text` to c->headers; false with `err`
 * for a line that is not one. Sets *has_type when a Content-Type is given. */
static bool parse_headers(sq_http_config_t *c, char *text, bool *has_type, char *err, size_t err_size) {
  int line_no = 0;
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    line_no++;
    while (*line == ' ' || *line == '\t') line++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = '\0';
    if (!len) continue;
    char *colon = strchr(line, ':');
    if (!colon || colon == line || strcspn(line, " \t") < (size_t)(colon - line)) {
      snprintf(err, err_size, "sink '%s': option 'headers': line %d is not 'Name: value'", c->sink, line_no);
      return false;
    }
    *has_type |= (size_t)(colon - line) == 12 && strncasecmp(line, "content-type", 12) == 0;
    struct curl_slist *more = curl_slist_append(c->headers, line);
    if (!more) return snprintf(err, err_size, "out of memory"), false;
    c->headers = more;
  }
  return true;
}

/* The option's text with ${NAME}s replaced into *out (NULL when absent);
 * false with `err` for an unset variable. */
static bool text_option(const sq_relation_t *rel, const char *key, char **out, char *err, size_t err_size) {
  *out = sq_option_string(rel, key, err, err_size);
  return *out || !err[0];
}

static bool read_secrets(sq_http_config_t *c, const sq_relation_t *rel, char *err, size_t err_size) {
  char *headers, *secret;
  bool has_type = false;
  if (!text_option(rel, "headers", &headers, err, err_size)) return false;
  bool ok = !headers || parse_headers(c, headers, &has_type, err, err_size);
  free(headers);
  if (!ok) return false;
  static const char *const type[] = {"Content-Type: application/json", "Content-Type: application/x-ndjson",
                                     "Content-Type: application/json"};
  /* "Expect:" stops libcurl from waiting for a 100 Continue before large bodies */
  const char *ours[] = {has_type ? NULL : type[c->format], "Expect:", NULL};
  for (size_t i = 0; i < 2; i++) {
    struct curl_slist *more = ours[i] ? curl_slist_append(c->headers, ours[i]) : c->headers;
    if (!more) return snprintf(err, err_size, "out of memory"), false;
    c->headers = more;
  }
  if (!text_option(rel, "signing_secret", &secret, err, err_size)) return false;
  ok = !secret || sq_http_signing_key(secret, &c->key, &c->key_len);
  free(secret);
  if (!ok) snprintf(err, err_size, "sink '%s': option 'signing_secret': a whsec_ secret must be base64 after the prefix", c->sink);
  return ok;
}

bool sq_http_config_read(sq_http_config_t *c, const sq_relation_t *rel, const char *pipeline, char *err, size_t err_size) {
  *c = (sq_http_config_t){.sink = rel->name};
  err[0] = '\0';
  c->format = sq_option_is(rel, "format", "ndjson") ? SQ_HTTP_NDJSON : sq_option_is(rel, "format", "object") ? SQ_HTTP_OBJECT : SQ_HTTP_JSON;
  c->batch_size = c->format == SQ_HTTP_OBJECT ? 1 : (uint64_t)sq_option_int(rel, "batch_size");
  c->batch_bytes = (size_t)sq_option_int(rel, "batch_bytes");
  c->batch_ms = sq_option_int(rel, "batch_ms");
  c->timeout_ms = sq_option_duration(rel, "timeout");
  c->max_retry_ms = sq_option_duration(rel, "max_retry_time");
  c->max_in_flight = (int)sq_option_int(rel, "max_in_flight");
  c->gzip = sq_option_is(rel, "compression", "gzip");
  c->tls_verify = sq_option_bool(rel, "tls_verify");
  c->on_error = sq_option_is(rel, "on_error", "skip") ? SQ_ON_ERROR_SKIP : sq_option_is(rel, "on_error", "dlq") ? SQ_ON_ERROR_DLQ : SQ_ON_ERROR_FAIL;
  snprintf(c->id_prefix, sizeof c->id_prefix, "%s.%s.", pipeline, rel->name);
  if (!text_option(rel, "url", &c->url, err, err_size) || !text_option(rel, "ca_file", &c->ca_file, err, err_size) ||
      !read_secrets(c, rel, err, err_size))
    return false;
  if (c->on_error != SQ_ON_ERROR_DLQ) return true;
  char *path;
  if (!text_option(rel, "dlq_path", &path, err, err_size)) return false;
  if (path && !(c->dlq = fopen(path, "a")))
    snprintf(err, err_size, "sink '%s': cannot open dead-letter file '%s': %s", rel->name, path, strerror(errno));
  free(path);
  return c->dlq != NULL;
}

void sq_http_config_free(sq_http_config_t *c) {
  if (c->dlq) fclose(c->dlq);
  curl_slist_free_all(c->headers);
  if (c->key) memset(c->key, 0, c->key_len);
  free(c->key);
  free(c->url);
  free(c->ca_file);
  *c = (sq_http_config_t){0};
}
