/* Interval join of two streams: a left row at time l and a right row at
 * time r with equal keys match when r - l is within [-before, after] and
 * the rest of ON holds. The joined row's event time is max(l, r).
 *
 * State: per join key, one entry (key_rows_t) listing both sides' rows
 * (time, side and matched flags, encoded row) in arrival order, so a row
 * probes the other side and is stored with one lookup. The rows of most
 * keys fit in the entry itself; longer lists move to an allocation. A row
 * is kept until the input watermark (the smaller of the two sides')
 * passes its expiry: l + after for a left row, r + before for a right
 * one — no row of the other side that is not late can match it after
 * that. Then it is deleted, and an outer side's row that never matched is
 * emitted with NULLs for the other side, exactly once.
 *
 * Expiry: keys are filed by expiry time into buckets of `granule` ms, each
 * bucket a state entry listing the keys with a row expiring in it; the
 * operator keeps the sorted bucket numbers (a handful: the bound over the
 * granule, plus disorder) and saves them with each checkpoint. A
 * watermark step visits only the buckets it passes. An inner join files a
 * key once for both sides; an outer join files each side apart, so that
 * its unmatched rows come out in the order of their own side's filings.
 *
 * A row earlier than the input watermark in force when it arrives (its
 * own side's from the batch, the other side's as sq_join_row_watermark
 * says) is late (some of its matches may be gone): dropped and counted,
 * wherever its batch ends. With two inputs, which rows are late depends
 * on how far each input had got; rows within the sources' watermark delay
 * never are. Rows emitted at expiry are older than the
 * watermark that expired them, so the watermark passed downstream is held
 * back by the largest bound plus a granule: a window over the joined
 * stream never sees them as late. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/join.h"
#include "engine/key_codec.h"
#include "engine/time_set.h"
#include "engine/timestamp.h"

/* A row entry: time, flags, row length, row bytes. */
#define ENTRY_HEADER (sizeof(int64_t) + 1 + sizeof(uint32_t))
enum { MATCHED = 1, RIGHT = 2 };
/* Row bytes an entry holds without an allocation: a Nexmark person and
 * its three auctions, say, take about 160. */
#define INLINE_ROWS 176
/* A filing that covers both sides of its key (inner joins). */
#define BOTH_SIDES 2
/* The layout of this operator's state, last in its checkpoint record: a
 * record of an earlier layout (which ends before it) is refused. */
#define STATE_LAYOUT 3

/* The rows of one join key. */
typedef struct key_rows {
  char *heap;           /* NULL while the rows fit in `small` */
  uint32_t len, cap;    /* bytes of rows; heap's size */
  int64_t scheduled[2]; /* the latest expiry bucket filed: per side, or [0] for both */
  char small[INLINE_ROWS];
} key_rows_t;

static char *rows_of(key_rows_t *k) { return k->heap ? k->heap : k->small; }

/* Room for `n` more bytes at the end of the rows; NULL when memory runs out. */
static char *rows_room(key_rows_t *k, size_t n) {
  size_t cap = k->heap ? k->cap : INLINE_ROWS, need = (size_t)k->len + n;
  if (need > UINT32_MAX) return NULL;
  if (need > cap) {
    while (cap < need) cap *= 2;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    char *heap = realloc(k->heap, cap);
    if (!heap) return NULL;
    if (!k->heap) memcpy(heap, k->small, k->len);
    k->heap = heap;
    k->cap = (uint32_t)cap;
  }
  char *p = rows_of(k) + k->len;
  k->len = (uint32_t)need;
  return p;
}

/* Cuts the rows to their first `len` bytes, back inside the entry when they fit. */
static void rows_truncate(key_rows_t *k, uint32_t len) {
  k->len = len;
  if (!k->heap || len > INLINE_ROWS) return;
  memcpy(k->small, k->heap, len);
  free(k->heap);
  k->heap = NULL;
  k->cap = 0;
}

static void release_rows(void *value, const void *ctx) {
  (void)ctx;
  free(((key_rows_t *)value)->heap);
}

