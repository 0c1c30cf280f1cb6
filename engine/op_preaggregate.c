/* Pre-aggregation of hot keys in stage 1 (preaggregate.h). Per origin:
 * the keys of the segment's rows in a Space-Saving sketch (a key surely
 * seen SQ_PREAGG_HOT_ROWS times is hot), and the open partials, at most
 * SQ_PREAGG_MAX_OPEN, each the accumulators of one (window, key), found
 * by a scan of the origin's few. A row goes on as it is unless its key
 * is hot and every window it belongs to is open in the origin's own view
 * and has (or gets) a partial: then it is folded into them. A partial is
 * written, as a row of its key columns, origin position, window start
 * and hex accumulators, when the origin's watermark reaches its window's
 * close, at the end of a segment, or at an idle cut. */
#include <stdlib.h>
#include <string.h>

#include "engine/agg_query.h"
#include "engine/key_codec.h"
#include "engine/ops.h"
#include "engine/preaggregate.h"
#include "engine/sketches.h"
#include "engine/timestamp.h"

typedef struct partial {
  int64_t start;
  uint64_t hash;  /* of the key */
  char *key;      /* the key's bytes (key_codec) */
  uint32_t key_len;
  void *payload;  /* the accumulators */
} partial_t;

typedef struct origin {
  sq_preagg_origin_t own; /* when the runtime keeps none */
  sq_hotkeys_t hot;
  partial_t *open;        /* SQ_PREAGG_MAX_OPEN of them, allocated with the first */
  uint32_t n_open;        /* (the shared record's `open` follows it) */
} origin_t;

typedef struct sq_op_preagg {
  sq_op_t base;
  sq_window_spec_t win;
  sq_agg_query_t q;
  int64_t delay;
  sq_preagg_columns_t cols;
  int key_cols[SQ_MAX_INPUTS]; /* where each key value sits in a row */
  sq_preagg_origin_fn origin_of;
  void *origin_ctx;
  origin_t *origins;
  uint32_t n_origins;
  sq_value_t *key, *args;
  sq_buf_t key_bytes, encoded;
  sq_batch_t out;
  int64_t wm; /* the watermark that goes with written rows */
  const void *target; /* the sink relation it writes to */
} sq_op_preagg_t;

static const sq_op_class_t preagg_class;

bool sq_op_preaggregates_for(const sq_op_t *op, const void *target) {
  return op->cls == &preagg_class && ((const sq_op_preagg_t *)op)->target == target;
}

void sq_op_preaggregate_origins(sq_op_t *op, sq_preagg_origin_fn fn, void *ctx) {
  sq_op_preagg_t *a = (sq_op_preagg_t *)op;
  a->origin_of = fn;
  a->origin_ctx = ctx;
}

static void drop_partial(sq_op_preagg_t *a, partial_t *pt) {
  sq_agg_query_release(&a->q, pt->payload);
  free(pt->payload);
  free(pt->key);
}

/* Origin p's own data and its shared record, started over when the
 * runtime assigned it again; NULL when memory runs out, or (*gone) when
 * the runtime keeps records but no longer holds p: its new holder reads
 * it again from the committed offset, and what this one would write from
 * state it started over could differ from that, so it writes nothing. */
static sq_preagg_origin_t *record_of(sq_op_preagg_t *a, uint32_t p, origin_t **o, bool *gone) {
  *gone = false;
  if (p >= a->n_origins) {
    origin_t *v = realloc(a->origins, (p + 1) * sizeof *v);
    if (!v) return NULL;
    memset(v + a->n_origins, 0, (p + 1 - a->n_origins) * sizeof *v);
    for (uint32_t i = a->n_origins; i <= p; i++) v[i].own = (sq_preagg_origin_t){.epoch = 1, .resume_max_ts = INT64_MIN, .resume_cut = -1};
    a->origins = v;
    a->n_origins = p + 1;
  }
  *o = &a->origins[p];
  sq_preagg_origin_t *r = a->origin_of ? a->origin_of(a->origin_ctx, p) : &(*o)->own;
  if (!r) return *gone = true, NULL;
  if (r->seen_epoch != r->epoch) { /* a new holder of the partition: it reads again from the committed offset */
    for (uint32_t i = 0; i < (*o)->n_open; i++) drop_partial(a, &(*o)->open[i]);
    (*o)->n_open = 0;
    sq_hotkeys_reset(&(*o)->hot);
    *r = (sq_preagg_origin_t){.epoch = r->epoch, .seen_epoch = r->epoch, .resume_max_ts = r->resume_max_ts,
                              .resume_cut = r->resume_cut, .replay_from = -1, .replay_max_ts = r->resume_max_ts,
                              .last_offset = -1, .max_ts = r->resume_max_ts, .hold = INT64_MAX};
  }
  return r;
}

