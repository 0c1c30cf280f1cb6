/* Bad-record handling. A file dead-letter queue gets one JSON object per
 * line: {"source", "place", "error", "record"} with the raw bytes as a
 * string, written and flushed before the pipeline moves on. */
#include "runtime/bad_records.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/value_text.h"
#include "runtime/options.h"

bool sq_bad_records_open(sq_bad_records_t *b, const sq_relation_t *rel, char *err, size_t err_size) {
  *b = (sq_bad_records_t){.action = SQ_ON_ERROR_FAIL, .source = rel->name};
  if (sq_option_is(rel, "on_error", "skip")) b->action = SQ_ON_ERROR_SKIP;
  if (!sq_option_is(rel, "on_error", "dlq")) return true;
  b->action = SQ_ON_ERROR_DLQ;
  char *path = sq_option_string(rel, "dlq_path", err, err_size);
  if (!path) {
    if (!err[0]) snprintf(err, err_size, "source '%s': on_error = 'dlq' with a dlq_topic needs the Kafka runtime; use dlq_path", rel->name);
    return false;
  }
  b->dlq = fopen(path, "a");
  if (!b->dlq) snprintf(err, err_size, "source '%s': cannot open dead-letter file '%s': %s", rel->name, path, strerror(errno));
  free(path);
  return b->dlq != NULL;
}

void sq_bad_records_close(sq_bad_records_t *b) {
  if (b->dlq) fclose(b->dlq);
  b->dlq = NULL;
}

bool sq_bad_record(sq_bad_records_t *b, const char *raw, size_t len, const char *error, const char *place, sq_exec_t *exec) {
  b->count++;
  switch (b->action) {
  case SQ_ON_ERROR_FAIL:
    return sq_exec_fail(exec, "bad record in source '%s' at %s: %s (set on_error to 'skip' or 'dlq' to go on)", b->source, place, error);
  case SQ_ON_ERROR_SKIP: return true;
  case SQ_ON_ERROR_DLQ: {
    sq_buf_t line = {0};
    sq_buf_puts(&line, "{\"source\":");
    sq_encode_json_string(&line, b->source, strlen(b->source));
    sq_buf_puts(&line, ",\"place\":");
    sq_encode_json_string(&line, place, strlen(place));
    sq_buf_puts(&line, ",\"error\":");
    sq_encode_json_string(&line, error, strlen(error));
    sq_buf_puts(&line, ",\"record\":");
    sq_encode_json_string(&line, raw, len);
    sq_buf_puts(&line, "}\n");
    bool ok = !line.failed && fwrite(line.data, 1, line.len, b->dlq) == line.len && fflush(b->dlq) == 0;
    sq_buf_free(&line);
    return ok || sq_exec_fail(exec, "source '%s': cannot write the dead-letter file", b->source);
  }
  }
  return true;
}
