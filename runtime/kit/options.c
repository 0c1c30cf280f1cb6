/* Option values with environment substitution. The analyzer checked the
 * form of every value; what remains is what only start-up can know. */
#include "runtime/kit/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kit/env_subst.h"
#include "engine/connector_options.h"
#include "engine/duration.h"

char *sq_option_string(const sq_relation_t *rel, const char *key, char *err, size_t err_size) {
  err[0] = '\0';
  const sq_ast_t *v = sq_relation_option(rel, key);
  if (!v) return NULL;
  char number[32];
  const char *text = v->text;
  if (!text) { /* a number or boolean written bare */
    if (v->sub == SQ_LIT_BOOL) text = v->flag ? "true" : "false";
    else snprintf(number, sizeof number, "%lld", (long long)v->ival), text = number;
  }
  char what[300];
  snprintf(what, sizeof what, "%s '%s': option '%s'", sq_rel_kind_name(rel->kind), rel->name, key);
  return sq_env_substitute(what, text, err, err_size);
}

/* The option's text as written, else its connector's default; NULL when
 * it has neither or is not text (a bare number or boolean). */
static const char *text_or_default(const sq_relation_t *rel, const char *key, const sq_ast_t **given) {
  const sq_ast_t *v = *given = sq_relation_option(rel, key);
  if (v) return v->text;
  const sq_option_spec_t *spec = rel->connector ? sq_connector_option(rel->connector, sq_relation_role(rel), key) : NULL;
  return spec ? spec->fallback : NULL;
}

int64_t sq_option_int(const sq_relation_t *rel, const char *key) {
  const sq_ast_t *v;
  const char *text = text_or_default(rel, key, &v);
  if (v) return v->sub == SQ_LIT_INT ? v->ival : 0;
  return text ? strtoll(text, NULL, 10) : 0;
}

int64_t sq_option_duration(const sq_relation_t *rel, const char *key) {
  const sq_ast_t *v;
  const char *fallback = text_or_default(rel, key, &v);
  char err[256];
  char *given = v ? sq_option_string(rel, key, err, sizeof err) : NULL;
  const char *text = v ? given : fallback;
  int64_t ms;
  if (!text || !sq_duration_parse(text, &ms)) ms = 0;
  free(given);
  return ms;
}

bool sq_option_bool(const sq_relation_t *rel, const char *key) {
  const sq_ast_t *v;
  const char *text = text_or_default(rel, key, &v);
  if (v && v->sub == SQ_LIT_BOOL) return v->flag;
  return text && strcmp(text, "true") == 0;
}

bool sq_option_is(const sq_relation_t *rel, const char *key, const char *value) {
  const sq_ast_t *v;
  const char *text = text_or_default(rel, key, &v);
  return text && strcmp(text, value) == 0;
}
