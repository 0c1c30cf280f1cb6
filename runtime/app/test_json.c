/* Test files and compared rows as JSON, tokenized by engine/json.c's
 * strict tokenizer, whose error offset becomes the diagnostic's place. */
#include "runtime/app/test_json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/value_text.h"

static sq_span_t span_of(const sq_test_doc_t *d, int tok) {
  if (tok < 0) return (sq_span_t){0, 0};
  const sq_json_token_t *t = &d->json.tokens[tok];
  bool quoted = t->kind == SQ_JSON_STRING;
  return (sq_span_t){(uint32_t)(t->start - quoted), (uint32_t)(t->end + quoted)};
}

void sq_test_doc_error(sq_test_doc_t *d, int tok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sq_diag_verror(d->diag, span_of(d, tok), fmt, ap);
  va_end(ap);
}

/* Tokenizes the whole text with the engine's strict tokenizer. */
static bool tokenize(sq_test_doc_t *d) {
  const char *text = d->file.text;
  size_t len = sq_sql_len(d->file.sql);
  if (!sq_json_parse(&d->json, text, len)) {
    if (d->json.error_at < 0) {
      sq_diag_error(d->diag, (sq_span_t){0, 0}, "out of memory");
      return false;
    }
    uint32_t at = (uint32_t)d->json.error_at;
    if (len == 0) sq_diag_error(d->diag, (sq_span_t){0, 0}, "empty file: a test file holds a JSON object (or an array of them)");
    else sq_diag_error(d->diag, (sq_span_t){at, at + (at < len)}, "invalid JSON: %s", d->json.error);
    return false;
  }
  for (int i = 0; i < d->json.n; i++)
    if (d->json.tokens[i].kind == SQ_JSON_STRING && !sq_test_doc_string(d, i)) {
      sq_test_doc_error(d, i, "invalid escape in this string");
      return false;
    }
  return true;
}

bool sq_test_doc_read(sq_test_doc_t *d, const char *path) {
  memset(d, 0, sizeof *d);
  if (!sq_pipeline_file_read(path, &d->file)) {
    fprintf(stderr, "streamq test: cannot read '%s': %s\n", path, strerror(errno));
    return false;
  }
  if (!(d->diag = sq_diag_new(d->file.sql))) {
    fprintf(stderr, "streamq test: out of memory\n");
    return false;
  }
  return tokenize(d);
}

void sq_test_doc_free(sq_test_doc_t *d) {
  sq_json_free(&d->json);
  sq_arena_free(&d->arena);
  sq_diag_destroy(d->diag);
  sq_pipeline_file_free(&d->file);
}

const char *sq_test_doc_text(const sq_test_doc_t *d, int tok, size_t *len) {
  sq_span_t s = span_of(d, tok);
  *len = s.end - s.start;
  return d->file.text + s.start;
}

int sq_test_doc_member(const sq_test_doc_t *d, int obj, const char *key) {
  const sq_json_token_t *o = &d->json.tokens[obj];
  if (o->kind != SQ_JSON_OBJECT) return -1;
  size_t klen = strlen(key);
  for (int m = 0, k = obj + 1; m < o->size; m++) {
    const sq_json_token_t *t = &d->json.tokens[k];
    if (!sq_json_has_escapes(&d->json, d->file.text, k) && (size_t)(t->end - t->start) == klen &&
        memcmp(d->file.text + t->start, key, klen) == 0)
      return k + 1;
    k = sq_json_skip(&d->json, k + 1);
  }
  return -1;
}

const char *sq_test_doc_string(sq_test_doc_t *d, int tok) {
  sq_value_t v = sq_json_string(&d->json, d->file.text, tok, &d->arena);
  if (sq_is_null(v)) return NULL;
  char *s = sq_arena_alloc(&d->arena, v.u.s.len + 1);
  if (!s) return NULL;
  memcpy(s, v.u.s.p, v.u.s.len);
  s[v.u.s.len] = '\0';
  return s;
}

bool sq_test_doc_is(const sq_test_doc_t *d, int tok, const char *word) {
  const sq_json_token_t *t = &d->json.tokens[tok];
  return t->kind == SQ_JSON_PRIMITIVE && (size_t)(t->end - t->start) == strlen(word) &&
         memcmp(d->file.text + t->start, word, strlen(word)) == 0;
}

