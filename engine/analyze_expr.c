/* Expression analysis: name resolution against the scope's inputs, type
 * inference for every operator and function of LANGUAGE.md §3, and the
 * aggregate placement rules. An expression that is already wrong has type
 * SQ_TYPE_ERROR, which every check accepts silently, so each mistake is
 * reported once, at its own token. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/analyze_scope.h"
#include "engine/functions.h"
#include "engine/suggest.h"
#include "engine/timestamp.h"

#define ERR(scope, span, ...) sq_diag_error((scope)->diag, (span), __VA_ARGS__)

static sq_type_t set_type(sq_ast_t *e, sq_type_t t) {
  e->type = (int)t;
  return t;
}

static bool ok(sq_type_t t) { return t != SQ_TYPE_ERROR; }

/* Whether a value of type `t` is acceptable where `want` is required. */
static bool accepts(sq_type_t want, sq_type_t t) { return !ok(t) || t == SQ_TYPE_NULL || t == want; }

static const sq_input_t *find_input(const sq_scope_t *scope, const char *alias, int *index) {
  for (size_t i = 0; i < scope->n_inputs; i++) {
    if (strcmp(scope->inputs[i].alias, alias) == 0) {
      *index = (int)i;
      return &scope->inputs[i];
    }
  }
  return NULL;
}

static void report_unknown_column(sq_scope_t *scope, sq_ast_t *e, const sq_input_t *only) {
  sq_suggest_t s;
  sq_suggest_init(&s, e->name.text);
  for (size_t i = 0; i < scope->n_inputs; i++) {
    const sq_relation_t *rel = scope->inputs[i].rel;
    if (only && only != &scope->inputs[i]) continue;
    for (size_t c = 0; c < rel->n_columns; c++) sq_suggest_offer(&s, rel->columns[c].name);
  }
  const sq_dialect_name_t *d = sq_dialect_column(e->name.text);
  if (d) sq_suggest_dialect(&s, d);
  if (only && !d && !sq_suggest_best(&s)) ERR(scope, e->span, "unknown column '%s' in '%s'", e->name.text, only->alias);
  else sq_suggest_report(&s, scope->diag, e->span, "unknown column '%s'", e->name.text);
}

static sq_type_t window_column(sq_scope_t *scope, sq_ast_t *e) {
  bool start = strcmp(e->name.text, "window_start") == 0;
  if (!scope->windowed) {
    ERR(scope, e->span, "%s is only available in a windowed query (one with a WINDOW clause)",
        start ? "WINDOW_START" : "WINDOW_END");
    return set_type(e, SQ_TYPE_ERROR);
  }
  e->ref = SQ_REF_WINDOW;
  e->ref2 = start ? SQ_WINDOW_START_COLUMN : SQ_WINDOW_END_COLUMN;
  return set_type(e, SQ_TYPE_TIMESTAMP);
}

static sq_type_t analyze_column(sq_scope_t *scope, sq_ast_t *e) {
  if (e->name2.text) {
    int index;
    const sq_input_t *in = find_input(scope, e->name2.text, &index);
    if (!in) {
      sq_suggest_t s;
      sq_suggest_init(&s, e->name2.text);
      for (size_t i = 0; i < scope->n_inputs; i++) sq_suggest_offer(&s, scope->inputs[i].alias);
      sq_suggest_report(&s, scope->diag, e->name2.span, "unknown source or alias '%s'", e->name2.text);
      return set_type(e, SQ_TYPE_ERROR);
    }
    int col = sq_relation_find_column(in->rel, e->name.text);
    if (col < 0) {
      report_unknown_column(scope, e, in);
      return set_type(e, SQ_TYPE_ERROR);
    }
    e->ref = index;
    e->ref2 = col;
    return set_type(e, in->rel->columns[col].type);
  }
  int found = -1, col = -1;
  for (size_t i = 0; i < scope->n_inputs; i++) {
    int c = sq_relation_find_column(scope->inputs[i].rel, e->name.text);
    if (c < 0) continue;
    if (found >= 0) {
      ERR(scope, e->span, "column '%s' is ambiguous; write %s.%s or %s.%s", e->name.text,
          scope->inputs[found].alias, e->name.text, scope->inputs[i].alias, e->name.text);
      return set_type(e, SQ_TYPE_ERROR);
    }
    found = (int)i;
    col = c;
  }
  if (found < 0) {
    if (strcmp(e->name.text, "window_start") == 0 || strcmp(e->name.text, "window_end") == 0)
      return window_column(scope, e);
    report_unknown_column(scope, e, NULL);
    return set_type(e, SQ_TYPE_ERROR);
  }
  e->ref = found;
  e->ref2 = col;
  return set_type(e, scope->inputs[found].rel->columns[col].type);
}

