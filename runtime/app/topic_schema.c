/* Schema inference. Each field (a top-level key, or a path to a nested
 * scalar) keeps which kinds of value it has held; the type is decided
 * once, when the schema is written. A field that is sometimes an object
 * and sometimes not gets PATH columns for its object members only. Keys a
 * PATH cannot spell ('.', '[' or a quote in them) are left out. */
#include "runtime/app/topic_schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/timestamp.h"
#include "runtime/app/sql_text.h"

enum { SEEN_BOOL = 1, SEEN_INT = 2, SEEN_DOUBLE = 4, SEEN_STRING = 8, SEEN_OTHER = 16 };

struct sq_inferred_field {
  char *path;     /* '$.a.b' */
  unsigned seen;  /* SEEN_* of its non-null values */
  uint64_t present; /* records with a non-null value */
  bool all_iso;   /* every string value was an ISO-8601 timestamp */
};

#define MAX_DEPTH 8

void sq_topic_schema_free(sq_topic_schema_t *s) {
  for (size_t i = 0; i < s->n; i++) free(s->fields[i].path);
  free(s->fields);
  sq_json_free(&s->json);
  *s = (sq_topic_schema_t){0};
}

static sq_inferred_field_t *field(sq_topic_schema_t *s, const char *path) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->fields[i].path, path) == 0) return &s->fields[i];
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    sq_inferred_field_t *v = realloc(s->fields, cap * sizeof *v);
    if (!v) return NULL;
    s->fields = v;
    s->cap = cap;
  }
  char *copy = strdup(path);
  if (!copy) return NULL;
  s->fields[s->n] = (sq_inferred_field_t){copy, 0, 0, true};
  return &s->fields[s->n++];
}

static bool spellable(const char *key, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++)
    if (key[i] == '.' || key[i] == '[' || key[i] == ']' || key[i] == '\'' || key[i] == '"' || key[i] == '\\' ||
        (unsigned char)key[i] < 0x20)
      return false;
  return true;
}

static unsigned kind_of(const sq_json_token_t *t, const char *text) {
  if (t->kind == SQ_JSON_STRING) return SEEN_STRING;
  if (t->kind != SQ_JSON_PRIMITIVE) return SEEN_OTHER;
  char c = text[t->start];
  if (c == 'n') return 0;
  if (c == 't' || c == 'f') return SEEN_BOOL;
  for (int i = t->start; i < t->end; i++)
    if (text[i] == '.' || text[i] == 'e' || text[i] == 'E') return SEEN_DOUBLE;
  return SEEN_INT;
}

/* Records the members of the object at token `obj`, below `prefix`. */
static int walk(sq_topic_schema_t *s, const char *text, int obj, char *prefix, size_t prefix_len, int depth) {
  const sq_json_t *j = &s->json;
  int members = j->tokens[obj].size, i = obj + 1;
  for (int m = 0; m < members; m++) {
    const sq_json_token_t *key = &j->tokens[i];
    int value = i + 1, next = sq_json_skip(j, value);
    size_t klen = (size_t)(key->end - key->start);
    if (spellable(text + key->start, klen) && prefix_len + klen + 2 < 512) {
      prefix[prefix_len] = '.';
      memcpy(prefix + prefix_len + 1, text + key->start, klen);
      prefix[prefix_len + 1 + klen] = '\0';
      const sq_json_token_t *v = &j->tokens[value];
      if (v->kind == SQ_JSON_OBJECT && depth < MAX_DEPTH) {
        walk(s, text, value, prefix, prefix_len + 1 + klen, depth + 1);
      } else {
        sq_inferred_field_t *f = field(s, prefix);
        if (!f) {
          s->failed = true;
        } else {
          unsigned k = kind_of(v, text);
          f->seen |= k;
          f->present += k != 0;
          int64_t ms;
          if (k == SEEN_STRING && !sq_timestamp_parse(text + v->start, (size_t)(v->end - v->start), &ms)) f->all_iso = false;
        }
      }
      prefix[prefix_len] = '\0';
    }
    i = next;
  }
  return i;
}

