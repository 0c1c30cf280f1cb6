/* The AST dump behind `streamq check --ast` and the golden parser tests:
 * one node a line, indented by depth, as `kind attributes @LINE:COL-LINE:COL`.
 * The format is stable on purpose: golden files are checked in. */
#include <inttypes.h>

#include "grammar/ast.h"

static const char *const kind_names[] = {
    [SQ_AST_SCRIPT] = "script", [SQ_AST_SET] = "set", [SQ_AST_CREATE_SOURCE] = "create-source",
    [SQ_AST_CREATE_SINK] = "create-sink", [SQ_AST_CREATE_STREAM] = "create-stream",
    [SQ_AST_INSERT] = "insert", [SQ_AST_QUERY] = "query", [SQ_AST_SHOW] = "show",
    [SQ_AST_DESCRIBE] = "describe", [SQ_AST_PRINT] = "print", [SQ_AST_EXPLAIN] = "explain",
    [SQ_AST_RUN_SCRIPT] = "run-script", [SQ_AST_UNSET] = "unset", [SQ_AST_LIST] = "list", [SQ_AST_COLUMN_DEF] = "column-def",
    [SQ_AST_OPTION] = "option", [SQ_AST_SELECT] = "select", [SQ_AST_SELECT_ITEM] = "item",
    [SQ_AST_STAR] = "star", [SQ_AST_TABLE_REF] = "from", [SQ_AST_JOIN] = "join",
    [SQ_AST_WINDOW] = "window", [SQ_AST_DURATION] = "duration", [SQ_AST_LITERAL] = "literal",
    [SQ_AST_COLUMN] = "column", [SQ_AST_UNARY] = "unary", [SQ_AST_BINARY] = "binary",
    [SQ_AST_IS_NULL] = "is-null", [SQ_AST_IN] = "in", [SQ_AST_BETWEEN] = "between",
    [SQ_AST_LIKE] = "like", [SQ_AST_CASE] = "case", [SQ_AST_WHEN] = "when", [SQ_AST_CAST] = "cast",
    [SQ_AST_CALL] = "call", [SQ_AST_EXTRACT] = "extract",
};

static void print_string(const char *s, FILE *out) {
  fputc('\'', out);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', out);
    fputc(*s, out);
  }
  fputc('\'', out);
}

static void print_name(const char *label, const sq_name_t *name, FILE *out) {
  if (name->text) fprintf(out, " %s=%s", label, name->text);
}

