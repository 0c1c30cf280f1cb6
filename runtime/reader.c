/* What every reader shares: the event-time column, ROWTIME, the
 * watermark rule, and bad-record handling. */
#include "runtime/reader.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/options.h"

bool sq_reader_init(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel, char *err, size_t err_size) {
  r->cls = cls;
  r->rel = rel;
  const sq_ast_t *ts = sq_relation_option(rel, "timestamp");
  r->ts_column = ts && ts->text ? sq_relation_find_column(rel, ts->text) : -1;
  r->rowtime_column = sq_relation_find_column(rel, "rowtime");
  r->watermark_delay = sq_option_duration(rel, "watermark_delay", 0);
  r->idle_timeout = sq_option_duration(rel, "idle_timeout", 0);
  r->max_event_time = INT64_MIN;
  return sq_bad_records_open(&r->bad, rel, err, err_size);
}

bool sq_reader_stamp(sq_reader_t *r, sq_batch_t *out, uint32_t i, int64_t now) {
  sq_value_t *row = sq_batch_row(out, i);
  int64_t ts = now;
  if (r->ts_column >= 0) {
    sq_value_t v = row[r->ts_column];
    if (sq_is_null(v)) return false;
    ts = v.u.i; /* TIMESTAMP, or BIGINT epoch milliseconds */
  }
  if (r->rowtime_column >= 0) row[r->rowtime_column] = sq_ts(ts);
  if (ts > r->max_event_time) r->max_event_time = ts;
  r->last_row_ms = now;
  r->records_in++;
  out->times[i] = ts;
  out->wms[i] = r->max_event_time - r->watermark_delay;
  return true;
}

int64_t sq_reader_watermark(const sq_reader_t *r, int64_t now) {
  if (r->max_event_time == INT64_MIN) return INT64_MIN;
  int64_t wm = r->max_event_time - r->watermark_delay;
  if (r->idle_timeout > 0 && now - r->last_row_ms >= r->idle_timeout && now - r->watermark_delay > wm)
    wm = now - r->watermark_delay; /* a quiet source lets windows close with the wall clock */
  return wm;
}

sq_reader_t *sq_reader_open(const sq_relation_t *rel, char *err, size_t err_size) {
  if (strcmp(rel->connector, "file") == 0) return sq_reader_file_open(rel, err, err_size);
  if (strcmp(rel->connector, "datagen") == 0) return sq_reader_datagen_open(rel, err, err_size);
  snprintf(err, err_size, "%s '%s': the %s connector needs the Kafka runtime, which this build does not have yet",
           sq_rel_kind_name(rel->kind), rel->name, rel->connector);
  return NULL;
}

void sq_reader_destroy(sq_reader_t *r) {
  if (!r) return;
  sq_bad_records_close(&r->bad);
  r->cls->destroy(r);
}