static bool flush_out(sq_op_preagg_t *a) {
  bool ok = sq_op_emit(&a->base, &a->out);
  a->out.n = 0;
  return ok;
}

/* The window's close: where a watermark at or past it closes it. */
static int64_t close_of(const sq_op_preagg_t *a, int64_t start) { return start + a->win.size + a->win.grace; }

/* Writes partial i of origin p (at origin position (last_offset, ++index))
 * and removes it. */
static bool write_partial(sq_op_preagg_t *a, uint32_t p, origin_t *o, sq_preagg_origin_t *r, uint32_t i) {
  partial_t *pt = &o->open[i];
  sq_value_t *row = sq_batch_row(&a->out, a->out.n);
  sq_set_null(row, a->out.width);
  sq_value_t *key = a->key;
  if (!sq_key_get_values(pt->key, pt->key + pt->key_len, key, a->q.n_keys, &a->base.exec->arena))
    return sq_exec_fail(a->base.exec, "corrupt partial aggregate key");
  for (uint32_t k = 0; k < a->q.n_keys; k++) { /* a string may point into the key's bytes, freed below */
    if (key[k].type == SQ_TYPE_STRING && key[k].u.s.len) {
      char *copy = sq_arena_alloc(&a->base.exec->arena, key[k].u.s.len);
      if (!copy) return sq_exec_fail(a->base.exec, "out of memory writing a partial aggregate");
      memcpy(copy, key[k].u.s.p, key[k].u.s.len);
      key[k].u.s.p = copy;
    }
    row[a->key_cols[k]] = key[k];
  }
  sq_buf_clear(&a->encoded);
  sq_agg_query_encode(&a->q, pt->payload, &a->encoded);
  char *hex = a->encoded.failed ? NULL : sq_arena_alloc(&a->base.exec->arena, 2 * a->encoded.len + 1);
  if (!hex) return sq_exec_fail(a->base.exec, "out of memory writing a partial aggregate");
  sq_hex_encode(hex, a->encoded.data, a->encoded.len);
  row[a->cols.partition] = sq_int(p);
  row[a->cols.offset] = sq_int(r->last_offset);
  row[a->cols.index] = sq_int(++r->index);
  row[a->cols.rowtime] = row[a->cols.window] = sq_ts(pt->start);
  row[a->cols.partial] = sq_str(hex, (uint32_t)(2 * a->encoded.len));
  a->out.times[a->out.n] = pt->start;
  a->out.wms[a->out.n++] = a->wm;
  drop_partial(a, pt);
  o->open[i] = o->open[--o->n_open];
  r->open = o->n_open;
  return sq_batch_has_room(&a->out) || flush_out(a);
}

/* Writes origin p's partials whose windows close at or before `upto`
 * (INT64_MAX: all), in the order they stand, and the hold that remains. */
static bool write_closed(sq_op_preagg_t *a, uint32_t p, origin_t *o, sq_preagg_origin_t *r, int64_t upto) {
  if (upto < r->hold) return true;
  int64_t hold = INT64_MAX;
  for (uint32_t i = 0; i < o->n_open;) {
    int64_t close = close_of(a, o->open[i].start);
    if (close <= upto) {
      if (!write_partial(a, p, o, r, i)) return false;
      continue; /* the last one moved into i */
    }
    if (close < hold) hold = close;
    i++;
  }
  r->hold = hold;
  return true;
}

/* The open partial of (window at `start`, the current key) of origin o,
 * or NULL. */
static partial_t *find(sq_op_preagg_t *a, origin_t *o, int64_t start, uint64_t hash) {
  for (uint32_t i = 0; i < o->n_open; i++) {
    partial_t *pt = &o->open[i];
    if (pt->hash == hash && pt->start == start && pt->key_len == a->key_bytes.len && memcmp(pt->key, a->key_bytes.data, pt->key_len) == 0)
      return pt;
  }
  return NULL;
}

