/* The run's metric series, /health's parts and the status line. Series
 * are created here, once (a partition's when it first appears), and set
 * from plain counters once a round: nothing on the record path touches a
 * metric. */
#include "runtime/app/run_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scalar.h"
#include "engine/value_text.h"
#include "runtime/connectors/kafka/client.h"

/* One source's series: per partition, and for the source. */
typedef struct source_series {
  sq_metric_t **records, **lag; /* by partition; lag NULL unless the reader has_lag */
  uint32_t n;                   /* partitions with series */
  sq_metric_t *bad, *skew;
} source_series_t;

struct sq_run_report {
  const sq_plan_t *plan;
  sq_reader_t *const *readers;
  sq_metrics_t *reg;
  sq_metric_t **sink_out, **sink_errors, **sink_retries;
  sq_metric_t **op_late, **op_watermark, **op_records, **op_busy, **state_keys, **state_bytes;
  sq_metric_t *broker_up;
  source_series_t *sources;
  const sq_tasks_t **tasks; /* by source: its tasks, or NULL */
  bool status_line;
  uint64_t status_in, status_out; /* totals at the last status line */
};

void sq_run_report_free(sq_run_report_t *r) {
  if (!r) return;
  free(r->tasks);
  free(r->sink_out);
  free(r->sink_errors);
  free(r->sink_retries);
  free(r->op_late);
  free(r->op_watermark);
  free(r->op_records);
  free(r->op_busy);
  free(r->state_keys);
  free(r->state_bytes);
  for (uint32_t i = 0; r->sources && i < r->plan->n_sources; i++) {
    free(r->sources[i].records);
    free(r->sources[i].lag);
  }
  free(r->sources);
  free(r);
}

sq_run_report_t *sq_run_report_new(const sq_plan_t *plan, sq_reader_t *const *readers, sq_metrics_t *reg, bool status_line) {
  sq_run_report_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  *r = (sq_run_report_t){.plan = plan, .readers = readers, .reg = reg, .status_line = status_line};
  size_t sinks = plan->n_sinks + 1, ops = plan->n_ops + 1;
  r->sink_out = calloc(sinks, sizeof *r->sink_out);
  r->sink_errors = calloc(sinks, sizeof *r->sink_errors);
  r->sink_retries = calloc(sinks, sizeof *r->sink_retries);
  r->op_late = calloc(ops, sizeof *r->op_late);
  r->op_watermark = calloc(ops, sizeof *r->op_watermark);
  r->op_records = calloc(ops, sizeof *r->op_records);
  r->op_busy = calloc(ops, sizeof *r->op_busy);
  r->state_keys = calloc(ops, sizeof *r->state_keys);
  r->state_bytes = calloc(ops, sizeof *r->state_bytes);
  r->sources = calloc(plan->n_sources + 1, sizeof *r->sources);
  if (!r->sink_out || !r->sink_errors || !r->sink_retries || !r->op_late || !r->op_watermark || !r->op_records || !r->op_busy ||
      !r->state_keys || !r->state_bytes || !r->sources) {
    sq_run_report_free(r);
    return NULL;
  }
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    const char *labels[] = {"sink", plan->sinks[i]->name, NULL};
    r->sink_out[i] = sq_metrics_counter(reg, "streamq_records_out_total", "Records written, by sink.", labels);
    r->sink_errors[i] = sq_metrics_counter(reg, "streamq_sink_errors_total", "Records a sink failed to deliver for good, by sink.", labels);
    r->sink_retries[i] = sq_metrics_counter(reg, "streamq_sink_retries_total", "Deliveries a sink tried again, by sink.", labels);
  }
  for (uint32_t i = 0; i < plan->n_ops; i++) {
    char name[64];
    snprintf(name, sizeof name, "%d_%s", plan->ops[i]->id, plan->ops[i]->cls->name);
    const char *labels[] = {"operator", name, NULL};
    r->op_late[i] = sq_metrics_counter(reg, "streamq_late_records_total", "Records dropped as late, by operator.", labels);
    r->op_watermark[i] = sq_metrics_gauge(reg, "streamq_watermark_seconds", "The watermark each operator last passed on, epoch seconds.", labels);
    r->op_records[i] = sq_metrics_counter(reg, "streamq_operator_records_total", "Rows pushed into each operator.", labels);
    r->op_busy[i] = sq_metrics_seconds_counter(reg, "streamq_operator_busy_seconds_total",
                                               "Seconds spent in each operator, not counting its outputs.", labels);
    r->state_keys[i] = sq_metrics_gauge(reg, "streamq_state_keys", "State entries held by each operator.", labels);
    r->state_bytes[i] = sq_metrics_gauge(reg, "streamq_state_bytes", "State bytes held by each operator.", labels);
  }
  static const char *const actions[] = {"fail", "skip", "dlq"};
  for (uint32_t i = 0; i < plan->n_sources; i++) {
    const sq_reader_t *rd = readers[i];
    const char *labels[] = {"source", rd->rel->name, "action", actions[rd->bad.action], NULL};
    r->sources[i].bad = sq_metrics_counter(reg, "streamq_bad_records_total", "Records that could not be read, by source and on_error action.", labels);
    labels[2] = NULL;
    r->sources[i].skew = sq_metrics_gauge(reg, "streamq_partition_skew_ratio", "The busiest partition's input rate over the mean, by source.", labels);
  }
  r->broker_up = sq_metrics_gauge(reg, "streamq_broker_up", "1 while the Kafka cluster answers requests, 0 when it does not (down or hung; -1: no Kafka).", NULL);
  return r;
}