static void encode_rows(const void *value, sq_buf_t *out, const void *ctx) {
  (void)ctx;
  key_rows_t *k = (key_rows_t *)value;
  sq_put_i64(out, k->scheduled[0]);
  sq_put_i64(out, k->scheduled[1]);
  sq_put_bytes(out, rows_of(k), k->len);
}

static bool decode_rows(void *value, sq_cursor_t *in, const void *ctx) {
  (void)ctx;
  key_rows_t *k = value;
  k->scheduled[0] = sq_get_i64(in);
  k->scheduled[1] = sq_get_i64(in);
  size_t len;
  const char *p = sq_get_bytes(in, &len);
  if (!sq_cursor_done(in)) return false;
  char *room = rows_room(k, len);
  return room && (memcpy(room, p, len), true);
}

static const sq_state_type_t key_rows_type = {sizeof(key_rows_t), release_rows, encode_rows, decode_rows, NULL};

typedef struct join_side {
  int64_t bound; /* expiry = time + bound */
  bool outer;    /* rows that never match are emitted with NULLs */
  uint32_t width, at;
  const uint32_t *kept; /* the columns kept in state */
  uint32_t n_kept;
} join_side_t;

typedef struct sq_op_interval_join {
  sq_join_base_t base;
  sq_join_spec_t spec;
  sq_state_t *state;
  join_side_t sides[2];
  sq_state_ns_t rows_ns, expiry_ns;
  bool file_by_side; /* an outer join: each side filed apart */
  int64_t granule;
  sq_time_set_t pending; /* expiry buckets with rows */
  int64_t watermark; /* the input watermark rows have been expired to */
  sq_row_layout_t joined;
  sq_buf_t key, bucket, expiring, unmatched;
  sq_buf_t filings; /* this push's expiry filings (bucket, side, key), written to their buckets at its end */
  sq_batch_t out;
} sq_op_interval_join_t;

