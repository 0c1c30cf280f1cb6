/* State shared by the scanner and the parser of one sq_parse call. Private
 * to grammar/: the lexer keeps its byte offset here (for locations) and
 * both report errors to the same diagnostics. */
#ifndef SQ_PARSE_STATE_H
#define SQ_PARSE_STATE_H

#include <stdbool.h>

#include "grammar/ast.h"

/* Parentheses nested deeper than this are refused (see SQ_AST_MAX_DEPTH). */
#define SQ_MAX_PAREN_DEPTH 1000

typedef struct sq_parse_state {
  const sq_sql_t *src;
  sq_diag_t *diag;
  void *scanner;            /* yyscan_t */
  uint32_t offset;          /* byte offset of the next unscanned character */
  uint32_t comment_start;   /* where the open block comment began */
  int paren_depth;
  bool nesting_reported;    /* "nested too deeply" said once per statement */
  sq_ast_t *script;         /* the result */
} sq_parse_state_t;

/* A name from a token's text (`text` is owned by the result). */
sq_name_t sq_name(char *text, sq_span_t span);
/* The empty name (no alias, no qualifier). */
sq_name_t sq_name_none(void);
/* A name from a keyword used as an identifier: its source text, lower-cased. */
sq_name_t sq_name_from_source(const sq_parse_state_t *ps, sq_span_t span);
/* Reports an expression nested deeper than SQ_AST_MAX_DEPTH (once per
 * statement) and returns `node` unchanged. */
sq_ast_t *sq_check_depth(sq_parse_state_t *ps, sq_ast_t *node);
/* Builds `count unit`, reporting an overflow of the millisecond count. */
sq_ast_t *sq_parse_duration(sq_parse_state_t *ps, int64_t count, int64_t unit_ms, sq_span_t span);
/* Builds SQL's INTERVAL 'count' UNIT (`unit_ms` > 0) or INTERVAL 'count unit'
 * (`unit_ms` 0, a unit word inside the string); takes `text`. Reports a
 * string of another form and returns NULL. */
sq_ast_t *sq_parse_interval(sq_parse_state_t *ps, char *text, int64_t unit_ms, sq_span_t span);
/* An INTERVAL where a value is expected: reports it with the number of
 * milliseconds to write instead (TIMESTAMP arithmetic is in milliseconds);
 * takes `text` and returns NULL. */
sq_ast_t *sq_parse_interval_value(sq_parse_state_t *ps, char *text, int64_t unit_ms, sq_span_t span);
/* Reports a second WINDOW clause of one query at `span`, frees it, and
 * returns the first. */
sq_ast_t *sq_parse_second_window(sq_parse_state_t *ps, sq_ast_t *first, sq_ast_t *second, sq_span_t span);
/* Ends a statement: resets the per-statement nesting state. */
void sq_parse_statement_end(sq_parse_state_t *ps);

#endif
