/* The datagen source: Nexmark persons, auctions or bids, or a plain
 * sequence (seq, ts). `count` makes it finite; `rate` paces it in records
 * per second of wall-clock time (0: as fast as possible). Event times come
 * from the model, not the clock, so output does not depend on the rate. */
#include <stdlib.h>
#include <string.h>

#include "engine/datagen_schema.h"
#include "runtime/kit/clock.h"
#include "engine/nexmark.h"
#include "runtime/kit/options.h"
#include "runtime/connectors/datagen/datagen.h"

typedef struct sq_reader_datagen {
  sq_reader_t base;
  const sq_datagen_kind_t *kind;
  bool sequence;
  sq_nexmark_kind_t nexmark;
  uint64_t seed, produced, count, rate; /* count 0: unbounded */
  double started;
  int *to_column;  /* kind column -> relation column, or -1 */
  sq_value_t *scratch;
} sq_reader_datagen_t;

static sq_read_status_t datagen_read(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec) {
  sq_reader_datagen_t *g = (sq_reader_datagen_t *)r;
  out->n = 0;
  uint64_t want = out->cap;
  if (g->count) {
    if (g->produced >= g->count) return SQ_READ_END;
    if (g->count - g->produced < want) want = g->count - g->produced;
  }
  if (g->rate) {
    double allowed = (sq_clock_seconds() - g->started) * (double)g->rate;
    uint64_t due = allowed > (double)g->produced ? (uint64_t)allowed - g->produced : 0;
    if (due < want) want = due;
    if (want == 0) return SQ_READ_IDLE;
  }
  int64_t now = sq_clock_ms();
  for (uint64_t i = 0; i < want; i++) {
    uint64_t index = g->produced++;
    if (g->sequence) {
      g->scratch[0] = sq_int((int64_t)index);
      g->scratch[1] = sq_ts(SQ_NEXMARK_BASE_MS + (int64_t)index);
    } else {
      sq_nexmark_fill(g->nexmark, sq_nexmark_event_number(g->nexmark, index), g->seed, g->scratch, &exec->arena);
    }
    sq_value_t *row = sq_batch_row(out, out->n);
    sq_set_null(row, out->width);
    for (size_t c = 0; c < g->kind->n_columns; c++)
      if (g->to_column[c] >= 0) row[g->to_column[c]] = g->scratch[c];
    if (!sq_reader_stamp(r, out, out->n, 0, now, now)) {
      sq_exec_fail(exec, "source '%s': the event-time column is NULL", r->rel->name);
      return SQ_READ_ERROR;
    }
    out->n++;
  }
  return SQ_READ_ROWS;
}

static void datagen_destroy(sq_reader_t *r) {
  sq_reader_datagen_t *g = (sq_reader_datagen_t *)r;
  free(g->to_column);
  free(g->scratch);
  free(g);
}

static void datagen_save(const sq_reader_t *r, sq_buf_t *out) { sq_put_u64(out, ((const sq_reader_datagen_t *)r)->produced); }

static bool datagen_load(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size) {
  sq_reader_datagen_t *g = (sq_reader_datagen_t *)r;
  g->produced = sq_get_u64(in);
  if (in->failed) return snprintf(err, err_size, "corrupt checkpoint record of source '%s'", r->rel->name), false;
  if (g->rate) g->started -= (double)g->produced / (double)g->rate; /* keep the pace, not catch up */
  return true;
}

static const sq_reader_class_t datagen_class = {.read = datagen_read, .destroy = datagen_destroy, .save = datagen_save, .load = datagen_load};

sq_reader_t *sq_datagen_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size) {
  (void)read, (void)rt;
  sq_reader_datagen_t *g = calloc(1, sizeof *g);
  if (!g) return snprintf(err, err_size, "out of memory"), NULL;
  const sq_ast_t *kind = sq_relation_option(rel, "kind");
  g->kind = sq_datagen_kind(kind->text);
  g->sequence = strcmp(kind->text, "sequence") == 0;
  g->nexmark = strcmp(kind->text, "nexmark_person") == 0 ? SQ_NEXMARK_PERSON
             : strcmp(kind->text, "nexmark_auction") == 0 ? SQ_NEXMARK_AUCTION : SQ_NEXMARK_BID;
  g->seed = (uint64_t)sq_option_int(rel, "seed");
  g->count = (uint64_t)sq_option_int(rel, "count");
  g->rate = (uint64_t)sq_option_int(rel, "rate");
  g->started = sq_clock_seconds();
  g->to_column = calloc(g->kind->n_columns, sizeof *g->to_column);
  g->scratch = calloc(g->kind->n_columns, sizeof *g->scratch);
  if (!sq_reader_init(&g->base, &datagen_class, rel, NULL, err, err_size) || !g->to_column || !g->scratch ||
      !sq_reader_assign(&g->base, 0, true, sq_clock_ms())) {
    if (!err[0]) snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&g->base);
    return NULL;
  }
  for (size_t c = 0; c < g->kind->n_columns; c++) g->to_column[c] = sq_relation_find_column(rel, g->kind->columns[c].name);
  return &g->base;
}