/* Series for the partitions a reader has come to know since the last round. */
static bool partition_series(sq_run_report_t *r, source_series_t *s, const sq_reader_t *rd) {
  if (rd->n_parts <= s->n) return true;
  sq_metric_t **records = realloc(s->records, rd->n_parts * sizeof *records);
  if (!records) return false;
  s->records = records;
  sq_metric_t **lag = rd->cls->has_lag ? realloc(s->lag, rd->n_parts * sizeof *lag) : NULL;
  if (rd->cls->has_lag && !lag) return false;
  s->lag = lag;
  for (uint32_t p = s->n; p < rd->n_parts; p++) {
    char id[16];
    snprintf(id, sizeof id, "%u", p);
    const char *labels[] = {"source", rd->rel->name, "partition", id, NULL};
    records[p] = sq_metrics_counter(r->reg, "streamq_records_in_total", "Records read, by source and partition.", labels);
    if (lag) lag[p] = sq_metrics_gauge(r->reg, "streamq_consumer_lag", "Records behind the partition's end, by source and partition.", labels);
  }
  s->n = rd->n_parts;
  return true;
}

bool sq_run_report_publish(sq_run_report_t *r, sq_health_t *health) {
  const sq_plan_t *plan = r->plan;
  uint64_t in = 0, out = 0;
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    sq_metric_store(r->sink_out[i], plan->sinks[i]->records_out);
    sq_metric_store(r->sink_errors[i], plan->sinks[i]->errors);
    sq_metric_store(r->sink_retries[i], plan->sinks[i]->retries);
    out += plan->sinks[i]->records_out;
  }
  for (uint32_t i = 0; i < plan->n_ops; i++) {
    const sq_op_t *op = plan->ops[i];
    sq_metric_store(r->op_late[i], op->late);
    sq_metric_set(r->op_watermark[i], (double)op->watermark / 1000);
    sq_metric_store(r->op_records[i], op->records);
    sq_metric_set(r->op_busy[i], op->busy);
    size_t keys, bytes;
    sq_op_state_usage(op, plan->state, &keys, &bytes);
    sq_metric_set(r->state_keys[i], (double)keys);
    sq_metric_set(r->state_bytes[i], (double)bytes);
  }
  bool ok = true;
  for (uint32_t i = 0; i < plan->n_sources; i++) {
    const sq_reader_t *rd = r->readers[i];
    source_series_t *s = &r->sources[i];
    sq_metric_store(s->bad, rd->bad.count);
    sq_metric_set(s->skew, rd->skew_ratio);
    in += rd->records_in;
    if (!partition_series(r, s, rd)) {
      ok = false;
      continue;
    }
    for (uint32_t p = 0; p < rd->n_parts; p++) {
      sq_metric_store(s->records[p], rd->parts[p].records_in);
      if (s->lag && rd->parts[p].lag >= 0) sq_metric_set(s->lag[p], (double)rd->parts[p].lag);
    }
  }
  sq_metric_set(r->broker_up, sq_kafka_broker_up());
  atomic_store(&health->broker_up, sq_kafka_broker_up());
  atomic_store(&health->records_in, in);
  atomic_store(&health->records_out, out);
  return ok;
}

/* Consumer lag summed over a reader's assigned partitions. */
static double reader_lag(const sq_reader_t *rd) {
  double lag = 0;
  for (uint32_t p = 0; p < rd->n_parts; p++)
    if (rd->parts[p].assigned && rd->parts[p].lag > 0) lag += (double)rd->parts[p].lag;
  return lag;
}

/* A source's partitions over the skew threshold at the last sample, with
 * their heaviest keys: [{"partition":3,"rate_over_mean":4.2,"hot_keys":
 * [{"key":"card-77","share":0.48},...]},...]. */
