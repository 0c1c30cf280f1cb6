/* Reading a relation's WITH options at pipeline start: `${NAME}` replaced
 * by the environment variable NAME (never echoed in errors or logs), and
 * typed readings with the defaults of LANGUAGE.md §4. */
#ifndef SQ_OPTIONS_H
#define SQ_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/catalog.h"

/* The option's text with ${NAME} substituted, malloc'd; NULL if the option
 * is absent (err empty) or a variable is unset (err says which). */
char *sq_option_string(const sq_relation_t *rel, const char *key, char *err, size_t err_size);
/* Integer option, or `fallback` when absent. */
int64_t sq_option_int(const sq_relation_t *rel, const char *key, int64_t fallback);
/* Duration option in ms, or `fallback` when absent or unparsable. */
int64_t sq_option_duration(const sq_relation_t *rel, const char *key, int64_t fallback);
bool sq_option_bool(const sq_relation_t *rel, const char *key, bool fallback);
/* Whether the option's text equals `value` (false when absent). */
bool sq_option_is(const sq_relation_t *rel, const char *key, const char *value);

#endif
