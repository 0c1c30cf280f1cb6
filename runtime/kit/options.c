/* Option values with environment substitution. The analyzer checked the
 * form of every value; what remains is what only start-up can know. */
#include "runtime/kit/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kit/env_subst.h"
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

int64_t sq_option_int(const sq_relation_t *rel, const char *key, int64_t fallback) {
  const sq_ast_t *v = sq_relation_option(rel, key);
  return v && v->sub == SQ_LIT_INT ? v->ival : fallback;
}

int64_t sq_option_duration(const sq_relation_t *rel, const char *key, int64_t fallback) {
  char err[256];
  char *text = sq_option_string(rel, key, err, sizeof err);
  int64_t ms = fallback;
  if (text && !sq_duration_parse(text, &ms)) ms = fallback;
  free(text);
  return ms;
}

bool sq_option_bool(const sq_relation_t *rel, const char *key, bool fallback) {
  const sq_ast_t *v = sq_relation_option(rel, key);
  if (!v) return fallback;
  if (v->sub == SQ_LIT_BOOL) return v->flag;
  return v->text && strcmp(v->text, "true") == 0;
}

bool sq_option_is(const sq_relation_t *rel, const char *key, const char *value) {
  const sq_ast_t *v = sq_relation_option(rel, key);
  return v && v->text && strcmp(v->text, value) == 0;
}
