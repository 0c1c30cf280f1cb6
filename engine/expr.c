/* The expression compiler and evaluator. Compilation resolves everything
 * that does not depend on the row: literals become constants, columns
 * become (input, column) pairs, aggregate results and grouped
 * expressions become slots, functions become ids. Evaluation is a switch
 * per node over values on the C stack. */
#include "engine/expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze_scope.h"
#include "engine/scalar.h"

#define SQ_MAX_CALL_ARGS 32

typedef enum sq_expr_kind {
  X_CONST, X_COLUMN, X_SLOT, X_WINDOW_START, X_WINDOW_END, X_NOT, X_NEG, X_AND, X_OR,
  X_COMPARE, X_ARITH, X_CONCAT, X_IS_NULL, X_IN, X_BETWEEN, X_LIKE, X_CASE, X_CAST, X_CALL, X_EXTRACT,
} sq_expr_kind_t;

struct sq_expr {
  sq_expr_kind_t kind;
  sq_type_t type;
  int op;          /* sq_opcode_t for compare/arith; function id for calls */
  bool negated;
  int a, b;        /* column: input, column; slot: index */
  sq_value_t constant;
  char *owned;     /* text of a string constant or EXTRACT field */
  sq_expr_t **args;
  uint32_t n_args;
  bool has_operand, has_else; /* CASE */
};

sq_type_t sq_expr_type(const sq_expr_t *x) { return x->type; }

void sq_expr_destroy(sq_expr_t *x) {
  if (!x) return;
  for (uint32_t i = 0; i < x->n_args; i++) sq_expr_destroy(x->args[i]);
  free(x->args);
  free(x->owned);
  free(x);
}

static sq_expr_t *new_node(sq_expr_kind_t kind, const sq_ast_t *e, uint32_t n_args) {
  sq_expr_t *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->kind = kind;
  x->type = (sq_type_t)e->type;
  x->negated = e->flag; /* read only by IS NULL, IN, BETWEEN and LIKE */
  if (n_args && !(x->args = calloc(n_args, sizeof *x->args))) {
    free(x);
    return NULL;
  }
  x->n_args = n_args;
  return x;
}

/* Compiles the children into x->args[first...]; false on failure. */
static bool compile_args(sq_expr_t *x, uint32_t first, const sq_ast_t *const *kids, uint32_t n, const sq_slot_map_t *slots) {
  for (uint32_t i = 0; i < n; i++)
    if (!(x->args[first + i] = sq_expr_compile(kids[i], slots))) return false;
  return true;
}

sq_expr_t *sq_expr_column(int input, int column, sq_type_t type) {
  sq_expr_t *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->kind = X_COLUMN;
  x->type = type;
  x->a = input;
  x->b = column;
  return x;
}

static sq_expr_t *compile_literal(const sq_ast_t *e) {
  sq_expr_t *x = new_node(X_CONST, e, 0);
  if (!x) return NULL;
  switch ((sq_literal_t)e->sub) {
  case SQ_LIT_NULL: x->constant = sq_null(); break;
  case SQ_LIT_BOOL: x->constant = sq_bool(e->flag); break;
  case SQ_LIT_INT: x->constant = sq_int(e->ival); break;
  case SQ_LIT_DOUBLE: x->constant = sq_double(e->dval); break;
  case SQ_LIT_TIMESTAMP: x->constant = sq_ts(e->ival); break;
  case SQ_LIT_STRING:
    if (!(x->owned = strdup(e->text))) {
      free(x);
      return NULL;
    }
    x->constant = sq_str(x->owned, (uint32_t)strlen(x->owned));
    break;
  }
  return x;
}

