/* Option values with environment substitution. The analyzer checked the
 * form of every value; what remains is what only start-up can know. */
#include "runtime/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
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
  sq_buf_t out = {0};
  for (const char *p = text; *p;) {
    const char *ref = strstr(p, "${");
    if (!ref) {
      sq_buf_puts(&out, p);
      break;
    }
    sq_buf_append(&out, p, (size_t)(ref - p));
    const char *end = strchr(ref, '}');
    char name[128];
    size_t len = (size_t)(end - ref - 2);
    if (len >= sizeof name) len = sizeof name - 1;
    memcpy(name, ref + 2, len);
    name[len] = '\0';
    const char *value = getenv(name);
    if (!value) {
      snprintf(err, err_size, "%s '%s': option '%s' uses ${%s}, which is not set", sq_rel_kind_name(rel->kind), rel->name, key, name);
      sq_buf_free(&out);
      return NULL;
    }
    sq_buf_puts(&out, value);
    p = end + 1;
  }
  sq_buf_putc(&out, '\0');
  if (out.failed) {
    snprintf(err, err_size, "out of memory");
    sq_buf_free(&out);
    return NULL;
  }
  return out.data;
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
