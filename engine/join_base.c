/* What both join operators share: the ports that tell the two inputs
 * apart, the input watermark, join keys and the row encoding of state. */
#include <stdlib.h>
#include <string.h>

#include "engine/join.h"
#include "engine/key_codec.h"

int64_t sq_join_input_watermark(const sq_join_base_t *j) {
  if (j->right_is_table) return j->side_wm[0];
  return j->side_wm[0] < j->side_wm[1] ? j->side_wm[0] : j->side_wm[1];
}

int64_t sq_join_row_watermark(const sq_join_base_t *j, int side, int64_t row_wm) {
  int64_t own = row_wm > j->side_wm[side] ? row_wm : j->side_wm[side];
  if (j->right_is_table) return own;
  uint64_t feeds = j->side_sources[0];
  bool one_stream = feeds && feeds == j->side_sources[1] && !(feeds & (feeds - 1));
  int64_t other = one_stream ? own : j->side_wm[1 - side];
  return own < other ? own : other;
}

static bool port_push(sq_op_t *op, const sq_batch_t *in) {
  sq_join_port_t *port = (sq_join_port_t *)op;
  port->join->pushing = port->side;
  return sq_op_push(&port->join->op, in);
}

/* The join hears of a watermark when its input watermark moves. */
static bool port_advance(sq_op_t *op, int64_t wm) {
  sq_join_port_t *port = (sq_join_port_t *)op;
  sq_join_base_t *j = port->join;
  int64_t before = sq_join_input_watermark(j);
  if (wm > j->side_wm[port->side]) j->side_wm[port->side] = wm;
  int64_t after = sq_join_input_watermark(j);
  return after <= before || sq_op_advance(&j->op, after);
}

static void port_describe(const sq_op_t *op, sq_buf_t *out) { (void)op, (void)out; }
static void port_destroy(sq_op_t *op) { (void)op; /* part of its join */ }

static const sq_op_class_t port_class = {"JoinInput", port_push, port_advance, port_describe, port_destroy, NULL, NULL, false};

void sq_join_base_init(sq_join_base_t *j, const sq_op_class_t *cls, sq_exec_t *exec, bool right_is_table) {
  j->op.cls = cls;
  j->op.exec = exec;
  j->right_is_table = right_is_table;
  for (int side = 0; side < 2; side++) {
    j->ports[side] = (sq_join_port_t){.op = {.cls = &port_class, .exec = exec}, .join = j, .side = side};
    j->side_wm[side] = INT64_MIN;
  }
}

sq_op_t *sq_join_port(sq_op_t *join, int side) { return &((sq_join_base_t *)join)->ports[side].op; }

sq_join_base_t *sq_join_of_port(sq_op_t *op, int *side) {
  if (op->cls != &port_class) return NULL;
  sq_join_port_t *port = (sq_join_port_t *)op;
  *side = port->side;
  return port->join;
}

void sq_join_spec_free(sq_join_spec_t *spec) {
  for (uint32_t i = 0; i < spec->n_keys; i++) {
    sq_expr_destroy(spec->left_keys ? spec->left_keys[i] : NULL);
    sq_expr_destroy(spec->right_keys ? spec->right_keys[i] : NULL);
  }
  free(spec->left_keys);
  free(spec->right_keys);
  free(spec->as_double);
  free(spec->left_used);
  free(spec->right_used);
  spec->left_used = spec->right_used = NULL;
  sq_expr_destroy(spec->on);
  spec->left_keys = spec->right_keys = NULL;
  spec->as_double = NULL;
  spec->on = NULL;
  spec->n_keys = 0;
}

bool sq_join_key(const sq_join_spec_t *spec, int side, sq_eval_ctx_t *ctx, sq_buf_t *out) {
  sq_buf_clear(out);
  sq_expr_t *const *keys = side == 0 ? spec->left_keys : spec->right_keys;
  for (uint32_t i = 0; i < spec->n_keys; i++) {
    sq_value_t v = sq_expr_eval(keys[i], ctx);
    if (sq_is_null(v)) return false;
    if (spec->as_double[i] && v.type == SQ_TYPE_BIGINT) v = sq_double((double)v.u.i);
    sq_key_put_value(out, v);
  }
  return true;
}

void sq_join_put_row(sq_buf_t *out, const sq_value_t *row, uint32_t width, const bool *used) {
  for (uint32_t i = 0; i < width; i++)
    if (used[i]) sq_put_value(out, row[i]);
}

bool sq_join_get_row(sq_cursor_t *in, sq_value_t *row, uint32_t width, const bool *used, sq_arena_t *arena) {
  for (uint32_t i = 0; i < width; i++) {
    if (!used[i]) {
      row[i] = sq_null();
      continue;
    }
    row[i] = sq_get_value(in);
    if (row[i].type == SQ_TYPE_STRING && row[i].u.s.len) {
      char *copy = sq_arena_alloc(arena, row[i].u.s.len);
      if (!copy) return false;
      memcpy(copy, row[i].u.s.p, row[i].u.s.len);
      row[i].u.s.p = copy;
    }
  }
  return !in->failed;
}

static void release_bytes(void *value, const void *ctx) {
  (void)ctx;
  free(((sq_join_bytes_t *)value)->data);
}

static void encode_bytes(const void *value, sq_buf_t *out, const void *ctx) {
  (void)ctx;
  const sq_join_bytes_t *b = value;
  sq_put_bytes(out, b->data, b->len);
}

static bool decode_bytes(void *value, sq_cursor_t *in, const void *ctx) {
  (void)ctx;
  sq_join_bytes_t *b = value;
  size_t len;
  const char *p = sq_get_bytes(in, &len);
  if (!sq_cursor_done(in) || len > UINT32_MAX) return false;
  return sq_join_bytes_append(b, p, len);
}

const sq_state_type_t sq_join_bytes_type = {sizeof(sq_join_bytes_t), release_bytes, encode_bytes, decode_bytes, NULL};

bool sq_join_bytes_append(sq_join_bytes_t *b, const void *p, size_t len) {
  if (len > UINT32_MAX - b->len) return false;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + len) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return false;
    b->data = data;
    b->cap = (uint32_t)cap;
  }
  if (len) memcpy(b->data + b->len, p, len);
  b->len += (uint32_t)len;
  return true;
}
