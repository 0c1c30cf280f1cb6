/* The scalar and aggregate functions of LANGUAGE.md §3: their names,
 * argument counts and types, and result types. Analysis checks calls
 * against this table; the evaluator dispatches on the function id. */
#ifndef SQ_FUNCTIONS_H
#define SQ_FUNCTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/types.h"

/* What an argument must be. The CONST_ kinds also require a literal. */
typedef enum sq_arg_kind {
  SQ_ARG_ANY,
  SQ_ARG_NUMERIC,
  SQ_ARG_INTEGER,
  SQ_ARG_STRING,
  SQ_ARG_TIMESTAMP,
  SQ_ARG_COMPARABLE,      /* anything ordered: not BOOLEAN */
  SQ_ARG_STRING_OR_INTEGER,
  SQ_ARG_CONST_FRACTION,  /* a numeric literal in [0, 1] */
  SQ_ARG_CONST_COUNT,     /* an integer literal >= 1 */
  SQ_ARG_CONST_TIME_UNIT, /* a string literal naming a DATE_TRUNC unit */
  SQ_ARG_CONST_JSON_PATH, /* a string literal starting with '$' */
} sq_arg_kind_t;

/* How the result type follows from the arguments. */
typedef enum sq_result_rule {
  SQ_RESULT_FIXED,  /* `result` */
  SQ_RESULT_ARG0,   /* the first argument's type */
  SQ_RESULT_COMMON, /* the common type of all arguments */
} sq_result_rule_t;

#define SQ_VARIADIC 255

typedef struct sq_function {
  const char *name;       /* upper case */
  bool aggregate;
  uint8_t min_args, max_args;
  sq_arg_kind_t args[3];  /* a variadic function repeats its last kind */
  sq_result_rule_t rule;
  sq_type_t result;
} sq_function_t;

/* The function with this (case-insensitive) name and its id, or NULL. */
const sq_function_t *sq_function_find(const char *name, int *id);
const sq_function_t *sq_function_at(int id);
/* All functions, for suggestions. */
extern const sq_function_t sq_functions[];
extern const int sq_n_functions;

/* DATE_TRUNC units and EXTRACT fields: lower-case names or NULL. */
bool sq_time_unit_valid(const char *unit);
bool sq_extract_field_valid(const char *field);

#endif
