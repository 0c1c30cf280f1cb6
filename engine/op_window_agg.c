/* Windowed (tumbling, hopping) and unwindowed GROUP BY aggregation.
 *
 * State: one entry per (window, group) in the state store, keyed by the
 * window start then the encoded group key, so a window's groups are one
 * key range; the value is the group's accumulators. A row is added to
 * every window it falls in (one for tumbling, SIZE/ADVANCE for hopping),
 * unless that window has already closed for the row's watermark: a row
 * later than every window it belongs to is dropped and counted as late.
 * Windows are half open, [start, end), tumbling ones aligned to the epoch
 * and hopping ones to multiples of ADVANCE.
 *
 * EMIT FINAL: when the watermark reaches end + grace a window closes: its
 * groups are emitted once, in key order, and removed. EMIT CHANGES: a
 * group's new result is emitted after every row that changes it; closing
 * a window then only removes it. Without a window there is one window that
 * never closes.
 *
 * The starts of open windows are kept in a small sorted array (derivable
 * from the store by a scan): with a watermark delay d there are about
 * (d + grace + size) / advance of them. Windows take turns over a few
 * state namespaces (partitions of the operator's state, by start over
 * advance), so that closing one walks its own entries, not those of every
 * open window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agg_query.h"
#include "engine/key_codec.h"
#include "engine/ops.h"
#include "engine/time_set.h"
#include "engine/timestamp.h"
#include "engine/window_agg.h"

#define CLOSE_CHUNK 65536 /* keys collected at a time when a window closes */
#define MAX_SLOTS SQ_STATE_TASK_PARTITIONS /* state namespaces of one operator */

typedef struct sq_op_window_agg {
  sq_op_t base;
  sq_window_spec_t win;
  sq_agg_query_t q;
  sq_state_t *state;
  sq_state_type_t type;
  sq_state_ns_t ns[MAX_SLOTS]; /* base.state_partitions of them */
  int64_t legacy_until;   /* windows up to this start, loaded from state of the single-namespace layout, stay in ns[0] */
  sq_time_set_t open;     /* starts of open windows */
  int64_t watermark;
  int64_t emit_wm;        /* the watermark that goes with emitted rows */
  sq_value_t *key, *args;
  sq_buf_t key_bytes;
  sq_buf_t closing;       /* keys of the window being closed */
  int window_col, partial_col; /* a pre-aggregated input's (-1: none) */
  sq_buf_t partial;       /* a partial aggregate's bytes */
  void *merging;          /* its accumulators (payload_size bytes, zeroed between uses) */
  sq_batch_t out;
} sq_op_window_agg_t;

static void release_accumulators(void *payload, const void *ctx) { sq_agg_query_release(ctx, payload); }
static void encode_accumulators(const void *payload, sq_buf_t *out, const void *ctx) { sq_agg_query_encode(ctx, payload, out); }
static bool decode_accumulators(void *payload, sq_cursor_t *in, const void *ctx) { return sq_agg_query_decode(ctx, payload, in); }

/* The namespace of the window at `start`. */
static const sq_state_ns_t *window_ns(const sq_op_window_agg_t *w, int64_t start) {
  if (w->base.state_partitions == 1 || start <= w->legacy_until) return &w->ns[0]; /* one slot: also no ADVANCE */
  return &w->ns[(uint64_t)sq_floor_div(start, w->win.advance) % w->base.state_partitions];
}

/* The state key of (window start, the current row's group key). */
static void make_key(sq_op_window_agg_t *w, int64_t start) {
  sq_buf_clear(&w->key_bytes);
  if (w->win.kind != SQ_WINDOW_NONE) sq_key_put_int(&w->key_bytes, start);
  for (uint32_t i = 0; i < w->q.n_keys; i++) sq_key_put_value(&w->key_bytes, w->key[i]);
}