static int64_t saturating_add(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

/* The watermark passed downstream for input watermark `wm`. */
static int64_t output_watermark(const sq_op_interval_join_t *j, int64_t wm) {
  if (wm == INT64_MIN || wm == SQ_WATERMARK_END) return wm;
  int64_t hold = (j->sides[0].bound > j->sides[1].bound ? j->sides[0].bound : j->sides[1].bound) + j->granule;
  return wm < INT64_MIN + hold ? INT64_MIN : wm - hold;
}

static bool flush_out(sq_op_interval_join_t *j) {
  bool ok = sq_op_emit(&j->base.op, &j->out);
  j->out.n = 0;
  return ok;
}

static bool out_of_memory(sq_op_interval_join_t *j) {
  const char *err = sq_state_error(j->state);
  return sq_exec_fail(j->base.op.exec, "%s in join", err ? err : "out of memory");
}

/* Emits a side's row with NULLs for the other side. */
static bool emit_unmatched(sq_op_interval_join_t *j, int side, const sq_value_t *row, int64_t time, int64_t wm) {
  sq_value_t *o = sq_batch_row(&j->out, j->out.n);
  sq_set_null(o, j->out.width);
  memcpy(o + j->sides[side].at, row, j->sides[side].width * sizeof *row);
  j->out.times[j->out.n] = time;
  j->out.wms[j->out.n++] = wm;
  return j->out.n < j->out.cap || flush_out(j);
}

/* The rows of the current key, made empty if there are none; NULL when
 * memory runs out or the disk fails. */
static key_rows_t *current_rows(sq_op_interval_join_t *j) {
  bool created;
  key_rows_t *k = sq_state_get(j->state, &j->rows_ns, j->key.data, j->key.len, true, &created);
  if (k && created) k->scheduled[0] = k->scheduled[1] = INT64_MIN;
  return k;
}

/* Joins a row of `side` with the other side's rows under the current key
 * (*rows), emitting the joined rows with watermark `wm`; *matched tells
 * whether any matched. *rows is looked up again when emitting ran other
 * operators. */
static bool probe(sq_op_interval_join_t *j, int side, const sq_value_t *row, int64_t time, int64_t wm, bool *matched,
                  key_rows_t **rows) {
  int other = 1 - side;
  const join_side_t *me = &j->sides[side], *them = &j->sides[other];
  char their_side = other ? RIGHT : 0;
  /* the other side's times that match: [time - their bound, time + my bound] */
  int64_t lo = time < INT64_MIN + them->bound ? INT64_MIN : time - them->bound, hi = saturating_add(time, me->bound);
  for (uint32_t at = 0; at < (*rows)->len;) {
    char *data = rows_of(*rows);
    int64_t t;
    uint32_t len;
    memcpy(&t, data + at, sizeof t);
    memcpy(&len, data + at + sizeof t + 1, sizeof len);
    uint32_t next = at + (uint32_t)ENTRY_HEADER + len;
    if ((data[at + sizeof t] & RIGHT) != their_side || t < lo || t > hi) {
      at = next;
      continue;
    }
    sq_value_t *o = sq_batch_row(&j->out, j->out.n);
    memcpy(o + me->at, row, me->width * sizeof *row);
    if (!sq_join_get_row(data + at + ENTRY_HEADER, len, o + them->at, them->width, them->kept, them->n_kept,
                         &j->base.op.exec->arena))
      return sq_exec_fail(j->base.op.exec, "corrupt join state");
    if (j->spec.on) {
      const sq_value_t *inputs[SQ_MAX_INPUTS];
      sq_row_bind(&j->joined, o, inputs);
      sq_eval_ctx_t ctx = {.inputs = inputs, .arena = &j->base.op.exec->arena, .now_ms = j->base.op.exec->now_ms,
                           .div_by_zero = &j->base.op.exec->div_by_zero};
      if (!sq_expr_true(j->spec.on, &ctx)) {
        at = next;
        continue;
      }
    }
    *matched = true;
    data[at + sizeof t] |= MATCHED; /* read only for an outer side's rows */
    j->out.times[j->out.n] = time > t ? time : t;
    j->out.wms[j->out.n++] = wm;
    at = next;
    if (j->out.n == j->out.cap) {
      /* emitting runs operators that use the store: look the rows up again */
      if (!flush_out(j)) return false;
      if (!(*rows = current_rows(j))) return out_of_memory(j);
    }
  }
  return true;
}

/* The state key of expiry bucket `bucket`: 8 bytes that sort by it. */
static const char *bucket_key(sq_op_interval_join_t *j, int64_t bucket) {
  sq_buf_clear(&j->bucket);
  sq_key_put_int(&j->bucket, bucket);
  return j->bucket.failed ? NULL : j->bucket.data;
}

/* Notes that the current key is to be filed under expiry bucket `bucket`
 * for `filed` (a side or BOTH_SIDES; file_expiries does it). */
static void note_expiry(sq_op_interval_join_t *j, int filed, int64_t bucket) {
  uint8_t s = (uint8_t)filed;
  uint32_t len = (uint32_t)j->key.len;
  sq_buf_append(&j->filings, &bucket, sizeof bucket);
  sq_buf_append(&j->filings, &s, 1);
  sq_buf_append(&j->filings, &len, sizeof len);
  sq_buf_append(&j->filings, j->key.data, len);
}

/* Files the noted keys under their buckets: one store lookup per bucket
 * rather than per key (a batch's rows mostly share one). */
static bool file_expiries(sq_op_interval_join_t *j) {
  if (j->filings.failed) return out_of_memory(j);
  sq_join_bytes_t *l = NULL;
  int64_t current = 0;
  for (size_t at = 0; at < j->filings.len;) {
    int64_t bucket;
    uint32_t len;
    memcpy(&bucket, j->filings.data + at, sizeof bucket);
    memcpy(&len, j->filings.data + at + sizeof bucket + 1, sizeof len);
    size_t size = sizeof bucket + 1 + sizeof len + len;
    if (!l || bucket != current) {
      const char *key = bucket_key(j, bucket);
      bool created;
      if (!key || !(l = sq_state_get(j->state, &j->expiry_ns, key, 8, true, &created)) || !sq_time_set_add(&j->pending, bucket))
        return out_of_memory(j);
      current = bucket;
    }
    if (!sq_join_bytes_append(l, j->filings.data + at + sizeof bucket, size - sizeof bucket)) return out_of_memory(j);
    at += size;
  }
  sq_buf_clear(&j->filings);
  return true;
}

/* Keeps a row of `side` in `rows` (the current key's) until it expires. */
static bool store(sq_op_interval_join_t *j, int side, const sq_value_t *row, int64_t time, bool matched, key_rows_t *rows) {
  const join_side_t *s = &j->sides[side];
  size_t size = sq_join_row_size(row, s->kept, s->n_kept);
  char *room = size <= UINT32_MAX ? rows_room(rows, ENTRY_HEADER + size) : NULL;
  if (!room) return out_of_memory(j);
  uint32_t len = (uint32_t)size;
  memcpy(room, &time, sizeof time);
  room[sizeof time] = (char)((matched ? MATCHED : 0) | (side ? RIGHT : 0));
  memcpy(room + sizeof time + 1, &len, sizeof len);
  sq_join_write_row(room + ENTRY_HEADER, row, s->kept, s->n_kept);
  int filed = j->file_by_side ? side : BOTH_SIDES;
  int64_t *scheduled = &rows->scheduled[filed == BOTH_SIDES ? 0 : filed];
  int64_t bucket = sq_floor_div(saturating_add(time, s->bound), j->granule);
  if (bucket == *scheduled) return true; /* that bucket already lists this key */
  if (bucket > *scheduled) *scheduled = bucket;
  note_expiry(j, filed, bucket);
  return true;
}

static bool interval_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_interval_join_t *j = (sq_op_interval_join_t *)op;
  int side = j->base.pushing;
  const join_side_t *s = &j->sides[side];
  const sq_value_t *inputs[SQ_MAX_INPUTS] = {0};
  sq_eval_ctx_t ctx = {.inputs = inputs, .arena = &op->exec->arena, .now_ms = op->exec->now_ms,
                       .div_by_zero = &op->exec->div_by_zero};
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *row = sq_batch_row(in, r);
    int64_t time = in->times[r];
    /* judged against the watermark in force when the row arrived, not
     * the one the batch's end will bring: rows expire only then, but one
     * that the row's watermark has expired cannot match it (out of bounds) */
    int64_t wm = sq_join_row_watermark(&j->base, side, in->wms[r]);
    if (wm < j->watermark) wm = j->watermark;
    if (time < wm) {
      op->exec->late_records++, op->late++;
      continue;
    }
    if (side == 0) sq_row_bind(&j->spec.left_layout, row, inputs);
    else inputs[j->spec.right_input] = row;
    if (!sq_join_key(&j->spec, side, &ctx, &j->key)) { /* a NULL key matches nothing */
      if (s->outer && !emit_unmatched(j, side, row, time, output_watermark(j, wm))) return false;
      continue;
    }
    if (j->key.failed) return out_of_memory(j);
    bool matched = false;
    key_rows_t *rows = current_rows(j);
    if (!rows) return out_of_memory(j);
    if (!probe(j, side, row, time, output_watermark(j, wm), &matched, &rows) || !store(j, side, row, time, matched, rows))
      return false;
  }
  return file_expiries(j) && (j->out.n == 0 || flush_out(j));
}