static sq_type_t analyze_literal(sq_scope_t *scope, sq_ast_t *e) {
  switch ((sq_literal_t)e->sub) {
  case SQ_LIT_NULL: return set_type(e, SQ_TYPE_NULL);
  case SQ_LIT_BOOL: return set_type(e, SQ_TYPE_BOOLEAN);
  case SQ_LIT_INT: return set_type(e, SQ_TYPE_BIGINT);
  case SQ_LIT_DOUBLE: return set_type(e, SQ_TYPE_DOUBLE);
  case SQ_LIT_STRING: return set_type(e, SQ_TYPE_STRING);
  case SQ_LIT_TIMESTAMP:
    if (!sq_timestamp_parse(e->text, strlen(e->text), &e->ival)) {
      ERR(scope, e->span, "invalid TIMESTAMP literal; write it as 'YYYY-MM-DD HH:MM:SS[.fff]'");
      return set_type(e, SQ_TYPE_ERROR);
    }
    return set_type(e, SQ_TYPE_TIMESTAMP);
  }
  return set_type(e, SQ_TYPE_ERROR);
}

/* A BOOLEAN operand of AND, OR or NOT. */
static void require_boolean(sq_scope_t *scope, const sq_ast_t *operand, sq_type_t t, const char *op) {
  if (!accepts(SQ_TYPE_BOOLEAN, t))
    ERR(scope, operand->span, "operand of %s must be BOOLEAN, not %s", op, sq_type_name(t));
}

static sq_type_t arithmetic(sq_scope_t *scope, sq_ast_t *e, sq_type_t l, sq_type_t r) {
  if (!ok(l) || !ok(r)) return SQ_TYPE_ERROR;
  sq_opcode_t op = (sq_opcode_t)e->sub;
  if (l == SQ_TYPE_NULL && r == SQ_TYPE_NULL) return SQ_TYPE_NULL;
  if (sq_type_is_numeric(l) || l == SQ_TYPE_NULL) {
    if (sq_type_is_numeric(r) || r == SQ_TYPE_NULL) {
      return l == SQ_TYPE_DOUBLE || r == SQ_TYPE_DOUBLE ? SQ_TYPE_DOUBLE : SQ_TYPE_BIGINT;
    }
    if (r == SQ_TYPE_TIMESTAMP && op == SQ_EXPR_ADD && l != SQ_TYPE_DOUBLE) return SQ_TYPE_TIMESTAMP;
  }
  /* Timestamp arithmetic in milliseconds: ts +/- n, ts - ts. */
  if (l == SQ_TYPE_TIMESTAMP && (op == SQ_EXPR_ADD || op == SQ_EXPR_SUB) && (r == SQ_TYPE_BIGINT || r == SQ_TYPE_NULL))
    return SQ_TYPE_TIMESTAMP;
  if (l == SQ_TYPE_TIMESTAMP && op == SQ_EXPR_SUB && r == SQ_TYPE_TIMESTAMP) return SQ_TYPE_BIGINT;
  ERR(scope, e->span, "operator %s cannot be applied to %s and %s", sq_opcode_name(op), sq_type_name(l), sq_type_name(r));
  return SQ_TYPE_ERROR;
}

/* Whether values of these types can be compared; reports at `at` if not. */
static bool comparable(sq_scope_t *scope, const sq_ast_t *at, sq_type_t l, sq_type_t r) {
  if (!ok(l) || !ok(r) || ok(sq_type_common(l, r))) return true;
  ERR(scope, at->span, "cannot compare %s with %s", sq_type_name(l), sq_type_name(r));
  return false;
}