static bool flush_out(sq_op_window_agg_t *w) {
  bool ok = sq_op_emit(&w->base, &w->out);
  w->out.n = 0;
  return ok;
}

/* Appends a group's current result to the output batch (if HAVING lets it). */
static bool emit_group(sq_op_window_agg_t *w, int64_t start, const sq_value_t *key, const void *payload, int64_t time) {
  int64_t end = w->win.kind == SQ_WINDOW_NONE ? INT64_MAX : start + w->win.size;
  sq_eval_ctx_t ctx = {.arena = &w->base.exec->arena, .now_ms = w->base.exec->now_ms,
                       .div_by_zero = &w->base.exec->div_by_zero, .window_start = start, .window_end = end};
  sq_value_t *o = sq_batch_row(&w->out, w->out.n);
  if (!sq_agg_query_output(&w->q, &ctx, key, payload, o, w->out.width)) return true;
  if (w->out.width >= w->q.n_items + 6) o[w->q.n_items + 5] = sq_ts(time); /* a derived stream's ROWTIME */
  w->out.times[w->out.n] = time;
  w->out.wms[w->out.n++] = w->emit_wm;
  return sq_batch_has_room(&w->out) || flush_out(w);
}

/* Adds the current row to the window at `start`. */
static bool add_to_window(sq_op_window_agg_t *w, int64_t start, int64_t ts) {
  make_key(w, start);
  bool created;
  void *payload = sq_state_get(w->state, window_ns(w, start), w->key_bytes.data, w->key_bytes.len, true, &created);
  if (!payload || w->key_bytes.failed || (created && !sq_time_set_add(&w->open, start)) || !sq_agg_query_update(&w->q, payload, w->args, ts))
    return sq_exec_fail(w->base.exec, "out of memory in aggregation");
  if (w->win.emit == SQ_EMIT_CHANGES) return emit_group(w, start, w->key, payload, ts);
  return true;
}

/* Merges a stage-1 partial aggregate (its key columns, window start and
 * accumulators) into its group, unless its window has closed. */
static bool merge_partial(sq_op_window_agg_t *w, sq_eval_ctx_t *ctx, const sq_value_t *row, int64_t wm) {
  sq_value_t start = row[w->window_col], hex = row[w->partial_col];
  sq_buf_clear(&w->partial);
  if (start.type != SQ_TYPE_TIMESTAMP || sq_floor_div(start.u.i, w->win.advance) * w->win.advance != start.u.i ||
      hex.type != SQ_TYPE_STRING || !sq_hex_decode(&w->partial, hex.u.s.p, hex.u.s.len))
    return sq_exec_fail(w->base.exec, "a partial aggregate of a repartition topic is damaged");
  sq_agg_query_read_key(&w->q, ctx, w->key);
  if (start.u.i + w->win.size + w->win.grace <= wm) {
    w->base.exec->late_records++, w->base.late++;
    return true;
  }
  make_key(w, start.u.i);
  bool created;
  void *payload = sq_state_get(w->state, window_ns(w, start.u.i), w->key_bytes.data, w->key_bytes.len, true, &created);
  if (!payload || w->key_bytes.failed || (created && !sq_time_set_add(&w->open, start.u.i)))
    return sq_exec_fail(w->base.exec, "out of memory in aggregation");
  sq_cursor_t in = sq_cursor(w->partial.data, w->partial.len);
  bool ok = sq_agg_query_decode(&w->q, w->merging, &in) && sq_cursor_done(&in);
  ok = ok && sq_agg_query_merge(&w->q, payload, w->merging);
  sq_agg_query_release(&w->q, w->merging);
  memset(w->merging, 0, w->q.payload_size);
  return ok || sq_exec_fail(w->base.exec, "a partial aggregate of a repartition topic is damaged");
}

void sq_op_window_agg_partials(sq_op_t *op, int window_col, int partial_col) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  w->window_col = window_col;
  w->partial_col = partial_col;
}

