/* What every reader shares: the event-time column, ROWTIME, the
 * watermark rule, bad-record handling, and partition skew with each
 * partition's hot keys. */
#include "runtime/kit/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze_tasks.h"
#include "engine/value_text.h"
#include "engine/watermark.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"

void sq_reader_init_fields(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel) {
  r->cls = cls;
  r->rel = rel;
  r->may_wait = true;
  const sq_ast_t *ts = sq_relation_option(rel, "timestamp");
  r->ts_column = ts && ts->text ? sq_relation_find_column(rel, ts->text) : -1;
  r->rowtime_column = sq_relation_find_column(rel, "rowtime");
  r->watermark_delay = sq_option_duration(rel, "watermark_delay");
  r->idle_timeout = sq_option_duration(rel, "idle_timeout");
  r->watermark = INT64_MIN;
  r->last_row_ms = INT64_MIN;
  r->folded = false;
  r->skew_warned_at = -60;
  r->n_key_cols = 0;
  if (sq_relation_option(rel, "partitioned_by")) {
    for (int i = 0, col; r->n_key_cols < SQ_HOTKEYS_VALUES && (col = sq_partitioned_by_column(rel, i)) != -2; i++)
      if (col >= 0) r->key_cols[r->n_key_cols++] = col;
  } else if ((r->key_cols[0] = sq_relation_find_column(rel, "_key")) >= 0) {
    r->n_key_cols = 1;
  }
  r->key_gap = 1;
  r->key_rng = 0x9e3779b9u;
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
                                     .lag = -1, .watermark = INT64_MIN, .saved_replay_from = -1,
                                     .preagg = {.resume_max_ts = INT64_MIN, .resume_cut = -1}};
    r->parts = v;
    r->n_parts = p + 1;
  }
  sq_reader_partition_t *part = &r->parts[p];
  if (assigned && r->n_key_cols && !part->keys && !(part->keys = calloc(1, sizeof *part->keys))) return false;
  if (assigned && !part->assigned) { /* held anew: pre-aggregation starts over from the committed offset */
    part->last_row_ms = now;
    part->preagg.epoch++;
    part->preagg.resume_max_ts = INT64_MIN, part->preagg.resume_cut = -1;
    part->saved_replay_from = -1;
  }
  if (assigned != part->assigned) sq_origins_clear(&part->origins);
  part->assigned = assigned;
  r->folded = false;
  return true;
}

sq_preagg_origin_t *sq_reader_preagg_origin(void *reader, uint32_t p) {
  sq_reader_t *r = reader;
  return p < r->n_parts && r->parts[p].assigned ? &r->parts[p].preagg : NULL;
}

