/* The abstract syntax tree the parser builds. Every node carries the byte
 * span of the text it came from, so that analysis can point at the exact
 * token. The grammar only builds nodes (one constructor call per action);
 * meaning is given by engine/analyze.c, which also fills the `type` and
 * resolution fields of expression nodes. */
#ifndef SQ_AST_H
#define SQ_AST_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "grammar/diag.h"

/* Expressions nested deeper than this are refused with an error, so no
 * later recursive pass can exhaust the stack. */
#define SQ_AST_MAX_DEPTH 1000

typedef enum sq_ast_kind {
  /* statements */
  SQ_AST_SCRIPT,         /* list: statements */
  SQ_AST_SET,            /* name: key (a string); text: value (at span2) */
  SQ_AST_CREATE_SOURCE,  /* name; a: column defs (LIST or NULL); b: options (LIST); flag: is TABLE;
                            sub: written CREATE STREAM (span2: STREAM), see sq_ast_foreign_form */
  SQ_AST_CREATE_SINK,    /* name; b: options */
  SQ_AST_CREATE_STREAM,  /* name; a: SELECT; sub: written CREATE TABLE (span2: TABLE) */
  SQ_AST_INSERT,         /* name: target sink; a: SELECT */
  SQ_AST_QUERY,          /* a: SELECT run ad hoc */
  SQ_AST_SHOW,           /* sub: sq_show_t */
  SQ_AST_DESCRIBE,       /* name: relation, or topic name when flag (DESCRIBE TOPIC; a: SAMPLE literal or NULL) */
  SQ_AST_PRINT,          /* name: topic; sub: sq_print_from_t; c: its offset or timestamp literal;
                            a: LIMIT literal or NULL; b: INTERVAL literal or NULL */
  SQ_AST_EXPLAIN,        /* a: statement explained (QUERY or INSERT); flag: ANALYZE */
  SQ_AST_RUN_SCRIPT,     /* name: path */
  SQ_AST_UNSET,          /* name: key (a string) */
  /* statement parts */
  SQ_AST_LIST,           /* list: any nodes */
  SQ_AST_COLUMN_DEF,     /* name; text: type name (span2); flag: PRIMARY KEY; name2: PATH */
  SQ_AST_OPTION,         /* name: key; a: value literal */
  SQ_AST_SELECT,         /* see sq_ast_select_t below */
  SQ_AST_SELECT_ITEM,    /* a: expression; name2: alias (may be empty) */
  SQ_AST_STAR,           /* name2: qualifier (empty for a bare *) */
  SQ_AST_TABLE_REF,      /* name: relation; name2: alias */
  SQ_AST_JOIN,           /* sub: sq_join_t; a: left; b: right; c: WITHIN before; d: WITHIN after; e: ON */
  SQ_AST_WINDOW,         /* sub: sq_window_kind_t; a: SIZE/GAP; b: ADVANCE BY; c: GRACE PERIOD */
  SQ_AST_DURATION,       /* ival: milliseconds */
  /* expressions */
  SQ_AST_LITERAL,        /* sub: sq_literal_t; ival, dval, flag (BOOL), text */
  SQ_AST_COLUMN,         /* name2: qualifier; name: column */
  SQ_AST_UNARY,          /* sub: sq_opcode_t (NOT, NEG, PLUS); a */
  SQ_AST_BINARY,         /* sub: sq_opcode_t; a, b */
  SQ_AST_IS_NULL,        /* flag: negated; a */
  SQ_AST_IN,             /* flag: negated; a; b: LIST */
  SQ_AST_BETWEEN,        /* flag: negated; a; b: low; c: high */
  SQ_AST_LIKE,           /* flag: negated; a; b: pattern */
  SQ_AST_CASE,           /* a: operand or NULL; b: LIST of WHEN; c: ELSE or NULL */
  SQ_AST_WHEN,           /* a: condition (or value); b: result */
  SQ_AST_CAST,           /* a; text: type name (span2) */
  SQ_AST_CALL,           /* name: function; b: LIST of args; flag: DISTINCT; sub: 1 for f(*) */
  SQ_AST_EXTRACT,        /* name: field; a: timestamp expression */
} sq_ast_kind_t;

typedef enum sq_opcode {
  SQ_EXPR_OR, SQ_EXPR_AND, SQ_EXPR_NOT,
  SQ_EXPR_EQ, SQ_EXPR_NE, SQ_EXPR_LT, SQ_EXPR_LE, SQ_EXPR_GT, SQ_EXPR_GE,
  SQ_EXPR_CONCAT,
  SQ_EXPR_ADD, SQ_EXPR_SUB, SQ_EXPR_MUL, SQ_EXPR_DIV, SQ_EXPR_MOD,
  SQ_EXPR_NEG, SQ_EXPR_PLUS,
} sq_opcode_t;

typedef enum sq_literal {
  SQ_LIT_NULL, SQ_LIT_BOOL, SQ_LIT_INT, SQ_LIT_DOUBLE, SQ_LIT_STRING, SQ_LIT_TIMESTAMP,
} sq_literal_t;