static sq_type_t analyze_binary(sq_scope_t *scope, sq_ast_t *e) {
  sq_type_t l = sq_analyze_expr(scope, e->a), r = sq_analyze_expr(scope, e->b);
  switch ((sq_opcode_t)e->sub) {
  case SQ_EXPR_AND:
  case SQ_EXPR_OR:
    require_boolean(scope, e->a, l, sq_opcode_name((sq_opcode_t)e->sub));
    require_boolean(scope, e->b, r, sq_opcode_name((sq_opcode_t)e->sub));
    return set_type(e, SQ_TYPE_BOOLEAN);
  case SQ_EXPR_EQ: case SQ_EXPR_NE: case SQ_EXPR_LT: case SQ_EXPR_LE: case SQ_EXPR_GT: case SQ_EXPR_GE:
    return set_type(e, comparable(scope, e, l, r) ? SQ_TYPE_BOOLEAN : SQ_TYPE_ERROR);
  case SQ_EXPR_CONCAT:
    return set_type(e, ok(l) && ok(r) ? SQ_TYPE_STRING : SQ_TYPE_ERROR);
  default:
    return set_type(e, arithmetic(scope, e, l, r));
  }
}

static sq_type_t analyze_unary(sq_scope_t *scope, sq_ast_t *e) {
  sq_type_t t = sq_analyze_expr(scope, e->a);
  if (e->sub == SQ_EXPR_NOT) {
    require_boolean(scope, e->a, t, "NOT");
    return set_type(e, SQ_TYPE_BOOLEAN);
  }
  if (ok(t) && !sq_type_is_numeric(t) && t != SQ_TYPE_NULL) {
    ERR(scope, e->span, "operator %s cannot be applied to %s", sq_opcode_name((sq_opcode_t)e->sub), sq_type_name(t));
    return set_type(e, SQ_TYPE_ERROR);
  }
  return set_type(e, t);
}

static sq_type_t analyze_case(sq_scope_t *scope, sq_ast_t *e) {
  sq_type_t operand = e->a ? sq_analyze_expr(scope, e->a) : SQ_TYPE_ERROR;
  sq_type_t result = SQ_TYPE_NULL;
  sq_ast_t *whens = e->b;
  for (uint32_t i = 0; i < whens->n; i++) {
    sq_ast_t *w = whens->list[i];
    if (e->a) comparable(scope, w->a, operand, sq_analyze_expr(scope, w->a));
    else sq_analyze_condition(scope, w->a, "WHEN");
    sq_type_t t = sq_analyze_expr(scope, w->b);
    set_type(w, t);
    sq_type_t common = sq_type_common(result, t);
    if (ok(result) && ok(t) && !ok(common))
      ERR(scope, w->b->span, "CASE results have no common type (%s and %s)", sq_type_name(result), sq_type_name(t));
    result = common;
  }
  if (e->c) {
    sq_type_t t = sq_analyze_expr(scope, e->c);
    sq_type_t common = sq_type_common(result, t);
    if (ok(result) && ok(t) && !ok(common))
      ERR(scope, e->c->span, "CASE results have no common type (%s and %s)", sq_type_name(result), sq_type_name(t));
    result = common;
  }
  return set_type(e, result);
}

static sq_type_t analyze_cast(sq_scope_t *scope, sq_ast_t *e) {
  sq_type_t from = sq_analyze_expr(scope, e->a);
  sq_type_t to = sq_type_resolve(e->text, e->span2, scope->diag);
  if (ok(from) && ok(to) && !sq_type_castable(from, to)) {
    ERR(scope, e->span, "cannot cast %s to %s", sq_type_name(from), sq_type_name(to));
    return set_type(e, SQ_TYPE_ERROR);
  }
  return set_type(e, to);
}

