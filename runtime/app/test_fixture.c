/* Fixture readers. Each reads its own rows while the shared arrival order
 * points at them, and is idle otherwise; the executor's round robin then
 * delivers rows in exactly that order (consecutive rows of one source may
 * share a batch: results do not depend on batch boundaries). Rows go
 * through the source's own decoder and on_error, with `dlq` counting like
 * `skip` (a test writes no dead-letter file). Partitions are the ones the
 * rows name, all assigned from the start; none goes idle, so the
 * watermark is the smallest partition's largest event time minus the
 * delay, and the end of the input closes every window. */
#include "runtime/app/test_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/format.h"
#include "runtime/connectors/registry.h"
#include "runtime/kit/options.h"

typedef struct sq_reader_fixture {
  sq_reader_t base;
  sq_fixtures_t *fx;
  const sq_test_input_t *in; /* NULL: an empty source */
  int input;
  size_t read;               /* rows taken from the arrival order */
  sq_decoder_t *decoder;
  char *topic;               /* a Kafka source's, for _topic */
  int64_t *next_offset;      /* by partition */
  uint32_t n_declared;
  int key_col, topic_col, partition_col, offset_col, timestamp_col;
} sq_reader_fixture_t;

static bool is_kafka(const sq_relation_t *rel) { return strcmp(rel->connector->name, "kafka") == 0; }

/* Fills the metadata columns of `row` from fixture row `fr`; the Kafka
 * defaults (partition 0, offsets counting up) for a Kafka source. */
static uint32_t metadata(sq_reader_fixture_t *f, const sq_test_row_t *fr, sq_value_t *row) {
  bool kafka = f->topic != NULL;
  uint32_t p = fr->partition >= 0 ? (uint32_t)fr->partition : 0;
  int64_t offset = fr->offset >= 0 ? fr->offset : f->next_offset[p];
  f->next_offset[p] = offset + 1;
  if (fr->key) row[f->key_col] = sq_str(fr->key, (uint32_t)fr->key_len);
  if (kafka) row[f->topic_col] = sq_str(f->topic, (uint32_t)strlen(f->topic));
  if (kafka || fr->partition >= 0) row[f->partition_col] = sq_int(p);
  if (kafka || fr->offset >= 0) row[f->offset_col] = sq_int(offset);
  if (fr->has_timestamp) row[f->timestamp_col] = sq_ts(fr->timestamp);
  return p;
}

static sq_read_status_t fixture_read(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec) {
  sq_reader_fixture_t *f = (sq_reader_fixture_t *)r;
  sq_fixtures_t *fx = f->fx;
  out->n = 0;
  while (fx->next < fx->n_order && !fx->opened[fx->order[fx->next].input]) fx->next++; /* rows no query reads */
  while (f->in && out->n < out->cap && fx->next < fx->n_order && (int)fx->order[fx->next].input == f->input) {
    const sq_test_row_t *fr = &f->in->rows[fx->order[fx->next++].row];
    f->read++;
    sq_value_t *row = sq_batch_row(out, out->n);
    sq_set_null(row + f->n_declared, out->width - f->n_declared);
    char err[256];
    bool ok = sq_decode(f->decoder, fr->text, fr->len, row, &exec->arena, err, sizeof err);
    uint32_t p = metadata(f, fr, row);
    if (ok && !sq_reader_stamp(r, out, out->n, p, exec->now_ms, fr->has_timestamp ? fr->timestamp : 0)) {
      snprintf(err, sizeof err, "the event-time column is NULL");
      ok = false;
    }
    if (ok) out->n++;
    else if (!sq_bad_record(&r->bad, fr->text, fr->len, err, &(sq_record_origin_t){.place = fr->place}, exec)) return SQ_READ_ERROR;
  }
  if (out->n) return SQ_READ_ROWS;
  if (f->in && f->read < f->in->n_rows) return SQ_READ_IDLE; /* not its turn */
  r->caught_up = true;
  return SQ_READ_END;
}

static void fixture_destroy(sq_reader_t *r) {
  sq_reader_fixture_t *f = (sq_reader_fixture_t *)r;
  f->fx->bad[r->rel->id] = r->bad.count;
  sq_decoder_destroy(f->decoder);
  free(f->topic);
  free(f->next_offset);
  free(f);
}

static const sq_reader_class_t fixture_class = {.read = fixture_read, .destroy = fixture_destroy};

