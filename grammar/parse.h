/* The front end's entry point: source text in, AST and diagnostics out. */
#ifndef SQ_PARSE_H
#define SQ_PARSE_H

#include "grammar/ast.h"
#include "grammar/diag.h"

/* Parses `src` into a SCRIPT node (caller frees with sq_ast_destroy).
 * Syntax errors go to `diag`; parsing resumes after each bad statement, so
 * one call reports them all. Returns NULL when nothing could be built (an
 * empty SCRIPT for an empty file); check sq_diag_count for errors. */
sq_ast_t *sq_parse(const sq_sql_t *src, sq_diag_t *diag);

#endif
