/* The statements about topics rather than declared objects: SHOW TOPICS,
 * DESCRIBE TOPIC (partitions, offsets, and an inferred CREATE SOURCE) and
 * PRINT (raw records with partition, offset, timestamp and key, like
 * kcat). A sample is spread over the partitions in proportion to the
 * records each holds, and taken from their ends: the latest records show
 * the schema producers write today. */
#include <stdlib.h>
#include <string.h>

#include "engine/timestamp.h"
#include "runtime/app/cli.h"
#include "runtime/app/statement.h"
#include "runtime/app/topic_schema.h"
#include "runtime/connectors/kafka/topics.h"

#define METADATA_TIMEOUT_MS 5000
#define DEFAULT_SAMPLE 1000

static bool add_sampled(void *ctx, const sq_kafka_record_t *r) {
  if (r->value) sq_topic_schema_add(ctx, r->value, r->value_len);
  return true;
}

/* Samples up to `sample` records of `info` into `schema`. */
static bool sample_topic(const sq_kafka_settings_t *kafka, const sq_kafka_topic_info_t *info, int64_t sample,
                         volatile sig_atomic_t *stop, sq_topic_schema_t *schema, char *err, size_t err_size) {
  int64_t total = 0;
  for (int32_t p = 0; p < info->n_parts; p++) total += info->parts[p].high - info->parts[p].low;
  if (total == 0) {
    snprintf(err, err_size, "topic '%s' is empty: there is nothing to infer a schema from", info->name);
    return false;
  }
  int64_t *start = calloc((size_t)info->n_parts + 1, sizeof *start), *end = calloc((size_t)info->n_parts + 1, sizeof *end);
  bool ok = start && end;
  for (int32_t p = 0; ok && p < info->n_parts; p++) {
    int64_t held = info->parts[p].high - info->parts[p].low;
    int64_t share = sample >= total ? held : (held * sample + total - 1) / total;
    end[p] = info->parts[p].high;
    start[p] = end[p] - share;
  }
  if (!ok) snprintf(err, err_size, "out of memory");
  else ok = sq_kafka_read_records(kafka, info->name, start, end, info->n_parts, add_sampled, schema, stop, err, err_size);
  free(start);
  free(end);
  if (ok && schema->failed) ok = snprintf(err, err_size, "out of memory") < 0;
  return ok;
}

/* The topic `topic` with its offsets, into *list (one entry). */
static bool topic_info(const sq_kafka_settings_t *kafka, const char *topic, sq_kafka_topic_list_t *list, char *err, size_t err_size) {
  *list = (sq_kafka_topic_list_t){0};
  rd_kafka_t *rk = sq_kafka_inspector_new(kafka, err, err_size);
  bool ok = rk && sq_kafka_topics(rk, topic, true, METADATA_TIMEOUT_MS, list, err, err_size);
  if (rk) rd_kafka_destroy(rk);
  if (ok && list->n != 1) ok = snprintf(err, err_size, "no topic '%s'", topic) < 0;
  return ok;
}

static bool render(const sq_topic_schema_t *schema, const char *topic, const char *name, bool skip_bad, sq_buf_t *out, char *err,
                   size_t err_size) {
  if (sq_topic_schema_render(schema, name, topic, skip_bad, out)) return true;
  snprintf(err, err_size, "none of the %llu records sampled from topic '%s' is a JSON object; declare it with CREATE SOURCE",
           (unsigned long long)schema->records, topic);
  return false;
}

bool sq_infer_topic_source(const sq_kafka_settings_t *kafka, const char *topic, const char *name, int64_t sample,
                           volatile sig_atomic_t *stop, sq_buf_t *out, char *err, size_t err_size) {
  sq_kafka_topic_list_t list;
  sq_topic_schema_t schema = {0};
  bool ok = topic_info(kafka, topic, &list, err, err_size) && sample_topic(kafka, &list.topics[0], sample, stop, &schema, err, err_size) &&
            render(&schema, topic, name, true, out, err, err_size);
  sq_topic_schema_free(&schema);
  sq_kafka_topic_list_free(&list);
  return ok;
}

static bool show_topics(const sq_statement_ctx_t *c, sq_result_t *r) {
  static const char *const names[] = {"topic", "partitions", "records"};
  static const sq_type_t types[] = {SQ_TYPE_STRING, SQ_TYPE_BIGINT, SQ_TYPE_BIGINT};
  sq_kafka_topic_list_t list = {0};
  rd_kafka_t *rk = sq_kafka_inspector_new(c->kafka, r->err, sizeof r->err);
  bool ok = rk && sq_kafka_topics(rk, NULL, true, METADATA_TIMEOUT_MS, &list, r->err, sizeof r->err);
  if (rk) rd_kafka_destroy(rk);
  sq_print_options_t po = {.format = c->format};
  ok = ok && sq_result_begin(r, c->out, &po, names, types, 3);
  for (size_t i = 0; ok && i < list.n; i++) {
    const sq_kafka_topic_info_t *t = &list.topics[i];
    int64_t records = 0;
    for (int32_t p = 0; p < t->n_parts; p++) records += t->parts[p].high - t->parts[p].low;
    sq_value_t row[] = {sq_str(t->name, (uint32_t)strlen(t->name)), sq_int(t->n_parts), sq_int(records)};
    ok = sq_result_row(r, row);
  }
  sq_kafka_topic_list_free(&list);
  return ok;
}