sq_expr_t *sq_expr_compile(const sq_ast_t *e, const sq_slot_map_t *slots) {
  for (int i = 0; slots && i < slots->n; i++) {
    if (sq_ast_equal(e, slots->exprs[i])) {
      sq_expr_t *x = new_node(X_SLOT, e, 0);
      if (x) x->a = i;
      return x;
    }
  }
  sq_expr_t *x = NULL;
  bool ok = true;
  switch (e->kind) {
  case SQ_AST_LITERAL: return compile_literal(e);
  case SQ_AST_COLUMN:
    if (e->ref == SQ_REF_WINDOW) return new_node(e->ref2 == SQ_WINDOW_START_COLUMN ? X_WINDOW_START : X_WINDOW_END, e, 0);
    if ((x = new_node(X_COLUMN, e, 0))) {
      x->a = e->ref;
      x->b = e->ref2;
    }
    return x;
  case SQ_AST_UNARY:
    if (e->sub == SQ_EXPR_PLUS) return sq_expr_compile(e->a, slots);
    x = new_node(e->sub == SQ_EXPR_NOT ? X_NOT : X_NEG, e, 1);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a}, 1, slots);
    break;
  case SQ_AST_BINARY: {
    sq_opcode_t op = (sq_opcode_t)e->sub;
    sq_expr_kind_t kind = op == SQ_EXPR_AND ? X_AND : op == SQ_EXPR_OR ? X_OR : op == SQ_EXPR_CONCAT ? X_CONCAT
                        : op <= SQ_EXPR_GE && op >= SQ_EXPR_EQ ? X_COMPARE : X_ARITH;
    x = new_node(kind, e, 2);
    if (x) x->op = (int)op;
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a, e->b}, 2, slots);
    break;
  }
  case SQ_AST_IS_NULL:
    x = new_node(X_IS_NULL, e, 1);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a}, 1, slots);
    break;
  case SQ_AST_IN:
    x = new_node(X_IN, e, 1 + e->b->n);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a}, 1, slots) &&
         compile_args(x, 1, (const sq_ast_t *const *)e->b->list, e->b->n, slots);
    break;
  case SQ_AST_BETWEEN:
    x = new_node(X_BETWEEN, e, 3);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a, e->b, e->c}, 3, slots);
    break;
  case SQ_AST_LIKE:
    x = new_node(X_LIKE, e, 2);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a, e->b}, 2, slots);
    break;
  case SQ_AST_CASE: {
    /* args: [operand] (when, then)... [else] */
    uint32_t n = (e->a ? 1 : 0) + 2 * e->b->n + (e->c ? 1 : 0), k = 0;
    x = new_node(X_CASE, e, n);
    if (!x) break;
    x->has_operand = e->a != NULL;
    x->has_else = e->c != NULL;
    if (e->a) ok = compile_args(x, k++, (const sq_ast_t *[]){e->a}, 1, slots);
    for (uint32_t i = 0; ok && i < e->b->n; i++, k += 2)
      ok = compile_args(x, k, (const sq_ast_t *[]){e->b->list[i]->a, e->b->list[i]->b}, 2, slots);
    if (ok && e->c) ok = compile_args(x, k, (const sq_ast_t *[]){e->c}, 1, slots);
    break;
  }
  case SQ_AST_CAST:
    x = new_node(X_CAST, e, 1);
    ok = x && compile_args(x, 0, (const sq_ast_t *[]){e->a}, 1, slots);
    break;
  case SQ_AST_CALL:
    x = new_node(X_CALL, e, e->b->n);
    if (x) x->op = e->ref;
    ok = x && e->b->n <= SQ_MAX_CALL_ARGS && compile_args(x, 0, (const sq_ast_t *const *)e->b->list, e->b->n, slots);
    break;
  case SQ_AST_EXTRACT:
    x = new_node(X_EXTRACT, e, 1);
    ok = x && (x->owned = strdup(e->name.text)) && compile_args(x, 0, (const sq_ast_t *[]){e->a}, 1, slots);
    break;
  default: return NULL;
  }
  if (!ok) {
    sq_expr_destroy(x);
    return NULL;
  }
  return x;
}

static sq_value_t arith_int(sq_opcode_t op, int64_t a, int64_t b, sq_type_t type, sq_eval_ctx_t *ctx) {
  int64_t r;
  switch (op) {
  case SQ_EXPR_ADD: if (__builtin_add_overflow(a, b, &r)) return sq_null(); break;
  case SQ_EXPR_SUB: if (__builtin_sub_overflow(a, b, &r)) return sq_null(); break;
  case SQ_EXPR_MUL: if (__builtin_mul_overflow(a, b, &r)) return sq_null(); break;
  case SQ_EXPR_DIV:
  case SQ_EXPR_MOD:
    if (b == 0) {
      if (ctx->div_by_zero) (*ctx->div_by_zero)++;
      return sq_null();
    }
    if (a == INT64_MIN && b == -1) return op == SQ_EXPR_DIV ? sq_null() : sq_int(0);
    r = op == SQ_EXPR_DIV ? a / b : a % b;
    break;
  default: return sq_null();
  }
  sq_value_t v = sq_int(r);
  v.type = type;
  return v;
}