void sq_topic_schema_add(sq_topic_schema_t *s, const char *text, size_t len) {
  s->records++;
  if (!sq_json_parse(&s->json, text, len) || s->json.n == 0 || s->json.tokens[0].kind != SQ_JSON_OBJECT) {
    s->not_json++;
    return;
  }
  char prefix[512] = "$";
  walk(s, text, 0, prefix, 1, 0);
}

/* ts, timestamp, *_time, *_at (the last path segment, any case). */
static bool time_like(const char *path) {
  const char *name = strrchr(path, '.') + 1;
  size_t n = strlen(name);
  if (strcasecmp(name, "ts") == 0 || strcasecmp(name, "timestamp") == 0) return true;
  return (n > 5 && strcasecmp(name + n - 5, "_time") == 0) || (n > 3 && strcasecmp(name + n - 3, "_at") == 0);
}

static sq_type_t type_of(const sq_inferred_field_t *f) {
  switch (f->seen) {
  case 0: return SQ_TYPE_STRING;
  case SEEN_BOOL: return SQ_TYPE_BOOLEAN;
  case SEEN_INT: return time_like(f->path) ? SQ_TYPE_TIMESTAMP : SQ_TYPE_BIGINT;
  case SEEN_INT | SEEN_DOUBLE:
  case SEEN_DOUBLE: return SQ_TYPE_DOUBLE;
  case SEEN_STRING: return f->all_iso && time_like(f->path) ? SQ_TYPE_TIMESTAMP : SQ_TYPE_STRING;
  default: return SQ_TYPE_STRING;
  }
}

/* The column name of a path: its segments joined by '_' ($.card.number:
 * card_number), case kept (a top-level key is matched by its name, so
 * sq_put_ident quotes one with capitals). */
static void column_name(const char *path, char *out, size_t size) {
  size_t n = 0;
  for (const char *p = path + 2; *p && n + 1 < size; p++) out[n++] = *p == '.' ? '_' : *p;
  out[n] = '\0';
}

bool sq_topic_schema_render(const sq_topic_schema_t *s, const char *name, const char *topic, bool skip_bad, sq_buf_t *out) {
  if (s->records == s->not_json || s->n == 0) return false;
  sq_buf_puts(out, "CREATE SOURCE ");
  sq_put_ident(out, name);
  sq_buf_puts(out, " (\n");
  const char *event_time = NULL;
  char col[512];
  for (size_t i = 0; i < s->n; i++) {
    const sq_inferred_field_t *f = &s->fields[i];
    sq_type_t t = type_of(f);
    bool nested = strchr(f->path + 2, '.') != NULL;
    column_name(f->path, col, sizeof col);
    sq_buf_puts(out, "  ");
    sq_put_ident(out, col);
    sq_buf_putc(out, ' ');
    sq_buf_puts(out, sq_type_name(t));
    if (nested) {
      sq_buf_puts(out, " PATH ");
      sq_put_string_literal(out, f->path, strlen(f->path));
    }
    sq_buf_puts(out, i + 1 < s->n ? ",\n" : "\n");
    /* a record without it could not be placed in time */
    if (t == SQ_TYPE_TIMESTAMP && !event_time && f->present == s->records - s->not_json) event_time = f->path;
  }
  sq_buf_puts(out, ") WITH (connector = 'kafka', topic = ");
  sq_put_string_literal(out, topic, strlen(topic));
  sq_buf_puts(out, ", format = 'json'");
  if (event_time) {
    column_name(event_time, col, sizeof col);
    sq_buf_puts(out, ", timestamp = ");
    sq_put_string_literal(out, col, strlen(col));
  }
  if (skip_bad) sq_buf_puts(out, ", on_error = 'skip'");
  sq_buf_puts(out, ");");
  return true;
}