sq_reader_t *sq_fixture_reader_open(const sq_runtime_t *rt, const sq_relation_t *rel, const bool *read, char *err, size_t err_size) {
  sq_fixtures_t *fx = rt->open_reader_ctx;
  const sq_test_input_t *in = sq_test_input(fx->test, rel->name);
  if (!in && strcmp(rel->connector->name, "datagen") == 0) return sq_reader_open(rel, read, rt, err, err_size);
  sq_reader_fixture_t *f = calloc(1, sizeof *f);
  if (!f) return snprintf(err, err_size, "out of memory"), NULL;
  sq_reader_init_fields(&f->base, &fixture_class, rel);
  f->base.bad = (sq_bad_records_t){.source = rel->name, .action = sq_option_is(rel, "on_error", "skip") || sq_option_is(rel, "on_error", "dlq")
                                                                   ? SQ_ON_ERROR_SKIP : SQ_ON_ERROR_FAIL};
  f->base.idle_timeout = 0;
  /* with an interleave, tables are not read ahead: the test says when each row arrives */
  f->base.caught_up = fx->test->interleave != NULL;
  f->fx = fx;
  f->in = in;
  f->input = in ? (int)(in - fx->test->inputs) : -1;
  uint32_t parts = 1;
  for (size_t i = 0; in && i < in->n_rows; i++)
    if (in->rows[i].partition >= (int64_t)parts) parts = (uint32_t)in->rows[i].partition + 1;
  char topic_err[256];
  f->topic = is_kafka(rel) ? sq_option_string(rel, "topic", topic_err, sizeof topic_err) : NULL;
  f->next_offset = calloc(parts, sizeof *f->next_offset);
  f->decoder = sq_reader_decoder(&f->base, read);
  bool ok = f->next_offset && f->decoder && (!in || !in->positional || sq_decoder_positional(f->decoder)) &&
            (!is_kafka(rel) || f->topic);
  size_t n_rows = in ? in->n_rows : 0;
  for (size_t i = 0; ok && i < (n_rows ? n_rows : 1); i++) { /* an empty source still has partition 0 */
    int64_t p = n_rows ? in->rows[i].partition : 0;
    ok = sq_reader_assign(&f->base, p > 0 ? (uint32_t)p : 0, true, 0);
  }
  if (!ok) {
    snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&f->base);
    return NULL;
  }
  if (in && in->header && !sq_decoder_header(f->decoder, in->header, strlen(in->header), err, err_size)) {
    char why[256];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, err_size, "source '%s': %s: %s", rel->name, sq_sql_name(in->file.sql), why);
    sq_reader_destroy(&f->base);
    return NULL;
  }
  while (f->n_declared < rel->n_columns && !rel->columns[f->n_declared].metadata) f->n_declared++;
  f->key_col = sq_relation_find_column(rel, "_key");
  f->topic_col = sq_relation_find_column(rel, "_topic");
  f->partition_col = sq_relation_find_column(rel, "_partition");
  f->offset_col = sq_relation_find_column(rel, "_offset");
  f->timestamp_col = sq_relation_find_column(rel, "_timestamp");
  if (in) fx->opened[f->input] = true;
  return &f->base;
}

/* The default order: tables first (they are read whole before streams
 * are joined with them, as in `run`), then sources, each whole, in
 * declaration order. */
static bool default_order(sq_fixtures_t *fx, const sq_program_t *prog) {
  const sq_test_case_t *t = fx->test;
  size_t n = 0;
  for (size_t i = 0; i < t->n_inputs; i++) n += t->inputs[i].n_rows;
  if (!(fx->order = calloc(n + 1, sizeof *fx->order))) return false;
  for (int tables = 1; tables >= 0; tables--)
    for (size_t c = 0; c < sq_catalog_count(prog->catalog); c++) {
      const sq_relation_t *rel = sq_catalog_at(prog->catalog, c);
      const sq_test_input_t *in = sq_test_input(t, rel->name);
      if (!in || (rel->kind == SQ_REL_TABLE) != tables) continue;
      for (size_t r = 0; r < in->n_rows; r++) fx->order[fx->n_order++] = (sq_test_arrival_t){(uint32_t)(in - t->inputs), (uint32_t)r};
    }
  return true;
}

bool sq_fixtures_init(sq_fixtures_t *fx, const sq_test_case_t *t, const sq_program_t *prog) {
  *fx = (sq_fixtures_t){.test = t, .n_relations = sq_catalog_count(prog->catalog)};
  fx->opened = calloc(t->n_inputs + 1, sizeof *fx->opened);
  fx->bad = calloc(fx->n_relations + 1, sizeof *fx->bad);
  if (!fx->opened || !fx->bad) return false;
  if (!t->interleave) return default_order(fx, prog);
  if (!(fx->order = malloc((t->n_interleave + 1) * sizeof *fx->order))) return false;
  memcpy(fx->order, t->interleave, t->n_interleave * sizeof *fx->order);
  fx->n_order = t->n_interleave;
  return true;
}

void sq_fixtures_free(sq_fixtures_t *fx) {
  free(fx->order);
  free(fx->opened);
  free(fx->bad);
}

uint64_t sq_fixtures_bad(const sq_fixtures_t *fx, const sq_program_t *prog, const char *name) {
  const sq_relation_t *rel = sq_catalog_find(prog->catalog, name);
  return rel && rel->id < fx->n_relations ? fx->bad[rel->id] : 0;
}