static sq_value_t arith(const sq_expr_t *x, sq_value_t l, sq_value_t r, sq_eval_ctx_t *ctx) {
  if (x->type != SQ_TYPE_DOUBLE) return arith_int((sq_opcode_t)x->op, l.u.i, r.u.i, x->type, ctx);
  double a = sq_as_double(l), b = sq_as_double(r);
  switch ((sq_opcode_t)x->op) {
  case SQ_EXPR_ADD: return sq_double(a + b);
  case SQ_EXPR_SUB: return sq_double(a - b);
  case SQ_EXPR_MUL: return sq_double(a * b);
  case SQ_EXPR_DIV:
    if (b == 0) {
      if (ctx->div_by_zero) (*ctx->div_by_zero)++;
      return sq_null();
    }
    return sq_double(a / b);
  case SQ_EXPR_MOD:
    if (b == 0) {
      if (ctx->div_by_zero) (*ctx->div_by_zero)++;
      return sq_null();
    }
    return sq_double(fmod(a, b));
  default: return sq_null();
  }
}

static bool compare_holds(sq_opcode_t op, int c) {
  switch (op) {
  case SQ_EXPR_EQ: return c == 0;
  case SQ_EXPR_NE: return c != 0;
  case SQ_EXPR_LT: return c < 0;
  case SQ_EXPR_LE: return c <= 0;
  case SQ_EXPR_GT: return c > 0;
  default: return c >= 0;
  }
}

/* Any value as text (for ||): strings as they are, others via CAST. */
static sq_value_t as_text(sq_value_t v, sq_arena_t *arena) {
  return v.type == SQ_TYPE_STRING ? v : sq_cast(v, SQ_TYPE_STRING, arena);
}

static sq_value_t eval_case(const sq_expr_t *x, sq_eval_ctx_t *ctx) {
  uint32_t k = 0;
  sq_value_t operand = x->has_operand ? sq_expr_eval(x->args[k++], ctx) : sq_null();
  uint32_t end = x->n_args - (x->has_else ? 1 : 0);
  for (; k < end; k += 2) {
    bool hit;
    if (x->has_operand) {
      sq_value_t w = sq_expr_eval(x->args[k], ctx);
      hit = !sq_is_null(operand) && !sq_is_null(w) && sq_value_compare(operand, w) == 0;
    } else {
      hit = sq_expr_true(x->args[k], ctx);
    }
    if (hit) return sq_expr_eval(x->args[k + 1], ctx);
  }
  return x->has_else ? sq_expr_eval(x->args[end], ctx) : sq_null();
}

/* CASE, COALESCE and friends may mix BIGINT and DOUBLE branches; results
 * take the expression's declared type. */
static sq_value_t conform(sq_value_t v, sq_type_t type) {
  if (type == SQ_TYPE_DOUBLE && v.type == SQ_TYPE_BIGINT) return sq_double((double)v.u.i);
  return v;
}

