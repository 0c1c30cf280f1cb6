/* AST node constructors and the iterative destructor. Constructors take
 * ownership of what they are given, so a grammar action never has to clean
 * up after a failed allocation: the caller just gets NULL. */
#include "grammar/ast.h"

#include <stdlib.h>
#include <string.h>

void sq_name_free(sq_name_t *name) {
  free(name->text);
  name->text = NULL;
}

static uint32_t height(const sq_ast_t *n) { return n ? n->depth : 0; }

/* Recomputes `node`'s depth from its fixed children. */
static sq_ast_t *with_depth(sq_ast_t *node) {
  if (!node) return NULL;
  uint32_t h = height(node->a);
  const sq_ast_t *kids[] = {node->b, node->c, node->d, node->e};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    if (height(kids[i]) > h) h = height(kids[i]);
  node->depth = h + 1;
  return node;
}

sq_ast_t *sq_ast_new(sq_ast_kind_t kind, sq_span_t span) {
  sq_ast_t *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  n->span = span;
  n->depth = 1;
  return n;
}

/* A node with up to three fixed children; on failure, frees them. */
static sq_ast_t *node3(sq_ast_kind_t kind, sq_ast_t *a, sq_ast_t *b, sq_ast_t *c, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(kind, span);
  if (!n) {
    sq_ast_destroy(a);
    sq_ast_destroy(b);
    sq_ast_destroy(c);
    return NULL;
  }
  n->a = a;
  n->b = b;
  n->c = c;
  return with_depth(n);
}

/* A node named `name`; on failure, frees the name. */
static sq_ast_t *named(sq_ast_kind_t kind, sq_name_t name, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(kind, span);
  if (!n) {
    sq_name_free(&name);
    return NULL;
  }
  n->name = name;
  return n;
}

sq_ast_t *sq_ast_list(sq_ast_t *first, sq_span_t span) {
  sq_ast_t *list = sq_ast_new(SQ_AST_LIST, span);
  if (!list) {
    sq_ast_destroy(first);
    return NULL;
  }
  return first ? sq_ast_append(list, first) : list;
}

sq_ast_t *sq_ast_append(sq_ast_t *list, sq_ast_t *item) {
  if (!list || !item) {
    sq_ast_destroy(item);
    return list;
  }
  if (list->n == list->cap) {
    uint32_t cap = list->cap ? list->cap * 2 : 4;
    sq_ast_t **v = realloc(list->list, cap * sizeof *v);
    if (!v) {
      sq_ast_destroy(item);
      return list;
    }
    list->list = v;
    list->cap = cap;
  }
  list->list[list->n++] = item;
  if (item->span.end > list->span.end) list->span.end = item->span.end;
  if (item->depth + 1 > list->depth) list->depth = item->depth + 1;
  return list;
}

sq_ast_t *sq_ast_set(sq_name_t key, sq_name_t value, sq_span_t span) {
  sq_ast_t *n = named(SQ_AST_SET, key, span);
  if (!n) {
    sq_name_free(&value);
    return NULL;
  }
  n->text = value.text;
  n->span2 = value.span;
  return n;
}

sq_ast_t *sq_ast_unset(sq_name_t key, sq_span_t span) { return named(SQ_AST_UNSET, key, span); }

sq_ast_t *sq_ast_create_source(sq_name_t name, bool is_table, sq_ast_t *columns, sq_ast_t *options, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_CREATE_SOURCE, columns, options, NULL, span);
  if (!n) {
    sq_name_free(&name);
    return NULL;
  }
  n->name = name;
  n->flag = is_table;
  return n;
}

sq_ast_t *sq_ast_create_sink(sq_name_t name, sq_ast_t *options, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_CREATE_SINK, NULL, options, NULL, span);
  if (!n) sq_name_free(&name);
  else n->name = name;
  return n;
}

/* A statement naming something and holding a query: CREATE STREAM, INSERT. */
static sq_ast_t *named_query(sq_ast_kind_t kind, sq_name_t name, sq_ast_t *select, sq_span_t span) {
  sq_ast_t *n = node3(kind, select, NULL, NULL, span);
  if (!n) sq_name_free(&name);
  else n->name = name;
  return n;
}

sq_ast_t *sq_ast_create_stream(sq_name_t name, sq_ast_t *select, sq_span_t span) {
  return named_query(SQ_AST_CREATE_STREAM, name, select, span);
}