static partial_t *open_partial(sq_op_preagg_t *a, origin_t *o, sq_preagg_origin_t *r, int64_t start, uint64_t hash) {
  if (!o->open && !(o->open = calloc(SQ_PREAGG_MAX_OPEN, sizeof *o->open))) return NULL;
  partial_t *pt = &o->open[o->n_open];
  *pt = (partial_t){.start = start, .hash = hash, .key_len = (uint32_t)a->key_bytes.len};
  if (!(pt->key = malloc(pt->key_len ? pt->key_len : 1)) || !(pt->payload = calloc(1, a->q.payload_size ? a->q.payload_size : 1))) {
    free(pt->key);
    return NULL;
  }
  memcpy(pt->key, a->key_bytes.data, pt->key_len);
  r->open = ++o->n_open;
  if (close_of(a, start) < r->hold) r->hold = close_of(a, start);
  return pt;
}

/* Folds the current row into its windows' partials if its key is hot and
 * they are all open in the origin's view and fit; false (the row goes as
 * it is) otherwise. *oom when memory runs out. */
static bool fold(sq_op_preagg_t *a, origin_t *o, sq_preagg_origin_t *r, int64_t ts, bool *oom) {
  *oom = false;
  if (sq_hotkeys_add(&o->hot, a->key, a->q.n_keys, 1) < SQ_PREAGG_HOT_ROWS) return false; /* most rows */
  int64_t own_wm = r->max_ts == INT64_MIN ? INT64_MIN : r->max_ts - a->delay;
  int64_t first = sq_floor_div(ts, a->win.advance) * a->win.advance;
  for (int64_t s = first; s > ts - a->win.size; s -= a->win.advance)
    if (close_of(a, s) <= own_wm) return false;
  sq_buf_clear(&a->key_bytes);
  for (uint32_t i = 0; i < a->q.n_keys; i++) sq_key_put_value(&a->key_bytes, a->key[i]);
  if (a->key_bytes.failed) return !(*oom = true);
  uint64_t hash = 0x9e3779b97f4a7c15ull;
  uint32_t missing = 0;
  for (uint32_t i = 0; i < a->q.n_keys; i++) hash = sq_value_hash(a->key[i], hash);
  for (int64_t s = first; s > ts - a->win.size; s -= a->win.advance) missing += !find(a, o, s, hash);
  if (o->n_open + missing > SQ_PREAGG_MAX_OPEN) return false;
  for (int64_t s = first; s > ts - a->win.size; s -= a->win.advance) {
    partial_t *pt = find(a, o, s, hash);
    if ((!pt && !(pt = open_partial(a, o, r, s, hash))) || !sq_agg_query_update(&a->q, pt->payload, a->args, ts))
      return *oom = true;
  }
  return true;
}

/* Before a row at `offset`: the segment ends at a new block of offsets,
 * or past a recorded idle cut; every partial is written first. */
static bool begin_row(sq_op_preagg_t *a, uint32_t p, origin_t *o, sq_preagg_origin_t *r, int64_t offset) {
  bool cut = r->replay_from >= 0 && (offset / SQ_PREAGG_SEGMENT != r->replay_from / SQ_PREAGG_SEGMENT ||
                                     (r->resume_cut >= 0 && offset > r->resume_cut));
  if (cut && !write_closed(a, p, o, r, INT64_MAX)) return false;
  if (r->replay_from < 0 || cut) {
    r->replay_from = offset;
    r->replay_max_ts = r->max_ts;
    sq_hotkeys_reset(&o->hot);
    if (r->resume_cut >= 0 && offset > r->resume_cut) r->resume_cut = -1;
  }
  r->last_offset = offset;
  r->index = 0;
  return true;
}

static bool preagg_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_preagg_t *a = (sq_op_preagg_t *)op;
  sq_eval_ctx_t ctx = {.arena = &op->exec->arena, .now_ms = op->exec->now_ms, .div_by_zero = &op->exec->div_by_zero};
  for (uint32_t i = 0; i < in->n; i++) {
    const sq_value_t *row = sq_batch_row(in, i);
    sq_value_t part = row[a->cols.partition], offset = row[a->cols.offset];
    if (sq_is_null(part) || part.u.i < 0 || part.u.i >= UINT32_MAX || sq_is_null(offset))
      return sq_exec_fail(op->exec, "pre-aggregation was given a row without its source partition and offset");
    origin_t *o;
    bool gone;
    sq_preagg_origin_t *r = record_of(a, (uint32_t)part.u.i, &o, &gone);
    if (gone) continue;
    if (!r) return sq_exec_fail(op->exec, "out of memory pre-aggregating");
    uint32_t p = (uint32_t)part.u.i;
    int64_t ts = in->times[i];
    a->wm = in->wms[i];
    if (!begin_row(a, p, o, r, offset.u.i)) return false;
    const sq_value_t *inputs[1] = {row};
    ctx.inputs = inputs;
    bool oom = false, kept = sq_agg_query_read(&a->q, &ctx, a->key, a->args); /* WHERE: stage 2 would drop it too */
    if (kept && !fold(a, o, r, ts, &oom)) {
      if (oom) return sq_exec_fail(op->exec, "out of memory pre-aggregating");
      sq_value_t *copy = sq_batch_row(&a->out, a->out.n);
      memcpy(copy, row, a->out.width * sizeof *copy);
      copy[a->cols.index] = sq_int(0);
      copy[a->cols.window] = copy[a->cols.partial] = sq_null();
      a->out.times[a->out.n] = ts;
      a->out.wms[a->out.n++] = a->wm;
      if (!sq_batch_has_room(&a->out) && !flush_out(a)) return false;
    } else if (oom) {
      return sq_exec_fail(op->exec, "out of memory pre-aggregating");
    }
    if (ts > r->max_ts) r->max_ts = ts;
    if (!write_closed(a, p, o, r, r->max_ts - a->delay)) return false;
  }
  return a->out.n == 0 || flush_out(a);
}