sq_value_t sq_expr_eval(const sq_expr_t *x, sq_eval_ctx_t *ctx) {
  switch (x->kind) {
  case X_CONST: return x->constant;
  case X_COLUMN: return ctx->inputs[x->a] ? ctx->inputs[x->a][x->b] : sq_null();
  case X_SLOT: return ctx->slots[x->a];
  case X_WINDOW_START: return sq_ts(ctx->window_start);
  case X_WINDOW_END: return sq_ts(ctx->window_end);
  case X_NOT: {
    sq_value_t v = sq_expr_eval(x->args[0], ctx);
    return sq_is_null(v) ? v : sq_bool(!v.u.b);
  }
  case X_NEG: {
    sq_value_t v = sq_expr_eval(x->args[0], ctx);
    if (sq_is_null(v)) return v;
    if (v.type == SQ_TYPE_DOUBLE) return sq_double(-v.u.d);
    return v.u.i == INT64_MIN ? sq_null() : sq_int(-v.u.i);
  }
  case X_AND: {
    sq_value_t l = sq_expr_eval(x->args[0], ctx);
    if (!sq_is_null(l) && !l.u.b) return l;
    sq_value_t r = sq_expr_eval(x->args[1], ctx);
    if (!sq_is_null(r) && !r.u.b) return r;
    return sq_is_null(l) || sq_is_null(r) ? sq_null() : sq_bool(true);
  }
  case X_OR: {
    sq_value_t l = sq_expr_eval(x->args[0], ctx);
    if (!sq_is_null(l) && l.u.b) return l;
    sq_value_t r = sq_expr_eval(x->args[1], ctx);
    if (!sq_is_null(r) && r.u.b) return r;
    return sq_is_null(l) || sq_is_null(r) ? sq_null() : sq_bool(false);
  }
  case X_COMPARE: {
    sq_value_t l = sq_expr_eval(x->args[0], ctx), r = sq_expr_eval(x->args[1], ctx);
    if (sq_is_null(l) || sq_is_null(r)) return sq_null();
    return sq_bool(compare_holds((sq_opcode_t)x->op, sq_value_compare(l, r)));
  }
  case X_ARITH: {
    sq_value_t l = sq_expr_eval(x->args[0], ctx), r = sq_expr_eval(x->args[1], ctx);
    if (sq_is_null(l) || sq_is_null(r)) return sq_null();
    return arith(x, l, r, ctx);
  }
  case X_CONCAT: {
    sq_value_t l = sq_expr_eval(x->args[0], ctx), r = sq_expr_eval(x->args[1], ctx);
    if (sq_is_null(l) || sq_is_null(r)) return sq_null();
    l = as_text(l, ctx->arena);
    r = as_text(r, ctx->arena);
    char *p = sq_arena_alloc(ctx->arena, (size_t)l.u.s.len + r.u.s.len + 1);
    if (!p) return sq_null();
    memcpy(p, l.u.s.p, l.u.s.len);
    memcpy(p + l.u.s.len, r.u.s.p, r.u.s.len);
    return sq_str(p, l.u.s.len + r.u.s.len);
  }
  case X_IS_NULL: return sq_bool(sq_is_null(sq_expr_eval(x->args[0], ctx)) != x->negated);
  case X_IN: {
    sq_value_t v = sq_expr_eval(x->args[0], ctx);
    if (sq_is_null(v)) return v;
    bool saw_null = false;
    for (uint32_t i = 1; i < x->n_args; i++) {
      sq_value_t w = sq_expr_eval(x->args[i], ctx);
      if (sq_is_null(w)) saw_null = true;
      else if (sq_value_compare(v, w) == 0) return sq_bool(!x->negated);
    }
    return saw_null ? sq_null() : sq_bool(x->negated);
  }
  case X_BETWEEN: {
    sq_value_t v = sq_expr_eval(x->args[0], ctx), lo = sq_expr_eval(x->args[1], ctx), hi = sq_expr_eval(x->args[2], ctx);
    if (sq_is_null(v) || sq_is_null(lo) || sq_is_null(hi)) return sq_null();
    bool in = sq_value_compare(v, lo) >= 0 && sq_value_compare(v, hi) <= 0;
    return sq_bool(in != x->negated);
  }
  case X_LIKE: {
    sq_value_t s = sq_expr_eval(x->args[0], ctx), p = sq_expr_eval(x->args[1], ctx);
    if (sq_is_null(s) || sq_is_null(p)) return sq_null();
    return sq_bool(sq_like(s.u.s.p, s.u.s.len, p.u.s.p, p.u.s.len) != x->negated);
  }
  case X_CASE: return conform(eval_case(x, ctx), x->type);
  case X_CAST: return sq_cast(sq_expr_eval(x->args[0], ctx), x->type, ctx->arena);
  case X_CALL: {
    sq_value_t args[SQ_MAX_CALL_ARGS];
    for (uint32_t i = 0; i < x->n_args; i++) args[i] = sq_expr_eval(x->args[i], ctx);
    return conform(sq_scalar_call(x->op, args, x->n_args, ctx), x->type);
  }
  case X_EXTRACT: {
    sq_value_t v = sq_expr_eval(x->args[0], ctx);
    return sq_is_null(v) ? v : sq_extract(x->owned, v.u.i);
  }
  }
  return sq_null();
}

bool sq_expr_true(const sq_expr_t *x, sq_eval_ctx_t *ctx) {
  sq_value_t v = sq_expr_eval(x, ctx);
  return v.type == SQ_TYPE_BOOLEAN && v.u.b;
}