/* Deletes the rows under the current key that `filed` (a side or
 * BOTH_SIDES) covers and that expire before `wm`, emitting an outer
 * side's unmatched ones with `emit_wm`. */
static bool expire_key(sq_op_interval_join_t *j, int filed, int64_t wm, int64_t emit_wm) {
  bool created;
  key_rows_t *rows = sq_state_get(j->state, &j->rows_ns, j->key.data, j->key.len, false, &created);
  if (!rows) return !sq_state_error(j->state) || out_of_memory(j);
  char *data = rows_of(rows);
  sq_buf_clear(&j->unmatched);
  uint32_t kept = 0;
  for (uint32_t at = 0; at < rows->len;) {
    int64_t t;
    uint32_t len;
    memcpy(&t, data + at, sizeof t);
    memcpy(&len, data + at + sizeof t + 1, sizeof len);
    uint32_t size = (uint32_t)ENTRY_HEADER + len;
    char flags = data[at + sizeof t];
    int side = flags & RIGHT ? 1 : 0;
    if ((filed != BOTH_SIDES && side != filed) || (wm != SQ_WATERMARK_END && saturating_add(t, j->sides[side].bound) >= wm)) {
      memmove(data + kept, data + at, size);
      kept += size;
    } else if (j->sides[side].outer && !(flags & MATCHED)) {
      sq_buf_append(&j->unmatched, data + at, size);
    }
    at += size;
  }
  if (kept == 0) sq_state_remove_value(j->state, rows, j->key.len);
  else rows_truncate(rows, kept);
  if (j->unmatched.failed) return out_of_memory(j);
  sq_value_t *row = j->out.rows + (size_t)j->out.cap * j->out.width; /* scratch row past the batch */
  for (size_t at = 0; at < j->unmatched.len;) {
    int64_t t;
    uint32_t len;
    memcpy(&t, j->unmatched.data + at, sizeof t);
    memcpy(&len, j->unmatched.data + at + sizeof t + 1, sizeof len);
    int side = j->unmatched.data[at + sizeof t] & RIGHT ? 1 : 0;
    const join_side_t *s = &j->sides[side];
    if (!sq_join_get_row(j->unmatched.data + at + ENTRY_HEADER, len, row, s->width, s->kept, s->n_kept, &j->base.op.exec->arena))
      return sq_exec_fail(j->base.op.exec, "corrupt join state");
    if (!emit_unmatched(j, side, row, t, emit_wm)) return false;
    at += ENTRY_HEADER + len;
  }
  return true;
}
/* Expires every row filed under bucket `bucket`. */
static bool expire_bucket(sq_op_interval_join_t *j, int64_t bucket, int64_t wm, int64_t emit_wm) {
  const char *key = bucket_key(j, bucket);
  bool created;
  sq_join_bytes_t *l = key ? sq_state_get(j->state, &j->expiry_ns, key, 8, false, &created) : NULL;
  if (!l) return !sq_state_error(j->state) || out_of_memory(j);
  sq_buf_clear(&j->expiring);
  sq_buf_append(&j->expiring, l->data, l->len);
  sq_state_remove_value(j->state, l, 8);
  if (j->expiring.failed) return out_of_memory(j);
  for (size_t at = 0; at < j->expiring.len;) {
    int filed = j->expiring.data[at];
    uint32_t len;
    memcpy(&len, j->expiring.data + at + 1, sizeof len);
    sq_buf_clear(&j->key);
    sq_buf_append(&j->key, j->expiring.data + at + 1 + sizeof len, len);
    if (j->key.failed) return out_of_memory(j);
    if (!expire_key(j, filed, wm, emit_wm)) return false;
    at += 1 + sizeof len + len;
  }
  return true;
}

