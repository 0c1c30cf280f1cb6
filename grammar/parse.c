/* sq_parse and the small helpers the grammar's actions call: names from
 * tokens, duration units, and the nesting-depth guard. */
#include "grammar/parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "grammar/parse_state.h"
#include "grammar/time_unit.h"
#include "parser.h"
#include "lexer.h"

sq_name_t sq_name(char *text, sq_span_t span) {
  sq_name_t n = {text, span};
  return n;
}

sq_name_t sq_name_none(void) {
  sq_name_t n = {NULL, {0, 0}};
  return n;
}

sq_name_t sq_name_from_source(const sq_parse_state_t *ps, sq_span_t span) {
  size_t len = span.end - span.start;
  char *text = malloc(len + 1);
  if (text) {
    const char *s = sq_sql_text(ps->src) + span.start;
    for (size_t i = 0; i < len; i++) text[i] = (char)tolower((unsigned char)s[i]);
    text[len] = '\0';
  }
  return sq_name(text, span);
}

sq_ast_t *sq_check_depth(sq_parse_state_t *ps, sq_ast_t *node) {
  if (node && node->depth > SQ_AST_MAX_DEPTH && !ps->nesting_reported) {
    sq_diag_error(ps->diag, node->span, "expression nested too deeply (more than %d levels)", SQ_AST_MAX_DEPTH);
    ps->nesting_reported = true;
  }
  return node;
}

sq_ast_t *sq_parse_duration(sq_parse_state_t *ps, int64_t count, int64_t unit_ms, sq_span_t span) {
  bool overflow = false;
  sq_ast_t *d = sq_ast_duration(count, unit_ms, &overflow, span);
  if (overflow) sq_diag_error(ps->diag, span, "duration out of range");
  return d;
}

sq_ast_t *sq_parse_interval(sq_parse_state_t *ps, char *text, int64_t unit_ms, sq_span_t span) {
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  int64_t count = 0;
  bool digits = isdigit((unsigned char)*p), overflow = false;
  for (; isdigit((unsigned char)*p); p++)
    overflow |= __builtin_mul_overflow(count, 10, &count) || __builtin_add_overflow(count, *p - '0', &count);
  while (isspace((unsigned char)*p)) p++;
  if (digits && unit_ms == 0) {
    char unit[16];
    size_t n = 0;
    while (isalpha((unsigned char)*p) && n + 1 < sizeof unit) unit[n++] = *p++;
    unit[n] = '\0';
    unit_ms = sq_time_unit_ms(unit, n, true);
    while (isspace((unsigned char)*p)) p++;
  }
  bool valid = digits && unit_ms > 0 && *p == '\0';
  free(text);
  if (!valid) {
    sq_diag_error(ps->diag, span, "invalid INTERVAL; write it like INTERVAL '10' SECONDS or INTERVAL '10 seconds'");
    return NULL;
  }
  if (overflow) {
    sq_diag_error(ps->diag, span, "duration out of range");
    return NULL;
  }
  return sq_parse_duration(ps, count, unit_ms, span);
}

sq_ast_t *sq_parse_interval_value(sq_parse_state_t *ps, char *text, int64_t unit_ms, sq_span_t span) {
  sq_ast_t *d = sq_parse_interval(ps, text, unit_ms, span);
  if (d)
    sq_diag_error(ps->diag, span, "INTERVAL is a duration (for WINDOW and WITHIN), not a value; "
                  "TIMESTAMP arithmetic is in milliseconds: write %lld", (long long)d->ival);
  sq_ast_destroy(d);
  return NULL;
}

sq_ast_t *sq_parse_second_window(sq_parse_state_t *ps, sq_ast_t *first, sq_ast_t *second, sq_span_t span) {
  sq_diag_error(ps->diag, span, "a query has only one WINDOW clause");
  sq_ast_destroy(second);
  return first;
}

void sq_parse_statement_end(sq_parse_state_t *ps) {
  ps->paren_depth = 0;
  ps->nesting_reported = false;
}

sq_ast_t *sq_parse(const sq_sql_t *src, sq_diag_t *diag) {
  sq_parse_state_t ps = {.src = src, .diag = diag};
  yyscan_t scanner;
  if (yylex_init_extra(&ps, &scanner) != 0) {
    sq_diag_error(diag, (sq_span_t){0, 0}, "out of memory");
    return NULL;
  }
  ps.scanner = scanner;
  YY_BUFFER_STATE buf = yy_scan_bytes(sq_sql_text(src), (int)sq_sql_len(src), scanner);
  if (!buf) sq_diag_error(diag, (sq_span_t){0, 0}, "out of memory");
  else if (yyparse(&ps) != 0 && sq_diag_count(diag) == 0)
    sq_diag_error(diag, (sq_span_t){ps.offset, ps.offset}, "cannot parse this file");
  yy_delete_buffer(buf, scanner);
  yylex_destroy(scanner);
  return ps.script;
}
