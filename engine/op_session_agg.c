/* Session-window aggregation.
 *
 * State: per group key (encoded), the list of its sessions sorted by
 * start, each with its accumulators. A row at time t belongs to a session
 * when t is within GAP of it (start - GAP <= t <= last + GAP); a row that
 * reaches two or more sessions bridges them, and they merge into one
 * (accumulators merged). A session [first, last + GAP) closes when the
 * watermark reaches last + GAP + grace.
 *
 * Lateness is judged per row, against the watermark in force when the row
 * arrives (the batch carries it): a session that watermark has closed is
 * closed for the row, even if the batch's end, where closed sessions are
 * emitted, is yet to come. A row reaching no open session opens its own,
 * unless that one would be closed already: then it is late, dropped and
 * counted. A closed session is never joined, extended or merged again.
 *
 * EMIT FINAL emits closed sessions when the watermark moves, ordered by
 * their close (then key, then start): sessions closed by an earlier
 * watermark come first however the input was split into batches, so the
 * output does not depend on where batches end. Each carries, as its
 * watermark, the last one before it closed (close - 1). EMIT CHANGES emits
 * after every row instead. A key whose sessions have all closed is
 * removed.
 *
 * Closing visits every key, so it only happens when the watermark passes
 * `next_close`, a lower bound of the earliest session close (new sessions
 * lower it; a visit recomputes it exactly). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agg_query.h"
#include "engine/key_codec.h"
#include "engine/ops.h"
#include "engine/window_agg.h"

#define CLOSE_CHUNK 65536 /* keys collected at a time when sessions close */

typedef struct session_list {
  char *items; /* n entries of (int64 start, int64 last, accumulators) */
  uint32_t n, cap;
} session_list_t;

typedef struct sq_op_session_agg {
  sq_op_t base;
  sq_window_spec_t win;
  sq_agg_query_t q;
  size_t stride;
  sq_state_t *state;
  sq_state_type_t type;
  sq_state_ns_t ns;
  int64_t next_close;     /* no session closes before this watermark */
  sq_buf_t key_bytes, keys, after; /* keys: a chunk being closed; after: the last of them */
  sq_buf_t closed;        /* sessions closed by a watermark step: (close, key length, key, session) each */
  sq_buf_t order;         /* pointers to the entries of `closed`, sorted for emission */
  int64_t *scratch;       /* one session, aligned, taken out of `closed` */
  int64_t watermark;
  int64_t emit_wm; /* the watermark that goes with emitted rows */
  sq_value_t *key, *args;
  sq_batch_t out;
} sq_op_session_agg_t;

static int64_t *bounds(const sq_op_session_agg_t *s, const session_list_t *l, uint32_t i) {
  return (int64_t *)(l->items + (size_t)i * s->stride);
}
static void *accs(const sq_op_session_agg_t *s, const session_list_t *l, uint32_t i) { return bounds(s, l, i) + 2; }
/* The watermark at which a session (its bounds) closes. */
static int64_t close_of(const sq_op_session_agg_t *s, const int64_t *b) { return b[1] + s->win.gap + s->win.grace; }

static bool flush_out(sq_op_session_agg_t *s) {
  bool ok = sq_op_emit(&s->base, &s->out);
  s->out.n = 0;
  return ok;
}

/* Emits a session: bounds `b`, its accumulators right after them. */
static bool emit_session(sq_op_session_agg_t *s, const sq_value_t *key, int64_t *b) {
  sq_eval_ctx_t ctx = {.arena = &s->base.exec->arena, .now_ms = s->base.exec->now_ms,
                       .div_by_zero = &s->base.exec->div_by_zero, .window_start = b[0], .window_end = b[1] + s->win.gap};
  sq_value_t *o = sq_batch_row(&s->out, s->out.n);
  if (!sq_agg_query_output(&s->q, &ctx, key, b + 2, o, s->out.width)) return true;
  int64_t time = b[1] + s->win.gap - 1;
  if (s->out.width >= s->q.n_items + 6) o[s->q.n_items + 5] = sq_ts(time);
  s->out.times[s->out.n] = time;
  s->out.wms[s->out.n++] = s->emit_wm;
  return s->out.n < s->out.cap || flush_out(s);
}

/* Merges the open sessions (at watermark `wm`) that a row at `ts` reaches
 * into the first of them; its index in *at, or UINT32_MAX when the row
 * reaches none. Closed sessions stay as they are. False when memory runs
 * out. */