static const char *arg_kind_name(sq_arg_kind_t k) {
  switch (k) {
  case SQ_ARG_NUMERIC: return "numeric (BIGINT or DOUBLE)";
  case SQ_ARG_INTEGER: return "BIGINT";
  case SQ_ARG_STRING: return "STRING";
  case SQ_ARG_TIMESTAMP: return "TIMESTAMP";
  case SQ_ARG_STRING_OR_INTEGER: return "STRING or BIGINT";
  default: return "of any type";
  }
}

/* Checks one argument against its kind; reports and returns false if wrong. */
static bool check_arg(sq_scope_t *scope, const sq_function_t *f, int index, const sq_ast_t *arg, sq_arg_kind_t kind) {
  sq_type_t t = (sq_type_t)arg->type;
  if (!ok(t)) return false;
  bool lit = arg->kind == SQ_AST_LITERAL;
  switch (kind) {
  case SQ_ARG_CONST_FRACTION: {
    double v = arg->sub == SQ_LIT_INT ? (double)arg->ival : arg->dval;
    if (lit && sq_type_is_numeric(t) && v >= 0.0 && v <= 1.0) return true;
    ERR(scope, arg->span, "argument %d of %s must be a number between 0 and 1", index + 1, f->name);
    return false;
  }
  case SQ_ARG_CONST_COUNT:
    if (lit && t == SQ_TYPE_BIGINT && arg->ival >= 1 && arg->ival <= 100000) return true;
    ERR(scope, arg->span, "argument %d of %s must be an integer literal between 1 and 100000", index + 1, f->name);
    return false;
  case SQ_ARG_CONST_TIME_UNIT:
    if (lit && t == SQ_TYPE_STRING && sq_time_unit_valid(arg->text)) return true;
    ERR(scope, arg->span, "argument %d of %s must be one of 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year'",
        index + 1, f->name);
    return false;
  case SQ_ARG_CONST_JSON_PATH:
    if (lit && t == SQ_TYPE_STRING && arg->text[0] == '$') return true;
    ERR(scope, arg->span, "argument %d of %s must be a JSON path literal such as '$.a.b'", index + 1, f->name);
    return false;
  default: break;
  }
  bool good = t == SQ_TYPE_NULL;
  switch (kind) {
  case SQ_ARG_ANY: good = true; break;
  case SQ_ARG_NUMERIC: good |= sq_type_is_numeric(t); break;
  case SQ_ARG_INTEGER: good |= t == SQ_TYPE_BIGINT; break;
  case SQ_ARG_STRING: good |= t == SQ_TYPE_STRING; break;
  case SQ_ARG_TIMESTAMP: good |= t == SQ_TYPE_TIMESTAMP; break;
  case SQ_ARG_COMPARABLE: good |= t != SQ_TYPE_BOOLEAN; break;
  case SQ_ARG_STRING_OR_INTEGER: good |= t == SQ_TYPE_STRING || t == SQ_TYPE_BIGINT; break;
  default: break;
  }
  if (!good && kind == SQ_ARG_COMPARABLE)
    ERR(scope, arg->span, "argument %d of %s cannot be BOOLEAN (it has no order)", index + 1, f->name);
  else if (!good)
    ERR(scope, arg->span, "argument %d of %s must be %s, not %s", index + 1, f->name, arg_kind_name(kind), sq_type_name(t));
  return good;
}

static bool check_arg_count(sq_scope_t *scope, const sq_ast_t *e, const sq_function_t *f, uint32_t n) {
  if (n >= f->min_args && (f->max_args == SQ_VARIADIC || n <= f->max_args)) return true;
  if (f->max_args == SQ_VARIADIC)
    ERR(scope, e->span, "%s takes at least %u argument%s, not %u", f->name, f->min_args, f->min_args == 1 ? "" : "s", n);
  else if (f->min_args == f->max_args)
    ERR(scope, e->span, "%s takes %u argument%s, not %u", f->name, f->min_args, f->min_args == 1 ? "" : "s", n);
  else
    ERR(scope, e->span, "%s takes %u %s %u arguments, not %u", f->name, f->min_args,
        f->max_args == f->min_args + 1 ? "or" : "to", f->max_args, n);
  return false;
}

