/* Joins (LANGUAGE.md §2). A join operator has two inputs, each fed
 * through a port: the plan attaches the left side's producer to port 0
 * and the right side's to port 1. The left side is a row of one or more
 * inputs (joins chain left-deep); the right side is one relation. The
 * joined row is the two rows side by side.
 *
 * Two kinds: an interval join of two streams (engine/op_interval_join.c)
 * and a lookup join of a stream in a table (engine/op_lookup_join.c). */
#ifndef SQ_JOIN_H
#define SQ_JOIN_H

#include "engine/expr.h"
#include "engine/op.h"
#include "engine/row_layout.h"
#include "engine/state.h"

/* What a join does, compiled from its ON and WITHIN. The operator owns
 * the expressions once it is created (also when creation fails). */
typedef struct sq_join_spec {
  sq_join_t type;
  uint32_t left_width, right_width;
  sq_row_layout_t left_layout;   /* the left row's inputs */
  uint32_t right_input;          /* the right side's input index (= left_layout.n) */
  uint32_t n_keys;               /* the equalities of ON: left_keys[i] = right_keys[i] */
  sq_expr_t **left_keys, **right_keys;
  bool *as_double;               /* key i compares a BIGINT with a DOUBLE: both as DOUBLE */
  sq_expr_t *on;                 /* ON less the key equalities that equal keys make hold, over the joined row; NULL: nothing */
  bool *left_used, *right_used;  /* the columns the query reads: only those are kept in state */
  uint32_t *kept[2], n_kept[2];  /* the same as lists of column indexes, per side (sq_join_spec_index) */
  int64_t before, after;         /* WITHIN: right.time - left.time in [-before, after] */
  uint32_t table_columns;        /* lookup join: the table's declared columns (then metadata) */
  int table_key;                 /* lookup join: its primary key column */
  char text[160];                /* EXPLAIN: the inputs, "bids, persons" or "#2, users" */
} sq_join_spec_t;

/* The shared part of both join operators: the two ports and the
 * watermark each has passed on. */
typedef struct sq_join_port {
  sq_op_t op;
  struct sq_join_base *join;
  int side;
} sq_join_port_t;

typedef struct sq_join_base {
  sq_op_t op;
  sq_join_port_t ports[2];
  int pushing;            /* the side of the batch being pushed */
  int64_t side_wm[2];     /* the last watermark of each side */
  bool right_is_table;    /* a table's watermark does not count */
  uint64_t side_sources[2]; /* the streams (bit i: plan source i) feeding each side */
} sq_join_base_t;

/* Sets up the ports of a join operator of class `cls`. */
void sq_join_base_init(sq_join_base_t *j, const sq_op_class_t *cls, sq_exec_t *exec, bool right_is_table);
/* The join's input watermark: the smaller of its sides' (the stream's
 * alone for a lookup join). */
int64_t sq_join_input_watermark(const sq_join_base_t *j);
/* The join's input watermark for a row of `side` that arrived with
 * watermark `row_wm`: the smaller of the two sides' at that moment. When
 * one stream feeds both sides, the other side stood where this row's
 * side stood (the rows of a batch reach the two sides one side after the
 * other, but their watermarks moved together); otherwise the other side
 * stands at the last watermark it passed on. */
int64_t sq_join_row_watermark(const sq_join_base_t *j, int side, int64_t row_wm);
/* Port `side` (0 left, 1 right) of a join operator. */
sq_op_t *sq_join_port(sq_op_t *join, int side);
/* The join whose port `op` is, with the port's side in *side; NULL when
 * `op` is no join port. */
sq_join_base_t *sq_join_of_port(sq_op_t *op, int *side);
/* Frees the expressions of a spec. */
void sq_join_spec_free(sq_join_spec_t *spec);
/* The key of a row into `out` (cleared): each key expression of `side`
 * evaluated over ctx's inputs and encoded; false when a key is NULL (a
 * NULL never equals anything). */
bool sq_join_key(const sq_join_spec_t *spec, int side, sq_eval_ctx_t *ctx, sq_buf_t *out);
/* A state value of both joins: bytes that grow (an expiry bucket's
 * list, a table row). */
typedef struct sq_join_bytes {
  char *data;
  uint32_t len, cap;
} sq_join_bytes_t;

extern const sq_state_type_t sq_join_bytes_type;
/* Appends to a value; false when memory runs out. */
bool sq_join_bytes_append(sq_join_bytes_t *b, const void *p, size_t len);

/* Fills spec->kept from left_used and right_used; false when memory runs out. */
bool sq_join_spec_index(sq_join_spec_t *spec);
/* A row to bytes and back: the `kept` ones of its values (the others read
 * back as NULL), each its type byte, then 8 bytes for a number or
 * timestamp, 1 for a boolean, a 4-byte length and the bytes for a string
 * (fixed widths: a row is written once and read at every match, and
 * varints cost a loop per byte). sq_join_row_size tells the bytes that
 * sq_join_write_row writes at `out`; sq_join_put_row appends them.
 * Strings read back are copied into `arena` (the bytes may move before
 * the row is used). sq_join_get_row reads exactly `len` bytes into a row
 * of `width` values; false when they are corrupt or the arena is out of
 * memory. */
size_t sq_join_row_size(const sq_value_t *row, const uint32_t *kept, uint32_t n_kept);
void sq_join_write_row(char *out, const sq_value_t *row, const uint32_t *kept, uint32_t n_kept);
void sq_join_put_row(sq_buf_t *out, const sq_value_t *row, const uint32_t *kept, uint32_t n_kept);
bool sq_join_get_row(const char *p, size_t len, sq_value_t *row, uint32_t width, const uint32_t *kept, uint32_t n_kept,
                     sq_arena_t *arena);

sq_op_t *sq_op_interval_join_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, sq_join_spec_t *spec);
sq_op_t *sq_op_lookup_join_new(sq_exec_t *exec, sq_state_t *state, uint32_t id, sq_join_spec_t *spec);

#endif