static bool join_open(sq_op_session_agg_t *s, session_list_t *l, int64_t ts, int64_t wm, uint32_t *at) {
  uint32_t keep = 0;
  *at = UINT32_MAX;
  for (uint32_t i = 0; i < l->n; i++) {
    int64_t *b = bounds(s, l, i);
    bool reaches = close_of(s, b) > wm && b[0] - s->win.gap <= ts && ts <= b[1] + s->win.gap;
    if (reaches && *at != UINT32_MAX) { /* bridged: merge into the first */
      int64_t *f = bounds(s, l, *at);
      if (!sq_agg_query_merge(&s->q, accs(s, l, *at), accs(s, l, i))) return false;
      if (b[0] < f[0]) f[0] = b[0];
      if (b[1] > f[1]) f[1] = b[1];
      sq_agg_query_release(&s->q, accs(s, l, i));
      continue;
    }
    if (reaches) *at = keep;
    if (keep != i) memcpy(l->items + (size_t)keep * s->stride, l->items + (size_t)i * s->stride, s->stride);
    keep++;
  }
  l->n = keep;
  return true;
}

/* Opens a session holding only `ts`, in start order; its index in *at. */
static bool open_session(sq_op_session_agg_t *s, session_list_t *l, int64_t ts, uint32_t *at) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 2;
    char *items = realloc(l->items, (size_t)cap * s->stride);
    if (!items) return false;
    l->items = items;
    l->cap = cap;
  }
  uint32_t i = 0;
  while (i < l->n && bounds(s, l, i)[0] <= ts) i++;
  memmove(l->items + (size_t)(i + 1) * s->stride, l->items + (size_t)i * s->stride, (size_t)(l->n - i) * s->stride);
  l->n++;
  memset(l->items + (size_t)i * s->stride, 0, s->stride);
  bounds(s, l, i)[0] = bounds(s, l, i)[1] = ts;
  *at = i;
  return true;
}

static bool session_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_session_agg_t *s = (sq_op_session_agg_t *)op;
  sq_eval_ctx_t ctx = {.arena = &op->exec->arena, .now_ms = op->exec->now_ms, .div_by_zero = &op->exec->div_by_zero};
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *inputs[SQ_MAX_INPUTS];
    sq_row_bind(&s->q.layout, sq_batch_row(in, r), inputs);
    ctx.inputs = inputs;
    if (!sq_agg_query_read(&s->q, &ctx, s->key, s->args)) continue;
    int64_t ts = in->times[r];
    int64_t wm = in->wms[r] > s->watermark ? in->wms[r] : s->watermark;
    s->emit_wm = wm;
    sq_buf_clear(&s->key_bytes);
    for (uint32_t i = 0; i < s->q.n_keys; i++) sq_key_put_value(&s->key_bytes, s->key[i]);
    bool created;
    session_list_t *l = sq_state_get(s->state, &s->ns, s->key_bytes.data, s->key_bytes.len, true, &created);
    if (!l || s->key_bytes.failed) return sq_exec_fail(op->exec, "out of memory in session aggregation");
    uint32_t at;
    if (!join_open(s, l, ts, wm, &at)) return sq_exec_fail(op->exec, "out of memory in session aggregation");
    if (at == UINT32_MAX && ts + s->win.gap + s->win.grace <= wm) { /* its own session is closed already */
      if (l->n == 0) sq_state_remove(s->state, &s->ns, s->key_bytes.data, s->key_bytes.len);
      op->exec->late_records++;
      op->late++;
      continue;
    }
    if ((at == UINT32_MAX && !open_session(s, l, ts, &at)) || !sq_agg_query_update(&s->q, accs(s, l, at), s->args, ts))
      return sq_exec_fail(op->exec, "out of memory in session aggregation");
    int64_t *b = bounds(s, l, at);
    if (ts < b[0]) b[0] = ts;
    if (ts > b[1]) b[1] = ts;
    if (close_of(s, b) < s->next_close) s->next_close = close_of(s, b);
    if (s->win.emit == SQ_EMIT_CHANGES && !emit_session(s, s->key, b)) return false;
  }
  return s->out.n == 0 || flush_out(s);
}

/* Takes the sessions of one key that the watermark has closed out of its
 * list: into `closed` (EMIT FINAL) or released (EMIT CHANGES, which has
 * emitted them already). */