sq_ast_t *sq_ast_foreign_form(sq_ast_t *stmt, sq_span_t keyword) {
  if (stmt) {
    stmt->sub = 1;
    stmt->span2 = keyword;
  }
  return stmt;
}

sq_ast_t *sq_ast_insert(sq_name_t target, sq_ast_t *select, sq_span_t span) {
  return named_query(SQ_AST_INSERT, target, select, span);
}

sq_ast_t *sq_ast_query(sq_ast_t *select, sq_span_t span) { return node3(SQ_AST_QUERY, select, NULL, NULL, span); }

sq_ast_t *sq_ast_show(sq_show_t what, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(SQ_AST_SHOW, span);
  if (n) n->sub = (int)what;
  return n;
}

sq_ast_t *sq_ast_describe(sq_name_t name, bool topic, sq_span_t span) {
  sq_ast_t *n = named(SQ_AST_DESCRIBE, name, span);
  if (n) n->flag = topic;
  return n;
}

sq_ast_t *sq_ast_describe_topic(sq_name_t name, sq_ast_t *sample, sq_span_t span) {
  sq_ast_t *n = named_query(SQ_AST_DESCRIBE, name, sample, span);
  if (n) n->flag = true;
  return n;
}

sq_ast_t *sq_ast_print(sq_name_t topic, int from, sq_ast_t *at, sq_ast_t *limit, sq_ast_t *interval, sq_span_t span) {
  sq_ast_t *n = named_query(SQ_AST_PRINT, topic, limit, span);
  if (!n) {
    sq_ast_destroy(at);
    sq_ast_destroy(interval);
    return NULL;
  }
  n->b = interval;
  n->c = at;
  n->sub = from;
  return with_depth(n);
}

sq_ast_t *sq_ast_explain(sq_ast_t *stmt, bool analyze, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_EXPLAIN, stmt, NULL, NULL, span);
  if (n) n->flag = analyze;
  return n;
}

sq_ast_t *sq_ast_run_script(sq_name_t path, sq_span_t span) { return named(SQ_AST_RUN_SCRIPT, path, span); }

sq_ast_t *sq_ast_column_def(sq_name_t name, sq_name_t type, sq_span_t span) {
  sq_ast_t *n = named(SQ_AST_COLUMN_DEF, name, span);
  if (!n) {
    sq_name_free(&type);
    return NULL;
  }
  n->text = type.text;
  n->span2 = type.span;
  return n;
}

sq_ast_t *sq_ast_column_constraint(sq_ast_t *col, bool primary_key, sq_name_t path, sq_span_t span) {
  if (!col) {
    sq_name_free(&path);
    return NULL;
  }
  if (primary_key) col->flag = true;
  if (path.text) {
    sq_name_free(&col->name2); /* a second PATH replaces the first */
    col->name2 = path;
  }
  col->span.end = span.end;
  return col;
}

sq_ast_t *sq_ast_option(sq_name_t key, sq_ast_t *value, sq_span_t span) {
  return named_query(SQ_AST_OPTION, key, value, span);
}

sq_ast_t *sq_ast_select(bool distinct, sq_ast_t *items, sq_ast_t *from, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(SQ_AST_SELECT, span);
  sq_ast_select_t *s = n ? calloc(1, sizeof *s) : NULL;
  if (!s) {
    free(n);
    sq_ast_destroy(items);
    sq_ast_destroy(from);
    return NULL;
  }
  s->distinct = distinct;
  s->items = items;
  s->from = from;
  n->select = s;
  n->depth = 1 + (height(items) > height(from) ? height(items) : height(from));
  return n;
}

sq_ast_t *sq_ast_select_clauses(sq_ast_t *select, sq_ast_t *where, sq_ast_t *window,
                                sq_ast_t *group_by, sq_span_t group_span, sq_ast_t *having,
                                sq_emit_t emit, sq_span_t emit_span, sq_ast_t *limit, sq_span_t span) {
  if (!select) {
    sq_ast_t *all[] = {where, window, group_by, having, limit};
    for (size_t i = 0; i < 5; i++) sq_ast_destroy(all[i]);
    return NULL;
  }
  sq_ast_select_t *s = select->select;
  s->where = where;
  s->window = window;
  s->group_by = group_by;
  s->group_span = group_span;
  s->having = having;
  s->emit = emit;
  s->emit_span = emit_span;
  s->limit = limit;
  select->span = span;
  const sq_ast_t *all[] = {where, window, group_by, having};
  for (size_t i = 0; i < 4; i++)
    if (height(all[i]) + 1 > select->depth) select->depth = height(all[i]) + 1;
  return select;
}

