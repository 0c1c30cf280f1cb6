/* The pipeline settings (`SET 'name' = 'value'`): one table with each
 * setting's kind, default and bounds, read by analysis (to check a value
 * where it is written) and by `run` (to use it). `kafka.<property>` is not
 * in the table: it goes to librdkafka as is. */
#ifndef SQ_SETTINGS_H
#define SQ_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sq_setting_kind {
  SQ_SETTING_DURATION, /* '10 seconds', read as milliseconds */
  SQ_SETTING_NUMBER,   /* a decimal number */
  SQ_SETTING_CHOICE,   /* one of the words in `choices`, read as its index */
} sq_setting_kind_t;

typedef struct sq_setting_spec {
  const char *name;
  sq_setting_kind_t kind;
  double fallback;      /* when not set (milliseconds for a duration) */
  double above, at_most; /* valid values v: above < v <= at_most */
  const char *error;     /* the diagnostic for a value out of form or bounds */
  const char *choices;   /* CHOICE: the words, '|'-separated */
} sq_setting_spec_t;

/* The setting called `name`, NULL if there is none. */
const sq_setting_spec_t *sq_setting_find(const char *name);
/* Every setting, in the order of the table; `*n` gets their count. */
const sq_setting_spec_t *sq_settings(size_t *n);
/* Reads `text` as a value of `spec` into `*out`; false if it is not one. */
bool sq_setting_parse(const sq_setting_spec_t *spec, const char *text, double *out);

#endif