static bool close_sessions(sq_op_session_agg_t *s, const char *key, uint32_t len, int64_t wm) {
  bool created;
  session_list_t *l = sq_state_get(s->state, &s->ns, key, len, false, &created);
  if (!l) return true;
  uint32_t keep = 0;
  for (uint32_t i = 0; i < l->n; i++) {
    int64_t close = close_of(s, bounds(s, l, i));
    if (close > wm) {
      if (keep != i) memcpy(l->items + (size_t)keep * s->stride, l->items + (size_t)i * s->stride, s->stride);
      keep++;
      if (close < s->next_close) s->next_close = close;
      continue;
    }
    if (s->win.emit == SQ_EMIT_FINAL) {
      sq_buf_append(&s->closed, &close, sizeof close);
      sq_buf_append(&s->closed, &len, sizeof len);
      sq_buf_append(&s->closed, key, len);
      sq_buf_append(&s->closed, bounds(s, l, i), s->stride); /* the accumulators move along */
    } else {
      sq_agg_query_release(&s->q, accs(s, l, i));
    }
  }
  l->n = keep;
  if (keep == 0) sq_state_remove(s->state, &s->ns, key, len);
  return !s->closed.failed || sq_exec_fail(s->base.exec, "out of memory closing sessions");
}

/* Emission order of closed sessions: close, then key bytes, then start. */
static int by_close(const void *pa, const void *pb) {
  const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
  int64_t ca, cb, sa, sb;
  uint32_t la, lb;
  memcpy(&ca, a, sizeof ca);
  memcpy(&cb, b, sizeof cb);
  if (ca != cb) return ca < cb ? -1 : 1;
  memcpy(&la, a + 8, sizeof la);
  memcpy(&lb, b + 8, sizeof lb);
  int c = memcmp(a + 12, b + 12, la < lb ? la : lb);
  if (c || la != lb) return c ? c : la < lb ? -1 : 1;
  memcpy(&sa, a + 12 + la, sizeof sa);
  memcpy(&sb, b + 12 + lb, sizeof sb);
  return (sa > sb) - (sa < sb);
}

/* Emits the sessions collected in `closed`, in close order. */
static bool emit_closed(sq_op_session_agg_t *s) {
  sq_buf_clear(&s->order);
  for (size_t at = 0; at < s->closed.len;) {
    const char *e = s->closed.data + at;
    uint32_t len;
    memcpy(&len, e + 8, sizeof len);
    sq_buf_append(&s->order, &e, sizeof e);
    at += 12 + len + s->stride;
  }
  if (s->order.failed) return sq_exec_fail(s->base.exec, "out of memory closing sessions");
  size_t n = s->order.len / sizeof(const char *);
  if (n > 1) qsort(s->order.data, n, sizeof(const char *), by_close);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    const char *e;
    int64_t close;
    uint32_t len;
    memcpy(&e, s->order.data + i * sizeof e, sizeof e);
    memcpy(&close, e, sizeof close);
    memcpy(&len, e + 8, sizeof len);
    memcpy(s->scratch, e + 12 + len, s->stride);
    s->emit_wm = close - 1; /* the watermark before the one that closed it */
    if (ok && !sq_key_get_values(e + 12, e + 12 + len, s->key, s->q.n_keys, &s->base.exec->arena))
      ok = sq_exec_fail(s->base.exec, "corrupt session state");
    if (ok) ok = emit_session(s, s->key, s->scratch);
    sq_agg_query_release(&s->q, s->scratch + 2);
  }
  sq_buf_clear(&s->closed);
  return ok;
}

static bool session_advance(sq_op_t *op, int64_t wm) {
  sq_op_session_agg_t *s = (sq_op_session_agg_t *)op;
  if (wm <= s->watermark) return true;
  s->watermark = wm;
  if (wm >= s->next_close) {
    /* collect keys first, a bounded number at a time: nothing is emitted
     * while the store is scanned */
    s->next_close = INT64_MAX;
    sq_buf_clear(&s->after);
    for (bool more = true; more;) {
      sq_buf_clear(&s->keys);
      if (!sq_state_collect_keys(s->state, &s->ns, "", 0, s->after.len ? s->after.data : NULL, s->after.len, CLOSE_CHUNK, &s->keys))
        return sq_exec_fail(op->exec, "out of memory closing sessions");
      size_t at = 0, n = 0;
      const char *key;
      uint32_t len;
      while (sq_state_next_key(&s->keys, &at, &key, &len)) {
        n++;
        sq_buf_clear(&s->after);
        sq_buf_append(&s->after, key, len);
        if (s->after.failed) return sq_exec_fail(op->exec, "out of memory closing sessions");
        if (!close_sessions(s, key, len, wm)) return false;
      }
      more = n >= CLOSE_CHUNK;
    }
    if (!emit_closed(s)) return false;
  }
  if (s->out.n && !flush_out(s)) return false;
  return sq_op_emit_watermark(op, wm);
}