bool sq_op_preaggregate_cut(sq_op_t *op, uint32_t p) {
  sq_op_preagg_t *a = (sq_op_preagg_t *)op;
  origin_t *o;
  bool gone;
  sq_preagg_origin_t *r = record_of(a, p, &o, &gone);
  if (gone) return true;
  if (!r) return sq_exec_fail(op->exec, "out of memory pre-aggregating");
  if (!write_closed(a, p, o, r, INT64_MAX) || (a->out.n && !flush_out(a))) return false;
  r->replay_from = -1; /* the next row starts a segment */
  return true;
}

/* At the end of a finite input every window closes: every partial is
 * written first. */
static bool preagg_advance(sq_op_t *op, int64_t wm) {
  sq_op_preagg_t *a = (sq_op_preagg_t *)op;
  for (uint32_t p = 0; wm == SQ_WATERMARK_END && p < a->n_origins; p++)
    if (a->origins[p].n_open && !sq_op_preaggregate_cut(op, p)) return false;
  return sq_op_emit_watermark(op, wm);
}

static void preagg_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_preagg_t *a = (const sq_op_preagg_t *)op;
  char text[256];
  sq_window_describe(&a->win, a->q.n_keys, a->q.n_aggs, text, sizeof text);
  sq_buf_puts(out, text);
  sq_buf_puts(out, "; a hot key's rows folded per input partition into partial aggregates that stage 2 merges");
}

static void preagg_destroy(sq_op_t *op) {
  sq_op_preagg_t *a = (sq_op_preagg_t *)op;
  for (uint32_t p = 0; p < a->n_origins; p++) {
    origin_t *o = &a->origins[p];
    for (uint32_t i = 0; i < o->n_open; i++) drop_partial(a, &o->open[i]);
    free(o->open);
  }
  free(a->origins);
  sq_agg_query_free(&a->q);
  free(a->key);
  free(a->args);
  sq_buf_free(&a->key_bytes);
  sq_buf_free(&a->encoded);
  sq_batch_free(&a->out);
  sq_op_release(op);
  free(a);
}

static const sq_op_class_t preagg_class = {"PreAggregate", preagg_push, preagg_advance, preagg_describe, preagg_destroy,
                                           NULL, NULL, false};

sq_op_t *sq_op_preaggregate_new(sq_exec_t *exec, const sq_window_spec_t *win, const sq_ast_t *select, int64_t delay,
                                const sq_preagg_columns_t *cols, uint32_t width, const void *target) {
  sq_op_preagg_t *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->base.cls = &preagg_class;
  a->base.exec = exec;
  a->win = *win;
  a->delay = delay;
  a->cols = *cols;
  a->target = target;
  sq_row_layout_t layout = sq_row_layout_single();
  if (!sq_agg_query_compile(&a->q, select, &layout)) {
    free(a);
    return NULL;
  }
  const sq_ast_t *group_by = select->select->group_by;
  for (uint32_t k = 0; k < a->q.n_keys && k < SQ_MAX_INPUTS; k++) a->key_cols[k] = group_by->list[k]->ref2;
  a->key = calloc(a->q.n_keys + 1, sizeof *a->key);
  a->args = calloc(a->q.n_aggs + 1, sizeof *a->args);
  if (a->q.n_keys > SQ_MAX_INPUTS || !a->key || !a->args || !sq_batch_init(&a->out, width, SQ_BATCH_FIRST_ROWS)) {
    preagg_destroy(&a->base);
    return NULL;
  }
  return &a->base;
}
