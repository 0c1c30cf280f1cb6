/* The only translation unit that includes jsmn (header-only, strict mode):
 * everything else sees sq_json_* with our own token type. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "engine/json.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(sq_json_token_t) == sizeof(jsmntok_t), "token layouts differ");
_Static_assert((int)SQ_JSON_OBJECT == (int)JSMN_OBJECT && (int)SQ_JSON_ARRAY == (int)JSMN_ARRAY &&
                   (int)SQ_JSON_STRING == (int)JSMN_STRING && (int)SQ_JSON_PRIMITIVE == (int)JSMN_PRIMITIVE,
               "token kinds differ");

bool sq_json_parse(sq_json_t *j, const char *text, size_t len) {
  for (;;) {
    if (j->cap == 0) {
      if (!(j->tokens = malloc(64 * sizeof *j->tokens))) return false;
      j->cap = 64;
    }
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, text, len, (jsmntok_t *)j->tokens, (unsigned)j->cap);
    if (n == JSMN_ERROR_NOMEM) {
      sq_json_token_t *bigger = realloc(j->tokens, (size_t)j->cap * 2 * sizeof *bigger);
      if (!bigger) return false;
      j->tokens = bigger;
      j->cap *= 2;
      continue;
    }
    if (n <= 0) return false;
    /* jsmn accepts trailing garbage after the first value; we do not. */
    for (size_t i = (size_t)j->tokens[0].end; i < len; i++)
      if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') return false;
    j->n = n;
    return true;
  }
}

void sq_json_free(sq_json_t *j) {
  free(j->tokens);
  memset(j, 0, sizeof *j);
}

int sq_json_skip(const sq_json_t *j, int i) {
  int pending = 1;
  while (pending > 0 && i < j->n) {
    const sq_json_token_t *t = &j->tokens[i++];
    pending--;
    if (t->kind == SQ_JSON_OBJECT) pending += 2 * t->size;
    else if (t->kind == SQ_JSON_ARRAY) pending += t->size;
  }
  return i;
}

int sq_json_find(const sq_json_t *j, const char *text, int root, const char *path, size_t path_len) {
  size_t p = 1; /* past '$' */
  int cur = root;
  while (p < path_len) {
    const sq_json_token_t *t = &j->tokens[cur];
    if (path[p] == '.') {
      size_t name = ++p;
      while (p < path_len && path[p] != '.' && path[p] != '[') p++;
      if (t->kind != SQ_JSON_OBJECT) return -1;
      int k = cur + 1, found = -1;
      for (int m = 0; m < t->size; m++) {
        const sq_json_token_t *key = &j->tokens[k];
        if ((size_t)(key->end - key->start) == p - name && memcmp(text + key->start, path + name, p - name) == 0) found = k + 1;
        k = sq_json_skip(j, k + 1);
      }
      if (found < 0) return -1;
      cur = found;
    } else if (path[p] == '[') {
      long index = strtol(path + p + 1, NULL, 10);
      while (p < path_len && path[p] != ']') p++;
      p++;
      if (t->kind != SQ_JSON_ARRAY || index < 0 || index >= t->size) return -1;
      int k = cur + 1;
      for (long m = 0; m < index; m++) k = sq_json_skip(j, k);
      cur = k;
    } else {
      return -1;
    }
  }
  return cur;
}

bool sq_json_has_escapes(const sq_json_t *j, const char *text, int i) {
  return memchr(text + j->tokens[i].start, '\\', (size_t)(j->tokens[i].end - j->tokens[i].start)) != NULL;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

static char *put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) *o++ = (char)cp;
  else if (cp < 0x800) *o++ = (char)(0xC0 | cp >> 6), *o++ = (char)(0x80 | (cp & 0x3F));
  else if (cp < 0x10000) *o++ = (char)(0xE0 | cp >> 12), *o++ = (char)(0x80 | (cp >> 6 & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
  else *o++ = (char)(0xF0 | cp >> 18), *o++ = (char)(0x80 | (cp >> 12 & 0x3F)), *o++ = (char)(0x80 | (cp >> 6 & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
  return o;
}

sq_value_t sq_json_string(const sq_json_t *j, const char *text, int i, sq_arena_t *arena) {
  const char *p = text + j->tokens[i].start, *end = text + j->tokens[i].end;
  char *out = sq_arena_alloc(arena, (size_t)(end - p) + 1), *o = out;
  if (!out) return sq_null();
  while (p < end) {
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    p++;
    switch (*p++) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      int cp = end - p >= 4 ? hex4(p) : -1;
      if (cp < 0) return sq_null();
      p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        int lo = hex4(p + 2);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
      }
      o = put_utf8(o, (unsigned)cp);
      break;
    }
    default: return sq_null();
    }
  }
  return sq_str(out, (uint32_t)(o - out));
}

sq_value_t sq_json_path_value(sq_value_t doc, sq_value_t path, sq_arena_t *arena) {
  /* A fresh tokenizer per call keeps JSON_VALUE reentrant; its buffers are
   * small for the documents it is used on. */
  sq_json_t j = {0};
  sq_value_t result = sq_null();
  if (sq_json_parse(&j, doc.u.s.p, doc.u.s.len)) {
    int t = sq_json_find(&j, doc.u.s.p, 0, path.u.s.p, path.u.s.len);
    if (t >= 0 && j.tokens[t].kind == SQ_JSON_STRING) {
      result = sq_json_string(&j, doc.u.s.p, t, arena);
    } else if (t >= 0 && j.tokens[t].kind == SQ_JSON_PRIMITIVE && doc.u.s.p[j.tokens[t].start] != 'n') {
      result = sq_str(doc.u.s.p + j.tokens[t].start, (uint32_t)(j.tokens[t].end - j.tokens[t].start));
    }
  }
  sq_json_free(&j);
  return result;
}
