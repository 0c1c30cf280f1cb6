/* The JSON tokenizer and its scanners. One pass, no recursion: an open
 * object or array keeps the index of the one enclosing it in its `end`
 * until it closes, so any depth needs no stack. Strings are scanned eight
 * bytes at a time while no byte is a quote, a backslash, a control byte
 * or non-ASCII. */
#include "engine/json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/utf8.h"

static const char *fault(sq_json_fault_t *f, const char *at, const char *what) {
  f->at = at;
  f->what = what;
  return NULL;
}

/* Bytes a plain run of a string goes on over. */
static const bool plain[256] = {[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7f] = true};
/* Bytes that may follow a number or literal. */
static const bool delimiter[256] = {[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, [','] = true, [']'] = true, ['}'] = true};

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

/* The escape whose backslash is at p: just past it, or NULL. A \\u escape
 * of a surrogate must be a high one followed by a low one. */
static const char *escape(const char *p, const char *end, sq_json_fault_t *f) {
  if (end - p < 2) return fault(f, p, "unterminated string");
  switch (p[1]) {
  case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return p + 2;
  case 'u': break;
  default: return fault(f, p, "an invalid escape");
  }
  int u = end - p >= 6 ? hex4(p + 2) : -1;
  if (u < 0) return fault(f, p, "an invalid \\u escape (four hex digits)");
  if (u < 0xD800 || u > 0xDFFF) return p + 6;
  int low = u < 0xDC00 && end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
  if (low < 0xDC00 || low > 0xDFFF) return fault(f, p, "a lone surrogate in a \\u escape");
  return p + 12;
}

const char *sq_json_string_end(const char *p, const char *end, bool *escaped, sq_json_fault_t *f) {
  for (;;) {
    for (; end - p >= 8; p += 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      uint64_t quote = w ^ 0x2222222222222222u, backslash = w ^ 0x5c5c5c5c5c5c5c5cu;
      /* a zero byte in quote or backslash, a byte below 0x20, or a high bit */
      uint64_t special = ((quote - 0x0101010101010101u) & ~quote) | ((backslash - 0x0101010101010101u) & ~backslash) |
                         ((w - 0x2020202020202020u) & ~w) | w;
      if (special & 0x8080808080808080u) break;
    }
    while (p < end && plain[(unsigned char)*p]) p++;
    if (p == end) return fault(f, p, "unterminated string");
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p;
    if (c == '\\') {
      if (!(p = escape(p, end, f))) return NULL;
      *escaped = true;
    } else if (c < 0x20) {
      return fault(f, p, "a control character in a string (write it as an escape)");
    } else {
      size_t n = sq_utf8_seq(p, end);
      if (n == 0) return fault(f, p, "invalid UTF-8");
      p += n;
    }
  }
}

static const char *digits(const char *p, const char *end) {
  while (p < end && (unsigned)(*p - '0') <= 9) p++;
  return p;
}

const char *sq_json_scalar_end(const char *p, const char *end, sq_json_fault_t *f) {
  if (p == end) return fault(f, p, "expected a value");
  const char *word = *p == 't' ? "true" : *p == 'f' ? "false" : *p == 'n' ? "null" : NULL, *q = p;
  if (word) {
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0 || (end - p > (ptrdiff_t)n && !delimiter[(unsigned char)p[n]]))
      return fault(f, p, "expected a value");
    return p + n;
  }
  q += q < end && *q == '-';
  if (q == end || (unsigned)(*q - '0') > 9) return fault(f, p, "expected a value");
  q = *q == '0' ? q + 1 : digits(q, end);
  if (q < end && *q == '.') {
    const char *frac = q + 1;
    if ((q = digits(frac, end)) == frac) return fault(f, p, "an invalid number");
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    const char *exp = q + 1 + (end - q > 1 && (q[1] == '+' || q[1] == '-'));
    if ((q = digits(exp, end)) == exp) return fault(f, p, "an invalid number");
  }
  if (q < end && !delimiter[(unsigned char)*q]) return fault(f, p, "an invalid number");
  return q;
}

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