/* The integer spelled p[0, len), if it is one that fits. */
static bool parse_int(const char *p, size_t len, int64_t *out) {
  char text[32];
  if (len == 0 || len >= sizeof text) return false;
  memcpy(text, p, len);
  text[len] = '\0';
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (*end || errno) return false;
  *out = v;
  return true;
}

bool sq_test_doc_int(const sq_test_doc_t *d, int tok, int64_t *out) {
  const sq_json_token_t *t = &d->json.tokens[tok];
  return t->kind == SQ_JSON_PRIMITIVE && parse_int(d->file.text + t->start, (size_t)(t->end - t->start), out);
}

/* A number by value: integers as integers, other numbers with an
 * integral value below 2^53 as integers too, the rest in 17 digits. */
static void canonical_number(const char *p, size_t len, sq_buf_t *out) {
  char text[400];
  int64_t i;
  if (parse_int(p, len, &i)) {
    snprintf(text, sizeof text, "%" PRId64, i);
  } else {
    snprintf(text, sizeof text, "%.*s", (int)len, p);
    double v = strtod(text, NULL);
    if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(text, sizeof text, "%" PRId64, (int64_t)v);
    else snprintf(text, sizeof text, "%.17g", v);
  }
  sq_buf_puts(out, text);
}

typedef struct member {
  sq_value_t key;
  sq_buf_t text; /* "key":value */
} member_t;

static int by_key(const void *a, const void *b) {
  const member_t *x = a, *y = b;
  uint32_t n = x->key.u.s.len < y->key.u.s.len ? x->key.u.s.len : y->key.u.s.len;
  int c = memcmp(x->key.u.s.p, y->key.u.s.p, n);
  return c ? c : (x->key.u.s.len > y->key.u.s.len) - (x->key.u.s.len < y->key.u.s.len);
}

bool sq_json_canonical(const char *text, const sq_json_t *j, int i, sq_buf_t *out, sq_arena_t *arena) {
  const sq_json_token_t *t = &j->tokens[i];
  switch (t->kind) {
  case SQ_JSON_STRING: {
    sq_value_t v = sq_json_string(j, text, i, arena);
    if (sq_is_null(v)) return false;
    sq_encode_json_string(out, v.u.s.p, v.u.s.len);
    return true;
  }
  case SQ_JSON_PRIMITIVE:
    if (text[t->start] == '-' || (text[t->start] >= '0' && text[t->start] <= '9'))
      canonical_number(text + t->start, (size_t)(t->end - t->start), out);
    else sq_buf_append(out, text + t->start, (size_t)(t->end - t->start));
    return true;
  case SQ_JSON_ARRAY: {
    sq_buf_putc(out, '[');
    bool ok = true;
    for (int k = 0, at = i + 1; k < t->size && ok; k++, at = sq_json_skip(j, at)) {
      if (k) sq_buf_putc(out, ',');
      ok = sq_json_canonical(text, j, at, out, arena);
    }
    sq_buf_putc(out, ']');
    return ok;
  }
  default: {
    member_t *m = calloc((size_t)t->size + 1, sizeof *m);
    bool ok = m != NULL;
    for (int k = 0, at = i + 1; ok && k < t->size; k++, at = sq_json_skip(j, at + 1)) {
      m[k].key = sq_json_string(j, text, at, arena);
      ok = !sq_is_null(m[k].key) && sq_json_canonical(text, j, at, &m[k].text, arena);
      sq_buf_putc(&m[k].text, ':');
      ok = ok && sq_json_canonical(text, j, at + 1, &m[k].text, arena);
    }
    if (ok) qsort(m, (size_t)t->size, sizeof *m, by_key);
    sq_buf_putc(out, '{');
    for (int k = 0; ok && k < t->size; k++) {
      if (k) sq_buf_putc(out, ',');
      sq_buf_append(out, m[k].text.data, m[k].text.len);
    }
    sq_buf_putc(out, '}');
    for (int k = 0; m && k < t->size; k++) sq_buf_free(&m[k].text);
    free(m);
    if (!m) out->failed = true;
    return ok;
  }
  }
}

char *sq_json_canonical_text(const char *text, size_t len) {
  sq_json_t j = {0};
  sq_arena_t arena = {0};
  sq_buf_t out = {0};
  bool ok = sq_json_parse(&j, text, len) && sq_json_canonical(text, &j, 0, &out, &arena);
  sq_buf_putc(&out, '\0');
  sq_json_free(&j);
  sq_arena_free(&arena);
  if (ok && !out.failed) return out.data;
  sq_buf_free(&out);
  return NULL;
}
