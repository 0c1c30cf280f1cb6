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
  free(spec->kept[0]);
  free(spec->kept[1]);
  spec->left_used = spec->right_used = NULL;
  spec->kept[0] = spec->kept[1] = NULL;
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

/* Little-endian whatever the machine (state moves between machines with
 * its directory); compilers make each loop one load or store. */
static void put_le64(char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (char)(v >> (8 * i));
}
static uint64_t get_le64(const char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)(unsigned char)p[i] << (8 * i);
  return v;
}

bool sq_join_spec_index(sq_join_spec_t *spec) {
  for (int side = 0; side < 2; side++) {
    const bool *used = side ? spec->right_used : spec->left_used;
    uint32_t width = side ? spec->right_width : spec->left_width;
    if (!(spec->kept[side] = malloc((width ? width : 1) * sizeof *spec->kept[side]))) return false;
    spec->n_kept[side] = 0;
    for (uint32_t i = 0; i < width; i++)
      if (used[i]) spec->kept[side][spec->n_kept[side]++] = i;
  }
  return true;
}

size_t sq_join_row_size(const sq_value_t *row, const uint32_t *kept, uint32_t n_kept) {
  size_t n = n_kept;
  for (uint32_t k = 0; k < n_kept; k++) {
    const sq_value_t *v = &row[kept[k]];
    n += v->type == SQ_TYPE_STRING ? 4 + (size_t)v->u.s.len : v->type == SQ_TYPE_BOOLEAN ? 1 : v->type == SQ_TYPE_NULL ? 0 : 8;
  }
  return n;
}

void sq_join_write_row(char *out, const sq_value_t *row, const uint32_t *kept, uint32_t n_kept) {
  for (uint32_t k = 0; k < n_kept; k++) {
    sq_value_t v = row[kept[k]];
    *out++ = (char)v.type;
    switch (v.type) {
    case SQ_TYPE_BOOLEAN: *out++ = (char)v.u.b; break;
    case SQ_TYPE_BIGINT:
    case SQ_TYPE_TIMESTAMP: put_le64(out, (uint64_t)v.u.i), out += 8; break;
    case SQ_TYPE_DOUBLE: {
      uint64_t bits;
      memcpy(&bits, &v.u.d, sizeof bits);
      put_le64(out, bits);
      out += 8;
      break;
    }
    case SQ_TYPE_STRING:
      for (int b = 0; b < 4; b++) out[b] = (char)(v.u.s.len >> (8 * b));
      if (v.u.s.len) memcpy(out + 4, v.u.s.p, v.u.s.len);
      out += 4 + v.u.s.len;
      break;
    default: break; /* NULL: the type alone */
    }
  }
}

void sq_join_put_row(sq_buf_t *out, const sq_value_t *row, const uint32_t *kept, uint32_t n_kept) {
  size_t n = sq_join_row_size(row, kept, n_kept);
  if (n == 0 || !sq_buf_reserve(out, n)) return;
  sq_join_write_row(out->data + out->len, row, kept, n_kept);
  out->len += n;
}

bool sq_join_get_row(const char *p, size_t len, sq_value_t *row, uint32_t width, const uint32_t *kept, uint32_t n_kept,
                     sq_arena_t *arena) {
  const char *end = p + len;
  sq_set_null(row, width);
  for (uint32_t k = 0; k < n_kept; k++) {
    if (p == end) return false;
    sq_type_t type = (sq_type_t)(unsigned char)*p++;
    size_t need = type == SQ_TYPE_STRING ? 4 : type == SQ_TYPE_BOOLEAN ? 1 : type == SQ_TYPE_NULL ? 0 : 8;
    if ((size_t)(end - p) < need) return false;
    sq_value_t *v = &row[kept[k]];
    switch (type) {
    case SQ_TYPE_NULL: break;
    case SQ_TYPE_BOOLEAN: *v = sq_bool(*p != 0); break;
    case SQ_TYPE_BIGINT: *v = sq_int((int64_t)get_le64(p)); break;
    case SQ_TYPE_TIMESTAMP: *v = sq_ts((int64_t)get_le64(p)); break;
    case SQ_TYPE_DOUBLE: {
      uint64_t bits = get_le64(p);
      double d;
      memcpy(&d, &bits, sizeof d);
      *v = sq_double(d);
      break;
    }
    case SQ_TYPE_STRING: {
      uint32_t n = 0;
      for (int b = 0; b < 4; b++) n |= (uint32_t)(unsigned char)p[b] << (8 * b);
      if ((size_t)(end - p) - 4 < n) return false;
      char *copy = n ? sq_arena_alloc(arena, n) : NULL;
      if (n && !copy) return false;
      if (n) memcpy(copy, p + 4, n);
      *v = sq_str(copy ? copy : "", n);
      need += n;
      break;
    }
    default: return false;
    }
    p += need;
  }
  return p == end;
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
