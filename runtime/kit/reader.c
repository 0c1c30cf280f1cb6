/* What every reader shares: the event-time column, ROWTIME, the
 * watermark rule, and bad-record handling. */
#include "runtime/kit/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/watermark.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"

void sq_reader_init_fields(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel) {
  r->cls = cls;
  r->rel = rel;
  const sq_ast_t *ts = sq_relation_option(rel, "timestamp");
  r->ts_column = ts && ts->text ? sq_relation_find_column(rel, ts->text) : -1;
  r->rowtime_column = sq_relation_find_column(rel, "rowtime");
  r->watermark_delay = sq_option_duration(rel, "watermark_delay");
  r->idle_timeout = sq_option_duration(rel, "idle_timeout");
  r->watermark = INT64_MIN;
  r->last_row_ms = INT64_MIN;
  r->folded = false;
  r->skew_warned_at = -60;
}

bool sq_reader_init(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel, rd_kafka_t *producer,
                    char *err, size_t err_size) {
  sq_reader_init_fields(r, cls, rel);
  err[0] = '\0';
  return sq_bad_records_open(&r->bad, rel, producer, err, err_size);
}

bool sq_reader_assign(sq_reader_t *r, uint32_t p, bool assigned, int64_t now) {
  if (p >= r->n_parts) {
    if (!assigned) return true;
    sq_reader_partition_t *v = realloc(r->parts, (p + 1) * sizeof *v);
    if (!v) return false;
    for (uint32_t i = r->n_parts; i <= p; i++)
      v[i] = (sq_reader_partition_t){.max_event_time = INT64_MIN, .next_offset = -1, .saved_offset = -1, .committed_offset = -1,
                                     .lag = -1, .watermark = INT64_MIN};
    r->parts = v;
    r->n_parts = p + 1;
  }
  sq_reader_partition_t *part = &r->parts[p];
  if (assigned && !part->assigned) part->last_row_ms = now;
  part->assigned = assigned;
  r->folded = false;
  return true;
}

void sq_reader_save(sq_reader_t *r, sq_buf_t *out) {
  sq_put_i64(out, r->watermark);
  sq_put_u64(out, r->n_parts);
  for (uint32_t p = 0; p < r->n_parts; p++) {
    r->parts[p].saved_offset = r->parts[p].next_offset;
    sq_put_i64(out, r->parts[p].next_offset);
    sq_put_i64(out, r->parts[p].max_event_time);
  }
  if (r->cls->save) r->cls->save(r, out);
}

bool sq_reader_load(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size) {
  r->watermark = sq_get_i64(in);
  r->folded = false;
  uint64_t n = sq_get_u64(in);
  if (in->failed || n > 1u << 20) return snprintf(err, err_size, "corrupt checkpoint record of source '%s'", r->rel->name), false;
  if (n && n > r->n_parts) {
    /* partitions not assigned yet (Kafka) get their positions now */
    if (!sq_reader_assign(r, (uint32_t)n - 1, true, 0)) return snprintf(err, err_size, "out of memory"), false;
    r->parts[n - 1].assigned = false;
  }
  for (uint64_t p = 0; p < n; p++) {
    r->parts[p].next_offset = sq_get_i64(in);
    r->parts[p].max_event_time = sq_get_i64(in);
  }
  if (in->failed) return snprintf(err, err_size, "corrupt checkpoint record of source '%s'", r->rel->name), false;
  return !r->cls->load || r->cls->load(r, in, err, err_size);
}

void sq_reader_sample_skew(sq_reader_t *r, double warn_ratio, double now_s) {
  uint64_t total = 0, top = 0;
  uint32_t n = 0, busiest = 0;
  for (uint32_t p = 0; p < r->n_parts; p++) {
    sq_reader_partition_t *part = &r->parts[p];
    if (!part->assigned) continue;
    uint64_t delta = part->records_in - part->sampled;
    part->sampled = part->records_in;
    total += delta;
    n++;
    if (delta > top) top = delta, busiest = p;
  }
  double ratio = total ? (double)top * n / (double)total : 1.0;
  r->skew_ratio = ratio;
  if (n > 1 && ratio > warn_ratio && now_s - r->skew_warned_at >= 60) {
    r->skew_warned_at = now_s;
    sq_log_warn("partition skew", "source '%s': partition %u carries %.1fx the mean rate of its %u partitions", r->rel->name,
                busiest, ratio, n);
  }
}