static bool window_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  sq_eval_ctx_t ctx = {.arena = &op->exec->arena, .now_ms = op->exec->now_ms, .div_by_zero = &op->exec->div_by_zero};
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *inputs[SQ_MAX_INPUTS];
    sq_row_bind(&w->q.layout, sq_batch_row(in, r), inputs);
    ctx.inputs = inputs;
    int64_t wm = in->wms[r] > w->watermark ? in->wms[r] : w->watermark;
    if (w->partial_col >= 0 && !sq_is_null(inputs[0][w->partial_col])) {
      w->emit_wm = wm;
      if (!merge_partial(w, &ctx, inputs[0], wm)) return false;
      continue;
    }
    if (!sq_agg_query_read(&w->q, &ctx, w->key, w->args)) continue;
    int64_t ts = in->times[r];
    w->emit_wm = wm;
    if (w->win.kind == SQ_WINDOW_NONE) {
      if (!add_to_window(w, 0, ts)) return false;
      continue;
    }
    /* every window [s, s + size) with s a multiple of advance and s <= ts < s + size */
    bool placed = false;
    for (int64_t s = sq_floor_div(ts, w->win.advance) * w->win.advance; s > ts - w->win.size; s -= w->win.advance) {
      if (s + w->win.size + w->win.grace <= wm) continue; /* closed already */
      if (!add_to_window(w, s, ts)) return false;
      placed = true;
    }
    if (!placed) op->exec->late_records++, op->late++;
  }
  return w->out.n == 0 || flush_out(w);
}

/* Emits (EMIT FINAL) and removes every group of the window at `start`. The
 * keys are collected a bounded number at a time and read without being
 * marked changed, then the window is removed as one key range, so closing
 * a window of any size stays within the state cache. Nothing is emitted
 * while the store is being scanned, since downstream operators use it. */
static bool close_window(sq_op_window_agg_t *w, int64_t start) {
  /* its rows go out ahead of the watermark that closes it, with the last
   * one before it (whichever batch that watermark came with) */
  w->emit_wm = start + w->win.size + w->win.grace - 1;
  sq_buf_t prefix = {0}, after = {0};
  sq_key_put_int(&prefix, start);
  const sq_state_ns_t *ns = window_ns(w, start);
  bool ok = !prefix.failed, more = w->win.emit == SQ_EMIT_FINAL;
  while (ok && more) {
    sq_buf_clear(&w->closing);
    ok = sq_state_collect_keys(w->state, ns, prefix.data, prefix.len, after.len ? after.data : NULL, after.len,
                               CLOSE_CHUNK, &w->closing);
    size_t at = 0, n = 0;
    const char *key;
    uint32_t len;
    while (ok && sq_state_next_key(&w->closing, &at, &key, &len)) {
      n++;
      sq_buf_clear(&after);
      sq_buf_append(&after, key, len);
      const void *payload = sq_state_peek(w->state, ns, key, len);
      if (!sq_key_get_values(key + 8, key + len, w->key, w->q.n_keys, &w->base.exec->arena)) {
        sq_buf_free(&prefix);
        sq_buf_free(&after);
        return sq_exec_fail(w->base.exec, "corrupt window state");
      }
      if (payload && !emit_group(w, start, w->key, payload, start + w->win.size - 1)) ok = false;
      if (w->base.exec->crash_point) w->base.exec->crash_point("window-emit");
    }
    more = n >= CLOSE_CHUNK;
    ok = ok && !after.failed;
  }
  ok = ok && sq_state_remove_range(w->state, ns, prefix.data, prefix.len);
  sq_buf_free(&prefix);
  sq_buf_free(&after);
  if (!ok) return w->base.exec->failed || sq_exec_fail(w->base.exec, "out of memory closing a window");
  return w->out.n == 0 || flush_out(w);
}

