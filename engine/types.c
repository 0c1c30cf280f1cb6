/* Type names and the implicit conversion rules shared by analysis. */
#include "engine/types.h"

#include <stddef.h>
#include <strings.h>

#include "engine/suggest.h"

const char *sq_type_name(sq_type_t t) {
  static const char *const names[] = {
      [SQ_TYPE_ERROR] = "ERROR", [SQ_TYPE_NULL] = "NULL", [SQ_TYPE_BOOLEAN] = "BOOLEAN",
      [SQ_TYPE_BIGINT] = "BIGINT", [SQ_TYPE_DOUBLE] = "DOUBLE", [SQ_TYPE_STRING] = "STRING",
      [SQ_TYPE_TIMESTAMP] = "TIMESTAMP",
  };
  return names[t];
}

/* Every name a type may be written with. */
static const struct {
  const char *name;
  sq_type_t type;
} aliases[] = {
    {"BOOLEAN", SQ_TYPE_BOOLEAN}, {"BIGINT", SQ_TYPE_BIGINT}, {"INT", SQ_TYPE_BIGINT},
    {"INTEGER", SQ_TYPE_BIGINT}, {"DOUBLE", SQ_TYPE_DOUBLE}, {"STRING", SQ_TYPE_STRING},
    {"VARCHAR", SQ_TYPE_STRING}, {"TIMESTAMP", SQ_TYPE_TIMESTAMP},
};

sq_type_t sq_type_from_name(const char *name) {
  for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
    if (strcasecmp(name, aliases[i].name) == 0) return aliases[i].type;
  return SQ_TYPE_ERROR;
}

sq_type_t sq_type_resolve(const char *name, sq_span_t span, sq_diag_t *diag) {
  sq_type_t t = sq_type_from_name(name);
  if (t != SQ_TYPE_ERROR) return t;
  sq_suggest_t s;
  sq_suggest_init(&s, name);
  for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) sq_suggest_offer(&s, aliases[i].name);
  sq_suggest_report(&s, diag, span, "unknown type '%s'", name);
  return SQ_TYPE_ERROR;
}

bool sq_type_is_numeric(sq_type_t t) { return t == SQ_TYPE_BIGINT || t == SQ_TYPE_DOUBLE; }

sq_type_t sq_type_common(sq_type_t a, sq_type_t b) {
  if (a == SQ_TYPE_ERROR || b == SQ_TYPE_ERROR) return SQ_TYPE_ERROR;
  if (a == SQ_TYPE_NULL) return b;
  if (b == SQ_TYPE_NULL || a == b) return a;
  if (sq_type_is_numeric(a) && sq_type_is_numeric(b)) return SQ_TYPE_DOUBLE;
  return SQ_TYPE_ERROR;
}

bool sq_type_castable(sq_type_t from, sq_type_t to) {
  if (from == SQ_TYPE_NULL || from == to || from == SQ_TYPE_STRING || to == SQ_TYPE_STRING) return true;
  /* BOOLEAN and TIMESTAMP only convert to and from strings and integers. */
  if (from == SQ_TYPE_BOOLEAN || to == SQ_TYPE_BOOLEAN)
    return from == SQ_TYPE_BIGINT || to == SQ_TYPE_BIGINT;
  return true; /* among BIGINT, DOUBLE, TIMESTAMP (epoch milliseconds) */
}