void sq_reader_save(sq_reader_t *r, sq_buf_t *out) {
  sq_put_i64(out, r->watermark);
  sq_put_u64(out, r->n_parts);
  for (uint32_t p = 0; p < r->n_parts; p++) {
    r->parts[p].saved_offset = r->parts[p].next_offset;
    const sq_preagg_origin_t *pa = &r->parts[p].preagg;
    bool held = pa->seen_epoch == pa->epoch && pa->replay_from >= 0;
    r->parts[p].saved_replay_from = held ? pa->replay_from : -1;
    r->parts[p].saved_replay_ts = held ? pa->replay_max_ts : pa->seen_epoch == pa->epoch ? pa->max_ts : pa->resume_max_ts;
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

/* Notes partition p as hot (its rate `ratio` times the mean) with the
 * heaviest keys of its period, keeping the hottest partitions. */
static void note_hot(sq_reader_t *r, uint32_t p, double ratio) {
  uint32_t at = r->n_hot < SQ_READER_HOT_PARTITIONS ? r->n_hot++ : SQ_READER_HOT_PARTITIONS;
  for (; at > 0 && r->hot[at - 1].ratio < ratio; at--)
    if (at < SQ_READER_HOT_PARTITIONS) r->hot[at] = r->hot[at - 1];
  if (at == SQ_READER_HOT_PARTITIONS) return;
  sq_reader_hot_t *h = &r->hot[at];
  *h = (sq_reader_hot_t){.partition = p, .ratio = ratio};
  const sq_hotkeys_t *keys = r->parts[p].keys;
  uint32_t top[SQ_READER_HOT_KEYS];
  h->n_keys = keys && keys->total ? sq_hotkeys_top(keys, top, SQ_READER_HOT_KEYS) : 0;
  sq_buf_t text = {0};
  for (uint32_t i = 0; i < h->n_keys; i++) {
    sq_buf_clear(&text);
    sq_hotkeys_text(&keys->keys[top[i]], &text);
    size_t len = text.failed ? 0 : text.len < sizeof h->keys[i].text ? text.len : sizeof h->keys[i].text - 1;
    while (len > 0 && len < text.len && ((unsigned char)text.data[len] & 0xc0) == 0x80) len--; /* whole characters */
    /* a key is data: a control character would break the log line */
    for (size_t c = 0; c < len; c++) h->keys[i].text[c] = (unsigned char)text.data[c] < 0x20 ? '?' : text.data[c];
    h->keys[i].text[len] = '\0';
    h->keys[i].share = (double)keys->counts[top[i]] / (double)keys->total;
  }
  sq_buf_free(&text);
}

void sq_reader_sample_skew(sq_reader_t *r, double warn_ratio, double now_s) {
  uint64_t total = 0, top = 0;
  uint32_t n = 0;
  for (uint32_t p = 0; p < r->n_parts; p++) {
    const sq_reader_partition_t *part = &r->parts[p];
    if (!part->assigned) continue;
    uint64_t delta = part->records_in - part->sampled;
    total += delta;
    n++;
    if (delta > top) top = delta;
  }
  double ratio = total ? (double)top * n / (double)total : 1.0;
  r->skew_ratio = ratio;
  r->n_hot = 0;
  for (uint32_t p = 0; p < r->n_parts; p++) {
    sq_reader_partition_t *part = &r->parts[p];
    double share = total ? (double)(part->records_in - part->sampled) * n / (double)total : 0;
    if (part->assigned && n > 1 && share > warn_ratio) note_hot(r, p, share);
    part->sampled = part->records_in;
    if (part->keys) sq_hotkeys_reset(part->keys);
  }
  if (r->n_hot && now_s - r->skew_warned_at >= 60) {
    r->skew_warned_at = now_s;
    const sq_reader_hot_t *h = &r->hot[0];
    char keys[SQ_READER_HOT_KEYS * 140] = "";
    for (uint32_t i = 0, len = 0; i < h->n_keys && len < sizeof keys; i++)
      len += (uint32_t)snprintf(keys + len, sizeof keys - len, "%s%s (%.0f%%)", i ? ", " : "; hot keys: ", h->keys[i].text,
                                h->keys[i].share * 100);
    sq_log_warn("partition skew", "source '%s': partition %u carries %.1fx the mean rate of its %u partitions%s", r->rel->name,
                h->partition, ratio, n, keys);
  }
}

/* The key of a row into its partition's sketch: each of a partition's
 * first KEYS_EXACT rows of a period, then about one in KEY_SAMPLE (a
 * random gap, so that no periodic pattern of keys aliases with it) with
 * that weight. The countdown is all most rows cost (sq_reader_stamp);
 * this, out of line so that it does not weigh on them, costs a sampled
 * row a hash and a scan of the counters. */
enum { KEYS_EXACT = 256, KEY_SAMPLE = 64 };

__attribute__((noinline)) static void count_key(sq_reader_t *r, const sq_value_t *row, sq_hotkeys_t *keys) {
  uint64_t weight = 1;
  if (keys->total >= KEYS_EXACT) {
    uint32_t x = r->key_rng; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->key_rng = x;
    r->key_gap = 1 + x % (2 * KEY_SAMPLE - 1);
    weight = KEY_SAMPLE;
  }
  sq_value_t key[SQ_HOTKEYS_VALUES];
  for (uint32_t i = 0; i < r->n_key_cols; i++) key[i] = row[r->key_cols[i]];
  sq_hotkeys_add(keys, key, r->n_key_cols, weight);
}

bool sq_reader_stamp(sq_reader_t *r, sq_batch_t *out, uint32_t i, uint32_t p, int64_t now, int64_t fallback_ts) {
  sq_value_t *row = sq_batch_row(out, i);
  int64_t ts = fallback_ts;
  if (r->ts_column >= 0) {
    sq_value_t v = row[r->ts_column];
    if (!sq_is_null(v)) ts = v.u.i; /* TIMESTAMP, or BIGINT epoch milliseconds */
    else if (r->rel->kind != SQ_REL_TABLE) return false; /* a table's rows need no event time */
  }
  if (r->rowtime_column >= 0) row[r->rowtime_column] = sq_ts(ts);
  out->times[i] = ts;
  out->wms[i] = sq_reader_observe(r, p, ts, now);
  sq_hotkeys_t *keys = r->parts[p].keys;
  if (keys && (keys->total < KEYS_EXACT || --r->key_gap == 0)) count_key(r, row, keys);
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
  if (r->marked) {
    int64_t wm = sq_origins_watermark(&part->origins);
    return part->watermark = wm > part->watermark ? wm : part->watermark;
  }
  sq_watermark_rule_t rule = rule_of(r);
  sq_watermark_fold_t fold = sq_watermark_fold_start(now);
  sq_watermark_fold_partition(&fold, &rule, part->max_event_time, part->last_row_ms, true);
  return part->watermark = sq_watermark_fold_end(&fold, &rule, part->last_row_ms, part->watermark);
}

void sq_reader_pause(sq_reader_t *r, uint32_t p) {
  if (p < r->n_parts) r->parts[p].paused = true;
  if (r->cls->pause) r->cls->pause(r, p);
}

void sq_reader_resume(sq_reader_t *r, uint32_t p, int64_t offset) {
  if (p < r->n_parts) r->parts[p].paused = false;
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
    for (uint32_t i = 0; i < r->n_key_cols; i++) columns[r->key_cols[i]] = true;
    int origin = sq_relation_find_column(rel, SQ_ORIGIN_PARTITION), offset = sq_relation_find_column(rel, SQ_ORIGIN_OFFSET);
    if (r->marked && origin >= 0 && offset >= 0) columns[origin] = columns[offset] = true; /* repeats are dropped by them */
    const char *partial[] = {SQ_ORIGIN_INDEX, SQ_PARTIAL_WINDOW, SQ_PARTIAL_STATE}; /* pre-aggregated: merged by them */
    for (size_t i = 0; r->marked && i < sizeof partial / sizeof *partial; i++)
      if (sq_relation_find_column(rel, partial[i]) >= 0) columns[sq_relation_find_column(rel, partial[i])] = true;
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
  /* The connector frees r, so the table is taken first; a connector
   * leaves the table alone while it closes (a Kafka group may still hand
   * it partitions then). */
  sq_reader_partition_t *parts = r->parts;
  uint32_t n_parts = r->n_parts;
  sq_bad_records_t bad = r->bad;
  r->cls->destroy(r);
  for (uint32_t p = 0; p < n_parts; p++) {
    free(parts[p].keys);
    sq_origins_clear(&parts[p].origins);
  }
  free(parts);
  sq_bad_records_close(&bad);
}