static bool describe_topic(const sq_statement_ctx_t *c, sq_result_t *r) {
  static const char *const names[] = {"partition", "start_offset", "end_offset", "records"};
  static const sq_type_t types[] = {SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_BIGINT};
  const char *topic = c->stmt->name.text;
  int64_t sample = c->stmt->a ? c->stmt->a->ival : DEFAULT_SAMPLE;
  if (sample < 1) return snprintf(r->err, sizeof r->err, "SAMPLE needs at least 1 record") < 0;
  sq_kafka_topic_list_t list;
  sq_print_options_t po = {.format = c->format};
  bool ok = topic_info(c->kafka, topic, &list, r->err, sizeof r->err) && sq_result_begin(r, c->out, &po, names, types, 4);
  const sq_kafka_topic_info_t *t = ok ? &list.topics[0] : NULL;
  for (int32_t p = 0; ok && p < t->n_parts; p++) {
    sq_value_t row[] = {sq_int(p), sq_int(t->parts[p].low), sq_int(t->parts[p].high), sq_int(t->parts[p].high - t->parts[p].low)};
    ok = sq_result_row(r, row);
  }
  if (ok) sq_result_end(r);
  sq_topic_schema_t schema = {0};
  sq_buf_t text = {0};
  if (ok && sample_topic(c->kafka, t, sample, c->stop, &schema, r->err, sizeof r->err) &&
      render(&schema, topic, topic, false, &text, r->err, sizeof r->err)) {
    fprintf(c->out, "-- inferred from %llu records%s\n%.*s\n", (unsigned long long)schema.records,
            schema.not_json ? " (some not JSON objects)" : "", (int)text.len, text.data);
  } else if (ok) {
    fprintf(c->out, "-- no schema: %s\n", r->err); /* the offsets are still worth seeing */
  }
  sq_buf_free(&text);
  sq_topic_schema_free(&schema);
  sq_kafka_topic_list_free(&list);
  return ok;
}

typedef struct printing {
  sq_result_t *r;
  int64_t limit, interval, seen, printed;
  bool ok;
} printing_t;

static bool print_record(void *ctx, const sq_kafka_record_t *rec) {
  printing_t *pr = ctx;
  if (pr->seen++ % pr->interval != 0) return true;
  sq_value_t row[] = {sq_int(rec->partition), sq_int(rec->offset), rec->timestamp >= 0 ? sq_ts(rec->timestamp) : sq_null(),
                      rec->key ? sq_str(rec->key, (uint32_t)rec->key_len) : sq_null(),
                      rec->value ? sq_str(rec->value, (uint32_t)rec->value_len) : sq_null()};
  pr->ok = sq_result_row(pr->r, row) && sq_result_flush(pr->r);
  return pr->ok && (!pr->limit || ++pr->printed < pr->limit);
}

static bool print_topic(const sq_statement_ctx_t *c, sq_result_t *r) {
  static const char *const names[] = {"partition", "offset", "timestamp", "key", "value"};
  static const sq_type_t types[] = {SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_TIMESTAMP, SQ_TYPE_STRING, SQ_TYPE_STRING};
  const sq_ast_t *s = c->stmt;
  printing_t pr = {r, s->a ? s->a->ival : 0, s->b ? s->b->ival : 1, 0, 0, true};
  if (pr.interval < 1) return snprintf(r->err, sizeof r->err, "INTERVAL needs a positive number of records") < 0;
  if (s->a && pr.limit < 1) return snprintf(r->err, sizeof r->err, "LIMIT needs a positive number of records") < 0;
  sq_kafka_topic_list_t list;
  if (!topic_info(c->kafka, s->name.text, &list, r->err, sizeof r->err)) return false;
  const sq_kafka_topic_info_t *t = &list.topics[0];
  int64_t *start = calloc((size_t)t->n_parts + 1, sizeof *start), ms = 0;
  bool ok = start != NULL;
  if (s->sub == SQ_PRINT_FROM_TIMESTAMP && !sq_timestamp_parse(s->c->text, strlen(s->c->text), &ms))
    ok = snprintf(r->err, sizeof r->err, "FROM TIMESTAMP needs an ISO-8601 time like '2026-01-01T00:00:00Z'") < 0;
  rd_kafka_t *rk = ok && s->sub == SQ_PRINT_FROM_TIMESTAMP ? sq_kafka_inspector_new(c->kafka, r->err, sizeof r->err) : NULL;
  if (rk) ok = sq_kafka_offsets_for_time(rk, t->name, t->n_parts, ms, start, r->err, sizeof r->err);
  else if (s->sub == SQ_PRINT_FROM_TIMESTAMP) ok = false;
  for (int32_t p = 0; ok && s->sub != SQ_PRINT_FROM_TIMESTAMP && p < t->n_parts; p++)
    start[p] = s->sub == SQ_PRINT_FROM_BEGINNING ? RD_KAFKA_OFFSET_BEGINNING : s->sub == SQ_PRINT_FROM_OFFSET ? s->c->ival : RD_KAFKA_OFFSET_END;
  if (rk) rd_kafka_destroy(rk);
  sq_print_options_t po = {.format = c->format};
  ok = ok && sq_result_begin(r, c->out, &po, names, types, 5) &&
       sq_kafka_read_records(c->kafka, t->name, start, NULL, t->n_parts, print_record, &pr, c->stop, r->err, sizeof r->err) && pr.ok;
  free(start);
  sq_kafka_topic_list_free(&list);
  return ok;
}

int sq_run_show_topics(const sq_statement_ctx_t *c) {
  sq_result_t r = {0};
  bool ok = c->stmt->kind == SQ_AST_SHOW ? show_topics(c, &r) : c->stmt->kind == SQ_AST_PRINT ? print_topic(c, &r) : describe_topic(c, &r);
  if (!ok) fprintf(stderr, "streamq %s: %s\n", c->command, r.err);
  sq_result_end(&r);
  return ok ? SQ_EXIT_OK : SQ_EXIT_RUNTIME;
}