/* The aggregate rules that depend on where the call stands. */
static bool check_aggregate_placement(sq_scope_t *scope, const sq_ast_t *e, const sq_function_t *f) {
  if (scope->in_aggregate) {
    ERR(scope, e->span, "aggregate function %s cannot be nested inside another aggregate", f->name);
    return false;
  }
  if (scope->no_aggregates) {
    ERR(scope, e->span, "aggregate function %s is not allowed in %s", f->name, scope->no_aggregates);
    return false;
  }
  if (!scope->first_aggregate) scope->first_aggregate = e;
  return true;
}

static sq_type_t analyze_call(sq_scope_t *scope, sq_ast_t *e) {
  int id;
  const sq_function_t *f = sq_function_find(e->name.text, &id);
  if (!f) {
    sq_suggest_t s;
    sq_suggest_init(&s, e->name.text);
    for (int i = 0; i < sq_n_functions; i++) sq_suggest_offer(&s, sq_functions[i].name);
    sq_suggest_report(&s, scope->diag, e->name.span, "unknown function '%s'", e->name.text);
    for (uint32_t i = 0; i < e->b->n; i++) sq_analyze_expr(scope, e->b->list[i]);
    return set_type(e, SQ_TYPE_ERROR);
  }
  e->ref = id;
  bool good = true;
  if (e->sub && strcmp(f->name, "COUNT") != 0) {
    ERR(scope, e->span, "only COUNT accepts *; %s needs an argument", f->name);
    good = false;
  }
  if (e->flag && strcmp(f->name, "COUNT") != 0) {
    ERR(scope, e->span, "DISTINCT is only supported as COUNT(DISTINCT x)");
    good = false;
  }
  if (f->aggregate && !check_aggregate_placement(scope, e, f)) good = false;
  bool was_in_aggregate = scope->in_aggregate;
  scope->in_aggregate |= f->aggregate;
  for (uint32_t i = 0; i < e->b->n; i++) sq_analyze_expr(scope, e->b->list[i]);
  scope->in_aggregate = was_in_aggregate;
  if (!e->sub && !check_arg_count(scope, e, f, e->b->n)) return set_type(e, SQ_TYPE_ERROR);
  sq_type_t common = SQ_TYPE_NULL;
  for (uint32_t i = 0; i < e->b->n; i++) {
    const sq_ast_t *arg = e->b->list[i];
    sq_arg_kind_t kind = f->args[i < 3 ? i : 2];
    if (f->max_args == SQ_VARIADIC && i >= 1) kind = f->args[0];
    good &= check_arg(scope, f, (int)i, arg, kind);
    sq_type_t next = sq_type_common(common, (sq_type_t)arg->type);
    if (f->rule == SQ_RESULT_COMMON && ok(common) && ok((sq_type_t)arg->type) && !ok(next)) {
      ERR(scope, arg->span, "arguments of %s have no common type (%s and %s)", f->name, sq_type_name(common),
          sq_type_name((sq_type_t)arg->type));
      good = false;
    }
    common = next;
  }
  if (!good) return set_type(e, SQ_TYPE_ERROR);
  switch (f->rule) {
  case SQ_RESULT_FIXED: return set_type(e, f->result);
  case SQ_RESULT_ARG0: return set_type(e, (sq_type_t)e->b->list[0]->type);
  case SQ_RESULT_COMMON: return set_type(e, common);
  }
  return set_type(e, SQ_TYPE_ERROR);
}

static sq_type_t analyze_extract(sq_scope_t *scope, sq_ast_t *e) {
  sq_type_t t = sq_analyze_expr(scope, e->a);
  bool good = true;
  if (!sq_extract_field_valid(e->name.text)) {
    ERR(scope, e->name.span, "unknown EXTRACT field '%s'; expected MILLISECOND, SECOND, MINUTE, HOUR, DAY, DOW, DOY, WEEK, MONTH, YEAR or EPOCH",
        e->name.text);
    good = false;
  }
  if (!accepts(SQ_TYPE_TIMESTAMP, t)) {
    ERR(scope, e->a->span, "EXTRACT needs a TIMESTAMP, not %s", sq_type_name(t));
    good = false;
  }
  return set_type(e, good && ok(t) ? SQ_TYPE_BIGINT : SQ_TYPE_ERROR);
}