static bool interval_advance(sq_op_t *op, int64_t wm) {
  sq_op_interval_join_t *j = (sq_op_interval_join_t *)op;
  if (wm <= j->watermark) return true;
  int64_t emit_wm = output_watermark(j, j->watermark);
  j->watermark = wm;
  /* a bucket is done when every expiry in it is before wm */
  int64_t done = wm == SQ_WATERMARK_END ? INT64_MAX : sq_floor_div(wm, j->granule);
  while (j->pending.n && j->pending.v[0] < done) {
    int64_t bucket = j->pending.v[0];
    sq_time_set_drop_first(&j->pending, 1);
    if (!expire_bucket(j, bucket, wm, emit_wm)) return false;
  }
  if (j->out.n && !flush_out(j)) return false;
  return sq_op_emit_watermark(op, output_watermark(j, wm));
}

static void format_ms(char *buf, size_t size, int64_t ms) {
  if (ms % 1000 == 0) snprintf(buf, size, "%" PRId64 "s", ms / 1000);
  else snprintf(buf, size, "%" PRId64 "ms", ms);
}

static void interval_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_interval_join_t *j = (const sq_op_interval_join_t *)op;
  static const char *const types[] = {"inner", "left outer", "right outer", "full outer"};
  char before[32], after[32], text[512];
  format_ms(before, sizeof before, j->spec.before);
  format_ms(after, sizeof after, j->spec.after);
  size_t keys, bytes;
  sq_state_usage(j->state, &j->rows_ns, &keys, &bytes);
  snprintf(text, sizeof text, "%s join, %u key%s, within %s before / %s after; state: each side's rows until the "
           "watermark passes their time + bound (left %s, right %s): %zu keys, %zu bytes, %u expiry buckets",
           types[j->spec.type], j->spec.n_keys, j->spec.n_keys == 1 ? "" : "s", before, after, after, before, keys, bytes,
           j->pending.n);
  sq_buf_puts(out, text);
}

