/* Writing SQL text that the lexer reads back as written: identifiers
 * (bare when they read as one, else double-quoted) and string literals. */
#ifndef SQ_SQL_TEXT_H
#define SQ_SQL_TEXT_H

#include <stddef.h>

#include "engine/buf.h"

/* Appends `name` as an identifier: bare when it is lower case letters,
 * digits and '_' and no reserved keyword, else "quoted". */
void sq_put_ident(sq_buf_t *out, const char *name);
/* Appends `len` bytes of `text` as a SQL string literal ('it''s'). */
void sq_put_string_literal(sq_buf_t *out, const char *text, size_t len);

#endif
