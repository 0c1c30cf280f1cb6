/* Windowed (tumbling, hopping) and unwindowed GROUP BY aggregation.
 *
 * Each open window has its own group table: key -> accumulators. A row is
 * added to every window it falls in (one for tumbling, SIZE/ADVANCE for
 * hopping), unless that window has already closed: a row later than every
 * window it belongs to is dropped and counted as late. Windows are half
 * open, [start, end), tumbling ones aligned to the epoch and hopping ones
 * to multiples of ADVANCE.
 *
 * EMIT FINAL: when the watermark reaches end + grace a window closes: its
 * groups are emitted once, in the order they were first seen, and the
 * window's state is freed. EMIT CHANGES: a group's new result is emitted
 * after every row that changes it; closing a window then only frees it.
 * Without a window there is one window that never closes.
 *
 * The open windows sit in an array sorted by start; with a watermark
 * delay of d there are about (d + grace) / advance + size / advance of
 * them, so linear search from the newest end is the right structure. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/agg_query.h"
#include "engine/group_table.h"
#include "engine/ops.h"
#include "engine/window_agg.h"

typedef struct open_window {
  int64_t start, end;
  sq_group_table_t *groups;
} open_window_t;

typedef struct sq_op_window_agg {
  sq_op_t base;
  sq_window_spec_t win;
  sq_agg_query_t q;
  open_window_t *windows;
  uint32_t n_windows, cap_windows;
  int64_t watermark;
  int64_t emit_wm; /* the watermark that goes with emitted rows */
  sq_value_t *key, *args;
  sq_batch_t out;
} sq_op_window_agg_t;

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* The window [start, start + size), created if needed; NULL when memory runs out. */
static open_window_t *window_at(sq_op_window_agg_t *w, int64_t start, int64_t end) {
  uint32_t i = w->n_windows;
  while (i > 0 && w->windows[i - 1].start > start) i--;
  if (i > 0 && w->windows[i - 1].start == start) return &w->windows[i - 1];
  if (w->n_windows == w->cap_windows) {
    uint32_t cap = w->cap_windows ? w->cap_windows * 2 : 8;
    open_window_t *v = realloc(w->windows, cap * sizeof *v);
    if (!v) return NULL;
    w->windows = v;
    w->cap_windows = cap;
  }
  sq_group_table_t *groups = sq_group_table_new(w->q.n_keys, w->q.payload_size);
  if (!groups) return NULL;
  for (uint32_t j = w->n_windows; j > i; j--) w->windows[j] = w->windows[j - 1];
  w->windows[i] = (open_window_t){start, end, groups};
  w->n_windows++;
  return &w->windows[i];
}

static bool flush_out(sq_op_window_agg_t *w) {
  bool ok = sq_op_emit(&w->base, &w->out);
  w->out.n = 0;
  return ok;
}

/* Appends the group's current result to the output batch (if HAVING lets it). */
static bool emit_group(sq_op_window_agg_t *w, const open_window_t *win, const sq_value_t *key, const void *payload,
                       int64_t time) {
  sq_eval_ctx_t ctx = {.arena = &w->base.exec->arena, .now_ms = w->base.exec->now_ms,
                       .div_by_zero = &w->base.exec->div_by_zero, .window_start = win->start, .window_end = win->end};
  sq_value_t *o = sq_batch_row(&w->out, w->out.n);
  if (!sq_agg_query_output(&w->q, &ctx, key, payload, o, w->out.width)) return true;
  if (w->out.width >= w->q.n_items + 6) o[w->q.n_items + 5] = sq_ts(time); /* a derived stream's ROWTIME */
  w->out.times[w->out.n] = time;
  w->out.wms[w->out.n++] = w->emit_wm;
  return w->out.n < w->out.cap || flush_out(w);
}

/* Adds a row to one window; false when memory runs out or output fails. */
static bool add_to_window(sq_op_window_agg_t *w, open_window_t *win, int64_t ts) {
  bool created;
  void *payload = sq_group_table_upsert(win->groups, w->key, &created);
  if (!payload || !sq_agg_query_update(&w->q, payload, w->args, ts)) return sq_exec_fail(w->base.exec, "out of memory in aggregation");
  if (w->win.emit == SQ_EMIT_CHANGES) return emit_group(w, win, w->key, payload, ts);
  return true;
}