sq_ast_t *sq_ast_select_item(sq_ast_t *expr, sq_name_t alias, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_SELECT_ITEM, expr, NULL, NULL, span);
  if (!n) sq_name_free(&alias);
  else n->name2 = alias;
  return n;
}

sq_ast_t *sq_ast_star(sq_name_t qualifier, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(SQ_AST_STAR, span);
  if (!n) sq_name_free(&qualifier);
  else n->name2 = qualifier;
  return n;
}

sq_ast_t *sq_ast_table_ref(sq_name_t name, sq_name_t alias, sq_span_t span) {
  sq_ast_t *n = named(SQ_AST_TABLE_REF, name, span);
  if (!n) sq_name_free(&alias);
  else n->name2 = alias;
  return n;
}

sq_ast_t *sq_ast_join(sq_join_t type, sq_ast_t *left, sq_ast_t *right, sq_ast_t *before,
                      sq_ast_t *after, sq_ast_t *on, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_JOIN, left, right, before, span);
  if (!n) {
    sq_ast_destroy(after);
    sq_ast_destroy(on);
    return NULL;
  }
  n->sub = (int)type;
  n->d = after;
  n->e = on;
  return with_depth(n);
}

sq_ast_t *sq_ast_window(sq_window_kind_t kind, sq_ast_t *size, sq_ast_t *advance, sq_ast_t *grace, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_WINDOW, size, advance, grace, span);
  if (n) n->sub = (int)kind;
  return n;
}

sq_ast_t *sq_ast_duration(int64_t count, int64_t unit_ms, bool *overflow, sq_span_t span) {
  int64_t ms;
  *overflow = __builtin_mul_overflow(count, unit_ms, &ms);
  if (*overflow) return NULL;
  sq_ast_t *n = sq_ast_new(SQ_AST_DURATION, span);
  if (n) n->ival = ms;
  return n;
}

sq_ast_t *sq_ast_literal(sq_literal_t type, sq_span_t span) {
  sq_ast_t *n = sq_ast_new(SQ_AST_LITERAL, span);
  if (n) n->sub = (int)type;
  return n;
}

sq_ast_t *sq_ast_int(int64_t v, sq_span_t span) {
  sq_ast_t *n = sq_ast_literal(SQ_LIT_INT, span);
  if (n) n->ival = v;
  return n;
}

sq_ast_t *sq_ast_double(double v, sq_span_t span) {
  sq_ast_t *n = sq_ast_literal(SQ_LIT_DOUBLE, span);
  if (n) n->dval = v;
  return n;
}

sq_ast_t *sq_ast_bool(bool v, sq_span_t span) {
  sq_ast_t *n = sq_ast_literal(SQ_LIT_BOOL, span);
  if (n) n->flag = v;
  return n;
}

sq_ast_t *sq_ast_text_literal(sq_literal_t type, char *text, sq_span_t span) {
  sq_ast_t *n = sq_ast_literal(type, span);
  if (!n) free(text);
  else n->text = text;
  return n;
}

sq_ast_t *sq_ast_column(sq_name_t qualifier, sq_name_t name, sq_span_t span) {
  sq_ast_t *n = named(SQ_AST_COLUMN, name, span);
  if (!n) sq_name_free(&qualifier);
  else n->name2 = qualifier;
  return n;
}

sq_ast_t *sq_ast_unary(sq_opcode_t op, sq_ast_t *arg, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_UNARY, arg, NULL, NULL, span);
  if (n) n->sub = (int)op;
  return n;
}

sq_ast_t *sq_ast_binary(sq_opcode_t op, sq_ast_t *l, sq_ast_t *r, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_BINARY, l, r, NULL, span);
  if (n) n->sub = (int)op;
  return n;
}

/* A predicate node with an optional NOT. */
static sq_ast_t *predicate(sq_ast_kind_t kind, sq_ast_t *a, sq_ast_t *b, sq_ast_t *c, bool negated, sq_span_t span) {
  sq_ast_t *n = node3(kind, a, b, c, span);
  if (n) n->flag = negated;
  return n;
}

sq_ast_t *sq_ast_is_null(sq_ast_t *arg, bool negated, sq_span_t span) {
  return predicate(SQ_AST_IS_NULL, arg, NULL, NULL, negated, span);
}

sq_ast_t *sq_ast_in(sq_ast_t *arg, sq_ast_t *list, bool negated, sq_span_t span) {
  return predicate(SQ_AST_IN, arg, list, NULL, negated, span);
}

