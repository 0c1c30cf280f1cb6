/* The function table. Adding a function is one line here plus its
 * evaluation; analysis needs nothing else. */
#include "engine/functions.h"

#include <stddef.h>
#include <strings.h>

#define A(...) {__VA_ARGS__}
const sq_function_t sq_functions[] = {
    /* numeric */
    {"ABS", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"ROUND", false, 1, 2, A(SQ_ARG_NUMERIC, SQ_ARG_INTEGER), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"FLOOR", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"CEIL", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"SQRT", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"POWER", false, 2, 2, A(SQ_ARG_NUMERIC, SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"LN", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"EXP", false, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    /* strings */
    {"LOWER", false, 1, 1, A(SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"UPPER", false, 1, 1, A(SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"TRIM", false, 1, 1, A(SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"LENGTH", false, 1, 1, A(SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_BIGINT},
    {"SUBSTRING", false, 2, 3, A(SQ_ARG_STRING, SQ_ARG_INTEGER, SQ_ARG_INTEGER), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"REPLACE", false, 3, 3, A(SQ_ARG_STRING, SQ_ARG_STRING, SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"CONCAT", false, 1, SQ_VARIADIC, A(SQ_ARG_ANY), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"SPLIT_PART", false, 3, 3, A(SQ_ARG_STRING, SQ_ARG_STRING, SQ_ARG_INTEGER), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"JSON_VALUE", false, 2, 2, A(SQ_ARG_STRING, SQ_ARG_CONST_JSON_PATH), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    /* conditional */
    {"COALESCE", false, 1, SQ_VARIADIC, A(SQ_ARG_ANY), SQ_RESULT_COMMON, SQ_TYPE_ERROR},
    {"NULLIF", false, 2, 2, A(SQ_ARG_ANY, SQ_ARG_ANY), SQ_RESULT_COMMON, SQ_TYPE_ERROR},
    {"GREATEST", false, 1, SQ_VARIADIC, A(SQ_ARG_COMPARABLE), SQ_RESULT_COMMON, SQ_TYPE_ERROR},
    {"LEAST", false, 1, SQ_VARIADIC, A(SQ_ARG_COMPARABLE), SQ_RESULT_COMMON, SQ_TYPE_ERROR},
    /* time */
    {"DATE_TRUNC", false, 2, 2, A(SQ_ARG_CONST_TIME_UNIT, SQ_ARG_TIMESTAMP), SQ_RESULT_FIXED, SQ_TYPE_TIMESTAMP},
    {"FORMAT_TIMESTAMP", false, 2, 2, A(SQ_ARG_TIMESTAMP, SQ_ARG_STRING), SQ_RESULT_FIXED, SQ_TYPE_STRING},
    {"TO_TIMESTAMP", false, 1, 1, A(SQ_ARG_STRING_OR_INTEGER), SQ_RESULT_FIXED, SQ_TYPE_TIMESTAMP},
    {"NOW", false, 0, 0, A(SQ_ARG_ANY), SQ_RESULT_FIXED, SQ_TYPE_TIMESTAMP},
    /* aggregates */
    {"COUNT", true, 1, 1, A(SQ_ARG_ANY), SQ_RESULT_FIXED, SQ_TYPE_BIGINT},
    {"SUM", true, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"AVG", true, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"MIN", true, 1, 1, A(SQ_ARG_COMPARABLE), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"MAX", true, 1, 1, A(SQ_ARG_COMPARABLE), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"STDDEV_POP", true, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"STDDEV_SAMP", true, 1, 1, A(SQ_ARG_NUMERIC), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"EARLIEST", true, 1, 1, A(SQ_ARG_ANY), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"LATEST", true, 1, 1, A(SQ_ARG_ANY), SQ_RESULT_ARG0, SQ_TYPE_ERROR},
    {"APPROX_COUNT_DISTINCT", true, 1, 1, A(SQ_ARG_ANY), SQ_RESULT_FIXED, SQ_TYPE_BIGINT},
    {"APPROX_PERCENTILE", true, 2, 2, A(SQ_ARG_NUMERIC, SQ_ARG_CONST_FRACTION), SQ_RESULT_FIXED, SQ_TYPE_DOUBLE},
    {"TOPK", true, 2, 2, A(SQ_ARG_ANY, SQ_ARG_CONST_COUNT), SQ_RESULT_FIXED, SQ_TYPE_STRING},
};
const int sq_n_functions = (int)(sizeof sq_functions / sizeof *sq_functions);
_Static_assert(sizeof sq_functions / sizeof *sq_functions == SQ_FN_COUNT_OF_FUNCTIONS,
               "sq_fn_t must list the functions in table order");

const sq_function_t *sq_function_find(const char *name, int *id) {
  for (int i = 0; i < sq_n_functions; i++) {
    if (strcasecmp(sq_functions[i].name, name) == 0) {
      *id = i;
      return &sq_functions[i];
    }
  }
  return NULL;
}

const sq_function_t *sq_function_at(int id) { return &sq_functions[id]; }

static bool in_list(const char *word, const char *const *list) {
  for (; *list; list++)
    if (strcasecmp(word, *list) == 0) return true;
  return false;
}

bool sq_time_unit_valid(const char *unit) {
  static const char *const units[] = {"millisecond", "second", "minute", "hour", "day",
                                      "week", "month", "year", NULL};
  return in_list(unit, units);
}

bool sq_extract_field_valid(const char *field) {
  static const char *const fields[] = {"millisecond", "second", "minute", "hour", "day", "dow",
                                       "doy", "week", "month", "year", "epoch", NULL};
  return in_list(field, fields);
}