static bool window_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  sq_eval_ctx_t ctx = {.arena = &op->exec->arena, .now_ms = op->exec->now_ms, .div_by_zero = &op->exec->div_by_zero};
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *row = sq_batch_row(in, r);
    ctx.inputs = &row;
    if (!sq_agg_query_read(&w->q, &ctx, w->key, w->args)) continue;
    int64_t ts = in->times[r];
    int64_t wm = in->wms[r] > w->watermark ? in->wms[r] : w->watermark;
    w->emit_wm = wm;
    if (w->win.kind == SQ_WINDOW_NONE) {
      open_window_t *win = w->n_windows ? &w->windows[0] : window_at(w, INT64_MIN, INT64_MAX);
      if (!win || !add_to_window(w, win, ts)) return sq_exec_fail(op->exec, "out of memory in aggregation");
      continue;
    }
    /* every window [s, s + size) with s a multiple of advance and s <= ts < s + size */
    bool placed = false;
    for (int64_t s = floor_div(ts, w->win.advance) * w->win.advance; s > ts - w->win.size; s -= w->win.advance) {
      int64_t end = s + w->win.size;
      if (end + w->win.grace <= wm) continue; /* closed already */
      open_window_t *win = window_at(w, s, end);
      if (!win) return sq_exec_fail(op->exec, "out of memory in aggregation");
      if (!add_to_window(w, win, ts)) return false;
      placed = true;
    }
    if (!placed) op->exec->late_records++;
  }
  return w->out.n == 0 || flush_out(w);
}

static void close_window(sq_op_window_agg_t *w, open_window_t *win) {
  size_t n = sq_group_table_count(win->groups);
  for (size_t g = 0; g < n; g++) sq_agg_query_release(&w->q, sq_group_table_payload(win->groups, g));
  sq_group_table_destroy(win->groups);
}

static bool window_advance(sq_op_t *op, int64_t wm) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  if (wm <= w->watermark) return true;
  w->watermark = wm;
  w->emit_wm = wm;
  /* close every window whose end + grace the watermark has reached, oldest first */
  uint32_t closed = 0;
  for (; closed < w->n_windows; closed++) {
    open_window_t *win = &w->windows[closed];
    if (w->win.kind == SQ_WINDOW_NONE || win->end > wm - w->win.grace) break;
    if (w->win.emit == SQ_EMIT_FINAL) {
      size_t n = sq_group_table_count(win->groups);
      for (size_t g = 0; g < n; g++)
        if (!emit_group(w, win, sq_group_table_key(win->groups, g), sq_group_table_payload(win->groups, g), win->end - 1))
          return false;
      if (w->out.n && !flush_out(w)) return false;
    }
    close_window(w, win);
  }
  for (uint32_t i = closed; i < w->n_windows; i++) w->windows[i - closed] = w->windows[i];
  w->n_windows -= closed;
  return sq_op_emit_watermark(op, wm);
}

static void window_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_window_agg_t *w = (const sq_op_window_agg_t *)op;
  char text[256];
  size_t bytes = 0, groups = 0;
  for (uint32_t i = 0; i < w->n_windows; i++) {
    bytes += sq_group_table_bytes(w->windows[i].groups);
    groups += sq_group_table_count(w->windows[i].groups);
  }
  sq_window_describe(&w->win, w->q.n_keys, w->q.n_aggs, text, sizeof text);
  sq_buf_puts(out, text);
  snprintf(text, sizeof text, "; state: accumulators per (window, key): %u windows, %zu groups, %zu bytes",
           w->n_windows, groups, bytes);
  sq_buf_puts(out, text);
}

static void window_destroy(sq_op_t *op) {
  sq_op_window_agg_t *w = (sq_op_window_agg_t *)op;
  for (uint32_t i = 0; i < w->n_windows; i++) close_window(w, &w->windows[i]);
  free(w->windows);
  sq_agg_query_free(&w->q);
  free(w->key);
  free(w->args);
  sq_batch_free(&w->out);
  sq_op_release(op);
  free(w);
}

static const sq_op_class_t window_class = {"WindowAggregate", window_push, window_advance, window_describe, window_destroy};

sq_op_t *sq_op_window_agg_new(sq_exec_t *exec, const sq_window_spec_t *win, const sq_ast_t *select, uint32_t out_width) {
  sq_op_window_agg_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->base.cls = &window_class;
  w->base.exec = exec;
  w->win = *win;
  w->watermark = INT64_MIN;
  if (!sq_agg_query_compile(&w->q, select)) {
    free(w);
    return NULL;
  }
  w->key = calloc(w->q.n_keys + 1, sizeof *w->key);
  w->args = calloc(w->q.n_aggs + 1, sizeof *w->args);
  if (!w->key || !w->args || !sq_batch_init(&w->out, out_width, SQ_BATCH_ROWS)) {
    window_destroy(&w->base);
    return NULL;
  }
  return &w->base;
}