sq_ast_t *sq_ast_between(sq_ast_t *arg, sq_ast_t *lo, sq_ast_t *hi, bool negated, sq_span_t span) {
  return predicate(SQ_AST_BETWEEN, arg, lo, hi, negated, span);
}

sq_ast_t *sq_ast_like(sq_ast_t *arg, sq_ast_t *pattern, bool negated, sq_span_t span) {
  return predicate(SQ_AST_LIKE, arg, pattern, NULL, negated, span);
}

sq_ast_t *sq_ast_case(sq_ast_t *operand, sq_ast_t *whens, sq_ast_t *else_, sq_span_t span) {
  return node3(SQ_AST_CASE, operand, whens, else_, span);
}

sq_ast_t *sq_ast_when(sq_ast_t *cond, sq_ast_t *result, sq_span_t span) {
  return node3(SQ_AST_WHEN, cond, result, NULL, span);
}

sq_ast_t *sq_ast_cast(sq_ast_t *arg, sq_name_t type, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_CAST, arg, NULL, NULL, span);
  if (!n) {
    sq_name_free(&type);
    return NULL;
  }
  n->text = type.text;
  n->span2 = type.span;
  return n;
}

sq_ast_t *sq_ast_call(sq_name_t name, sq_ast_t *args, bool distinct, bool star, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_CALL, NULL, args, NULL, span);
  if (!n) {
    sq_name_free(&name);
    return NULL;
  }
  n->name = name;
  n->flag = distinct;
  n->sub = star;
  return n;
}

sq_ast_t *sq_ast_extract(sq_name_t field, sq_ast_t *arg, sq_span_t span) {
  sq_ast_t *n = node3(SQ_AST_EXTRACT, arg, NULL, NULL, span);
  if (!n) sq_name_free(&field);
  else n->name = field;
  return n;
}

/* Pushes a node's children on the work stack; returns false when out of
 * memory (the children then leak rather than being freed twice). */
static bool push_children(sq_ast_t *n, sq_ast_t ***stack, size_t *len, size_t *cap) {
  sq_ast_t *fixed[] = {n->a, n->b, n->c, n->d, n->e,
                       n->select ? n->select->items : NULL, n->select ? n->select->from : NULL,
                       n->select ? n->select->where : NULL, n->select ? n->select->window : NULL,
                       n->select ? n->select->group_by : NULL, n->select ? n->select->having : NULL,
                       n->select ? n->select->limit : NULL};
  size_t need = *len + n->n + sizeof fixed / sizeof *fixed;
  if (need > *cap) {
    size_t c = *cap * 2 > need ? *cap * 2 : need;
    sq_ast_t **s = realloc(*stack, c * sizeof *s);
    if (!s) return false;
    *stack = s;
    *cap = c;
  }
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    if (fixed[i]) (*stack)[(*len)++] = fixed[i];
  for (uint32_t i = 0; i < n->n; i++)
    if (n->list[i]) (*stack)[(*len)++] = n->list[i];
  return true;
}

void sq_ast_destroy(sq_ast_t *node) {
  if (!node) return;
  size_t len = 0, cap = 16;
  sq_ast_t **stack = malloc(cap * sizeof *stack);
  if (!stack) return;
  stack[len++] = node;
  while (len) {
    sq_ast_t *n = stack[--len];
    push_children(n, &stack, &len, &cap);
    sq_name_free(&n->name);
    sq_name_free(&n->name2);
    free(n->text);
    free(n->list);
    free(n->select);
    free(n);
  }
  free(stack);
}

const char *sq_opcode_name(sq_opcode_t op) {
  static const char *const names[] = {
      [SQ_EXPR_OR] = "OR", [SQ_EXPR_AND] = "AND", [SQ_EXPR_NOT] = "NOT",
      [SQ_EXPR_EQ] = "=", [SQ_EXPR_NE] = "<>", [SQ_EXPR_LT] = "<", [SQ_EXPR_LE] = "<=",
      [SQ_EXPR_GT] = ">", [SQ_EXPR_GE] = ">=", [SQ_EXPR_CONCAT] = "||",
      [SQ_EXPR_ADD] = "+", [SQ_EXPR_SUB] = "-", [SQ_EXPR_MUL] = "*", [SQ_EXPR_DIV] = "/",
      [SQ_EXPR_MOD] = "%", [SQ_EXPR_NEG] = "-", [SQ_EXPR_PLUS] = "+",
  };
  return names[op];
}
