/* Lookup join of a stream in a table: each stream row is joined with the
 * table's current row for its key (INNER drops a row without one, LEFT
 * emits it with NULLs). The table side is a changelog: a row replaces the
 * key's row; a row whose columns other than the key are all NULL (a Kafka
 * tombstone reads as one) deletes it.
 *
 * State: the table, one entry per primary key holding the encoded row;
 * it is checkpointed with the rest, so a restart has the table at once.
 * The table's rows carry no event time: the output follows the stream's
 * watermark and its rows keep the stream row's time. The runtime reads a
 * table to its end before the first stream row (bootstrap), so a lookup
 * never misses a row the table already had when the pipeline started. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/join.h"

/* The layout of this operator's state (the table rows' encoding), last in
 * its checkpoint record: a record of an earlier layout (which ends before
 * it) is refused. */
#define STATE_LAYOUT 1

typedef struct sq_op_lookup_join {
  sq_join_base_t base;
  sq_join_spec_t spec;
  sq_state_t *state;
  sq_state_ns_t ns;
  sq_row_layout_t joined;
  sq_buf_t key, row_bytes;
  sq_batch_t out;
} sq_op_lookup_join_t;

static bool fail(sq_op_lookup_join_t *j) {
  const char *err = sq_state_error(j->state);
  return sq_exec_fail(j->base.op.exec, "%s in join", err ? err : "out of memory");
}

static bool flush_out(sq_op_lookup_join_t *j) {
  bool ok = sq_op_emit(&j->base.op, &j->out);
  j->out.n = 0;
  return ok;
}

/* Whether a table row deletes its key: every declared column but the key is NULL. */
static bool deletes(const sq_op_lookup_join_t *j, const sq_value_t *row) {
  for (uint32_t c = 0; c < j->spec.table_columns; c++)
    if ((int)c != j->spec.table_key && !sq_is_null(row[c])) return false;
  return true;
}

static bool apply_table_rows(sq_op_lookup_join_t *j, const sq_batch_t *in) {
  const sq_value_t *inputs[SQ_MAX_INPUTS] = {0};
  sq_eval_ctx_t ctx = {.inputs = inputs, .arena = &j->base.op.exec->arena, .now_ms = j->base.op.exec->now_ms,
                       .div_by_zero = &j->base.op.exec->div_by_zero};
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *row = sq_batch_row(in, r);
    inputs[j->spec.right_input] = row;
    if (!sq_join_key(&j->spec, 1, &ctx, &j->key)) continue; /* no key: nothing to update */
    if (j->key.failed) return fail(j);
    if (deletes(j, row)) {
      sq_state_remove(j->state, &j->ns, j->key.data, j->key.len);
      continue;
    }
    sq_buf_clear(&j->row_bytes);
    sq_join_put_row(&j->row_bytes, row, j->spec.kept[1], j->spec.n_kept[1]);
    bool created;
    sq_join_bytes_t *value = sq_state_get(j->state, &j->ns, j->key.data, j->key.len, true, &created);
    if (!value || j->row_bytes.failed) return fail(j);
    value->len = 0;
    if (!sq_join_bytes_append(value, j->row_bytes.data, j->row_bytes.len)) return fail(j);
  }
  return !sq_state_error(j->state) || fail(j);
}