sq_type_t sq_analyze_expr(sq_scope_t *scope, sq_ast_t *e) {
  switch (e->kind) {
  case SQ_AST_LITERAL: return analyze_literal(scope, e);
  case SQ_AST_COLUMN: return analyze_column(scope, e);
  case SQ_AST_BINARY: return analyze_binary(scope, e);
  case SQ_AST_UNARY: return analyze_unary(scope, e);
  case SQ_AST_IS_NULL:
    sq_analyze_expr(scope, e->a);
    return set_type(e, SQ_TYPE_BOOLEAN);
  case SQ_AST_IN: {
    sq_type_t t = sq_analyze_expr(scope, e->a);
    for (uint32_t i = 0; i < e->b->n; i++) comparable(scope, e->b->list[i], t, sq_analyze_expr(scope, e->b->list[i]));
    return set_type(e, SQ_TYPE_BOOLEAN);
  }
  case SQ_AST_BETWEEN: {
    sq_type_t t = sq_analyze_expr(scope, e->a);
    comparable(scope, e->b, t, sq_analyze_expr(scope, e->b));
    comparable(scope, e->c, t, sq_analyze_expr(scope, e->c));
    return set_type(e, SQ_TYPE_BOOLEAN);
  }
  case SQ_AST_LIKE: {
    sq_type_t l = sq_analyze_expr(scope, e->a), r = sq_analyze_expr(scope, e->b);
    if (!accepts(SQ_TYPE_STRING, l)) ERR(scope, e->a->span, "LIKE needs a STRING, not %s", sq_type_name(l));
    if (!accepts(SQ_TYPE_STRING, r)) ERR(scope, e->b->span, "a LIKE pattern must be a STRING, not %s", sq_type_name(r));
    return set_type(e, SQ_TYPE_BOOLEAN);
  }
  case SQ_AST_CASE: return analyze_case(scope, e);
  case SQ_AST_CAST: return analyze_cast(scope, e);
  case SQ_AST_CALL: return analyze_call(scope, e);
  case SQ_AST_EXTRACT: return analyze_extract(scope, e);
  default: return set_type(e, SQ_TYPE_ERROR);
  }
}

void sq_analyze_condition(sq_scope_t *scope, sq_ast_t *e, const char *clause) {
  sq_type_t t = sq_analyze_expr(scope, e);
  if (!accepts(SQ_TYPE_BOOLEAN, t))
    ERR(scope, e->span, "%s condition must be BOOLEAN, not %s", clause, sq_type_name(t));
}

bool sq_ast_is_aggregate(const sq_ast_t *e) {
  return e->kind == SQ_AST_CALL && e->type != SQ_TYPE_ERROR && sq_function_at(e->ref)->aggregate;
}

bool sq_ast_is_window_column(const sq_ast_t *e) {
  return e->kind == SQ_AST_COLUMN && e->type != SQ_TYPE_ERROR && e->ref == SQ_REF_WINDOW;
}

static bool same_name(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool sq_ast_equal(const sq_ast_t *a, const sq_ast_t *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->sub != b->sub || a->flag != b->flag || a->n != b->n) return false;
  switch (a->kind) {
  case SQ_AST_COLUMN:
    return a->ref == b->ref && a->ref2 == b->ref2;
  case SQ_AST_LITERAL:
    return a->ival == b->ival && (a->dval == b->dval) && same_name(a->text, b->text);
  case SQ_AST_CALL: case SQ_AST_EXTRACT:
    if (strcasecmp(a->name.text, b->name.text) != 0) return false;
    break;
  case SQ_AST_CAST:
    if (a->type != b->type) return false;
    break;
  default: break;
  }
  for (uint32_t i = 0; i < a->n; i++)
    if (!sq_ast_equal(a->list[i], b->list[i])) return false;
  return sq_ast_equal(a->a, b->a) && sq_ast_equal(a->b, b->b) && sq_ast_equal(a->c, b->c);
}
