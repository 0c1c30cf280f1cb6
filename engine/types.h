/* SQL types of LANGUAGE.md §3. SQ_TYPE_NULL is the type of a bare NULL
 * literal (it converts to every type); SQ_TYPE_ERROR marks an expression
 * that already failed analysis, so one mistake is reported once. */
#ifndef SQ_TYPES_H
#define SQ_TYPES_H

#include <stdbool.h>

#include "grammar/diag.h"

typedef enum sq_type {
  SQ_TYPE_ERROR = 0,
  SQ_TYPE_NULL,
  SQ_TYPE_BOOLEAN,
  SQ_TYPE_BIGINT,
  SQ_TYPE_DOUBLE,
  SQ_TYPE_STRING,
  SQ_TYPE_TIMESTAMP,
} sq_type_t;

/* The canonical upper-case name ("BIGINT"). */
const char *sq_type_name(sq_type_t t);
/* A type from its name or alias, case-insensitively (INT, INTEGER,
 * VARCHAR included); SQ_TYPE_ERROR if unknown. */
sq_type_t sq_type_from_name(const char *name);
/* Like sq_type_from_name, but an unknown name is reported at `span` with
 * a suggestion. */
sq_type_t sq_type_resolve(const char *name, sq_span_t span, sq_diag_t *diag);

bool sq_type_is_numeric(sq_type_t t);
/* The type both operands convert to for comparison or a CASE/COALESCE
 * result (BIGINT with DOUBLE is DOUBLE; NULL takes the other side), or
 * SQ_TYPE_ERROR when they have none. */
sq_type_t sq_type_common(sq_type_t a, sq_type_t b);
/* Whether CAST(x AS to) is allowed for x of type `from`. */
bool sq_type_castable(sq_type_t from, sq_type_t to);

#endif