static void session_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_session_agg_t *s = (const sq_op_session_agg_t *)op;
  char text[256];
  size_t keys, bytes;
  sq_state_usage(s->state, &s->ns, &keys, &bytes);
  sq_window_describe(&s->win, s->q.n_keys, s->q.n_aggs, text, sizeof text);
  sq_buf_puts(out, text);
  snprintf(text, sizeof text, "; state: open sessions per key with accumulators: %zu keys, %zu bytes", keys, bytes);
  sq_buf_puts(out, text);
}

/* Frees a key's session list (the store calls this on removal). */
static void release_sessions(void *value, const void *ctx) {
  sq_op_session_agg_t *s = (sq_op_session_agg_t *)ctx;
  session_list_t *l = value;
  for (uint32_t i = 0; i < l->n; i++) sq_agg_query_release(&s->q, accs(s, l, i));
  free(l->items);
}

/* A key's sessions to bytes: their count, then each one's bounds and
 * accumulators. */
static void encode_sessions(const void *value, sq_buf_t *out, const void *ctx) {
  const sq_op_session_agg_t *s = ctx;
  const session_list_t *l = value;
  sq_put_u64(out, l->n);
  for (uint32_t i = 0; i < l->n; i++) {
    sq_put_i64(out, bounds(s, l, i)[0]);
    sq_put_i64(out, bounds(s, l, i)[1]);
    sq_agg_query_encode(&s->q, accs(s, l, i), out);
  }
}

static bool decode_sessions(void *value, sq_cursor_t *in, const void *ctx) {
  const sq_op_session_agg_t *s = ctx;
  session_list_t *l = value;
  uint64_t n = sq_get_u64(in);
  if (in->failed || n > (uint64_t)(in->end - in->p) || !(l->items = calloc(n ? n : 1, s->stride))) return false;
  l->cap = (uint32_t)(n ? n : 1);
  for (; l->n < n; l->n++) {
    bounds(s, l, l->n)[0] = sq_get_i64(in);
    bounds(s, l, l->n)[1] = sq_get_i64(in);
    if (!sq_agg_query_decode(&s->q, accs(s, l, l->n), in)) {
      l->n++; /* released with the rest */
      return false;
    }
  }
  return !in->failed;
}

static void session_save(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_session_agg_t *s = (const sq_op_session_agg_t *)op;
  sq_put_i64(out, s->watermark);
  sq_put_i64(out, s->next_close);
}

static bool session_load(sq_op_t *op, sq_cursor_t *in) {
  sq_op_session_agg_t *s = (sq_op_session_agg_t *)op;
  s->watermark = sq_get_i64(in);
  s->next_close = sq_get_i64(in);
  return !in->failed;
}

static void session_destroy(sq_op_t *op) {
  sq_op_session_agg_t *s = (sq_op_session_agg_t *)op;
  sq_agg_query_free(&s->q);
  sq_buf_free(&s->key_bytes);
  sq_buf_free(&s->keys);
  sq_buf_free(&s->after);
  sq_buf_free(&s->closed);
  sq_buf_free(&s->order);
  free(s->scratch);
  free(s->key);
  free(s->args);
  sq_batch_free(&s->out);
  sq_op_release(op);
  free(s);
}

static const sq_op_class_t session_class = {"SessionAggregate", session_push, session_advance, session_describe, session_destroy,
                                            session_save, session_load, true};

sq_op_t *sq_op_session_agg_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, const sq_window_spec_t *win,
                               const sq_ast_t *select, const sq_row_layout_t *layout, uint32_t out_width) {
  sq_op_session_agg_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base.cls = &session_class;
  s->base.exec = exec;
  s->win = *win;
  s->watermark = INT64_MIN;
  s->next_close = INT64_MAX;
  s->state = state;
  if (!sq_agg_query_compile(&s->q, select, layout)) {
    free(s);
    return NULL;
  }
  s->stride = 2 * sizeof(int64_t) + s->q.payload_size;
  s->type = (sq_state_type_t){.size = sizeof(session_list_t), .release = release_sessions, .encode = encode_sessions,
                              .decode = decode_sessions, .ctx = s};
  s->ns = (sq_state_ns_t){id, exec->state_base, &s->type};
  s->key = calloc(s->q.n_keys + 1, sizeof *s->key);
  s->args = calloc(s->q.n_aggs + 1, sizeof *s->args);
  s->scratch = malloc(s->stride);
  if (!s->key || !s->args || !s->scratch || !sq_batch_init(&s->out, out_width, SQ_BATCH_ROWS)) {
    session_destroy(&s->base);
    return NULL;
  }
  return &s->base;
}
