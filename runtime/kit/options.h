/* Reading a relation's WITH options at pipeline start: `${NAME}` replaced
 * by the environment variable NAME (never echoed in errors or logs), and
 * typed readings; an absent option reads as its connector's default
 * (the option tables of runtime/connectors/). */
#ifndef SQ_OPTIONS_H
#define SQ_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/catalog.h"

/* The option's text with ${NAME} substituted, malloc'd; NULL if the option
 * is absent (err empty) or a variable is unset (err says which). */
char *sq_option_string(const sq_relation_t *rel, const char *key, char *err, size_t err_size);
/* Integer option (0 when absent with no default). */
int64_t sq_option_int(const sq_relation_t *rel, const char *key);
/* Duration option in ms (0 when absent with no default, or unparsable). */
int64_t sq_option_duration(const sq_relation_t *rel, const char *key);
bool sq_option_bool(const sq_relation_t *rel, const char *key);
/* Whether the option's text, or its default, equals `value`. */
bool sq_option_is(const sq_relation_t *rel, const char *key, const char *value);

#endif