typedef enum sq_join { SQ_JOIN_INNER, SQ_JOIN_LEFT, SQ_JOIN_RIGHT, SQ_JOIN_FULL } sq_join_t;
/* NONE: a query without a WINDOW clause (the engine's window spec). */
typedef enum sq_window_kind { SQ_WINDOW_NONE, SQ_WINDOW_TUMBLING, SQ_WINDOW_HOPPING, SQ_WINDOW_SESSION } sq_window_kind_t;
typedef enum sq_emit { SQ_EMIT_DEFAULT, SQ_EMIT_CHANGES, SQ_EMIT_FINAL } sq_emit_t;
typedef enum sq_print_from {
  SQ_PRINT_FROM_LATEST, SQ_PRINT_FROM_BEGINNING, SQ_PRINT_FROM_OFFSET, SQ_PRINT_FROM_TIMESTAMP,
} sq_print_from_t;
typedef enum sq_show { SQ_SHOW_TOPICS, SQ_SHOW_SOURCES, SQ_SHOW_TABLES, SQ_SHOW_SINKS, SQ_SHOW_STREAMS } sq_show_t;

/* A name as written, with where it was written. `text` is owned by the node. */
typedef struct sq_name {
  char *text;
  sq_span_t span;
} sq_name_t;

typedef struct sq_ast sq_ast_t;

/* The clauses of a SELECT (kind SQ_AST_SELECT), in the order written. */
typedef struct sq_ast_select {
  bool distinct;
  sq_ast_t *items;    /* LIST of SELECT_ITEM / STAR */
  sq_ast_t *from;     /* TABLE_REF or JOIN */
  sq_ast_t *where;
  sq_ast_t *window;
  sq_ast_t *group_by; /* LIST or NULL */
  sq_span_t group_span;
  sq_ast_t *having;
  sq_emit_t emit;
  sq_span_t emit_span;
  sq_ast_t *limit;    /* integer LITERAL or NULL */
} sq_ast_select_t;

struct sq_ast {
  sq_ast_kind_t kind;
  sq_span_t span;
  int sub;
  bool flag;
  uint32_t depth;     /* height of the subtree, for SQ_AST_MAX_DEPTH */
  sq_name_t name;
  sq_name_t name2;
  char *text;
  sq_span_t span2;
  int64_t ival;
  double dval;
  sq_ast_t *a, *b, *c, *d, *e;
  sq_ast_t **list;
  uint32_t n, cap;
  sq_ast_select_t *select;
  /* Filled by analysis (engine/analyze_expr.c); zero from the parser. */
  int type;           /* sq_type_t */
  int ref;            /* column: index of the input; call: function id */
  int ref2;           /* column: index of the column in that input */
};

/* Constructors. Each returns a new node that the caller owns (free with
 * sq_ast_destroy), or NULL when memory runs out; children and names passed
 * in are owned by the new node from then on, even when NULL is returned. */
sq_ast_t *sq_ast_new(sq_ast_kind_t kind, sq_span_t span);
sq_ast_t *sq_ast_list(sq_ast_t *first, sq_span_t span);
/* Appends `item` to `list` (both may be NULL after an allocation failure);
 * returns `list`. */
sq_ast_t *sq_ast_append(sq_ast_t *list, sq_ast_t *item);

sq_ast_t *sq_ast_set(sq_name_t key, sq_name_t value, sq_span_t span);
sq_ast_t *sq_ast_unset(sq_name_t key, sq_span_t span);
sq_ast_t *sq_ast_create_source(sq_name_t name, bool is_table, sq_ast_t *columns, sq_ast_t *options, sq_span_t span);
sq_ast_t *sq_ast_create_sink(sq_name_t name, sq_ast_t *options, sq_span_t span);
sq_ast_t *sq_ast_create_stream(sq_name_t name, sq_ast_t *select, sq_span_t span);
/* Marks a CREATE written the way ksqlDB writes it (CREATE STREAM with a
 * schema or WITH options, which streamq writes CREATE SOURCE; CREATE TABLE
 * AS SELECT): sets `sub` to 1 and `span2` to `keyword` for analysis to
 * report. Returns `stmt`. */
sq_ast_t *sq_ast_foreign_form(sq_ast_t *stmt, sq_span_t keyword);
sq_ast_t *sq_ast_insert(sq_name_t target, sq_ast_t *select, sq_span_t span);
sq_ast_t *sq_ast_query(sq_ast_t *select, sq_span_t span);
sq_ast_t *sq_ast_show(sq_show_t what, sq_span_t span);
sq_ast_t *sq_ast_describe(sq_name_t name, bool topic, sq_span_t span);
/* DESCRIBE TOPIC 'name' [SAMPLE n] (`sample` may be NULL). */
sq_ast_t *sq_ast_describe_topic(sq_name_t name, sq_ast_t *sample, sq_span_t span);
/* PRINT 'topic' FROM `from` (`at`: its offset or timestamp literal, else
 * NULL) [LIMIT n] [INTERVAL n] (NULL when absent). */