static void print_attributes(const sq_ast_t *n, FILE *out) {
  static const char *const joins[] = {"inner", "left", "right", "full"};
  static const char *const windows[] = {"none", "tumbling", "hopping", "session"};
  static const char *const prints[] = {"", " from-beginning", " from-offset", " from-timestamp"};
  static const char *const shows[] = {"topics", "sources", "tables", "sinks", "streams"};
  static const char *const emits[] = {"default", "changes", "final"};
  switch (n->kind) {
  case SQ_AST_SET: fprintf(out, " "); print_string(n->name.text, out); fprintf(out, " = "); print_string(n->text, out); break;
  case SQ_AST_CREATE_SOURCE: fprintf(out, " %s%s", n->name.text, n->flag ? " table" : ""); break;
  case SQ_AST_COLUMN_DEF:
    fprintf(out, " %s %s%s", n->name.text, n->text, n->flag ? " primary-key" : "");
    if (n->name2.text) { fprintf(out, " path="); print_string(n->name2.text, out); }
    break;
  case SQ_AST_SHOW: fprintf(out, " %s", shows[n->sub]); break;
  case SQ_AST_DESCRIBE: fprintf(out, n->flag ? " topic='%s'" : " %s", n->name.text); break;
  case SQ_AST_PRINT: fprintf(out, " '%s'%s", n->name.text, prints[n->sub]); break;
  case SQ_AST_EXPLAIN: fprintf(out, "%s", n->flag ? " analyze" : ""); break;
  case SQ_AST_UNSET: fprintf(out, " "); print_string(n->name.text, out); break;
  case SQ_AST_RUN_SCRIPT: fprintf(out, " "); print_string(n->name.text, out); break;
  case SQ_AST_CREATE_SINK: case SQ_AST_CREATE_STREAM: case SQ_AST_INSERT: case SQ_AST_OPTION:
    fprintf(out, " %s", n->name.text);
    break;
  case SQ_AST_SELECT:
    if (n->select->distinct) fprintf(out, " distinct");
    if (n->select->emit != SQ_EMIT_DEFAULT) fprintf(out, " emit=%s", emits[n->select->emit]);
    break;
  case SQ_AST_SELECT_ITEM: print_name("as", &n->name2, out); break;
  case SQ_AST_STAR: print_name("of", &n->name2, out); break;
  case SQ_AST_TABLE_REF: fprintf(out, " %s", n->name.text); print_name("as", &n->name2, out); break;
  case SQ_AST_JOIN: fprintf(out, " %s", joins[n->sub]); break;
  case SQ_AST_WINDOW: fprintf(out, " %s", windows[n->sub]); break;
  case SQ_AST_DURATION: fprintf(out, " %" PRId64 "ms", n->ival); break;
  case SQ_AST_LITERAL:
    switch ((sq_literal_t)n->sub) {
    case SQ_LIT_NULL: fprintf(out, " NULL"); break;
    case SQ_LIT_BOOL: fprintf(out, " %s", n->flag ? "TRUE" : "FALSE"); break;
    case SQ_LIT_INT: fprintf(out, " %" PRId64, n->ival); break;
    case SQ_LIT_DOUBLE: fprintf(out, " %.17g", n->dval); break;
    case SQ_LIT_STRING: fprintf(out, " "); print_string(n->text, out); break;
    case SQ_LIT_TIMESTAMP: fprintf(out, " TIMESTAMP "); print_string(n->text, out); break;
    }
    break;
  case SQ_AST_COLUMN:
    fprintf(out, " %s%s%s", n->name2.text ? n->name2.text : "", n->name2.text ? "." : "", n->name.text);
    break;
  case SQ_AST_UNARY: case SQ_AST_BINARY: fprintf(out, " %s", sq_opcode_name((sq_opcode_t)n->sub)); break;
  case SQ_AST_IS_NULL: case SQ_AST_IN: case SQ_AST_BETWEEN: case SQ_AST_LIKE:
    if (n->flag) fprintf(out, " not");
    break;
  case SQ_AST_CAST: fprintf(out, " %s", n->text); break;
  case SQ_AST_CALL: fprintf(out, " %s%s%s", n->name.text, n->flag ? " distinct" : "", n->sub ? " *" : ""); break;
  case SQ_AST_EXTRACT: fprintf(out, " %s", n->name.text); break;
  default: break;
  }
}

/* Prints a labelled child slot (skipped when empty). */
static void print_node(const sq_ast_t *n, const char *label, const sq_sql_t *src, int indent, FILE *out);

static void print_children(const sq_ast_t *n, const sq_sql_t *src, int indent, FILE *out) {
  if (n->kind == SQ_AST_SELECT) {
    const sq_ast_select_t *s = n->select;
    print_node(s->items, "items", src, indent, out);
    print_node(s->from, "from", src, indent, out);
    print_node(s->where, "where", src, indent, out);
    print_node(s->window, "window", src, indent, out);
    print_node(s->group_by, "group-by", src, indent, out);
    print_node(s->having, "having", src, indent, out);
    print_node(s->limit, "limit", src, indent, out);
    return;
  }
  static const char *const join_labels[] = {"left", "right", "before", "after", "on"};
  static const char *const window_labels[] = {"size", "advance", "grace"};
  const char *const *labels = n->kind == SQ_AST_JOIN ? join_labels : n->kind == SQ_AST_WINDOW ? window_labels : NULL;
  const sq_ast_t *kids[] = {n->a, n->b, n->c, n->d, n->e};
  for (size_t i = 0; i < 5; i++) print_node(kids[i], labels && i < (n->kind == SQ_AST_JOIN ? 5u : 3u) ? labels[i] : NULL, src, indent, out);
  for (uint32_t i = 0; i < n->n; i++) print_node(n->list[i], NULL, src, indent, out);
}

static void print_node(const sq_ast_t *n, const char *label, const sq_sql_t *src, int indent, FILE *out) {
  if (!n) return;
  uint32_t l1, c1, l2, c2;
  sq_sql_position(src, n->span.start, &l1, &c1);
  sq_sql_position(src, n->span.end, &l2, &c2);
  fprintf(out, "%*s%s%s%s", indent * 2, "", label ? label : "", label ? ": " : "", kind_names[n->kind]);
  print_attributes(n, out);
  fprintf(out, " @%u:%u-%u:%u\n", l1, c1, l2, c2);
  print_children(n, src, indent + 1, out);
}

void sq_ast_dump(const sq_ast_t *node, const sq_sql_t *src, FILE *out) { print_node(node, NULL, src, 0, out); }
