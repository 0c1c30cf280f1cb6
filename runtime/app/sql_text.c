/* SQL text output; the reserved words come from grammar/keywords.h, the
 * one keyword list. */
#include "runtime/app/sql_text.h"

#include <stdbool.h>
#include <string.h>

static bool reserved(const char *name) {
#define RESERVED true
#define UNRESERVED false
#define SQ_KEYWORD(text, token, category) {text, category},
  static const struct {
    const char *text;
    bool reserved;
  } keywords[] = {
#include "grammar/keywords.h"
  };
#undef SQ_KEYWORD
#undef UNRESERVED
#undef RESERVED
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (strcmp(keywords[i].text, name) == 0) return keywords[i].reserved;
  return false;
}

static bool bare(const char *name) {
  if (!(*name == '_' || (*name >= 'a' && *name <= 'z'))) return false;
  for (const char *p = name; *p; p++)
    if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) return false;
  return !reserved(name);
}

void sq_put_ident(sq_buf_t *out, const char *name) {
  if (bare(name)) {
    sq_buf_puts(out, name);
    return;
  }
  sq_buf_putc(out, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"') sq_buf_putc(out, '"');
    sq_buf_putc(out, *p);
  }
  sq_buf_putc(out, '"');
}

void sq_put_string_literal(sq_buf_t *out, const char *text, size_t len) {
  sq_buf_putc(out, '\'');
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\'') sq_buf_putc(out, '\'');
    sq_buf_putc(out, text[i]);
  }
  sq_buf_putc(out, '\'');
}