static bool window_advance(sq_op_t *op, int64_t wm) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  if (wm <= w->watermark) return true;
  w->watermark = wm;
  /* close every window whose end + grace the watermark has reached, oldest first */
  uint32_t closed = 0;
  while (closed < w->open.n && w->win.kind != SQ_WINDOW_NONE && w->open.v[closed] + w->win.size <= wm - w->win.grace) {
    if (!close_window(w, w->open.v[closed])) return false;
    closed++;
  }
  sq_time_set_drop_first(&w->open, closed);
  return sq_op_emit_watermark(op, wm);
}

static void window_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_window_agg_t *w = (const sq_op_window_agg_t *)op;
  char text[256];
  size_t keys, bytes;
  sq_op_state_usage(op, w->state, &keys, &bytes);
  sq_window_describe(&w->win, w->q.n_keys, w->q.n_aggs, text, sizeof text);
  sq_buf_puts(out, text);
  snprintf(text, sizeof text, "; state: accumulators per (window, key): %u open windows, %zu keys, %zu bytes",
           w->open.n, keys, bytes);
  sq_buf_puts(out, text);
}

static void window_destroy(sq_op_t *op) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  sq_agg_query_free(&w->q);
  sq_time_set_free(&w->open);
  free(w->key);
  free(w->args);
  sq_buf_free(&w->key_bytes);
  sq_buf_free(&w->closing);
  sq_buf_free(&w->partial);
  free(w->merging);
  sq_batch_free(&w->out);
  sq_op_release(op);
  free(w);
}

static void window_save(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_window_agg_t *w = (const sq_op_window_agg_t *)op;
  sq_put_i64(out, w->watermark);
  sq_time_set_save(&w->open, out);
  sq_put_i64(out, w->legacy_until);
}

static bool window_load(sq_op_t *op, sq_cursor_t *in) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  w->watermark = sq_get_i64(in);
  if (!sq_time_set_load(&w->open, in)) return false;
  if (sq_cursor_done(in)) { /* a record of the single-namespace layout: its open windows are all in ns[0] */
    w->legacy_until = w->open.n ? w->open.v[w->open.n - 1] : INT64_MIN;
    return true;
  }
  w->legacy_until = sq_get_i64(in);
  return !in->failed;
}

static const sq_op_class_t window_class = {"WindowAggregate", window_push, window_advance, window_describe, window_destroy,
                                           window_save, window_load, true};

sq_op_t *sq_op_window_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                              const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width) {
  sq_op_window_agg_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->base.cls = &window_class;
  w->base.exec = exec;
  w->win = *win;
  w->watermark = INT64_MIN;
  w->state = state;
  if (!sq_agg_query_compile(&w->q, select, layout)) {
    free(w);
    return NULL;
  }
  w->type = (sq_state_type_t){.size = w->q.payload_size ? w->q.payload_size : 1, .release = release_accumulators,
                              .encode = encode_accumulators, .decode = decode_accumulators, .ctx = &w->q};
  /* about twice the windows open at once, a power of two */
  int64_t open = win->kind == SQ_WINDOW_NONE ? 0 : (win->size + win->grace) / win->advance + 1;
  uint32_t slots = 1;
  while (slots < MAX_SLOTS && slots < 2 * open) slots *= 2;
  w->base.state_partitions = slots;
  for (uint32_t p = 0; p < slots; p++) w->ns[p] = (sq_state_ns_t){id, exec->state_base + p, &w->type};
  w->legacy_until = INT64_MIN;
  w->window_col = w->partial_col = -1;
  w->merging = calloc(1, w->q.payload_size ? w->q.payload_size : 1);
  w->key = calloc(w->q.n_keys + 1, sizeof *w->key);
  w->args = calloc(w->q.n_aggs + 1, sizeof *w->args);
  if (!w->merging || !w->key || !w->args || !sq_batch_init(&w->out, out_width, SQ_BATCH_FIRST_ROWS)) {
    window_destroy(&w->base);
    return NULL;
  }
  return &w->base;
}