sq_ast_t *sq_ast_print(sq_name_t topic, int from, sq_ast_t *at, sq_ast_t *limit, sq_ast_t *interval, sq_span_t span);
sq_ast_t *sq_ast_explain(sq_ast_t *stmt, bool analyze, sq_span_t span);
sq_ast_t *sq_ast_run_script(sq_name_t path, sq_span_t span);

sq_ast_t *sq_ast_column_def(sq_name_t name, sq_name_t type, sq_span_t span);
/* Adds PRIMARY KEY (path empty) or PATH 'p' to a column definition. */
sq_ast_t *sq_ast_column_constraint(sq_ast_t *col, bool primary_key, sq_name_t path, sq_span_t span);
sq_ast_t *sq_ast_option(sq_name_t key, sq_ast_t *value, sq_span_t span);

/* A SELECT with only its select list; the clauses are set by the
 * sq_ast_select_* calls below, which return the same node. */
sq_ast_t *sq_ast_select(bool distinct, sq_ast_t *items, sq_ast_t *from, sq_span_t span);
sq_ast_t *sq_ast_select_clauses(sq_ast_t *select, sq_ast_t *where, sq_ast_t *window,
                                sq_ast_t *group_by, sq_span_t group_span, sq_ast_t *having,
                                sq_emit_t emit, sq_span_t emit_span, sq_ast_t *limit, sq_span_t span);
sq_ast_t *sq_ast_select_item(sq_ast_t *expr, sq_name_t alias, sq_span_t span);
sq_ast_t *sq_ast_star(sq_name_t qualifier, sq_span_t span);
sq_ast_t *sq_ast_table_ref(sq_name_t name, sq_name_t alias, sq_span_t span);
sq_ast_t *sq_ast_join(sq_join_t type, sq_ast_t *left, sq_ast_t *right, sq_ast_t *before,
                      sq_ast_t *after, sq_ast_t *on, sq_span_t span);
sq_ast_t *sq_ast_window(sq_window_kind_t kind, sq_ast_t *size, sq_ast_t *advance, sq_ast_t *grace, sq_span_t span);
/* `count` units of `unit_ms` milliseconds; NULL with *overflow set if it
 * does not fit in 64 bits. */
sq_ast_t *sq_ast_duration(int64_t count, int64_t unit_ms, bool *overflow, sq_span_t span);

sq_ast_t *sq_ast_literal(sq_literal_t type, sq_span_t span);
sq_ast_t *sq_ast_int(int64_t v, sq_span_t span);
sq_ast_t *sq_ast_double(double v, sq_span_t span);
sq_ast_t *sq_ast_bool(bool v, sq_span_t span);
/* A STRING or TIMESTAMP literal holding `text` (owned by the node). */
sq_ast_t *sq_ast_text_literal(sq_literal_t type, char *text, sq_span_t span);
sq_ast_t *sq_ast_column(sq_name_t qualifier, sq_name_t name, sq_span_t span);
sq_ast_t *sq_ast_unary(sq_opcode_t op, sq_ast_t *arg, sq_span_t span);
sq_ast_t *sq_ast_binary(sq_opcode_t op, sq_ast_t *l, sq_ast_t *r, sq_span_t span);
sq_ast_t *sq_ast_is_null(sq_ast_t *arg, bool negated, sq_span_t span);
sq_ast_t *sq_ast_in(sq_ast_t *arg, sq_ast_t *list, bool negated, sq_span_t span);
sq_ast_t *sq_ast_between(sq_ast_t *arg, sq_ast_t *lo, sq_ast_t *hi, bool negated, sq_span_t span);
sq_ast_t *sq_ast_like(sq_ast_t *arg, sq_ast_t *pattern, bool negated, sq_span_t span);
sq_ast_t *sq_ast_case(sq_ast_t *operand, sq_ast_t *whens, sq_ast_t *else_, sq_span_t span);
sq_ast_t *sq_ast_when(sq_ast_t *cond, sq_ast_t *result, sq_span_t span);
sq_ast_t *sq_ast_cast(sq_ast_t *arg, sq_name_t type, sq_span_t span);
/* f(args), f(DISTINCT args) or f(*) when `star`. */
sq_ast_t *sq_ast_call(sq_name_t name, sq_ast_t *args, bool distinct, bool star, sq_span_t span);
sq_ast_t *sq_ast_extract(sq_name_t field, sq_ast_t *arg, sq_span_t span);

/* Frees a node and everything under it, without recursion (a degenerate
 * tree of any depth is safe). NULL is a no-op. */
void sq_ast_destroy(sq_ast_t *node);
/* Frees the text of a name that was never given to a node. */
void sq_name_free(sq_name_t *name);

/* Dumps the tree as an indented S-expression, one node a line, with spans
 * as LINE:COL-LINE:COL of `src` (used by golden tests and `check --ast`). */
void sq_ast_dump(const sq_ast_t *node, const sq_sql_t *src, FILE *out);

const char *sq_opcode_name(sq_opcode_t op);

#endif