static void interval_destroy(sq_op_t *op) {
  sq_op_interval_join_t *j = (sq_op_interval_join_t *)op;
  sq_join_spec_free(&j->spec);
  sq_time_set_free(&j->pending);
  sq_buf_free(&j->key);
  sq_buf_free(&j->bucket);
  sq_buf_free(&j->expiring);
  sq_buf_free(&j->unmatched);
  sq_buf_free(&j->filings);
  sq_batch_free(&j->out);
  sq_op_release(op);
  free(j);
}

static void interval_save(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_interval_join_t *j = (const sq_op_interval_join_t *)op;
  sq_put_i64(out, j->watermark);
  sq_put_i64(out, j->base.side_wm[0]);
  sq_put_i64(out, j->base.side_wm[1]);
  sq_time_set_save(&j->pending, out);
  sq_put_u64(out, STATE_LAYOUT);
}

static bool interval_load(sq_op_t *op, sq_cursor_t *in) {
  sq_op_interval_join_t *j = (sq_op_interval_join_t *)op;
  j->watermark = sq_get_i64(in);
  j->base.side_wm[0] = sq_get_i64(in);
  j->base.side_wm[1] = sq_get_i64(in);
  return sq_time_set_load(&j->pending, in) && sq_get_u64(in) == STATE_LAYOUT;
}

static const sq_op_class_t interval_class = {"IntervalJoin", interval_push, interval_advance, interval_describe,
                                             interval_destroy, interval_save, interval_load, true};

sq_op_t *sq_op_interval_join_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, sq_join_spec_t *spec) {
  sq_op_interval_join_t *j = calloc(1, sizeof *j);
  /* one spare row past the batch: a scratch row for decoding */
  bool batch = j && sq_batch_init(&j->out, spec->left_width + spec->right_width, SQ_BATCH_ROWS + 1);
  if (!batch || !sq_join_spec_index(spec)) {
    if (batch) sq_batch_free(&j->out);
    free(j);
    sq_join_spec_free(spec);
    return NULL;
  }
  j->out.cap = SQ_BATCH_ROWS;
  sq_join_base_init(&j->base, &interval_class, exec, false);
  j->spec = *spec;
  j->base.op.input_name = j->spec.text;
  j->state = state;
  bool left_outer = spec->type == SQ_JOIN_LEFT || spec->type == SQ_JOIN_FULL;
  bool right_outer = spec->type == SQ_JOIN_RIGHT || spec->type == SQ_JOIN_FULL;
  j->sides[0] = (join_side_t){spec->after, left_outer, spec->left_width, 0, j->spec.kept[0], j->spec.n_kept[0]};
  j->sides[1] = (join_side_t){spec->before, right_outer, spec->right_width, spec->left_width, j->spec.kept[1], j->spec.n_kept[1]};
  j->rows_ns = (sq_state_ns_t){id, exec->state_base, &key_rows_type};
  j->expiry_ns = (sq_state_ns_t){id, exec->state_base + 1, &sq_join_bytes_type};
  j->file_by_side = left_outer || right_outer;
  int64_t span = spec->before + spec->after;
  j->granule = span / 8 > 0 ? span / 8 : 1;
  j->watermark = INT64_MIN;
  j->joined = spec->left_layout;
  j->joined.offsets[j->joined.n++] = spec->left_width;
  return &j->base.op;
}
