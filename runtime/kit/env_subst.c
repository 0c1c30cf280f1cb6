/* Environment substitution for option and setting values. */
#include "runtime/kit/env_subst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"

char *sq_env_substitute(const char *what, const char *text, char *err, size_t err_size) {
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
    size_t len = (size_t)(end - ref - 2) < sizeof name - 1 ? (size_t)(end - ref - 2) : sizeof name - 1;
    memcpy(name, ref + 2, len);
    name[len] = '\0';
    const char *value = getenv(name);
    if (!value) {
      snprintf(err, err_size, "%s uses ${%s}, which is not set", what, name);
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