bool sq_reader_stamp(sq_reader_t *r, sq_batch_t *out, uint32_t i, uint32_t p, int64_t now, int64_t fallback_ts) {
  sq_value_t *row = sq_batch_row(out, i);
  if (sq_reader_lacks_time(r, row)) return false;
  int64_t ts = fallback_ts;
  if (r->ts_column >= 0 && !sq_is_null(row[r->ts_column])) ts = row[r->ts_column].u.i; /* TIMESTAMP, or BIGINT epoch milliseconds */
  if (r->rowtime_column >= 0) row[r->rowtime_column] = sq_ts(ts);
  out->times[i] = ts;
  out->wms[i] = sq_reader_observe(r, p, ts, now);
  return true;
}

static sq_watermark_rule_t rule_of(const sq_reader_t *r) { return (sq_watermark_rule_t){r->watermark_delay, r->idle_timeout}; }

int64_t sq_reader_observe(sq_reader_t *r, uint32_t p, int64_t ts, int64_t now) {
  sq_reader_partition_t *part = &r->parts[p];
  /* Rows of one read share `now`: most leave the watermark where the last
   * fold put it, and folding every partition again for each row cost a
   * 16-partition topic about 570 instructions a record. */
  sq_watermark_rule_t rule = rule_of(r);
  bool holds = r->folded && r->fold.now == now && sq_watermark_fold_holds(&r->fold, &rule, part->max_event_time);
  if (ts > part->max_event_time) part->max_event_time = ts;
  part->last_row_ms = r->last_row_ms = now;
  part->records_in++;
  r->records_in++;
  if (r->per_partition) return sq_reader_partition_watermark(r, p, now);
  return holds ? r->watermark : sq_reader_watermark(r, now);
}

int64_t sq_reader_partition_watermark(sq_reader_t *r, uint32_t p, int64_t now) {
  sq_reader_partition_t *part = &r->parts[p];
  sq_watermark_rule_t rule = rule_of(r);
  sq_watermark_fold_t fold = sq_watermark_fold_start(now);
  sq_watermark_fold_partition(&fold, &rule, part->max_event_time, part->last_row_ms, true);
  return part->watermark = sq_watermark_fold_end(&fold, &rule, part->last_row_ms, part->watermark);
}

void sq_reader_pause(sq_reader_t *r, uint32_t p) {
  if (r->cls->pause) r->cls->pause(r, p);
}

void sq_reader_resume(sq_reader_t *r, uint32_t p, int64_t offset) {
  if (r->cls->resume) r->cls->resume(r, p, offset);
}

void sq_reader_follow(sq_reader_t *r, uint32_t p, bool assigned) {
  if (r->cls->follow) r->cls->follow(r, p, assigned);
}

int64_t sq_reader_watermark(sq_reader_t *r, int64_t now) {
  if (r->last_row_ms == INT64_MIN) r->last_row_ms = now; /* the silence of this run starts at its first look */
  sq_watermark_rule_t rule = rule_of(r);
  sq_watermark_fold_t fold = sq_watermark_fold_start(now);
  for (uint32_t i = 0; i < r->n_parts; i++)
    sq_watermark_fold_partition(&fold, &rule, r->parts[i].max_event_time, r->parts[i].last_row_ms, r->parts[i].assigned);
  r->fold = fold;
  r->folded = true;
  return r->watermark = sq_watermark_fold_end(&fold, &rule, r->last_row_ms, r->watermark);
}

sq_decoder_t *sq_reader_decoder(const sq_reader_t *r, const bool *read) {
  const sq_relation_t *rel = r->rel;
  bool *columns = NULL;
  /* a table's row is decoded whole: whether its non-key columns are all
   * NULL says whether it deletes its key */
  if (read && rel->kind != SQ_REL_TABLE) {
    if (!(columns = malloc(rel->n_columns * sizeof *columns))) return NULL;
    memcpy(columns, read, rel->n_columns * sizeof *columns);
    if (r->ts_column >= 0) columns[r->ts_column] = true;
  }
  sq_format_t format = sq_option_is(rel, "format", "csv") ? SQ_FORMAT_CSV : SQ_FORMAT_JSON;
  sq_ts_format_t ts_format = sq_option_is(rel, "timestamp_format", "epoch_s")   ? SQ_TS_EPOCH_S
                             : sq_option_is(rel, "timestamp_format", "iso8601") ? SQ_TS_ISO8601
                                                                                : SQ_TS_EPOCH_MS;
  sq_decoder_t *d = sq_decoder_new(rel, format, ts_format, columns);
  free(columns);
  return d;
}

void sq_reader_destroy(sq_reader_t *r) {
  if (!r) return;
  /* The connector goes first: closing a consumer still calls back into
   * the partition table (revocation). */
  sq_reader_partition_t *parts = r->parts;
  sq_bad_records_t bad = r->bad;
  r->cls->destroy(r);
  free(parts);
  sq_bad_records_close(&bad);
}