/* Joins one stream row into the next output row; false on a fatal error. */
static bool join_row(sq_op_lookup_join_t *j, const sq_value_t *row, int64_t time, int64_t wm) {
  sq_value_t *o = sq_batch_row(&j->out, j->out.n);
  uint32_t left = j->spec.left_width;
  memcpy(o, row, left * sizeof *row);
  const sq_value_t *inputs[SQ_MAX_INPUTS];
  sq_row_bind(&j->spec.left_layout, o, inputs);
  sq_eval_ctx_t ctx = {.inputs = inputs, .arena = &j->base.op.exec->arena, .now_ms = j->base.op.exec->now_ms,
                       .div_by_zero = &j->base.op.exec->div_by_zero};
  bool matched = false;
  if (sq_join_key(&j->spec, 0, &ctx, &j->key)) {
    if (j->key.failed) return fail(j);
    const sq_join_bytes_t *found = sq_state_peek(j->state, &j->ns, j->key.data, j->key.len);
    if (found) {
      if (!sq_join_get_row(found->data, found->len, o + left, j->spec.right_width, j->spec.kept[1], j->spec.n_kept[1],
                           &j->base.op.exec->arena))
        return sq_exec_fail(j->base.op.exec, "corrupt table state in join");
      matched = true;
      if (j->spec.on) {
        sq_row_bind(&j->joined, o, inputs);
        matched = sq_expr_true(j->spec.on, &ctx);
      }
    } else if (sq_state_error(j->state)) {
      return fail(j);
    }
  }
  if (!matched && j->spec.type == SQ_JOIN_INNER) return true;
  if (!matched)
    sq_set_null(o + left, j->spec.right_width);
  j->out.times[j->out.n] = time;
  j->out.wms[j->out.n++] = wm;
  return j->out.n < j->out.cap || flush_out(j);
}

static bool lookup_push(sq_op_t *op, const sq_batch_t *in) {
  sq_op_lookup_join_t *j = (sq_op_lookup_join_t *)op;
  if (j->base.pushing == 1) return apply_table_rows(j, in);
  for (uint32_t r = 0; r < in->n; r++)
    if (!join_row(j, sq_batch_row(in, r), in->times[r], in->wms[r])) return false;
  return j->out.n == 0 || flush_out(j);
}

static bool lookup_advance(sq_op_t *op, int64_t wm) { return sq_op_emit_watermark(op, wm); }

static void lookup_describe(const sq_op_t *op, sq_buf_t *out) {
  const sq_op_lookup_join_t *j = (const sq_op_lookup_join_t *)op;
  size_t keys, bytes;
  sq_state_usage(j->state, &j->ns, &keys, &bytes);
  char text[512];
  snprintf(text, sizeof text, "%s join on the table's primary key; state: the table's current rows: %zu keys, %zu bytes",
           j->spec.type == SQ_JOIN_LEFT ? "left outer" : "inner", keys, bytes);
  sq_buf_puts(out, text);
}

static void lookup_destroy(sq_op_t *op) {
  sq_op_lookup_join_t *j = (sq_op_lookup_join_t *)op;
  sq_join_spec_free(&j->spec);
  sq_buf_free(&j->key);
  sq_buf_free(&j->row_bytes);
  sq_batch_free(&j->out);
  sq_op_release(op);
  free(j);
}

static void lookup_save(const sq_op_t *op, sq_buf_t *out) {
  sq_put_i64(out, ((const sq_join_base_t *)op)->side_wm[0]);
  sq_put_u64(out, STATE_LAYOUT);
}

static bool lookup_load(sq_op_t *op, sq_cursor_t *in) {
  ((sq_join_base_t *)op)->side_wm[0] = sq_get_i64(in);
  return sq_get_u64(in) == STATE_LAYOUT && !in->failed;
}

static const sq_op_class_t lookup_class = {"LookupJoin", lookup_push, lookup_advance, lookup_describe, lookup_destroy,
                                           lookup_save, lookup_load, true};

sq_op_t *sq_op_lookup_join_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, sq_join_spec_t *spec) {
  sq_op_lookup_join_t *j = calloc(1, sizeof *j);
  bool batch = j && sq_batch_init(&j->out, spec->left_width + spec->right_width, SQ_BATCH_ROWS);
  if (!batch || !sq_join_spec_index(spec)) {
    if (batch) sq_batch_free(&j->out);
    free(j);
    sq_join_spec_free(spec);
    return NULL;
  }
  sq_join_base_init(&j->base, &lookup_class, exec, true);
  j->spec = *spec;
  j->base.op.input_name = j->spec.text;
  j->state = state;
  j->ns = (sq_state_ns_t){id, exec->state_base, &sq_join_bytes_type};
  j->joined = spec->left_layout;
  j->joined.offsets[j->joined.n++] = spec->left_width;
  return &j->base.op;
}
