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

/* Function ids: the order of the table in functions.c. */
typedef enum sq_fn {
  SQ_FN_ABS, SQ_FN_ROUND, SQ_FN_FLOOR, SQ_FN_CEIL, SQ_FN_SQRT, SQ_FN_POWER, SQ_FN_LN, SQ_FN_EXP,
  SQ_FN_LOWER, SQ_FN_UPPER, SQ_FN_TRIM, SQ_FN_LENGTH, SQ_FN_SUBSTRING, SQ_FN_REPLACE, SQ_FN_CONCAT,
  SQ_FN_SPLIT_PART, SQ_FN_JSON_VALUE, SQ_FN_COALESCE, SQ_FN_NULLIF, SQ_FN_GREATEST, SQ_FN_LEAST,
  SQ_FN_DATE_TRUNC, SQ_FN_FORMAT_TIMESTAMP, SQ_FN_TO_TIMESTAMP, SQ_FN_NOW,
  SQ_FN_COUNT, SQ_FN_SUM, SQ_FN_AVG, SQ_FN_MIN, SQ_FN_MAX, SQ_FN_STDDEV_POP, SQ_FN_STDDEV_SAMP,
  SQ_FN_EARLIEST, SQ_FN_LATEST, SQ_FN_APPROX_COUNT_DISTINCT, SQ_FN_APPROX_PERCENTILE, SQ_FN_TOPK,
  SQ_FN_COUNT_OF_FUNCTIONS
} sq_fn_t;

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