static void health_hot(const sq_reader_t *rd, sq_buf_t *json) {
  sq_buf_puts(json, ",\"hot_partitions\":[");
  for (uint32_t i = 0; i < rd->n_hot; i++) {
    const sq_reader_hot_t *h = &rd->hot[i];
    char item[96];
    snprintf(item, sizeof item, "%s{\"partition\":%u,\"rate_over_mean\":%.2f,\"hot_keys\":[", i ? "," : "", h->partition, h->ratio);
    sq_buf_puts(json, item);
    for (uint32_t k = 0; k < h->n_keys; k++) {
      sq_buf_puts(json, k ? ",{\"key\":" : "{\"key\":");
      sq_encode_json_string(json, h->keys[k].text, strlen(h->keys[k].text));
      snprintf(item, sizeof item, ",\"share\":%.3f}", h->keys[k].share);
      sq_buf_puts(json, item);
    }
    sq_buf_puts(json, "]}");
  }
  sq_buf_putc(json, ']');
}

/* /health's per-source part, total lag and blocked sinks. Names are the
 * user's identifiers: any byte may need escaping. */
static void health_sources(const sq_run_report_t *r, sq_health_t *h) {
  const sq_plan_t *plan = r->plan;
  sq_buf_t json = {0};
  double lag = 0;
  sq_buf_putc(&json, '[');
  for (uint32_t i = 0; i < plan->n_sources; i++) {
    const sq_reader_t *rd = r->readers[i];
    uint32_t assigned = 0;
    for (uint32_t p = 0; p < rd->n_parts; p++) assigned += rd->parts[p].assigned;
    double source_lag = reader_lag(rd);
    lag += source_lag;
    char item[256], watermark[40] = "null";
    if (rd->watermark != INT64_MIN) snprintf(watermark, sizeof watermark, "%lld", (long long)rd->watermark);
    sq_buf_puts(&json, i ? ",{\"source\":" : "{\"source\":");
    sq_encode_json_string(&json, rd->rel->name, strlen(rd->rel->name));
    sq_buf_puts(&json, ",\"connector\":");
    sq_encode_json_string(&json, rd->rel->connector->name, strlen(rd->rel->connector->name));
    snprintf(item, sizeof item, ",\"partitions\":%u,\"records_in\":%llu,\"lag\":%.0f,\"watermark_ms\":%s,\"ended\":%s", assigned,
             (unsigned long long)rd->records_in, source_lag, watermark, rd->ended ? "true" : "false");
    sq_buf_puts(&json, item);
    health_hot(rd, &json);
    if (r->tasks && r->tasks[i]) sq_tasks_describe(r->tasks[i], &json);
    sq_buf_putc(&json, '}');
  }
  sq_buf_putc(&json, ']');
  sq_health_set_sources(h, json.failed ? "[]" : json.data, json.failed ? 2 : json.len, lag);
  sq_buf_clear(&json);
  sq_buf_putc(&json, '[');
  for (uint32_t i = 0, n = 0; i < plan->n_sinks; i++) {
    if (!plan->sinks[i]->blocked) continue;
    if (n++) sq_buf_putc(&json, ',');
    sq_encode_json_string(&json, plan->sinks[i]->name, strlen(plan->sinks[i]->name));
  }
  sq_buf_putc(&json, ']');
  sq_health_set_blocked_sinks(h, json.failed ? "[]" : json.data, json.failed ? 2 : json.len);
  sq_buf_free(&json);
}

/* The one-line live status on a terminal: rates since the last line,
 * total consumer lag, the slowest source watermark and the age of the
 * last checkpoint. */
static void status_print(sq_run_report_t *r, double seconds, double checkpoint_age) {
  const sq_plan_t *plan = r->plan;
  uint64_t in = 0, out = 0;
  double lag = 0;
  int64_t wm = INT64_MAX;
  for (uint32_t i = 0; i < plan->n_sources; i++) {
    const sq_reader_t *rd = r->readers[i];
    in += rd->records_in;
    if (rd->watermark < wm) wm = rd->watermark;
    lag += reader_lag(rd);
  }
  for (uint32_t i = 0; i < plan->n_sinks; i++) out += plan->sinks[i]->records_out;
  char watermark[40] = "none";
  if (wm != INT64_MIN && wm != INT64_MAX) sq_format_timestamp(wm, watermark, sizeof watermark);
  fprintf(stderr, "\r\033[Kin %.0f/s  out %.0f/s  lag %.0f  watermark %s  checkpoint %.0fs ago", (double)(in - r->status_in) / seconds,
          (double)(out - r->status_out) / seconds, lag, watermark, checkpoint_age);
  r->status_in = in;
  r->status_out = out;
}

void sq_run_report_second(sq_run_report_t *r, sq_health_t *health, double seconds, double checkpoint_age) {
  if (r->status_line) status_print(r, seconds, checkpoint_age);
  health_sources(r, health);
}

bool sq_run_report_tasks(sq_run_report_t *r, uint32_t source, const sq_tasks_t *tasks) {
  if (!r->tasks && !(r->tasks = calloc(r->plan->n_sources, sizeof *r->tasks))) return false;
  r->tasks[source] = tasks;
  return true;
}

void sq_run_report_end(sq_run_report_t *r) {
  if (r && r->status_line) fprintf(stderr, "\r\033[K");
}