/* Appends a token; false when memory runs out. */
static bool add(sq_json_t *j, sq_json_kind_t kind, long start, long end, sq_json_fault_t *f) {
  if (j->n == j->cap) {
    int cap = j->cap ? j->cap * 2 : 64; /* never overflows: a document has fewer than INT_MAX bytes */
    sq_json_token_t *bigger = realloc(j->tokens, (size_t)cap * sizeof *bigger);
    if (!bigger) return fault(f, NULL, "out of memory"), false;
    j->tokens = bigger;
    j->cap = cap;
  }
  j->tokens[j->n++] = (sq_json_token_t){kind, (int)start, (int)end, 0};
  return true;
}

/* A member name and its colon at p: what follows, or NULL. */
static const char *member_name(sq_json_t *j, const char *text, const char *p, const char *end, sq_json_fault_t *f) {
  bool escaped;
  if (p == end || *p != '"') return fault(f, p, "expected a member name in double quotes");
  const char *close = sq_json_string_end(p + 1, end, &escaped, f);
  if (!close || !add(j, SQ_JSON_STRING, p + 1 - text, close - text, f)) return NULL;
  p = skip_space(close + 1, end);
  if (p == end || *p != ':') return fault(f, p, "expected ':'");
  return skip_space(p + 1, end);
}

bool sq_json_parse(sq_json_t *j, const char *text, size_t len) {
  const char *p = skip_space(text, text + len), *end = text + len;
  sq_json_fault_t f = {text, "a document of 2 GiB or more"};
  int open = -1; /* the innermost object or array not yet closed */
  bool escaped;
  j->n = 0;
  if (len > INT_MAX) goto bad;
  for (;;) {
    /* a value at p */
    const char *after;
    if (p < end && (*p == '{' || *p == '[')) {
      bool object = *p == '{';
      if (!add(j, object ? SQ_JSON_OBJECT : SQ_JSON_ARRAY, p - text, open, &f)) goto bad;
      open = j->n - 1;
      p = skip_space(p + 1, end);
      if (p == end || *p != (object ? '}' : ']')) {
        j->tokens[open].size = 1;
        if (object && !(p = member_name(j, text, p, end, &f))) goto bad;
        continue;
      }
    } else if (p < end && *p == '"') {
      if (!(after = sq_json_string_end(p + 1, end, &escaped, &f)) || !add(j, SQ_JSON_STRING, p + 1 - text, after - text, &f)) goto bad;
      p = skip_space(after + 1, end);
    } else {
      if (!(after = sq_json_scalar_end(p, end, &f)) || !add(j, SQ_JSON_PRIMITIVE, p - text, after - text, &f)) goto bad;
      p = skip_space(after, end);
    }
    /* after a value: close what ends here, then the next member or item */
    for (;;) {
      if (open < 0) {
        if (p == end) return true;
        fault(&f, p, "unexpected text after the JSON value");
        goto bad;
      }
      bool object = j->tokens[open].kind == SQ_JSON_OBJECT;
      if (p < end && *p == (object ? '}' : ']')) {
        int enclosing = j->tokens[open].end;
        j->tokens[open].end = (int)(p + 1 - text);
        open = enclosing;
        p = skip_space(p + 1, end);
        continue;
      }
      if (p == end || *p != ',') {
        fault(&f, p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
      }
      j->tokens[open].size++;
      p = skip_space(p + 1, end);
      if (object && !(p = member_name(j, text, p, end, &f))) goto bad;
      break;
    }
  }
bad:
  j->error = f.what;
  j->error_at = f.at ? (long)(f.at - text) : -1;
  return false;
}

void sq_json_error(const sq_json_t *j, char *buf, size_t size) {
  if (j->error_at < 0) snprintf(buf, size, "out of memory");
  else snprintf(buf, size, "invalid JSON at byte %ld: %s", j->error_at + 1, j->error);
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
    default: { /* 'u': the tokenizer saw four hex digits, and a high surrogate's low one */
      int cp = hex4(p);
      p += 4;
      if (cp >= 0xD800 && cp < 0xDC00) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(p + 2) - 0xDC00);
        p += 6;
      }
      o = put_utf8(o, (unsigned)cp);
    }
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
